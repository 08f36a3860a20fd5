"""The demo data: Gaussian blobs and a stratified train/test split.

These are the tutorial's data, made reproducible: every random choice takes a
``random_state``.
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import make_blobs
from sklearn.model_selection import train_test_split

__all__ = ["make_blobs_dataset", "train_test_split_dataset"]


def make_blobs_dataset(
    n_samples: int = 500,
    n_features: int = 2,
    n_classes: int = 2,
    cluster_std: float = 2.0,
    random_state: int | None = None,
    *,
    separation: float = 8.0,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Isotropic Gaussian blobs, one per class (the tutorial's data).

    Samples are drawn by :func:`sklearn.datasets.make_blobs`, as in the
    tutorial, but the centres are placed so that every seed gives a sensible
    problem: the tutorial's centres, drawn uniformly in a box, sometimes land
    on top of each other (then no classifier can do well). Here the
    ``n_classes`` centres sit evenly on a circle so that neighbouring centres
    are ``separation`` apart; the circle lies in a random plane through a
    random point of ``[-2, 2]^n_features``. The overlap of the classes is thus
    set by ``cluster_std / separation`` alone: for two classes the best
    possible accuracy is :math:`\Phi(d / 2\sigma)` for ``d = separation`` and
    ``sigma = cluster_std``: about 97.7% with the defaults.

    Parameters
    ----------
    n_samples : int, default=500
        Number of points, split as evenly as possible between the classes.
    n_features : int, default=2
        Number of features (2 for pictures).
    n_classes : int, default=2
        Number of blobs, hence of classes.
    cluster_std : float, default=2.0
        Standard deviation of every blob; larger values overlap more.
    random_state : int or None, default=None
        Seed for reproducible data.
    separation : float, default=8.0
        Distance between neighbouring class centres.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Features, float64, C-contiguous.
    y : ndarray of shape (n_samples,)
        Integer class labels ``0..n_classes-1``.
    """
    rng = np.random.RandomState(random_state)
    centers = _circle_centers(n_classes, n_features, separation, rng)
    X, y = make_blobs(
        n_samples=n_samples,
        n_features=n_features,
        centers=centers,
        cluster_std=cluster_std,
        random_state=rng,
    )
    return np.ascontiguousarray(X, dtype=np.float64), y.astype(np.intp, copy=False)


def _circle_centers(
    n_classes: int, n_features: int, separation: float, rng: np.random.RandomState
) -> np.ndarray:
    """Centres evenly on a circle (a line in 1-D), neighbours ``separation`` apart.

    Returns
    -------
    ndarray of shape (n_classes, n_features)
    """
    offset = rng.uniform(-2.0, 2.0, size=n_features)
    if n_features == 1:
        steps = np.arange(n_classes) - (n_classes - 1) / 2
        return offset + separation * steps[:, None]
    # A uniformly random plane: orthonormal columns of a Gaussian matrix.
    plane, _ = np.linalg.qr(rng.standard_normal((n_features, 2)))
    angles = 2 * np.pi * np.arange(n_classes) / n_classes
    radius = separation / (2 * np.sin(np.pi / n_classes)) if n_classes > 1 else 0.0
    circle = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    return offset + circle @ plane.T


def train_test_split_dataset(
    X: np.ndarray,
    y: np.ndarray,
    test_size: float = 0.2,
    random_state: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stratified shuffle split into training and test rows.

    A thin wrapper over :func:`sklearn.model_selection.train_test_split` with
    ``stratify=y``, so both parts keep the class proportions of ``y``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Features.
    y : ndarray of shape (n_samples,)
        Class labels.
    test_size : float, default=0.2
        Fraction of the rows held out for testing.
    random_state : int or None, default=None
        Seed for a reproducible split.

    Returns
    -------
    X_train : ndarray of shape (n_train, n_features)
    X_test : ndarray of shape (n_test, n_features)
    y_train : ndarray of shape (n_train,)
    y_test : ndarray of shape (n_test,)
        Here ``n_test = ceil(test_size * n_samples)`` and
        ``n_train = n_samples - n_test``. The feature parts are C-contiguous.
    """
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=random_state, stratify=y
    )
    return (
        np.ascontiguousarray(X_train),
        np.ascontiguousarray(X_test),
        y_train,
        y_test,
    )
