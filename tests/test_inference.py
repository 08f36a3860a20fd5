"""Inference: summary tables and marginal effects against statsmodels.

References: statsmodels ``Logit``, ``MNLogit`` and ``GLM(Binomial,
freq_weights=...)`` on the Spector & Mazzeo data, the ANES 1996 data
(statsmodels' own MNLogit example) and synthetic data; finite differences
of an independent implementation of the objective for the Hessian.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError

import logreg
from logreg.stats import InferenceStatistics, covariance, separation

RTOL = 1e-6
COLUMNS = ["coef", "std_err", "z", "p_value", "ci_low", "ci_high"]


def relative_error(ours, reference) -> float:
    ours, reference = np.asarray(ours, float), np.asarray(reference, float)
    return float(np.max(np.abs(ours - reference) / np.abs(reference)))


def unpenalised(**params) -> logreg.LogisticRegression:
    return logreg.LogisticRegression(C=np.inf, tol=1e-10, **params)


@pytest.fixture(scope="module")
def spector():
    data = sm.datasets.spector.load_pandas()
    return data.exog, data.endog


@pytest.fixture(scope="module")
def spector_fits(spector):
    X, y = spector
    ours = unpenalised().fit(X, y)
    reference = {
        cov: sm.Logit(y, sm.add_constant(X)).fit(
            disp=0, method="newton", tol=1e-12, cov_type=cov
        )
        for cov in ("nonrobust", "HC0")
    }
    return ours, reference


def assert_table_matches(frame, result, index=None):
    """Every column of our table against a statsmodels result."""
    params = np.asarray(result.params).T.ravel()
    bse = np.asarray(result.bse).T.ravel()
    conf = np.asarray(result.conf_int())
    if conf.ndim == 3:  # MNLogit: (classes, terms, 2) flattened differently
        conf = conf.reshape(-1, 2)
    assert list(frame.columns) == COLUMNS
    assert relative_error(frame["coef"], params) < RTOL
    assert relative_error(frame["std_err"], bse) < RTOL
    assert relative_error(frame["z"], np.asarray(result.tvalues).T.ravel()) < RTOL
    assert relative_error(frame["p_value"], np.asarray(result.pvalues).T.ravel()) < (
        1e-5
    )
    assert relative_error(frame["ci_low"], conf[:, 0]) < RTOL
    assert relative_error(frame["ci_high"], conf[:, 1]) < RTOL


def assert_fit_statistics_match(summary, result, n_obs=None):
    assert summary.log_likelihood == pytest.approx(result.llf, rel=1e-9)
    assert summary.null_log_likelihood == pytest.approx(result.llnull, rel=1e-8)
    assert summary.aic == pytest.approx(result.aic, rel=1e-9)
    assert summary.pseudo_r2 == pytest.approx(result.prsquared, rel=1e-8)
    assert summary.llr_p_value == pytest.approx(result.llr_pvalue, rel=1e-5)
    assert summary.df_model == result.df_model
    assert summary.df_resid == result.df_resid
    assert summary.n_obs == (result.nobs if n_obs is None else n_obs)


# ------------------------------------------------------------------ binary
def test_spector_matches_statsmodels_logit(spector_fits):
    ours, reference = spector_fits
    summary = ours.summary()
    result = reference["nonrobust"]
    frame = summary.to_frame()
    assert list(frame.index) == ["intercept", "GPA", "TUCE", "PSI"]
    assert_table_matches(frame, result)
    assert_fit_statistics_match(summary, result)
    assert summary.bic == pytest.approx(result.bic, rel=1e-9)
    # The published figures (Spector & Mazzeo 1980; statsmodels' docs).
    assert frame.loc["GPA", "coef"] == pytest.approx(2.82611, abs=5e-6)
    assert frame.loc["GPA", "std_err"] == pytest.approx(1.26294, abs=5e-6)


def test_spector_hc0_matches_statsmodels(spector_fits):
    ours, reference = spector_fits
    assert_table_matches(ours.summary(cov_type="HC0").to_frame(), reference["HC0"])


def test_hc1_is_hc0_with_the_small_sample_factor(spector_fits):
    # statsmodels' discrete models apply no correction (their HC1 equals
    # HC0); HC1 here is the textbook n / (n - k), as R's sandwich computes.
    ours, reference = spector_fits
    n, k = reference["HC0"].nobs, len(reference["HC0"].params)
    ours_hc1 = ours.summary(cov_type="HC1").to_frame()["std_err"]
    expected = np.asarray(reference["HC0"].bse) * np.sqrt(n / (n - k))
    assert relative_error(ours_hc1, expected) < RTOL


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0"])
def test_marginal_effects_match_get_margeff(spector_fits, cov_type):
    ours, reference = spector_fits
    margeff = reference[cov_type].get_margeff(at="overall", method="dydx")
    frame = ours.marginal_effects(cov_type=cov_type).to_frame()
    assert list(frame.columns) == ["dy_dx", *COLUMNS[1:]]
    assert list(frame.index) == ["GPA", "TUCE", "PSI"]
    assert relative_error(frame["dy_dx"], margeff.margeff) < RTOL
    assert relative_error(frame["std_err"], margeff.margeff_se) < RTOL
    assert relative_error(frame["p_value"], margeff.pvalues) < 1e-5
    conf = margeff.conf_int()
    assert relative_error(frame["ci_low"], conf[:, 0]) < RTOL


def test_printed_spector_table(spector_fits):
    text = str(spector_fits[0].summary())
    assert "Logistic regression results" in text
    for expected in ("coef", "std err", "P>|z|", "[0.025", "0.975]"):
        assert expected in text
    gpa = next(line for line in text.splitlines() if line.startswith("GPA"))
    assert gpa.split()[1:3] == ["2.8261", "1.2629"]
    assert "Penalised" not in text and "separation" not in text.lower()
    assert "Log-likelihood:" in text and "-12.890" in text


def test_without_intercept_matches_statsmodels(spector):
    X, y = spector
    ours = unpenalised(fit_intercept=False).fit(X, y).summary()
    result = sm.Logit(y, X).fit(disp=0, method="newton", tol=1e-12)
    assert list(ours.to_frame().index) == ["GPA", "TUCE", "PSI"]
    assert_table_matches(ours.to_frame(), result)
    assert ours.log_likelihood == pytest.approx(result.llf, rel=1e-9)
    assert ours.aic == pytest.approx(result.aic, rel=1e-9)
    # Three slopes and no intercept: three model degrees of freedom.
    # (statsmodels' discrete models always subtract one, and say 2.)
    assert ours.df_model == 3


# -------------------------------------------------------- frequency weights
@pytest.fixture(scope="module")
def weighted_data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 3))
    y = (X @ [1.0, -0.5, 0.25] + 0.3 + rng.logistic(size=400) > 0).astype(int)
    weights = rng.integers(1, 5, size=400).astype(float)
    return X, y, weights


def test_frequency_weights_match_statsmodels_glm(weighted_data):
    X, y, weights = weighted_data
    summary = unpenalised().fit(X, y, sample_weight=weights).summary()
    result = sm.GLM(
        y, sm.add_constant(X), family=sm.families.Binomial(), freq_weights=weights
    ).fit(tol=1e-12)
    frame = summary.to_frame()
    assert list(frame.index) == ["intercept", "x0", "x1", "x2"]
    assert relative_error(frame["coef"], result.params) < RTOL
    assert relative_error(frame["std_err"], result.bse) < RTOL
    assert relative_error(frame["p_value"], result.pvalues) < 1e-5
    assert summary.log_likelihood == pytest.approx(result.llf, rel=1e-9)
    assert summary.null_log_likelihood == pytest.approx(result.llnull, rel=1e-9)
    assert summary.aic == pytest.approx(result.aic, rel=1e-9)
    assert summary.bic == pytest.approx(result.bic_llf, rel=1e-9)
    assert summary.n_obs == weights.sum()
    assert summary.df_resid == result.df_resid


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0", "HC1"])
def test_integer_weights_equal_repeated_rows(weighted_data, cov_type):
    X, y, weights = weighted_data
    repeats = weights.astype(int)
    weighted = unpenalised().fit(X, y, sample_weight=weights)
    repeated = unpenalised().fit(np.repeat(X, repeats, 0), np.repeat(y, repeats))
    ours = weighted.summary(cov_type=cov_type)
    expected = repeated.summary(cov_type=cov_type)
    pd.testing.assert_frame_equal(ours.to_frame(), expected.to_frame(), rtol=1e-7)
    assert ours.log_likelihood == pytest.approx(expected.log_likelihood, rel=1e-10)
    effects = weighted.marginal_effects(cov_type=cov_type).to_frame()
    pd.testing.assert_frame_equal(
        effects, repeated.marginal_effects(cov_type=cov_type).to_frame(), rtol=1e-7
    )


# -------------------------------------------------------------- multinomial
@pytest.fixture(scope="module")
def anes():
    data = sm.datasets.anes96.load_pandas().data
    X = data[["logpopul", "selfLR", "age", "educ", "income"]]
    return X, data["PID"].astype(int)


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0"])
def test_multinomial_matches_statsmodels_mnlogit(anes, cov_type):
    X, y = anes
    ours = unpenalised().fit(X, y).summary(cov_type=cov_type)
    result = sm.MNLogit(y, sm.add_constant(X)).fit(
        disp=0, method="newton", tol=1e-12, maxiter=100, cov_type=cov_type
    )
    frame = ours.to_frame()
    assert frame.index.names == ["class", "term"]
    assert frame.index[0] == (1, "intercept")
    assert frame.index[-1] == (6, "income")
    assert len(frame) == 6 * 6
    params = np.asarray(result.params).T.ravel()
    bse = np.asarray(result.bse).T.ravel()
    assert relative_error(frame["coef"], params) < RTOL
    assert relative_error(frame["std_err"], bse) < RTOL
    assert relative_error(frame["p_value"], np.asarray(result.pvalues).T.ravel()) < (
        1e-5
    )
    assert_fit_statistics_match(ours, result)
    assert "relative to the first class" in str(ours)


def test_multinomial_on_iris_two_features_names_the_separation():
    # Setosa is linearly separable from the others on the two sepal
    # features, so the multinomial MLE does not exist; statsmodels' MNLogit
    # does not converge either.
    X, y = load_iris(return_X_y=True, as_frame=True)
    with pytest.warns(logreg.PerfectSeparationWarning, match="Quasi-complete"):
        model = unpenalised().fit(X.iloc[:, :2], y)
    summary = model.summary()
    assert summary.separation == "quasi-complete"
    assert "Quasi-complete separation" in str(summary)


def test_multinomial_without_separation_on_iris_with_noise():
    rng = np.random.default_rng(0)
    X, y = load_iris(return_X_y=True)
    X = X[:, :2] + rng.normal(scale=0.5, size=(150, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = unpenalised().fit(X, y)
    result = sm.MNLogit(y, sm.add_constant(X)).fit(
        disp=0, method="newton", tol=1e-12, maxiter=100
    )
    frame = model.summary().to_frame()
    assert relative_error(frame["std_err"], np.asarray(result.bse).T.ravel()) < RTOL
    assert model.summary().separation == "none"


# --------------------------------------------------------------- separation
def test_complete_separation_is_named():
    X = np.array([[-2.0], [-1.0], [-0.5], [0.5], [1.0], [2.0]])
    y = np.array([0, 0, 0, 1, 1, 1])
    with pytest.warns(logreg.PerfectSeparationWarning, match="perfectly separated"):
        model = logreg.LogisticRegression(C=np.inf, max_iter=20).fit(X, y)
    summary = model.summary()
    assert summary.separation == "complete"
    assert "Complete separation" in str(summary)


def test_quasi_complete_separation_counts_the_predicted_rows():
    # x >= 0 for every y = 1, x <= 0 for every y = 0, with two ties at 0.
    X = np.array([[-2.0], [-1.0], [0.0], [0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 0, 1, 1, 1, 1])
    with pytest.warns(logreg.PerfectSeparationWarning, match="5 training rows"):
        model = logreg.LogisticRegression(C=np.inf, max_iter=30).fit(X, y)
    assert model.summary().separation == "quasi-complete"
    assert "5 rows are perfectly predicted" in str(model.summary())


def _with_ones(X):
    return np.hstack([X, np.ones((len(X), 1))])


# Signal 0: labels at random. Signal 4, binary: rows fitted with probabilities
# down to 6e-6, which the certificate's proportional correction must handle.
# (With 3 classes and signal 4, far classes get probabilities of 1e-28, below
# MIN_MULTIPLIER_RATIO: the linear program decides there.)
@pytest.mark.parametrize("n_classes, signal", [(2, 0.0), (3, 0.0), (2, 4.0)])
def test_fitted_probabilities_certify_no_separation_without_the_program(
    n_classes, signal, monkeypatch
):
    rng = np.random.default_rng(n_classes)
    X = rng.normal(size=(300, 3))
    logits = signal * X @ rng.normal(size=(3, n_classes))
    y = np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)
    weights = rng.uniform(0.5, 2.0, size=300)
    # The linear program's own verdict, before it is switched off.
    assert separation.detect_separation(X, y, weights, n_classes, True) == ("none", 0)

    def no_program(*args, **kwargs):
        raise AssertionError("the linear program ran")

    monkeypatch.setattr(separation.optimize, "linprog", no_program)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = unpenalised().fit(X, y, sample_weight=weights)
    assert model.summary().separation == "none"


@pytest.mark.parametrize(
    "X, y",
    [
        # Quasi-complete: x >= 0 for every y = 1, x <= 0 for every y = 0.
        ([[-2.0], [-1.0], [0.0], [0.0], [1.0], [2.0]], [0, 0, 0, 1, 1, 1]),
        # Class 2 is separated from the others along the second feature.
        ([[0, -1], [1, -1], [0, 0], [1, 0], [0, 1], [1, 2]], [0, 1, 1, 0, 2, 2]),
    ],
)
def test_no_certificate_exists_for_separated_classes(X, y):
    # Stiemke: with a separating direction no positive multipliers exist, so
    # whatever probabilities are offered the certificate must fail.
    X, y = _with_ones(np.asarray(X, dtype=float)), np.asarray(y)
    n_classes = y.max() + 1
    rng = np.random.default_rng(0)
    for _ in range(50):
        probabilities = rng.dirichlet(np.ones(n_classes), size=len(y))
        assert not separation.finite_optimum_certified(
            X, y, np.ones(len(y)), probabilities
        )


def test_certificate_of_overlapping_classes_by_hand():
    # x = 0, 1 in both classes: the fitted probabilities are 1/2 everywhere
    # (by symmetry), and the multipliers 1/2 already balance exactly.
    X = _with_ones(np.array([[0.0], [0.0], [1.0], [1.0]]))
    y = np.array([0, 1, 0, 1])
    half = np.full((4, 2), 0.5)
    assert separation.finite_optimum_certified(X, y, np.ones(4), half)
    # A probability of 0 gives a zero multiplier: not a certificate.
    zero = half.copy()
    zero[0] = [1.0, 0.0]
    assert not separation.finite_optimum_certified(X, y, np.ones(4), zero)


def test_no_separation_check_on_penalised_fits(spector):
    summary = logreg.LogisticRegression().fit(*spector).summary()
    assert summary.separation == "not checked"


# ----------------------------------------------------------------- penalty
def test_penalised_fit_says_what_its_errors_mean(spector):
    X, y = spector
    model = logreg.LogisticRegression(C=0.5).fit(X, y)
    summary = model.summary()
    text = str(summary)
    assert summary.penalised
    assert "Penalised fit (C=0.5)" in text and "not classical" in text
    assert "L2, C=0.5" in text
    assert "Penalised fit" in str(model.marginal_effects())


def test_penalised_covariance_is_the_inverse_penalised_hessian(
    spector, reference_objective
):
    # Finite differences of an independent objective: the covariance is the
    # inverse Hessian of  C * sum(loss) + |W|^2 / 2,  divided by C.
    X, y = spector
    X, y = X.to_numpy(), y.to_numpy().astype(int)
    C = 2.0
    model = logreg.LogisticRegression(C=C, tol=1e-10).fit(X, y)
    w = np.append(model.coef_[0], model.intercept_)
    n, step = len(y), 1e-4

    def f(v):  # the unscaled objective divided by C
        return reference_objective(X, y, None, v[None, :], C, True) * n

    hessian = np.empty((4, 4))
    for i, j in np.ndindex(4, 4):
        e_i, e_j = np.eye(4)[i] * step, np.eye(4)[j] * step
        hessian[i, j] = (
            f(w + e_i + e_j) - f(w + e_i - e_j) - f(w - e_i + e_j) + f(w - e_i - e_j)
        ) / (4 * step**2)
    order = [3, 0, 1, 2]  # intercept first in the table
    expected = np.linalg.inv(hessian)[np.ix_(order, order)]
    np.testing.assert_allclose(
        model.summary().covariance, expected, rtol=1e-5, atol=1e-7
    )


# --------------------------------------------------------- the statistics
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_information_sums_against_finite_differences(
    noisy_data, reference_objective, n_classes, weighted
):
    X, y = noisy_data(40, 2, n_classes, seed=n_classes)
    weights = np.linspace(0.5, 2.0, 40) if weighted else np.ones(40)
    model = unpenalised().fit(X, y, sample_weight=weights)
    statistics = model._inference_statistics()
    n_rows = 1 if n_classes == 2 else n_classes
    w = np.hstack([model.coef_, model.intercept_[:, None]]).ravel()
    step = 1e-4

    def loss(v, s):
        return reference_objective(X, y, s, v.reshape(n_rows, -1), np.inf, True) * (
            s.sum()
        )

    def gradient(v, s):
        basis = np.eye(len(v)) * step
        return np.array([(loss(v + e, s) - loss(v - e, s)) / (2 * step) for e in basis])

    hessian = np.array(
        [
            (gradient(w + e, weights) - gradient(w - e, weights)) / (2 * step)
            for e in np.eye(len(w)) * step
        ]
    )
    np.testing.assert_allclose(statistics.fisher, hessian, rtol=1e-5, atol=1e-6)
    outer = np.zeros_like(hessian)
    for row in range(40):
        one_row = np.zeros(40)
        one_row[row] = 1.0
        g = gradient(w, one_row)
        outer += weights[row] * np.outer(g, g)
    np.testing.assert_allclose(statistics.score_outer, outer, rtol=1e-5, atol=1e-7)
    assert statistics.log_likelihood == pytest.approx(-loss(w, weights), rel=1e-12)


def test_statistics_state_round_trip(spector_fits):
    statistics = spector_fits[0]._inference_statistics()
    rebuilt = InferenceStatistics.from_state(statistics.to_state())
    for name, value in statistics.to_state().items():
        np.testing.assert_array_equal(getattr(rebuilt, name), value)
    with pytest.raises(ValueError, match="unexpected fields"):
        InferenceStatistics.from_state({"fisher": [[1.0]]})
    broken = statistics.to_state() | {"score_outer": np.ones((2, 2))}
    with pytest.raises(ValueError, match="wrong shape"):
        InferenceStatistics.from_state(broken)


def test_float32_summary_is_close_to_float64(spector):
    X, y = spector
    single = unpenalised().fit(X.to_numpy(np.float32), y).summary().to_frame()
    double = unpenalised().fit(X.to_numpy(), y).summary().to_frame()
    np.testing.assert_allclose(single["std_err"], double["std_err"], rtol=1e-3)


# --------------------------------------------------------------- bad input
def test_bad_arguments_and_states(spector, anes, monkeypatch):
    with pytest.raises(NotFittedError):
        logreg.LogisticRegression().summary()
    model = unpenalised().fit(*spector)
    with pytest.raises(ValueError, match="cov_type must be one of"):
        model.summary(cov_type="HC3")
    for alpha in (0, 1, -0.1, True, "0.05"):
        with pytest.raises(ValueError, match=r"alpha must be a number in \(0, 1\)"):
            model.summary(alpha=alpha)
    with pytest.raises(ValueError, match="binary models only"):
        unpenalised().fit(*anes).marginal_effects()
    monkeypatch.setattr(logreg.estimator, "MAX_INFERENCE_PARAMS", 3)
    monkeypatch.setattr(covariance, "MAX_INFERENCE_PARAMS", 3)
    big = unpenalised().fit(*spector)
    with pytest.raises(ValueError, match="at most 3 parameters"):
        big.summary()


def test_alpha_sets_the_interval(spector_fits):
    ours, reference = spector_fits
    frame = ours.summary(alpha=0.1).to_frame()
    conf = np.asarray(reference["nonrobust"].conf_int(alpha=0.1))
    assert relative_error(frame["ci_low"], conf[:, 0]) < RTOL
    assert "[0.05" in str(ours.summary(alpha=0.1))


# ------------------------------------------------------------ persistence
def test_statistics_are_deferred_and_the_data_released(spector):
    import pickle

    model = unpenalised().fit(*spector)
    assert model._inference is None and "_pending_inference" in vars(model)
    restored = pickle.loads(pickle.dumps(model))  # computes, never pickles data
    assert "_pending_inference" not in vars(model)
    assert "_pending_inference" not in vars(restored)
    pd.testing.assert_frame_equal(
        restored.summary().to_frame(), model.summary().to_frame()
    )


def test_saved_model_prints_the_same_summary(spector, tmp_path):
    model = unpenalised().fit(*spector)
    model.save(tmp_path / "model.json")
    loaded = logreg.load(tmp_path / "model.json")
    assert str(loaded.summary()) == str(model.summary())
    assert str(loaded.marginal_effects()) == str(model.marginal_effects())


def test_collinear_features_are_refused_not_printed(spector):
    X, y = spector
    X = X.assign(GPA_twice=2 * X["GPA"])  # exactly collinear
    with pytest.warns(logreg.SingularHessianWarning):
        model = unpenalised(max_iter=200).fit(X, y)
    with pytest.raises(ValueError, match="information matrix is singular"):
        model.summary()
