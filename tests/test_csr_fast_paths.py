"""Fast paths of wide sparse L1 fits, each against the plain path it replaces.

The already-valid CSR input skips scikit-learn's validation: every input the
slow path would change or reject must still take it, and what the fast path
returns must be what the slow path returns. The loss sums from the rows'
linear predictor keep most ``log1p`` terms as a running product: they must
equal the plain formula, margins of +-700 included. Large matrices are made
and summed by columns in parts on several threads: the same arrays and the
same bits as one part. The working-set solver's first pass from zero goes by
columns: the row pass's value, gradient and diagonal.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from scipy.special import expit

import logreg
import logreg.data.memory as memory
from logreg.data.memory import InMemoryAdapter
from logreg.data.sources import InMemorySource, _spread
from logreg.objective import LogisticObjective
from logreg.solvers import ws_prox_newton


def canonical_csr(n_rows=40, n_features=15, seed=0):
    """A random float64 CSR matrix in canonical form, and 0/1 labels."""
    rng = np.random.default_rng(seed)
    X = sparse.random(n_rows, n_features, density=0.3, random_state=rng, format="csr")
    X.data = rng.normal(size=X.nnz)
    y = rng.integers(0, 2, size=n_rows)
    return X, y


def unsorted(X):
    """``X`` with each row's entries reversed (same matrix, unsorted indices)."""
    data, indices = X.data.copy(), X.indices.copy()
    for i in range(X.shape[0]):
        row = slice(X.indptr[i], X.indptr[i + 1])
        data[row], indices[row] = data[row][::-1], indices[row][::-1]
    return sparse.csr_matrix((data, indices, X.indptr.copy()), shape=X.shape)


def duplicated(X):
    """``X`` with each entry split into two halves at the same position."""
    lengths = np.diff(X.indptr)
    rows = np.repeat(np.arange(X.shape[0]), lengths)
    order = np.argsort(np.concatenate([rows, rows]), kind="stable")
    data = np.concatenate([X.data / 2, X.data / 2])[order]
    indices = np.concatenate([X.indices, X.indices])[order]
    indptr = np.concatenate([[0], np.cumsum(2 * lengths)])
    return sparse.csr_matrix((data, indices, indptr), shape=X.shape)


def with_value(X, value):
    X = X.copy()
    X.data[X.nnz // 2] = value
    return X


def with_int64_indices(X):
    X = X.copy()
    X.indices = X.indices.astype(np.int64)
    X.indptr = X.indptr.astype(np.int64)
    return X


def training_data(X, y, slow, monkeypatch):
    """The adapter's training data, by the fast path where it applies or not."""
    with monkeypatch.context() as patch:
        if slow:
            patch.setattr(memory, "_is_ready", lambda X, y: False)
        estimator = logreg.LogisticRegression()
        return InMemoryAdapter().training_data(estimator, X, y, None), estimator


CANONICAL_INPUTS = {
    "float64": lambda X: X,
    "float32": lambda X: X.astype(np.float32),
    "int64 indices": with_int64_indices,
    "csr_array": sparse.csr_array,
}
OTHER_INPUTS = {
    "unsorted indices": unsorted,
    "duplicates": duplicated,
    "int data": lambda X: X.astype(np.int64),
    "csc": lambda X: X.tocsc(),
    "empty": lambda X: X[:0],
}


@pytest.mark.parametrize("kind", list(CANONICAL_INPUTS))
def test_canonical_csr_skips_validation_unchanged(kind, monkeypatch):
    X, y = canonical_csr()
    X = CANONICAL_INPUTS[kind](X)
    assert memory._is_ready(X, y)
    fast, fast_estimator = training_data(X, y, False, monkeypatch)
    slow, slow_estimator = training_data(X, y, True, monkeypatch)
    # The slow path also hands back X itself: nothing copied, nothing changed.
    assert fast.source.X is X and slow.source.X is X
    assert fast_estimator.n_features_in_ == slow_estimator.n_features_in_
    assert_array_equal(fast.classes, slow.classes)
    assert_array_equal(fast.source.y, slow.source.y)


@pytest.mark.parametrize("kind", list(OTHER_INPUTS))
def test_other_sparse_input_takes_the_slow_path(kind):
    X, y = canonical_csr()
    assert not memory._is_ready(OTHER_INPUTS[kind](X), y)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_csr_is_rejected_as_before(value, monkeypatch):
    X, y = canonical_csr()
    X = with_value(X, value)
    assert not memory._is_ready(X, y)
    with pytest.raises(ValueError, match=r"NaN|infinity"):
        training_data(X, y, False, monkeypatch)


def test_overflowing_sum_takes_the_slow_path(monkeypatch):
    X, y = canonical_csr()
    X.data[:2] = 1e308  # finite entries whose sum is not
    assert not memory._is_ready(X, y)
    assert training_data(X, y, False, monkeypatch)[0].source.X is X


@pytest.mark.parametrize(
    "labels",
    [
        lambda y: y.astype(np.float64),
        lambda y: np.where(y == 1, "a", "b"),
        lambda y: y[:, None],
        lambda y: y[:-1],
        list,
    ],
    ids=["float", "strings", "2-D", "short", "list"],
)
def test_labels_that_need_checking_take_the_slow_path(labels):
    X, y = canonical_csr()
    assert not memory._is_ready(X, labels(y))


@pytest.mark.parametrize("kind", ["unsorted indices", "duplicates"])
def test_fits_agree_whichever_path(kind):
    X, y = canonical_csr(200, 30)
    model = logreg.LogisticRegression(l1_ratio=1.0, C=0.5, fit_intercept=False)
    fast = model.fit(X, y).coef_
    slow = model.fit(OTHER_INPUTS[kind](X), y).coef_
    np.testing.assert_allclose(slow, fast, rtol=1e-6, atol=1e-8)


def margins(n, seed=0):
    """Linear predictors from tiny to +-700, labels and weights (some not 1)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 4.0, n)
    z[::7] = rng.choice([-700.0, -40.0, -1e-12, 0.0, 1e-12, 40.0, 700.0], len(z[::7]))
    y = rng.integers(0, 2, n)
    s = np.ones(n)
    s[::5] = rng.uniform(0.0, 3.0, len(s[::5]))
    return z, y, s


def plain_loss(z, y, s):
    """``sum_i s_i (log(1 + e^z_i) - y_i z_i)`` with a ``log1p`` for every row.

    As ``log1p(e^-|z|) + max(z, 0) - y z``, which keeps the tiny losses that
    ``logaddexp(0, z) - y z`` rounds to zero.
    """
    losses = np.log1p(np.exp(-np.abs(z))) + (np.maximum(z, 0.0) - y * z)
    return float(np.sum(s * losses))


@pytest.mark.parametrize("n", [1, 127, 128, 129, 1000, 5001])
def test_loss_from_margins_matches_the_plain_formula(n):
    _fused = pytest.importorskip("logreg._fused")
    z, y, s = margins(n)
    assert_allclose(_fused.linear_loss_sum(z, y, s), plain_loss(z, y, s), rtol=1e-13)
    ones = np.ones(n)
    assert_allclose(
        _fused.linear_loss_sum(z, y, ones), plain_loss(z, y, ones), rtol=1e-13
    )


@pytest.mark.parametrize("n", [1, 129, 5001])
def test_column_sums_match_the_plain_formulas(n):
    _fused = pytest.importorskip("logreg._fused")
    z, y, s = margins(n, seed=1)
    X, _ = canonical_csr(n, 12, seed=2)
    total, grad, diagonal = _fused.linear_column_sums(z, y, s, _fused.csr_columns(X))
    p = expit(z)
    assert_allclose(total, plain_loss(z, y, s), rtol=1e-13)
    assert_allclose(grad, X.T @ (s * (p - y)), rtol=1e-12, atol=1e-12)
    curvature = s * expit(z) * expit(-z)  # no cancellation in 1 - p
    assert_allclose(diagonal, X.multiply(X).T @ curvature, rtol=1e-12)


def test_spread_keeps_the_parts_order():
    parts = [(i, i + 1) for i in range(11)]
    assert _spread(lambda a, b: a * b, parts) == [a * b for a, b in parts]


@pytest.fixture
def split_columns(monkeypatch):
    """Column kernels in parts from 100 nonzeros (the threshold lowered)."""
    _fused = pytest.importorskip("logreg._fused")
    monkeypatch.setattr(_fused, "PARALLEL_COLUMNS_MIN", 100)
    return _fused


@pytest.mark.parametrize("seed", [0, 1])
def test_parts_cover_every_item_once(split_columns, seed):
    lengths = np.random.default_rng(seed).integers(0, 50, 37)
    lengths[:3] = 400  # a few long items, as popular columns
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    parts = split_columns._parts(offsets)
    assert len(parts) > 1
    assert [a for a, _ in parts] == [0] + [b for _, b in parts[:-1]]
    assert parts[-1][1] == len(lengths) and all(b > a for a, b in parts)


@pytest.mark.parametrize("int64", [False, True])
def test_columns_in_parts_are_scipy_csc(split_columns, int64):
    X, _ = canonical_csr(300, 25, seed=3)
    if int64:
        X = with_int64_indices(X)
    starts, rows, values = split_columns.csr_columns(X)
    assert len(split_columns._parts(X.indptr)) > 1
    csc = X.tocsc()
    csc.sort_indices()
    assert_array_equal(starts, csc.indptr)
    assert_array_equal(rows, csc.indices)
    assert_array_equal(values, csc.data)
    assert rows.dtype == np.uint32 and values.dtype == np.float64


def test_column_sums_in_parts_are_those_of_one_part(split_columns, monkeypatch):
    z, y, s = margins(300, seed=4)
    X, _ = canonical_csr(300, 25, seed=5)
    columns = split_columns.csr_columns(X)
    in_parts = split_columns.linear_column_sums(z, y, s, columns)
    monkeypatch.setattr(split_columns, "PARALLEL_COLUMNS_MIN", 10**9)
    whole = split_columns.linear_column_sums(z, y, s, columns)
    assert in_parts[0] == whole[0]
    assert_array_equal(in_parts[1], whole[1])
    assert_array_equal(in_parts[2], whole[2])


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_first_evaluation_by_columns_is_the_row_pass(fit_intercept):
    pytest.importorskip("numba")
    X, y = canonical_csr(400, 300, seed=6)
    weights = np.random.default_rng(7).uniform(0.5, 2.0, len(y))
    source = InMemorySource(X, y, weights)
    objective = LogisticObjective(source, 2, 0.7, fit_intercept, 1.0, fused=True)
    w = np.zeros(objective.n_params)
    flat = objective.flat_directions()
    assert ws_prox_newton._columns_possible(objective, len(w), flat)
    by_columns = ws_prox_newton._first_evaluation(objective, w, np.zeros(len(y)), flat)
    by_rows = objective.value_grad_diagonal(w)
    assert_allclose(by_columns[0], by_rows[0], rtol=1e-14)
    assert_allclose(by_columns[1], by_rows[1], rtol=1e-13, atol=1e-16)
    assert_allclose(by_columns[2], by_rows[2], rtol=1e-13)


def test_duplicate_entries_are_summed_for_the_hessian_on_a_copy():
    """``X w`` adds duplicates up; the Hessian's squares must see them added too.

    Unsummed, a split entry ``a/2, a/2`` gave ``a^2 / 2`` on the Hessian's
    diagonal (and in the working sets' Gram matrices) instead of ``a^2``.
    """
    X, y = canonical_csr(300, 6)
    split = duplicated(X)
    kept = split.copy()
    data = InMemoryAdapter().training_data(logreg.LogisticRegression(), split, y, None)
    w = np.random.default_rng(1).normal(size=7)
    objective = LogisticObjective(data.source, 2, 1.0, True, 1.0, fused=True)
    reference = LogisticObjective(
        InMemorySource(X, y, np.ones(len(y))), 2, 1.0, True, 1.0, fused=True
    )
    for got, want in zip(
        objective.value_grad_diagonal(w),
        reference.value_grad_diagonal(w),
        strict=True,
    ):
        assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    index = np.arange(6)
    assert_allclose(
        objective.value_grad_hessian_on(w, index)[2],
        reference.value_grad_hessian_on(w, index)[2],
        rtol=1e-12,
        atol=1e-12,
    )
    assert split.nnz == 2 * X.nnz and not split.has_canonical_format
    for part in ("data", "indices", "indptr"):
        assert_array_equal(getattr(split, part), getattr(kept, part))
