"""The benchmark suite still runs: ``make bench`` is not exercised by CI.

Its quick mode (stand-in sizes, one timed round) runs the binary section
against the peers the test extra installs; the report must hold logreg's
default fit at the target gap.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.mark.slow
def test_quick_benchmark_runs_and_logreg_reaches_the_gap(tmp_path):
    out = tmp_path / "quick"
    run = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "run_all.py"),
            "--quick",
            "--only",
            "binary",
            "--repeats",
            "1",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = out.with_suffix(".md").read_text()
    assert "| logreg auto | default |" in report
    assert "logreg auto gap" in report
    gap_rows = [line for line in report.splitlines() if "logreg auto gap" in line]
    assert all("✓" in row for row in gap_rows), gap_rows
