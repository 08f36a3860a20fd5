"""Time to scikit-learn's optimum: logreg against scikit-learn, side by side.

Run: ``.venv/bin/python benchmarks/bench_solvers.py [--rows N]``. One process,
the same float64 data for every contestant, median of ``--repeats`` fits.
Each row reports seconds, iterations, the relative objective gap to the best
value any contestant reached, and the time ratio against scikit-learn's
default (``lbfgs``). Prints the BLAS kernel in use; run it with
``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE`` unset to get the native kernel.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from threadpoolctl import threadpool_info

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import logreg
from reference import sklearn_objective


def contestants(tol: float):
    yield "sklearn lbfgs", lambda: SklearnLogisticRegression(tol=tol, max_iter=10_000)
    yield (
        "sklearn newton-cholesky",
        lambda: SklearnLogisticRegression(
            solver="newton-cholesky", tol=tol, max_iter=1000
        ),
    )
    for solver in ("auto", "newton", "lbfgs"):
        yield (
            f"logreg {solver}",
            lambda s=solver: logreg.LogisticRegression(solver=s, tol=tol),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tol", type=float, default=1e-6)
    args = parser.parse_args()
    for pool in threadpool_info():
        print(
            f"BLAS: {pool.get('internal_api')} {pool.get('version')} "
            f"kernel={pool.get('architecture')} threads={pool.get('num_threads')}"
        )
    for n_classes, n_features in ((2, 100), (5, 50)):
        X, y = make_classification(
            n_samples=args.rows,
            n_features=n_features,
            n_informative=n_features // 2,
            n_classes=n_classes,
            random_state=0,
        )
        print(f"\n{args.rows} x {n_features}, {n_classes} classes, C=1, tol={args.tol}")
        rows = []
        for name, make in contestants(args.tol):
            seconds = []
            for _ in range(args.repeats):
                model = make()
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.fit(X, y)
                seconds.append(time.perf_counter() - start)
            n_iter = int(np.max(model.n_iter_))
            rows.append(
                (
                    name,
                    float(np.median(seconds)),
                    n_iter,
                    sklearn_objective(X, y, model.coef_, model.intercept_, 1.0),
                )
            )
        best = min(r[3] for r in rows)
        baseline = rows[0][1]
        print(
            f"{'contestant':>24} {'seconds':>8} {'iter':>5} {'gap':>9} "
            f"{'vs sklearn lbfgs':>17}"
        )
        for name, secs, n_iter, value in rows:
            print(
                f"{name:>24} {secs:>8.3f} {n_iter:>5} {(value - best) / best:>9.1e} "
                f"{secs / baseline:>16.2f}x"
            )


if __name__ == "__main__":
    main()
