"""The sums inference needs, computed in one pass at the fitted parameters."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from logreg.objective import LogisticObjective

__all__ = ["MAX_INFERENCE_PARAMS", "InferenceStatistics", "compute_statistics"]


#: ``fit`` stores inference statistics only up to this many parameters: the two
#: matrices cost ``n_params**2`` floats each and a pass of ``n_params**2`` flops
#: per row.
MAX_INFERENCE_PARAMS = 2000
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
