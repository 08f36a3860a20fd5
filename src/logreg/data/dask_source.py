"""Rows of Dask arrays summed where they live (a source; it never does math)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from logreg.data.sources import InMemorySource, RemoteRows, _add

__all__ = ["DaskSource", "require_dask"]


#: Partial sums added per reduction task on the cluster: the tree has
#: ``log_8(chunks)`` levels, and the client receives one result.
REDUCTION_FAN_IN = 8

_DASK_HINT = "Dask inputs need dask: pip install 'logreg[dask]'"


def require_dask() -> Any:
    """Import ``dask`` and ``dask.array``, or raise with the install hint.

    Returns
    -------
    module
        The ``dask`` package.
    """
    try:
        import dask
        import dask.array  # the array collection needs its own extras
    except ImportError as error:
        raise ImportError(_DASK_HINT) from error
    return dask


class DaskSource(RemoteRows):
    """Rows of Dask arrays, persisted on the cluster; kernels run next to them.

    The arrays are persisted once, at construction. Each
    :meth:`sum_over_blocks` ships the kernel (a closure of 1-3 KB, 8 bytes
    per parameter: a pickled ``DaskSource`` carries its shape, never its
    data or graph) to the worker holding each row chunk, sums it over the chunk's
    cache-sized blocks there with a single-threaded :class:`InMemorySource`,
    and adds the chunk sums in a tree of reduction tasks with a fixed order,
    so the client receives one small, deterministic result. A lost worker's
    chunks are recomputed by the scheduler from the persisted graph.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        float32 or float64 features with known row-chunk sizes; columns are
        rechunked to one chunk, so each row chunk is one block of rows.
    y : dask.array.Array of shape (n_samples,)
        Encoded labels: 0/1 for binary, 0..K-1 for multinomial.
    sample_weight : dask.array.Array of shape (n_samples,), optional
        Non-negative float64 weights; ``None`` means ones (made on the
        workers, never stored).
    class_weight : ndarray of shape (n_classes,), optional
        Weight of each class's rows, multiplying ``sample_weight`` on the
        workers.
    """

    def __init__(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        class_weight: np.ndarray | None = None,
    ) -> None:
        dask = require_dask()
        if any(np.isnan(size) for size in X.chunks[0]):
            raise ValueError(
                "DaskSource needs known row-chunk sizes; call "
                "X.compute_chunk_sizes() first."
            )
        rows = X.chunks[0]
        X = X.rechunk({0: rows, 1: -1})
        y = y.rechunk((rows,))
        if sample_weight is not None:
            sample_weight = sample_weight.rechunk((rows,))
        self.X, self.y, self.sample_weight = dask.persist(X, y, sample_weight)
        self.class_weight = class_weight
        self._chunks = self._delayed_chunks()

    def _delayed_chunks(self) -> list[tuple[Any, Any, Any]]:
        """Each row chunk's ``(X, y, s)`` as ``Delayed`` objects (``s`` may be None)."""
        X_parts = self.X.to_delayed().ravel()
        y_parts = self.y.to_delayed().ravel()
        if self.sample_weight is None:
            s_parts = [None] * len(y_parts)
        else:
            s_parts = self.sample_weight.to_delayed().ravel()
        return list(zip(X_parts, y_parts, s_parts, strict=True))

    @property
    def n_samples(self) -> int:
        """Number of rows."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of feature columns."""
        return int(self.X.shape[1])

    @property
    def dtype(self) -> np.dtype:
        """Floating dtype of ``X``; kernels compute in it."""
        return self.X.dtype

    def sum_over_blocks(self, kernel: Callable[..., Any]) -> Any:
        """Sum ``kernel(X_b, y_b, s_b)`` over all blocks, on the workers.

        Parameters
        ----------
        kernel : callable
            As for :meth:`InMemorySource.sum_over_blocks`; pickled to the
            workers, so it should close over small objects only.

        Returns
        -------
        The sum, of the structure ``kernel`` returns; one ``compute``.
        """
        import dask

        chunk_sum = dask.delayed(_chunk_sum, pure=False)
        partials = [
            chunk_sum(kernel, X_c, y_c, s_c, self.class_weight)
            for X_c, y_c, s_c in self._chunks
        ]
        add = dask.delayed(_add_all, pure=False)
        while len(partials) > 1:
            partials = [
                add(*partials[start : start + REDUCTION_FAN_IN])
                for start in range(0, len(partials), REDUCTION_FAN_IN)
            ]
        (total,) = dask.compute(partials[0])
        return total

    def with_class_weight(self, class_weight: np.ndarray) -> DaskSource:
        """The same rows with per-class weights (the persisted data are shared).

        Parameters
        ----------
        class_weight : ndarray of shape (n_classes,)

        Returns
        -------
        DaskSource
        """
        weighted = copy.copy(self)
        weighted.class_weight = np.asarray(class_weight, dtype=np.float64)
        return weighted

    #: A sub-sample is persisted on its own: its passes read only it.
    reads_whole_file_per_pass = False
    #: Dask chunks are dense arrays.
    sparse_rows = False

    def rows_in_memory(self) -> None:
        """None: the rows are on the cluster."""
        return None

    def every(self, step: int) -> DaskSource:
        """A source over every ``step``-th row, persisted on the cluster too.

        Parameters
        ----------
        step : int
            Keep rows ``0, step, 2 step, ...``.

        Returns
        -------
        DaskSource
        """
        weights = None if self.sample_weight is None else self.sample_weight[::step]
        return DaskSource(self.X[::step], self.y[::step], weights, self.class_weight)

    def take(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Not available: a round trip to the cluster per mini-batch is too slow.

        Raises
        ------
        ValueError
            Always.
        """
        raise ValueError(
            "Mini-batch solvers need fast random access to rows, which data on "
            "a Dask cluster does not give; every other solver works with Dask "
            "inputs."
        )


def _chunk_sum(
    kernel: Callable[..., Any],
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None,
    class_weight: np.ndarray | None,
) -> Any:
    """Sum ``kernel`` over one row chunk's blocks, on the worker holding it."""
    weights = np.ones(len(y)) if sample_weight is None else sample_weight
    if class_weight is not None:
        weights = weights * class_weight[y]
    source = InMemorySource(np.ascontiguousarray(X), y, weights, n_threads=1)
    return source.sum_over_blocks(kernel)


def _add_all(*parts: Any) -> Any:
    """Add partial sums in order; empty chunks' ``None`` parts are skipped."""
    total = None
    for part in parts:
        if part is not None:
            total = _add(total, part)
    return total
