"""Spark DataFrames for ``fit_table`` and ``predict_table``: rows stay on Spark.

Fitting is two kinds of Spark job, and only a bounded row sample reaches
the driver:

1. **One job reads the table** (the used columns, as Arrow batches through
   ``mapInArrow``): the only time rows move from the JVM to Python. Each
   partition learns its part of the
   :class:`~logreg.data.encoder.TableEncoder`'s statistics (levels of the
   string columns, moments of the numeric ones, classes, missing counts)
   on the executors, writes its batches to an Arrow file in the executor's
   local scratch space, from which it draws a uniform sample of its rows
   (:func:`_sample_file`); the driver collects the partitions' statistics (a
   few KB each) and samples, merges the statistics exactly in partition
   order (``_FitStatistics.merge``) and finishes the encoder: the one the
   same rows in pandas give. It encodes the sample, which the source
   offers (``row_sample``) for the solver's start.
2. **Each solver pass** (2 from the sample's start on 1M x 50; Newton
   needs 4-8 from zeros) memory-maps each partition's encoded files on the
   executors, runs its kernel and brings back one small sum, added in a
   fixed tree (:func:`~logreg.data.spark_source.tree_reduce`). The first
   pass encodes each partition's Arrow file into those NumPy files
   (:class:`~logreg.data.spark_source.SparkSource`); with ``drop_missing``
   a job of its own does, to count the rows kept. A partition whose files
   are not found is scanned and encoded again, in a second job.

The files are deleted when the source is released (after the fit and its
``summary()`` statistics), and on any error; Spark deletes its scratch
space at the end of the application in any case.

``predict_table`` is lazy: a ``mapInArrow`` that appends ``prediction`` and
``proba_<class>`` to each Arrow batch, as Spark ML's ``transform`` does.

pyspark is never imported here unless a Spark DataFrame was passed (its
session has imported it already); the executors need logreg installed, as
they need pyarrow for any ``mapInArrow``.
"""

from __future__ import annotations

import pickle
import socket
from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from types import SimpleNamespace
from typing import Any

import numpy as np

from logreg.data.adapter import TrainingData
from logreg.data.encoder import TableEncoder
from logreg.data.spark_source import (
    ScratchFiles,
    SparkSource,
    raw_path,
    scratch_dir,
    write_atomically,
)
from logreg.data.tables import (
    LinearPredictor,
    TableKind,
    append_predictions,
    check_new_columns,
    loaded,
    refuse_streamed_sgd,
)

__all__ = ["SparkTable"]


#: Rows of the scanning job: one per partition, its statistics (pickled),
#: its row count, where its raw batches were written, and its row sample
#: (an Arrow IPC stream).
_SCAN_SCHEMA = (
    "part int, rows long, host string, folder string, value binary, sample binary"
)

#: Rows of the table sampled by the scan, all partitions together, per used
#: column: the driver fits them for the solver's start (from 2000 rows a
#: parameter, one corrected pass over 1M x 50 lands within 2-4e-11 of the
#: optimum in relative gap, and the next pass certifies 1e-10; see
#: :mod:`logreg.solvers.sample_start`), within these bounds. 4000 a column
#: took as many passes and about 0.6 s more in the scan, 1000 a pass more.
SAMPLE_ROWS_PER_COLUMN = 2_000
SAMPLE_ROWS_BOUNDS = (20_000, 400_000)
#: At most this many encoded values (8 bytes each) of the sample on the driver.
SAMPLE_CELLS = 20_000_000


def sample_rows(n_columns: int) -> int:
    """Rows the scan samples from a table of ``n_columns`` used columns."""
    low, high = SAMPLE_ROWS_BOUNDS
    return min(max(SAMPLE_ROWS_PER_COLUMN * n_columns, low), high)


def _sample_file(path: str, n_rows: int, k: int, part: int) -> bytes:
    """``k`` rows drawn uniformly from a raw Arrow file of ``n_rows``, as IPC bytes.

    Drawn without replacement by a generator seeded by the partition (the
    same rows for the same file), and taken from the memory-mapped file
    once it is written: no copy of any other row (sampling while the
    batches stream past, bottom-k, copied rows of every batch and cost
    about a second in 1M x 50).
    """
    import pyarrow as pa

    rng = np.random.default_rng([0x5A3B1E, part])
    if n_rows <= k:
        rows = np.arange(n_rows)
    else:
        rows = np.sort(rng.choice(n_rows, size=k, replace=False))
    with pa.memory_map(path) as mapped:
        table = pa.ipc.open_file(mapped).read_all()
        sample = table.take(rows).combine_chunks()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, sample.schema) as out:
        out.write_table(sample)
    return sink.getvalue().to_pybytes()


def _scanner(
    empty: Any, fit_id: str, schema: Any, sample_size: int
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The ``mapInArrow`` function of the scanning job, learning into ``empty``'s copy.

    It learns from each batch and writes it to the partition's raw Arrow
    file in the executor's local scratch (:func:`raw_path`, atomically);
    last, it sends the partition's statistics, or the ``ValueError`` that
    learning raised (too many levels, infinite values), to be raised on the
    driver as it is, with a uniform sample of ``sample_size`` of its rows
    (:func:`_sample_file`). The other batches go nowhere else: the first pass
    encodes them from that file.
    """

    def scan(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa
        from pyspark import TaskContext

        part = TaskContext.get().partitionId()
        learned = {"statistics": empty.empty_copy(), "rows": 0}

        def write(path: str) -> None:
            first = next(batches, None)
            with (
                pa.OSFile(path, "wb") as sink,
                pa.ipc.new_file(sink, schema if first is None else first.schema) as out,
            ):
                for batch in batches if first is None else chain([first], batches):
                    statistics = learned["statistics"]
                    if not isinstance(statistics, ValueError):
                        try:
                            # Overflowing moments are refused by name later.
                            with np.errstate(over="ignore", invalid="ignore"):
                                statistics.add(batch)
                        except ValueError as error:
                            learned["statistics"] = error
                    learned["rows"] += batch.num_rows
                    out.write_batch(batch)

        path = raw_path(fit_id, part)
        write_atomically(path, write)
        sample = _sample_file(path, learned["rows"], sample_size, part)
        host, folder = socket.gethostname(), scratch_dir(fit_id)
        yield pa.RecordBatch.from_pydict(
            {
                "part": pa.array([part], pa.int32()),
                "rows": pa.array([learned["rows"]], pa.int64()),
                "host": pa.array([host]),
                "folder": pa.array([folder]),
                "value": pa.array([pickle.dumps(learned["statistics"])], pa.binary()),
                "sample": pa.array([sample], pa.binary()),
            }
        )

    return scan


def _encoded_sample(
    parts: Sequence[Any], encoder: TableEncoder, classes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The scan's row samples, encoded: ``(X, y, s)``, ``s`` rows per sampled row.

    Each partition's sampled rows stand for all of its rows (weight: its
    rows over its sampled rows), so the sample's weights add up to the
    table's rows.
    """
    import pyarrow as pa

    width = int(encoder.n_features_out)
    # Wide encodings (many levels) keep fewer rows: a bounded driver footprint.
    per_part = max(1, SAMPLE_CELLS // max(width, 1) // max(len(parts), 1))
    blocks, labels, weights = [], [], []
    for row in parts:
        table = pa.ipc.open_stream(row.sample).read_all()
        if not table.num_rows:
            continue
        step = -(-table.num_rows // per_part)
        if step > 1:
            table = table.take(np.arange(0, table.num_rows, step))
        X, y, _ = encoder.transform_xy(table)
        blocks.append(np.asarray(X, dtype=np.float64))
        labels.append(np.searchsorted(classes, y).astype(np.int32))
        weights.append(np.full(len(y), row.rows / table.num_rows))
    if not blocks:
        return np.empty((0, width)), np.empty(0, np.int32), np.empty(0)
    return np.concatenate(blocks), np.concatenate(labels), np.concatenate(weights)


def _quoted(name: str) -> str:
    """A column name as Spark SQL reads it literally (dots, spaces, backticks)."""
    return "`" + name.replace("`", "``") + "`"


def _arrow_schema(table: Any) -> Any:
    """The Arrow schema of ``table``'s batches in ``mapInArrow``.

    A column of a type Arrow cannot hold (a map of structs, a user-defined
    type) gets ``binary``, which the encoder refuses by name, as it refuses
    any other unsupported column.
    """
    import pyarrow as pa
    from pyspark.sql.pandas.types import to_arrow_type

    fields = []
    for field in table.schema.fields:
        try:
            dtype = to_arrow_type(field.dataType)
        except Exception:  # pyspark raises its own error classes
            dtype = pa.binary()
        fields.append(pa.field(field.name, dtype))
    return pa.schema(fields)


def _check_classic(table: Any) -> None:
    """Refuse a Spark Connect DataFrame: passes need the classic RDD API."""
    try:
        table.rdd  # noqa: B018 - Spark Connect raises here
    except Exception as error:
        raise ValueError(
            "fit_table needs a classic Spark session (SparkSession.builder"
            ".master(...) or spark-submit), not Spark Connect: its passes use "
            f"the RDD API ({type(error).__name__})"
        ) from error


class SparkTable(TableKind):
    """A Spark DataFrame (classic session): encoded, fitted and predicted on Spark.

    Every solver but ``"sgd"`` works. The fitted encoder is the model's
    ``file_encoder_``, as for files; predictions are a lazy DataFrame.
    """

    name = "Spark DataFrame"

    def accepts(self, table: Any) -> bool:
        """Whether ``table`` is a Spark DataFrame (imports no pyspark).

        Parameters
        ----------
        table : object

        Returns
        -------
        bool
        """
        sql = loaded("pyspark.sql")
        return sql is not None and isinstance(table, sql.DataFrame)

    def check_solver(self, solver: str) -> None:
        """Refuse ``"sgd"``: its mini-batches need fast random access to rows.

        Parameters
        ----------
        solver : str
        """
        refuse_streamed_sgd(solver, "a Spark DataFrame")

    def training_data(
        self,
        table: Any,
        target: str,
        *,
        batch_rows: int,
        exclude: Sequence[str],
        standardize: bool,
        drop_missing: bool,
        reference: Any,
    ) -> TrainingData:
        """Learn the encoder in one pass; encode the rows into local files in another.

        Parameters
        ----------
        table : pyspark.sql.DataFrame of shape (n_rows, n_columns)
        target : str
            The label column.
        batch_rows : int
            Unused: Spark's Arrow batches have
            ``spark.sql.execution.arrow.maxRecordsPerBatch`` rows.
        exclude : sequence of str
            Columns that are not features.
        standardize : bool
            Standardise the numeric columns with the table's mean and std.
        drop_missing : bool
            Drop rows with a missing value instead of raising.
        reference : None, "first" or dict of str to str
            As for :class:`~logreg.data.encoder.TableEncoder`.

        Returns
        -------
        TrainingData
            Over a :class:`~logreg.data.spark_source.SparkSource`, unit
            weights, the encoder as ``fitted["file_encoder_"]``.

        Raises
        ------
        ValueError
            As ``fit_table`` does for any table (missing target, too many
            levels, missing values, ...), and for a Spark Connect DataFrame.
        """
        import pyarrow as pa

        _check_classic(table)
        encoder = TableEncoder(
            target=target,
            exclude=exclude,
            standardize=standardize,
            drop_missing=drop_missing,
            reference=reference,
        )
        schema = _arrow_schema(table)
        empty = encoder.new_statistics(schema)
        used = table.select(*(_quoted(name) for name in empty.used))
        files = ScratchFiles(table.sparkSession.sparkContext)
        used_schema = pa.schema([schema.field(name) for name in empty.used])
        try:
            # One job reads the table: it learns each partition's statistics,
            # samples its rows and writes its Arrow batches to the executor's
            # local scratch, where the first pass encodes them.
            n_parts = used.rdd.getNumPartitions()
            per_part = -(-sample_rows(len(empty.used)) // max(n_parts, 1))
            scanned = used.mapInArrow(
                _scanner(empty, files.fit_id, used_schema, per_part), _SCAN_SCHEMA
            )
            scans = scanned.rdd  # its lineage recomputes lost partitions
            # As Arrow, the samples' bytes are not pickled row by row by the JVM.
            parts = sorted(
                (SimpleNamespace(**row) for row in scanned.toArrow().to_pylist()),
                key=lambda row: row.part,
            )
            files.places.update((row.host, row.folder) for row in parts)
            merged = empty.empty_copy()
            for row in parts:
                learned = pickle.loads(row.value)
                if isinstance(learned, ValueError):
                    raise ValueError(str(learned))
                merged.merge(learned)
            encoder.fit_statistics(merged)
            classes = encoder.classes_
            raw_rows = [0] * scans.getNumPartitions()
            for row in parts:
                raw_rows[row.part] = row.rows
            source = SparkSource(
                scans,
                encoder,
                classes,
                files,
                raw_rows,
                sample=_encoded_sample(parts, encoder, classes),
                rows_known=not drop_missing,
            )
        except BaseException:
            files.remove()
            raise
        return TrainingData(
            source=source,
            classes=classes,
            class_totals=None,
            n_features=encoder.n_features_out,
            feature_names=np.asarray(encoder.feature_names_out, dtype=object),
            target=target,
            fitted={"file_encoder_": encoder},
        )

    def predict_table(self, model: Any, table: Any) -> Any:
        """``table`` with ``prediction`` and ``proba_<class>`` appended, lazily.

        Parameters
        ----------
        model : LogisticRegression
            Fitted.
        table : pyspark.sql.DataFrame of shape (n_rows, n_columns)

        Returns
        -------
        pyspark.sql.DataFrame of shape (n_rows, n_columns + 1 + n_classes)
            Not computed: each Arrow batch gets its predictions on the
            executors when an action runs. ``proba_<class>`` are doubles,
            ``prediction`` has the labels' type; rows dropped for a missing
            value (a model fitted with ``drop_missing=True``) get nulls.

        Raises
        ------
        ValueError
            When the table already has one of the appended columns (at
            once); missing columns or values raise when an action runs.
        """
        import pyarrow as pa
        from pyspark.sql.pandas.types import from_arrow_type
        from pyspark.sql.types import DoubleType, StructField, StructType

        predictor = LinearPredictor.of(model)
        names = check_new_columns(table.columns, predictor.classes)
        label_type = from_arrow_type(pa.array(predictor.classes).type)
        schema = StructType(
            [
                *table.schema.fields,
                StructField(names[0], label_type),
                *(StructField(name, DoubleType()) for name in names[1:]),
            ]
        )

        def predict(batches: Iterator[Any]) -> Iterator[Any]:
            for batch in batches:
                yield append_predictions(predictor, batch)

        return table.mapInArrow(predict, schema)
