"""logreg against its peers: time to optimum, per-pass throughput, scaling in n.

Run: ``.venv/bin/python benchmarks/run_all.py [--quick] [--only SECTION]``
(``make bench`` runs it with ``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE`` unset,
so OpenBLAS picks its native kernel). Everything runs in one process, peers
interleaved round-robin; tables are printed as Markdown and written, with the
raw timings as JSON, to ``benchmarks/results/latest.{md,json}``
(``quick.{md,json}`` for ``--quick``).

Time to optimum: each contestant is timed at the loosest tolerance of its
ladder whose fit reaches a relative objective gap ``(f - f*) / |f*| <= 1e-8``
(logreg's ``auto`` at its default tolerance only: that is the fit users get);
``f*`` is the lowest value of any fit, tight references (``tol=1e-12``)
included, all measured by one independent objective (``tests/reference.py``).
Ratios are peer time / logreg auto time: above 1, logreg is faster.
dask-ml is not benchmarked (not installed). The wide sparse section runs
``bench_wide_sparse.py``'s races (liblinear, saga, skglm, celer; a 1e-6 gap).
The AVX2 section runs the largest binary race again in a child process on
AVX2 kernels (OpenBLAS Haswell, Numba for Haswell), for machines without
AVX-512.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from _suite import data, peers, targets
from _suite.machine import facts_markdown, load_average, machine_facts
from _suite.report import (
    Report,
    comparison_markdown,
    comparison_record,
    race_markdown,
    scaling_markdown,
    target_markdown,
    throughput_markdown,
    timing_record,
)
from _suite.throughput import measure
from _suite.timing import Comparison, compare

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Plan:
    """Sizes and repeats of one run (full or ``--quick``)."""

    binary_rows: tuple[int, ...] = (100_000, 300_000, 1_000_000)
    multiclass_rows: int = 500_000
    float32_rows: int = 1_000_000
    throughput_rows: int = 1_000_000
    scaling_rows: tuple[int, ...] = (100_000, 300_000, 1_000_000, 3_000_000)
    repeats: int = 3
    #: Small data: one timing is at least this long (several back-to-back fits).
    min_seconds: float = 0.2
    #: Timed passes in the throughput section.
    passes: int = 10
    #: Wide sparse problems: text-like CSR (rows, columns), one-hot rows.
    text_shapes: tuple[tuple[int, int], ...] = ((20_000, 5_000), (200_000, 20_000))
    one_hot_rows: int = 100_000
    #: Stand-in sizes (``--quick``).
    quick: bool = False


FULL = Plan()
QUICK = Plan(
    binary_rows=(2_000, 5_000, 10_000),
    multiclass_rows=5_000,
    float32_rows=10_000,
    throughput_rows=50_000,
    scaling_rows=(5_000, 15_000, 50_000, 150_000),
    repeats=2,
    min_seconds=0.02,
    passes=5,
    text_shapes=((2_000, 1_000),),
    one_hot_rows=5_000,
    quick=True,
)


class Run:
    """One run: the plan, the report being written, and the raw results."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.report = Report()
        self.records: dict[str, list[dict]] = {}
        self.targets: list[targets.Row] = []
        #: Wall-clock seconds per section run.
        self.seconds: dict[str, float] = {}

    def compare(
        self,
        section: str,
        dataset: data.Dataset,
        contestants: tuple[peers.Contestant, ...],
        **options: float,
    ) -> Comparison:
        """Time ``contestants`` on ``dataset``; print and record the table."""
        options.setdefault("repeats", self.plan.repeats)
        comparison = compare(dataset, contestants, **options)
        self.report.add(comparison_markdown(comparison))
        self.records.setdefault(section, []).append(comparison_record(comparison))
        return comparison


def section_small(run: Run) -> None:
    """Tutorial blobs and breast cancer, C=1: no slower than scikit-learn."""
    run.report.add("## Small data, C=1: time to optimum")
    for name in ("blobs", "breast_cancer"):
        comparison = run.compare(
            "small",
            data.small(name),
            peers.PENALISED,
            min_seconds=run.plan.min_seconds,
        )
        run.targets += targets.small(comparison)


def section_unpenalised(run: Run) -> None:
    """Unpenalised fits against statsmodels ``Logit`` on small sets."""
    run.report.add(
        "## Unpenalised (C=inf) against statsmodels\n\n"
        "Breast cancer is left out: standardised, it is linearly separable, so "
        "the unpenalised optimum does not exist (statsmodels: singular matrix)."
    )
    for name in ("blobs", "imbalanced"):
        run.compare(
            "unpenalised",
            data.small(name).unpenalised(),
            peers.UNPENALISED,
            min_seconds=run.plan.min_seconds,
        )


def section_binary(run: Run) -> None:
    """make_classification binary sets x 100 features, C=1."""
    run.report.add("## Binary, 100 features, C=1: time to optimum")
    for n in run.plan.binary_rows:
        comparison = run.compare("binary", data.classification(n, 100), peers.PENALISED)
    run.targets += targets.binary(comparison)


def section_float32(run: Run) -> None:
    """The largest binary set in float32, against its own optimum."""
    run.report.add(
        "## float32 input: time to its own optimum\n\n"
        "The gap is measured against the optimum of the float32 values "
        "(fitted and evaluated in float64); the float64 copy holds the same "
        "values."
    )
    dataset = data.classification_float32(run.plan.float32_rows, 100)
    run.targets += targets.float32(run.compare("float32", dataset, peers.FLOAT32))


def section_throughput(run: Run) -> None:
    """One value-and-gradient pass against a threaded read of the same X."""
    n = run.plan.throughput_rows
    run.report.add(
        f"## Per-pass throughput, {n:,} x 100 binary\n\n"
        "Median of interleaved passes. Reads: one thread per core, each over "
        "a contiguous share of the rows, BLAS limited to one thread; "
        "'of stream' is relative to the fastest read. logreg: its own threads "
        "over blocks; scikit-learn: n_threads=1 as its lbfgs calls it. "
        "Every kernel runs with BLAS on one thread: a two-thread BLAS call "
        "left OpenBLAS's workers busy long enough to slow the kernels after "
        "it (scikit-learn's own pass takes the same time either way)."
    )
    for dataset in (
        data.classification(n, 100),
        data.classification_float32(n, 100),
    ):
        timings = measure(dataset, run.plan.passes)
        run.report.add(throughput_markdown(timings))
        run.records.setdefault("throughput", []).extend(map(timing_record, timings))
        run.targets += targets.throughput(timings)


def section_multiclass(run: Run) -> None:
    """make_classification with 5 classes x 50 features, C=1."""
    run.report.add("## 5 classes, 50 features, C=1: time to optimum")
    dataset = data.classification(run.plan.multiclass_rows, 50, 5)
    run.targets += targets.multiclass(
        run.compare("multiclass", dataset, peers.PENALISED)
    )


def section_scaling(run: Run) -> None:
    """logreg auto's time against n on prefixes of one logistic-model dataset."""
    rows = run.plan.scaling_rows
    full = data.logistic_model(max(rows), 100)
    comparisons = [run_scaling_size(run, data.head(full, n)) for n in sorted(rows)]
    run.report.add(
        f"## Scaling in n: logreg auto, 100 features, C=1\n\n"
        f"Data: {full.origin}, about 9x faster to make than make_classification "
        f"(over a minute at {max(rows):,} rows), made once and sliced to each n. "
        f"logreg auto at the loosest ladder tol that reaches 1e-8; gap against "
        f"logreg newton at tol=1e-12.\n\n"
        f"{scaling_markdown(comparisons)}"
    )


def run_scaling_size(run: Run, dataset: data.Dataset) -> Comparison:
    """logreg auto on one prefix, referenced by a tight logreg newton fit."""
    comparison = compare(
        dataset,
        (peers.LOGREG_AUTO_TUNED,),
        repeats=run.plan.repeats,
        references=(peers.REFERENCES[1],),
    )
    run.records.setdefault("scaling", []).append(comparison_record(comparison))
    return comparison


def section_wide_sparse(run: Run) -> None:
    """Text-like and one-hot CSR, L1 and L2: against liblinear, saga, skglm, celer.

    The races of ``benchmarks/bench_wide_sparse.py`` (each peer at its
    calibrated ``tol``, interleaved rounds, medians), in this run's report.
    """
    import bench_wide_sparse as wide

    run.report.add(
        "## Wide sparse data, C=1: time to a 1e-6 gap\n\n"
        "From `benchmarks/bench_wide_sparse.py`: each peer at the loosest "
        "`tol` of its ladder that reaches the gap, logreg at its default; "
        "medians of interleaved rounds; the last column is the time over the "
        "fastest peer's (below 1: logreg is faster)."
    )
    problems = [
        (
            f"{rows:,} x {columns:,} text-like CSR, no intercept",
            wide.text_like(rows, columns, 30, 0, 100),
            False,
        )
        for rows, columns in run.plan.text_shapes
    ]
    X, y = wide.one_hot(run.plan.one_hot_rows, 10, 500)
    problems.append(
        (f"{X.shape[0]:,} x {X.shape[1]:,} one-hot CSR, with intercept", (X, y), True)
    )
    for title, (X, y), fit_intercept in problems:
        for penalty in ("L1", "L2"):
            rows = wide.run(X, y, penalty == "L1", fit_intercept, run.plan.repeats)
            run.report.add(f"### {title}, {penalty}\n\n{race_markdown(rows)}")
            run.records.setdefault("wide_sparse", []).append(
                {"problem": title, "penalty": penalty, "rows": rows}
            )
            run.targets += targets.wide_sparse(f"{title}, {penalty}", rows)


def section_l1_path(run: Run) -> None:
    """A 20-C L1 path on the smaller text-like set: against skglm, saga, liblinear."""
    import bench_path
    import bench_wide_sparse as wide

    rows, columns = run.plan.text_shapes[0]
    X, y = wide.text_like(rows, columns, 30, 0, 100)
    Cs = bench_path.path_Cs(X, y)
    title = f"{rows:,} x {columns:,} text-like CSR, L1 path of {len(Cs)} C"
    results = bench_path.run(X, y, Cs, run.plan.repeats)
    lines = [
        f"## Sparse L1 path: {title}\n",
        "From `benchmarks/bench_path.py`: `C` from `l1_min_c` to 300 times it, "
        "log-spaced, fitted strong to weak; each peer at the loosest `tol` at "
        "which every point is within 1e-6 of the best fit at its `C`, logreg's "
        "`regularization_path` at its default; medians of interleaved rounds.\n",
        race_markdown(results, "largest gap on the path"),
    ]
    run.report.add("\n".join(lines))
    run.records["l1_path"] = [{"problem": title, "rows": results}]
    run.targets += targets.l1_path(title, results)


#: An AVX2-only machine's kernels on this one: OpenBLAS's Haswell kernels and
#: the fused kernels compiled by Numba for Haswell. scikit-learn-intelex keeps
#: oneDAL's own dispatch (no switch exists), so on an AVX-512 machine its
#: times stay AVX-512's and the ratio against it is, if anything, understated.
AVX2_ENVIRONMENT = {"OPENBLAS_CORETYPE": "Haswell", "NUMBA_CPU_NAME": "haswell"}


def section_avx2(run: Run) -> None:
    """The largest binary race again, in a child process on AVX2 kernels."""
    rows = run.plan.binary_rows[-1]
    with tempfile.TemporaryDirectory() as folder:
        stem = Path(folder) / "avx2"
        command = [
            sys.executable,
            __file__,
            "--only",
            "binary",
            "--binary-rows",
            str(rows),
            "--repeats",
            str(run.plan.repeats),
            "--out",
            str(stem),
        ] + (["--quick"] if run.plan.quick else [])
        subprocess.run(
            command, env={**os.environ, **AVX2_ENVIRONMENT}, check=True, timeout=1800
        )
        child = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
        report = stem.with_suffix(".md").read_text(encoding="utf-8")
    # Its header line, targets and total go: the targets join this run's.
    body = report.split("\n", 1)[1].split("\n## Targets")[0]
    body = body.replace("\n## ", "\n### ")
    setting = " ".join(f"{name}={value}" for name, value in AVX2_ENVIRONMENT.items())
    run.report.add(
        f"## AVX2 kernels: the {rows:,}-row binary race again\n\n"
        f"A child process with `{setting}` (its BLAS table shows the kernel it "
        "ran); scikit-learn-intelex keeps oneDAL's own dispatch, so its "
        "times are this machine's best.\n" + body
    )
    run.records["avx2"] = child["results"].get("binary", [])
    run.targets += [
        (f"AVX2 kernels, {target}", measured, goal, met)
        for target, measured, goal, met in child["targets"]
    ]


#: Sections in running order; the cached 1M-row sets are dropped after
#: ``throughput``, their last user.
SECTIONS: dict[str, Callable[[Run], None]] = {
    "small": section_small,
    "unpenalised": section_unpenalised,
    "binary": section_binary,
    "float32": section_float32,
    "throughput": section_throughput,
    "multiclass": section_multiclass,
    "scaling": section_scaling,
    "wide_sparse": section_wide_sparse,
    "l1_path": section_l1_path,
    "avx2": section_avx2,
}


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes (seconds)")
    parser.add_argument(
        "--only",
        action="append",
        choices=list(SECTIONS),
        metavar="NAME",
        help=f"run only this section (repeatable): {', '.join(SECTIONS)}",
    )
    parser.add_argument("--repeats", type=int, help="timed rounds (default 3)")
    parser.add_argument(
        "--binary-rows", type=int, help="only this size in the binary section"
    )
    parser.add_argument(
        "--out", type=Path, help="output stem (default results/latest or quick)"
    )
    return parser.parse_args()


def main() -> None:
    """Run the chosen sections and write the report and the raw results."""
    args = parse_args()
    plan = QUICK if args.quick else FULL
    if args.repeats:
        plan = replace(plan, repeats=args.repeats)
    if args.binary_rows:
        plan = replace(plan, binary_rows=(args.binary_rows,))
    run = Run(plan)
    facts = machine_facts()
    mode = "quick run: stand-in sizes, not the targets'" if args.quick else "full run"
    run.report.add(
        f"# logreg benchmarks, {mode} ({time.strftime('%Y-%m-%d %H:%M')})\n\n"
        f"{facts_markdown(facts)}"
    )
    for name, section in SECTIONS.items():
        if args.only is None or name in args.only:
            started = time.perf_counter()
            section(run)
            run.seconds[name] = round(time.perf_counter() - started, 1)
        if name == "throughput":
            data.clear_cache()
    if run.targets:
        run.report.add("## Targets\n\n" + target_markdown(run.targets))
    sections = ", ".join(f"{name} {s:.0f} s" for name, s in run.seconds.items())
    run.report.add(
        f"Total {sum(run.seconds.values()):.0f} s ({sections}); load average at end: "
        f"{load_average()}."
    )
    write(run, facts, args.out or RESULTS / ("quick" if args.quick else "latest"))


def write(run: Run, facts: dict, stem: Path) -> None:
    """``stem.md`` (the report) and ``stem.json`` (machine facts, raw timings)."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".md").write_text(run.report.markdown(), encoding="utf-8")
    raw = {
        "machine": facts,
        "plan": asdict(run.plan),
        "section_seconds": run.seconds,
        "targets": run.targets,
        "results": run.records,
    }
    text = json.dumps(raw, indent=1, default=_json)
    stem.with_suffix(".json").write_text(text, encoding="utf-8")
    print(f"wrote {stem.with_suffix('.md')} and {stem.with_suffix('.json')}")


def _json(value):
    """JSON for NumPy scalars and arrays."""
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


if __name__ == "__main__":
    main()
