"""The contract of an input adapter, and what it hands the estimator.

See :mod:`logreg.data` for the adapters and how one is chosen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from logreg.data.sources import DataSource

__all__ = ["Adapter", "TrainingData"]


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

    def fitted_parameters(self, X: Any, coef: Any, intercept: Any) -> tuple[Any, Any]:
        """``(coef_, intercept_)`` as a model fitted on ``X`` keeps them.

        NumPy arrays, for every kind but array-API arrays under
        scikit-learn's array-API dispatch.

        Parameters
        ----------
        X : input of shape (n_samples, n_features)
        coef : ndarray of shape (n_rows, n_features)
        intercept : ndarray of shape (n_rows,)

        Returns
        -------
        tuple
        """
        return coef, intercept

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
