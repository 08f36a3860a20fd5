"""L1 and elastic net: logreg's time to optimum against scikit-learn saga and liblinear.

Run: ``.venv/bin/python benchmarks/bench_l1.py [--rows N] [--quick]``. On a
dense ``make_classification`` problem (standardised, 10 informative features
of 100) and a sparse one (CSR, 5000 columns, 0.2% filled), every contestant
fits the same data in one process, interleaved over ``--repeats`` rounds.
The gap is ``(F - F*) / F*`` of scikit-learn's objective (one independent
implementation, ``tests/reference.py``), with ``F*`` the lowest value any fit
reached; the ratio is the contestant's median time over logreg ``auto`` at
its default tolerance. Prints the machine facts and BLAS in use.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from sklearn.preprocessing import StandardScaler

import logreg
from _suite.machine import facts_markdown, machine_facts

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from reference import sklearn_objective

BASELINE = "logreg auto, tol 1e-4"


def dense_problem(n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Standardised ``make_classification``: 100 features, 10 informative."""
    X, y = make_classification(
        n_samples=n_rows, n_features=100, n_informative=10, random_state=0
    )
    return StandardScaler().fit_transform(X), y


def sparse_problem(n_rows: int) -> tuple[sparse.csr_matrix, np.ndarray]:
    """CSR with 5000 columns, 0.2% filled; labels from 50 true coefficients."""
    rng = np.random.default_rng(0)
    X = sparse.random(n_rows, 5000, density=0.002, format="csr", random_state=rng)
    X.data = rng.normal(size=X.nnz)
    beta = np.zeros(5000)
    beta[:50] = 3 * rng.normal(size=50)
    y = (rng.uniform(size=n_rows) < 1 / (1 + np.exp(-(X @ beta)))).astype(int)
    return X, y


def contestants(C: float, l1_ratio: float) -> dict[str, Callable[[], object]]:
    """Name -> a new unfitted model, for one penalty."""
    ours = {"C": C, "l1_ratio": l1_ratio}
    theirs = {"C": C, "l1_ratio": l1_ratio, "max_iter": 1000}
    models = {
        BASELINE: lambda: logreg.LogisticRegression(**ours),
        "logreg auto, tol 1e-8": lambda: logreg.LogisticRegression(**ours, tol=1e-8),
        "sklearn saga, tol 1e-4": lambda: SklearnLogisticRegression(
            solver="saga", tol=1e-4, **theirs
        ),
        "sklearn saga, tol 1e-6": lambda: SklearnLogisticRegression(
            solver="saga", tol=1e-6, **theirs
        ),
    }
    if l1_ratio == 1.0:
        # liblinear penalises the intercept; a huge intercept_scaling makes
        # that penalty negligible, so the objective matches.
        for tol in (1e-4, 1e-6):
            models[f"sklearn liblinear, tol {tol:g}"] = lambda tol=tol: (
                SklearnLogisticRegression(
                    solver="liblinear", tol=tol, intercept_scaling=1e4, **theirs
                )
            )
    return models


def race(X, y, C: float, l1_ratio: float, repeats: int) -> list[tuple]:
    """Median seconds, gap and nonzeros of each contestant, interleaved."""
    models = contestants(C, l1_ratio)
    seconds = {name: [] for name in models}
    fitted = {}
    for round_ in range(repeats):
        names = list(models)
        names = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in names:
            model = models[name]()
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(X, y)
            seconds[name].append(time.perf_counter() - start)
            fitted[name] = model
    values = {
        name: sklearn_objective(X, y, m.coef_, m.intercept_, C, None, l1_ratio)
        for name, m in fitted.items()
    }
    best = min(values.values())
    base = float(np.median(seconds[BASELINE]))
    return [
        (
            name,
            float(np.median(seconds[name])),
            float(np.median(seconds[name])) / base,
            (values[name] - best) / abs(best),
            int(np.count_nonzero(fitted[name].coef_)),
        )
        for name in models
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="20k rows, 1 round")
    args = parser.parse_args()
    rows, repeats = (20_000, 1) if args.quick else (args.rows, args.repeats)
    print(facts_markdown(machine_facts(preload=())))
    problems = {
        "dense": (dense_problem(rows), 0.01),
        "sparse": (sparse_problem(rows), 0.05),
    }
    for kind, ((X, y), C) in problems.items():
        for l1_ratio in (1.0, 0.5):
            print(
                f"\n## {kind} {X.shape[0]:,} x {X.shape[1]}, C={C}, l1_ratio={l1_ratio}"
            )
            print(f"\nMedian of {repeats}, interleaved; ratio = time / {BASELINE}.\n")
            print("| contestant | time | ratio | gap | nonzeros |")
            print("| --- | ---: | ---: | ---: | ---: |")
            for name, secs, ratio, gap, nnz in race(X, y, C, l1_ratio, repeats):
                print(f"| {name} | {secs:.2f} s | {ratio:.2f} | {gap:.1e} | {nnz} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
