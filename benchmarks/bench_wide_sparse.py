"""Wide sparse data, L1 and L2: time to a 1e-6 gap against the peers.

Run: ``.venv/bin/python benchmarks/bench_wide_sparse.py [--design text]
[--rows 20000] [--features 5000] [--informative 100] [--repeats 5]``, or
``--design onehot [--rows 100000] [--categories 10] [--levels 500]``. A
benchmark command may unset ``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE``
(``env -u ...``), as ``make bench`` does.

Designs (issue 16):

* ``text``: a CSR matrix with ``--nnz`` distinct nonzeros per row drawn with
  Zipf-like column popularity (``P(column j) ~ (j + 1)^-1.1``), exponential
  term weights, rows scaled to unit norm, labels drawn from a logistic model
  on ``--informative`` of the columns; no intercept, ``C = 1``. Sizes in the
  issue: 20k x 5k and 200k x 20k.
* ``onehot``: ``--categories`` categorical columns, each with ``--levels``
  levels of Zipf-like frequency, one-hot encoded (one nonzero of 1.0 per
  categorical column and row), labels from a logistic model with an
  intercept and effects on a tenth of the levels; fitted *with* an
  (unpenalised) intercept, ``C = 1``.

For each penalty every contestant is *calibrated*: its tolerance ladder is
walked loosest first and the first (largest) ``tol`` whose fit reaches a
relative gap ``(F - F*) / F* <= 1e-6`` is kept (logreg ``auto`` runs at its
default ``tol`` only: the point is that users need no magic ``tol``). Then
``--repeats`` interleaved rounds (every contestant once per round, the
starting one rotating) give median times; the table's last column is each
median over the fastest peer's (below 1: faster than every peer). ``F`` is
scikit-learn's objective from ``tests/reference.py`` (an independent
implementation), ``F*`` the lowest value any fit reached (a tight logreg fit,
``tol=1e-10``, runs first).

Peers: scikit-learn ``liblinear`` and ``saga``; skglm
(``SparseLogisticRegression``, ProxNewton with working sets) and celer
(``LogisticRegression``, L1 without intercept only) when installed.
liblinear penalises its intercept (a constant feature of value
``intercept_scaling``, here 100, so that its penalty is small); its gap is
measured on the unpenalised objective like everyone's. Prints the machine
facts and the BLAS in use (threadpoolctl).
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


def one_hot(
    n_rows: int, n_categories: int, n_levels: int, seed: int = 0
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """A one-hot categorical design (Zipf level frequencies) and labels.

    Parameters
    ----------
    n_rows : int
    n_categories : int
        Categorical columns; each row has one level of each.
    n_levels : int
        Levels per categorical column (one-hot columns: ``n_categories *
        n_levels``, some possibly empty).
    seed : int, default=0

    Returns
    -------
    X : csr_matrix of shape (n_rows, n_categories * n_levels)
    y : ndarray of shape (n_rows,)
        From a logistic model with intercept -0.5 and ``N(0, 1)`` effects on
        a tenth of the levels.
    """
    rng = np.random.default_rng(seed)
    frequency = np.arange(1, n_levels + 1) ** -1.1
    frequency /= frequency.sum()
    levels = rng.choice(n_levels, size=(n_rows, n_categories), p=frequency)
    indices = levels + n_levels * np.arange(n_categories)  # sorted along rows
    n_features = n_categories * n_levels
    X = sparse.csr_matrix(
        (
            np.ones(n_rows * n_categories),
            indices.ravel(),
            np.arange(0, n_rows * n_categories + 1, n_categories),
        ),
        shape=(n_rows, n_features),
    )
    truth = np.zeros(n_features)
    support = rng.choice(n_features, n_features // 10, replace=False)
    truth[support] = rng.normal(0.0, 1.0, len(support))
    y = (rng.random(n_rows) < expit(X @ truth - 0.5)).astype(np.int64)
    return X, y


# A fit takes (X, y, C, tol, fit_intercept) and returns (coef of shape
# (1, n_features), intercept of shape (1,)).
Fit = Callable[..., tuple[np.ndarray, np.ndarray]]


def logreg_fit(solver: str, l1_ratio: float) -> Fit:
    def fit(X, y, C, tol, fit_intercept):
        options = {} if tol is None else {"tol": tol}
        model = logreg.LogisticRegression(
            C=C,
            l1_ratio=l1_ratio,
            fit_intercept=fit_intercept,
            solver=solver,
            **options,
        )
        model.fit(X, y)
        return model.coef_, model.intercept_

    return fit


def sklearn_fit(solver: str, l1_ratio: float) -> Fit:
    def fit(X, y, C, tol, fit_intercept):
        model = SklearnLogisticRegression(
            l1_ratio=l1_ratio,
            C=C,
            fit_intercept=fit_intercept,
            intercept_scaling=100.0,  # liblinear only: a small intercept penalty
            solver=solver,
            tol=tol,
            max_iter=100_000,
            random_state=0,  # liblinear and saga visit rows in random order
        )
        model.fit(X, y)
        return model.coef_, np.atleast_1d(model.intercept_)

    return fit


def skglm_fit(l1_ratio: float) -> Fit:
    def fit(X, y, C, tol, fit_intercept):
        from skglm import SparseLogisticRegression

        # skglm: mean log-loss + alpha ||w||_1, so alpha = 1 / (C n).
        model = SparseLogisticRegression(
            alpha=1.0 / (C * X.shape[0]),
            l1_ratio=l1_ratio,
            tol=tol,
            fit_intercept=fit_intercept,
            max_iter=1000,
        )
        model.fit(X, y)
        return model.coef_.reshape(1, -1), np.atleast_1d(model.intercept_)

    return fit


def celer_fit(X, y, C, tol, fit_intercept):
    from celer import LogisticRegression

    model = LogisticRegression(C=C, penalty="l1", tol=tol, fit_intercept=False)
    model.fit(X, y)
    return model.coef_.reshape(1, -1), np.zeros(1)


def contestants(l1: bool, fit_intercept: bool) -> dict[str, tuple[Fit, tuple]]:
    """name -> (fit, tolerance ladder); ``(None,)`` is the default tol only."""
    l1_ratio = 1.0 if l1 else 0.0
    table = {
        "logreg auto": (logreg_fit("auto", l1_ratio), (None,)),
        "liblinear": (sklearn_fit("liblinear", l1_ratio), LADDER),
        "saga": (sklearn_fit("saga", l1_ratio), LADDER),
    }
    if l1 and importlib.util.find_spec("skglm"):
        table["skglm (ProxNewton)"] = (skglm_fit(1.0), LADDER)
    if l1 and not fit_intercept and importlib.util.find_spec("celer"):
        table["celer"] = (celer_fit, LADDER)
    return table


def run(X, y, l1: bool, fit_intercept: bool, repeats: int) -> list[tuple]:
    """Calibrate and race every contestant; return the table rows."""
    C = 1.0
    l1_ratio = 1.0 if l1 else 0.0

    def objective(fitted):
        coef, intercept = fitted
        return sklearn_objective(X, y, coef, intercept, C, l1_ratio=l1_ratio)

    table = contestants(l1, fit_intercept)
    # References: the lowest objective of tight fits.
    best = objective(logreg_fit("auto", l1_ratio)(X, y, C, 1e-10, fit_intercept))
    chosen = {}
    for name, (fit, ladder) in table.items():
        for tol in ladder:
            start = time.perf_counter()
            value = objective(fit(X, y, C, tol, fit_intercept))
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
            fitted = fit(X, y, C, tol, fit_intercept)
            times[name].append(time.perf_counter() - start)
            values[name] = objective(fitted)
    best = min(best, *values.values())
    medians = {name: statistics.median(times[name]) for name in names}
    fastest = min(medians[name] for name in names if not name.startswith("logreg"))
    rows = []
    for name in names:
        gap = (values[name] - best) / abs(best)
        tol = chosen[name][0]
        rows.append(
            (
                name,
                "default" if tol is None else f"{tol:.0e}",
                medians[name],
                gap,
                medians[name] / fastest,
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--design", choices=["text", "onehot"], default="text")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--features", type=int, default=5_000)
    parser.add_argument("--nnz", type=int, default=30)
    parser.add_argument("--informative", type=int, default=100)
    parser.add_argument("--categories", type=int, default=10)
    parser.add_argument("--levels", type=int, default=500)
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
    if args.design == "text":
        rows = args.rows or 20_000
        X, y = text_like(rows, args.features, args.nnz, 0, args.informative)
        fit_intercept = False
        print(
            f"\n{rows:,} x {args.features:,} text-like CSR, "
            f"{X.nnz / rows:.0f} nonzeros per row, unit rows, "
            f"{args.informative} informative columns, C=1, no intercept, "
            f"gap target {TARGET_GAP:g}\n"
        )
    else:
        rows = args.rows or 100_000
        X, y = one_hot(rows, args.categories, args.levels)
        fit_intercept = True
        print(
            f"\n{rows:,} x {X.shape[1]:,} one-hot CSR ({args.categories} "
            f"categorical columns of {args.levels} Zipf-frequent levels), "
            f"C=1, with intercept, gap target {TARGET_GAP:g}\n"
        )
    penalties = ["l1", "l2"] if args.penalty == "both" else [args.penalty]
    for penalty in penalties:
        table = run(X, y, penalty == "l1", fit_intercept, args.repeats)
        print(f"### {penalty.upper()}\n")
        print("| contestant | tol | median | gap | / fastest peer |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, tol, seconds, gap, ratio in table:
            print(f"| {name} | {tol} | {seconds:.3f} s | {gap:.1e} | {ratio:.2f} |")
        print(flush=True)


if __name__ == "__main__":
    main()
