"""Spark DataFrames for ``fit_table`` and ``predict_table``: rows stay on Spark.

Fitting is three kinds of Spark job, and no row ever reaches the driver:

1. **One job reads the table** (the used columns, as Arrow batches through
   ``mapInArrow``). Each partition learns its part of the
   :class:`~logreg.data.encoder.TableEncoder`'s statistics (levels of the
   string columns, moments of the numeric ones, classes, missing counts)
   on the executors and passes its batches on to a short-lived cache; the
   driver collects the partitions' statistics (a few KB each), merges them
   exactly in partition order (``_FitStatistics.merge``) and finishes the
   encoder: the one the same rows in pandas give.
2. **One job encodes** the cached batches with that encoder into NumPy
   blocks, persisted on the executors
   (:class:`~logreg.data.spark_source.SparkSource`); the first cache is
   dropped.
3. **Each solver pass** (Newton needs 4-8) runs its kernel over the cached
   blocks on the executors and brings back one small sum, added in a fixed
   tree (:func:`~logreg.data.spark_source.tree_reduce`).

``predict_table`` is lazy: a ``mapInArrow`` that appends ``prediction`` and
``proba_<class>`` to each Arrow batch, as Spark ML's ``transform`` does.

pyspark is never imported here unless a Spark DataFrame was passed (its
session has imported it already); the executors need logreg installed, as
they need pyarrow for any ``mapInArrow``.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from logreg.data.adapter import TrainingData
from logreg.data.encoder import TableEncoder
from logreg.data.spark_source import SparkSource
from logreg.data.tables import (
    LinearPredictor,
    TableKind,
    append_predictions,
    check_new_columns,
    loaded,
    refuse_streamed_sgd,
)

__all__ = ["SparkTable"]


#: Rows of the scanning job: each Arrow batch (an IPC stream), then each
#: partition's statistics (pickled), told apart by ``statistics``.
_SCAN_SCHEMA = "statistics boolean, part int, value binary"


def _scanner(empty: Any) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The ``mapInArrow`` function of the scanning job, learning into ``empty``'s copy.

    It passes each batch on (serialised) and learns from it; last, it sends
    the partition's statistics, or the ``ValueError`` that learning raised
    (too many levels, infinite values), to be raised on the driver as it is.
    """

    def scan(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa
        from pyspark import TaskContext

        part = TaskContext.get().partitionId()
        statistics = empty.empty_copy()
        for batch in batches:
            if not isinstance(statistics, ValueError):
                try:
                    # Overflowing moments are refused by name in fit_statistics.
                    with np.errstate(over="ignore", invalid="ignore"):
                        statistics.add(batch)
                except ValueError as error:
                    statistics = error
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, batch.schema) as writer:
                writer.write_batch(batch)
            yield _scan_row(pa, False, part, sink.getvalue())
        yield _scan_row(pa, True, part, pickle.dumps(statistics))

    return scan


def _scan_row(pa: Any, statistics: bool, part: int, value: Any) -> Any:
    """One row of the scanning job; ``value``'s bytes are not copied."""
    data = pa.py_buffer(value)
    offsets = pa.py_buffer(np.array([0, data.size], dtype=np.int32))
    return pa.RecordBatch.from_pydict(
        {
            "statistics": pa.array([statistics]),
            "part": pa.array([part], pa.int32()),
            "value": pa.BinaryArray.from_buffers(pa.binary(), 1, [None, offsets, data]),
        }
    )


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
        """Learn the encoder in one pass; encode and cache the rows in another.

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
        _check_classic(table)
        encoder = TableEncoder(
            target=target,
            exclude=exclude,
            standardize=standardize,
            drop_missing=drop_missing,
            reference=reference,
        )
        empty = encoder.new_statistics(_arrow_schema(table))
        used = table.select(*(_quoted(name) for name in empty.used))
        scanned = used.mapInArrow(_scanner(empty), _SCAN_SCHEMA).persist()
        try:
            # One job reads the table: it learns each partition's statistics
            # and caches its Arrow batches, which the encoding job reads.
            parts = scanned.filter("statistics").select("part", "value").collect()
            merged = empty.empty_copy()
            for _, value in sorted(parts, key=lambda part: part[0]):
                learned = pickle.loads(value)
                if isinstance(learned, ValueError):
                    raise ValueError(str(learned))
                merged.merge(learned)
            encoder.fit_statistics(merged)
            classes = encoder.classes_
            batches = scanned.filter("NOT statistics").select("value").rdd
            source = SparkSource(batches.map(lambda row: row[0]), encoder, classes)
        finally:
            scanned.unpersist()
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
