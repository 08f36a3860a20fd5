"""SciPy sparse input: every kernel and solver on CSR blocks equals the dense run.

The reference is the same computation on the dense copy of the data (which
the dense tests check against independent references), plus scikit-learn's
fit on the sparse matrix, and a memory bound that a densified ``X`` would
break.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse

import logreg
from logreg.data.sources import InMemorySource
from logreg.objective import LogisticObjective
from reference import sklearn_objective

N_SAMPLES, N_FEATURES = 120, 15


def sparse_data(n_samples, n_features, n_classes, density=0.3, seed=0):
    """A CSR matrix with labels drawn from a softmax model on it."""
    rng = np.random.default_rng(seed)
    X = sparse.random(
        n_samples, n_features, density=density, format="csr", random_state=rng
    )
    X.data = rng.normal(size=X.nnz)
    scores = X @ rng.normal(size=(n_features, n_classes))
    probabilities = np.exp(scores - scores.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    y = np.array([rng.choice(n_classes, p=p) for p in probabilities])
    y[:n_classes] = np.arange(n_classes)
    return X, y


@pytest.fixture(params=[2, 3], ids=["binary", "multinomial"])
def n_classes(request):
    return request.param


@pytest.fixture(params=[np.float64, np.float32], ids=["float64", "float32"])
def dtype(request):
    return request.param


@pytest.fixture(params=[True, False], ids=["intercept", "no_intercept"])
def fit_intercept(request):
    return request.param


@pytest.fixture
def pair(n_classes, dtype, fit_intercept):
    """The same objective over a CSR source and over its dense copy."""
    X, y = sparse_data(N_SAMPLES, N_FEATURES, n_classes)
    X = X.astype(dtype)
    s = np.random.default_rng(1).uniform(0.2, 2.0, N_SAMPLES)
    objectives = [
        LogisticObjective(
            InMemorySource(data, y, s, block_rows=37),
            n_classes,
            0.8,
            fit_intercept,
            0.3,
        )
        for data in (X, X.toarray())
    ]
    w = np.random.default_rng(2).normal(scale=0.5, size=objectives[0].n_params)
    return (*objectives, w)


def close(dtype) -> dict[str, float]:
    """Sparse and dense sum the same products in different orders."""
    return (
        {"rtol": 1e-12, "atol": 1e-13}
        if dtype == np.float64
        else {"rtol": 2e-5, "atol": 2e-6}
    )


# ------------------------------------------------------------------- kernels
def test_kernels_equal_the_dense_ones(pair, dtype):
    sparse_objective, dense_objective, w = pair
    v = np.random.default_rng(3).normal(size=w.size)
    assert_allclose(sparse_objective.value(w), dense_objective.value(w), **close(dtype))
    for got, expected in zip(
        sparse_objective.value_and_grad(w),
        dense_objective.value_and_grad(w),
        strict=True,
    ):
        assert_allclose(got, expected, **close(dtype))
    assert_allclose(
        sparse_objective.hessp(w, v), dense_objective.hessp(w, v), **close(dtype)
    )
    for got, expected in zip(
        sparse_objective.value_grad_hessian(w),
        dense_objective.value_grad_hessian(w),
        strict=True,
    ):
        assert_allclose(got, expected, **close(dtype))
    for got, expected in zip(
        sparse_objective.information_sums(w),
        dense_objective.information_sums(w),
        strict=True,
    ):
        assert_allclose(got, expected, **close(dtype))


def test_batches_and_subsamples_equal_the_dense_ones(pair, dtype):
    sparse_objective, dense_objective, w = pair
    rows = np.sort(np.random.default_rng(4).choice(N_SAMPLES, 20, replace=False))
    for got, expected in zip(
        sparse_objective.batch_value_and_grad(w, rows),
        dense_objective.batch_value_and_grad(w, rows),
        strict=True,
    ):
        assert_allclose(got, expected, **close(dtype))
    for got, expected in zip(
        sparse_objective.subsampled(3).value_grad_hessian(w),
        dense_objective.subsampled(3).value_grad_hessian(w),
        strict=True,
    ):
        assert_allclose(got, expected, **close(dtype))


def test_blocks_stay_sparse_and_in_their_dtype(pair, dtype):
    """No kernel sees a dense block, and float32 is never widened in memory."""
    sparse_objective, _, w = pair
    source = sparse_objective.source
    seen = []
    original = source.sum_over_blocks

    def spy(kernel):
        def recording_kernel(X_b, y_b, s_b):
            seen.append((sparse.issparse(X_b), X_b.format, X_b.dtype))
            return kernel(X_b, y_b, s_b)

        return original(recording_kernel)

    source.sum_over_blocks = spy
    sparse_objective.value_grad_hessian(w)
    sparse_objective.hessp(w, w)
    assert seen
    assert set(seen) == {(True, "csr", np.dtype(dtype))}


# ----------------------------------------------------------------- estimator
@pytest.mark.parametrize(
    ("solver", "l1_ratio"),
    [
        ("newton", 0.0),
        ("lbfgs", 0.0),
        ("prox-newton", 0.0),
        ("prox-newton", 0.7),
        ("fista", 0.7),
        ("auto", 1.0),
    ],
)
def test_sparse_fit_equals_dense_fit(solver, l1_ratio, n_classes):
    X, y = sparse_data(300, 20, n_classes, seed=n_classes)
    settings = {"C": 0.5, "l1_ratio": l1_ratio, "solver": solver, "tol": 1e-11}
    if solver == "fista":
        settings["tol"] = 1e-10
    dense = logreg.LogisticRegression(**settings).fit(X.toarray(), y)
    fitted = logreg.LogisticRegression(**settings).fit(X, y)
    assert_allclose(fitted.coef_, dense.coef_, rtol=0, atol=1e-8)
    assert_allclose(fitted.intercept_, dense.intercept_, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(fitted.coef_ == 0, dense.coef_ == 0)


def test_sparse_fit_reaches_the_sklearn_optimum(n_classes):
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression

    X, y = sparse_data(300, 20, n_classes, seed=10 + n_classes)
    model = logreg.LogisticRegression(C=0.5, tol=1e-10).fit(X, y)
    reference = SkLogisticRegression(C=0.5, tol=1e-10, max_iter=1000).fit(X, y)
    values = [
        sklearn_objective(X, y, m.coef_, m.intercept_, 0.5) for m in (model, reference)
    ]
    assert values[0] <= values[1] * (1 + 1e-9)
    assert abs(values[0] - values[1]) <= 1e-8 * values[1]


@pytest.mark.parametrize("solver", ["gd", "sgd"])
def test_first_order_solvers_on_sparse_data(solver):
    X, y = sparse_data(300, 20, 2, seed=5)
    settings = {"C": 0.5, "l1_ratio": 0.5, "solver": solver, "random_state": 0}
    exact = logreg.LogisticRegression(C=0.5, l1_ratio=0.5, tol=1e-10).fit(X, y)
    model = logreg.LogisticRegression(tol=1e-6, **settings).fit(X, y)
    values = [
        sklearn_objective(X, y, m.coef_, m.intercept_, 0.5, None, 0.5)
        for m in (exact, model)
    ]
    assert 0 <= (values[1] - values[0]) / values[0] <= 1e-4


@pytest.mark.parametrize(
    "kind",
    [sparse.csr_matrix, sparse.csc_matrix, sparse.coo_matrix, sparse.csr_array],
    ids=["csr_matrix", "csc_matrix", "coo_matrix", "csr_array"],
)
def test_predictions_accept_sparse_input(kind, n_classes):
    X, y = sparse_data(200, 10, n_classes, seed=6)
    dense = X.toarray()
    # One solver for both: "auto" takes the working-set solver for sparse rows.
    settings = {"C": 0.5, "l1_ratio": 0.5, "solver": "prox-newton"}
    model = logreg.LogisticRegression(**settings).fit(kind(X), y)
    reference = logreg.LogisticRegression(**settings).fit(dense, y)
    assert_allclose(model.coef_, reference.coef_, atol=1e-10)
    for method in ("decision_function", "predict_proba", "predict_log_proba"):
        assert_allclose(
            getattr(model, method)(kind(X)),
            getattr(reference, method)(dense),
            rtol=1e-12,
            atol=1e-12,
        )
    np.testing.assert_array_equal(model.predict(kind(X)), reference.predict(dense))
    assert model.score(kind(X), y) == reference.score(dense, y)


def test_float32_sparse_stays_float32_and_reaches_the_float64_fit():
    X, y = sparse_data(400, 20, 2, seed=7)
    single = logreg.LogisticRegression(C=0.5, tol=1e-6).fit(X.astype(np.float32), y)
    double = logreg.LogisticRegression(C=0.5, tol=1e-10).fit(X, y)
    assert_allclose(single.coef_, double.coef_, atol=1e-5)
    scores = single.decision_function(X.astype(np.float32))
    assert_allclose(scores, double.decision_function(X), atol=1e-4)


def test_weights_and_inference_on_sparse_data():
    """Sample and class weights, and the unpenalised summary, as for dense X."""
    X, y = sparse_data(300, 6, 2, density=0.5, seed=8)
    weights = np.random.default_rng(9).integers(1, 4, size=300)
    settings = {"C": np.inf, "class_weight": "balanced", "tol": 1e-10}
    fitted = logreg.LogisticRegression(**settings).fit(X, y, sample_weight=weights)
    dense = logreg.LogisticRegression(**settings).fit(
        X.toarray(), y, sample_weight=weights
    )
    assert_allclose(fitted.coef_, dense.coef_, rtol=1e-8)
    pd = pytest.importorskip("pandas")
    pd.testing.assert_frame_equal(
        fitted.summary().to_frame(), dense.summary().to_frame(), rtol=1e-7
    )


def test_wide_sparse_data_are_never_densified():
    """200 000 columns: a dense X (1.6 GB) would break the 160 MB bound."""
    rng = np.random.default_rng(11)
    n_samples, n_features = 1000, 200_000
    X = sparse.random(
        n_samples, n_features, density=2e-4, format="csr", random_state=rng
    )
    y = np.asarray(X[:, :50].sum(axis=1)).ravel() > np.median(
        np.asarray(X[:, :50].sum(axis=1))
    )
    dense_bytes = n_samples * n_features * 8
    for settings in ({"solver": "lbfgs"}, {"l1_ratio": 1.0, "C": 10.0}):
        tracemalloc.start()
        try:
            model = logreg.LogisticRegression(tol=1e-4, **settings).fit(X, y)
            model.predict_proba(X)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < dense_bytes / 10  # L-BFGS alone holds ~20 p floats
        assert model.coef_.shape == (1, n_features)
