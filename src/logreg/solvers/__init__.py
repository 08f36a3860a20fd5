"""Solvers: one contract, a registry, and the ``"auto"`` rule.

Each entry of :data:`SOLVERS` is ``solve(objective, w0, options, callback) ->
SolverResult`` (see :mod:`logreg.solvers._base`). Those in :data:`L1_SOLVERS`
also minimise an objective with an L1 term (``l1_ratio > 0``); the others see
only the smooth part and must not be given one.
"""

from __future__ import annotations

from logreg.solvers import (
    fista,
    gd,
    lbfgs,
    newton,
    newton_cg,
    prox_newton,
    sgd,
    ws_prox_newton,
)
from logreg.solvers._base import (
    ConvergenceWarning,
    DivergenceError,
    IterationRecord,
    Solver,
    SolverOptions,
    SolverResult,
)
from logreg.solvers.auto import (
    auto_gap_tol,
    auto_hessian_subsample,
    resolve_solver,
)
from logreg.solvers.newton import SingularHessianWarning, polish

__all__ = [
    "DEFAULT_MAX_ITER",
    "L1_SOLVERS",
    "SOLVERS",
    "ConvergenceWarning",
    "DivergenceError",
    "IterationRecord",
    "SingularHessianWarning",
    "Solver",
    "SolverOptions",
    "SolverResult",
    "auto_gap_tol",
    "auto_hessian_subsample",
    "polish",
    "resolve_solver",
]

SOLVERS: dict[str, Solver] = {
    "gd": gd.solve,
    "sgd": sgd.solve,
    "lbfgs": lbfgs.solve,
    "newton": newton.solve,
    "newton-cg": newton_cg.solve,
    "prox-newton": prox_newton.solve,
    "fista": fista.solve,
    "ws-prox-newton": ws_prox_newton.solve,
}

#: The solvers that handle the L1 term of an elastic-net objective.
L1_SOLVERS = ("prox-newton", "ws-prox-newton", "fista", "gd", "sgd")

#: ``max_iter=None`` means this many iterations (epochs for ``sgd``).
DEFAULT_MAX_ITER = {
    "gd": 10_000,
    "sgd": 200,
    "lbfgs": 1000,
    "newton": 100,
    "newton-cg": 100,
    "prox-newton": 100,
    "fista": 10_000,
    "ws-prox-newton": 100,
}
