"""The tests of scikit-learn's ``test_logistic.py`` that logreg fails, and why.

A pytest plugin for the run in ``tests/test_sklearn_suite.py``: each test
named here is marked ``xfail(strict=True)`` with its reason, so a test on this
list that starts to pass fails the run until it is taken off. No entry is a
difference in results: each tests a scikit-learn internal, a solver logreg
does not have (liblinear, sag, saga), scikit-learn's own deprecation
warnings, or its deprecated attribute layout. Written for scikit-learn 1.9.1
(the version the test extra pins).
"""

from __future__ import annotations

import pytest

LEGACY = (
    "use_legacy_attributes=True: scikit-learn's deprecated attribute layout "
    "(scores_ and coefs_paths_ as dicts by class, C_ as an array), removed in "
    "its 1.12; logreg has the new layout only"
)
LIBLINEAR = (
    "liblinear's own behaviour (dual=True, one-vs-rest, float64 output, its "
    "errors and messages for solver/penalty combinations); logreg has no "
    "liblinear and names its own solvers in its errors"
)
DEPRECATIONS = (
    "scikit-learn's deprecation warnings about its own arguments (penalty, "
    "l1_ratio=None, n_jobs, scoring='warn', use_legacy_attributes), which "
    "logreg does not have"
)
CALLBACKS = "scikit-learn's experimental callback API (set_callbacks)"
PRIVATE = (
    "scikit-learn internals: _get_scorer, _predict_proba_lr, and the iteration "
    "count of newton-cholesky's fallback to lbfgs"
)
MESSAGES = (
    "the wording of scikit-learn's per-solver convergence warnings (newton-cg, "
    "newton-cholesky, sag, saga, liblinear); logreg's warning is a "
    "ConvergenceWarning naming the solver that ran"
)
SPARSE_INDICES = (
    "scikit-learn refuses sparse matrices with 64-bit indices for liblinear, "
    "sag and saga; logreg accepts them"
)

_MAX_ITER = "test_max_iter[42-{solver}-{message}-max_iter{k}]"
_MAX_ITER_MESSAGES = {
    "liblinear": "Liblinear failed to converge, increase the number of iterations.",
    "newton-cg": "newton-cg failed to converge.* Increase the number of iterations.",
    "sag": "The max_iter was reached which means the coef_ did not converge",
    "saga": "The max_iter was reached which means the coef_ did not converge",
}

EXPECTED_FAILURES: dict[str, str] = {
    **{
        name: LEGACY
        for name in [
            "test_LogisticRegressionCV_elasticnet_attribute_shapes[2]",
            "test_LogisticRegressionCV_elasticnet_attribute_shapes[3]",
            "test_LogisticRegressionCV_no_refit[2-l1_ratios0]",
            "test_LogisticRegressionCV_no_refit[2-l1_ratios1]",
            "test_LogisticRegressionCV_no_refit[3-l1_ratios0]",
            "test_LogisticRegressionCV_no_refit[3-l1_ratios1]",
            "test_LogisticRegressionCV_on_folds",
            "test_logistic_cv[42-True]",
            "test_lr_cv_scores_differ_when_sample_weight_is_requested[42]",
            # Both parameters: the test's first model asks for the old layout.
            "test_multinomial_cv_iris[False]",
            "test_multinomial_cv_iris[True]",
            *(
                f"test_n_iter[True-{solver}]"
                for solver in (
                    "lbfgs",
                    "liblinear",
                    "newton-cg",
                    "newton-cholesky",
                    "sag",
                    "saga",
                )
            ),
            "test_scores_attribute_layout_elasticnet",
        ]
    },
    **{
        name: LIBLINEAR
        for name in [
            "test_check_solver_option[LogisticRegressionCV]",
            "test_check_solver_option[LogisticRegression]",
            "test_dtype_match[csr_array-False-liblinear]",
            "test_dtype_match[csr_array-True-liblinear]",
            "test_dtype_match[csr_matrix-False-liblinear]",
            "test_dtype_match[csr_matrix-True-liblinear]",
            "test_liblinear_dual_random_state[42]",
            "test_liblinear_multiclass_raises[LogisticRegressionCV]",
            "test_liblinear_multiclass_raises[LogisticRegression]",
            "test_liblinear_with_large_values",
            "test_logisticregression_liblinear_sample_weight[42-params1]",
            "test_sample_and_class_weight_equivalence_liblinear[42]",
        ]
    },
    **{
        name: DEPRECATIONS
        for name in [
            "test_l1_ratio_None_deprecated",
            "test_l1_ratio_non_elasticnet",
            "test_logisticregression_warns_with_n_jobs",
            "test_logisticregressioncv_warns_with_use_legacy_attributes",
            "test_lr_penalty_l1ratio_incompatible[l1-0.0]",
            "test_lr_penalty_l1ratio_incompatible[l2-1.0]",
            "test_lr_scoring_warns",
            "test_penalty_deprecated[LogisticRegressionCV]",
            "test_penalty_deprecated[LogisticRegression]",
        ]
    },
    **{
        name: CALLBACKS
        for name in [
            "test_logistic_regression_callback_fitted_estimator[False-2]",
            "test_logistic_regression_callback_fitted_estimator[False-3]",
            "test_logistic_regression_callback_fitted_estimator[True-2]",
            "test_logistic_regression_callback_fitted_estimator[True-3]",
            "test_logistic_regression_callback_support[0]",
            "test_logistic_regression_callback_support[1000]",
            "test_logistic_regression_callback_support[2]",
            "test_logistic_regression_callback_support_warning",
        ]
    },
    **{
        name: PRIVATE
        for name in [
            "test_get_default_scorer",
            "test_logreg_predict_proba_multinomial[42]",
            "test_newton_cholesky_fallback_to_lbfgs",
        ]
    },
    **{
        _MAX_ITER.format(solver=solver, message=message, k=k): MESSAGES
        for solver, message in _MAX_ITER_MESSAGES.items()
        for k in range(4)
    },
    _MAX_ITER.format(
        solver="newton-cholesky",
        message="Newton solver did not converge after [0-9]* iterations",
        k=0,
    ): MESSAGES,
    **{
        f"test_large_sparse_matrix[{container}-{solver}]": SPARSE_INDICES
        for container in ("csr_array", "csr_matrix")
        for solver in ("liblinear", "sag", "saga")
    },
}


def pytest_collection_modifyitems(config, items):
    """Mark the expected failures; fail the run on a name that no test has."""
    names = {item.name for item in items}
    unknown = sorted(set(EXPECTED_FAILURES) - names)
    if unknown:
        raise pytest.UsageError(f"expected failures that are not tests: {unknown}")
    for item in items:
        reason = EXPECTED_FAILURES.get(item.name)
        if reason is not None:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
