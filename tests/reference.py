"""Independent references for the tests: datasets and scikit-learn's objective.

The objective here is written from the formula in scikit-learn's user guide
with SciPy's special functions, sharing no code with ``logreg``.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
from scipy.special import log_expit, logsumexp
from sklearn import datasets
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from sklearn.preprocessing import StandardScaler

PARITY_DATASETS = ["blobs", "breast_cancer", "iris", "wine", "digits", "imbalanced"]
#: Datasets of the L1 / elastic-net parity tests.
L1_DATASETS = ["breast_cancer", "digits", "signal200"]


@functools.cache
def load(
    name: str, standardize: bool = False, raw: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(X, y)`` of a parity dataset, on a workable scale.

    Breast cancer and wine are always standardised (their raw columns differ
    in scale by 10^4, which no tolerance survives); digits pixels are divided
    by 16, their maximum.

    Parameters
    ----------
    name : str
        One of :data:`PARITY_DATASETS`, or ``"signal200"``: 200 features of
        which 10 carry signal (binary, 500 rows), where L1 has zeros to find.
    standardize : bool
        Scale every column to zero mean and unit variance.
    raw : bool
        Skip the per-dataset scaling above (wine, digits and breast cancer as
        scikit-learn ships them).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    """
    if name == "blobs":  # the tutorial's data
        X, y = datasets.make_blobs(
            n_samples=500, n_features=2, centers=2, cluster_std=2, random_state=0
        )
    elif name in ("breast_cancer", "wine"):
        X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
        standardize = standardize or not raw
    elif name == "digits":
        X, y = datasets.load_digits(return_X_y=True)
        X = X if raw else X / 16.0
    elif name == "signal200":
        X, y = datasets.make_classification(
            n_samples=500, n_features=200, n_informative=10, random_state=0
        )
    elif name == "imbalanced":
        X, y = datasets.make_classification(
            n_samples=2000, n_features=20, weights=[0.9, 0.1], random_state=0
        )
    else:
        X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    if standardize:
        X = StandardScaler().fit_transform(X)
    return np.ascontiguousarray(X, dtype=np.float64), y


def sklearn_objective(
    X, y, coef, intercept, C, sample_weight=None, l1_ratio=0.0
) -> float:
    """``f(w) / (C * sum(s))`` with scikit-learn's elastic-net ``f``.

    ``f = C sum s_i loss_i + (1 - l1_ratio) ||W||_2^2 / 2 + l1_ratio ||W||_1``
    (the L1 norm elementwise over the coefficient matrix).

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    coef : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept : ndarray of shape (1,) or (n_classes,)
    C : float
    sample_weight : ndarray of shape (n_samples,), optional
    l1_ratio : float, default=0.0

    Returns
    -------
    float
    """
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight)
    classes, codes = np.unique(y, return_inverse=True)
    z = X @ np.asarray(coef).T + intercept
    if len(classes) == 2:
        z = z[:, 0]
        losses = -np.where(codes == 1, log_expit(z), log_expit(-z))
    else:
        losses = logsumexp(z, axis=1) - z[np.arange(len(y)), codes]
    coef = np.asarray(coef)
    penalty = 0.0
    if not np.isinf(C):
        penalty = (
            0.5 * (1 - l1_ratio) * np.sum(np.square(coef))
            + l1_ratio * np.sum(np.abs(coef))
        ) / C
    return float((s @ losses + penalty) / s.sum())


@functools.cache
def sklearn_optimum(name: str, C: float, standardize: bool = False, raw: bool = False):
    """scikit-learn's tight-tolerance fit (``newton-cholesky``, ``tol=1e-12``).

    Returns
    -------
    value : float
        :func:`sklearn_objective` at the better fit.
    model : sklearn.linear_model.LogisticRegression
        That fit.
    """
    X, y = load(name, standardize, raw)
    with warnings.catch_warnings():
        # At tol=1e-12 scikit-learn may warn that rounding stopped it first.
        warnings.simplefilter("ignore")
        model = SklearnLogisticRegression(
            C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000
        ).fit(X, y)
    return sklearn_objective(X, y, model.coef_, model.intercept_, C), model


@functools.cache
def saga_optimum(name: str, C: float, l1_ratio: float):
    """scikit-learn's ``saga`` fit of the elastic-net objective, ``tol=1e-7``.

    At this tolerance saga's objective was within 3e-10 (relative) of the
    optimum and its zero pattern exact on every :data:`L1_DATASETS` case
    (checked against logreg's proximal Newton at ``tol=1e-10``); ``1e-8``
    costs twice the time for digits.

    Returns
    -------
    value : float
        :func:`sklearn_objective` at the fit.
    model : sklearn.linear_model.LogisticRegression
        That fit.
    """
    X, y = load(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SklearnLogisticRegression(
            C=C, l1_ratio=l1_ratio, solver="saga", tol=1e-7, max_iter=100_000
        ).fit(X, y)
    value = sklearn_objective(X, y, model.coef_, model.intercept_, C, None, l1_ratio)
    return value, model
