"""PyTorch, CuPy and other array-API inputs for the estimator.

:func:`logreg.data.adapter_for` picks :class:`ArrayApiAdapter` for arrays of
array-API libraries other than NumPy (see
:func:`logreg._namespace.is_foreign_array`): validation and label encoding
run on the input's device, the rows are summed there by
:class:`logreg.data.sources.ArrayApiSource`, and predictions are computed
there and returned in the input's namespace. Only small arrays cross
to the host: sums, class labels, the parameter vector.

The fitted attributes (``coef_``, ``intercept_``, ``classes_``) are NumPy
arrays on the host, whatever the input: the solvers work there in float64,
and a fitted model saves, prints its summary and predicts on NumPy input as
any other. (scikit-learn's array API mode would keep them in the input's
namespace; here they move to a device per prediction call, a few hundred
bytes.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.multiclass import check_classification_targets

from logreg._namespace import (
    array_namespace,
    asarray_like,
    astype,
    is_foreign_array,
    to_numpy,
)
from logreg.data.adapter import Adapter, TrainingData
from logreg.data.sources import ArrayApiSource
from logreg.link import host_parameters, outputs
from logreg.objective import class_weight_sums

__all__ = [
    "ArrayApiAdapter",
    "encode_labels",
    "feature_matrix",
    "per_row",
    "sample_weights",
    "scores",
]


def feature_matrix(X: Any) -> Any:
    """Validate ``X`` on its device: 2-D, real, finite; float32 or float64.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        A PyTorch, CuPy, ``array_api_strict``... array.

    Returns
    -------
    array of shape (n_samples, n_features)
        ``X`` itself when float32 or float64, else converted to float64.

    Raises
    ------
    ValueError
        If ``X`` is not 2-D, is empty, is not real-valued, or holds NaN or
        infinity.
    """
    xp = array_namespace(X)
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D (n_samples, n_features), got {X.ndim}-D with shape "
            f"{tuple(X.shape)}."
        )
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(
            f"X has shape {tuple(X.shape)}: it needs at least one sample and one "
            "feature."
        )
    if X.dtype not in (xp.float32, xp.float64):
        if not xp.isdtype(X.dtype, ("bool", "integral", "real floating")):
            raise ValueError(f"X must hold real numbers, got dtype {X.dtype}.")
        X = astype(X, xp.float64, xp)
    if not bool(xp.all(xp.isfinite(X))):
        raise ValueError("Input X contains NaN or infinity.")
    return X


def _check_rows(values: Any, n_samples: int, name: str) -> None:
    if values.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {tuple(values.shape)}.")
    if values.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {values.shape[0]} rows, but X has {n_samples}: they must "
            "match."
        )


def encode_labels(y: Any, X: Any) -> tuple[np.ndarray, Any]:
    """The sorted classes of ``y`` and ``y`` encoded as their indices, on X's device.

    A foreign ``y`` is encoded on its device (``unique_values``,
    ``searchsorted``); any other ``y`` (NumPy, a list, string labels) on the
    host, and its codes are moved to ``X``'s device.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels.
    X : array of shape (n_samples, n_features)
        The validated features.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
        Host NumPy, sorted.
    codes : array of shape (n_samples,)
        Index of each label in ``classes``, an integer array of ``X``'s
        namespace and device.

    Raises
    ------
    ValueError
        If ``y`` is not 1-D, its length differs from ``X``'s, or it holds
        continuous values.
    """
    xp = array_namespace(X)
    if is_foreign_array(y):
        _check_rows(y, X.shape[0], "y")
        y_xp = array_namespace(y)
        classes = y_xp.sort(y_xp.unique_values(y))
        check_classification_targets(to_numpy(classes))
        # searchsorted on a copy: PyTorch warns about a strided y (a column).
        codes = y_xp.searchsorted(classes, y_xp.asarray(y, copy=True))
        classes = to_numpy(classes)
    else:
        y = np.asarray(y)
        _check_rows(y, X.shape[0], "y")
        classes, codes = np.unique(y, return_inverse=True)
        check_classification_targets(classes)
    return classes, xp.asarray(codes, device=X.device)


def sample_weights(sample_weight: Any, X: Any) -> Any:
    """Validated sample weights as float64 on ``X``'s device.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,), scalar or None
        A foreign array, a NumPy array or a scalar; None means ones.
    X : array of shape (n_samples, n_features)

    Returns
    -------
    array of shape (n_samples,)
        float64, a new array (the caller may scale it).

    Raises
    ------
    ValueError
        If the shape is wrong, or a weight is NaN, infinite or negative.
    """
    xp = array_namespace(X)
    n_samples = X.shape[0]
    if sample_weight is None:
        return xp.ones(n_samples, dtype=xp.float64, device=X.device)
    if not is_foreign_array(sample_weight):
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
    weights = xp.asarray(sample_weight, dtype=xp.float64, device=X.device, copy=True)
    if weights.ndim == 0:
        weights = xp.full(n_samples, float(weights), dtype=xp.float64, device=X.device)
    if tuple(weights.shape) != (n_samples,):
        raise ValueError(
            f"sample_weight must have shape ({n_samples},) to match X, got "
            f"{tuple(weights.shape)}."
        )
    if not bool(xp.all(xp.isfinite(weights))):
        raise ValueError("sample_weight contains NaN or infinity.")
    if bool(xp.any(weights < 0)):
        raise ValueError("sample_weight contains negative values.")
    return weights


def per_row(values: np.ndarray, codes: Any) -> Any:
    """``values[codes]``: a per-class host vector looked up per row, on the device.

    Parameters
    ----------
    values : ndarray of shape (n_classes,)
        float64, on the host.
    codes : array of shape (n_samples,)
        Encoded labels on the device.

    Returns
    -------
    array of shape (n_samples,)
        float64, in ``codes``' namespace and device.
    """
    xp = array_namespace(codes)
    values = xp.asarray(values, device=codes.device, copy=True)
    return xp.take(values, codes, axis=0)


def scores(model: Any, X: Any) -> Any:
    """The linear predictor ``X W^T + b`` on ``X``'s device, as float64.

    Computed in ``X``'s dtype (the pass over ``X``) and returned in float64,
    as for NumPy input.

    Parameters
    ----------
    model : LogisticRegression
        Fitted.
    X : array of shape (n_samples, n_features)

    Returns
    -------
    array of shape (n_samples, n_rows)
        In ``X``'s namespace and device.

    Raises
    ------
    ValueError
        For an invalid ``X`` or one with the wrong number of features.
    """
    X = feature_matrix(X)
    if X.shape[1] != model.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(model).__name__} is "
            f"expecting {model.n_features_in_} features as input."
        )
    xp = array_namespace(X)
    coef, intercept = host_parameters(model)
    linear = X @ asarray_like(coef.T, X, xp)
    return astype(linear + asarray_like(intercept, X, xp), xp.float64, xp)


class ArrayApiAdapter(Adapter):
    """Arrays of array-API libraries other than NumPy, on their device."""

    name = "array API"

    def accepts(self, X: Any) -> bool:
        """PyTorch tensors, CuPy arrays and other ``__array_namespace__`` arrays."""
        return is_foreign_array(X)

    def training_data(
        self, estimator: Any, X: Any, y: Any, sample_weight: Any
    ) -> TrainingData:
        """See :meth:`Adapter.training_data`; validated and encoded on the device."""
        X = feature_matrix(X)
        classes, codes = encode_labels(y, X)
        weights = sample_weights(sample_weight, X)
        return TrainingData(
            source=ArrayApiSource(X, codes, weights),
            classes=classes,
            class_totals=class_weight_sums(codes, weights, len(classes)),
            n_features=int(X.shape[1]),
        )

    def fitted_parameters(self, X: Any, coef: Any, intercept: Any) -> tuple[Any, Any]:
        """See :meth:`Adapter.fitted_parameters`.

        Under scikit-learn's array-API dispatch (``sklearn.config_context(
        array_api_dispatch=True)``), arrays of ``X``'s namespace, dtype and
        device, as scikit-learn's estimator keeps them; NumPy otherwise.
        """
        if not _dispatching():
            return coef, intercept
        X = feature_matrix(X)
        xp = array_namespace(X)
        return asarray_like(coef, X, xp), asarray_like(intercept, X, xp)

    def predict(self, model: Any, X: Any, method: str) -> Any:
        """See :meth:`Adapter.predict`; computed on ``X``'s device.

        Scores and probabilities are float64, except under scikit-learn's
        array-API dispatch, where they are in ``X``'s dtype as scikit-learn
        returns them.
        """
        result = outputs(scores(model, X), method, model.classes_)
        if method != "predict" and _dispatching():
            X = feature_matrix(X)
            xp = array_namespace(X)
            result = astype(result, X.dtype, xp)
        return result


def _dispatching() -> bool:
    """Whether scikit-learn's array-API dispatch is on."""
    from sklearn import get_config

    return bool(get_config().get("array_api_dispatch", False))
