"""Model formulas: ``"low ~ age + lwt + C(race) + smoke"`` to a design matrix.

The formula language and its design matrices are formulaic's: it is
maintained, is the formula engine of glum, reads the R and patsy syntax
statsmodels users write (``C()``, ``:``, ``*``, ``I()``, ``- 1``, contrasts,
``center``/``scale``, splines, ``poly``), and keeps every learned level and
transform state in a :class:`formulaic.ModelSpec`, so new data are encoded as
the training data were. Term names are formulaic's (``C(race)[T.2]``).

:class:`ModelFormula` is what a fitted estimator keeps (``formula_``):

- the left-hand side names the target column, whose values are the labels
  as they are (strings, numbers, booleans);
- rows with a missing value in the target or a column the right-hand side
  uses are left out of the fit, as R's ``na.omit`` and statsmodels' formulas
  do, with a warning that counts them; at prediction a missing value raises;
- a level the fit never saw raises at prediction (as R's ``predict`` does),
  where formulaic alone would encode it as the reference level;
- the intercept is the estimator's, not a column: the formula says whether
  there is one (``- 1`` or ``0 +`` removes it) and ``fit_intercept`` must
  agree.

Model files keep the formula without pickle (:meth:`ModelFormula.to_state`):
the formula text and formulaic's learned state as plain values, the handful
of formulaic classes in that state rebuilt from a fixed table. formulaic
evaluates terms as Python expressions, so every term is checked before it is
evaluated, at fit and after loading (:mod:`logreg.data.formula_terms`):
only columns, numbers, strings, operators, formulaic's transforms and
contrasts, and NumPy's ufuncs (``np.log``) may appear; no attributes,
subscripts, lambdas or names starting with ``_``. A model file can therefore
never run code. The state's codec is :mod:`logreg.data.formula_state`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from logreg.data.formula_state import plain, restored
from logreg.data.formula_terms import check_term, python_terms

__all__ = ["MAX_FORMULA_LENGTH", "ModelFormula"]

#: The longest formula accepted (a guard for hand-edited model files).
MAX_FORMULA_LENGTH = 20_000


def _formulaic() -> Any:
    try:
        import formulaic
    except ImportError as error:
        raise ImportError(
            "formulas need formulaic: pip install 'logreg[stats]'"
        ) from error
    return formulaic


def _pandas() -> Any:
    import pandas as pd

    return pd


# ------------------------------------------------------------------ formula
class ModelFormula:
    """A formula learned on a table: its design matrix for any new table.

    Build one with :meth:`learn`; an estimator fitted with ``formula=`` keeps
    it as ``formula_``.

    Attributes
    ----------
    formula : str
        The formula as written.
    target : str or None
        The target column named by the left-hand side, or None (``y`` given).
    intercept : bool
        Whether the formula has an intercept.
    columns : list of str
        The design matrix's columns (formulaic's term names), without the
        intercept: the estimator's ``feature_names_in_``.
    variables : list of str
        The data columns the right-hand side reads.
    """

    def __init__(
        self,
        formula: str,
        target: str | None,
        intercept: bool,
        columns: list[str],
        variables: list[str],
        spec: Any,
    ) -> None:
        self.formula = formula
        self.target = target
        self.intercept = intercept
        self.columns = columns
        self.variables = variables
        self._spec = spec

    def __repr__(self) -> str:
        return f"ModelFormula({self.formula!r})"

    # --------------------------------------------------------------- learn
    @classmethod
    def parse(cls, formula: Any) -> tuple[Any, str | None]:
        """``(right-hand side, target column or None)`` of a formula, checked.

        Parameters
        ----------
        formula : str
            ``"y ~ x1 + C(g)"``, or a right-hand side alone (``"x1 + C(g)"``).

        Raises
        ------
        TypeError
            If ``formula`` is not a string.
        ValueError
            For a formula formulaic cannot parse, a left-hand side that is not
            one column, or a term that is not allowed (see the module
            docstring).
        """
        if not isinstance(formula, str):
            raise TypeError(f"formula must be a str, got {type(formula).__name__}")
        if len(formula) > MAX_FORMULA_LENGTH:
            raise ValueError(
                f"formula of {len(formula)} characters; at most "
                f"{MAX_FORMULA_LENGTH} are accepted"
            )
        formulaic = _formulaic()
        try:
            parsed = formulaic.Formula(formula)
        except Exception as error:  # formulaic's parser raises several kinds
            raise ValueError(f"cannot parse formula {formula!r}: {error}") from None
        from formulaic.parser.types import Factor

        target = None
        rhs = parsed
        if hasattr(parsed, "lhs"):
            terms = list(parsed.lhs)
            factors = [factor for term in terms for factor in term.factors]
            if (
                len(terms) != 1
                or len(factors) != 1
                or factors[0].eval_method is not Factor.EvalMethod.LOOKUP
            ):
                raise ValueError(
                    f"the left-hand side of {formula!r} must name the target "
                    f"column, got {str(parsed.lhs)!r} (compute a transformed "
                    "target as a column first)"
                )
            target, rhs = factors[0].expr, parsed.rhs
        if not hasattr(rhs, "__iter__") or hasattr(rhs, "lhs"):
            raise ValueError(f"formula {formula!r} has more than two parts")
        for term in python_terms(rhs):
            check_term(term)
        return rhs, target

    @classmethod
    def has_intercept(cls, formula: str) -> bool:
        """Whether ``formula``'s right-hand side keeps the intercept.

        Parameters
        ----------
        formula : str

        Returns
        -------
        bool
            False after ``- 1``, ``+ 0`` or ``0 +``.
        """
        rhs, _ = cls.parse(formula)
        return any(str(term) == "1" for term in rhs)

    @classmethod
    def learn(
        cls, formula: str, data: Any, y: Any = None
    ) -> tuple[ModelFormula, Any, Any, np.ndarray]:
        """Learn ``formula`` on ``data``: the formula, its design matrix and labels.

        Parameters
        ----------
        formula : str
            ``"target ~ terms"``, or ``"terms"`` when ``y`` is given.
        data : pandas.DataFrame of shape (n_samples, n_columns)
        y : array-like of shape (n_samples,), optional
            The labels, when the formula has no left-hand side.

        Returns
        -------
        model_formula : ModelFormula
        design : pandas.DataFrame of shape (n_used, n_terms)
            The design matrix without the intercept column.
        labels : ndarray of shape (n_used,)
        rows : ndarray of shape (n_used,)
            Positions in ``data`` of the rows used (the complete ones).

        Raises
        ------
        TypeError
            If ``data`` is not a pandas DataFrame.
        ValueError
            For a bad formula, a column it names that ``data`` lacks, ``y``
            given twice or not at all, or no complete row.
        """
        rhs, target = cls.parse(formula)
        pd = _pandas()
        if not isinstance(data, pd.DataFrame):
            raise TypeError(
                f"a formula is applied to a pandas DataFrame, got {type(data).__name__}"
            )
        if target is not None and y is not None:
            raise ValueError(
                f"y is given twice: by the formula's left-hand side ({target!r}) "
                "and as an argument; pass one"
            )
        if target is None and y is None:
            raise ValueError(
                f"formula {formula!r} has no left-hand side: write "
                "'target ~ ...' or pass y"
            )
        n_rows = len(data)
        data = data.reset_index(drop=True)
        if target is not None:
            if target not in data.columns:
                raise ValueError(
                    f"the target column {target!r} of the formula is not in the data"
                )
            labelled = data[target].notna().to_numpy()
            labels_all = data[target].to_numpy()
        else:
            labels_all = np.asarray(y)
            if labels_all.ndim != 1 or len(labels_all) != n_rows:
                raise ValueError(
                    f"y has shape {labels_all.shape}; expected ({n_rows},), one "
                    "label per row of the data"
                )
            labelled = ~_pandas().isna(labels_all)
        candidates = np.flatnonzero(labelled)
        subset = data if len(candidates) == n_rows else data.iloc[candidates]
        formulaic = _formulaic()
        spec = formulaic.ModelSpec(formula=rhs, output="pandas", na_action="drop")
        design = _materialize(spec, subset.reset_index(drop=True), formula)
        rows = candidates[design.index.to_numpy()]
        if not len(rows):
            raise ValueError(
                f"no row of the data is complete in the columns of {formula!r}"
            )
        if len(rows) < n_rows:
            warnings.warn(
                f"formula {formula!r}: {n_rows - len(rows)} of {n_rows} rows have "
                "a missing value in its columns and are left out (as R's na.omit).",
                UserWarning,
                stacklevel=3,
            )
        learned = design.model_spec
        intercept = "Intercept" in design.columns
        design = design.drop(columns="Intercept") if intercept else design
        variables = sorted(str(v) for v in learned.variables_by_source.get("data", ()))
        model_formula = cls(
            formula,
            target,
            intercept,
            [str(name) for name in design.columns],
            [v for v in variables if v != target],
            learned,
        )
        return model_formula, design.reset_index(drop=True), labels_all[rows], rows

    # -------------------------------------------------------------- apply
    def design(self, data: Any) -> Any:
        """The design matrix of new data, encoded as the training data were.

        Parameters
        ----------
        data : pandas.DataFrame of shape (n_samples, n_columns)
            With every column in :attr:`variables` (others are ignored).

        Returns
        -------
        pandas.DataFrame of shape (n_samples, len(columns))

        Raises
        ------
        TypeError
            If ``data`` is not a pandas DataFrame.
        ValueError
            For an absent column, a missing value, or a level the fit never saw.
        """
        pd = _pandas()
        if not isinstance(data, pd.DataFrame):
            raise TypeError(
                f"this model was fitted with the formula {self.formula!r}: give a "
                f"pandas DataFrame with its columns, got {type(data).__name__}"
            )
        absent = [name for name in self.variables if name not in data.columns]
        if absent:
            # Checked first: a name not among the columns would otherwise be
            # looked up among Python's builtins.
            raise ValueError(
                f"the data lack the columns {absent} of the formula {self.formula!r}"
            )
        design = _materialize(
            self._spec.update(na_action="raise"),
            data.reset_index(drop=True),
            self.formula,
        )
        expected = (["Intercept"] if self.intercept else []) + self.columns
        if list(design.columns) != expected:
            raise ValueError(
                f"the formula {self.formula!r} made the columns "
                f"{list(design.columns)} from these data, not the fitted {expected}"
            )
        return design.drop(columns="Intercept") if self.intercept else design

    # ------------------------------------------------------------ state
    def to_state(self) -> dict[str, Any]:
        """The formula and formulaic's learned state as plain values (no pickle).

        Returns
        -------
        dict
        """
        spec = self._spec
        return {
            "formula": self.formula,
            "rhs": str(spec.formula),
            "target": self.target,
            "intercept": self.intercept,
            "columns": list(self.columns),
            "variables": list(self.variables),
            "ensure_full_rank": bool(spec.ensure_full_rank),
            "transform_state": plain(spec.transform_state, "transform_state"),
            "encoder_state": plain(spec.encoder_state, "encoder_state"),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ModelFormula:
        """Rebuild a :class:`ModelFormula` from :meth:`to_state`, checking every term.

        Parameters
        ----------
        state : dict

        Returns
        -------
        ModelFormula

        Raises
        ------
        ValueError
            For a malformed state or a term that is not allowed.
        """
        expected = {
            "formula",
            "rhs",
            "target",
            "intercept",
            "columns",
            "variables",
            "ensure_full_rank",
            "transform_state",
            "encoder_state",
        }
        if set(state) != expected:
            raise ValueError(
                f"formula state keys {sorted(state)}, expected {sorted(expected)}"
            )
        formula, rhs_text, target = state["formula"], state["rhs"], state["target"]
        columns, variables = state["columns"], state["variables"]
        if not (
            isinstance(formula, str)
            and isinstance(rhs_text, str)
            and (target is None or isinstance(target, str))
            and isinstance(state["intercept"], bool)
            and isinstance(state["ensure_full_rank"], bool)
            and isinstance(columns, list)
            and all(isinstance(c, str) for c in columns)
            and isinstance(variables, list)
            and all(isinstance(v, str) for v in variables)
            and isinstance(state["transform_state"], dict)
            and isinstance(state["encoder_state"], dict)
        ):
            raise ValueError("formula state has values of the wrong types")
        cls.parse(formula)
        rhs, rhs_target = cls.parse(rhs_text)
        if rhs_target is not None:
            raise ValueError("the stored right-hand side has a left-hand side")
        spec = _formulaic().ModelSpec(
            formula=rhs,
            output="pandas",
            na_action="raise",
            ensure_full_rank=state["ensure_full_rank"],
            transform_state=restored(state["transform_state"], "transform_state"),
            encoder_state=restored(state["encoder_state"], "encoder_state"),
        )
        return cls(formula, target, state["intercept"], columns, variables, spec)


def _materialize(spec: Any, data: Any, formula: str) -> Any:
    """formulaic's design matrix; its errors and unseen levels as ``ValueError``."""
    formulaic = _formulaic()
    from formulaic.errors import DataMismatchWarning

    with warnings.catch_warnings(record=True) as caught:
        # Recorded, not raised, even where warnings are errors: formulaic's
        # own path must finish for its mismatch warning to become our error.
        warnings.simplefilter("always")
        try:
            design = spec.get_model_matrix(data)
        except (
            formulaic.errors.FormulaicError,
            ValueError,
            TypeError,
            NameError,
        ) as error:
            message = " ".join(str(error).split())
            raise ValueError(f"formula {formula!r}: {message}") from None
    for warning in caught:
        if issubclass(warning.category, DataMismatchWarning):
            message = " ".join(str(warning.message).split())
            raise ValueError(f"formula {formula!r}: {message}")
    for warning in caught:
        warnings.warn_explicit(
            warning.message, warning.category, warning.filename, warning.lineno
        )
    return design
