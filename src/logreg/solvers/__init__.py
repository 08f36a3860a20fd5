"""Solvers: one contract, a registry, and the ``"auto"`` rule.

Each entry of :data:`SOLVERS` is ``solve(objective, w0, options, callback) ->
SolverResult`` (see :mod:`logreg.solvers._base`).
"""

from __future__ import annotations

from logreg.solvers import gd, lbfgs, newton, sgd
from logreg.solvers._base import (
    ConvergenceWarning,
    DivergenceError,
    IterationRecord,
    Solver,
    SolverOptions,
    SolverResult,
)
from logreg.solvers.auto import auto_hessian_subsample, resolve_solver
from logreg.solvers.newton import SingularHessianWarning

__all__ = [
    "DEFAULT_MAX_ITER",
    "SOLVERS",
    "ConvergenceWarning",
    "DivergenceError",
    "IterationRecord",
    "SingularHessianWarning",
    "Solver",
    "SolverOptions",
    "SolverResult",
    "auto_hessian_subsample",
    "resolve_solver",
]

SOLVERS: dict[str, Solver] = {
    "gd": gd.solve,
    "sgd": sgd.solve,
    "lbfgs": lbfgs.solve,
    "newton": newton.solve,
}

#: ``max_iter=None`` means this many iterations (epochs for ``sgd``).
DEFAULT_MAX_ITER = {"gd": 10_000, "sgd": 200, "lbfgs": 1000, "newton": 100}
