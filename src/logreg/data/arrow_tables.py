"""Table kinds read through Arrow: paths, pandas, pyarrow Tables and Datasets.

* A path (CSV or Parquet) is streamed from disk on every pass, as
  ``fit_file`` does (:class:`~logreg.data.files.FileAdapter`).
* A pandas DataFrame or a pyarrow Table (or RecordBatch) is in memory
  already: it is encoded once, and the solver's passes run over the encoded
  matrix (:class:`~logreg.data.sources.InMemorySource`), so every solver,
  ``"sgd"`` included, works.
* A pyarrow Dataset may be larger than memory: it is streamed batch by batch
  on every pass (:class:`DatasetSource`), like a file.

pyarrow is imported inside the functions that need it; pandas is never
imported here (a DataFrame is recognised only when pandas is loaded).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from logreg.data.adapter import TrainingData
from logreg.data.encoder import TableEncoder
from logreg.data.file_source import FileSource, _read_ahead
from logreg.data.files import FileAdapter
from logreg.data.read import _check_batch_rows, iter_batches, require_pyarrow
from logreg.data.sources import InMemorySource
from logreg.data.tables import (
    LinearPredictor,
    TableKind,
    append_predictions,
    check_new_columns,
    loaded,
    prediction_arrays,
    refuse_streamed_sgd,
)

__all__ = [
    "ArrowTable",
    "DatasetSource",
    "DatasetTable",
    "PandasTable",
    "PathTable",
    "predict_frame",
]


def _encoder(
    target: str,
    exclude: Sequence[str],
    standardize: bool,
    drop_missing: bool,
    reference: Any,
) -> TableEncoder:
    return TableEncoder(
        target=target,
        exclude=exclude,
        standardize=standardize,
        drop_missing=drop_missing,
        reference=reference,
    )


def encoded_labels(classes: np.ndarray, labels: np.ndarray, where: str) -> np.ndarray:
    """Labels as their index in ``classes``, refusing labels not among them.

    Parameters
    ----------
    classes : ndarray of shape (n_classes,)
        Sorted.
    labels : ndarray of shape (n_rows,)
    where : str
        What holds the rows, for the message.

    Returns
    -------
    ndarray of shape (n_rows,), intp
    """
    y = np.searchsorted(classes, labels)
    inside = np.minimum(y, len(classes) - 1)
    if np.any(y >= len(classes)) or np.any(classes[inside] != labels):
        raise ValueError(
            f"{where} changed while reading: a label not seen when it was first read"
        )
    return y.astype(np.intp, copy=False)


def encoded_training_data(encoder: TableEncoder, source: Any) -> TrainingData:
    """Training data over ``source``, the rows that ``encoder`` was fitted on.

    Parameters
    ----------
    encoder : TableEncoder
        Fitted, with a target.
    source : DataSource
        Unit-weighted, ``y`` the index of each label in ``encoder.classes_``.

    Returns
    -------
    TrainingData
    """
    return TrainingData(
        source=source,
        classes=encoder.classes_,
        class_totals=None,
        n_features=encoder.n_features_out,
        feature_names=np.asarray(encoder.feature_names_out, dtype=object),
        target=encoder.target,
        fitted={"file_encoder_": encoder},
    )


def _predicted_table(
    predictor: LinearPredictor, batches: Iterator[Any], schema: Any
) -> Any:
    """A pyarrow Table of ``batches`` (of ``schema``) with predictions appended."""
    pa = require_pyarrow()
    check_new_columns(schema.names, predictor.classes)
    out_schema = append_predictions(predictor, schema.empty_table()).schema
    out = [append_predictions(predictor, batch) for batch in batches]
    return pa.Table.from_batches(
        [batch.cast(out_schema) for batch in out], schema=out_schema
    )


# -------------------------------------------------------------------- paths
class PathTable(TableKind):
    """A CSV or Parquet file named by its path: ``fit_file``'s case."""

    name = "path to a CSV or Parquet file"

    def accepts(self, table: Any) -> bool:
        """``str`` or ``os.PathLike``."""
        return isinstance(table, str | os.PathLike)

    def check_solver(self, solver: str) -> None:
        """Refuse ``"sgd"``, as ``fit_file`` does."""
        FileAdapter().check_solver(solver)

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
        """See :meth:`TableKind.training_data`; exactly ``fit_file``'s."""
        return FileAdapter().file_training_data(
            table,
            target,
            batch_rows=batch_rows,
            exclude=exclude,
            standardize=standardize,
            drop_missing=drop_missing,
            reference=reference,
        )

    def predict_table(self, model: Any, table: Any) -> Any:
        """The file's rows as a pyarrow Table, predictions appended.

        The whole file is read (in batches, its columns typed as at fit)
        into memory; to stream predictions of a large file to another file,
        use the command line's ``logreg predict``.
        """
        predictor = LinearPredictor.of(model)
        types = None if predictor.encoder is None else predictor.encoder.read_types
        batches = iter_batches(table, column_types=types)
        first = next(batches)
        rows = itertools.chain([first], batches)
        return _predicted_table(predictor, rows, first.schema)


# ----------------------------------------------------------- in memory
class ArrowTable(TableKind):
    """A pyarrow Table or RecordBatch, encoded once in memory."""

    name = "pyarrow Table"

    def accepts(self, table: Any) -> bool:
        """pyarrow Tables and RecordBatches (imports pyarrow only for its objects)."""
        if not type(table).__module__.startswith("pyarrow"):
            return False
        pa = require_pyarrow()
        return isinstance(table, pa.Table | pa.RecordBatch)

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
        """See :meth:`TableKind.training_data`; the rows encoded once, in memory.

        ``batch_rows`` is not used: the whole table is encoded at once.
        """
        _check_batch_rows(batch_rows)
        encoder = _encoder(target, exclude, standardize, drop_missing, reference)
        encoder.fit(table)
        X, labels, _ = encoder.transform_xy(table)
        y = encoded_labels(encoder.classes_, labels, "the table")
        source = InMemorySource(np.ascontiguousarray(X), y, np.ones(len(y)))
        return encoded_training_data(encoder, source)

    def predict_table(self, model: Any, table: Any) -> Any:
        """See :meth:`TableKind.predict_table`; a Table (or batch) comes back."""
        return append_predictions(LinearPredictor.of(model), table)


class PandasTable(ArrowTable):
    """A pandas DataFrame, converted to Arrow and encoded once in memory."""

    name = "pandas DataFrame"

    def accepts(self, table: Any) -> bool:
        """pandas DataFrames (pandas is never imported here)."""
        pandas = loaded("pandas")
        return pandas is not None and isinstance(table, pandas.DataFrame)

    def training_data(self, table: Any, target: str, **options: Any) -> TrainingData:
        """See :meth:`ArrowTable.training_data`; the frame as an Arrow table."""
        pa = require_pyarrow()
        arrow = pa.Table.from_pandas(table, preserve_index=False)
        return super().training_data(arrow, target, **options)

    def predict_table(self, model: Any, table: Any) -> Any:
        """A copy of the frame (same index) with the prediction columns."""
        return predict_frame(LinearPredictor.of(model), table)


def predict_frame(predictor: LinearPredictor, frame: Any) -> Any:
    """A copy of a pandas DataFrame with ``prediction`` and ``proba_<class>``.

    Parameters
    ----------
    predictor : LinearPredictor
    frame : pandas.DataFrame of shape (n_rows, n_columns)

    Returns
    -------
    pandas.DataFrame of shape (n_rows, n_columns + 1 + n_classes)
        Same index. ``prediction`` holds the labels' NumPy dtype (strings as
        the frame's string dtype); rows dropped for a missing value (only
        with an encoder fitted with ``drop_missing=True``) hold NaN
        probabilities and a missing label (a nullable dtype).
    """
    import pandas as pd

    pa = require_pyarrow()
    check_new_columns(frame.columns, predictor.classes)
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    out = frame.copy()
    for name, array in prediction_arrays(predictor, arrow).items():
        if array.null_count:
            values = array.to_pandas(types_mapper=_nullable(pd, pa)).array
        else:
            values = array.to_numpy(zero_copy_only=False)
        out[name] = pd.Series(values, index=frame.index)
    return out


def _nullable(pd: Any, pa: Any) -> Any:
    """pandas' nullable dtype of an Arrow type, for labels with missing rows."""
    mapping = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
    return mapping.get


# --------------------------------------------------------------- datasets
class DatasetSource(FileSource):
    """Rows of a pyarrow Dataset, streamed batch by batch on every pass.

    :class:`~logreg.data.file_source.FileSource` with the dataset's scanner
    instead of a file reader: each pass reads the encoder's columns, encodes
    a batch at a time and sums the kernel over it; memory stays bounded by
    the batch.

    Parameters
    ----------
    dataset : pyarrow.dataset.Dataset of shape (n_rows, n_columns)
    encoder, classes, class_weight, batch_rows, step, n_threads
        As for :class:`~logreg.data.file_source.FileSource`.
    """

    def __init__(
        self,
        dataset: Any,
        encoder: Any,
        classes: np.ndarray,
        class_weight: np.ndarray | None = None,
        batch_rows: int = 100_000,
        step: int = 1,
        n_threads: int | None = None,
    ) -> None:
        super().__init__(
            "the pyarrow Dataset",
            encoder,
            classes,
            class_weight,
            batch_rows,
            step,
            n_threads,
        )
        self.dataset = dataset

    def batches(self) -> Iterator[InMemorySource]:
        """Yield each non-empty record batch, encoded, as an in-memory source."""
        columns = [*self.encoder.input_columns, self.encoder.target]
        raw = _nonempty(
            self.dataset.to_batches(columns=columns, batch_size=self.batch_rows)
        )
        return _read_ahead(self._encoded(_read_ahead(raw)))

    def _like(self, class_weight: np.ndarray, step: int) -> DatasetSource:
        return DatasetSource(
            self.dataset,
            self.encoder,
            self.classes,
            class_weight,
            self.batch_rows,
            step,
            self.n_threads,
        )

    def every(self, step: int) -> DatasetSource:
        """A source streaming every ``step``-th row of this one.

        Parameters
        ----------
        step : int

        Returns
        -------
        DatasetSource
        """
        return self._like(self.class_weight, self.step * step)

    def with_class_weight(self, class_weight: np.ndarray) -> DatasetSource:
        """The same rows, each weighted by ``class_weight`` of its class.

        Parameters
        ----------
        class_weight : ndarray of shape (n_classes,)

        Returns
        -------
        DatasetSource
        """
        weights = self.class_weight * np.asarray(class_weight, dtype=np.float64)
        return self._like(weights, self.step)


def _nonempty(batches: Iterator[Any]) -> Iterator[Any]:
    return (batch for batch in batches if batch.num_rows)


class DatasetTable(TableKind):
    """A pyarrow Dataset (e.g. a folder of Parquet files), streamed like a file."""

    name = "pyarrow Dataset"

    def accepts(self, table: Any) -> bool:
        """pyarrow Datasets (imports pyarrow only for its objects)."""
        if not type(table).__module__.startswith("pyarrow"):
            return False
        import pyarrow.dataset as ds

        return isinstance(table, ds.Dataset)

    def check_solver(self, solver: str) -> None:
        """Refuse ``"sgd"``: a streamed dataset gives no random access."""
        refuse_streamed_sgd(solver, "a pyarrow Dataset streamed batch by batch")

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
        """See :meth:`TableKind.training_data`; one pass learns the encoder."""
        batch_rows = _check_batch_rows(batch_rows)
        encoder = _encoder(target, exclude, standardize, drop_missing, reference)
        encoder.fit(_nonempty(table.to_batches(batch_size=batch_rows)))
        source = DatasetSource(table, encoder, encoder.classes_, batch_rows=batch_rows)
        return encoded_training_data(encoder, source)

    def predict_table(self, model: Any, table: Any) -> Any:
        """The dataset's rows as a pyarrow Table, predictions appended."""
        return _predicted_table(
            LinearPredictor.of(model), _nonempty(table.to_batches()), table.schema
        )
