"""logreg's ``fit_table`` on a Spark DataFrame against Spark MLlib, same objective.

Run: ``.venv/bin/python benchmarks/bench_spark.py [--rows N] [--features D]``
(needs pyspark and Java 17; ``scripts/ensure-java`` installs Java). One
``local[2]`` session; 1M x 50 binary by default, ``C = 1``.

Both minimise the same function. logreg's objective is
``f(w) = C sum_i loss_i + 1/2 ||coef||^2``; MLlib's is
``(1/n) sum_i loss_i + regParam/2 ||coef||^2`` (``standardization=False``,
``elasticNetParam=0``, intercept not penalised), which is ``f / (C n)`` with
``regParam = 1 / (C n)``. The relative gap ``(f(w) - f*) / f*`` of each
solution is computed with NumPy on the driver, against a reference optimum
``f*`` from an in-memory Newton fit polished to rounding.

Passes over the data are counted as Spark jobs (a job group per contestant,
read from the status tracker): each job scans the cached rows once. For
logreg that is its scan (which learns the encoder and samples rows) and
one job per solver pass (the first also encodes; also reported by the
source's own counter); for MLlib it is its summariser pass plus one
``treeAggregate`` per L-BFGS loss-and-gradient evaluation (one per
iteration, more when the line search backtracks), so
``jobs >= totalIterations``.

MLlib runs twice: first with ``tol=1e-12`` and ``maxIter=1000`` to find the
first iteration whose objective (``summary.objectiveHistory``) is within
1e-8 of ``f*``, then timed with ``maxIter`` set to that iteration: its time
to the same gap that logreg's default fit reaches. Its timed run thus
finds the JVM warm (its code compiled by the JIT); logreg's fit runs
``--repeats`` times, and its first (cold) and best times are reported: the
first fit's scan pays for compiling the JVM's Arrow conversion.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings

import numpy as np

import logreg

TARGET_GAP = 1e-8


def make_data(
    n: int, d: int, scales: str = "mixed", seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Correlated Gaussian features and labels drawn from a logistic model.

    ``scales="unit"``: every column has unit variance (a standardised
    table). ``scales="mixed"``: column ``j`` is multiplied by
    ``10**u_j``, ``u_j`` uniform in [-1, 2], as the raw columns of a real
    table are (rates, counts, amounts); MLlib standardises internally, so
    this does not slow it. ``scales="collinear"``: mixed scales, and the
    columns are 5 common factors plus 5% noise (many related measurements
    of a few things, as in wide business tables), which makes the Hessian
    ill-conditioned: first-order methods need many more iterations, Newton
    does not.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if scales == "collinear":
        factors = rng.standard_normal((n, 5))
        X = factors @ rng.standard_normal((5, d)) + 0.05 * X
        X /= X.std(axis=0)
    X[:, 1::2] += 0.5 * X[:, ::2][:, : d // 2]  # some correlation
    coef = rng.standard_normal(d) / np.sqrt(d)
    p = 1 / (1 + np.exp(-(X @ coef + 0.3)))
    y = (rng.random(n) < p).astype(np.int64)
    if scales != "unit":
        X *= 10.0 ** rng.uniform(-1.0, 2.0, size=d)
    return X, y


def objective(X: np.ndarray, y: np.ndarray, coef, intercept, C: float) -> float:
    """``C sum_i log(1 + exp(z_i)) - y_i z_i + 1/2 ||coef||^2``, stably."""
    coef = np.asarray(coef, dtype=np.float64).ravel()
    z = X @ coef + float(intercept)
    return float(C * np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * coef @ coef)


def session(threads: int) -> object:
    """A quiet local Spark session, its Python workers on this interpreter."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master(f"local[{threads}]")
        .appName("logreg-bench-spark")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(threads))
        .config("spark.driver.memory", "6g")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def jobs_in(spark, group: str) -> int:
    """Spark jobs run in a job group."""
    return len(spark.sparkContext.statusTracker().getJobIdsForGroup(group))


def record_sources() -> list:
    """The Spark sources that fits create from now on, with when each was built.

    Each entry is ``(source, started, finished)`` (``time.perf_counter``):
    before ``started`` the fit scanned the table, between the two it built
    the source (a job only with ``drop_missing``: otherwise the first pass
    encodes), after ``finished`` it fitted the row sample and solved.
    """
    from logreg.data.spark_source import SparkSource

    created = []
    original = SparkSource.__init__

    def init(self, *args, **kwargs):
        started = time.perf_counter()
        original(self, *args, **kwargs)
        created.append((self, started, time.perf_counter()))

    SparkSource.__init__ = init
    return created


def scan_floor(table) -> float:
    """Seconds of a ``mapInArrow`` job that reads every batch and does nothing.

    Spark's own cost of handing the rows to Python (JVM rows to Arrow, the
    socket, Arrow in Python): no scan of logreg's can be faster.
    """

    def drain(batches):
        import pyarrow as pa

        rows = sum(batch.num_rows for batch in batches)
        yield pa.RecordBatch.from_pydict({"n": pa.array([rows], pa.int64())})

    start = time.perf_counter()
    table.mapInArrow(drain, "n long").collect()
    return time.perf_counter() - start


def print_blas() -> None:
    """The BLAS (and OpenMP) libraries NumPy uses here, with their kernels."""
    from threadpoolctl import threadpool_info

    for pool in threadpool_info():
        print(
            f"- {pool.get('user_api')}: {pool.get('internal_api')} "
            f"{pool.get('version')}, kernel {pool.get('architecture')}, "
            f"{pool.get('num_threads')} threads"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="local[threads]")
    parser.add_argument(
        "--repeats", type=int, default=3, help="logreg fits timed (first and best)"
    )
    parser.add_argument(
        "--scales",
        choices=["mixed", "unit", "collinear"],
        default="mixed",
        help="raw columns on mixed scales (default), standardised ones, or "
        "collinear ones on mixed scales",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    n, d, C = args.rows, args.features, 1.0
    print_blas()

    X, y = make_data(n, d, args.scales)
    start = time.perf_counter()
    reference = logreg.LogisticRegression(C=C, solver="newton", tol=1e-12).fit(X, y)
    f_star = objective(X, y, reference.coef_, reference.intercept_[0], C)
    print(
        f"- reference optimum f* = {f_star:.10g} ({time.perf_counter() - start:.1f} s)"
    )

    spark = session(args.threads)
    import pandas as pd
    from pyspark.ml.classification import LogisticRegression as MLlibLR
    from pyspark.ml.feature import VectorAssembler

    sc = spark.sparkContext
    names = [f"x{j}" for j in range(d)]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "data.parquet")
        frame = pd.DataFrame(X, columns=names).assign(y=y)
        frame.to_parquet(path, row_group_size=max(1, n // args.partitions))
        del frame
        table = spark.read.parquet(path).repartition(args.partitions).cache()
        print(
            f"- {table.count():,} rows x {d} features ({args.scales} scales), "
            f"{args.partitions} partitions"
        )
        print(f"- pyspark {sc.version}, master {sc.master}, C = {C}\n")

        # Warm up both (Python workers, imports, JIT): not part of either time.
        small = table.limit(2000).cache()
        logreg.LogisticRegression(C=C).fit_table(small, "y")
        MLlibLR(featuresCol="features", labelCol="y", maxIter=5).fit(
            VectorAssembler(inputCols=names, outputCol="features").transform(small)
        )
        small.unpersist()

        sources = record_sources()
        times = []
        for repeat in range(max(1, args.repeats)):
            sc.setJobGroup(f"logreg-{repeat}", "logreg fit_table")
            model = logreg.LogisticRegression(C=C)
            start = time.perf_counter()
            model.fit_table(table, "y")
            finished = time.perf_counter()
            times.append(finished - start)
            logreg_jobs = jobs_in(spark, f"logreg-{repeat}")
            source, scanned, built = sources[-1]
            solver_passes = source.n_passes
            logreg_gap = (
                objective(X, y, model.coef_, model.intercept_[0], C) - f_star
            ) / f_star
            print(
                f"- logreg fit {repeat + 1}: {times[-1]:.1f} s: scan "
                f"{scanned - start:.1f} s, sample fit and {solver_passes} solver "
                f"passes {finished - built:.1f} s; {logreg_jobs} jobs, gap "
                f"{logreg_gap:.1e}",
                flush=True,
            )
            del source
            sources.clear()
        logreg_s, logreg_cold_s = min(times), times[0]
        floor = [scan_floor(table) for _ in range(2)]
        print(
            f"- floor: a job that only reads the rows into Python as Arrow "
            f"batches: {min(floor):.1f} s (of {', '.join(f'{t:.1f}' for t in floor)})",
            flush=True,
        )

        assembled = VectorAssembler(inputCols=names, outputCol="features").transform(
            table
        )
        mllib = MLlibLR(
            featuresCol="features",
            labelCol="y",
            regParam=1.0 / (C * n),
            elasticNetParam=0.0,
            standardization=False,
            tol=1e-12,
            maxIter=1000,
        )
        sc.setJobGroup("mllib-tight", "MLlib tol=1e-12")
        start = time.perf_counter()
        tight = mllib.fit(assembled)
        tight_s = time.perf_counter() - start
        tight_jobs = jobs_in(spark, "mllib-tight")
        history = np.asarray(tight.summary.objectiveHistory) * (C * n)
        tight_gap = (
            objective(X, y, tight.coefficients.toArray(), tight.intercept, C) - f_star
        ) / f_star
        reached = np.flatnonzero((history - f_star) / f_star <= TARGET_GAP)
        iterations = int(reached[0]) if len(reached) else len(history) - 1

        sc.setJobGroup("mllib", "MLlib to the target gap")
        start = time.perf_counter()
        fitted = mllib.copy({mllib.maxIter: max(1, iterations)}).fit(assembled)
        mllib_s = time.perf_counter() - start
        mllib_jobs = jobs_in(spark, "mllib")
        mllib_gap = (
            objective(X, y, fitted.coefficients.toArray(), fitted.intercept, C) - f_star
        ) / f_star

    print("| contestant | seconds | passes (Spark jobs) | iterations | gap |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| logreg fit_table ({model.solver_}), best of {len(times)} (first) | "
        f"{logreg_s:.1f} ({logreg_cold_s:.1f}) | {logreg_jobs} "
        f"({solver_passes} solver passes) | {model.n_iter_[0]} | {logreg_gap:.1e} |"
    )
    print(
        f"| MLlib, maxIter={max(1, iterations)} (first to gap {TARGET_GAP:g}) | "
        f"{mllib_s:.1f} | {mllib_jobs} | {fitted.summary.totalIterations} | "
        f"{mllib_gap:.1e} |"
    )
    print(
        f"| MLlib, tol=1e-12 | {tight_s:.1f} | {tight_jobs} | "
        f"{tight.summary.totalIterations} | {tight_gap:.1e} |"
    )
    print(
        f"\nlogreg: {mllib_s / logreg_s:.1f}x faster than MLlib to gap "
        f"{TARGET_GAP:g} ({mllib_s / logreg_cold_s:.1f}x on its first fit), in "
        f"{logreg_jobs / mllib_jobs:.2f} of its passes"
    )
    spark.stop()


if __name__ == "__main__":
    main()
