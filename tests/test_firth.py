"""Firth's bias-reduced logistic regression against hand-derived and independent values.

References: for one binary covariate, Firth's estimates are the log odds of
the 2 x 2 table with 1/2 added to every cell (Firth 1993; Heinze & Schemper
2002), finite even with an empty cell; otherwise a direct maximisation of
``l(beta) + 1/2 log det(X~^T W X~)`` written here with SciPy's BFGS, and the
standard errors ``sqrt(diag(I(beta)^-1))`` computed here, as ``logistf``
reports them.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import optimize, sparse
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
    with pytest.raises(ValueError, match="not available for firth=True"):
        logreg.LogisticRegression(C=np.inf, firth=True).fit(X, y).summary(ci="profile")
    rows = np.random.default_rng(0).normal(size=(200, 2))
    labels = (rows[:, 0] + np.random.default_rng(1).logistic(size=200) > 0).astype(int)
    model = logreg.LogisticRegression(C=np.inf).fit(rows, labels)
    model.save(tmp_path / "m.json")
    with pytest.raises(ValueError, match="needs the training rows"):
        logreg.load(tmp_path / "m.json").summary(ci="profile")
    with pytest.raises(ValueError, match="ci must be one of"):
        model.summary(ci="exact")
