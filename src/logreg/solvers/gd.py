"""Full-batch gradient descent: the tutorial's algorithm, made correct.

The update is ``w <- w - lr * grad F(w)`` on the *mean* (scaled) objective, so
coefficients and intercept use the same consistent gradient (the tutorial
summed one and averaged the other). Optional heavy-ball momentum or
Nesterov's look-ahead; with ``learning_rate=None`` the step is found by a
backtracking (Armijo) line search, which needs no tuning.

With an L1 term (``l1_ratio > 0``) every update is followed by its proximal
step, a soft-threshold by ``lr * lambda`` (proximal gradient descent, ISTA);
the line search then tests the proximal sufficient decrease, which for no L1
term is the Armijo test above. The stopping measure is the max-abs least-norm
subgradient of the whole objective (max |gradient| without L1).
"""

from __future__ import annotations

import time

import numpy as np

from logreg.solvers._base import (
    Callback,
    DivergenceError,
    IterationRecord,
    SolverOptions,
    SolverResult,
    report,
    residual_max,
)

__all__ = ["check_divergence", "solve"]

#: The objective may grow at most this factor over its start before the run
#: counts as diverged (it decreases monotonically for a stable step).
EXPLOSION_FACTOR = 1e3


def check_divergence(
    solver: str, iteration: int, start: float, value: float, step: float
) -> None:
    """Raise :class:`DivergenceError` when ``value`` is non-finite or exploding.

    Parameters
    ----------
    solver : str
        Name for the message.
    iteration : int
        Iteration at which ``value`` was reached.
    start : float
        Objective at the starting point.
    value : float
        Objective now.
    step : float
        Learning rate in use, named in the message.
    """
    if np.isfinite(value) and value <= EXPLOSION_FACTOR * max(start, 1.0):
        return
    raise DivergenceError(
        f"{solver} diverged at iteration {iteration}: the objective went from "
        f"{start:.6g} to {value:.6g} with learning_rate={step:g}; use a smaller "
        "learning_rate (or learning_rate=None for a line search)"
    )


def solve(
    objective,
    w0: np.ndarray,
    options: SolverOptions,
    callback: Callback | None = None,
) -> SolverResult:
    """Minimise the objective by (accelerated) gradient descent.

    Parameters
    ----------
    objective : LogisticObjective
        Provides ``value``, ``value_and_grad``, and for an L1 term
        ``prox_l1``, ``l1_penalty`` and ``min_norm_subgradient``.
    w0 : ndarray of shape (n_params,)
        Starting point.
    options : SolverOptions
        Uses ``tol`` (on max |least-norm subgradient|, which is max |gradient|
        without an L1 term), ``max_iter``, ``learning_rate``, ``momentum``,
        ``nesterov``, ``verbose``.
    callback : callable, optional
        ``callback(record, w)`` after each iteration.

    Returns
    -------
    SolverResult

    Raises
    ------
    DivergenceError
        If the objective becomes non-finite or explodes.
    """
    started = time.perf_counter()
    mu = options.momentum
    fixed_step = options.learning_rate
    w = np.array(w0, dtype=np.float64)
    value, grad = _evaluate(objective, w)
    start_value = value
    velocity = np.zeros_like(w)
    step = 1.0 if fixed_step is None else fixed_step
    history: list[IterationRecord] = []
    converged = False
    message = "max_iter reached"
    for iteration in range(1, options.max_iter + 1):
        if residual_max(objective, w, grad) <= options.tol:
            converged, message = True, "max |gradient| <= tol"
            break
        if options.nesterov and mu > 0:
            anchor = w + mu * velocity
            anchor_value, anchor_grad = _evaluate(objective, anchor)
            carried = 0.0
        else:
            anchor, anchor_value, anchor_grad = w, value, grad
            carried = mu * velocity
        if fixed_step is None:
            step = _backtrack(objective, anchor, anchor_value, anchor_grad, 2 * step)
            if step == 0.0:
                converged, message = True, "no decrease possible (rounding level)"
                break
        new_w = _proximal(objective, anchor - step * anchor_grad + carried, step)
        new_value, new_grad = _evaluate(objective, new_w)
        check_divergence("gd", iteration, start_value, new_value, step)
        if mu > 0 and new_value > value:
            velocity = np.zeros_like(w)  # adaptive restart: momentum overshot
        else:
            velocity = new_w - w
        w, value, grad = new_w, new_value, new_grad
        record = IterationRecord(
            iteration,
            value,
            residual_max(objective, w, grad),
            step,
            time.perf_counter() - started,
        )
        history.append(record)
        report(options.verbose, "gd", record)
        if callback is not None:
            callback(record, w)
    else:
        converged = bool(residual_max(objective, w, grad) <= options.tol)
        if converged:
            message = "max |gradient| <= tol"
    return SolverResult(w, len(history), converged, history, message)


def _evaluate(objective, w: np.ndarray) -> tuple[float, np.ndarray]:
    """The whole objective ``F`` (smooth part plus L1) and the smooth gradient."""
    value, grad = objective.value_and_grad(w)
    return value + objective.l1_penalty(w), grad


def _proximal(objective, w: np.ndarray, step: float) -> np.ndarray:
    """The L1 proximal step after an update; the identity without an L1 term."""
    return objective.prox_l1(w, step) if objective.l1_strength > 0 else w


def _backtrack(objective, w, value, grad, step) -> float:
    """Largest ``step`` in ``{step, step/2, ...}`` with sufficient decrease, or 0.

    The proximal test on the smooth part ``f``: ``f(w+) <= f(w) + g^T d +
    |d|^2 / (2 step)`` with ``w+ = prox(w - step g)`` and ``d = w+ - w``.
    Without an L1 term ``d = -step g`` and it is Armijo's ``f(w+) <= f(w) -
    step |g|^2 / 2``.
    """
    smooth = value - objective.l1_penalty(w)
    while step > 1e-30:
        trial = _proximal(objective, w - step * grad, step)
        d = trial - w
        bound = smooth + float(grad @ d) + float(d @ d) / (2 * step)
        if objective.value(trial) <= bound:
            return step
        step *= 0.5
    return 0.0
