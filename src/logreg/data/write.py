"""Writing tables atomically: :func:`write_table` and :class:`BatchWriter`.

``.csv``, ``.csv.gz``, ``.tsv``, ``.tsv.gz``, ``.parquet`` or ``.pq`` files
are written into a temporary file in the same directory and renamed over the
target only when complete.

A temporary file is named ``.<name>.<pid>-<random>.tmp`` after the process
writing it. A writer that exits, even with an error or an interrupt that
raises, deletes its own; one killed outright (``SIGKILL``, a power cut) cannot,
so :func:`reserve_temporary` first deletes the temporary files of the same
target whose process no longer runs. That test is by process id on this
machine: a writer on another machine sharing the folder (or in a container
with its own process ids) may lose its temporary file, and then fails with an
error; it never leaves a wrong file at the target.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from logreg.data.read import _file_format, require_pyarrow

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "BatchWriter",
    "remove_stale_temporaries",
    "reserve_temporary",
    "write_table",
]

#: What follows ``.<name>.`` in a temporary file's name: the writer's pid.
_TEMPORARY_TAIL = re.compile(r"([0-9]{1,10})-[0-9a-f]{8}\.tmp")


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
        self._temporary = reserve_temporary(self.path)
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


def reserve_temporary(path: str | os.PathLike[str]) -> Path:
    """Create an empty, uniquely named file next to ``path``; return its path.

    The name is ``.<name>.<pid>-<8 hex digits>.tmp``. Temporary files of the
    same ``path`` left by writers that no longer run are deleted first
    (:func:`remove_stale_temporaries`).

    Parameters
    ----------
    path : str or os.PathLike
        The file that the temporary one will replace.

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    remove_stale_temporaries(path)
    while True:
        token = secrets.token_hex(4)
        candidate = path.with_name(f".{path.name}.{os.getpid()}-{token}.tmp")
        try:
            # O_EXCL: never reuse an existing name; 0o666 lets the umask decide
            # the final file's permissions, as for any new file.
            descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(descriptor)
        return candidate


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (POSIX); True if unsure."""
    try:
        os.kill(pid, 0)  # signal 0: only the existence and permission checks
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # PermissionError: another user's process
        return True
    return True


def remove_stale_temporaries(path: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporary files of ``path`` whose writer no longer runs.

    Only regular files named as :func:`reserve_temporary` names them for this
    very ``path`` are looked at, and only on POSIX systems (elsewhere asking
    whether a process runs could signal it).

    Parameters
    ----------
    path : str or os.PathLike
        The target file.

    Returns
    -------
    list of pathlib.Path
        The files deleted.
    """
    path = Path(path)
    if os.name != "posix":
        return []
    prefix = f".{path.name}."
    removed = []
    with contextlib.suppress(OSError), os.scandir(path.parent) as entries:
        for entry in entries:
            if not entry.name.startswith(prefix):
                continue
            match = _TEMPORARY_TAIL.fullmatch(entry.name[len(prefix) :])
            if match is None or not entry.is_file(follow_symlinks=False):
                continue
            pid = int(match.group(1))
            if pid == os.getpid() or _running(pid):
                continue
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


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
