r"""Working-set proximal Newton for L1 and elastic net on wide data.

The full proximal Newton of :mod:`logreg.solvers.prox_newton` forms the whole
``p x p`` Hessian every iteration; on wide sparse data (thousands of
features, a few hundred of them nonzero at the optimum) that is most of the
work and most of the memory. Here, as in celer and skglm (Massias et al.,
2018; Bertrand et al., 2022), the problem is solved on a small *working set*
of coordinates that grows until it holds the optimum's support:

1. one pass gives ``f``, its gradient and the Hessian's diagonal at ``w``
   (``objective.value_grad_diagonal``, the line search's pass; from a cold
   start by columns, every margin being zero: :func:`_first_evaluation`); each
   coordinate's violation of the optimality conditions is its entry of
   the least-norm subgradient ``v_j``, and its score ``v_j^2 / (2 H_jj)`` is
   the decrease one coordinate Newton step would make;
2. the working set is every nonzero or unpenalised coordinate plus the
   highest-scoring violators, ``max(MIN_SIZE, 2 * nonzeros)`` in all
   (doubled whenever a round admits no new coordinate); the first holds
   every violator at the start (:func:`_first_size`), as the strong rule's
   screening would;
3. proximal Newton steps restricted to the working set (the Hessian only on
   it; the model solved by compiled active-set coordinate descent with
   Anderson extrapolation, in one of two forms chosen per round by
   :func:`_by_columns`: small sets, or sets whose columns are dense and
   rows few, take the dense restricted Hessian,
   ``objective.value_grad_hessian_on``, and
   :func:`logreg.solvers._sweep.active_set_sweeps`, with
   :func:`logreg.solvers.prox_newton._coordinate_descent` (exact solves
   on the sign pattern) as the fallback; large sets take the model by
   columns, ``objective.quadratic_model_on``, and
   :func:`logreg.solvers._sweep.column_sweeps`, which keeps the rows'
   ``X_S d`` up to date as liblinear's newGLMNET does: ``nnz(X_S)`` per
   sweep instead of ``m^2``, and no ``m x m`` matrix to build; an Armijo
   search on the whole ``F``), until the set's own least-norm subgradient
   is below :data:`INNER_FRACTION` of the round's starting violation; then
   back to 1 when the coordinates outside hide more gap (the sum of their
   scores) than allowed, else on until the set's own gap (the last model
   decrease) is small enough too. A round by columns is one step, on the
   support and *every* violator, visited in a random order, as newGLMNET's
   outer iterations are: its sweeps cost ``nnz`` of the coordinates that
   move, so there is nothing to save by leaving violators out, and the
   gradient pass of each step gives the next set for free. The rows'
   ``X~ w`` is kept up to date from the sweeps' ``X~ d``, so the model
   needs no product of its own, the line search's shorter trials cost
   ``O(n)`` and the gradient pass goes by columns
   (:func:`_step_by_columns`);
4. stop when the whole problem's max |least-norm subgradient| is at most
   ``tol`` *and* both estimated gaps, the last model decrease on the working
   set and the sum of the scores outside it, are at most
   ``gap_tol * max(|F|, 1)``, or, after a step, when the gap estimated at
   the new point is small (:func:`_settled`). ``gap_tol = 0`` in the options
   means :data:`logreg.solvers.auto.GAP_PER_TOL` ``* tol`` (1e-10 at the
   default ``tol = 1e-4``), four orders below the 1e-6 relative gap it is
   meant to guarantee, so that a rough estimate is still enough.

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
    _blas_controller,
    line_search_trials,
    report,
    residual_max,
)
from logreg.solvers._sweep import COMPILED_MIN, active_set_sweeps, column_sweeps
from logreg.solvers.auto import GAP_PER_TOL
from logreg.solvers.prox_newton import ARMIJO_SLOPE, MIN_STEP, _coordinate_descent

__all__ = ["solve"]

#: Smallest working set. On a 20k x 5k text-like problem (557 nonzeros at the
#: optimum) starting from 32 took 15 proximal Newton steps, from 256 nine.
MIN_SIZE = 256
#: A round's inner iterations stop once the working set's max |subgradient|
#: is below this fraction of the whole problem's at the round's start.
INNER_FRACTION = 0.1
#: Proximal Newton steps per round, at most.
MAX_INNER = 20
#: Coordinate-descent sweeps of the compiled inner solve before the fallback
#: (the most measured was 368, on a 3800-coordinate one-hot set).
MAX_SWEEPS = 500
#: The inner model is solved to ``min(0.1, INNER_FORCING * r) * r`` (``r``:
#: the set's max |subgradient|). Looser (1e3, 1e4) halved the sweeps on the
#: ill-conditioned one-hot problem (3.2 s instead of 4.9 s) but cost the
#: text-like one a seventh step (62 ms instead of 50 ms).
INNER_FORCING = 1.0
#: A new working set has this many times the current nonzeros (or more).
GROWTH = 2
#: ... and this many times after a round whose model was by columns: there a
#: round costs ``nnz(X_S)`` per sweep, mostly the popular columns already in,
#: so a larger set costs little more than a smaller one and saves rounds
#: (200k x 20k text-like: sets of 256, 1012 and 3865 coordinates instead of
#: five doublings to 3842).
COLUMN_GROWTH = 4
#: Working sets of at least this many coordinates may keep the model by
#: columns (``objective.quadratic_model_on``: coordinate descent that updates
#: the rows' ``X d``, ``nnz(X_S)`` per sweep) instead of the dense restricted
#: Hessian (``m^2`` per sweep and ``sum_i nnz_i(S)^2`` to build), where the
#: objective has it (binary CSR in memory) ...
COLUMNS_MIN = 256
#: ... and do when ``COLUMN_COST * nnz(X_S) < m^2``: a sweep by columns
#: gathers and scatters each entry, but a step takes two or three of them
#: (:data:`COLUMN_FORCING`) where the dense model, solved to the tighter
#: ``min(0.1, r) * r``, took 15-25 sweeps after building its matrix. On the
#: 20k x 5k text-like problem (sets of 560 coordinates, 330k entries) the
#: fit took 25 ms by columns, 51 ms dense ...
COLUMN_COST = 0.5
#: ... or when the set has at least this many coordinates: the dense Gram
#: matrix (32 MB at 2048) no longer fits in cache, and its build,
#: ``sum_i nnz_i(S)^2``, grows with the rows. Measured crossovers are in
#: docs/benchmarks.md ("Wide sparse data").
COLUMNS_ALWAYS = 2048
#: ... or when building the dense matrix takes more than this many scattered
#: additions (estimated as ``nnz(X_S)^2 / n_rows``, its least value for rows
#: of equal counts): many rows, as in 200k x 20k text-like (44M to 71M at
#: sets of 256 to 2010 coordinates, where the model by columns was faster)
#: against 20k x 5k (8M to 13M, where the dense one was).
BUILD_MAX = 3.2e7
#: A model by columns is solved to ``COLUMN_FORCING * r`` (``r``: the set's
#: max |subgradient|), as newGLMNET's inner tolerance follows the outer one:
#: two or three sweeps a step. On 200k x 20k text-like, 0.1 to 0.5 all took
#: four steps (14 to 18 sweeps in all); 1.0 took five.
COLUMN_FORCING = 0.3
#: A step may end the fit when the model decrease it made (the gap before
#: it) is at most this many times the gap allowed (``gap_tol``) ...
SETTLED_FACTOR = 1e5
#: ... and the diagonal Newton decrement at its new point (the gap after it)
#: at most this many times (1e-8 at the default ``tol``: a hundredth of the
#: 1e-6 gap it is meant to guarantee).
CURRENT_FACTOR = 100.0
#: Coordinate-descent sweeps of a model by columns, at most; the line search
#: takes whatever direction they reach.
COLUMN_SWEEPS = 500


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
        Provides ``value_grad_diagonal``, ``value_grad_hessian_on``,
        ``values_along``, ``l1_weights``, ``l1_penalty``,
        ``min_norm_subgradient``, ``flat_directions``.
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
    # One BLAS thread throughout: the BLAS calls here are dot products and
    # small products of working-set length, and on busy cores OpenBLAS's
    # threads wait for each other. Under load each 20000-long dot product
    # (the L1 term, the objective's L2 term) took about 8 ms on two threads,
    # 0.7 s of a 2.9 s 200k x 20k fit.
    with _blas_controller().limit(limits=1, user_api="blas"):
        return _solve(objective, w0, options, callback)


def _solve(objective, w0, options, callback) -> SolverResult:
    """:func:`solve` on one BLAS thread."""
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    gap_tol = options.gap_tol if options.gap_tol > 0 else GAP_PER_TOL * options.tol
    w = np.array(w0, dtype=np.float64)
    l1 = objective.l1_weights
    always = l1 == 0  # unpenalised coordinates (intercepts) are always in
    flat = objective.flat_directions()
    # X~ w, kept up to date by the steps by columns (None: not known).
    linear = np.zeros(objective.n_samples) if not w.any() else None
    value, grad, diagonal = _first_evaluation(objective, w, linear, flat)
    # The least-norm subgradient at (w, grad), computed once per point.
    sub = objective.min_norm_subgradient(w, grad)
    history: list[IterationRecord] = []
    size = _first_size(objective, sub)
    iteration = 0
    last_decrease = np.inf
    previous_set = np.zeros(w.shape, dtype=bool)
    columns = False  # whether the last round's model was by columns
    stalls = 0
    while True:
        total = value + objective.l1_penalty(w)
        violation = np.abs(sub)
        residual = float(np.max(violation)) if violation.size else 0.0
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
        growth = COLUMN_GROWTH if columns else GROWTH
        size = max(size, MIN_SIZE, growth * int(np.count_nonzero(member)))
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
        columns = _by_columns(objective, index, flat)
        if columns:
            # Every violator, in a random order: with one sweep a step,
            # 200k x 20k took 49 steps on rounds of the best-scoring
            # violators in index order (the popular columns first), 7 so.
            member |= violation > 0
            index = rng.permutation(np.flatnonzero(member))
        inner_target = max(0.1 * options.tol, INNER_FRACTION * residual)
        stepped = False
        for _ in range(MAX_INNER):
            step, w_new, evaluation, decrease, new_linear = _restricted_step(
                objective,
                w,
                value,
                grad,
                diagonal,
                sub,
                index,
                l1,
                flat,
                columns,
                linear,
            )
            if step == 0.0:
                # No decrease possible on this set at rounding level.
                last_decrease = 0.0 if not np.isfinite(decrease) else -decrease
                break
            iteration += 1
            stepped = True
            w, linear = w_new, new_linear
            value, grad, diagonal = evaluation
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
            if full <= options.tol and _settled(
                sub, diagonal, last_decrease, gap_tol * scale
            ):
                return SolverResult(w, iteration, True, history, "estimated gap")
            if columns:
                break  # the next set comes with this step's gradient pass
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


def _settled(sub, diagonal, last_decrease, allowed) -> bool:
    """Whether the gap at the new point is estimated small enough to stop.

    Two estimates, both needed: the last step's model decrease (the gap
    *before* the step, which bounds the gap after it) at most
    :data:`SETTLED_FACTOR` times ``allowed``, so that the steps have reached
    their fast final phase; and the gap *at* the new point, estimated as a
    diagonal Newton decrement ``sum_j sub_j^2 / (2 H_jj)`` over every
    coordinate (``sub``: the least-norm subgradient), at most
    :data:`CURRENT_FACTOR` times ``allowed``. The decrease alone lags a step
    behind: on the 20k x 5k text-like problem it asked for a fifth and a
    sixth step after the fourth had reached a gap of 2e-9.
    """
    if last_decrease > SETTLED_FACTOR * allowed:
        return False
    curvature = np.where(diagonal > 0, diagonal, np.inf)
    return float(np.sum(sub**2 / (2.0 * curvature))) <= CURRENT_FACTOR * allowed


def _first_evaluation(objective, w, linear, flat):
    """``value_grad_diagonal`` at the starting point ``w``.

    By columns from ``linear`` (``X~ w``, zeros from a cold start, where
    every margin is zero) when the working sets may take their model by
    columns: the columns are made for the first round anyway, and a pass
    that gathers from them replaces the row pass's gather and two scatters.
    """
    if (
        linear is not None
        and objective.fused
        and _columns_possible(objective, len(w), flat)
    ):
        return objective.value_grad_diagonal_at_linear(w, linear)
    return objective.value_grad_diagonal(w)


def _first_size(objective, sub) -> int:
    """The first working set's size: every coordinate that violates at the start.

    As the strong rule's screening does from zero, the violators at the start
    predict the optimum's support: on the 20k x 5k text-like problem 569 of
    them held 501 of its 558 nonzeros, on 200k x 20k 4153 held 3246 of 3836.
    Starting smaller (a fixed 256) cost two or three rounds of proximal
    Newton steps on sets that lacked most of the support. Without a model by
    columns the set's dense Hessian caps it at :data:`COLUMNS_ALWAYS`.
    ``sub`` is the least-norm subgradient there.
    """
    violators = int(np.count_nonzero(sub))
    if not objective.has_column_model:
        violators = min(violators, COLUMNS_ALWAYS)
    return max(MIN_SIZE, violators)


def _by_columns(objective, index, flat) -> bool:
    """Whether the working set ``index`` gets its model by columns.

    From :data:`COLUMNS_MIN` coordinates, when the objective has a model by
    columns, there are no flat directions to add and the set is large
    (:data:`COLUMNS_ALWAYS`), its columns sparse enough (:data:`COLUMN_COST`)
    or the dense matrix costly to build (:data:`BUILD_MAX`).
    """
    m = len(index)
    if not _columns_possible(objective, m, flat):
        return False
    if m >= COLUMNS_ALWAYS:
        return True
    entries = objective.column_model_size(index)
    build = entries * (entries / max(objective.n_samples, 1))
    return COLUMN_COST * entries < m * m or build > BUILD_MAX


def _columns_possible(objective, m, flat) -> bool:
    """Whether a working set of ``m`` coordinates may take its model by columns."""
    return m >= COLUMNS_MIN and not flat.shape[1] and objective.has_column_model


def _restricted_step(
    objective, w, value, grad, diagonal, sub, index, l1, flat, columns, linear
):
    """One proximal Newton step on the coordinates in ``index``.

    The restricted Hessian at ``w`` is by columns
    (``objective.quadratic_model_on``, with ``diagonal``, the Hessian's
    diagonal from the last gradient pass, and ``linear``, the rows' ``X~ w``
    or None) when ``columns``, else dense (flat directions added). ``sub``
    is the least-norm subgradient at ``(w, grad)``. Returns
    ``(step, w_new, (value, grad, diagonal) at w_new, model decrease,
    X~ w_new or None)``; step is 0.0 when no step decreases ``F``.
    """
    predictor = None
    if columns and objective.fused:
        return _step_by_columns(
            objective, w, value, grad, diagonal, sub, index, l1, linear
        )
    if columns:
        hessian = objective.quadratic_model_on(w, index, diagonal, linear)
        predictor = np.empty(objective.n_samples)
    else:
        _, _, hessian = objective.value_grad_hessian_on(w, index)
        if flat.shape[1]:
            restricted = flat[index]
            hessian = hessian + restricted @ restricted.T
    sub_grad = grad[index]
    residual = float(np.max(np.abs(sub[index]))) if index.size else 0.0
    old_residual = float(np.max(np.abs(sub)))
    if columns:
        inner_tol = max(1e-12, COLUMN_FORCING * residual)
    else:
        inner_tol = max(1e-12, min(0.1, INNER_FORCING * residual) * residual)
    target = _solve_model(sub_grad, hessian, w[index], l1[index], inner_tol, predictor)
    direction = np.zeros_like(w)
    direction[index] = target - w[index]
    penalty = objective.l1_penalty
    total = value + penalty(w)
    decrease = float(sub_grad @ direction[index]) + penalty(w + direction) - penalty(w)
    rounding = 4 * objective.eps * max(abs(total), 1.0)
    step, evaluation = 0.0, None
    if not decrease < -rounding:
        # At rounding level: accept the full step only if it shrinks the
        # subgradient (as the full proximal Newton does).
        trial = w + direction
        trial_evaluation = objective.value_grad_diagonal(trial)
        new = residual_max(objective, trial, trial_evaluation[1])
        if decrease <= rounding and new < old_residual:
            step, evaluation = 1.0, trial_evaluation
    else:
        step, evaluation = _line_search(
            objective, w, total, old_residual, direction, decrease
        )
    if step == 0.0:
        return 0.0, w, None, decrease, linear
    new_w = w + step * direction
    if evaluation is None:
        evaluation = objective.value_grad_diagonal(new_w)
    new_linear = None if predictor is None else hessian.linear + step * predictor
    return step, new_w, evaluation, decrease, new_linear


def _step_by_columns(objective, w, value, grad, diagonal, sub, index, l1, linear):
    """:func:`_restricted_step` by columns, from and to the rows' ``X~ w``.

    The sweeps give the step's ``X~ d``, so the gradient pass at a trial
    point goes by columns from its ``z`` (``objective.
    value_grad_diagonal_at_linear``), as newGLMNET's does: one gather per
    entry of ``X~`` instead of the CSR pass's gather and two scatters. The
    full step's trial is that pass (the step is nearly always taken); each
    shorter one costs ``O(n)`` (``objective.value_at_linear``). On 20k x 5k
    text-like L1 this took a fit from 30 to 24 ms, on 200k x 20k from 0.33
    to 0.27 s.
    """
    model = objective.quadratic_model_on(w, index, diagonal, linear)
    predictor = np.empty(objective.n_samples)
    sub_grad = grad[index]
    residual = float(np.max(np.abs(sub[index]))) if index.size else 0.0
    inner_tol = max(1e-12, COLUMN_FORCING * residual)
    target = column_sweeps(
        model, sub_grad, w[index], l1[index], inner_tol, COLUMN_SWEEPS, predictor
    )[0]
    direction = np.zeros_like(w)
    direction[index] = target - w[index]
    penalty = objective.l1_penalty
    total = value + penalty(w)
    decrease = float(sub_grad @ direction[index]) + penalty(w + direction) - penalty(w)
    old_residual = float(np.max(np.abs(sub)))
    scale = max(abs(total), 1.0)
    # Armijo as in _line_search; below the rounding of F (at 4 eps for the
    # step's own prediction, 16 eps for a trial) a step counts when it
    # shrinks the subgradient.
    at_rounding = not decrease < -4 * objective.eps * scale
    if at_rounding and decrease > 4 * objective.eps * scale:
        return 0.0, w, None, decrease, model.linear
    step = 1.0
    while step >= MIN_STEP:
        trial = w + step * direction
        trial_linear = model.linear + step * predictor
        # The full step is nearly always taken: its trial is the next
        # gradient pass; shorter ones cost O(n) each until one is taken.
        evaluation = None
        if step == 1.0 or at_rounding:
            evaluation = objective.value_grad_diagonal_at_linear(trial, trial_linear)
            trial_value = evaluation[0]
        else:
            trial_value = objective.value_at_linear(trial, trial_linear)
        trial_total = trial_value + penalty(trial)
        taken = not at_rounding and (
            trial_total <= total + ARMIJO_SLOPE * step * decrease
        )
        if not taken and (
            at_rounding or abs(trial_total - total) <= 16 * objective.eps * scale
        ):
            if evaluation is None:
                evaluation = objective.value_grad_diagonal_at_linear(
                    trial, trial_linear
                )
            taken = residual_max(objective, trial, evaluation[1]) < old_residual
        if taken:
            if evaluation is None:
                evaluation = objective.value_grad_diagonal_at_linear(
                    trial, trial_linear
                )
            return step, trial, evaluation, decrease, trial_linear
        if at_rounding:
            break
        step *= 0.5
    return 0.0, w, None, decrease, model.linear


def _solve_model(grad, hessian, w, l1, tol, predictor=None):
    """Minimise the working set's quadratic model plus the L1 term.

    Compiled active-set coordinate descent first; where it does not settle
    in :data:`MAX_SWEEPS` sweeps (or the set is too small to compile for),
    :func:`logreg.solvers.prox_newton._coordinate_descent`, which finishes
    by exact solves on the sign pattern. A model by columns (not an array)
    is solved by :func:`logreg.solvers._sweep.column_sweeps`, its result
    kept whether or not it settled (the line search judges it); it fills
    ``predictor`` with the rows' ``X~ d``.
    """
    if not isinstance(hessian, np.ndarray):
        return column_sweeps(hessian, grad, w, l1, tol, COLUMN_SWEEPS, predictor)[0]
    if len(w) >= COMPILED_MIN:
        x, _, converged = active_set_sweeps(hessian, grad, w, l1, tol, MAX_SWEEPS)
        if converged:
            return x
    return _coordinate_descent(grad, hessian, w, l1, tol, always_exact=False)


def _line_search(objective, w, total, residual, direction, decrease):
    """Armijo backtracking on ``F`` from step 1; step 0.0 when none is acceptable.

    As :func:`logreg.solvers.prox_newton._line_search`, with the value,
    gradient and diagonal at step 1 from one pass (the next round's scores
    need the diagonal). Returns ``(step, evaluation or None)``.
    """
    penalty = objective.l1_penalty
    rounding = 16 * objective.eps * max(abs(total), 1.0)
    for step, trial_value, evaluation in line_search_trials(
        objective, w, direction, MIN_STEP, objective.value_grad_diagonal
    ):
        trial = w + step * direction
        trial_total = trial_value + penalty(trial)
        if trial_total <= total + ARMIJO_SLOPE * step * decrease:
            return step, evaluation
        if abs(trial_total - total) <= rounding:
            if evaluation is None:
                evaluation = objective.value_grad_diagonal(trial)
            if residual_max(objective, trial, evaluation[1]) < residual:
                return step, evaluation
    return 0.0, None
