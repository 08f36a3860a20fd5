"""Tests between and within models: likelihood-ratio and Wald chi-squared tests.

Both work on the stored inference sums, so they need no data and work on
models loaded from files. :func:`lr_test` equals statsmodels'
``compare_lr_test`` and R's ``anova(..., test="LRT")``; :func:`wald_test`
equals statsmodels' ``wald_test(..., use_f=False)`` and R's
``car::linearHypothesis(..., test="Chisq")``; :func:`anova` tabulates a
sequence of nested models as R's ``anova(..., test="LRT")`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from logreg.stats.summary import Summary

__all__ = ["ChiSquaredTest", "anova", "lr_test", "wald_test"]


@dataclass(frozen=True)
class ChiSquaredTest:
    """A test whose statistic is chi-squared with ``df`` degrees of freedom.

    Attributes
    ----------
    statistic : float
    df : int
    p_value : float
        ``P(chi2(df) >= statistic)``.
    """

    statistic: float
    df: int
    p_value: float

    def __str__(self) -> str:
        return f"chi2({self.df}) = {self.statistic:.4f}, P > chi2 = {self.p_value:.4g}"

    def _repr_html_(self) -> str:
        """One line of HTML, for Jupyter."""
        return (
            f"<p>&chi;<sup>2</sup>({self.df}) = {self.statistic:.4f}, "
            f"P &gt; &chi;<sup>2</sup> = {self.p_value:.4g}</p>"
        )


def _test(statistic: float, df: int) -> ChiSquaredTest:
    return ChiSquaredTest(
        float(statistic), int(df), float(stats.chi2.sf(statistic, df))
    )


def _unpenalised_summary(model: Any, name: str) -> Summary:
    if not np.isinf(model.C):
        raise ValueError(
            f"lr_test compares maximum-likelihood fits; the {name} model is "
            f"penalised (C={model.C!r}). Refit it with C=inf."
        )
    return model.summary()


def lr_test(restricted: Any, full: Any) -> ChiSquaredTest:
    """Likelihood-ratio test of a restricted model against a fuller one.

    ``statistic = 2 (LL_full - LL_restricted)`` with ``df`` the difference in
    the number of parameters, as statsmodels' ``compare_lr_test``.

    Parameters
    ----------
    restricted, full : LogisticRegression
        Unpenalised (``C=inf``) fits of the same rows and labels; every
        feature of ``restricted`` is one of ``full``'s (when both know their
        feature names), and ``full`` has more parameters.

    Returns
    -------
    ChiSquaredTest

    Raises
    ------
    ValueError
        If a model is penalised, or the two are not nested fits of the same
        rows: different classes, numbers of observations or class totals (the
        intercept-only log-likelihoods differ), a feature of ``restricted``
        missing from ``full``, no more parameters in ``full``, or a
        restricted fit better than the full one.
    """
    small = _unpenalised_summary(restricted, "restricted")
    large = _unpenalised_summary(full, "full")
    if small.classes != large.classes:
        raise ValueError(
            f"The models have different classes ({small.classes} and "
            f"{large.classes}): they were not fitted to the same labels."
        )
    same_rows = np.isclose(small.n_obs, large.n_obs, rtol=1e-12) and np.isclose(
        small.null_log_likelihood, large.null_log_likelihood, rtol=1e-9
    )
    if not same_rows:
        raise ValueError(
            f"The models were not fitted to the same rows: {small.n_obs:g} and "
            f"{large.n_obs:g} observations, intercept-only log-likelihoods "
            f"{small.null_log_likelihood:.6g} and {large.null_log_likelihood:.6g}."
        )
    names = (getattr(m, "feature_names_in_", None) for m in (restricted, full))
    small_names, large_names = names
    if small_names is not None and large_names is not None:
        missing = sorted(set(map(str, small_names)) - set(map(str, large_names)))
        if missing:
            raise ValueError(
                f"The models are not nested: the features {missing} of the "
                "restricted model are not in the full one."
            )
    df = len(large.to_frame()) - len(small.to_frame())
    if df <= 0:
        raise ValueError(
            f"The full model must have more parameters than the restricted one "
            f"(it has {df} more): pass lr_test(restricted, full)."
        )
    statistic = 2 * (large.log_likelihood - small.log_likelihood)
    # Nested maximum-likelihood fits: the full one is at least as good, up to
    # the rounding of the two log-likelihoods.
    if statistic < -1e-8 * max(abs(large.log_likelihood), 1.0):
        raise ValueError(
            "The full model fits worse than the restricted one (log-likelihood "
            f"{large.log_likelihood:.6g} < {small.log_likelihood:.6g}): the "
            "models are not nested."
        )
    return _test(max(statistic, 0.0), df)


def _restriction_rows(summary: Summary, terms: Sequence[Any]) -> np.ndarray:
    """Rows of the identity selecting ``terms`` from the reported estimates."""
    index = summary.to_frame().index
    rows = []
    for term in terms:
        if term in index:
            location = index.get_loc(term)
            rows.extend(np.arange(len(index))[location].ravel().tolist())
        elif index.nlevels > 1 and term in index.get_level_values("term"):
            # A term of a multinomial model: its coefficient in every class.
            rows.extend(np.flatnonzero(index.get_level_values("term") == term))
        else:
            raise ValueError(f"Unknown term {term!r}; the terms are {list(index)}.")
    if len(set(rows)) != len(rows):
        raise ValueError(f"A term is named twice in {list(terms)}.")
    return np.eye(len(index))[rows]


def wald_test(
    model: Any,
    terms: Any,
    q: Any = None,
    *,
    cov_type: str = "nonrobust",
) -> ChiSquaredTest:
    """Wald test of the linear hypothesis ``R beta = q`` on the reported estimates.

    ``statistic = (R b - q)^T (R V R^T)^{-1} (R b - q)``, chi-squared with
    ``rank(R)`` degrees of freedom, as statsmodels' ``wald_test(R, q,
    use_f=False)``.

    Parameters
    ----------
    model : LogisticRegression
        Fitted, with inference statistics.
    terms : sequence of str (or tuples), or array of shape (n_restrictions, n_terms)
        Names of reported terms, as in ``summary().to_frame().index``, to test
        jointly that they are zero (for a multinomial model a term name alone
        means its coefficient in every class), or the matrix ``R`` over the
        reported estimates in that order.
    q : array-like of shape (n_restrictions,), optional
        The hypothesised values; zeros by default.
    cov_type : {"nonrobust", "HC0", "HC1"}, default="nonrobust"

    Returns
    -------
    ChiSquaredTest

    Raises
    ------
    ValueError
        For unknown or repeated terms, an ``R`` of the wrong width, a ``q`` of
        the wrong length, or restrictions that are not linearly independent.
    """
    summary = model.summary(cov_type=cov_type)
    estimate = summary.to_frame()["coef"].to_numpy()
    if isinstance(terms, str):
        terms = [terms]
    R = np.asarray(terms)
    if R.dtype.kind in "biuf" and R.ndim in (1, 2):
        R = np.atleast_2d(R).astype(np.float64)
        if R.shape[1] != len(estimate):
            raise ValueError(
                f"R must have one column per reported term ({len(estimate)}), "
                f"got shape {R.shape}."
            )
    else:
        R = _restriction_rows(summary, list(terms))
    q = np.zeros(len(R)) if q is None else np.atleast_1d(np.asarray(q, float))
    if q.shape != (len(R),):
        raise ValueError(f"q must have {len(R)} values, got shape {q.shape}.")
    if np.linalg.matrix_rank(R) < len(R):
        raise ValueError("The restrictions are not linearly independent.")
    difference = R @ estimate - q
    middle = R @ summary.covariance @ R.T
    statistic = float(difference @ np.linalg.solve(middle, difference))
    return _test(statistic, len(R))


def anova(*models: Any) -> Any:
    """A table of nested unpenalised models, each tested against the one before.

    Like R's ``anova(m1, m2, ..., test="LRT")``: one row per model, in the
    order given (smallest first), with its fit statistics and the
    likelihood-ratio test (:func:`lr_test`) against the previous row.

    Parameters
    ----------
    *models : LogisticRegression
        At least two unpenalised fits of the same rows, each nested in the
        next.

    Returns
    -------
    pandas.DataFrame
        Indexed ``0, 1, ...``; columns ``n_params``, ``log_likelihood``,
        ``aic``, ``bic`` and ``lr_statistic``, ``df``, ``p_value`` (NaN on
        the first row).

    Raises
    ------
    ValueError
        With fewer than two models, or when a pair is not nested
        (:func:`lr_test`'s checks).
    """
    import pandas as pd

    if len(models) < 2:
        raise ValueError(f"anova compares two or more models, got {len(models)}.")
    rows = []
    for position, model in enumerate(models):
        summary = _unpenalised_summary(model, f"number {position}")
        test = lr_test(models[position - 1], model) if position else None
        rows.append(
            {
                "n_params": len(summary.to_frame()),
                "log_likelihood": summary.log_likelihood,
                "aic": summary.aic,
                "bic": summary.bic,
                "lr_statistic": np.nan if test is None else test.statistic,
                "df": np.nan if test is None else test.df,
                "p_value": np.nan if test is None else test.p_value,
            }
        )
    return pd.DataFrame(rows)
