"""Numerically stable link and loss functions, each next to its derivative.

Everything here is per sample and elementwise (or per row): no data blocks, no
weights, no penalty. The objective builds on these.

All functions accept NumPy arrays of any floating dtype and return the same
dtype; they are exact (to rounding) for ``|z|`` up to at least ``1e4`` and raise
no overflow or divide-by-zero warnings there.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "log1pexp",
    "log_sigmoid",
    "log_softmax",
    "logsumexp_and_softmax",
    "sigmoid",
    "sigmoid_derivative",
    "softmax",
]


def sigmoid(z: np.ndarray) -> np.ndarray:
    r"""Logistic function :math:`\sigma(z) = 1 / (1 + e^{-z})`.

    Parameters
    ----------
    z : ndarray of any shape
        Linear predictor.

    Returns
    -------
    ndarray of the shape and dtype of ``z``
        Values in [0, 1].
    """
    z = np.asarray(z)
    # Sign split: exp(-|z|) never overflows, and for z < 0 the form
    # e / (1 + e) keeps full relative precision for tiny probabilities.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def sigmoid_derivative(z: np.ndarray) -> np.ndarray:
    r""":math:`\sigma'(z) = \sigma(z)\,(1 - \sigma(z))`, the binary Hessian weight.

    Parameters
    ----------
    z : ndarray of any shape

    Returns
    -------
    ndarray of the shape and dtype of ``z``
        Values in [0, 1/4].
    """
    z = np.asarray(z)
    # sigma(z) * sigma(-z) = e / (1 + e)^2 with e = exp(-|z|): symmetric and
    # without the cancellation of 1 - sigma(z) for large z.
    e = np.exp(-np.abs(z))
    return (e / (1.0 + e) ** 2).astype(z.dtype, copy=False)


def log1pexp(z: np.ndarray) -> np.ndarray:
    r"""Softplus :math:`\log(1 + e^{z})`; its derivative is :func:`sigmoid`.

    This is the binary log-loss of a sample with label 0; the loss for label
    ``y`` is ``log1pexp(z) - y * z``.

    Parameters
    ----------
    z : ndarray of any shape

    Returns
    -------
    ndarray of the shape and dtype of ``z``
    """
    z = np.asarray(z)
    # logaddexp(0, z) = max(0, z) + log1p(exp(-|z|)): no exp of a large number.
    return np.logaddexp(np.zeros((), dtype=z.dtype), z)


def log_sigmoid(z: np.ndarray) -> np.ndarray:
    r""":math:`\log \sigma(z) = -\log(1 + e^{-z})`; its derivative is ``sigmoid(-z)``.

    Parameters
    ----------
    z : ndarray of any shape

    Returns
    -------
    ndarray of the shape and dtype of ``z``
        Values in (-inf, 0].
    """
    z = np.asarray(z)
    return -log1pexp(-z)


def logsumexp_and_softmax(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Row-wise :math:`\log \sum_j e^{z_j}` and the softmax, from one ``exp``.

    The multinomial loss of a row with label ``y`` is ``lse - z[y]``; its
    gradient in ``z`` is ``softmax - onehot(y)``.

    Parameters
    ----------
    z : ndarray of shape (n_samples, n_classes)

    Returns
    -------
    lse : ndarray of shape (n_samples,)
    softmax : ndarray of shape (n_samples, n_classes)
        Rows sum to one.
    """
    z = np.asarray(z)
    # Subtracting the row maximum makes every exponent <= 0 (log-sum-exp trick).
    row_max = np.max(z, axis=-1, keepdims=True)
    e = np.exp(z - row_max)
    total = np.sum(e, axis=-1, keepdims=True)
    return (np.log(total) + row_max)[..., 0], e / total


def log_softmax(z: np.ndarray) -> np.ndarray:
    r"""Row-wise :math:`z_k - \log \sum_j e^{z_j}`; its gradient is ``I - softmax``.

    Parameters
    ----------
    z : ndarray of shape (n_samples, n_classes)

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
    """
    z = np.asarray(z)
    return z - logsumexp_and_softmax(z)[0][..., None]


def softmax(z: np.ndarray) -> np.ndarray:
    r"""Row-wise :math:`e^{z_k} / \sum_j e^{z_j}`.

    Parameters
    ----------
    z : ndarray of shape (n_samples, n_classes)

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        Rows sum to one.
    """
    return logsumexp_and_softmax(z)[1]
