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

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from logreg.data.sources import DataSource

__all__ = ["ADAPTERS", "Adapter", "TrainingData", "adapter_for"]


@dataclass(frozen=True)
class TrainingData:
    """What a fit needs from its input, whatever kind it was.

    Attributes
    ----------
    source : DataSource
        The rows, ``y`` encoded as ``0..n_classes-1``, weights the sample
        weights (class weights are applied by the estimator, through
        ``source.with_class_weight``).
    classes : ndarray of shape (n_classes,)
        Sorted distinct labels.
    class_totals : ndarray of shape (n_classes,) or None
        ``sum_i s_i [y_i = k]``; None when every weight is one and every
        class occurs (a file: counting would cost a read of it).
    n_features : int
    feature_names : ndarray of shape (n_features,) or None
        The columns' names, when the input had string names.
    target : str or None
        The label column's name, for inputs that are tables.
    fitted : mapping of str to object
        Further fitted attributes the kind of input brings (a file's encoder).
    """

    source: DataSource
    classes: np.ndarray
    class_totals: np.ndarray | None
    n_features: int
    feature_names: np.ndarray | None = None
    target: str | None = None
    fitted: Mapping[str, Any] = field(default_factory=dict)


class Adapter:
    """One kind of input: its rows as a data source, a fitted model over its rows.

    Subclasses set :attr:`name` and implement :meth:`accepts`,
    :meth:`training_data` and :meth:`predict`; :meth:`check_solver` refuses
    the solvers the kind cannot serve.
    """

    #: A short name for messages.
    name = ""

    def accepts(self, X: Any) -> bool:
        """Whether ``X`` is of this adapter's kind."""
        raise NotImplementedError

    def check_solver(self, solver: str) -> None:
        """Raise ``ValueError`` when the rows of this kind cannot serve ``solver``."""

    def training_data(
        self, estimator: Any, X: Any, y: Any, sample_weight: Any
    ) -> TrainingData:
        """Validate ``(X, y, sample_weight)`` and make the training data.

        Parameters
        ----------
        estimator : LogisticRegression
            For scikit-learn's validation, which records ``n_features_in_``
            and ``feature_names_in_`` on it.
        X : input of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), scalar or None

        Returns
        -------
        TrainingData
        """
        raise NotImplementedError

    def predict(self, model: Any, X: Any, method: str) -> Any:
        """``method`` of the fitted ``model`` over the rows of ``X``, in ``X``'s kind.

        Parameters
        ----------
        model : LogisticRegression
            Fitted.
        X : input of shape (n_samples, n_features)
        method : {"decision_function", "predict_proba", "predict_log_proba", \
"predict"}

        Returns
        -------
        array
            As :func:`logreg.link.outputs` gives it, in ``X``'s kind.
        """
        raise NotImplementedError


def _adapters() -> tuple[Adapter, ...]:
    from logreg.data.array_api import ArrayApiAdapter
    from logreg.data.dask import DaskAdapter
    from logreg.data.memory import InMemoryAdapter

    return (DaskAdapter(), ArrayApiAdapter(), InMemoryAdapter())


#: The adapters in the order they are asked; the in-memory one takes the rest.
ADAPTERS: tuple[Adapter, ...] = _adapters()


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
