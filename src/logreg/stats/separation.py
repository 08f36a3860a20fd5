"""Whether the classes are separated: a certificate from the fit, else a linear program.

Without a penalty the maximum-likelihood estimate is finite exactly when no
hyperplane separates the classes (completely or quasi-completely); these
functions decide it, and name it in a warning and in the tables.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import linalg, optimize, sparse

__all__ = [
    "MAX_DENSIFIED",
    "MAX_SEPARATION_CONSTRAINTS",
    "all_on_their_side",
    "detect_separation",
    "finite_optimum_certified",
    "warn_if_separated",
]

#: The separation check solves a linear program with one constraint per row
#: and other class; beyond this many it is skipped (and the table says so).
MAX_SEPARATION_CONSTRAINTS = 200_000
#: The check densifies a sparse ``X`` only up to this many entries (128 MiB of
#: float64); a larger one is not checked.
MAX_DENSIFIED = 1 << 24


def all_on_their_side(
    scores: np.ndarray, y_encoded: np.ndarray, weights: np.ndarray
) -> bool:
    """Whether every weighted training row is on its class's side: complete separation.

    Parameters
    ----------
    scores : ndarray of shape (n_samples, n_rows)
        The fitted ``X W^T + b``.
    y_encoded : ndarray of int, shape (n_samples,)
    weights : ndarray of shape (n_samples,)
        Rows of zero weight are ignored.

    Returns
    -------
    bool
    """
    if scores.shape[1] == 1:
        margins = np.where(y_encoded == 1, scores[:, 0], -scores[:, 0])
    else:
        rows = np.arange(len(y_encoded))
        others = scores.copy()
        others[rows, y_encoded] = -np.inf
        margins = scores[rows, y_encoded] - others.max(axis=1)
    return bool(np.all(margins[weights > 0] > 0))


def detect_separation(
    X: np.ndarray,
    y_encoded: np.ndarray,
    weights: np.ndarray,
    n_classes: int,
    fit_intercept: bool,
    probabilities: np.ndarray | None = None,
) -> tuple[str, int]:
    """Whether a hyperplane separates the classes, completely or quasi-completely.

    The maximum-likelihood estimate is finite exactly when no nonzero
    direction ``B`` (one row per class, the first fixed at zero) satisfies
    ``(b_{y_i} - b_k) . x~_i >= 0`` for every row ``i`` and class ``k``
    (Albert & Anderson, 1984). Following Konis (2007), the linear program
    ``max sum of those margins`` over ``-1 <= B <= 1`` is zero unless such a
    direction exists; its solution also counts the rows it predicts
    perfectly.

    Given the fitted ``probabilities``, :func:`finite_optimum_certified`
    first tries to prove that no such direction exists; the linear program
    (about 3 ms even for tiny data, most of a small unpenalised fit) runs
    only when that proof fails.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        A sparse ``X`` is densified (up to :data:`MAX_DENSIFIED` entries).
    y_encoded : ndarray of int, shape (n_samples,)
    weights : ndarray of shape (n_samples,)
        Rows of zero weight are ignored.
    n_classes : int
    fit_intercept : bool
    probabilities : ndarray of shape (n_samples, n_classes), optional
        The fitted class probabilities of an unpenalised fit.

    Returns
    -------
    kind : str
        ``"none"``, ``"complete"``, ``"quasi-complete"``, or ``"not checked"``
        when the program would have more than ``MAX_SEPARATION_CONSTRAINTS``
        constraints or a sparse ``X`` too many entries to densify.
    n_separated : int
        Rows with a strictly positive margin against every other class in the
        separating direction: their fitted probability tends to 1.
    """
    if sparse.issparse(X):
        if X.shape[0] * X.shape[1] > MAX_DENSIFIED:
            return "not checked", 0  # the linear program needs dense rows
        X = X.toarray()
    keep = weights > 0
    X, y_encoded = X[keep].astype(np.float64), y_encoded[keep]
    n_samples = len(y_encoded)
    if n_samples * (n_classes - 1) > MAX_SEPARATION_CONSTRAINTS:
        return "not checked", 0
    if fit_intercept:
        X = np.hstack([X, np.ones((n_samples, 1))])
    if probabilities is not None and finite_optimum_certified(
        X, y_encoded, weights[keep], probabilities[keep]
    ):
        return "none", 0
    # Scaling columns changes no separating direction's existence but keeps
    # the program's bounds and tolerances meaningful for any feature units.
    scale = np.max(np.abs(X), axis=0)
    X = X / np.where(scale > 0, scale, 1.0)
    n_cols = X.shape[1]
    blocks = []
    for other in range(n_classes):
        rows = np.flatnonzero(y_encoded != other)
        # margin = (b_{y_i} - b_other) . x_i, with b_0 = 0 dropped.
        coefficients = sparse.lil_matrix((len(rows), (n_classes - 1) * n_cols))
        for own in range(1, n_classes):
            mine = rows[y_encoded[rows] == own]
            positions = np.searchsorted(rows, mine)
            columns = slice((own - 1) * n_cols, own * n_cols)
            coefficients[positions, columns] = X[mine]
        if other > 0:
            columns = slice((other - 1) * n_cols, other * n_cols)
            coefficients[:, columns] = -X[rows]
        blocks.append(coefficients.tocsr())
    margins = sparse.vstack(blocks).tocsr()
    result = optimize.linprog(
        -np.asarray(margins.sum(axis=0)).ravel(),
        A_ub=-margins,
        b_ub=np.zeros(margins.shape[0]),
        bounds=(-1, 1),
        method="highs",
    )
    if result.status != 0:  # pragma: no cover - bounded and feasible (B = 0)
        return "not checked", 0
    tolerance = 1e-7
    by_row = margins @ result.x
    separated = by_row > tolerance
    if not separated.any():
        return "none", 0
    # A row is perfectly predicted when its margin against every other
    # class is strictly positive.
    predicted = np.ones(n_samples, dtype=bool)
    offsets = np.cumsum([0] + [block.shape[0] for block in blocks])
    for other in range(n_classes):
        rows = np.flatnonzero(y_encoded != other)
        predicted[rows] &= separated[offsets[other] : offsets[other + 1]]
    kind = "complete" if bool(np.all(by_row > tolerance)) else "quasi-complete"
    return kind, int(predicted.sum())


#: The certificate of :func:`finite_optimum_certified` moves no multiplier by
#: more than this fraction of itself...
MAX_MULTIPLIER_CHANGE = 0.5
#: ...and is trusted only when every multiplier is at least this fraction of
#: the largest: its sums are exact only to rounding (about ``eps`` times the
#: number of rows times the largest multiplier), and a certificate resting on
#: multipliers that small proves nothing. Quasi-separated rows are fitted with
#: probabilities far below it (1e-75 on iris's sepal features).
MIN_MULTIPLIER_RATIO = 1e-8


def finite_optimum_certified(
    X: np.ndarray,
    y_encoded: np.ndarray,
    weights: np.ndarray,
    probabilities: np.ndarray,
) -> bool:
    """Whether fitted probabilities prove that the classes are not separated.

    Write the separation constraints as rows ``a_ik = (e_{y_i} - e_k) (x) x_i``
    for ``k != y_i``. By Stiemke's theorem of the alternative, no direction
    ``B`` has all ``a_ik . B >= 0`` with one of them positive (no complete or
    quasi-complete separation) exactly when some multipliers ``l_ik > 0``
    give ``sum l_ik a_ik = 0``. At an unpenalised fit, ``l_ik = s_i p_ik``
    gives ``sum l_ik a_ik = G``, the negated gradient of the loss sum: zero
    up to the solver's tolerance. The correction ``d_ik = l_ik (a_ik . u)``
    with ``(sum l_ik a_ik a_ik^T) u = -G`` (a Newton-like step, each
    multiplier changed in proportion to itself, so that rows fitted with
    tiny probabilities are not overwhelmed) makes the sum exactly zero; when
    no ``a_ik . u`` is below ``-MAX_MULTIPLIER_CHANGE`` the multipliers
    ``l + d`` stay positive and are the certificate.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_cols)
        Rows of positive weight, with the intercept's column of ones when the
        model has one; float64.
    y_encoded : ndarray of int, shape (n_samples,)
    weights : ndarray of shape (n_samples,)
        Positive.
    probabilities : ndarray of shape (n_samples, n_classes)
        Fitted class probabilities.

    Returns
    -------
    bool
        True when the certificate holds; False means "not proven" (the linear
        program decides).
    """
    n_samples, n_cols = X.shape
    n_classes = probabilities.shape[1]
    rows = np.arange(n_samples)
    # l_ik for k != y_i (0 at k = y_i, which is no constraint).
    multipliers = weights[:, None] * probabilities
    multipliers[rows, y_encoded] = 0.0
    own = np.zeros_like(multipliers, dtype=bool)
    own[rows, y_encoded] = True
    constraints = multipliers[~own]
    if not np.all(constraints > MIN_MULTIPLIER_RATIO * constraints.max()):
        return False
    residual = -multipliers
    residual[rows, y_encoded] = multipliers.sum(axis=1)
    gradient = residual.T @ X  # G = sum l_ik a_ik, shape (n_classes, n_cols)
    # sum_ik l_ik a_ik a_ik^T, block (a, b) = X^T diag(c_ab) X with, per row,
    # c_yy = sum_k l_ik, c_aa = l_ia, c_ya = c_ay = -l_ia, and 0 otherwise.
    normal = np.zeros((n_classes, n_cols, n_classes, n_cols))
    for a in range(n_classes):
        for b in range(a, n_classes):
            if a == b:
                weight = np.where(own[:, a], residual[:, a], multipliers[:, a])
            else:
                weight = np.where(own[:, a], -multipliers[:, b], 0.0)
                weight -= np.where(own[:, b], multipliers[:, a], 0.0)
            block = X.T @ (X * weight[:, None])
            normal[a, :, b, :] = block
            normal[b, :, a, :] = block.T
    size = n_classes * n_cols
    normal = normal.reshape(size, size)
    step = linalg.lstsq(normal, -gradient.ravel(), cond=1e-10)[0]
    # The correction must cancel G up to rounding: a part of G that the
    # cut-off left (a near-null direction of the normal matrix) voids it.
    left = np.abs(normal @ step + gradient.ravel()).max()
    if not left <= 1e-10 * float((np.abs(residual).T @ np.abs(X)).max()):
        return False
    scores = X @ step.reshape(n_classes, n_cols).T
    change = scores[rows, y_encoded][:, None] - scores  # a_ik . u
    return bool(np.all(change[~own] >= -MAX_MULTIPLIER_CHANGE))


def warn_if_separated(kind: str, n_rows: int, warning: type[Warning]) -> None:
    """Warn, naming the kind of separation, when there is one."""
    if kind == "complete":
        message = (
            "The training classes are perfectly separated by a hyperplane: with "
            "C=inf the maximum-likelihood coefficients are infinite, and the "
            "finite ones returned depend on tol and max_iter. Use firth=True "
            "(Firth's finite, bias-reduced estimates) or a finite C."
        )
    elif kind == "quasi-complete":
        message = (
            f"Quasi-complete separation: {n_rows} training rows are perfectly "
            "predicted by a hyperplane, so some maximum-likelihood coefficients "
            "are infinite (their standard errors are meaningless). Use firth=True "
            "(Firth's finite, bias-reduced estimates), a finite C, or drop the "
            "separating feature."
        )
    else:
        return
    warnings.warn(message, warning, stacklevel=5)
