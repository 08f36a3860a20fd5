"""The solver contract: frozen options in, a result with its history out.

Every solver is a function ``solve(objective, w0, options, callback) ->
SolverResult`` that sees only the objective's methods (``value``,
``value_and_grad``, ``values_along``, ``hessp``, ``value_grad_hessian``,
``batch_value_and_grad``, ``n_samples``, ``n_params``); it never touches data.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from scipy.linalg import LinAlgError, lapack
from threadpoolctl import ThreadpoolController

__all__ = [
    "ConvergenceWarning",
    "DivergenceError",
    "IterationRecord",
    "Solver",
    "SolverOptions",
    "SolverResult",
    "cholesky_solve",
    "exact_trial_below",
    "line_search_trials",
    "newton_evaluation",
    "residual_max",
]

try:  # One warning class users already filter on.
    from sklearn.exceptions import ConvergenceWarning
except ImportError:  # pragma: no cover - scikit-learn is a dependency

    class ConvergenceWarning(UserWarning):  # type: ignore[no-redef]
        """The solver stopped at ``max_iter`` before reaching ``tol``."""


class DivergenceError(ValueError):
    """The optimisation diverged (non-finite or exploding objective).

    Raised instead of returning NaN or infinite coefficients; the message
    names the iteration, the objective values and the step that caused it.
    """


@dataclass(frozen=True)
class SolverOptions:
    """Settings shared by all solvers; each reads the fields it needs.

    Parameters
    ----------
    tol : float
        Stop when the largest absolute gradient entry of the scaled objective
        is at most ``tol`` (``sgd``: when an epoch improves the objective by
        less than ``tol``).
    max_iter : int
        Iterations (``sgd``: epochs) at most.
    learning_rate : float or None
        Step size of ``gd``/``sgd``. ``None``: ``gd`` uses a backtracking
        (Armijo) line search, ``sgd`` starts at 0.1.
    momentum : float
        Heavy-ball momentum of ``gd`` in [0, 1).
    nesterov : bool
        Use Nesterov's look-ahead gradient in ``gd``.
    batch_size : int or None
        Rows per ``sgd`` mini-batch; ``None`` means ``min(32, n_samples)``.
    random_state : numpy Generator
        Randomness for ``sgd`` batch order.
    hessian_subsample : int
        ``newton`` forms the Hessian from every ``hessian_subsample``-th row
        (1: all rows, the exact Hessian); the gradient is always exact.
    gap_tol : float
        ``newton`` only, when > 0: a gradient within ``tol`` is not enough to
        stop; the Newton decrement ``lambda^2 / 2 = g^T H^{-1} g / 2``, which
        estimates ``F(w) - min F``, must also be at most
        ``gap_tol * max(|F(w)|, 1)``, else one more step is taken (two at
        most).
    verbose : int
        Print one line per iteration when > 0.
    """

    tol: float = 1e-4
    max_iter: int = 100
    learning_rate: float | None = None
    momentum: float = 0.0
    nesterov: bool = False
    batch_size: int | None = None
    random_state: np.random.Generator = field(default_factory=np.random.default_rng)
    hessian_subsample: int = 1
    gap_tol: float = 0.0
    verbose: int = 0


@dataclass(frozen=True)
class IterationRecord:
    """What one iteration did.

    Attributes
    ----------
    iteration : int
        1-based iteration (epoch for ``sgd``).
    value : float
        Scaled objective after the iteration.
    grad_max : float
        Largest absolute gradient entry after the iteration (NaN when the
        solver does not compute the full gradient).
    step : float
        Step length taken.
    time : float
        Seconds since the solver started.
    """

    iteration: int
    value: float
    grad_max: float
    step: float
    time: float


@dataclass(frozen=True)
class SolverResult:
    """What a solver returns.

    Attributes
    ----------
    w : ndarray of shape (n_params,)
        Final parameters.
    n_iter : int
        Iterations (epochs) run.
    converged : bool
        Whether the stopping rule was met before ``max_iter``.
    history : list of IterationRecord
        One record per iteration.
    message : str
        Why the solver stopped.
    """

    w: np.ndarray
    n_iter: int
    converged: bool
    history: list[IterationRecord]
    message: str = ""


#: Called after each iteration with the record and the current parameters.
Callback = Callable[[IterationRecord, np.ndarray], None]


class Solver(Protocol):
    """The signature every registered solver has."""

    def __call__(
        self,
        objective,
        w0: np.ndarray,
        options: SolverOptions,
        callback: Callback | None = None,
    ) -> SolverResult: ...


def report(verbose: int, solver: str, record: IterationRecord) -> None:
    """Print one iteration line when ``verbose`` is on."""
    if verbose > 0:
        print(
            f"[{solver}] iter {record.iteration:5d}  objective {record.value:.10g}  "
            f"max|grad| {record.grad_max:.3e}  step {record.step:.3e}"
        )


def residual_max(objective, w: np.ndarray, grad: np.ndarray) -> float:
    """Max-abs least-norm subgradient of the whole objective at ``w``.

    The stopping measure of every solver: zero exactly at the minimiser, and
    max |gradient| when there is no L1 term.

    Parameters
    ----------
    objective : LogisticObjective
    w : ndarray of shape (n_params,)
    grad : ndarray of shape (n_params,)
        Gradient of the smooth part at ``w``.

    Returns
    -------
    float
    """
    return float(np.max(np.abs(objective.min_norm_subgradient(w, grad))))


#: With a sketched Hessian (``hessian_subsample > 1``), a step whose
#: predicted decrease is within this factor of ``gap_tol * |F|`` evaluates its
#: trial with the exact Hessian (in the same pass as the gradient), and the
#: steps after it are exact. The sketch's step only shrinks the error about
#: tenfold (the decrement about a hundredfold), so Newton stopped with
#: coefficients about 1e-5 from the optimum (4e-6 on 50k x 10 at the default
#: tol); the exact step from there certifies the gap and lands about its square
#: away, as every fit of the same rows does, however it started (a Spark fit's
#: sample start, an in-memory one).
EXACT_FINISH = 100.0


def exact_trial_below(
    options: SolverOptions, value: float, settled: float | None
) -> float | None:
    """The predicted decrease below which a sketched step's trial is exact.

    Every step's once the residual is within ``tol`` (``settled`` given): the
    finishing steps are few, and the sketch's would not reach the gap in them;
    before, :data:`EXACT_FINISH` times the gap allowed.

    Parameters
    ----------
    options : SolverOptions
        Uses ``gap_tol``.
    value : float
        The objective at the current point.
    settled : float or None
        The gap allowed, once the residual is within ``tol``; else None.

    Returns
    -------
    float or None
        None without ``gap_tol``.
    """
    if options.gap_tol <= 0:
        return None
    if settled is not None:
        return np.inf
    return EXACT_FINISH * options.gap_tol * max(abs(value), 1.0)


def newton_evaluation(
    objective, w: np.ndarray, evaluation: tuple | None, sketch
) -> tuple[float, np.ndarray, np.ndarray | None, object]:
    """Value, gradient and Hessian at ``w`` for a Newton-type iteration.

    Reuses what the last line search's step-1 trial computed at ``w``: its
    ``(value, grad)`` while the Hessian is sketched (the sketch's comes
    separately), its ``(value, grad, hessian)`` always, which also ends the
    sketch (the trial formed the exact Hessian: the fit finishes exact).
    Otherwise one pass makes what is needed.

    Parameters
    ----------
    objective : LogisticObjective
    w : ndarray of shape (n_params,)
    evaluation : tuple or None
        ``(value, grad)`` or ``(value, grad, hessian)`` at ``w``, or None.
    sketch : LogisticObjective or None
        The sub-sampled objective the Hessian comes from, if any.

    Returns
    -------
    value : float
    grad : ndarray of shape (n_params,)
    hessian : ndarray of shape (n_params, n_params) or None
        None while the Hessian is sketched.
    sketch : LogisticObjective or None
        The sketch still in use.
    """
    if evaluation is not None and (sketch is not None or len(evaluation) == 3):
        value, grad, *rest = evaluation
        if rest:
            return value, grad, rest[0], None
        return value, grad, None, sketch
    if sketch is None:
        return *objective.value_grad_hessian(w), None
    return *objective.value_and_grad(w), None, sketch


#: Matrices up to this size are factored on one BLAS thread (at most about
#: 20 ms here). On a machine whose cores are busy, OpenBLAS's threads wait for
#: each other: a 1001 x 1001 ``potrf`` took 12-875 ms on two threads with the
#: two cores loaded, 20-26 ms on one.
SERIAL_CHOLESKY_SIZE = 1024


@functools.cache
def _blas_controller() -> ThreadpoolController:
    return ThreadpoolController()


def cholesky_solve(
    matrix: np.ndarray, rhs: np.ndarray, min_pivot: float = 0.0
) -> np.ndarray:
    """Solve ``matrix @ x = rhs`` for a symmetric positive-definite ``matrix``.

    LAPACK's ``potrf``/``potrs`` are called directly: ``scipy.linalg``'s
    ``cho_factor``/``cho_solve`` check their inputs for 30 us a solve against
    3 us, a tenth of a Newton fit on small data.

    Parameters
    ----------
    matrix : ndarray of shape (n, n)
        float64; only its upper triangle is read.
    rhs : ndarray of shape (n,)
    min_pivot : float, default=0.0
        ``matrix`` counts as singular when a squared pivot of its Cholesky
        factor is below ``min_pivot`` times its largest diagonal entry: a
        singular matrix that rounding made barely positive definite factors
        without error, and its solution is dominated by the null direction.

    Returns
    -------
    ndarray of shape (n,)
        Non-finite when ``matrix`` or ``rhs`` is.

    Raises
    ------
    scipy.linalg.LinAlgError
        When ``matrix`` is not (numerically) positive definite.
    """
    if len(matrix) == 0:
        return np.zeros(0)  # LAPACK refuses empty arguments
    threads = 1 if len(matrix) <= SERIAL_CHOLESKY_SIZE else None
    with _blas_controller().limit(limits=threads, user_api="blas"):
        factor, info = lapack.dpotrf(matrix, lower=False, clean=False)
        if info != 0:
            raise LinAlgError(f"not positive definite (LAPACK potrf info={info})")
        pivots = np.diagonal(factor) ** 2
        if min_pivot > 0 and pivots.min() < min_pivot * np.max(np.diagonal(matrix)):
            raise LinAlgError("numerically singular (a pivot at rounding level)")
        solution, info = lapack.dpotrs(factor, rhs)
    if info != 0:  # pragma: no cover - only for malformed arguments
        raise LinAlgError(f"LAPACK potrs info={info}")
    return solution


#: Trial steps of a backtracking line search evaluated in its first pass over
#: the data; each further pass evaluates twice as many as the one before.
FIRST_BATCH = 2


def _backtracking_values(
    objective, w: np.ndarray, direction: np.ndarray, step: float, min_step: float
) -> Iterator[tuple[float, float]]:
    """``(t, value(w + t * direction))`` for ``t = step, step / 2, ... >= min_step``.

    The values come in batches from ``objective.values_along``, one pass per
    batch: :data:`FIRST_BATCH` steps, then twice as many each time. A search
    that needs ``k`` halvings makes about ``log2(k)`` passes instead of ``k``,
    and one that stops at its first step pays little more than one value.

    Parameters
    ----------
    objective : LogisticObjective
    w, direction : ndarray of shape (n_params,)
    step : float
        The first trial step.
    min_step : float
        No step below this is tried.

    Yields
    ------
    (float, float)
        The step and the smooth part of the objective there.
    """
    size = FIRST_BATCH
    while step >= min_step:
        steps = step * 0.5 ** np.arange(size)
        steps = steps[steps >= min_step]
        values = objective.values_along(w, direction, steps)
        yield from zip(steps.tolist(), values.tolist(), strict=True)
        step = float(steps[-1]) * 0.5
        size *= 2


def line_search_trials(
    objective,
    w: np.ndarray,
    direction: np.ndarray,
    min_step: float,
    first_trial: Callable | None = None,
) -> Iterator[tuple[float, float, tuple | None]]:
    """The trials of a backtracking line search from step 1, in order.

    Step 1 comes from ``first_trial(w + direction)`` when given (a call that
    also returns the gradient, and maybe the Hessian, for the caller to
    reuse); the halvings come from :func:`_backtracking_values`, which reuses
    ``X d`` instead of recomputing ``X (w + t d)`` for every step.

    Parameters
    ----------
    objective : LogisticObjective
    w, direction : ndarray of shape (n_params,)
    min_step : float
        No step below this is tried.
    first_trial : callable, optional
        ``objective.value_and_grad`` or ``objective.value_grad_hessian``.

    Yields
    ------
    (float, float, tuple or None)
        The step, the smooth part of the objective there, and what
        ``first_trial`` returned (step 1 only; None otherwise).
    """
    first = 1.0
    if first_trial is not None:
        evaluation = first_trial(w + direction)
        yield 1.0, evaluation[0], evaluation
        first = 0.5
    for step, value in _backtracking_values(objective, w, direction, first, min_step):
        yield step, value, None
