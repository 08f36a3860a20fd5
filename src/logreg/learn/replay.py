"""Gradient descent recorded epoch by epoch, at one or several learning rates.

:func:`descend` runs the library's ``"gd"`` solver (fixed step, no stopping
rule) on an objective and keeps the model after every epoch, so that a page
or a table can replay it. :func:`learning_rate_runs` does so at several
learning rates from one start and reads a verdict off each run's losses: too
small, good, bouncing or diverging. A run the solver stops with a
:class:`~logreg.solvers.DivergenceError` is kept up to that point, with the
message: the divergence is shown, not hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from logreg.data.sources import InMemorySource
from logreg.objective import LogisticObjective
from logreg.solvers import SOLVERS, DivergenceError, IterationRecord, SolverOptions

__all__ = [
    "LEARNING_RATES",
    "Descent",
    "Snapshot",
    "descend",
    "learning_rate_runs",
    "mean_log_loss",
    "verdict",
]

#: Learning rates shown beside the demo's own: the tutorial's 0.0002 (too
#: small on the mean loss), a slow one, and two large enough to overshoot.
LEARNING_RATES = (0.0002, 0.02, 5.0, 50.0)
#: A run whose loss closed less than this share of its gap to the minimum
#: had a learning rate that is too small.
_TOO_SMALL_PROGRESS = 0.5
#: A loss rise smaller than this, relative, is rounding, not a bounce.
_RISE_RTOL = 1e-9


class Snapshot(NamedTuple):
    """The model after one epoch of training.

    Attributes
    ----------
    epoch : int
        0 for the starting point, then 1, 2, ...
    coef : ndarray of shape (1, 2) or (K, 2)
        ``W``: one row for two classes, one row per class otherwise.
    intercept : ndarray of shape (1,) or (K,)
        ``b``.
    loss : float
        Mean log-loss on the training rows.
    """

    epoch: int
    coef: np.ndarray
    intercept: np.ndarray
    loss: float


@dataclass(frozen=True)
class Descent:
    """One run of gradient descent with a fixed learning rate.

    Attributes
    ----------
    learning_rate : float
        The step size.
    snapshots : list of Snapshot
        The model at epoch 0 (the start) and after each epoch run.
    error : DivergenceError or None
        Why the solver stopped before the last epoch, if it did.
    """

    learning_rate: float
    snapshots: list[Snapshot]
    error: DivergenceError | None = None

    @property
    def losses(self) -> np.ndarray:
        """Training loss per epoch, of shape (len(snapshots),)."""
        return np.array([s.loss for s in self.snapshots])


def mean_log_loss(X: np.ndarray, y: np.ndarray, n_classes: int) -> LogisticObjective:
    """The demo's objective: the mean log-loss with an intercept, no penalty.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Labels ``0..n_classes-1``.
    n_classes : int
        ``K``; two classes have one coefficient row, more have ``K``.

    Returns
    -------
    LogisticObjective
        ``C = inf``: its value is the mean log-loss.
    """
    source = InMemorySource(X, y, np.ones(len(y)))
    return LogisticObjective(source, n_classes, C=np.inf, fit_intercept=True)


def descend(
    objective: LogisticObjective,
    w0: np.ndarray,
    learning_rate: float,
    epochs: int,
    on_snapshot: Callable[[Snapshot], None] | None = None,
) -> Descent:
    """Full-batch gradient descent with a fixed step, recorded after every epoch.

    Each epoch is one step ``w <- w - learning_rate * grad F(w)`` of the
    library's ``"gd"`` solver (no stopping rule: all ``epochs`` run unless
    the loss explodes).

    Parameters
    ----------
    objective : LogisticObjective
    w0 : ndarray of shape (n_params,)
        The start.
    learning_rate : float
    epochs : int
    on_snapshot : callable, optional
        Called with each new snapshot (epochs 1, 2, ...) as it is made.

    Returns
    -------
    Descent
        With ``error`` set, instead of raising, when the solver stopped on a
        :class:`~logreg.solvers.DivergenceError`.
    """
    coef, intercept = objective.unpack(w0)
    snapshots = [Snapshot(0, coef.copy(), intercept.copy(), objective.value(w0))]

    def callback(record: IterationRecord, w: np.ndarray) -> None:
        coef, intercept = objective.unpack(w)
        snapshot = Snapshot(
            record.iteration, coef.copy(), intercept.copy(), record.value
        )
        snapshots.append(snapshot)
        if on_snapshot is not None:
            on_snapshot(snapshot)

    options = SolverOptions(tol=0.0, max_iter=epochs, learning_rate=learning_rate)
    try:
        SOLVERS["gd"](objective, w0, options, callback)
    except DivergenceError as error:
        return Descent(learning_rate, snapshots, error)
    return Descent(learning_rate, snapshots)


def verdict(losses: np.ndarray, minimum: float | None, stopped: bool) -> str:
    """What a run's losses say about its learning rate.

    Parameters
    ----------
    losses : ndarray of shape (n_epochs + 1,)
        The loss at the start and after each epoch.
    minimum : float or None
        The smallest loss possible, when there is one.
    stopped : bool
        Whether the solver stopped the run on an exploding loss.

    Returns
    -------
    str
        ``"diverges"`` (stopped, or the loss rose above where it started),
        ``"bounces"`` (the loss rose at some epoch, but stayed below its
        start), ``"too small"`` (it fell steadily but closed less than half
        its gap to ``minimum``), or ``"good"``.
    """
    start = losses[0]
    if stopped or np.max(losses) > start * (1 + _RISE_RTOL):
        return "diverges"
    rises = np.diff(losses) > _RISE_RTOL * np.maximum(np.abs(losses[:-1]), 1.0)
    if np.any(rises):
        return "bounces"
    if minimum is not None and start > minimum:
        progress = (start - losses[-1]) / (start - minimum)
        if progress < _TOO_SMALL_PROGRESS:
            return "too small"
    return "good"


def learning_rate_runs(
    objective: LogisticObjective,
    w0: np.ndarray,
    epochs: int,
    learning_rates: Sequence[float],
) -> list[Descent]:
    """Gradient descent from ``w0`` at each learning rate, smallest first.

    Parameters
    ----------
    objective : LogisticObjective
    w0 : ndarray of shape (n_params,)
    epochs : int
    learning_rates : sequence of float
        Duplicates are run once.

    Returns
    -------
    list of Descent
    """
    return [descend(objective, w0, lr, epochs) for lr in sorted(set(learning_rates))]
