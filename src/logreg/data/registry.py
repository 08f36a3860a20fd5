"""The adapters of :mod:`logreg.data`, and the one place that picks among them."""

from __future__ import annotations

from typing import Any

from logreg.data.adapter import Adapter
from logreg.data.array_api import ArrayApiAdapter
from logreg.data.dask import DaskAdapter
from logreg.data.memory import InMemoryAdapter

__all__ = ["ADAPTERS", "adapter_for"]


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
