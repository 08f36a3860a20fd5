"""Wide sparse (text-like CSR), L1 and L2: time to a 1e-6 gap against the peers.

Run: ``.venv/bin/python benchmarks/bench_wide_sparse.py [--rows 20000]
[--features 5000] [--informative 100] [--repeats 5]``. The problem (issue
16): a CSR matrix with
``--nnz`` distinct nonzeros per row drawn with Zipf-like column popularity
(``P(column j) ~ (j + 1)^-1.1``), exponential term weights, rows scaled to unit
norm, labels drawn from a logistic model on ``--informative`` of the columns;
no intercept, ``C = 1``.

For each penalty every contestant is *calibrated*: its tolerance ladder is
walked loosest first and the first (largest) ``tol`` whose fit reaches a
relative gap ``(F - F*) / F* <= 1e-6`` is kept (logreg ``auto`` runs at its
default ``tol`` only: the point is that users need no magic ``tol``). Then
``--repeats`` interleaved rounds (every contestant once per round, the
starting one rotating) give median times. ``F`` is scikit-learn's objective
from ``tests/reference.py`` (an independent implementation), ``F*`` the lowest
value any fit reached (the references run at tight tolerances first).

Peers: scikit-learn ``liblinear`` and ``saga``; skglm
(``SparseLogisticRegression``, ProxNewton with working sets) and celer
(``LogisticRegression``, L1 only) when installed. Prints the machine facts and
the BLAS in use (threadpoolctl).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

import logreg
from _suite.machine import facts_markdown, machine_facts

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from reference import sklearn_objective

TARGET_GAP = 1e-6
#: A calibration fit slower than this ends the contestant's ladder.
MAX_SECONDS = 60.0
LADDER = (1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 1e-6, 1e-7, 1e-8)


def text_like(
    n_rows: int, n_features: int, nnz: int = 30, seed: int = 0, informative: int = 100
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """A text-like CSR matrix (Zipf column popularity, unit rows) and labels.

    Parameters
    ----------
    n_rows, n_features : int
    nnz : int, default=30
        Distinct nonzeros per row.
    seed : int, default=0
    informative : int, default=100
        Columns with a true effect, ``N(0, 8^2)`` each.

    Returns
    -------
    X : csr_matrix of shape (n_rows, n_features)
    y : ndarray of shape (n_rows,)
    """
    rng = np.random.default_rng(seed)
    log_popularity = -1.1 * np.log(np.arange(1, n_features + 1))
    indices = np.empty((n_rows, nnz), dtype=np.int64)
    chunk = max(1, (1 << 22) // n_features)
    for start in range(0, n_rows, chunk):
        stop = min(n_rows, start + chunk)
        # Gumbel top-k: nnz distinct columns drawn by popularity, per row.
        keys = log_popularity + rng.gumbel(size=(stop - start, n_features))
        indices[start:stop] = np.argpartition(-keys, nnz - 1, axis=1)[:, :nnz]
    indices.sort(axis=1)
    values = rng.exponential(1.0, size=(n_rows, nnz))
    values /= np.linalg.norm(values, axis=1, keepdims=True)
    X = sparse.csr_matrix(
        (values.ravel(), indices.ravel(), np.arange(0, n_rows * nnz + 1, nnz)),
        shape=(n_rows, n_features),
    )
    truth = np.zeros(n_features)
    support = rng.choice(n_features, informative, replace=False)
    truth[support] = rng.normal(0.0, 8.0, informative)
    y = (rng.random(n_rows) < expit(X @ truth)).astype(np.int64)
    return X, y


# A fit takes (X, y, C, tol) and returns the coefficient row (1, n_features).
Fit = Callable[[sparse.csr_matrix, np.ndarray, float, float | None], np.ndarray]


def logreg_fit(solver: str, l1_ratio: float) -> Fit:
    def fit(X, y, C, tol):
        options = {} if tol is None else {"tol": tol}
        model = logreg.LogisticRegression(
            C=C, l1_ratio=l1_ratio, fit_intercept=False, solver=solver, **options
        )
        return model.fit(X, y).coef_

    return fit


def sklearn_fit(solver: str, l1_ratio: float) -> Fit:
    def fit(X, y, C, tol):
        model = SklearnLogisticRegression(
            l1_ratio=l1_ratio,
            C=C,
            fit_intercept=False,
            solver=solver,
            tol=tol,
            max_iter=100_000,
            random_state=0,  # liblinear and saga visit rows in random order
        )
        return model.fit(X, y).coef_

    return fit


def skglm_fit(l1_ratio: float) -> Fit:
    def fit(X, y, C, tol):
        from skglm import SparseLogisticRegression

        # skglm: mean log-loss + alpha ||w||_1, so alpha = 1 / (C n).
        model = SparseLogisticRegression(
            alpha=1.0 / (C * X.shape[0]),
            l1_ratio=l1_ratio,
            tol=tol,
            fit_intercept=False,
            max_iter=1000,
        )
        return model.fit(X, y).coef_.reshape(1, -1)

    return fit


def celer_fit(X, y, C, tol):
    from celer import LogisticRegression

    model = LogisticRegression(C=C, penalty="l1", tol=tol, fit_intercept=False)
    return model.fit(X, y).coef_.reshape(1, -1)


def contestants(l1: bool) -> dict[str, tuple[Fit, tuple]]:
    """name -> (fit, tolerance ladder); ``(None,)`` is the default tol only."""
    l1_ratio = 1.0 if l1 else 0.0
    table = {
        "logreg auto": (logreg_fit("auto", l1_ratio), (None,)),
        "liblinear": (sklearn_fit("liblinear", l1_ratio), LADDER),
        "saga": (sklearn_fit("saga", l1_ratio), LADDER),
    }
    if l1 and importlib.util.find_spec("skglm"):
        table["skglm (ProxNewton)"] = (skglm_fit(1.0), LADDER)
    if l1 and importlib.util.find_spec("celer"):
        table["celer"] = (celer_fit, LADDER)
    return table


def run(X, y, l1: bool, repeats: int) -> list[tuple]:
    """Calibrate and race every contestant; return the table rows."""
    C = 1.0
    l1_ratio = 1.0 if l1 else 0.0

    def objective(coef):
        return sklearn_objective(X, y, coef, np.zeros(1), C, l1_ratio=l1_ratio)

    table = contestants(l1)
    # References: the lowest objective of tight fits.
    best = objective(logreg_fit("auto", l1_ratio)(X, y, C, 1e-10))
    chosen = {}
    for name, (fit, ladder) in table.items():
        for tol in ladder:
            start = time.perf_counter()
            value = objective(fit(X, y, C, tol))
            seconds = time.perf_counter() - start
            best = min(best, value)
            if (value - best) / abs(best) <= TARGET_GAP or seconds > MAX_SECONDS:
                break
        chosen[name] = (tol, seconds)
        print(f"  calibrated {name}: tol {tol}, {seconds:.3f} s", flush=True)
    times: dict[str, list[float]] = {name: [] for name in table}
    values: dict[str, float] = {}
    names = list(table)
    for round_ in range(repeats):
        order = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in order:
            fit, tol = table[name][0], chosen[name][0]
            start = time.perf_counter()
            coef = fit(X, y, C, tol)
            times[name].append(time.perf_counter() - start)
            values[name] = objective(coef)
    best = min(best, *values.values())
    medians = {name: statistics.median(times[name]) for name in names}
    rows = []
    for name in names:
        gap = (values[name] - best) / abs(best)
        rows.append(
            (
                name,
                "default" if chosen[name][0] is None else f"{chosen[name][0]:.0e}",
                medians[name],
                gap,
                medians[name] / medians["liblinear"],
                medians[name] / medians["saga"],
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--features", type=int, default=5_000)
    parser.add_argument("--nnz", type=int, default=30)
    parser.add_argument("--informative", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--penalty", choices=["l1", "l2", "both"], default="both")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(facts_markdown(machine_facts(preload=("skglm", "celer"))), flush=True)
    from threadpoolctl import threadpool_info

    for pool in threadpool_info():
        print(
            f"BLAS: {pool.get('internal_api')} {pool.get('version')} "
            f"kernel={pool.get('architecture')} threads={pool.get('num_threads')}"
        )
    X, y = text_like(args.rows, args.features, args.nnz, 0, args.informative)
    print(
        f"\n{args.rows:,} x {args.features:,} CSR, {X.nnz / args.rows:.0f} "
        f"nonzeros per row, unit rows, {args.informative} informative columns, "
        f"C=1, no intercept, gap target {TARGET_GAP:g}\n"
    )
    penalties = ["l1", "l2"] if args.penalty == "both" else [args.penalty]
    for penalty in penalties:
        rows = run(X, y, penalty == "l1", args.repeats)
        print(f"### {penalty.upper()}\n")
        print("| contestant | tol | median | gap | / liblinear | / saga |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, tol, seconds, gap, vs_lib, vs_saga in rows:
            print(
                f"| {name} | {tol} | {seconds:.3f} s | {gap:.1e} | "
                f"{vs_lib:.2f} | {vs_saga:.2f} |"
            )
        print(flush=True)


if __name__ == "__main__":
    main()
