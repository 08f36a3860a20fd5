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
from threadpoolctl import ThreadpoolController

__all__ = [
    "BLOCK_BYTES",
    "DataSource",
    "FileSource",
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


class DataSource(Protocol):
    """What the objective needs from a source of rows.

    ``X_b`` blocks are float32 or float64 arrays of shape (rows, n_features);
    ``y_b`` encoded labels and ``s_b`` float64 weights of shape (rows,).
    ``every`` may return a source that holds (a sample of) the rows in
    memory; ``take`` is needed only by the mini-batch solver.
    """

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


@functools.cache
def _blas_controller() -> ThreadpoolController:
    return ThreadpoolController()


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

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray,
        block_rows: int | None = None,
        n_threads: int | None = None,
    ) -> None:
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        n_features = X.shape[1]
        if block_rows is None:
            row_bytes = max(1, n_features) * X.dtype.itemsize
            block_rows = min(MAX_BLOCK_ROWS, max(64, BLOCK_BYTES // row_bytes))
        self.block_rows = int(block_rows)
        self.n_threads = int(n_threads or default_threads())

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
        """Yield ``(X_b, y_b, s_b)`` row slices covering all rows once, in order."""
        for start in range(0, self.n_samples, self.block_rows):
            rows = slice(start, start + self.block_rows)
            yield self.X[rows], self.y[rows], self.sample_weight[rows]

    def every(self, step: int) -> InMemorySource:
        """A source over every ``step``-th row (views with a row stride, no copy).

        Parameters
        ----------
        step : int
            Keep rows ``0, step, 2 step, ...``.

        Returns
        -------
        InMemorySource
        """
        return InMemorySource(
            self.X[::step],
            self.y[::step],
            self.sample_weight[::step],
            n_threads=self.n_threads,
        )

    def take(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the block ``(X[rows], y[rows], s[rows])`` for a mini-batch."""
        return self.X[rows], self.y[rows], self.sample_weight[rows]

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
            return _sum_blocks(kernel, blocks)
        # Contiguous runs, one per thread, added in a fixed order: the result
        # does not depend on scheduling.
        runs = [
            blocks[i * len(blocks) // n_threads : (i + 1) * len(blocks) // n_threads]
            for i in range(n_threads)
        ]
        with _blas_controller().limit(limits=1, user_api="blas"):
            partials = list(
                _executor(n_threads).map(lambda run: _sum_blocks(kernel, run), runs)
            )
        total = None
        for partial in partials:
            total = _add(total, partial)
        return total


def _sum_blocks(kernel: Callable[..., Any], blocks: list) -> Any:
    """Sum ``kernel(*block)`` over ``blocks`` in order."""
    total = None
    for block in blocks:
        total = _add(total, kernel(*block))
    return total


class FileSource:
    """Rows streamed from a CSV or Parquet file on every pass, batch by batch.

    Each pass reads the file with :func:`logreg.tabular.iter_batches`, encodes
    one record batch at a time with a fitted :class:`~logreg.tabular.
    TableEncoder` and sums the kernel over that batch's in-memory blocks (with
    :class:`InMemorySource`'s threads). Memory stays bounded by the batch,
    whatever the file's size.

    Parameters
    ----------
    path : str or os.PathLike
        The data file.
    encoder : TableEncoder
        Fitted on this file, with the target column.
    classes : ndarray of shape (n_classes,)
        Sorted class labels; labels are encoded as their index.
    class_weight : ndarray of shape (n_classes,), optional
        Weight of each class's rows (the sample weights); ones by default.
    batch_rows : int, default=100_000
        Rows read and encoded at a time.
    step : int, default=1
        Keep only rows ``0, step, 2 step, ...`` of the file (counting the
        rows that survive the encoder's missing-value rule).
    n_threads : int, optional
        As for :class:`InMemorySource`.
    """

    def __init__(
        self,
        path: Any,
        encoder: Any,
        classes: np.ndarray,
        class_weight: np.ndarray | None = None,
        batch_rows: int = 100_000,
        step: int = 1,
        n_threads: int | None = None,
    ) -> None:
        self.path = path
        self.encoder = encoder
        self.classes = classes
        self.class_weight = (
            np.ones(len(classes)) if class_weight is None else class_weight
        )
        self.batch_rows = int(batch_rows)
        self.step = int(step)
        self.n_threads = int(n_threads or default_threads())
        kept = encoder.n_rows_seen_ - encoder.n_rows_dropped_
        self._n_samples = -(-kept // self.step)

    @property
    def n_samples(self) -> int:
        """Number of rows (after dropping and striding)."""
        return self._n_samples

    @property
    def n_features(self) -> int:
        """Number of encoded feature columns."""
        return self.encoder.n_features_out

    @property
    def dtype(self) -> np.dtype:
        """The encoder's output dtype, float64."""
        return np.dtype(np.float64)

    def batches(self) -> Iterator[InMemorySource]:
        """Yield each record batch of the file as an in-memory source."""
        from logreg.tabular import iter_batches

        columns = [*self.encoder.input_columns, self.encoder.target]
        types = self.encoder.read_types
        offset = 0  # index of the batch's first row among the kept rows
        for batch in iter_batches(
            self.path, columns, self.batch_rows, column_types=types
        ):
            X, labels, _ = self.encoder.transform_xy(batch)
            first = -offset % self.step
            offset += len(labels)
            if self.step > 1:
                X, labels = X[first :: self.step], labels[first :: self.step]
            y = np.searchsorted(self.classes, labels)
            if np.any(y >= len(self.classes)) or np.any(self.classes[y] != labels):
                raise ValueError(
                    f"{self.path} changed while reading: a label not seen when "
                    "the file was first read"
                )
            yield InMemorySource(X, y, self.class_weight[y], n_threads=self.n_threads)

    def sum_over_blocks(self, kernel: Callable[..., Any]) -> Any:
        """Sum ``kernel(X_b, y_b, s_b)`` over all blocks of all batches, in order.

        Parameters
        ----------
        kernel : callable
            As for :meth:`InMemorySource.sum_over_blocks`.

        Returns
        -------
        The sum, of the structure ``kernel`` returns.
        """
        total = None
        for batch in self.batches():
            if batch.n_samples:
                total = _add(total, batch.sum_over_blocks(kernel))
        return total

    def every(self, step: int) -> FileSource:
        """A source streaming every ``step``-th row of this one.

        Parameters
        ----------
        step : int

        Returns
        -------
        FileSource
        """
        return FileSource(
            self.path,
            self.encoder,
            self.classes,
            self.class_weight,
            self.batch_rows,
            self.step * step,
            self.n_threads,
        )

    def take(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Not available: a file is read in order, never by random rows.

        Raises
        ------
        ValueError
            Always.
        """
        raise ValueError(
            "Mini-batch solvers need random access to rows, which a file "
            "streamed from disk does not give; use solver='newton', 'lbfgs' "
            "or 'gd' with fit_file."
        )
