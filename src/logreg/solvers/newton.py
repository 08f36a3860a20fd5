"""Newton's method (IRLS) with a Cholesky solve and an Armijo line search.

With ``options.hessian_subsample = k > 1`` the Hessian comes from every k-th
row while the value and gradient stay exact (sub-sampled Newton): the fixed
point is still the exact optimum, each iteration costs one full pass plus 1/k
of the Hessian work, and with many rows per parameter the estimated curvature
is close enough that the iteration count barely changes. A failed line search
a step shorter than 1, or a singular estimate switches to the exact Hessian for
the rest of the run.

A fixed sequence per iteration: value, gradient and Hessian in one pass →
Cholesky solve for the Newton direction → Armijo backtracking → convergence
check on max |gradient| and on the Newton decrement. A singular Hessian
(possible only without penalty: collinear features, or separable data) gives
a warning and minimum-norm Newton steps; if those make no progress either,
Newton hands over to L-BFGS from the current point. It never crashes.
"""

from __future__ import annotations

import dataclasses
import time
import warnings

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
)
from logreg.solvers.lbfgs import solve as lbfgs_solve

__all__ = ["POLISH_MAX_STEPS", "SingularHessianWarning", "polish", "solve"]

ARMIJO_SLOPE = 1e-4
MIN_STEP = 2.0**-30
#: Steps taken at most, once max |gradient| <= tol, for ``gap_tol``.
FINISHING_STEPS = 2
#: A Newton decrement ``lambda^2 / 2`` within this many ulps of ``|F|`` is at
#: rounding level: the objective cannot resolve the gap it estimates.
ROUNDING_ULPS = 4
#: :func:`polish` takes at most this many Newton steps. From a converged fit
#: it takes one to three (one exact step, a chord step, a settling step); more
#: only where there is no finite optimum (separated classes), which no number
#: of steps would reach.
POLISH_MAX_STEPS = 8
#: :func:`polish` reuses a Hessian formed where the decrement was within this
#: fraction of ``|F|`` (parameters within about 1e-4 of the optimum, so the
#: Hessian within about that of the optimum's): each step with it gains at
#: least four digits, for a gradient pass instead of a Hessian pass.
CHORD_GAP = 1e-8
#: A Hessian is singular when a squared Cholesky pivot is below this fraction
#: of its largest diagonal entry (an exactly duplicated column gave 1e-16;
#: unpenalised breast cancer, well posed, 3e-3), and singular values below
#: this fraction of the largest count as zero in its minimum-norm step.
SINGULAR_RCOND = 1e-13


class SingularHessianWarning(UserWarning):
    """Newton met a singular Hessian and continued with L-BFGS."""


def solve(
    objective,
    w0: np.ndarray,
    options: SolverOptions,
    callback: Callback | None = None,
) -> SolverResult:
    """Minimise the objective by damped Newton steps.

    Parameters
    ----------
    objective : LogisticObjective
        Provides ``value``, ``value_grad_hessian`` and ``flat_directions``.
    w0 : ndarray of shape (n_params,)
        Starting point.
    options : SolverOptions
        Uses ``tol`` (on max |gradient|), ``max_iter``, ``hessian_subsample``,
        ``verbose``.
    callback : callable, optional
        ``callback(record, w)`` after each iteration.

    Returns
    -------
    SolverResult
    """
    started = time.perf_counter()
    w = np.array(w0, dtype=np.float64)
    history: list[IterationRecord] = []
    step = float("nan")
    flat = objective.flat_directions()
    sketch = None
    if options.hessian_subsample > 1:
        sketch = objective.subsampled(options.hessian_subsample)
    # (value, grad) or (value, grad, hessian) at w, when the line search's
    # step-1 trial made them in its pass.
    evaluation = None
    finishing_steps = 0
    warned = False
    for iteration in range(options.max_iter + 1):
        value, grad, hessian, sketch = newton_evaluation(
            objective, w, evaluation, sketch
        )
        grad_max = float(np.max(np.abs(grad)))
        if iteration > 0:
            record = IterationRecord(
                iteration, value, grad_max, step, time.perf_counter() - started
            )
            history.append(record)
            report(options.verbose, "newton", record)
            if callback is not None:
                callback(record, w)
        # With gap_tol, a small gradient only says the end is near: the step
        # is computed, and taken unless its decrement certifies the gap. At
        # most FINISHING_STEPS are taken so: on separable unpenalised data the
        # objective creeps towards 0 and no decrement would ever certify it.
        settled = None
        if grad_max <= options.tol:
            if options.gap_tol <= 0 or finishing_steps == FINISHING_STEPS:
                return SolverResult(
                    w, iteration, True, history, "max |gradient| <= tol"
                )
            settled = options.gap_tol * max(abs(value), 1.0)
            finishing_steps += 1
        if iteration == options.max_iter:
            break
        exact = sketch is None
        evaluation = None
        if not exact:
            sketch_hessian = sketch.value_grad_hessian(w)[2]
            step, direction, evaluation, _ = _damped_step(
                objective,
                sketch_hessian,
                flat,
                w,
                value,
                grad,
                first_trial=objective.value_and_grad,
                settled=settled,
                minimum_norm=False,
                exact_trial_below=exact_trial_below(options, value, settled),
            )
            if step < 1.0:
                # The estimated curvature is off: a damped step is taken, a
                # failed one redone with the exact Hessian; exact from now on.
                sketch = None
            if step == 0.0:
                _, _, hessian = objective.value_grad_hessian(w)
                exact = True
        if exact:
            step, direction, evaluation, singular = _damped_step(
                objective,
                hessian,
                flat,
                w,
                value,
                grad,
                # The last finishing step's trial needs no Hessian: the fit
                # ends at its point (once its gradient is within tol).
                first_trial=(
                    objective.value_and_grad
                    if finishing_steps == FINISHING_STEPS
                    else objective.value_grad_hessian
                ),
                settled=settled,
                minimum_norm=True,
            )
            if singular and step > 0 and not warned:
                warnings.warn(
                    f"Newton: the Hessian is singular at iteration {iteration}; "
                    "continuing with minimum-norm Newton steps. Collinear "
                    "features, or classes separated without penalty, cause "
                    "this: coefficients along the collinear directions are "
                    "not identified. A finite C avoids it.",
                    SingularHessianWarning,
                    stacklevel=3,
                )
                warned = True
            if step == 0.0:
                return _hand_over(objective, w, options, callback, history, iteration)
        if np.isinf(step):
            message = "Newton decrement ~ 0"
            if settled is not None and 0.5 * float(-grad @ direction) <= settled:
                message = "max |gradient| <= tol and Newton decrement <= gap_tol"
                # The certified step is taken, unevaluated: from a decrement
                # this small its end is about the decrement squared from the
                # optimum, so fits of the same rows agree to rounding however
                # they started (a Spark fit's sample start, an in-memory one).
                w = w + direction
            return SolverResult(w, iteration, True, history, message)
        w = w + step * direction
    return SolverResult(w, options.max_iter, False, history, "max_iter reached")


def polish(
    objective, w0: np.ndarray, max_steps: int = POLISH_MAX_STEPS
) -> SolverResult:
    """Finish a fit with Newton steps until the decrement is at rounding level.

    Standard errors, likelihood-ratio statistics and comparisons with
    statsmodels or R need the optimum itself, not a point within the
    solver's ``tol`` of it: at ``tol = 1e-4`` a coefficient can be off in its
    fifth digit. From a converged fit ``w0`` one exact Newton step (one pass
    for the value, gradient and Hessian) lands within the square of the
    remaining error; the steps after it reuse that Hessian's factorisation
    and need only a gradient pass each (the chord method: near the optimum
    the Hessian changes by the size of the step, so each such step gains as
    many digits as the first one left). While the decrement is above
    :data:`CHORD_GAP`, where ``w0`` was far, each step forms its own Hessian,
    as :func:`solve` does. Once the decrement
    ``lambda^2 / 2``, which estimates ``F(w) - min F``, is within a few ulps
    of ``F``, the last step is exact to rounding and needs no check. Flat
    directions are handled as in :func:`solve`; a singular Hessian gives
    minimum-norm steps, silently (the fit already warned about it).

    Parameters
    ----------
    objective : LogisticObjective
        Smooth (no L1 term). Provides ``value_grad_hessian``,
        ``value_and_grad``, ``values_along``, ``flat_directions``, ``eps``.
    w0 : ndarray of shape (n_params,)
        A converged fit.
    max_steps : int, default=POLISH_MAX_STEPS
        Newton steps at most.

    Returns
    -------
    SolverResult
        ``n_iter`` is the number of steps taken (no history is recorded).
        ``converged`` when the decrement reached rounding level; otherwise
        (no finite optimum, or a step that no line search accepts) ``w`` is
        the best point reached, never worse than ``w0``.
    """
    w = np.array(w0, dtype=np.float64)
    flat = objective.flat_directions()
    value, grad, hessian = objective.value_grad_hessian(w)
    fresh = True  # the Hessian is this point's, not a previous one's
    settling = False  # a step at rounding level was taken
    iteration = 0
    while iteration < max_steps:
        direction, _ = _newton_direction(hessian, flat, grad, minimum_norm=True)
        if direction is None:
            return SolverResult(w, iteration, False, [], "non-finite Hessian")
        decrement = float(-grad @ direction)
        if not np.isfinite(decrement) or decrement < 0:
            return SolverResult(w, iteration, False, [], "no descent direction")
        if fresh:
            formed_at = decrement
        if _at_rounding_level(objective, decrement, value):
            if fresh or settling:
                return SolverResult(
                    w + direction, iteration + 1, True, [], "decrement at rounding"
                )
            # The objective is settled, but a step with an older Hessian
            # gains only as many digits as that Hessian has (1e-4 relative
            # error gave coefficients to 1e-11): one more gradient pass and
            # step finish the parameters too (1e-15).
            w = w + direction
            value, grad = objective.value_and_grad(w)
            settling = True
            iteration += 1
            continue
        # A Hessian formed this close to the optimum differs from the
        # optimum's by about the remaining step, so later steps reuse it.
        near = 0.5 * formed_at <= CHORD_GAP * max(abs(value), 1.0)
        step, evaluation = _line_search(
            objective,
            w,
            value,
            float(np.max(np.abs(grad))),
            direction,
            decrement,
            first_trial=(
                objective.value_and_grad if near else objective.value_grad_hessian
            ),
        )
        if step == 0.0:
            return SolverResult(w, iteration, False, [], "line search failed")
        w = w + step * direction
        iteration += 1
        if step < 1.0 or evaluation is None:
            value, grad, hessian = objective.value_grad_hessian(w)
            fresh = True
        elif len(evaluation) == 3:
            value, grad, hessian = evaluation
            fresh = True
        else:
            value, grad = evaluation
            fresh = False
    return SolverResult(w, max_steps, False, [], "max_steps reached")


def _damped_step(
    objective,
    hessian,
    flat,
    w,
    value,
    grad,
    first_trial=None,
    settled=None,
    minimum_norm=False,
    exact_trial_below=None,
) -> tuple[float, np.ndarray, tuple | None, bool]:
    """Newton direction from ``hessian`` and its Armijo step length.

    Returns ``(step, direction, evaluation, singular)``; ``step`` is 0.0 when
    no step decreases the objective (or the Hessian is singular and
    ``minimum_norm`` is off), and ``inf`` when the Newton decrement is at
    rounding level or at most ``settled`` (converged); ``evaluation`` is as
    in :func:`_line_search`; ``singular`` says the direction is the
    minimum-norm solution of a singular system. A decrement at most
    ``exact_trial_below`` makes the step-1 trial ``value_grad_hessian``.
    """
    direction, singular = _newton_direction(hessian, flat, grad, minimum_norm)
    if direction is None:
        return 0.0, grad, None, False
    decrement = float(-grad @ direction)
    if not np.isfinite(decrement) or decrement < 0:
        return 0.0, direction, None, singular
    if settled is not None and 0.5 * decrement <= settled:
        return float("inf"), direction, None, singular
    grad_max = float(np.max(np.abs(grad)))
    # Below the rounding of F no line search can see progress, but the
    # (float64-accumulated) gradient still can: the full step is kept if it
    # shrinks max |gradient| (for float32 data this is where the last digits
    # come from), otherwise the solver has converged as far as the arithmetic
    # allows.
    if _at_rounding_level(objective, decrement, value):
        trial_value, trial_grad = objective.value_and_grad(w + direction)
        if np.max(np.abs(trial_grad)) < grad_max:
            return 1.0, direction, (trial_value, trial_grad), singular
        return float("inf"), direction, None, singular
    if exact_trial_below is not None and 0.5 * decrement <= exact_trial_below:
        first_trial = objective.value_grad_hessian
    step, evaluation = _line_search(
        objective, w, value, grad_max, direction, decrement, first_trial
    )
    return step, direction, evaluation, singular


def _newton_direction(
    hessian: np.ndarray, flat: np.ndarray, grad: np.ndarray, minimum_norm: bool
) -> tuple[np.ndarray | None, bool]:
    """Solve ``(H + V V^T) d = -g``; ``(d, singular)``.

    ``V`` are the flat directions: adding ``V V^T`` makes ``d`` the
    minimum-norm step, orthogonal to them. A singular system gives the
    minimum-norm (least-squares) solution when ``minimum_norm`` is on, else
    ``(None, False)``; so does a non-finite one, always.
    """
    system = hessian + flat @ flat.T
    # Equilibrated (unit diagonal) before the singularity test: columns in
    # units 1e12 apart leave the raw Hessian's pivots 1e24 apart, well posed
    # as it is, and a raw test took the small ones for collinearity.
    diagonal = np.diag(system)
    scale = np.sqrt(np.where(diagonal > 0, diagonal, 1.0))
    try:
        unit = system / scale[:, None] / scale[None, :]
        return -cholesky_solve(
            unit, grad / scale, min_pivot=SINGULAR_RCOND
        ) / scale, False
    except (LinAlgError, ValueError, FloatingPointError):
        if not minimum_norm or not np.all(np.isfinite(system)):
            return None, False
    # Collinear features leave the Hessian singular, but the gradient lies in
    # its range (both see X only through X w): the minimum-norm solution is a
    # Newton step in the identified directions and keeps Newton's convergence
    # (the unpenalised imbalanced set: 8 iterations to a gap of 3e-11, where
    # L-BFGS stopped at 1.5e-5).
    return -np.linalg.lstsq(system, grad, rcond=SINGULAR_RCOND)[0], True


def _at_rounding_level(objective, decrement: float, value: float) -> bool:
    """Whether ``F(w) - min F``, estimated by ``decrement / 2``, is rounding.

    The Newton decrement ``lambda^2 = -g^T d`` halved estimates the gap; below
    a few ulps of ``F`` (in the kernels' dtype) no evaluation can resolve it.
    """
    return 0.5 * decrement <= ROUNDING_ULPS * objective.eps * max(abs(value), 1.0)


def _line_search(
    objective, w, value, grad_max, direction, decrement, first_trial=None
) -> tuple[float, tuple | None]:
    """Armijo backtracking from step 1; step 0.0 when none is acceptable.

    Near the optimum the predicted decrease falls below the rounding of the
    objective (about ``eps * |F|``, large for float32 data), where Armijo can
    never pass; there a step is accepted if it reduces max |gradient|, as in
    scikit-learn's Newton solver.

    ``first_trial`` (``objective.value_and_grad`` or ``value_grad_hessian``),
    when given, evaluates the trial at step 1 (almost always accepted): its
    gradient (and Hessian) come in the same pass as the value, and the
    caller reuses them as the next iterate's instead of making another pass.
    For data streamed from disk, where a pass is a read of the file, that
    halves the passes of exact Newton.

    Returns
    -------
    step : float
    evaluation : tuple starting ``(value, grad)`` at ``w + step * direction``,
        or None
    """
    rounding = 16 * objective.eps * max(abs(value), 1.0)
    for step, trial_value, evaluation in line_search_trials(
        objective, w, direction, MIN_STEP, first_trial
    ):
        if trial_value <= value - ARMIJO_SLOPE * step * decrement:
            return step, evaluation
        if abs(trial_value - value) <= rounding:
            if evaluation is None:
                evaluation = objective.value_and_grad(w + step * direction)
            if np.max(np.abs(evaluation[1])) < grad_max:
                return step, evaluation
    return 0.0, None


def _hand_over(objective, w, options, callback, history, iteration) -> SolverResult:
    """Warn and continue from ``w`` with L-BFGS for the remaining iterations."""
    warnings.warn(
        f"Newton: the Hessian is singular or ill-conditioned at iteration "
        f"{iteration}; continuing with L-BFGS. Unpenalised data that are "
        "(nearly) separable or have collinear features cause this; a finite C "
        "avoids it.",
        SingularHessianWarning,
        stacklevel=4,
    )
    remaining = dataclasses.replace(options, max_iter=max(options.max_iter, 100))
    rest = lbfgs_solve(objective, w, remaining, callback)
    offset_history = [
        dataclasses.replace(r, iteration=r.iteration + iteration) for r in rest.history
    ]
    return SolverResult(
        rest.w,
        iteration + rest.n_iter,
        rest.converged,
        history + offset_history,
        f"after Newton hand-over to L-BFGS: {rest.message}",
    )
