"""Cross-validated regularisation: ``LogisticRegressionCV`` and the path over C.

The path over ``C`` is fitted from the strongest penalty (smallest ``C``) to
the weakest, each fit warm-started from the previous coefficients, which is
what makes a grid of many ``C`` cost little more than a few single fits. The
folds come from scikit-learn's ``check_cv`` (stratified k-fold by default,
unshuffled), the scores from its scorers, so that a grid, folds and scoring
given to both libraries choose the same ``C``.

Attributes follow scikit-learn's ``LogisticRegressionCV`` with
``use_legacy_attributes=False`` (its default from version 1.10): ``C_`` and
``l1_ratio_`` are floats; ``scores_`` has shape ``(n_folds, n_l1_ratios,
n_cs)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from logreg.estimator import LogisticRegression

__all__ = ["LogisticRegressionCV", "regularization_path"]

#: The grid for ``Cs=<int>``: scikit-learn's, ``logspace(-4, 4, Cs)``.
DEFAULT_C_RANGE = (-4.0, 4.0)


def _grid_of_cs(Cs: Any) -> np.ndarray:
    """The sorted grid of ``C`` values for ``Cs`` (an int or a sequence)."""
    if isinstance(Cs, int | np.integer) and not isinstance(Cs, bool):
        if Cs < 1:
            raise ValueError(f"Cs must be an int >= 1 or a list of C > 0, got {Cs}.")
        return np.logspace(*DEFAULT_C_RANGE, int(Cs))
    try:
        grid = np.asarray(Cs, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise ValueError(
            f"Cs must be an int >= 1 or a list of C > 0, got {Cs!r}."
        ) from None
    if grid.size == 0 or not np.all(grid > 0) or np.any(np.isnan(grid)):
        raise ValueError(f"Cs must be an int >= 1 or a list of C > 0, got {Cs!r}.")
    return grid


def _grid_of_l1_ratios(l1_ratios: Any) -> np.ndarray:
    try:
        grid = np.asarray(l1_ratios, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        grid = np.array([np.nan])
    if grid.size == 0 or not np.all((grid >= 0) & (grid <= 1)):
        raise ValueError(
            f"l1_ratios must be a list of numbers in [0, 1], got {l1_ratios!r}."
        )
    return grid


def regularization_path(
    X: Any,
    y: Any,
    Cs: Any = 10,
    *,
    l1_ratio: float = 0.0,
    sample_weight: Any = None,
    estimator: LogisticRegression | None = None,
    callback: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients along a grid of ``C``, warm-started from strong to weak penalty.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    Cs : int or sequence of float, default=10
        The grid; an int ``k`` means ``logspace(-4, 4, k)``.
    l1_ratio : float, default=0.0
        Elastic-net mixing, as for :class:`LogisticRegression`.
    sample_weight : array-like of shape (n_samples,), optional
    estimator : LogisticRegression, optional
        Its other parameters (solver, tol, class weights, ...) are used; a
        copy is fitted, the estimator itself is left untouched.
    callback : callable, optional
        ``callback(index, fitted_estimator)`` after the fit at ``Cs[index]``
        (in the order of the returned grid), e.g. to score it.

    Returns
    -------
    Cs : ndarray of shape (n_cs,)
        The grid, ascending.
    coefs : ndarray of shape (n_cs, n_rows, n_features + fit_intercept)
        Coefficients at each ``C``; one row (binary) or one per class; the
        intercept, if any, is the last column.
    n_iter : ndarray of int, shape (n_cs,)
        Solver iterations at each ``C``.
    """
    grid = np.sort(_grid_of_cs(Cs))
    model = clone(estimator) if estimator is not None else LogisticRegression()
    model.set_params(l1_ratio=float(l1_ratio), warm_start=True)
    coefs, n_iter = [], []
    for index, C in enumerate(grid):
        model.set_params(C=float(C)).fit(X, y, sample_weight=sample_weight)
        matrix = model.coef_
        if model.fit_intercept:
            matrix = np.hstack([matrix, model.intercept_[:, None]])
        coefs.append(np.array(matrix, dtype=np.float64))
        n_iter.append(model.n_iter_)
        if callback is not None:
            callback(index, model)
    return grid, np.stack(coefs), np.array(n_iter)


class LogisticRegressionCV(ClassifierMixin, BaseEstimator):
    """Logistic regression with ``C`` (and ``l1_ratio``) chosen by cross-validation.

    For each fold and each ``l1_ratio``, the path over ``Cs`` is fitted with
    warm starts (strongest penalty first); the pair with the best mean score
    over the folds is refitted on all the data.

    Parameters
    ----------
    Cs : int or sequence of float, default=10
        Grid of ``C``; an int ``k`` means ``logspace(-4, 4, k)``.
    l1_ratios : sequence of float, default=(0.0,)
        Grid of elastic-net mixing values in [0, 1].
    cv : int, cross-validation generator or iterable, optional
        As scikit-learn's ``check_cv`` takes it: stratified 5-fold by default.
    scoring : str or callable, optional
        A scikit-learn scorer name or callable; accuracy by default.
    fit_intercept, solver, max_iter, tol, class_weight, random_state, verbose
        As for :class:`LogisticRegression`.
    refit : bool, default=True
        Refit on all the data at the best ``(C, l1_ratio)``. Otherwise
        ``C_``/``l1_ratio_`` are the means of each fold's best values and the
        coefficients are the mean of the folds' coefficients there, as in
        scikit-learn.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    Cs_ : ndarray of shape (n_cs,)
        The grid, ascending.
    l1_ratios_ : ndarray of shape (n_l1_ratios,)
    C_ : float
        The chosen ``C``.
    l1_ratio_ : float
        The chosen ``l1_ratio``.
    scores_ : ndarray of shape (n_folds, n_l1_ratios, n_cs)
        Score of each fold's held-out rows.
    coefs_paths_ : ndarray of shape (n_folds, n_l1_ratios, n_cs, n_rows, n_cols)
        Coefficients along each path; ``n_rows`` is 1 (binary) or
        ``n_classes``, ``n_cols`` is ``n_features`` plus one for the
        intercept (the last column).
    n_iter_ : ndarray of shape (n_folds, n_l1_ratios, n_cs)
    best_estimator_ : LogisticRegression
        The refitted model (with ``refit=True``); ``summary()`` and
        ``predict*`` go through it.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` had string column names.
    """

    def __init__(
        self,
        *,
        Cs: Any = 10,
        l1_ratios: Any = (0.0,),
        cv: Any = None,
        scoring: Any = None,
        fit_intercept: bool = True,
        solver: str = "auto",
        max_iter: int | None = None,
        tol: float = 1e-4,
        class_weight: Any = None,
        refit: bool = True,
        random_state: Any = None,
        verbose: int = 0,
    ) -> None:
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.cv = cv
        self.scoring = scoring
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.class_weight = class_weight
        self.refit = refit
        self.random_state = random_state
        self.verbose = verbose

    def _base_estimator(self) -> LogisticRegression:
        return LogisticRegression(
            fit_intercept=self.fit_intercept,
            solver=self.solver,
            max_iter=self.max_iter,
            tol=self.tol,
            class_weight=self.class_weight,
            random_state=self.random_state,
            verbose=self.verbose,
        )

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LogisticRegressionCV:
        """Cross-validate the grid, then refit at the best point.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Used for fitting and for scoring the held-out rows.

        Returns
        -------
        self
        """
        Cs = np.sort(_grid_of_cs(self.Cs))
        l1_ratios = _grid_of_l1_ratios(self.l1_ratios)
        if not isinstance(self.refit, bool | np.bool_):
            raise ValueError(f"refit must be True or False, got {self.refit!r}.")
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], order="C")
        check_classification_targets(y)
        weights = None if sample_weight is None else np.asarray(sample_weight)
        folds = list(check_cv(self.cv, y, classifier=True).split(X, y))
        scorer = check_scoring(self._base_estimator(), scoring=self.scoring)
        base = self._base_estimator()
        shape = (len(folds), len(l1_ratios), len(Cs))
        scores = np.empty(shape)
        n_iter = np.empty(shape, dtype=int)
        paths = []
        for f, (train, test) in enumerate(folds):
            fold_paths = []
            for r, l1_ratio in enumerate(l1_ratios):

                def score(index, model, f=f, r=r, test=test):
                    extra = {} if weights is None else {"sample_weight": weights[test]}
                    scores[f, r, index] = scorer(model, X[test], y[test], **extra)

                _, coefs, iterations = regularization_path(
                    X[train],
                    y[train],
                    Cs,
                    l1_ratio=l1_ratio,
                    sample_weight=None if weights is None else weights[train],
                    estimator=base,
                    callback=score,
                )
                n_iter[f, r] = iterations
                fold_paths.append(coefs)
            paths.append(fold_paths)
        self.Cs_, self.l1_ratios_ = Cs, l1_ratios
        self.scores_, self.n_iter_ = scores, n_iter
        self.coefs_paths_ = np.array(paths)
        self._choose(X, y, weights)
        return self

    def _choose(self, X: np.ndarray, y: np.ndarray, weights: Any) -> None:
        """Pick ``(C, l1_ratio)`` and set the final coefficients."""
        n_l1, n_cs = self.scores_.shape[1:]
        if self.refit:
            # The best mean over folds; ties go to the first in (l1_ratio, C)
            # order, as in scikit-learn.
            best = np.unravel_index(np.argmax(self.scores_.mean(axis=0)), (n_l1, n_cs))
            self.l1_ratio_ = float(self.l1_ratios_[best[0]])
            self.C_ = float(self.Cs_[best[1]])
            model = self._base_estimator().set_params(
                C=self.C_, l1_ratio=self.l1_ratio_
            )
            self.best_estimator_ = model.fit(X, y, sample_weight=weights)
            self.classes_ = model.classes_
            self.coef_, self.intercept_ = model.coef_, model.intercept_
            return
        per_fold = [
            np.unravel_index(np.argmax(fold), (n_l1, n_cs)) for fold in self.scores_
        ]
        self.l1_ratio_ = float(np.mean([self.l1_ratios_[r] for r, _ in per_fold]))
        self.C_ = float(np.mean([self.Cs_[c] for _, c in per_fold]))
        mean = np.mean(
            [self.coefs_paths_[f, r, c] for f, (r, c) in enumerate(per_fold)], axis=0
        )
        self.classes_ = np.unique(y)
        n_features = self.n_features_in_
        self.coef_ = mean[:, :n_features]
        self.intercept_ = (
            mean[:, n_features] if self.fit_intercept else np.zeros(len(mean))
        )

    def _model(self) -> LogisticRegression:
        check_is_fitted(self)
        if self.refit:
            return self.best_estimator_
        model = self._base_estimator().set_params(C=self.C_, l1_ratio=self.l1_ratio_)
        for name in ("classes_", "coef_", "intercept_", "n_features_in_"):
            setattr(model, name, getattr(self, name))
        if hasattr(self, "feature_names_in_"):
            model.feature_names_in_ = self.feature_names_in_
        return model

    def decision_function(self, X: Any) -> np.ndarray:
        """Signed scores, as :meth:`LogisticRegression.decision_function`."""
        return self._model().decision_function(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities of shape (n_samples, n_classes)."""
        return self._model().predict_proba(X)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log class probabilities of shape (n_samples, n_classes)."""
        return self._model().predict_log_proba(X)

    def predict(self, X: Any) -> np.ndarray:
        """Most probable class per row, shape (n_samples,)."""
        return self._model().predict(X)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """The ``scoring`` of the refitted model on ``(X, y)`` (accuracy by default).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        float
        """
        scorer = check_scoring(self._base_estimator(), scoring=self.scoring)
        extra = {} if sample_weight is None else {"sample_weight": sample_weight}
        return float(scorer(self._model(), X, y, **extra))
