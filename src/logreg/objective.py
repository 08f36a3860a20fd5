r"""The penalised, weighted log-loss and its derivatives.

This docstring is the one place the conventions are written down.

**Parameter layout.** Solvers see a flat float64 vector ``w`` of length
``n_rows * n_cols``, where ``n_rows = 1`` for two classes and ``n_rows = K``
for ``K >= 3`` classes (the symmetric multinomial parametrisation: one row per
class, as scikit-learn uses), and ``n_cols = n_features + 1`` when the model
has an intercept (the intercept is the *last* column) or ``n_features``
otherwise. ``w.reshape(n_rows, n_cols)`` is the coefficient matrix; rows are
classes in the order of the encoded labels ``0..K-1``.
:meth:`LogisticObjective.unpack` is the one function that splits ``w`` into
``coef`` of shape ``(n_rows, n_features)`` and ``intercept`` of shape
``(n_rows,)``.

**The objective.** For encoded labels ``y_i`` and weights ``s_i`` (sample
weight times class weight), with linear predictor ``z_i = W x_i + b``:

.. math::

    f(w) = C \sum_i s_i\, \ell_i(w)
           + \tfrac{1 - \rho}{2} \lVert W \rVert_2^2 + \rho \lVert W \rVert_1,

with the binary loss :math:`\ell_i = \log(1 + e^{z_i}) - y_i z_i`, the
multinomial loss :math:`\ell_i = \log \sum_k e^{z_{ik}} - z_{i y_i}` and the
elastic-net mixing :math:`\rho` = ``l1_ratio`` in [0, 1] (the L1 norm is
elementwise over the whole coefficient matrix, also for ``K`` rows). The
intercept is never penalised; ``C = inf`` means no penalty. This is exactly
scikit-learn's ``LogisticRegression`` objective. For conditioning every method
here works on the *scaled* objective

.. math::

    F(w) = \frac{f(w)}{C S} = \underbrace{\frac{1}{S} \sum_i s_i\, \ell_i(w)
           + \frac{\alpha}{2} \lVert W \rVert_2^2}_{\text{smooth part}}
           + \lambda \lVert W \rVert_1,
    \qquad S = \sum_i s_i,\quad \alpha = \frac{1 - \rho}{C S},
    \quad \lambda = \frac{\rho}{C S},

which has the same minimiser, equals the weighted mean log-loss when
``C = inf``, and is the value recorded in ``loss_curve_``. :meth:`value`,
:meth:`value_and_grad`, :meth:`hessp` and :meth:`value_grad_hessian` are the
*smooth part* (everything when ``l1_ratio = 0``); the L1 term has its own
calls (:meth:`l1_penalty`, :meth:`prox_l1`, :meth:`min_norm_subgradient`),
which proximal solvers combine with them.

**Sparse data.** ``X`` blocks may be SciPy CSR matrices: every kernel branches
once per block on :func:`scipy.sparse.issparse` and never densifies a block
(the Hessian's Gram products are sparse, and only their small
``(n_features, n_features)`` result is made dense). For binary CSR data in
memory, :meth:`LogisticObjective.quadratic_model_on` gives a working set's
Hessian by its factors instead (columns and row weights,
:class:`ColumnModel`), for coordinate descent on large working sets.

**Blocks.** Every quantity is a sum over rows; the per-block kernels below
compute one block's share and the data source adds the shares up. The kernels
compute ``z``, losses and residuals in the dtype of ``X`` (float32 stays
float32 in memory) and accumulate the gradient's ``R^T X_b`` in float64; every
partial sum they return is float64, so accumulation across blocks is float64.
For large dense NumPy data the value and gradient come instead from the fused
kernels of :mod:`logreg._fused` (when Numba is installed), which read each row
once and compute its ``z``, loss and residual in float64.

**Array namespaces.** Dense blocks may be arrays of any array-API library
(NumPy, PyTorch, CuPy, ``array_api_strict``): each kernel takes its namespace
from the block (:func:`logreg._namespace.array_namespace`; NumPy blocks use
NumPy itself), moves the small parameter-derived arrays to the block's device
and dtype, computes there, and returns its partial sums as NumPy float64 on
the host. ``w``, ``v`` and every public result are NumPy float64.

Longer than 600 lines: one objective, whose value, gradient, Hessian,
information and L1 calls share the parameter layout written here and each has
a binary, multinomial, dense and sparse form.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from types import ModuleType
from typing import NamedTuple

import numpy as np
from scipy import sparse

from logreg._math import (
    log1pexp,
    logsumexp_and_softmax,
    sigmoid,
    sigmoid_derivative,
    softmax,
)
from logreg._namespace import array_namespace, asarray_like, astype, to_numpy
from logreg.data.sources import DataSource

__all__ = [
    "FUSED_MIN_VALUES",
    "ColumnModel",
    "InformationSums",
    "LogisticObjective",
    "class_weight_sums",
    "flat_directions",
]


#: Sources of at least this many values of ``X`` use the fused kernels of
#: :mod:`logreg._fused` when Numba is installed. Importing Numba and loading
#: the compiled kernels costs about 0.3 s once per process (0.9 s the very
#: first time, when they compile), and the fused passes save about 4 ns per
#: value in a fit: measured on 200k x 10, the first fit in a process took
#: 0.34 s and the next 0.021 s. From 2^24 values (1.7M rows of 10, 170k of
#: 100) a fit takes long enough for that to matter less than the passes.
FUSED_MIN_VALUES = 1 << 24


@functools.cache
def _fused_module() -> ModuleType | None:
    """:mod:`logreg._fused`, or None when Numba is not installed."""
    try:
        from logreg import _fused
    except ImportError:
        return None
    return _fused


def _fused_by_default(source: DataSource) -> bool:
    """Whether an objective over ``source`` uses the fused kernels by default."""
    values = source.n_samples * source.n_features
    return values >= FUSED_MIN_VALUES and _fused_module() is not None


def _weighted_sum(xp, weights, values) -> float:
    """``sum_i weights_i values_i`` accumulated in float64.

    float32 losses summed in float32 carry an error of about ``eps32 * F``,
    which hid the last Newton decrements of float32 fits; in float64 the
    per-row rounding errors average out.
    """
    return float(
        astype(weights, xp.float64, xp, copy=False)
        @ astype(values, xp.float64, xp, copy=False)
    )


def _float64_sum(xp, values, axis=None):
    """``values`` summed (over ``axis``) in float64."""
    return xp.sum(values, axis=axis, dtype=xp.float64)


def _block_weight(X_b, y_b, s_b) -> float:
    """One block's ``sum_i s_i`` (the kernel of :func:`_weight_total`)."""
    return float(_float64_sum(array_namespace(s_b), s_b))


def _weight_total(source: DataSource) -> float:
    """``S = sum_i s_i`` over a source, in float64."""
    return float(source.sum_over_blocks(_block_weight))


def _one_hot(xp, y_b, n_classes: int, dtype):
    """``[y_i = k]`` as an array of ``dtype``, shape (rows, n_classes)."""
    classes = xp.arange(n_classes, dtype=y_b.dtype, device=y_b.device)
    # Compared as (n_classes, rows) and transposed: NumPy's broadcast with a
    # short inner axis of n_classes is four times slower.
    return astype(classes[:, None] == y_b, dtype, xp).T


def class_weight_sums(y, s, n_classes: int) -> np.ndarray:
    """The total weight of each class, ``sum_i s_i [y_i = k]``, on any namespace.

    Parameters
    ----------
    y : array of shape (n_samples,)
        Encoded labels ``0..n_classes-1`` (an integer dtype).
    s : array of shape (n_samples,)
        Weights, on ``y``'s device.
    n_classes : int

    Returns
    -------
    ndarray of shape (n_classes,)
        Host float64.
    """
    xp = array_namespace(y, s)
    s = astype(s, xp.float64, xp, copy=False)
    return to_numpy(xp.sum(_one_hot(xp, y, n_classes, s.dtype) * s[:, None], axis=0))


def _add_at_labels(xp, p, y_b, value: float):
    """``p + value * onehot(y)``, shape (rows, n_classes); may overwrite ``p``."""
    if xp is np:
        # In place at the labels: half the time of the one-hot arithmetic,
        # which the array API needs (it has no fancy-index assignment).
        p[np.arange(len(y_b)), y_b] += value
        return p
    return p + value * _one_hot(xp, y_b, p.shape[1], p.dtype)


def _mirror(upper: np.ndarray) -> np.ndarray:
    """The symmetric matrix whose upper triangle is ``upper``'s.

    The kernels fill one triangle; it is mirrored once, after the sum.
    """
    return upper + np.triu(upper, 1).T


def flat_directions(
    n_rows: int, n_cols: int, fit_intercept: bool, *, penalised: bool
) -> np.ndarray:
    """Orthonormal directions in parameter space that change no probability.

    In the symmetric multinomial parametrisation, adding the same number to
    every class's intercept (or, without penalty, the same vector to every
    coefficient row) leaves all probabilities unchanged, so the Hessian of the
    objective is singular along these directions and its gradient is
    orthogonal to them.

    Parameters
    ----------
    n_rows, n_cols : int
        Shape of the parameter matrix (see the module docstring).
    fit_intercept : bool
        Whether the last column is an intercept.
    penalised : bool
        Whether the coefficients (not the intercepts) carry an L2 penalty.

    Returns
    -------
    ndarray of shape (n_rows * n_cols, n_directions)
        Empty (zero columns) for binary models.
    """
    if n_rows == 1:
        return np.zeros((n_cols, 0))
    columns = range(n_cols) if not penalised else []
    if fit_intercept and penalised:
        columns = [n_cols - 1]
    directions = np.zeros((n_rows, n_cols, len(columns)))
    for index, column in enumerate(columns):
        directions[:, column, index] = 1.0 / np.sqrt(n_rows)
    return directions.reshape(n_rows * n_cols, len(columns))


def _column_product(
    X_b, features: np.ndarray, h, intercept: bool, fused: bool
) -> np.ndarray:
    """``sum_i h_i x~_i x~_i^T`` over the columns ``features`` of ``X_b``.

    ``x~ = [x, 1]`` when ``intercept``; host float64 of shape (m', m'), both
    triangles. Sparse blocks stay sparse until the small ``m' x m'`` result;
    with ``fused`` (Numba) a CSR block's Gram is gathered row by row
    (:func:`logreg._fused.csr_column_gram`) without slicing the block.
    """
    width = len(features) + int(intercept)
    n = len(features)
    if fused and sparse.issparse(X_b) and X_b.format == "csr":
        product = np.empty((width, width))
        product[:n, :n] = _fused_module().csr_column_gram(X_b, h, features)
        if intercept:
            column = X_b[:, features].T @ np.asarray(h, dtype=np.float64)
            product[:n, n] = column
            product[n, :n] = column
            product[n, n] = float(np.sum(h, dtype=np.float64))
        return product
    X_sub = X_b[:, features]
    product = np.empty((width, width))
    if sparse.issparse(X_sub):
        X_sub = X_sub.tocsr()
        h = np.asarray(h, dtype=np.float64)
        # Scaling CSR data row by row, as in the full Hessian's kernel.
        weighted = type(X_sub)(
            (
                X_sub.data * np.repeat(h, np.diff(X_sub.indptr)),
                X_sub.indices,
                X_sub.indptr,
            ),
            shape=X_sub.shape,
        )
        product[:n, :n] = (X_sub.T @ weighted).toarray()
        if intercept:
            column = X_sub.T @ h
    else:
        xp = array_namespace(X_sub)
        h = astype(h, X_sub.dtype, xp, copy=False)
        weighted = X_sub * h[:, None]
        product[:n, :n] = to_numpy(weighted.T @ X_sub)
        if intercept:
            column = to_numpy(_float64_sum(xp, weighted, axis=0))
    if intercept:
        product[:n, n] = column
        product[n, :n] = column
        product[n, n] = float(np.sum(to_numpy(h), dtype=np.float64))
    return product


class InformationSums(NamedTuple):
    """Sums over the data at one parameter vector, for statistical inference.

    All are weighted sums ``sum_i s_i (...)`` over rows, unscaled and without
    the penalty; matrices are in the parameter layout of the module docstring.

    Attributes
    ----------
    loss : float
        ``sum_i s_i loss_i``: minus the log-likelihood.
    hessian : ndarray of shape (n_params, n_params)
        Hessian of ``loss``: the observed (= expected) Fisher information.
    score_outer : ndarray of shape (n_params, n_params)
        ``sum_i s_i g_i g_i^T`` with ``g_i`` the gradient of ``loss_i``.
    slope : float
        Binary only: ``sum_i s_i p_i (1 - p_i)`` (zero for multinomial).
    slope_gradient : ndarray of shape (n_cols,)
        Binary only: ``sum_i s_i p_i (1 - p_i)(1 - 2 p_i) x~_i`` with
        ``x~ = [x, 1]`` when there is an intercept (zeros for multinomial).
    class_weights : ndarray of shape (n_classes,)
        ``sum_i s_i [y_i = k]``: the total weight of each class.
    """

    loss: float
    hessian: np.ndarray
    score_outer: np.ndarray
    slope: float
    slope_gradient: np.ndarray
    class_weights: np.ndarray


class ColumnModel(NamedTuple):
    r"""A binary objective's quadratic model on some parameters, by columns.

    The smooth part's Hessian restricted to the parameters ``index`` (of
    :meth:`LogisticObjective.quadratic_model_on`) is

    .. math:: H_S = \tilde X_S^T \operatorname{diag}(h) \tilde X_S
              + \operatorname{diag}(\mathrm{l2}),

    where ``X~_S`` holds the columns of ``index`` (the intercept's a column of
    ones) and ``h_i = s_i sigma'(z_i) / S``. It is kept in this factored form,
    ``nnz(X~_S)`` numbers instead of ``m^2``, for coordinate descent that
    updates ``X~_S d`` row by row (as liblinear's newGLMNET and skglm do).

    Attributes
    ----------
    begins, ends : ndarray of int64, shape (m,)
        Column ``k``'s (in the order of ``index``) entries are
        ``rows[begins[k]:ends[k]]`` and ``values[begins[k]:ends[k]]``.
    rows : ndarray of uint32, shape (nnz,)
        Row numbers of all of ``X~``'s entries, by columns (CSC).
    values : ndarray of float64, shape (nnz,)
    curvature : ndarray of float64, shape (n_samples,)
        ``h``.
    l2 : ndarray of float64, shape (m,)
        ``alpha`` on penalised parameters, 0 on the intercept.
    diagonal : ndarray of float64, shape (m,), or None
        ``diag(H_S)`` when the caller knew it (the gradient pass at the same
        point gives it); else None, and whoever needs it sums the columns.
    linear : ndarray of float64, shape (n_samples,), or None
        The linear predictor ``z`` the weights ``h`` come from.
    """

    begins: np.ndarray
    ends: np.ndarray
    rows: np.ndarray
    values: np.ndarray
    curvature: np.ndarray
    l2: np.ndarray
    diagonal: np.ndarray | None = None
    linear: np.ndarray | None = None


@dataclass(frozen=True)
class LogisticObjective:
    """Penalised weighted log-loss over a data source, with its derivatives.

    See the module docstring for the parameter layout and the exact formula.

    Parameters
    ----------
    source : DataSource
        Rows ``(X, y, s)`` with ``y`` encoded as ``0..n_classes-1``.
    n_classes : int
        Number of classes ``K >= 2``; ``K = 2`` uses one coefficient row.
    C : float
        Inverse penalty strength, ``0 < C <= inf``.
    fit_intercept : bool
        Whether the last column of the parameter matrix is an intercept.
    l1_ratio : float
        Elastic-net mixing ``rho`` in [0, 1]: 0 is pure L2, 1 pure L1.
    weight_sum : float, optional
        ``S = sum_i s_i`` when the caller knows it; otherwise one pass over
        the source sums it (for a file, a whole read).
    fused : bool, optional
        Whether dense NumPy blocks use the fused Numba kernels of
        :mod:`logreg._fused` for values and gradients (sparse blocks and other
        array libraries always use the NumPy/array-API kernels). By default
        they do when Numba is installed and the source holds at least
        :data:`FUSED_MIN_VALUES` values; ``True`` requires Numba.
    """

    source: DataSource
    n_classes: int
    C: float
    fit_intercept: bool = True
    l1_ratio: float = 0.0
    #: ``S``, the sum of the weights: summed over the source (one pass) when
    #: not given; callers that already know it pass it.
    weight_sum: float | None = None
    fused: bool | None = None
    #: ``alpha = (1 - l1_ratio) / (C S)``, the L2 strength of the scaled objective.
    alpha: float = field(init=False)
    #: ``lambda = l1_ratio / (C S)``, the L1 strength of the scaled objective.
    l1_strength: float = field(init=False)

    def __post_init__(self) -> None:
        # Frozen dataclass: derived fields are set once, here.
        total = self.weight_sum
        if total is None:
            total = _weight_total(self.source)
        object.__setattr__(self, "weight_sum", float(total))
        fused = self.fused
        if fused is None:
            fused = _fused_by_default(self.source)
        elif fused and _fused_module() is None:
            raise ValueError(
                "fused=True needs Numba; install it with: pip install 'logreg[fast]'"
            )
        object.__setattr__(self, "fused", bool(fused))
        penalty = 0.0 if np.isinf(self.C) else 1.0 / (self.C * total)
        object.__setattr__(self, "alpha", (1.0 - self.l1_ratio) * penalty)
        object.__setattr__(self, "l1_strength", self.l1_ratio * penalty)

    # ------------------------------------------------------------------ layout
    @property
    def n_rows(self) -> int:
        """Rows of the parameter matrix: 1 for binary, ``K`` for multinomial."""
        return 1 if self.n_classes == 2 else self.n_classes

    @property
    def n_cols(self) -> int:
        """Columns of the parameter matrix: features, plus one for the intercept."""
        return self.source.n_features + int(self.fit_intercept)

    @property
    def n_params(self) -> int:
        """Length of the flat parameter vector."""
        return self.n_rows * self.n_cols

    @property
    def n_samples(self) -> int:
        """Number of rows in the data source."""
        return self.source.n_samples

    @property
    def eps(self) -> float:
        """Machine epsilon of the kernels' arithmetic (the dtype of ``X``).

        Values and gradients are accurate to about ``eps`` relative, which
        bounds how small a decrease a line search can see.
        """
        return float(np.finfo(self.source.dtype).eps)

    def unpack(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Split a flat parameter vector into coefficients and intercepts.

        Parameters
        ----------
        w : ndarray of shape (n_params,)

        Returns
        -------
        coef : ndarray of shape (n_rows, n_features)
            A view into ``w``.
        intercept : ndarray of shape (n_rows,)
            A view into ``w``, or zeros when the model has no intercept.
        """
        matrix = np.asarray(w).reshape(self.n_rows, self.n_cols)
        n_features = self.source.n_features
        if self.fit_intercept:
            return matrix[:, :n_features], matrix[:, n_features]
        return matrix, np.zeros(self.n_rows, dtype=matrix.dtype)

    def pack(self, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`unpack`: a flat float64 vector of length ``n_params``."""
        coef = np.asarray(coef, dtype=np.float64).reshape(self.n_rows, -1)
        if self.fit_intercept:
            intercept = np.asarray(intercept, dtype=np.float64).reshape(-1, 1)
            coef = np.hstack([coef, intercept])
        return coef.ravel().copy()

    def flat_directions(self) -> np.ndarray:
        """Orthonormal directions along which ``F`` is exactly constant.

        See :func:`flat_directions`; Newton adds ``V V^T`` to the Hessian, which
        gives the minimum-norm step and keeps iterates in the identifiable
        subspace.

        Returns
        -------
        ndarray of shape (n_params, n_directions)
            Empty (zero columns) for binary models.
        """
        penalised = self.alpha != 0 or self.l1_strength != 0
        return flat_directions(
            self.n_rows, self.n_cols, self.fit_intercept, penalised=penalised
        )

    def identified(self, w: np.ndarray) -> np.ndarray:
        """The one representative of ``w`` that every fit reports: no flat part.

        ``F`` is constant along :meth:`flat_directions`, so where a solver ends
        up along them is left to rounding (a BLAS kernel, CSR instead of dense,
        one ulp in ``X``). Removing ``w``'s component along them gives the
        symmetric parametrisation that scikit-learn reports: multinomial
        intercepts that sum to zero over classes and, without penalty,
        coefficients of each feature that sum to zero over classes. It changes
        no probability and no value of ``F``.

        With a penalty (L2 or L1) only the intercepts move: shifting every
        class's coefficients of a feature by one number changes the penalty,
        so the coefficients are already identified by it (an L2 optimum has
        them summing to zero; an L1 optimum need not, and must not be moved).

        Parameters
        ----------
        w : ndarray of shape (n_params,)

        Returns
        -------
        ndarray of shape (n_params,)
            ``w - V V^T w`` with ``V`` the orthonormal flat directions; ``w``
            itself (a copy) for binary models.
        """
        flat = self.flat_directions()
        w = np.array(w, dtype=np.float64)
        return w - flat @ (flat.T @ w)

    @functools.cached_property
    def _penalty_mask(self) -> np.ndarray:
        """1.0 for penalised entries of ``w``, 0.0 for intercepts (read-only)."""
        mask = np.ones((self.n_rows, self.n_cols))
        if self.fit_intercept:
            mask[:, -1] = 0.0
        mask = mask.ravel()
        mask.flags.writeable = False
        return mask

    # ---------------------------------------------------------- block kernels
    def _linear(self, X_b, w: np.ndarray):
        """``z = X_b W^T + b`` in the dtype of ``X_b``, shape (rows, n_rows).

        ``W`` and ``b`` (from the host vector ``w``) go to ``X_b``'s device.
        """
        coef, intercept = self.unpack(w)
        xp = array_namespace(X_b)
        return X_b @ asarray_like(coef.T, X_b, xp) + asarray_like(intercept, X_b, xp)

    def _loss(self, z, y_b):
        """Per-sample loss, shape (rows,), from ``z`` of shape (rows, n_rows)."""
        xp = array_namespace(z)
        if self.n_rows == 1:
            return log1pexp(z[:, 0]) - astype(y_b, z.dtype, xp) * z[:, 0]
        lse, _ = logsumexp_and_softmax(z)
        return lse - xp.take_along_axis(z, y_b[:, None], axis=1)[:, 0]

    def _loss_and_residual(
        self, z: np.ndarray, y_b: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per-sample loss, shape (rows,), and ``d loss / d z``, shape like ``z``."""
        xp = array_namespace(z)
        if self.n_rows == 1:
            z1 = z[:, 0]
            y1 = astype(y_b, z.dtype, xp)
            return log1pexp(z1) - y1 * z1, (sigmoid(z1) - y1)[:, None]
        lse, p = logsumexp_and_softmax(z)
        loss = lse - xp.take_along_axis(z, y_b[:, None], axis=1)[:, 0]
        return loss, _add_at_labels(xp, p, y_b, -1.0)

    def _gradient_from_residual(self, X_b, residual) -> np.ndarray:
        """``[R^T X_b, R^T 1]`` as host float64, shape (n_rows, n_cols)."""
        xp = array_namespace(residual)
        residual64 = astype(residual, xp.float64, xp, copy=False)
        # Accumulated in float64 even for float32 data (the block is converted
        # in cache): float32 sums over thousands of rows left a gradient error
        # of ~3e-8, which put float32 coefficients 2.4e-3 off the float64 fit
        # on 1M x 100 (2.5e-4 with this), for ~20% of the float32 fit's time.
        if sparse.issparse(X_b):
            # Sparse: X_b^T R (a CSC product, upcast to float64 by SciPy).
            grad = (X_b.T @ residual64).T
        else:
            grad = residual64.T @ astype(X_b, xp.float64, xp, copy=False)
        if self.fit_intercept:
            grad_intercept = _float64_sum(xp, residual, axis=0)[:, None]
            grad = xp.concat([grad, grad_intercept], axis=1)
        return to_numpy(grad)

    def _fuses(self, X_b) -> bool:
        """Whether this block goes to the fused dense kernels (NumPy arrays)."""
        return self.fused and type(X_b) is np.ndarray

    def _fuses_csr(self, X_b) -> bool:
        """Whether this block goes to the fused CSR kernels (binary models)."""
        return (
            self.fused
            and self.n_rows == 1
            and sparse.issparse(X_b)
            and X_b.format == "csr"
        )

    def _csr_parameters(self, w: np.ndarray) -> tuple[np.ndarray, float]:
        """A binary ``w`` as the fused CSR kernels take it: ``(coef, intercept)``."""
        coef, intercept = self.unpack(w)
        return np.ascontiguousarray(coef[0], dtype=np.float64), float(intercept[0])

    def _trim(self, full: np.ndarray) -> np.ndarray:
        """A fused CSR kernel's ``[x-part, intercept]`` vector laid out as ``w``."""
        return full if self.fit_intercept else full[:-1]

    def _block_value_grad(self, w, X_b, y_b, s_b):
        """One block's weighted loss sum and gradient, plus ``z``, residual, ``s``.

        Shared by the value-gradient and the Hessian kernels, so that the
        Hessian kernel reuses ``z`` and the residual of the same pass. From
        the fused kernels, ``z``, the residual and ``s`` are float64.
        """
        if self._fuses(X_b):
            value, grad, z, residual = _fused_module().value_and_grad(
                X_b, y_b, s_b, *self.unpack(w)
            )
            if not self.fit_intercept:
                grad = grad[:, :-1]
            return value, grad, z, residual, s_b
        z = self._linear(X_b, w)
        loss, residual = self._loss_and_residual(z, y_b)
        xp = array_namespace(z)
        s = astype(s_b, z.dtype, xp, copy=False)
        value = _weighted_sum(xp, s_b, loss)
        grad = self._gradient_from_residual(X_b, residual * s[:, None])
        return value, grad, z, residual, s

    def _value_grad_kernel(self, w: np.ndarray):
        coef, intercept = self._csr_parameters(w) if self.n_rows == 1 else (None, 0)

        def kernel(X_b, y_b, s_b):
            if self._fuses_csr(X_b):
                value, grad, _ = _fused_module().csr_binary_value_and_grad(
                    X_b, y_b, s_b, coef, intercept
                )
                return value, self._trim(grad)
            return self._block_value_grad(w, X_b, y_b, s_b)[:2]

        return kernel

    def _value_grad_diagonal_kernel(self, w: np.ndarray):
        coef, intercept = self._csr_parameters(w) if self.n_rows == 1 else (None, 0)
        diagonal_kernel = self._diagonal_kernel(w)

        def kernel(X_b, y_b, s_b):
            if self._fuses_csr(X_b):
                value, grad, diagonal = _fused_module().csr_binary_value_and_grad(
                    X_b, y_b, s_b, coef, intercept, with_diagonal=True
                )
                return value, self._trim(grad), self._trim(diagonal)
            value, grad = self._block_value_grad(w, X_b, y_b, s_b)[:2]
            return value, grad, diagonal_kernel(X_b, y_b, s_b)

        return kernel

    def _value_kernel(self, w: np.ndarray):
        coef, intercept = self._csr_parameters(w) if self.n_rows == 1 else (None, 0)

        def kernel(X_b, y_b, s_b):
            if self._fuses_csr(X_b):
                return _fused_module().csr_binary_value(X_b, y_b, s_b, coef, intercept)
            if self._fuses(X_b):
                return _fused_module().value(X_b, y_b, s_b, *self.unpack(w))
            loss = self._loss(self._linear(X_b, w), y_b)
            return _weighted_sum(array_namespace(loss), s_b, loss)

        return kernel

    def _values_along_kernel(self, w: np.ndarray, direction: np.ndarray, steps):
        n_rows = self.n_rows
        (coef, intercept), (coef_d, intercept_d) = (
            self.unpack(w),
            self.unpack(direction),
        )
        # z and dz = X_b D^T + d_b from one product: X_b is read once.
        stacked = np.concatenate([coef, coef_d]).T
        offsets = np.concatenate([intercept, intercept_d])

        def kernel(X_b, y_b, s_b):
            if self._fuses_csr(X_b):
                return _fused_module().csr_binary_values_along(
                    X_b,
                    y_b,
                    s_b,
                    np.ascontiguousarray(stacked[:, 0]),
                    float(offsets[0]),
                    np.ascontiguousarray(stacked[:, 1]),
                    float(offsets[1]),
                    steps,
                )
            xp = array_namespace(X_b)
            both = X_b @ asarray_like(stacked, X_b, xp) + asarray_like(offsets, X_b, xp)
            z, dz = both[:, :n_rows], both[:, n_rows:]
            # Python floats: array_api_strict refuses NumPy scalars.
            return np.array(
                [
                    _weighted_sum(xp, s_b, self._loss(z + t * dz, y_b))
                    for t in steps.tolist()
                ]
            )

        return kernel

    def _hessp_kernel(self, w: np.ndarray, v: np.ndarray):
        if self.n_rows == 1:
            coef, intercept = self._csr_parameters(w)
            v_coef, v_intercept = self._csr_parameters(v)

        def kernel(X_b, y_b, s_b):
            if self._fuses_csr(X_b):
                product = _fused_module().csr_binary_hessp(
                    X_b, s_b, coef, intercept, v_coef, v_intercept
                )
                return self._trim(product)
            z = self._linear(X_b, w)
            dz = self._linear(X_b, v)
            xp = array_namespace(z)
            s = astype(s_b, z.dtype, xp, copy=False)
            if self.n_rows == 1:
                r = (sigmoid_derivative(z[:, 0]) * s * dz[:, 0])[:, None]
            else:
                # (diag(p) - p p^T) dz, row by row, without forming K x K blocks.
                p = softmax(z)
                r = p * (dz - xp.sum(p * dz, axis=1, keepdims=True)) * s[:, None]
            return self._gradient_from_residual(X_b, r)

        return kernel

    def _weighted_gram(self, X_b, h) -> np.ndarray:
        """``sum_i h_i x~_i x~_i^T`` for ``h >= 0``, ``x~ = [x, 1]`` with intercept.

        Returns the upper triangle only (the lower is left zero), host float64
        of shape (n_cols, n_cols).
        """
        if sparse.issparse(X_b):
            return np.triu(self._sparse_weighted_product(X_b, h))
        xp = array_namespace(X_b)
        # In X_b's dtype (h is float64 from the fused kernels): a float64 h
        # would make a float64 copy of a float32 block.
        root = xp.sqrt(astype(h, X_b.dtype, xp, copy=False))
        scaled = X_b * root[:, None]
        n_features = X_b.shape[1]
        gram = np.zeros((self.n_cols, self.n_cols))
        # NumPy runs ``A.T @ A`` as a symmetric rank-k update (syrk).
        gram[:n_features, :n_features] = np.triu(to_numpy(scaled.T @ scaled))
        if self.fit_intercept:
            gram[:n_features, n_features] = to_numpy(scaled.T @ root)
            gram[n_features, n_features] = float(_float64_sum(xp, h))
        return gram

    def _weighted_product(self, X_b, h) -> np.ndarray:
        """``sum_i h_i x~_i x~_i^T`` for any sign of ``h``.

        Returns host float64 of shape (n_cols, n_cols), both triangles.
        """
        if sparse.issparse(X_b):
            return self._sparse_weighted_product(X_b, h)
        xp = array_namespace(X_b)
        h = astype(h, X_b.dtype, xp, copy=False)
        weighted = X_b * h[:, None]
        n_features = X_b.shape[1]
        product = np.empty((self.n_cols, self.n_cols))
        product[:n_features, :n_features] = to_numpy(weighted.T @ X_b)
        if self.fit_intercept:
            column = to_numpy(_float64_sum(xp, weighted, axis=0))
            product[:n_features, n_features] = column
            product[n_features, :n_features] = column
            product[n_features, n_features] = float(_float64_sum(xp, h))
        return product

    def _sparse_weighted_product(self, X_b, h: np.ndarray) -> np.ndarray:
        """:meth:`_weighted_product` of a sparse block, both triangles.

        ``X_b^T diag(h) X_b`` is a sparse product; only the small
        (n_features, n_features) result is made dense.
        """
        X_b = X_b.tocsr()
        # Row i of a CSR matrix owns data[indptr[i]:indptr[i + 1]]: scaling
        # the data array scales the rows, without a diagonal-matrix product.
        row_of_entry = np.repeat(h, np.diff(X_b.indptr))
        weighted = type(X_b)(
            (X_b.data * row_of_entry, X_b.indices, X_b.indptr), shape=X_b.shape
        )
        n_features = X_b.shape[1]
        product = np.empty((self.n_cols, self.n_cols))
        product[:n_features, :n_features] = (X_b.T @ weighted).toarray()
        if self.fit_intercept:
            column = X_b.T @ h.astype(np.float64)
            product[:n_features, n_features] = column
            product[n_features, :n_features] = column
            product[n_features, n_features] = np.sum(h, dtype=np.float64)
        return product

    def _block_hessian(self, X_b, y_b, z, residual, s) -> np.ndarray:
        """One block's weighted Hessian of the loss sum, upper triangle only.

        ``residual`` may be overwritten (turned back into probabilities) for
        the multinomial model.

        Returns
        -------
        ndarray of shape (n_cols, n_cols) or (n_rows, n_cols, n_rows, n_cols)
            Host float64.
        """
        n_rows, n_cols = self.n_rows, self.n_cols
        if n_rows == 1:
            return self._weighted_gram(X_b, sigmoid_derivative(z[:, 0]) * s)
        # Block (k, l) is sum_i s_i (p_ik [k = l] - p_ik p_il) x~_i x~_i^T;
        # only blocks with k <= l are formed (one triangle, as for binary).
        xp = array_namespace(z)
        p = _add_at_labels(xp, residual, y_b, 1.0)  # back from residual to softmax
        hessian = np.zeros((n_rows, n_cols, n_rows, n_cols))
        for k in range(n_rows):
            curvature = s * p[:, k] * (1 - p[:, k])
            hessian[k, :, k, :] = self._weighted_gram(X_b, curvature)
            for l in range(k + 1, n_rows):
                cross = -s * p[:, k] * p[:, l]
                hessian[k, :, l, :] = self._weighted_product(X_b, cross)
        return hessian

    def _block_score_outer(self, X_b, residual, s) -> np.ndarray:
        """``sum_i s_i g_i g_i^T`` for the per-row loss gradients ``g_i``, one triangle.

        ``g_i = r_i (x) x~_i`` with ``r_i = d loss_i / d z_i``; the sum is the
        "meat" of the sandwich (robust) covariance.
        """
        n_rows, n_cols = self.n_rows, self.n_cols
        if n_rows == 1:
            return self._weighted_gram(X_b, s * residual[:, 0] ** 2)
        outer = np.zeros((n_rows, n_cols, n_rows, n_cols))
        for k in range(n_rows):
            outer[k, :, k, :] = self._weighted_gram(X_b, s * residual[:, k] ** 2)
            for l in range(k + 1, n_rows):
                cross = s * residual[:, k] * residual[:, l]
                outer[k, :, l, :] = self._weighted_product(X_b, cross)
        return outer

    def _hessian_kernel(self, w: np.ndarray):
        def kernel(X_b, y_b, s_b):
            value, grad, z, residual, s = self._block_value_grad(w, X_b, y_b, s_b)
            return value, grad, self._block_hessian(X_b, y_b, z, residual, s)

        return kernel

    def _information_kernel(self, w: np.ndarray):
        def kernel(X_b, y_b, s_b):
            value, _, z, residual, s = self._block_value_grad(w, X_b, y_b, s_b)
            xp = array_namespace(z)
            outer = self._block_score_outer(X_b, residual, s)
            if self.n_rows == 1:
                # Average marginal effects (binary): sum_i s_i p_i (1 - p_i) and
                # its derivative's data part sum_i s_i p_i (1 - p_i)(1 - 2 p_i) x~_i.
                p = sigmoid(z[:, 0])
                slope = s * p * (1 - p)
                effects = (
                    float(_float64_sum(xp, slope)),
                    self._gradient_from_residual(X_b, (slope * (1 - 2 * p))[:, None]),
                )
            else:
                effects = (0.0, np.zeros((1, self.n_cols)))
            hessian = self._block_hessian(X_b, y_b, z, residual, s)
            per_class = class_weight_sums(y_b, s_b, self.n_classes)
            return value, hessian, outer, *effects, per_class

        return kernel

    # ---------------------------------------------------------- public calls
    def _finish(self, w: np.ndarray, value: float, grad: np.ndarray | None):
        """Scale the data sums by 1/S and add the L2 penalty."""
        penalised = w * self._penalty_mask
        value = value / self.weight_sum + 0.5 * self.alpha * float(penalised @ w)
        if grad is None:
            return value
        return value, grad.ravel() / self.weight_sum + self.alpha * penalised

    def value(self, w: np.ndarray) -> float:
        """Smooth part of the scaled objective (all of ``F`` when ``l1_ratio = 0``).

        Parameters
        ----------
        w : ndarray of shape (n_params,)

        Returns
        -------
        float
        """
        return self._finish(w, self.source.sum_over_blocks(self._value_kernel(w)), None)

    def value_and_grad(self, w: np.ndarray) -> tuple[float, np.ndarray]:
        """Smooth part of the scaled objective and its gradient, in one pass.

        Parameters
        ----------
        w : ndarray of shape (n_params,)

        Returns
        -------
        value : float
        grad : ndarray of shape (n_params,)
        """
        value, grad = self.source.sum_over_blocks(self._value_grad_kernel(w))
        return self._finish(w, value, grad)

    def values_along(
        self, w: np.ndarray, direction: np.ndarray, steps: np.ndarray
    ) -> np.ndarray:
        """Smooth part of ``F`` at ``w + t * direction`` for every ``t``, in one pass.

        The linear predictor is linear in the parameters, ``z(w + t d) =
        z(w) + t X d``: each block's ``z(w)`` and ``X d`` come from one product
        and give the losses at all the steps, so a backtracking line search
        pays one pass for a batch of trial steps instead of one pass each.

        Parameters
        ----------
        w, direction : ndarray of shape (n_params,)
        steps : array-like of shape (n_steps,)

        Returns
        -------
        ndarray of shape (n_steps,)
            Equal to ``[value(w + t * direction) for t in steps]`` up to
            rounding.
        """
        steps = np.asarray(steps, dtype=np.float64)
        sums = self.source.sum_over_blocks(
            self._values_along_kernel(w, direction, steps)
        )
        return np.array(
            [
                self._finish(w + t * direction, float(total), None)
                for t, total in zip(steps, sums, strict=True)
            ]
        )

    def hessp(self, w: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Hessian-vector product ``H(w) v`` of the smooth part.

        Parameters
        ----------
        w, v : ndarray of shape (n_params,)

        Returns
        -------
        ndarray of shape (n_params,)
        """
        product = self.source.sum_over_blocks(self._hessp_kernel(w, v))
        return product.ravel() / self.weight_sum + self.alpha * v * self._penalty_mask

    def value_grad_hessian(self, w: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Smooth part of the objective, its gradient and full Hessian in one pass.

        Parameters
        ----------
        w : ndarray of shape (n_params,)

        Returns
        -------
        value : float
        grad : ndarray of shape (n_params,)
        hessian : ndarray of shape (n_params, n_params)
            Symmetric positive semi-definite (definite when ``C < inf``).
        """
        value, grad, upper = self.source.sum_over_blocks(self._hessian_kernel(w))
        value, grad = self._finish(w, value, grad)
        hessian = _mirror(upper.reshape(self.n_params, self.n_params)) / self.weight_sum
        # The diagonal as a strided view of the flat matrix (no index arrays).
        hessian.reshape(-1)[:: self.n_params + 1] += self.alpha * self._penalty_mask
        return value, grad, hessian

    def hessian_diagonal(self, w: np.ndarray) -> np.ndarray:
        """The diagonal of the smooth part's Hessian at ``w``, in one pass.

        ``H_jj = (1/S) sum_i s_i c_i x~_ij^2 + alpha [j penalised]`` with
        ``c_i = p_i (1 - p_i)`` (for each class's own row in the multinomial
        case): the Jacobi preconditioner of truncated Newton, and the
        per-coordinate curvature of working-set scores. ``O(nnz(X))``.

        Parameters
        ----------
        w : ndarray of shape (n_params,)

        Returns
        -------
        ndarray of shape (n_params,)
        """
        diagonal = self.source.sum_over_blocks(self._diagonal_kernel(w))
        return diagonal.ravel() / self.weight_sum + self.alpha * self._penalty_mask

    def value_grad_diagonal(
        self, w: np.ndarray
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """:meth:`value_and_grad` and :meth:`hessian_diagonal` from one pass.

        Parameters
        ----------
        w : ndarray of shape (n_params,)

        Returns
        -------
        value : float
        grad : ndarray of shape (n_params,)
        diagonal : ndarray of shape (n_params,)
        """
        value, grad, diagonal = self.source.sum_over_blocks(
            self._value_grad_diagonal_kernel(w)
        )
        value, grad = self._finish(w, value, grad)
        mask = self._penalty_mask
        return value, grad, diagonal.ravel() / self.weight_sum + self.alpha * mask

    def value_grad_hessian_on(
        self, w: np.ndarray, index: np.ndarray
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """Value, full gradient and the Hessian restricted to ``index``, in one pass.

        The Hessian's rows and columns are those of the parameters in
        ``index`` only (a working set): for ``m`` of them it costs
        ``O(nnz(X[:, set]) m)`` and ``m^2`` memory instead of ``n_params^2``.

        Parameters
        ----------
        w : ndarray of shape (n_params,)
        index : ndarray of int, shape (m,)
            Distinct flat parameter indices, in increasing order.

        Returns
        -------
        value : float
        grad : ndarray of shape (n_params,)
        hessian : ndarray of shape (m, m)
            ``H[np.ix_(index, index)]`` of :meth:`value_grad_hessian`.
        """
        index = np.asarray(index, dtype=np.intp)
        n_features = self.source.n_features
        columns = np.unique(index % self.n_cols)
        features = columns[columns < n_features]
        intercept = self.fit_intercept and bool(np.any(columns == n_features))
        value, grad, upper = self.source.sum_over_blocks(
            self._restricted_hessian_kernel(w, features, intercept)
        )
        value, grad = self._finish(w, value, grad)
        # Position of each wanted parameter in the (n_rows, m') sub-layout.
        width = len(features) + int(intercept)
        position = np.searchsorted(columns, index % self.n_cols)
        flat = (index // self.n_cols) * width + position
        side = self.n_rows * width
        if self.fused and upper.flags.c_contiguous and upper.flags.writeable:
            hessian = _fused_module().mirror_upper(upper.reshape(side, side))
        else:
            hessian = _mirror(upper.reshape(side, side))
        if len(flat) < len(hessian):
            hessian = hessian[np.ix_(flat, flat)]
        hessian /= self.weight_sum
        hessian.reshape(-1)[:: len(flat) + 1] += self.alpha * self._penalty_mask[index]
        return value, grad, hessian

    @property
    def has_column_model(self) -> bool:
        """Whether :meth:`quadratic_model_on` is available.

        Binary models whose rows are one CSR matrix in host memory.
        """
        if self.n_rows != 1:
            return False
        rows = self.source.rows_in_memory()
        return rows is not None and sparse.issparse(rows[0]) and rows[0].format == "csr"

    @functools.cached_property
    def _column_counts(self) -> np.ndarray:
        """Nonzeros of each column of ``X``, then ``n_samples`` for the intercept.

        From :attr:`_columns`: whoever asks is about to build a model by
        columns.
        """
        counts = np.diff(self._columns[0])
        return counts if self.fit_intercept else np.append(counts, self.n_samples)

    def column_model_size(self, index: np.ndarray) -> int:
        """Entries a :class:`ColumnModel` on ``index`` holds: ``nnz(X~_S)``.

        What one coordinate-descent sweep over the model reads; the intercept
        counts ``n_samples``. Binary CSR models only (:attr:`has_column_model`).

        Parameters
        ----------
        index : ndarray of int, shape (m,)

        Returns
        -------
        int
        """
        return int(self._column_counts[np.asarray(index, dtype=np.intp)].sum())

    @functools.cached_property
    def _columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``X~`` by columns: ``(starts, rows, values)``, made once, on first use.

        CSC of ``X`` with sorted rows, the intercept's column of ones
        appended when there is one; rows as ``uint32`` (compiled loops index
        unsigned integers without a wraparound test) and values as float64.
        As much memory as ``X`` again.
        """
        X = self.source.rows_in_memory()[0]
        if self.fused and X.shape[0] < 2**32:
            starts, rows, values = _fused_module().csr_columns(X)
        else:
            X = X.tocsc()
            X.sort_indices()
            starts = X.indptr.astype(np.int64)
            rows = X.indices.astype(np.uint32)
            values = X.data.astype(np.float64)
        if self.fit_intercept:
            n = self.n_samples
            starts = np.append(starts, starts[-1] + n)
            rows = np.concatenate([rows, np.arange(n, dtype=np.uint32)])
            values = np.concatenate([values, np.ones(n)])
        return starts, rows, values

    def quadratic_model_on(
        self,
        w: np.ndarray,
        index: np.ndarray,
        diagonal: np.ndarray | None = None,
        linear: np.ndarray | None = None,
    ) -> ColumnModel:
        """The smooth part's Hessian on ``index`` at ``w``, as a :class:`ColumnModel`.

        One sparse product for ``z`` (unless the caller gives it) and the row
        weights ``h_i = s_i sigma'(z_i) / S``; the columns are views of a CSC
        copy of ``X`` (made on the first call and kept), never copied per
        call. Binary CSR models only (:attr:`has_column_model`).

        Parameters
        ----------
        w : ndarray of shape (n_params,)
        index : ndarray of int, shape (m,)
            Distinct parameter indices, in any order.
        diagonal : ndarray of shape (n_params,), optional
            :meth:`hessian_diagonal` at ``w``, when the caller has it: kept,
            on ``index``, as the model's diagonal.
        linear : ndarray of shape (n_samples,), optional
            ``z = X~ w`` when the caller keeps it up to date (a solver that
            adds each step's ``X~ d``): then no product is made here.

        Returns
        -------
        ColumnModel
        """
        X, _, s = self.source.rows_in_memory()
        if linear is None:
            coef, offset = self._csr_parameters(w)
            linear = np.asarray(X @ coef + offset, dtype=np.float64)
        # sigma'(z) = p (1 - p) from the sign-split sigmoid: no overflow.
        curvature = sigmoid_derivative(linear) * s
        curvature /= self.weight_sum
        index = np.asarray(index, dtype=np.intp)
        starts, rows, values = self._columns
        return ColumnModel(
            starts[index],
            starts[index + 1],
            rows,
            values,
            curvature,
            self.alpha * self._penalty_mask[index],
            None if diagonal is None else np.asarray(diagonal, np.float64)[index],
            linear,
        )

    def value_at_linear(self, w: np.ndarray, linear: np.ndarray) -> float:
        """:meth:`value` from the rows' linear predictor ``z = X~ w``, ``O(n)``.

        For a solver that keeps ``z`` up to date (adding each step's ``X~
        d``): a line search then needs no pass over ``X``. Binary CSR models
        in memory with the fused kernels (:attr:`has_column_model` and
        ``fused``).

        Parameters
        ----------
        w : ndarray of shape (n_params,)
        linear : ndarray of float64, shape (n_samples,)

        Returns
        -------
        float
        """
        _, y, s = self.source.rows_in_memory()
        total = _fused_module().linear_loss_sum(linear, y, s)
        return self._finish(w, total, None)

    def value_grad_diagonal_at_linear(
        self, w: np.ndarray, linear: np.ndarray
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """:meth:`value_grad_diagonal` from ``z = X~ w``, by columns.

        Each row's residual and curvature from ``z``, then the gradient and
        diagonal as one gather per entry of the columns of :attr:`_columns`
        (liblinear's newGLMNET computes its gradient so), instead of a pass
        that gathers ``z`` and scatters twice. As :meth:`value_at_linear`,
        for binary CSR models in memory with the fused kernels.

        Parameters
        ----------
        w : ndarray of shape (n_params,)
        linear : ndarray of float64, shape (n_samples,)

        Returns
        -------
        value : float
        grad : ndarray of shape (n_params,)
        diagonal : ndarray of shape (n_params,)
        """
        _, y, s = self.source.rows_in_memory()
        total, grad, diagonal = _fused_module().linear_column_sums(
            linear, y, s, self._columns
        )
        value, grad = self._finish(w, total, grad)
        return value, grad, diagonal / self.weight_sum + self.alpha * self._penalty_mask

    def _diagonal_kernel(self, w: np.ndarray):
        coef, intercept = self._csr_parameters(w) if self.n_rows == 1 else (None, 0)

        def kernel(X_b, y_b, s_b):
            if self._fuses_csr(X_b):
                return self._trim(
                    _fused_module().csr_binary_value_and_grad(
                        X_b, y_b, s_b, coef, intercept, with_diagonal=True
                    )[2]
                )
            z = self._linear(X_b, w)
            xp = array_namespace(z)
            s = astype(s_b, z.dtype, xp, copy=False)
            if self.n_rows == 1:
                c = (sigmoid_derivative(z[:, 0]) * s)[:, None]
            else:
                p = softmax(z)
                c = p * (1 - p) * s[:, None]
            squared = X_b.multiply(X_b).tocsr() if sparse.issparse(X_b) else X_b * X_b
            return self._gradient_from_residual(squared, c)

        return kernel

    def _restricted_hessian_kernel(self, w, features: np.ndarray, intercept: bool):
        """Blocks' value, gradient and the restricted Hessian's upper triangle.

        The triangle is of the ``(n_rows * m', n_rows * m')`` matrix over the
        columns ``features`` (and the intercept), mirrored once after the sum.
        """
        n_rows = self.n_rows
        width = len(features) + int(intercept)
        if n_rows == 1:
            coef, offset = self._csr_parameters(w)
            position = np.full(self.source.n_features, -1, dtype=np.int64)
            position[features] = np.arange(len(features))

        def kernel(X_b, y_b, s_b):
            if self._fuses_csr(X_b):
                value, grad, gram = _fused_module().csr_binary_gram(
                    X_b, y_b, s_b, coef, offset, position, intercept
                )
                return value, self._trim(grad), gram
            value, grad, z, residual, s = self._block_value_grad(w, X_b, y_b, s_b)
            xp = array_namespace(z)

            def gram(h):
                return _column_product(X_b, features, h, intercept, self.fused)

            if n_rows == 1:
                curvature = sigmoid_derivative(z[:, 0]) * s
                return value, grad, np.triu(gram(curvature))
            hessian = np.zeros((n_rows, width, n_rows, width))
            p = _add_at_labels(xp, residual, y_b, 1.0)  # back to the softmax
            for k in range(n_rows):
                curvature = s * p[:, k] * (1 - p[:, k])
                hessian[k, :, k, :] = gram(curvature)
                for l in range(k + 1, n_rows):
                    hessian[k, :, l, :] = gram(-s * p[:, k] * p[:, l])
            side = n_rows * width
            return value, grad, np.triu(hessian.reshape(side, side))

        return kernel

    # ------------------------------------------------------------- L1 term
    @property
    def l1_weights(self) -> np.ndarray:
        """Per-parameter L1 strength: ``lambda`` on coefficients, 0 on intercepts.

        Returns
        -------
        ndarray of shape (n_params,)
        """
        return self.l1_strength * self._penalty_mask

    def l1_penalty(self, w: np.ndarray) -> float:
        """The non-smooth part of ``F``: ``lambda * ||W||_1`` (intercepts excluded).

        Parameters
        ----------
        w : ndarray of shape (n_params,)

        Returns
        -------
        float
            0.0 when ``l1_ratio = 0`` or ``C = inf``.
        """
        if self.l1_strength == 0:
            return 0.0
        return float(np.abs(w) @ self.l1_weights)

    def composite_value(self, w: np.ndarray) -> float:
        """The whole scaled objective ``F(w)``: :meth:`value` plus :meth:`l1_penalty`.

        Parameters
        ----------
        w : ndarray of shape (n_params,)

        Returns
        -------
        float
        """
        return self.value(w) + self.l1_penalty(w)

    def prox_l1(self, w: np.ndarray, step: float | np.ndarray) -> np.ndarray:
        r"""Proximal map of ``step * lambda * ||W||_1``.

        .. math:: \operatorname{prox}(w) = \arg\min_u \tfrac12 \lVert u - w
                  \rVert^2 + t \lambda \lVert U \rVert_1

        Parameters
        ----------
        w : ndarray of shape (n_params,)
        step : float or ndarray of shape (n_params,)
            ``t``: one step length, or one per parameter (a diagonal metric).

        Returns
        -------
        ndarray of shape (n_params,)
            ``w`` soft-thresholded; intercepts unchanged.
        """
        threshold = np.asarray(step) * self.l1_weights
        # Soft-thresholding, the minimiser of (u - w_j)^2 / 2 + t_j |u|:
        # shrink |w_j| by t_j, and to exactly zero when |w_j| <= t_j.
        return np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)

    def min_norm_subgradient(self, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """The least-norm element of the subdifferential of ``F`` at ``w``.

        ``w`` minimises ``F`` exactly when this is zero; its max-abs entry is
        the proximal solvers' stopping measure, as max |gradient| is the
        smooth solvers' (the two coincide when ``l1_ratio = 0``).

        Parameters
        ----------
        w : ndarray of shape (n_params,)
        grad : ndarray of shape (n_params,)
            Gradient of the smooth part at ``w`` (from :meth:`value_and_grad`).

        Returns
        -------
        ndarray of shape (n_params,)
        """
        if self.l1_strength == 0:
            return grad
        lam = self.l1_weights
        # Where w_j != 0 the subdifferential is the point g_j + lam_j sign(w_j);
        # at w_j = 0 it is the interval g_j + [-lam_j, lam_j], whose entry of
        # least magnitude is g_j soft-thresholded by lam_j.
        at_zero = np.sign(grad) * np.maximum(np.abs(grad) - lam, 0.0)
        return np.where(w != 0, grad + lam * np.sign(w), at_zero)

    def information_sums(self, w: np.ndarray) -> InformationSums:
        """The unscaled, unpenalised sums that statistical inference needs, in one pass.

        Parameters
        ----------
        w : ndarray of shape (n_params,)

        Returns
        -------
        InformationSums
            ``sum_i s_i`` times the per-row quantities; no ``1/S``, no penalty.
        """
        value, hessian, outer, slope, slope_grad, per_class = (
            self.source.sum_over_blocks(self._information_kernel(w))
        )
        return InformationSums(
            loss=value,
            hessian=_mirror(hessian.reshape(self.n_params, self.n_params)),
            score_outer=_mirror(outer.reshape(self.n_params, self.n_params)),
            slope=slope,
            slope_gradient=slope_grad.ravel(),
            class_weights=per_class,
        )

    def grouped_scores(self, w: np.ndarray, groups: np.ndarray, n_groups: int):
        """Per-row gradients of the unscaled loss, summed within each group.

        ``sum_{i in g} s_i d loss_i / d w`` for each group ``g``: the terms of
        the cluster-robust covariance's meat. Needs the rows in host memory.

        Parameters
        ----------
        w : ndarray of shape (n_params,)
        groups : ndarray of int, shape (n_samples,)
            Each row's group, ``0..n_groups-1``, in the source's row order.
        n_groups : int

        Returns
        -------
        ndarray of shape (n_groups, n_params)

        Raises
        ------
        ValueError
            When the source's rows are not in host memory.
        """
        rows = self.source.rows_in_memory()
        if rows is None:
            raise ValueError("grouped scores need the rows in host memory")
        X, y, s = rows
        _, residual = self._loss_and_residual(self._linear(X, w), y)
        weighted = np.asarray(residual, dtype=np.float64) * s[:, None]
        n_samples = len(y)
        sums = np.empty((n_groups, self.n_rows, self.n_cols))
        for k in range(self.n_rows):
            # Row g of this matrix holds the residuals of group g's rows.
            by_group = sparse.csr_matrix(
                (weighted[:, k], (groups, np.arange(n_samples))),
                shape=(n_groups, n_samples),
            )
            product = by_group @ X
            sums[:, k, : self.source.n_features] = (
                product.toarray() if sparse.issparse(product) else product
            )
            if self.fit_intercept:
                sums[:, k, -1] = np.asarray(by_group.sum(axis=1)).ravel()
        return sums.reshape(n_groups, self.n_params)

    def subsampled(self, step: int) -> LogisticObjective:
        """The same objective estimated from every ``step``-th row.

        Its data term is the weighted mean over the kept rows, and its penalty
        strengths ``alpha`` and ``l1_strength`` equal this objective's, so its
        Hessian estimates this Hessian (sub-sampled Newton uses it for the
        curvature only).

        Parameters
        ----------
        step : int
            Keep rows ``0, step, 2 step, ...`` of the source.

        Returns
        -------
        LogisticObjective
        """
        source = self.source.every(step)
        kept = _weight_total(source)
        # alpha and lambda, both proportional to 1 / (C S), must not change:
        # C' S_kept = C S.
        scaled_C = self.C * self.weight_sum / kept if kept > 0 else self.C
        return LogisticObjective(
            source,
            self.n_classes,
            scaled_C,
            self.fit_intercept,
            self.l1_ratio,
            kept,
            self.fused,
        )

    def batch_value_and_grad(
        self, w: np.ndarray, rows: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """Unbiased estimate of ``F`` and its gradient from a subset of rows.

        The data term is rescaled by ``n_samples / len(rows)`` so its
        expectation over uniformly drawn rows is the full data term.

        Parameters
        ----------
        w : ndarray of shape (n_params,)
        rows : ndarray of int, shape (batch_size,)

        Returns
        -------
        value : float
        grad : ndarray of shape (n_params,)
        """
        value, grad = self._value_grad_kernel(w)(*self.source.take(rows))
        scale = self.n_samples / len(rows)
        return self._finish(w, scale * value, scale * grad)
