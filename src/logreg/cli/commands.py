"""The work behind ``logreg fit|predict|evaluate|summary|report``, without printing.

Each function takes paths and options, does the job with the library
(:mod:`logreg.data` for data files, :mod:`logreg.persist` for model files,
:mod:`logreg.cli.report` for metrics and the HTML page) and returns what happened;
:mod:`logreg.cli.main` parses the arguments and prints the results.

A model file written by :func:`fit_model` holds the fitted
:class:`~logreg.LogisticRegression` and, as its preprocessor, the
:class:`~logreg.data.encoder.TableEncoder` that turns a table into its features.
The estimator is fitted on a DataFrame whose columns are the encoded feature
names (``col`` and ``col=value``), so ``feature_names_in_`` and every
summary table name the features.

Every output file (model, predictions, report) is written atomically, and its
path is checked before any long work: on failure nothing is left at that path
and a file already there is untouched; an output that is one of the command's
input files (``--model train.csv``) is refused. The dense arrays of encoded
rows are sized before they are built (:mod:`logreg.cli.memory`): an
in-memory fit that would not fit streams the file instead, a batch size is
chosen to fit, and what cannot fit is refused with what to do. Bad input
raises ``ValueError`` (a
:class:`~logreg.persist.ModelFileError` for a bad model file),
``FileNotFoundError`` or another ``OSError`` with a one-line message.

Longer than 600 lines: one function per command (fit, predict, evaluate,
summary, report) with the streaming and atomic-write rules they share.
"""

from __future__ import annotations

import datetime
import itertools
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from logreg.cli import memory
from logreg.cli.formula_table import FormulaTable
from logreg.data.columns import missing_message, missing_rows
from logreg.data.encoder import TableEncoder, reference_for
from logreg.data.read import (
    DEFAULT_BATCH_ROWS,
    SUPPORTED_SUFFIXES,
    _check_batch_rows,
    iter_batches,
    read_table,
    require_pyarrow,
)
from logreg.data.write import BatchWriter
from logreg.estimator import LogisticRegression
from logreg.persist import ModelFile, ModelFileError, load_model_file, save_model
from logreg.stats import coefficient_frame

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from logreg.stats import Summary

__all__ = [
    "PREDICTION_COLUMN",
    "PROBABILITY_PREFIX",
    "REPORT_SUFFIXES",
    "Evaluation",
    "FitResult",
    "PredictResult",
    "ReportResult",
    "evaluate_file",
    "fit_model",
    "load_table_model",
    "original_scale_table",
    "predict_file",
    "report_file",
]

#: Name of the predicted-label column that :func:`predict_file` writes.
PREDICTION_COLUMN = "prediction"
#: Each class ``c`` gets a probability column named ``proba_<c>``.
PROBABILITY_PREFIX = "proba_"
#: File name endings :func:`report_file` writes.
REPORT_SUFFIXES = (".html", ".htm")

Step = Callable[[str], None]


def _no_step(_: str) -> None:
    """The default progress callback: does nothing."""


# ------------------------------------------------------------------- helpers
def _check_output_path(
    path: str | os.PathLike[str],
    suffixes: Sequence[str] | None = None,
    inputs: Sequence[str | os.PathLike[str]] = (),
) -> Path:
    """``path`` as a Path, once it can be a new file: cheap checks before work.

    ``inputs`` are the command's input files: writing one of them (the same
    file, through a link too) would replace what is being read.
    """
    path = Path(path)
    for source in inputs:
        if _same_file(path, Path(source)):
            raise ValueError(
                f"cannot write {path}: it is the input file {os.fspath(source)}, "
                "which writing would replace; choose another output name"
            )
    if suffixes is not None and not path.name.lower().endswith(tuple(suffixes)):
        raise ValueError(
            f"cannot write {path}: unsupported file extension "
            f"{''.join(path.suffixes[-2:]) or '(none)'}; use {', '.join(suffixes)}"
        )
    if path.is_dir():
        raise ValueError(f"cannot write {path}: it is a directory")
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"cannot write {path}: directory {path.parent} does not exist"
        )
    return path


def _same_file(first: Path, second: Path) -> bool:
    """Whether two existing paths name one file (links followed)."""
    try:
        return first.exists() and second.exists() and os.path.samefile(first, second)
    except OSError:
        return False


def _check_model_name(path: Path) -> None:
    """Refuse to write a model over a name that ends like a data file."""
    if path.name.lower().endswith(SUPPORTED_SUFFIXES):
        ending = next(
            suffix
            for suffix in sorted(SUPPORTED_SUFFIXES, key=len, reverse=True)
            if path.name.lower().endswith(suffix)
        )
        raise ValueError(
            f"cannot write the model to {path}: a model file is JSON, and the "
            f"{ending} ending names a data file (DATA and --model swapped?)"
        )


def _feature_frame(X: Any, encoder: TableEncoder | FormulaTable) -> pd.DataFrame:
    """``X`` with the encoded feature names as columns, for the estimator.

    A formula model's ``X`` is already the DataFrame of its columns: the
    estimator's formula encodes it.
    """
    if isinstance(encoder, FormulaTable):
        return X
    try:
        import pandas as pd
    except ImportError as error:
        raise ImportError(
            "the command line needs pandas: pip install 'logreg[cli,stats]'"
        ) from error
    return pd.DataFrame(X, columns=encoder.feature_names_out, copy=False)


def load_table_model(path: str | os.PathLike[str]) -> ModelFile:
    """Read a model file written by :func:`fit_model` (with its encoder).

    Parameters
    ----------
    path : str or os.PathLike
        The model file.

    Returns
    -------
    ModelFile
        ``preprocessor`` is the fitted :class:`~logreg.data.encoder.TableEncoder`,
        or for a model fitted with a formula a
        :class:`~logreg.cli.formula_table.FormulaTable`.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ModelFileError
        If the file is not a model file, or has no encoder matching the model
        (a model saved from Python with ``save()`` cannot read data files).
    """
    model = load_model_file(path)
    formula = getattr(model.estimator, "formula_", None)
    if formula is not None:
        target = model.metadata.get("target")
        table = FormulaTable(formula, target if isinstance(target, str) else None)
        return ModelFile(model.estimator, table, model.metadata)
    encoder = model.preprocessor
    if not isinstance(encoder, TableEncoder) or encoder.target is None:
        raise ModelFileError(
            f"{os.fspath(path)}: the model has no data encoder (it was not "
            "written by 'logreg fit'), so it cannot read data files"
        )
    if encoder.n_features_out != model.estimator.n_features_in_:
        raise ModelFileError(
            f"{os.fspath(path)}: the encoder makes {encoder.n_features_out} "
            f"features but the model has {model.estimator.n_features_in_}"
        )
    return model


def _class_names(classes: Iterable[Any]) -> list[str]:
    return [str(label) for label in classes]


# ----------------------------------------------------------------------- fit
@dataclass(frozen=True)
class FitResult:
    """What :func:`fit_model` did.

    Attributes
    ----------
    model_path : pathlib.Path
        The model file written.
    estimator : LogisticRegression
        The fitted estimator.
    encoder : TableEncoder or FormulaTable
        The fitted encoder, saved with it; for a formula, the formula's columns
        (the estimator keeps the formula).
    n_rows_read, n_rows_dropped : int
        Rows in the data file, and rows left out for missing values.
    train_accuracy : float
        Accuracy on the training rows.
    fit_seconds : float
        Time spent in ``estimator.fit``.
    streamed : bool
        Whether the file was streamed from disk (``fit_file``).
    notes : tuple of str
        What was decided for the user: streaming a file too large for
        memory, a smaller batch.
    """

    model_path: Path
    estimator: LogisticRegression
    encoder: TableEncoder | FormulaTable
    n_rows_read: int
    n_rows_dropped: int
    train_accuracy: float
    fit_seconds: float
    streamed: bool = False
    notes: tuple[str, ...] = ()

    @property
    def n_rows_used(self) -> int:
        """Rows the model was fitted on."""
        return self.n_rows_read - self.n_rows_dropped


def fit_model(
    data: str | os.PathLike[str],
    model: str | os.PathLike[str],
    *,
    target: str | None = None,
    formula: str | None = None,
    exclude: Sequence[str] = (),
    standardize: bool = True,
    drop_missing: bool = False,
    reference: Any = "auto",
    estimator_params: Mapping[str, Any] | None = None,
    stream: bool | None = None,
    batch_rows: int | None = None,
    on_step: Step = _no_step,
) -> FitResult:
    """Fit a logistic regression on a data file and save it with its encoder.

    Parameters
    ----------
    data : str or os.PathLike
        A CSV or Parquet file (see :mod:`logreg.data.read`).
    model : str or os.PathLike
        The model file to write (atomically); its directory must exist, and
        it may be neither ``data`` nor named like a data file (``.csv``, ...).
    target : str, optional
        The label column; required unless ``formula`` names it.
    formula : str, optional
        A model formula (``"default ~ student + balance"``, see
        :mod:`logreg.data.formula`): the file is read into memory and the
        formula makes the features; ``exclude``, ``standardize``,
        ``reference`` and ``stream`` do not apply (write ``C(col,
        contr.treatment("level"))`` or ``scale(col)`` in the formula).
    exclude : sequence of str, default=()
        Columns that are not features (identifiers, dates, ...).
    standardize : bool, default=True
        Standardise numeric features (see :class:`~logreg.data.encoder.TableEncoder`).
    drop_missing : bool, default=False
        Drop rows with a missing value instead of raising.
    reference : "auto", None, "first" or dict of str to str, default="auto"
        The level of each string column without an indicator (see
        :func:`~logreg.data.encoder.reference_for`): ``"auto"`` drops the
        first level of each for an unpenalised fit, none for a penalised one.
    estimator_params : mapping, optional
        Parameters of :class:`~logreg.LogisticRegression` (``C``, ``solver``,
        ``max_iter``, ...).
    stream : bool, optional
        Stream the file from disk on every solver pass
        (:meth:`~logreg.LogisticRegression.fit_file`, memory bounded by
        ``batch_rows``) instead of reading it into memory. By default, for
        files too large to read whole
        (:func:`~logreg.cli.memory.should_stream`) and for those whose
        encoded rows would not fit in memory. A streamed fit reads the file
        once more than ``fit_file`` does, to size its batches before any is
        built.
    batch_rows : int, optional
        Rows per batch when streaming; by default 65,536, or fewer where a
        batch of encoded rows would not fit in memory.
    on_step : callable, optional
        Called with a short description as each step starts (for a spinner).

    Returns
    -------
    FitResult

    Raises
    ------
    ValueError
        For bad data (missing target, one class, missing values, ...), bad
        parameters, or data too large for memory (with ``stream=False`` or
        an explicit ``batch_rows``); nothing is written.
    """
    if batch_rows is not None:
        batch_rows = _check_batch_rows(batch_rows)
    model = _check_output_path(model, inputs=[data])
    _check_model_name(model)
    if formula is not None:
        result = _fit_formula(
            data, model, formula, target, estimator_params, stream, on_step
        )
        on_step(f"saving {model.name}")
        save_model(result.estimator, model, metadata=_fit_metadata(data, result))
        return result
    if target is None:
        raise ValueError("give the target column (--target) or a formula")
    estimator = LogisticRegression(**dict(estimator_params or {}))
    encoder = TableEncoder(
        target=target,
        exclude=exclude,
        standardize=standardize,
        drop_missing=drop_missing,
        reference=reference_for(float(estimator.C), reference),
    )
    automatic = stream is None
    if automatic:
        stream = memory.should_stream(data)
    if stream:
        result = _fit_streamed(data, model, estimator, encoder, batch_rows, on_step)
    else:
        on_step(f"reading {Path(data).name}")
        table = read_table(data)
        on_step(f"encoding {table.num_rows:,} rows")
        encoder.fit(table)
        _check_target(encoder)
        n_used = table.num_rows - encoder.n_rows_dropped_
        shape = (n_used, encoder.n_features_out, len(encoder.classes_))
        needed, budget = memory.dense_bytes(*shape), memory.available_memory()
        if budget is not None and needed > budget:
            if not automatic:
                raise ValueError(
                    memory.too_large_message(
                        "fitting in memory",
                        needed,
                        *shape,
                        budget,
                        ["stream the file from disk in batches (--stream)"],
                        encoder.categories_,
                    )
                )
            del table
            note = (
                f"streaming {Path(data).name} from disk: its encoded rows would "
                f"need about {memory.format_bytes(needed)} in memory, with "
                f"{memory.format_bytes(budget)} available"
            )
            result = _fit_streamed(
                data, model, estimator, encoder, batch_rows, on_step, (note,)
            )
        else:
            result = _fit_in_memory(table, model, estimator, encoder, on_step)
    on_step(f"saving {model.name}")
    save_model(
        estimator,
        model,
        preprocessor=result.encoder,
        metadata=_fit_metadata(data, result),
    )
    return result


def _fit_formula(
    data: str | os.PathLike[str],
    model: Path,
    formula: str,
    target: str | None,
    estimator_params: Mapping[str, Any] | None,
    stream: bool | None,
    on_step: Step,
) -> FitResult:
    """Fit ``formula`` on the file read into memory (the estimator's formula path)."""
    from logreg.data.formula import ModelFormula

    if stream:
        raise ValueError(
            "a formula is fitted in memory: --stream applies to the column encoder"
        )
    _, lhs = ModelFormula.parse(formula)
    if lhs is not None and target is not None and target != lhs:
        raise ValueError(
            f"the formula's left-hand side names {lhs!r} but the target is {target!r}"
        )
    target = lhs or target
    if target is None:
        raise ValueError(
            "the formula has no left-hand side: write 'target ~ ...' or give --target"
        )
    params = {
        "fit_intercept": ModelFormula.has_intercept(formula),
        **dict(estimator_params or {}),
    }
    estimator = LogisticRegression(formula=formula, **params)
    on_step(f"reading {Path(data).name}")
    frame = read_table(data).to_pandas()
    if target not in frame.columns:
        raise ValueError(f"the data have no target column {target!r}")
    on_step(f"fitting {len(frame):,} rows")
    start = time.perf_counter()
    estimator.fit(frame, None if lhs is not None else frame[target])
    seconds = time.perf_counter() - start
    used = frame.dropna(subset=[*estimator.formula_.variables, target])
    return FitResult(
        model_path=model,
        estimator=estimator,
        encoder=FormulaTable(estimator.formula_, target),
        n_rows_read=len(frame),
        n_rows_dropped=len(frame) - len(used),
        train_accuracy=float(estimator.score(used, used[target].to_numpy())),
        fit_seconds=seconds,
    )


#: A target with more distinct values than this, and fewer than two rows per
#: value, is taken for an identifier (``--target id``, a common slip).
_MAX_IDENTIFIER_CLASSES = 1000


def _check_target(encoder: TableEncoder) -> None:
    """Refuse a target that looks like an identifier: fewer than 2 rows a class."""
    n_classes = len(encoder.classes_)
    n_rows = encoder.n_rows_seen_ - encoder.n_rows_dropped_
    if n_classes > _MAX_IDENTIFIER_CLASSES and 2 * n_classes > n_rows:
        raise ValueError(
            f"the target {encoder.target!r} has {n_classes:,} distinct values in "
            f"{n_rows:,} rows, fewer than 2 rows per class: an identifier? "
            "give the label column with --target (and --exclude the identifier)"
        )


def _fit_in_memory(
    table: pa.Table,
    model: Path,
    estimator: LogisticRegression,
    encoder: TableEncoder,
    on_step: Step,
) -> FitResult:
    """``estimator.fit`` on the rows of ``table`` encoded by the fitted ``encoder``."""
    X, y, _ = encoder.transform_xy(table)
    features = _feature_frame(X, encoder)
    on_step(f"fitting {X.shape[0]:,} rows x {X.shape[1]} features")
    start = time.perf_counter()
    estimator.fit(features, y)
    return FitResult(
        model_path=model,
        estimator=estimator,
        encoder=encoder,
        n_rows_read=table.num_rows,
        n_rows_dropped=encoder.n_rows_dropped_,
        train_accuracy=float(estimator.score(features, y)),
        fit_seconds=time.perf_counter() - start,
    )


def _fit_streamed(
    data: str | os.PathLike[str],
    model: Path,
    estimator: LogisticRegression,
    encoder: TableEncoder,
    batch_rows: int | None,
    on_step: Step,
    notes: tuple[str, ...] = (),
) -> FitResult:
    """:meth:`LogisticRegression.fit_file`, then the training accuracy in one pass.

    ``encoder`` holds the encoding options; unless it is fitted already, one
    pass over the file fits it first, to size the batches before
    ``fit_file`` builds one.
    """
    if not hasattr(encoder, "center_"):
        on_step(f"reading {Path(data).name} to size its batches")
        encoder.fit(iter_batches(data, batch_rows=batch_rows or DEFAULT_BATCH_ROWS))
        _check_target(encoder)
    batch_rows, note = memory.batch_rows_that_fit(
        batch_rows,
        encoder.n_features_out,
        len(encoder.classes_),
        "fitting",
        encoder.categories_,
    )
    notes += () if note is None else (note,)
    on_step(f"streaming {Path(data).name} in batches of {batch_rows:,} rows")
    start = time.perf_counter()
    estimator.fit_file(
        data,
        encoder.target,
        batch_rows=batch_rows,
        exclude=encoder.exclude,
        standardize=encoder.standardize,
        drop_missing=encoder.drop_missing,
        reference=encoder.reference,
    )
    seconds = time.perf_counter() - start
    encoder = estimator.file_encoder_
    del estimator.file_encoder_  # saved once, as the model file's preprocessor
    on_step("training accuracy")
    correct = 0
    columns = [*encoder.input_columns, encoder.target]
    types = encoder.read_types
    for batch in iter_batches(data, columns, batch_rows, column_types=types):
        X, y, _ = encoder.transform_xy(batch)
        correct += int(np.sum(estimator.predict(_feature_frame(X, encoder)) == y))
    n_used = encoder.n_rows_seen_ - encoder.n_rows_dropped_
    return FitResult(
        model_path=model,
        estimator=estimator,
        encoder=encoder,
        n_rows_read=encoder.n_rows_seen_,
        n_rows_dropped=encoder.n_rows_dropped_,
        train_accuracy=correct / n_used,
        fit_seconds=seconds,
        streamed=True,
        notes=notes,
    )


def _fit_metadata(data: str | os.PathLike[str], result: FitResult) -> dict[str, Any]:
    return {
        "command": "logreg fit",
        "data_file": Path(data).name,
        "target": result.encoder.target,
        "n_rows_read": result.n_rows_read,
        "n_rows_used": result.n_rows_used,
        "n_rows_dropped": result.n_rows_dropped,
        "train_accuracy": result.train_accuracy,
        "fit_seconds": result.fit_seconds,
        "fitted_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


# ------------------------------------------------------------------- predict
@dataclass(frozen=True)
class PredictResult:
    """What :func:`predict_file` wrote.

    Attributes
    ----------
    out : pathlib.Path
        The predictions file.
    columns : list of str
        Its columns: the identifier (if any), ``prediction``, ``proba_<class>``.
    n_rows_read, n_rows_written, n_rows_dropped : int
        Rows in the data, rows predicted, rows skipped for missing values.
    unseen_counts : dict of str to int
        Rows per column whose category the model never saw (encoded as
        all-zero indicators).
    notes : tuple of str
        Why the batches are smaller than the default, if they are.
    """

    out: Path
    columns: list[str]
    n_rows_read: int
    n_rows_written: int
    n_rows_dropped: int
    unseen_counts: dict[str, int]
    notes: tuple[str, ...] = ()


class _Predictor:
    """Turns record batches of the data into record batches of predictions.

    Parameters
    ----------
    model : ModelFile
        From :func:`load_table_model`.
    id_field : pyarrow.Field or None
        The identifier column copied to the output first, if any.
    """

    def __init__(self, model: ModelFile, id_field: pa.Field | None) -> None:
        self.pa = require_pyarrow()
        self.estimator, self.encoder = model.estimator, model.preprocessor
        self.id_name = None if id_field is None else id_field.name
        classes = self.estimator.classes_
        fields = [] if id_field is None else [id_field]
        fields.append(self.pa.field(PREDICTION_COLUMN, self.pa.array(classes).type))
        fields += [
            self.pa.field(PROBABILITY_PREFIX + name, self.pa.float64())
            for name in _class_names(classes)
        ]
        names = [field.name for field in fields]
        clashes = sorted({name for name in names if names.count(name) > 1})
        if clashes:
            raise ValueError(
                f"the output would have duplicate columns {clashes}: rename the "
                "identifier column"
            )
        self.schema = self.pa.schema(fields)
        self.n_dropped = 0
        self.unseen_counts: dict[str, int] = {}

    def predict(self, batch: pa.RecordBatch) -> pa.RecordBatch | None:
        """Predictions for the complete rows of ``batch``; None if there are none."""
        pa = self.pa
        X, kept = self.encoder.transform(
            batch, drop_missing=True, unseen_counts=self.unseen_counts
        )
        self.n_dropped += int(np.count_nonzero(~kept))
        if not len(X):
            return None
        features = _feature_frame(X, self.encoder)
        proba = self.estimator.predict_proba(features)
        labels = self.estimator.predict(features)
        arrays = [] if self.id_name is None else [batch.column(self.id_name)]
        arrays = [array.filter(pa.array(kept)) for array in arrays]
        arrays.append(pa.array(labels, self.schema.field(PREDICTION_COLUMN).type))
        arrays += [pa.array(proba[:, k]) for k in range(proba.shape[1])]
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)


class _MissingTally:
    """Missing values per column, counted over every batch of a file."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self.counts: dict[str, int] = {}

    def add(self, batch: pa.RecordBatch) -> None:
        _, counts = missing_rows(require_pyarrow(), batch, self.columns)
        for name, count in counts.items():
            self.counts[name] = self.counts.get(name, 0) + count

    def raise_if_any(self) -> None:
        if self.counts:
            ordered = {n: self.counts[n] for n in self.columns if n in self.counts}
            raise ValueError(missing_message(ordered))


def predict_file(
    model: str | os.PathLike[str],
    data: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    batch_rows: int | None = None,
    id_column: str | None = None,
    drop_missing: bool = False,
    on_batch: Callable[[int], None] | None = None,
) -> PredictResult:
    """Predict every row of a data file, streaming it batch by batch.

    Memory is bounded by ``batch_rows``: files larger than memory work. The
    output has a ``prediction`` column (the most probable class) and one
    ``proba_<class>`` column per class, after the ``id_column`` if given.

    Parameters
    ----------
    model : str or os.PathLike
        A model file written by :func:`fit_model`.
    data : str or os.PathLike
        A CSV or Parquet file with the model's input columns (others ignored).
    out : str or os.PathLike
        ``.csv``, ``.csv.gz``, ``.tsv``, ``.tsv.gz``, ``.parquet`` or ``.pq``;
        written atomically (nothing appears there on failure); neither
        ``model`` nor ``data``.
    batch_rows : int, optional
        Rows per batch; by default 65,536, or fewer where a batch of encoded
        rows and probabilities would not fit in memory.
    id_column : str, optional
        A column of ``data`` copied to the output, to identify the rows.
    drop_missing : bool, default=False
        Skip rows with a missing input value; by default they raise, after the
        whole file is counted, naming each column and its count.
    on_batch : callable, optional
        Called with the number of rows read so far after each batch.

    Returns
    -------
    PredictResult

    Raises
    ------
    ValueError
        For absent or mistyped input columns, missing values (unless
        ``drop_missing``), a bad ``out``, or a ``batch_rows`` too large for
        memory.
    """
    if batch_rows is not None:
        batch_rows = _check_batch_rows(batch_rows)
    loaded = load_table_model(model)
    out = _check_output_path(out, SUPPORTED_SUFFIXES, inputs=[model, data])
    batch_rows, note = memory.batch_rows_that_fit(
        batch_rows,
        loaded.preprocessor.n_features_out,
        len(loaded.estimator.classes_),
        "predicting",
    )
    inputs = loaded.preprocessor.input_columns
    columns = inputs if id_column is None else [id_column, *inputs]
    batches = iter_batches(
        data,
        columns=columns,  # iter_batches reads a repeated name once
        batch_rows=batch_rows,
        column_types=loaded.preprocessor.read_types,
    )
    first = next(batches)
    predictor = _Predictor(
        loaded, None if id_column is None else first.schema.field(id_column)
    )
    missing = _MissingTally(inputs)
    n_read = 0
    with BatchWriter(out, predictor.schema) as writer:
        for batch in itertools.chain([first], batches):
            n_read += batch.num_rows
            if not drop_missing:
                missing.add(batch)
            if not missing.counts:  # once a value is missing, only count the rest
                predictions = predictor.predict(batch)
                if predictions is not None:
                    writer.write(predictions)
            if on_batch is not None:
                on_batch(n_read)
        missing.raise_if_any()
    return PredictResult(
        out=out,
        columns=predictor.schema.names,
        n_rows_read=n_read,
        n_rows_written=writer.rows_written,
        n_rows_dropped=predictor.n_dropped,
        unseen_counts=predictor.unseen_counts,
        notes=() if note is None else (note,),
    )


# ------------------------------------------------------- evaluate and report
@dataclass(frozen=True)
class _LabelledData:
    """Encoded features and true labels of a data file."""

    features: pd.DataFrame
    y: np.ndarray
    n_rows_read: int
    n_rows_dropped: int
    unseen_counts: dict[str, int]


def _label_type(pa: Any, classes: np.ndarray) -> pa.DataType:
    """The type to read labels as: that of the model's classes (CSV "1" vs 1)."""
    return pa.array(classes).type


def _labelled_data(
    model: ModelFile,
    data: str | os.PathLike[str],
    target: str | None,
    drop_missing: bool,
) -> _LabelledData:
    """Read ``data`` and encode it as the model's features and labels."""
    pa = require_pyarrow()
    encoder = model.preprocessor
    target = encoder.target if target is None else target
    if target in encoder.input_columns:
        raise ValueError(f"the target {target!r} is one of the model's features")
    types = {
        **encoder.read_types,
        target: _label_type(pa, model.estimator.classes_),
    }
    memory.check_file_fits(data, "evaluating a model")
    table = read_table(
        data, columns=[*encoder.input_columns, target], column_types=types
    )
    memory.check_fits_whole(table.num_rows, encoder, len(model.estimator.classes_))
    # The labels may sit under another name than at fit.
    table = table.rename_columns(
        [encoder.target if name == target else name for name in table.schema.names]
    )
    unseen: dict[str, int] = {}
    X, y, kept = encoder.transform_xy(
        table, drop_missing=drop_missing, unseen_counts=unseen
    )
    return _LabelledData(
        features=_feature_frame(X, encoder),
        y=y,
        n_rows_read=table.num_rows,
        n_rows_dropped=int(np.count_nonzero(~kept)),
        unseen_counts=unseen,
    )


@dataclass(frozen=True)
class Evaluation:
    """What :func:`evaluate_file` measured.

    Attributes
    ----------
    metrics : dict
        :func:`logreg.cli.report.evaluation_metrics` of the model on the data.
    n_rows_read, n_rows_dropped : int
        Rows in the data, and rows left out for missing values.
    unseen_counts : dict of str to int
        Rows per column with a category the model never saw.
    """

    metrics: dict[str, Any]
    n_rows_read: int
    n_rows_dropped: int
    unseen_counts: dict[str, int]


def evaluate_file(
    model: str | os.PathLike[str],
    data: str | os.PathLike[str],
    *,
    target: str | None = None,
    drop_missing: bool = False,
) -> Evaluation:
    """Classification metrics of a saved model on a labelled data file.

    Parameters
    ----------
    model : str or os.PathLike
        A model file written by :func:`fit_model`.
    data : str or os.PathLike
        A CSV or Parquet file with the model's input columns and the labels.
    target : str, optional
        The label column; by default the one the model was fitted with.
    drop_missing : bool, default=False
        Leave out rows with a missing value instead of raising.

    Returns
    -------
    Evaluation

    Raises
    ------
    ValueError
        For absent columns, missing values, or labels the model never saw.
    """
    from logreg.cli.report import evaluation_metrics

    loaded = load_table_model(model)
    labelled = _labelled_data(loaded, data, target, drop_missing)
    metrics = evaluation_metrics(loaded.estimator, labelled.features, labelled.y)
    return Evaluation(
        metrics=metrics,
        n_rows_read=labelled.n_rows_read,
        n_rows_dropped=labelled.n_rows_dropped,
        unseen_counts=labelled.unseen_counts,
    )


@dataclass(frozen=True)
class ReportResult:
    """What :func:`report_file` wrote.

    Attributes
    ----------
    out : pathlib.Path
        The HTML file.
    n_rows_read, n_rows_dropped : int
        Rows in the data, and rows left out for missing values.
    unseen_counts : dict of str to int
        Rows per column with a category the model never saw.
    no_intervals : str or None
        Why the coefficient table has no intervals (the model's summary
        failed, e.g. a singular information matrix), or None.
    """

    out: Path
    n_rows_read: int
    n_rows_dropped: int
    unseen_counts: dict[str, int]
    no_intervals: str | None


def report_file(
    model: str | os.PathLike[str],
    data: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    target: str | None = None,
    drop_missing: bool = False,
    title: str = "logreg report",
) -> ReportResult:
    """Write the HTML report of a saved model on a labelled data file.

    Parameters
    ----------
    model : str or os.PathLike
        A model file written by :func:`fit_model`.
    data : str or os.PathLike
        A CSV or Parquet file with the model's input columns and the labels.
    out : str or os.PathLike
        The ``.html`` file, written atomically.
    target : str, optional
        The label column; by default the one the model was fitted with.
    drop_missing : bool, default=False
        Leave out rows with a missing value instead of raising.
    title : str, default="logreg report"
        The page's title.

    Returns
    -------
    ReportResult
    """
    from logreg.cli.report import build_report, write_report

    loaded = load_table_model(model)
    out = _check_output_path(out, REPORT_SUFFIXES, inputs=[model, data])
    labelled = _labelled_data(loaded, data, target, drop_missing)
    estimator, encoder = loaded.estimator, loaded.preprocessor
    try:
        table, no_intervals = estimator.summary().to_frame(), None
    except ValueError as error:  # no statistics, or a singular information
        table, no_intervals = None, str(error)
    page = build_report(
        estimator,
        labelled.features,
        labelled.y,
        feature_names=encoder.feature_names_out,
        title=title,
        data_name=Path(data).name,
        coefficient_table=table,
    )
    write_report(page, out)
    return ReportResult(
        out=out,
        n_rows_read=labelled.n_rows_read,
        n_rows_dropped=labelled.n_rows_dropped,
        unseen_counts=labelled.unseen_counts,
        no_intervals=no_intervals,
    )


# ------------------------------------------------------------------- summary
def _original_scale_map(encoder: TableEncoder) -> np.ndarray:
    """The matrix taking ``(intercept, coef)`` on encoded features to original units.

    :meth:`TableEncoder.original_scale` is linear in ``(coef, intercept)``, so
    its images of the unit vectors are the columns of the map.

    Returns
    -------
    ndarray of shape (n_features_out + 1, n_features_out + 1)
    """
    basis = np.eye(encoder.n_features_out + 1)
    coef, intercept = encoder.original_scale(basis[:, 1:], basis[:, 0])
    return np.column_stack([intercept, coef]).T


def original_scale_table(model: ModelFile, summary: Summary) -> pd.DataFrame:
    r"""The summary's coefficient table mapped back to the columns' own units.

    A numeric feature standardised as :math:`(x - m)/s` has the coefficient
    :math:`c/s` per unit of :math:`x`, and the intercept becomes
    :math:`b - \sum_j c_j m_j / s_j`. The map :math:`A` is linear, so the
    covariance of the mapped estimates is exactly :math:`A V A^\top`: the
    standard errors (and z, p-values, intervals) of the intercept too. This
    is the same model, with the same predictions, in other units.

    Parameters
    ----------
    model : ModelFile
        A model with its encoder, from :func:`load_table_model`.
    summary : Summary
        ``model.estimator.summary(...)``.

    Returns
    -------
    pandas.DataFrame
        Like ``summary.to_frame()``: same index, columns ``coef, std_err, z,
        p_value, ci_low, ci_high``.
    """
    if not model.estimator.fit_intercept:
        raise ValueError("the original scale needs a model with an intercept")
    frame = summary.to_frame()
    n_blocks = max(len(summary.classes) - 1, 1)
    # One (intercept, coef) block per reported class, each mapped alike.
    mapping = np.kron(np.eye(n_blocks), _original_scale_map(model.preprocessor))
    estimate = mapping @ frame["coef"].to_numpy()
    covariance = mapping @ summary.covariance @ mapping.T
    std_err = np.sqrt(np.diag(covariance))
    return coefficient_frame(frame.index, estimate, std_err, summary.alpha, "coef")
