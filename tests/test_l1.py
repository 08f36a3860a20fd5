"""L1 and elastic net: the objective's L1 calls, the proximal solvers, parity.

References are independent of ``logreg``: scikit-learn's ``saga`` at a tight
tolerance and the objective of ``reference.py`` (scikit-learn's formula with
SciPy's special functions), finite differences, a brute-force 1-D minimiser
for the proximal map, and closed forms (the all-zero lasso solution and the
first feature to enter the path).
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import minimize_scalar
from sklearn.utils.estimator_checks import parametrize_with_checks

import logreg
from logreg.data.sources import InMemorySource
from logreg.objective import LogisticObjective
from logreg.solvers import (
    L1_SOLVERS,
    SOLVERS,
    ConvergenceWarning,
    SolverOptions,
    resolve_solver,
)
from logreg.solvers.auto import MAX_NEWTON_PARAMS
from reference import L1_DATASETS, load, saga_optimum, sklearn_objective

L1_RATIOS = [1.0, 0.5]
PARITY_CS = [0.05, 0.5]
#: Coefficients smaller than this count as zero when comparing with saga.
ZERO = 1e-6


def make_objective(X, y, C, l1_ratio, fit_intercept=True, weights=None):
    classes, codes = np.unique(y, return_inverse=True)
    weights = np.ones(len(y)) if weights is None else weights
    source = InMemorySource(X, codes, weights)
    return LogisticObjective(source, len(classes), C, fit_intercept, l1_ratio)


def reference_value(objective, X, y, w, weights=None) -> float:
    """The independent scaled objective at the flat parameters ``w``."""
    coef, intercept = objective.unpack(w)
    return sklearn_objective(
        X, y, coef, intercept, objective.C, weights, objective.l1_ratio
    )


@pytest.fixture(params=[2, 3], ids=["binary", "multinomial"])
def problem(request, noisy_data):
    """A small noisy problem, its objective at C=0.7 and l1_ratio=0.6, and a point."""
    n_classes = request.param
    X, y = noisy_data(60, 5, n_classes, seed=n_classes)
    weights = np.random.default_rng(1).uniform(0.2, 2.0, size=len(y))
    objective = make_objective(X, y, 0.7, 0.6, weights=weights)
    w = np.random.default_rng(2).normal(size=objective.n_params)
    w[::3] = 0.0  # some exact zeros, where the L1 term has a kink
    return X, y, weights, objective, w


# ------------------------------------------------------------ the objective
def test_penalty_strengths_split_one_over_C_S(problem):
    X, y, weights, objective, _ = problem
    scale = 1.0 / (objective.C * weights.sum())
    assert objective.alpha == pytest.approx(0.4 * scale, rel=1e-14)
    assert objective.l1_strength == pytest.approx(0.6 * scale, rel=1e-14)
    unpenalised = make_objective(X, y, np.inf, 0.6, weights=weights)
    assert unpenalised.alpha == unpenalised.l1_strength == 0.0
    mask = np.ones((objective.n_rows, objective.n_cols))
    mask[:, -1] = 0.0
    assert_allclose(objective.l1_weights, objective.l1_strength * mask.ravel())


def test_composite_value_matches_reference(problem):
    X, y, weights, objective, w = problem
    expected = reference_value(objective, X, y, w, weights)
    assert_allclose(objective.composite_value(w), expected, rtol=1e-13)
    # The smooth part is everything but lambda * ||W||_1.
    coef, _ = objective.unpack(w)
    l1 = objective.l1_ratio * np.abs(coef).sum() / (objective.C * weights.sum())
    assert_allclose(objective.value(w), expected - l1, rtol=1e-13)
    assert_allclose(objective.l1_penalty(w), l1, rtol=1e-13)


def test_smooth_gradient_matches_finite_differences(problem):
    """The gradient of the smooth part, with L2 strength (1 - l1_ratio) / (C S)."""
    X, y, weights, objective, w = problem
    coef_index = objective.l1_weights > 0

    def smooth_reference(v):
        coef, _ = objective.unpack(v)
        l1 = objective.l1_ratio * np.abs(coef).sum() / (objective.C * weights.sum())
        return reference_value(objective, X, y, v, weights) - l1

    h = 1e-6
    expected = np.array(
        [
            (smooth_reference(w + h * e) - smooth_reference(w - h * e)) / (2 * h)
            for e in np.eye(len(w))
        ]
    )
    _, grad = objective.value_and_grad(w)
    assert_allclose(grad, expected, rtol=1e-6, atol=1e-9)
    assert coef_index.sum() > 0


def test_prox_is_the_one_dimensional_minimiser(problem):
    """Each entry of prox_l1 minimises (u - w_j)^2 / 2 + t lambda_j |u|."""
    _, _, _, objective, w = problem
    rng = np.random.default_rng(3)
    for step in (0.3 / objective.l1_strength, rng.uniform(0.1, 5, w.size) / 10):
        proximal = objective.prox_l1(w, step)
        steps = np.broadcast_to(step, w.shape)
        for j, (target, t, lam) in enumerate(
            zip(w, steps, objective.l1_weights, strict=True)
        ):
            brute = minimize_scalar(
                lambda u, target=target, t=t, lam=lam: (
                    0.5 * (u - target) ** 2 + t * lam * abs(u)
                ),
                bracket=(-10, 10),
                tol=1e-12,
            ).x
            assert proximal[j] == pytest.approx(brute, abs=1e-6)
        # Exact zeros (not merely small) where the threshold swallows w_j.
        swallowed = np.abs(w) <= steps * objective.l1_weights
        assert np.all(proximal[swallowed] == 0.0)
    intercepts = objective.l1_weights == 0
    assert_allclose(objective.prox_l1(w, 10.0)[intercepts], w[intercepts], rtol=0)


def test_min_norm_subgradient_is_steepest_descent(problem):
    """F(w - t r) = F(w) - t |r|^2 + O(t^2): r is the least-norm subgradient.

    The one-sided derivative of F along -r equals -|r|^2 only for the
    least-norm element of the subdifferential, so this checks the formula
    (including the kinks at the zero entries) against the reference.
    """
    X, y, weights, objective, w = problem
    _, grad = objective.value_and_grad(w)
    residual = objective.min_norm_subgradient(w, grad)
    f0 = reference_value(objective, X, y, w, weights)
    t = 1e-7
    slope = (reference_value(objective, X, y, w - t * residual, weights) - f0) / t
    assert slope == pytest.approx(-float(residual @ residual), rel=1e-4)
    # At a zero entry whose gradient is within lambda the residual is zero.
    inside = (w == 0) & (np.abs(grad) <= objective.l1_weights)
    assert np.all(residual[inside] == 0.0)


def test_min_norm_subgradient_without_l1_is_the_gradient(problem):
    X, y, weights, _, w = problem
    ridge = make_objective(X, y, 0.7, 0.0, weights=weights)
    _, grad = ridge.value_and_grad(w)
    assert ridge.min_norm_subgradient(w, grad) is grad
    assert ridge.l1_penalty(w) == 0.0
    assert_allclose(ridge.prox_l1(w, 3.0), w, rtol=0)


def test_subsampled_keeps_both_penalty_strengths(problem):
    _, _, _, objective, _ = problem
    half = objective.subsampled(2)
    assert half.alpha == pytest.approx(objective.alpha, rel=1e-12)
    assert half.l1_strength == pytest.approx(objective.l1_strength, rel=1e-12)


def test_pure_l1_multinomial_has_only_the_intercept_flat_direction(noisy_data):
    """Equal shifts of all K coefficient rows change ||W||_1: not flat any more."""
    X, y = noisy_data(40, 3, 3)
    objective = make_objective(X, y, 1.0, 1.0)
    flat = objective.flat_directions()
    assert flat.shape == (objective.n_params, 1)
    w = np.random.default_rng(4).normal(size=objective.n_params)
    value = objective.composite_value(w)
    assert objective.composite_value(w + flat[:, 0]) == pytest.approx(value, rel=1e-12)


# ---------------------------------------------------- parity with saga
def check_against_saga(name, C, l1_ratio, coef, intercept):
    """Objective within 1e-6 (and not worse than saga's 1e-9), same zeros."""
    X, y = load(name)
    reference, model = saga_optimum(name, C, l1_ratio)
    value = sklearn_objective(X, y, coef, intercept, C, None, l1_ratio)
    assert abs(value - reference) <= 1e-6 * abs(reference)
    assert value <= reference + 1e-9 * abs(reference)
    np.testing.assert_array_equal(np.abs(coef) > ZERO, np.abs(model.coef_) > ZERO)
    # Exact zeros where saga has exact zeros: the solution is truly sparse.
    assert np.all(coef[model.coef_ == 0] == 0.0)


@pytest.mark.parametrize("C", PARITY_CS)
@pytest.mark.parametrize("l1_ratio", L1_RATIOS)
@pytest.mark.parametrize("name", L1_DATASETS)
def test_auto_reaches_the_saga_optimum(name, l1_ratio, C):
    X, y = load(name)
    model = logreg.LogisticRegression(C=C, l1_ratio=l1_ratio, tol=1e-8).fit(X, y)
    assert model.solver_ == "prox-newton"
    check_against_saga(name, C, l1_ratio, model.coef_, model.intercept_)
    _, sklearn_model = saga_optimum(name, C, l1_ratio)
    assert_allclose(
        model.predict_proba(X), sklearn_model.predict_proba(X), rtol=0, atol=1e-4
    )


FISTA_CASES = [
    ("breast_cancer", 0.05),
    ("breast_cancer", 0.5),
    ("signal200", 0.5),
    ("digits", 0.05),
]


@pytest.mark.parametrize(("name", "C"), FISTA_CASES)
@pytest.mark.parametrize("l1_ratio", L1_RATIOS)
def test_fista_reaches_the_saga_optimum(name, l1_ratio, C):
    X, y = load(name)
    model = logreg.LogisticRegression(
        C=C, l1_ratio=l1_ratio, solver="fista", tol=1e-8
    ).fit(X, y)
    check_against_saga(name, C, l1_ratio, model.coef_, model.intercept_)


# The assertion is on the objective reached; sgd may stop at max_iter first.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "settings",
    [
        {"solver": "gd", "tol": 1e-6},
        {"solver": "gd", "tol": 1e-6, "momentum": 0.9, "nesterov": True},
        {"solver": "sgd", "tol": 1e-7, "random_state": 0, "max_iter": 500},
    ],
    ids=["gd", "gd-nesterov", "sgd"],
)
@pytest.mark.parametrize("l1_ratio", L1_RATIOS)
def test_first_order_solvers_reach_the_saga_optimum(settings, l1_ratio):
    name, C = "breast_cancer", 0.5
    X, y = load(name)
    model = logreg.LogisticRegression(C=C, l1_ratio=l1_ratio, **settings)
    model.fit(X, y)
    reference, sklearn_model = saga_optimum(name, C, l1_ratio)
    value = sklearn_objective(X, y, model.coef_, model.intercept_, C, None, l1_ratio)
    assert abs(value - reference) <= 1e-4 * reference
    if settings["solver"] == "gd":  # proximal steps give exact zeros
        np.testing.assert_array_equal(model.coef_ == 0, sklearn_model.coef_ == 0)


def test_prox_newton_converges_superlinearly():
    X, y = load("breast_cancer")
    objective = make_objective(X, y, 0.5, 0.5)
    result = SOLVERS["prox-newton"](
        objective, np.zeros(objective.n_params), SolverOptions(tol=1e-12)
    )
    assert result.converged and result.n_iter <= 15
    residuals = [r.grad_max for r in result.history if r.grad_max > 1e-14]
    assert residuals[-1] <= 10 * residuals[-2] ** 1.5
    values = [r.value for r in result.history]
    assert values == sorted(values, reverse=True)  # monotone in F


def test_subsampled_hessian_reaches_the_same_optimum():
    X, y = load("signal200")
    objective = make_objective(X, y, 0.5, 0.5)
    exact, sketched = (
        SOLVERS["prox-newton"](
            objective,
            np.zeros(objective.n_params),
            SolverOptions(tol=1e-10, hessian_subsample=k),
        )
        for k in (1, 4)
    )
    assert exact.converged and sketched.converged
    assert_allclose(sketched.w, exact.w, atol=1e-8)
    np.testing.assert_array_equal(sketched.w == 0, exact.w == 0)


@pytest.mark.parametrize("solver", ["prox-newton", "fista"])
@pytest.mark.parametrize("name", ["breast_cancer", "wine"])
def test_without_l1_the_proximal_solvers_reach_the_l2_optimum(solver, name):
    X, y = load(name)
    newton = logreg.LogisticRegression(solver="newton", tol=1e-10).fit(X, y)
    model = logreg.LogisticRegression(solver=solver, tol=1e-9).fit(X, y)
    assert_allclose(model.predict_proba(X), newton.predict_proba(X), atol=1e-7)


def test_fixed_step_gd_is_hand_written_ista():
    """gd with a learning rate and L1 is w <- soft(w - lr grad, lr lambda)."""
    X, y = load("breast_cancer")
    C, l1_ratio, lr, steps = 0.5, 0.7, 0.5, 30
    model = logreg.LogisticRegression(
        C=C, l1_ratio=l1_ratio, solver="gd", learning_rate=lr, max_iter=steps, tol=0
    )
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    n = len(y)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
        grad_w = X.T @ (p - y) / n + (1 - l1_ratio) / (C * n) * w
        u = w - lr * grad_w
        threshold = lr * l1_ratio / (C * n)
        w = np.sign(u) * np.maximum(np.abs(u) - threshold, 0.0)
        b = b - lr * np.mean(p - y)
    assert_allclose(model.coef_[0], w, rtol=1e-10, atol=1e-14)
    assert_allclose(model.intercept_[0], b, rtol=1e-10)


# --------------------------------------------------------- closed forms
@pytest.mark.parametrize("solver", ["prox-newton", "fista", "gd"])
def test_lasso_is_all_zero_below_the_critical_C_and_enters_one_feature(solver):
    """For pure L1, W = 0 is optimal iff C max_j |x_j^T (y - p0)| <= 1.

    ``p0`` is the intercept-only fit, the class frequency. Just above that
    C exactly the feature attaining the maximum enters.
    """
    X, y = load("breast_cancer")
    p0 = y.mean()
    scores = np.abs(X.T @ (y - p0))
    critical = 1.0 / scores.max()
    tol = 1e-7 if solver == "gd" else 1e-9
    below = logreg.LogisticRegression(
        C=0.99 * critical, l1_ratio=1.0, solver=solver, tol=tol
    ).fit(X, y)
    assert np.all(below.coef_ == 0.0)
    assert below.intercept_[0] == pytest.approx(np.log(p0 / (1 - p0)), rel=1e-6)
    above = logreg.LogisticRegression(
        C=1.05 * critical, l1_ratio=1.0, solver=solver, tol=tol
    ).fit(X, y)
    np.testing.assert_array_equal(np.flatnonzero(above.coef_[0]), [scores.argmax()])


def test_weights_equal_row_repetition_with_l1():
    X, y = load("breast_cancer")
    counts = np.random.default_rng(0).integers(0, 4, size=len(y))
    settings = {"C": 0.5, "l1_ratio": 0.8, "tol": 1e-10}
    weighted = logreg.LogisticRegression(**settings).fit(X, y, sample_weight=counts)
    repeated = logreg.LogisticRegression(**settings).fit(
        np.repeat(X, counts, axis=0), np.repeat(y, counts)
    )
    assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(weighted.coef_ == 0, repeated.coef_ == 0)


def test_float32_data_reach_the_float64_optimum():
    X, y = load("signal200")
    exact = logreg.LogisticRegression(C=0.5, l1_ratio=1.0, tol=1e-8).fit(X, y)
    single = logreg.LogisticRegression(C=0.5, l1_ratio=1.0, tol=1e-5)
    single.fit(X.astype(np.float32), y)
    values = [
        sklearn_objective(X, y, m.coef_, m.intercept_, 0.5, None, 1.0)
        for m in (exact, single)
    ]
    assert (values[1] - values[0]) / values[0] <= 1e-6


# ------------------------------------------------- estimator surface
def test_loss_curve_is_the_whole_objective():
    X, y = load("iris")
    model = logreg.LogisticRegression(C=0.3, l1_ratio=0.5, tol=1e-8).fit(X, y)
    final = sklearn_objective(X, y, model.coef_, model.intercept_, 0.3, None, 0.5)
    assert model.loss_curve_[-1] == pytest.approx(final, rel=1e-12)
    assert len(model.loss_curve_) == model.n_iter_


def test_auto_picks_prox_newton_then_working_sets_by_size():
    assert resolve_solver("auto", 100, MAX_NEWTON_PARAMS, l1=True) == "prox-newton"
    assert resolve_solver("auto", 100, MAX_NEWTON_PARAMS + 1, l1=True) == (
        "ws-prox-newton"
    )
    assert resolve_solver("auto", 100, 10) == "newton"
    X, y = load("digits")
    wide = np.hstack([X] * 4)  # 10 classes x 257 columns > the Newton cap
    model = logreg.LogisticRegression(C=0.01, l1_ratio=1.0, tol=1e-3).fit(wide, y)
    assert model.solver_ == "ws-prox-newton"
    assert set(L1_SOLVERS) <= set(SOLVERS)


@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
def test_smooth_solvers_refuse_an_l1_term(solver, noisy_data):
    X, y = noisy_data(200, 3, 3)  # overlapping classes: a finite unpenalised fit
    model = logreg.LogisticRegression(l1_ratio=0.1, solver=solver)
    with pytest.raises(ValueError, match="cannot fit an L1 penalty") as info:
        model.fit(X, y)
    for name in L1_SOLVERS:
        assert repr(name) in str(info.value)
    assert not hasattr(model, "coef_")
    # Without a penalty (C = inf) l1_ratio has no effect: nothing to refuse.
    free = logreg.LogisticRegression(C=np.inf, l1_ratio=0.5, solver=solver, tol=1e-8)
    plain = logreg.LogisticRegression(C=np.inf, solver=solver, tol=1e-8)
    assert_allclose(free.fit(X, y).coef_, plain.fit(X, y).coef_, rtol=1e-12)


@pytest.mark.parametrize("l1_ratio", [-0.1, 1.5, np.nan, "0.5", None])
def test_l1_ratio_out_of_range_is_a_clear_error(l1_ratio):
    X, y = load("iris")
    with pytest.raises(ValueError, match=r"'l1_ratio' parameter .* \[0, 1\]"):
        logreg.LogisticRegression(l1_ratio=l1_ratio).fit(X, y)


def test_non_convergence_warns():
    X, y = load("breast_cancer")
    model = logreg.LogisticRegression(C=0.5, l1_ratio=1.0, max_iter=2, tol=1e-12)
    with pytest.warns(ConvergenceWarning, match="prox-newton"):
        model.fit(X, y)
    assert not model.converged_


def test_warm_start_continues_from_the_previous_fit():
    X, y = load("breast_cancer")
    model = logreg.LogisticRegression(C=0.5, l1_ratio=1.0, tol=1e-8, warm_start=True)
    cold_iterations = model.fit(X, y).n_iter_
    assert model.fit(X, y).n_iter_ < cold_iterations


def test_summary_refuses_an_l1_fit():
    X, y = load("breast_cancer")
    model = logreg.LogisticRegression(C=0.5, l1_ratio=0.5).fit(X, y)
    with pytest.raises(ValueError, match="L1-penalised"):
        model.summary()
    with pytest.raises(ValueError, match="L1-penalised"):
        model.marginal_effects()


@parametrize_with_checks([logreg.LogisticRegression(l1_ratio=0.5)])
def test_sklearn_estimator_checks_with_elastic_net(estimator, check):
    check(estimator)
