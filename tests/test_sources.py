"""The in-memory source: blocks, and sums over them on several threads."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from logreg.data.sources import InMemorySource
from logreg.objective import LogisticObjective


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(5000, 7))
    y = rng.integers(0, 3, size=5000)
    return X, y, rng.random(5000)


@pytest.mark.parametrize("n_threads", [2, 3, 8])
def test_threaded_sums_equal_sequential_and_are_deterministic(data, n_threads):
    X, y, s = data
    sequential = LogisticObjective(InMemorySource(X, y, s, 64, n_threads=1), 3, 1.0)
    threaded = LogisticObjective(
        InMemorySource(X, y, s, 64, n_threads=n_threads), 3, 1.0
    )
    w = np.random.default_rng(0).normal(size=sequential.n_params)
    first = threaded.value_grad_hessian(w)
    for got, expected in zip(first, sequential.value_grad_hessian(w), strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    for again, got in zip(threaded.value_grad_hessian(w), first, strict=True):
        np.testing.assert_array_equal(again, got)


def test_blas_threads_are_restored_after_a_threaded_sum(data):
    X, y, s = data
    before = [pool["num_threads"] for pool in threadpool_info()]
    objective = LogisticObjective(InMemorySource(X, y, s, 64, n_threads=2), 3, 1.0)
    objective.value_and_grad(np.zeros(objective.n_params))
    assert [pool["num_threads"] for pool in threadpool_info()] == before


def test_every_row_is_summed_once_whatever_the_threads(data):
    X, y, s = data
    for n_threads in (1, 2, 5):
        source = InMemorySource(X, y, s, 333, n_threads=n_threads)
        rows, weight = source.sum_over_blocks(
            lambda X_b, y_b, s_b: (len(y_b), s_b.sum())
        )
        assert rows == len(y)
        assert weight == pytest.approx(s.sum(), rel=1e-12)
