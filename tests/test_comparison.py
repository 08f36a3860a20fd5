"""Odds ratios, likelihood-ratio and Wald tests, prediction intervals.

References: statsmodels ``Logit``/``MNLogit`` (``conf_int``, ``llf``,
``df_model``, ``wald_test(..., use_f=False)``) and ``GLM(Binomial)``'s
``get_prediction``, each at ``tol=1e-12``, on the Spector & Mazzeo and ANES
1996 data that statsmodels ships. statsmodels has no likelihood-ratio test for
discrete models; its reference here is the chi-squared tail of twice its
log-likelihood difference with its ``df_model`` difference (R's
``anova(..., test="LRT")``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import sparse, stats

import logreg

RTOL = 1e-6


def relative_error(ours, reference) -> float:
    ours, reference = np.asarray(ours, float), np.asarray(reference, float)
    return float(np.max(np.abs(ours - reference) / np.abs(reference)))


def unpenalised(**params) -> logreg.LogisticRegression:
    return logreg.LogisticRegression(C=np.inf, **params)


def logit(y, X) -> sm.discrete.discrete_model.BinaryResultsWrapper:
    return sm.Logit(y, sm.add_constant(X)).fit(
        disp=0, method="newton", tol=1e-12, maxiter=100
    )


@pytest.fixture(scope="module")
def spector():
    data = sm.datasets.spector.load_pandas()
    return data.exog, data.endog.astype(int)


@pytest.fixture(scope="module")
def anes():
    data = sm.datasets.anes96.load_pandas().data
    X = data[["logpopul", "selfLR", "age", "educ", "income"]]
    return X, data["PID"].astype(int)


# ---------------------------------------------------------------- odds ratios
def test_odds_ratios_are_statsmodels_exp_params_and_intervals(spector):
    X, y = spector
    model = unpenalised().fit(X, y)
    result = logit(y, X)
    for alpha in (0.05, 0.1):
        frame = model.odds_ratios(alpha=alpha)
        assert list(frame.columns) == ["odds_ratio", "ci_low", "ci_high"]
        assert list(frame.index) == ["intercept", "GPA", "TUCE", "PSI"]
        conf = np.exp(np.asarray(result.conf_int(alpha=alpha)))
        assert relative_error(frame["odds_ratio"], np.exp(result.params)) < RTOL
        assert relative_error(frame["ci_low"], conf[:, 0]) < RTOL
        assert relative_error(frame["ci_high"], conf[:, 1]) < RTOL
    robust = model.odds_ratios(cov_type="HC0")
    result = sm.Logit(y, sm.add_constant(X)).fit(
        disp=0, method="newton", tol=1e-12, cov_type="HC0"
    )
    assert relative_error(robust["ci_high"], np.exp(result.conf_int())[1]) < RTOL


def test_multinomial_odds_ratios_are_indexed_like_the_summary(anes):
    X, y = anes
    model = unpenalised().fit(X, y)
    frame = model.odds_ratios()
    pd.testing.assert_index_equal(frame.index, model.summary().to_frame().index)
    result = sm.MNLogit(y, sm.add_constant(X)).fit(
        disp=0, method="newton", tol=1e-12, maxiter=100
    )
    expected = np.exp(np.asarray(result.params).T.ravel())
    assert relative_error(frame["odds_ratio"], expected) < RTOL


# ------------------------------------------------------------- LR test
def test_lr_test_equals_statsmodels_likelihoods(spector):
    X, y = spector
    full = unpenalised().fit(X, y)
    restricted = unpenalised().fit(X[["GPA", "PSI"]], y)
    test = logreg.lr_test(restricted, full)
    big, small = logit(y, X), logit(y, X[["GPA", "PSI"]])
    statistic = 2 * (big.llf - small.llf)
    assert test.df == big.df_model - small.df_model == 1
    assert test.statistic == pytest.approx(statistic, rel=1e-9)
    assert test.p_value == pytest.approx(stats.chi2.sf(statistic, 1), rel=1e-8)
    assert "chi2(1)" in str(test)


def test_lr_test_of_a_multinomial_model_drops_a_term_in_every_class(anes):
    X, y = anes
    full = unpenalised().fit(X, y)
    restricted = unpenalised().fit(X.drop(columns="age"), y)
    test = logreg.lr_test(restricted, full)
    kwargs = {"disp": 0, "method": "newton", "tol": 1e-12, "maxiter": 100}
    big = sm.MNLogit(y, sm.add_constant(X)).fit(**kwargs)
    small = sm.MNLogit(y, sm.add_constant(X.drop(columns="age"))).fit(**kwargs)
    assert test.df == 6
    assert test.statistic == pytest.approx(2 * (big.llf - small.llf), rel=1e-8)


def test_lr_test_refuses_models_that_are_not_nested_fits_of_the_same_rows(spector):
    X, y = spector
    full = unpenalised().fit(X, y)
    restricted = unpenalised().fit(X[["GPA", "PSI"]], y)
    with pytest.raises(ValueError, match="penalised"):
        logreg.lr_test(logreg.LogisticRegression().fit(X[["GPA"]], y), full)
    with pytest.raises(ValueError, match="same rows"):
        logreg.lr_test(unpenalised().fit(X[["GPA"]][:30], y[:30]), full)
    with pytest.raises(ValueError, match="not nested"):
        other = X[["GPA", "PSI"]].rename(columns={"PSI": "other"})
        logreg.lr_test(unpenalised().fit(other, y), full)
    with pytest.raises(ValueError, match="not nested"):
        logreg.lr_test(full, restricted)  # the order swapped
    with pytest.raises(ValueError, match="more parameters"):
        logreg.lr_test(full, full)


def test_anova_tabulates_nested_models_like_r(spector):
    X, y = spector
    columns = [["GPA"], ["GPA", "PSI"], ["GPA", "TUCE", "PSI"]]
    models = [unpenalised().fit(X[names], y) for names in columns]
    table = logreg.anova(*models)
    results = [logit(y, X[names]) for names in columns]
    assert list(table.columns) == [
        "n_params",
        "log_likelihood",
        "aic",
        "bic",
        "lr_statistic",
        "df",
        "p_value",
    ]
    assert table["n_params"].tolist() == [2, 3, 4]
    np.testing.assert_allclose(table["log_likelihood"], [r.llf for r in results])
    np.testing.assert_allclose(table["aic"], [r.aic for r in results], rtol=1e-9)
    np.testing.assert_allclose(table["bic"], [r.bic for r in results], rtol=1e-9)
    assert np.isnan(table.loc[0, "p_value"])
    for row in (1, 2):
        test = logreg.lr_test(models[row - 1], models[row])
        assert table.loc[row, "lr_statistic"] == test.statistic
        assert table.loc[row, "p_value"] == test.p_value
    with pytest.raises(ValueError, match="two or more models"):
        logreg.anova(models[0])
    with pytest.raises(ValueError, match="not nested"):
        logreg.anova(models[2], models[1])


def test_tables_render_as_html_for_notebooks(spector):
    X, y = spector
    model = unpenalised().fit(X, y)
    page = model.summary()._repr_html_()
    assert page.startswith("<div>") and page.endswith("</div>")
    assert "Log-likelihood:" in page and "<td>GPA</td>" not in page
    assert "GPA" in page and "std_err" in page
    assert "dy_dx" in model.marginal_effects()._repr_html_()
    assert "&chi;" in model.wald_test("GPA")._repr_html_()
    named = unpenalised().fit(X.rename(columns={"GPA": "<b>GPA</b>"}), y)
    assert "<b>GPA</b>" not in named.summary()._repr_html_()  # escaped


# ------------------------------------------------------------ Wald test
def test_wald_test_of_named_terms_equals_statsmodels(spector):
    X, y = spector
    model = unpenalised().fit(X, y)
    ours = model.wald_test(["TUCE", "PSI"])
    reference = logit(y, X).wald_test("TUCE = 0, PSI = 0", use_f=False, scalar=True)
    assert ours.df == 2
    assert ours.statistic == pytest.approx(reference.statistic, rel=RTOL)
    assert ours.p_value == pytest.approx(reference.pvalue, rel=RTOL)
    # One term: the square of its z.
    single = model.wald_test("GPA")
    z = model.summary().to_frame().loc["GPA", "z"]
    assert single.statistic == pytest.approx(z**2, rel=1e-12)


def test_wald_test_of_a_matrix_and_values_equals_statsmodels(spector):
    X, y = spector
    model = unpenalised().fit(X, y)
    R = np.array([[0.0, 1.0, -1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    q = np.array([0.5, 1.0])
    ours = model.wald_test(R, q, cov_type="HC0")
    reference = sm.Logit(y, sm.add_constant(X)).fit(
        disp=0, method="newton", tol=1e-12, cov_type="HC0"
    )
    expected = reference.wald_test((R, q), use_f=False, scalar=True)
    assert ours.statistic == pytest.approx(expected.statistic, rel=RTOL)


def test_multinomial_wald_test_of_a_term_tests_every_class(anes):
    X, y = anes
    model = unpenalised().fit(X, y)
    ours = model.wald_test(["age"])
    reference = sm.MNLogit(y, sm.add_constant(X)).fit(
        disp=0, method="newton", tol=1e-12, maxiter=100
    )
    # statsmodels orders parameters term-major within each class's column.
    n_terms, n_classes = reference.params.shape
    R = np.zeros((n_classes, n_terms * n_classes))
    age = list(reference.params.index).index("age")
    for k in range(n_classes):
        R[k, k * n_terms + age] = 1.0
    expected = reference.wald_test(R, use_f=False, scalar=True)
    assert ours.df == n_classes == 6
    assert ours.statistic == pytest.approx(expected.statistic, rel=RTOL)
    single = model.wald_test([(3, "age")])
    assert single.df == 1


def test_wald_test_refuses_bad_restrictions(spector):
    X, y = spector
    model = unpenalised().fit(X, y)
    with pytest.raises(ValueError, match="Unknown term 'AGE'"):
        model.wald_test(["AGE"])
    with pytest.raises(ValueError, match="named twice"):
        model.wald_test(["GPA", "GPA"])
    with pytest.raises(ValueError, match="one column per reported term"):
        model.wald_test(np.eye(3))
    with pytest.raises(ValueError, match="q must have 2 values"):
        model.wald_test(["GPA", "PSI"], q=[1.0])
    with pytest.raises(ValueError, match="not linearly independent"):
        model.wald_test(np.ones((2, 4)))


# ------------------------------------------------------ prediction intervals
@pytest.mark.parametrize("alpha", [0.05, 0.2])
def test_prediction_intervals_equal_statsmodels_glm(spector, alpha):
    X, y = spector
    model = unpenalised().fit(X, y)
    frame = model.predict_interval(X, alpha=alpha)
    glm = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial()).fit(tol=1e-12)
    expected = glm.get_prediction(sm.add_constant(X)).summary_frame(alpha=alpha)
    assert list(frame.columns) == ["proba", "ci_low", "ci_high"]
    pd.testing.assert_index_equal(frame.index, X.index)
    assert relative_error(frame["proba"], expected["mean"]) < RTOL
    assert relative_error(frame["ci_low"], expected["mean_ci_lower"]) < RTOL
    assert relative_error(frame["ci_high"], expected["mean_ci_upper"]) < RTOL
    assert np.all((frame["ci_low"] <= frame["proba"]) & (frame["proba"] <= 1))
    np.testing.assert_allclose(frame["proba"], model.predict_proba(X)[:, 1])


def test_prediction_intervals_of_sparse_rows_equal_the_dense_ones(spector):
    X, y = spector
    values = X.to_numpy()
    model = unpenalised().fit(values, y)
    dense = model.predict_interval(values)
    pd.testing.assert_frame_equal(
        model.predict_interval(sparse.csr_matrix(values)), dense, rtol=1e-12
    )


def test_prediction_intervals_are_for_binary_models(anes):
    X, y = anes
    with pytest.raises(ValueError, match="binary models only"):
        unpenalised().fit(X, y).predict_interval(X)
