"""Wide sparse data: truncated Newton (L2), working-set proximal Newton (L1).

What mathematics guarantees, against references independent of ``logreg``:
the restricted Hessian and the Hessian diagonal equal the full Hessian's
entries (itself checked against finite differences in ``test_objective``);
fits at the default ``tol`` reach a relative gap of 1e-6 of scikit-learn's
objective (``reference.py``) at the optimum found by liblinear/lbfgs/saga at
tight tolerances; L1 fits have the reference's zero pattern and satisfy the
optimality (KKT) conditions.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse
from scipy.special import expit
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

import logreg
from logreg.data.sources import InMemorySource
from logreg.objective import LogisticObjective
from logreg.solvers import L1_SOLVERS, SOLVERS, SolverOptions, resolve_solver
from logreg.solvers.auto import MAX_NEWTON_PARAMS
from reference import sklearn_objective

GAP = 1e-6


def text_like(n_rows, n_features, nnz=12, n_classes=2, seed=0):
    """Zipf-popular columns, unit-norm rows, labels from a sparse model."""
    rng = np.random.default_rng(seed)
    popularity = np.arange(1, n_features + 1) ** -1.1
    popularity /= popularity.sum()
    rows = []
    for _ in range(n_rows):
        columns = np.sort(rng.choice(n_features, nnz, replace=False, p=popularity))
        values = rng.exponential(size=nnz)
        rows.append((columns, values / np.linalg.norm(values)))
    indices = np.concatenate([c for c, _ in rows])
    data = np.concatenate([v for _, v in rows])
    X = sparse.csr_matrix(
        (data, indices, np.arange(0, n_rows * nnz + 1, nnz)),
        shape=(n_rows, n_features),
    )
    truth = np.zeros((n_features, n_classes))
    support = rng.choice(n_features, 20, replace=False)
    truth[support] = rng.normal(0.0, 6.0, (20, n_classes))
    z = X @ truth
    if n_classes == 2:
        y = (rng.random(n_rows) < expit(z[:, 0])).astype(np.int64)
    else:
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        y = np.array([rng.choice(n_classes, p=row) for row in p])
    return X, y


@pytest.fixture(scope="module")
def wide():
    return text_like(300, 800)


def objective_of(X, y, C, l1_ratio, fit_intercept):
    classes, codes = np.unique(y, return_inverse=True)
    source = InMemorySource(X, codes, np.ones(len(y)), block_rows=64)
    return LogisticObjective(source, len(classes), C, fit_intercept, l1_ratio)


def gap(X, y, model, reference, C, l1_ratio):
    ours = sklearn_objective(X, y, model.coef_, model.intercept_, C, l1_ratio=l1_ratio)
    best = sklearn_objective(
        X, y, reference.coef_, reference.intercept_, C, l1_ratio=l1_ratio
    )
    return (ours - best) / abs(best)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("as_sparse", [True, False])
def test_hessian_diagonal_and_restricted_hessian_are_the_full_ones(
    n_classes, fit_intercept, as_sparse
):
    X, y = text_like(120, 30, nnz=6, n_classes=n_classes, seed=n_classes)
    X = X if as_sparse else X.toarray()
    objective = objective_of(X, y, 0.8, 0.4, fit_intercept)
    w = np.random.default_rng(3).normal(size=objective.n_params)
    value, grad, hessian = objective.value_grad_hessian(w)
    assert_allclose(objective.hessian_diagonal(w), np.diag(hessian), rtol=1e-12)
    index = np.sort(np.random.default_rng(4).choice(objective.n_params, 9, False))
    if fit_intercept:
        index = np.union1d(index, [objective.n_params - 1])
    sub_value, sub_grad, sub_hessian = objective.value_grad_hessian_on(w, index)
    assert sub_value == pytest.approx(value, rel=1e-12)
    assert_allclose(sub_grad, grad, rtol=1e-12, atol=1e-15)
    assert_allclose(sub_hessian, hessian[np.ix_(index, index)], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("C", [0.1, 1.0, 10.0])
def test_newton_cg_reaches_the_liblinear_optimum_at_default_tol(wide, C, fit_intercept):
    X, y = wide
    model = logreg.LogisticRegression(
        C=C, solver="newton-cg", fit_intercept=fit_intercept
    ).fit(X, y)
    reference = SklearnLogisticRegression(
        C=C, fit_intercept=fit_intercept, solver="lbfgs", tol=1e-12, max_iter=10_000
    ).fit(X, y)
    assert model.converged_
    assert gap(X, y, model, reference, C, 0.0) <= GAP


def test_newton_cg_multinomial_reaches_the_lbfgs_optimum():
    X, y = text_like(300, 400, n_classes=3, seed=5)
    model = logreg.LogisticRegression(C=2.0, solver="newton-cg").fit(X, y)
    reference = SklearnLogisticRegression(
        C=2.0, solver="lbfgs", tol=1e-12, max_iter=10_000
    ).fit(X, y)
    assert gap(X, y, model, reference, 2.0, 0.0) <= GAP
    assert_allclose(model.intercept_.sum(), 0.0, atol=1e-10)


def kkt_violation(objective, w):
    """Max |least-norm subgradient| relative to the L1 strength."""
    _, grad = objective.value_and_grad(w)
    return np.max(np.abs(objective.min_norm_subgradient(w, grad)))


@pytest.mark.parametrize("C", [0.3, 1.0])
def test_ws_prox_newton_matches_liblinear_l1(wide, C):
    X, y = wide
    model = logreg.LogisticRegression(
        C=C, l1_ratio=1.0, solver="ws-prox-newton", fit_intercept=False
    ).fit(X, y)
    reference = SklearnLogisticRegression(
        C=C,
        l1_ratio=1.0,
        solver="liblinear",
        fit_intercept=False,
        tol=1e-10,
        max_iter=100_000,
    ).fit(X, y)
    assert model.converged_
    assert gap(X, y, model, reference, C, 1.0) <= GAP
    assert_allclose(np.flatnonzero(model.coef_), np.flatnonzero(reference.coef_))
    objective = objective_of(X, y, C, 1.0, False)
    # KKT: |g_j| <= lambda at zeros, g_j = -lambda sign(w_j) elsewhere, to tol.
    assert kkt_violation(objective, model.coef_.ravel()) <= 1e-4


@pytest.mark.parametrize("n_classes", [2, 3])
def test_ws_prox_newton_elastic_net_with_intercept_matches_prox_newton(n_classes):
    X, y = text_like(250, 300, n_classes=n_classes, seed=7)
    kwargs = {"C": 2.0, "l1_ratio": 0.5}
    ours = logreg.LogisticRegression(solver="ws-prox-newton", **kwargs).fit(X, y)
    # The full-Hessian proximal Newton at a tight tol: a different algorithm.
    reference = logreg.LogisticRegression(
        solver="prox-newton", tol=1e-11, **kwargs
    ).fit(X, y)
    assert gap(X, y, ours, reference, 2.0, 0.5) <= GAP
    assert_allclose(np.flatnonzero(ours.coef_), np.flatnonzero(reference.coef_))


def test_ws_prox_newton_elastic_net_matches_saga():
    X, y = text_like(200, 150, seed=11)
    ours = logreg.LogisticRegression(C=1.0, l1_ratio=0.5, solver="ws-prox-newton").fit(
        X, y
    )
    saga = SklearnLogisticRegression(
        C=1.0,
        l1_ratio=0.5,
        solver="saga",
        tol=1e-12,
        max_iter=100_000,
    ).fit(X, y)
    assert gap(X, y, ours, saga, 1.0, 0.5) <= GAP


def test_ws_prox_newton_all_zero_solution_is_exact(wide):
    X, y = wide
    # Strong enough L1 that the zero vector is optimal: no coordinate may move.
    model = logreg.LogisticRegression(
        C=1e-3, l1_ratio=1.0, solver="ws-prox-newton", fit_intercept=False
    ).fit(X, y)
    assert not model.coef_.any()


def test_auto_rule_for_wide_problems(wide):
    assert resolve_solver("auto", 10, MAX_NEWTON_PARAMS + 1) == "newton-cg"
    assert resolve_solver("auto", 10, MAX_NEWTON_PARAMS + 1, l1=True) == (
        "ws-prox-newton"
    )
    assert resolve_solver("auto", 10, MAX_NEWTON_PARAMS) == "newton"
    assert {"newton-cg", "ws-prox-newton"} <= set(SOLVERS)
    assert "ws-prox-newton" in L1_SOLVERS
    X, y = text_like(300, MAX_NEWTON_PARAMS + 100, seed=2)
    model = logreg.LogisticRegression(fit_intercept=False).fit(X, y)
    assert model.solver_ == "newton-cg"
    reference = SklearnLogisticRegression(
        fit_intercept=False, tol=1e-12, max_iter=10_000
    ).fit(X, y)
    assert gap(X, y, model, reference, 1.0, 0.0) <= GAP
    model = logreg.LogisticRegression(l1_ratio=1.0, fit_intercept=False).fit(X, y)
    assert model.solver_ == "ws-prox-newton"
    reference = SklearnLogisticRegression(
        l1_ratio=1.0,
        solver="liblinear",
        fit_intercept=False,
        tol=1e-12,
        max_iter=100_000,
    ).fit(X, y)
    assert gap(X, y, model, reference, 1.0, 1.0) <= GAP


def test_solvers_stop_at_max_iter_without_error(wide):
    X, y = wide
    for name, l1_ratio in [("newton-cg", 0.0), ("ws-prox-newton", 1.0)]:
        objective = objective_of(X, y, 1.0, l1_ratio, False)
        result = SOLVERS[name](
            objective, np.zeros(objective.n_params), SolverOptions(max_iter=1)
        )
        assert result.n_iter <= 1 and not result.converged
        assert np.all(np.isfinite(result.w))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_compiled_kernels_equal_the_numpy_ones(n_classes):
    pytest.importorskip("numba")
    from logreg.solvers._sweep import COMPILED_MIN, _python_sweeps, sweeps

    X, y = text_like(200, 60, nnz=8, n_classes=n_classes, seed=9)
    fused = objective_of(X, y, 1.0, 0.5, True)
    fused = LogisticObjective(
        fused.source, fused.n_classes, 1.0, True, 0.5, fused.weight_sum, fused=True
    )
    w = np.random.default_rng(0).normal(size=fused.n_params)
    _, _, hessian = fused.value_grad_hessian(w)
    index = np.sort(np.random.default_rng(1).choice(fused.n_params, 25, False))
    _, _, restricted = fused.value_grad_hessian_on(w, index)
    assert_allclose(restricted, hessian[np.ix_(index, index)], rtol=1e-12, atol=1e-15)
    # The compiled coordinate-descent sweeps make the Python sweeps' updates.
    rng = np.random.default_rng(2)
    A = rng.normal(size=(COMPILED_MIN, COMPILED_MIN))
    H = A @ A.T / COMPILED_MIN + np.eye(COMPILED_MIN)
    g = rng.normal(size=COMPILED_MIN)
    l1 = np.full(COMPILED_MIN, 0.3)
    start = np.zeros(COMPILED_MIN)
    grad_a, grad_b = g.copy(), g.copy()
    x_a, n_a, _ = sweeps(H, np.diag(H).copy(), grad_a, start, l1, 1e-10, 5)
    x_b, n_b, _ = _python_sweeps(H, np.diag(H).copy(), grad_b, start, l1, 1e-10, 5)
    assert n_a == n_b
    assert_allclose(x_a, x_b, rtol=1e-10, atol=1e-13)
    assert_allclose(grad_a, grad_b, rtol=1e-10, atol=1e-13)


def fused_objective_of(X, y, C, l1_ratio, fit_intercept, weights=None, threads=None):
    """The objective with the compiled (fused) CSR kernels, from cached block views."""
    classes, codes = np.unique(y, return_inverse=True)
    weights = np.ones(len(y)) if weights is None else weights
    source = InMemorySource(X, codes, weights, n_threads=threads)
    return LogisticObjective(
        source, len(classes), C, fit_intercept, l1_ratio, fused=True
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("threads", [1, 2])
def test_fused_csr_kernels_equal_the_numpy_ones(dtype, fit_intercept, threads):
    pytest.importorskip("numba")
    X, y = text_like(300, 120, nnz=9, seed=12)
    X = X.astype(dtype)
    weights = np.random.default_rng(0).uniform(0.2, 3.0, len(y))
    _, codes = np.unique(y, return_inverse=True)
    numpy = LogisticObjective(
        InMemorySource(X, codes, weights, block_rows=41),
        2,
        0.7,
        fit_intercept,
        0.3,
        fused=False,
    )
    fused = fused_objective_of(X, y, 0.7, 0.3, fit_intercept, weights, threads)
    rng = np.random.default_rng(1)
    w, v = rng.normal(size=(2, numpy.n_params))
    steps = np.array([1.0, 0.5, 0.125])
    index = np.sort(rng.choice(numpy.n_params, 30, replace=False))
    if fit_intercept:
        index = np.union1d(index, [numpy.n_params - 1])
    rtol = 1e-6 if dtype == np.float32 else 1e-11
    calls = [
        ("value", (w,)),
        ("value_and_grad", (w,)),
        ("value_grad_diagonal", (w,)),
        ("hessian_diagonal", (w,)),
        ("hessp", (w, v)),
        ("values_along", (w, v, steps)),
        ("value_grad_hessian_on", (w, index)),
    ]
    for name, args in calls:
        expected, got = getattr(numpy, name)(*args), getattr(fused, name)(*args)
        expected = expected if isinstance(expected, tuple) else (expected,)
        got = got if isinstance(got, tuple) else (got,)
        for e, g in zip(expected, got, strict=True):
            assert_allclose(g, e, rtol=rtol, atol=rtol * 1e-3, err_msg=name)
    _, _, hessian = numpy.value_grad_hessian(w)
    _, _, restricted = fused.value_grad_hessian_on(w, index)
    assert_allclose(restricted, hessian[np.ix_(index, index)], rtol=rtol, atol=1e-12)


def test_csr_blocks_are_views_equal_to_row_slices():
    X, y = text_like(103, 50, nnz=5, seed=3)
    source = InMemorySource(X, y, np.ones(len(y)), block_rows=20)
    blocks = list(source.blocks())
    assert len(blocks) == 6
    for number, (X_b, y_b, _) in enumerate(blocks):
        rows = slice(20 * number, 20 * (number + 1))
        assert (X_b != X[rows]).nnz == 0
        assert_allclose(y_b, y[rows])
        assert np.shares_memory(X_b.data, X.data)
    # Made once: a second pass gets the same block objects.
    assert all(a[0] is b[0] for a, b in zip(blocks, source.blocks(), strict=True))
    # One block per thread by default for CSR.
    assert len(list(InMemorySource(X, y, np.ones(103), n_threads=2).blocks())) == 2


def test_active_set_sweeps_find_the_model_minimiser():
    pytest.importorskip("numba")
    from logreg.solvers._sweep import COMPILED_MIN, active_set_sweeps
    from logreg.solvers.prox_newton import _coordinate_descent

    rng = np.random.default_rng(5)
    m = COMPILED_MIN + 10
    A = rng.normal(size=(m, 3 * m)) * (rng.random((m, 3 * m)) < 0.05)
    H = A @ A.T / m + 0.05 * np.eye(m)
    g = rng.normal(size=m)
    w = np.where(rng.random(m) < 0.1, rng.normal(size=m), 0.0)
    l1 = np.full(m, 0.8)
    l1[-1] = 0.0  # an unpenalised coordinate
    x, _, converged = active_set_sweeps(H, g, w, l1, 1e-12, 5000)
    assert converged
    exact = _coordinate_descent(g, H, w, l1, 1e-13)
    assert_allclose(x, exact, atol=1e-9)
    assert_allclose(np.flatnonzero(x), np.flatnonzero(exact))


@pytest.mark.parametrize("l1_ratio", [0.0, 1.0])
def test_fused_wide_solvers_match_liblinear_objective_and_zeros(wide, l1_ratio):
    """Newton-CG (L2) and the working-set solver (L1) on the compiled CSR kernels."""
    pytest.importorskip("numba")
    X, y = wide
    C = 1.0
    objective = fused_objective_of(X, y, C, l1_ratio, False, threads=2)
    name = "ws-prox-newton" if l1_ratio else "newton-cg"
    result = SOLVERS[name](objective, np.zeros(objective.n_params), SolverOptions())
    assert result.converged
    reference = SklearnLogisticRegression(
        C=C,
        l1_ratio=l1_ratio,
        solver="liblinear",
        fit_intercept=False,
        tol=1e-10,
        max_iter=100_000,
    ).fit(X, y)
    ours = sklearn_objective(X, y, result.w[None, :], np.zeros(1), C, l1_ratio=l1_ratio)
    best = sklearn_objective(X, y, reference.coef_, np.zeros(1), C, l1_ratio=l1_ratio)
    assert (ours - best) / best <= GAP
    if l1_ratio:
        assert_allclose(np.flatnonzero(result.w), np.flatnonzero(reference.coef_))


def test_fused_one_hot_with_intercept_matches_saga():
    """A weighted one-hot design with an intercept, elastic net: saga's optimum."""
    pytest.importorskip("numba")
    rng = np.random.default_rng(8)
    n, levels = 400, 30
    codes = rng.integers(0, levels, size=(n, 3)) + levels * np.arange(3)
    X = sparse.csr_matrix(
        (np.ones(3 * n), codes.ravel(), np.arange(0, 3 * n + 1, 3)),
        shape=(n, 3 * levels),
    )
    y = (rng.random(n) < expit(X @ rng.normal(0, 1.5, 3 * levels) + 0.3)).astype(int)
    weights = rng.uniform(0.5, 2.0, n)
    C, l1_ratio = 0.5, 0.7
    objective = fused_objective_of(X, y, C, l1_ratio, True, weights, threads=2)
    result = SOLVERS["ws-prox-newton"](
        objective, np.zeros(objective.n_params), SolverOptions()
    )
    saga = SklearnLogisticRegression(
        C=C, l1_ratio=l1_ratio, solver="saga", tol=1e-12, max_iter=100_000
    ).fit(X, y, sample_weight=weights)
    coef, intercept = result.w[None, :-1], result.w[-1:]
    ours = sklearn_objective(X, y, coef, intercept, C, weights, l1_ratio)
    best = sklearn_objective(X, y, saga.coef_, saga.intercept_, C, weights, l1_ratio)
    assert (ours - best) / best <= GAP
    assert_allclose(np.flatnonzero(coef), np.flatnonzero(saga.coef_))


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_column_model_is_the_restricted_hessian(wide, fit_intercept):
    """``X~^T diag(h) X~ + diag(l2)`` from the columns equals the dense Hessian."""
    X, y = wide
    objective = objective_of(X, y, 0.7, 0.5, fit_intercept)
    assert objective.has_column_model
    rng = np.random.default_rng(3)
    n_params = objective.n_params
    w = np.where(rng.random(n_params) < 0.1, rng.normal(size=n_params), 0.0)
    index = np.sort(rng.choice(X.shape[1], 60, replace=False))
    if fit_intercept:
        index = np.append(index, X.shape[1])
    model = objective.quadratic_model_on(w, index)
    columns = np.zeros((X.shape[0], len(index)))
    for k, (begin, end) in enumerate(zip(model.begins, model.ends, strict=True)):
        columns[model.rows[begin:end], k] = model.values[begin:end]
    hessian = columns.T @ (model.curvature[:, None] * columns) + np.diag(model.l2)
    _, _, dense = objective.value_grad_hessian_on(w, index)
    assert_allclose(hessian, dense, rtol=1e-12, atol=1e-15)
    # The columns are views of one copy, made once.
    assert objective.quadratic_model_on(0.5 * w, index).rows is model.rows


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_compiled_columns_equal_scipy_csc(wide, fit_intercept, index_dtype):
    """The column layout by the compiled counting sort is SciPy's sorted CSC."""
    pytest.importorskip("numba")
    X, y = wide
    X = sparse.csr_matrix(
        (X.data.astype(np.float32), X.indices.astype(index_dtype), X.indptr),
        shape=X.shape,
    )
    compiled = fused_objective_of(X, y, 1.0, 1.0, fit_intercept)._columns
    plain = objective_of(X, y, 1.0, 1.0, fit_intercept)._columns
    for ours, theirs in zip(compiled, plain, strict=True):
        assert ours.dtype == theirs.dtype
        assert_allclose(ours, theirs, rtol=0, atol=0)


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_passes_from_the_linear_predictor_equal_the_csr_ones(
    wide, fit_intercept, l1_ratio
):
    """Value, gradient and diagonal from ``z = X~ w`` by columns: the CSR pass's."""
    pytest.importorskip("numba")
    X, y = wide
    objective = fused_objective_of(X, y, 0.7, l1_ratio, fit_intercept)
    rng = np.random.default_rng(5)
    n_params = objective.n_params
    w = np.where(rng.random(n_params) < 0.1, rng.normal(size=n_params), 0.0)
    z = X @ w[: X.shape[1]] + (w[-1] if fit_intercept else 0.0)
    csr = objective.value_grad_diagonal(w)
    by_columns = objective.value_grad_diagonal_at_linear(w, z)
    for ours, theirs in zip(by_columns, csr, strict=True):
        assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    assert_allclose(objective.value_at_linear(w, z), csr[0], rtol=1e-13)


def _split_minimum(g, H, w, l1):
    """The model's minimiser by L-BFGS-B on ``x = u - v``, ``u, v >= 0``."""
    from scipy.optimize import minimize

    m = len(w)

    def fun(uv):
        x = uv[:m] - uv[m:]
        d = x - w
        model_grad = g + H @ d
        value = g @ d + d @ H @ d / 2 + l1 @ (uv[:m] + uv[m:])
        return value, np.concatenate([model_grad + l1, -model_grad + l1])

    start = np.concatenate([np.maximum(w, 0), np.maximum(-w, 0)])
    found = minimize(
        fun,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(0, None)] * (2 * m),
        options={"maxiter": 50_000, "ftol": 1e-15, "gtol": 1e-12},
    )
    x = found.x[:m] - found.x[m:]
    d = x - w
    return x, g @ d + d @ H @ d / 2 + l1 @ np.abs(x)


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("compiled", [True, False])
def test_column_sweeps_find_the_model_minimiser(
    wide, fit_intercept, compiled, monkeypatch
):
    """Column CD reaches the quadratic model's exact minimiser (SciPy, dense CD)."""
    from logreg.solvers import _sweep

    if compiled:
        pytest.importorskip("numba")
    X, y = wide
    objective = objective_of(X, y, 0.5, 0.8, fit_intercept)
    rng = np.random.default_rng(4)
    w = np.zeros(objective.n_params)
    w[rng.choice(X.shape[1], 30, replace=False)] = rng.normal(0, 0.5, 30)
    _, grad = objective.value_and_grad(w)
    index = np.flatnonzero((w != 0) | (rng.random(objective.n_params) < 0.2))
    if fit_intercept:
        index = np.union1d(index, [X.shape[1]])
    model = objective.quadratic_model_on(w, index)
    _, _, H = objective.value_grad_hessian_on(w, index)
    g, w_s, l1 = grad[index], w[index], objective.l1_weights[index]
    if not compiled:  # the Python loop, as without Numba
        monkeypatch.setattr(_sweep, "_compiled_columns", lambda: None)
    predictor = np.empty(X.shape[0])
    x, _, converged = _sweep.column_sweeps(model, g, w_s, l1, 1e-13, 20_000, predictor)
    assert converged
    # The rows' X~ d, for the line search and the next model's z.
    columns = sparse.hstack([X, np.ones((X.shape[0], 1))]).tocsc()
    assert_allclose(predictor, columns[:, index] @ (x - w_s), atol=1e-12)
    # The diagonal from the gradient pass and a given z: the same model.
    given = objective.quadratic_model_on(
        w, index, objective.hessian_diagonal(w), columns[:, index] @ w_s
    )
    assert_allclose(given.curvature, model.curvature, rtol=1e-12)
    again, _, _ = _sweep.column_sweeps(given, g, w_s, l1, 1e-13, 20_000)
    assert_allclose(again, x, atol=1e-10)
    dense, _, _ = _sweep.active_set_sweeps(H, g, w_s, l1, 1e-14, 20_000)
    assert_allclose(x, dense, atol=1e-8)
    assert_allclose(np.flatnonzero(x), np.flatnonzero(dense))
    _, best = _split_minimum(g, H, w_s, l1)
    d = x - w_s
    ours = g @ d + d @ H @ d / 2 + l1 @ np.abs(x)
    assert ours <= best + 1e-12 * max(1.0, abs(best))


@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_ws_prox_newton_by_columns_matches_liblinear_and_saga(
    wide, fit_intercept, fused, monkeypatch
):
    """Every working set's model by columns: the same optimum and zero pattern.

    Fused, the steps go from the rows' ``X~ w`` kept up to date: line
    searches in ``O(n)`` and gradient passes by columns.
    """
    from logreg.solvers import ws_prox_newton

    if fused:
        pytest.importorskip("numba")
    monkeypatch.setattr(ws_prox_newton, "COLUMNS_MIN", 0)
    monkeypatch.setattr(ws_prox_newton, "COLUMN_COST", 0.0)
    X, y = wide
    C = 1.0
    if fused:
        objective = fused_objective_of(X, y, C, 1.0, fit_intercept)
    else:
        objective = objective_of(X, y, C, 1.0, fit_intercept)
    result = SOLVERS["ws-prox-newton"](
        objective, np.zeros(objective.n_params), SolverOptions()
    )
    assert result.converged
    solver = "saga" if fit_intercept else "liblinear"
    reference = SklearnLogisticRegression(
        C=C,
        l1_ratio=1.0,
        solver=solver,
        fit_intercept=fit_intercept,
        tol=1e-12 if fit_intercept else 1e-10,
        max_iter=200_000,
    ).fit(X, y)
    coef = result.w[None, : X.shape[1]]
    intercept = result.w[X.shape[1] :] if fit_intercept else np.zeros(1)
    ours = sklearn_objective(X, y, coef, intercept, C, l1_ratio=1.0)
    best = sklearn_objective(
        X, y, reference.coef_, reference.intercept_, C, l1_ratio=1.0
    )
    assert (ours - best) / best <= GAP
    assert_allclose(np.flatnonzero(coef), np.flatnonzero(reference.coef_))
