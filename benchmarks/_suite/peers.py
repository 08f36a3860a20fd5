"""The contestants: logreg's solvers and its peers behind one ``fit`` signature.

Each contestant fits ``(X, y, C, tol)`` and returns an :class:`Outcome` in
scikit-learn's layout, so one objective function judges them all. ``tol`` is
the contestant's own stopping parameter (``None``: its default); the
tolerance *ladder* lists the values tried, loosest first, until one reaches
the target gap (see :mod:`_suite.timing`).

glum and statsmodels are imported lazily (the ``[bench]`` extra); a missing
one is skipped and said so.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

import logreg

#: Tolerances tried in order until the fit reaches the target gap.
LADDER = (1e-4, 1e-6, 1e-8, 1e-10, 1e-12)
#: Iteration cap for the first-order solvers (never the binding stop).
MAX_ITER = 10_000


@dataclass(frozen=True)
class Outcome:
    """A fitted model in scikit-learn's layout.

    Attributes
    ----------
    coef : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept : ndarray of shape (1,) or (n_classes,)
    n_iter : int
        Iterations the solver reported (the maximum over classes, if several).
    """

    coef: np.ndarray
    intercept: np.ndarray
    n_iter: int


Fit = Callable[[np.ndarray, np.ndarray, float, float | None], Outcome]


@dataclass(frozen=True)
class Contestant:
    """A named way to fit a dataset.

    Attributes
    ----------
    name : str
    fit : callable ``(X, y, C, tol) -> Outcome``
    ladder : tuple of float or None
        Tolerances to try, loosest first; ``(None,)`` times the default only.
    binary_only : bool
        Skip datasets with more than two classes (glum, statsmodels ``Logit``).
    float64_copy : bool
        Fit ``Dataset.X64`` instead of ``Dataset.X`` (float32 vs float64).
    requires : str or None
        Module that must be importable, else the contestant is skipped.
    """

    name: str
    fit: Fit
    ladder: tuple[float | None, ...] = LADDER
    binary_only: bool = False
    float64_copy: bool = False
    requires: str | None = None

    def applies(self, n_classes: int) -> bool:
        """Whether this contestant runs on a problem with ``n_classes`` classes."""
        installed = self.requires is None or importlib.util.find_spec(self.requires)
        return bool(installed) and not (self.binary_only and n_classes > 2)


def logreg_fit(solver: str, **options) -> Fit:
    """``logreg.LogisticRegression(solver=solver, **options)``."""

    def fit(X, y, C, tol):
        tol_option = {} if tol is None else {"tol": tol}
        model = logreg.LogisticRegression(solver=solver, C=C, **tol_option, **options)
        model.fit(X, y)
        return Outcome(model.coef_, model.intercept_, int(np.max(model.n_iter_)))

    return fit


def sklearn_fit(solver: str) -> Fit:
    """scikit-learn's ``LogisticRegression(solver=solver)``."""

    def fit(X, y, C, tol):
        model = SklearnLogisticRegression(
            solver=solver, C=C, tol=1e-4 if tol is None else tol, max_iter=MAX_ITER
        ).fit(X, y)
        return Outcome(model.coef_, model.intercept_, int(np.max(model.n_iter_)))

    return fit


def intelex_fit(X, y, C, tol) -> Outcome:
    """Intel's scikit-learn extension: oneDAL's ``LogisticRegression`` (L-BFGS).

    The dense CPU drop-in users pick; same objective and ``C`` as
    scikit-learn's.
    """
    from sklearnex.linear_model import LogisticRegression as IntelexLogisticRegression

    model = IntelexLogisticRegression(
        C=C, tol=1e-4 if tol is None else tol, max_iter=MAX_ITER
    ).fit(X, y)
    return Outcome(model.coef_, model.intercept_, int(np.max(model.n_iter_)))


def glum_fit(X, y, C, tol) -> Outcome:
    """glum's binomial GLM with the same optimum as scikit-learn's.

    glum minimises ``deviance / (2 S) + alpha / 2 ||W||^2`` (``S`` the weight
    sum; intercept unpenalised). The binomial half-deviance of 0/1 labels is
    the log-loss sum, so this is scikit-learn's ``f / (C S)`` when
    ``alpha = 1 / (C S)``.
    """
    from glum import GeneralizedLinearRegressor

    alpha = 0.0 if np.isinf(C) else 1.0 / (C * len(y))
    model = GeneralizedLinearRegressor(
        family="binomial",
        alpha=alpha,
        l1_ratio=0.0,
        solver="irls-ls",  # what glum's "auto" picks for a pure L2 penalty
        gradient_tol=tol,
        max_iter=1000,
    )
    try:
        model.fit(X, y)
    except np.linalg.LinAlgError:
        # glum's float32 Hessian is singular on the float32 copy: a failed
        # fit, reported with a NaN gap rather than ending the run.
        n_features = X.shape[1]
        return Outcome(np.full((1, n_features), np.nan), np.full(1, np.nan), 0)
    return Outcome(
        model.coef_[None, :], np.atleast_1d(model.intercept_), int(model.n_iter_)
    )


def statsmodels_fit(X, y, C, tol) -> Outcome:
    """statsmodels ``Logit`` by Newton (unpenalised only; ``tol`` on the step)."""
    import statsmodels.api as sm

    if not np.isinf(C):
        raise ValueError("statsmodels Logit is compared on unpenalised fits only")
    exog = sm.add_constant(X, prepend=False)
    result = sm.Logit(y, exog).fit(
        method="newton", tol=1e-8 if tol is None else tol, maxiter=100, disp=0
    )
    params = np.asarray(result.params)
    return Outcome(params[None, :-1], params[-1:], result.mle_retvals["iterations"])


#: logreg's default fit: the baseline of every ratio.
LOGREG_AUTO = Contestant("logreg auto", logreg_fit("auto"), (None,))
#: logreg's auto rule at the loosest ladder tolerance that reaches the gap.
LOGREG_AUTO_TUNED = Contestant("logreg auto, tuned tol", logreg_fit("auto"))
LOGREG_NEWTON = Contestant("logreg newton", logreg_fit("newton"))
LOGREG_LBFGS = Contestant("logreg lbfgs", logreg_fit("lbfgs", max_iter=MAX_ITER))
SKLEARN_LBFGS = Contestant("sklearn lbfgs", sklearn_fit("lbfgs"))
SKLEARN_NEWTON = Contestant("sklearn newton-cholesky", sklearn_fit("newton-cholesky"))
INTELEX = Contestant("scikit-learn-intelex lbfgs", intelex_fit, requires="sklearnex")
GLUM = Contestant("glum irls-ls", glum_fit, binary_only=True, requires="glum")
STATSMODELS = Contestant(
    "statsmodels Logit newton",
    statsmodels_fit,
    binary_only=True,
    requires="statsmodels",
)

#: The tight fits whose best objective value is the reference optimum.
REFERENCES = (
    Contestant("sklearn newton-cholesky tol=1e-12", sklearn_fit("newton-cholesky")),
    Contestant("logreg newton tol=1e-12", logreg_fit("newton")),
)
REFERENCE_TOL = 1e-12

PENALISED = (
    LOGREG_AUTO,
    LOGREG_NEWTON,
    LOGREG_LBFGS,
    SKLEARN_LBFGS,
    SKLEARN_NEWTON,
    INTELEX,
    GLUM,
)
FLOAT32 = (
    LOGREG_AUTO,
    Contestant(
        "logreg auto, float64 copy",
        logreg_fit("auto"),
        (None,),
        float64_copy=True,
    ),
    *PENALISED[1:],
)
UNPENALISED = (LOGREG_AUTO, LOGREG_NEWTON, SKLEARN_NEWTON, SKLEARN_LBFGS, STATSMODELS)
