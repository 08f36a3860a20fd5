"""Full-batch gradient descent: the tutorial's algorithm, made correct.

The update is ``w <- w - lr * grad F(w)`` on the *mean* (scaled) objective, so
coefficients and intercept use the same consistent gradient (the tutorial
summed one and averaged the other). Optional heavy-ball momentum or
Nesterov's look-ahead; with ``learning_rate=None`` the step is found by a
backtracking (Armijo) line search, which needs no tuning.
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
        Provides ``value`` and ``value_and_grad``.
    w0 : ndarray of shape (n_params,)
        Starting point.
    options : SolverOptions
        Uses ``tol`` (on max |gradient|), ``max_iter``, ``learning_rate``,
        ``momentum``, ``nesterov``, ``verbose``.
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
    value, grad = objective.value_and_grad(w)
    start_value = value
    velocity = np.zeros_like(w)
    step = 1.0 if fixed_step is None else fixed_step
    history: list[IterationRecord] = []
    converged = False
    message = "max_iter reached"
    for iteration in range(1, options.max_iter + 1):
        if np.max(np.abs(grad)) <= options.tol:
            converged, message = True, "max |gradient| <= tol"
            break
        if options.nesterov and mu > 0:
            anchor = w + mu * velocity
            anchor_value, anchor_grad = objective.value_and_grad(anchor)
            carried = 0.0
        else:
            anchor, anchor_value, anchor_grad = w, value, grad
            carried = mu * velocity
        if fixed_step is None:
            step = _backtrack(objective, anchor, anchor_value, anchor_grad, 2 * step)
            if step == 0.0:
                converged, message = True, "no decrease possible (rounding level)"
                break
        new_w = anchor - step * anchor_grad + carried
        new_value, new_grad = objective.value_and_grad(new_w)
        check_divergence("gd", iteration, start_value, new_value, step)
        if mu > 0 and new_value > value:
            velocity = np.zeros_like(w)  # adaptive restart: momentum overshot
        else:
            velocity = new_w - w
        w, value, grad = new_w, new_value, new_grad
        record = IterationRecord(
            iteration,
            value,
            float(np.max(np.abs(grad))),
            step,
            time.perf_counter() - started,
        )
        history.append(record)
        report(options.verbose, "gd", record)
        if callback is not None:
            callback(record, w)
    else:
        converged = bool(np.max(np.abs(grad)) <= options.tol)
        if converged:
            message = "max |gradient| <= tol"
    return SolverResult(w, len(history), converged, history, message)


def _backtrack(objective, w, value, grad, step) -> float:
    """Largest ``step`` in ``{step, step/2, ...}`` with Armijo decrease, or 0."""
    squared_norm = float(grad @ grad)
    while step > 1e-30:
        trial = objective.value(w - step * grad)
        if trial <= value - 0.5 * step * squared_norm:
            return step
        step *= 0.5
    return 0.0
