"""Time to optimum: reference optimum, tolerance calibration, interleaved timing.

For one dataset, :func:`compare`

1. fits the reference contestants at ``tol=1e-12`` on the float64 values and
   takes the lowest objective as the optimum ``f*``;
2. *calibrates* every contestant: walks its tolerance ladder, loosest first,
   until a fit reaches a relative gap ``(f - f*) / |f*| <= 1e-8`` (the last
   rung is kept, and flagged, if none does); this fit also warms caches and
   thread pools and sets how many back-to-back fits make one timing (small
   data are timed over at least ``min_seconds``);
3. *races* them: ``repeats`` rounds, every contestant once per round, the
   starting contestant rotating, so machine noise hits all alike;
4. re-evaluates ``f*`` as the lowest value seen by any fit, and the gaps.

Every objective value is :func:`reference.sklearn_objective`, an independent
SciPy implementation of scikit-learn's ``C sum loss + ||W||^2 / 2`` (divided by
``C S``, which leaves relative gaps unchanged).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from _suite.data import Dataset
from _suite.peers import REFERENCE_TOL, REFERENCES, Contestant, Outcome
from reference import sklearn_objective

#: The gap every "time to optimum" must reach.
TARGET_GAP = 1e-8


@dataclass
class Attempt:
    """One calibration fit: a tolerance, its seconds and its objective value."""

    tol: float | None
    seconds: float
    value: float


@dataclass
class Entry:
    """One contestant on one dataset: calibration, timings and the final answer."""

    contestant: Contestant
    tol: float | None
    number: int
    attempts: list[Attempt]
    seconds: list[float] = field(default_factory=list)
    n_iter: int = 0
    value: float = math.nan
    gap: float = math.nan

    @property
    def median(self) -> float:
        """Median seconds per fit over the repeats."""
        return float(np.median(self.seconds))

    @property
    def reached(self) -> bool:
        """Whether the timed fit reached :data:`TARGET_GAP`."""
        return self.gap <= TARGET_GAP


@dataclass
class Comparison:
    """All contestants on one dataset, in the order they were given."""

    data: Dataset
    references: dict[str, float]
    optimum: float
    entries: list[Entry]

    def entry(self, name: str) -> Entry | None:
        """The entry of the contestant called ``name``, if it ran."""
        return next((e for e in self.entries if e.contestant.name == name), None)

    @property
    def baseline(self) -> Entry:
        """The first entry: logreg's default fit, the denominator of the ratios."""
        return self.entries[0]


def objective(data: Dataset, outcome: Outcome) -> float:
    """The independent objective at a fit, on the float64 values of ``X``."""
    return sklearn_objective(data.X64, data.y, outcome.coef, outcome.intercept, data.C)


def relative_gap(value: float, optimum: float) -> float:
    """``(f - f*) / |f*|``."""
    return (value - optimum) / abs(optimum)


def timed_fit(
    contestant: Contestant, data: Dataset, tol: float | None, number: int = 1
) -> tuple[float, Outcome]:
    """Seconds per fit over ``number`` back-to-back fits, and the last outcome.

    Warnings (convergence, rounding) are silenced: the gap tells the story.
    """
    X = data.X64 if contestant.float64_copy else data.X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        for _ in range(number):
            outcome = contestant.fit(X, data.y, data.C, tol)
        seconds = (time.perf_counter() - start) / number
    return seconds, outcome


def reference_values(
    data: Dataset, references: tuple[Contestant, ...]
) -> dict[str, float]:
    """Objective value of each tight reference fit on the float64 values."""
    data64 = replace(data, X=data.X64)
    return {
        ref.name: objective(data, timed_fit(ref, data64, REFERENCE_TOL)[1])
        for ref in references
    }


def _stalled(gaps: list[float]) -> bool:
    """Whether the last, tighter tolerance failed to halve the gap."""
    return len(gaps) > 1 and gaps[-1] > gaps[-2] / 2


def calibrate(
    contestant: Contestant, data: Dataset, optimum: float, min_seconds: float
) -> Entry:
    """Walk the tolerance ladder until a fit reaches :data:`TARGET_GAP`.

    A contestant that cannot get there (float32 arithmetic, say) stops as
    soon as a tighter tolerance no longer halves the gap, and keeps the
    looser one: iterations that buy nothing are not its time to optimum.
    """
    attempts: list[Attempt] = []
    gaps: list[float] = []
    for tol in contestant.ladder:
        seconds, outcome = timed_fit(contestant, data, tol)
        attempts.append(Attempt(tol, seconds, objective(data, outcome)))
        gaps.append(relative_gap(attempts[-1].value, optimum))
        if gaps[-1] <= TARGET_GAP or _stalled(gaps):
            break
    chosen = attempts[-2] if gaps[-1] > TARGET_GAP and _stalled(gaps) else attempts[-1]
    number = max(1, math.ceil(min_seconds / max(chosen.seconds, 1e-6)))
    return Entry(contestant, chosen.tol, min(number, 1000), attempts)


def race(entries: list[Entry], data: Dataset, repeats: int) -> None:
    """Time every entry ``repeats`` times, round-robin with a rotating start."""
    outcomes: dict[int, Outcome] = {}
    for round_ in range(repeats):
        shift = round_ % len(entries)
        for index in [*range(shift, len(entries)), *range(shift)]:
            entry = entries[index]
            seconds, outcomes[index] = timed_fit(
                entry.contestant, data, entry.tol, entry.number
            )
            entry.seconds.append(seconds)
    for index, entry in enumerate(entries):
        entry.n_iter = outcomes[index].n_iter
        entry.value = objective(data, outcomes[index])


def compare(
    data: Dataset,
    contestants: tuple[Contestant, ...],
    *,
    repeats: int,
    min_seconds: float = 0.0,
    references: tuple[Contestant, ...] = REFERENCES,
) -> Comparison:
    """Time to optimum of every applicable contestant on ``data``.

    Parameters
    ----------
    data : Dataset
    contestants : tuple of Contestant
        The first is the baseline of the ratios (logreg's default fit).
    repeats : int
        Rounds of the race; the tables report medians.
    min_seconds : float
        A timing lasts at least this long (several fits of small data).
    references : tuple of Contestant
        Fitted at ``tol=1e-12``; the lowest value is the first ``f*``.

    Returns
    -------
    Comparison
    """
    values = reference_values(data, references)
    optimum = min(values.values())
    entries = [
        calibrate(c, data, optimum, min_seconds)
        for c in contestants
        if c.applies(data.n_classes)
    ]
    race(entries, data, repeats)
    optimum = min(optimum, *(e.value for e in entries))
    for entry in entries:
        entry.gap = relative_gap(entry.value, optimum)
    return Comparison(data, values, optimum, entries)
