"""The article's code, as written: kept only to be compared with the library.

The tutorial logreg grew out of trains on two blobs with four quirks, which
these functions keep (each counts what its clips changed):

1. the W gradient is summed over the rows, the b gradient averaged
   (:func:`article_step`);
2. the learning rate 0.0002 works only because of that sum;
3. ``z`` is clipped to [-400, 400] (:func:`article_sigmoid`) and each
   probability floored at 1e-7 (:func:`article_loss`);
4. the two blob centres are drawn at random in a box and can nearly coincide
   (:func:`close_centres` counts how often).

:mod:`logreg.learn.tutorial` runs them beside the library's gradient descent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.datasets import make_blobs

__all__ = [
    "ARTICLE_EPOCHS",
    "ARTICLE_LR",
    "ARTICLE_PRINT_EVERY",
    "CENTRE_SEEDS",
    "PROBABILITY_FLOOR",
    "Z_CLIP",
    "ArticleEpoch",
    "article_loss",
    "article_run",
    "article_sigmoid",
    "article_step",
    "close_centres",
]

#: The article's final settings: learning rate, epochs, printing interval.
ARTICLE_LR = 0.0002
ARTICLE_EPOCHS = 26
ARTICLE_PRINT_EVERY = 5
#: Its clips: of z before the sigmoid, and of probabilities in the loss.
Z_CLIP = 400.0
PROBABILITY_FLOOR = 1e-7
#: Seeds over which :func:`close_centres` counts near-coinciding centres.
CENTRE_SEEDS = 1000


def article_sigmoid(z: np.ndarray) -> tuple[np.ndarray, int]:
    """The article's ``sigmoid``: clip ``z`` to [-400, 400], then ``1/(1+e^-z)``.

    Parameters
    ----------
    z : ndarray of shape (n_samples, 1)
        Clipped in place, as the article does.

    Returns
    -------
    a : ndarray of shape (n_samples, 1)
    clipped : int
        Entries of ``z`` that the clip changed.
    """
    clipped = int(np.count_nonzero(np.abs(z) > Z_CLIP))
    z[z > Z_CLIP] = Z_CLIP
    z[z < -Z_CLIP] = -Z_CLIP
    return 1 / (1 + np.exp(-z)), clipped


def article_loss(y_pred: np.ndarray, y: np.ndarray) -> tuple[float, int]:
    """The article's ``compute_loss``: mean cross-entropy, probabilities floored.

    Parameters
    ----------
    y_pred : ndarray of shape (n_samples, 1)
        Probabilities of class 1; entries <= 0 are set to 1e-7 in place.
    y : ndarray of shape (n_samples, 1)
        Labels 0 or 1.

    Returns
    -------
    loss : float
    floored : int
        Probabilities (of either class) the floor replaced.
    """
    floored = int(np.count_nonzero(y_pred <= 0))
    y_pred[y_pred <= 0] = PROBABILITY_FLOOR
    y_pred_neg = 1 - y_pred
    floored += int(np.count_nonzero(y_pred_neg <= 0))
    y_pred_neg[y_pred_neg <= 0] = PROBABILITY_FLOOR
    loss = -np.mean(y * np.log(y_pred) + (1 - y) * np.log(y_pred_neg))
    return float(loss), floored


def article_step(
    W: np.ndarray,
    b: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    y_pred: np.ndarray,
    lr: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The article's ``grad_desc``: the W gradient summed, the b gradient averaged.

    Parameters
    ----------
    W : ndarray of shape (2, 1)
    b : ndarray of shape () or (1, 1)
    X : ndarray of shape (n_samples, 2)
    y, y_pred : ndarray of shape (n_samples, 1)
    lr : float

    Returns
    -------
    W : ndarray of shape (2, 1)
    b : ndarray of shape (1, 1)
    """
    dm = X.T.dot(y_pred - y)
    db = np.mean(y_pred - y, axis=0, keepdims=True)
    return W - lr * dm, b - lr * db


@dataclass(frozen=True)
class ArticleEpoch:
    """The article's model after ``epoch`` updates.

    Attributes
    ----------
    epoch : int
    coef : ndarray of shape (2,)
    intercept : float
    loss : float
        Its loss, as the article computes it (clipped).
    z_clipped, floored : int
        What its clips changed in this epoch's forward pass and loss.
    max_abs_z : float
        The largest ``|z|`` before the clip.
    """

    epoch: int
    coef: np.ndarray
    intercept: float
    loss: float
    z_clipped: int
    floored: int
    max_abs_z: float


def article_run(
    X: np.ndarray,
    y: np.ndarray,
    W: np.ndarray,
    b: float,
    lr: float = ARTICLE_LR,
    epochs: int = ARTICLE_EPOCHS,
) -> tuple[list[ArticleEpoch], np.ndarray, np.ndarray]:
    """The article's training loop: forward pass, loss, update, ``epochs`` times.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
        Labels 0 or 1.
    W : ndarray of shape (2,)
    b : float
    lr : float, default=0.0002
    epochs : int, default=26

    Returns
    -------
    history : list of ArticleEpoch
        Epochs 0..epochs-1: the model before each update and its loss.
    W : ndarray of shape (2, 1)
    b : ndarray of shape (1, 1)
        After the last update.
    """
    y = y.reshape(-1, 1).astype(np.float64)
    W = np.asarray(W, dtype=np.float64).reshape(2, 1)
    b = np.asarray(b, dtype=np.float64)
    history = []
    for epoch in range(epochs):
        z = X.dot(W) + b
        max_abs_z = float(np.max(np.abs(z)))
        y_pred, clipped = article_sigmoid(z)
        loss, floored = article_loss(y_pred, y)
        history.append(
            ArticleEpoch(
                epoch,
                W[:, 0].copy(),
                float(b.item()),
                loss,
                clipped,
                floored,
                max_abs_z,
            )
        )
        W, b = article_step(W, b, X, y, y_pred, lr)
    return history, W, b


def close_centres(std: float, seeds: int = CENTRE_SEEDS) -> int:
    """How many seeds put the article's two blob centres closer than ``2 std``.

    ``make_blobs(centers=2)`` draws the centres uniformly in [-10, 10]^2
    before any point, so they depend on the seed alone.

    Parameters
    ----------
    std : float
        The blobs' standard deviation.
    seeds : int, default=1000
        Seeds 0..seeds-1 are counted.

    Returns
    -------
    int
    """
    count = 0
    for seed in range(seeds):
        _, _, centres = make_blobs(
            n_samples=2, centers=2, random_state=seed, return_centers=True
        )
        count += bool(np.linalg.norm(centres[0] - centres[1]) < 2 * std)
    return count
