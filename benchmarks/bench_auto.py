"""Measure Newton against L-BFGS by problem shape: the data behind ``"auto"``.

Run: ``.venv/bin/python benchmarks/bench_auto.py [--quick]``. For each shape
(rows, features, classes) both solvers fit the same float64 data to
``tol=1e-6`` in one process; the table reports seconds, iterations and the
ratio ``newton / lbfgs`` (below 1: Newton is faster). Prints the machine facts
and BLAS in use, as ``run_all.py`` does.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import make_classification

import logreg
from _suite.machine import facts_markdown, machine_facts


def time_fit(X, y, solver: str, repeats: int) -> tuple[float, int]:
    """Median seconds over ``repeats`` fits, and the iterations of the last."""
    seconds = []
    for _ in range(repeats):
        model = logreg.LogisticRegression(solver=solver, tol=1e-6, C=1.0)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y)
        seconds.append(time.perf_counter() - start)
    return float(np.median(seconds)), int(np.max(model.n_iter_))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer, smaller shapes")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(facts_markdown(machine_facts()) + "\n")
    rows = [20_000] if args.quick else [20_000, 200_000]
    features = [10, 50, 100, 200] if args.quick else [10, 50, 100, 200, 400]
    classes = [2, 5]
    print(
        f"{'n':>8} {'d':>5} {'K':>3} {'p':>6} {'newton s':>9} {'it':>4} "
        f"{'lbfgs s':>9} {'it':>5} {'newton/lbfgs':>13}"
    )
    for n in rows:
        for K in classes:
            for d in features:
                X, y = make_classification(
                    n_samples=n,
                    n_features=d,
                    n_informative=max(2, d // 2),
                    n_classes=K,
                    random_state=0,
                )
                p = (d + 1) * (1 if K == 2 else K)
                newton_s, newton_it = time_fit(X, y, "newton", args.repeats)
                lbfgs_s, lbfgs_it = time_fit(X, y, "lbfgs", args.repeats)
                print(
                    f"{n:>8} {d:>5} {K:>3} {p:>6} {newton_s:>9.3f} {newton_it:>4} "
                    f"{lbfgs_s:>9.3f} {lbfgs_it:>5} {newton_s / lbfgs_s:>13.2f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
