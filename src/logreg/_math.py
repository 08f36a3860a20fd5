"""Numerically stable link and loss functions, each next to its derivative.

Everything here is per sample and elementwise (or per row): no data blocks, no
weights, no penalty. The objective builds on these.

All functions accept floating arrays of any array-API namespace (NumPy,
PyTorch, CuPy, ``array_api_strict``; see :mod:`logreg._namespace`) and return
arrays of the same namespace, device and dtype; they are exact (to rounding)
for ``|z|`` up to at least ``1e4`` and raise no overflow or divide-by-zero
warnings there. NumPy arrays (and lists, scalars) are computed with NumPy
itself.
"""

from __future__ import annotations

from typing import Any

from logreg._namespace import array_namespace, astype

__all__ = [
    "log1pexp",
    "log_sigmoid",
    "log_softmax",
    "logsumexp_and_softmax",
    "sigmoid",
    "sigmoid_derivative",
    "softmax",
]


def sigmoid(z: Any) -> Any:
    r"""Logistic function :math:`\sigma(z) = 1 / (1 + e^{-z})`.

    Parameters
    ----------
    z : array of any shape
        Linear predictor.

    Returns
    -------
    array of the shape and dtype of ``z``
        Values in [0, 1].
    """
    xp = array_namespace(z)
    z = xp.asarray(z)
    # Sign split: exp(-|z|) never overflows, and for z < 0 the form
    # e / (1 + e) keeps full relative precision for tiny probabilities.
    e = xp.exp(-xp.abs(z))
    probability = xp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return astype(probability, z.dtype, xp, copy=False)


def sigmoid_derivative(z: Any) -> Any:
    r""":math:`\sigma'(z) = \sigma(z)\,(1 - \sigma(z))`, the binary Hessian weight.

    Parameters
    ----------
    z : array of any shape

    Returns
    -------
    array of the shape and dtype of ``z``
        Values in [0, 1/4].
    """
    xp = array_namespace(z)
    z = xp.asarray(z)
    # sigma(z) * sigma(-z) = e / (1 + e)^2 with e = exp(-|z|): symmetric and
    # without the cancellation of 1 - sigma(z) for large z.
    e = xp.exp(-xp.abs(z))
    return astype(e / (1.0 + e) ** 2, z.dtype, xp, copy=False)


def log1pexp(z: Any) -> Any:
    r"""Softplus :math:`\log(1 + e^{z})`; its derivative is :func:`sigmoid`.

    This is the binary log-loss of a sample with label 0; the loss for label
    ``y`` is ``log1pexp(z) - y * z``.

    Parameters
    ----------
    z : array of any shape

    Returns
    -------
    array of the shape and dtype of ``z``
    """
    xp = array_namespace(z)
    z = xp.asarray(z)
    # logaddexp(0, z) = max(0, z) + log1p(exp(-|z|)): no exp of a large number.
    return xp.logaddexp(xp.zeros((), dtype=z.dtype, device=z.device), z)


def log_sigmoid(z: Any) -> Any:
    r""":math:`\log \sigma(z) = -\log(1 + e^{-z})`; its derivative is ``sigmoid(-z)``.

    Parameters
    ----------
    z : array of any shape

    Returns
    -------
    array of the shape and dtype of ``z``
        Values in (-inf, 0].
    """
    z = array_namespace(z).asarray(z)
    return -log1pexp(-z)


def logsumexp_and_softmax(z: Any) -> tuple[Any, Any]:
    r"""Row-wise :math:`\log \sum_j e^{z_j}` and the softmax, from one ``exp``.

    The multinomial loss of a row with label ``y`` is ``lse - z[y]``; its
    gradient in ``z`` is ``softmax - onehot(y)``.

    Parameters
    ----------
    z : array of shape (n_samples, n_classes)

    Returns
    -------
    lse : array of shape (n_samples,)
    softmax : array of shape (n_samples, n_classes)
        Rows sum to one.
    """
    xp = array_namespace(z)
    z = xp.asarray(z)
    # Subtracting the row maximum makes every exponent <= 0 (log-sum-exp trick).
    row_max = xp.max(z, axis=-1, keepdims=True)
    e = xp.exp(z - row_max)
    total = xp.sum(e, axis=-1, keepdims=True)
    return (xp.log(total) + row_max)[..., 0], e / total


def log_softmax(z: Any) -> Any:
    r"""Row-wise :math:`z_k - \log \sum_j e^{z_j}`; its gradient is ``I - softmax``.

    Parameters
    ----------
    z : array of shape (n_samples, n_classes)

    Returns
    -------
    array of shape (n_samples, n_classes)
    """
    z = array_namespace(z).asarray(z)
    return z - logsumexp_and_softmax(z)[0][..., None]


def softmax(z: Any) -> Any:
    r"""Row-wise :math:`e^{z_k} / \sum_j e^{z_j}`.

    Parameters
    ----------
    z : array of shape (n_samples, n_classes)

    Returns
    -------
    array of shape (n_samples, n_classes)
        Rows sum to one.
    """
    return logsumexp_and_softmax(z)[1]
