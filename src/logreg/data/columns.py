"""The columns of a table as feature kinds: values, missing rows, statistics.

What :class:`~logreg.data.encoder.TableEncoder` learns in its fitting pass
(column kinds, categories, running moments, classes) and the per-column
conversions it applies; see its module for the encoding rules.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from logreg.data.read import _cast, _columns_phrase, require_pyarrow

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["missing_message", "missing_rows"]

# ----------------------------------------------------------------- encoding
_NUMBER, _BOOL, _CATEGORY = "number", "bool", "category"
_KINDS = (_NUMBER, _BOOL, _CATEGORY)


@dataclass(frozen=True)
class _Column:
    """One input column and how it becomes features."""

    name: str
    kind: str
    categories: tuple[str, ...] = ()
    #: The level without an indicator (treatment coding), or None: every level
    #: has one.
    reference: str | None = None

    @property
    def levels(self) -> tuple[str, ...]:
        """The categories that have an indicator: all but the reference."""
        return tuple(value for value in self.categories if value != self.reference)

    @property
    def feature_names(self) -> list[str]:
        if self.kind == _CATEGORY:
            return [f"{self.name}={value}" for value in self.levels]
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
    """A numeric or boolean column as float64 of shape (n_rows,), NaN if null.

    Integers beyond 2**53 round to the nearest float64 (a relative change
    below 1.2e-16), as the same digits read from a CSV file as floats do.
    """
    values = _cast(pa, column, pa.float64())
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


def _one_hot(pa: ModuleType, values: Any, column: _Column, out: np.ndarray) -> int:
    """Set ``out[i, k] = 1`` where row ``i`` holds the ``k``-th level with an indicator.

    Parameters
    ----------
    values : pyarrow array of length n_rows
    column : _Column
        A category column; its reference level (if any) has no indicator.
    out : ndarray of shape (n_rows, len(column.levels)), zeros, written in place

    Returns
    -------
    int
        Number of rows whose value is not among the column's categories (left
        all 0, like the reference level, but unseen at fit).
    """
    categories = column.categories
    index = pa.compute.index_in(
        _text_values(pa, values), value_set=pa.array(categories, pa.string())
    )
    index = pa.compute.fill_null(index, -1).to_numpy(zero_copy_only=False)
    seen = index >= 0
    keep = seen
    if column.reference is not None:
        reference = categories.index(column.reference)
        keep = seen & (index != reference)
        index = index - (index > reference)  # the indicators skip the reference
    out[np.flatnonzero(keep), index[keep]] = 1.0
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

    def merge(self, other: _RunningMoments) -> None:
        """Add the rows ``other`` summarised, as one more block (exact).

        The same pairwise update as :meth:`update`, with ``other``'s count,
        mean and squared deviations in place of a block's: merging the
        moments of two parts of the rows gives those of all of them, to
        rounding, in whatever order the parts come.

        Parameters
        ----------
        other : _RunningMoments
            Moments of other rows, over the same columns.
        """
        if other.count == 0:
            return
        total = self.count + other.count
        delta = other.mean - self.mean
        self.mean = self.mean + delta * (other.count / total)
        self.m2 = self.m2 + other.m2 + delta**2 * (self.count * other.count / total)
        self.count = total
        self.low = np.minimum(self.low, other.low)
        self.high = np.maximum(self.high, other.high)

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

    def __getstate__(self) -> dict[str, Any]:
        # Statistics of a part of the rows travel between processes (Spark
        # executors); the pyarrow module does not, and is imported again.
        return {name: value for name, value in self.__dict__.items() if name != "pa"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.pa = require_pyarrow()

    def empty_copy(self) -> _FitStatistics:
        """Statistics of no rows yet, with the same columns and settings.

        Returns
        -------
        _FitStatistics
        """
        return _FitStatistics(
            self.pa, self.columns, self.target, self.drop_missing, self.max_categories
        )

    def merge(self, other: _FitStatistics) -> _FitStatistics:
        """Add what ``other`` learned from other rows of the same table.

        Counts add, category levels and classes are united (and checked
        against ``max_categories``), and the moments merge exactly
        (:meth:`_RunningMoments.merge`): statistics learned part by part, on
        as many machines as the parts, merge to those of one pass over all
        the rows.

        Parameters
        ----------
        other : _FitStatistics
            Learned with the same columns and settings.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            When the merged levels of a string column exceed
            ``max_categories``.
        """
        if [c.name for c in other.columns] != [c.name for c in self.columns]:
            raise ValueError("cannot merge statistics of different columns")
        self.n_rows += other.n_rows
        self.n_dropped += other.n_dropped
        for name, count in other.missing_counts.items():
            self.missing_counts[name] += count
        self.moments.merge(other.moments)
        for name, seen in self.categories.items():
            seen.update(other.categories[name])
            self._check_levels(name, seen)
        self.classes.update(other.classes)
        return self

    def _check_levels(self, name: str, seen: set[str]) -> None:
        if self.max_categories is not None and len(seen) > self.max_categories:
            raise ValueError(
                f"column {name!r} has more than {self.max_categories} distinct "
                "values, too many to one-hot encode (an identifier?): exclude "
                "it, or raise max_categories"
            )

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
            self._check_levels(name, seen)

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
