"""scikit-learn's own ``test_logistic.py``, run against logreg.

The installed scikit-learn's test file is copied with one change: its import
of ``LogisticRegression`` and ``LogisticRegressionCV`` comes from
``tests/sklearn_suite/logreg_shim.py``, which translates constructor
arguments and nothing else. Every test scikit-learn passes must pass here or
be on the documented list of expected failures
(``tests/sklearn_suite/expected_failures.py``), which holds no difference in
results.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sklearn

SUITE = Path(__file__).parent / "sklearn_suite"
IMPORT = (
    "from sklearn.linear_model import LogisticRegression, LogisticRegressionCV, "
    "SGDClassifier\n"
)
SHIM_IMPORT = (
    "from sklearn.linear_model import SGDClassifier\n"
    "from logreg_shim import LogisticRegression, LogisticRegressionCV\n"
)
#: The version the list of expected failures was written for (the test extra
#: pins it); the test file changes with every release.
SKLEARN_VERSION = "1.9.1"


def _run_suite(
    tmp_path: Path, *, env: dict[str, str], selection: list[str]
) -> dict[str, int]:
    """Run the shimmed copy of scikit-learn's test file; the summary's counts."""
    source = Path(sklearn.__file__).parent / "linear_model/tests/test_logistic.py"
    text = source.read_text()
    assert text.count(IMPORT) == 1
    copy = tmp_path / "test_logistic_logreg.py"
    copy.write_text(text.replace(IMPORT, SHIM_IMPORT))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SUITE), os.environ.get("PYTHONPATH", "")]),
        "SKLEARN_TESTS_GLOBAL_RANDOM_SEED": "42",
        **env,
    }
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "sklearn.conftest",
        "-p",
        "expected_failures",
        "--rootdir",
        str(tmp_path),
        *selection,
        str(copy),
    ]
    run = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900
    )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    print(summary)
    return {
        kind: int(number)
        for number, kind in re.findall(
            r"(\d+) (passed|xfailed|failed|skipped)", summary
        )
    }


def _check_version() -> None:
    if sklearn.__version__ != SKLEARN_VERSION:
        pytest.skip(f"expected failures are listed for scikit-learn {SKLEARN_VERSION}")


@pytest.mark.slow
def test_scikit_learn_test_logistic_passes_through_the_shim(tmp_path):
    _check_version()
    counts = _run_suite(tmp_path, env={}, selection=[])
    # scikit-learn itself passes 295 of these tests in this version.
    assert counts.get("passed", 0) + counts.get("xfailed", 0) == 295, counts


@pytest.mark.slow
def test_scikit_learn_array_api_tests_pass_through_the_shim(tmp_path):
    """The same file's array-API tests, in scikit-learn's array-API mode.

    scikit-learn passes 130 of them in this version with array-api-strict and
    PyTorch (CPU) installed, as the test extra installs them; every one must
    pass here too (none is on the list of expected failures).
    """
    _check_version()
    pytest.importorskip("array_api_strict")
    pytest.importorskip("torch")
    counts = _run_suite(
        tmp_path, env={"SCIPY_ARRAY_API": "1"}, selection=["-k", "array_api"]
    )
    assert counts.get("passed", 0) == 130, counts
    assert counts.get("failed", 0) == counts.get("xfailed", 0) == 0, counts
