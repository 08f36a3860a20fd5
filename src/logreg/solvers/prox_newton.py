r"""Proximal Newton for L1 and elastic net: Newton outside, coordinate descent inside.

The objective is ``F = f + h``: ``f`` the smooth part (log-loss plus L2) and
``h(w) = sum_j lambda_j |w_j|`` (``lambda_j = 0`` on intercepts). Each outer
iteration, as in glmnet and glum:

1. one pass gives ``f``, its gradient ``g`` and Hessian ``H`` at ``w``;
2. the stopping test: the least-norm subgradient of ``F`` (zero exactly at the
   minimiser) has max-abs at most ``tol``, as max |gradient| for the smooth
   solvers;
3. coordinate descent with an active set minimises the quadratic model
   :math:`q(x) = g^T (x - w) + \tfrac12 (x - w)^T H (x - w) + h(x)`; every
   few sweeps a Cholesky solve on the sign pattern found so far finishes the
   job exactly when the pattern is right (coordinate descent alone needs
   hundreds of sweeps on correlated features: 1000 per iteration on digits);
4. an Armijo line search on ``F`` itself along ``d = x - w`` with the
   decrease predicted by the model, :math:`\Delta = g^T d + h(x) - h(w)`
   (Lee, Sun & Saunders, 2014), so every step decreases the true objective.

Near the optimum the step is 1 and the zero pattern of ``x`` is exact: the
model's coordinate minimiser is a soft-threshold, which returns exact zeros.
The model is solved only as accurately as the outer residual calls for
(a forcing term ``min(0.1, r) r``), which keeps the local rate superlinear
without over-solving early models.

With ``options.hessian_subsample = k > 1`` the Hessian comes from every k-th
row while value and gradient stay exact, as in :mod:`logreg.solvers.newton`: a
step shorter than 1 switches to the exact Hessian for the rest of the run, and
so does a step whose predicted decrease nears ``gap_tol``
(:func:`~logreg.solvers._base.exact_trial_below`): its trial forms the exact
Hessian in the same pass, so the fit ends at the optimum as an exact one does.
"""

from __future__ import annotations

import functools
import time

import numpy as np
from scipy.linalg import LinAlgError

from logreg.solvers._base import (
    Callback,
    IterationRecord,
    SolverOptions,
    SolverResult,
    cholesky_solve,
    exact_trial_below,
    line_search_trials,
    newton_evaluation,
    report,
    residual_max,
)
from logreg.solvers._sweep import sweeps

__all__ = ["solve"]

ARMIJO_SLOPE = 1e-4
MIN_STEP = 2.0**-30
#: Coordinate-descent sweeps over the active set, at most, per outer iteration.
MAX_SWEEPS = 1000
#: Steps taken at most, once the subgradient is within ``tol``, for ``gap_tol``.
#: More than Newton's 2, which guard unpenalised separable data: with an L1
#: term ``C`` is finite and the optimum exists. On breast cancer's L1 path
#: (C = 0.01 to 100, warm starts) 2 left gaps up to 2.8e-5 at C = 100; 8
#: leave at most 5e-12.
FINISHING_STEPS = 8
#: Sweeps between attempts to solve the model exactly on its sign pattern.
SWEEPS_PER_ROUND = 10
#: Exact solves (each may zero one coordinate) per attempt, at most.
MAX_PATTERN_SOLVES = 50


def solve(
    objective,
    w0: np.ndarray,
    options: SolverOptions,
    callback: Callback | None = None,
) -> SolverResult:
    """Minimise the smooth part plus the L1 term by proximal Newton steps.

    Parameters
    ----------
    objective : LogisticObjective
        Provides ``value_grad_hessian``, ``value_and_grad``, ``l1_weights``,
        ``l1_penalty``, ``min_norm_subgradient``, ``flat_directions`` and
        ``subsampled``.
    w0 : ndarray of shape (n_params,)
        Starting point.
    options : SolverOptions
        Uses ``tol`` (on the max-abs least-norm subgradient), ``max_iter``,
        ``hessian_subsample``, ``verbose``.
    callback : callable, optional
        ``callback(record, w)`` after each iteration.

    Returns
    -------
    SolverResult
        Each record's ``value`` is the whole objective ``F`` and its
        ``grad_max`` the max-abs least-norm subgradient.
    """
    started = time.perf_counter()
    w = np.array(w0, dtype=np.float64)
    sketch = None
    if options.hessian_subsample > 1:
        sketch = objective.subsampled(options.hessian_subsample)
    history: list[IterationRecord] = []
    step = float("nan")
    finishing_steps = 0
    # (value, grad) or (value, grad, hessian) of the smooth part at w, when
    # the line search's step-1 trial made them in its pass.
    evaluation = None
    for iteration in range(options.max_iter + 1):
        value, grad, hessian, sketch = newton_evaluation(
            objective, w, evaluation, sketch
        )
        total = value + objective.l1_penalty(w)
        residual = residual_max(objective, w, grad)
        if iteration > 0:
            record = IterationRecord(
                iteration, total, residual, step, time.perf_counter() - started
            )
            history.append(record)
            report(options.verbose, "prox-newton", record)
            if callback is not None:
                callback(record, w)
        # With gap_tol, as in Newton, a small subgradient only says the end is
        # near (a warm start from the previous C of a path begins there): the
        # step is computed and taken unless its model decrease certifies the
        # gap, at most FINISHING_STEPS times.
        settled = None
        if residual <= options.tol:
            # A gap_tol at rounding level (a tiny tol) certifies nothing the
            # subgradient test has not: it would only add steps at random.
            certify = options.gap_tol > 4 * objective.eps
            if not certify or finishing_steps == FINISHING_STEPS:
                return SolverResult(
                    w, iteration, True, history, "max |subgradient| <= tol"
                )
            settled = options.gap_tol * max(abs(total), 1.0)
            finishing_steps += 1
        if iteration == options.max_iter:
            break
        inner_tol = max(0.1 * options.tol, min(0.1, residual) * residual)
        if settled is not None:
            inner_tol = min(inner_tol, 0.1 * options.tol)
        newton_step = functools.partial(
            _newton_step,
            objective,
            w=w,
            total=total,
            grad=grad,
            residual=residual,
            inner_tol=inner_tol,
        )
        exact = sketch is None
        if not exact:
            step, direction, evaluation = newton_step(
                sketch.value_grad_hessian(w)[2],
                first_trial=objective.value_and_grad,
                exact_trial_below=exact_trial_below(options, total, settled),
            )
            if step < 1.0:
                # The estimated curvature is off: a damped step is taken, a
                # failed one redone with the exact Hessian; exact from now on.
                sketch = None
            if step == 0.0:
                hessian = objective.value_grad_hessian(w)[2]
                exact = True
        if exact:
            step, direction, evaluation = newton_step(
                hessian,
                # The last finishing step's trial needs no Hessian: the fit
                # ends at its point (once its subgradient is within tol).
                first_trial=(
                    objective.value_and_grad
                    if finishing_steps == FINISHING_STEPS
                    else objective.value_grad_hessian
                ),
            )
        if (
            settled is not None
            and 0 <= _model_decrease(objective, w, grad, direction) <= settled
        ):
            # The certified step is taken, unevaluated, as in Newton: from a
            # decrease this small its end is about its square from the optimum.
            return SolverResult(
                w + direction,
                iteration,
                True,
                history,
                "max |subgradient| <= tol and gap_tol",
            )
        if step == 0.0:
            return SolverResult(
                w,
                iteration,
                settled is not None,
                history,
                "no decrease possible (rounding level)",
            )
        if np.isinf(step):
            return SolverResult(w, iteration, True, history, "model decrease ~ 0")
        w = w + step * direction
    return SolverResult(w, options.max_iter, False, history, "max_iter reached")


def _model_decrease(objective, w, grad, direction) -> float:
    """``-(g^T d + h(w + d) - h(w))``: the decrease the linear model predicts.

    For the proximal Newton direction ``d`` it bounds ``F(w) - min F`` near
    the optimum, as the Newton decrement does without an L1 term.
    """
    penalty = objective.l1_penalty
    return -(float(grad @ direction) + penalty(w + direction) - penalty(w))


def _newton_step(
    objective,
    hessian,
    *,
    w,
    total,
    grad,
    residual,
    inner_tol,
    first_trial,
    exact_trial_below=None,
) -> tuple[float, np.ndarray, tuple | None]:
    """The proximal Newton direction from ``hessian`` and its step length.

    Returns ``(step, direction, evaluation)``: ``step`` is 0.0 when no step
    decreases ``F`` and ``inf`` when the predicted decrease is at rounding
    level and nothing improves (converged as far as the arithmetic allows);
    ``evaluation`` is as in :func:`_line_search`. ``first_trial`` evaluates
    the step-1 trial (``value_and_grad`` or ``value_grad_hessian``); a
    predicted decrease at most ``exact_trial_below`` makes it
    ``value_grad_hessian``.
    """
    # Flat directions (equal shifts of all intercepts) get unit curvature,
    # which keeps them out of the step, as in Newton.
    flat = objective.flat_directions()
    target = _coordinate_descent(
        grad, hessian + flat @ flat.T, w, objective.l1_weights, inner_tol
    )
    direction = target - w
    penalty = objective.l1_penalty
    decrease = float(grad @ direction) + penalty(target) - penalty(w)
    rounding = 4 * objective.eps * max(abs(total), 1.0)
    if not decrease <= rounding:
        return 0.0, direction, None  # not a descent direction
    if -decrease <= rounding:
        # Below the rounding of F no line search can see progress, but the
        # float64 subgradient can: keep the full step if it shrinks it.
        trial_value, trial_grad = objective.value_and_grad(target)
        if residual_max(objective, target, trial_grad) < residual:
            return 1.0, direction, (trial_value, trial_grad)
        return float("inf"), direction, None
    if exact_trial_below is not None and -0.5 * decrease <= exact_trial_below:
        first_trial = objective.value_grad_hessian
    step, evaluation = _line_search(
        objective, w, total, residual, direction, decrease, first_trial
    )
    return step, direction, evaluation


def _coordinate_descent(
    grad: np.ndarray,
    hessian: np.ndarray,
    w: np.ndarray,
    l1: np.ndarray,
    tol: float,
    always_exact: bool = True,
) -> np.ndarray:
    """Minimise the quadratic model plus the L1 term by coordinate descent.

    Minimises ``q(x) = g^T (x - w) + (x - w)^T H (x - w) / 2 + sum_j l1_j
    |x_j|``. Active-set rule: only coordinates that are nonzero, unpenalised,
    or break the optimality condition at zero (``|model gradient_j| > l1_j``)
    are swept; once the sweeps settle, one vectorised check over the rest
    admits new violators, and the loop ends when there are none. After every
    round of :data:`SWEEPS_PER_ROUND` sweeps, :func:`_solve_on_pattern`
    finishes the job exactly from the sign pattern the sweeps found: on an
    ill-conditioned Hessian (correlated features) plain coordinate descent
    needs hundreds of sweeps.

    Parameters
    ----------
    grad : ndarray of shape (n_params,)
    hessian : ndarray of shape (n_params, n_params)
        Symmetric positive semi-definite.
    w : ndarray of shape (n_params,)
        Where the model is expanded (and the descent starts).
    l1 : ndarray of shape (n_params,)
        L1 strength per coordinate.
    tol : float
        Stop when no coordinate moves the model gradient by more than this in
        one sweep (and no zero coordinate violates its condition by more).
    always_exact : bool, default=True
        Try the exact solve after every round; with False only after rounds
        whose sweeps did not settle (the working-set solver's compiled sweeps
        settle in a few sweeps on weakly correlated sparse columns, where a
        Cholesky factorisation of the whole set cost more than they do).

    Returns
    -------
    ndarray of shape (n_params,)
        The model's approximate minimiser ``x``.
    """
    x = w.copy()
    model_grad = grad.copy()  # g + H (x - w), kept current
    diagonal = np.diag(hessian)
    active = (w != 0) | (l1 == 0) | (np.abs(grad) > l1)
    sweeps = 0
    while sweeps < MAX_SWEEPS:
        index = np.flatnonzero(active)
        start = x[index]
        solved, used, settled = _sweep_active(
            hessian[np.ix_(index, index)],
            diagonal[index],
            model_grad[index],
            start,
            l1[index],
            tol,
            min(SWEEPS_PER_ROUND, MAX_SWEEPS - sweeps),
        )
        sweeps += used
        x[index] = solved
        if always_exact or not settled:
            x, optimal = _solve_on_pattern(grad, hessian, w, x, l1, tol)
            if optimal:
                break
        model_grad = grad + hessian @ (x - w)
        # Optimality at zero is |model gradient| <= l1; a violation by v moves
        # the coordinate's model gradient by v, the same measure as ``tol``.
        violators = ~active & (np.abs(model_grad) - l1 > tol)
        if settled and not violators.any():
            break
        active |= violators
    return x


def _solve_on_pattern(
    grad: np.ndarray,
    hessian: np.ndarray,
    w: np.ndarray,
    x: np.ndarray,
    l1: np.ndarray,
    tol: float,
) -> tuple[np.ndarray, bool]:
    """Improve ``x`` by exact solves on its sign pattern (feature-sign search).

    With the zero set ``Z`` and the signs ``sigma`` of the other (free)
    coordinates fixed, ``|x_j| = sigma_j x_j`` makes the model a quadratic
    whose minimiser solves ``H_FF d_F = -(g_F + l1_F sigma_F + H_FZ d_Z)``
    with ``d_Z = -w_Z``. The model is convex along the segment from ``x`` to
    that point, so moving to it, or to where the segment first sets a free
    coordinate to zero (that coordinate then joins ``Z``), lowers the model
    (Lee, Battle, Raina & Ng, 2007). Repeated until no coordinate crosses
    zero; ``x`` is then the model's minimiser exactly when every zero
    coordinate satisfies ``|model gradient_j| <= l1_j`` (up to ``tol``).

    Returns
    -------
    x : ndarray of shape (n_params,)
        The improved point (``x`` itself where no exact solve is possible,
        e.g. a singular ``H_FF`` along a pure-L1 flat direction).
    optimal : bool
        Whether it is the model's minimiser.
    """
    value = _model_value(grad, hessian, w, x, l1)
    for _ in range(MAX_PATTERN_SOLVES):
        free = (x != 0) | (l1 == 0)
        index = np.flatnonzero(free)
        zero = ~free
        signs = np.sign(x[index])
        rhs = grad[index] + l1[index] * signs - hessian[np.ix_(index, zero)] @ w[zero]
        try:
            target = w[index] - cholesky_solve(hessian[np.ix_(index, index)], rhs)
        except (LinAlgError, ValueError):
            return x, False
        if not np.all(np.isfinite(target)):
            return x, False
        # The first zero crossing of a penalised coordinate on the segment.
        crossing = (l1[index] > 0) & (np.sign(target) != signs)
        fraction = 1.0
        if crossing.any():
            start, end = x[index][crossing], target[crossing]
            fractions = start / (start - end)
            fraction = float(np.min(fractions))
        trial = np.zeros_like(x)
        trial[index] = x[index] + fraction * (target - x[index])
        if fraction < 1.0:
            first = index[crossing][fractions <= fraction]
            trial[first] = 0.0
        trial_value = _model_value(grad, hessian, w, trial, l1)
        if not trial_value <= value:
            return x, False  # rounding-level or inexact solve: leave it to CD
        x, value = trial, trial_value
        if fraction == 1.0:
            break
    else:
        return x, False
    zero = x == 0
    model_grad = grad[zero] + hessian[zero] @ (x - w)
    return x, bool(np.all(np.abs(model_grad) - l1[zero] <= tol))


def _model_value(grad, hessian, w, x, l1) -> float:
    """``g^T d + d^T H d / 2 + sum_j l1_j |x_j|`` with ``d = x - w``."""
    d = x - w
    return float(grad @ d + 0.5 * d @ (hessian @ d) + l1 @ np.abs(x))


def _sweep_active(
    hessian: np.ndarray,
    diagonal: np.ndarray,
    model_grad: np.ndarray,
    x: np.ndarray,
    l1: np.ndarray,
    tol: float,
    max_sweeps: int,
) -> tuple[np.ndarray, int, bool]:
    """Cyclic coordinate descent on the active sub-problem (:mod:`._sweep`).

    Returns the new coordinates, the number of sweeps, and whether the last
    sweep moved no model gradient by more than ``tol``; ``model_grad`` is
    updated in place.
    """
    return sweeps(hessian, diagonal, model_grad, x, l1, tol, max_sweeps)


def _line_search(
    objective, w, total, residual, direction, decrease, first_trial
) -> tuple[float, tuple | None]:
    """Armijo backtracking on ``F`` from step 1; step 0.0 when none is acceptable.

    The sufficient decrease is ``ARMIJO_SLOPE * step * Delta`` with the
    model's predicted decrease ``Delta = g^T d + h(w + d) - h(w) < 0``. Where
    the predicted decrease falls below the rounding of ``F``, a step is
    accepted if it reduces the max-abs least-norm subgradient, as in
    :mod:`logreg.solvers.newton`.

    Returns
    -------
    step : float
    evaluation : tuple starting ``(value, grad)`` of the smooth part at
        ``w + step * direction``, when ``first_trial`` (at step 1) or the
        rounding-level test computed it
    """
    penalty = objective.l1_penalty
    rounding = 16 * objective.eps * max(abs(total), 1.0)
    for step, trial_value, evaluation in line_search_trials(
        objective, w, direction, MIN_STEP, first_trial
    ):
        trial = w + step * direction
        trial_total = trial_value + penalty(trial)
        if trial_total <= total + ARMIJO_SLOPE * step * decrease:
            return step, evaluation
        if abs(trial_total - total) <= rounding:
            if evaluation is None:
                evaluation = objective.value_and_grad(trial)
            if residual_max(objective, trial, evaluation[1]) < residual:
                return step, evaluation
    return 0.0, None
