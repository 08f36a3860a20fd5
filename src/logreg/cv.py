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
n_cs)``, its last axis in the order ``Cs`` were given. As in scikit-learn,
every fold's model knows every class of ``y`` (a fold whose training rows
lack a class fits it with zero weight, so it is never predicted there and its
held-out rows are scored as such), ``class_weight="balanced"`` is computed
once on the whole ``y``, ties between grid points go to the first ``C`` in the
given order, then the first ``l1_ratio``, and with metadata routing enabled
``fit`` and ``score`` route their keyword arguments to the splitter and the
scorer.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.metrics import get_scorer, make_scorer
from sklearn.model_selection import check_cv
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from logreg.data.adapter import TrainingData
from logreg.data.memory import coded_rows
from logreg.estimator import LogisticRegression

__all__ = ["LogisticRegressionCV", "regularization_path"]

#: The grid for ``Cs=<int>``: scikit-learn's, ``logspace(-4, 4, Cs)``.
DEFAULT_C_RANGE = (-4.0, 4.0)


def _grid_of_cs(Cs: Any) -> np.ndarray:
    """The grid of ``C`` values for ``Cs`` (an int or a sequence), in its order."""
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
    classes: Any = None,
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
    classes : array-like of shape (n_classes,), optional
        Every class the models know, sorted; by default those of ``y``. A
        class ``y`` lacks gets zero weight (a finite ``C`` is needed), as a
        cross-validation fold that lacks it.

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
    data = None if classes is None else _coded_data(X, y, sample_weight, classes)
    coefs, n_iter = [], []
    for index, C in enumerate(grid):
        model.set_params(C=float(C))
        if data is None:
            model.fit(X, y, sample_weight=sample_weight)
        else:
            model._validate_params()
            model._fit_data(data, model._forget_fit())
        matrix = model.coef_
        if model.fit_intercept:
            matrix = np.hstack([matrix, model.intercept_[:, None]])
        coefs.append(np.array(matrix, dtype=np.float64))
        n_iter.append(int(model.n_iter_[0]))
        if callback is not None:
            callback(index, model)
    return grid, np.stack(coefs), np.array(n_iter)


def _coded_data(X: Any, y: Any, sample_weight: Any, classes: Any) -> TrainingData:
    """The rows ``(X, y)``, ``y`` coded against ``classes`` (which it may lack)."""
    X = check_array(X, accept_sparse="csr", dtype=[np.float64, np.float32], order="C")
    classes = np.asarray(classes)
    y = np.asarray(y)
    codes = np.searchsorted(classes, y)
    if np.any(codes >= len(classes)) or np.any(classes[codes % len(classes)] != y):
        raise ValueError("y has labels that are not in classes.")
    return coded_rows(X, codes, classes, sample_weight)


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
        The grid, in the order given (the paths are fitted from the smallest
        ``C`` up, with warm starts, whatever that order).
    l1_ratios_ : ndarray of shape (n_l1_ratios,)
    C_ : float
        The chosen ``C``.
    l1_ratio_ : float
        The chosen ``l1_ratio``.
    scores_ : ndarray of shape (n_folds, n_l1_ratios, n_cs)
        Score of each fold's held-out rows, ``C`` in the order of ``Cs_``.
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

    def __sklearn_tags__(self):
        """scikit-learn's tags: sparse ``X`` is accepted (used as CSR)."""
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _scorer(self) -> Any:
        """The scorer of ``scoring``: accuracy by default."""
        return get_scorer(self.scoring or "accuracy")

    def get_metadata_routing(self) -> MetadataRouter:
        """Where ``fit`` and ``score`` route metadata: the splitter and the scorer.

        Returns
        -------
        sklearn.utils.metadata_routing.MetadataRouter
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                splitter=self.cv,
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
            .add(
                scorer=self._scorer(),
                method_mapping=MethodMapping()
                .add(caller="score", callee="score")
                .add(caller="fit", callee="score"),
            )
        )

    def _routed(self, method: str, sample_weight: Any, params: dict) -> tuple:
        """``(split params, score params)`` for ``method``, scikit-learn's way."""
        routing = get_config().get("enable_metadata_routing", False)
        if params and not routing:
            raise ValueError(
                f"Passing extra keyword arguments to {type(self).__name__}.{method} "
                "is only supported if enable_metadata_routing=True, which you can "
                f"set using `sklearn.set_config`. Got {sorted(params)}."
            )
        if routing:
            routed = process_routing(
                self, method, sample_weight=sample_weight, **params
            )
            split = routed.splitter.split if method == "fit" else {}
            return split, dict(routed.scorer.score)
        score = {} if sample_weight is None else {"sample_weight": sample_weight}
        return {}, score

    def fit(
        self, X: Any, y: Any, sample_weight: Any = None, **params: Any
    ) -> LogisticRegressionCV:
        """Cross-validate the grid, then refit at the best point.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Sparse ``X`` is used as CSR.
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Used for fitting and, unless metadata routing says otherwise, for
            scoring the held-out rows.
        **params
            With scikit-learn's metadata routing enabled: metadata for the
            splitter (``groups``) and the scorer.

        Returns
        -------
        self
        """
        Cs = _grid_of_cs(self.Cs)
        l1_ratios = _grid_of_l1_ratios(self.l1_ratios)
        if not isinstance(self.refit, bool | np.bool_):
            raise ValueError(f"refit must be True or False, got {self.refit!r}.")
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32], order="C"
        )
        check_classification_targets(y)
        weights = None if sample_weight is None else np.asarray(sample_weight)
        split_params, score_params = self._routed("fit", weights, params)
        classes = np.unique(y)
        folds = list(check_cv(self.cv, y, classifier=True).split(X, y, **split_params))
        scorer = _fold_scorer(self._scorer(), classes)
        base = self._base_estimator().set_params(
            class_weight=self._class_weight(classes, y, weights)
        )
        # Each path runs from the smallest C up (warm starts); results are
        # reported in the order the Cs were given.
        ascending = np.argsort(Cs, kind="stable")
        shape = (len(folds), len(l1_ratios), len(Cs))
        scores = np.empty(shape)
        n_iter = np.empty(shape, dtype=np.int32)
        paths = []
        for f, (train, test) in enumerate(folds):
            fold_paths = []
            held_out = {
                key: np.asarray(value)[test] if _is_per_row(value, len(y)) else value
                for key, value in score_params.items()
            }
            for r, l1_ratio in enumerate(l1_ratios):

                def score(index, model, f=f, r=r, test=test, held_out=held_out):
                    column = ascending[index]
                    scores[f, r, column] = scorer(model, X[test], y[test], **held_out)

                _, coefs, iterations = regularization_path(
                    X[train],
                    y[train],
                    Cs,
                    l1_ratio=l1_ratio,
                    sample_weight=None if weights is None else weights[train],
                    estimator=base,
                    callback=score,
                    classes=classes,
                )
                order = np.argsort(ascending)
                n_iter[f, r] = iterations[order]
                fold_paths.append(coefs[order])
            paths.append(fold_paths)
        self.Cs_, self.l1_ratios_ = Cs, l1_ratios
        self.scores_, self.n_iter_ = scores, n_iter
        self.coefs_paths_ = np.array(paths)
        self._choose(X, y, weights, base)
        return self

    def _class_weight(self, classes: np.ndarray, y: np.ndarray, weights: Any) -> Any:
        """``class_weight``, with ``"balanced"`` computed once on the whole ``y``."""
        if not isinstance(self.class_weight, str) or self.class_weight != "balanced":
            return self.class_weight
        values = compute_class_weight(
            "balanced", classes=classes, y=y, sample_weight=weights
        )
        return dict(zip(classes.tolist(), values.tolist(), strict=True))

    def _choose(
        self, X: Any, y: np.ndarray, weights: Any, base: LogisticRegression
    ) -> None:
        """Pick ``(C, l1_ratio)`` and set the final coefficients."""
        n_l1, n_cs = self.scores_.shape[1:]
        if self.refit:
            # The best mean over folds; ties go to the first C (in the given
            # order), then the first l1_ratio, as in scikit-learn.
            by_c = self.scores_.mean(axis=0).T
            best_c, best_l1 = np.unravel_index(np.argmax(by_c), (n_cs, n_l1))
            self.l1_ratio_ = float(self.l1_ratios_[best_l1])
            self.C_ = float(self.Cs_[best_c])
            model = clone(base).set_params(C=self.C_, l1_ratio=self.l1_ratio_)
            self.best_estimator_ = model.fit(X, y, sample_weight=weights)
            self.classes_ = model.classes_
            self.coef_, self.intercept_ = model.coef_, model.intercept_
            return
        per_fold = [
            np.unravel_index(np.argmax(fold.T), (n_cs, n_l1))[::-1]
            for fold in self.scores_
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
        """The fitted model behind the predictions."""
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

    def score(
        self, X: Any, y: Any, sample_weight: Any = None, **score_params: Any
    ) -> float:
        """The ``scoring`` of the refitted model on ``(X, y)`` (accuracy by default).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
        **score_params
            With metadata routing enabled: metadata for the scorer.

        Returns
        -------
        float
        """
        _, routed = self._routed("score", sample_weight, score_params)
        return float(self._scorer()(self._model(), X, y, **routed))


def _is_per_row(value: Any, n_rows: int) -> bool:
    """Whether routed metadata has one entry per row (to split with the folds)."""
    if isinstance(value, str | bytes | dict):
        return False
    try:
        return np.shape(value)[:1] == (n_rows,)
    except (TypeError, ValueError):
        return False


def _fold_scorer(scorer: Any, classes: np.ndarray) -> Any:
    """``scorer`` told every class, as scikit-learn scores its folds.

    A held-out fold may lack classes: a metric that takes ``labels`` (log
    loss, the Brier score) gets the classes of the whole ``y``, and for two
    classes ``pos_label``, the second. scikit-learn rebuilds its scorer from
    the same (private) attributes; any other scorer is used as it is.
    """
    func = getattr(scorer, "_score_func", None)
    try:
        parameters = inspect.signature(func).parameters if func else {}
    except (TypeError, ValueError):
        parameters = {}
    if "labels" not in parameters:
        return scorer
    extra: dict[str, Any] = {"labels": classes}
    if len(classes) <= 2 and "pos_label" in parameters:
        extra["pos_label"] = classes[-1]
    return make_scorer(
        func,
        greater_is_better=scorer._sign == 1,
        response_method=scorer._response_method,
        **extra,
        **getattr(scorer, "_kwargs", {}),
    )
