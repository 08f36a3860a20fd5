"""An L1 regularisation path on wide sparse data: logreg against skglm, saga, liblinear.

Run: ``.venv/bin/python benchmarks/bench_path.py [--rows N] [--features P]``.

The text-like CSR problem of ``bench_wide_sparse.py`` (no intercept), and
``--points`` values of ``C`` from scikit-learn's ``l1_min_c`` (the smallest
``C`` with a nonzero coefficient) up to ``--span`` times it, log-spaced.
Each contestant fits the whole path, from strong to weak penalty:

- logreg: :func:`logreg.cv.regularization_path` (warm starts; its
  working-set solver starts from the previous support);
- skglm: ``SparseLogisticRegression(warm_start=True)``, refitted per ``C``;
- saga: scikit-learn's ``LogisticRegression(warm_start=True)``;
- liblinear: cold fits (it has no warm start).

Each peer's ``tol`` is the loosest of its ladder at which every point of the
path is within a relative objective gap of 1e-6 of the best fit found at
that ``C``; logreg runs at its default ``tol``. Times are medians of
``--repeats`` interleaved rounds; the BLAS kernel is printed.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from sklearn.svm import l1_min_c
from threadpoolctl import threadpool_info

import logreg
from bench_wide_sparse import text_like
from logreg.cv import regularization_path
from reference import sklearn_objective

TARGET_GAP = 1e-6
LADDER = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)
#: A contestant whose calibrated path took longer is not raced again: its
#: calibration time is its time (saga's path took minutes).
SLOW_SECONDS = 30.0


def logreg_path(X, y, Cs, tol):
    """Coefficients along ``Cs`` (ascending), logreg's warm-started path."""
    estimator = logreg.LogisticRegression(fit_intercept=False)
    if tol is not None:
        estimator.set_params(tol=tol)
    _, coefs, _ = regularization_path(X, y, Cs, l1_ratio=1.0, estimator=estimator)
    return list(coefs)


def skglm_path(X, y, Cs, tol):
    """skglm's ``SparseLogisticRegression``, warm-started along ``Cs``."""
    from skglm import SparseLogisticRegression

    model = SparseLogisticRegression(
        alpha=1.0, tol=tol, fit_intercept=False, warm_start=True, max_iter=1000
    )
    coefs = []
    for C in Cs:
        # skglm: mean log-loss + alpha ||w||_1, so alpha = 1 / (C n).
        model.set_params(alpha=1.0 / (C * X.shape[0]))
        coefs.append(model.fit(X, y).coef_.reshape(1, -1).copy())
    return coefs


def sklearn_path(solver: str):
    """scikit-learn's ``LogisticRegression(solver=solver)`` along ``Cs``."""

    def path(X, y, Cs, tol):
        model = SklearnLogisticRegression(
            l1_ratio=1.0,
            solver=solver,
            tol=tol,
            fit_intercept=False,
            warm_start=solver != "liblinear",
            max_iter=10_000,
        )
        coefs = []
        for C in Cs:
            model.set_params(C=C)
            coefs.append(model.fit(X, y).coef_.copy())
        return coefs

    return path


CONTESTANTS = {
    "logreg path": (logreg_path, (None,)),
    "skglm (ProxNewton)": (skglm_path, LADDER),
    "saga": (sklearn_path("saga"), LADDER),
    "liblinear (cold)": (sklearn_path("liblinear"), LADDER),
}


def path_Cs(X, y, points: int = 20, span: float = 300.0) -> np.ndarray:
    """``points`` log-spaced values of ``C`` from ``l1_min_c`` to ``span`` times it."""
    c_min = l1_min_c(X, y, loss="log", fit_intercept=False)
    return c_min * np.logspace(0, np.log10(span), points)


def run(X, y, Cs, repeats: int, skip: tuple[str, ...] = ()) -> list[tuple]:
    """Calibrate every contestant, race them interleaved, return the table rows.

    Parameters
    ----------
    X : sparse matrix of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    Cs : ndarray of shape (n_Cs,)
        Ascending values of ``C``.
    repeats : int
        Interleaved timed rounds.
    skip : tuple of str
        Contestants to leave out.

    Returns
    -------
    list of (name, tol, median seconds, largest gap on the path,
    median / fastest peer's median), logreg's path first.
    """

    def objectives(coefs):
        return np.array(
            [
                sklearn_objective(X, y, coef, np.zeros(1), C, l1_ratio=1.0)
                for coef, C in zip(coefs, Cs, strict=True)
            ]
        )

    contestants = {k: v for k, v in CONTESTANTS.items() if k not in skip}
    best = objectives(logreg_path(X, y, Cs, 1e-10))
    chosen, times, gaps = {}, {}, {}
    for name, (path, ladder) in contestants.items():
        for tol in ladder:
            started = time.perf_counter()
            values = objectives(path(X, y, Cs, tol))
            seconds = time.perf_counter() - started
            best = np.minimum(best, values)
            if np.max((values - best) / np.abs(best)) <= TARGET_GAP:
                break
        chosen[name] = tol
        print(f"  calibrated {name}: tol {tol}, {seconds:.2f} s", flush=True)
        if seconds > SLOW_SECONDS:
            times[name], gaps[name] = [seconds], values
    names = [name for name in contestants if name not in times]
    for round_ in range(repeats if names else 0):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            started = time.perf_counter()
            coefs = contestants[name][0](X, y, Cs, chosen[name])
            times.setdefault(name, []).append(time.perf_counter() - started)
            values = objectives(coefs)
            best = np.minimum(best, values)
            gaps[name] = values
    medians = {name: statistics.median(times[name]) for name in contestants}
    fastest = min(medians[name] for name in contestants if name != "logreg path")
    return [
        (
            name,
            "default" if chosen[name] is None else f"{chosen[name]:.0e}",
            medians[name],
            float(np.max((gaps[name] - best) / np.abs(best))),
            medians[name] / fastest,
        )
        for name in contestants
    ]


def main() -> None:
    """Calibrate, race and print the path table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--features", type=int, default=5_000)
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--span", type=float, default=300.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--skip", action="append", default=[], help="a contestant to leave out"
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    np.ones(4) @ np.ones(4)
    for pool in threadpool_info():
        print(f"{pool['user_api']}: {pool.get('internal_api')} {pool.get('version')}")
        print(f"  kernel={pool.get('architecture')} threads={pool['num_threads']}")
    X, y = text_like(args.rows, args.features, 30, 0, 100)
    Cs = path_Cs(X, y, args.points, args.span)
    print(
        f"\n{args.rows:,} x {args.features:,} text-like CSR, L1, no intercept; "
        f"{args.points} values of C from {Cs[0]:.3g} to {Cs[-1]:.3g}\n"
    )
    rows = run(X, y, Cs, args.repeats, tuple(args.skip))
    print("| contestant | tol | median | largest gap on the path | / fastest peer |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, tol, seconds, gap, ratio in rows:
        print(f"| {name} | {tol} | {seconds:.2f} s | {gap:.1e} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
