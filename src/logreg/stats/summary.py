"""The tables a statistician reads: coefficients, marginal effects, notes.

:class:`Summary` and :class:`MarginalEffects` print like statsmodels' and R's
tables and convert to pandas DataFrames; their covariances come from
:mod:`logreg.stats.covariance`.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
from scipy import stats

from logreg.link import host_parameters
from logreg.stats.covariance import (
    _covariance_of_params,
    _Layout,
    _statistics,
    _term_names,
)
from logreg.stats.statistics import InferenceStatistics

__all__ = [
    "CI_TYPES",
    "MarginalEffects",
    "Summary",
    "coefficient_frame",
    "format_table",
]


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


#: How :class:`Summary` computes its intervals.
CI_TYPES = ("wald", "profile")


def _profile_bounds(estimator: Any, layout: Any, summary: Any) -> tuple:
    """Profile-likelihood bounds of the reported estimates (binary, unpenalised).

    With ``firth=True`` the profile is of Firth's penalised likelihood, as
    ``logistf`` gives it (:mod:`logreg.stats.profile`).
    """
    from logreg.stats.profile import profile_intervals

    if layout.n_rows > 1 or layout.penalised:
        raise ValueError(
            "ci='profile' is for binary unpenalised (C=inf) models; this model is "
            + ("multinomial." if layout.n_rows > 1 else f"penalised (C={summary.C:g}).")
        )
    objective = getattr(estimator, "_training_objective", None)
    if objective is None:
        raise ValueError(
            "ci='profile' refits the model with each coefficient held fixed, so it "
            "needs the training rows: they are kept after fit (for rows in "
            "memory), not in a model file, a copy, or a Dask or file fit."
        )
    w_hat = objective.pack(*host_parameters(estimator))
    std_err = np.sqrt(np.diag(summary.covariance))
    return profile_intervals(objective, w_hat, layout.order, std_err, summary.alpha)


def _firth_note(estimator: Any) -> str | None:
    if not getattr(estimator, "firth", False):
        return None
    return (
        "Firth's penalised likelihood: the coefficients maximise "
        "l(beta) + 1/2 log det I(beta); standard errors are from I(beta)^-1 "
        "(as logistf computes them) and the log-likelihood shown is l(beta)."
    )


def _separation_note(statistics: InferenceStatistics) -> str | None:
    if statistics.separation == "complete":
        return (
            "Complete separation: a hyperplane splits the classes, so the "
            "maximum-likelihood coefficients are infinite; the numbers above "
            "depend on tol and max_iter and mean nothing. Refit with firth=True "
            "for finite, bias-reduced estimates."
        )
    if statistics.separation == "quasi-complete":
        return (
            f"Quasi-complete separation: {statistics.separated_rows} rows are "
            "perfectly predicted, so some maximum-likelihood coefficients are "
            "infinite; their estimates and standard errors are meaningless. "
            "Refit with firth=True for finite, bias-reduced estimates."
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
        self,
        estimator: Any,
        alpha: float = 0.05,
        cov_type: str = "nonrobust",
        ci: str = "wald",
        groups: Any = None,
    ) -> None:
        self.alpha = _check_alpha(alpha)
        if ci not in CI_TYPES:
            raise ValueError(f"ci must be one of {list(CI_TYPES)}, got {ci!r}.")
        self.ci = ci
        statistics = _statistics(estimator)
        layout = _Layout(estimator)
        contrasts = layout.contrasts()
        self.cov_type = cov_type
        self.covariance = (
            contrasts @ _covariance_of_params(estimator, statistics, cov_type, groups)
        ) @ contrasts.T
        coef, intercept = host_parameters(estimator)
        params = np.hstack([coef, intercept[:, None]])
        if not layout.fit_intercept:
            params = coef
        self._estimate = contrasts @ params.astype(np.float64).ravel()
        self._estimator_facts(estimator)
        self._likelihood_facts(statistics, len(self._estimate), layout.fit_intercept)
        self._index = self._build_index(estimator)
        self._profile = None
        if ci == "profile":
            self._profile = _profile_bounds(estimator, layout, self)
        self.separation = statistics.separation
        self.penalised = layout.penalised
        notes = (
            _penalty_note(float(estimator.C)),
            _separation_note(statistics),
            _firth_note(estimator),
        )
        self.notes = [note for note in notes if note]
        if layout.n_rows > 1:
            self.notes.append(
                f"Multinomial coefficients are relative to the first class "
                f"({self.classes[0]!s}), as in statsmodels MNLogit."
            )

    def _estimator_facts(self, estimator: Any) -> None:
        self.classes = list(estimator.classes_)
        self.solver = str(estimator.solver_)
        self.n_iter = int(np.max(estimator.n_iter_))
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
        frame = coefficient_frame(
            self._index, self._estimate, std_err, self.alpha, "coef"
        )
        if self._profile is not None:
            frame["ci_low"], frame["ci_high"] = self._profile
        return frame

    def _facts(self, width: int) -> tuple[list, list]:
        """The header's ``(label, value)`` pairs: the model's and the fit's."""
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
        return left, right

    def __str__(self) -> str:
        frame = self.to_frame()
        table = format_table(frame, "coef", self.alpha, "term")
        width = max(78, len(table[0]))
        left, right = self._facts(width)
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

    def _repr_html_(self) -> str:
        """The table as HTML, for Jupyter (every value escaped)."""
        left, right = self._facts(120)
        return _html_block(
            "Logistic regression results",
            left + right,
            self.to_frame(),
            self.notes,
        )


def _html_block(
    title: str, facts: list[tuple[str, str]], frame: Any, notes: list[str]
) -> str:
    """A title, a table of facts, a DataFrame and numbered notes, as HTML."""
    cells = "".join(
        f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
        for label, value in facts
    )
    parts = [
        f"<div><strong>{html.escape(title)}</strong>",
        f"<table>{cells}</table>" if facts else "",
        frame.to_html(float_format=lambda value: f"{value:.4g}"),
    ]
    if notes:
        items = "".join(f"<li>{html.escape(note)}</li>" for note in notes)
        parts.append(f"<ol>{items}</ol>")
    return "".join(parts) + "</div>"


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
        self,
        estimator: Any,
        alpha: float = 0.05,
        cov_type: str = "nonrobust",
    ) -> None:
        self.alpha = _check_alpha(alpha)
        statistics = _statistics(estimator)
        if estimator.coef_.shape[0] != 1:
            raise ValueError(
                "Average marginal effects are implemented for binary models only; "
                f"this model has {len(estimator.classes_)} classes."
            )
        beta = host_parameters(estimator)[0][0].astype(np.float64)
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

    def _repr_html_(self) -> str:
        """The table as HTML, for Jupyter (every value escaped)."""
        return _html_block("Average marginal effects", [], self.to_frame(), self.notes)

    def __repr__(self) -> str:
        return self.__str__()
