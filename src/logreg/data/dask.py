"""Dask inputs: conversion, label encoding, validation and lazy predictions.

:func:`logreg.data.adapter_for` picks :class:`DaskAdapter` for Dask arrays
and DataFrames. Nothing in this module imports dask at import time; the rows
are summed on the cluster by :class:`logreg.data.dask_source.DaskSource`.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.utils.multiclass import check_classification_targets

from logreg.data.adapter import Adapter, TrainingData
from logreg.data.dask_source import DaskSource, require_dask

__all__ = [
    "DaskAdapter",
    "checked_class_totals",
    "encode_labels",
    "feature_matrix",
    "is_dask_collection",
    "lazy_prediction",
    "row_vector",
]


def is_dask_collection(obj: Any) -> bool:
    """Whether ``obj`` is a Dask collection (array, DataFrame...); imports no dask.

    Parameters
    ----------
    obj : object

    Returns
    -------
    bool
    """
    return hasattr(type(obj), "__dask_graph__")


def _dask_frame_kind(obj: Any) -> str | None:
    """``"DataFrame"`` or ``"Series"`` for those Dask collections, else None.

    Imports dask.dataframe only for an object that comes from it.
    """
    if not type(obj).__module__.startswith("dask.dataframe"):
        return None
    import dask.dataframe as dd

    if isinstance(obj, dd.DataFrame):
        return "DataFrame"
    return "Series" if isinstance(obj, dd.Series) else None


def _not_supported(obj: Any, name: str) -> TypeError:
    kind = f"{type(obj).__module__}.{type(obj).__name__}"
    return TypeError(f"{name} must be a dask array or a dask DataFrame, got {kind}.")


def feature_matrix(X: Any, *, for_fit: bool) -> tuple[Any, np.ndarray | None]:
    """A Dask array or DataFrame as a float Dask array with one column chunk.

    Parameters
    ----------
    X : dask.array.Array or dask.dataframe.DataFrame of shape (n_samples, n_features)
        Numeric features.
    for_fit : bool
        Also learn the row-chunk sizes (a pass over the partitions of a
        DataFrame or of an array with unknown chunks); prediction stays lazy.

    Returns
    -------
    X : dask.array.Array of shape (n_samples, n_features)
        float32 if ``X`` was float32, else float64.
    feature_names : ndarray of shape (n_features,) or None
        The column names of a DataFrame whose names are all strings.

    Raises
    ------
    TypeError
        For a Dask collection that is neither an array nor a DataFrame.
    ValueError
        For an ``X`` that is not 2-D or not numeric.
    """
    require_dask()
    import dask.array as da

    names = None
    if _dask_frame_kind(X) == "DataFrame":
        columns = list(X.columns)
        if all(isinstance(name, str) for name in columns):
            names = np.asarray(columns, dtype=object)
        X = _frame_as_array(X, for_fit)
    elif not isinstance(X, da.Array):
        raise _not_supported(X, "X")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got {X.ndim}-D.")
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X must be numeric, got dtype {X.dtype}.")
    if X.dtype != np.float32:
        X = X.astype(np.float64)
    if for_fit and any(np.isnan(size) for size in X.chunks[0]):
        X = X.compute_chunk_sizes()
    if X.numblocks[1] > 1:
        X = X.rechunk({1: -1})
    return X, names


def _frame_as_array(frame: Any, for_fit: bool) -> Any:
    """A numeric DataFrame's values as a Dask array (float64 for extension dtypes)."""
    from pandas.api.types import is_numeric_dtype

    dtypes = frame.dtypes
    bad = [str(name) for name, dtype in dtypes.items() if not is_numeric_dtype(dtype)]
    if bad:
        raise ValueError(f"X must be numeric; the columns {bad} are not.")
    if not all(isinstance(dtype, np.dtype) for dtype in dtypes):
        # Nullable extension dtypes (Float64, Int64) have no NumPy array form.
        frame = frame.astype(np.float64)
    return frame.to_dask_array(lengths=True if for_fit else None)


def row_vector(values: Any, row_chunks: tuple[int, ...], name: str) -> Any:
    """``y`` or ``sample_weight`` as a 1-D Dask array chunked like ``X``'s rows.

    Parameters
    ----------
    values : array-like, dask array or dask Series of shape (n_samples,)
        A scalar is broadcast (for ``sample_weight``).
    row_chunks : tuple of int
        ``X.chunks[0]``.
    name : str
        The parameter's name, for error messages.

    Returns
    -------
    dask.array.Array of shape (n_samples,)

    Raises
    ------
    ValueError
        If ``values`` is not 1-D or its length differs from ``X``'s.
    """
    import dask.array as da

    n_samples = int(sum(row_chunks))
    kind = _dask_frame_kind(values)
    if kind == "DataFrame":
        raise ValueError(f"{name} must be 1-D, got a DataFrame.")
    if kind == "Series":
        if not isinstance(values.dtype, np.dtype):
            # Extension dtypes (pyarrow strings) become NumPy objects.
            values = values.astype(object)
        values = values.to_dask_array(lengths=True)
    elif isinstance(values, da.Array):
        if any(np.isnan(size) for size in values.chunks[0]):
            values = values.compute_chunk_sizes()
    elif is_dask_collection(values):
        raise _not_supported(values, name)
    else:
        values = np.asarray(values)
        if values.ndim == 0:
            values = np.full(n_samples, values)
    if values.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {values.shape}.")
    if values.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {values.shape[0]} rows, but X has {n_samples}: they must "
            "match."
        )
    if isinstance(values, np.ndarray):
        return da.from_array(values, chunks=(row_chunks,))
    return values.rechunk((row_chunks,))


def _encode(block: np.ndarray, classes: np.ndarray) -> np.ndarray:
    return np.searchsorted(classes, block).astype(np.intp)


def encode_labels(y: Any) -> tuple[np.ndarray, Any]:
    """The sorted classes of ``y`` (one compute) and ``y`` encoded lazily.

    Parameters
    ----------
    y : dask.array.Array of shape (n_samples,)

    Returns
    -------
    classes : ndarray of shape (n_classes,)
    codes : dask.array.Array of shape (n_samples,)
        Index of each label in ``classes``, as ``intp``.
    """
    import dask.array as da

    classes = np.asarray(da.unique(y).compute())
    check_classification_targets(classes)
    return classes, y.map_blocks(_encode, classes, dtype=np.intp)


def _validation_sums(X_b, y_b, s_b, *, n_classes: int):
    """Per-class weight totals, negative weights, and non-finite blocks of ``X``."""
    return (
        np.bincount(y_b, weights=s_b, minlength=n_classes),
        float(np.count_nonzero(s_b < 0)),
        float(not np.isfinite(X_b).all()),
    )


def checked_class_totals(source: DaskSource, n_classes: int) -> np.ndarray:
    """Validate ``X`` and the sample weights in one pass; the weight of each class.

    Parameters
    ----------
    source : DaskSource
        Without class weights.
    n_classes : int

    Returns
    -------
    ndarray of shape (n_classes,)
        ``sum_i s_i [y_i = k]``.

    Raises
    ------
    ValueError
        If ``X`` holds NaN or infinity, or the sample weights are not finite,
        are negative, or sum to zero.
    """
    totals, negative, non_finite = source.sum_over_blocks(
        functools.partial(_validation_sums, n_classes=n_classes)
    )
    if non_finite:
        raise ValueError("Input X contains NaN or infinity.")
    if not np.all(np.isfinite(totals)):
        raise ValueError("sample_weight contains NaN or infinity.")
    if negative:
        raise ValueError("sample_weight contains negative values.")
    if not np.sum(totals) > 0:
        raise ValueError("The sample weights sum to zero: nothing to fit.")
    return totals


def _predict_block(X_b: np.ndarray, predictor: Any, method: str) -> np.ndarray:
    return getattr(predictor, method)(X_b)


def lazy_prediction(model: Any, X: Any, method: str) -> Any:
    """``model.<method>(X)`` for Dask ``X`` as a lazy Dask array, block by block.

    Each row chunk runs the in-memory method of a copy of ``model`` that holds
    only the fitted coefficients, so the answers equal the NumPy ones.

    Parameters
    ----------
    model : LogisticRegression
        Fitted.
    X : dask.array.Array or dask.dataframe.DataFrame of shape (n_samples, n_features)
    method : {"predict", "predict_proba", "predict_log_proba", "decision_function"}

    Returns
    -------
    dask.array.Array
        Of shape (n_samples,) for ``predict`` and a binary
        ``decision_function``, else (n_samples, n_classes); nothing is
        computed until asked.

    Raises
    ------
    ValueError
        If the number or the names of the features differ from the fit's.
    """
    X, names = feature_matrix(X, for_fit=False)
    _check_features(model, X.shape[1], names)
    predictor = _predictor(model)
    # One zero row on the client gives the output's dtype and width.
    meta = _predict_block(np.zeros((1, X.shape[1]), X.dtype), predictor, method)[:0]
    if meta.ndim == 1:
        shape = {"drop_axis": 1}
    else:
        shape = {"chunks": (X.chunks[0], meta.shape[1:])}
    return X.map_blocks(_predict_block, predictor, method, meta=meta, **shape)


def _check_features(model: Any, n_features: int, names: np.ndarray | None) -> None:
    if n_features != model.n_features_in_:
        raise ValueError(
            f"X has {n_features} features, but {type(model).__name__} is "
            f"expecting {model.n_features_in_} features as input."
        )
    fitted_names = getattr(model, "feature_names_in_", None)
    if names is not None and fitted_names is not None:
        if list(names) != list(fitted_names):
            raise ValueError(
                "The feature names should match those that were passed during "
                f"fit: got {list(names)}, expected {list(fitted_names)}."
            )


def _predictor(model: Any) -> Any:
    """A copy of ``model`` with only what prediction needs (small to pickle)."""
    predictor = clone(model)
    for name in ("classes_", "coef_", "intercept_", "n_features_in_"):
        setattr(predictor, name, getattr(model, name))
    return predictor


class DaskAdapter(Adapter):
    """Dask arrays and DataFrames: the rows stay on the cluster.

    ``X``, the encoded labels and the sample weights are persisted once
    (:class:`~logreg.data.dask_source.DaskSource`); each pass of the solver
    runs its kernel on the workers and brings back only the sums. ``y`` and
    ``sample_weight`` may be Dask or NumPy. Every solver but ``"sgd"`` works.
    """

    name = "Dask"

    def accepts(self, X: Any) -> bool:
        """Dask collections (imports no dask)."""
        return is_dask_collection(X)

    def check_solver(self, solver: str) -> None:
        """Refuse ``"sgd"``: its mini-batches need fast random access to rows."""
        if solver == "sgd":
            raise ValueError(
                "solver='sgd' needs fast random access to rows, which Dask "
                "inputs do not give; every other solver works with them."
            )

    def training_data(
        self, estimator: Any, X: Any, y: Any, sample_weight: Any
    ) -> TrainingData:
        """See :meth:`Adapter.training_data`; one pass validates and counts."""
        X, names = feature_matrix(X, for_fit=True)
        rows = X.chunks[0]
        classes, codes = encode_labels(row_vector(y, rows, "y"))
        if sample_weight is not None:
            sample_weight = row_vector(sample_weight, rows, "sample_weight")
            sample_weight = sample_weight.astype(np.float64)
        source = DaskSource(X, codes, sample_weight)
        return TrainingData(
            source=source,
            classes=classes,
            class_totals=checked_class_totals(source, len(classes)),
            n_features=int(X.shape[1]),
            feature_names=names,
        )

    def predict(self, model: Any, X: Any, method: str) -> Any:
        """See :meth:`Adapter.predict`; a lazy Dask array, chunk by chunk."""
        return lazy_prediction(model, X, method)
