"""Rows streamed from a data file on every pass (a source; it never does math)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from logreg.data.sources import InMemorySource, _add, default_threads

__all__ = ["FileSource"]


def _read_ahead(items: Iterator[Any]) -> Iterator[Any]:
    """Yield from ``items``; the next item is produced on a thread meanwhile."""
    with ThreadPoolExecutor(1, thread_name_prefix="logreg-read") as thread:
        pending = thread.submit(next, items, None)
        while (item := pending.result()) is not None:
            pending = thread.submit(next, items, None)
            yield item


class FileSource:
    """Rows streamed from a CSV or Parquet file on every pass, batch by batch.

    Each pass reads the file with :func:`logreg.data.read.iter_batches`, encodes
    one record batch at a time with a fitted :class:`~logreg.data.encoder.
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

    #: A pass costs reading the whole file, whatever share of rows it keeps.
    reads_whole_file_per_pass = True
    #: Encoded rows are dense.
    sparse_rows = False

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
        """Yield each record batch of the file as an in-memory source.

        Reading, encoding and the caller's kernels run as a pipeline: the next
        batch is read on one thread and the one after it encoded on another
        while the caller works (pyarrow and NumPy release the GIL), so a pass
        costs about its slowest stage rather than the sum; at most three
        batches are held.
        """
        from logreg.data.read import iter_batches

        columns = [*self.encoder.input_columns, self.encoder.target]
        raw = iter_batches(
            self.path, columns, self.batch_rows, column_types=self.encoder.read_types
        )
        return _read_ahead(self._encoded(_read_ahead(raw)))

    def _encoded(self, batches: Iterator[Any]) -> Iterator[InMemorySource]:
        """Encode record batches, keep every ``step``-th row, wrap them as sources."""
        offset = 0  # index of the batch's first row among the kept rows
        for batch in batches:
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

    def with_class_weight(self, class_weight: np.ndarray) -> FileSource:
        """The same file, each row weighted by ``class_weight`` of its class.

        Parameters
        ----------
        class_weight : ndarray of shape (n_classes,)

        Returns
        -------
        FileSource
        """
        return FileSource(
            self.path,
            self.encoder,
            self.classes,
            self.class_weight * np.asarray(class_weight, dtype=np.float64),
            self.batch_rows,
            self.step,
            self.n_threads,
        )

    def rows_in_memory(self) -> None:
        """None: the rows are read from the file on each pass."""
        return None

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
