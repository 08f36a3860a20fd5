r"""Truncated Newton: conjugate gradients on Hessian-vector products, line search.

For problems too wide to form (or factor) the Hessian, each Newton direction
is found by preconditioned conjugate gradients on :math:`H d = -g`, with ``H``
seen only through ``objective.hessp`` (two sparse products and one pass per
product) and the Jacobi preconditioner, the Hessian's diagonal, which
``objective.value_grad_diagonal`` returns from the value-and-gradient pass.
The memory is ``O(p)``; a Newton iteration costs one pass for the value,
gradient and diagonal (the line search's first trial) and one pass per CG
step. As in LIBLINEAR's truncated Newton
(Galli & Lin, 2021: line search instead of a trust region, and a diagonal
preconditioner), CG is stopped early, at a relative residual

.. math:: \lVert r \rVert \le \eta_k \lVert g \rVert, \qquad
          \eta_k = \min\!\big(\tfrac12, \sqrt{\lVert g_k\rVert / \lVert g_0\rVert}\big),

which keeps the rate superlinear without over-solving early models, then an
Armijo backtracking line search (batched trial steps, one pass per batch)
sets the step length.

Stopping. max |gradient| at most ``tol`` is not enough on wide data (a
coordinate with little curvature and a gradient of ``tol`` still hides a gap
of ``tol^2 / (2 H_jj)``), so the run also needs the Newton decrement, the
model decrease ``-(g^T d + d^T H d / 2)`` that estimates ``F(w) - min F``, to
be at most ``gap_tol * max(|F|, 1)``; ``gap_tol = 0`` in the options means
:data:`logreg.solvers.auto.GAP_PER_TOL` ``* tol`` (1e-10 at the default
``tol = 1e-4``).

Multinomial flat directions (equal shifts of every class's intercept) get unit
curvature, ``H + V V^T``, as in :mod:`logreg.solvers.newton`.
"""

from __future__ import annotations

import time

import numpy as np

from logreg.solvers._base import (
    Callback,
    IterationRecord,
    SolverOptions,
    SolverResult,
    line_search_trials,
    report,
)
from logreg.solvers.auto import GAP_PER_TOL

__all__ = ["solve"]

ARMIJO_SLOPE = 1e-4
MIN_STEP = 2.0**-30
#: CG steps per Newton direction, at most.
MAX_CG = 250
#: Largest CG forcing term (relative residual).
MAX_FORCING = 0.5
#: A decrement within this many ulps of ``|F|`` is at rounding level.
ROUNDING_ULPS = 4


def solve(
    objective,
    w0: np.ndarray,
    options: SolverOptions,
    callback: Callback | None = None,
) -> SolverResult:
    """Minimise the smooth objective by truncated (Hessian-free) Newton steps.

    Parameters
    ----------
    objective : LogisticObjective
        Provides ``value_grad_diagonal``, ``values_along``, ``hessp``,
        ``flat_directions`` and ``eps``.
    w0 : ndarray of shape (n_params,)
    options : SolverOptions
        Uses ``tol`` (max |gradient|), ``gap_tol`` (see the module
        docstring), ``max_iter`` (Newton iterations), ``verbose``.
    callback : callable, optional
        ``callback(record, w)`` after each iteration.

    Returns
    -------
    SolverResult
    """
    started = time.perf_counter()
    gap_tol = options.gap_tol if options.gap_tol > 0 else GAP_PER_TOL * options.tol
    w = np.array(w0, dtype=np.float64)
    value, grad, diagonal = objective.value_grad_diagonal(w)
    flat = objective.flat_directions()
    first_norm = float(np.linalg.norm(grad))
    history: list[IterationRecord] = []
    step = float("nan")
    for iteration in range(options.max_iter + 1):
        grad_max = float(np.max(np.abs(grad))) if grad.size else 0.0
        if iteration > 0:
            record = IterationRecord(
                iteration, value, grad_max, step, time.perf_counter() - started
            )
            history.append(record)
            report(options.verbose, "newton-cg", record)
            if callback is not None:
                callback(record, w)
        if grad_max == 0.0:
            return SolverResult(w, iteration, True, history, "gradient is zero")
        if iteration == options.max_iter:
            break
        norm = float(np.linalg.norm(grad))
        forcing = min(MAX_FORCING, np.sqrt(norm / first_norm)) if first_norm else 0.5
        if grad_max <= options.tol:
            forcing = min(forcing, 0.1)  # the decrement must be a fair estimate
        # A fresh diagonal each iteration (from the pass that gave the
        # gradient): keeping the first one cost more CG steps than the passes
        # it saved (23 products instead of 16).
        direction, decrement = _conjugate_gradients(
            objective, w, grad, flat, forcing, diagonal
        )
        scale = max(abs(value), 1.0)
        if grad_max <= options.tol and decrement <= gap_tol * scale:
            return SolverResult(
                w, iteration, True, history, "max |gradient| <= tol and decrement"
            )
        if decrement <= ROUNDING_ULPS * objective.eps * scale:
            # No evaluation of F can resolve the predicted decrease, but the
            # gradient still can: as Newton does, the full step is kept while
            # it shrinks max |gradient|, else the arithmetic's limit is reached.
            trial = objective.value_grad_diagonal(w + direction)
            if grad_max <= options.tol or not np.max(np.abs(trial[1])) < grad_max:
                return SolverResult(
                    w, iteration, True, history, "decrement at rounding level"
                )
            w = w + direction
            value, grad, diagonal = trial
            step = 1.0
            continue
        slope = float(grad @ direction)
        step = 0.0
        for trial_step, trial_value, evaluation in line_search_trials(
            objective, w, direction, MIN_STEP, objective.value_grad_diagonal
        ):
            if trial_value <= value + ARMIJO_SLOPE * trial_step * slope:
                step = trial_step
                w = w + trial_step * direction
                if evaluation is None:
                    evaluation = objective.value_grad_diagonal(w)
                value, grad, diagonal = evaluation
                break
        if step == 0.0:
            return SolverResult(
                w, iteration, grad_max <= options.tol, history, "line search failed"
            )
    return SolverResult(w, options.max_iter, False, history, "max_iter reached")


def _conjugate_gradients(objective, w, grad, flat, forcing, diagonal):
    """Approximate ``H^{-1} (-g)`` by CG preconditioned with ``diagonal``.

    Returns the direction and the model decrease ``-(g^T d + d^T H d / 2)``.
    """
    if flat.shape[1]:
        diagonal = diagonal + np.sum(flat**2, axis=1)
    inverse = np.where(diagonal > 0, 1.0 / np.where(diagonal > 0, diagonal, 1.0), 1.0)

    def product(v):
        out = objective.hessp(w, v)
        if flat.shape[1]:
            out = out + flat @ (flat.T @ v)
        return out

    d = np.zeros_like(grad)
    residual = -grad  # -g - H d
    target = forcing * float(np.linalg.norm(grad))
    z = inverse * residual
    p = z.copy()
    rz = float(residual @ z)
    for _ in range(MAX_CG):
        hp = product(p)
        curvature = float(p @ hp)
        if not curvature > 0.0:
            break  # flat or rounding-level direction: keep what we have
        alpha = rz / curvature
        d += alpha * p
        residual -= alpha * hp
        if float(np.linalg.norm(residual)) <= target:
            break
        z = inverse * residual
        rz_next = float(residual @ z)
        p = z + (rz_next / rz) * p
        rz = rz_next
    if not d.any():
        d = -inverse * grad  # no CG step possible: a scaled gradient step
    # H d = -g - r, so g^T d + d^T H d / 2 = (g^T d - r^T d) / 2.
    decrement = -0.5 * float(grad @ d - residual @ d)
    return d, decrement
