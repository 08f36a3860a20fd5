"""Parity with scikit-learn: every solver reaches scikit-learn's optimum."""

from __future__ import annotations

import numpy as np
import pytest

import logreg
from logreg.data.sources import InMemorySource
from logreg.objective import LogisticObjective
from logreg.solvers import SOLVERS, SolverOptions
from reference import PARITY_DATASETS, load, sklearn_objective, sklearn_optimum

C_VALUES = [0.01, 1.0, 100.0]


def relative_gap(name, C, model, standardize=False) -> float:
    X, y = load(name, standardize)
    reference, _ = sklearn_optimum(name, C, standardize)
    value = sklearn_objective(X, y, model.coef_, model.intercept_, C)
    return abs(value - reference) / abs(reference)


@pytest.mark.parametrize("C", C_VALUES)
@pytest.mark.parametrize("name", PARITY_DATASETS)
@pytest.mark.parametrize("solver", ["newton", "lbfgs", "auto"])
def test_second_order_solvers_reach_sklearn_optimum(solver, name, C):
    X, y = load(name)
    model = logreg.LogisticRegression(C=C, solver=solver, tol=1e-8).fit(X, y)
    assert relative_gap(name, C, model) <= 1e-7
    _, sklearn_model = sklearn_optimum(name, C)
    np.testing.assert_allclose(
        model.predict_proba(X), sklearn_model.predict_proba(X), rtol=0, atol=1e-5
    )
    np.testing.assert_array_equal(model.classes_, sklearn_model.classes_)


@pytest.mark.parametrize("C", C_VALUES)
@pytest.mark.parametrize("name", ["wine", "digits", "breast_cancer"])
@pytest.mark.parametrize("solver", ["newton", "auto"])
def test_newton_reaches_sklearn_optimum_on_unscaled_data(solver, name, C):
    """As scikit-learn ships them: columns differing in scale by up to 10^4.

    L-BFGS (ours and scikit-learn's alike) needs thousands of iterations
    here, which is why ``"auto"`` picks Newton for such shapes.
    """
    X, y = load(name, raw=True)
    model = logreg.LogisticRegression(C=C, solver=solver, tol=1e-8).fit(X, y)
    reference, sklearn_model = sklearn_optimum(name, C, raw=True)
    value = sklearn_objective(X, y, model.coef_, model.intercept_, C)
    assert abs(value - reference) / abs(reference) <= 1e-7
    np.testing.assert_allclose(
        model.predict_proba(X), sklearn_model.predict_proba(X), rtol=0, atol=1e-5
    )


# The assertion is on the objective reached; sgd may stop at max_iter first.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("C", C_VALUES)
@pytest.mark.parametrize("name", PARITY_DATASETS)
@pytest.mark.parametrize(
    "settings",
    [
        {"solver": "gd", "tol": 1e-6},
        {"solver": "gd", "tol": 1e-6, "momentum": 0.9, "nesterov": True},
        {"solver": "sgd", "tol": 1e-6, "max_iter": 1000, "random_state": 0},
    ],
    ids=["gd", "gd-nesterov", "sgd"],
)
def test_first_order_solvers_reach_sklearn_optimum(settings, name, C):
    X, y = load(name, standardize=True)
    model = logreg.LogisticRegression(C=C, **settings)
    with np.errstate(all="raise"):
        model.fit(X, y)
    assert relative_gap(name, C, model, standardize=True) <= 1e-3


@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
@pytest.mark.parametrize("solver", ["newton", "lbfgs", "gd"])
def test_sample_weights_equal_row_repetition(solver, name):
    X, y = load(name, standardize=True)
    counts = np.random.default_rng(0).integers(0, 4, size=len(y))
    settings = {"solver": solver, "tol": 1e-8 if solver == "gd" else 1e-10}
    weighted = logreg.LogisticRegression(**settings).fit(X, y, sample_weight=counts)
    repeated = logreg.LogisticRegression(**settings).fit(
        np.repeat(X, counts, axis=0), np.repeat(y, counts)
    )
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(
        weighted.intercept_, repeated.intercept_, rtol=1e-6, atol=1e-7
    )


@pytest.mark.parametrize("name", ["breast_cancer", "iris"])
def test_sgd_with_sample_weights_reaches_weighted_optimum(name):
    X, y = load(name, standardize=True)
    counts = np.random.default_rng(0).integers(0, 4, size=len(y))
    exact = logreg.LogisticRegression(solver="newton", tol=1e-10)
    exact.fit(X, y, sample_weight=counts)
    sgd = logreg.LogisticRegression(solver="sgd", tol=1e-6, random_state=0)
    sgd.fit(X, y, sample_weight=counts)
    optimum, reached = (
        sklearn_objective(X, y, m.coef_, m.intercept_, 1.0, counts)
        for m in (exact, sgd)
    )
    assert 0 <= (reached - optimum) / optimum <= 1e-3


@pytest.mark.parametrize("C", C_VALUES)
@pytest.mark.parametrize("name", PARITY_DATASETS)
def test_subsampled_newton_reaches_sklearn_optimum(name, C):
    """Newton with the Hessian from every 4th row still finds the exact optimum."""
    X, y = load(name)
    classes, codes = np.unique(y, return_inverse=True)
    objective = LogisticObjective(
        InMemorySource(X, codes, np.ones(len(y))), len(classes), C
    )
    result = SOLVERS["newton"](
        objective,
        np.zeros(objective.n_params),
        SolverOptions(tol=1e-8, max_iter=200, hessian_subsample=4),
    )
    assert result.converged
    coef, intercept = objective.unpack(result.w)
    reference, _ = sklearn_optimum(name, C)
    value = sklearn_objective(X, y, coef, intercept, C)
    assert abs(value - reference) / abs(reference) <= 1e-7
