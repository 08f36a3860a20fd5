"""The ``"auto"`` rule: pick the fastest solver that fits the problem's shape.

Newton costs one pass plus ``O(n p^2)`` to form the Hessian and ``O(p^3)`` to
factor it per iteration, and needs ~5-10 iterations; L-BFGS costs one pass per
evaluation and needs tens to hundreds. With ``p`` the number of parameters
(``(n_features + 1) * n_rows``), Newton wins while forming the Hessian is
cheap compared with the extra passes L-BFGS makes: the L-BFGS iteration count
grows with ``p`` (22 at p=11, 255 at p=401, 439 at p=2005 in
``benchmarks/bench_auto.py``) while Newton stays at 5-7. Measured on 20 000 and
200 000 rows, binary and 5 classes, Newton took 0.36-0.99x the time of L-BFGS
up to p=2005 (one shape, 200 000 x 50 binary, at 1.3x), so the cut-off is
``p <= MAX_NEWTON_PARAMS``; beyond it the ``p^2`` Hessian (and ``p^3``
factorisation) is unmeasured and L-BFGS's ``O(n p)`` memory is the safe choice.
The tables are in ``docs/architecture.md``.

Beyond the cap (``MAX_SPARSE_NEWTON_PARAMS = 256`` on sparse rows) the
Hessian is never formed. (On sparse rows the full Hessian is a dense
``p x p`` product of a matrix that is mostly zeros: on 4000 x 2000 text-like
CSR, ``"newton"`` took 3.5-8.4 s where ``"newton-cg"`` took 0.02-0.15 s, and
``"prox-newton"`` 0.15-33 s per L1 fit along a 20-C path where
``"ws-prox-newton"`` took 0.01-0.34 s, at smaller gaps.) Without an L1 term, truncated
Newton (``"newton-cg"``: conjugate gradients on Hessian-vector products,
Jacobi-preconditioned) replaces L-BFGS: on the 20k x 5k text-like CSR problems
of ``benchmarks/bench_wide_sparse.py`` (100 or 5000 informative columns) it
reached gaps of 1.4e-10 and 1.6e-10 at the default ``tol`` in 4-5 Newton
iterations, where L-BFGS at the default ``tol`` stopped at 8.5e-5 and 8.1e-5;
with the compiled CSR kernels it takes 0.53x the fastest peer's time there
(liblinear), 0.39x at 200k x 20k (saga) and 0.11x on a 100k x 5000 one-hot
design with intercept (liblinear). (On tall dense data beyond
the cap L-BFGS can be faster when it does reach the gap: 3.9 s against 5.0 s
on a dense 20000 x 2500 binary problem, gap 1.3e-7; on 10-class digits x 4
it stopped at 1.3e-5.) With an L1 term (``l1_ratio > 0`` and ``C < inf``)
the full proximal Newton (one ``p x p`` Hessian per iteration) serves up to
the cap and the working-set proximal Newton (``"ws-prox-newton"``: the
Hessian on a working set only) beyond it, where FISTA used to: on the same
problems it reached 7e-11 and 0 (the reference itself) where FISTA at the
default ``tol`` stopped at 2.6e-3 and 2.7e-2. The tables, with the peers,
are in ``docs/architecture.md`` and ``docs/benchmarks.md``.
"""

from __future__ import annotations

__all__ = [
    "GAP_PER_TOL",
    "HESSIAN_SUBSAMPLE",
    "MAX_HESSIAN_SUBSAMPLE",
    "MAX_NEWTON_PARAMS",
    "MAX_SPARSE_NEWTON_PARAMS",
    "MIN_ROWS_PER_PARAM",
    "TARGET_ROWS_PER_PARAM",
    "auto_gap_tol",
    "auto_hessian_subsample",
    "resolve_solver",
]

#: Largest parameter count for which ``"auto"`` picks Newton.
MAX_NEWTON_PARAMS = 2000
#: The same on sparse rows, whose Hessian is a dense product of mostly zeros:
#: on 20k-row text-like CSR, Newton against Newton-CG (L2) took 0.027/0.026 s
#: at 100 columns, 0.107/0.041 s at 250, 0.222/0.025 s at 1000; proximal
#: Newton against its working-set form (L1) 0.043/0.066, 0.204/0.244,
#: 0.325/0.217 and 0.415/0.054 s at 100, 250, 500 and 1000 columns. Below
#: the cap Newton's exact Hessian also converges further per iteration.
MAX_SPARSE_NEWTON_PARAMS = 256
#: ``"auto"``'s Newton forms the Hessian from every k-th row, with k at least
#: HESSIAN_SUBSAMPLE...
HESSIAN_SUBSAMPLE = 8
#: ...when the kept rows number at least MIN_ROWS_PER_PARAM per parameter, so
#: that the estimated curvature is close to the exact one (on small data a
#: sub-sampled Hessian costs iterations: the blobs took 85 instead of 6 in a
#: prototype)...
MIN_ROWS_PER_PARAM = 50
#: ...and with more rows, k grows to keep about TARGET_ROWS_PER_PARAM per
#: parameter, up to MAX_HESSIAN_SUBSAMPLE. The Hessian's Gram product is the
#: compute-bound half of an iteration (the gradient pass is memory-bound), and
#: on AVX2 machines it runs at half the AVX-512 rate. Measured on
#: ``make_classification`` (C=1), k=8 against this rule: 1M x 100 binary, 6
#: iterations and 0.59 s against 7 and 0.32-0.36 s (k=64); 3M x 100, 6 and
#: 1.39 s against 6 and 0.87 s; 300k x 100, 0.16 s against 0.12 s (k=19); gaps
#: all below 1e-10.
TARGET_ROWS_PER_PARAM = 150
MAX_HESSIAN_SUBSAMPLE = 64


#: ``"auto"``'s Newton also requires its decrement to certify a relative gap
#: of ``GAP_PER_TOL * tol`` (1e-10 at the default ``tol = 1e-4``). A gradient
#: of 1e-4 alone left breast cancer (C=1) at a gap of 1.9e-6 after 7
#: iterations; the 8th, which the decrement asks for, reached 1e-11.
GAP_PER_TOL = 1e-6


def auto_gap_tol(tol: float) -> float:
    """The ``gap_tol`` of ``"auto"``'s Newton for a gradient tolerance ``tol``.

    Parameters
    ----------
    tol : float
        The estimator's ``tol``.

    Returns
    -------
    float
        ``GAP_PER_TOL * tol``.
    """
    return GAP_PER_TOL * tol


def resolve_solver(
    name: str, n_samples: int, n_params: int, *, l1: bool = False, sparse: bool = False
) -> str:
    """Return the concrete solver for ``name`` (``"auto"`` resolved by shape).

    Parameters
    ----------
    name : str
        A registered solver name or ``"auto"``.
    n_samples : int
        Rows of the training data.
    n_params : int
        Length of the parameter vector.
    l1 : bool, default=False
        Whether the objective has an L1 term.
    sparse : bool, default=False
        Whether the rows are a sparse matrix: then the Hessian over every
        parameter is formed only up to :data:`MAX_SPARSE_NEWTON_PARAMS`.

    Returns
    -------
    str
        ``name`` itself, or for ``"auto"``: ``"newton"``/``"newton-cg"``, or
        ``"prox-newton"``/``"ws-prox-newton"`` with an L1 term.
    """
    if name != "auto":
        return name
    cap = MAX_SPARSE_NEWTON_PARAMS if sparse else MAX_NEWTON_PARAMS
    dense_hessian = n_params <= cap
    if l1:
        return "prox-newton" if dense_hessian else "ws-prox-newton"
    return "newton" if dense_hessian else "newton-cg"


def auto_hessian_subsample(n_samples: int, n_params: int) -> int:
    """Row step of ``"auto"``'s sub-sampled Newton Hessian; 1 means exact.

    Parameters
    ----------
    n_samples : int
        Rows of the training data.
    n_params : int
        Length of the parameter vector.

    Returns
    -------
    int
        1 when every :data:`HESSIAN_SUBSAMPLE`-th row would give fewer than
        :data:`MIN_ROWS_PER_PARAM` rows per parameter; else the step that
        keeps about :data:`TARGET_ROWS_PER_PARAM` rows per parameter, between
        :data:`HESSIAN_SUBSAMPLE` and :data:`MAX_HESSIAN_SUBSAMPLE`.
    """
    if n_samples < HESSIAN_SUBSAMPLE * MIN_ROWS_PER_PARAM * n_params:
        return 1
    step = n_samples // (TARGET_ROWS_PER_PARAM * n_params)
    return min(max(step, HESSIAN_SUBSAMPLE), MAX_HESSIAN_SUBSAMPLE)
