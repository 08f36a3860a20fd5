"""Fused block kernels compiled with Numba: loss and gradient from one read of each row.

The NumPy kernels of :mod:`logreg.objective` read a block of ``X`` twice
(``z = X_b W^T`` and ``R^T X_b``), each with a BLAS call, and spend more time
in NumPy's elementwise ``exp``/``log`` calls than in the products. These
kernels walk the block row by row: each row is read from memory once, and
while it is in L1 its linear predictor, loss and residual are computed and its
share of the gradient is added. Measured on 1M x 100 with two threads, a
value-and-gradient pass went from 70 ms (NumPy) to 30 ms in float64 and from
51 ms to 24 ms in float32, against 24 ms and 12 ms to merely read ``X``.

The arithmetic is float64 whatever the dtype of ``X``: a float32 row is
widened in registers, so float32 data cost half the memory traffic and give
float64-accurate sums. The per-row formulas are those of :mod:`logreg._math`
(sign-split sigmoid, ``log1p(exp(-|z|))``, log-sum-exp with the row maximum
subtracted).

The binary CSR kernels (value, gradient and Hessian diagonal; Hessian-vector
products; line-search values; a working set's Gram matrix) do the same for
SciPy CSR blocks: each row's nonzeros are read once.

The column kernels serve a binary model kept by its rows' linear predictor
``z`` (the working-set proximal Newton's steps by columns): ``X`` by columns
once (:func:`csr_columns`), then the value, gradient and Hessian diagonal
from ``z`` as one gather per entry (:func:`linear_column_sums`), and line
search values in ``O(n)`` (:func:`linear_loss_sum`).

Longer than 600 lines: the dense and the CSR kernels share the per-row
formulas (``_binary_row``, ``_add_loss``) and the compile settings, and each
kernel sits next to the wrapper that documents its arguments.

Importing this module imports Numba; :mod:`logreg.objective` imports it only
when Numba is installed and the data are large enough to repay the first
compilation (compiled code is cached on disk, see ``cache=True``).
"""

from __future__ import annotations

import itertools
import math

import numba
import numpy as np

from logreg.data.sources import _spread

__all__ = [
    "csr_binary_gram",
    "csr_binary_hessp",
    "csr_binary_value",
    "csr_binary_value_and_grad",
    "csr_binary_values_along",
    "csr_column_gram",
    "csr_columns",
    "linear_column_sums",
    "linear_loss_sum",
    "mirror_upper",
    "value",
    "value_and_grad",
]

# reassoc lets LLVM vectorise the dot products and sums; no nnan/ninf, so
# infinities and NaNs keep their IEEE meaning.
_JIT = {"nogil": True, "cache": True, "fastmath": {"reassoc", "contract", "nsz"}}


#: Unit-weight rows add ``log1p(e)`` as a factor ``1 + e`` of a running product
#: whose log is taken every this many rows: each factor is in (1, 2], so the
#: product stays below 2^128. A ``log1p`` per row was a third of a float32
#: pass; without it the pass took 17.0 instead of 21.8 ms (1M x 100, float64:
#: 31.4 instead of 32.7 ms), and the value moved by 3e-16 relative.
_PRODUCT_ROWS = 128
#: A factor ``1 + e`` with ``e`` below this would keep too few of ``e``'s
#: digits (tiny losses, as on nearly separated data): such rows, and weighted
#: ones, take their own ``log1p``.
_TINY = 1e-4


@numba.njit(**_JIT)
def _binary_row(z, y):
    """``e = exp(-|z|)``, the loss less its ``log1p(e)`` term, and the residual.

    The binary loss is ``log(1 + e^z) - y z = log1p(e) + max(z, 0) - y z``;
    the residual is ``sigmoid(z) - y``.
    """
    # e = exp(-|z|) never overflows; the sign split keeps the relative
    # precision of tiny probabilities (as logreg._math.sigmoid).
    e = math.exp(-abs(z))
    t = 1.0 / (1.0 + e)
    p = t if z >= 0.0 else e * t
    return e, max(z, 0.0) - y * z, p - y


@numba.njit(**_JIT)
def _add_loss(i, e, linear, s, product, total):
    """Add row ``i``'s weighted loss ``s (log1p(e) + linear)`` to the sums.

    ``log1p(e)`` goes into the running ``product`` as a factor ``1 + e`` for a
    unit-weight row with ``e >= _TINY``, else into ``total``; the product's
    log moves into ``total`` after every ``_PRODUCT_ROWS``-th row.
    """
    if s == 1.0 and e >= _TINY:
        product *= 1.0 + e
    else:
        total += s * math.log1p(e)
    total += s * linear
    if i % _PRODUCT_ROWS == _PRODUCT_ROWS - 1:
        total += math.log(product)
        product = 1.0
    return product, total


@numba.njit(**_JIT)
def _linear_predictor(X, i, coef, intercept):
    """``z = x_i . coef + intercept`` in float64."""
    z = intercept
    for j in range(coef.shape[0]):
        z += X[i, j] * coef[j]
    return z


@numba.njit(**_JIT)
def _binary_rows(X, y, s, coef, intercept, grad, z_out, r_out):
    total = 0.0
    product = 1.0
    grad_intercept = 0.0
    for i in range(X.shape[0]):
        z = _linear_predictor(X, i, coef, intercept)
        e, linear, r = _binary_row(z, y[i])
        product, total = _add_loss(i, e, linear, s[i], product, total)
        z_out[i], r_out[i] = z, r
        r *= s[i]
        grad_intercept += r
        for j in range(coef.shape[0]):
            grad[j] += r * X[i, j]
    return total + math.log(product), grad_intercept


@numba.njit(**_JIT)
def _binary_row_pairs(X, y, s, coef, intercept, grad, z_out, r_out):
    n, d = X.shape
    total = 0.0
    product = 1.0
    grad_intercept = 0.0
    paired = n - n % 2
    for i in range(0, paired, 2):
        z0 = intercept
        z1 = intercept
        for j in range(d):
            z0 += X[i, j] * coef[j]
            z1 += X[i + 1, j] * coef[j]
        e0, linear0, r0 = _binary_row(z0, y[i])
        e1, linear1, r1 = _binary_row(z1, y[i + 1])
        product, total = _add_loss(i, e0, linear0, s[i], product, total)
        product, total = _add_loss(i + 1, e1, linear1, s[i + 1], product, total)
        z_out[i], z_out[i + 1] = z0, z1
        r_out[i], r_out[i + 1] = r0, r1
        r0 *= s[i]
        r1 *= s[i + 1]
        grad_intercept += r0 + r1
        for j in range(d):
            grad[j] += r0 * X[i, j] + r1 * X[i + 1, j]
    tail_total, tail_intercept = _binary_rows(
        X[paired:],
        y[paired:],
        s[paired:],
        coef,
        intercept,
        grad,
        z_out[paired:],
        r_out[paired:],
    )
    return total + math.log(product) + tail_total, grad_intercept + tail_intercept


@numba.njit(**_JIT)
def _binary_value(X, y, s, coef, intercept):
    total = 0.0
    product = 1.0
    for i in range(X.shape[0]):
        z = _linear_predictor(X, i, coef, intercept)
        e, linear, _ = _binary_row(z, y[i])
        product, total = _add_loss(i, e, linear, s[i], product, total)
    return total + math.log(product)


@numba.njit(**_JIT)
def _multinomial_row(X, i, coef, intercept, z):
    """Fill ``z`` with row ``i``'s linear predictors; return their log-sum-exp."""
    n_classes, d = coef.shape
    for k in range(n_classes):
        acc = intercept[k]
        for j in range(d):
            acc += X[i, j] * coef[k, j]
        z[k] = acc
    # Subtracting the row maximum makes every exponent <= 0 (log-sum-exp trick).
    top = z[0]
    for k in range(1, n_classes):
        top = max(top, z[k])
    total = 0.0
    for k in range(n_classes):
        total += math.exp(z[k] - top)
    return math.log(total) + top


@numba.njit(**_JIT)
def _multinomial_value_grad(X, y, s, coef, intercept, grad, grad_intercept, z, r):
    n, d = X.shape
    n_classes = coef.shape[0]
    total = 0.0
    for i in range(n):
        lse = _multinomial_row(X, i, coef, intercept, z[i])
        label = y[i]
        total += s[i] * (lse - z[i, label])
        for k in range(n_classes):
            r[i, k] = math.exp(z[i, k] - lse) - (1.0 if k == label else 0.0)
            weighted = s[i] * r[i, k]
            grad_intercept[k] += weighted
            for j in range(d):
                grad[k, j] += weighted * X[i, j]
    return total


@numba.njit(**_JIT)
def _multinomial_value(X, y, s, coef, intercept):
    n = X.shape[0]
    z = np.empty(coef.shape[0])
    total = 0.0
    for i in range(n):
        lse = _multinomial_row(X, i, coef, intercept, z)
        total += s[i] * (lse - z[y[i]])
    return total


def _parameters(coef, intercept) -> tuple[np.ndarray, np.ndarray]:
    """``coef`` and ``intercept`` as contiguous float64 (one compiled variant)."""
    return (
        np.ascontiguousarray(coef, dtype=np.float64),
        np.ascontiguousarray(intercept, dtype=np.float64),
    )


def value_and_grad(
    X: np.ndarray,
    y: np.ndarray,
    s: np.ndarray,
    coef: np.ndarray,
    intercept: np.ndarray,
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """One block's weighted loss sum, gradient, linear predictor and residual.

    Parameters
    ----------
    X : ndarray of shape (rows, n_features)
        float32 or float64, NumPy.
    y : ndarray of shape (rows,)
        Encoded labels ``0..K-1`` (integers).
    s : ndarray of shape (rows,)
        Non-negative row weights.
    coef : ndarray of shape (n_rows, n_features)
        float64; ``n_rows`` is 1 (binary, labels 0/1) or ``K`` (multinomial).
    intercept : ndarray of shape (n_rows,)
        float64 (zeros for a model without intercept).

    Returns
    -------
    value : float
        ``sum_i s_i loss_i``.
    grad : ndarray of shape (n_rows, n_features + 1)
        ``[R_s^T X, R_s^T 1]`` with ``R_s`` the weighted residuals; the last
        column is the intercept's (the caller drops it when there is none).
    z : ndarray of shape (rows, n_rows)
        float64 linear predictors.
    residual : ndarray of shape (rows, n_rows)
        float64 ``d loss_i / d z_i``, unweighted.
    """
    coef, intercept = _parameters(coef, intercept)
    rows, n_features = X.shape
    n_rows = coef.shape[0]
    if n_rows == 1:
        grad = np.zeros(n_features)
        z = np.empty(rows)
        residual = np.empty(rows)
        # Two rows at a time, one pass over ``grad`` serves both: on float32
        # rows that was 1.15x faster, on float64 rows 1.4x slower (1M x 100,
        # two threads, medians of 9 interleaved passes).
        kernel = _binary_row_pairs if X.dtype == np.float32 else _binary_rows
        total, grad_intercept = kernel(
            X, y, s, coef[0], float(intercept[0]), grad, z, residual
        )
        grad = np.append(grad, grad_intercept)[None, :]
        return float(total), grad, z[:, None], residual[:, None]
    grad = np.zeros((n_rows, n_features))
    grad_intercept = np.zeros(n_rows)
    z = np.empty((rows, n_rows))
    residual = np.empty((rows, n_rows))
    total = _multinomial_value_grad(
        X, y, s, coef, intercept, grad, grad_intercept, z, residual
    )
    grad = np.concatenate([grad, grad_intercept[:, None]], axis=1)
    return float(total), grad, z, residual


def value(
    X: np.ndarray,
    y: np.ndarray,
    s: np.ndarray,
    coef: np.ndarray,
    intercept: np.ndarray,
) -> float:
    """One block's weighted loss sum ``sum_i s_i loss_i``.

    Parameters are those of :func:`value_and_grad`.

    Returns
    -------
    float
    """
    coef, intercept = _parameters(coef, intercept)
    if coef.shape[0] == 1:
        return float(_binary_value(X, y, s, coef[0], float(intercept[0])))
    return float(_multinomial_value(X, y, s, coef, intercept))


@numba.njit(nogil=True, cache=True)
def _csr_column_gram(data, indices, indptr, h, position, width, longest):
    """``sum_i h_i x_i[S] x_i[S]^T`` over the columns ``S`` (``position >= 0``)."""
    gram = np.zeros((width, width))
    where = np.empty(longest, dtype=np.int64)
    values = np.empty(longest)
    for i in range(len(indptr) - 1):
        count = 0
        for entry in range(indptr[i], indptr[i + 1]):
            column = position[indices[entry]]
            if column >= 0:
                where[count] = column
                values[count] = data[entry]
                count += 1
        weight = h[i]
        # Positions rise along a row (sorted indices, sorted columns): b >= a
        # fills the upper triangle only, half the scattered additions.
        for a in range(count):
            scaled = weight * values[a]
            row = where[a]
            for b in range(a, count):
                gram[row, where[b]] += scaled * values[b]
    for a in range(width):
        for b in range(a + 1, width):
            gram[b, a] = gram[a, b]
    return gram


def csr_column_gram(X_b, h: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """The weighted Gram matrix of some columns of a CSR block, dense.

    ``X_b[:, columns]^T diag(h) X_b[:, columns]`` without slicing the block:
    each row's entries in ``columns`` are gathered once and their products
    added, ``O(sum_i nnz_i(columns)^2)``, where SciPy's sparse product makes
    a transposed copy, a symbolic pass and a sparse result first (68 ms
    against 9 ms for 900 of 5000 columns of a 20k-row text-like matrix).

    Parameters
    ----------
    X_b : scipy.sparse CSR matrix of shape (rows, n_features)
        With sorted indices in each row (``X_b.has_sorted_indices``).
    h : ndarray of shape (rows,)
    columns : ndarray of int, shape (m,)
        Distinct column indices.

    Returns
    -------
    ndarray of shape (m, m)
        float64, both triangles.
    """
    if not X_b.has_sorted_indices:
        X_b = X_b.sorted_indices()
    position = np.full(X_b.shape[1], -1, dtype=np.int64)
    position[columns] = np.arange(len(columns))
    lengths = np.diff(X_b.indptr)
    longest = int(lengths.max()) if len(lengths) else 0
    return _csr_column_gram(
        X_b.data,
        X_b.indices,
        X_b.indptr,
        np.asarray(h, dtype=np.float64),
        position,
        len(columns),
        longest,
    )


# ------------------------------------------------------------ binary CSR rows
# The CSR kernels below serve binary models on SciPy CSR blocks. Each walks
# the block row by row and reads a row's nonzeros once: the linear predictor
# (a gather from the coefficients), the row's loss and residual, and its
# share of the gradient (a scatter) while the row is in L1. SciPy needs three
# reads (``X w``, ``X^T r``, and ``X.multiply(X)`` for the diagonal) plus
# NumPy's temporaries: on a 20k x 5k text-like matrix a value, gradient and
# diagonal pass took 7.5 ms through SciPy, 1.1 ms here.
#
# Entries and columns are indexed as unsigned integers: with signed ones
# Numba adds a negative-index wraparound test to every gather and scatter,
# which made a CSR product 2.5x slower than SciPy's (0.65 ms against 0.26 ms
# for 600k nonzeros); unsigned, it matched it. Without ``reassoc``: LLVM then
# tries to vectorise the gathers, which cost another 1.5x.
_CSR_JIT = {"nogil": True, "cache": True, "fastmath": {"contract", "nsz"}}


@numba.njit(**_CSR_JIT)
def _csr_dot(data, indices, start, stop, coef):
    """``x_i . coef`` over the row's nonzeros ``data[start:stop]``."""
    z = 0.0
    entry = numba.uint64(start)
    end = numba.uint64(stop)
    while entry < end:
        z += data[entry] * coef[numba.uint64(indices[entry])]
        entry += numba.uint64(1)
    return z


@numba.njit(**_CSR_JIT)
def _csr_add(data, indices, start, stop, scale, out):
    """``out += scale * x_i`` over the row's nonzeros ``data[start:stop]``."""
    entry = numba.uint64(start)
    end = numba.uint64(stop)
    while entry < end:
        out[numba.uint64(indices[entry])] += scale * data[entry]
        entry += numba.uint64(1)


@numba.njit(**_CSR_JIT)
def _csr_add_squares(data, indices, start, stop, scale, out):
    """``out += scale * x_i^2`` (elementwise) over the row's nonzeros."""
    entry = numba.uint64(start)
    end = numba.uint64(stop)
    while entry < end:
        x = data[entry]
        out[numba.uint64(indices[entry])] += scale * x * x
        entry += numba.uint64(1)


@numba.njit(**_CSR_JIT)
def _curvature(z):
    """``sigma(z) (1 - sigma(z))`` as ``e / (1 + e)^2``, ``e = exp(-|z|)``.

    Symmetric in ``z`` and free of the cancellation of ``1 - sigma(z)``.
    """
    e = math.exp(-abs(z))
    return e / ((1.0 + e) * (1.0 + e))


@numba.njit(**_CSR_JIT)
def _csr_binary_value_grad(
    data, indices, indptr, y, s, coef, intercept, grad, diagonal, with_diagonal
):
    """Loss sum; gradient (and diagonal) added into ``grad`` (and ``diagonal``).

    Returns ``(loss sum, intercept gradient, intercept curvature)``.
    """
    total = 0.0
    product = 1.0
    grad_intercept = 0.0
    diagonal_intercept = 0.0
    for i in range(len(indptr) - 1):
        start, stop = indptr[i], indptr[i + 1]
        z = intercept + _csr_dot(data, indices, start, stop, coef)
        e, linear, r = _binary_row(z, y[i])
        product, total = _add_loss(i, e, linear, s[i], product, total)
        r *= s[i]
        grad_intercept += r
        _csr_add(data, indices, start, stop, r, grad)
        if with_diagonal:
            c = s[i] * _curvature(z)
            diagonal_intercept += c
            _csr_add_squares(data, indices, start, stop, c, diagonal)
    return total + math.log(product), grad_intercept, diagonal_intercept


@numba.njit(**_CSR_JIT)
def _csr_binary_value(data, indices, indptr, y, s, coef, intercept):
    total = 0.0
    product = 1.0
    for i in range(len(indptr) - 1):
        z = intercept + _csr_dot(data, indices, indptr[i], indptr[i + 1], coef)
        e, linear, _ = _binary_row(z, y[i])
        product, total = _add_loss(i, e, linear, s[i], product, total)
    return total + math.log(product)


@numba.njit(**_CSR_JIT)
def _csr_binary_values_along(
    data, indices, indptr, y, s, coef, intercept, step_coef, step_intercept, steps
):
    """Loss sums at ``w + t d`` for every ``t`` in ``steps``, one read of each row."""
    totals = np.zeros(len(steps))
    for i in range(len(indptr) - 1):
        start, stop = indptr[i], indptr[i + 1]
        z = intercept + _csr_dot(data, indices, start, stop, coef)
        dz = step_intercept + _csr_dot(data, indices, start, stop, step_coef)
        for k in range(len(steps)):
            u = z + steps[k] * dz
            # log(1 + e^u) - y u = log1p(e^-|u|) + max(u, 0) - y u: no overflow.
            totals[k] += s[i] * (math.log1p(math.exp(-abs(u))) + max(u, 0.0) - y[i] * u)
    return totals


@numba.njit(**_CSR_JIT)
def _csr_binary_hessp(data, indices, indptr, s, coef, intercept, v, v_intercept, out):
    """Add ``sum_i s_i sigma'(z_i) (x~_i . v~) x~_i`` into ``out``.

    Returns the intercept's entry.
    """
    out_intercept = 0.0
    for i in range(len(indptr) - 1):
        start, stop = indptr[i], indptr[i + 1]
        z = intercept + _csr_dot(data, indices, start, stop, coef)
        dz = v_intercept + _csr_dot(data, indices, start, stop, v)
        r = s[i] * _curvature(z) * dz
        out_intercept += r
        _csr_add(data, indices, start, stop, r, out)
    return out_intercept


@numba.njit(**_CSR_JIT)
def _csr_binary_gram(
    data,
    indices,
    indptr,
    y,
    s,
    coef,
    intercept,
    grad,
    position,
    with_intercept,
    width,
    longest,
):
    """Loss sum, gradient into ``grad``, and the Gram upper triangle on ``position``.

    ``position[j]`` is column ``j``'s index in the Gram matrix, or -1; with
    ``with_intercept`` the intercept is its last index ``width - 1``.
    Returns ``(loss sum, intercept gradient, gram)``.
    """
    gram = np.zeros(width * width)
    where = np.empty(longest + 1, dtype=np.uint64)
    values = np.empty(longest + 1)
    total = 0.0
    product = 1.0
    grad_intercept = 0.0
    for i in range(len(indptr) - 1):
        start, stop = indptr[i], indptr[i + 1]
        z = intercept + _csr_dot(data, indices, start, stop, coef)
        count = 0
        for entry in range(start, stop):
            at = position[numba.uint64(indices[entry])]
            if at >= 0:
                where[count] = numba.uint64(at)
                values[count] = data[entry]
                count += 1
        if with_intercept:
            where[count] = numba.uint64(width - 1)
            values[count] = 1.0
            count += 1
        e, linear, r = _binary_row(z, y[i])
        product, total = _add_loss(i, e, linear, s[i], product, total)
        r *= s[i]
        grad_intercept += r
        _csr_add(data, indices, start, stop, r, grad)
        c = s[i] * _curvature(z)
        # Positions rise along a row (sorted indices, increasing positions,
        # the intercept last): b >= a fills the upper triangle only. A flat
        # matrix and unsigned offsets: 9.3 instead of 15.3 ms on 557 columns
        # of a 20k x 5k text-like matrix.
        for a in range(count):
            scaled = c * values[a]
            row = where[a] * numba.uint64(width)
            for b in range(a, count):
                gram[row + where[b]] += scaled * values[b]
    return total + math.log(product), grad_intercept, gram.reshape(width, width)


def _csr_arrays(X_b):
    """``(data, indices, indptr)`` of a CSR block, indices as one integer dtype."""
    return X_b.data, X_b.indices, X_b.indptr


def csr_binary_value_and_grad(
    X_b,
    y: np.ndarray,
    s: np.ndarray,
    coef: np.ndarray,
    intercept: float,
    with_diagonal: bool = False,
) -> tuple[float, np.ndarray, np.ndarray | None]:
    """One CSR block's binary loss sum, gradient and (optionally) Hessian diagonal.

    Parameters
    ----------
    X_b : scipy.sparse CSR matrix of shape (rows, n_features)
    y : ndarray of shape (rows,)
        Labels 0/1.
    s : ndarray of shape (rows,)
        Non-negative row weights.
    coef : ndarray of shape (n_features,)
        float64.
    intercept : float
    with_diagonal : bool, default=False
        Also return ``sum_i s_i sigma'(z_i) x~_i^2``.

    Returns
    -------
    value : float
        ``sum_i s_i loss_i``.
    grad : ndarray of shape (n_features + 1,)
        ``sum_i s_i r_i x~_i`` with ``x~ = [x, 1]`` (the intercept's last).
    diagonal : ndarray of shape (n_features + 1,) or None
    """
    n_features = X_b.shape[1]
    grad = np.zeros(n_features + 1)
    diagonal = np.zeros(n_features + 1 if with_diagonal else 0)
    total, grad[-1], curvature = _csr_binary_value_grad(
        *_csr_arrays(X_b),
        y,
        s,
        coef,
        float(intercept),
        grad,
        diagonal,
        with_diagonal,
    )
    if not with_diagonal:
        return float(total), grad, None
    diagonal[-1] = curvature
    return float(total), grad, diagonal


def csr_binary_value(X_b, y, s, coef: np.ndarray, intercept: float) -> float:
    """One CSR block's binary loss sum ``sum_i s_i loss_i``.

    Parameters are those of :func:`csr_binary_value_and_grad`.

    Returns
    -------
    float
    """
    return float(_csr_binary_value(*_csr_arrays(X_b), y, s, coef, float(intercept)))


def csr_binary_values_along(
    X_b, y, s, coef, intercept: float, step_coef, step_intercept: float, steps
) -> np.ndarray:
    """One CSR block's binary loss sums at ``w + t d`` for each ``t`` in ``steps``.

    Parameters
    ----------
    X_b, y, s, coef, intercept
        As for :func:`csr_binary_value_and_grad` (``w``).
    step_coef : ndarray of shape (n_features,)
    step_intercept : float
        The direction ``d``.
    steps : ndarray of shape (n_steps,)

    Returns
    -------
    ndarray of shape (n_steps,)
    """
    return _csr_binary_values_along(
        *_csr_arrays(X_b),
        y,
        s,
        coef,
        float(intercept),
        step_coef,
        float(step_intercept),
        np.asarray(steps, dtype=np.float64),
    )


def csr_binary_hessp(
    X_b, s, coef, intercept: float, v, v_intercept: float
) -> np.ndarray:
    """One CSR block's ``sum_i s_i sigma'(z_i) (x~_i . v~) x~_i``.

    Parameters
    ----------
    X_b, s, coef, intercept
        As for :func:`csr_binary_value_and_grad`.
    v : ndarray of shape (n_features,)
    v_intercept : float

    Returns
    -------
    ndarray of shape (n_features + 1,)
        The intercept's entry last.
    """
    out = np.zeros(X_b.shape[1] + 1)
    out[-1] = _csr_binary_hessp(
        *_csr_arrays(X_b), s, coef, float(intercept), v, float(v_intercept), out
    )
    return out


def csr_binary_gram(
    X_b, y, s, coef, intercept: float, position: np.ndarray, with_intercept: bool
) -> tuple[float, np.ndarray, np.ndarray]:
    """One CSR block's binary loss sum, gradient and Hessian on some columns.

    The weighted Gram matrix ``sum_i s_i sigma'(z_i) x~_i[S] x~_i[S]^T`` of
    the columns ``S`` (and the intercept's column, last, with
    ``with_intercept``), gathered row by row from the same read of the row as
    the gradient, ``O(sum_i nnz_i(S)^2)``.

    Parameters
    ----------
    X_b, y, s, coef, intercept
        As for :func:`csr_binary_value_and_grad`; ``X_b`` with sorted indices.
    position : ndarray of int64, shape (n_features,)
        Column ``j``'s index in ``S``, increasing with ``j``, or -1.
    with_intercept : bool

    Returns
    -------
    value : float
    grad : ndarray of shape (n_features + 1,)
    gram : ndarray of shape (m, m)
        The upper triangle only (the lower is zero); ``m = |S| +
        with_intercept``.
    """
    if not X_b.has_sorted_indices:
        X_b = X_b.sorted_indices()
    width = int(np.count_nonzero(position >= 0)) + int(with_intercept)
    lengths = np.diff(X_b.indptr)
    longest = int(lengths.max()) if len(lengths) else 0
    grad = np.zeros(X_b.shape[1] + 1)
    total, grad[-1], gram = _csr_binary_gram(
        *_csr_arrays(X_b),
        y,
        s,
        coef,
        float(intercept),
        grad,
        position,
        bool(with_intercept),
        width,
        longest,
    )
    return float(total), grad, gram


#: From this many nonzeros the column build and the sums by columns are
#: spread over the block threads (:func:`logreg.data.sources._spread`), in
#: :data:`COLUMN_PARTS` parts of about equal nonzeros. On two idle cores
#: 200k x 20k text-like (6M nonzeros) took 21 instead of 35 ms to build and
#: 4.8 instead of 9.4 ms a pass; 20k x 5k (600k) gained nothing.
PARALLEL_COLUMNS_MIN = 2_000_000
#: Parts a spread column kernel is cut into: more parts than threads, so
#: that a slow part (a busy core) does not hold up the others.
COLUMN_PARTS = 8


def _parts(offsets: np.ndarray) -> list[tuple[int, int]]:
    """Ranges ``[a, b)`` of ``offsets``' items with about equal entries each.

    ``offsets`` is an ``indptr``: item ``i`` holds ``offsets[i + 1] -
    offsets[i]`` entries. One range below :data:`PARALLEL_COLUMNS_MIN`
    entries, else :data:`COLUMN_PARTS`.
    """
    n = len(offsets) - 1
    entries = int(offsets[-1] - offsets[0])
    if entries < PARALLEL_COLUMNS_MIN or n < COLUMN_PARTS:
        return [(0, n)]
    targets = offsets[0] + entries * np.arange(1, COLUMN_PARTS) // COLUMN_PARTS
    cuts = np.concatenate([[0], np.searchsorted(offsets, targets), [n]])
    return [(int(a), int(b)) for a, b in itertools.pairwise(cuts) if b > a]


@numba.njit(**_CSR_JIT)
def _csr_column_counts(indices, first, last, counts):
    """``counts[j]`` = entries ``first..last-1`` of ``indices`` in column ``j``."""
    entry = numba.uint64(first)
    end = numba.uint64(last)
    while entry < end:
        counts[numba.uint64(indices[entry])] += 1
        entry += numba.uint64(1)


@numba.njit(**_CSR_JIT)
def _csr_columns(data, indices, indptr, first_row, last_row, cursor, rows, values):
    # A counting sort by column: rows are visited in order, so each column's
    # entries come out in increasing row order (``cursor``: where this row
    # range's entries of each column go).
    for i in range(first_row, last_row):
        entry = numba.uint64(indptr[i])
        end = numba.uint64(indptr[i + 1])
        while entry < end:
            column = numba.uint64(indices[entry])
            at = numba.uint64(cursor[column])
            rows[at] = i
            values[at] = data[entry]
            cursor[column] = at + numba.uint64(1)
            entry += numba.uint64(1)


def csr_columns(X) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``X`` by columns: ``(starts, rows, values)``, rows sorted in each column.

    The column counts, then the entries, written directly in the types the
    column model reads (``uint32`` rows, float64 values): on a 200k x 20k
    text-like matrix (6M nonzeros) SciPy's ``tocsc`` took 48 ms, the two
    ``astype`` copies after it 10 ms and NumPy's ``bincount`` for the counts
    20 ms; this, 50 ms on one thread. From :data:`PARALLEL_COLUMNS_MIN`
    nonzeros, ranges of rows are counted and written on the block threads,
    each range's entries of a column after those of the ranges above it
    (the same arrays as one thread writes). Two threads each keeping a range
    of columns, reading every row, were no faster on two busy cores.

    Parameters
    ----------
    X : scipy.sparse CSR matrix of shape (n_rows, n_features)
        Fewer than 2^32 rows.

    Returns
    -------
    starts : ndarray of int64, shape (n_features + 1,)
        Column ``j``'s entries are ``rows[starts[j]:starts[j + 1]]``.
    rows : ndarray of uint32, shape (nnz,)
    values : ndarray of float64, shape (nnz,)
    """
    parts = _parts(X.indptr)
    counts = np.zeros((len(parts), X.shape[1]), dtype=np.int64)
    _spread(
        _csr_column_counts,
        [
            (X.indices, int(X.indptr[a]), int(X.indptr[b]), part_counts)
            for (a, b), part_counts in zip(parts, counts, strict=True)
        ],
    )
    starts = np.zeros(X.shape[1] + 1, dtype=np.int64)
    np.cumsum(counts.sum(axis=0), out=starts[1:])
    # Each range's first slot in each column: after the ranges above it.
    cursors = starts[:-1] + np.cumsum(counts, axis=0) - counts
    rows = np.empty(X.nnz, dtype=np.uint32)
    values = np.empty(X.nnz, dtype=np.float64)
    _spread(
        _csr_columns,
        [
            (X.data, X.indices, X.indptr, a, b, cursor, rows, values)
            for (a, b), cursor in zip(parts, cursors, strict=True)
        ],
    )
    return starts, rows, values


@numba.njit(**_CSR_JIT)
def _linear_rows(z, y, s, rows_out):
    """Loss sum; ``rows_out[i] = (s_i r_i, s_i sigma'(z_i))``."""
    total = 0.0
    product = 1.0
    for i in range(len(z)):
        e, linear, r = _binary_row(z[i], y[i])
        product, total = _add_loss(i, e, linear, s[i], product, total)
        rows_out[i, 0] = s[i] * r
        # sigma'(z) = e / (1 + e)^2 with e = exp(-|z|), as _curvature.
        rows_out[i, 1] = s[i] * e / ((1.0 + e) * (1.0 + e))
    return total + math.log(product)


@numba.njit(**_CSR_JIT)
def _linear_loss(z, y, s):
    total = 0.0
    product = 1.0
    for i in range(len(z)):
        e, linear, _ = _binary_row(z[i], y[i])
        product, total = _add_loss(i, e, linear, s[i], product, total)
    return total + math.log(product)


@numba.njit(**_CSR_JIT)
def _column_sums(starts, rows, values, weights, grad, diagonal, first, last):
    # Two entries a step into two pairs of sums: a single chain of additions
    # waits on each add's latency (the gathers hit cache at 20k rows): 0.50
    # -> 0.33 ms for 5000 columns of 20k x 5k text-like data; four pairs
    # gained 0.02 ms more.
    one = numba.uint64(1)
    for j in range(first, last):
        g0 = 0.0
        g1 = 0.0
        d0 = 0.0
        d1 = 0.0
        entry = numba.uint64(starts[j])
        end = numba.uint64(starts[j + 1])
        while entry + one < end:
            row0 = rows[entry]
            row1 = rows[entry + one]
            x0 = values[entry]
            x1 = values[entry + one]
            g0 += x0 * weights[row0, 0]
            g1 += x1 * weights[row1, 0]
            d0 += x0 * x0 * weights[row0, 1]
            d1 += x1 * x1 * weights[row1, 1]
            entry += numba.uint64(2)
        if entry < end:
            row0 = rows[entry]
            x0 = values[entry]
            g0 += x0 * weights[row0, 0]
            d0 += x0 * x0 * weights[row0, 1]
        grad[j] = g0 + g1
        diagonal[j] = d0 + d1


def linear_loss_sum(z: np.ndarray, y: np.ndarray, s: np.ndarray) -> float:
    """``sum_i s_i loss_i`` of a binary model from its linear predictor ``z``.

    Parameters
    ----------
    z : ndarray of float64, shape (n,)
    y : ndarray of shape (n,)
        Labels 0/1.
    s : ndarray of shape (n,)

    Returns
    -------
    float
    """
    return float(_linear_loss(z, y, s))


def linear_column_sums(
    z: np.ndarray, y: np.ndarray, s: np.ndarray, columns: tuple
) -> tuple[float, np.ndarray, np.ndarray]:
    """Loss sum, gradient and Hessian diagonal sums from ``z``, by columns.

    ``O(n)`` for each row's residual and curvature, then one gather per
    entry of ``X~`` (as liblinear's newGLMNET computes its gradient), where
    the CSR pass gathers ``z`` and scatters twice.

    Parameters
    ----------
    z, y, s
        As for :func:`linear_loss_sum`.
    columns : (starts, rows, values)
        ``X~`` by columns, as :func:`csr_columns` makes it.

    Returns
    -------
    value : float
        ``sum_i s_i loss_i``.
    grad : ndarray of shape (n_columns,)
        ``sum_i s_i r_i x~_i``.
    diagonal : ndarray of shape (n_columns,)
        ``sum_i s_i sigma'(z_i) x~_i^2``.
    """
    starts, rows, values = columns
    weights = np.empty((len(z), 2))
    total = _linear_rows(z, y, s, weights)
    grad = np.empty(len(starts) - 1)
    diagonal = np.empty(len(starts) - 1)
    # Ranges of columns of about equal nonzeros on the block threads from
    # PARALLEL_COLUMNS_MIN nonzeros: each writes its own columns' sums.
    _spread(
        _column_sums,
        [
            (starts, rows, values, weights, grad, diagonal, a, b)
            for a, b in _parts(starts)
        ],
    )
    return float(total), grad, diagonal


@numba.njit(nogil=True, cache=True)
def _mirror_upper(matrix):
    n = matrix.shape[0]
    for a in range(n):
        for b in range(a + 1, n):
            matrix[b, a] = matrix[a, b]


def mirror_upper(matrix: np.ndarray) -> np.ndarray:
    """Copy the upper triangle of a square C-ordered matrix onto its lower, in place.

    NumPy's ``upper + triu(upper, 1).T`` makes two temporaries of the matrix:
    0.75 ms for 560 x 560, a tenth of a working-set step.

    Parameters
    ----------
    matrix : ndarray of shape (m, m)
        float64, C-contiguous; its lower triangle is overwritten.

    Returns
    -------
    ndarray of shape (m, m)
        ``matrix`` itself.
    """
    _mirror_upper(matrix)
    return matrix
