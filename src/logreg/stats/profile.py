r"""Profile-likelihood intervals: exact roots of the likelihood-ratio statistic.

For the parameter :math:`\beta_j`, the interval is every :math:`b` whose
profile statistic :math:`2\,[\hat l - \max_{\beta: \beta_j = b} l(\beta)]` is
at most the :math:`\chi^2_1` quantile (R's ``confint`` on a ``glm``, which
interpolates a spline through the profile; here each bound is the root itself,
found by Brent's method). Each evaluation is a constrained fit: Newton steps
over the other parameters, warm-started from the previous evaluation, on the
objective that was minimised (concave, so each constrained fit has one
optimum). Unlike Wald intervals they are not symmetric, and they stay honest
where the likelihood is far from quadratic.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg, optimize, stats

__all__ = ["profile_intervals"]

#: Newton steps at most for one constrained fit.
MAX_STEPS = 50
#: A bound is searched up to this many standard errors from the estimate;
#: beyond it (a likelihood that never drops far enough, as under separation)
#: the bound is infinite.
MAX_STANDARD_ERRORS = 1e4


def _constrained_fit(objective, w: np.ndarray, index: int, value: float) -> tuple:
    """Minimise the objective with ``w[index] = value``; ``(w, F)`` at the optimum."""
    w = np.array(w, dtype=np.float64)
    w[index] = value
    free = np.arange(len(w)) != index
    current, grad, hessian = objective.value_grad_hessian(w)
    for _ in range(MAX_STEPS):
        try:
            step = -linalg.solve(
                hessian[np.ix_(free, free)], grad[free], assume_a="pos"
            )
        except (linalg.LinAlgError, ValueError):
            break
        decrement = float(-grad[free] @ step)
        if not decrement > 4 * np.finfo(float).eps * max(abs(current), 1.0):
            break
        length = 1.0
        while length > 2.0**-30:
            trial = w.copy()
            trial[free] += length * step
            if objective.value(trial) <= current - 1e-4 * length * decrement:
                w = trial
                break
            length /= 2
        else:
            break
        current, grad, hessian = objective.value_grad_hessian(w)
    return w, current


def profile_intervals(
    objective, w_hat: np.ndarray, indices, standard_errors, alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    """Profile bounds of the parameters ``w[indices]`` at level ``1 - alpha``.

    Parameters
    ----------
    objective : LogisticObjective
        The minimised scaled objective ``F = -l / S``, still over its rows.
    w_hat : ndarray of shape (n_params,)
        Its minimiser.
    indices : sequence of int
        Parameter positions, in the order to report.
    standard_errors : ndarray
        Wald standard errors of those parameters (to bracket the roots).
    alpha : float

    Returns
    -------
    low, high : ndarray of shape (len(indices),)
        ``-inf``/``inf`` where the profile never reaches the quantile.
    """
    total = objective.weight_sum
    minimum = objective.value(w_hat)
    # The statistic in log-likelihood units: 2 S (F(w) - F(w_hat)) vs chi2_1.
    target = stats.chi2.ppf(1 - alpha, 1)
    low, high = [], []
    for index, se in zip(indices, standard_errors, strict=True):
        bounds = []
        for side in (-1.0, 1.0):
            start = w_hat.copy()

            def excess(b, start=start, index=index):
                w, value = _constrained_fit(objective, start, index, b)
                start[:] = w  # warm start the next evaluation
                return 2.0 * total * (value - minimum) - target

            inner, distance = w_hat[index], max(se, 1e-8)
            outer = inner + side * distance
            while excess(outer) < 0:
                inner, distance = outer, 2.0 * distance
                if distance > MAX_STANDARD_ERRORS * max(se, 1e-8):
                    outer = None
                    break
                outer = w_hat[index] + side * distance
            if outer is None:
                bounds.append(side * np.inf)
                continue
            bracket = sorted((inner, outer))
            bounds.append(optimize.brentq(excess, *bracket, xtol=1e-12, rtol=1e-12))
        low.append(bounds[0])
        high.append(bounds[1])
    return np.array(low), np.array(high)
