"""The interactive page of ``logreg demo --html``: one self-contained file.

:func:`build_playground` computes everything the page shows, with the
library's objective and solvers: gradient descent at several learning rates
from the demo's start (each with its verdict), the minimum loss (Newton), and
for two classes the race of gradient descent, momentum and Newton on the
loss over the two weights. :func:`playground_html` writes it into one HTML
file: the numbers as JSON in a ``<script type="application/json">`` element,
the project's own script (``playground.js``) and style (``playground.css``)
inlined, no network, no build step.

The script draws with SVG and one canvas. To shade the plane and to show one
point's numbers at any epoch it evaluates ``z = w . x + b``, the sigmoid (or
softmax) and the log-loss itself, with the stable forms of
:mod:`logreg._math`; ``tests/test_playground.py`` checks in Chromium that its
numbers equal the library's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import escape
from importlib import resources
from typing import Any

import numpy as np

from logreg.learn.race import Race, Surface, loss_surface, newton_optimum, run_race
from logreg.learn.replay import (
    LEARNING_RATES,
    Descent,
    learning_rate_runs,
    mean_log_loss,
    verdict,
)

__all__ = ["Playground", "build_playground", "playground_data", "playground_html"]

#: Points kept of a racer's path on the page (all of the first steps, then
#: evenly spaced ones, and always the last).
_PATH_POINTS = 1500
_EARLY_POINTS = 300


@dataclass(frozen=True)
class Playground:
    """Everything the page shows.

    Attributes
    ----------
    X : ndarray of shape (n_samples, 2)
        Training rows.
    y : ndarray of shape (n_samples,)
        Their labels, ``0..K-1``.
    n_classes : int
    runs : list of Descent
        Gradient descent at each learning rate, from one start.
    main : int
        Index in ``runs`` of the demo's own run.
    verdicts : list of str
        :func:`~logreg.learn.replay.verdict` of each run.
    minimum : float or None
        The smallest training loss; None when there is no finite optimum.
    race : Race or None
        For two classes with a finite optimum.
    surface : Surface or None
        The contours under the race.
    note : str
        Why there is no race, when there is none.
    facts : str
        One line about the data, for the page's header.
    """

    X: np.ndarray
    y: np.ndarray
    n_classes: int
    runs: list[Descent]
    main: int
    verdicts: list[str]
    minimum: float | None
    race: Race | None
    surface: Surface | None
    note: str
    facts: str


def build_playground(
    X: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    run: Descent,
    epochs: int,
    *,
    learning_rates: tuple[float, ...] = LEARNING_RATES,
    facts: str = "",
) -> Playground:
    """Compute the page's runs, verdicts and race around the demo's ``run``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
        Training rows.
    y : ndarray of shape (n_samples,)
        Labels ``0..n_classes-1``.
    n_classes : int
    run : Descent
        The demo's gradient descent; the other runs start where it started.
    epochs : int
        Epochs of every run.
    learning_rates : tuple of float, default=LEARNING_RATES
        The other learning rates shown.
    facts : str, default=""
        One line about the data for the header.

    Returns
    -------
    Playground
    """
    objective = mean_log_loss(X, y, n_classes)
    start = run.snapshots[0]
    w0 = objective.pack(start.coef, start.intercept)
    others = [lr for lr in learning_rates if lr != run.learning_rate]
    runs = sorted(
        [run, *learning_rate_runs(objective, w0, epochs, others)],
        key=lambda r: r.learning_rate,
    )
    optimum = newton_optimum(objective, w0, X, y)
    minimum = None if optimum is None else objective.value(optimum)
    verdicts = [verdict(r.losses, minimum, r.error is not None) for r in runs]
    race = surface = None
    if n_classes > 2:
        note = "The race is drawn for two classes: run logreg demo --classes 2 --html."
    elif optimum is None:
        note = (
            "These classes are separated: the loss has no minimum (it keeps "
            "falling as the weights grow), so there is no optimum to race to. "
            "Try a larger --std."
        )
    else:
        note = ""
        race = run_race(objective, w0, optimum, run.learning_rate)
        surface = loss_surface(race, objective)
    return Playground(
        X=np.asarray(X, dtype=np.float64),
        y=np.asarray(y),
        n_classes=n_classes,
        runs=runs,
        main=next(i for i, r in enumerate(runs) if r is run),
        verdicts=verdicts,
        minimum=minimum,
        race=race,
        surface=surface,
        note=note,
        facts=facts,
    )


def _thinned(n_points: int) -> np.ndarray:
    """Indices of the path points drawn: the early ones, then evenly, the last."""
    if n_points <= _PATH_POINTS:
        return np.arange(n_points)
    later = np.linspace(_EARLY_POINTS, n_points - 1, _PATH_POINTS - _EARLY_POINTS)
    return np.unique(np.r_[np.arange(_EARLY_POINTS), later.round().astype(int)])


def _race_data(race: Race, surface: Surface) -> dict[str, Any]:
    paths = []
    for path in race.paths:
        kept = _thinned(len(path.points))
        paths.append(
            {
                "name": path.name,
                "label": path.label,
                "steps": path.steps,
                "reached": path.reached,
                "at": kept.tolist(),
                "points": path.points[kept].tolist(),
                "losses": path.losses[kept].tolist(),
            }
        )
    contours = [
        {"level": float(level), "lines": [line.round(6).tolist() for line in lines]}
        for level, lines in zip(surface.levels, surface.lines, strict=True)
    ]
    return {
        "start": race.start.tolist(),
        "optimum": race.optimum.tolist(),
        "intercept": race.intercept,
        "minimum": race.minimum,
        "lr": race.learning_rate,
        "tol": race.tol,
        "paths": paths,
        "full_steps": race.full_steps,
        "window": list(surface.window),
        "contours": contours,
    }


def _colors(n_classes: int) -> list[str]:
    from matplotlib.colors import to_hex

    from logreg.plot import class_colors

    return [to_hex(color) for color in class_colors(n_classes)]


def playground_data(playground: Playground) -> dict[str, Any]:
    """The page's numbers, as the JSON its script reads.

    Parameters
    ----------
    playground : Playground

    Returns
    -------
    dict
        JSON-ready: ``classes``, ``points`` (n_samples x 2), ``labels``,
        ``view`` (the plot window), ``colors``, ``runs`` (per learning rate:
        ``lr``, ``verdict``, ``coef`` of shape (epochs + 1, R, 2),
        ``intercept`` (epochs + 1, R), ``loss``, ``stopped``), ``main``,
        ``minimum``, ``race`` (or None) and ``note``.
    """
    from logreg.plot import data_limits

    runs = [
        {
            "lr": run.learning_rate,
            "verdict": label,
            "coef": [s.coef.tolist() for s in run.snapshots],
            "intercept": [s.intercept.tolist() for s in run.snapshots],
            "loss": run.losses.tolist(),
            "stopped": None if run.error is None else str(run.error),
        }
        for run, label in zip(playground.runs, playground.verdicts, strict=True)
    ]
    race = playground.race
    return {
        "classes": playground.n_classes,
        "points": playground.X.tolist(),
        "labels": playground.y.astype(int).tolist(),
        "view": list(data_limits(playground.X)),
        "colors": _colors(playground.n_classes),
        "runs": runs,
        "main": playground.main,
        "minimum": playground.minimum,
        "race": None if race is None else _race_data(race, playground.surface),
        "note": playground.note,
    }


def _asset(name: str) -> str:
    return resources.files("logreg.learn").joinpath(name).read_text(encoding="utf-8")


def playground_html(playground: Playground, title: str = "logreg playground") -> str:
    """The whole page: markup, the data as JSON, the script and the style.

    Parameters
    ----------
    playground : Playground
    title : str, default="logreg playground"

    Returns
    -------
    str
        A complete HTML document that loads nothing from anywhere.
    """
    data = json.dumps(playground_data(playground), allow_nan=False)
    # "</" inside a script element would end it early; JSON allows "<\/".
    data = data.replace("</", "<\\/")
    parts = {
        "title": escape(title),
        "facts": escape(playground.facts),
        "style": _asset("playground.css"),
        "data": data,
        "script": _asset("playground.js"),
    }
    # One pass: what one part holds is never read as a placeholder.
    return re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m[1]], _asset("playground.html"))
