r"""Profile-likelihood intervals: exact roots of the likelihood-ratio statistic.

For the parameter :math:`\beta_j`, the interval is every :math:`b` whose
profile statistic :math:`2\,[\hat l - \max_{\beta: \beta_j = b} l(\beta)]` is
at most the :math:`\chi^2_1` quantile (R's ``confint`` on a ``glm``, which
interpolates a spline through the profile; here each bound is the root itself,
found by Brent's method). With ``firth=True``, :math:`l` is Firth's penalised
log-likelihood :math:`l^*(\beta) = l(\beta) + \frac12 \log\det I(\beta)`, the
determinant over all the parameters, ``beta_j`` included: the profile
penalised-likelihood intervals ``logistf`` gives by default. Unlike Wald
intervals they are not symmetric, and they stay honest where the likelihood
is far from quadratic.

Each evaluation is a constrained fit over the other parameters: Newton steps
with a backtracking line search, until the Newton decrement (the gradient in
the metric of the Hessian) is at rounding level. The log-likelihood is
concave, so its constrained fits have one optimum. Firth's need not be: the
Hessian of :math:`-l^*` can be indefinite on the free parameters, where the
step uses the Fisher information instead, and a constrained problem can have
several local optima (on 60 separated rows, a refit from the estimate found
one with statistic 4.1 where the profile's is 0.7). So the profile is followed
from the estimate as a path: each fit starts from the nearest one solved,
moved along the path's tangent, and a move that the Newton steps must correct
by more than :data:`PREDICTOR_GAP` is halved. At each bound, refits from the
estimate and from zero look for a higher maximum; one found is a higher
branch of the profile, followed onwards (on those rows the intercept's upper
bound moved from 10.5 to 18.9). A higher maximum that none of these starts
reaches is missed, and the interval is then too narrow: on those rows, random
starts found one for one bound of eight.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize, stats

from logreg.firth import FirthObjective
from logreg.solvers import ConvergenceWarning

__all__ = ["profile_intervals"]

#: Newton steps at most for one constrained fit.
MAX_STEPS = 100
#: A bound is searched up to this many standard errors from the estimate;
#: beyond it (a likelihood that never drops far enough, as under separation)
#: the bound is infinite.
MAX_STANDARD_ERRORS = 1e4
ARMIJO_SLOPE = 1e-4
MIN_STEP = 2.0**-30
#: A fit has converged when the decrement's estimate of ``F - min F`` is
#: within this many ulps of ``F``.
ROUNDING_ULPS = 4
#: Along a Firth profile, a move is kept when the Newton steps lowered the
#: statistic from the predicted start by at most this much (likelihood-ratio
#: units); a larger correction may have reached another local optimum.
PREDICTOR_GAP = 0.5
#: Halvings of one move before it is kept whatever its correction.
MAX_HALVINGS = 20
#: A fit from another start at a Firth bound that lowers the statistic by
#: more than this (likelihood-ratio units), or by more than this many ulps
#: of ``2 S F`` where that is larger (float32 rows), is on a higher branch.
BRANCH_TOLERANCE = 1e-8
BRANCH_ULPS = 64
#: Branches followed at most for one bound.
MAX_BRANCHES = 10


@dataclass(frozen=True)
class _Optimum:
    """A constrained fit: ``F`` at ``w`` (``w[index] = b``) from ``F`` at the start."""

    b: float
    w: np.ndarray
    value: float
    start_value: float
    #: ``dw / db`` along the path of constrained optima (``1`` at the index).
    tangent: np.ndarray
    converged: bool


def _derivatives(objective, w: np.ndarray) -> tuple:
    """``F``, its gradient, its exact Hessian (or None) and a positive definite one."""
    if isinstance(objective, FirthObjective):
        return objective.value_grad_hessians(w)
    value, grad, hessian = objective.value_grad_hessian(w)
    return value, grad, hessian, hessian


def _curvature(exact, fisher, free: np.ndarray) -> tuple:
    """The first of ``exact``, ``fisher`` positive definite on ``free``, factored."""
    for hessian in (exact, fisher):
        if hessian is None:
            continue
        try:
            return hessian, linalg.cho_factor(hessian[np.ix_(free, free)])
        except (linalg.LinAlgError, ValueError):
            continue
    return None, None


def _line_search(objective, w, free, step, current, grad, decrement):
    """Armijo backtracking from the full step; None when no length is accepted.

    Within rounding of ``F`` (where Armijo cannot pass) a step that lowers
    max |free gradient| is accepted, as in the Newton solver.
    """
    rounding = 16 * objective.eps * max(abs(current), 1.0)
    length = 1.0
    while length >= MIN_STEP:
        trial = w.copy()
        trial[free] += length * step
        value = objective.value(trial)
        if value <= current - ARMIJO_SLOPE * length * decrement:
            return trial
        if abs(value - current) <= rounding:
            trial_grad = objective.value_and_grad(trial)[1]
            if np.max(np.abs(trial_grad[free])) < np.max(np.abs(grad[free])):
                return trial
        length /= 2
    return None


def _constrained_fit(objective, w: np.ndarray, index: int, value: float) -> _Optimum:
    """Minimise the objective with ``w[index] = value``, starting from ``w``."""
    w = np.array(w, dtype=np.float64)
    w[index] = value
    free = np.arange(len(w)) != index
    try:
        current, grad, exact, fisher = _derivatives(objective, w)
    except linalg.LinAlgError:  # Firth's information is singular at the start
        return _Optimum(value, w, np.inf, np.inf, np.eye(len(w))[index], False)
    start, converged = current, False
    for _ in range(MAX_STEPS):
        _, factor = _curvature(exact, fisher, free)
        if factor is None:
            break
        step = -linalg.cho_solve(factor, grad[free])
        decrement = float(-grad[free] @ step)
        if not np.isfinite(decrement):
            break
        if 0.5 * decrement <= ROUNDING_ULPS * objective.eps * max(abs(current), 1.0):
            converged = True
            break
        trial = _line_search(objective, w, free, step, current, grad, decrement)
        if trial is None:
            break
        w = trial
        current, grad, exact, fisher = _derivatives(objective, w)
    tangent = np.eye(len(w))[index]
    hessian, factor = _curvature(exact, fisher, free)
    if factor is not None:
        tangent[free] = -linalg.cho_solve(factor, hessian[free, index])
    return _Optimum(value, w, current, start, tangent, converged)


def _follow(objective, path: list, index: int, b: float, branches: bool) -> _Optimum:
    """The constrained optimum at ``b`` on the path of ``path``, which it extends.

    From the solved optimum nearest ``b``, each move starts at the tangent's
    prediction. With ``branches`` (an objective that is not concave) a move
    corrected by more than :data:`PREDICTOR_GAP` is halved, and a kept one
    lets the next be twice as long.
    """
    near = min(path, key=lambda point: abs(point.b - b))
    move, halvings = b - near.b, 0
    while True:
        target = b if abs(move) >= abs(b - near.b) else near.b + move
        start = near.w + (target - near.b) * near.tangent
        fit = _constrained_fit(objective, start, index, target)
        gap = 2.0 * objective.weight_sum * (fit.start_value - fit.value)
        if (
            not branches
            or (fit.converged and gap <= PREDICTOR_GAP)
            or halvings == MAX_HALVINGS
        ):
            path.append(fit)
            if target == b:
                return fit
            near, move, halvings = fit, 2.0 * move, 0
        else:
            move, halvings = move / 2.0, halvings + 1


def _restart(objective, w_hat: np.ndarray, index: int, b: float):
    """The best converged fit at ``b`` from the estimate and from zero, or None."""
    best = None
    for start in (w_hat, np.zeros_like(w_hat)):
        fit = _constrained_fit(objective, start, index, b)
        if fit.converged and (best is None or fit.value < best.value):
            best = fit
    return best


def _bound(objective, estimate: _Optimum, index: int, se: float, side: float, excess):
    """One profile bound (``side`` -1 or 1) and whether its fits all converged.

    ``excess(F)`` is the statistic at ``F`` minus the quantile. The bound is
    bracketed by steps doubling from one standard error, then found by
    Brent's method on the path from the estimate. For Firth's objective,
    fits from other starts then check the bound: one that reaches a lower
    statistic there is on a higher branch of the profile (whose maximum over
    the other parameters is the higher branch's), which is followed onwards.
    """
    branches = isinstance(objective, FirthObjective)
    path, settled = [estimate], [True]
    scale = 2.0 * objective.weight_sum * max(abs(estimate.value), 1.0)
    tolerance = max(BRANCH_TOLERANCE, BRANCH_ULPS * objective.eps * scale)

    def excess_at(b: float) -> float:
        fit = _follow(objective, path, index, b, branches)
        settled[0] &= fit.converged
        return excess(fit.value)

    origin = inner = estimate.b
    step = max(se, 1e-8)
    for _ in range(MAX_BRANCHES):
        distance = step
        outer = origin + side * distance
        while excess_at(outer) < 0:
            inner, distance = outer, 2.0 * distance
            if distance > MAX_STANDARD_ERRORS * step:
                return side * np.inf, settled[0]
            outer = origin + side * distance
        root = optimize.brentq(
            excess_at, *sorted((inner, outer)), xtol=1e-12, rtol=1e-12
        )
        higher = _restart(objective, estimate.w, index, root) if branches else None
        if higher is None or excess(higher.value) >= -tolerance:
            return root, settled[0]
        path[:], settled[0] = [higher], True
        origin = inner = root
    return root, False


def profile_intervals(
    objective, w_hat: np.ndarray, indices, standard_errors, alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    """Profile bounds of the parameters ``w[indices]`` at level ``1 - alpha``.

    Parameters
    ----------
    objective : LogisticObjective or FirthObjective
        The minimised scaled objective ``F = -l / S`` (``-l* / S`` for Firth's
        method), still over its rows.
    w_hat : ndarray of shape (n_params,)
        Its minimiser.
    indices : sequence of int
        Parameter positions, in the order to report.
    standard_errors : ndarray
        Wald standard errors of those parameters (to bracket the roots).
    alpha : float

    Returns
    -------
    low, high : ndarray of shape (len(indices),)
        ``-inf``/``inf`` where the profile never reaches the quantile.

    Warns
    -----
    ConvergenceWarning
        When a finite bound rests on a constrained fit that did not converge.
    """
    w_hat = np.asarray(w_hat, dtype=np.float64)
    minimum, _, exact, fisher = _derivatives(objective, w_hat)
    # The statistic in log-likelihood units: 2 S (F(w) - F(w_hat)) vs chi2_1.
    quantile = stats.chi2.ppf(1 - alpha, 1)

    def excess(value: float) -> float:
        return 2.0 * objective.weight_sum * (value - minimum) - quantile

    bounds, unsettled = [], 0
    for index, se in zip(indices, standard_errors, strict=True):
        free = np.arange(len(w_hat)) != index
        tangent = np.eye(len(w_hat))[index]
        hessian, factor = _curvature(exact, fisher, free)
        if factor is not None:
            tangent[free] = -linalg.cho_solve(factor, hessian[free, index])
        estimate = _Optimum(w_hat[index], w_hat, minimum, minimum, tangent, True)
        for side in (-1.0, 1.0):
            bound, settled = _bound(objective, estimate, index, se, side, excess)
            bounds.append(bound)
            unsettled += np.isfinite(bound) and not settled
    if unsettled:
        warnings.warn(
            f"{unsettled} profile bound(s) rest on constrained refits that did "
            "not converge; they may be inaccurate.",
            ConvergenceWarning,
            stacklevel=3,
        )
    bounds = np.array(bounds).reshape(-1, 2)
    return bounds[:, 0], bounds[:, 1]
