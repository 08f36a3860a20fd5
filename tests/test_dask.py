"""Fitting on a Dask cluster: the in-memory answers, sums computed on the workers.

One real ``distributed.LocalCluster`` (two worker processes) serves the module.
"""

from __future__ import annotations

import itertools
import logging
import os
import pickle
import signal
import sys
import threading

import numpy as np
import pandas as pd
import pytest

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")

import dask  # noqa: E402

import logreg  # noqa: E402
from logreg.data.dask_source import DaskSource, require_dask  # noqa: E402
from logreg.data.sources import InMemorySource  # noqa: E402
from logreg.objective import LogisticObjective  # noqa: E402
from logreg.solvers import ConvergenceWarning, auto_hessian_subsample  # noqa: E402

N_ROWS, N_FEATURES, CHUNK_ROWS = 8_000, 5, 1_500  # six row chunks, the last short


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


def make_data(n_classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian features; labels drawn from a softmax model, named by strings."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N_ROWS, N_FEATURES))
    scores = X @ rng.normal(size=(N_FEATURES, n_classes))
    codes = np.argmax(scores + rng.gumbel(size=scores.shape), axis=1)
    return X, np.array(["ant", "bee", "cat"])[codes]


def as_dask(X: np.ndarray, y: np.ndarray):
    # Two column chunks on purpose: the source rechunks columns to one.
    return da.from_array(X, chunks=(CHUNK_ROWS, 3)), da.from_array(y, chunks=2_000)


def assert_same_fit(ours, reference) -> None:
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, reference.intercept_, atol=1e-6)
    assert ours.classes_.tolist() == reference.classes_.tolist()
    assert ours.solver_ == reference.solver_


def test_a_kernel_pickles_small_without_the_data(client):
    X, y = make_data(3)
    codes = np.searchsorted(np.unique(y), y)
    X_dask, y_dask = as_dask(X, codes)
    objective = LogisticObjective(DaskSource(X_dask, y_dask), 3, 1.0)
    w = np.zeros(objective.n_params)
    size = len(cloudpickle.dumps(objective._value_grad_kernel(w)))
    assert size < 2_000 < X.nbytes // 100
    shipped = pickle.loads(pickle.dumps(objective.source))
    assert (shipped.n_samples, shipped.n_features) == X.shape
    with pytest.raises(RuntimeError, match="stay on the cluster"):
        shipped.sum_over_blocks(len)
    # The sums equal the in-memory ones, and are the same bits every time.
    memory = LogisticObjective(InMemorySource(X, codes, np.ones(N_ROWS)), 3, 1.0)
    w = np.random.default_rng(1).normal(size=objective.n_params)
    first = objective.value_grad_hessian(w)
    for got, expected in zip(first, memory.value_grad_hessian(w), strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    for again, got in zip(objective.value_grad_hessian(w), first, strict=True):
        np.testing.assert_array_equal(again, got)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("solver", ["newton", "lbfgs", "auto"])
@pytest.mark.parametrize("weighted", [False, True])
def test_fit_equals_the_in_memory_fit(client, n_classes, solver, weighted):
    X, y = make_data(n_classes)
    params = {"solver": solver, "tol": 1e-8}
    weights = {}
    if weighted:
        params["class_weight"] = "balanced"
        weights["sample_weight"] = np.random.default_rng(2).uniform(0, 3, N_ROWS)
    ours = logreg.LogisticRegression(**params)
    if weighted and n_classes == 3:  # as a Dask array too
        ours.fit(*as_dask(X, y), sample_weight=da.from_array(weights["sample_weight"]))
    else:
        ours.fit(*as_dask(X, y), **weights)
    reference = logreg.LogisticRegression(**params).fit(X, y, **weights)
    assert_same_fit(ours, reference)
    if solver == "auto":  # the sub-sampled Hessian comes from DaskSource.every
        assert (
            auto_hessian_subsample(N_ROWS, ours.coef_.size + ours.intercept_.size) > 1
        )


@pytest.mark.parametrize("n_classes", [2, 3])
def test_gradient_descent_takes_the_same_steps(client, n_classes):
    X, y = make_data(n_classes, seed=4)
    params = {"solver": "gd", "max_iter": 15, "tol": 1e-10}
    with pytest.warns(ConvergenceWarning):
        ours = logreg.LogisticRegression(**params).fit(*as_dask(X, y))
    with pytest.warns(ConvergenceWarning):
        reference = logreg.LogisticRegression(**params).fit(X, y)
    assert_same_fit(ours, reference)
    np.testing.assert_allclose(ours.loss_curve_, reference.loss_curve_, rtol=1e-12)


@pytest.mark.parametrize("solver", ["prox-newton", "fista"])
def test_elastic_net_solvers_work_on_the_sums_too(client, solver):
    X, y = make_data(2, seed=3)
    params = {"solver": solver, "l1_ratio": 0.5, "C": 0.05, "tol": 1e-6}
    ours = logreg.LogisticRegression(**params).fit(*as_dask(X, y))
    reference = logreg.LogisticRegression(**params).fit(X, y)
    assert_same_fit(ours, reference)
    assert np.count_nonzero(ours.coef_ == 0) == np.count_nonzero(reference.coef_ == 0)


def test_a_dataframe_keeps_its_feature_names(client):
    X, y = make_data(3, seed=5)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(N_FEATURES)])
    X_dask = dd.from_pandas(frame, npartitions=4)
    y_dask = dd.from_pandas(pd.Series(y, name="label"), npartitions=4)
    ours = logreg.LogisticRegression(tol=1e-8).fit(X_dask, y_dask)
    reference = logreg.LogisticRegression(tol=1e-8).fit(frame, y)
    assert_same_fit(ours, reference)
    assert list(ours.feature_names_in_) == list(frame.columns)
    probabilities = ours.predict_proba(X_dask)
    assert isinstance(probabilities, da.Array)
    np.testing.assert_allclose(
        probabilities.compute(), reference.predict_proba(frame), atol=1e-9
    )
    with pytest.raises(ValueError, match="feature names"):
        ours.predict(X_dask.rename(columns={"f0": "other"}))
    # Pickling computes the inference sums on the cluster; no rows travel.
    pickled = pickle.dumps(ours)
    assert len(pickled) < 20_000
    np.testing.assert_array_equal(
        pickle.loads(pickled).predict(frame), reference.predict(frame)
    )


@pytest.mark.parametrize("n_classes", [2, 3])
def test_predictions_are_lazy_dask_arrays_equal_to_numpy(client, n_classes):
    X, y = make_data(n_classes, seed=6)
    model = logreg.LogisticRegression().fit(X, y)
    X_dask = da.from_array(X, chunks=(CHUNK_ROWS, N_FEATURES))
    for method in [
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
    ]:
        lazy = getattr(model, method)(X_dask)
        expected = getattr(model, method)(X)
        assert isinstance(lazy, da.Array)
        assert lazy.shape == expected.shape
        assert lazy.dtype == expected.dtype
        if method == "predict":
            np.testing.assert_array_equal(lazy.compute(), expected)
        else:
            np.testing.assert_allclose(lazy.compute(), expected, rtol=1e-12)
    # Nothing runs until asked: a graph that fails when computed predicts fine.
    broken = X_dask.map_blocks(_fail, dtype=X.dtype)
    lazy = model.predict_proba(broken)
    with pytest.raises(RuntimeError, match="computed"):
        lazy.compute()
    with pytest.raises(ValueError, match="features"):
        model.predict(X_dask[:, :2])


def _fail(block: np.ndarray) -> np.ndarray:
    raise RuntimeError("computed")


@pytest.mark.parametrize("n_classes", [2, 3])
def test_summary_of_a_dask_fit_equals_the_in_memory_one(client, n_classes):
    X, y = make_data(n_classes, seed=7)
    params = {"C": np.inf, "tol": 1e-10, "solver": "newton"}
    ours = logreg.LogisticRegression(**params).fit(*as_dask(X, y)).summary()
    expected = logreg.LogisticRegression(**params).fit(X, y).summary()
    np.testing.assert_allclose(
        ours.to_frame().to_numpy(), expected.to_frame().to_numpy(), rtol=1e-6
    )
    assert ours.log_likelihood == pytest.approx(expected.log_likelihood, rel=1e-12)
    assert ours.separation == "not checked"  # no rows in memory to check


def test_a_fit_survives_a_killed_worker(client, monkeypatch):
    X, y = make_data(3, seed=8)
    params = {"solver": "lbfgs", "tol": 1e-10}
    reference = logreg.LogisticRegression(**params).fit(X, y)
    passes, mid_fit = itertools.count(), threading.Event()
    pass_over_blocks = DaskSource.sum_over_blocks

    def counted(source, kernel):
        if next(passes) == 6:
            mid_fit.set()
        return pass_over_blocks(source, kernel)

    monkeypatch.setattr(DaskSource, "sum_over_blocks", counted)
    pids = client.run(os.getpid)
    victim = min(pids.values())
    outcome = {}

    def fit() -> None:
        try:
            model = logreg.LogisticRegression(**params)
            outcome["model"] = model.fit(*as_dask(X, y))
        except Exception as error:  # re-raised below, in the test's thread
            outcome["error"] = error

    fitting = threading.Thread(target=fit)
    fitting.start()
    assert mid_fit.wait(60)
    os.kill(victim, signal.SIGKILL)
    fitting.join(120)
    assert not fitting.is_alive()
    if "error" in outcome:
        raise outcome["error"]
    assert next(passes) > 8  # the fit went on after the kill
    assert_same_fit(outcome["model"], reference)
    client.wait_for_workers(2, timeout=60)  # the nanny restarted it
    assert victim not in client.run(os.getpid).values()


def test_without_a_cluster_the_local_scheduler_fits_too():
    X, y = make_data(2, seed=9)
    with dask.config.set(scheduler="threads"):
        ours = logreg.LogisticRegression(tol=1e-8).fit(*as_dask(X, y))
    reference = logreg.LogisticRegression(tol=1e-8).fit(X, y)
    assert_same_fit(ours, reference)


def test_bad_inputs_leave_the_model_unfitted(client):
    X, y = make_data(2, seed=10)
    X_dask, y_dask = as_dask(X, y)
    model = logreg.LogisticRegression()
    with pytest.raises(ValueError, match="sgd"):
        logreg.LogisticRegression(solver="sgd").fit(X_dask, y_dask)
    with pytest.raises(ValueError, match="only one class"):
        model.fit(X_dask, np.full(N_ROWS, "ant"))
    with pytest.raises(ValueError, match="rows"):
        model.fit(X_dask, y[:-1])
    with pytest.raises(ValueError, match="negative"):
        model.fit(X_dask, y_dask, sample_weight=-np.ones(N_ROWS))
    with pytest.raises(ValueError, match="NaN"):
        model.fit(da.where(X_dask > 3, np.nan, X_dask), y_dask)
    with pytest.raises(ValueError, match="zero total weight"):
        model.set_params(C=np.inf).fit(
            X_dask, y_dask, sample_weight=(y == "ant").astype(float)
        )
    with pytest.raises(TypeError, match="dask array or a dask DataFrame"):
        model.fit(dask.delayed(X), y)
    assert not hasattr(model, "coef_")


def test_a_missing_dask_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask", None)
    with pytest.raises(ImportError, match=r"logreg\[dask\]"):
        require_dask()
