"""Where a dense fit's time goes: gradient passes, Hessian passes, Cholesky.

Run: ``.venv/bin/python benchmarks/bench_dense_breakdown.py [--rows N]``.
To see an AVX2-only machine's kernels on an AVX-512 one, run it again with
``OPENBLAS_CORETYPE=Haswell NUMBA_CPU_NAME=haswell``: OpenBLAS then runs its
Haswell (AVX2) kernels and Numba compiles the fused kernels for AVX2. The
BLAS kernel and Numba's target are printed first.

It fits ``make_classification(rows, 100)`` (binary, C=1) with logreg's
``"auto"`` and times every pass over the rows by kind (the fused value and
gradient, the sub-sampled Hessian, line-search values) and every Cholesky
solve, as shares of the fit; then the two kernels alone: a value-and-gradient
pass (in GB/s of ``X`` read) and the weighted Gram product of the Hessian (in
GFLOP/s), each the median of ``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict

import numpy as np
from sklearn.datasets import make_classification
from threadpoolctl import threadpool_info, threadpool_limits

import logreg
from logreg.data.sources import InMemorySource
from logreg.objective import LogisticObjective
from logreg.solvers import auto_hessian_subsample, newton


def kernels() -> str:
    """The BLAS kernel and Numba's compile target of this process."""
    np.ones(4) @ np.ones(4)  # loads the BLAS, so threadpoolctl sees it
    blas = [
        f"{info['internal_api']} {info.get('version')} {info.get('architecture')} "
        f"({info['num_threads']} threads)"
        for info in threadpool_info()
        if info["user_api"] == "blas"
    ]
    try:
        import llvmlite.binding

        host = llvmlite.binding.get_host_cpu_name()
    except ImportError:
        host = "no numba"
    numba_target = os.environ.get("NUMBA_CPU_NAME") or f"host ({host})"
    return f"BLAS: {'; '.join(blas)}. Numba target: {numba_target}."


def timed_fit(X: np.ndarray, y: np.ndarray) -> tuple[float, dict, int]:
    """One ``"auto"`` fit with every pass and Cholesky solve timed by kind."""
    spent: dict[str, list[float]] = defaultdict(list)
    sum_over_blocks = InMemorySource.sum_over_blocks
    cholesky_solve = newton.cholesky_solve

    def timed_sum(self, kernel):
        started = time.perf_counter()
        result = sum_over_blocks(self, kernel)
        name = getattr(kernel, "__qualname__", "kernel").split(".<locals>")[0]
        rows = "all rows" if self.n_samples == len(y) else f"{self.n_samples} rows"
        spent[f"pass {name.split('.')[-1]} ({rows})"].append(
            time.perf_counter() - started
        )
        return result

    def timed_cholesky(*args, **kwargs):
        started = time.perf_counter()
        result = cholesky_solve(*args, **kwargs)
        spent["Cholesky solve"].append(time.perf_counter() - started)
        return result

    InMemorySource.sum_over_blocks = timed_sum
    newton.cholesky_solve = timed_cholesky
    try:
        started = time.perf_counter()
        model = logreg.LogisticRegression().fit(X, y)
        total = time.perf_counter() - started
    finally:
        InMemorySource.sum_over_blocks = sum_over_blocks
        newton.cholesky_solve = cholesky_solve
    return total, spent, int(np.max(model.n_iter_))


def kernel_rates(X: np.ndarray, y: np.ndarray, repeats: int) -> tuple[float, float]:
    """GB/s of a value-and-gradient pass; GFLOP/s of the Hessian's Gram product.

    The Gram product is timed on the rows ``"auto"``'s Newton keeps for its
    Hessian (every k-th row, copied as the fit copies them), on one core.
    """
    source = InMemorySource(X, y, np.ones(len(y)))
    objective = LogisticObjective(source, 2, 1.0, True, 0.0, float(len(y)))
    w = np.full(objective.n_params, 0.01)
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        objective.value_and_grad(w)
        seconds.append(time.perf_counter() - started)
    bandwidth = X.nbytes / np.median(seconds) / 1e9
    step = auto_hessian_subsample(X.shape[0], X.shape[1] + 1)
    kept = np.ascontiguousarray(X[::step])
    h = np.full(len(kept), 0.2)
    seconds = []
    # One BLAS thread, as sum_over_blocks runs each block's product.
    with threadpool_limits(1):
        objective._weighted_gram(kept, h)  # first touch of the copy's pages
        for _ in range(repeats):
            started = time.perf_counter()
            objective._weighted_gram(kept, h)
            seconds.append(time.perf_counter() - started)
    n, p = kept.shape
    flops = n * p * (p + 1)  # a symmetric rank-n update: n p (p + 1) / 2 fmas
    return bandwidth, flops / np.median(seconds) / 1e9


def main() -> None:
    """Print the breakdown of a dense fit and the two kernels' rates."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(kernels())
    X, y = make_classification(
        n_samples=args.rows,
        n_features=args.features,
        n_informative=args.features // 2,
        random_state=0,
    )
    timed_fit(X[:5000], y[:5000])  # compiles the fused kernels
    fits = [timed_fit(X, y) for _ in range(args.repeats)]
    total, spent, n_iter = sorted(fits, key=lambda fit: fit[0])[len(fits) // 2]
    print(
        f"\n{args.rows} x {args.features} binary, C=1: median fit {total:.3f} s, "
        f"{n_iter} Newton iterations\n"
    )
    print("| part | calls | seconds | share of the fit |")
    print("| --- | ---: | ---: | ---: |")
    for part, times in sorted(spent.items(), key=lambda item: -sum(item[1])):
        print(
            f"| {part} | {len(times)} | {sum(times):.3f} | {sum(times) / total:.0%} |"
        )
    rest = total - sum(sum(times) for times in spent.values())
    print(f"| everything else | | {rest:.3f} | {rest / total:.0%} |")
    bandwidth, gflops = kernel_rates(X, y, args.repeats)
    print(f"\nvalue-and-gradient pass: {bandwidth:.1f} GB/s of X read")
    print(f"Hessian Gram product (the kept rows): {gflops:.1f} GFLOP/s")


if __name__ == "__main__":
    main()
