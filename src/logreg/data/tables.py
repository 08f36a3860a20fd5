"""Tables for ``fit_table``/``predict_table``: the contract of a table kind.

A *table kind* knows one kind of table (a path, a pandas DataFrame, a pyarrow
Table or Dataset, a Dask or a Spark DataFrame): it learns the table's
:class:`~logreg.data.encoder.TableEncoder` and hands the estimator
:class:`~logreg.data.adapter.TrainingData` over the encoded rows, and it maps
a fitted model over a table of its kind, appending a ``prediction`` column
and one ``proba_<class>`` column per class (as Spark ML's ``transform``
does). Every kind encodes columns with the same encoder, so the same rows
give the same model whichever kind holds them.

This module holds the contract (:class:`TableKind`) and what every kind
shares: :class:`LinearPredictor`, a fitted model reduced to what prediction
needs (small to ship to workers), and :func:`append_predictions`, which
appends the prediction columns to an Arrow table or record batch. The kinds
live in :mod:`~logreg.data.table_kinds` (paths, pandas, pyarrow),
:mod:`~logreg.data.dask_table` (Dask) and :mod:`~logreg.data.spark` (Spark);
:func:`logreg.data.table_kinds.table_kind_for` picks one. (The registry is
not here because the kinds import this module: a registry here would close
an import circle.)
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from logreg.link import host_parameters, outputs

if TYPE_CHECKING:
    import pyarrow as pa

    from logreg.data.adapter import TrainingData

__all__ = [
    "PREDICTION_COLUMN",
    "LinearPredictor",
    "TableKind",
    "append_predictions",
    "check_new_columns",
    "loaded",
    "module_of",
    "prediction_arrays",
    "prediction_column_names",
    "refuse_streamed_sgd",
]

#: The name of the appended column of predicted labels.
PREDICTION_COLUMN = "prediction"


class TableKind:
    """One kind of table that ``fit_table`` and ``predict_table`` accept.

    Subclasses set :attr:`name` and implement :meth:`accepts`,
    :meth:`training_data` and :meth:`predict_table`; :meth:`check_solver`
    refuses the solvers the kind cannot serve (by default none).
    """

    #: A short name for messages, e.g. ``"pandas DataFrame"``.
    name: str = ""

    def accepts(self, table: Any) -> bool:
        """Whether ``table`` is of this kind; never imports an optional package.

        Parameters
        ----------
        table : object

        Returns
        -------
        bool
        """
        raise NotImplementedError

    def check_solver(self, solver: str) -> None:
        """Raise ``ValueError`` when rows of this kind cannot serve ``solver``.

        Parameters
        ----------
        solver : str
            The estimator's ``solver`` parameter.
        """

    def training_data(
        self,
        table: Any,
        target: str,
        *,
        batch_rows: int,
        exclude: Sequence[str],
        standardize: bool,
        drop_missing: bool,
        reference: Any,
    ) -> TrainingData:
        """Learn the table's encoding; its encoded rows as a data source.

        Parameters
        ----------
        table : table of this kind, of shape (n_rows, n_columns)
        target : str
            The label column; every other column not in ``exclude`` is a
            feature.
        batch_rows : int
            Rows read and encoded at a time, where the kind streams rows.
        exclude : sequence of str
            Columns that are not features.
        standardize : bool
            Standardise the numeric columns with the table's mean and std.
        drop_missing : bool
            Drop rows with a missing value instead of raising.
        reference : None, "first" or dict of str to str
            As for :class:`~logreg.data.encoder.TableEncoder` (already
            resolved by :func:`~logreg.data.encoder.reference_for`).

        Returns
        -------
        TrainingData
            With ``target`` set and the fitted encoder as
            ``fitted["file_encoder_"]``.
        """
        raise NotImplementedError

    def predict_table(self, model: Any, table: Any) -> Any:
        """``table`` with the model's predictions appended, in the same kind.

        Parameters
        ----------
        model : LogisticRegression
            Fitted.
        table : table of this kind, of shape (n_rows, n_columns)

        Returns
        -------
        table of shape (n_rows, n_columns + 1 + n_classes)
            ``table``'s columns, then ``prediction`` and ``proba_<class>``
            for each class of ``model.classes_`` (see
            :func:`prediction_column_names`).
        """
        raise NotImplementedError


def refuse_streamed_sgd(solver: str, where: str) -> None:
    """Refuse ``solver="sgd"`` for rows that are streamed or live elsewhere.

    Parameters
    ----------
    solver : str
    where : str
        What holds the rows, for the message (``"a pyarrow Dataset"``).

    Raises
    ------
    ValueError
        For ``"sgd"``: its mini-batches need random access to rows.
    """
    if solver == "sgd":
        raise ValueError(
            f"solver='sgd' needs random access to rows, which {where} does not "
            "give; use 'auto', 'newton', 'lbfgs' or 'gd'."
        )


# -------------------------------------------------------------- prediction
def prediction_column_names(classes: Iterable[Any]) -> list[str]:
    """The appended columns' names: ``prediction``, then ``proba_<class>``.

    Parameters
    ----------
    classes : iterable of labels, of length n_classes
        ``model.classes_``.

    Returns
    -------
    list of str of length 1 + n_classes
        ``str(label)`` names each class: ``proba_0``, ``proba_yes``,
        ``proba_True``.
    """
    return [PREDICTION_COLUMN, *(f"proba_{label}" for label in classes)]


def check_new_columns(columns: Iterable[Any], classes: Iterable[Any]) -> list[str]:
    """The appended columns' names, refusing any the table already has.

    Parameters
    ----------
    columns : iterable of str
        The table's column names.
    classes : iterable of labels, of length n_classes

    Returns
    -------
    list of str of length 1 + n_classes

    Raises
    ------
    ValueError
        Naming the columns the table already has.
    """
    names = prediction_column_names(classes)
    existing = {str(column) for column in columns}
    clashes = [name for name in names if name in existing]
    if clashes:
        raise ValueError(
            f"the table already has the column{'s' if len(clashes) > 1 else ''} "
            f"{', '.join(map(repr, clashes))} that predict_table appends: rename "
            "or drop it first"
        )
    return names


@dataclass(frozen=True)
class LinearPredictor:
    """A fitted model reduced to what prediction needs (small to pickle).

    Build it with :meth:`of`; ship it to workers, which call
    :meth:`predict` on their Arrow batches.

    Attributes
    ----------
    coef : ndarray of shape (n_rows, n_features)
    intercept : ndarray of shape (n_rows,)
    classes : ndarray of shape (n_classes,)
    encoder : TableEncoder or None
        The model's ``file_encoder_`` (fitted by ``fit_table``/``fit_file``).
    feature_names : ndarray of shape (n_features,) or None
        Columns to read as they are, for a model fitted with ``fit`` on a
        DataFrame (when ``encoder`` and ``formula`` are None).
    formula : ModelFormula or None
        The formula of a model fitted with one; it encodes a pandas frame.
    """

    coef: np.ndarray
    intercept: np.ndarray
    classes: np.ndarray
    encoder: Any = None
    feature_names: np.ndarray | None = None
    formula: Any = None

    @classmethod
    def of(cls, model: Any) -> LinearPredictor:
        """The predictor of a fitted model.

        Parameters
        ----------
        model : LogisticRegression
            Fitted by ``fit_table``/``fit_file`` (it has ``file_encoder_``),
            with a formula, or with ``fit`` on a DataFrame with string column
            names (it has ``feature_names_in_``).

        Returns
        -------
        LinearPredictor

        Raises
        ------
        ValueError
            For a model fitted on arrays without column names: which
            columns of a table are its features is unknown.
        """
        coef, intercept = host_parameters(model)
        encoder = getattr(model, "file_encoder_", None)
        formula = getattr(model, "formula_", None)
        names = getattr(model, "feature_names_in_", None)
        if encoder is None and formula is None and names is None:
            raise ValueError(
                "predict_table needs to know which columns are the features: fit "
                "the model with fit_table or fit_file, with a formula, or with fit "
                "on a DataFrame whose columns are named"
            )
        return cls(
            coef=np.asarray(coef, dtype=np.float64),
            intercept=np.asarray(intercept, dtype=np.float64),
            classes=np.asarray(model.classes_),
            encoder=encoder,
            feature_names=None if names is None else np.asarray(names, dtype=object),
            formula=formula,
        )

    def features(self, batch: Any) -> tuple[np.ndarray, np.ndarray]:
        """The model's features of the rows of an Arrow batch.

        Parameters
        ----------
        batch : pyarrow.Table or pyarrow.RecordBatch of shape (n_rows, n_columns)

        Returns
        -------
        X : ndarray of shape (n_kept, n_features), float64
        kept : ndarray of shape (n_rows,), bool
            The rows in ``X``: all, but for rows with a missing value when
            the encoder was fitted with ``drop_missing=True``.

        Raises
        ------
        ValueError
            For absent feature columns, columns of the wrong type, or missing
            values (unless the encoder drops them).
        """
        if self.encoder is not None:
            return self.encoder.transform(batch)
        kept = np.ones(batch.num_rows, dtype=bool)
        if self.formula is not None:
            X = self.formula.design(batch.to_pandas())
            return np.asarray(X, dtype=np.float64), kept
        return _named_columns(batch, list(self.feature_names)), kept

    def predict(self, batch: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Predicted labels and class probabilities of an Arrow batch's rows.

        Parameters
        ----------
        batch : pyarrow.Table or pyarrow.RecordBatch of shape (n_rows, n_columns)

        Returns
        -------
        labels : ndarray of shape (n_kept,)
            From ``classes``; as the estimator's ``predict`` gives them.
        proba : ndarray of shape (n_kept, n_classes), float64
        kept : ndarray of shape (n_rows,), bool
            As for :meth:`features`.
        """
        X, kept = self.features(batch)
        scores = X @ self.coef.T + self.intercept
        return (
            outputs(scores, "predict", self.classes),
            outputs(scores, "predict_proba", self.classes),
            kept,
        )


def _named_columns(batch: Any, names: list[str]) -> np.ndarray:
    """Numeric or boolean columns ``names`` of an Arrow batch as float64."""
    from logreg.data.read import _columns_phrase, require_pyarrow

    pa = require_pyarrow()
    present = set(batch.schema.names)
    absent = [name for name in names if name not in present]
    if absent:
        raise ValueError(
            f"the table lacks the {_columns_phrase(absent)} that the model was "
            "fitted with"
        )
    X = np.empty((batch.num_rows, len(names)))
    for j, name in enumerate(names):
        column = batch.column(name)
        dtype = column.type
        if not (pa.types.is_integer(dtype) or pa.types.is_floating(dtype)) and not (
            pa.types.is_boolean(dtype) or pa.types.is_decimal(dtype)
        ):
            raise ValueError(
                f"column {name!r} has type {dtype}; a model fitted with fit on a "
                "DataFrame reads its columns as numbers (fit with fit_table to "
                "encode strings)"
            )
        X[:, j] = pa.compute.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
    if not np.all(np.isfinite(X)):
        raise ValueError("Input X contains NaN or infinity.")
    return X


def _with_missing(pa: Any, values: np.ndarray, kept: np.ndarray, dtype: Any) -> Any:
    """``values`` of the kept rows as a full-length Arrow array, null elsewhere."""
    if kept.all():
        return pa.array(values, type=dtype)
    full = np.zeros(len(kept), dtype=values.dtype)
    if values.dtype == object:
        full = np.full(len(kept), "", dtype=object)
    full[kept] = values
    return pa.array(full, type=dtype, mask=~kept)


def prediction_arrays(predictor: LinearPredictor, batch: Any) -> dict[str, pa.Array]:
    """The appended columns of an Arrow batch, as Arrow arrays by name.

    Parameters
    ----------
    predictor : LinearPredictor
    batch : pyarrow.Table or pyarrow.RecordBatch of shape (n_rows, n_columns)

    Returns
    -------
    dict of str to pyarrow.Array of length n_rows
        ``prediction`` (the type of the labels) and ``proba_<class>``
        (float64), in :func:`prediction_column_names` order; null in rows
        dropped for a missing value.
    """
    from logreg.data.read import require_pyarrow

    pa = require_pyarrow()
    labels, proba, kept = predictor.predict(batch)
    names = prediction_column_names(predictor.classes)
    label_type = pa.array(predictor.classes).type
    arrays = {names[0]: _with_missing(pa, labels, kept, label_type)}
    for k, name in enumerate(names[1:]):
        arrays[name] = _with_missing(pa, proba[:, k], kept, pa.float64())
    return arrays


def append_predictions(predictor: LinearPredictor, batch: Any) -> Any:
    """An Arrow batch with ``prediction`` and ``proba_<class>`` appended.

    Parameters
    ----------
    predictor : LinearPredictor
    batch : pyarrow.Table or pyarrow.RecordBatch of shape (n_rows, n_columns)

    Returns
    -------
    pyarrow.Table or pyarrow.RecordBatch of shape (n_rows, n_columns + 1 + n_classes)
        Of ``batch``'s type.

    Raises
    ------
    ValueError
        If ``batch`` already has one of the appended columns' names.
    """
    from logreg.data.read import require_pyarrow

    pa = require_pyarrow()
    check_new_columns(batch.schema.names, predictor.classes)
    arrays = prediction_arrays(predictor, batch)
    if isinstance(batch, pa.RecordBatch):
        columns = [*batch.columns, *arrays.values()]
        return pa.RecordBatch.from_arrays(columns, names=[*batch.schema.names, *arrays])
    for name, array in arrays.items():
        batch = batch.append_column(name, array)
    return batch


def module_of(table: Any) -> str:
    """``table``'s type's module and name, for messages and cheap kind checks.

    Parameters
    ----------
    table : object

    Returns
    -------
    str
        E.g. ``"pandas.core.frame.DataFrame"``.
    """
    kind = type(table)
    return f"{kind.__module__}.{kind.__qualname__}"


def loaded(module: str) -> Any:
    """A module if it is already imported, else None (importing nothing).

    Parameters
    ----------
    module : str

    Returns
    -------
    module or None
    """
    return sys.modules.get(module)
