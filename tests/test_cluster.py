"""Cluster-robust standard errors against statsmodels' ``cov_type="cluster"``.

statsmodels' default correction for discrete models is
``G / (G - 1) * (N - 1) / (N - K)``; the references are its ``Logit`` and
``MNLogit`` at ``tol=1e-12`` on the data it ships.
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

import logreg

KWARGS = {"disp": 0, "method": "newton", "tol": 1e-12, "maxiter": 100}


def test_binary_cluster_errors_equal_statsmodels():
    data = sm.datasets.spector.load_pandas()
    X, y = data.exog, data.endog.astype(int)
    groups = np.arange(len(y)) % 8
    model = logreg.LogisticRegression(C=np.inf).fit(X, y)
    frame = model.summary(cov_type="cluster", groups=groups).to_frame()
    result = sm.Logit(y, sm.add_constant(X)).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, **KWARGS
    )
    np.testing.assert_allclose(frame["std_err"], result.bse, rtol=1e-6)
    np.testing.assert_allclose(frame["p_value"], result.pvalues, rtol=1e-5)
    # Each row its own cluster: HC0 times N / (N - 1) * (N - 1) / (N - K).
    singletons = model.summary(cov_type="cluster", groups=np.arange(len(y)))
    hc1 = model.summary(cov_type="HC1").to_frame()["std_err"]
    np.testing.assert_allclose(singletons.to_frame()["std_err"], hc1, rtol=1e-10)


def test_multinomial_cluster_errors_equal_statsmodels():
    data = sm.datasets.anes96.load_pandas().data
    X = data[["logpopul", "selfLR", "age", "educ", "income"]]
    y = data["PID"].astype(int)
    groups = np.arange(len(y)) % 20
    model = logreg.LogisticRegression(C=np.inf).fit(X, y)
    frame = model.summary(cov_type="cluster", groups=groups).to_frame()
    result = sm.MNLogit(y, sm.add_constant(X)).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, **KWARGS
    )
    expected = np.asarray(result.bse).T.ravel()
    np.testing.assert_allclose(frame["std_err"], expected, rtol=1e-6)


def test_cluster_errors_say_what_they_need(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    y = (X[:, 0] + rng.logistic(size=100) > 0).astype(int)
    model = logreg.LogisticRegression(C=np.inf).fit(X, y)
    with pytest.raises(ValueError, match="needs groups="):
        model.summary(cov_type="cluster")
    with pytest.raises(ValueError, match="one label per training row"):
        model.summary(cov_type="cluster", groups=np.zeros(5))
    with pytest.raises(ValueError, match="at least 2 groups"):
        model.summary(cov_type="cluster", groups=np.zeros(100))
    model.save(tmp_path / "m.json")
    with pytest.raises(ValueError, match="needs the training rows"):
        logreg.load(tmp_path / "m.json").summary(cov_type="cluster", groups=y)
