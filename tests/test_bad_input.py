"""Bad input gets a clear error that names the problem; bad fits never pass silently.

Every ``match=`` pins a distinctive part of the message, so a refactor that
turns a clear message into a vague one fails here.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import logreg
from logreg import LogisticRegression


@pytest.fixture
def Xy(noisy_data):
    return noisy_data(60, 3, 2, seed=4)


# ------------------------------------------------------------------ data
@pytest.mark.parametrize(
    ("bad", "message"), [(np.nan, "contains NaN"), (np.inf, "contains infinity")]
)
def test_non_finite_X_is_rejected(Xy, bad, message):
    X, y = Xy
    X = X.copy()
    X[3, 1] = bad
    with pytest.raises(ValueError, match=message):
        LogisticRegression().fit(X, y)
    model = LogisticRegression().fit(*Xy)
    with pytest.raises(ValueError, match=message):
        model.predict(X)


def test_nan_label_is_rejected(Xy):
    X, y = Xy
    y = y.astype(float)
    y[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        LogisticRegression().fit(X, y)


@pytest.mark.parametrize("label", [0, "only"])
def test_single_class_is_rejected(Xy, label):
    X, _ = Xy
    with pytest.raises(ValueError, match=f"only one class: {label!r}"):
        LogisticRegression().fit(X, np.full(len(X), label))


def test_continuous_target_is_rejected(Xy):
    X, _ = Xy
    with pytest.raises(ValueError, match="Unknown label type"):
        LogisticRegression().fit(X, np.linspace(0, 1, len(X)))


def test_mismatched_lengths_are_rejected(Xy):
    X, y = Xy
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        LogisticRegression().fit(X, y[:-1])


def test_empty_data_are_rejected(Xy):
    X, y = Xy
    with pytest.raises(ValueError, match="0 sample"):
        LogisticRegression().fit(X[:0], y[:0])
    with pytest.raises(ValueError, match="0 feature"):
        LogisticRegression().fit(X[:, :0], y)


def test_wrong_number_of_features_at_predict(Xy):
    X, y = Xy
    model = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match=r"X has 2 features, but .* expecting 3"):
        model.predict(X[:, :2])
    with pytest.raises(ValueError, match="X has 4 features"):
        model.predict_proba(np.hstack([X, X[:, :1]]))


def test_one_dimensional_X_is_rejected(Xy):
    X, y = Xy
    with pytest.raises(ValueError, match="Expected 2D array"):
        LogisticRegression().fit(X[:, 0], y)


# --------------------------------------------------------- sample weights
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1.0, "negative"),
        (np.nan, "NaN or infinity"),
        (np.inf, "NaN or infinity"),
    ],
)
def test_bad_sample_weight_values(Xy, value, message):
    X, y = Xy
    weights = np.ones(len(y))
    weights[5] = value
    with pytest.raises(ValueError, match=f"sample_weight contains {message}"):
        LogisticRegression().fit(X, y, sample_weight=weights)


@pytest.mark.parametrize("length", [59, 61])
def test_wrong_length_sample_weight(Xy, length):
    X, y = Xy
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(60,\)"):
        LogisticRegression().fit(X, y, sample_weight=np.ones(length))


def test_all_zero_sample_weights(Xy):
    X, y = Xy
    with pytest.raises(ValueError, match="sum to zero"):
        LogisticRegression().fit(X, y, sample_weight=np.zeros(len(y)))


@pytest.mark.parametrize("class_weight", [None, "balanced"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_class_with_zero_total_weight(noisy_data, n_classes, class_weight):
    """Zero weight on every row of a class: without a penalty, nothing to fit.

    (With one, the class is fitted as absent: see test_estimator.py.)
    """
    X, y = noisy_data(60, 3, n_classes)
    weights = np.where(y == 1, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"the classes \[1\] have zero total weight"):
        LogisticRegression(C=np.inf, class_weight=class_weight).fit(
            X, y, sample_weight=weights
        )


def test_class_weight_zero_for_a_class(Xy):
    with pytest.raises(ValueError, match=r"After class_weight, the classes \[0\]"):
        LogisticRegression(C=np.inf, class_weight={0: 0.0}).fit(*Xy)


@pytest.mark.parametrize("value", [-1.0, np.nan, np.inf])
def test_class_weight_values_must_be_finite_non_negative(Xy, value):
    with pytest.raises(ValueError, match="class_weight values must be finite"):
        LogisticRegression(class_weight={1: value}).fit(*Xy)


# ------------------------------------------------------------- parameters
@pytest.mark.parametrize("C", [0, -1.0, np.nan, "1.0", None])
def test_bad_C(Xy, C):
    with pytest.raises(ValueError, match=r"'C' parameter .* must be a number > 0"):
        LogisticRegression(C=C).fit(*Xy)


@pytest.mark.parametrize("l1_ratio", [-0.1, 1.5, np.nan])
def test_l1_ratio_outside_unit_interval(Xy, l1_ratio):
    with pytest.raises(ValueError, match=r"'l1_ratio' parameter .* in \[0, 1\]"):
        LogisticRegression(l1_ratio=l1_ratio).fit(*Xy)


@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
def test_l1_penalty_needs_a_proximal_solver(Xy, solver):
    with pytest.raises(ValueError, match="prox-newton"):
        LogisticRegression(l1_ratio=0.5, solver=solver).fit(*Xy)


@pytest.mark.parametrize("solver", ["liblinear", "GD", "", None])
def test_unknown_solver(Xy, solver):
    with pytest.raises(ValueError, match=r"'solver' parameter .* 'auto' or one of"):
        LogisticRegression(solver=solver).fit(*Xy)


@pytest.mark.parametrize("max_iter", [-1, 2.5, True])
def test_bad_max_iter(Xy, max_iter):
    with pytest.raises(ValueError, match=r"'max_iter' parameter .* an int >= 0"):
        LogisticRegression(max_iter=max_iter).fit(*Xy)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("tol", -1e-4),
        ("tol", np.inf),
        ("learning_rate", 0.0),
        ("learning_rate", np.inf),
        ("momentum", 1.0),
        ("batch_size", 0),
        ("class_weight", "auto"),
        ("fit_intercept", "yes"),
        ("random_state", "seed"),
        ("verbose", -1),
    ],
)
def test_other_bad_parameters_are_named(Xy, name, value):
    with pytest.raises(ValueError, match=f"'{name}' parameter .* Got {value!r}"):
        LogisticRegression(**{name: value}).fit(*Xy)


def test_class_weight_with_unknown_class(Xy):
    X, y = Xy
    with pytest.raises(ValueError, match=r"class_weight has keys \['7'\] that are not"):
        LogisticRegression(class_weight={0: 1.0, 7: 2.0}).fit(X, y)


def test_bad_parameters_leave_a_fitted_model_intact(Xy):
    model = LogisticRegression().fit(*Xy)
    coef = model.coef_.copy()
    with pytest.raises(ValueError, match="'C' parameter"):
        model.set_params(C=-1.0).fit(*Xy)
    np.testing.assert_array_equal(model.coef_, coef)


# -------------------------------------------------------------- not fitted
@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "predict_log_proba", "decision_function"]
)
def test_predict_before_fit(Xy, method):
    X, _ = Xy
    with pytest.raises(NotFittedError, match="not fitted yet"):
        getattr(LogisticRegression(), method)(X)


# ------------------------------------------------------- hard optimisation
@pytest.fixture
def separable(rng):
    """Two well-separated Gaussian clouds, and three."""
    centres2 = np.array([[3.0, 3.0], [-3.0, -3.0]])
    centres3 = np.array([[6.0, 0.0], [-6.0, 0.0], [0.0, 8.0]])
    X2 = np.vstack([rng.normal(size=(30, 2)) + c for c in centres2])
    X3 = np.vstack([rng.normal(size=(20, 2)) + c for c in centres3])
    return {
        "binary": (X2, np.repeat([0, 1], 30)),
        "multinomial": (X3, np.repeat([0, 1, 2], 20)),
    }


@pytest.mark.parametrize("kind", ["binary", "multinomial"])
@pytest.mark.parametrize("solver", ["newton", "lbfgs", "gd"])
def test_perfect_separation_warns_and_stays_finite(separable, kind, solver):
    X, y = separable[kind]
    with pytest.warns(logreg.PerfectSeparationWarning, match="perfectly separated"):
        model = LogisticRegression(C=np.inf, solver=solver).fit(X, y)
    assert np.all(np.isfinite(model.coef_))
    assert np.all(np.isfinite(model.intercept_))
    assert model.score(X, y) == 1.0


def test_perfect_separation_with_penalty_does_not_warn(separable):
    # filterwarnings=error: any warning here fails the test.
    model = LogisticRegression(C=1.0).fit(*separable["binary"])
    assert model.converged_


def test_one_dimensional_separation(rng):
    x = np.linspace(-2.0, 2.0, 20)[:, None]
    y = (x[:, 0] > 0).astype(int)
    with pytest.warns(logreg.PerfectSeparationWarning):
        model = LogisticRegression(C=np.inf).fit(x, y)
    assert np.isfinite(model.coef_).all()
    assert model.coef_[0, 0] > 0


@pytest.mark.parametrize("solver", ["gd", "sgd"])
def test_huge_learning_rate_raises_divergence_error(Xy, solver):
    X, y = Xy
    model = LogisticRegression(solver=solver, learning_rate=1e6, max_iter=50)
    with pytest.raises(logreg.DivergenceError, match="diverged at iteration") as info:
        model.fit(X, y)
    assert isinstance(info.value, ValueError)
    assert "learning_rate=1e+06" in str(info.value)
    # No NaN coefficients left behind: the estimator is simply not fitted.
    assert not hasattr(model, "coef_")
    with pytest.raises(NotFittedError):
        model.predict(X)


def test_failed_refit_does_not_keep_stale_coefficients(Xy, noisy_data):
    X, y = Xy
    model = LogisticRegression(solver="gd").fit(X, y)
    X3, y3 = noisy_data(60, 3, 3)
    model.set_params(learning_rate=1e6, max_iter=50)
    with pytest.raises(logreg.DivergenceError):
        model.fit(X3, y3)
    with pytest.raises(NotFittedError):
        model.predict(X3)
