"""Intervals a reader asks for next: odds ratios, and probabilities with bounds.

Both come from the reported estimates and their covariance
(:class:`~logreg.stats.summary.Summary`), on the scale where the estimates are
approximately normal (log-odds), then transformed: odds-ratio bounds are
``exp`` of the coefficient's, probability bounds ``sigmoid`` of the linear
predictor's, so they stay positive and in [0, 1], as R users compute them
from ``predict(type="link", se.fit=TRUE)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse, stats
from sklearn.utils.validation import validate_data

from logreg._math import sigmoid

__all__ = ["format_odds_ratios", "odds_ratios", "predict_interval"]


def odds_ratios(frame: Any) -> Any:
    """``exp`` of the coefficients and of their interval bounds.

    Parameters
    ----------
    frame : pandas.DataFrame
        A coefficient table with ``coef``, ``ci_low`` and ``ci_high`` columns
        (``Summary.to_frame()``, or the CLI's table in the columns' units).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``frame``, columns ``odds_ratio``, ``ci_low`` and
        ``ci_high``. For a multinomial model these are relative-risk ratios
        against the first class.
    """
    import pandas as pd

    return pd.DataFrame(
        {
            "odds_ratio": np.exp(frame["coef"].to_numpy()),
            "ci_low": np.exp(frame["ci_low"].to_numpy()),
            "ci_high": np.exp(frame["ci_high"].to_numpy()),
        },
        index=frame.index,
    )


def format_odds_ratios(
    frame: Any, alpha: float, term_header: str = "term"
) -> list[str]:
    """The printed odds-ratio table: a header, a rule and one line per term.

    Parameters
    ----------
    frame : pandas.DataFrame
        As :func:`odds_ratios` returns it.
    alpha : float
        For the interval headers.
    term_header : str, default="term"

    Returns
    -------
    list of str
    """
    low, high = f"[{alpha / 2:g}", f"{1 - alpha / 2:g}]"
    labels = [
        " : ".join(map(str, key)) if isinstance(key, tuple) else str(key)
        for key in frame.index
    ]
    width = max(len(term_header), *(len(label) for label in labels)) + 2
    header = f"{term_header:<{width}}{'odds ratio':>12} {low:>12} {high:>12}"
    lines = [header, "-" * len(header)]
    for label, row in zip(labels, frame.itertuples(index=False), strict=True):
        numbers = " ".join(f"{value:>12.4g}" for value in row)
        lines.append(f"{label:<{width}}{numbers}")
    return lines


def predict_interval(model: Any, X: Any, alpha: float = 0.05) -> Any:
    """Probabilities of class ``classes_[1]`` with delta-method intervals.

    The interval of the linear predictor ``eta = x~ b`` is
    ``eta +- z_{1-alpha/2} sqrt(x~ V x~^T)``, with ``V`` the covariance of the
    estimates; its bounds go through the sigmoid.

    Parameters
    ----------
    model : LogisticRegression
        A fitted binary model with inference statistics.
    X : array-like or sparse matrix of shape (n_samples, n_features)
        Rows in host memory (NumPy, SciPy sparse, pandas).
    alpha : float, default=0.05
        The intervals are ``1 - alpha``.

    Returns
    -------
    pandas.DataFrame
        Columns ``proba``, ``ci_low`` and ``ci_high``; one row per row of
        ``X`` (the index of a DataFrame ``X`` is kept).

    Raises
    ------
    ValueError
        For a multinomial model, an invalid ``alpha``, or an invalid ``X``.
    """
    import pandas as pd

    if len(model.classes_) != 2:
        raise ValueError(
            "predict_interval is for binary models only; this model has "
            f"{len(model.classes_)} classes."
        )
    summary = model.summary(alpha=alpha)
    index = X.index if isinstance(X, pd.DataFrame) else None
    rows = validate_data(
        model, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False
    ).astype(np.float64)
    n_samples = rows.shape[0]
    if model.fit_intercept:  # the reported order: intercept first
        ones = np.ones((n_samples, 1))
        if sparse.issparse(rows):
            rows = sparse.hstack([ones, rows], format="csr")
        else:
            rows = np.hstack([ones, rows])
    estimate = summary.to_frame()["coef"].to_numpy()
    eta = np.asarray(rows @ estimate).ravel()
    product = np.asarray(rows @ summary.covariance)  # x~ V, row by row
    if sparse.issparse(rows):
        variance = np.asarray(rows.multiply(product).sum(axis=1)).ravel()
    else:
        variance = np.einsum("ij,ij->i", product, rows)
    half_width = stats.norm.ppf(1 - summary.alpha / 2) * np.sqrt(variance)
    return pd.DataFrame(
        {
            "proba": sigmoid(eta),
            "ci_low": sigmoid(eta - half_width),
            "ci_high": sigmoid(eta + half_width),
        },
        index=index,
    )
