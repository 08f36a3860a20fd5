"""The command line, in process through ``main`` and once as ``python -m logreg``."""

from __future__ import annotations

import subprocess
import sys

import pytest

from logreg.cli import main

SMALL = ["--samples", "60", "--epochs", "5"]


def _one_error_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("logreg: error: ")
    assert "Traceback" not in stderr
    return lines[0]


def test_demo_without_plots(capsys, tmp_path):
    out = tmp_path / "unused"
    assert main(["demo", *SMALL, "--no-plots", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "Accuracy: " in captured.out
    assert not out.exists()


def test_demo_is_reproducible(capsys):
    assert main(["demo", *SMALL, "--no-plots", "--seed", "5"]) == 0
    first = capsys.readouterr().out
    assert main(["demo", *SMALL, "--no-plots", "--seed", "5"]) == 0
    assert capsys.readouterr().out == first


def test_demo_options_reach_the_library(capsys):
    arguments = ["--samples", "90", "--std", "1.5", "--classes", "3"]
    arguments += ["--lr", "0.3", "--epochs", "2", "--seed", "4", "--no-plots"]
    assert main(["demo", *arguments]) == 0
    out = capsys.readouterr().out
    assert "90 points, 2 features, 3 Gaussian blobs (std 1.5), seed 4" in out
    assert "learning rate 0.3, 2 epochs" in out


def test_demo_writes_pictures(capsys, tmp_path):
    out = tmp_path / "a" / "b"
    assert main(["demo", "--samples", "50", "--epochs", "2", "--out", str(out)]) == 0
    names = sorted(path.name for path in out.iterdir())
    assert names == [
        "boundary-snapshots.png",
        "data.png",
        "loss.png",
        "test-boundary.png",
        "training.gif",
    ]
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (["--classes", "1"], "classes"),
        (["--samples", "3"], "samples"),
        (["--lr", "-1"], "lr"),
        (["--lr", "nan"], "lr"),
        (["--epochs", "0"], "epochs"),
        (["--std", "0"], "std"),
        (["--seed", "-1"], "seed"),
        (["--samples", "abc"], "--samples"),
        (["--bogus"], "--bogus"),
        (["--lr", "1e6", "--no-plots"], "diverged"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, arguments, fragment):
    assert main(["demo", *arguments]) == 2
    assert fragment in _one_error_line(capsys.readouterr().err)


def test_unwritable_out_is_one_line_and_exit_2(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main(["demo", *SMALL, "--out", str(blocker / "sub")]) == 2
    captured = capsys.readouterr()
    assert str(blocker) in _one_error_line(captured.err)
    assert "Accuracy" not in captured.out  # it failed before training


def test_no_command_is_one_line_and_exit_2(capsys):
    assert main([]) == 2
    assert "command" in _one_error_line(capsys.readouterr().err)


def test_help(capsys):
    assert main(["--help"]) == 0
    assert "demo" in capsys.readouterr().out
    assert main(["demo", "--help"]) == 0
    text = capsys.readouterr().out
    for option in ("--samples", "--std", "--classes", "--lr", "--epochs", "--seed"):
        assert option in text
    assert "--out" in text and "--no-plots" in text and "(default: 0.2)" in text


def _python_m_logreg(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "error", "-m", "logreg", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_python_m_logreg():
    done = _python_m_logreg("demo", *SMALL, "--no-plots")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "Accuracy: " in done.stdout
    failed = _python_m_logreg("demo", "--classes", "1")
    assert failed.returncode == 2
    assert "classes" in _one_error_line(failed.stderr)
