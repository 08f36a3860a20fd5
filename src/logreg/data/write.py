"""Writing tables atomically: :func:`write_table` and :class:`BatchWriter`.

``.csv``, ``.csv.gz``, ``.tsv``, ``.tsv.gz``, ``.parquet`` or ``.pq`` files
are written into a temporary file in the same directory and renamed over the
target only when complete.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from logreg.data.read import _file_format, require_pyarrow

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["BatchWriter", "write_table"]


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
