"""The table kinds of ``fit_table``/``predict_table``, and the one place that picks.

The contract is :class:`~logreg.data.tables.TableKind`; each kind lives in
its own module. Asking a kind whether it accepts a table imports no optional
package (pandas, pyarrow, dask, pyspark) that the table's own module has not
loaded already.
"""

from __future__ import annotations

from typing import Any

from logreg.data.arrow_tables import ArrowTable, DatasetTable, PandasTable, PathTable
from logreg.data.dask_table import DaskTable
from logreg.data.spark import SparkTable
from logreg.data.tables import TableKind, module_of

__all__ = ["TABLE_KINDS", "table_kind_for"]


#: The kinds in the order they are asked.
TABLE_KINDS: tuple[TableKind, ...] = (
    PathTable(),
    PandasTable(),
    ArrowTable(),
    DatasetTable(),
    DaskTable(),
    SparkTable(),
)


def table_kind_for(table: Any) -> TableKind:
    """The kind of ``table``: the first in :data:`TABLE_KINDS` that accepts it.

    Parameters
    ----------
    table : object

    Returns
    -------
    TableKind

    Raises
    ------
    TypeError
        Naming ``table``'s type and the kinds accepted.
    """
    for kind in TABLE_KINDS:
        if kind.accepts(table):
            return kind
    accepted = ", ".join(f"a {kind.name}" for kind in TABLE_KINDS)
    raise TypeError(f"a table must be one of: {accepted}; got {module_of(table)}")
