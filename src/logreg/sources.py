"""Data sources: where row blocks come from, and how a per-block function is summed.

A source yields row blocks ``(X_b, y_b, s_b)`` and adds up what a per-block
function returns over all blocks. It never does math itself: the objective
hands it the kernel to apply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

__all__ = ["BLOCK_BYTES", "InMemorySource"]

#: Target size of one block of X in bytes: small enough for a core's L2 cache,
#: so ``z = X_b w`` and ``X_b.T @ r`` read the block from cache the second time.
BLOCK_BYTES = 1 << 20
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
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray,
        block_rows: int | None = None,
    ) -> None:
        self.X = X
        self.y = y
        self.sample_weight = sample_weight
        n_features = X.shape[1]
        if block_rows is None:
            row_bytes = max(1, n_features) * X.dtype.itemsize
            block_rows = min(MAX_BLOCK_ROWS, max(64, BLOCK_BYTES // row_bytes))
        self.block_rows = int(block_rows)

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
        total = None
        for block in self.blocks():
            total = _add(total, kernel(*block))
        return total
