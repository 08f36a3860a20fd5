"""From the linear predictor to what a fitted model returns, on any array namespace.

A fitted model's outputs are functions of its scores ``Z = X W^T + b``, of
shape (n_samples, n_rows) with one row for two classes. Each input adapter
(:mod:`logreg.data`) computes ``Z`` where its rows are (host memory, a device,
Dask chunks) and hands it here, so every kind of input gets the same answers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score

from logreg._math import log_sigmoid, log_softmax, sigmoid, softmax
from logreg._namespace import (
    array_namespace,
    asarray_like,
    astype,
    is_foreign_array,
    to_numpy,
)

__all__ = [
    "METHODS",
    "accuracy",
    "host_parameters",
    "outputs",
    "probabilities",
    "stored_like",
    "take_labels",
]

#: The prediction methods of the estimator, each a function of the scores.
METHODS = ("decision_function", "predict_proba", "predict_log_proba", "predict")


def host_parameters(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """A fitted model's ``(coef_, intercept_)`` as dense host NumPy arrays.

    ``coef_`` may be a SciPy sparse matrix (after ``sparsify()``) or, with
    scikit-learn's array-API dispatch, both may be arrays of the training
    data's namespace and device.

    Parameters
    ----------
    model : LogisticRegression

    Returns
    -------
    coef : ndarray of shape (n_rows, n_features)
    intercept : ndarray of shape (n_rows,)
    """
    coef, intercept = model.coef_, model.intercept_
    if hasattr(coef, "toarray"):
        coef = coef.toarray()
    return to_numpy(coef), to_numpy(intercept)


def stored_like(values: np.ndarray, like: Any) -> Any:
    """Host ``values`` stored as ``like`` is: sparse, on a device, or NumPy.

    Parameters
    ----------
    values : ndarray
        Fitted parameters on the host.
    like : ndarray, SciPy sparse matrix or array of another namespace
        How the model stored them before (``sparsify()``, array-API
        dispatch).

    Returns
    -------
    array
    """
    if hasattr(like, "toarray"):
        from scipy import sparse

        return sparse.csr_matrix(values)
    if is_foreign_array(like):
        return asarray_like(values, like, array_namespace(like))
    return values


def probabilities(scores: Any) -> Any:
    """Class probabilities from scores of shape (n_samples, n_rows), any namespace.

    Parameters
    ----------
    scores : array of shape (n_samples, n_rows)

    Returns
    -------
    array of shape (n_samples, n_classes)
        Columns in class order; a binary model's are ``sigmoid(-z), sigmoid(z)``.
    """
    if scores.shape[1] == 1:
        xp = array_namespace(scores)
        return xp.concat([sigmoid(-scores), sigmoid(scores)], axis=1)
    return softmax(scores)


def take_labels(classes: np.ndarray, index: Any) -> Any:
    """``classes[index]``: on ``index``'s device for numeric classes.

    Parameters
    ----------
    classes : ndarray of shape (n_classes,)
    index : array of shape (n_samples,)
        Integer indices into ``classes``, NumPy or on a device.

    Returns
    -------
    array of shape (n_samples,)
        In ``index``'s namespace for numeric (or boolean) classes; a NumPy
        array for other labels (strings, objects), which no device holds.
    """
    if isinstance(index, np.ndarray):
        return classes[index]
    if classes.dtype.kind not in "biuf":
        return classes[to_numpy(index)]
    xp = array_namespace(index)
    classes = xp.asarray(classes, device=index.device, copy=True)
    return xp.take(classes, index, axis=0)


def outputs(scores: Any, method: str, classes: np.ndarray) -> Any:
    """What ``method`` returns for rows with these scores.

    Parameters
    ----------
    scores : array of shape (n_samples, n_rows)
        float64 (probabilities in float32 would round ``1 - 3e-8`` to 1).
    method : {"decision_function", "predict_proba", "predict_log_proba", \
"predict"}
    classes : ndarray of shape (n_classes,)

    Returns
    -------
    array
        ``decision_function``: shape (n_samples,) for two classes, else
        (n_samples, n_classes); ``predict_proba``/``predict_log_proba``:
        (n_samples, n_classes), computed without ``log(0)``; ``predict``:
        labels of shape (n_samples,). In ``scores``' namespace and device
        (string labels come back as NumPy).
    """
    binary = scores.shape[1] == 1
    if method == "decision_function":
        return scores[:, 0] if binary else scores
    if method == "predict_proba":
        return probabilities(scores)
    xp = array_namespace(scores)
    if method == "predict_log_proba":
        if binary:
            return xp.concat([log_sigmoid(-scores), log_sigmoid(scores)], axis=1)
        return log_softmax(scores)
    if method != "predict":
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}.")
    if binary:
        index = astype(scores[:, 0] > 0, xp.int64, xp)
    else:
        index = xp.argmax(scores, axis=1)
    return take_labels(classes, index)


def accuracy(predicted: Any, y: Any, sample_weight: Any = None) -> float:
    """The (weighted) share of ``predicted`` labels equal to ``y``.

    Labels and weights on a device come to the host (one value per row).

    Parameters
    ----------
    predicted : array of shape (n_samples,)
    y : array-like of shape (n_samples,)
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    float
    """

    def host(values: Any) -> Any:
        return to_numpy(values) if is_foreign_array(values) else values

    return float(
        accuracy_score(host(y), host(predicted), sample_weight=host(sample_weight))
    )
