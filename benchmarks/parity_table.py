"""Print the parity table: objective gap to scikit-learn's optimum, per solver.

Run: ``.venv/bin/python benchmarks/parity_table.py``. For each parity dataset
(the same as ``tests/test_parity.py``) and C, every logreg solver is fitted
and its objective compared with scikit-learn's ``newton-cholesky`` at
``tol=1e-12``; the table shows ``(ours - sklearn) / sklearn`` (negative:
ours is lower). Newton/L-BFGS use ``tol=1e-8`` on the data as loaded; gd/sgd
use ``tol=1e-6`` on standardised data, as the tests do.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import logreg
from reference import PARITY_DATASETS, load, sklearn_objective, sklearn_optimum

SETTINGS = {
    "newton": ({"solver": "newton", "tol": 1e-8}, False),
    "lbfgs": ({"solver": "lbfgs", "tol": 1e-8}, False),
    "gd": ({"solver": "gd", "tol": 1e-6}, True),
    "sgd": ({"solver": "sgd", "tol": 1e-6, "max_iter": 1000, "random_state": 0}, True),
}


def main() -> None:
    print(f"{'dataset':>14} {'C':>6} " + " ".join(f"{s:>10}" for s in SETTINGS))
    for name in PARITY_DATASETS:
        for C in (0.01, 1.0, 100.0):
            gaps = []
            for settings, standardize in SETTINGS.values():
                X, y = load(name, standardize)
                reference, _ = sklearn_optimum(name, C, standardize)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model = logreg.LogisticRegression(C=C, **settings).fit(X, y)
                value = sklearn_objective(X, y, model.coef_, model.intercept_, C)
                gaps.append((value - reference) / abs(reference))
            print(f"{name:>14} {C:>6g} " + " ".join(f"{g:>+10.1e}" for g in gaps))


if __name__ == "__main__":
    main()
