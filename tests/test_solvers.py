"""The solver contract, each solver's own behaviour, and the ``auto`` rule."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import minimize

import logreg
from logreg.data.sources import InMemorySource
from logreg.objective import LogisticObjective
from logreg.solvers import (
    SOLVERS,
    DivergenceError,
    SingularHessianWarning,
    SolverOptions,
    polish,
    resolve_solver,
)
from logreg.solvers._base import line_search_trials
from logreg.solvers.auto import MAX_NEWTON_PARAMS
from logreg.solvers.newton import POLISH_MAX_STEPS
from reference import load, sklearn_objective


def make_objective(name="breast_cancer", C=1.0, X=None, y=None):
    if X is None:
        X, y = load(name)
    classes, codes = np.unique(y, return_inverse=True)
    source = InMemorySource(np.ascontiguousarray(X), codes, np.ones(len(y)))
    return LogisticObjective(source, len(classes), C)


@pytest.mark.parametrize("solver", sorted(SOLVERS))
def test_contract_history_and_callback(solver):
    objective = make_objective("iris")
    seen = []
    result = SOLVERS[solver](
        objective,
        np.zeros(objective.n_params),
        SolverOptions(tol=1e-6, max_iter=300, random_state=np.random.default_rng(0)),
        lambda record, w: seen.append((record.iteration, w.copy())),
    )
    assert result.n_iter == len(result.history) == len(seen) > 0
    assert [r.iteration for r in result.history] == list(range(1, result.n_iter + 1))
    # Each record's value is the objective at the parameters the callback saw.
    for record, (_, w) in zip(result.history, seen, strict=True):
        assert record.value == pytest.approx(objective.value(w), rel=1e-12)
    times = [r.time for r in result.history]
    assert times == sorted(times)
    assert result.w.shape == (objective.n_params,)


def test_scipy_reference_optimum_agrees_with_newton():
    """Newton's optimum equals SciPy's trust-region Newton-CG on our derivatives."""
    objective = make_objective("breast_cancer")
    w0 = np.zeros(objective.n_params)
    reference = minimize(
        objective.value_and_grad,
        w0,
        jac=True,
        hessp=objective.hessp,
        method="trust-ncg",
        options={"gtol": 1e-10},
    )
    result = SOLVERS["newton"](objective, w0, SolverOptions(tol=1e-10))
    np.testing.assert_allclose(result.w, reference.x, rtol=1e-6, atol=1e-8)


def test_newton_converges_quadratically():
    objective = make_objective("breast_cancer")
    result = SOLVERS["newton"](
        objective, np.zeros(objective.n_params), SolverOptions(tol=1e-12)
    )
    assert result.converged and result.n_iter <= 12
    grads = [r.grad_max for r in result.history if r.grad_max > 1e-13]
    # Locally quadratic: the last steps at least square the error (up to scale).
    assert grads[-1] <= 10 * grads[-2] ** 1.5


def test_newton_takes_minimum_norm_steps_on_a_singular_hessian():
    X, y = load("imbalanced")  # overlapping classes: a finite unpenalised optimum
    X = np.hstack([X, X[:, :1]])  # a duplicated column: singular without penalty
    model = logreg.LogisticRegression(C=np.inf, solver="newton", tol=1e-8)
    with pytest.warns(SingularHessianWarning, match="minimum-norm Newton steps"):
        model.fit(X, y)
    assert model.converged_ and model.n_iter_ < 20
    # Minimum-norm steps from zero never move along the null direction
    # (+1 on the column, -1 on its copy): the two share their coefficient.
    assert model.coef_[0, 0] == pytest.approx(model.coef_[0, -1], rel=1e-9)
    # The fitted probabilities are unique even where coefficients are not.
    single = logreg.LogisticRegression(C=np.inf, solver="lbfgs", tol=1e-8)
    single.fit(X[:, :-1], y)
    np.testing.assert_allclose(
        model.predict_proba(X), single.predict_proba(X[:, :-1]), atol=1e-5
    )


class AscentHessian(LogisticObjective):
    """An objective whose Hessian has the wrong sign: Newton steps climb."""

    def value_grad_hessian(self, w):
        value, grad, hessian = super().value_grad_hessian(w)
        return value, grad, -hessian


def test_newton_hands_over_to_lbfgs_when_its_steps_cannot_descend():
    X, y = load("breast_cancer")
    source = InMemorySource(np.ascontiguousarray(X), y, np.ones(len(y)))
    objective = AscentHessian(source, 2, 1.0)
    w0 = np.zeros(objective.n_params)
    with pytest.warns(SingularHessianWarning, match="continuing with L-BFGS"):
        result = SOLVERS["newton"](objective, w0, SolverOptions(tol=1e-8))
    expected = SOLVERS["newton"](make_objective(), w0, SolverOptions(tol=1e-10))
    assert result.converged
    np.testing.assert_allclose(result.w, expected.w, rtol=1e-5, atol=1e-6)


def _line_search_failure_after(values):
    """A stand-in for SciPy's minimize: accepts iterates of these objective
    values, then stops as L-BFGS-B does when its line search fails."""
    from types import SimpleNamespace

    def minimize(fun, x0, callback, **kwargs):
        for value in values:
            fun(x0)
            callback(SimpleNamespace(fun=value, x=x0))
        message = "ABNORMAL: "
        return SimpleNamespace(x=x0, nit=len(values), status=2, message=message)

    return minimize


@pytest.mark.parametrize(
    ("dtype", "last_value", "converged"),
    [
        # float32 kernels: a last gain of 1e-9 relative is below their rounding.
        (np.float32, 1.0 - 1e-9, True),
        (np.float32, 1.0 - 1e-5, False),
        # float64 kernels resolve a gain of 1e-9: the stop is a failure.
        (np.float64, 1.0 - 1e-9, False),
    ],
)
def test_lbfgs_line_search_stop_converged_only_below_the_kernels_rounding(
    monkeypatch, dtype, last_value, converged
):
    import logreg.solvers.lbfgs as lbfgs

    X, y = load("breast_cancer")
    source = InMemorySource(np.ascontiguousarray(X, dtype=dtype), y, np.ones(len(y)))
    objective = LogisticObjective(source, 2, 1.0)
    monkeypatch.setattr(
        lbfgs, "minimize", _line_search_failure_after([2.0, 1.0, last_value])
    )
    result = lbfgs.solve(
        objective, np.zeros(objective.n_params), SolverOptions(tol=1e-12)
    )
    assert result.converged is converged
    assert "precision was reached" in result.message


def test_fixed_step_gd_matches_hand_written_descent():
    """gd with a learning rate is exactly w <- w - lr * grad of the mean loss."""
    X, y = load("blobs")
    lr, epochs = 0.05, 25
    model = logreg.LogisticRegression(
        C=np.inf, solver="gd", learning_rate=lr, max_iter=epochs, tol=0.0
    )
    with pytest.warns(logreg.ConvergenceWarning):
        model.fit(X, y)
    w, b = np.zeros(2), 0.0
    for _ in range(epochs):
        p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
        w, b = w - lr * X.T @ (p - y) / len(y), b - lr * np.mean(p - y)
    np.testing.assert_allclose(model.coef_[0], w, rtol=1e-12)
    np.testing.assert_allclose(model.intercept_[0], b, rtol=1e-12)


@pytest.mark.parametrize("solver", ["gd", "sgd"])
def test_divergence_is_an_error_never_nan(solver):
    X, y = load("iris")
    model = logreg.LogisticRegression(
        solver=solver, learning_rate=1e8, max_iter=50, random_state=0, C=np.inf
    )
    with pytest.raises(DivergenceError, match="diverged"):
        model.fit(X * 1e3, y)
    assert not hasattr(model, "coef_")


def test_sgd_is_reproducible_and_seed_dependent():
    X, y = load("breast_cancer")
    fits = [
        logreg.LogisticRegression(solver="sgd", random_state=seed, max_iter=5)
        for seed in (0, 0, 1)
    ]
    for model in fits:
        with pytest.warns(logreg.ConvergenceWarning):
            model.fit(X, y)
    np.testing.assert_array_equal(fits[0].coef_, fits[1].coef_)
    assert not np.array_equal(fits[0].coef_, fits[2].coef_)


@pytest.mark.parametrize("C", [0.1, 10.0])
def test_every_solver_minimises_the_same_objective(C):
    X, y = load("wine")
    values = {}
    for solver in sorted(SOLVERS):
        model = logreg.LogisticRegression(
            C=C, solver=solver, tol=1e-7, max_iter=3000, random_state=0
        ).fit(X, y)
        values[solver] = sklearn_objective(X, y, model.coef_, model.intercept_, C)
    best = min(values.values())
    for solver, value in values.items():
        assert (value - best) / best <= (1e-3 if solver == "sgd" else 1e-6), solver


def test_auto_rule_by_shape():
    assert resolve_solver("auto", 10_000, MAX_NEWTON_PARAMS) == "newton"
    assert resolve_solver("auto", 10_000, MAX_NEWTON_PARAMS + 1) == "newton-cg"
    assert resolve_solver("gd", 10, 10) == "gd"
    X, y = load("digits")  # 10 classes x 65 columns = 650 parameters
    wide = np.hstack([X] * 4)  # 10 classes x 257 columns = 2570 parameters
    assert logreg.LogisticRegression().fit(X, y).solver_ == "newton"
    assert logreg.LogisticRegression(C=0.01).fit(wide, y).solver_ == "newton-cg"
    X, y = load("breast_cancer")
    assert logreg.LogisticRegression().fit(X, y).solver_ == "newton"


def test_auto_rule_forms_no_full_hessian_of_wide_sparse_rows():
    from scipy import sparse

    from logreg.solvers.auto import MAX_SPARSE_NEWTON_PARAMS

    cap = MAX_SPARSE_NEWTON_PARAMS
    assert resolve_solver("auto", 10**4, cap, sparse=True) == "newton"
    assert resolve_solver("auto", 10**4, cap + 1, sparse=True) == "newton-cg"
    assert resolve_solver("auto", 10**4, cap + 1, l1=True, sparse=True) == (
        "ws-prox-newton"
    )
    assert resolve_solver("auto", 10**4, cap + 1, l1=True) == "prox-newton"
    rng = np.random.default_rng(0)
    X = sparse.random(400, 300, density=0.05, format="csr", random_state=rng)
    y = rng.integers(0, 2, 400)
    assert logreg.LogisticRegression().fit(X, y).solver_ == "newton-cg"
    assert logreg.LogisticRegression().fit(X.toarray(), y).solver_ == "newton"
    fitted = logreg.LogisticRegression(l1_ratio=1.0).fit(X, y)
    assert fitted.solver_ == "ws-prox-newton"


def test_subsampled_objective_keeps_the_penalty_and_estimates_the_hessian():
    objective = make_objective("breast_cancer", C=0.5)
    w = np.random.default_rng(1).normal(size=objective.n_params) * 0.1
    whole = objective.subsampled(1)
    for got, expected in zip(
        whole.value_grad_hessian(w), objective.value_grad_hessian(w), strict=True
    ):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    half = objective.subsampled(2)
    assert half.n_samples == (objective.n_samples + 1) // 2
    assert half.alpha == pytest.approx(objective.alpha, rel=1e-12)
    exact, estimate = objective.value_grad_hessian(w)[2], half.value_grad_hessian(w)[2]
    assert np.linalg.norm(estimate - exact) <= 0.2 * np.linalg.norm(exact)


def test_auto_subsamples_the_newton_hessian_only_with_many_rows_per_parameter():
    from logreg.solvers import auto_hessian_subsample
    from logreg.solvers.auto import (
        HESSIAN_SUBSAMPLE,
        MAX_HESSIAN_SUBSAMPLE,
        MIN_ROWS_PER_PARAM,
        TARGET_ROWS_PER_PARAM,
    )

    p = 101
    enough = HESSIAN_SUBSAMPLE * MIN_ROWS_PER_PARAM * p
    assert auto_hessian_subsample(enough, p) == HESSIAN_SUBSAMPLE
    assert auto_hessian_subsample(enough - 1, p) == 1
    assert auto_hessian_subsample(400, 3) == 1  # the tutorial's blobs: exact
    # More rows: the step keeps about TARGET_ROWS_PER_PARAM rows per parameter.
    step = auto_hessian_subsample(300_000, p)
    assert step == 300_000 // (TARGET_ROWS_PER_PARAM * p)
    assert TARGET_ROWS_PER_PARAM <= 300_000 / (step * p) < 2 * TARGET_ROWS_PER_PARAM
    assert auto_hessian_subsample(10**9, p) == MAX_HESSIAN_SUBSAMPLE


@pytest.mark.parametrize(
    ("n_samples", "n_features", "l1_ratio"),
    [(50_000, 10, 0.0), (120_000, 30, 0.0), (50_000, 10, 1.0)],
)
def test_auto_newton_with_a_sketched_hessian_finishes_at_the_optimum(
    n_samples, n_features, l1_ratio
):
    """The sketch's steps shrink the error about tenfold; the last are exact.

    Before they were, the default fit stopped with coefficients 4e-6 (50k x
    10) to 1.3e-5 (300k x 30) from scikit-learn's tight fit, and L1 fits
    (prox-newton) 3e-6 to 7e-6: equal fits of the same rows (a Spark table's,
    a pandas frame's) differed by that. The L1 case has zero coefficients
    (half the true ones are) and no intercept, which liblinear would penalise;
    liblinear at larger sizes stalls at ``tol=1e-12``.
    """
    from sklearn.linear_model import LogisticRegression as SklearnLogistic

    from logreg.solvers import auto_hessian_subsample

    assert auto_hessian_subsample(n_samples, n_features + 1) > 1
    rng = np.random.default_rng(3)
    X = rng.normal(size=(n_samples, n_features)) * rng.uniform(0.5, 3, n_features)
    truth = 0.5 * rng.normal(size=n_features)
    if l1_ratio:
        truth[::2] = 0.0
        C, fit_intercept, solver = 0.003, False, "liblinear"
    else:
        C, fit_intercept, solver = 1.0, True, "newton-cholesky"
    y = (rng.random(n_samples) < 1 / (1 + np.exp(-(X @ truth + 0.3)))).astype(int)
    fitted = logreg.LogisticRegression(
        C=C, l1_ratio=l1_ratio, fit_intercept=fit_intercept
    ).fit(X, y)
    reference = SklearnLogistic(
        C=C,
        l1_ratio=l1_ratio,
        fit_intercept=fit_intercept,
        solver=solver,
        tol=1e-12,
        max_iter=10_000,
    ).fit(X, y)
    if l1_ratio:
        assert np.array_equal(fitted.coef_ == 0, reference.coef_ == 0)
        assert (fitted.coef_ == 0).sum() >= 3
    np.testing.assert_allclose(fitted.coef_, reference.coef_, rtol=0, atol=1e-7)
    np.testing.assert_allclose(
        fitted.intercept_, reference.intercept_, rtol=0, atol=1e-7
    )


def test_newton_gap_tol_asks_for_the_steps_a_small_gradient_skips():
    # Breast cancer at C=1: max |gradient| <= 1e-4 leaves a relative gap of
    # ~2e-6; the decrement, asked to certify 1e-10, takes one more step.
    objective = make_objective()
    w0 = np.zeros(objective.n_params)
    exact = SOLVERS["newton"](objective, w0, SolverOptions(tol=1e-13))
    optimum = objective.value(exact.w)
    loose = SOLVERS["newton"](objective, w0, SolverOptions(tol=1e-4))
    certified = SOLVERS["newton"](objective, w0, SolverOptions(tol=1e-4, gap_tol=1e-10))
    gap = (objective.value(loose.w) - optimum) / optimum
    certified_gap = (objective.value(certified.w) - optimum) / optimum
    assert gap > 1e-8
    assert certified_gap <= 1e-10
    assert certified.n_iter <= loose.n_iter + 2
    assert certified.converged and "decrement" in certified.message


def test_newton_gap_tol_gives_up_after_two_steps_on_separated_data():
    # Separable and unpenalised: the objective creeps towards 0 and no
    # decrement certifies it; the gradient criterion ends the run two steps on.
    X = np.array([[-2.0], [-1.0], [-0.5], [0.5], [1.0], [2.0]])
    y = np.array([0, 0, 0, 1, 1, 1])
    objective = make_objective(C=np.inf, X=X, y=y)
    w0 = np.zeros(objective.n_params)
    loose = SOLVERS["newton"](objective, w0, SolverOptions(tol=1e-4))
    certified = SOLVERS["newton"](objective, w0, SolverOptions(tol=1e-4, gap_tol=1e-10))
    assert loose.converged and certified.converged
    assert certified.n_iter == loose.n_iter + 2


class CountingSource(InMemorySource):
    """An in-memory source that counts its passes."""

    passes = 0

    def sum_over_blocks(self, kernel):
        self.passes += 1
        return super().sum_over_blocks(kernel)


def test_backtracking_makes_a_pass_per_batch_of_steps_not_per_step():
    X, y = load("breast_cancer")
    source = CountingSource(np.ascontiguousarray(X), y, np.ones(len(y)))
    objective = LogisticObjective(source, 2, 1.0, weight_sum=float(len(y)))
    w = np.random.default_rng(0).normal(size=objective.n_params)
    direction = -objective.value_and_grad(w)[1] * 1e3  # far too long a step
    source.passes = 0
    trials = line_search_trials(
        objective, w, direction, 2.0**-30, objective.value_and_grad
    )
    seen = [(step, value) for step, value, _ in itertools.islice(trials, 14)]
    # Step 1 by value_and_grad, then batches of 2, 4 and 8 halvings: 4 passes
    # for 14 trial steps.
    assert source.passes == 4
    assert [step for step, _ in seen] == [2.0**-k for k in range(14)]
    for step, value in seen:
        assert value == pytest.approx(objective.value(w + step * direction), rel=1e-12)


def test_newton_from_a_far_start_backtracks_to_the_same_optimum():
    objective = make_objective()
    options = SolverOptions(tol=1e-10)
    near = SOLVERS["newton"](objective, np.zeros(objective.n_params), options)
    far = SOLVERS["newton"](objective, np.full(objective.n_params, 3.0), options)
    assert far.converged
    assert any(record.step < 1 for record in far.history)
    np.testing.assert_allclose(far.w, near.w, rtol=1e-7, atol=1e-8)


def _overlapping_classes() -> tuple[np.ndarray, np.ndarray]:
    """500 x 6 Gaussian rows, labels drawn from a logistic model: a finite MLE."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(500, 6))
    y = (rng.logistic(size=500) < X @ rng.normal(size=6) + 0.5).astype(int)
    return X, y


OVERLAPPING = _overlapping_classes()


@pytest.mark.parametrize("start", ["lbfgs", "far"])
def test_polish_reaches_the_optimum_to_rounding(start):
    """From a loose fit or a far start, polish ends at statsmodels' MLE.

    statsmodels ``Logit`` runs Newton to ``tol=1e-12``; polish must agree to
    1e-10 relative, where the loose fit is 1e-5 away.
    """
    sm = pytest.importorskip("statsmodels.api")
    X, y = OVERLAPPING
    objective = make_objective(C=np.inf, X=X, y=y)
    mle = sm.Logit(y, sm.add_constant(X)).fit(
        disp=0, method="newton", tol=1e-12, maxiter=100
    )
    w_star = np.r_[mle.params[1:], mle.params[0]]  # the intercept last
    if start == "lbfgs":
        w0 = SOLVERS["lbfgs"](
            objective, np.zeros(objective.n_params), SolverOptions(tol=1e-4)
        ).w
    else:
        w0 = np.random.default_rng(0).normal(scale=0.5, size=objective.n_params)
    assert np.max(np.abs(w0 - w_star)) > 1e-6
    result = polish(objective, w0)
    assert result.converged
    assert result.n_iter <= (3 if start == "lbfgs" else POLISH_MAX_STEPS)
    np.testing.assert_allclose(result.w, w_star, rtol=1e-10, atol=1e-12)


def test_polish_costs_one_hessian_pass_from_a_converged_fit():
    X, y = OVERLAPPING
    source = CountingSource(X, y, np.ones(len(y)))
    objective = LogisticObjective(source, 2, np.inf)
    w0 = SOLVERS["newton"](
        objective, np.zeros(objective.n_params), SolverOptions(tol=1e-4)
    ).w
    hessians = []
    original = objective.value_grad_hessian
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            type(objective),
            "value_grad_hessian",
            lambda self, w: hessians.append(1) or original(w),
        )
        source.passes = 0
        result = polish(objective, w0)
    assert result.converged
    assert len(hessians) == 1
    assert source.passes <= 4
