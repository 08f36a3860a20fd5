"""Dask DataFrames for ``fit_table`` and ``predict_table``: rows stay on the cluster.

Fitting is two kinds of Dask computation, and no row reaches the client:

1. **One pass learns the encoder.** Each partition learns its part of the
   :class:`~logreg.data.encoder.TableEncoder`'s statistics (levels, moments,
   classes, missing counts) where it lives; the parts are merged exactly in
   a tree of tasks, and the client finishes the encoder from the merged
   statistics: the one the same rows in pandas give. The same computation
   counts each partition's rows.
2. **The solver's passes** run on :class:`~logreg.data.dask_source.
   DaskSource`, whose row chunks are the partitions encoded by the encoder
   in the task graph (persisted once, encoded once).

``predict_table`` is lazy: a ``map_partitions`` that appends ``prediction``
and ``proba_<class>`` to each partition, nothing computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from logreg.data.adapter import TrainingData
from logreg.data.arrow_tables import (
    encoded_labels,
    encoded_training_data,
    predict_frame,
)
from logreg.data.dask_source import REDUCTION_FAN_IN, DaskSource, require_dask
from logreg.data.encoder import TableEncoder
from logreg.data.read import _check_batch_rows, _name_list, require_pyarrow
from logreg.data.tables import (
    LinearPredictor,
    TableKind,
    check_new_columns,
    refuse_streamed_sgd,
)

__all__ = ["DaskTable"]


def _planning_schema(pa: Any, meta: Any) -> Any:
    """The Arrow schema of a Dask DataFrame's (empty) meta frame.

    An empty ``object`` column has no Arrow type (null); its values are
    strings in any table the encoder accepts, so it is planned as one.
    """
    fields = []
    for name, dtype in meta.dtypes.items():
        if dtype == np.dtype(object):
            fields.append(pa.field(str(name), pa.string()))
        else:
            empty = pa.Table.from_pandas(meta[[name]], preserve_index=False)
            fields.append(pa.field(str(name), empty.schema.field(0).type))
    return pa.schema(fields)


def _as_arrow(frame: Any) -> Any:
    pa = require_pyarrow()
    return pa.Table.from_pandas(frame, preserve_index=False)


def _learn(frame: Any, empty: Any) -> Any:
    """One partition's fitting statistics (on the worker holding it)."""
    statistics = empty.empty_copy()
    # Overflowing moments are refused by name in fit_statistics.
    with np.errstate(over="ignore", invalid="ignore"):
        for batch in _as_arrow(frame).to_batches():
            statistics.add(batch)
    return statistics


def _merge(*parts: Any) -> Any:
    """Merge partitions' statistics, in order, into a new one."""
    merged = parts[0].empty_copy()
    for part in parts:
        merged.merge(part)
    return merged


def _kept_rows(statistics: Any) -> int:
    return statistics.n_rows - statistics.n_dropped


def _encode(
    frame: Any, encoder: TableEncoder, n_rows: int
) -> tuple[np.ndarray, np.ndarray]:
    """One partition's features and encoded labels (on the worker holding it)."""
    X, labels, _ = encoder.transform_xy(_as_arrow(frame))
    if len(labels) != n_rows:
        raise ValueError(
            f"the Dask DataFrame changed between passes: a partition had "
            f"{n_rows} usable rows, now {len(labels)} (is it random?)"
        )
    return X, encoded_labels(encoder.classes_, labels, "the Dask DataFrame")


def _predict(frame: Any, predictor: LinearPredictor) -> Any:
    return predict_frame(predictor, frame)


class DaskTable(TableKind):
    """A Dask DataFrame: encoder, solver passes and predictions on the cluster."""

    name = "Dask DataFrame"

    def accepts(self, table: Any) -> bool:
        """Dask DataFrames (imports dask only for its objects)."""
        if not type(table).__module__.startswith("dask."):
            return False
        import dask.dataframe as dd

        return isinstance(table, dd.DataFrame)

    def check_solver(self, solver: str) -> None:
        """Refuse ``"sgd"``, as for any Dask input."""
        refuse_streamed_sgd(solver, "a Dask DataFrame")

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
        """See :meth:`TableKind.training_data`; one computation learns the encoder.

        ``batch_rows`` is not used: each partition is one block of rows.
        """
        _check_batch_rows(batch_rows)
        dask = require_dask()
        import dask.array as da

        pa = require_pyarrow()
        names = [str(name) for name in table.columns]
        if target not in names:
            raise ValueError(
                f"no target column {target!r} in the data; "
                f"the columns are {_name_list(names)}"
            )
        encoder = TableEncoder(
            target=target,
            exclude=exclude,
            standardize=standardize,
            drop_missing=drop_missing,
            reference=reference,
        )
        empty = encoder.new_statistics(_planning_schema(pa, table._meta))
        parts = table.to_delayed()
        learn = dask.delayed(_learn, pure=True)
        partials = [learn(part, empty) for part in parts]
        counts = [dask.delayed(_kept_rows, pure=True)(s) for s in partials]
        merge = dask.delayed(_merge, pure=True)
        while len(partials) > 1:
            partials = [
                merge(*partials[start : start + REDUCTION_FAN_IN])
                for start in range(0, len(partials), REDUCTION_FAN_IN)
            ]
        merged, counts = dask.compute(partials[0] if partials else None, counts)
        encoder.fit_statistics(empty if merged is None else merged)
        n_features = encoder.n_features_out
        encode = dask.delayed(_encode, pure=True, nout=2)
        shared = dask.delayed(encoder, pure=True)
        X_parts, y_parts = [], []
        for part, n_rows in zip(parts, counts, strict=True):
            if n_rows:
                X_b, y_b = encode(part, shared, n_rows)
                X_parts.append(da.from_delayed(X_b, (n_rows, n_features), np.float64))
                y_parts.append(da.from_delayed(y_b, (n_rows,), np.intp))
        source = DaskSource(da.concatenate(X_parts), da.concatenate(y_parts))
        return encoded_training_data(encoder, source)

    def predict_table(self, model: Any, table: Any) -> Any:
        """A lazy Dask DataFrame: each partition with its predictions appended."""
        predictor = LinearPredictor.of(model)
        check_new_columns(table.columns, predictor.classes)
        meta = predict_frame(predictor, table._meta)
        return table.map_partitions(_predict, predictor, meta=meta)
