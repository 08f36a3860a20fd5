"""The input layer: every kind of input becomes a data source here, in one place.

An *adapter* knows one kind of input. It turns ``(X, y, sample_weight)`` into
:class:`TrainingData` (a :class:`~logreg.data.sources.DataSource` over the
rows with ``y`` encoded, the classes, each class's total weight and the
feature names) and maps a fitted linear model over rows of its kind
(:meth:`Adapter.predict`). :func:`adapter_for` picks the adapter, once, from
:data:`ADAPTERS`; the estimator never asks what kind its input is.

========================  ===================================================
adapter                   inputs
========================  ===================================================
:mod:`~.dask`             Dask arrays and DataFrames: rows stay on the
                          cluster, predictions are lazy Dask arrays
:mod:`~.array_api`        PyTorch, CuPy, ``array_api_strict``...: rows stay
                          on their device, predictions come back there
:mod:`~.memory`           NumPy, SciPy sparse, pandas, lists (the default)
:mod:`~.files`            CSV and Parquet files, streamed batch by batch
                          (``fit_file``)
========================  ===================================================

Adding a kind of input means adding one module with an :class:`Adapter` and
listing it in :data:`ADAPTERS` before the in-memory default (see
``docs/architecture.md``).
"""

from __future__ import annotations

from typing import Any

from logreg.data.adapter import Adapter, TrainingData
from logreg.data.array_api import ArrayApiAdapter
from logreg.data.dask import DaskAdapter
from logreg.data.memory import InMemoryAdapter

__all__ = ["ADAPTERS", "Adapter", "TrainingData", "adapter_for"]


#: The adapters in the order they are asked; the in-memory one takes the rest.
ADAPTERS: tuple[Adapter, ...] = (DaskAdapter(), ArrayApiAdapter(), InMemoryAdapter())


def adapter_for(X: Any) -> Adapter:
    """The adapter of ``X``'s kind: the first in :data:`ADAPTERS` that accepts it.

    Parameters
    ----------
    X : object

    Returns
    -------
    Adapter
    """
    return next(adapter for adapter in ADAPTERS if adapter.accepts(X))
