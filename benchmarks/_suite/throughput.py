"""Per-pass throughput: one value-and-gradient pass against a plain read of ``X``.

The floor for a pass over the data is ``bytes(X) / bandwidth``. The bandwidth
is measured here as the data are: one thread per core, each reading a
contiguous half (third, ...) of the rows with single-threaded BLAS, by
``np.sum`` and by a matrix-vector product with a vector of ones; and by one
thread's ``np.sum`` (on a busy machine one core may read as fast as two). The
fastest read is the stream figure every kernel is compared with.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from sklearn._loss.loss import HalfBinomialLoss
from sklearn.linear_model._linear_loss import LinearModelLoss
from threadpoolctl import ThreadpoolController

from _suite.data import Dataset
from logreg.data.sources import InMemorySource, default_threads
from logreg.objective import LogisticObjective

LOGREG = "logreg value_and_grad"
LOGREG_NUMPY = "logreg value_and_grad, NumPy kernels"
SKLEARN = "sklearn LinearModelLoss.loss_gradient"


@dataclass
class PassTiming:
    """Seconds of repeated passes of one kernel over one array."""

    kernel: str
    dtype: str
    nbytes: int
    seconds: list[float]

    @property
    def median(self) -> float:
        """Median seconds per pass."""
        return float(np.median(self.seconds))

    @property
    def gb_per_s(self) -> float:
        """``bytes(X) / median`` in GB/s (10^9 bytes)."""
        return self.nbytes / self.median / 1e9


@functools.cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


def _row_parts(X: np.ndarray, n_parts: int) -> list[np.ndarray]:
    """``n_parts`` contiguous row slices (views) covering ``X``."""
    bounds = np.linspace(0, len(X), n_parts + 1).astype(int)
    return [X[a:b] for a, b in itertools.pairwise(bounds)]


def threaded_read(
    X: np.ndarray, pool: ThreadPoolExecutor, n_threads: int, read: Callable
) -> Callable[[], object]:
    """A pass that applies ``read`` to each thread's rows, BLAS on one thread."""
    parts = _row_parts(X, n_threads)

    def run():
        with _controller().limit(limits=1, user_api="blas"):
            return list(pool.map(read, parts))

    return run


def logreg_pass(
    X: np.ndarray, y: np.ndarray, C: float, fused: bool | None = None
) -> Callable[[], object]:
    """One :meth:`LogisticObjective.value_and_grad` (logreg's threads and blocks).

    ``fused=None`` is what a fit uses (the fused Numba kernels when Numba is
    installed); ``False`` forces the NumPy kernels.
    """
    source = InMemorySource(X, y, np.ones(len(y)))
    objective = LogisticObjective(source, 2, C, fit_intercept=True, fused=fused)
    w = np.random.default_rng(0).normal(scale=0.01, size=objective.n_params)
    return lambda: objective.value_and_grad(w)


def sklearn_pass(X: np.ndarray, y: np.ndarray, C: float) -> Callable[[], object]:
    """scikit-learn's loss and gradient as its lbfgs solver calls it (n_threads=1).

    BLAS is held to one thread (see the module docstring).
    """
    loss = LinearModelLoss(base_loss=HalfBinomialLoss(), fit_intercept=True)
    coef = np.random.default_rng(0).normal(scale=0.01, size=X.shape[1] + 1)
    coef, target = coef.astype(X.dtype), y.astype(X.dtype)
    l2 = 1.0 / (C * len(y))

    def run():
        with _controller().limit(limits=1, user_api="blas"):
            return loss.loss_gradient(coef, X, target, None, l2, n_threads=1)

    return run


def measure(data: Dataset, passes: int) -> list[PassTiming]:
    """Median pass times of the reads and the kernels, interleaved pass by pass.

    Parameters
    ----------
    data : Dataset
        A binary dataset; ``X`` is used in its own dtype.
    passes : int
        Timed passes per kernel (after one warm-up pass each).

    Returns
    -------
    list of PassTiming
    """
    X, y = data.X, data.y
    n_threads = default_threads()
    with ThreadPoolExecutor(n_threads) as pool:
        ones = np.ones(X.shape[1], dtype=X.dtype)
        kernels = {
            f"read: np.sum, {n_threads} threads": threaded_read(
                X, pool, n_threads, np.sum
            ),
            f"read: rows @ ones, {n_threads} threads": threaded_read(
                X, pool, n_threads, lambda part: part @ ones
            ),
            "read: np.sum, 1 thread": threaded_read(X, pool, 1, np.sum),
            LOGREG: logreg_pass(X, y, data.C),
            LOGREG_NUMPY: logreg_pass(X, y, data.C, fused=False),
            SKLEARN: sklearn_pass(X, y, data.C),
        }
        seconds = {name: [] for name in kernels}
        for kernel in kernels.values():
            kernel()  # warm-up: page faults, thread start-up
        for _ in range(passes):
            for name, kernel in kernels.items():
                start = time.perf_counter()
                kernel()
                seconds[name].append(time.perf_counter() - start)
    dtype = str(X.dtype)
    return [PassTiming(name, dtype, X.nbytes, s) for name, s in seconds.items()]


def stream_bandwidth(timings: list[PassTiming]) -> float:
    """The faster read's GB/s: the bandwidth a pass is compared with."""
    return max(t.gb_per_s for t in timings if t.kernel.startswith("read"))
