"""LogisticRegressionCV and the regularisation path, against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegressionCV as SklearnCV
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import logreg
from logreg import plot
from logreg.cv import regularization_path


def standardised(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


DATASETS = {"breast_cancer": load_breast_cancer, "iris": load_iris}


@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("scoring", [None, "neg_log_loss"])
def test_same_choice_and_scores_as_scikit_learn(name, scoring):
    X, y = standardised(DATASETS[name])
    folds = StratifiedKFold(5)
    reference = SklearnCV(
        Cs=10,
        cv=folds,
        l1_ratios=(0.0,),
        tol=1e-10,
        solver="newton-cholesky",
        scoring=scoring,
        use_legacy_attributes=False,
    ).fit(X, y)
    ours = logreg.LogisticRegressionCV(Cs=10, cv=folds, tol=1e-10, scoring=scoring).fit(
        X, y
    )
    assert ours.C_ == reference.C_
    assert ours.l1_ratio_ == 0.0
    np.testing.assert_array_equal(ours.Cs_, reference.Cs_)
    assert ours.scores_.shape == reference.scores_.shape == (5, 1, 10)
    # At C = 1e4 iris's optimum is flat: objectives equal to rounding leave
    # coefficients ~1e-6 apart (hence coefs_paths_'s 1e-5), held-out losses
    # ~5e-9 apart.
    np.testing.assert_allclose(ours.scores_, reference.scores_, rtol=1e-7, atol=5e-8)
    assert ours.coefs_paths_.shape == reference.coefs_paths_.shape
    np.testing.assert_allclose(ours.coefs_paths_, reference.coefs_paths_, atol=1e-5)
    np.testing.assert_allclose(ours.coef_, reference.coef_, atol=1e-7)
    np.testing.assert_allclose(
        ours.predict_proba(X), reference.predict_proba(X), atol=1e-7
    )
    assert ours.score(X, y) == pytest.approx(reference.score(X, y))


def test_path_equals_independent_fits_and_warm_starts_save_work():
    X, y = standardised(load_breast_cancer)
    Cs, coefs, n_iter = regularization_path(
        X, y, [10.0, 0.01, 1.0, 0.1], estimator=logreg.LogisticRegression(tol=1e-10)
    )
    np.testing.assert_array_equal(Cs, [0.01, 0.1, 1.0, 10.0])
    cold_iterations = 0
    for C, path_coef in zip(Cs, coefs, strict=True):
        cold = logreg.LogisticRegression(C=C, tol=1e-10).fit(X, y)
        cold_iterations += cold.n_iter_
        expected = np.hstack([cold.coef_, cold.intercept_[:, None]])
        np.testing.assert_allclose(path_coef, expected, rtol=1e-6, atol=1e-7)
    assert n_iter.sum() < cold_iterations


def test_refit_false_averages_the_folds():
    X, y = standardised(load_iris)
    folds = StratifiedKFold(3)
    model = logreg.LogisticRegressionCV(Cs=[0.01, 1.0, 100.0], cv=folds, refit=False)
    model.fit(X, y)
    best = np.argmax(model.scores_[:, 0, :], axis=1)
    assert model.C_ == pytest.approx(np.mean(model.Cs_[best]))
    expected = np.mean([model.coefs_paths_[f, 0, c] for f, c in enumerate(best)], 0)
    np.testing.assert_allclose(model.coef_, expected[:, :-1])
    np.testing.assert_allclose(model.intercept_, expected[:, -1])
    assert model.predict(X).shape == (150,)


def test_sample_weights_reach_fits_and_scores():
    X, y = standardised(load_breast_cancer)
    weights = np.where(y == 1, 3.0, 1.0)
    folds = list(StratifiedKFold(3).split(X, y))
    model = logreg.LogisticRegressionCV(Cs=[0.1, 1.0], cv=folds, tol=1e-10)
    model.fit(X, y, sample_weight=weights)
    train, test = folds[0]
    single = logreg.LogisticRegression(C=0.1, tol=1e-10)
    single.fit(X[train], y[train], sample_weight=weights[train])
    assert model.scores_[0, 0, 0] == pytest.approx(
        single.score(X[test], y[test], sample_weight=weights[test])
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"Cs": 0}, "Cs must be"),
        ({"Cs": [1.0, -1.0]}, "Cs must be"),
        ({"Cs": "many"}, "Cs must be"),
        ({"l1_ratios": [0.0, 2.0]}, "l1_ratios must be"),
        ({"l1_ratios": []}, "l1_ratios must be"),
        ({"refit": "yes"}, "refit must be"),
    ],
)
def test_bad_parameters(params, message):
    X, y = standardised(load_iris)
    with pytest.raises(ValueError, match=message):
        logreg.LogisticRegressionCV(**params).fit(X, y)


def test_regularization_path_plot():
    X, y = standardised(load_iris)
    model = logreg.LogisticRegressionCV(Cs=6, cv=3).fit(X, y)
    names = ["sepal length", "sepal width", "petal length", "petal width"]
    ax = plot.plot_regularization_path(
        model.Cs_,
        model.coefs_paths_.mean(axis=0)[0],
        names,
        class_index=2,
        chosen_C=model.C_,
    )
    lines = [line for line in ax.get_lines() if line.get_label() in names]
    assert len(lines) == 4
    np.testing.assert_allclose(lines[2].get_xdata(), np.log10(model.Cs_))
    np.testing.assert_allclose(
        lines[2].get_ydata(), model.coefs_paths_.mean(axis=0)[0, :, 2, 2]
    )
    with pytest.raises(ValueError, match="coefs must have shape"):
        plot.plot_regularization_path(model.Cs_, np.zeros((2, 1, 3)))


@parametrize_with_checks([logreg.LogisticRegressionCV(Cs=2, cv=2)])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_elastic_net_grid_chooses_as_scikit_learn_saga():
    # saga creeps where the penalty is weak (C=1, pure L1: 5000 epochs left
    # it 3.5e-3 off in held-out log-loss); the choice is the same.
    X, y = standardised(load_breast_cancer)
    folds = StratifiedKFold(3)
    grid = {"Cs": [0.01, 0.1, 1.0], "l1_ratios": (0.5, 1.0), "cv": folds}
    reference = SklearnCV(
        **grid,
        solver="saga",
        tol=1e-6,
        max_iter=5000,
        scoring="neg_log_loss",
        use_legacy_attributes=False,
    ).fit(X, y)
    ours = logreg.LogisticRegressionCV(**grid, tol=1e-8, scoring="neg_log_loss")
    ours.fit(X, y)
    assert (ours.C_, ours.l1_ratio_) == (reference.C_, reference.l1_ratio_)
    assert ours.scores_.shape == reference.scores_.shape == (3, 2, 3)
    np.testing.assert_allclose(ours.scores_, reference.scores_, atol=5e-3)
    assert np.array_equal(ours.coef_ == 0, np.abs(reference.coef_) < 1e-6)


def test_ties_cs_order_and_balanced_weights_as_scikit_learn():
    """The issue's example: a tie goes to the first C, in the order given."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        60, n_features=4, n_informative=2, class_sep=2, random_state=0
    )
    for Cs in ([0.1, 1, 10], [10, 0.1, 1]):
        common = dict(
            Cs=Cs, l1_ratios=[0, 1], cv=StratifiedKFold(3), tol=1e-10, scoring=None
        )
        reference = SklearnCV(
            solver="saga", max_iter=100_000, use_legacy_attributes=False, **common
        ).fit(X, y)
        ours = logreg.LogisticRegressionCV(**common).fit(X, y)
        np.testing.assert_array_equal(ours.Cs_, reference.Cs_)
        np.testing.assert_allclose(ours.scores_, reference.scores_)
        assert (ours.C_, ours.l1_ratio_) == (reference.C_, reference.l1_ratio_)
    # "balanced" is computed once, on the whole y: the fold paths agree.
    y_skewed = np.where(np.arange(60) % 4 == 0, 1, 0)
    common = dict(Cs=[0.1, 1.0], cv=StratifiedKFold(3), tol=1e-10, scoring=None)
    reference = SklearnCV(
        solver="newton-cholesky",
        class_weight="balanced",
        use_legacy_attributes=False,
        l1_ratios=(0.0,),
        **common,
    ).fit(X, y_skewed)
    ours = logreg.LogisticRegressionCV(class_weight="balanced", **common)
    ours.fit(X, y_skewed)
    np.testing.assert_allclose(ours.coefs_paths_, reference.coefs_paths_, atol=1e-6)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_folds_missing_a_class_know_every_class(n_classes):
    from sklearn.model_selection import KFold

    y = np.array(["a", "a", "b", "b", "c", "c"])[: 2 * n_classes]
    X = np.arange(2.0 * n_classes)[:, None]
    common = dict(
        cv=KFold(n_splits=n_classes), scoring="neg_brier_score", Cs=[1e-6, 1.0]
    )
    reference = SklearnCV(
        l1_ratios=(0.0,), use_legacy_attributes=False, tol=1e-8, **common
    ).fit(X, y)
    ours = logreg.LogisticRegressionCV(tol=1e-8, **common).fit(X, y)
    assert ours.C_ == reference.C_ == 1e-6
    # Every fold's model has a row per class (one for two classes).
    assert ours.coefs_paths_.shape == reference.coefs_paths_.shape
    # At C = 1e-6 the penalty dominates: the fits (and scores) agree closely.
    np.testing.assert_allclose(
        ours.scores_[:, :, 0], reference.scores_[:, :, 0], rtol=1e-3
    )


def test_sparse_x_is_cross_validated_as_dense():
    from scipy import sparse

    X, y = standardised(load_breast_cancer)
    dense = logreg.LogisticRegressionCV(Cs=3, tol=1e-10).fit(X, y)
    csr = logreg.LogisticRegressionCV(Cs=3, tol=1e-10).fit(sparse.csr_matrix(X), y)
    np.testing.assert_allclose(csr.scores_, dense.scores_)
    np.testing.assert_allclose(csr.coef_, dense.coef_, rtol=1e-8)
