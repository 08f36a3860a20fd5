"""Data files for the command line: reading, feature encoding and writing.

Everything about CSV/Parquet files and turning their columns into a float
feature matrix lives here; none of the model's math does. pyarrow is imported
lazily, inside the functions that need it (``pip install 'logreg[files]'``).

Reading
    :func:`read_table` reads a whole file, :func:`iter_batches` streams it as
    record batches so files larger than memory work, :func:`column_names`
    lists its columns. The format follows the file name: ``.csv``,
    ``.csv.gz``, ``.tsv``, ``.tsv.gz`` (CSV) and ``.parquet``, ``.pq``
    (Parquet). In CSV files an empty cell (and ``NA``, ``NaN``, ``null``, ...)
    is a missing value in every column, strings included.

Encoding (:class:`TableEncoder`)
    The feature columns are all columns except the target and the excluded
    ones, in file order.

    * Numbers and booleans become one float feature each, named ``col``,
      standardised to ``(x - mean) / std`` with the training mean and
      population standard deviation (``ddof=0``). A constant column keeps
      ``std = 1`` (it is only centred) instead of being divided by zero.
      Numeric columns stay numeric however few distinct values they have
      (a 0/1 or 1-5 column is not one-hot encoded).
    * Strings and categoricals (dictionary columns) become one indicator
      (0/1) feature per category, named ``col=value``, categories sorted.
      Every category is kept, with no dropped reference level: the model is
      penalised by default, which makes the coefficients unique. (With
      ``C=inf`` and an intercept the indicators of a column sum to the
      intercept's column of ones, so coefficients are not unique, though
      predictions are.) Indicators are not standardised.
    * A category not seen at fit encodes as an all-zero row of that column's
      indicators; :meth:`TableEncoder.transform` counts such rows per column.
    * Other column types (dates, lists, binary, ...) raise ``ValueError``
      naming the column and its type.
    * A missing value (null or NaN) in a used column raises ``ValueError``
      naming the column and its number of missing values, unless
      ``drop_missing=True``: then rows with any missing used value are
      dropped, and the count is recorded.

Writing
    :func:`write_table` and :class:`BatchWriter` write ``.csv``, ``.csv.gz``,
    ``.tsv``, ``.tsv.gz``, ``.parquet`` or ``.pq`` files atomically: into a
    temporary file in the same directory, renamed over the target only when
    complete.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import os
import secrets
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.exceptions import NotFittedError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "DEFAULT_BATCH_ROWS",
    "SUPPORTED_SUFFIXES",
    "BatchWriter",
    "TableEncoder",
    "column_names",
    "iter_batches",
    "missing_message",
    "missing_rows",
    "read_table",
    "require_pyarrow",
    "write_table",
]

#: Rows per batch that :func:`iter_batches` yields by default.
DEFAULT_BATCH_ROWS = 65536


@dataclass(frozen=True)
class _Format:
    """How to read or write a file: ``kind`` is "csv" or "parquet"."""

    kind: str
    delimiter: str = ","
    compression: str | None = None


_FORMATS = {
    ".csv": _Format("csv"),
    ".csv.gz": _Format("csv", compression="gzip"),
    ".tsv": _Format("csv", delimiter="\t"),
    ".tsv.gz": _Format("csv", delimiter="\t", compression="gzip"),
    ".parquet": _Format("parquet"),
    ".pq": _Format("parquet"),
}
#: File name endings understood by the readers and writers.
SUPPORTED_SUFFIXES = tuple(_FORMATS)

_MAX_MESSAGE = 200
_CSV_TYPE_HINT = (
    " (a streamed CSV column takes its type from the first rows of the file "
    "and a later value does not fit it: convert the file to Parquet, or give "
    "the column's type)"
)


# ------------------------------------------------------------------ helpers
def require_pyarrow() -> ModuleType:
    """Import pyarrow with its compute, csv and parquet modules.

    Returns
    -------
    module
        ``pyarrow``.

    Raises
    ------
    ImportError
        With the install hint ``pip install 'logreg[files]'``.
    """
    try:
        pa = importlib.import_module("pyarrow")
        for name in ("compute", "csv", "parquet"):
            importlib.import_module(f"pyarrow.{name}")
    except ImportError as error:
        raise ImportError(
            "Reading and writing data files needs pyarrow: pip install 'logreg[files]'"
        ) from error
    return pa


def _file_format(path: Path) -> _Format:
    """The format for ``path``'s name ending; ValueError for an unknown one."""
    name = path.name.lower()
    # Longest endings first, so ".csv.gz" wins over a plain ".gz".
    for suffix in sorted(_FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return _FORMATS[suffix]
    ending = "".join(path.suffixes[-2:]) or "(none)"
    raise ValueError(
        f"cannot tell the format of {path}: unsupported file extension {ending}; "
        f"supported: {', '.join(SUPPORTED_SUFFIXES)}"
    )


def _existing_file(path: str | os.PathLike[str]) -> tuple[Path, _Format]:
    """``path`` as a Path with its format, once it is known to be a file."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"data file not found: {path}")
    if not path.is_file():
        raise ValueError(f"cannot read {path}: it is not a file")
    return path, _file_format(path)


def _one_line(text: str) -> str:
    """First line of ``text``, printable and at most ``_MAX_MESSAGE`` long."""
    lines = [line for line in str(text).splitlines() if line.strip()]
    line = lines[0].strip() if lines else "unknown error"
    line = "".join(c if c.isprintable() else "?" for c in line)
    if len(line) > _MAX_MESSAGE:
        line = line[: _MAX_MESSAGE - 3] + "..."
    return line


@contextlib.contextmanager
def _reading(pa: ModuleType, path: Path, streaming: bool = False) -> Iterator[None]:
    """Turn pyarrow's and the OS's read errors into one-line ValueErrors."""
    try:
        yield
    except (pa.ArrowException, OSError) as error:
        message = _one_line(str(error))
        if streaming and "CSV conversion error" in message:
            message += _CSV_TYPE_HINT
        raise ValueError(f"cannot read {path}: {message}") from None


def _name_list(names: Sequence[str], limit: int = 20) -> str:
    """``names`` quoted and comma-separated, cut after ``limit``."""
    shown = ", ".join(repr(name) for name in names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def _columns_phrase(names: Sequence[str]) -> str:
    """``column 'a'`` or ``columns 'a', 'b'``."""
    return f"column{'s' if len(names) > 1 else ''} {_name_list(names)}"


def _check_unique(names: Sequence[str], where: str) -> None:
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(
            f"{where} has duplicate column names: {_name_list(duplicates)}"
        )


def _pandas_index_columns(schema: pa.Schema) -> set[str]:
    """Columns that only hold a pandas index (written by ``DataFrame.to_parquet``)."""
    metadata = schema.pandas_metadata or {}
    return {name for name in metadata.get("index_columns", []) if isinstance(name, str)}


def _file_columns(pa: ModuleType, path: Path, fmt: _Format) -> list[str]:
    """The data columns of a file, in order, without pandas index columns."""
    with _reading(pa, path):
        if fmt.kind == "parquet":
            schema = pa.parquet.read_schema(path)
            index = _pandas_index_columns(schema)
            names = [name for name in schema.names if name not in index]
        else:
            with pa.input_stream(str(path), compression=fmt.compression) as stream:
                reader = pa.csv.open_csv(
                    stream, parse_options=pa.csv.ParseOptions(delimiter=fmt.delimiter)
                )
                names = list(reader.schema.names)
    _check_unique(names, str(path))
    return names


def _selected_columns(
    pa: ModuleType, path: Path, fmt: _Format, columns: Iterable[str] | None
) -> list[str]:
    """``columns`` (all by default), checked against the file's columns."""
    available = _file_columns(pa, path, fmt)
    if columns is None:
        return available
    wanted = list(dict.fromkeys(columns))
    if not wanted:
        raise ValueError("columns must name at least one column")
    absent = [name for name in wanted if name not in available]
    if absent:
        raise ValueError(
            f"{path} has no column {_name_list(absent)}; "
            f"its columns are {_name_list(available)}"
        )
    return wanted


def _csv_convert_options(
    pa: ModuleType, columns: list[str], column_types: Mapping[str, Any] | None
) -> Any:
    return pa.csv.ConvertOptions(
        include_columns=columns,
        column_types=dict(column_types or {}),
        # An empty cell is missing in string columns too, as in numeric ones.
        strings_can_be_null=True,
    )


def _cast_columns(
    pa: ModuleType, data: Any, column_types: Mapping[str, Any] | None
) -> Any:
    """``data`` (a Table or RecordBatch) with the named columns cast."""
    if not column_types:
        return data
    arrays = [
        pa.compute.cast(column, column_types[name]) if name in column_types else column
        for name, column in zip(data.schema.names, data.columns, strict=True)
    ]
    return type(data).from_arrays(arrays, names=data.schema.names)


def _check_batch_rows(batch_rows: int) -> int:
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int | np.integer):
        raise ValueError(f"batch_rows must be an int >= 1, got {batch_rows!r}")
    if batch_rows < 1:
        raise ValueError(f"batch_rows must be an int >= 1, got {batch_rows!r}")
    return int(batch_rows)


# ------------------------------------------------------------------ reading
def column_names(path: str | os.PathLike[str]) -> list[str]:
    """The column names of a CSV or Parquet file, in file order.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.csv``, ``.csv.gz``, ``.tsv``, ``.tsv.gz``, ``.parquet`` or
        ``.pq`` file.

    Returns
    -------
    list of str of length n_columns
        Without the index columns that pandas stores in Parquet files.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        For an unsupported extension, an unreadable file or duplicate names.
    """
    pa = require_pyarrow()
    path, fmt = _existing_file(path)
    return _file_columns(pa, path, fmt)


def read_table(
    path: str | os.PathLike[str],
    columns: Iterable[str] | None = None,
    *,
    column_types: Mapping[str, Any] | None = None,
) -> pa.Table:
    """Read a whole CSV or Parquet file into memory.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.csv``, ``.csv.gz``, ``.tsv``, ``.tsv.gz``, ``.parquet`` or
        ``.pq`` file.
    columns : iterable of str, optional
        Columns to read, in this order; all by default.
    column_types : mapping of str to pyarrow.DataType, optional
        Types to read these columns as (parsed so for CSV, cast for Parquet),
        e.g. :attr:`TableEncoder.read_types`.

    Returns
    -------
    pyarrow.Table of shape (n_rows, n_columns)
        At least one row. CSV column types are inferred from the whole file.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        For an unsupported extension, a file that cannot be read (empty,
        damaged, not CSV/Parquet), a missing column, or a file with no rows.
    """
    pa = require_pyarrow()
    path, fmt = _existing_file(path)
    names = _selected_columns(pa, path, fmt, columns)
    with _reading(pa, path):
        if fmt.kind == "parquet":
            with pa.parquet.ParquetFile(path) as file:
                table = _cast_columns(pa, file.read(columns=names), column_types)
        else:
            with pa.input_stream(str(path), compression=fmt.compression) as stream:
                table = pa.csv.read_csv(
                    stream,
                    parse_options=pa.csv.ParseOptions(delimiter=fmt.delimiter),
                    convert_options=_csv_convert_options(pa, names, column_types),
                )
    if table.num_rows == 0:
        raise ValueError(f"{path} has no rows")
    return table


def iter_batches(
    path: str | os.PathLike[str],
    columns: Iterable[str] | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    *,
    column_types: Mapping[str, Any] | None = None,
) -> Iterator[pa.RecordBatch]:
    """Stream a CSV or Parquet file from disk as record batches.

    Only about one batch is held in memory at a time. The file is opened (and
    its first rows read) by this call, so a missing, unreadable or empty file
    fails here rather than at the first ``next``.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.csv``, ``.csv.gz``, ``.tsv``, ``.tsv.gz``, ``.parquet`` or
        ``.pq`` file.
    columns : iterable of str, optional
        Columns to read, in this order; all by default.
    batch_rows : int, default=65536
        Rows per batch: every batch but the last has exactly this many.
    column_types : mapping of str to pyarrow.DataType, optional
        Types to read these columns as (parsed so for CSV, cast for Parquet).
        Without it a CSV column's type is inferred from the first block of
        the file (about 1 MiB); a later value that does not fit raises
        ``ValueError`` during iteration.

    Returns
    -------
    iterator of pyarrow.RecordBatch of shape (<= batch_rows, n_columns)

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        For an unsupported extension, a file that cannot be read, a missing
        column, a file with no rows, or ``batch_rows < 1``; a read error in a
        later part of the file is raised as ``ValueError`` by ``next``.
    """
    pa = require_pyarrow()
    path, fmt = _existing_file(path)
    batch_rows = _check_batch_rows(batch_rows)
    names = _selected_columns(pa, path, fmt, columns)
    if fmt.kind == "parquet":
        batches = _parquet_batches(pa, path, names, batch_rows, column_types)
    else:
        batches = _csv_batches(pa, path, fmt, names, column_types)
    with _reading(pa, path, streaming=True):
        first = next(batches, None)
    if first is None:
        raise ValueError(f"{path} has no rows")
    rest = _translated_errors(pa, path, batches)
    return _rechunk(pa, itertools.chain([first], rest), batch_rows)


def _parquet_batches(
    pa: ModuleType,
    path: Path,
    names: list[str],
    batch_rows: int,
    column_types: Mapping[str, Any] | None,
) -> Iterator[pa.RecordBatch]:
    # pre_buffer (pyarrow's default) reads ahead the whole file's column
    # chunks: on a 190 MB file it held 197 MB; without it, one row group.
    with pa.parquet.ParquetFile(path, pre_buffer=False) as file:
        for batch in file.iter_batches(batch_size=batch_rows, columns=names):
            if batch.num_rows:
                yield _cast_columns(pa, batch, column_types)


def _csv_batches(
    pa: ModuleType,
    path: Path,
    fmt: _Format,
    names: list[str],
    column_types: Mapping[str, Any] | None,
) -> Iterator[pa.RecordBatch]:
    with pa.input_stream(str(path), compression=fmt.compression) as stream:
        reader = pa.csv.open_csv(
            stream,
            parse_options=pa.csv.ParseOptions(delimiter=fmt.delimiter),
            convert_options=_csv_convert_options(pa, names, column_types),
        )
        for batch in reader:
            if batch.num_rows:
                yield batch


def _translated_errors(
    pa: ModuleType, path: Path, batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """``batches``, with read errors raised as one-line ValueErrors."""
    while True:
        with _reading(pa, path, streaming=True):
            batch = next(batches, None)
        if batch is None:
            return
        yield batch


def _rechunk(
    pa: ModuleType, batches: Iterable[pa.RecordBatch], batch_rows: int
) -> Iterator[pa.RecordBatch]:
    """Regroup ``batches`` into batches of exactly ``batch_rows`` (the last fewer)."""
    pending: list[pa.RecordBatch] = []
    n_pending = 0
    for batch in batches:
        pending.append(batch)
        n_pending += batch.num_rows
        if n_pending < batch_rows:
            continue
        table = pa.Table.from_batches(pending).combine_chunks()
        n_full = n_pending - n_pending % batch_rows
        yield from table.slice(0, n_full).to_batches(max_chunksize=batch_rows)
        rest = table.slice(n_full)
        pending, n_pending = rest.to_batches(), rest.num_rows
    if n_pending:
        yield from pa.Table.from_batches(pending).combine_chunks().to_batches()


# ----------------------------------------------------------------- encoding
_NUMBER, _BOOL, _CATEGORY = "number", "bool", "category"
_KINDS = (_NUMBER, _BOOL, _CATEGORY)


@dataclass(frozen=True)
class _Column:
    """One input column and how it becomes features."""

    name: str
    kind: str
    categories: tuple[str, ...] = ()

    @property
    def feature_names(self) -> list[str]:
        if self.kind == _CATEGORY:
            return [f"{self.name}={value}" for value in self.categories]
        return [self.name]


def _is_text(pa: ModuleType, dtype: Any) -> bool:
    is_view = getattr(pa.types, "is_string_view", lambda _: False)
    return (
        pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or is_view(dtype)
    )


def _is_number(pa: ModuleType, dtype: Any) -> bool:
    types = pa.types
    return (
        types.is_integer(dtype) or types.is_floating(dtype) or types.is_decimal(dtype)
    )


def _feature_kind(pa: ModuleType, dtype: Any) -> str | None:
    """The kind of feature a column of type ``dtype`` gives; None if none."""
    if pa.types.is_boolean(dtype):
        return _BOOL
    if _is_number(pa, dtype):
        return _NUMBER
    if _is_text(pa, dtype) or pa.types.is_dictionary(dtype):
        return _CATEGORY
    return None


def _accepts(pa: ModuleType, kind: str, dtype: Any) -> bool:
    """Whether a column of type ``dtype`` can be encoded as ``kind`` at transform."""
    if pa.types.is_null(dtype):
        return True
    if kind == _CATEGORY:
        return (
            _is_text(pa, dtype)
            or pa.types.is_dictionary(dtype)
            or pa.types.is_integer(dtype)
        )
    return pa.types.is_boolean(dtype) or _is_number(pa, dtype)


def _as_arrow(pa: ModuleType, data: Any) -> Any:
    """A pyarrow Table or RecordBatch for ``data`` (pandas DataFrames converted)."""
    if isinstance(data, pa.Table | pa.RecordBatch):
        return data
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(data, pandas.DataFrame):
        return pa.Table.from_pandas(data, preserve_index=False)
    raise TypeError(
        "expected a pyarrow Table or RecordBatch (or a pandas DataFrame), "
        f"got {type(data).__name__}"
    )


def _batches(pa: ModuleType, data: Any) -> Iterator[pa.RecordBatch]:
    """Record batches of a Table, RecordBatch, DataFrame or iterable of them."""
    is_single = isinstance(data, pa.Table | pa.RecordBatch)
    pandas = sys.modules.get("pandas")
    if is_single or (pandas is not None and isinstance(data, pandas.DataFrame)):
        data = [data]
    for item in data:
        item = _as_arrow(pa, item)
        if isinstance(item, pa.RecordBatch):
            yield item
        else:
            yield from item.to_batches()


def _float_values(pa: ModuleType, column: Any) -> np.ndarray:
    """A numeric or boolean column as float64 of shape (n_rows,), NaN if null."""
    values = pa.compute.cast(column, pa.float64())
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64)


def _text_values(pa: ModuleType, column: Any) -> Any:
    """A string, categorical or integer column as pyarrow strings."""
    return pa.compute.cast(column, pa.string())


def _value_type(pa: ModuleType, dtype: Any) -> Any:
    """The type of the values: ``dtype`` itself, or a dictionary's value type."""
    return dtype.value_type if pa.types.is_dictionary(dtype) else dtype


def _labels(pa: ModuleType, column: Any) -> np.ndarray:
    """Target values as NumPy: strings stay strings (object), ints stay ints."""
    column = pa.compute.cast(column, _value_type(pa, column.type))
    return column.to_numpy(zero_copy_only=False)


def missing_rows(
    pa: ModuleType, data: Any, names: Iterable[str]
) -> tuple[np.ndarray, dict[str, int]]:
    """Rows with a null or NaN in any of ``names``, and the count per column.

    Parameters
    ----------
    pa : module
        pyarrow, from :func:`require_pyarrow`.
    data : pyarrow.Table or pyarrow.RecordBatch
        Of shape (n_rows, n_columns).
    names : iterable of str
        The columns to look at.

    Returns
    -------
    rows : ndarray of shape (n_rows,), bool
    counts : dict of str to int
        Only the columns with at least one missing value.
    """
    rows = np.zeros(data.num_rows, dtype=bool)
    counts = {}
    for name in names:
        column = data.column(name)
        mask = pa.compute.is_null(column, nan_is_null=True)
        mask = np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)
        if mask.any():
            counts[name] = int(mask.sum())
            rows |= mask
    return rows, counts


def missing_message(counts: Mapping[str, int]) -> str:
    """The one-line error for missing values, naming each column and its count.

    Parameters
    ----------
    counts : mapping of str to int
        Column name to number of missing values, as :func:`missing_rows` gives.

    Returns
    -------
    str
    """
    if len(counts) == 1:
        ((name, count),) = counts.items()
        plural = "s" if count != 1 else ""
        head = f"column {name!r} has {count} missing value{plural}"
    else:
        listed = ", ".join(f"{name!r} ({count})" for name, count in counts.items())
        head = f"columns have missing values: {listed}"
    return head + "; pass --drop-missing to drop those rows"


def _one_hot(
    pa: ModuleType, values: Any, categories: tuple[str, ...], out: np.ndarray
) -> int:
    """Set ``out[i, k] = 1`` where row ``i`` holds category ``k``.

    Parameters
    ----------
    values : pyarrow array of length n_rows
    categories : tuple of str of length n_categories
    out : ndarray of shape (n_rows, n_categories), zeros, written in place

    Returns
    -------
    int
        Number of rows whose value is not among ``categories`` (left all 0).
    """
    index = pa.compute.index_in(
        _text_values(pa, values), value_set=pa.array(categories, pa.string())
    )
    index = pa.compute.fill_null(index, -1).to_numpy(zero_copy_only=False)
    seen = index >= 0
    out[np.flatnonzero(seen), index[seen]] = 1.0
    return int(np.count_nonzero(~seen))


class _RunningMoments:
    """Count, mean, sum of squared deviations, min and max per column.

    Blocks are merged with the pairwise update of Chan, Golub and LeVeque
    (1979): ``sum(x**2) - n * mean**2`` would cancel catastrophically for
    columns with a large mean and a small spread.
    """

    def __init__(self, n_columns: int) -> None:
        self.count = 0
        self.mean = np.zeros(n_columns)
        self.m2 = np.zeros(n_columns)
        self.low = np.full(n_columns, np.inf)
        self.high = np.full(n_columns, -np.inf)

    def update(self, block: np.ndarray) -> None:
        """Add the rows of ``block``, of shape (n_rows, n_columns)."""
        n_block = block.shape[0]
        if n_block == 0:
            return
        block_mean = block.mean(axis=0)
        block_m2 = ((block - block_mean) ** 2).sum(axis=0)
        total = self.count + n_block
        delta = block_mean - self.mean
        self.mean += delta * (n_block / total)
        self.m2 += block_m2 + delta**2 * (self.count * n_block / total)
        self.count = total
        self.low = np.minimum(self.low, block.min(axis=0))
        self.high = np.maximum(self.high, block.max(axis=0))

    def std(self) -> np.ndarray:
        """Population std per column; 1 where the column is constant."""
        std = np.sqrt(self.m2 / self.count)
        # min == max is exact, unlike a tiny std left over from rounding.
        return np.where(self.low == self.high, 1.0, std)


class _FitStatistics:
    """What one pass over the training batches learns: the encoder's statistics."""

    def __init__(
        self,
        pa: ModuleType,
        columns: list[_Column],
        target: tuple[str, Any] | None,
        drop_missing: bool,
        max_categories: int | None,
    ) -> None:
        self.pa = pa
        self.columns = columns
        self.target = target  # (name, value type), or None
        self.drop_missing = drop_missing
        self.max_categories = max_categories
        self.numeric = [c.name for c in columns if c.kind != _CATEGORY]
        self.moments = _RunningMoments(len(self.numeric))
        self.categories: dict[str, set[str]] = {
            c.name: set() for c in columns if c.kind == _CATEGORY
        }
        self.classes: set[Any] = set()
        self.used = [c.name for c in columns] + ([target[0]] if target else [])
        self.n_rows = 0
        self.n_dropped = 0
        self.missing_counts = dict.fromkeys(self.used, 0)

    def add(self, batch: pa.RecordBatch) -> None:
        """Learn from one batch."""
        absent = [name for name in self.used if name not in batch.schema.names]
        if absent:
            raise ValueError(f"a batch lacks the {_columns_phrase(absent)}")
        rows, counts = missing_rows(self.pa, batch, self.used)
        self.n_rows += batch.num_rows
        for name, count in counts.items():
            self.missing_counts[name] += count
        if self.drop_missing:
            if rows.any():
                self.n_dropped += int(rows.sum())
                batch = batch.filter(self.pa.array(~rows))
        elif any(self.missing_counts.values()):
            # check() raises once the pass has counted every missing value.
            return
        if batch.num_rows:
            self._learn_numbers(batch)
            self._learn_categories(batch)
            self._learn_classes(batch)

    def _learn_numbers(self, batch: pa.RecordBatch) -> None:
        if not self.numeric:
            return
        block = np.column_stack(
            [_float_values(self.pa, batch.column(name)) for name in self.numeric]
        )
        finite = np.isfinite(block).all(axis=0)
        if not finite.all():
            infinite = [self.numeric[j] for j in np.flatnonzero(~finite)]
            raise ValueError(f"infinite values in {_columns_phrase(infinite)}")
        self.moments.update(block)

    def _learn_categories(self, batch: pa.RecordBatch) -> None:
        for name, seen in self.categories.items():
            values = self.pa.compute.unique(_text_values(self.pa, batch.column(name)))
            seen.update(values.to_pylist())
            if self.max_categories is not None and len(seen) > self.max_categories:
                raise ValueError(
                    f"column {name!r} has more than {self.max_categories} distinct "
                    "values, too many to one-hot encode (an identifier?): exclude "
                    "it, or raise max_categories"
                )

    def _learn_classes(self, batch: pa.RecordBatch) -> None:
        if self.target is not None:
            labels = batch.column(self.target[0])
            self.classes.update(self.pa.compute.unique(labels).to_pylist())

    def check(self) -> None:
        """Raise for data that cannot be encoded: no rows, missing values."""
        if self.n_rows == 0:
            raise ValueError("the data have no rows")
        missing = {name: n for name, n in self.missing_counts.items() if n}
        if missing and not self.drop_missing:
            raise ValueError(missing_message(missing))
        if self.n_dropped == self.n_rows:
            raise ValueError(
                f"no rows left: all {self.n_rows} rows have a missing value"
            )

    def sorted_classes(self) -> np.ndarray | None:
        """The distinct labels, sorted, with the target's type; None without one."""
        if self.target is None:
            return None
        return _labels(self.pa, self.pa.array(sorted(self.classes), self.target[1]))


class TableEncoder:
    """Encode the columns of a table as a float feature matrix.

    Learns, in one pass over a table or a stream of record batches, which
    columns are features, their categories and their means and standard
    deviations; then encodes tables the same way. The rules are in the
    module docstring: numbers and booleans are standardised, strings and
    categoricals are one-hot encoded with every category kept, an unseen
    category is an all-zero row of indicators, and missing values raise
    unless ``drop_missing``.

    Parameters
    ----------
    target : str or None, default=None
        The label column; not a feature.
    exclude : sequence of str, default=()
        Columns that are not features either (identifiers, dates, ...).
    standardize : bool, default=True
        Standardise numeric features with the training mean and population
        std; indicators are never standardised.
    drop_missing : bool, default=False
        Drop rows with a missing value in any used column (the features and,
        at fit, the target) instead of raising.
    max_categories : int or None, default=1000
        Most distinct values a string column may have; more is almost always
        an identifier, whose one-hot encoding would not fit in memory.
        ``None`` means no limit.

    Attributes
    ----------
    center_ : ndarray of shape (n_features_out,)
        Subtracted from each feature: the training mean of a standardised
        numeric feature, else 0.
    scale_ : ndarray of shape (n_features_out,)
        Divides each centred feature: the training std of a standardised,
        non-constant numeric feature, else 1.
    categories_ : dict of str to list of str
        Sorted categories of each one-hot encoded column.
    classes_ : ndarray of shape (n_classes,) or None
        Sorted distinct target values among the rows used (None without a
        target).
    n_rows_seen_ : int
        Rows read at fit.
    n_rows_dropped_ : int
        Rows dropped at fit for missing values (0 unless ``drop_missing``).
    missing_counts_ : dict of str to int
        Missing values per used column at fit (only columns that had some).
    """

    def __init__(
        self,
        *,
        target: str | None = None,
        exclude: Sequence[str] = (),
        standardize: bool = True,
        drop_missing: bool = False,
        max_categories: int | None = 1000,
    ) -> None:
        self.target = target
        self.exclude = (exclude,) if isinstance(exclude, str) else tuple(exclude)
        self.standardize = standardize
        self.drop_missing = drop_missing
        self.max_categories = max_categories

    def __repr__(self) -> str:
        return (
            f"TableEncoder(target={self.target!r}, exclude={list(self.exclude)!r}, "
            f"standardize={self.standardize!r}, drop_missing={self.drop_missing!r})"
        )

    # --------------------------------------------------------------- fitting
    def _check_params(self) -> None:
        if self.target is not None and not isinstance(self.target, str):
            raise ValueError(f"target must be a column name, got {self.target!r}")
        if not all(isinstance(name, str) for name in self.exclude):
            raise ValueError(f"exclude must be column names, got {self.exclude!r}")
        for name in ("standardize", "drop_missing"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False")
        limit = self.max_categories
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        ):
            raise ValueError(
                f"max_categories must be None or an int >= 1, got {limit!r}"
            )

    def _plan_columns(self, pa: ModuleType, schema: pa.Schema) -> list[_Column]:
        """The feature columns of ``schema`` with their kinds (no categories yet)."""
        names = list(schema.names)
        _check_unique(names, "the data")
        if self.target is not None and self.target not in names:
            raise ValueError(
                f"no target column {self.target!r} in the data; "
                f"the columns are {_name_list(names)}"
            )
        unknown = [name for name in self.exclude if name not in names]
        if unknown:
            raise ValueError(
                f"cannot exclude {_name_list(unknown)}: no such columns; "
                f"the columns are {_name_list(names)}"
            )
        if self.target is not None and self.target in self.exclude:
            raise ValueError(f"the target {self.target!r} is also excluded")
        features = [n for n in names if n != self.target and n not in self.exclude]
        if not features:
            raise ValueError("no feature columns are left besides the target")
        if self.target is not None:
            self._check_target_type(pa, schema.field(self.target).type)
        return self._feature_columns(pa, schema, features)

    def _check_target_type(self, pa: ModuleType, dtype: Any) -> None:
        if _feature_kind(pa, dtype) is None:
            raise ValueError(
                f"target column {self.target!r} has type {dtype}; labels must be "
                "numbers, booleans or strings"
            )

    @staticmethod
    def _feature_columns(
        pa: ModuleType, schema: pa.Schema, features: list[str]
    ) -> list[_Column]:
        columns, unsupported = [], []
        for name in features:
            dtype = schema.field(name).type
            kind = _feature_kind(pa, dtype)
            if pa.types.is_null(dtype):
                unsupported.append(f"{name!r} (null: every value is missing)")
            elif kind is None:
                unsupported.append(f"{name!r} ({dtype})")
            else:
                columns.append(_Column(name, kind))
        if unsupported:
            raise ValueError(
                f"unsupported column types: {', '.join(unsupported)}; features must "
                "be numbers, booleans or strings: exclude these columns or convert them"
            )
        return columns

    def fit(self, data: Any) -> TableEncoder:
        """Learn the feature columns, categories and statistics in one pass.

        Parameters
        ----------
        data : pyarrow.Table, pyarrow.RecordBatch, pandas.DataFrame or iterable
            The training data of shape (n_rows, n_columns), or an iterable of
            record batches (e.g. :func:`iter_batches`) read once, so files
            larger than memory work. Column kinds follow the first batch.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For missing target or excluded columns, unsupported column types,
            no rows, infinite values, too many categories, or missing values
            (after the whole pass, with their count per column) unless
            ``drop_missing``.
        """
        pa = require_pyarrow()
        self._check_params()
        batches = _batches(pa, data)
        first = next(batches, None)
        if first is None:
            raise ValueError("the data have no rows")
        columns = self._plan_columns(pa, first.schema)
        target = None
        if self.target is not None:
            target = (
                self.target,
                _value_type(pa, first.schema.field(self.target).type),
            )
        statistics = _FitStatistics(
            pa, columns, target, self.drop_missing, self.max_categories
        )
        for batch in itertools.chain([first], batches):
            statistics.add(batch)
        statistics.check()
        self._set_fitted(pa, statistics)
        return self

    def _set_fitted(self, pa: ModuleType, statistics: _FitStatistics) -> None:
        self._columns = tuple(
            _Column(c.name, c.kind, tuple(sorted(statistics.categories[c.name])))
            if c.kind == _CATEGORY
            else c
            for c in statistics.columns
        )
        mean = dict(zip(statistics.numeric, statistics.moments.mean, strict=True))
        std = dict(zip(statistics.numeric, statistics.moments.std(), strict=True))
        center, scale = [], []
        for column in self._columns:
            n = len(column.feature_names)
            numeric = column.kind != _CATEGORY and self.standardize
            center += [mean[column.name]] * n if numeric else [0.0] * n
            scale += [std[column.name]] * n if numeric else [1.0] * n
        self.center_ = np.array(center, dtype=np.float64)
        self.scale_ = np.array(scale, dtype=np.float64)
        self.categories_ = {
            c.name: list(c.categories) for c in self._columns if c.kind == _CATEGORY
        }
        self.classes_ = statistics.sorted_classes()
        self.n_rows_seen_ = statistics.n_rows
        self.n_rows_dropped_ = statistics.n_dropped
        self.missing_counts_ = {
            name: n for name, n in statistics.missing_counts.items() if n
        }

    def _check_fitted(self) -> None:
        if not hasattr(self, "center_"):
            raise NotFittedError(
                "This TableEncoder is not fitted yet; call fit or from_state first."
            )

    # ---------------------------------------------------------- properties
    @property
    def input_columns(self) -> list[str]:
        """Names of the feature columns the encoder reads, in order.

        Returns
        -------
        list of str of length n_input_columns
        """
        self._check_fitted()
        return [column.name for column in self._columns]

    @property
    def feature_names_out(self) -> list[str]:
        """Names of the output features: ``col`` or ``col=value`` for indicators.

        Returns
        -------
        list of str of length n_features_out
        """
        self._check_fitted()
        return [name for column in self._columns for name in column.feature_names]

    @property
    def n_features_out(self) -> int:
        """Number of output features (columns of :meth:`transform`'s ``X``)."""
        self._check_fitted()
        return len(self.center_)

    @property
    def read_types(self) -> dict[str, pa.DataType]:
        """Types to read the feature columns of a new file with.

        Pass to :func:`iter_batches` or :func:`read_table` as ``column_types``
        so that a CSV file is parsed as at fit: numbers as float64, booleans
        as bool, categories as strings even where they look like numbers.

        Returns
        -------
        dict of str to pyarrow.DataType, one entry per input column
        """
        self._check_fitted()
        pa = require_pyarrow()
        arrow = {_NUMBER: pa.float64(), _BOOL: pa.bool_(), _CATEGORY: pa.string()}
        return {column.name: arrow[column.kind] for column in self._columns}

    # ------------------------------------------------------------ encoding
    def transform(
        self,
        data: Any,
        *,
        with_target: bool = False,
        drop_missing: bool | None = None,
        unseen_counts: dict[str, int] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Encode a table as the float feature matrix.

        Parameters
        ----------
        data : pyarrow.Table, pyarrow.RecordBatch or pandas.DataFrame
            Of shape (n_rows, n_columns); must hold every input column, may
            hold others (e.g. the target), which are ignored.
        with_target : bool, default=False
            Also require the target column and treat a missing label as a
            missing value, so that ``kept`` matches :meth:`target_values`
            (for training and evaluation).
        drop_missing : bool or None, default=None
            Drop rows with a missing used value instead of raising; ``None``
            uses the setting of the fit.
        unseen_counts : dict of str to int, optional
            Updated in place: column name -> number of kept rows whose
            category was not seen at fit (encoded as all-zero indicators).
            Pass the same dict for every batch of a file to total them.

        Returns
        -------
        X : ndarray of shape (n_kept, n_features_out), float64
            The encoded kept rows, in order.
        kept : ndarray of shape (n_rows,), bool
            Which rows of ``data`` are in ``X`` (all, unless rows were
            dropped for missing values).

        Raises
        ------
        ValueError
            For absent input columns (all are named), a column whose type
            cannot be encoded as at fit, infinite values, or missing values
            when not dropping them.
        """
        self._check_fitted()
        pa = require_pyarrow()
        data = _as_arrow(pa, data)
        used = self.input_columns
        if with_target:
            if self.target is None:
                raise ValueError("with_target=True needs an encoder with a target")
            used = [*used, self.target]
        self._check_columns(pa, data, used)
        rows, counts = missing_rows(pa, data, used)
        drop = self.drop_missing if drop_missing is None else drop_missing
        if counts and not drop:
            raise ValueError(missing_message(counts))
        if counts:
            data = data.filter(pa.array(~rows))
        X = self._encode(pa, data, unseen_counts)
        return X, ~rows

    def _check_columns(self, pa: ModuleType, data: Any, used: list[str]) -> None:
        names = data.schema.names
        absent = [name for name in used if name not in names]
        if absent:
            raise ValueError(
                f"the data lack the {_columns_phrase(absent)} "
                "that the model was fitted with"
            )
        for column in self._columns:
            dtype = data.schema.field(column.name).type
            if not _accepts(pa, column.kind, dtype):
                held = "strings" if column.kind == _CATEGORY else "numbers"
                raise ValueError(
                    f"column {column.name!r} has type {dtype} here but held "
                    f"{held} at fit"
                )

    def _encode(
        self, pa: ModuleType, data: Any, unseen_counts: dict[str, int] | None
    ) -> np.ndarray:
        """Features of the (complete) rows of ``data``, (n_rows, n_features_out)."""
        X = np.zeros((data.num_rows, self.n_features_out))
        start = 0
        for column in self._columns:
            stop = start + len(column.feature_names)
            values = data.column(column.name)
            if column.kind == _CATEGORY:
                unseen = _one_hot(pa, values, column.categories, X[:, start:stop])
                if unseen and unseen_counts is not None:
                    unseen_counts[column.name] = (
                        unseen_counts.get(column.name, 0) + unseen
                    )
            else:
                X[:, start] = _float_values(pa, values)
            start = stop
        if not np.all(np.isfinite(X)):
            bad = self._infinite_columns(X)
            raise ValueError(f"infinite values in {_columns_phrase(bad)}")
        if self.standardize:
            X -= self.center_
            X /= self.scale_
        return X

    def _infinite_columns(self, X: np.ndarray) -> list[str]:
        finite = np.isfinite(X).all(axis=0)
        names = self.feature_names_out
        return [names[j] for j in np.flatnonzero(~finite)]

    def target_values(self, data: Any, kept: np.ndarray | None = None) -> np.ndarray:
        """The labels of a table, as NumPy: strings stay strings, ints ints.

        Parameters
        ----------
        data : pyarrow.Table, pyarrow.RecordBatch or pandas.DataFrame
            Of shape (n_rows, n_columns), holding the target column.
        kept : ndarray of shape (n_rows,), bool, optional
            Keep only these rows, e.g. the ``kept`` of :meth:`transform` with
            ``with_target=True``.

        Returns
        -------
        ndarray of shape (n_kept,)
            Strings as an object array, integers as int64, booleans as bool.

        Raises
        ------
        ValueError
            Without a target, when the column is absent, or when a kept label
            is missing.
        """
        self._check_fitted()
        pa = require_pyarrow()
        data = _as_arrow(pa, data)
        if self.target is None:
            raise ValueError("this encoder has no target column")
        if self.target not in data.schema.names:
            raise ValueError(f"the data lack the target column {self.target!r}")
        if kept is not None:
            data = data.filter(pa.array(np.asarray(kept, dtype=bool)))
        _, counts = missing_rows(pa, data, [self.target])
        if counts:
            raise ValueError(missing_message(counts))
        return _labels(pa, data.column(self.target))

    def transform_xy(
        self,
        data: Any,
        *,
        drop_missing: bool | None = None,
        unseen_counts: dict[str, int] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Features and labels of the complete rows of a table.

        Parameters
        ----------
        data : pyarrow.Table, pyarrow.RecordBatch or pandas.DataFrame
            Of shape (n_rows, n_columns), holding the input and target columns.
        drop_missing, unseen_counts
            As for :meth:`transform`.

        Returns
        -------
        X : ndarray of shape (n_kept, n_features_out), float64
        y : ndarray of shape (n_kept,)
        kept : ndarray of shape (n_rows,), bool
        """
        X, kept = self.transform(
            data,
            with_target=True,
            drop_missing=drop_missing,
            unseen_counts=unseen_counts,
        )
        return X, self.target_values(data, kept), kept

    def original_scale(
        self, coef: np.ndarray, intercept: np.ndarray | float
    ) -> tuple[np.ndarray, np.ndarray | float]:
        r"""Map coefficients on the encoded features back to original units.

        A linear score on encoded features ``(x - center_) / scale_`` equals
        the score on raw features (numbers as read, indicators as 0/1) with

        .. math:: \beta_j = c_j / s_j, \qquad
                  b_0 = b - \sum_j c_j m_j / s_j

        per coefficient row. Only standardised numeric (and boolean) features
        change: indicators and, with ``standardize=False``, every feature
        have ``m = 0, s = 1``, and a constant column (``s = 1``) is only
        centred. This is the same model written in other units, with the same
        predictions; for a penalised fit it is not what fitting the raw data
        would give, since the penalty acts on the standardised coefficients.

        Parameters
        ----------
        coef : array-like of shape (n_features_out,) or (n_rows, n_features_out)
            Coefficients on the encoded features, e.g. ``coef_``.
        intercept : float or array-like of shape (n_rows,)
            Intercept(s) of the same rows, e.g. ``intercept_``.

        Returns
        -------
        coef : ndarray of the shape of ``coef``
        intercept : float or ndarray of shape (n_rows,)
        """
        self._check_fitted()
        coef = np.asarray(coef, dtype=np.float64)
        intercept = np.asarray(intercept, dtype=np.float64)
        if coef.ndim not in (1, 2) or coef.shape[-1] != self.n_features_out:
            raise ValueError(
                f"coef must have shape (n_features_out,) or (n_rows, n_features_out) "
                f"with n_features_out={self.n_features_out}, got {coef.shape}"
            )
        if intercept.shape != coef.shape[:-1]:
            raise ValueError(
                f"intercept must have shape {coef.shape[:-1]} to match coef, "
                f"got {intercept.shape}"
            )
        coef_original = coef / self.scale_
        intercept_original = intercept - coef_original @ self.center_
        if intercept_original.ndim == 0:
            return coef_original, float(intercept_original)
        return coef_original, intercept_original

    # ----------------------------------------------------------- persisting
    _STATE_FORMAT = "logreg.TableEncoder"
    _STATE_VERSION = 1
    _STATE_KEYS = frozenset(
        {"format", "version", "params", "columns", "center", "scale", "classes"}
        | {"n_rows_seen", "n_rows_dropped", "missing_counts"}
    )

    def to_state(self) -> dict[str, Any]:
        """The fitted encoder as plain values, for a model file.

        Returns
        -------
        dict
            JSON-able values (str, int, float, bool, None, lists, dicts with
            str keys) except ``center`` and ``scale``, float64 arrays of shape
            (n_features_out,). :meth:`from_state` rebuilds the encoder.
        """
        self._check_fitted()
        return {
            "format": self._STATE_FORMAT,
            "version": self._STATE_VERSION,
            "params": {
                "target": self.target,
                "exclude": list(self.exclude),
                "standardize": self.standardize,
                "drop_missing": self.drop_missing,
                "max_categories": self.max_categories,
            },
            "columns": [
                {"name": c.name, "kind": c.kind, "categories": list(c.categories)}
                for c in self._columns
            ],
            "center": self.center_.copy(),
            "scale": self.scale_.copy(),
            "classes": None if self.classes_ is None else self.classes_.tolist(),
            "n_rows_seen": self.n_rows_seen_,
            "n_rows_dropped": self.n_rows_dropped_,
            "missing_counts": dict(self.missing_counts_),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> TableEncoder:
        """Rebuild a fitted encoder from :meth:`to_state`'s dict.

        Parameters
        ----------
        state : dict
            As returned by :meth:`to_state` (arrays may be lists).

        Returns
        -------
        TableEncoder

        Raises
        ------
        ValueError
            If ``state`` is not a valid encoder state; the message says why.
        """
        _expect(isinstance(state, Mapping), "not a dict")
        _expect(
            set(state) == cls._STATE_KEYS, f"keys must be {sorted(cls._STATE_KEYS)}"
        )
        _expect(state["format"] == cls._STATE_FORMAT, "wrong format name")
        _expect(
            state["version"] == cls._STATE_VERSION,
            f"unsupported version {state['version']!r}",
        )
        encoder = cls(**_state_params(state["params"]))
        encoder._check_params()
        columns = _state_columns(state["columns"], encoder)
        n_out = sum(len(column.feature_names) for column in columns)
        center = _state_vector(state["center"], "center", n_out)
        scale = _state_vector(state["scale"], "scale", n_out)
        _expect(bool(np.all(scale > 0)), "scale must be > 0")
        _check_unscaled(columns, center, scale, encoder.standardize)
        encoder._columns = columns
        encoder.center_, encoder.scale_ = center, scale
        encoder.categories_ = {
            c.name: list(c.categories) for c in columns if c.kind == _CATEGORY
        }
        encoder.classes_ = _state_classes(state["classes"], encoder.target)
        encoder.n_rows_seen_ = _state_count(state["n_rows_seen"], "n_rows_seen")
        encoder.n_rows_dropped_ = _state_count(
            state["n_rows_dropped"], "n_rows_dropped"
        )
        encoder.missing_counts_ = _state_missing(state["missing_counts"])
        return encoder


# --------------------------------------------------------- state validation
def _expect(condition: bool, problem: str) -> None:
    if not condition:
        raise ValueError(f"invalid TableEncoder state: {problem}")


def _state_params(params: Any) -> dict[str, Any]:
    keys = {"target", "exclude", "standardize", "drop_missing", "max_categories"}
    _expect(isinstance(params, Mapping) and set(params) == keys, "bad params")
    exclude = params["exclude"]
    _expect(isinstance(exclude, list | tuple), "exclude must be a list")
    return {**params, "exclude": tuple(exclude)}


def _state_columns(entries: Any, encoder: TableEncoder) -> tuple[_Column, ...]:
    _expect(isinstance(entries, list | tuple) and len(entries) > 0, "no columns")
    columns = []
    for entry in entries:
        _expect(
            isinstance(entry, Mapping) and set(entry) == {"name", "kind", "categories"},
            "each column needs name, kind and categories",
        )
        name, kind, categories = entry["name"], entry["kind"], entry["categories"]
        _expect(isinstance(name, str), "column names must be str")
        _expect(kind in _KINDS, f"column {name!r} has unknown kind {kind!r}")
        _expect(
            isinstance(categories, list | tuple)
            and all(isinstance(value, str) for value in categories)
            and list(categories) == sorted(set(categories)),
            f"categories of {name!r} must be sorted distinct strings",
        )
        _expect(
            (len(categories) > 0) == (kind == _CATEGORY),
            f"column {name!r}: only a category column has categories",
        )
        columns.append(_Column(name, kind, tuple(categories)))
    names = [column.name for column in columns]
    _expect(len(set(names)) == len(names), "duplicate column names")
    reserved = {encoder.target, *encoder.exclude}
    _expect(not reserved & set(names), "the target or an excluded column is a feature")
    return tuple(columns)


def _state_vector(values: Any, name: str, length: int) -> np.ndarray:
    try:
        vector = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        vector = None
    _expect(
        vector is not None and vector.shape == (length,),
        f"{name} must be {length} numbers",
    )
    _expect(bool(np.all(np.isfinite(vector))), f"{name} must be finite")
    return vector


def _check_unscaled(
    columns: Sequence[_Column], center: np.ndarray, scale: np.ndarray, standardize: bool
) -> None:
    """Indicators, and every feature without standardising, have center 0, scale 1."""
    start = 0
    for column in columns:
        stop = start + len(column.feature_names)
        if column.kind == _CATEGORY or not standardize:
            _expect(
                bool(
                    np.all(center[start:stop] == 0) and np.all(scale[start:stop] == 1)
                ),
                f"column {column.name!r} is not standardised but has center/scale",
            )
        start = stop


def _state_classes(classes: Any, target: str | None) -> np.ndarray | None:
    if target is None:
        _expect(classes is None, "classes without a target")
        return None
    _expect(isinstance(classes, list | tuple) and len(classes) > 0, "no classes")
    kinds = {type(value) for value in classes}
    _expect(
        len(kinds) == 1 and kinds <= {str, int, float, bool},
        "classes must be str, int, float or bool, all of one type",
    )
    if str in kinds:
        return np.array(classes, dtype=object)
    return np.array(classes)


def _state_count(value: Any, name: str) -> int:
    _expect(
        isinstance(value, int | np.integer)
        and not isinstance(value, bool)
        and value >= 0,
        f"{name} must be an int >= 0",
    )
    return int(value)


def _state_missing(counts: Any) -> dict[str, int]:
    _expect(isinstance(counts, Mapping), "missing_counts must be a dict")
    return {
        str(name): _state_count(count, "a missing count")
        for name, count in counts.items()
    }


# ------------------------------------------------------------------ writing
class BatchWriter:
    """Write record batches to a CSV or Parquet file that appears only complete.

    Batches go to a temporary file in the same directory, which replaces
    ``path`` (``os.replace``, atomic) when the ``with`` block exits normally.
    If it exits with an exception, the temporary file is deleted: nothing is
    left at ``path``, and a file already there is untouched.

    Parameters
    ----------
    path : str or os.PathLike
        The output file: ``.csv``, ``.csv.gz``, ``.tsv``, ``.tsv.gz``,
        ``.parquet`` or ``.pq``.
    schema : pyarrow.Schema
        Columns and types of every batch written.

    Attributes
    ----------
    rows_written : int
        Rows written so far.

    Examples
    --------
    >>> with BatchWriter("pred.parquet", schema) as writer:  # doctest: +SKIP
    ...     for batch in batches:
    ...         writer.write(batch)
    """

    def __init__(self, path: str | os.PathLike[str], schema: pa.Schema) -> None:
        self.path = Path(path)
        self._format = _file_format(self.path)
        if not self.path.parent.is_dir():
            raise FileNotFoundError(
                f"cannot write {self.path}: directory {self.path.parent} does not exist"
            )
        self.schema = schema
        self.rows_written = 0
        self._temporary: Path | None = None
        self._sink: Any = None
        self._writer: Any = None

    def __enter__(self) -> BatchWriter:
        pa = require_pyarrow()
        self._temporary = _reserve_temporary(self.path)
        try:
            self._sink = pa.output_stream(
                str(self._temporary), compression=self._format.compression
            )
            if self._format.kind == "parquet":
                self._writer = pa.parquet.ParquetWriter(self._sink, self.schema)
            else:
                options = pa.csv.WriteOptions(delimiter=self._format.delimiter)
                self._writer = pa.csv.CSVWriter(
                    self._sink, self.schema, write_options=options
                )
        except BaseException:
            self._discard()
            raise
        return self

    def write(self, data: Any) -> None:
        """Append rows.

        Parameters
        ----------
        data : pyarrow.RecordBatch, pyarrow.Table or mapping of str to array
            Rows of shape (n_rows, n_columns) with the writer's schema; a
            mapping (column name -> array-like) is converted to it.
        """
        if self._writer is None:
            raise RuntimeError("BatchWriter.write must be called inside its with block")
        pa = require_pyarrow()
        if isinstance(data, Mapping):
            data = pa.record_batch(dict(data), schema=self.schema)
        if not data.schema.equals(self.schema):
            raise ValueError(
                f"rows with schema {data.schema} do not match the writer's "
                f"schema {self.schema}"
            )
        if isinstance(data, pa.Table) and self._format.kind == "parquet":
            self._writer.write_table(data)
        elif self._format.kind == "parquet":
            self._writer.write_batch(data)
        else:
            self._writer.write(data)
        self.rows_written += data.num_rows

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self._discard()
            return
        try:
            self._close()
            _fsync(self._temporary)
            os.replace(self._temporary, self.path)
        except BaseException:
            self._discard()
            raise
        self._temporary = None

    def _close(self) -> None:
        writer, sink = self._writer, self._sink
        self._writer = self._sink = None
        if writer is not None:
            writer.close()
        if sink is not None and not sink.closed:
            sink.close()

    def _discard(self) -> None:
        """Close quietly and delete the temporary file."""
        with contextlib.suppress(Exception):
            self._close()
        if self._temporary is not None:
            with contextlib.suppress(FileNotFoundError):
                self._temporary.unlink()
            self._temporary = None


def _reserve_temporary(path: Path) -> Path:
    """Create an empty, uniquely named file next to ``path``; return its path."""
    while True:
        candidate = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            # O_EXCL: never reuse an existing name; 0o666 lets the umask decide
            # the final file's permissions, as for any new file.
            descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(descriptor)
        return candidate


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_table(data: Any, path: str | os.PathLike[str]) -> None:
    """Write a whole table to a CSV or Parquet file, atomically.

    Parameters
    ----------
    data : pyarrow.Table, pyarrow.RecordBatch, pandas.DataFrame or mapping
        The rows, of shape (n_rows, n_columns); a mapping is column name ->
        array-like (e.g. NumPy arrays of predictions).
    path : str or os.PathLike
        ``.csv``, ``.csv.gz``, ``.tsv``, ``.tsv.gz``, ``.parquet`` or ``.pq``;
        replaced only once the new file is complete.
    """
    pa = require_pyarrow()
    if isinstance(data, pa.RecordBatch):
        table = pa.Table.from_batches([data])
    elif isinstance(data, pa.Table):
        table = data
    else:
        table = pa.table(dict(data) if isinstance(data, Mapping) else data)
    with BatchWriter(path, table.schema) as writer:
        writer.write(table)
