"""Mini-batch stochastic gradient descent with Adam.

Each epoch visits the rows once in a random order (from ``random_state``, so
runs are reproducible), taking an Adam step per mini-batch on an unbiased
estimate of the scaled objective's gradient. The step size decays as
``learning_rate / sqrt(epoch)`` so the iterates settle instead of hovering.
After each epoch the full objective is evaluated once: it fills the loss curve
and decides when to stop.
"""

from __future__ import annotations

import time

import numpy as np

from logreg.solvers._base import (
    Callback,
    IterationRecord,
    SolverOptions,
    SolverResult,
    report,
)
from logreg.solvers.gd import check_divergence

__all__ = ["DEFAULT_BATCH_SIZE", "DEFAULT_LEARNING_RATE", "solve"]

DEFAULT_LEARNING_RATE = 0.01
DEFAULT_BATCH_SIZE = 256
#: Epochs without an improvement larger than ``tol`` before stopping.
PATIENCE = 5
BETA1, BETA2, EPSILON = 0.9, 0.999, 1e-8


def solve(
    objective,
    w0: np.ndarray,
    options: SolverOptions,
    callback: Callback | None = None,
) -> SolverResult:
    """Minimise the objective by mini-batch Adam.

    Parameters
    ----------
    objective : LogisticObjective
        Provides ``batch_value_and_grad``, ``value`` and ``n_samples``.
    w0 : ndarray of shape (n_params,)
        Starting point.
    options : SolverOptions
        Uses ``max_iter`` (epochs), ``tol`` (relative improvement of the
        objective over ``PATIENCE`` epochs), ``learning_rate``, ``batch_size``,
        ``random_state``, ``verbose``.
    callback : callable, optional
        ``callback(record, w)`` after each epoch.

    Returns
    -------
    SolverResult
        ``w`` is the iterate with the lowest full objective seen.
    """
    started = time.perf_counter()
    rng = options.random_state
    n_samples = objective.n_samples
    batch_size = min(options.batch_size or DEFAULT_BATCH_SIZE, n_samples)
    base_rate = options.learning_rate or DEFAULT_LEARNING_RATE
    w = np.array(w0, dtype=np.float64)
    first_moment = np.zeros_like(w)
    second_moment = np.zeros_like(w)
    start_value = objective.value(w)
    best_w, best_value = w.copy(), start_value
    epochs_without_gain = 0
    steps = 0
    history: list[IterationRecord] = []
    converged = False
    message = "max_iter reached"
    for epoch in range(1, options.max_iter + 1):
        rate = base_rate / np.sqrt(epoch)
        order = rng.permutation(n_samples)
        for start in range(0, n_samples, batch_size):
            # Sorted rows read memory in order; the batch is the same set.
            rows = np.sort(order[start : start + batch_size])
            _, grad = objective.batch_value_and_grad(w, rows)
            steps += 1
            first_moment = BETA1 * first_moment + (1 - BETA1) * grad
            second_moment = BETA2 * second_moment + (1 - BETA2) * grad * grad
            unbiased_first = first_moment / (1 - BETA1**steps)
            unbiased_second = second_moment / (1 - BETA2**steps)
            w = w - rate * unbiased_first / (np.sqrt(unbiased_second) + EPSILON)
        value = objective.value(w)
        check_divergence("sgd", epoch, start_value, value, base_rate)
        record = IterationRecord(
            epoch, value, float("nan"), rate, time.perf_counter() - started
        )
        history.append(record)
        report(options.verbose, "sgd", record)
        if callback is not None:
            callback(record, w)
        if value < best_value - options.tol * max(abs(best_value), 1e-12):
            epochs_without_gain = 0
        else:
            epochs_without_gain += 1
        if value < best_value:
            best_w, best_value = w.copy(), value
        if epochs_without_gain >= PATIENCE:
            converged = True
            message = f"no relative improvement > tol in {PATIENCE} epochs"
            break
    return SolverResult(best_w, len(history), converged, history, message)
