"""``LogisticRegression`` as a scikit-learn estimator.

scikit-learn's own estimator checks, then the behaviour a user relies on:
labels of any type, pandas column names, float32, class and sample weights
(against scikit-learn and against repeated rows), warm starts, the loss curve,
convergence warnings and the prediction methods.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.special as sp
from numpy.testing import assert_allclose
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from logreg import ConvergenceWarning, LogisticRegression, PerfectSeparationWarning
from logreg.data.memory import encode_labels
from logreg.data.sources import InMemorySource
from logreg.objective import LogisticObjective


@parametrize_with_checks([LogisticRegression(), LogisticRegression(solver="lbfgs")])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(params=[2, 3], ids=["binary", "multinomial"])
def n_classes(request):
    return request.param


@pytest.fixture
def data(noisy_data, n_classes):
    return noisy_data(150, 4, n_classes, seed=n_classes)


def relative_error(got: np.ndarray, expected: np.ndarray) -> float:
    """``||got - expected|| / ||expected||`` (Frobenius)."""
    return float(np.linalg.norm(got - expected) / np.linalg.norm(expected))


# ------------------------------------------------------------------- labels
def test_string_and_integer_labels_give_the_same_model(data, n_classes):
    X, y = data
    names = np.array(["ant", "bee", "cat"])[:n_classes]
    as_int = LogisticRegression().fit(X, y)
    as_str = LogisticRegression().fit(X, names[y])
    assert_allclose(as_str.coef_, as_int.coef_, rtol=1e-12)
    assert_allclose(as_str.intercept_, as_int.intercept_, rtol=1e-12, atol=1e-14)
    assert list(as_str.classes_) == list(names)
    predicted = as_str.predict(X)
    assert predicted.dtype == names.dtype
    assert list(predicted) == list(names[as_int.predict(X)])


def test_labels_keep_their_values_and_order(data):
    X, y = data
    labels = np.array([10, -3, 7])[: y.max() + 1]
    model = LogisticRegression().fit(X, labels[y])
    assert list(model.classes_) == sorted(labels)
    assert set(model.predict(X)) <= set(labels)


def test_pandas_dataframe_sets_feature_names(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    columns = [f"feature_{j}" for j in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=columns)
    model = LogisticRegression().fit(frame, pd.Series(y))
    assert list(model.feature_names_in_) == columns
    assert model.n_features_in_ == X.shape[1]
    assert_allclose(model.coef_, LogisticRegression().fit(X, y).coef_, rtol=1e-12)
    unnamed = LogisticRegression().fit(X, y)
    assert not hasattr(unnamed, "feature_names_in_")
    assert_allclose(model.predict_proba(frame), unnamed.predict_proba(X), rtol=1e-12)
    with pytest.warns(UserWarning, match="fitted with feature names"):
        model.predict(X)


def test_pandas_columns_in_another_order_are_rejected(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    columns = [f"feature_{j}" for j in range(X.shape[1])]
    model = LogisticRegression().fit(pd.DataFrame(X, columns=columns), y)
    shuffled = pd.DataFrame(X, columns=columns)[columns[::-1]]
    with pytest.raises(ValueError, match="feature names"):
        model.predict(shuffled)


# ------------------------------------------------------------------ float32
def test_float32_agrees_with_float64_and_predicts_in_float64(data):
    X, y = data
    X32 = X.astype(np.float32)
    model32 = LogisticRegression().fit(X32, y)
    model64 = LogisticRegression().fit(X, y)
    # Scores are float32, as scikit-learn's; probabilities float64, where a
    # probability of 1 - 3e-8 is not rounded to 1 (nor its log to 0).
    assert model32.decision_function(X32).dtype == np.float32
    proba, log_proba = model32.predict_proba(X32), model32.predict_log_proba(X32)
    assert proba.dtype == log_proba.dtype == np.float64
    np.testing.assert_allclose(np.log(proba), log_proba, rtol=1e-12, atol=1e-300)
    assert relative_error(model32.coef_, model64.coef_) < 1e-4
    assert relative_error(model32.intercept_, model64.intercept_) < 1e-4


def test_float32_data_reach_the_objective_uncopied(data, monkeypatch):
    """The estimator hands the solver a source holding the caller's array."""
    X, y = data
    X32 = np.ascontiguousarray(X, dtype=np.float32)
    seen = {}
    original = LogisticObjective.__post_init__

    def spy(self):
        seen["X"] = self.source.X
        original(self)

    monkeypatch.setattr(LogisticObjective, "__post_init__", spy)
    LogisticRegression().fit(X32, y)
    assert seen["X"].dtype == np.float32
    assert np.shares_memory(seen["X"], X32)


# ------------------------------------------------------------------ weights
@pytest.mark.parametrize("class_weight", ["balanced", "dict"])
def test_class_weight_matches_sklearn(data, n_classes, class_weight):
    X, y = data
    if class_weight == "dict":
        class_weight = dict(enumerate([2.0, 0.5, 1.5][:n_classes]))
    ours = LogisticRegression(class_weight=class_weight, tol=1e-10).fit(X, y)
    theirs = SkLogisticRegression(
        class_weight=class_weight, tol=1e-12, max_iter=10_000
    ).fit(X, y)
    assert relative_error(ours.coef_, theirs.coef_) < 1e-5
    assert relative_error(ours.intercept_, theirs.intercept_) < 1e-5


def test_balanced_class_weight_uses_sample_weights_like_sklearn(data, n_classes):
    X, y = data
    s = np.random.default_rng(0).uniform(0.2, 2.0, size=len(y))
    ours = LogisticRegression(class_weight="balanced", tol=1e-10).fit(X, y, s)
    theirs = SkLogisticRegression(
        class_weight="balanced", tol=1e-12, max_iter=10_000
    ).fit(X, y, sample_weight=s)
    assert relative_error(ours.coef_, theirs.coef_) < 1e-5


def test_integer_sample_weights_equal_repeated_rows(data):
    X, y = data
    counts = np.random.default_rng(1).integers(0, 4, size=len(y))
    weighted = LogisticRegression(tol=1e-10).fit(X, y, sample_weight=counts)
    repeated = LogisticRegression(tol=1e-10).fit(
        np.repeat(X, counts, axis=0), np.repeat(y, counts)
    )
    assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-8, atol=1e-10)
    assert_allclose(weighted.intercept_, repeated.intercept_, rtol=1e-8, atol=1e-10)


def test_scaling_all_sample_weights_changes_the_penalty_like_C(data):
    """f = C sum s_i l_i + ||W||^2 / 2: weights times 3 equal C times 3."""
    X, y = data
    tripled = LogisticRegression(tol=1e-10).fit(X, y, np.full(len(y), 3.0))
    larger_C = LogisticRegression(C=3.0, tol=1e-10).fit(X, y)
    assert_allclose(tripled.coef_, larger_C.coef_, rtol=1e-8)


# --------------------------------------------------------------- warm start
@pytest.mark.parametrize("solver", ["newton", "lbfgs", "gd"])
def test_warm_start_starts_from_previous_coefficients(data, solver):
    X, y = data
    cold = LogisticRegression(C=0.5, solver=solver, tol=1e-7).fit(X, y)
    warm = LogisticRegression(solver=solver, tol=1e-7, warm_start=True).fit(X, y)
    warm.set_params(C=0.5).fit(X, y)
    assert warm.n_iter_ < cold.n_iter_
    # Both stop within tol of the same optimum, from different sides.
    assert relative_error(warm.coef_, cold.coef_) < 1e-4
    # Without warm_start a refit ignores the previous coefficients.
    again = LogisticRegression(solver=solver, tol=1e-7).fit(X, y)
    again.set_params(C=0.5).fit(X, y)
    assert again.n_iter_ == cold.n_iter_
    assert_allclose(again.coef_, cold.coef_, rtol=1e-12)


def test_warm_start_ignores_coefficients_of_another_shape(noisy_data):
    X2, y2 = noisy_data(100, 4, 2)
    X3, y3 = noisy_data(100, 4, 3)
    model = LogisticRegression(warm_start=True).fit(X2, y2)
    model.fit(X3, y3)
    fresh = LogisticRegression().fit(X3, y3)
    assert_allclose(model.coef_, fresh.coef_, rtol=1e-12)


# --------------------------------------------------------------- loss curve
@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
@pytest.mark.parametrize("C", [1.0, np.inf])
def test_loss_curve_is_monotone_and_ends_at_the_objective(
    data, n_classes, solver, C, reference_objective
):
    X, y = data
    s = np.random.default_rng(2).uniform(0.5, 2.0, size=len(y))
    model = LogisticRegression(C=C, solver=solver, tol=1e-8).fit(X, y, s)
    curve = model.loss_curve_
    assert curve.ndim == 1
    assert curve.dtype == np.float64
    assert len(curve) == model.n_iter_ > 0
    assert np.all(np.diff(curve) <= 1e-12 * np.abs(curve[:-1]))
    matrix = np.hstack([model.coef_, model.intercept_[:, None]])
    expected = reference_objective(X, y, s, matrix, C, True)
    assert curve[-1] == pytest.approx(expected, rel=1e-10)
    # The first iterate improves on w = 0, where F = log(K).
    assert curve[0] < np.log(n_classes)


def test_max_iter_reached_warns(data):
    X, y = data
    with pytest.warns(ConvergenceWarning, match="failed to converge"):
        model = LogisticRegression(solver="gd", max_iter=2).fit(X, y)
    assert model.n_iter_ == 2
    assert not model.converged_
    assert len(model.loss_curve_) == 2
    assert np.all(np.isfinite(model.coef_))


def test_converged_fit_does_not_warn(data):
    X, y = data
    model = LogisticRegression().fit(X, y)
    assert model.converged_
    assert model.solver_ == "newton"


# --------------------------------------------------------------- prediction
def test_predict_proba_and_log_proba(data, n_classes):
    X, y = data
    model = LogisticRegression(C=100.0).fit(X, y)
    far = np.vstack([X, 300.0 * X[:5]])  # some probabilities underflow to 0
    proba = model.predict_proba(far)
    assert proba.shape == (len(far), n_classes)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-14)
    assert np.all((proba >= 0) & (proba <= 1))
    log_proba = model.predict_log_proba(far)
    assert np.all(np.isfinite(log_proba))
    visible = proba > 1e-300
    # atol: for p ~ 1, log(p) of the rounded p is only good to eps absolute.
    assert_allclose(log_proba[visible], np.log(proba[visible]), rtol=1e-12, atol=1e-15)
    # Independently from the decision function, through SciPy.
    scores = model.decision_function(far)
    if n_classes == 2:
        expected = np.column_stack([sp.expit(-scores), sp.expit(scores)])
        expected_log = np.column_stack([sp.log_expit(-scores), sp.log_expit(scores)])
    else:
        expected = sp.softmax(scores, axis=1)
        expected_log = sp.log_softmax(scores, axis=1)
    assert_allclose(proba, expected, rtol=1e-12, atol=1e-300)
    assert_allclose(log_proba, expected_log, rtol=1e-12)
    assert_allclose(
        model.predict(far), model.classes_[np.argmax(proba, axis=1)], rtol=0
    )


def test_decision_function_shape_and_value(data, n_classes):
    X, y = data
    model = LogisticRegression().fit(X, y)
    scores = model.decision_function(X)
    expected = X @ model.coef_.T + model.intercept_
    if n_classes == 2:
        assert model.coef_.shape == (1, X.shape[1])
        assert model.intercept_.shape == (1,)
        assert scores.shape == (len(X),)
        assert_allclose(scores, expected[:, 0], rtol=1e-12)
        assert list(model.predict(X)) == list(model.classes_[(scores > 0).astype(int)])
    else:
        assert model.coef_.shape == (n_classes, X.shape[1])
        assert model.intercept_.shape == (n_classes,)
        assert scores.shape == (len(X), n_classes)
        assert_allclose(scores, expected, rtol=1e-12)


def test_score_is_accuracy(data):
    X, y = data
    model = LogisticRegression().fit(X, y)
    assert model.score(X, y) == pytest.approx(np.mean(model.predict(X) == y))


def test_no_intercept_gives_zero_intercepts(data, n_classes):
    X, y = data
    model = LogisticRegression(fit_intercept=False).fit(X, y)
    assert_allclose(model.intercept_, 0.0, rtol=0)
    assert model.intercept_.shape == (1 if n_classes == 2 else n_classes,)


@pytest.mark.parametrize("solver", ["newton", "lbfgs", "gd", "sgd"])
def test_every_solver_fits_a_usable_model(data, solver):
    X, y = data
    with warnings.catch_warnings():
        if solver == "sgd":
            # sgd's stopping rule is statistical; it may report non-convergence.
            warnings.simplefilter("ignore", ConvergenceWarning)
        model = LogisticRegression(solver=solver, random_state=0).fit(X, y)
    reference = LogisticRegression(tol=1e-10).fit(X, y)
    assert model.solver_ == solver
    assert np.all(np.isfinite(model.coef_))
    assert np.mean(model.predict(X) == reference.predict(X)) > 0.9


def test_sgd_is_reproducible_with_random_state(data):
    X, y = data
    first = LogisticRegression(solver="sgd", random_state=3, max_iter=5)
    second = LogisticRegression(solver="sgd", random_state=3, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        first.fit(X, y)
        second.fit(X, y)
    assert_allclose(first.coef_, second.coef_, rtol=0)


# -------------------------------------------- known solver bug (see report)
def test_newton_float32_tight_tol_gives_no_singular_hessian_warning(noisy_data):
    """A well-conditioned, penalised float32 problem must not blame the Hessian.

    The float32 gradient is accurate to ~1e-8 here, so tol=1e-6 is reachable;
    Newton should get there without handing over to L-BFGS with a
    ``SingularHessianWarning`` (filterwarnings=error turns it into a failure).
    """
    X, y = noisy_data(200, 5, 3, seed=1)
    X32 = X.astype(np.float32)
    model = LogisticRegression(solver="newton", tol=1e-6).fit(X32, y)
    objective = LogisticObjective(InMemorySource(X, y, np.ones(len(y))), 3, 1.0)
    _, grad = objective.value_and_grad(objective.pack(model.coef_, model.intercept_))
    assert model.converged_
    assert np.max(np.abs(grad)) <= 1e-5


@pytest.mark.parametrize(
    "y",
    [
        np.array([1, 0, 1, 1]),
        np.array([-5, 4, -5, 0, 4]),
        np.array([3, 3, 7, 7, 100]),  # range wider than the rows: sorted
        np.array([2, 0, 2], dtype=np.uint8),
        np.array([True, False, True]),
        np.array([2**63 - 1, 5], dtype=np.int64),
        np.array(["b", "a", "b"]),
    ],
    ids=["binary", "negative", "sparse", "uint8", "bool", "huge", "strings"],
)
def test_label_encoding_equals_numpy_unique(y):
    classes, codes = encode_labels(y)
    expected_classes, expected_codes = np.unique(y, return_inverse=True)
    assert classes.dtype == expected_classes.dtype
    np.testing.assert_array_equal(classes, expected_classes)
    np.testing.assert_array_equal(codes, expected_codes)


# ------------------------------------------------- scikit-learn's behaviours
def test_drop_in_attributes_and_dtypes_as_scikit_learn():
    from scipy import sparse
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression as Reference

    X, y = load_iris(return_X_y=True)
    X32 = X.astype(np.float32)
    ours = LogisticRegression(tol=1e-10).fit(X32, y)
    reference = Reference(tol=1e-10, max_iter=10_000).fit(X32, y)
    optimum = Reference(tol=1e-12, max_iter=10_000).fit(X, y)
    assert ours.coef_.dtype == reference.coef_.dtype == np.float32
    assert ours.intercept_.dtype == np.float32
    assert ours.decision_function(X32).dtype == reference.decision_function(X32).dtype
    # Probabilities stay float64: a float32 one rounds 1 - 3e-8 to 1.
    assert ours.predict_proba(X32).dtype == np.float64
    # At float32's precision of the optimum (scikit-learn's float32 L-BFGS
    # stops about 1e-2 away from it on these data).
    np.testing.assert_allclose(ours.coef_, optimum.coef_, rtol=1e-4, atol=1e-5)
    assert ours.n_iter_.shape == reference.n_iter_.shape == (1,)
    # sparsify() changes the storage, not the predictions.
    proba = ours.predict_proba(X32)
    assert sparse.issparse(ours.sparsify().coef_)
    np.testing.assert_array_equal(ours.predict_proba(X32), proba)
    assert isinstance(ours.densify().coef_, np.ndarray)


def test_max_iter_zero_is_the_starting_point():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match="max_iter=0"):
        clf = LogisticRegression(max_iter=0).fit(X, y == 2)
    assert clf.n_iter_[0] == 0
    np.testing.assert_array_equal(clf.coef_, 0.0)
    np.testing.assert_allclose(clf.predict_proba(X), 0.5)


def test_a_class_of_zero_weight_is_never_predicted():
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression as Reference

    X, y = make_classification(
        n_samples=200, n_features=5, n_classes=3, n_informative=3, random_state=0
    )
    weights = {0: 1.0, 1: 2.0, 2: 0.0}
    ours = LogisticRegression(class_weight=weights).fit(X, y)
    reference = Reference(class_weight=weights, max_iter=10_000).fit(X, y)
    assert set(ours.predict(X)) == set(reference.predict(X)) == {0, 1}
    # The present classes' odds agree (the absent one's probability -> 0).
    np.testing.assert_allclose(
        ours.decision_function(X)[:, 1] - ours.decision_function(X)[:, 0],
        reference.decision_function(X)[:, 1] - reference.decision_function(X)[:, 0],
        atol=1e-3,
    )
    with pytest.raises(ValueError, match="zero total weight"):
        LogisticRegression(C=np.inf, class_weight=weights).fit(X, y)


def test_the_separation_warning_is_silenced_as_a_convergence_warning():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    y = np.array([0, 0, 1, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        LogisticRegression(C=np.inf).fit(X, y)
    with pytest.warns(PerfectSeparationWarning):
        LogisticRegression(C=np.inf).fit(X, y)


def test_one_estimator_fitted_from_two_threads_is_one_fit_or_the_other():
    """Issue 18, item 14: fits of one estimator follow one another."""
    import threading

    from sklearn.datasets import make_classification

    narrow = make_classification(300, 3, n_informative=3, n_redundant=0, random_state=1)
    wide = make_classification(300, 7, n_informative=5, random_state=2)
    references = [LogisticRegression().fit(*data).coef_ for data in (narrow, wide)]
    model = LogisticRegression()
    errors = []

    def fit(data):
        try:
            for _ in range(10):
                model.fit(*data)
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=fit, args=(d,)) for d in (narrow, wide)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert model.coef_.shape[1] == model.n_features_in_
    assert any(np.array_equal(model.coef_, ref) for ref in references)
