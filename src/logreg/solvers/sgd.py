"""Mini-batch stochastic gradient descent with Adam and variance reduction.

Each epoch visits the rows once in a random order (from ``random_state``, so
runs are reproducible), taking an Adam step per mini-batch. The gradient
estimate is SVRG's (Johnson & Zhang, 2013): the batch gradient at ``w``, minus
the same batch's gradient at the epoch's snapshot, plus the full gradient at
the snapshot. It is unbiased like the plain batch gradient, but its variance
vanishes as ``w`` approaches the snapshot, so the run can reach the optimum to
high precision instead of hovering in a noise ball; it costs two batch
gradients per step.

After each epoch one full pass gives the objective and gradient at ``w``: it
fills the loss curve, becomes the next snapshot when the objective improved,
and otherwise halves the step and returns to the best iterate (annealing on a
plateau). The run stops when the relative improvement has stayed below ``tol``
for ``PATIENCE`` epochs.

With an L1 term (``l1_ratio > 0``) each Adam step is followed by its proximal
step (proximal SVRG): a soft-threshold of each parameter by ``lambda`` times
that parameter's Adam step length ``rate / (sqrt(v) + eps)``, the L1 prox in
Adam's diagonal metric. Recorded values are then the whole objective.
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
    residual_max,
)
from logreg.solvers.gd import check_divergence

__all__ = ["DEFAULT_BATCH_SIZE", "DEFAULT_LEARNING_RATE", "solve"]

DEFAULT_LEARNING_RATE = 0.1
DEFAULT_BATCH_SIZE = 32
#: Epochs without an improvement larger than ``tol`` before stopping.
PATIENCE = 5
#: Step-size factor applied when an epoch does not improve the objective.
DECAY = 0.5
BETA1, BETA2, EPSILON = 0.9, 0.999, 1e-8


def solve(
    objective,
    w0: np.ndarray,
    options: SolverOptions,
    callback: Callback | None = None,
) -> SolverResult:
    """Minimise the objective by mini-batch Adam on SVRG gradient estimates.

    Parameters
    ----------
    objective : LogisticObjective
        Provides ``batch_value_and_grad``, ``value_and_grad``, ``n_samples``,
        and for an L1 term ``prox_l1``, ``l1_penalty`` and
        ``min_norm_subgradient``.
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
    proximal = objective.l1_strength > 0
    # The best iterate so far is also SVRG's snapshot.
    start_value, best_grad = objective.value_and_grad(w)
    start_value += objective.l1_penalty(w)
    best_w, best_value = w.copy(), start_value
    epochs_without_gain = 0
    steps = 0
    history: list[IterationRecord] = []
    converged = False
    message = "max_iter reached"
    rate = base_rate
    for epoch in range(1, options.max_iter + 1):
        order = rng.permutation(n_samples)
        for start in range(0, n_samples, batch_size):
            # Sorted rows read memory in order; the batch is the same set.
            rows = np.sort(order[start : start + batch_size])
            _, grad = objective.batch_value_and_grad(w, rows)
            # SVRG estimate: same expectation, variance -> 0 near the optimum.
            _, anchor = objective.batch_value_and_grad(best_w, rows)
            grad = grad - anchor + best_grad
            steps += 1
            first_moment = BETA1 * first_moment + (1 - BETA1) * grad
            second_moment = BETA2 * second_moment + (1 - BETA2) * grad * grad
            unbiased_first = first_moment / (1 - BETA1**steps)
            unbiased_second = second_moment / (1 - BETA2**steps)
            scale = np.sqrt(unbiased_second) + EPSILON
            w = w - rate * unbiased_first / scale
            if proximal:
                w = objective.prox_l1(w, rate / scale)
        value, grad = objective.value_and_grad(w)
        value += objective.l1_penalty(w)
        check_divergence("sgd", epoch, start_value, value, base_rate)
        record = IterationRecord(
            epoch,
            value,
            residual_max(objective, w, grad),
            rate,
            time.perf_counter() - started,
        )
        history.append(record)
        report(options.verbose, "sgd", record)
        if callback is not None:
            callback(record, w)
        gain = (best_value - value) / max(abs(best_value), 1e-300)
        if value < best_value:
            best_w, best_value, best_grad = w.copy(), value, grad
        else:
            # Plateau: the noise of the step dominates. Halve the step and
            # restart from the best iterate, so the run anneals to the optimum.
            rate *= DECAY
            w = best_w.copy()
        epochs_without_gain = epochs_without_gain + 1 if gain < options.tol else 0
        if epochs_without_gain >= PATIENCE:
            converged = True
            message = f"relative improvement < tol for {PATIENCE} epochs"
            break
    return SolverResult(best_w, len(history), converged, history, message)
