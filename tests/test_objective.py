"""The objective against an independent NumPy reference and finite differences.

Parametrised over intercept x sample weights x C x binary/multinomial x dtype.
The reference (``reference_objective`` in ``conftest.py``) reads the
parameter matrix straight from the layout the objective's docstring states,
so the layout is tested too, not only the arithmetic.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from logreg.data.sources import InMemorySource
from logreg.objective import LogisticObjective

N_SAMPLES, N_FEATURES = 40, 4

INTERCEPTS = [True, False]
WEIGHTS = ["unweighted", "weighted"]
CS = [1.0, 0.5, np.inf]
N_CLASSES = [2, 3]
DTYPES = [np.float64, np.float32]

#: rtol/atol of float32 results against the float64 reference.
LOOSE = {"rtol": 2e-5, "atol": 2e-6}
TIGHT = {"rtol": 1e-12, "atol": 1e-13}


def tol(dtype) -> dict[str, float]:
    """Tolerance for a quantity computed in ``dtype`` against float64."""
    return TIGHT if dtype == np.float64 else LOOSE


class Problem:
    """Data, an objective on them and a random parameter point.

    Parameters
    ----------
    X, y, s : ndarray
        Data in float64 (``s`` None for unweighted).
    n_classes : int
    C : float
    fit_intercept : bool
    dtype : numpy dtype
        Dtype in which the objective holds ``X``.
    fused : bool
        Whether the objective uses the fused (Numba) kernels.
    seed : int
    """

    def __init__(
        self, X, y, s, n_classes, C, fit_intercept, dtype, fused=False, seed=0
    ):
        self.X = X.astype(dtype)
        self.y = y
        self.s = s
        self.C = C
        self.fit_intercept = fit_intercept
        self.dtype = dtype
        weights = np.ones(len(y)) if s is None else s
        self.objective = LogisticObjective(
            InMemorySource(self.X, y, weights), n_classes, C, fit_intercept, fused=fused
        )
        # The same problem held in float64, for derivative checks of float32.
        self.objective64 = LogisticObjective(
            InMemorySource(self.X.astype(np.float64), y, weights),
            n_classes,
            C,
            fit_intercept,
        )
        rng = np.random.default_rng(seed)
        self.w = rng.normal(scale=0.5, size=self.objective.n_params)

    def matrix(self, w: np.ndarray) -> np.ndarray:
        """``w`` as the documented (n_rows, n_cols) matrix, intercept last."""
        return w.reshape(self.objective.n_rows, self.objective.n_cols)

    def reference(self, reference_objective, w: np.ndarray) -> float:
        """The independent scaled objective at ``w``, in float64."""
        return reference_objective(
            self.X, self.y, self.s, self.matrix(w), self.C, self.fit_intercept
        )


@pytest.fixture(params=DTYPES, ids=["float64", "float32"])
def dtype(request):
    return request.param


@pytest.fixture(params=N_CLASSES, ids=["binary", "multinomial"])
def n_classes(request):
    return request.param


@pytest.fixture(params=CS, ids=["C1", "C0.5", "Cinf"])
def C(request):
    return request.param


@pytest.fixture(params=WEIGHTS)
def weighting(request):
    return request.param


@pytest.fixture(params=INTERCEPTS, ids=["intercept", "no_intercept"])
def fit_intercept(request):
    return request.param


@pytest.fixture(params=["numpy", "fused"])
def fused(request):
    """The NumPy kernels, and the fused Numba kernels where Numba is installed."""
    if request.param == "fused":
        pytest.importorskip("numba")
    return request.param == "fused"


@pytest.fixture
def problem(noisy_data, dtype, n_classes, C, weighting, fit_intercept, fused):
    X, y = noisy_data(N_SAMPLES, N_FEATURES, n_classes, seed=n_classes)
    s = None
    if weighting == "weighted":
        s = np.random.default_rng(7).uniform(0.1, 3.0, size=N_SAMPLES)
    return Problem(X, y, s, n_classes, C, fit_intercept, dtype, fused)


def central_differences(fun, w: np.ndarray, h: float) -> np.ndarray:
    """Central finite-difference derivative of ``fun`` along each axis of ``w``.

    Parameters
    ----------
    fun : callable
        ``fun(w)`` returns a float or an array.
    w : ndarray of shape (n_params,)
    h : float
        Step.

    Returns
    -------
    ndarray of shape (n_params,) + shape of ``fun(w)``
    """
    columns = []
    for j in range(len(w)):
        step = np.zeros_like(w)
        step[j] = h
        columns.append(
            (np.asarray(fun(w + step)) - np.asarray(fun(w - step))) / (2 * h)
        )
    return np.array(columns)


# ------------------------------------------------------------------- value
def test_value_matches_reference(problem, reference_objective):
    value = problem.objective.value(problem.w)
    assert isinstance(value, float)
    expected = problem.reference(reference_objective, problem.w)
    assert_allclose(value, expected, **tol(problem.dtype))


def test_value_is_stable_for_huge_linear_predictors(problem, reference_objective):
    # |z| reaches thousands: a naive exp overflows (filterwarnings=error).
    w = 2000.0 * problem.w
    value = problem.objective.value(w)
    assert np.isfinite(value)
    assert_allclose(value, problem.reference(reference_objective, w), rtol=1e-5)


def test_value_and_grad_agree_with_value(problem):
    value, grad = problem.objective.value_and_grad(problem.w)
    assert grad.shape == (problem.objective.n_params,)
    assert grad.dtype == np.float64
    assert_allclose(value, problem.objective.value(problem.w), rtol=1e-12)


def test_gradient_matches_finite_differences(problem, reference_objective):
    _, grad = problem.objective.value_and_grad(problem.w)
    # Differences of the float64 reference: accurate to ~1e-10 with h = 1e-5.
    expected = central_differences(
        lambda w: problem.reference(reference_objective, w), problem.w, 1e-5
    )
    atol = 1e-8 if problem.dtype == np.float64 else 1e-5
    assert_allclose(grad, expected, rtol=1e-6, atol=atol)


def test_values_along_equal_values_at_each_step(problem):
    direction = np.random.default_rng(5).normal(size=problem.objective.n_params)
    steps = np.array([1.0, 0.5, 1e-3, 0.0, 2.0])
    values = problem.objective.values_along(problem.w, direction, steps)
    expected = [problem.objective.value(problem.w + t * direction) for t in steps]
    assert values.shape == (5,)
    assert_allclose(values, expected, **tol(problem.dtype))


# ----------------------------------------------------------------- Hessian
def test_hessp_matches_finite_differences_of_gradient(problem):
    v = np.random.default_rng(3).normal(size=problem.objective.n_params)
    h = 1e-6

    def grad64(w):
        return problem.objective64.value_and_grad(w)[1]

    expected = (grad64(problem.w + h * v) - grad64(problem.w - h * v)) / (2 * h)
    atol = 1e-8 if problem.dtype == np.float64 else 1e-5
    assert_allclose(problem.objective.hessp(problem.w, v), expected, atol=atol)


def test_hessp_matches_full_hessian(problem):
    objective = problem.objective
    v = np.random.default_rng(4).normal(size=objective.n_params)
    value, grad, hessian = objective.value_grad_hessian(problem.w)
    assert hessian.shape == (objective.n_params, objective.n_params)
    assert_allclose(objective.hessp(problem.w, v), hessian @ v, **tol(problem.dtype))
    expected_value, expected_grad = objective.value_and_grad(problem.w)
    assert_allclose(value, expected_value, rtol=1e-12)
    assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-14)


def test_hessian_is_finite_difference_of_gradient(problem):
    _, _, hessian = problem.objective.value_grad_hessian(problem.w)
    expected = central_differences(
        lambda w: problem.objective64.value_and_grad(w)[1], problem.w, 1e-6
    )
    atol = 1e-8 if problem.dtype == np.float64 else 1e-5
    assert_allclose(hessian, expected, atol=atol)


def test_hessian_is_symmetric_and_positive_semidefinite(problem):
    objective = problem.objective
    _, _, hessian = objective.value_grad_hessian(problem.w)
    scale = np.max(np.abs(hessian))
    # float32 kernels round each entry of X^T D X on their own.
    eps = float(np.finfo(problem.dtype).eps)
    assert_allclose(hessian, hessian.T, rtol=0, atol=8 * eps * scale)
    eigenvalues = np.linalg.eigvalsh(hessian)
    assert eigenvalues.min() >= -64 * eps * scale
    # Off the flat directions the Hessian is definite: adding V V^T (as Newton
    # does) leaves no zero eigenvalue, so the flat directions are complete.
    flat = objective.flat_directions()
    assert np.linalg.eigvalsh(hessian + flat @ flat.T).min() > 1e-6 * scale


# --------------------------------------------- intercept = column of ones
@pytest.mark.parametrize("n_classes", N_CLASSES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("C", CS)
def test_intercept_is_an_unpenalised_column_of_ones(noisy_data, n_classes, weighted, C):
    X, y = noisy_data(N_SAMPLES, N_FEATURES, n_classes)
    s = np.random.default_rng(5).uniform(0.1, 3.0, N_SAMPLES) if weighted else None
    weights = np.ones(N_SAMPLES) if s is None else s
    with_intercept = LogisticObjective(InMemorySource(X, y, weights), n_classes, C)
    ones = np.hstack([X, np.ones((N_SAMPLES, 1))])
    with_column = LogisticObjective(
        InMemorySource(ones, y, weights), n_classes, C, fit_intercept=False
    )
    assert with_intercept.n_params == with_column.n_params
    w = np.random.default_rng(6).normal(size=with_intercept.n_params)
    value, grad, hessian = with_intercept.value_grad_hessian(w)
    value1, grad1, hessian1 = with_column.value_grad_hessian(w)
    _, intercept = with_intercept.unpack(w)
    # The column of ones is penalised like any coefficient; the intercept not.
    # With C = inf both are unpenalised and the objectives coincide.
    alpha = with_intercept.alpha
    penalty_of_ones = 0.5 * alpha * float(intercept @ intercept)
    assert_allclose(value1, value + penalty_of_ones, rtol=1e-13)
    mask = np.zeros((with_intercept.n_rows, with_intercept.n_cols))
    mask[:, -1] = 1.0
    mask = mask.ravel()
    assert_allclose(grad1, grad + alpha * mask * w, rtol=1e-12, atol=1e-14)
    assert_allclose(hessian1, hessian + np.diag(alpha * mask), rtol=1e-12, atol=1e-14)
    if np.isinf(C):
        assert value1 == pytest.approx(value, rel=1e-14)


# ------------------------------------------------------- parity with sklearn
@pytest.mark.parametrize("n_classes", N_CLASSES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("C", CS)
@pytest.mark.parametrize("fit_intercept", INTERCEPTS)
def test_value_equals_sklearn_linear_model_loss(
    noisy_data, reference_objective, n_classes, weighted, C, fit_intercept
):
    """F at scikit-learn's fitted coefficients, against its private loss class."""
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression

    X, y = noisy_data(N_SAMPLES, N_FEATURES, n_classes)
    s = np.random.default_rng(5).uniform(0.1, 3.0, N_SAMPLES) if weighted else None
    model = SkLogisticRegression(
        C=C, fit_intercept=fit_intercept, tol=1e-10, max_iter=10_000
    ).fit(X, y, sample_weight=s)
    objective = LogisticObjective(
        InMemorySource(X, y, np.ones(N_SAMPLES) if s is None else s),
        n_classes,
        C,
        fit_intercept,
    )
    w = objective.pack(model.coef_, model.intercept_)
    matrix = w.reshape(objective.n_rows, objective.n_cols)
    value, grad = objective.value_and_grad(w)
    assert_allclose(
        value, reference_objective(X, y, s, matrix, C, fit_intercept), rtol=1e-13
    )
    # scikit-learn's optimum is a stationary point of our objective.
    assert np.max(np.abs(grad)) < 1e-6
    try:
        from sklearn._loss.loss import HalfBinomialLoss, HalfMultinomialLoss
        from sklearn.linear_model._linear_loss import LinearModelLoss
    except ImportError:  # pragma: no cover - depends on sklearn internals
        pytest.skip("sklearn's private LinearModelLoss is not importable")
    base_loss = HalfBinomialLoss() if n_classes == 2 else HalfMultinomialLoss(n_classes)
    sk_loss = LinearModelLoss(base_loss, fit_intercept=fit_intercept)
    sk_coef = matrix[0] if n_classes == 2 else matrix
    l2_reg_strength = 0.0 if np.isinf(C) else 1.0 / (C * objective.weight_sum)
    expected = sk_loss.loss(
        sk_coef, X, y.astype(np.float64), s, l2_reg_strength=l2_reg_strength
    )
    assert_allclose(value, expected, rtol=1e-12)


# ------------------------------------------------------------------ blocks
@pytest.mark.parametrize("block_rows", [1, 7, N_SAMPLES])
def test_block_sums_do_not_depend_on_block_size(problem, block_rows):
    reference = problem.objective
    source = InMemorySource(
        reference.source.X,
        reference.source.y,
        reference.source.sample_weight,
        block_rows=block_rows,
    )
    blocked = LogisticObjective(
        source, reference.n_classes, reference.C, reference.fit_intercept
    )
    w = problem.w
    v = np.random.default_rng(8).normal(size=reference.n_params)
    rtol = 1e-12 if problem.dtype == np.float64 else 1e-6
    assert_allclose(blocked.value(w), reference.value(w), rtol=rtol)
    for got, expected in zip(
        blocked.value_and_grad(w), reference.value_and_grad(w), strict=True
    ):
        assert_allclose(got, expected, rtol=rtol, atol=rtol * 1e-2)
    assert_allclose(
        blocked.hessp(w, v), reference.hessp(w, v), rtol=rtol, atol=rtol * 1e-2
    )
    for got, expected in zip(
        blocked.value_grad_hessian(w), reference.value_grad_hessian(w), strict=True
    ):
        # A Hessian entry is a sum of terms of both signs (diag(p) - p p^T):
        # in float32 its error is eps relative to the largest entry, not itself.
        scale = np.max(np.abs(expected))
        assert_allclose(got, expected, rtol=rtol, atol=rtol * max(1e-2, scale))


@pytest.mark.parametrize("block_rows", [1, 7, N_SAMPLES, None])
@pytest.mark.parametrize("dtype", DTYPES)
def test_blocks_are_views_covering_every_row_once(noisy_data, block_rows, dtype):
    X, y = noisy_data(N_SAMPLES, N_FEATURES, 3)
    X = X.astype(dtype)
    s = np.random.default_rng(9).uniform(size=N_SAMPLES)
    source = InMemorySource(X, y, s, block_rows=block_rows)
    blocks = list(source.blocks())
    for X_b, y_b, s_b in blocks:
        assert np.shares_memory(X_b, X)
        assert np.shares_memory(y_b, y)
        assert np.shares_memory(s_b, s)
        assert X_b.dtype == dtype
        assert len(X_b) == len(y_b) == len(s_b) > 0
    assert_allclose(np.vstack([b[0] for b in blocks]), X, rtol=0)
    assert_allclose(np.concatenate([b[1] for b in blocks]), y, rtol=0)
    assert_allclose(np.concatenate([b[2] for b in blocks]), s, rtol=0)
    if block_rows is not None:
        assert len(blocks) == -(-N_SAMPLES // block_rows)


def test_kernels_see_views_of_the_data(noisy_data):
    """The objective hands the kernel the source's views; no block is copied."""
    X, y = noisy_data(N_SAMPLES, N_FEATURES, 2)
    source = InMemorySource(X, y, np.ones(N_SAMPLES), block_rows=7)
    seen = []
    original = source.sum_over_blocks

    def spy(kernel):
        def recording_kernel(X_b, y_b, s_b):
            seen.append(np.shares_memory(X_b, X))
            return kernel(X_b, y_b, s_b)

        return original(recording_kernel)

    objective = LogisticObjective(source, 2, 1.0)
    source.sum_over_blocks = spy
    objective.value_and_grad(np.zeros(objective.n_params))
    assert len(seen) == -(-N_SAMPLES // 7)
    assert all(seen)


# --------------------------------------------------------- mini-batches
def test_batch_with_all_rows_equals_full(problem):
    objective = problem.objective
    all_rows = np.arange(objective.n_samples)
    value, grad = objective.batch_value_and_grad(problem.w, all_rows)
    expected_value, expected_grad = objective.value_and_grad(problem.w)
    rtol = 1e-12 if problem.dtype == np.float64 else 1e-6
    assert_allclose(value, expected_value, rtol=rtol)
    assert_allclose(grad, expected_grad, rtol=rtol, atol=rtol * 1e-2)


def test_batch_estimates_average_to_full_over_a_partition(problem):
    """Equal batches that partition the rows average exactly to the full value."""
    objective = problem.objective
    order = np.random.default_rng(10).permutation(objective.n_samples)
    batches = np.split(order, 4)
    estimates = [objective.batch_value_and_grad(problem.w, rows) for rows in batches]
    value = np.mean([e[0] for e in estimates])
    grad = np.mean([e[1] for e in estimates], axis=0)
    expected_value, expected_grad = objective.value_and_grad(problem.w)
    rtol = 1e-12 if problem.dtype == np.float64 else 1e-6
    assert_allclose(value, expected_value, rtol=rtol)
    assert_allclose(grad, expected_grad, rtol=rtol, atol=rtol * 1e-2)


# ------------------------------------------------------------------ layout
def test_pack_unpack_round_trip(problem):
    objective = problem.objective
    rng = np.random.default_rng(11)
    coef = rng.normal(size=(objective.n_rows, N_FEATURES))
    intercept = rng.normal(size=objective.n_rows)
    w = objective.pack(coef, intercept)
    assert w.shape == (objective.n_params,)
    assert w.dtype == np.float64
    coef_back, intercept_back = objective.unpack(w)
    assert coef_back.shape == (objective.n_rows, N_FEATURES)
    assert intercept_back.shape == (objective.n_rows,)
    assert_allclose(coef_back, coef, rtol=0)
    assert np.shares_memory(coef_back, w)
    matrix = problem.matrix(w)
    assert_allclose(matrix[:, :N_FEATURES], coef, rtol=0)
    if objective.fit_intercept:
        assert_allclose(intercept_back, intercept, rtol=0)
        assert_allclose(matrix[:, -1], intercept, rtol=0)
        assert np.shares_memory(intercept_back, w)
    else:
        assert_allclose(intercept_back, 0.0, rtol=0)
    assert_allclose(objective.pack(*objective.unpack(problem.w)), problem.w, rtol=0)


def test_flat_directions(problem):
    objective = problem.objective
    flat = objective.flat_directions()
    assert flat.shape[0] == objective.n_params
    if objective.n_rows == 1:
        assert flat.shape[1] == 0
        return
    # Multinomial: an intercept shift always; a coefficient shift without penalty.
    expected = (
        (N_FEATURES + 1 if objective.fit_intercept else N_FEATURES)
        if (np.isinf(problem.C))
        else int(objective.fit_intercept)
    )
    assert flat.shape[1] == expected
    assert_allclose(flat.T @ flat, np.eye(flat.shape[1]), atol=1e-15)
    value, grad = objective.value_and_grad(problem.w)
    _, _, hessian = objective.value_grad_hessian(problem.w)
    atol = 1e-12 if problem.dtype == np.float64 else 1e-6
    assert_allclose(flat.T @ grad, 0.0, atol=atol)
    assert_allclose(hessian @ flat, 0.0, atol=atol)
    for t in (-3.0, 0.5, 10.0):
        for direction in flat.T:
            moved = objective.value(problem.w + t * direction)
            assert moved == pytest.approx(value, rel=10 * atol)


def test_objective_statistics(problem):
    objective = problem.objective
    s = np.ones(N_SAMPLES) if problem.s is None else problem.s
    assert objective.weight_sum == pytest.approx(np.sum(s), rel=1e-15)
    expected_alpha = 0.0 if np.isinf(problem.C) else 1.0 / (problem.C * np.sum(s))
    assert objective.alpha == pytest.approx(expected_alpha, rel=1e-15)
    n_rows = 1 if objective.n_classes == 2 else objective.n_classes
    n_cols = N_FEATURES + int(problem.fit_intercept)
    assert objective.n_params == n_rows * n_cols


def test_no_warnings_at_zero(problem):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = problem.objective.value(np.zeros(problem.objective.n_params))
    # At w = 0 every class is equally likely: F = log(K).
    assert_allclose(value, np.log(problem.objective.n_classes), rtol=1e-7)
