"""Rows of a Spark DataFrame, encoded once and cached on the executors.

A source: it moves rows and partial sums, and never does math itself.

The rows reach it as an RDD of Arrow record batches (serialised), the
batches of the table's ``mapInArrow`` (see :mod:`logreg.data.spark`). It
encodes each batch once, on the executors, with the fitted
:class:`~logreg.data.encoder.TableEncoder` (``transform_xy``), into NumPy
blocks ``(X_b, y_b)`` that are persisted (memory, then disk). Every pass of
a solver is one Spark job over the cached blocks: the kernel runs on each
block where it is, each partition sends on one partial sum, and
:func:`tree_reduce` adds the partial sums in a tree with a fixed order. The
driver receives a few small results, never a row.

Why an RDD of NumPy blocks and not a cached DataFrame: measured on 1M x 50
in ``local[2]``, a pass that only touched each block took 2.3-3.7 s through
``mapInArrow`` over a cached DataFrame of the same blocks as binary columns
(each pass converts the cached rows to Arrow again), and 0.8-1.0 s over the
persisted RDD (each pass streams the pickled blocks as they are). Caching
the Arrow batches instead and encoding them in every pass (0.3 s of CPU a
pass for 1M x 50) measured slower in all, 38 s against 25 s for that fit:
a DataFrame's conversion to an RDD, which puts the batches there, is slow
for large binary values, and it would run on the table's scan instead of
on the encoded blocks' one job.

Importing this module imports no pyspark: it is imported only for a Spark
DataFrame, whose session has loaded pyspark already.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from logreg.data.sources import InMemorySource, _add

__all__ = ["REDUCTION_FAN_IN", "SparkSource", "partition_results", "tree_reduce"]

#: Partial results combined per task of :func:`tree_reduce`: with ``P``
#: partitions the tree has ``ceil(log_8 P) - 1`` shuffle levels, and the
#: driver receives at most 8 results.
REDUCTION_FAN_IN = 8


class _Failed:
    """A user error met on an executor, carried to the driver to be raised there.

    Raised on an executor, a ``ValueError`` would reach the user wrapped in a
    Spark exception with the executor's traceback; carried as a value, it is
    raised on the driver as the one clear ``ValueError`` the other kinds of
    table give.
    """

    def __init__(self, message: str) -> None:
        self.message = message


def _combine_in_order(
    parts: Iterable[tuple[int, Any]], combine: Callable[[Any, Any], Any]
) -> Any:
    """Combine ``(index, value)`` pairs in index order; the first failure wins."""
    total = None
    for _, value in sorted(parts, key=lambda part: part[0]):
        if isinstance(total, _Failed):
            break
        if isinstance(value, _Failed) or total is None:
            total = value
            continue
        try:
            total = combine(total, value)
        except ValueError as error:
            total = _Failed(str(error))
    return total


def partition_results(rdd: Any, per_partition: Callable[[Iterator[Any]], Any]) -> Any:
    """``(partition index, per_partition(elements))`` of each partition.

    A ``ValueError`` that ``per_partition`` raises on an executor travels
    back as the partition's value, to be raised on the driver by
    :func:`tree_reduce`; any other error fails the task (and Spark retries
    it).

    Parameters
    ----------
    rdd : pyspark.RDD
    per_partition : callable
        From an iterator of the partition's elements to a picklable value,
        or None for a partition with nothing to report.

    Returns
    -------
    pyspark.RDD of (int, object)
        Lazy: nothing runs until it is reduced.
    """

    def run(index: int, elements: Iterator[Any]) -> Iterator[tuple[int, Any]]:
        try:
            value = per_partition(elements)
        except ValueError as error:
            value = _Failed(str(error))
        if value is not None:
            yield index, value

    return rdd.mapPartitionsWithIndex(run)


def tree_reduce(
    pairs: Any, n_parts: int, combine: Callable[[Any, Any], Any] = _add
) -> Any:
    """Combine the values of :func:`partition_results` in a fixed order.

    Like ``RDD.treeReduce``, whose combining order depends on which task
    finishes first, but deterministic: values are combined in groups of
    :data:`REDUCTION_FAN_IN` consecutive partitions, each group in partition
    order, level after level (one shuffle each) until the driver collects at
    most that many. Floating-point sums are therefore the same bits whatever
    the scheduling, and whether or not a task was retried.

    Parameters
    ----------
    pairs : pyspark.RDD of (int, object)
        From :func:`partition_results`.
    n_parts : int
        The number of partitions (an upper bound of the indices plus one).
    combine : callable, default: element-wise addition
        ``combine(a, b)`` of two values; a ``ValueError`` it raises becomes
        the result (and is raised on the driver).

    Returns
    -------
    object or None
        The combined value; None when no partition had one.

    Raises
    ------
    ValueError
        Carried from an executor, or raised by ``combine``.
    """
    fan_in = REDUCTION_FAN_IN
    while n_parts > fan_in:
        n_parts = -(-n_parts // fan_in)
        pairs = (
            pairs.map(lambda pair: (pair[0] // fan_in, pair))
            .groupByKey(n_parts)
            .map(lambda group: (group[0], _combine_in_order(group[1], combine)))
            .filter(lambda pair: pair[1] is not None)
        )
    total = _combine_in_order(pairs.collect(), combine)
    if isinstance(total, _Failed):
        raise ValueError(total.message)
    return total


def _encoder_of(encoder: Any, classes: np.ndarray) -> Callable:
    """The executor function that encodes a partition's Arrow batches into blocks."""

    def encode(batches: Iterator[bytes]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        import pyarrow as pa

        for serialised in batches:
            for batch in pa.ipc.open_stream(serialised):
                X, labels, _ = encoder.transform_xy(batch)
                if not len(labels):
                    continue
                y = np.searchsorted(classes, labels)
                if np.any(y >= len(classes)) or np.any(classes[y] != labels):
                    raise ValueError(
                        "the Spark DataFrame changed between passes: a label not "
                        "seen when it was first read"
                    )
                yield X, y.astype(np.int32)

    return encode


def _row_count(blocks: Iterator[tuple[np.ndarray, np.ndarray]]) -> int:
    """Rows in a partition's cached blocks."""
    return sum(len(y) for _, y in blocks)


class _Cached:
    """The persisted blocks, unpersisted when no source refers to them any more."""

    def __init__(self, blocks: Any) -> None:
        self.blocks = blocks
        #: Jobs that ran a kernel over the blocks, by any source sharing them.
        self.n_passes = 0
        finalizer = weakref.finalize(self, _unpersist, blocks)
        # At exit the session may be gone: nothing to release then.
        finalizer.atexit = False


def _unpersist(blocks: Any) -> None:
    try:
        blocks.unpersist(blocking=False)
    except Exception:  # the session was stopped: the cache went with it
        pass


class SparkSource:
    """Rows of a Spark table, encoded once and cached on the executors.

    Construction runs one Spark job: each partition's Arrow batches are
    encoded on the executors by ``encoder`` (``transform_xy``, labels as
    their index in ``classes``) into NumPy blocks that are persisted
    (memory, then disk) and counted. Each :meth:`sum_over_blocks` is then
    one job over the cached blocks (the table is not read again); the
    kernel (a closure of 1-3 KB: a pickled ``SparkSource`` is its shape
    only) runs on every block with single-threaded
    :class:`~logreg.data.sources.InMemorySource` blocks, and the partition
    sums are added by :func:`tree_reduce` in a fixed order, so a retried
    task or a different schedule gives the same bits. A lost cached
    partition is encoded again by Spark from its lineage.

    Parameters
    ----------
    batches : pyspark.RDD of bytes
        The table's Arrow record batches, each serialised as an Arrow IPC
        stream, holding the encoder's input columns and target.
    encoder : TableEncoder
        Fitted on these rows, with the target.
    classes : ndarray of shape (n_classes,)
        Sorted class labels; labels are encoded as their index.
    class_weight : ndarray of shape (n_classes,), optional
        Weight of each class's rows (the sample weights); ones by default.
    """

    #: A pass over a sub-sample (:meth:`every`) still reads every cached
    #: block, and every pass is a Spark job: the solvers' exact Hessian, in
    #: the gradient's pass, costs less than a sub-sampled one's extra pass.
    reads_whole_file_per_pass = True

    def __init__(
        self,
        batches: Any,
        encoder: Any,
        classes: np.ndarray,
        class_weight: np.ndarray | None = None,
    ) -> None:
        from pyspark import StorageLevel

        blocks = batches.mapPartitions(_encoder_of(encoder, classes))
        blocks = blocks.persist(StorageLevel.MEMORY_AND_DISK)
        self._cached = _Cached(blocks)
        n_parts = blocks.getNumPartitions()
        # Materialises the cache; the per-partition counts give every()'s size.
        counts = dict(partition_results(blocks, _row_count).collect())
        self._partition_rows = [counts.get(part, 0) for part in range(n_parts)]
        self._n_features = int(encoder.n_features_out)
        self.class_weight = (
            np.ones(len(classes)) if class_weight is None else class_weight
        )
        self.step = 1

    @property
    def n_passes(self) -> int:
        """Spark jobs that ran a kernel over the cached rows (the solver's passes).

        Counted over this source and every copy sharing its cache
        (:meth:`with_class_weight`, :meth:`every`).
        """
        return self._cached.n_passes

    @property
    def n_samples(self) -> int:
        """Number of rows (after dropping missing ones and striding)."""
        step = self.step
        return sum(-(-rows // step) for rows in self._partition_rows)

    @property
    def n_features(self) -> int:
        """Number of encoded feature columns."""
        return self._n_features

    @property
    def dtype(self) -> np.dtype:
        """The encoder's output dtype, float64."""
        return np.dtype(np.float64)

    def sum_over_blocks(self, kernel: Callable[..., Any]) -> Any:
        """Sum ``kernel(X_b, y_b, s_b)`` over all blocks, on the executors.

        Parameters
        ----------
        kernel : callable
            As for :meth:`InMemorySource.sum_over_blocks`; pickled to the
            executors (with cloudpickle, by Spark), so it should close over
            small objects only.

        Returns
        -------
        The sum, of the structure ``kernel`` returns; one Spark job.
        """
        step, class_weight = self.step, self.class_weight

        def partition_sum(blocks: Iterator[tuple[np.ndarray, np.ndarray]]) -> Any:
            total, offset = None, 0
            for X, y in blocks:
                if step > 1:
                    first = -offset % step
                    offset += len(y)
                    X, y = np.ascontiguousarray(X[first::step]), y[first::step]
                if len(y):
                    block = InMemorySource(X, y, class_weight[y], n_threads=1)
                    total = _add(total, block.sum_over_blocks(kernel))
            return total

        self._cached.n_passes += 1
        pairs = partition_results(self._cached.blocks, partition_sum)
        return tree_reduce(pairs, len(self._partition_rows))

    def with_class_weight(self, class_weight: np.ndarray) -> SparkSource:
        """The same cached rows, each weighted by ``class_weight`` of its class.

        Parameters
        ----------
        class_weight : ndarray of shape (n_classes,)

        Returns
        -------
        SparkSource
        """
        weighted = copy.copy(self)
        weighted.class_weight = self.class_weight * np.asarray(
            class_weight, dtype=np.float64
        )
        return weighted

    def every(self, step: int) -> SparkSource:
        """Every ``step``-th row of each partition, from the same cache.

        Parameters
        ----------
        step : int

        Returns
        -------
        SparkSource
        """
        strided = copy.copy(self)
        strided.step = self.step * int(step)
        return strided

    def rows_in_memory(self) -> None:
        """None: the rows are on the Spark executors."""
        return None

    def take(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Not available: a Spark job per mini-batch would be far too slow.

        Raises
        ------
        ValueError
            Always.
        """
        raise ValueError(
            "Mini-batch solvers need fast random access to rows, which a Spark "
            "DataFrame does not give; use solver='newton', 'lbfgs' or 'gd'."
        )

    def unpersist(self) -> None:
        """Release the cached blocks now (they are released with the source too)."""
        _unpersist(self._cached.blocks)

    def __copy__(self) -> SparkSource:
        duplicate = object.__new__(SparkSource)
        duplicate.__dict__.update(self.__dict__)
        return duplicate

    def __deepcopy__(self, memo: dict) -> SparkSource:
        # The cached blocks are immutable: a deep copy may share them.
        return self.__copy__()

    def __reduce__(self) -> tuple:
        # Kernels close over the objective, which holds this source: what
        # travels to the executors with every kernel is only the shape.
        return (_DetachedSource, (self.n_samples, self.n_features, self.dtype.str))


class _DetachedSource:
    """A pickled :class:`SparkSource`: its shape and dtype, without its rows.

    Enough for a kernel's objective on an executor (the parameter layout
    needs ``n_features``); summing over it is an error.
    """

    def __init__(self, n_samples: int, n_features: int, dtype: str) -> None:
        self.n_samples = n_samples
        self.n_features = n_features
        self.dtype = np.dtype(dtype)

    def _detached(self, *args: Any) -> Any:
        raise RuntimeError(
            "This is a pickled copy of a SparkSource: its rows stay in the "
            "Spark session with the original."
        )

    sum_over_blocks = every = take = _detached
