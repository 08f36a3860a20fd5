"""Gradient descent, momentum and Newton racing to the optimum on a 2-D slice.

A binary model with two features has three parameters ``(w1, w2, b)``. To
draw the loss as a landscape, the intercept is held at its optimum ``b*``:
:class:`InterceptHeld` is the library's objective as a function of the two
weights alone. Its minimum is the full optimum's ``(w1*, w2*)`` (the full
gradient vanishes there, so its first two entries do), and every solver that
runs on it moves in that plane, so the paths lie exactly on the contours
drawn under them. :func:`run_race` starts the library's ``"gd"`` solver
(fixed step), ``"gd"`` with heavy-ball momentum and ``"newton"`` from one
point and counts the steps each takes until the largest gradient entry is
at most ``tol``; it also counts them on the full three-parameter problem,
the one the demo trains.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from logreg.objective import LogisticObjective
from logreg.solvers import SOLVERS, DivergenceError, SolverOptions

__all__ = [
    "InterceptHeld",
    "Race",
    "RacePath",
    "Surface",
    "loss_surface",
    "newton_optimum",
    "run_race",
]

#: Heavy-ball momentum of the racing gradient descent.
MOMENTUM = 0.9
#: A racer has reached the optimum when its largest gradient entry is this small.
RACE_TOL = 1e-6
#: Steps a racer may take at most.
MAX_STEPS = 20_000


class InterceptHeld:
    """A binary objective over ``(w1, ..., wd)`` with the intercept held at ``b``.

    It offers what the ``"gd"`` and ``"newton"`` solvers call, each taken from
    the full objective at ``(w, b)``: the value, the gradient's weight
    entries and the Hessian's weight block.

    Parameters
    ----------
    objective : LogisticObjective
        Binary, with an intercept, no L1 term.
    intercept : float
        The value ``b`` is held at.
    """

    l1_strength = 0.0

    def __init__(self, objective: LogisticObjective, intercept: float) -> None:
        if objective.n_rows != 1 or not objective.fit_intercept:
            raise ValueError("InterceptHeld needs a binary objective with intercept")
        self.objective = objective
        self.intercept = float(intercept)
        self.eps = objective.eps

    def full(self, w: np.ndarray) -> np.ndarray:
        """The full parameter vector ``(w, b)``, of shape (n_features + 1,)."""
        return np.append(np.asarray(w, dtype=np.float64), self.intercept)

    def value(self, w: np.ndarray) -> float:
        """Mean log-loss at ``(w, b)``."""
        return self.objective.value(self.full(w))

    def value_and_grad(self, w: np.ndarray) -> tuple[float, np.ndarray]:
        """The value and its gradient in ``w``, of shape (n_features,)."""
        value, grad = self.objective.value_and_grad(self.full(w))
        return value, grad[:-1]

    def value_grad_hessian(self, w: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """The value, gradient and Hessian in ``w`` (the weights' block)."""
        value, grad, hessian = self.objective.value_grad_hessian(self.full(w))
        return value, grad[:-1], hessian[:-1, :-1]

    def values_along(
        self, w: np.ndarray, direction: np.ndarray, steps: np.ndarray
    ) -> np.ndarray:
        """Values at ``w + t * direction`` for each ``t``, of shape (n_steps,)."""
        return self.objective.values_along(
            self.full(w), np.append(direction, 0.0), steps
        )

    def flat_directions(self) -> np.ndarray:
        """No flat direction (a binary loss has none): shape (n_features, 0)."""
        return np.zeros((self.objective.source.n_features, 0))

    def l1_penalty(self, w: np.ndarray) -> float:
        """No L1 term: 0."""
        return 0.0

    def min_norm_subgradient(self, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Without an L1 term, the gradient itself."""
        return grad


def newton_optimum(
    objective: LogisticObjective, w0: np.ndarray, X: np.ndarray, y: np.ndarray
) -> np.ndarray | None:
    """The minimiser by the library's Newton solver, or None when there is none.

    Separated classes have no finite optimum (the loss keeps falling as the
    weights grow, and Newton would stop wherever its gradient test passes):
    :func:`logreg.stats.separation.detect_separation` is asked first.

    Parameters
    ----------
    objective : LogisticObjective
        Unpenalised, over the rows ``X, y``.
    w0 : ndarray of shape (n_params,)
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Labels ``0..K-1``.

    Returns
    -------
    ndarray of shape (n_params,) or None
        None for separated classes, or when Newton does not converge.
    """
    from logreg.stats.separation import detect_separation

    kind, _ = detect_separation(X, y, np.ones(len(y)), objective.n_classes, True)
    if kind != "none":
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = SOLVERS["newton"](
            objective, w0, SolverOptions(tol=1e-10, max_iter=100)
        )
    if caught or not result.converged:
        return None
    return objective.identified(result.w)


@dataclass(frozen=True)
class RacePath:
    """One racer's path.

    Attributes
    ----------
    name : str
        ``"gd"``, ``"momentum"`` or ``"newton"``.
    label : str
        How the page names it.
    points : ndarray of shape (steps + 1, n_features)
        The weights at the start and after each step.
    losses : ndarray of shape (steps + 1,)
    reached : bool
        Whether the last point is within ``tol`` (max |gradient|) of the optimum.
    """

    name: str
    label: str
    points: np.ndarray
    losses: np.ndarray
    reached: bool

    @property
    def steps(self) -> int:
        """Steps taken."""
        return len(self.points) - 1


@dataclass(frozen=True)
class Race:
    """Three solvers from one start, on the slice and on the full problem.

    Attributes
    ----------
    start : ndarray of shape (2,)
        The common start (the demo's random weights).
    optimum : ndarray of shape (2,)
        ``(w1*, w2*)``.
    intercept : float
        ``b*``, where the slice holds the intercept.
    minimum : float
        The smallest mean log-loss.
    learning_rate : float
        The step of both gradient descents.
    paths : list of RacePath
        Gradient descent, momentum, Newton, on the slice.
    full_steps : dict of str to int or None
        Steps each needs on all three parameters from ``(start, b0)``; None
        where it did not get there in :data:`MAX_STEPS`.
    tol : float
    """

    start: np.ndarray
    optimum: np.ndarray
    intercept: float
    minimum: float
    learning_rate: float
    paths: list[RacePath]
    full_steps: dict[str, int | None]
    tol: float = RACE_TOL


def _racers(learning_rate: float) -> list[tuple[str, str, str, SolverOptions]]:
    common = {"tol": RACE_TOL, "max_iter": MAX_STEPS}
    return [
        (
            "gd",
            f"gradient descent (lr {learning_rate:g})",
            "gd",
            SolverOptions(learning_rate=learning_rate, **common),
        ),
        (
            "momentum",
            f"momentum {MOMENTUM:g} (lr {learning_rate:g})",
            "gd",
            SolverOptions(learning_rate=learning_rate, momentum=MOMENTUM, **common),
        ),
        ("newton", "Newton", "newton", SolverOptions(**common)),
    ]


def _run(objective, solver: str, w0: np.ndarray, options: SolverOptions):
    """Points, losses and whether ``tol`` was reached; a diverging run stops."""
    points, losses = [np.array(w0, dtype=np.float64)], [objective.value(w0)]

    def callback(record, w):
        points.append(w.copy())
        losses.append(record.value)

    try:
        result = SOLVERS[solver](objective, w0, options, callback)
        reached = result.converged
    except DivergenceError:
        reached = False
    return np.array(points), np.array(losses), reached


def run_race(
    objective: LogisticObjective,
    w0: np.ndarray,
    optimum: np.ndarray,
    learning_rate: float,
) -> Race:
    """Race gradient descent, momentum and Newton from ``w0``'s weights.

    Parameters
    ----------
    objective : LogisticObjective
        Binary, two features, an intercept, no penalty.
    w0 : ndarray of shape (3,)
        The start ``(w1, w2, b0)``; the slice starts at ``(w1, w2)``.
    optimum : ndarray of shape (3,)
        The minimiser (:func:`newton_optimum`).
    learning_rate : float
        Step of both gradient descents.

    Returns
    -------
    Race
    """
    coef, intercept = objective.unpack(optimum)
    held = InterceptHeld(objective, intercept[0])
    start = objective.unpack(w0)[0][0].copy()
    paths, full_steps = [], {}
    for name, label, solver, options in _racers(learning_rate):
        points, losses, reached = _run(held, solver, start, options)
        paths.append(RacePath(name, label, points, losses, reached))
        full, _, full_reached = _run(objective, solver, w0, options)
        full_steps[name] = len(full) - 1 if full_reached else None
    return Race(
        start=start,
        optimum=coef[0].copy(),
        intercept=float(intercept[0]),
        minimum=objective.value(optimum),
        learning_rate=learning_rate,
        paths=paths,
        full_steps=full_steps,
    )


@dataclass(frozen=True)
class Surface:
    """The loss over a square window of the two weights, and its contour lines.

    Attributes
    ----------
    window : tuple of float
        ``(w1_low, w1_high, w2_low, w2_high)``, a square.
    levels : ndarray of shape (n_levels,)
        Loss values of the contour lines, increasing.
    lines : list of list of ndarray of shape (n_points, 2)
        For each level, its polylines in ``(w1, w2)``.
    """

    window: tuple[float, float, float, float]
    levels: np.ndarray
    lines: list[list[np.ndarray]]


def loss_surface(race: Race, objective: LogisticObjective, size: int = 97) -> Surface:
    """Contours of the loss around the race, intercept held at ``b*``.

    The window is the square around every path point and the optimum, with a
    margin of a sixth; the loss is evaluated on a ``size`` x ``size`` grid
    (one pass of the objective per grid row, through ``values_along``) and
    its contour lines are traced by contourpy (matplotlib's engine). The
    levels are spaced geometrically above the minimum, so the rings close
    around the optimum as they do around a valley floor.

    Parameters
    ----------
    race : Race
    objective : LogisticObjective
        The race's full objective.
    size : int, default=97
        Grid points per side.

    Returns
    -------
    Surface
    """
    from contourpy import contour_generator

    every = np.vstack([path.points for path in race.paths] + [race.optimum])
    low, high = every.min(axis=0), every.max(axis=0)
    centre = (low + high) / 2
    half = max(float(np.max(high - low)) / 2, 1e-3) * (1 + 1 / 3)
    w1 = np.linspace(centre[0] - half, centre[0] + half, size)
    w2 = np.linspace(centre[1] - half, centre[1] + half, size)
    held = InterceptHeld(objective, race.intercept)
    values = np.array(
        [held.values_along([w1[0], v], np.array([1.0, 0.0]), w1 - w1[0]) for v in w2]
    )
    top = float(np.max(values)) - race.minimum
    levels = race.minimum + top * np.geomspace(1e-3, 0.9, 14)
    generator = contour_generator(w1, w2, values)
    lines = [list(generator.lines(level)) for level in levels]
    window = (float(w1[0]), float(w1[-1]), float(w2[0]), float(w2[-1]))
    return Surface(window, levels, lines)
