"""scikit-learn's constructor arguments on logreg's estimators.

scikit-learn's own ``test_logistic.py`` runs against logreg through this
module (see ``tests/test_sklearn_suite.py``), which takes the place of its
``from sklearn.linear_model import LogisticRegression, LogisticRegressionCV``.
It translates constructor arguments only, at ``fit``:

- ``penalty`` (deprecated in scikit-learn 1.8): ``None`` is ``C=inf``,
  ``"l1"`` is ``l1_ratio=1``, ``"l2"`` is ``l1_ratio=0``;
- solver names: ``"newton-cg"`` and ``"newton-cholesky"`` are logreg's
  ``"newton"``; ``"sag"``, ``"saga"`` and ``"liblinear"``, solvers logreg does
  not have, are ``"auto"`` (the same objective, except that liblinear also
  penalises the intercept);
- ``dual``, ``intercept_scaling`` and ``n_jobs`` (liblinear's and joblib's)
  are accepted and have no effect, ``dual=True`` is refused;
- ``penalty=None`` with a ``C`` warns that ``C`` is ignored, as scikit-learn
  does (the rest of that test compares results);
- ``LogisticRegressionCV``'s ``l1_ratios="warn"`` and ``scoring="warn"``
  (scikit-learn's deprecation markers) are logreg's defaults, ``(0.0,)``
  and accuracy.

Every fitted attribute is logreg's own; scikit-learn's estimators are never
called.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any

import numpy as np

import logreg

SOLVERS = {
    "lbfgs": "lbfgs",
    "newton-cg": "newton",
    "newton-cholesky": "newton",
    "sag": "auto",
    "saga": "auto",
    "liblinear": "auto",
}


def _penalty(penalty: Any, C: Any, l1_ratio: Any) -> tuple[Any, Any]:
    """``(C, l1_ratio)`` of scikit-learn's ``penalty`` argument."""
    if penalty == "deprecated":
        return C, l1_ratio
    if penalty is None:
        if C != 1.0:  # scikit-learn's warning, so its tests reach their results
            warnings.warn(
                "Setting penalty=None will ignore the C and l1_ratio parameters",
                UserWarning,
                stacklevel=3,
            )
        return np.inf, 0.0
    if penalty == "l2":
        return C, 0.0
    if penalty == "l1":
        return C, 1.0
    if penalty == "elasticnet":
        return C, l1_ratio
    raise ValueError(f"penalty={penalty!r} is not one of 'l1', 'l2', 'elasticnet'.")


@contextlib.contextmanager
def _translated(estimator: Any, **values: Any):
    """Set logreg's values of some parameters for the length of a fit."""
    saved = {name: getattr(estimator, name) for name in values}
    vars(estimator).update(values)
    try:
        yield
    finally:
        vars(estimator).update(saved)


def _check_dual(dual: Any) -> None:
    if dual:
        raise ValueError("dual=True is liblinear's; logreg solves the primal.")


class LogisticRegression(logreg.LogisticRegression):
    """logreg's estimator with scikit-learn's constructor."""

    # logreg's own parameters, at their defaults (not in scikit-learn's).
    learning_rate = None
    momentum = 0.0
    nesterov = False
    batch_size = None
    firth = False
    formula = None

    def __init__(
        self,
        penalty="deprecated",
        *,
        C=1.0,
        l1_ratio=0.0,
        dual=False,
        tol=1e-4,
        fit_intercept=True,
        intercept_scaling=1,
        class_weight=None,
        random_state=None,
        solver="lbfgs",
        max_iter=100,
        verbose=0,
        warm_start=False,
        n_jobs=None,
    ):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.dual = dual
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs

    def fit(self, X, y, sample_weight=None):
        _check_dual(self.dual)
        C, l1_ratio = _penalty(self.penalty, self.C, self.l1_ratio)
        solver = SOLVERS.get(self.solver, self.solver)
        with _translated(self, C=C, l1_ratio=l1_ratio, solver=solver):
            return super().fit(X, y, sample_weight)


class LogisticRegressionCV(logreg.LogisticRegressionCV):
    """logreg's cross-validated estimator with scikit-learn's constructor."""

    def __init__(
        self,
        *,
        Cs=10,
        l1_ratios="warn",
        fit_intercept=True,
        cv=None,
        dual=False,
        penalty="deprecated",
        scoring="warn",
        solver="lbfgs",
        tol=1e-4,
        max_iter=100,
        class_weight=None,
        n_jobs=None,
        verbose=0,
        refit=True,
        intercept_scaling=1.0,
        random_state=None,
        use_legacy_attributes="warn",
    ):
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.dual = dual
        self.penalty = penalty
        self.scoring = scoring
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.refit = refit
        self.intercept_scaling = intercept_scaling
        self.random_state = random_state
        self.use_legacy_attributes = use_legacy_attributes

    def fit(self, X, y, sample_weight=None, **params):
        _check_dual(self.dual)
        l1_ratios = self.l1_ratios
        if isinstance(l1_ratios, str) or (
            l1_ratios is None and self.penalty != "elasticnet"
        ):  # "warn", or None: the default
            l1_ratios = (0.0,)
        if self.penalty == "l1":
            l1_ratios = (1.0,)
        elif self.penalty == "l2":
            l1_ratios = (0.0,)
        scoring = None if self.scoring == "warn" else self.scoring
        solver = SOLVERS.get(self.solver, self.solver)
        values = {"l1_ratios": l1_ratios, "scoring": scoring, "solver": solver}
        with _translated(self, **values):
            return super().fit(X, y, sample_weight, **params)
