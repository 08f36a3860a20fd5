"""Reading data files: CSV and Parquet, whole or streamed as record batches.

:func:`read_table` reads a whole file, :func:`iter_batches` streams it as
record batches so files larger than memory work, :func:`column_names` lists
its columns. The format follows the file name: ``.csv``, ``.csv.gz``,
``.tsv``, ``.tsv.gz`` (CSV) and ``.parquet``, ``.pq`` (Parquet). In CSV
files an empty cell (and ``NA``, ``NaN``, ``null``, ...) is a missing value
in every column, strings included. pyarrow is imported lazily, inside the
functions that need it (``pip install 'logreg[files]'``).
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "DEFAULT_BATCH_ROWS",
    "SUPPORTED_SUFFIXES",
    "column_names",
    "data_size",
    "iter_batches",
    "read_table",
    "require_pyarrow",
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
    "and a later value does not fit it: convert the file to Parquet, whose "
    "columns carry their types, or read the file whole, which takes each "
    "column's type from all its rows)"
)
#: Bytes of decompressed text read at a time by :func:`data_size`.
_CHUNK = 1 << 20


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
        _cast(pa, column, column_types[name]) if name in column_types else column
        for name, column in zip(data.schema.names, data.columns, strict=True)
    ]
    return type(data).from_arrays(arrays, names=data.schema.names)


def _cast(pa: ModuleType, column: Any, dtype: Any) -> Any:
    """``column`` cast to ``dtype``; integers to floats rounded, as a CSV parse does.

    A safe cast refuses integers beyond 2**53 as floats, while a CSV file read
    with a float type parses the same digits to the nearest float: both round.
    """
    exact_only = not (
        pa.types.is_floating(dtype)
        and (pa.types.is_integer(column.type) or pa.types.is_decimal(column.type))
    )
    return pa.compute.cast(column, dtype, safe=exact_only)


def _check_batch_rows(batch_rows: int) -> int:
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int | np.integer):
        raise ValueError(f"batch_rows must be an int >= 1, got {batch_rows!r}")
    if batch_rows < 1:
        raise ValueError(f"batch_rows must be an int >= 1, got {batch_rows!r}")
    return int(batch_rows)


# ------------------------------------------------------------------ reading
def data_size(path: str | os.PathLike[str], limit: int | None = None) -> int:
    """Bytes of data a file holds once decompressed: what reading it costs.

    A ``.csv.gz`` of 210 kB can hold 72 MB of text; a Parquet file's column
    chunks are compressed too. For a gzip file the text is decompressed and
    counted (every member of a multi-member file; the size its trailer gives
    is only the last member's, modulo 4 GiB); for Parquet the uncompressed
    sizes are summed from the file's footer; other files are their size.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.csv``, ``.csv.gz``, ``.tsv``, ``.tsv.gz``, ``.parquet`` or
        ``.pq`` file.
    limit : int, optional
        Stop counting a gzip file once past ``limit`` bytes (the answer is
        then some number above it): enough to decide whether to stream.

    Returns
    -------
    int
        The file's own size where it cannot be read (reading it later gives
        the error).
    """
    path, fmt = _existing_file(path)
    size = path.stat().st_size
    if fmt.kind == "parquet":
        pa = require_pyarrow()
        with contextlib.suppress(pa.ArrowException, OSError):
            metadata = pa.parquet.read_metadata(path)
            decoded = sum(
                metadata.row_group(i).total_byte_size
                for i in range(metadata.num_row_groups)
            )
            return max(size, decoded)
        return size
    if fmt.compression != "gzip":
        return size
    import gzip
    import zlib

    total = 0
    with contextlib.suppress(OSError, EOFError, zlib.error):
        with gzip.open(path, "rb") as stream:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if limit is not None and total > limit:
                    break
        return max(size, total)
    return size


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
