r"""FISTA: accelerated proximal gradient with backtracking and adaptive restart.

For ``F = f + h`` with ``f`` the smooth part and ``h`` the L1 term, each
iteration takes a proximal gradient step from the extrapolated point ``y``
(Beck & Teboulle, 2009),

.. math:: x^+ = \operatorname{prox}_{h / L}\big(y - \nabla f(y) / L\big),

backtracking (from ``0.9 L``, doubling) until the quadratic upper bound
:math:`f(x^+) \le f(y) + \nabla f(y)^T (x^+ - y) + \tfrac{L}{2}
\lVert x^+ - y \rVert^2` holds, then extrapolates with Nesterov's momentum.
The momentum restarts whenever the step ``x^+ - y`` points against it,
``(y - x^+)^T (x^+ - x) > 0`` (the gradient restart of O'Donoghue & Candès,
2015), which gives linear convergence on the strongly convex problems an L2
term or a full-rank design make. The function-value restart (``F``
increased) restarts at random once ``F`` is at rounding level and stalls the
last digits; the gradient test needs no values. An iteration costs one value
pass at ``x^+`` and one value-and-gradient pass at ``y`` and needs only
``O(p)`` memory: the fallback for problems too wide for a Newton Hessian.

Stopping: the gradient mapping :math:`G = L (y - x^+)` (zero exactly at the
minimiser) is the per-iteration measure recorded as ``grad_max``; when its
max-abs is at most ``tol``, one more pass gives the true least-norm
subgradient of ``F`` at ``x^+``, and the run stops if that is at most
``tol`` too (otherwise it continues from ``x^+`` without momentum).
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

__all__ = ["solve"]

#: ``L`` beyond this means the backtracking cannot find a step: give up.
MAX_LIPSCHITZ = 1e30
#: Each iteration first tries ``SHRINK * L``: the curvature near the optimum is
#: often below the start's, and a fixed ``L`` would keep the start's.
SHRINK = 0.9


def solve(
    objective,
    w0: np.ndarray,
    options: SolverOptions,
    callback: Callback | None = None,
) -> SolverResult:
    """Minimise the smooth part plus the L1 term by restarted FISTA.

    Parameters
    ----------
    objective : LogisticObjective
        Provides ``value``, ``value_and_grad``, ``hessp``, ``prox_l1``,
        ``l1_penalty`` and ``min_norm_subgradient``.
    w0 : ndarray of shape (n_params,)
        Starting point.
    options : SolverOptions
        Uses ``tol`` (on the max-abs least-norm subgradient), ``max_iter``,
        ``verbose``.
    callback : callable, optional
        ``callback(record, w)`` after each iteration.

    Returns
    -------
    SolverResult
        Each record's ``value`` is the whole objective ``F`` at ``x^+`` and
        its ``grad_max`` the max-abs gradient mapping.
    """
    started = time.perf_counter()
    x = np.array(w0, dtype=np.float64)
    value, grad = objective.value_and_grad(x)
    history: list[IterationRecord] = []
    if residual_max(objective, x, grad) <= options.tol:
        return SolverResult(x, 0, True, history, "max |subgradient| <= tol")
    lipschitz = _initial_lipschitz(objective, x, grad)
    y, y_value, y_grad = x, value, grad
    momentum = 1.0
    rounding = 16 * objective.eps
    for iteration in range(1, options.max_iter + 1):
        lipschitz *= SHRINK
        while True:
            new_x = objective.prox_l1(y - y_grad / lipschitz, 1.0 / lipschitz)
            diff = new_x - y
            new_value = objective.value(new_x)
            bound = (
                y_value + float(y_grad @ diff) + 0.5 * lipschitz * float(diff @ diff)
            )
            # The slack admits steps whose test is decided by rounding alone.
            if new_value <= bound + rounding * max(abs(y_value), 1.0):
                break
            lipschitz *= 2.0
            if not lipschitz < MAX_LIPSCHITZ:
                return SolverResult(
                    x, iteration - 1, False, history, "backtracking failed"
                )
        new_total = new_value + objective.l1_penalty(new_x)
        mapping = lipschitz * float(np.max(np.abs(diff)))
        record = IterationRecord(
            iteration,
            new_total,
            mapping,
            1.0 / lipschitz,
            time.perf_counter() - started,
        )
        history.append(record)
        report(options.verbose, "fista", record)
        if callback is not None:
            callback(record, new_x)
        restart = float(diff @ (new_x - x)) < 0.0
        previous, x = x, new_x
        if mapping <= options.tol:
            value, grad = objective.value_and_grad(x)
            if residual_max(objective, x, grad) <= options.tol:
                return SolverResult(
                    x, iteration, True, history, "max |subgradient| <= tol"
                )
            # Not there yet: continue from x without momentum, reusing the pass.
            y, y_value, y_grad, momentum = x, value, grad, 1.0
            continue
        if restart:
            momentum = 1.0
        next_momentum = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * momentum**2))
        y = x + ((momentum - 1.0) / next_momentum) * (x - previous)
        momentum = next_momentum
        y_value, y_grad = objective.value_and_grad(y)
    return SolverResult(x, options.max_iter, False, history, "max_iter reached")


def _initial_lipschitz(objective, w: np.ndarray, grad: np.ndarray) -> float:
    """A first ``L``: the curvature of ``f`` along the gradient at ``w``.

    A Rayleigh quotient of the Hessian, so at most its largest eigenvalue and
    usually close to it: backtracking raises it where needed.
    """
    norm = float(grad @ grad)
    if norm == 0.0:
        return 1.0
    curvature = float(grad @ objective.hessp(w, grad)) / norm
    return curvature if curvature > 0.0 else 1.0
