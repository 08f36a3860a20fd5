"""Data sources: where row blocks come from, and how a per-block function is summed.

A source yields row blocks ``(X_b, y_b, s_b)`` and adds up what a per-block
function returns over all blocks. It never does math itself: the objective
hands it the kernel to apply.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import numpy as np
from scipy import sparse
from threadpoolctl import ThreadpoolController

from logreg._namespace import array_namespace, float_dtype, on_host

__all__ = [
    "ACCELERATOR_BLOCK_ROWS",
    "BLOCK_BYTES",
    "ArrayApiSource",
    "DataSource",
    "InMemorySource",
    "default_threads",
]

#: Target size of one block of X in bytes: small enough to stay in a core's
#: cache between ``z = X_b w`` and ``X_b.T @ r``. Measured on 1M x 100 float64
#: with two threads: 1.6 MB blocks took 72 ms a pass, 0.8 MB 120 ms, 3.2 MB 80 ms.
BLOCK_BYTES = 2 << 20
#: At most this many rows per block: float32 partial sums within a block are
#: float32 (BLAS), so long blocks of narrow data would lose precision.
MAX_BLOCK_ROWS = 8192


def _add(total: Any, part: Any) -> Any:
    """Add two kernel results: arrays, floats, or tuples of them."""
    if total is None:
        return part
    if isinstance(part, tuple):
        return tuple(_add(t, p) for t, p in zip(total, part, strict=True))
    return total + part


def _sum_blocks(kernel: Callable[..., Any], blocks: list) -> Any:
    """Sum ``kernel(*block)`` over ``blocks`` in order."""
    total = None
    for block in blocks:
        total = _add(total, kernel(*block))
    return total


class DataSource(Protocol):
    """What the objective (and the estimator) needs from a source of rows.

    ``X_b`` blocks are float32 or float64 arrays of shape (rows, n_features)
    (dense, SciPy CSR, or arrays of another array-API library); ``y_b``
    encoded labels and ``s_b`` float64 weights of shape (rows,).
    ``every`` may return a source that holds (a sample of) the rows in
    memory; ``take`` is needed only by the mini-batch solver.
    """

    #: Whether every pass, even over a sub-sample (:meth:`every`), reads all
    #: rows (a file does).
    reads_whole_file_per_pass: bool
    #: Whether the rows are a sparse matrix: a Hessian over every parameter
    #: then costs far more than the rows themselves.
    sparse_rows: bool

    @property
    def n_samples(self) -> int:
        """Number of rows."""

    @property
    def n_features(self) -> int:
        """Number of feature columns."""

    @property
    def dtype(self) -> np.dtype:
        """Floating dtype of the ``X`` blocks."""

    def sum_over_blocks(self, kernel: Callable[..., Any]) -> Any:
        """Sum ``kernel(X_b, y_b, s_b)`` over all rows' blocks."""

    def every(self, step: int) -> DataSource:
        """A source over every ``step``-th row."""

    def take(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows ``rows`` as one block."""

    def with_class_weight(self, class_weight: np.ndarray) -> DataSource:
        """The same rows, each weight times its class's ``class_weight[y_i]``."""

    def rows_in_memory(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """``(X, y, s)`` as host NumPy/SciPy arrays; None where rows are elsewhere."""


def default_threads() -> int:
    """CPUs this process may run on: the default number of block threads."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


@functools.cache
def _executor(n_threads: int) -> ThreadPoolExecutor:
    """One shared pool per thread count, created on first use."""
    return ThreadPoolExecutor(n_threads, thread_name_prefix="logreg-blocks")


def _spread(function: Callable[..., Any], parts: list[tuple]) -> list:
    """``[function(*part) for part in parts]``, the parts on the shared threads.

    :func:`default_threads` threads (at most one a part) take the parts in
    turn, so parts of unequal cost still share the threads evenly; the
    results come back in the parts' order. For functions that release the
    GIL (compiled with ``nogil``), called from outside the pool.
    """
    n_threads = min(default_threads(), len(parts))
    if n_threads <= 1:
        return [function(*part) for part in parts]
    return list(_executor(n_threads).map(lambda part: function(*part), parts))


@functools.cache
def _blas_controller() -> ThreadpoolController:
    return ThreadpoolController()


def _is_csr(X: Any) -> bool:
    """Whether ``X`` is a SciPy CSR matrix (or array)."""
    return sparse.issparse(X) and X.format == "csr"


def _csr_rows(X: Any, rows: slice) -> Any:
    """Rows ``rows`` of the CSR ``X`` as a CSR sharing ``X``'s data and indices."""
    start, stop, _ = rows.indices(X.shape[0])
    first, last = int(X.indptr[start]), int(X.indptr[stop])
    indptr = X.indptr[start : stop + 1] - X.indptr[start]
    # SciPy's constructor copies a slice of a much larger array ("pruning"),
    # so the block is made empty and given the slices afterwards.
    block = type(X)(
        (X.data[:0], X.indices[:0], np.zeros_like(indptr)),
        shape=(stop - start, X.shape[1]),
    )
    block.data = X.data[first:last]
    block.indices = X.indices[first:last]
    block.indptr = indptr
    # Known for the whole matrix (and a flag of the empty block must not stay).
    block.has_sorted_indices = bool(X.has_sorted_indices)
    return block


class InMemorySource:
    """Rows held in memory, served as contiguous row slices (views, never copies).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Features, float32 or float64, C-contiguous.
    y : ndarray of shape (n_samples,)
        Encoded labels: 0/1 for binary, 0..K-1 for multinomial.
    sample_weight : ndarray of shape (n_samples,)
        Non-negative weights (sample weights times class weights), float64.
    block_rows : int, optional
        Rows per block; by default chosen so one block of ``X`` is about
        :data:`BLOCK_BYTES`.
    n_threads : int, optional
        Threads that sum blocks in parallel, each over a contiguous run of
        blocks with single-threaded BLAS; by default :func:`default_threads`.
        NumPy's elementwise work (``exp``, ``log``) runs on one core, so
        threads over blocks use every core where BLAS threads cannot (1.8x a
        value-and-gradient pass on two cores), and small multi-threaded BLAS
        calls no longer collapse when the machine is busy.
    """

    #: A pass over a sub-sample reads only the sub-sample.
    reads_whole_file_per_pass = False

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray,
        block_rows: int | None = None,
        n_threads: int | None = None,
    ) -> None:
        self.X = X
        self.sparse_rows = bool(sparse.issparse(X))
        self.y = y
        self.sample_weight = sample_weight
        n_features = X.shape[1]
        if block_rows is None:
            row_bytes = max(1, n_features) * self.dtype.itemsize
            if sparse.issparse(X):
                # A CSR row holds its nonzeros (value and column index), not
                # n_features values: sized densely, 200k x 5000 got 64-row
                # blocks and a pass took 20x longer.
                per_row = max(1, X.nnz // max(1, X.shape[0]))
                row_bytes = per_row * (X.dtype.itemsize + X.indices.itemsize)
            block_rows = min(MAX_BLOCK_ROWS, max(64, BLOCK_BYTES // row_bytes))
            if _is_csr(X):
                # CSR kernels read each row's few nonzeros once and keep no
                # block-sized cache working set, so there is nothing to gain
                # from cache-sized blocks: one block per thread (20k x 5k
                # text-like: 4 blocks made every restricted Hessian pass
                # allocate, add and mirror 4 dense Gram matrices instead of 2).
                threads = int(n_threads or default_threads())
                block_rows = max(1, -(-X.shape[0] // threads))
        self.block_rows = int(block_rows)
        self.n_threads = int(n_threads or default_threads())
        self._block_cache: list | None = None

    @property
    def n_samples(self) -> int:
        """Number of rows."""
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        """Number of feature columns."""
        return self.X.shape[1]

    @property
    def dtype(self) -> np.dtype:
        """Floating dtype of ``X``; kernels compute in it."""
        return self.X.dtype

    def blocks(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Yield ``(X_b, y_b, s_b)`` row slices covering all rows once, in order.

        The slices are made on the first pass and kept: NumPy row slices are
        views, and CSR row blocks are built once as views of ``X``'s data
        and index arrays (SciPy's ``X[a:b]`` copies them, which took a third
        of a pass on a 20k x 5k text-like matrix).
        """
        if self._block_cache is None:
            self._block_cache = list(self._make_blocks())
        return iter(self._block_cache)

    def _make_blocks(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The row blocks of :meth:`blocks`, made afresh."""
        csr = _is_csr(self.X)
        for start in range(0, self.n_samples, self.block_rows):
            rows = slice(start, start + self.block_rows)
            X_b = _csr_rows(self.X, rows) if csr else self.X[rows]
            yield X_b, self.y[rows], self.sample_weight[rows]

    def every(self, step: int) -> InMemorySource:
        """A source over every ``step``-th row, copied into contiguous arrays.

        The copy holds ``1 / step`` of ``X``. Row-strided views saved that
        memory but cost more than the copy on every pass: on 1M x 100 with
        ``step = 8``, a value-gradient-Hessian pass over the views took 69 ms
        (float64) and 50 ms (float32), over the copy 40 ms and 22 ms (strided
        rows defeat the vectorised loops of the fused kernels and BLAS).

        Parameters
        ----------
        step : int
            Keep rows ``0, step, 2 step, ...``.

        Returns
        -------
        InMemorySource
        """
        rows = slice(None, None, step)
        X = self.X[rows]
        if not sparse.issparse(X):
            X = np.ascontiguousarray(X)
        return InMemorySource(
            X,
            np.ascontiguousarray(self.y[rows]),
            np.ascontiguousarray(self.sample_weight[rows]),
            n_threads=self.n_threads,
        )

    def take(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the block ``(X[rows], y[rows], s[rows])`` for a mini-batch."""
        return self.X[rows], self.y[rows], self.sample_weight[rows]

    def with_class_weight(self, class_weight: np.ndarray) -> InMemorySource:
        """The same rows (shared), weights times ``class_weight[y]``.

        Parameters
        ----------
        class_weight : ndarray of shape (n_classes,)

        Returns
        -------
        InMemorySource
        """
        weights = self.sample_weight * np.asarray(class_weight)[self.y]
        return type(self)(self.X, self.y, weights, self.block_rows, self.n_threads)

    def rows_in_memory(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """``(X, y, sample_weight)``: the rows are in host memory."""
        return self.X, self.y, self.sample_weight

    def sum_over_blocks(self, kernel: Callable[..., Any]) -> Any:
        """Sum ``kernel(X_b, y_b, s_b)`` over all blocks.

        Parameters
        ----------
        kernel : callable
            Called once per block; returns an array, a float, or a tuple of
            them (added element by element).

        Returns
        -------
        The sum, of the structure ``kernel`` returns.
        """
        blocks = list(self.blocks())
        n_threads = min(self.n_threads, len(blocks))
        if n_threads <= 1:
            return self._sum_run(kernel, blocks)
        # Contiguous runs, one per thread, added in a fixed order: the result
        # does not depend on scheduling.
        runs = [
            blocks[i * len(blocks) // n_threads : (i + 1) * len(blocks) // n_threads]
            for i in range(n_threads)
        ]
        with _blas_controller().limit(limits=1, user_api="blas"):
            partials = list(
                _executor(n_threads).map(lambda run: self._sum_run(kernel, run), runs)
            )
        total = None
        for partial in partials:
            total = _add(total, partial)
        return total

    def _sum_run(self, kernel: Callable[..., Any], blocks: list) -> Any:
        """Sum ``kernel`` over a contiguous run of blocks, on the calling thread."""
        return _sum_blocks(kernel, blocks)


#: Rows per block on an accelerator, where a block is a few kernel launches
#: over all its rows and there is no cache to fit: 1M rows of 100 float32
#: features are 400 MB, and the float64 copy the gradient makes 800 MB.
ACCELERATOR_BLOCK_ROWS = 1 << 20


class ArrayApiSource(InMemorySource):
    """Rows in arrays of another array-API library, summed on their device.

    For PyTorch tensors, CuPy arrays, ``array_api_strict`` arrays: blocks are
    row slices (views) of the arrays, so the kernels compute where the rows
    are and only their small sums come to the host. In host memory (CPU
    tensors, ``array_api_strict``) blocks are cache-sized and summed on
    threads as by :class:`InMemorySource`; on an accelerator a block has
    :data:`ACCELERATOR_BLOCK_ROWS` rows and blocks are summed in order on one
    thread (the device runs each block's operations in parallel).

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        float32 or float64 features.
    y : array of shape (n_samples,)
        Encoded labels (an integer dtype), on ``X``'s device.
    sample_weight : array of shape (n_samples,)
        Non-negative float64 weights, on ``X``'s device.
    block_rows : int, optional
        Rows per block; by default as for :class:`InMemorySource` in host
        memory, :data:`ACCELERATOR_BLOCK_ROWS` on an accelerator.
    n_threads : int, optional
        As for :class:`InMemorySource`; always 1 on an accelerator.
    """

    def __init__(
        self,
        X: Any,
        y: Any,
        sample_weight: Any,
        block_rows: int | None = None,
        n_threads: int | None = None,
    ) -> None:
        self._openmp = None
        if on_host(X):
            self._openmp = ThreadpoolController().select(user_api="openmp")
        else:
            block_rows = block_rows or ACCELERATOR_BLOCK_ROWS
            n_threads = 1
        super().__init__(X, y, sample_weight, block_rows, n_threads)

    def _sum_run(self, kernel: Callable[..., Any], blocks: list) -> Any:
        """Sum ``kernel`` over a run of blocks; in host memory on one OpenMP thread.

        PyTorch's OpenMP threads cost more than they save on a cache-sized
        block (and, on a busy machine, waited 15 ms for a 32 x 3 product):
        the threads over blocks are the parallelism, as for NumPy's BLAS.
        """
        if self._openmp is None:
            return _sum_blocks(kernel, blocks)
        with self._openmp.limit(limits=1):
            return _sum_blocks(kernel, blocks)

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype matching ``X``'s float dtype; kernels compute in ``X``'s."""
        return float_dtype(self.X)

    def blocks(self) -> Iterator[tuple[Any, Any, Any]]:
        """Yield ``(X_b, y_b, s_b)`` row slices covering all rows once, in order."""
        n_samples = self.n_samples
        for start in range(0, n_samples, self.block_rows):
            # The standard leaves slices past the end unspecified.
            rows = slice(start, min(start + self.block_rows, n_samples))
            yield self.X[rows, :], self.y[rows], self.sample_weight[rows]

    def every(self, step: int) -> ArrayApiSource:
        """A source over every ``step``-th row (strided views on the device).

        Parameters
        ----------
        step : int
            Keep rows ``0, step, 2 step, ...``.

        Returns
        -------
        ArrayApiSource
        """
        return ArrayApiSource(
            self.X[::step, :],
            self.y[::step],
            self.sample_weight[::step],
            n_threads=self.n_threads,
        )

    def with_class_weight(self, class_weight: np.ndarray) -> ArrayApiSource:
        """The same rows (shared), weights times ``class_weight[y]``, on the device.

        Parameters
        ----------
        class_weight : ndarray of shape (n_classes,)
            Host float64.

        Returns
        -------
        ArrayApiSource
        """
        xp = array_namespace(self.y)
        per_class = xp.asarray(class_weight, device=self.y.device, copy=True)
        weights = self.sample_weight * xp.take(per_class, self.y, axis=0)
        return type(self)(self.X, self.y, weights, self.block_rows, self.n_threads)

    def rows_in_memory(self) -> None:
        """None: the rows stay on their device."""
        return None

    def take(self, rows: np.ndarray) -> tuple[Any, Any, Any]:
        """Return the block ``(X[rows], y[rows], s[rows])``, gathered on the device.

        Parameters
        ----------
        rows : ndarray of int, shape (batch_size,)

        Returns
        -------
        tuple of arrays
            Of shapes (batch_size, n_features), (batch_size,), (batch_size,).
        """
        xp = array_namespace(self.X)
        index = xp.asarray(rows, device=self.X.device)
        return tuple(
            xp.take(array, index, axis=0)
            for array in (self.X, self.y, self.sample_weight)
        )


class RemoteRows:
    """Mixin of sources whose rows live on a cluster (Dask, Spark).

    Copies share the (immutable) remote rows, and pickling, which sends a
    kernel and the objective it closes over to the workers, sends only the
    source's shape and dtype: a :class:`DetachedSource`.
    """

    #: Where the rows stay, for :class:`DetachedSource`'s message.
    rows_live = "on the cluster"

    def __copy__(self) -> Any:
        duplicate = object.__new__(type(self))
        duplicate.__dict__.update(self.__dict__)
        return duplicate

    def __deepcopy__(self, memo: dict) -> Any:
        # The remote rows are immutable: a deep copy may share them.
        return self.__copy__()

    def row_sample(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Encoded rows sampled from the source, in memory, or None (the default).

        A source whose passes are costly may offer one: ``(X, y, s)`` with
        ``s`` the weight each row stands for (its share of the rows, times
        its sample weight), so the sample's objective estimates the
        source's. The estimator then starts the solver from the sample's
        fit (:mod:`logreg.solvers.sample_start`).
        """
        return None

    def __reduce__(self) -> tuple:
        shape = (self.n_samples, self.n_features, self.dtype.str)
        return (DetachedSource, (*shape, type(self).__name__, self.rows_live))


class DetachedSource:
    """A pickled :class:`RemoteRows` source: its shape and dtype, not its rows.

    Enough for a kernel's objective on a worker (the parameter layout needs
    ``n_features``); summing over it is an error.
    """

    def __init__(
        self, n_samples: int, n_features: int, dtype: str, kind: str, rows_live: str
    ) -> None:
        self.n_samples = n_samples
        self.n_features = n_features
        self.dtype = np.dtype(dtype)
        self._origin = (kind, rows_live)

    def _detached(self, *args: Any) -> Any:
        kind, rows_live = self._origin
        raise RuntimeError(
            f"This is a pickled copy of a {kind}: its rows stay {rows_live} with "
            "the original."
        )

    sum_over_blocks = every = take = _detached
