"""``LogisticRegression``: the scikit-learn-compatible estimator.

Parameters, the one fit path (class checks and class weights from the class
totals an input adapter gives, the objective, the solver, identification and
polish, the fitted attributes) and the one predict path. Each kind of input
is an adapter in :mod:`logreg.data`; the math is in :mod:`logreg.objective`,
the optimisation in :mod:`logreg.solvers`, inference in :mod:`logreg.stats`.

Longer than 600 lines: one class; about half of it is the numpydoc of its
parameters and methods, the code is the one fit path, the one predict path and
the inference hooks.
"""

from __future__ import annotations

import functools
import numbers
import threading
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_is_fitted

from logreg.data.adapter import TrainingData
from logreg.data.registry import adapter_for
from logreg.data.sources import DataSource
from logreg.firth import FirthObjective
from logreg.link import accuracy, host_parameters, probabilities, stored_like
from logreg.objective import LogisticObjective, class_weight_sums
from logreg.persist import save_model
from logreg.solvers import (
    DEFAULT_MAX_ITER,
    L1_SOLVERS,
    SOLVERS,
    ConvergenceWarning,
    SolverOptions,
    SolverResult,
    auto_gap_tol,
    auto_hessian_subsample,
    polish,
    resolve_solver,
)
from logreg.stats import (
    MAX_INFERENCE_PARAMS,
    InferenceStatistics,
    MarginalEffects,
    Summary,
    all_on_their_side,
    compute_statistics,
    detect_separation,
    warn_if_separated,
)
from logreg.stats.comparison import ChiSquaredTest, wald_test

__all__ = ["LogisticRegression", "PerfectSeparationWarning"]


#: Separation kinds after which an unpenalised fit has no finite optimum.
_SEPARATED = ("complete", "quasi-complete")


#: One re-entrant lock per estimator, made on first use (a lock attribute
#: would stop pickling and cloning).
_LOCKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def _serialised(method: Callable) -> Callable:
    """Run ``method`` holding its estimator's lock.

    Fits, predictions and the first ``summary()`` of one estimator from
    several threads then follow one another: a prediction never sees half a
    fit, and two fits never leave ``coef_`` of one and ``n_features_in_`` of
    the other.
    """

    @functools.wraps(method)
    def serialised(self, *args, **kwargs):
        with _LOCKS_GUARD:
            lock = _LOCKS.get(self)
            if lock is None:
                lock = _LOCKS[self] = threading.RLock()
        with lock:
            return method(self, *args, **kwargs)

    return serialised


class PerfectSeparationWarning(ConvergenceWarning):
    """The training classes are perfectly separated by a hyperplane.

    A :class:`sklearn.exceptions.ConvergenceWarning` (the unpenalised optimum
    is at infinity), so code that silences scikit-learn's convergence
    warnings silences it too.
    """


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


#: name -> (test, description of what is allowed). Checked once, at ``fit``.
_PARAMETER_CONSTRAINTS = {
    "C": (lambda v: _is_real(v) and v > 0 and not np.isnan(v), "a number > 0 (inf)"),
    "l1_ratio": (lambda v: _is_real(v) and 0 <= v <= 1, "a number in [0, 1]"),
    "fit_intercept": (lambda v: isinstance(v, bool | np.bool_), "True or False"),
    "solver": (
        lambda v: v == "auto" or v in SOLVERS,
        f"'auto' or one of {list(SOLVERS)}",
    ),
    "max_iter": (lambda v: v is None or (_is_int(v) and v >= 0), "None or an int >= 0"),
    "tol": (lambda v: _is_real(v) and 0 <= v < np.inf, "a finite number >= 0"),
    "learning_rate": (
        lambda v: v is None or (_is_real(v) and 0 < v < np.inf),
        "None or a finite number > 0",
    ),
    "momentum": (lambda v: _is_real(v) and 0 <= v < 1, "a number in [0, 1)"),
    "nesterov": (lambda v: isinstance(v, bool | np.bool_), "True or False"),
    "batch_size": (
        lambda v: v is None or (_is_int(v) and v >= 1),
        "None or an int >= 1",
    ),
    "class_weight": (
        lambda v: v is None or v == "balanced" or isinstance(v, dict),
        "None, 'balanced' or a dict {class: weight}",
    ),
    "warm_start": (lambda v: isinstance(v, bool | np.bool_), "True or False"),
    "random_state": (
        lambda v: v is None or _is_int(v) or isinstance(v, np.random.Generator),
        "None, an int or a numpy Generator",
    ),
    "verbose": (lambda v: _is_int(v) and v >= 0, "an int >= 0"),
    "firth": (lambda v: isinstance(v, bool | np.bool_), "True or False"),
    "formula": (lambda v: v is None or isinstance(v, str), "None or a str"),
}

#: The solvers that can fit Firth's penalised likelihood (no mini-batches, no L1).
FIRTH_SOLVERS = ("auto", "newton", "lbfgs", "gd")


#: Attributes set by ``fit``; removed again at the start of each ``fit``.
_FITTED_ATTRIBUTES = (
    "classes_",
    "coef_",
    "intercept_",
    "n_features_in_",
    "feature_names_in_",
    "n_iter_",
    "loss_curve_",
    "solver_",
    "converged_",
    "_inference",
    "_pending_inference",
    "file_encoder_",
    "_training_objective",
    "formula_",
)


class LogisticRegression(ClassifierMixin, BaseEstimator):
    r"""Logistic regression (binary and multinomial) with an elastic-net penalty.

    Minimises scikit-learn's objective exactly (see :mod:`logreg.objective`)

    .. math:: f(w) = C \sum_i s_i \ell_i(w)
              + \tfrac{1 - \rho}{2} \lVert W \rVert_2^2 + \rho \lVert W \rVert_1,

    with :math:`\rho` = ``l1_ratio``, so swapping
    ``sklearn.linear_model.LogisticRegression`` for this class with the same
    ``C`` and ``l1_ratio`` gives the same coefficients to solver tolerance.
    ``X`` may be a SciPy sparse matrix (CSR is used as it is, other formats
    are converted); it is never made dense. ``X`` may also be a PyTorch
    tensor, a CuPy array or another Python-array-API array: the fit then
    computes on its device and predictions come back in its kind (see
    :meth:`fit`).

    Parameters
    ----------
    C : float, default=1.0
        Inverse penalty strength, > 0; ``np.inf`` fits without penalty.
    l1_ratio : float, default=0.0
        Elastic-net mixing in [0, 1]: 0 is the L2 penalty, 1 the L1 penalty
        (lasso), in between both. The L1 norm is elementwise over the whole
        coefficient matrix. With ``C=inf`` there is no penalty and it has no
        effect.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept per coefficient row.
    solver : str, default="auto"
        One of ``"auto"``, ``"gd"``, ``"sgd"``, ``"lbfgs"``, ``"newton"``,
        ``"prox-newton"``, ``"fista"``, ``"newton-cg"`` (truncated Newton on
        Hessian-vector products), ``"ws-prox-newton"`` (proximal Newton on a
        working set of features). ``"auto"`` picks Newton for up to 2000
        parameters, truncated Newton above; with an L1 term (``l1_ratio >
        0``) proximal Newton up to 2000 parameters, the working-set proximal
        Newton above (see :mod:`logreg.solvers.auto`). ``"lbfgs"``,
        ``"newton"`` and ``"newton-cg"`` cannot fit an L1 term; ``"gd"`` and
        ``"sgd"`` take a proximal (soft-threshold) step after each update.
    max_iter : int or None, default=None
        Iteration limit (epochs for ``"sgd"``); ``None`` uses the solver's
        default (gd 10000, sgd 200, lbfgs 1000, newton 100, prox-newton 100,
        fista 10000, newton-cg 100, ws-prox-newton 100).
    tol : float, default=1e-4
        Stop when max |gradient| of the objective divided by ``C * sum(s)``
        is at most ``tol``; with an L1 term, the max-abs least-norm
        subgradient (``"sgd"``: relative improvement per epoch). When
        ``"auto"`` picks Newton, its decrement must also show the objective
        within ``1e-6 * tol`` (relative) of its minimum, at the cost of at
        most two more iterations (usually one, often none). ``tol`` is about
        speed, not inference: a converged unpenalised fit (``C=inf``) is then
        finished at the maximum-likelihood estimate with exact Newton steps
        (:func:`logreg.solvers.polish`, not counted in ``n_iter_``; about
        1.2x the fit on 1M x 100), and a penalised fit the same way at its
        first :meth:`summary`, :meth:`marginal_effects` or :meth:`save`.
    learning_rate : float or None, default=None
        Step size for ``"gd"``/``"sgd"`` on the mean loss. ``None``: ``"gd"``
        uses a backtracking line search and ``"sgd"`` starts Adam at 0.1
        (halved on each epoch that does not improve the objective).
    momentum : float, default=0.0
        Momentum for ``"gd"``, in [0, 1).
    nesterov : bool, default=False
        Nesterov momentum for ``"gd"``.
    batch_size : int or None, default=None
        Mini-batch rows for ``"sgd"``; ``None`` means 32.
    class_weight : dict, "balanced" or None, default=None
        Weights per class, multiplying ``sample_weight``. ``"balanced"`` uses
        ``n_samples / (n_classes * bincount(y))`` (weighted counts). Values
        must be finite and >= 0, and every class must keep a positive total
        weight (sample weight times class weight).
    warm_start : bool, default=False
        Start from the previous fit's coefficients when shapes agree.
    random_state : int, Generator or None, default=None
        Seed for ``"sgd"``'s batch order.
    verbose : int, default=0
        Print one line per iteration when > 0.
    firth : bool, default=False
        Fit Firth's bias-reduced logistic regression: maximise
        ``l(beta) + 1/2 log det I(beta)`` (Jeffreys' prior), whose estimates
        are finite even when the classes are separated. Binary models with
        ``C=inf`` only, solvers ``"auto"``, ``"newton"``, ``"lbfgs"``,
        ``"gd"``; standard errors come from ``I(beta)^-1``, as ``logistf``
        computes them, and ``summary(ci="profile")`` gives its profile
        penalised-likelihood intervals. See :mod:`logreg.firth`.
    formula : str or None, default=None
        A model formula (formulaic's syntax, R's and patsy's:
        ``"low ~ age + lwt + C(race) + smoke"``), applied to a pandas
        DataFrame ``X``: :meth:`fit` takes ``y`` from the column the
        left-hand side names, and every method that takes ``X`` encodes a
        new DataFrame by the spec learned at fit (levels, transforms,
        interactions). Coefficients are named by formulaic's terms
        (``C(race)[T.2]``). The formula decides the intercept (``- 1``
        removes it) and ``fit_intercept`` must agree. Rows with a missing
        value in the formula's columns are left out of the fit, with a
        warning (R's ``na.omit``). See :mod:`logreg.data.formula`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients; one row for two classes (for ``classes_[1]``). With
        more classes and ``C=inf``, each feature's coefficients sum to zero
        over classes (the symmetric point, as scikit-learn reports it).
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts (zeros when ``fit_intercept=False``); with more classes
        they sum to zero.
    n_features_in_ : int
        Number of features seen at fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` had string column names.
    n_iter_ : ndarray of shape (1,), int32
        Iterations (epochs) the solver ran, shaped as scikit-learn's.
    loss_curve_ : ndarray of shape (n_iter_,)
        The scaled objective ``f(w) / (C * sum(s))`` after each iteration
        (the weighted mean log-loss when ``C=inf``).
    solver_ : str
        The solver that ran (``"auto"`` resolved).
    converged_ : bool
        Whether the solver met ``tol`` before ``max_iter``.
    formula_ : ModelFormula
        With ``formula``: the formula learned at fit
        (:class:`logreg.data.formula.ModelFormula`), saved with the model.
    """

    def __init__(
        self,
        *,
        C: float = 1.0,
        l1_ratio: float = 0.0,
        fit_intercept: bool = True,
        solver: str = "auto",
        max_iter: int | None = None,
        tol: float = 1e-4,
        learning_rate: float | None = None,
        momentum: float = 0.0,
        nesterov: bool = False,
        batch_size: int | None = None,
        class_weight: dict | str | None = None,
        warm_start: bool = False,
        random_state: int | np.random.Generator | None = None,
        verbose: int = 0,
        firth: bool = False,
        formula: str | None = None,
    ) -> None:
        self.C = C
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.batch_size = batch_size
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.firth = firth
        self.formula = formula

    # ------------------------------------------------------------ validation
    def _validate_params(self) -> None:
        for name, (is_valid, allowed) in _PARAMETER_CONSTRAINTS.items():
            value = getattr(self, name)
            if not is_valid(value):
                raise ValueError(
                    f"The '{name}' parameter of {type(self).__name__} must be "
                    f"{allowed}. Got {value!r} instead."
                )
        if self._has_l1() and self.solver not in ("auto", *L1_SOLVERS):
            raise ValueError(
                f"solver={self.solver!r} cannot fit an L1 penalty (l1_ratio="
                f"{self.l1_ratio!r} with finite C); use solver='auto' or one of "
                f"{list(L1_SOLVERS)}, or l1_ratio=0."
            )
        if self.firth and not np.isinf(self.C):
            raise ValueError(
                f"firth=True replaces the penalty by Jeffreys' prior: it needs "
                f"C=inf, got C={self.C!r}."
            )
        if self.firth and self.solver not in FIRTH_SOLVERS:
            raise ValueError(
                f"firth=True is fitted by {list(FIRTH_SOLVERS)}, not "
                f"solver={self.solver!r}."
            )

    def _has_l1(self) -> bool:
        """Whether the objective has an L1 term (``l1_ratio > 0``, ``C < inf``)."""
        return self.l1_ratio > 0 and not np.isinf(self.C)

    def _per_class_weight(self, totals: np.ndarray) -> np.ndarray:
        """``class_weight`` as one validated weight per class, shape (n_classes,).

        ``"balanced"`` uses ``totals``, the total sample weight of each class.
        """
        if isinstance(self.class_weight, dict):
            unknown = set(self.class_weight) - set(self.classes_.tolist())
            if unknown:
                raise ValueError(
                    f"class_weight has keys {sorted(map(str, unknown))} that are "
                    f"not classes; classes are {self.classes_.tolist()}."
                )
        # Each class once, weighing its total: the weighted counts "balanced"
        # divides by, without a pass over the rows.
        per_class = np.asarray(
            compute_class_weight(
                self.class_weight,
                classes=self.classes_,
                y=self.classes_,
                sample_weight=totals,
            ),
            dtype=np.float64,
        )
        if not np.all(np.isfinite(per_class) & (per_class >= 0)):
            given = dict(zip(self.classes_.tolist(), per_class.tolist(), strict=True))
            raise ValueError(
                f"class_weight values must be finite and >= 0, got {given}."
            )
        return per_class

    def _check_every_class_weighted(self, totals: np.ndarray, source: str) -> None:
        """Raise unless every class has a positive total weight in ``totals``.

        A class whose rows all weigh zero is absent from the objective. With
        a penalty it is fitted as scikit-learn fits it: its coefficients stay
        finite and its intercept falls until ``tol`` stops it, so it is never
        predicted (a cross-validation fold that lacks a class, or
        ``class_weight={c: 0}``). Without one, every coefficient of it would
        run off to infinity: an error.
        """
        empty = self.classes_[~(totals > 0)].tolist()
        if empty and np.isinf(self.C):
            present = self.classes_[totals > 0].tolist()
            raise ValueError(
                f"After {source}, the classes {empty} have zero total weight and "
                f"only {present} remain: every class in y needs a positive total "
                "weight (drop the rows of an unwanted class instead)."
            )

    # ------------------------------------------------------------------- fit
    @_serialised
    def fit(
        self, X: Any, y: Any = None, sample_weight: Any = None
    ) -> LogisticRegression:
        """Fit the model.

        Parameters
        ----------
        X : array-like, sparse matrix or array of shape (n_samples, n_features)
            Training data, of any kind :mod:`logreg.data` has an adapter for;
            float32 stays float32 (sums are float64). Sparse ``X`` is used as
            CSR (other formats are converted), never densified. A Dask array
            or DataFrame is fitted where its chunks are: every pass runs on
            the workers and only the sums come back (``y`` and
            ``sample_weight`` may then be Dask or NumPy; no ``"sgd"``). A
            PyTorch tensor, CuPy array or other array-API array is fitted on
            its device (CPU or GPU): validation, label encoding and every
            pass run there, only sums come to the host; ``y`` and
            ``sample_weight`` may be arrays of the same library or NumPy.
            The fitted attributes are NumPy arrays either way; an
            unpenalised fit checks for separation only when the rows are in
            host memory.
            With ``formula``: a pandas DataFrame holding the formula's
            columns.
        y : array-like of shape (n_samples,)
            Class labels (any sortable type), at least two distinct. Not
            given when ``formula`` names the target column.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights; an integer weight equals repeating the row.
            Every class needs a positive total weight.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For invalid parameters (raised before anything changes) or invalid
            data; after invalid data or a :class:`DivergenceError` the
            estimator is unfitted, never left with stale or NaN coefficients.
        """
        adapter = adapter_for(X)
        self._validate_params()
        adapter.check_solver(self.solver)
        previous = self._forget_fit()
        formula = None
        if self.formula is not None:
            formula, X, y, sample_weight = self._learn_formula(X, y, sample_weight)
            adapter = adapter_for(X)  # the design matrix: a DataFrame in memory
        data = adapter.training_data(self, X, y, sample_weight)
        self._fit_data(data, previous)
        self.coef_, self.intercept_ = adapter.fitted_parameters(
            X, self.coef_, self.intercept_
        )
        if formula is not None:
            self.formula_ = formula
        return self

    def _learn_formula(self, X: Any, y: Any, sample_weight: Any) -> tuple:
        """``(formula_, design, labels, sample_weight)`` of the complete rows."""
        from logreg.data.formula import ModelFormula

        formula, design, labels, rows = ModelFormula.learn(self.formula, X, y)
        if formula.intercept != bool(self.fit_intercept):
            raise ValueError(
                f"the formula {self.formula!r} "
                + (
                    "has an intercept but fit_intercept=False: remove it in the "
                    "formula ('- 1') or set fit_intercept=True."
                    if formula.intercept
                    else "removes the intercept: set fit_intercept=False too."
                )
            )
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)
            if sample_weight.shape != (len(X),):
                raise ValueError(
                    f"sample_weight has shape {sample_weight.shape}; expected "
                    f"({len(X)},), one weight per row of X"
                )
            sample_weight = sample_weight[rows]
        return formula, design, labels, sample_weight

    def _design(self, X: Any) -> Any:
        """``X`` as the features: the formula's design matrix, given a formula."""
        formula = getattr(self, "formula_", None)
        return X if formula is None else formula.design(X)

    @_serialised
    def fit_file(
        self,
        path: Any,
        target: str,
        *,
        batch_rows: int = 100_000,
        exclude: Any = (),
        standardize: bool = False,
        drop_missing: bool = False,
        reference: Any = "auto",
    ) -> LogisticRegression:
        """Fit on a CSV or Parquet file streamed from disk, batch by batch.

        Every pass of the solver reads the file again, so memory is bounded by
        ``batch_rows`` whatever the file's size; Newton, L-BFGS and gradient
        descent work (they need only sums over rows), mini-batch SGD does not.
        Columns are encoded by a :class:`logreg.data.encoder.TableEncoder`
        learned in a first pass (numbers as they are, strings one-hot) and
        kept as ``file_encoder_``: use its ``transform`` on new data before
        ``predict``.

        Parameters
        ----------
        path : str or os.PathLike
            A ``.parquet``/``.pq`` or ``.csv``/``.csv.gz``/``.tsv`` file.
        target : str
            The label column; every other column not in ``exclude`` is a
            feature.
        batch_rows : int, default=100_000
            Rows read and encoded at a time.
        exclude : sequence of str, default=()
            Columns that are not features (identifiers, for example).
        standardize : bool, default=False
            Standardise the numeric columns with the file's mean and std.
        drop_missing : bool, default=False
            Drop rows with a missing value instead of raising.
        reference : "auto", None, "first" or dict of str to str, default="auto"
            The level of each string column that gets no indicator.
            ``"auto"``: the first in sorted order when ``C=inf`` (treatment
            coding, as R and statsmodels code factors: the unpenalised
            coefficients are then identified), none with a penalty. A dict
            ``{column: level}`` names the level of some columns.

        Returns
        -------
        self

        Raises
        ------
        FileNotFoundError
            If ``path`` does not exist.
        ValueError
            For an unreadable file, a missing target column, fewer than two
            classes, missing values (unless ``drop_missing``), invalid
            parameters, or ``solver="sgd"``.
        """
        from logreg.data.encoder import reference_for
        from logreg.data.files import FileAdapter

        adapter = FileAdapter()
        self._validate_params()
        if self.formula is not None:
            raise ValueError(
                "fit_file encodes the file's columns itself; a formula applies to "
                "a DataFrame: read the file and call fit(frame), or set "
                "formula=None."
            )
        adapter.check_solver(self.solver)
        previous = self._forget_fit()
        data = adapter.file_training_data(
            path,
            target,
            batch_rows=batch_rows,
            exclude=exclude,
            standardize=standardize,
            drop_missing=drop_missing,
            reference=reference_for(float(self.C), reference),
        )
        return self._fit_data(data, previous)

    @_serialised
    def fit_table(
        self,
        table: Any,
        target: str,
        *,
        batch_rows: int = 100_000,
        exclude: Any = (),
        standardize: bool = False,
        drop_missing: bool = False,
        reference: Any = "auto",
    ) -> LogisticRegression:
        """Fit on a table, where it lives: a file, a DataFrame, a cluster's table.

        One entry for every kind of table, with :meth:`fit_file`'s arguments.
        Columns are encoded the same way for every kind by a
        :class:`logreg.data.encoder.TableEncoder` (numbers as they are,
        booleans 0/1, strings one-hot), learned in one pass and kept as
        ``file_encoder_``, so the same rows give the same model whichever kind
        holds them. The kinds are in :mod:`logreg.data.table_kinds`.

        Parameters
        ----------
        table : path, pandas.DataFrame, pyarrow.Table, pyarrow.dataset.Dataset, \
Dask DataFrame or Spark DataFrame of shape (n_rows, n_columns)
            A path (CSV or Parquet) is :meth:`fit_file`. A pandas DataFrame
            or pyarrow Table is encoded once in memory (every solver works);
            a pyarrow Dataset is streamed batch by batch on every pass; Dask
            and Spark DataFrames are encoded and summed where their rows live.
        target : str
            The label column; every other column not in ``exclude`` is a
            feature.
        batch_rows : int, default=100_000
            Rows read and encoded at a time, for a path or a Dataset.
        exclude : sequence of str, default=()
            Columns that are not features (identifiers, for example).
        standardize : bool, default=False
            Standardise the numeric columns with the table's mean and std.
        drop_missing : bool, default=False
            Drop rows with a missing value instead of raising.
        reference : "auto", None, "first" or dict of str to str, default="auto"
            As for :meth:`fit_file`.

        Returns
        -------
        self

        Raises
        ------
        TypeError
            For a table of another kind (the message names the kinds).
        ValueError
            As :meth:`fit_file`; ``solver="sgd"`` for tables that are streamed
            or live on a cluster.
        """
        from logreg.data.encoder import reference_for
        from logreg.data.table_kinds import table_kind_for

        kind = table_kind_for(table)
        self._validate_params()
        if self.formula is not None:
            raise ValueError(
                "fit_table encodes the table's columns itself; a formula applies "
                "to a DataFrame: call fit(frame), or set formula=None."
            )
        kind.check_solver(self.solver)
        previous = self._forget_fit()
        data = kind.training_data(
            table,
            target,
            batch_rows=batch_rows,
            exclude=exclude,
            standardize=standardize,
            drop_missing=drop_missing,
            reference=reference_for(float(self.C), reference),
        )
        return self._fit_data(data, previous)

    @_serialised
    def predict_table(self, table: Any) -> Any:
        """The table with ``prediction`` and ``proba_<class>`` columns appended.

        As Spark ML's ``transform``: the table comes back in its kind (a
        pandas DataFrame for pandas, a pyarrow Table for a Table, a Dataset
        or a path, a lazy Dask or Spark DataFrame for those: nothing is
        computed), with the predicted label and one probability column per
        class of ``classes_`` (named ``proba_<str(class)>``).

        The features are read as the fit read them: through ``file_encoder_``
        for a model fitted by :meth:`fit_table` or :meth:`fit_file`; through
        the formula of a model fitted with one; the columns
        ``feature_names_in_``, as numbers, for a model fitted with
        :meth:`fit` on a named DataFrame. A model fitted on unnamed arrays is
        refused. Rows dropped for a missing value (an encoder fitted with
        ``drop_missing=True``) get missing predictions.

        Parameters
        ----------
        table : path, pandas.DataFrame, pyarrow.Table, pyarrow.dataset.Dataset, \
Dask DataFrame or Spark DataFrame of shape (n_rows, n_columns)

        Returns
        -------
        table of shape (n_rows, n_columns + 1 + n_classes)

        Raises
        ------
        TypeError
            For a table of another kind.
        ValueError
            When the table already has a column ``prediction`` or
            ``proba_<class>``, lacks a feature column, or the model does not
            know its features' columns.
        """
        from logreg.data.table_kinds import table_kind_for

        check_is_fitted(self)
        return table_kind_for(table).predict_table(self, table)

    def _fit_data(
        self, data: TrainingData, previous: tuple[np.ndarray, np.ndarray] | None
    ) -> LogisticRegression:
        """The one fit path: class checks and weights, objective, solver, attributes.

        ``data`` comes from an adapter, whatever the kind of input; the class
        totals give every check and the class weights without another pass
        over the rows (a file, unit-weighted, is counted only when
        ``class_weight`` needs it).
        """
        self.classes_ = data.classes
        n_classes = len(self.classes_)
        if n_classes < 2:
            only = self.classes_.tolist()[0]
            if data.target is not None:
                raise ValueError(
                    f"The target column {data.target!r} holds only one class: "
                    f"{only!r}; at least 2 are needed."
                )
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but "
                f"the data contain only one class: {only!r}."
            )
        if self.firth and n_classes > 2:
            raise ValueError(
                f"firth=True fits binary models; y has {n_classes} classes."
            )
        totals = data.class_totals
        if totals is not None:
            if not np.sum(totals) > 0:
                raise ValueError("The sample weights sum to zero: nothing to fit.")
            self._check_every_class_weighted(totals, "sample_weight")
        source = data.source
        absent = totals is not None and not np.all(totals > 0)
        weight_sum = float(source.n_samples) if totals is None else float(totals.sum())
        if self.class_weight is not None:
            if totals is None:
                totals = source.sum_over_blocks(
                    lambda X_b, y_b, s_b: class_weight_sums(y_b, s_b, n_classes)
                )
            per_class = self._per_class_weight(totals)
            self._check_every_class_weighted(per_class * totals, "class_weight")
            absent = not np.all(per_class * totals > 0)
            source = source.with_class_weight(per_class)
            weight_sum = float(per_class @ totals)
        if not np.isfinite(weight_sum):
            raise ValueError(
                "The sample weights sum to more than a float64 holds: divide them "
                "by a constant (with C=inf the fit is the same; with a penalty, "
                "multiply C by that constant)."
            )
        self.n_features_in_ = int(data.n_features)
        if data.feature_names is not None:
            self.feature_names_in_ = np.asarray(data.feature_names, dtype=object)
        for name, value in data.fitted.items():
            setattr(self, name, value)
        return self._fit_source(source, n_classes, previous, weight_sum, absent)

    def _fit_source(
        self,
        source: DataSource,
        n_classes: int,
        previous: tuple[np.ndarray, np.ndarray] | None,
        weight_sum: float,
        absent_classes: bool = False,
    ) -> LogisticRegression:
        """Minimise the objective over ``source``; set the fitted attributes.

        ``weight_sum`` is the total weight of the rows (sample times class
        weights). Unpenalised fits of rows in host memory are checked for
        separation. With ``absent_classes`` (a penalised fit where a class
        has zero total weight) there is no optimum to finish at: the
        absent intercepts fall until ``tol`` stops them, so ``"auto"`` takes
        the first-order solver (L-BFGS, or FISTA with an L1 term), as
        scikit-learn's L-BFGS does, where Newton would meet a vanishing
        Hessian; no inference statistics are kept.
        """
        n_samples = source.n_samples
        objective = (FirthObjective if self.firth else LogisticObjective)(
            source,
            n_classes,
            float(self.C),
            bool(self.fit_intercept),
            float(self.l1_ratio),
            weight_sum,
        )
        requested = self.solver
        if absent_classes and requested == "auto":
            requested = "fista" if self._has_l1() else "lbfgs"
        self.solver_ = resolve_solver(
            requested,
            n_samples,
            objective.n_params,
            l1=self._has_l1(),
            sparse=source.sparse_rows,
        )
        max_iter = (
            DEFAULT_MAX_ITER[self.solver_] if self.max_iter is None else self.max_iter
        )
        options = SolverOptions(
            tol=float(self.tol),
            max_iter=int(max_iter),
            learning_rate=self.learning_rate,
            momentum=float(self.momentum),
            nesterov=bool(self.nesterov),
            batch_size=self.batch_size,
            random_state=np.random.default_rng(self.random_state),
            verbose=int(self.verbose),
            hessian_subsample=(
                auto_hessian_subsample(n_samples, objective.n_params)
                if self.solver == "auto"
                and self.solver_ in ("newton", "prox-newton")
                # A sub-sample of a file still costs a read of the whole file:
                # there the exact Hessian, in the gradient's pass, is cheaper.
                and not source.reads_whole_file_per_pass
                # Firth's correction needs every row's hat value anyway.
                and not self.firth
                else 1
            ),
            gap_tol=(
                auto_gap_tol(float(self.tol))
                if self.solver == "auto" and self.solver_ in ("newton", "prox-newton")
                else 0.0
            ),
        )
        start = self._initial_params(objective, previous)
        if max_iter > 0 and not self.firth and not absent_classes:
            start = self._sample_start(objective, options, start)
        if max_iter == 0:  # the starting point, as scikit-learn's max_iter=0
            result = SolverResult(start, 0, False, [], "max_iter=0")
        else:
            result = SOLVERS[self.solver_](objective, start, options)
        self.n_iter_ = np.array([result.n_iter], dtype=np.int32)
        self.loss_curve_ = np.array([r.value for r in result.history], dtype=np.float64)
        self.converged_ = bool(result.converged)
        if not result.converged:
            warnings.warn(
                f"{self.solver_} failed to converge after {result.n_iter} iteration(s) "
                f"({result.message}). Increase the number of iterations "
                "(max_iter) or scale the data.",
                ConvergenceWarning,
                stacklevel=3,
            )
        w = self._set_coefficients(objective, result.w)
        separation = self._check_separation(objective, source.rows_in_memory())
        if np.isinf(self.C) and separation[0] not in _SEPARATED:
            # Unpenalised fits are for inference: finish at the MLE itself.
            w = self._polished(objective, w)
        self._inference = None
        if objective.n_params <= MAX_INFERENCE_PARAMS and not absent_classes:
            self._pending_inference = (objective, w, separation)
            if np.isinf(self.C) and source.rows_in_memory() is not None:
                # Profile intervals refit over the rows, cluster errors sum
                # their scores by group: references, no copy, never saved.
                self._training_objective = objective
        return self

    def _sample_start(
        self, objective: LogisticObjective, options: SolverOptions, start: np.ndarray
    ) -> np.ndarray:
        """``start``, or the fit of the source's row sample for rows elsewhere.

        A source whose passes are jobs (Spark) may offer a weighted row
        sample in memory (``row_sample()``): its objective is fitted from
        ``start`` here by the same solver, and Newton's start is then
        corrected by one pass (:func:`~logreg.solvers.sample_start.corrected_start`).
        The solver still certifies the optimum over all rows from there.
        """
        offer = getattr(objective.source, "row_sample", None)
        sample = None if offer is None else offer()
        if sample is None or not len(sample[1]) or not np.sum(sample[2]) > 0:
            return start
        import dataclasses

        from logreg.data.sources import InMemorySource
        from logreg.solvers import DivergenceError
        from logreg.solvers.sample_start import corrected_start

        surrogate = LogisticObjective(
            InMemorySource(*sample),
            objective.n_classes,
            objective.C,
            objective.fit_intercept,
            objective.l1_ratio,
            objective.weight_sum,
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the full fit warns for itself
                fitted = SOLVERS[self.solver_](
                    surrogate, start, dataclasses.replace(options, verbose=0)
                )
        except DivergenceError:
            return start
        if not fitted.converged or not np.all(np.isfinite(fitted.w)):
            return start
        if self.verbose > 0:
            print(
                f"[sample start] {len(sample[1])} sampled rows fitted in "
                f"{fitted.n_iter} iterations"
            )
        if len(sample[1]) == objective.source.n_samples:  # every row: exact
            return fitted.w
        if self.solver_ != "newton" or objective.l1_strength != 0:
            return fitted.w
        return corrected_start(objective, surrogate, fitted.w)

    def _set_coefficients(
        self, objective: LogisticObjective, w: np.ndarray, dtype: Any = None
    ):
        """Set ``coef_``/``intercept_`` from ``w``; return the ``w`` they hold.

        Every fit ends here, so every fit reports the same point of the flat
        directions (:meth:`LogisticObjective.identified`): whatever the solver,
        the input's kind or the machine's rounding, multinomial intercepts sum
        to zero over classes (and unpenalised coefficients of each feature
        too), as scikit-learn reports them.
        """
        w = objective.identified(w)
        coef, intercept = objective.unpack(w)
        # float32 data get float32 coefficients, as in scikit-learn; the
        # statistics keep the float64 optimum.
        if dtype is None:
            float32 = objective.source.dtype == np.float32
            dtype = np.float32 if float32 else np.float64
        self.coef_ = np.array(coef, dtype=dtype)
        self.intercept_ = np.array(intercept, dtype=dtype)
        return w

    def _polished(
        self, objective: LogisticObjective, w: np.ndarray, dtype: Any = None
    ) -> np.ndarray:
        """``w`` finished at the optimum to rounding (:func:`~logreg.solvers.polish`).

        Only for a converged smooth fit whose statistics are kept (at most
        :data:`MAX_INFERENCE_PARAMS` parameters): a fit stopped at
        ``max_iter`` stays where it stopped, and an L1 term has no Newton
        step. Sets the coefficients to the polished point and returns it.
        """
        if (
            not self.converged_
            or objective.l1_strength != 0
            or objective.n_params > MAX_INFERENCE_PARAMS
        ):
            return w
        result = polish(objective, w)
        if self.verbose > 0:
            print(f"[polish] {result.n_iter} Newton steps: {result.message}")
        return self._set_coefficients(objective, result.w, dtype)

    def _check_separation(
        self,
        objective: LogisticObjective,
        rows: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    ) -> tuple[str, int]:
        """Separation of an unpenalised fit over in-memory ``rows``; warn if found.

        Returns :func:`~logreg.stats.separation.detect_separation`'s ``(kind,
        n_rows)``, ``("not checked", 0)`` for penalised fits and rows not in
        memory.
        """
        if not np.isinf(self.C) or rows is None or self.firth:
            # Firth's estimates are finite whatever the separation.
            return ("not checked", 0)
        X, y_encoded, weights = rows
        scores = self._decision_matrix(X)
        if all_on_their_side(scores, y_encoded, weights):
            separation = ("complete", int(np.count_nonzero(weights)))
        else:
            separation = detect_separation(
                X,
                y_encoded,
                weights,
                objective.n_classes,
                objective.fit_intercept,
                probabilities(scores),
            )
        warn_if_separated(*separation, PerfectSeparationWarning)
        return separation

    @_serialised
    def _inference_statistics(self) -> InferenceStatistics | None:
        """The inference statistics, computed (once) on first use; None if too big.

        The inference pass (Fisher information and score outer products) costs
        about half a fast fit, so it runs on the first :meth:`summary`,
        :meth:`marginal_effects`, :meth:`save` or pickling; until then the
        objective keeps a reference to the training rows. A penalised fit is
        first finished at its optimum to rounding (exact Newton steps, as an
        unpenalised fit is at ``fit``): its standard errors are read now.
        ``coef_`` and ``intercept_`` then move by at most what ``tol`` allowed.
        """
        pending = self.__dict__.pop("_pending_inference", None)
        if pending is not None:
            objective, w, separation = pending
            coef, intercept = objective.unpack(w)
            kept = (self.coef_, self.intercept_)
            held_coef, held_intercept = host_parameters(self)
            dtype = held_intercept.dtype
            untouched = np.array_equal(
                held_coef, coef.astype(dtype)
            ) and np.array_equal(held_intercept, intercept.astype(dtype))
            # Coefficients set by hand since the fit are the user's: kept.
            # (An unpenalised fit, alpha = 0, was finished at fit already.)
            if objective.alpha > 0 and untouched:
                w = self._polished(objective, w, dtype)
                # Stored as they were (sparsify(), array-API dispatch).
                self.coef_ = stored_like(self.coef_, kept[0])
                self.intercept_ = stored_like(self.intercept_, kept[1])
            self._inference = compute_statistics(objective, w, separation)
        return getattr(self, "_inference", None)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the statistics, never a reference to the training data."""
        self._inference_statistics()
        state = super().__getstate__()
        state.pop("_training_objective", None)
        return state

    def _forget_fit(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Drop the fitted attributes; return the old ``(coef_, intercept_)``.

        A fit that fails part-way (bad labels, a diverging solver) then leaves
        an unfitted estimator, never one mixing new ``classes_`` with stale
        coefficients.
        """
        previous = None
        if hasattr(self, "coef_"):
            previous = host_parameters(self)
        for name in _FITTED_ATTRIBUTES:
            self.__dict__.pop(name, None)
        return previous

    def __sklearn_tags__(self):
        """scikit-learn's tags: sparse ``X`` is accepted (CSR; others converted)."""
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        """Fitted once a fit has produced coefficients."""
        return hasattr(self, "coef_")

    def _initial_params(
        self,
        objective: LogisticObjective,
        previous: tuple[np.ndarray, np.ndarray] | None,
    ) -> np.ndarray:
        """Zeros, or the previous ``(coef_, intercept_)`` under ``warm_start``."""
        if (
            self.warm_start
            and previous is not None
            and previous[0].shape == (objective.n_rows, objective.source.n_features)
        ):
            return objective.pack(*previous)
        return np.zeros(objective.n_params)

    # ------------------------------------------------------------- inference
    def summary(
        self,
        alpha: float = 0.05,
        cov_type: str = "nonrobust",
        ci: str = "wald",
        groups: Any = None,
    ) -> Summary:
        """Coefficient table with standard errors, z, p-values and intervals.

        Exact (maximum-likelihood inference, equal to statsmodels ``Logit`` /
        ``MNLogit``) for an unpenalised fit, ``C=inf``. For a penalised fit
        the standard errors come from the inverse penalised Hessian: they are
        conditional on ``C`` and the table says so; the first call finishes
        the fit at its optimum (exact Newton steps), so the table and
        ``coef_`` are the optimum's to rounding. See :mod:`logreg.stats`.

        Parameters
        ----------
        alpha : float, default=0.05
            Intervals are ``1 - alpha``.
        cov_type : {"nonrobust", "HC0", "HC1", "cluster"}, default="nonrobust"
            Classical (inverse information) or sandwich (robust) covariance;
            ``"cluster"``: cluster-robust by ``groups``, with statsmodels'
            small-sample correction (unpenalised fits of rows in memory, in
            this process).
        ci : {"wald", "profile"}, default="wald"
            ``"profile"``: profile-likelihood intervals (R's ``confint`` on a
            ``glm``), each bound an exact root found by constrained refits
            (:mod:`logreg.stats.profile`); with ``firth=True``, Firth's
            penalised profile (``logistf``'s default intervals). Binary
            unpenalised models whose rows were in memory at fit, in this
            process.
        groups : array-like of shape (n_samples,), optional
            Each training row's cluster, for ``cov_type="cluster"``.

        Returns
        -------
        Summary
            Prints as a table; ``to_frame()`` gives a pandas DataFrame.
        """
        self._check_no_l1("summary")
        return Summary(self, alpha=alpha, cov_type=cov_type, ci=ci, groups=groups)

    def odds_ratios(self, alpha: float = 0.05, cov_type: str = "nonrobust") -> Any:
        """Odds ratios ``exp(coef)`` with their ``1 - alpha`` intervals.

        The bounds are ``exp`` of the coefficients' (Wald) bounds, so they
        stay positive; for a multinomial model these are relative-risk ratios
        against the first class. Equal to ``np.exp(result.conf_int())`` of
        statsmodels for an unpenalised fit.

        Parameters
        ----------
        alpha : float, default=0.05
        cov_type : {"nonrobust", "HC0", "HC1"}, default="nonrobust"

        Returns
        -------
        pandas.DataFrame
            Indexed like ``summary().to_frame()``; columns ``odds_ratio``,
            ``ci_low``, ``ci_high``.
        """
        from logreg.stats.intervals import odds_ratios

        return odds_ratios(self.summary(alpha=alpha, cov_type=cov_type).to_frame())

    def wald_test(
        self, terms: Any, q: Any = None, *, cov_type: str = "nonrobust"
    ) -> ChiSquaredTest:
        """Wald chi-squared test that the named terms are zero (or ``R b = q``).

        Equal to statsmodels' ``wald_test(R, q, use_f=False)``; see
        :func:`logreg.stats.comparison.wald_test`.

        Parameters
        ----------
        terms : sequence of str (or tuples), or array of shape (q, n_terms)
            Term names as in ``summary().to_frame().index`` (for a multinomial
            model a term name alone means its coefficient in every class), or
            the restriction matrix ``R`` over the reported estimates.
        q : array-like of shape (n_restrictions,), optional
            Hypothesised values; zeros by default.
        cov_type : {"nonrobust", "HC0", "HC1"}, default="nonrobust"

        Returns
        -------
        ChiSquaredTest
            ``statistic``, ``df``, ``p_value``.
        """
        return wald_test(self, terms, q, cov_type=cov_type)

    def predict_interval(self, X: Any, alpha: float = 0.05) -> Any:
        """Probabilities of ``classes_[1]`` with delta-method ``1 - alpha`` intervals.

        The interval is computed for the linear predictor and transformed by
        the sigmoid, so it stays in [0, 1] (R's ``predict(type="link",
        se.fit=TRUE)``, then ``plogis``; statsmodels' GLM ``get_prediction``).
        Binary models only.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Rows in host memory.
        alpha : float, default=0.05

        Returns
        -------
        pandas.DataFrame
            Columns ``proba``, ``ci_low``, ``ci_high``.
        """
        from logreg.stats.intervals import predict_interval

        check_is_fitted(self)
        return predict_interval(self, self._design(X), alpha)

    def marginal_effects(
        self, alpha: float = 0.05, cov_type: str = "nonrobust"
    ) -> MarginalEffects:
        """Average marginal effects of a binary model, with delta-method errors.

        Equal to statsmodels ``Logit(...).fit().get_margeff()`` (``dy/dx``
        averaged over the training rows).

        Parameters
        ----------
        alpha : float, default=0.05
        cov_type : {"nonrobust", "HC0", "HC1"}, default="nonrobust"

        Returns
        -------
        MarginalEffects
        """
        self._check_no_l1("marginal_effects")
        return MarginalEffects(self, alpha=alpha, cov_type=cov_type)

    def _check_no_l1(self, method: str) -> None:
        """Raise for an L1-penalised fit: its standard errors mean nothing.

        After L1 selection the zero coefficients have no sampling distribution
        a Hessian describes, and the others are biased towards zero.
        """
        check_is_fitted(self)
        if self._has_l1():
            raise ValueError(
                f"{method}() has no valid standard errors for an L1-penalised fit "
                f"(l1_ratio={self.l1_ratio!r}, C={self.C!r}); refit the selected "
                "features with l1_ratio=0 (or C=inf) for inference."
            )

    # ------------------------------------------------------------ prediction
    def _decision_matrix(self, X: np.ndarray) -> np.ndarray:
        """``X W^T + b`` of shape (n_samples, n_rows), in X's float dtype."""
        dtype = X.dtype
        coef, intercept = host_parameters(self)
        return X @ coef.T.astype(dtype) + intercept.astype(dtype)

    @_serialised
    def _predict(self, X: Any, method: str) -> Any:
        """The one predict path: ``method`` over ``X`` by the adapter of its kind."""
        check_is_fitted(self)
        X = self._design(X)
        return adapter_for(X).predict(self, X, method)

    def decision_function(self, X: Any) -> Any:
        """Linear predictor ``X W^T + b``.

        Parameters
        ----------
        X : array-like, sparse matrix or array of shape (n_samples, n_features)

        Returns
        -------
        array of shape (n_samples,) for two classes (score of ``classes_[1]``), \
else (n_samples, n_classes)
            float64, in ``X``'s kind (see :meth:`predict`).
        """
        return self._predict(X, "decision_function")

    def predict_proba(self, X: Any) -> Any:
        """Class probabilities.

        Parameters
        ----------
        X : array-like, sparse matrix or array of shape (n_samples, n_features)

        Returns
        -------
        array of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; rows sum to one. In ``X``'s
            kind (see :meth:`predict`).
        """
        return self._predict(X, "predict_proba")

    def predict_log_proba(self, X: Any) -> Any:
        """Logarithm of :meth:`predict_proba`, computed without ``log(0)``.

        Parameters
        ----------
        X : array-like, sparse matrix or array of shape (n_samples, n_features)

        Returns
        -------
        array of shape (n_samples, n_classes)
            In ``X``'s kind (see :meth:`predict`).
        """
        return self._predict(X, "predict_log_proba")

    def predict(self, X: Any) -> Any:
        """Most probable class per row.

        Parameters
        ----------
        X : array-like, sparse matrix or array of shape (n_samples, n_features)

        Returns
        -------
        array of shape (n_samples,)
            Labels from ``classes_``. Predictions come back in ``X``'s kind:
            NumPy for NumPy, SciPy or pandas input; a lazy Dask array for a
            Dask collection; for an array-API ``X``, an array of its
            namespace and device when the classes are numbers (or booleans),
            a NumPy array for other labels (strings), which no device holds.
        """
        return self._predict(X, "predict")

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """Mean accuracy of :meth:`predict` on ``X`` against ``y``.

        Parameters
        ----------
        X : array-like, sparse matrix or array of shape (n_samples, n_features)
            For an array-API ``X`` (PyTorch, CuPy...) the predictions run on
            its device and only the labels come to the host to be compared.
        y : array-like of shape (n_samples,)
            True labels; by default, for a model fitted with a formula whose
            left-hand side names the target, that column of ``X`` (so
            scikit-learn's cross-validation works on a DataFrame alone).
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        float
        """
        formula = getattr(self, "formula_", None)
        if y is None and formula is not None and formula.target is not None:
            if formula.target not in getattr(X, "columns", ()):
                raise ValueError(
                    f"y is not given and X has no target column {formula.target!r}"
                )
            y = X[formula.target].to_numpy()
        if y is None:
            raise ValueError("score needs the true labels y.")
        return accuracy(self.predict(X), y, sample_weight)

    @_serialised
    def sparsify(self) -> LogisticRegression:
        """Store ``coef_`` as a SciPy CSR matrix (after an L1 fit, mostly zeros).

        Predictions are unchanged; :meth:`densify` undoes it. As
        scikit-learn's ``sparsify``; a model is saved with dense coefficients.

        Returns
        -------
        self
        """
        from scipy import sparse

        check_is_fitted(self)
        self.coef_ = sparse.csr_matrix(self.coef_)
        return self

    @_serialised
    def densify(self) -> LogisticRegression:
        """Store ``coef_`` as a NumPy array again (the default after ``fit``).

        Returns
        -------
        self
        """
        check_is_fitted(self)
        self.coef_ = host_parameters(self)[0]
        return self

    def save(self, path: Any) -> None:
        """Write the fitted model to ``path`` (no pickle; see :mod:`logreg.persist`).

        The file holds the inference statistics, so a penalised fit is first
        finished at its optimum, as by :meth:`summary` (``coef_`` may move by
        what ``tol`` allowed).

        Parameters
        ----------
        path : str or os.PathLike
            The model file; written atomically (a crash never leaves half a file).
        """
        save_model(self, path)
