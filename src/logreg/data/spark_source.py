"""Rows of a Spark DataFrame, encoded once into files on the executors' local disks.

A source: it moves rows and partial sums, and never does math itself.

The table reaches it through the scanning job of :mod:`logreg.data.spark`:
computing partition ``i`` of that job's RDD writes the partition's raw Arrow
batches to a file in the local scratch folder of the executor that ran it
(:func:`raw_path`). The first solver pass (or, when rows may be dropped for
missing values, a job of its own, to count them) encodes each partition's
file on that executor with the fitted
:class:`~logreg.data.encoder.TableEncoder` (``transform_xy``) into two NumPy
files, ``X`` and ``y``, in the same folder, and deletes the raw file. Every
pass of a solver is one Spark job over a tiny persisted RDD (one record per
partition, computed by that encoding): its task memory-maps the
partition's files (the page cache makes this memory speed), runs the kernel,
and sends on one partial sum; :func:`tree_reduce` adds the partial sums in a
tree with a fixed order. No row moves between the JVM and Python after the
scan, and the driver receives a few small results, never a row.

A partition whose files are not on the host where its task ran (a lost
executor, a task scheduled away from its data, a deleted file) sends a
"missing" marker instead; the driver then recomputes exactly those
partitions in a second job, from the scanning job's lineage (the table's
partition, encoded again, its files written where that task runs), and adds
them in the same place of the same tree, so the sum has the same bits.

Why files and not a persisted RDD of NumPy blocks (the previous design):
the blocks of such an RDD live in the JVM as pickled bytes, and every pass
streamed them to the Python workers and unpickled them; and the rows crossed
from the JVM to Python twice before the first pass (the scan, then the
encoding from a cache of the scanned batches). Measured on 1M x 50 in
``local[2]`` on a 2-core machine under a load of about 5: scan 13.9 s,
encoding 13.2 s, 5 passes 11.3 s (38.4 s) for that design; scan 12.7 s,
encoding 7.5 s, 5 passes 10.9 s (31.2 s) for this one. Under that load a
pass is mostly the kernel's arithmetic and the job's fixed cost, not the
transfer. (Each task reads its input to the end: a Python worker that
leaves input unread is not reused, and starting a new one, with its
imports, cost 2-4 s a task.)

The files live in the first of the executor's ``SPARK_LOCAL_DIRS`` (Spark's
own scratch space, deleted when the application ends), in a folder named by
a per-fit uuid, each written under a temporary name and renamed into place,
so a retried or killed task never leaves half a file. They are deleted when
the source is released (:class:`ScratchFiles`), or on an error in the fit.

Longer than 600 lines: one source, with the two things only it uses, its
fixed-order tree reduction (with the recomputation of missing partitions)
and its executor-local files, each of which is half a source without the
other.

Importing this module imports no pyspark: it is imported only for a Spark
DataFrame, whose session has loaded pyspark already.
"""

from __future__ import annotations

import copy
import os
import shutil
import socket
import tempfile
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from logreg.data.sources import InMemorySource, RemoteRows, _add

__all__ = [
    "REDUCTION_FAN_IN",
    "ScratchFiles",
    "SparkSource",
    "partition_results",
    "raw_path",
    "scratch_dir",
    "tree_reduce",
    "write_atomically",
]

#: Partial results combined per task of :func:`tree_reduce`: with ``P``
#: partitions the tree has ``ceil(log_8 P) - 1`` shuffle levels, and the
#: driver receives at most 8 results.
REDUCTION_FAN_IN = 8

#: Prefix of a fit's folder in an executor's local scratch space.
SCRATCH_PREFIX = "logreg-"


# ------------------------------------------------------------ local files
def scratch_dir(fit_id: str) -> str:
    """This executor's folder for the files of fit ``fit_id`` (not created).

    In Spark's local scratch space (the first of ``SPARK_LOCAL_DIRS``, which
    Spark sets for its Python workers and deletes when the application
    ends); the system's temporary folder outside a Spark task.

    Parameters
    ----------
    fit_id : str

    Returns
    -------
    str
    """
    roots = os.environ.get("SPARK_LOCAL_DIRS") or tempfile.gettempdir()
    return os.path.join(roots.split(",")[0], SCRATCH_PREFIX + fit_id)


def raw_path(fit_id: str, part: int) -> str:
    """This executor's Arrow IPC file of partition ``part``'s raw batches."""
    return os.path.join(scratch_dir(fit_id), f"raw-{part:05d}.arrow")


def _encoded_paths(fit_id: str, part: int) -> tuple[str, str]:
    """This executor's ``X`` and ``y`` files (``.npy``) of partition ``part``."""
    stem = os.path.join(scratch_dir(fit_id), f"part-{part:05d}")
    return f"{stem}.X.npy", f"{stem}.y.npy"


def write_atomically(path: str, write: Callable[[str], None]) -> None:
    """Write a file by ``write(temporary_path)``, then rename it to ``path``.

    A task killed or failing part-way leaves no file at ``path`` (and no
    temporary one, unless the process itself dies); a retried task replaces
    the file whole.

    Parameters
    ----------
    path : str
        The file's final path; its folder is created if missing.
    write : callable
        Writes the whole file at the path it is given.
    """
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.{uuid.uuid4().hex}.tmp"
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _place(fit_id: str) -> tuple[str, str]:
    """``(host, folder)`` of this executor's files of fit ``fit_id``."""
    return socket.gethostname(), scratch_dir(fit_id)


def _save(path: str, array: np.ndarray) -> None:
    def write(temporary: str) -> None:
        with open(temporary, "wb") as file:
            np.save(file, array)

    write_atomically(path, write)


def _store(fit_id: str, part: int, X: np.ndarray, y: np.ndarray) -> None:
    """Write partition ``part``'s encoded rows here; ``X`` last marks them whole."""
    X_path, y_path = _encoded_paths(fit_id, part)
    _save(y_path, y)
    _save(X_path, X)


def _open(fit_id: str, part: int) -> tuple[np.ndarray, np.ndarray]:
    """Partition ``part``'s encoded rows, memory-mapped; OSError when not here."""
    X_path, y_path = _encoded_paths(fit_id, part)
    X = np.load(X_path, mmap_mode="r")
    y = np.load(y_path, mmap_mode="r")
    # Plain read-only views of the mapped pages (no memmap subclass results).
    return np.asarray(X), np.asarray(y)


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _remove_files(context: Any, fit_id: str, places: set) -> None:
    """Delete a fit's folders: here directly, on other hosts by a best-effort job."""
    here = socket.gethostname()
    remote = False
    for host, folder in list(places):
        if host == here:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            remote = True
    if remote:
        try:
            tasks = max(2, int(context.defaultParallelism))

            def remove(_: Any) -> None:
                shutil.rmtree(scratch_dir(fit_id), ignore_errors=True)

            context.parallelize(range(tasks), tasks).foreach(remove)
        except Exception:  # the session was stopped: Spark removed its scratch
            pass


class ScratchFiles:
    """A fit's files in the executors' local scratch: their name, places, removal.

    The files are removed by :meth:`remove`, or when this object is
    garbage-collected (with the source that holds it), or at exit; Spark
    deletes its scratch space when the application ends in any case.

    Parameters
    ----------
    context : pyspark.SparkContext
    """

    def __init__(self, context: Any) -> None:
        #: Names the fit's folder on every executor.
        self.fit_id = uuid.uuid4().hex
        #: ``(host, folder)`` of every folder that may hold the fit's files.
        self.places: set[tuple[str, str]] = set()
        self._finalizer = weakref.finalize(
            self, _remove_files, context, self.fit_id, self.places
        )

    def remove(self) -> None:
        """Delete the files now (once)."""
        self._finalizer()


# ----------------------------------------------------- fixed-order sums
class _Failed:
    """A user error met on an executor, carried to the driver to be raised there.

    Raised on an executor, a ``ValueError`` would reach the user wrapped in a
    Spark exception with the executor's traceback; carried as a value, it is
    raised on the driver as the one clear ``ValueError`` the other kinds of
    table give.
    """

    def __init__(self, message: str) -> None:
        self.message = message


class _Missing:
    """A partition whose files were not on the host where its task ran."""

    def __init__(self, index: int) -> None:
        self.index = index


class _Unresolved:
    """A combination that met missing partitions: its terms, to combine in order.

    The terms (values, :class:`_Missing` markers, and nested unresolved
    combinations) are combined left to right once the missing values are
    known, which is the order the complete combination would have used.
    """

    def __init__(self, terms: list) -> None:
        self.terms = terms


def _combine_in_order(
    parts: Iterable[tuple[int, Any]], combine: Callable[[Any, Any], Any]
) -> Any:
    """Combine ``(index, value)`` pairs in index order; the first failure wins.

    From the first missing value on, the terms are kept (behind the total of
    those before it) in an :class:`_Unresolved`.
    """
    values = [value for _, value in sorted(parts, key=lambda part: part[0])]
    for value in values:
        if isinstance(value, _Failed):
            return value
    total = None
    for position, value in enumerate(values):
        if isinstance(value, _Missing | _Unresolved):
            return _Unresolved(([] if total is None else [total]) + values[position:])
        if total is None:
            total = value
            continue
        try:
            total = combine(total, value)
        except ValueError as error:
            return _Failed(str(error))
    return total


def _missing_of(value: Any) -> list[int]:
    """Indices of the missing partitions in a combined value."""
    if isinstance(value, _Missing):
        return [value.index]
    if isinstance(value, _Unresolved):
        return [index for term in value.terms for index in _missing_of(term)]
    return []


def _resolved(value: Any, found: dict[int, Any], combine: Callable) -> Any:
    """``value`` with its missing partitions' ``found`` values, combined in order."""
    if isinstance(value, _Missing):
        value = found[value.index]
    if isinstance(value, _Failed):
        raise ValueError(value.message)
    if not isinstance(value, _Unresolved):
        return value
    total = None
    for term in value.terms:
        term = _resolved(term, found, combine)
        if term is not None:
            total = term if total is None else combine(total, term)
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
    pairs: Any,
    n_parts: int,
    combine: Callable[[Any, Any], Any] = _add,
    recompute: Callable[[list[int]], Iterable[tuple[int, Any]]] | None = None,
) -> Any:
    """Combine the values of :func:`partition_results` in a fixed order.

    Like ``RDD.treeReduce``, whose combining order depends on which task
    finishes first, but deterministic: values are combined in groups of
    :data:`REDUCTION_FAN_IN` consecutive partitions, each group in partition
    order, level after level (one shuffle each) until the driver collects at
    most that many. Floating-point sums are therefore the same bits whatever
    the scheduling, whether or not a task was retried, and whether or not a
    partition was missing and recomputed.

    Parameters
    ----------
    pairs : pyspark.RDD of (int, object)
        From :func:`partition_results`; a value may be a "missing" marker.
    n_parts : int
        The number of partitions (an upper bound of the indices plus one).
    combine : callable, default: element-wise addition
        ``combine(a, b)`` of two values; a ``ValueError`` it raises becomes
        the result (and is raised on the driver).
    recompute : callable, optional
        From the indices of the missing partitions to their
        ``(index, value)`` pairs (one more job); needed only if one is
        missing.

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
    missing = _missing_of(total)
    if missing:
        if recompute is None:
            raise RuntimeError(f"partitions {missing} are missing")
        total = _resolved(total, dict(recompute(sorted(missing))), combine)
    return total


# ------------------------------------------------------------- encoding
def _encoder_of(encoder: Any, classes: np.ndarray) -> Callable:
    """The executor function that encodes a raw Arrow file into ``(X, y)``."""
    n_features = int(encoder.n_features_out)

    def encode(path: str) -> tuple[np.ndarray, np.ndarray]:
        import pyarrow as pa

        blocks, labels_of = [], []
        with pa.memory_map(path) as mapped:
            reader = pa.ipc.open_file(mapped)
            for number in range(reader.num_record_batches):
                X, labels, _ = encoder.transform_xy(reader.get_batch(number))
                if not len(labels):
                    continue
                y = np.searchsorted(classes, labels)
                if np.any(y >= len(classes)) or np.any(classes[y] != labels):
                    raise ValueError(
                        "the Spark DataFrame changed between passes: a label not "
                        "seen when it was first read"
                    )
                blocks.append(np.asarray(X, dtype=np.float64))
                labels_of.append(y.astype(np.int32))
        if not blocks:
            return np.empty((0, n_features)), np.empty(0, dtype=np.int32)
        return np.concatenate(blocks), np.concatenate(labels_of)

    return encode


def _encode_here(
    fit_id: str, encode: Callable, index: int
) -> tuple[int, int | None, tuple[str, str]]:
    """Encode partition ``index``'s raw file here into its files; rows or None."""
    path = raw_path(fit_id, index)
    if not os.path.exists(path):
        return index, None, _place(fit_id)
    X, y = encode(path)
    _store(fit_id, index, X, y)
    _remove(path)
    return index, len(y), _place(fit_id)


def _partition_sum(
    X: np.ndarray,
    y: np.ndarray,
    step: int,
    class_weight: np.ndarray,
    kernel: Callable[..., Any],
) -> Any:
    """``kernel`` summed over a partition's rows (every ``step``-th one)."""
    if step > 1:
        X, y = np.ascontiguousarray(X[::step]), y[::step]
    if not len(y):
        return None
    block = InMemorySource(X, y, class_weight[y], n_threads=1)
    return block.sum_over_blocks(kernel)


class _Stored:
    """What copies of a source share: the records RDD, the files, the counters."""

    def __init__(self, records: Any, files: ScratchFiles) -> None:
        self.records = records
        self.files = files
        #: Jobs that ran a kernel over the rows, by any source sharing them.
        self.n_passes = 0
        #: Partitions encoded again because their files were not found.
        self.n_recomputed = 0
        finalizer = weakref.finalize(self, _unpersist, records)
        # At exit the session may be gone: nothing to release then.
        finalizer.atexit = False


def _unpersist(records: Any) -> None:
    try:
        records.unpersist(blocking=False)
    except Exception:  # the session was stopped: the cache went with it
        pass


class SparkSource(RemoteRows):
    """Rows of a Spark table, encoded once into files on the executors.

    Each partition's raw Arrow file, written by the scanning job, is
    encoded on its executor by ``encoder`` (``transform_xy``, labels as
    their index in ``classes``) into NumPy files there: by the first pass
    when ``rows_known``, else by a job at construction (more only for
    partitions whose raw file is not found). Each :meth:`sum_over_blocks`
    is one job over a tiny persisted RDD (its cached records keep each
    task on the executor that holds the files); the kernel (a closure of
    1-3 KB: a pickled ``SparkSource`` is its shape only) runs over each
    partition's memory-mapped rows with a single-threaded
    :class:`~logreg.data.sources.InMemorySource`, and the partition sums are
    added by :func:`tree_reduce` in a fixed order, so a retried task, a
    different schedule or a recomputed partition gives the same bits.

    Parameters
    ----------
    scans : pyspark.RDD
        The scanning job's RDD: computing its partition ``i`` writes the
        partition's raw batches to :func:`raw_path` on the executor that
        computes it (and yields a few small records). Recomputed for the
        partitions whose files are missing.
    encoder : TableEncoder
        Fitted on these rows, with the target.
    classes : ndarray of shape (n_classes,)
        Sorted class labels; labels are encoded as their index.
    files : ScratchFiles
        The fit's files, those of the scanning job included; removed with
        the last source sharing them.
    raw_rows : sequence of int
        Rows of each of the scan's partitions (before dropping missing ones).
    class_weight : ndarray of shape (n_classes,), optional
        Weight of each class's rows (the sample weights); ones by default.
    sample : tuple of ndarray, optional
        ``(X, y, s)``: encoded rows sampled from the table, ``y`` as class
        indices, ``s`` the table's rows each stands for; :meth:`row_sample`.
    rows_known : bool, default=False
        Whether ``raw_rows`` are the encoded rows too (no row is dropped):
        then construction runs no job, and the first pass encodes each
        partition on its way (one job fewer); otherwise one job encodes
        them, to count the rows kept.
    """

    rows_live = "in the Spark session"

    #: A pass over a sub-sample (:meth:`every`) still reads every partition,
    #: and every pass is a Spark job: the solvers' exact Hessian, in the
    #: gradient's pass, costs less than a sub-sampled one's extra pass.
    reads_whole_file_per_pass = True
    #: The encoder's rows are dense.
    sparse_rows = False

    def __init__(
        self,
        scans: Any,
        encoder: Any,
        classes: np.ndarray,
        files: ScratchFiles,
        raw_rows: Sequence[int],
        class_weight: np.ndarray | None = None,
        sample: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
        rows_known: bool = False,
    ) -> None:
        from pyspark import StorageLevel

        context = scans.context
        n_parts = scans.getNumPartitions()
        raw_rows = [int(rows) for rows in raw_rows]
        fit_id, encode = files.fit_id, _encoder_of(encoder, classes)

        def encode_partition(index: int, numbers: Iterator[int]) -> Iterator[Any]:
            for _ in numbers:  # read to the end, to keep the worker reusable
                pass
            if raw_rows[index] == 0:
                yield index, 0, None
            else:
                yield _encode_here(fit_id, encode, index)

        self._n_features = int(encoder.n_features_out)
        self.class_weight = (
            np.ones(len(classes)) if class_weight is None else class_weight
        )
        self.step = 1
        self._sample = sample
        records = context.parallelize(range(n_parts), n_parts)
        records = records.mapPartitionsWithIndex(encode_partition)
        records = records.persist(StorageLevel.MEMORY_AND_DISK)
        self._scans, self._encode = scans, encode
        self._stored = _Stored(records, files)
        if rows_known:
            # The first pass computes (and caches) the records: it encodes.
            self._partition_rows = raw_rows
            return
        # Materialises the records (and the files); the rows give every()'s size.
        rows = {}
        for index, count, place in records.collect():
            rows[index] = count
            if place is not None:
                files.places.add(place)
        missing = sorted(index for index, count in rows.items() if count is None)
        rows.update(self._recompute(missing, None))
        self._partition_rows = [rows[index] for index in range(n_parts)]

    def _recompute(
        self, parts: list[int], kernel: Callable[..., Any] | None
    ) -> list[tuple[int, Any]]:
        """Scan, encode and store ``parts`` again; their rows, or kernel sums.

        One job over those partitions of the scanning job's RDD: each task
        scans its partition (writing the raw file where it runs), encodes
        it there into the partition's files, and returns its row count, or
        the partition's sum of ``kernel`` (a ``ValueError`` carried).
        """
        if not parts:
            return []
        fit_id, encode = self._stored.files.fit_id, self._encode
        step, class_weight = self.step, self.class_weight

        def rescan(index: int, scanned: Iterator[Any]) -> Iterator[Any]:
            for _ in scanned:  # the scan of this partition writes its raw file here
                pass
            _, count, place = _encode_here(fit_id, encode, index)
            if count is None:  # the partition had no rows to scan
                yield index, 0 if kernel is None else None, place
                return
            if kernel is None:
                yield index, count, place
                return
            X, y = _open(fit_id, index)
            try:
                value = _partition_sum(X, y, step, class_weight, kernel)
            except ValueError as error:
                value = _Failed(str(error))
            yield index, value, place

        job = self._scans.mapPartitionsWithIndex(rescan)
        results = self._scans.context.runJob(job, lambda part: part, parts)
        self._stored.n_recomputed += len(parts)
        self._stored.files.places.update(place for _, _, place in results)
        return [(index, value) for index, value, _ in results]

    @property
    def n_passes(self) -> int:
        """Spark jobs that ran a kernel over the rows (the solver's passes).

        Counted over this source and every copy sharing its files
        (:meth:`with_class_weight`, :meth:`every`).
        """
        return self._stored.n_passes

    @property
    def n_recomputed(self) -> int:
        """Partitions encoded again because their files were not where expected."""
        return self._stored.n_recomputed

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
        The sum, of the structure ``kernel`` returns; one Spark job (two
        when a partition's files were missing).
        """
        step, class_weight = self.step, self.class_weight
        fit_id, rows = self._stored.files.fit_id, self._partition_rows

        def partition_sum(records: Iterator[tuple[int, Any, Any]]) -> Any:
            # Read to the end (one record): a Python worker that leaves input
            # unread is not reused, and a new one costs seconds of imports.
            # The first pass computes the record: it encodes the raw file.
            (index,) = {record[0] for record in records}
            if rows[index] == 0:
                return None
            try:
                X, y = _open(fit_id, index)
            except OSError:
                return _Missing(index)
            return _partition_sum(X, y, step, class_weight, kernel)

        self._stored.n_passes += 1
        pairs = partition_results(self._stored.records, partition_sum)
        return tree_reduce(
            pairs,
            len(rows),
            recompute=lambda missing: self._recompute(missing, kernel),
        )

    def with_class_weight(self, class_weight: np.ndarray) -> SparkSource:
        """The same rows, each weighted by ``class_weight`` of its class.

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
        """Every ``step``-th row of each partition, from the same files.

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

    def row_sample(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Rows sampled uniformly from each partition by the scan, in memory.

        Each sampled row's weight is the rows it stands for (its partition's
        rows over those sampled) times its class weight, so the sample's
        weighted objective estimates this source's; None without a sample.

        Returns
        -------
        X : ndarray of shape (n_sampled, n_features)
        y : ndarray of shape (n_sampled,)
            Class indices.
        s : ndarray of shape (n_sampled,)
        """
        if self._sample is None or self.step != 1:
            return None
        X, y, s = self._sample
        return X, y, s * self.class_weight[y]

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
        """Release the records and delete the files now (they go with the source too).

        Every copy sharing them (:meth:`every`, :meth:`with_class_weight`)
        can no longer sum afterwards.
        """
        _unpersist(self._stored.records)
        self._stored.files.remove()
