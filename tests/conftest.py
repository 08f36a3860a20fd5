"""Shared test helpers: noisy classification data and an independent objective.

The reference objective here is written from the formula in
``logreg.objective``'s docstring with SciPy's stable primitives, not with any
code from ``logreg``, so tests can compare the package against it. Both are
handed to tests as fixtures (``noisy_data``, ``reference_objective``).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import log_expit, logsumexp


def _noisy_data(
    n_samples: int, n_features: int, n_classes: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian features and labels drawn from a random softmax model.

    The labels are sampled, not thresholded, so the classes overlap and the
    unpenalised maximum-likelihood estimate is finite.

    Parameters
    ----------
    n_samples, n_features, n_classes : int
        Shape of the problem.
    seed : int, default=0
        Seed of the generator.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,), int
        Labels in ``0..n_classes-1``; every class occurs.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    scores = X @ rng.normal(size=(n_features, n_classes)) + rng.normal(size=n_classes)
    probabilities = np.exp(scores - logsumexp(scores, axis=1, keepdims=True))
    cumulative = np.cumsum(probabilities, axis=1)
    y = np.sum(rng.uniform(size=(n_samples, 1)) > cumulative[:, :-1], axis=1)
    # Make sure every class occurs at least once.
    y[:n_classes] = np.arange(n_classes)
    return X, y


def _reference_objective(
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None,
    matrix: np.ndarray,
    C: float,
    fit_intercept: bool,
) -> float:
    r"""Scaled objective ``F = f / (C S)`` of scikit-learn's logistic regression.

    .. math:: f(w) = C \sum_i s_i \ell_i + \tfrac12 \lVert W \rVert_2^2

    computed in float64 from the definition; for ``C = inf`` the weighted mean
    log-loss.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Labels in ``0..K-1``.
    sample_weight : ndarray of shape (n_samples,) or None
        ``None`` means all ones.
    matrix : ndarray of shape (n_rows, n_features + fit_intercept)
        Parameter matrix: one row (binary, for class 1) or ``K`` rows; the
        intercept, if any, is the last column.
    C : float
        Inverse penalty strength, ``inf`` for none.
    fit_intercept : bool
        Whether the last column of ``matrix`` is an intercept.

    Returns
    -------
    float
    """
    X = np.asarray(X, dtype=np.float64)
    matrix = np.atleast_2d(np.asarray(matrix, dtype=np.float64))
    n_features = X.shape[1]
    coef = matrix[:, :n_features]
    intercept = matrix[:, n_features] if fit_intercept else np.zeros(len(matrix))
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight)
    z = X @ coef.T + intercept
    if matrix.shape[0] == 1:
        # log(1 + e^z) - y z = -log(sigmoid(z)) for y = 1, -log(sigmoid(-z)) for 0.
        loss = -np.where(y == 1, log_expit(z[:, 0]), log_expit(-z[:, 0]))
    else:
        loss = logsumexp(z, axis=1) - z[np.arange(len(y)), y]
    data_term = float(np.sum(s * loss)) / float(np.sum(s))
    if np.isinf(C):
        return data_term
    return data_term + 0.5 * float(np.sum(coef**2)) / (C * float(np.sum(s)))


@pytest.fixture
def noisy_data():
    """The data maker :func:`_noisy_data`, as a fixture."""
    return _noisy_data


@pytest.fixture
def reference_objective():
    """The independent scaled objective :func:`_reference_objective`."""
    return _reference_objective


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, fresh for each test."""
    return np.random.default_rng(12345)
