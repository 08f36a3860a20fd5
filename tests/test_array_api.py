"""Array-API inputs (array_api_strict, PyTorch): the NumPy answers, on their device.

Every test runs for ``array_api_strict`` and PyTorch on the CPU (each where
installed), and for PyTorch on CUDA and CuPy where a GPU is present. The
kernels must give NumPy's sums, a fit NumPy's coefficients, predictions
NumPy's values as arrays of the input's kind, and the rows must never be
copied to the host.
"""

from __future__ import annotations

import importlib.util
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import logreg
from logreg._namespace import array_namespace, is_foreign_array, to_numpy
from logreg.data.sources import ArrayApiSource, InMemorySource
from logreg.objective import LogisticObjective
from logreg.solvers import ConvergenceWarning
from reference import sklearn_objective

array_api_compat = pytest.importorskip("array_api_compat")

N_SAMPLES, N_FEATURES = 600, 4


@dataclass(frozen=True)
class Backend:
    """An array library and device to put NumPy test data on."""

    name: str
    module: Any
    device: Any

    def asarray(self, values: np.ndarray) -> Any:
        if self.name == "cupy":
            return self.module.asarray(values)
        return self.module.asarray(values, device=self.device)

    def assert_own(self, result: Any, like: Any) -> None:
        """``result`` is an array of ``like``'s namespace and device."""
        namespace = array_api_compat.array_namespace
        assert namespace(result) is namespace(like)
        assert array_api_compat.device(result) == array_api_compat.device(like)


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def _backends() -> list[Backend]:
    """The libraries and devices present here (GPUs only where there is one)."""
    backends = []
    if _installed("array_api_strict"):
        import array_api_strict

        backends.append(Backend("array_api_strict", array_api_strict, None))
    if _installed("torch"):
        import torch

        backends.append(Backend("torch", torch, torch.device("cpu")))
        if torch.cuda.is_available():  # pragma: no cover - GPU only
            backends.append(Backend("torch-cuda", torch, torch.device("cuda")))
    if _installed("cupy"):  # pragma: no cover - GPU only
        import cupy

        try:
            if cupy.cuda.runtime.getDeviceCount() > 0:
                backends.append(Backend("cupy", cupy, None))
        except cupy.cuda.runtime.CUDARuntimeError:
            pass
    return backends


@pytest.fixture(params=_backends(), ids=lambda backend: backend.name)
def backend(request) -> Backend:
    return request.param


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """One PyTorch thread: the CI machine's two cores are shared.

    PyTorch's OpenMP threads waited milliseconds per small product on a busy
    machine (the sources limit them per block; SGD's batches are not blocks).
    """
    try:
        import torch
    except ImportError:
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def make_data(n_classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian features; labels drawn from a softmax model, every class present."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES))
    scores = X @ rng.normal(size=(N_FEATURES, n_classes))
    y = np.argmax(scores + rng.gumbel(size=scores.shape), axis=1)
    y[:n_classes] = np.arange(n_classes)
    return X, y


def weights(seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.1, 3.0, N_SAMPLES)


def fitted_objective(model, X, y, sample_weight) -> float:
    """scikit-learn's objective of ``model``'s coefficients, in float64."""
    return sklearn_objective(
        X.astype(np.float64),
        y,
        np.asarray(model.coef_, dtype=np.float64),
        np.asarray(model.intercept_, dtype=np.float64),
        C=1.0,
        sample_weight=sample_weight,
    )


def assert_same_fit(ours, reference, rtol: float) -> None:
    scale = np.max(np.abs(reference.coef_))
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=0, atol=rtol * scale)
    np.testing.assert_allclose(
        ours.intercept_, reference.intercept_, rtol=0, atol=rtol * scale
    )
    assert ours.classes_.tolist() == reference.classes_.tolist()
    assert type(ours.coef_) is np.ndarray and type(ours.classes_) is np.ndarray


# ----------------------------------------------------------------- kernels
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_kernels_equal_numpy(backend, n_classes, fit_intercept):
    X, y = make_data(n_classes)
    s = weights()
    # Blocks of 97 rows: the sums run over several blocks and a short last one.
    reference = LogisticObjective(
        InMemorySource(X, y, s, block_rows=97), n_classes, 0.5, fit_intercept
    )
    source = ArrayApiSource(
        backend.asarray(X), backend.asarray(y), backend.asarray(s), block_rows=97
    )
    objective = LogisticObjective(source, n_classes, 0.5, fit_intercept)
    rng = np.random.default_rng(2)
    w, v = rng.normal(size=(2, reference.n_params))
    rows = rng.integers(0, N_SAMPLES, 32)
    calls = [
        ("value", (w,)),
        ("value_and_grad", (w,)),
        ("hessp", (w, v)),
        ("value_grad_hessian", (w,)),
        ("information_sums", (w,)),
        ("batch_value_and_grad", (w, rows)),
    ]
    for name, args in calls:
        ours, expected = (getattr(o, name)(*args) for o in (objective, reference))
        for got, want in zip(_parts(ours), _parts(expected), strict=True):
            assert isinstance(got, float | np.ndarray)  # host results
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    for got, want in zip(
        objective.subsampled(3).value_grad_hessian(w),
        reference.subsampled(3).value_grad_hessian(w),
        strict=True,
    ):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert objective.weight_sum == pytest.approx(reference.weight_sum, rel=1e-14)


def _parts(result: Any) -> list:
    return list(result) if isinstance(result, tuple) else [result]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_stays_float32_with_float64_sums(backend, dtype):
    X, y = make_data(3)
    source = ArrayApiSource(
        backend.asarray(X.astype(dtype)), backend.asarray(y), backend.asarray(weights())
    )
    assert source.dtype == dtype
    objective = LogisticObjective(source, 3, 1.0)
    reference = LogisticObjective(InMemorySource(X.astype(dtype), y, weights()), 3, 1.0)
    assert objective.eps == reference.eps
    w = np.random.default_rng(3).normal(size=objective.n_params)
    value, grad = objective.value_and_grad(w)
    expected_value, expected_grad = reference.value_and_grad(w)
    assert grad.dtype == np.float64
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert value == pytest.approx(expected_value, rel=rtol)
    np.testing.assert_allclose(grad, expected_grad, rtol=rtol, atol=rtol)


def test_kernels_see_device_arrays_and_rows_never_reach_the_host(backend, monkeypatch):
    """Kernels get blocks of the input's kind; nothing row-sized comes back."""
    X, y = make_data(3)
    X_device = backend.asarray(X)
    seen, to_host = set(), []
    linear = LogisticObjective._linear

    def spy_linear(self, X_b, w):
        seen.add((type(X_b), str(array_api_compat.device(X_b))))
        return linear(self, X_b, w)

    def spy_to_numpy(array):
        to_host.append(int(np.prod(array.shape)))
        return to_numpy(array)

    monkeypatch.setattr(LogisticObjective, "_linear", spy_linear)
    for module in ("objective", "data.array_api"):
        monkeypatch.setattr(f"logreg.{module}.to_numpy", spy_to_numpy)
    original_asarray = np.asarray

    def guarded_asarray(a, *args, **kwargs):
        assert not is_foreign_array(a), "a device array copied to the host"
        return original_asarray(a, *args, **kwargs)

    monkeypatch.setattr(np, "asarray", guarded_asarray)
    model = logreg.LogisticRegression(C=np.inf, tol=1e-8)
    model.fit(X_device, backend.asarray(y), sample_weight=backend.asarray(weights()))
    model.summary()
    backend.assert_own(model.predict_proba(X_device), X_device)
    monkeypatch.undo()
    assert seen == {(type(X_device), str(array_api_compat.device(X_device)))}
    assert to_host and max(to_host) < N_SAMPLES


# ---------------------------------------------------------------------- fits
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("solver", ["newton", "lbfgs", "auto"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fit_equals_the_numpy_fit(backend, n_classes, solver, dtype):
    X, y = make_data(n_classes, seed=4)
    X = X.astype(dtype)
    s = weights()
    # float32 sums stall near 1e-7: a GPU's lbfgs line search failed at 1e-8.
    tol = 1e-8 if dtype == np.float64 else 1e-6
    params = {"solver": solver, "tol": tol, "class_weight": "balanced"}
    reference = logreg.LogisticRegression(**params).fit(X, y, sample_weight=s)
    with warnings.catch_warnings():
        if backend.name == "cupy" and dtype == np.float32 and solver == "lbfgs":
            # CuPy's float32 results round differently: on an H200 the line
            # search stopped (ABNORMAL) short of tol=1e-6 for 3 classes, with
            # the coefficients within the 1e-4 checked below.
            warnings.simplefilter("ignore", ConvergenceWarning)
        ours = logreg.LogisticRegression(**params).fit(
            backend.asarray(X), backend.asarray(y), sample_weight=backend.asarray(s)
        )
    assert ours.solver_ == reference.solver_
    if dtype == np.float64:
        assert_same_fit(ours, reference, 1e-6)
        assert ours.n_iter_ == reference.n_iter_
    else:
        # float32 products round differently, and a float32 objective resolves
        # F only to about eps32: lbfgs may stop anywhere on that plateau (3
        # classes: 1e-4 of the coefficients apart, here or on another BLAS).
        # What both must reach is the optimum's value, to that resolution.
        optimum = logreg.LogisticRegression(
            solver="newton", tol=1e-10, class_weight="balanced"
        ).fit(X.astype(np.float64), y, sample_weight=s)
        # "balanced" as scikit-learn weighs it with sample weights.
        balanced = s * (s.sum() / (n_classes * np.bincount(y, weights=s)))[y]
        best = fitted_objective(optimum, X, y, balanced)
        for fitted in (ours, reference):
            gap = (fitted_objective(fitted, X, y, balanced) - best) / best
            assert gap <= 8 * np.finfo(np.float32).eps
        assert_same_fit(ours, reference, 1e-3)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("solver", ["gd", "sgd"])
def test_first_order_solvers_take_the_same_steps(backend, n_classes, solver):
    X, y = make_data(n_classes, seed=5)
    params = {"solver": solver, "max_iter": 6, "tol": 1e-12, "random_state": 0}
    with pytest.warns(ConvergenceWarning):
        reference = logreg.LogisticRegression(**params).fit(X, y)
    with pytest.warns(ConvergenceWarning):
        ours = logreg.LogisticRegression(**params).fit(
            backend.asarray(X), backend.asarray(y)
        )
    assert_same_fit(ours, reference, 1e-9)
    assert ours.n_iter_ == reference.n_iter_
    np.testing.assert_allclose(ours.loss_curve_, reference.loss_curve_, rtol=1e-10)


def test_numpy_labels_weights_and_an_elastic_net(backend):
    """``y`` and ``sample_weight`` may be NumPy (string labels too), ``X`` not."""
    X, codes = make_data(3, seed=6)
    y = np.array(["ant", "bee", "cat"])[codes]
    params = {"l1_ratio": 0.5, "C": 0.2, "tol": 1e-8}
    reference = logreg.LogisticRegression(**params).fit(X, y, sample_weight=weights())
    ours = logreg.LogisticRegression(**params).fit(
        backend.asarray(X), y, sample_weight=weights()
    )
    assert_same_fit(ours, reference, 1e-6)
    labels = ours.predict(backend.asarray(X))
    assert type(labels) is np.ndarray  # strings live on the host
    np.testing.assert_array_equal(labels, reference.predict(X))
    assert ours.score(backend.asarray(X), y) == reference.score(X, y)


def test_summary_of_an_array_api_fit_equals_numpy(backend):
    X, y = make_data(3, seed=7)
    params = {"C": np.inf, "tol": 1e-10, "solver": "newton"}
    ours = logreg.LogisticRegression(**params).fit(backend.asarray(X), y)
    expected = logreg.LogisticRegression(**params).fit(X, y)
    np.testing.assert_allclose(
        ours.summary().to_frame().to_numpy(),
        expected.summary().to_frame().to_numpy(),
        rtol=1e-6,
    )
    assert ours.summary().separation == "not checked"  # no rows on the host


# --------------------------------------------------------------- prediction
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_predictions_are_arrays_of_the_input_kind(backend, n_classes, dtype):
    X, y = make_data(n_classes, seed=8)
    X = X.astype(dtype)
    model = logreg.LogisticRegression().fit(X, y + 10)  # numeric, not 0..K-1
    X_device = backend.asarray(X)
    for method in ["predict_proba", "predict_log_proba", "decision_function"]:
        result = getattr(model, method)(X_device)
        expected = getattr(model, method)(X)
        backend.assert_own(result, X_device)
        assert tuple(result.shape) == expected.shape
        # float32 scores round differently in another library's product.
        tolerance = 1e-12 if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(
            to_numpy(result), expected, rtol=tolerance, atol=tolerance / 10
        )
    labels = model.predict(X_device)
    backend.assert_own(labels, X_device)
    np.testing.assert_array_equal(to_numpy(labels), model.predict(X))
    y_device = backend.asarray(y + 10)
    assert model.score(X_device, y_device) == model.score(X, y + 10)


def test_a_device_fit_predicts_numpy_on_numpy(backend):
    X, y = make_data(2, seed=9)
    model = logreg.LogisticRegression().fit(backend.asarray(X), backend.asarray(y))
    assert type(model.predict_proba(X)) is np.ndarray
    warm = logreg.LogisticRegression(warm_start=True, max_iter=1)
    warm.coef_, warm.intercept_ = model.coef_, model.intercept_
    warm.fit(backend.asarray(X), backend.asarray(y))  # at the optimum: no warning
    assert warm.n_iter_ <= 1


def test_other_dtypes_become_float64(backend):
    X, y = make_data(2, seed=10)
    integers = np.round(X * 4).astype(np.int32)
    reference = logreg.LogisticRegression().fit(integers.astype(np.float64), y)
    ours = logreg.LogisticRegression().fit(backend.asarray(integers), y)
    assert_same_fit(ours, reference, 1e-12)


# --------------------------------------------------------------- bad input
def test_bad_inputs_leave_the_model_unfitted(backend):
    X, y = make_data(2, seed=11)
    X_device, y_device = backend.asarray(X), backend.asarray(y)
    model = logreg.LogisticRegression()
    nan = X.copy()
    nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(backend.asarray(nan), y_device)
    with pytest.raises(ValueError, match="2-D"):
        model.fit(backend.asarray(X[:, 0]), y_device)
    with pytest.raises(ValueError, match="rows"):
        model.fit(X_device, backend.asarray(y[:-1]))
    with pytest.raises(ValueError, match="only one class"):
        model.fit(X_device, backend.asarray(np.zeros(N_SAMPLES, dtype=np.int64)))
    with pytest.raises(ValueError, match="negative"):
        model.fit(X_device, y_device, sample_weight=backend.asarray(-weights()))
    with pytest.raises(ValueError, match="zero total weight"):
        model.set_params(C=np.inf).fit(
            X_device, y_device, sample_weight=(y == 0).astype(float)
        )
    with pytest.raises(ValueError, match="Unknown label type"):
        model.fit(X_device, backend.asarray(X[:, 0]))
    assert not hasattr(model, "coef_")
    model.fit(X_device, y_device)
    with pytest.raises(ValueError, match="features"):
        model.predict(backend.asarray(X[:, :2]))


def test_numpy_inputs_use_numpy_itself():
    """The NumPy path never goes through array_api_compat's wrappers."""
    assert array_namespace(np.zeros(2), np.zeros(3)) is np
    assert array_namespace([1.0, 2.0], 3.0) is np


def test_under_scikit_learns_dispatch_outputs_stay_in_the_namespace(monkeypatch):
    """With ``array_api_dispatch`` on, ``coef_`` and probabilities are xp arrays.

    scikit-learn's dispatch needs SCIPY_ARRAY_API=1 at import time, so the
    switch is set directly; what it changes is logreg's own code.
    """
    xp = pytest.importorskip("array_api_strict")
    from sklearn.datasets import load_iris

    import logreg.data.array_api as adapter_module

    X, y = load_iris(return_X_y=True)
    X_xp = xp.asarray(X.astype(np.float32))
    y_xp = xp.asarray(y)
    reference = logreg.LogisticRegression(C=0.5, tol=1e-8).fit(X_xp, y_xp)
    monkeypatch.setattr(adapter_module, "_dispatching", lambda: True)
    model = logreg.LogisticRegression(C=0.5, tol=1e-8).fit(X_xp, y_xp)
    for name in ("coef_", "intercept_"):
        value = getattr(model, name)
        assert array_namespace(value) is array_namespace(X_xp)
        assert value.dtype == xp.float32
        np.testing.assert_array_equal(to_numpy(value), getattr(reference, name))
    proba = model.predict_proba(X_xp)
    assert proba.dtype == xp.float32
    np.testing.assert_allclose(
        to_numpy(proba), reference.predict_proba(X_xp), rtol=1e-6, atol=1e-7
    )
    # The statistics read them back on the host; the polish at the first
    # summary keeps them in the namespace.
    np.testing.assert_allclose(
        model.summary().to_frame()["std_err"],
        reference.summary().to_frame()["std_err"],
    )
    assert array_namespace(model.coef_) is array_namespace(X_xp)
