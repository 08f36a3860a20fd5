"""What finishing unpenalised fits at the MLE costs, and what it buys.

Run: ``.venv/bin/python benchmarks/bench_polish.py [--quick]``.

Every ``C=inf`` fit ends with exact Newton steps until the Newton decrement is
at rounding level (:func:`logreg.solvers.polish`). For each dataset this
prints, interleaved over repeats in one process, the median time of the
default fit, of the same fit with the polishing switched off, their ratio, the
polishing steps taken, and the largest score component (the gradient of the
log-likelihood, which is zero at the MLE) with and without the polish. Prints
the machine facts and BLAS in use, as ``run_all.py`` does.
"""

from __future__ import annotations

import argparse
import time
from unittest import mock

import numpy as np

import logreg
from _suite import data
from _suite.machine import facts_markdown, machine_facts
from logreg import estimator


def _fit(
    dataset: data.Dataset, polished: bool
) -> tuple[float, logreg.LogisticRegression]:
    """Seconds for one default ``C=inf`` fit, and the fitted model."""
    model = logreg.LogisticRegression(C=np.inf)
    switch = mock.patch.object(
        estimator.LogisticRegression, "_polished", lambda self, objective, w: w
    )
    start = time.perf_counter()
    if polished:
        model.fit(dataset.X, dataset.y)
    else:
        with switch:
            model.fit(dataset.X, dataset.y)
    return time.perf_counter() - start, model


def _largest_score(dataset: data.Dataset, model: logreg.LogisticRegression) -> float:
    """max |d log L / d theta| at the fitted parameters (per observation)."""
    X = dataset.X64
    probabilities = model.predict_proba(X)
    residual = np.eye(dataset.n_classes)[dataset.y] - probabilities
    if dataset.n_classes == 2:
        residual = residual[:, 1:]
    score = np.vstack([X.T @ residual, residual.sum(axis=0)])
    return float(np.max(np.abs(score)) / len(dataset.y))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller data")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(facts_markdown(machine_facts()) + "\n")
    scale = 10 if args.quick else 1
    datasets = [
        data.logistic_model(1_000_000 // scale, 100),
        data.softmax_model(500_000 // scale, 50, 5),
    ]
    print(
        "| data | fit, polished | fit, not polished | ratio | polish steps "
        "| max score, polished | max score, not polished |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    for dataset in datasets:
        dataset = dataset.unpenalised()
        _fit(dataset, True)  # warm-up: Numba, caches
        times = {True: [], False: []}
        models = {}
        for _ in range(args.repeats):
            for polished in (True, False):
                seconds, models[polished] = _fit(dataset, polished)
                times[polished].append(seconds)
        steps = _polish_steps(dataset)
        on, off = (float(np.median(times[flag])) for flag in (True, False))
        print(
            f"| {dataset.name} | {on:.3f} s | {off:.3f} s | {on / off:.2f} "
            f"| {steps} | {_largest_score(dataset, models[True]):.1e} "
            f"| {_largest_score(dataset, models[False]):.1e} |"
        )


def _polish_steps(dataset: data.Dataset) -> int:
    """Newton steps the polish takes after the default fit's solver."""
    seen = []
    original = estimator.polish

    def counting(objective, w):
        result = original(objective, w)
        seen.append(result.n_iter)
        return result

    with mock.patch.object(estimator, "polish", counting):
        logreg.LogisticRegression(C=np.inf).fit(dataset.X, dataset.y)
    return seen[0]


if __name__ == "__main__":
    main()
