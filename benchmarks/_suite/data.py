"""The benchmark datasets, each built once per process.

Every contestant fits ``Dataset.X``; the objective gap and the reference fits
use ``Dataset.X64``, the same numbers in float64 (so a float32 dataset is
judged against the optimum of its own values, not of the float64 data it was
rounded from).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import numpy as np
from scipy.special import expit
from sklearn.datasets import make_classification

from reference import load


@dataclass(frozen=True)
class Dataset:
    """One problem: features, labels, penalty and a note on where it came from.

    Attributes
    ----------
    name : str
        Short name used in the tables and the JSON.
    X : ndarray of shape (n_samples, n_features)
        What the contestants fit (float32 or float64, C-contiguous).
    y : ndarray of shape (n_samples,)
        Integer labels ``0..n_classes-1``.
    X64 : ndarray of shape (n_samples, n_features)
        ``X`` in float64 (``X`` itself when it is float64).
    n_classes : int
    C : float
        Inverse penalty strength; ``inf`` for the unpenalised problem.
    origin : str
        How the data were made, printed under the table.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    X64: np.ndarray
    n_classes: int
    C: float = 1.0
    origin: str = ""

    @property
    def shape(self) -> str:
        """``"1,000,000 x 100, 2 classes, float64"``."""
        n, d = self.X.shape
        return f"{n:,} x {d}, {self.n_classes} classes, {self.X.dtype}"

    def unpenalised(self) -> Dataset:
        """The same data with ``C = inf``."""
        return replace(self, name=f"{self.name}, C=inf", C=np.inf)


def _dataset(name: str, X: np.ndarray, y: np.ndarray, origin: str) -> Dataset:
    X = np.ascontiguousarray(X)
    X64 = X if X.dtype == np.float64 else X.astype(np.float64)
    return Dataset(name, X, np.asarray(y), X64, len(np.unique(y)), origin=origin)


def small(name: str) -> Dataset:
    """A small parity dataset from ``tests/reference.py`` (``"blobs"``, ...)."""
    X, y = load(name)
    origins = {
        "blobs": "the tutorial's blobs: make_blobs(500, 2 centres, std 2, seed 0)",
        "breast_cancer": "scikit-learn's breast cancer, standardised",
        "imbalanced": "make_classification(2000, 20, weights=[0.9, 0.1], seed 0)",
    }
    return _dataset(name, X, y, origins.get(name, name))


@functools.cache
def classification(n_samples: int, n_features: int, n_classes: int = 2) -> Dataset:
    """``make_classification`` with half the features informative, ``random_state=0``.

    Cached: the binary, float32 and throughput sections share the largest set.
    """
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=n_features // 2,
        n_classes=n_classes,
        random_state=0,
    )
    kind = "binary" if n_classes == 2 else f"{n_classes} classes"
    return _dataset(
        f"{_rows(n_samples)} x {n_features} {kind}",
        X,
        y,
        f"make_classification({n_samples}, {n_features}, "
        f"n_informative={n_features // 2}, n_classes={n_classes}, random_state=0)",
    )


def float32_copy(data: Dataset) -> Dataset:
    """``data`` with ``X`` rounded to float32; its optimum is that of the rounded X."""
    X32 = data.X.astype(np.float32)
    return replace(
        data,
        name=f"{data.name} float32",
        X=X32,
        X64=X32.astype(np.float64),
        origin=f"{data.origin}, rounded to float32",
    )


@functools.cache
def classification_float32(n_samples: int, n_features: int) -> Dataset:
    """:func:`float32_copy` of the binary :func:`classification` set (cached)."""
    return float32_copy(classification(n_samples, n_features))


def clear_cache() -> None:
    """Forget the cached datasets (frees their memory for the next section)."""
    classification.cache_clear()
    classification_float32.cache_clear()


def logistic_model(n_samples: int, n_features: int, seed: int = 0) -> Dataset:
    """Gaussian features and labels drawn from a logistic model (fast to make).

    ``X ~ N(0, I)``, true coefficients ``N(0, 4 / n_features)`` (so the linear
    predictor has a standard deviation of about 2), intercept 0.25, and
    ``y ~ Bernoulli(sigmoid(X beta + 0.25))``. About 2.5 s per million rows
    of 100 features, 9x faster than ``make_classification``; its row prefixes
    are themselves datasets of the same model, so the scaling table slices it.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    coef = rng.standard_normal(n_features) * (2.0 / np.sqrt(n_features))
    y = (rng.random(n_samples) < expit(X @ coef + 0.25)).astype(np.int64)
    return _dataset(
        f"logistic model {_rows(n_samples)} x {n_features}",
        X,
        y,
        f"Gaussian X, y from a logistic model (seed {seed})",
    )


def softmax_model(n_samples: int, n_features: int, n_classes: int) -> Dataset:
    """Gaussian features and labels drawn from a multinomial (softmax) model.

    ``X ~ N(0, I)``, true coefficients ``N(0, 4 / n_features)`` per class and
    feature, intercepts ``N(0, 1)``; seed 0. Unlike ``make_classification``
    (whose redundant features are exact linear combinations), the unpenalised
    optimum is finite and identified.
    """
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_samples, n_features))
    coef = rng.standard_normal((n_features, n_classes)) * (2.0 / np.sqrt(n_features))
    scores = X @ coef + rng.standard_normal(n_classes)
    scores -= scores.max(axis=1, keepdims=True)
    probabilities = np.exp(scores)
    cumulative = np.cumsum(probabilities, axis=1)
    draws = rng.random((n_samples, 1)) * cumulative[:, -1:]
    y = np.sum(draws > cumulative[:, :-1], axis=1)
    return _dataset(
        f"softmax model {_rows(n_samples)} x {n_features}, {n_classes} classes",
        X,
        y,
        f"Gaussian X, y from a softmax model with {n_classes} classes (seed 0)",
    )


def head(data: Dataset, n_samples: int) -> Dataset:
    """The first ``n_samples`` rows (views, no copy)."""
    return replace(
        data,
        name=f"{_rows(n_samples)} x {data.X.shape[1]}",
        X=data.X[:n_samples],
        y=data.y[:n_samples],
        X64=data.X64[:n_samples],
    )


def _rows(n: int) -> str:
    """``1_000_000 -> "1M"``, ``300_000 -> "300k"``, ``569 -> "569"``."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if n >= size and n % (size // 10) == 0:
            return f"{n / size:g}{suffix}"
    return str(n)
