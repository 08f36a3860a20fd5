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
  ``sandwich::vcovHC(type="HC1")``), refused when :math:`n \le k`, where the
  factor is infinite or negative. statsmodels applies no small-sample
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

from typing import Any

import numpy as np
from scipy import linalg

from logreg.link import host_parameters
from logreg.objective import flat_directions
from logreg.stats.statistics import MAX_INFERENCE_PARAMS, InferenceStatistics

__all__ = ["COV_TYPES"]


COV_TYPES = ("nonrobust", "HC0", "HC1")


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
            f"(this model has {estimator.coef_.size + estimator.intercept_.size}) "
            "and when every class has a positive total weight."
        )
    return statistics


class _Layout:
    """Where each reported term sits in the fitted parameter vector.

    Reported parameters are the coefficient rows in term order (intercept
    first) and, for multinomial models, the contrasts with the first class.
    """

    def __init__(self, estimator: Any) -> None:
        self.n_rows, n_features = np.shape(estimator.coef_)
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


def _cluster_meat(estimator: Any, groups: Any) -> tuple[np.ndarray, int]:
    """``sum_g S_g S_g^T`` of the per-group score sums, and the number of groups."""
    if groups is None:
        raise ValueError("cov_type='cluster' needs groups=, one label per row.")
    objective = getattr(estimator, "_training_objective", None)
    if objective is None:
        raise ValueError(
            "cov_type='cluster' sums the scores of each group's rows, so it needs "
            "the training rows: they are kept after an unpenalised fit of rows "
            "in memory, not in a model file, a copy, or a Dask or file fit."
        )
    groups = np.asarray(groups)
    if groups.shape != (objective.n_samples,):
        raise ValueError(
            f"groups must have one label per training row ({objective.n_samples}), "
            f"got shape {groups.shape}."
        )
    labels, codes = np.unique(groups, return_inverse=True)
    if len(labels) < 2:
        raise ValueError("cov_type='cluster' needs at least 2 groups.")
    w = objective.pack(*host_parameters(estimator))
    sums = objective.grouped_scores(w, codes, len(labels))
    return sums.T @ sums, len(labels)


def _check_residual_df(n_obs: float, n_reported: int, cov_type: str) -> None:
    """Refuse a small-sample factor ``n / (n - k)`` that is infinite or negative."""
    if n_obs <= n_reported:
        raise ValueError(
            f"cov_type={cov_type!r} scales the sandwich by n / (n - k), which needs "
            f"more observations (n = {n_obs:g}) than reported parameters "
            f"(k = {n_reported}); use cov_type='HC0', which has no such factor, "
            "or more data."
        )


def _covariance_of_params(
    estimator: Any,
    statistics: InferenceStatistics,
    cov_type: str,
    groups: Any = None,
) -> np.ndarray:
    """Covariance of the full parameter vector (a pseudo-inverse for multinomial).

    ``cov_type="cluster"`` is the sandwich with the per-group score sums as
    its meat, times ``G / (G - 1) * (N - 1) / (N - K)`` for ``G`` groups,
    ``N`` observations and ``K`` reported parameters (statsmodels' default
    correction).

    Returns
    -------
    ndarray of shape (n_params, n_params)
    """
    if cov_type not in (*COV_TYPES, "cluster"):
        raise ValueError(
            f"cov_type must be one of {[*COV_TYPES, 'cluster']}, got {cov_type!r}."
        )
    layout = _Layout(estimator)
    n_reported = layout.contrasts().shape[0]
    if cov_type in ("HC1", "cluster"):
        _check_residual_df(statistics.n_obs, n_reported, cov_type)
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
    if cov_type == "cluster":
        meat, n_groups = _cluster_meat(estimator, groups)
        n_obs = statistics.n_obs
        factor = n_groups / (n_groups - 1) * (n_obs - 1) / (n_obs - n_reported)
        return factor * (bread @ meat @ bread)
    covariance = bread @ statistics.score_outer @ bread
    if cov_type == "HC1":
        covariance *= statistics.n_obs / (statistics.n_obs - n_reported)
    return covariance
