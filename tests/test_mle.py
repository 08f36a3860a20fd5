"""Default unpenalised fits are the maximum-likelihood estimate, whatever the solver.

Standard errors and tests are read at the MLE, to the digits a statistician
compares: each solver at its default ``tol`` (``C=inf``) must give statsmodels'
coefficients and standard errors (``Logit``, ``MNLogit``, ``GLM`` with
frequency weights, each at ``tol=1e-12``) to 1e-6 relative. Before every
unpenalised fit was finished with exact Newton steps, ``auto`` was 7e-5 away
in a coefficient and ``lbfgs`` 1.5e-3 on the first data set below.

Penalised fits keep their speed at ``fit``; the first ``summary()`` finishes
them the same way, so their table is that of the optimum too (checked against
scikit-learn's optimum and a covariance computed here by hand).
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy.special import expit
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

import logreg
from logreg.solvers import SOLVERS

RTOL = 1e-6
ALL_SOLVERS = ["auto", *SOLVERS]


def relative_error(ours, reference) -> float:
    ours, reference = np.asarray(ours, float), np.asarray(reference, float)
    return float(np.max(np.abs(ours - reference) / np.abs(reference)))


def standardised(X: np.ndarray) -> np.ndarray:
    """Columns centred and scaled, so that every first-order solver converges."""
    X = np.asarray(X, dtype=np.float64)
    return (X - X.mean(axis=0)) / X.std(axis=0)


@pytest.fixture(scope="module")
def gaussian():
    """4000 x 5 Gaussian features, labels from a logistic model (as in the issue)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 5))
    y = (
        rng.uniform(size=4000) < expit(X @ rng.normal(scale=0.5, size=5) + 0.3)
    ).astype(int)
    return X, y


@pytest.fixture(scope="module")
def spector():
    data = sm.datasets.spector.load_pandas()
    return standardised(data.exog), np.asarray(data.endog, dtype=int)


@pytest.fixture(scope="module")
def anes():
    data = sm.datasets.anes96.load_pandas().data
    X = data[["logpopul", "selfLR", "age", "educ", "income"]]
    return standardised(X), data["PID"].to_numpy(dtype=int)


@pytest.fixture(scope="module")
def weighted():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 3))
    y = (X @ [1.0, -0.5, 0.25] + 0.3 + rng.logistic(size=400) > 0).astype(int)
    return X, y, rng.integers(1, 5, size=400).astype(float)


def table(model) -> tuple[np.ndarray, np.ndarray]:
    """The summary's coefficients and standard errors, statsmodels' order."""
    frame = model.summary().to_frame()
    return frame["coef"].to_numpy(), frame["std_err"].to_numpy()


@pytest.mark.parametrize("solver", ALL_SOLVERS)
@pytest.mark.parametrize("name", ["gaussian", "spector"])
def test_default_binary_fits_equal_statsmodels_logit(request, name, solver):
    X, y = request.getfixturevalue(name)
    model = logreg.LogisticRegression(C=np.inf, solver=solver, random_state=0)
    coef, std_err = table(model.fit(X, y))
    result = sm.Logit(y, sm.add_constant(X)).fit(
        disp=0, method="newton", tol=1e-12, maxiter=100
    )
    assert relative_error(coef, result.params) < RTOL
    assert relative_error(std_err, result.bse) < RTOL


@pytest.mark.parametrize("solver", ALL_SOLVERS)
def test_default_multinomial_fits_equal_statsmodels_mnlogit(anes, solver):
    X, y = anes
    model = logreg.LogisticRegression(C=np.inf, solver=solver, random_state=0)
    coef, std_err = table(model.fit(X, y))
    result = sm.MNLogit(y, sm.add_constant(X)).fit(
        disp=0, method="newton", tol=1e-12, maxiter=100
    )
    assert relative_error(coef, np.asarray(result.params).T.ravel()) < RTOL
    assert relative_error(std_err, np.asarray(result.bse).T.ravel()) < RTOL


@pytest.mark.parametrize("solver", ALL_SOLVERS)
def test_default_weighted_fits_equal_statsmodels_glm(weighted, solver):
    X, y, weights = weighted
    model = logreg.LogisticRegression(C=np.inf, solver=solver, random_state=0)
    coef, std_err = table(model.fit(X, y, sample_weight=weights))
    result = sm.GLM(
        y, sm.add_constant(X), family=sm.families.Binomial(), freq_weights=weights
    ).fit(tol=1e-12)
    assert relative_error(coef, result.params) < RTOL
    assert relative_error(std_err, result.bse) < RTOL


@pytest.mark.parametrize("solver", ["auto", "lbfgs", "gd"])
def test_a_penalised_summary_is_read_at_the_optimum(gaussian, solver):
    """The first summary() finishes a penalised fit; its table is the optimum's.

    Reference: scikit-learn's optimum at ``tol=1e-12`` and the inverse of the
    penalised Hessian ``X~^T diag(p (1 - p)) X~ + I / C`` (intercept
    unpenalised) computed here from it.
    """
    X, y = gaussian
    C = 0.01
    model = logreg.LogisticRegression(C=C, solver=solver).fit(X, y)
    reference = SkLogisticRegression(
        C=C, solver="newton-cholesky", tol=1e-12, max_iter=100
    ).fit(X, y)
    coef, std_err = table(model)
    expected = np.r_[reference.intercept_, reference.coef_[0]]
    assert relative_error(coef, expected) < RTOL
    # The fitted attributes are the table's point now.
    assert relative_error(np.r_[model.intercept_, model.coef_[0]], expected) < RTOL
    design = np.hstack([np.ones((len(X), 1)), X])
    p = expit(design @ expected)
    penalty = np.diag([0.0, *np.full(X.shape[1], 1 / C)])
    hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty
    assert relative_error(std_err, np.sqrt(np.diag(np.linalg.inv(hessian)))) < RTOL


def test_coefficients_set_by_hand_are_never_replaced(gaussian):
    X, y = gaussian
    model = logreg.LogisticRegression(C=0.01, tol=1e-2).fit(X, y)
    model.coef_ = model.coef_ * 2
    chosen = model.coef_.copy()
    model.summary()
    np.testing.assert_array_equal(model.coef_, chosen)


def test_a_fit_stopped_at_max_iter_stays_where_it_stopped(gaussian):
    """A learner's capped gradient descent is shown as it is, not finished."""
    X, y = gaussian
    with pytest.warns(logreg.solvers.ConvergenceWarning):
        capped = logreg.LogisticRegression(C=np.inf, solver="gd", max_iter=3).fit(X, y)
    reference = logreg.LogisticRegression(C=np.inf).fit(X, y)
    assert np.max(np.abs(capped.coef_ - reference.coef_)) > 1e-3


def test_columns_in_units_far_apart_give_the_same_mle():
    """Scaling a column by s divides its MLE coefficient by s (issue 18, item 13).

    The Newton system is equilibrated before its singularity test: columns
    1e12 apart in scale are not collinear.
    """
    from sklearn.datasets import make_classification

    X, y = make_classification(
        200, 4, n_informative=4, n_redundant=0, flip_y=0.3, random_state=0
    )
    scale = np.array([1e6, 1e-6, 1.0, 1.0])
    reference = sm.Logit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12)
    for solver in ("auto", "newton", "lbfgs"):
        model = logreg.LogisticRegression(C=np.inf, solver=solver).fit(X * scale, y)
        assert model.converged_
        np.testing.assert_allclose(
            model.coef_[0] * scale, reference.params[1:], rtol=1e-6
        )


def test_sample_weights_that_overflow_are_refused():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="divide them by a constant"):
        logreg.LogisticRegression(C=np.inf).fit(X, y, sample_weight=np.full(4, 1e308))
