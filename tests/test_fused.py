"""The fused (Numba) kernels against the NumPy kernels and an exact float64 pass.

``tests/test_objective.py`` runs every derivative check on both kernel sets;
this file covers what is particular to the fused ones: float32 rows summed in
float64, the paired-row loop and its odd tail, strided blocks, when they are
chosen, and a whole fit.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

pytest.importorskip("numba")

import logreg.objective as objective_module
from logreg import LogisticRegression
from logreg.data.sources import InMemorySource
from logreg.objective import LogisticObjective


def make_objective(X, y, s, n_classes, fused, fit_intercept=True, block_rows=None):
    source = InMemorySource(X, y, s, block_rows=block_rows)
    return LogisticObjective(source, n_classes, 2.0, fit_intercept, fused=fused)


def data(n_rows, n_features, n_classes, dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_features)).astype(dtype)
    y = rng.integers(0, n_classes, size=n_rows)
    s = rng.uniform(0.2, 2.0, size=n_rows)
    return X, y, s


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("fit_intercept", [True, False])
# Odd row counts and block sizes exercise the paired loop's last row.
@pytest.mark.parametrize("n_rows,block_rows", [(1, None), (7, 3), (501, 64)])
def test_float32_rows_are_summed_as_float64(
    n_classes, fit_intercept, n_rows, block_rows
):
    X, y, s = data(n_rows, 9, n_classes, np.float32)
    fused = make_objective(X, y, s, n_classes, True, fit_intercept, block_rows)
    # The exact answer for these float32 numbers: the NumPy kernels on X in float64.
    exact = make_objective(
        X.astype(np.float64), y, s, n_classes, False, fit_intercept, block_rows
    )
    w = np.random.default_rng(1).normal(size=fused.n_params)
    value, grad, hessian = fused.value_grad_hessian(w)
    exact_value, exact_grad, exact_hessian = exact.value_grad_hessian(w)
    assert_allclose(value, exact_value, rtol=1e-13)
    assert_allclose(grad, exact_grad, rtol=1e-12, atol=1e-14)
    assert_allclose(fused.value(w), exact_value, rtol=1e-13)
    # The Hessian's Gram products stay in float32 (BLAS on the float32 block).
    assert_allclose(hessian, exact_hessian, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale", [0.3, 3.0, 300.0])
def test_unit_weight_losses_summed_through_products_keep_their_digits(dtype, scale):
    # Unit weights take the product path for log1p(exp(-|z|)) (rows with
    # |z| > 9 their own log1p). The labels follow the sign of the first
    # feature, so at scale 300 nearly every row is far on its side and the
    # total loss is tiny: it must still be exact relatively.
    X, _, _ = data(1001, 6, 2, dtype, seed=3)
    y = (X[:, 0] > 0).astype(int)
    ones = np.ones(len(y))
    w = scale * np.array([1.0, 0.1, 0, 0, 0.2, 0, 0.05])
    # C = inf: the value is the mean loss alone, not hidden under a penalty.
    exact = LogisticObjective(
        InMemorySource(X.astype(np.float64), y, ones, block_rows=300),
        2,
        np.inf,
        fused=False,
    )
    fused = LogisticObjective(
        InMemorySource(X, y, ones, block_rows=300), 2, np.inf, fused=True
    )
    expected_value, expected_grad = exact.value_and_grad(w)
    value, grad = fused.value_and_grad(w)
    assert_allclose(value, expected_value, rtol=1e-13)
    assert_allclose(fused.value(w), expected_value, rtol=1e-13)
    assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_strided_and_fortran_blocks_give_the_same_sums(n_classes):
    X, y, s = data(300, 5, n_classes, np.float64)
    w = np.random.default_rng(2).normal(size=(1 if n_classes == 2 else n_classes) * 6)
    expected = make_objective(X, y, s, n_classes, False).value_and_grad(w)
    wide = np.zeros((300, 10))
    wide[:, ::2] = X
    for layout in (wide[:, ::2], np.asfortranarray(X)):
        value, grad = make_objective(layout, y, s, n_classes, True).value_and_grad(w)
        assert_allclose(value, expected[0], rtol=1e-13)
        assert_allclose(grad, expected[1], rtol=1e-12, atol=1e-15)


def test_huge_linear_predictors_stay_finite():
    # |z| ~ 1e4: exp(-|z|) underflows to 0 and the loss is |z| on the wrong side.
    X = np.array([[1.0], [1.0], [-1.0], [-1.0]])
    y = np.array([1, 0, 1, 0])
    s = np.ones(4)
    objective = make_objective(X, y, s, 2, True, fit_intercept=False)
    scale = 1e4
    value, grad = objective.value_and_grad(np.array([scale]))
    # Rows 2 and 3 have z = -1e4 against label 1 and z = 1e4 against label 0:
    # loss 1e4 each; rows 1 and 4 are right with loss exp(-1e4) = 0.
    assert_allclose(value, (2 * scale) / 4 + 0.5 * scale**2 / (2.0 * 4), rtol=1e-14)
    # d/dw: rows 2 and 3 contribute x (sigma(z) - y) = 1 each, over S = 4.
    assert_allclose(grad, [2 / 4 + scale / (2.0 * 4)], rtol=1e-14)


def test_fused_kernels_are_chosen_by_size(monkeypatch):
    small = make_objective(*data(10, 3, 2, np.float64), 2, None)
    assert small.fused is False
    # A lower threshold, so that the test need not hold 2^24 values.
    monkeypatch.setattr(objective_module, "FUSED_MIN_VALUES", 4000)
    n_rows = 1000
    large = make_objective(*data(n_rows, 4, 2, np.float32), 2, None)
    assert large.fused is True
    assert large.subsampled(8).fused is True
    monkeypatch.setattr(objective_module, "_fused_module", lambda: None)
    assert make_objective(*data(n_rows, 4, 2, np.float32), 2, None).fused is False
    with pytest.raises(ValueError, match="fused=True needs Numba"):
        make_objective(*data(10, 3, 2, np.float64), 2, True)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_fit_with_fused_kernels_matches_scikit_learn(n_classes, monkeypatch):
    sklearn_linear = pytest.importorskip("sklearn.linear_model")
    fused_module = objective_module._fused_module()
    calls = []
    original = fused_module.value_and_grad
    monkeypatch.setattr(
        fused_module,
        "value_and_grad",
        lambda *args: calls.append(1) or original(*args),
    )
    monkeypatch.setattr(objective_module, "FUSED_MIN_VALUES", 80_000)
    rng = np.random.default_rng(5)
    n_rows, n_features = 10_001, 8
    X = rng.normal(size=(n_rows, n_features))
    logits = X @ rng.normal(size=(n_features, n_classes))
    y = np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)
    ours = LogisticRegression(C=0.5, tol=1e-10).fit(X, y)
    theirs = sklearn_linear.LogisticRegression(C=0.5, tol=1e-12, max_iter=1000).fit(
        X, y
    )
    assert calls, "the fit did not use the fused kernels"
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6, atol=1e-7)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-6, atol=1e-7)
