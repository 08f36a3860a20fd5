"""One answer per model: identified parameters, whatever the solver, input or machine.

A multinomial model does not change when one number is added to every class's
intercept (and, without penalty, one vector to every class's coefficients), so
where a solver ends up along those directions is left to rounding. Every fit
must report the symmetric point (scikit-learn's), and fits of the same data
held differently (CSR or dense, C or Fortran order, a few ulps apart, one or
two threads) must agree on it to what the mathematics guarantees.

References: scikit-learn's ``newton-cholesky`` at ``tol=1e-12`` (which
finalises its multinomial intercepts, and unpenalised coefficients, to sum to
zero over classes) and the centring of any fitted vector done here by hand.
"""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import sparse
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from threadpoolctl import threadpool_limits

import logreg
from logreg.data import sources
from logreg.solvers import L1_SOLVERS, SOLVERS, ConvergenceWarning

N_SAMPLES, N_FEATURES, N_CLASSES = 300, 4, 3
#: Every solver, by the name a user passes.
ALL_SOLVERS = ["auto", *SOLVERS]


def softmax_data(
    n_samples=N_SAMPLES, n_features=N_FEATURES, n_classes=N_CLASSES, seed=0
):
    """Gaussian features, labels drawn from a softmax model with intercepts."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    scores = X @ rng.normal(size=(n_features, n_classes)) + rng.normal(size=n_classes)
    y = np.argmax(scores + rng.gumbel(size=scores.shape), axis=1)
    y[:n_classes] = np.arange(n_classes)
    return X, y


def params(model) -> np.ndarray:
    """The fitted parameter matrix: coefficients with the intercepts last."""
    return np.hstack([model.coef_, model.intercept_[:, None]])


def fit(X, y, **settings_):
    """A quiet fit (first-order solvers may warn about their iteration cap)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return logreg.LogisticRegression(random_state=0, **settings_).fit(X, y)


@pytest.fixture(scope="module")
def data():
    return softmax_data()


@pytest.fixture(scope="module")
def sklearn_fits(data):
    """scikit-learn's optimum at C=1 and C=inf, to rounding."""
    X, y = data
    return {
        C: SkLogisticRegression(
            C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000
        ).fit(X, y)
        for C in (1.0, np.inf)
    }


# ------------------------------------------------- every solver, every input
@pytest.mark.parametrize("solver", ALL_SOLVERS)
@pytest.mark.parametrize("C", [1.0, np.inf], ids=["C=1", "C=inf"])
def test_every_solver_reports_scikit_learns_point(data, sklearn_fits, solver, C):
    X, y = data
    # Default settings without penalty (those fits are finished at the MLE);
    # with a penalty, a tolerance that puts every solver at the optimum.
    tol = {"tol": 1e-10} if np.isfinite(C) else {}
    if solver == "sgd" and np.isfinite(C):
        pytest.skip("sgd stops on relative improvement; gd covers first order")
    model = fit(X, y, C=C, solver=solver, max_iter=100_000, **tol)
    assert abs(model.intercept_.sum()) <= 1e-12 * np.abs(model.intercept_).max()
    if np.isinf(C):
        assert (
            np.abs(model.coef_.sum(axis=0)).max() <= 1e-12 * np.abs(model.coef_).max()
        )
    reference = sklearn_fits[C]
    assert_allclose(params(model), params(reference), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("solver", sorted(set(L1_SOLVERS) - {"sgd"}))
def test_an_l1_fit_moves_only_its_intercepts(data, solver):
    """With an L1 term only the unpenalised intercepts are centred."""
    X, y = data
    model = fit(X, y, C=0.5, l1_ratio=0.8, solver=solver, tol=1e-10)
    assert abs(model.intercept_.sum()) <= 1e-12 * np.abs(model.intercept_).max()
    reference = SkLogisticRegression(
        C=0.5, l1_ratio=0.8, solver="saga", tol=1e-12, max_iter=100_000
    ).fit(X, y)
    # saga's intercepts are not centred: compare after centring them by hand.
    expected = params(reference)
    expected[:, -1] -= expected[:, -1].mean()
    assert_allclose(params(model), expected, atol=2e-6)


def _inputs(X, y):
    """The same rows in every kind of input ``fit`` takes, by name."""
    kinds = {
        "dense": lambda: (X, y),
        "fortran": lambda: (np.asfortranarray(X), y),
        "float32": lambda: (X.astype(np.float32), y),
        "csr": lambda: (sparse.csr_matrix(X), y),
    }
    if importlib.util.find_spec("dask") is not None:

        def dask():
            import dask.array as da

            return da.from_array(X, chunks=(70, N_FEATURES)), y

        kinds["dask"] = dask
    if importlib.util.find_spec("array_api_strict") is not None:

        def array_api():
            import array_api_strict

            return array_api_strict.asarray(X), array_api_strict.asarray(y)

        kinds["array_api_strict"] = array_api
    if importlib.util.find_spec("torch") is not None:

        def torch():
            import torch

            return torch.asarray(X), torch.asarray(y)

        kinds["torch"] = torch
    return kinds


@pytest.mark.parametrize(
    "kind",
    ["dense", "fortran", "float32", "csr", "dask", "array_api_strict", "torch", "file"],
)
@pytest.mark.parametrize("C", [1.0, np.inf], ids=["C=1", "C=inf"])
def test_every_input_kind_reports_scikit_learns_point(
    data, sklearn_fits, kind, C, tmp_path
):
    X, y = data
    settings_ = {"C": C, "tol": 1e-10}
    if kind == "file":
        pd = pytest.importorskip("pandas")
        pytest.importorskip("pyarrow")
        frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(N_FEATURES)])
        frame["label"] = y
        frame.to_parquet(tmp_path / "rows.parquet")
        model = logreg.LogisticRegression(**settings_).fit_file(
            tmp_path / "rows.parquet", "label", batch_rows=64
        )
    else:
        kinds = _inputs(X, y)
        if kind not in kinds:
            pytest.skip(f"{kind} is not installed")
        model = fit(*kinds[kind](), **settings_)
    # To the rounding of coef_'s dtype (float32 for float32 data).
    scale = 4 * np.finfo(model.intercept_.dtype).eps if kind == "float32" else 1e-12
    assert abs(model.intercept_.sum()) <= scale * np.abs(model.intercept_).max()
    # float32 data have a float32 optimum: its rows are rounded.
    expected = sklearn_fits[C]
    if kind == "float32":
        expected = SkLogisticRegression(
            C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000
        ).fit(X.astype(np.float32).astype(np.float64), y)
    assert_allclose(params(model), params(expected), rtol=1e-6, atol=1e-6)


def test_identification_changes_no_prediction(data):
    """Centring is exact in the model: the probabilities of any shift agree."""
    X, y = data
    model = fit(X, y, C=np.inf)
    probabilities = model.predict_proba(X)
    model.intercept_ = model.intercept_ + 3.0
    model.coef_ = model.coef_ + np.array([1.0, -2.0, 0.5, 4.0])
    assert_allclose(model.predict_proba(X), probabilities, rtol=1e-12, atol=1e-15)


# --------------------------------------------------------- the property test
def _few_ulps(X: np.ndarray, seed: int, ulps: int) -> np.ndarray:
    """``X`` with each entry moved by up to ``ulps`` units in the last place."""
    steps = np.random.default_rng(seed).integers(-ulps, ulps + 1, size=X.shape)
    return X + steps * np.spacing(X)


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    n_classes=st.sampled_from([2, 3, 4]),
    penalty=st.sampled_from(
        [(np.inf, 0.0), (1.0, 0.0), (0.05, 0.0), (0.5, 1.0), (0.5, 0.7)]
    ),
    solver=st.sampled_from(["auto", "newton", "lbfgs", "prox-newton"]),
    seed=st.integers(0, 2**16),
    ulps=st.integers(1, 4),
    layout=st.sampled_from(["csr", "fortran", "same"]),
    threads=st.sampled_from([1, 2]),
)
def test_held_differently_fitted_the_same(
    monkeypatch, n_classes, penalty, solver, seed, ulps, layout, threads
):
    """X and X a few ulps away, as CSR or Fortran, on one or two threads agree.

    These fits differ only by rounding, so their identified parameters must
    agree to what each fit's stopping rule guarantees. Unpenalised fits run at
    the default settings (finished at the MLE, to rounding); penalised ones at
    a tolerance whose distance to the optimum (gradient over the smallest
    curvature) is far below the bound. Without the identification, the
    multinomial intercepts drifted apart by 8e-4 between CSR and dense on an
    AVX2 machine.
    """
    C, l1_ratio = penalty
    # Many features, most of them zero at an L1 optimum: where the intercepts
    # of an uncentred L1 fit drifted most (by 1e-3 between CSR and dense).
    X, y = softmax_data(200, 12 if l1_ratio > 0 else 5, n_classes, seed=seed)
    if l1_ratio > 0 and solver not in L1_SOLVERS:
        solver = "auto"
    settings_ = {"C": C, "l1_ratio": l1_ratio, "solver": solver, "max_iter": 10_000}
    if np.isfinite(C):
        settings_["tol"] = 1e-10
    reference = fit(X, y, **settings_)
    other = _few_ulps(X, seed + 1, ulps)
    if layout == "csr":
        other = sparse.csr_matrix(other)
    elif layout == "fortran":
        other = np.asfortranarray(other)
    monkeypatch.setattr(sources, "default_threads", lambda: threads)
    with threadpool_limits(threads, user_api="blas"):
        model = fit(other, y, **settings_)
    if n_classes > 2:
        assert abs(model.intercept_.sum()) <= 1e-12 * np.abs(model.intercept_).max()
    assert_allclose(params(model), params(reference), rtol=1e-7, atol=1e-8)
