r"""Statistical inference for a fitted :class:`~logreg.LogisticRegression`.

At the end of ``fit`` the estimator computes, in one pass over the data, the
sums that inference needs (:class:`InferenceStatistics`): the log-likelihood,
the Fisher information :math:`I = \sum_i s_i \nabla^2 \ell_i` and the outer
product of the per-row scores :math:`M = \sum_i s_i g_i g_i^\top`. Everything
below is then small dense linear algebra on those sums, so ``summary()`` needs
no data and works on a model loaded from a file.

**Covariance.** With the penalty :math:`P` (``1/C`` on every coefficient, zero
on intercepts), :math:`H = I + P` is the Hessian of the penalised negative
log-likelihood, and

* ``cov_type="nonrobust"``: :math:`V = H^{-1}` (the inverse Fisher
  information when ``C = inf``: statsmodels' ``Logit``/``GLM``);
* ``"HC0"``: the sandwich :math:`V = H^{-1} M H^{-1}` (White/Huber);
* ``"HC1"``: ``HC0`` times :math:`n / (n - k)` (MacKinnon & White; R's
  ``sandwich::vcovHC(type="HC1")``). statsmodels applies no small-sample
  correction to discrete models, so its ``Logit`` ``HC1`` equals its ``HC0``.

For a penalised fit (``C < inf``) :math:`H^{-1}` is the Laplace approximation to
the posterior covariance under the Gaussian prior :math:`N(0, C)` that the
penalty implies. Those intervals are conditional on the chosen ``C``, shrunk
towards zero, and are not classical confidence intervals. The printed table
says so.

**Weights.** ``sample_weight`` (times class weights) are frequency weights: a
weight of 2 counts like a repeated row, as in statsmodels ``GLM(...,
freq_weights=...)``; the number of observations is their sum.

**Multinomial.** The model is fitted in the symmetric parametrisation (one
row per class). Inference reports the identifiable contrasts
:math:`\beta_k - \beta_0` for classes ``k = 1..K-1``, relative to the first
class, as statsmodels ``MNLogit`` does. Their covariance is
:math:`A H^{+} A^\top`, where :math:`A` forms the contrasts and :math:`H^{+}`
is computed as :math:`(H + V V^\top)^{-1}` with :math:`V` the directions that
change no probability (:func:`logreg.objective.flat_directions`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from scipy import linalg, optimize, sparse, stats

from logreg.objective import LogisticObjective, flat_directions

__all__ = [
    "MAX_INFERENCE_PARAMS",
    "InferenceStatistics",
    "MarginalEffects",
    "Summary",
    "coefficient_frame",
    "compute_statistics",
    "detect_separation",
    "format_table",
    "warn_if_separated",
]

#: ``fit`` stores inference statistics only up to this many parameters: the two
#: matrices cost ``n_params**2`` floats each and a pass of ``n_params**2`` flops
#: per row.
MAX_INFERENCE_PARAMS = 2000
#: The separation check solves a linear program with one constraint per row
#: and other class; beyond this many it is skipped (and the table says so).
MAX_SEPARATION_CONSTRAINTS = 200_000
#: The check densifies a sparse ``X`` only up to this many entries (128 MiB of
#: float64); a larger one is not checked.
MAX_DENSIFIED = 1 << 24
COV_TYPES = ("nonrobust", "HC0", "HC1")
_SEPARATION_KINDS = ("none", "complete", "quasi-complete", "not checked")


@dataclass(frozen=True)
class InferenceStatistics:
    """Sums over the training data at the fitted parameters.

    Matrices are in the parameter layout of :mod:`logreg.objective` (one row
    per class, intercept last), unscaled and without the penalty.

    Attributes
    ----------
    n_obs : float
        Sum of the weights (the number of observations for frequency weights).
    log_likelihood : float
        ``-sum_i s_i loss_i`` at the fitted parameters.
    null_log_likelihood : float
        The log-likelihood of the intercept-only model,
        ``sum_k S_k log(S_k / S)`` with ``S_k`` the weight of class ``k``.
    fisher : ndarray of shape (n_params, n_params)
        Observed information: the Hessian of minus the log-likelihood.
    score_outer : ndarray of shape (n_params, n_params)
        ``sum_i s_i g_i g_i^T``, the meat of the sandwich covariance.
    slope : float
        Binary only: ``sum_i s_i p_i (1 - p_i)`` (average marginal effects).
    slope_gradient : ndarray of shape (n_cols,)
        Binary only: ``sum_i s_i p_i (1 - p_i)(1 - 2 p_i) x~_i``.
    separation : str
        ``"none"``, ``"complete"``, ``"quasi-complete"`` or ``"not checked"``.
    separated_rows : int
        Rows that a separating direction predicts perfectly (0 when none).
    """

    n_obs: float
    log_likelihood: float
    null_log_likelihood: float
    fisher: np.ndarray
    score_outer: np.ndarray
    slope: float
    slope_gradient: np.ndarray
    separation: str = "not checked"
    separated_rows: int = 0

    def to_state(self) -> dict[str, Any]:
        """A dict of floats, ints, strings and arrays, for a model file."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> InferenceStatistics:
        """Rebuild from :meth:`to_state`'s dict, checking every field.

        Raises
        ------
        ValueError
            When a field is missing, of the wrong kind or shape.
        """
        if not isinstance(state, dict) or set(state) != {f.name for f in fields(cls)}:
            raise ValueError("inference statistics: unexpected fields")
        fisher = np.asarray(state["fisher"], dtype=np.float64)
        outer = np.asarray(state["score_outer"], dtype=np.float64)
        if fisher.ndim != 2 or fisher.shape[0] != fisher.shape[1]:
            raise ValueError("inference statistics: fisher is not a square matrix")
        if outer.shape != fisher.shape:
            raise ValueError("inference statistics: score_outer has the wrong shape")
        if state["separation"] not in _SEPARATION_KINDS:
            raise ValueError("inference statistics: unknown separation kind")
        return cls(
            n_obs=float(state["n_obs"]),
            log_likelihood=float(state["log_likelihood"]),
            null_log_likelihood=float(state["null_log_likelihood"]),
            fisher=fisher,
            score_outer=outer,
            slope=float(state["slope"]),
            slope_gradient=np.asarray(state["slope_gradient"], dtype=np.float64),
            separation=str(state["separation"]),
            separated_rows=int(state["separated_rows"]),
        )


def compute_statistics(
    objective: LogisticObjective,
    w: np.ndarray,
    separation: tuple[str, int] = ("not checked", 0),
) -> InferenceStatistics:
    """One pass over the data at the fitted ``w``: everything inference needs.

    Parameters
    ----------
    objective : LogisticObjective
        The objective that was minimised.
    w : ndarray of shape (n_params,)
        The fitted parameters.
    separation : (str, int)
        The result of :func:`detect_separation`.

    Returns
    -------
    InferenceStatistics
    """
    sums = objective.information_sums(w)
    present = sums.class_weights[sums.class_weights > 0]
    total = float(np.sum(present))
    return InferenceStatistics(
        n_obs=total,
        log_likelihood=-sums.loss,
        null_log_likelihood=float(np.sum(present * np.log(present / total))),
        fisher=sums.hessian,
        score_outer=sums.score_outer,
        slope=sums.slope,
        slope_gradient=sums.slope_gradient,
        separation=separation[0],
        separated_rows=separation[1],
    )


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


def _term_names(estimator: Any) -> list[str]:
    """``"intercept"`` (when fitted) then the feature names or ``x0, x1, ...``."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        names = [f"x{j}" for j in range(estimator.n_features_in_)]
    terms = [str(name) for name in names]
    return (["intercept"] if estimator.fit_intercept else []) + terms


def _statistics(estimator: Any) -> InferenceStatistics:
    """The fitted estimator's statistics, or a clear error saying why there are none."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    statistics = estimator._inference_statistics()
    if statistics is None:
        raise ValueError(
            "This model has no inference statistics: they are computed at fit time "
            f"only for at most {MAX_INFERENCE_PARAMS} parameters "
            f"(this model has {estimator.coef_.size + estimator.intercept_.size})."
        )
    return statistics


class _Layout:
    """Where each reported term sits in the fitted parameter vector.

    Reported parameters are the coefficient rows in term order (intercept
    first) and, for multinomial models, the contrasts with the first class.
    """

    def __init__(self, estimator: Any) -> None:
        self.n_rows, n_features = estimator.coef_.shape
        self.fit_intercept = bool(estimator.fit_intercept)
        self.n_cols = n_features + int(self.fit_intercept)
        self.penalised = not np.isinf(estimator.C)
        order = list(range(n_features))
        if self.fit_intercept:
            order = [n_features, *order]
        self.order = np.array(order)

    def penalty(self, C: float) -> np.ndarray:
        """Diagonal of the penalty's Hessian ``1/C`` (zero on intercepts)."""
        mask = np.ones((self.n_rows, self.n_cols))
        if self.fit_intercept:
            mask[:, -1] = 0.0
        return mask.ravel() / C

    def contrasts(self) -> np.ndarray:
        """Matrix mapping the parameter vector to the reported parameters.

        Binary: a permutation into term order. Multinomial: row ``k`` minus
        row 0 for ``k = 1..K-1``, each in term order.

        Returns
        -------
        ndarray of shape (n_reported, n_params)
        """
        n_params = self.n_rows * self.n_cols
        identity = np.eye(n_params).reshape(self.n_rows, self.n_cols, n_params)
        if self.n_rows == 1:
            return identity[0][self.order]
        return np.vstack(
            [(identity[k] - identity[0])[self.order] for k in range(1, self.n_rows)]
        )

    def flat(self) -> np.ndarray:
        """Directions that change no probability, shape (n_params, n_flat)."""
        return flat_directions(
            self.n_rows, self.n_cols, self.fit_intercept, penalised=self.penalised
        )


def _covariance_of_params(
    estimator: Any, statistics: InferenceStatistics, cov_type: str
) -> np.ndarray:
    """Covariance of the full parameter vector (a pseudo-inverse for multinomial).

    Returns
    -------
    ndarray of shape (n_params, n_params)
    """
    if cov_type not in COV_TYPES:
        raise ValueError(
            f"cov_type must be one of {list(COV_TYPES)}, got {cov_type!r}."
        )
    layout = _Layout(estimator)
    hessian = statistics.fisher.copy()
    hessian[np.diag_indices_from(hessian)] += layout.penalty(float(estimator.C))
    flat = layout.flat()
    information = hessian + flat @ flat.T
    singular = ValueError(
        "The information matrix is singular: some combination of the features "
        "is constant or repeats another (e.g. every one-hot level of a column "
        "plus the intercept), or a class is separated. Standard errors do not "
        "exist for this fit; drop the redundant columns or use a finite C."
    )
    finite = np.all(np.isfinite(information))
    eigenvalues = np.linalg.eigvalsh(information) if finite else None
    # Beyond this condition number the inverse has no correct digits left
    # worth printing (a one-hot column plus intercept gave rcond 1.9e-19).
    if not finite or eigenvalues[0] <= eigenvalues[-1] * 1e-12:
        if statistics.separation in ("complete", "quasi-complete"):
            # The table prints NaN next to the note naming the separation.
            return np.full_like(information, np.nan)
        raise singular
    bread = linalg.inv(information)
    if cov_type == "nonrobust":
        return bread
    covariance = bread @ statistics.score_outer @ bread
    if cov_type == "HC1":
        n_reported = layout.contrasts().shape[0]
        covariance *= statistics.n_obs / (statistics.n_obs - n_reported)
    return covariance


def _penalty_note(C: float) -> str | None:
    if np.isinf(C):
        return None
    return (
        f"Penalised fit (C={C:g}): standard errors are from the inverse penalised "
        "Hessian, the approximate posterior under the Gaussian prior N(0, C) on "
        "each coefficient. They are conditional on C and shrunk towards zero; "
        "z, P>|z| and the intervals are not classical tests or confidence "
        "intervals. Refit with C=inf for classical (maximum-likelihood) inference."
    )


def _separation_note(statistics: InferenceStatistics) -> str | None:
    if statistics.separation == "complete":
        return (
            "Complete separation: a hyperplane splits the classes, so the "
            "maximum-likelihood coefficients are infinite; the numbers above "
            "depend on tol and max_iter and mean nothing."
        )
    if statistics.separation == "quasi-complete":
        return (
            f"Quasi-complete separation: {statistics.separated_rows} rows are "
            "perfectly predicted, so some maximum-likelihood coefficients are "
            "infinite; their estimates and standard errors are meaningless."
        )
    return None


def coefficient_frame(
    index: Any,
    estimate: np.ndarray,
    std_err: np.ndarray,
    alpha: float,
    estimate_name: str,
) -> Any:
    """The coefficient table: estimate, std error, z, p-value and interval.

    Parameters
    ----------
    index : pandas.Index
        One entry per estimate (a term, or a ``(class, term)`` pair).
    estimate, std_err : ndarray of shape (n_terms,)
    alpha : float
        The interval is ``1 - alpha``, from the normal distribution.
    estimate_name : str
        Name of the first column (``"coef"``, ``"dy_dx"``).

    Returns
    -------
    pandas.DataFrame
        Columns ``estimate_name, std_err, z, p_value, ci_low, ci_high``.
    """
    import pandas as pd

    z = estimate / std_err
    critical = stats.norm.ppf(1 - alpha / 2)
    return pd.DataFrame(
        {
            estimate_name: estimate,
            "std_err": std_err,
            "z": z,
            "p_value": 2 * stats.norm.sf(np.abs(z)),
            "ci_low": estimate - critical * std_err,
            "ci_high": estimate + critical * std_err,
        },
        index=index,
    )


def _check_alpha(alpha: float) -> float:
    is_number = isinstance(alpha, float | int) and not isinstance(alpha, bool)
    if not is_number or not 0 < alpha < 1:
        raise ValueError(f"alpha must be a number in (0, 1), got {alpha!r}.")
    return float(alpha)


def _format_number(value: float) -> str:
    """Right-aligned, fixed width, like statsmodels' tables."""
    if not np.isfinite(value):
        return f"{value:>10}"
    if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-4):
        return f"{value:>10.3e}"
    return f"{value:>10.4f}"


def format_table(
    frame: Any, estimate_name: str, alpha: float, term_header: str
) -> list[str]:
    """The coefficient block of a printed table, as statsmodels lays it out.

    Parameters
    ----------
    frame : pandas.DataFrame
        As :func:`coefficient_frame` returns it.
    estimate_name : str
        Header of the estimate column.
    alpha : float
        For the interval headers ``[alpha/2`` and ``1-alpha/2]``.
    term_header : str
        Header of the term column.

    Returns
    -------
    list of str
        A header, a rule and one line per row.
    """
    low, high = f"[{alpha / 2:g}", f"{1 - alpha / 2:g}]"
    labels = [
        " : ".join(str(part) for part in key) if isinstance(key, tuple) else str(key)
        for key in frame.index
    ]
    width = max(len(term_header), *(len(label) for label in labels)) + 2
    header = (
        f"{term_header:<{width}}{estimate_name:>10} {'std err':>10} {'z':>10} "
        f"{'P>|z|':>10} {low:>10} {high:>10}"
    )
    lines = [header, "-" * len(header)]
    for label, row in zip(labels, frame.itertuples(index=False), strict=True):
        numbers = " ".join(_format_number(value) for value in row)
        lines.append(f"{label:<{width}}{numbers}")
    return lines


def _class_list(classes: list, width: int) -> str:
    """The class labels, shortened to ``first, ..., last (K)`` when too wide."""
    full = ", ".join(str(label) for label in classes)
    if len(full) <= width:
        return full
    return f"{classes[0]!s}, ..., {classes[-1]!s} ({len(classes)})"


def _numbered_notes(notes: list[str], width: int) -> list[str]:
    """``Notes:`` then ``[1] ...``, each note wrapped to ``width``; none if empty."""
    import textwrap

    lines = ["Notes:"] if notes else []
    for number, note in enumerate(notes, 1):
        wrapped = textwrap.wrap(note, width - 5) or [""]
        lines.append(f"[{number}] {wrapped[0]}")
        lines.extend(f"    {line}" for line in wrapped[1:])
    return lines


class Summary:
    """Coefficient table and fit statistics, as statsmodels and R print them.

    Build it with :meth:`logreg.LogisticRegression.summary`.

    Parameters
    ----------
    estimator : LogisticRegression
        A fitted model with inference statistics.
    alpha : float, default=0.05
        The intervals are ``1 - alpha`` (95% by default).
    cov_type : {"nonrobust", "HC0", "HC1"}, default="nonrobust"
        The covariance of the estimates (see the module docstring).

    Attributes
    ----------
    log_likelihood, null_log_likelihood : float
        Log-likelihood of the fitted and of the intercept-only model.
    llr, llr_p_value : float
        Likelihood-ratio statistic ``2 (LL - LL_null)`` and its chi-squared
        p-value with ``df_model`` degrees of freedom.
    pseudo_r2 : float
        McFadden's ``1 - LL / LL_null``.
    aic, bic : float
        ``-2 LL + 2 k`` and ``-2 LL + k log(n_obs)`` for ``k`` parameters.
    n_obs : float
        Number of observations (sum of frequency weights).
    df_model, df_resid : float
        Non-intercept parameters, and ``n_obs - k``.
    covariance : ndarray of shape (n_terms, n_terms)
        Covariance of the reported estimates, in the order of :meth:`to_frame`.
    penalised : bool
        Whether the fit was penalised (``C < inf``); see ``notes``.
    separation : str
        ``"none"``, ``"complete"``, ``"quasi-complete"`` or ``"not checked"``.
    notes : list of str
        What the reader must know to interpret the numbers.
    """

    def __init__(
        self, estimator: Any, alpha: float = 0.05, cov_type: str = "nonrobust"
    ) -> None:
        self.alpha = _check_alpha(alpha)
        statistics = _statistics(estimator)
        layout = _Layout(estimator)
        contrasts = layout.contrasts()
        self.cov_type = cov_type
        self.covariance = (
            contrasts @ _covariance_of_params(estimator, statistics, cov_type)
        ) @ contrasts.T
        params = np.hstack([estimator.coef_, estimator.intercept_[:, None]])
        if not layout.fit_intercept:
            params = estimator.coef_
        self._estimate = contrasts @ params.astype(np.float64).ravel()
        self._estimator_facts(estimator)
        self._likelihood_facts(statistics, len(self._estimate), layout.fit_intercept)
        self._index = self._build_index(estimator)
        self.separation = statistics.separation
        self.penalised = layout.penalised
        notes = (_penalty_note(float(estimator.C)), _separation_note(statistics))
        self.notes = [note for note in notes if note]
        if layout.n_rows > 1:
            self.notes.append(
                f"Multinomial coefficients are relative to the first class "
                f"({self.classes[0]!s}), as in statsmodels MNLogit."
            )

    def _estimator_facts(self, estimator: Any) -> None:
        self.classes = list(estimator.classes_)
        self.solver = str(estimator.solver_)
        self.n_iter = int(estimator.n_iter_)
        self.converged = bool(estimator.converged_)
        self.C = float(estimator.C)

    def _likelihood_facts(
        self, statistics: InferenceStatistics, n_params: int, fit_intercept: bool
    ) -> None:
        self.n_obs = statistics.n_obs
        self.log_likelihood = statistics.log_likelihood
        self.null_log_likelihood = statistics.null_log_likelihood
        n_intercepts = max(len(self.classes) - 1, 1) * int(fit_intercept)
        self.df_model = float(n_params - n_intercepts)
        self.df_resid = self.n_obs - n_params
        self.llr = 2 * (self.log_likelihood - self.null_log_likelihood)
        self.llr_p_value = float(stats.chi2.sf(self.llr, self.df_model))
        self.pseudo_r2 = 1 - self.log_likelihood / self.null_log_likelihood
        self.aic = -2 * self.log_likelihood + 2 * n_params
        self.bic = -2 * self.log_likelihood + np.log(self.n_obs) * n_params

    def _build_index(self, estimator: Any) -> Any:
        import pandas as pd

        terms = _term_names(estimator)
        if estimator.coef_.shape[0] == 1:
            return pd.Index(terms, name="term")
        pairs = [(cls, term) for cls in estimator.classes_[1:] for term in terms]
        return pd.MultiIndex.from_tuples(pairs, names=["class", "term"])

    def to_frame(self) -> Any:
        """The coefficient table as a pandas DataFrame.

        Returns
        -------
        pandas.DataFrame
            Indexed by term (``"intercept"`` first) or, for multinomial models,
            by ``(class, term)``; columns ``coef, std_err, z, p_value, ci_low,
            ci_high``.
        """
        std_err = np.sqrt(np.diag(self.covariance))
        return coefficient_frame(
            self._index, self._estimate, std_err, self.alpha, "coef"
        )

    def __str__(self) -> str:
        frame = self.to_frame()
        table = format_table(frame, "coef", self.alpha, "term")
        width = max(78, len(table[0]))
        penalty = "none (C=inf)" if not self.penalised else f"L2, C={self.C:g}"
        left = [
            ("Model:", "Logit" if len(self.classes) == 2 else "MNLogit"),
            ("Classes:", _class_list(self.classes, width // 2 - 15)),
            ("Penalty:", penalty),
            ("Solver:", self.solver),
            ("Converged:", str(self.converged)),
            ("Iterations:", str(self.n_iter)),
            ("Covariance:", self.cov_type),
        ]
        right = [
            ("No. observations:", f"{self.n_obs:g}"),
            ("Df residuals:", f"{self.df_resid:g}"),
            ("Df model:", f"{self.df_model:g}"),
            ("Log-likelihood:", f"{self.log_likelihood:#.5g}"),
            ("LL-null:", f"{self.null_log_likelihood:#.5g}"),
            ("LLR p-value:", f"{self.llr_p_value:.4g}"),
            ("Pseudo R-squ.:", f"{self.pseudo_r2:.4f}"),
            ("AIC:", f"{self.aic:#.5g}"),
            ("BIC:", f"{self.bic:#.5g}"),
        ]
        half = width // 2
        facts = []
        for row in range(max(len(left), len(right))):
            l_key, l_val = left[row] if row < len(left) else ("", "")
            r_key, r_val = right[row] if row < len(right) else ("", "")
            facts.append(
                f"{l_key:<13}{l_val:>{half - 15}}  {r_key:<18}{r_val:>{half - 20}}"
            )
        title = "Logistic regression results"
        lines = [title.center(width), "=" * width, *facts, "=" * width, *table]
        lines.append("=" * width)
        return "\n".join(lines + _numbered_notes(self.notes, width))

    def __repr__(self) -> str:
        return self.__str__()


class MarginalEffects:
    """Average marginal effects ``d P(y=1) / d x_j`` of a binary model.

    ``AME_j = mean_i p_i (1 - p_i) beta_j`` over the (weighted) training rows,
    with delta-method standard errors, as statsmodels'
    ``get_margeff(at="overall", method="dydx")``.

    Parameters
    ----------
    estimator : LogisticRegression
        A fitted binary model with inference statistics.
    alpha : float, default=0.05
    cov_type : {"nonrobust", "HC0", "HC1"}, default="nonrobust"

    Attributes
    ----------
    covariance : ndarray of shape (n_features, n_features)
    notes : list of str
    """

    def __init__(
        self, estimator: Any, alpha: float = 0.05, cov_type: str = "nonrobust"
    ) -> None:
        self.alpha = _check_alpha(alpha)
        statistics = _statistics(estimator)
        if estimator.coef_.shape[0] != 1:
            raise ValueError(
                "Average marginal effects are implemented for binary models only; "
                f"this model has {len(estimator.classes_)} classes."
            )
        beta = estimator.coef_[0].astype(np.float64)
        mean_slope = statistics.slope / statistics.n_obs
        # d AME_j / d w = mean_slope e_j + beta_j * mean_i(p(1-p)(1-2p) x~_i),
        # with w = [beta, intercept] in the objective's layout.
        jacobian = np.outer(beta, statistics.slope_gradient / statistics.n_obs)
        jacobian[:, : len(beta)] += mean_slope * np.eye(len(beta))
        params_cov = _covariance_of_params(estimator, statistics, cov_type)
        self.covariance = jacobian @ params_cov @ jacobian.T
        self._effects = mean_slope * beta
        names = _term_names(estimator)[int(bool(estimator.fit_intercept)) :]
        self._names = names
        self.cov_type = cov_type
        self.notes = [note for note in (_penalty_note(float(estimator.C)),) if note]

    def to_frame(self) -> Any:
        """The effects as a pandas DataFrame.

        Returns
        -------
        pandas.DataFrame
            Indexed by feature; columns ``dy_dx, std_err, z, p_value, ci_low,
            ci_high``.
        """
        import pandas as pd

        std_err = np.sqrt(np.diag(self.covariance))
        index = pd.Index(self._names, name="term")
        return coefficient_frame(index, self._effects, std_err, self.alpha, "dy_dx")

    def __str__(self) -> str:
        table = format_table(self.to_frame(), "dy/dx", self.alpha, "term")
        width = max(78, len(table[0]))
        lines = [
            "Average marginal effects".center(width),
            "=" * width,
            f"Method: dy/dx, averaged over the training rows; covariance: "
            f"{self.cov_type}",
            "=" * width,
            *table,
            "=" * width,
        ]
        return "\n".join(lines + _numbered_notes(self.notes, width))

    def __repr__(self) -> str:
        return self.__str__()


def warn_if_separated(kind: str, n_rows: int, warning: type[Warning]) -> None:
    """Warn, naming the kind of separation, when there is one."""
    if kind == "complete":
        message = (
            "The training classes are perfectly separated by a hyperplane: with "
            "C=inf the maximum-likelihood coefficients are infinite, and the "
            "finite ones returned depend on tol and max_iter. Use a finite C for "
            "meaningful coefficients."
        )
    elif kind == "quasi-complete":
        message = (
            f"Quasi-complete separation: {n_rows} training rows are perfectly "
            "predicted by a hyperplane, so some maximum-likelihood coefficients "
            "are infinite (their standard errors are meaningless). Use a finite "
            "C, or drop the separating feature."
        )
    else:
        return
    warnings.warn(message, warning, stacklevel=5)
