"""Spark DataFrames for ``fit_table`` and ``predict_table``: rows stay on Spark.

Fitting is three kinds of Spark job, and no row ever reaches the driver:

1. **One job reads the table** (the used columns, as Arrow batches through
   ``mapInArrow``): the only time rows move from the JVM to Python. Each
   partition learns its part of the
   :class:`~logreg.data.encoder.TableEncoder`'s statistics (levels of the
   string columns, moments of the numeric ones, classes, missing counts)
   on the executors and writes its batches to an Arrow file in the
   executor's local scratch space; the driver collects the partitions'
   statistics (a few KB each), merges them exactly in partition order
   (``_FitStatistics.merge``) and finishes the encoder: the one the same
   rows in pandas give.
2. **One job encodes** each partition's file with that encoder, on the
   executor that wrote it, into NumPy files next to it
   (:class:`~logreg.data.spark_source.SparkSource`).
3. **Each solver pass** (Newton needs 4-8) memory-maps those files on the
   executors, runs its kernel and brings back one small sum, added in a
   fixed tree (:func:`~logreg.data.spark_source.tree_reduce`). A partition
   whose files are not found is scanned and encoded again, in a second job.

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
#: its row count and where its raw batches were written.
_SCAN_SCHEMA = "part int, rows long, host string, folder string, value binary"


def _scanner(
    empty: Any, fit_id: str, schema: Any
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The ``mapInArrow`` function of the scanning job, learning into ``empty``'s copy.

    It learns from each batch and writes it to the partition's raw Arrow
    file in the executor's local scratch (:func:`raw_path`, atomically);
    last, it sends the partition's statistics, or the ``ValueError`` that
    learning raised (too many levels, infinite values), to be raised on the
    driver as it is. The batches themselves go nowhere else: the encoding
    job reads them from that file.
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

        write_atomically(raw_path(fit_id, part), write)
        host, folder = socket.gethostname(), scratch_dir(fit_id)
        yield pa.RecordBatch.from_pydict(
            {
                "part": pa.array([part], pa.int32()),
                "rows": pa.array([learned["rows"]], pa.int64()),
                "host": pa.array([host]),
                "folder": pa.array([folder]),
                "value": pa.array([pickle.dumps(learned["statistics"])], pa.binary()),
            }
        )

    return scan


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
            # One job reads the table: it learns each partition's statistics
            # and writes its Arrow batches to the executor's local scratch,
            # where the encoding job reads them.
            scans = used.mapInArrow(
                _scanner(empty, files.fit_id, used_schema), _SCAN_SCHEMA
            ).rdd
            parts = sorted(scans.collect(), key=lambda row: row.part)
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
            source = SparkSource(scans, encoder, classes, files, raw_rows)
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
