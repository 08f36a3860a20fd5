r"""Working-set proximal Newton for L1 and elastic net on wide data.

The full proximal Newton of :mod:`logreg.solvers.prox_newton` forms the whole
``p x p`` Hessian every iteration; on wide sparse data (thousands of
features, a few hundred of them nonzero at the optimum) that is most of the
work and most of the memory. Here, as in celer and skglm (Massias et al.,
2018; Bertrand et al., 2022), the problem is solved on a small *working set*
of coordinates that grows until it holds the optimum's support:

1. one pass gives ``f``, its gradient and the Hessian's diagonal at ``w``;
   each coordinate's violation of the optimality conditions is its entry of
   the least-norm subgradient ``v_j``, and its score ``v_j^2 / (2 H_jj)`` is
   the decrease one coordinate Newton step would make;
2. the working set is every nonzero or unpenalised coordinate plus the
   highest-scoring violators, ``max(MIN_SIZE, 2 * nonzeros)`` in all
   (doubled whenever a round admits no new coordinate);
3. proximal Newton steps restricted to the working set (the Hessian only on
   it, ``objective.value_grad_hessian_on``; the model solved by
   :func:`logreg.solvers.prox_newton._coordinate_descent`; an Armijo search
   on the whole ``F``), until the set's own least-norm subgradient is below
   :data:`INNER_FRACTION` of the round's starting violation; then back to 1
   when the coordinates outside hide more gap (the sum of their scores) than
   allowed, else on until the set's own gap (the last model decrease) is
   small enough too;
4. stop when the whole problem's max |least-norm subgradient| is at most
   ``tol`` *and* both estimated gaps, the last model decrease on the working
   set and the sum of the scores outside it, are at most
   ``gap_tol * max(|F|, 1)``. ``gap_tol = 0`` in the options means
   :data:`logreg.solvers.auto.GAP_PER_TOL` ``* tol`` (1e-10 at the default
   ``tol = 1e-4``), four orders below the 1e-6 relative gap it is meant to
   guarantee, so that a rough estimate is still enough.

The zero pattern is exact (the model's coordinate minimiser is a
soft-threshold); coordinates never admitted to the working set stay at their
starting value (zero from a cold start), which is optimal for them when their
violation is zero.
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
from logreg.solvers.auto import GAP_PER_TOL
from logreg.solvers.prox_newton import _coordinate_descent, _line_search

__all__ = ["solve"]

#: Smallest working set. On a 20k x 5k text-like problem (900 nonzeros at the
#: optimum) starting from 32 took 15 proximal Newton steps, from 256 nine.
MIN_SIZE = 256
#: A round's inner iterations stop once the working set's max |subgradient|
#: is below this fraction of the whole problem's at the round's start.
INNER_FRACTION = 0.1
#: Proximal Newton steps per round, at most.
MAX_INNER = 20


def solve(
    objective,
    w0: np.ndarray,
    options: SolverOptions,
    callback: Callback | None = None,
) -> SolverResult:
    """Minimise the smooth part plus the L1 term by working-set proximal Newton.

    Parameters
    ----------
    objective : LogisticObjective
        Provides ``value_and_grad``, ``value_grad_hessian_on``,
        ``hessian_diagonal``, ``l1_weights``, ``l1_penalty``,
        ``min_norm_subgradient``, ``flat_directions``, ``values_along``.
    w0 : ndarray of shape (n_params,)
    options : SolverOptions
        Uses ``tol`` (max |least-norm subgradient|), ``gap_tol`` (see the
        module docstring), ``max_iter`` (proximal Newton steps in all),
        ``verbose``.
    callback : callable, optional
        ``callback(record, w)`` after each proximal Newton step.

    Returns
    -------
    SolverResult
        Each record's ``value`` is the whole objective ``F`` and its
        ``grad_max`` the max-abs least-norm subgradient.
    """
    started = time.perf_counter()
    gap_tol = options.gap_tol if options.gap_tol > 0 else GAP_PER_TOL * options.tol
    w = np.array(w0, dtype=np.float64)
    l1 = objective.l1_weights
    always = l1 == 0  # unpenalised coordinates (intercepts) are always in
    flat = objective.flat_directions()
    value, grad = objective.value_and_grad(w)
    history: list[IterationRecord] = []
    size = MIN_SIZE
    iteration = 0
    last_decrease = np.inf
    previous_set = np.zeros(w.shape, dtype=bool)
    stalls = 0
    while True:
        total = value + objective.l1_penalty(w)
        violation = np.abs(objective.min_norm_subgradient(w, grad))
        residual = float(np.max(violation)) if violation.size else 0.0
        diagonal = objective.hessian_diagonal(w)
        curvature = np.where(diagonal > 0, diagonal, np.inf)
        score = violation**2 / (2.0 * curvature)
        member = (w != 0) | always
        outside = float(np.sum(score[~member]))
        scale = max(abs(total), 1.0)
        if residual <= options.tol and max(last_decrease, outside) <= gap_tol * scale:
            return SolverResult(w, iteration, True, history, "subgradient and gap")
        if residual == 0.0:
            return SolverResult(w, iteration, True, history, "subgradient is zero")
        if iteration >= options.max_iter:
            return SolverResult(w, iteration, False, history, "max_iter reached")
        # The working set: the current support, then the worst violators.
        size = max(size, MIN_SIZE, 2 * int(np.count_nonzero(member)))
        candidates = np.flatnonzero(~member & (violation > 0))
        room = size - int(np.count_nonzero(member))
        if room > 0 and candidates.size:
            if candidates.size > room:
                best = np.argpartition(-score[candidates], room - 1)[:room]
                candidates = candidates[best]
            member[candidates] = True
        if not (member & ~previous_set).any() and residual > options.tol:
            size *= 2  # the same set again: let the next round admit more
        previous_set = member.copy()
        index = np.flatnonzero(member)
        inner_target = max(0.1 * options.tol, INNER_FRACTION * residual)
        stepped = False
        for _ in range(MAX_INNER):
            outcome = _restricted_step(objective, w, value, grad, index, l1, flat)
            step, w_new, evaluation, decrease = outcome
            if step == 0.0:
                # No decrease possible on this set at rounding level.
                last_decrease = 0.0 if not np.isfinite(decrease) else -decrease
                break
            iteration += 1
            stepped = True
            w = w_new
            value, grad = evaluation
            last_decrease = -decrease
            total = value + objective.l1_penalty(w)
            sub = objective.min_norm_subgradient(w, grad)
            full = float(np.max(np.abs(sub)))
            record = IterationRecord(
                iteration, total, full, step, time.perf_counter() - started
            )
            history.append(record)
            report(options.verbose, "ws-prox-newton", record)
            if callback is not None:
                callback(record, w)
            if iteration >= options.max_iter:
                break
            inside = float(np.max(np.abs(sub[index])))
            if inside > inner_target:
                continue
            # The set is solved well enough for this round: go back for new
            # coordinates if those outside hide more than the gap allows (the
            # round's diagonal, a little stale, is good enough for that
            # estimate); else stay until the set's own gap, the last model
            # decrease, is small enough too.
            hidden = np.sum(sub[~member] ** 2 / (2.0 * curvature[~member]))
            if hidden > gap_tol * scale or last_decrease <= gap_tol * scale:
                break
        stalls = 0 if stepped else stalls + 1
        if stalls >= 2 or (not stepped and member.all()):
            return SolverResult(
                w,
                iteration,
                residual <= options.tol,
                history,
                "no decrease possible (rounding level)",
            )


def _restricted_step(objective, w, value, grad, index, l1, flat):
    """One proximal Newton step on the coordinates in ``index``.

    Returns ``(step, w_new, (value, grad) at w_new, model decrease)``; step is
    0.0 when no step decreases ``F``.
    """
    _, _, hessian = objective.value_grad_hessian_on(w, index)
    if flat.shape[1]:
        restricted = flat[index]
        hessian = hessian + restricted @ restricted.T
    sub_grad = grad[index]
    violation = objective.min_norm_subgradient(w, grad)[index]
    residual = float(np.max(np.abs(violation))) if index.size else 0.0
    inner_tol = max(1e-12, min(0.1, residual) * residual)
    target = _coordinate_descent(
        sub_grad, hessian, w[index], l1[index], inner_tol, always_exact=False
    )
    direction = np.zeros_like(w)
    direction[index] = target - w[index]
    penalty = objective.l1_penalty
    total = value + penalty(w)
    decrease = float(sub_grad @ direction[index]) + penalty(w + direction) - penalty(w)
    rounding = 4 * objective.eps * max(abs(total), 1.0)
    if not decrease < -rounding:
        # At rounding level: accept the full step only if it shrinks the
        # subgradient (as the full proximal Newton does).
        trial_value, trial_grad = objective.value_and_grad(w + direction)
        trial = w + direction
        new = np.max(np.abs(objective.min_norm_subgradient(trial, trial_grad)))
        old = np.max(np.abs(objective.min_norm_subgradient(w, grad)))
        if decrease <= rounding and new < old:
            return 1.0, trial, (trial_value, trial_grad), decrease
        return 0.0, w, None, decrease
    full_residual = float(np.max(np.abs(objective.min_norm_subgradient(w, grad))))
    step, evaluation = _line_search(
        objective, w, total, full_residual, direction, decrease, True
    )
    if step == 0.0:
        return 0.0, w, None, decrease
    new_w = w + step * direction
    if evaluation is None:
        evaluation = objective.value_and_grad(new_w)
    return step, new_w, evaluation, decrease
