"""L-BFGS: SciPy's L-BFGS-B on the objective's combined value and gradient."""

from __future__ import annotations

import time

import numpy as np
from scipy.optimize import minimize

from logreg.solvers._base import (
    Callback,
    IterationRecord,
    SolverOptions,
    SolverResult,
    report,
)

__all__ = ["solve"]


def solve(
    objective,
    w0: np.ndarray,
    options: SolverOptions,
    callback: Callback | None = None,
) -> SolverResult:
    """Minimise the objective with ``scipy.optimize.minimize(method="L-BFGS-B")``.

    Parameters
    ----------
    objective : LogisticObjective
        Provides ``value_and_grad``.
    w0 : ndarray of shape (n_params,)
        Starting point.
    options : SolverOptions
        Uses ``tol`` (SciPy's ``gtol``: max |projected gradient|),
        ``max_iter``, ``verbose``.
    callback : callable, optional
        ``callback(record, w)`` after each iteration.

    Returns
    -------
    SolverResult
    """
    started = time.perf_counter()
    history: list[IterationRecord] = []
    last: dict[str, np.ndarray] = {}

    def value_and_grad(w: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = objective.value_and_grad(w)
        last["grad"] = grad
        return value, grad

    def on_iteration(intermediate_result) -> None:
        # SciPy calls this after each accepted iterate; the last evaluation
        # was at that iterate, so its gradient is the one cached above.
        record = IterationRecord(
            len(history) + 1,
            float(intermediate_result.fun),
            float(np.max(np.abs(last["grad"]))),
            float("nan"),
            time.perf_counter() - started,
        )
        history.append(record)
        report(options.verbose, "lbfgs", record)
        if callback is not None:
            callback(record, intermediate_result.x)

    result = minimize(
        value_and_grad,
        np.array(w0, dtype=np.float64),
        method="L-BFGS-B",
        jac=True,
        callback=on_iteration,
        options={
            "maxiter": options.max_iter,
            "maxfun": 20 * options.max_iter + 20,
            "gtol": options.tol,
            # Stop on relative decrease only at rounding level, as scikit-learn.
            "ftol": 64 * np.finfo(float).eps,
            "maxls": 50,
        },
    )
    grad_max = float(np.max(np.abs(last["grad"]))) if last else float("nan")
    converged = bool(result.status == 0 or grad_max <= options.tol)
    message = str(result.message)
    if "ABNORMAL" in message:
        # SciPy's line search found no decrease. When the last accepted step
        # already gained less than the kernels' rounding (float32 data at a
        # tiny tol), no further decrease can be resolved: that is the optimum
        # to the data's precision, as scikit-learn's ftol test finds it when
        # its float32 values tie. Otherwise the stop is a failure.
        at_precision = _last_relative_decrease(history) <= objective.eps
        converged = converged or at_precision
        message = (
            f"the line search found no further decrease: the objective's "
            f"precision was reached with max|gradient| {grad_max:.2g} > tol "
            f"{options.tol:g}"
        )
    return SolverResult(result.x, int(result.nit), converged, history, message)


def _last_relative_decrease(history: list[IterationRecord]) -> float:
    """The last accepted iteration's decrease of the objective, relative to it.

    Infinite before two iterates are recorded.
    """
    if len(history) < 2:
        return float("inf")
    before, after = history[-2].value, history[-1].value
    return (before - after) / max(abs(before), abs(after), 1.0)
