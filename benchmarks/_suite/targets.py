"""The performance issue's targets, checked against this run's results.

Each check returns rows ``(target, measured, goal, met)``. A speed target is
met only when logreg's default fit itself reached the target gap; a peer's
time counts as its time to optimum only when it reached the gap too (else
the row says so).
"""

from __future__ import annotations

from _suite.peers import INTELEX, SKLEARN_LBFGS, SKLEARN_NEWTON
from _suite.report import TIMES, fmt_gap, fmt_ratio, logreg_share
from _suite.throughput import PassTiming
from _suite.timing import Comparison, Entry

Row = tuple[str, str, str, bool]
SKLEARN = (SKLEARN_LBFGS.name, SKLEARN_NEWTON.name)


def _gap_row(comparison: Comparison) -> Row:
    base = comparison.baseline
    target = f"{comparison.data.name}: {base.contestant.name} gap"
    return target, fmt_gap(base.gap), "≤ 1e-08", base.reached


def _speed_row(comparison: Comparison, peer: Entry, goal: float) -> Row:
    base = comparison.baseline
    ratio = peer.median / base.median
    measured = f"{fmt_ratio(ratio)} (its gap {fmt_gap(peer.gap)})"
    target = f"{comparison.data.name}: {peer.contestant.name} / logreg auto"
    return target, measured, f"≥ {goal:g}{TIMES}", ratio >= goal and base.reached


def fastest_sklearn(comparison: Comparison) -> Entry | None:
    """scikit-learn's fastest fit that reached the gap (any, if none did)."""
    entries = [e for e in comparison.entries if e.contestant.name in SKLEARN]
    reached = [e for e in entries if e.reached] or entries
    return min(reached, key=lambda e: e.median, default=None)


def binary(comparison: Comparison) -> list[Row]:
    """Largest binary set: ≥ 8x newton-cholesky, ≥ 15x lbfgs, ≥ 3x intelex."""
    rows = [_gap_row(comparison)]
    goals = (
        (SKLEARN_NEWTON.name, 8.0),
        (SKLEARN_LBFGS.name, 15.0),
        (INTELEX.name, 3.0),
    )
    for name, goal in goals:
        if (peer := comparison.entry(name)) is not None:
            rows.append(_speed_row(comparison, peer, goal))
    return rows


def multiclass(comparison: Comparison) -> list[Row]:
    """Multinomial set: ≥ 3x scikit-learn's fastest."""
    peer = fastest_sklearn(comparison)
    rows = [_gap_row(comparison)]
    return rows + ([_speed_row(comparison, peer, 3.0)] if peer else [])


def float32(comparison: Comparison) -> list[Row]:
    """float32 reaches its own optimum, ≥ 1.5x faster than the float64 fit."""
    rows = [_gap_row(comparison)]
    copy = next((e for e in comparison.entries if e.contestant.float64_copy), None)
    if copy is not None:
        rows.append(_speed_row(comparison, copy, 1.5))
    return rows


def throughput(timings: list[PassTiming]) -> list[Row]:
    """logreg's value-and-gradient pass at ≥ 50 % of the stream bandwidth."""
    share = logreg_share(timings)
    target = f"value_and_grad pass, {timings[0].dtype}: share of stream bandwidth"
    return [(target, f"{share:.0%}", "≥ 50%", share >= 0.5)]


def small(comparison: Comparison) -> list[Row]:
    """Small data: no slower than scikit-learn's fastest."""
    peer = fastest_sklearn(comparison)
    return [_speed_row(comparison, peer, 1.0)] if peer else []


def wide_sparse(problem: str, rows: list[tuple]) -> list[Row]:
    """A wide sparse race: the default fit at a 1e-6 gap, 1.5x the fastest peer.

    ``rows`` are ``bench_wide_sparse.run``'s: ``(name, tol, median, gap,
    time / fastest peer)``, logreg's default fit first.
    """
    name, _, _, gap, ratio = rows[0]
    reached = gap <= 1e-6
    return [
        (f"{problem}: {name} gap", f"{gap:.1e}", "≤ 1e-06", reached),
        (
            f"{problem}: fastest peer / {name}",
            fmt_ratio(1 / ratio),
            f"≥ 1.5{TIMES}",
            reached and 1 / ratio >= 1.5,
        ),
    ]


def l1_path(problem: str, rows: list[tuple]) -> list[Row]:
    """The sparse L1 path: within 1e-6 everywhere, faster than skglm's.

    ``rows`` are ``bench_path.run``'s: ``(name, tol, median, largest gap,
    time / fastest peer)``, logreg's path first.
    """
    name, _, seconds, gap, _ = rows[0]
    reached = gap <= 1e-6
    result = [(f"{problem}: {name} largest gap", f"{gap:.1e}", "≤ 1e-06", reached)]
    for peer, _, peer_seconds, peer_gap, _ in rows[1:]:
        if peer.startswith("skglm"):
            ratio = peer_seconds / seconds
            result.append(
                (
                    f"{problem}: {peer} / {name}",
                    f"{fmt_ratio(ratio)} (its gap {peer_gap:.1e})",
                    f"≥ 1{TIMES}",
                    reached and ratio >= 1,
                )
            )
    return result
