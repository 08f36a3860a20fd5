"""The stable link functions against SciPy and against finite differences.

Every call runs under ``filterwarnings = error``, so an overflow or
divide-by-zero warning anywhere here fails the test.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sp
from numpy.testing import assert_allclose

from logreg._math import (
    log1pexp,
    log_sigmoid,
    log_softmax,
    sigmoid,
    sigmoid_derivative,
    softmax,
)

DTYPES = [np.float64, np.float32]

#: Linear predictors from far negative to far positive, including the
#: extremes where a naive exp overflows (|z| > 88 in float32, > 709 in float64).
Z = np.concatenate(
    [
        [-1e4, -1e3, -800.0, -710.0, -100.0, -89.0, -40.0, -30.0],
        np.linspace(-20.0, 20.0, 401),
        [30.0, 40.0, 89.0, 100.0, 710.0, 800.0, 1e3, 1e4],
        [-1e-8, 0.0, 1e-8],
    ]
)


def tolerances(dtype) -> dict[str, float]:
    """``rtol``/``atol`` for comparing a result of ``dtype`` with float64.

    ``atol`` only absorbs values in the subnormal range, where float32 has
    hardly any relative precision left.
    """
    if dtype == np.float32:
        return {"rtol": 2e-6, "atol": 1e3 * float(np.finfo(np.float32).tiny)}
    return {"rtol": 1e-13, "atol": 1e3 * float(np.finfo(np.float64).tiny)}


def score_rows(dtype) -> np.ndarray:
    """Rows of class scores, some with huge or huge-spread entries."""
    rng = np.random.default_rng(0)
    rows = [
        rng.normal(scale=3.0, size=(20, 4)),
        [[1e4, -1e4, 0.0, 1.0]],
        [[-1e4, -1e4 + 1.0, -1e4 + 2.0, -1e4]],
        [[1e4, 1e4, 1e4, 1e4]],
        [[800.0, 799.0, -800.0, 0.0]],
        [[0.0, 0.0, 0.0, 0.0]],
    ]
    return np.vstack(rows).astype(dtype)


# ----------------------------------------------------------------- sigmoid
@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_matches_scipy_expit(dtype):
    z = Z.astype(dtype)
    result = sigmoid(z)
    assert result.dtype == dtype
    assert result.shape == z.shape
    assert_allclose(result, sp.expit(z.astype(np.float64)), **tolerances(dtype))
    assert np.all((result >= 0) & (result <= 1))


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_keeps_relative_precision_of_tiny_probabilities(dtype):
    # exp(-30) is far above float32's tiny: a 1 - sigma(-z) form would give 0.
    z = np.array([-30.0, -50.0, -80.0], dtype=dtype)
    assert_allclose(sigmoid(z), np.exp(z.astype(np.float64)), rtol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_keeps_shape_of_higher_dimensional_input(dtype):
    z = Z[:400].reshape(20, 4, 5).astype(dtype)
    result = sigmoid(z)
    assert result.shape == (20, 4, 5)
    assert_allclose(result, sp.expit(z.astype(np.float64)), **tolerances(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_derivative_matches_reference(dtype):
    z = Z.astype(dtype)
    result = sigmoid_derivative(z)
    assert result.dtype == dtype
    z64 = z.astype(np.float64)
    assert_allclose(result, sp.expit(z64) * sp.expit(-z64), **tolerances(dtype))
    assert np.all((result >= 0) & (result <= 0.25))


def test_sigmoid_derivative_is_finite_difference_of_sigmoid():
    z = np.linspace(-30.0, 30.0, 241)
    h = 1e-5
    finite_difference = (sigmoid(z + h) - sigmoid(z - h)) / (2 * h)
    # For z >> 0, sigma(z) ~ 1 carries an absolute rounding error of eps, so the
    # difference quotient is only good to about eps / h.
    assert_allclose(sigmoid_derivative(z), finite_difference, rtol=1e-7, atol=5e-11)


# ------------------------------------------------------- softplus, log-sigmoid
@pytest.mark.parametrize("dtype", DTYPES)
def test_log1pexp_matches_logsumexp(dtype):
    z = Z.astype(dtype)
    result = log1pexp(z)
    assert result.dtype == dtype
    z64 = z.astype(np.float64)
    reference = sp.logsumexp(np.stack([np.zeros_like(z64), z64]), axis=0)
    assert_allclose(result, reference, **tolerances(dtype))
    # Same quantity through an unrelated identity: log(1 + e^z) = -log sigma(-z).
    assert_allclose(result, -sp.log_expit(-z64), **tolerances(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_sigmoid_matches_scipy_log_expit(dtype):
    z = Z.astype(dtype)
    result = log_sigmoid(z)
    assert result.dtype == dtype
    assert_allclose(result, sp.log_expit(z.astype(np.float64)), **tolerances(dtype))
    assert np.all(result <= 0)
    assert np.all(np.isfinite(result))


def test_log1pexp_derivative_is_sigmoid():
    z = np.linspace(-30.0, 30.0, 241)
    h = 1e-5
    finite_difference = (log1pexp(z + h) - log1pexp(z - h)) / (2 * h)
    assert_allclose(finite_difference, sp.expit(z), rtol=1e-8, atol=1e-11)


def test_log_sigmoid_derivative_is_sigmoid_of_minus_z():
    z = np.linspace(-30.0, 30.0, 241)
    h = 1e-5
    finite_difference = (log_sigmoid(z + h) - log_sigmoid(z - h)) / (2 * h)
    assert_allclose(finite_difference, sp.expit(-z), rtol=1e-8, atol=1e-11)


# ------------------------------------------------------------------ softmax
@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_matches_scipy(dtype):
    z = score_rows(dtype)
    result = softmax(z)
    assert result.dtype == dtype
    assert result.shape == z.shape
    assert_allclose(
        result, sp.softmax(z.astype(np.float64), axis=1), **tolerances(dtype)
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_rows_sum_to_one(dtype):
    result = softmax(score_rows(dtype))
    eps = float(np.finfo(dtype).eps)
    assert_allclose(np.sum(result, axis=1, dtype=np.float64), 1.0, rtol=8 * eps)
    assert np.all(result >= 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_softmax_matches_scipy_and_logsumexp(dtype):
    z = score_rows(dtype)
    result = log_softmax(z)
    assert result.dtype == dtype
    z64 = z.astype(np.float64)
    # Entries reach -2e4, so float32 rounding is relative to that magnitude.
    atol = 4 * float(np.finfo(dtype).eps) * float(np.max(np.abs(z64)))
    assert_allclose(result, sp.log_softmax(z64, axis=1), rtol=1e-6, atol=atol)
    reference = z64 - sp.logsumexp(z64, axis=1, keepdims=True)
    assert_allclose(result, reference, rtol=1e-6, atol=atol)
    assert np.all(np.isfinite(result))


def test_log_softmax_is_log_of_softmax_where_not_tiny():
    z = score_rows(np.float64)
    probabilities = softmax(z)
    visible = probabilities > 1e-300
    assert_allclose(log_softmax(z)[visible], np.log(probabilities[visible]))


def test_log_softmax_jacobian_is_identity_minus_softmax():
    z = np.random.default_rng(1).normal(scale=2.0, size=4)
    h = 1e-6
    jacobian = np.empty((4, 4))
    for j in range(4):
        step = np.zeros(4)
        step[j] = h
        jacobian[:, j] = (log_softmax(z + step) - log_softmax(z - step)) / (2 * h)
    expected = np.eye(4) - softmax(z)[None, :]
    assert_allclose(jacobian, expected, atol=1e-8)


def test_softmax_is_invariant_to_shifting_a_row():
    z = score_rows(np.float64)[:20]
    assert_allclose(softmax(z + 123.0), softmax(z), rtol=1e-12)
    assert_allclose(log_softmax(z + 123.0), log_softmax(z), rtol=1e-12, atol=1e-12)


def test_two_class_softmax_is_sigmoid_of_the_difference():
    z = np.stack([np.zeros_like(Z), Z], axis=1)
    assert_allclose(softmax(z)[:, 1], sp.expit(Z), rtol=1e-13, atol=1e-300)
