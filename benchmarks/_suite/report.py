"""Markdown tables and JSON records of the results, and the collected report."""

from __future__ import annotations

import math
from collections.abc import Sequence

from _suite.throughput import LOGREG, PassTiming, stream_bandwidth
from _suite.timing import TARGET_GAP, Comparison, Entry, relative_gap

MISSED = "✗"
#: The sign of ratios in the tables.
TIMES = "\N{MULTIPLICATION SIGN}"


class Report:
    """Markdown parts printed as they come and kept for ``latest.md``."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, text: str) -> None:
        """Print ``text`` (and a blank line) now, and keep it."""
        print(text + "\n", flush=True)
        self.parts.append(text)

    def markdown(self) -> str:
        """Everything added so far, as one Markdown document."""
        return "\n\n".join(self.parts) + "\n"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
    """A Markdown table; ``align`` has one letter per column, ``l`` or ``r``."""
    rule = ["---" if a == "l" else "---:" for a in align]
    lines = [headers, rule, *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def fmt_seconds(seconds: float) -> str:
    """``0.0123 -> "12.3 ms"``, ``4.567 -> "4.57 s"``."""
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def fmt_tol(tol: float | None) -> str:
    """``None -> "default"``, ``1e-08 -> "1e-08"``."""
    return "default" if tol is None else f"{tol:.0e}"


def fmt_gap(gap: float) -> str:
    """The relative gap, with :data:`MISSED` when above the target."""
    text = "0" if gap == 0 else f"{gap:.1e}"
    return text if gap <= TARGET_GAP else f"{text} {MISSED}"


def fmt_ratio(ratio: float) -> str:
    """``6.8123 -> "6.81x"`` (with a multiplication sign)."""
    return f"{ratio:.3g}{TIMES}"


def comparison_markdown(comparison: Comparison) -> str:
    """One dataset's time-to-optimum table, with its data and reference notes."""
    data, base = comparison.data, comparison.baseline
    rows = [
        [
            e.contestant.name,
            fmt_tol(e.tol),
            fmt_seconds(e.median),
            str(e.n_iter),
            fmt_gap(e.gap),
            fmt_ratio(e.median / base.median),
        ]
        for e in comparison.entries
    ]
    headers = ["contestant", "tol", "time", "iter", "gap", "time / logreg auto"]
    references = ", ".join(
        f"{name} {fmt_gap(relative_gap(value, comparison.optimum))}"
        for name, value in comparison.references.items()
    )
    C = "inf" if math.isinf(data.C) else f"{data.C:g}"
    return (
        f"#### {data.name} ({data.shape}, C={C})\n\n"
        f"{table(headers, rows, 'llrrrr')}\n\n"
        f"Data: {data.origin}. f* = {comparison.optimum:.15g} (mean log-loss + "
        f"‖W‖²/(2CS)); gaps of the tol=1e-12 reference fits: {references}."
    )


def throughput_markdown(timings: list[PassTiming]) -> str:
    """Per-pass table of one dtype: ms, GB/s and the share of the stream read."""
    stream = stream_bandwidth(timings)
    rows = [
        [
            t.dtype,
            t.kernel,
            f"{t.median * 1e3:.1f}",
            f"{t.gb_per_s:.1f}",
            f"{t.gb_per_s / stream:.0%}",
        ]
        for t in timings
    ]
    headers = ["dtype", "kernel", "ms / pass", "GB/s", "of stream"]
    return table(headers, rows, "llrrr")


def scaling_markdown(comparisons: list[Comparison]) -> str:
    """logreg auto's time against n, per row normalised to the first size."""
    first = comparisons[0].baseline.median / comparisons[0].data.X.shape[0]
    rows = []
    for comparison in comparisons:
        entry, n = comparison.baseline, comparison.data.X.shape[0]
        rows.append(
            [
                f"{n:,}",
                fmt_tol(entry.tol),
                fmt_seconds(entry.median),
                str(entry.n_iter),
                fmt_gap(entry.gap),
                f"{entry.median / n * 1e6:.3g}",
                f"{entry.median / n / first:.2f}",
            ]
        )
    headers = ["n", "tol", "time", "iter", "gap", "µs / row", "time/n vs first"]
    return table(headers, rows, "rlrrrrr")


def race_markdown(rows: Sequence[tuple], gap: str = "gap") -> str:
    """A race's rows as a table (``bench_wide_sparse.run``, ``bench_path.run``).

    ``rows`` are ``(name, tol, median seconds, gap, time / fastest peer)``;
    ``gap`` heads the gap's column.
    """
    cells = [
        [name, tol, f"{seconds:.3f} s", f"{value:.1e}", f"{ratio:.2f}"]
        for name, tol, seconds, value, ratio in rows
    ]
    return table(["contestant", "tol", "median", gap, "/ fastest peer"], cells, "lrrrr")


def target_markdown(rows: list[tuple[str, str, str, bool]]) -> str:
    """The issue's targets: what was measured, the goal, met or not."""
    cells = [[t, m, g, "✓" if ok else MISSED] for t, m, g, ok in rows]
    return table(["target", "measured", "goal", "met"], cells, "lrrl")


def entry_record(entry: Entry, comparison: Comparison) -> dict:
    """One entry as JSON-ready data (all gaps against the final f*)."""
    optimum = comparison.optimum
    return {
        "contestant": entry.contestant.name,
        "tol": entry.tol,
        "fits_per_timing": entry.number,
        "seconds": entry.seconds,
        "median_seconds": entry.median,
        "n_iter": entry.n_iter,
        "objective": entry.value,
        "gap": entry.gap,
        "ratio_to_baseline": entry.median / comparison.baseline.median,
        "calibration": [
            {"tol": a.tol, "seconds": a.seconds, "gap": relative_gap(a.value, optimum)}
            for a in entry.attempts
        ],
    }


def comparison_record(comparison: Comparison) -> dict:
    """One comparison as JSON-ready data."""
    data = comparison.data
    return {
        "dataset": data.name,
        "shape": data.shape,
        "origin": data.origin,
        "C": "inf" if math.isinf(data.C) else data.C,
        "optimum": comparison.optimum,
        "references": comparison.references,
        "entries": [entry_record(e, comparison) for e in comparison.entries],
    }


def timing_record(timing: PassTiming) -> dict:
    """One per-pass timing as JSON-ready data."""
    return {
        "kernel": timing.kernel,
        "dtype": timing.dtype,
        "bytes": timing.nbytes,
        "seconds": timing.seconds,
        "median_seconds": timing.median,
        "gb_per_s": timing.gb_per_s,
    }


def logreg_share(timings: list[PassTiming]) -> float:
    """logreg's pass bandwidth as a fraction of the stream read's."""
    logreg = next(t for t in timings if t.kernel == LOGREG)
    return logreg.gb_per_s / stream_bandwidth(timings)
