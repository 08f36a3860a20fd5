"""The command line against hostile input and endings (project issue 18).

Data too large for memory, terminal escape sequences in names, interrupts and
signals, outputs that would overwrite inputs, many classes, compressed files
that hold far more than their size: each ends in a result checked against a
reference computed here (scikit-learn, NumPy, pyarrow, the library itself on
the same rows), or in one ``logreg: error:`` line with its exit code and
nothing written.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import metrics as skm

from logreg import LogisticRegression
from logreg.cli import commands, errors, main, memory
from logreg.data.encoder import TableEncoder
from logreg.data.read import data_size, read_table
from logreg.data.write import remove_stale_temporaries, reserve_temporary
from logreg.persist import load_model_file

ESC = "\x1b"


# ----------------------------------------------------------------- helpers
def _one_error_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("logreg: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def _strings_frame(n_rows: int, n_columns: int, levels: int, seed: int = 0):
    """``n_columns`` string columns of ``levels`` levels, a number, a binary label."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            f"s{j}": np.char.add("L", rng.integers(0, levels, n_rows).astype(str))
            for j in range(n_columns)
        }
    )
    frame["x"] = rng.normal(size=n_rows)
    frame["y"] = np.where(frame["x"] + rng.normal(size=n_rows) > 0, "yes", "no")
    return frame


def _budget(monkeypatch, n_bytes: int | None) -> None:
    """Pretend that ``n_bytes`` of memory are available."""
    monkeypatch.setattr(memory, "available_memory", lambda: n_bytes)


def _files(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    """1,500 rows; three string columns of 100 levels: 301 encoded features."""
    folder = tmp_path_factory.mktemp("wide")
    frame = _strings_frame(1500, 3, 100)
    frame.to_parquet(folder / "wide.parquet", index=False)
    assert main(["fit", str(folder / "wide.parquet"), "--target", "y",
                 "--model", str(folder / "wide.json")]) == 0  # fmt: skip
    return folder


# ------------------------------------------------------------ 3: memory
def test_the_estimate_bounds_what_a_fit_allocates(tmp_path):
    """tracemalloc's peak (NumPy's allocations) of an in-memory fit and predict."""
    data = tmp_path / "d.parquet"
    _strings_frame(4000, 2, 100).to_parquet(data, index=False)
    n_features = 2 * 100 + 1
    tracemalloc.start()
    try:
        commands.fit_model(data, tmp_path / "m.json", target="y", stream=False)
        _, fit_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        commands.predict_file(tmp_path / "m.json", data, tmp_path / "p.csv")
        _, predict_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    estimate = memory.dense_bytes(4000, n_features, 2)
    assert 8 * 4000 * n_features < fit_peak <= estimate  # it builds X, and no more
    assert predict_peak <= estimate


def test_available_memory_is_plausible():
    available = memory.available_memory()
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert available is not None and 0 < available <= total


def test_fit_in_memory_that_does_not_fit_is_refused(capsys, monkeypatch, wide):
    _budget(monkeypatch, 5_000_000)
    model = wide / "refused.json"
    arguments = ["fit", str(wide / "wide.parquet"), "--target", "y"]
    assert main([*arguments, "--model", str(model), "--no-stream"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    # 1,500 rows x 301 features, 3 copies of 8 bytes, plus 2 x 4 class columns;
    # 302 parameters: 16 copies of the 302 x 302 matrix.
    needed = 8 * 1500 * (3 * 301 + 4 * 2) + 16 * 8 * 302**2
    assert f"needs about {memory.format_bytes(needed)}" in line
    assert "1,500 rows x 301 features" in line and "5.0 MB" in line
    assert "--stream" in line and "'s0' (100 levels)" in line
    assert not model.exists()


def test_fit_streams_by_itself_when_memory_is_short(capsys, monkeypatch, wide):
    budget = 16_000_000  # 22.6 MB would fit the 1,500 rows in memory
    _budget(monkeypatch, budget)
    model = wide / "streamed.json"
    assert main(["fit", str(wide / "wide.parquet"), "--target", "y",
                 "--model", str(model)]) == 0  # fmt: skip
    err = capsys.readouterr().err
    rows = (budget - 16 * 8 * 302**2) // (8 * (3 * 301 + 4 * 2))
    assert "logreg: note: streaming wide.parquet from disk" in err
    assert f"batches of {rows:,} rows rather than 65,536" in err
    # The same model as the library's fit of the same encoded rows.
    table = read_table(wide / "wide.parquet")
    encoder = TableEncoder(target="y").fit(table)
    X, y, _ = encoder.transform_xy(table)
    reference = LogisticRegression().fit(X, y)
    fitted = load_model_file(model).estimator
    assert_allclose(fitted.coef_, reference.coef_, atol=1e-6)


@pytest.mark.parametrize("stream", ["--stream", "--no-stream"])
def test_identifier_as_target_is_named(capsys, tmp_path, stream):
    frame = _strings_frame(3000, 1, 5).assign(id=[f"u{i}" for i in range(3000)])
    data = tmp_path / "ids.csv"
    frame.to_csv(data, index=False)
    arguments = ["fit", str(data), "--target", "id", "--exclude", "y", stream]
    start = time.perf_counter()
    assert main([*arguments, "--model", str(tmp_path / "m.json")]) == 2
    assert time.perf_counter() - start < 5  # refused before any fit
    line = _one_error_line(capsys.readouterr().err)
    assert "'id' has 3,000 distinct values in 3,000 rows" in line
    assert "fewer than 2 rows per class" in line
    assert _files(tmp_path) == ["ids.csv"]


def test_many_classes_are_named_when_they_do_not_fit(capsys, monkeypatch, tmp_path):
    frame = _strings_frame(3600, 1, 5).assign(id=[f"u{i // 3}" for i in range(3600)])
    data = tmp_path / "ids.csv"
    frame.to_csv(data, index=False)
    _budget(monkeypatch, 10_000_000)
    arguments = ["fit", str(data), "--target", "id", "--exclude", "y", "--no-stream"]
    assert main([*arguments, "--model", str(tmp_path / "m.json")]) == 2
    line = _one_error_line(capsys.readouterr().err)
    # 3,600 rows x (3 x 6 features + 4 x 1,200 classes) x 8 bytes, and 8,400
    # parameters (too many for inference statistics): 32 vectors of them.
    needed = 8 * 3600 * (3 * 6 + 4 * 1200) + 32 * 8 * 8400
    assert f"needs about {memory.format_bytes(needed)}" in line
    assert "1,200 classes (an identifier?)" in line and "--exclude" not in line


def test_predict_batches_fit_in_memory(capsys, monkeypatch, wide):
    data, model = wide / "wide.parquet", wide / "wide.json"
    assert main(["predict", str(model), str(data), "--out", str(wide / "a.csv")]) == 0
    capsys.readouterr()
    budget = 16 * 8 * 302**2 + 8 * (3 * 301 + 4 * 2) * 250
    _budget(monkeypatch, budget)
    out = wide / "b.csv"
    assert main(["predict", str(model), str(data), "--out", str(out)]) == 0
    assert "logreg: note: batches of 250 rows" in capsys.readouterr().err
    whole, batched = pd.read_csv(wide / "a.csv"), pd.read_csv(out)
    assert_array_equal(batched["prediction"], whole["prediction"])
    assert_allclose(batched["proba_yes"], whole["proba_yes"], rtol=1e-12)
    refused = wide / "c.csv"
    arguments = ["predict", str(model), str(data), "--out", str(refused)]
    assert main([*arguments, "--batch-rows", "1000"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "predicting in batches needs about" in line and "--batch-rows 250" in line
    assert not refused.exists()


def test_evaluate_that_does_not_fit_is_refused(capsys, monkeypatch, wide):
    _budget(monkeypatch, 1_000_000)
    assert main(["evaluate", str(wide / "wide.json"), str(wide / "wide.parquet")]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "evaluating all rows at once" in line and "a random sample" in line


def test_a_file_too_large_to_read_whole_is_refused_before_reading(
    capsys, monkeypatch, wide
):
    held = data_size(wide / "wide.parquet")
    _budget(monkeypatch, 4 * held - 4)  # a quarter of it is just below the data
    assert main(["evaluate", str(wide / "wide.json"), str(wide / "wide.parquet")]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "reads wide.parquet whole" in line and "a random sample" in line


def test_memory_error_anywhere_is_one_line(capsys, monkeypatch, wide):
    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(TableEncoder, "transform_xy", out_of_memory)
    assert main(["evaluate", str(wide / "wide.json"), str(wide / "wide.parquet")]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith("logreg: error: out of memory: ") and "--stream" in line


def test_an_unexpected_exception_is_one_line(capsys, monkeypatch, wide):
    def bug(*args, **kwargs):
        return 1 / 0

    monkeypatch.setattr(commands, "evaluate_file", bug)
    assert main(["evaluate", str(wide / "wide.json"), str(wide / "wide.parquet")]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line == "logreg: error: ZeroDivisionError: division by zero"


# ------------------------------------------------------------- 5: HC1
def test_hc1_needs_more_observations_than_parameters(capsys, tmp_path):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(4, 3)), np.array([0, 1, 0, 1])
    model = LogisticRegression().fit(X, y)  # 4 observations, 4 parameters
    with pytest.raises(ValueError, match=r"more observations \(n = 4\) than .*HC0"):
        model.summary(cov_type="HC1")
    assert np.all(np.isfinite(model.summary(cov_type="HC0").to_frame()["std_err"]))
    data = tmp_path / "tiny.csv"
    pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=y).to_csv(data, index=False)
    model = str(tmp_path / "m.json")
    assert main(["fit", str(data), "--target", "y", "--model", model]) == 0
    capsys.readouterr()
    assert main(["summary", model, "--cov-type", "HC1"]) == 2
    assert "cov_type='HC1'" in _one_error_line(capsys.readouterr().err)


def test_hc1_is_hc0_times_n_over_n_minus_k():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] + rng.normal(size=30) > 0).astype(int)
    model = LogisticRegression(C=np.inf).fit(X, y)
    hc0 = model.summary(cov_type="HC0").to_frame()["std_err"].to_numpy()
    hc1 = model.summary(cov_type="HC1").to_frame()["std_err"].to_numpy()
    assert_allclose(hc1, hc0 * np.sqrt(30 / (30 - 3)), rtol=1e-12)


# ------------------------------------------------------- 6, 8: many classes
@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """40 classes with long names sharing a 40-character prefix, 1,600 rows."""
    folder = tmp_path_factory.mktemp("many")
    rng = np.random.default_rng(3)
    n_rows, n_classes = 1600, 40
    X = rng.normal(size=(n_rows, 2))
    centres = rng.normal(scale=3.0, size=(n_classes, 2))
    label = rng.integers(0, n_classes, n_rows)
    X += centres[label]
    prefix = "a-class-name-that-is-longer-than-a-column"
    names = np.array([f"{prefix}-{k:02d}" for k in range(n_classes)])
    frame = pd.DataFrame({"u": X[:, 0], "v": X[:, 1], "y": names[label]})
    frame.to_parquet(folder / "many.parquet", index=False)
    arguments = ["fit", str(folder / "many.parquet"), "--target", "y"]
    assert main([*arguments, "--model", str(folder / "many.json")]) == 0
    return folder


def test_evaluate_piped_keeps_every_name_and_count(capsys, many):
    model, data = str(many / "many.json"), str(many / "many.parquet")
    assert main(["evaluate", model, data]) == 0
    out = capsys.readouterr().out
    assert "…" not in out and "..." not in out
    estimator = load_model_file(many / "many.json").estimator
    frame = pd.read_parquet(many / "many.parquet")
    features = pd.DataFrame(
        load_model_file(many / "many.json").preprocessor.transform(
            pa.Table.from_pandas(frame)
        )[0],
        columns=estimator.feature_names_in_,
    )
    classes = list(estimator.classes_)
    matrix = skm.confusion_matrix(
        frame["y"], estimator.predict(features), labels=classes
    )
    lines = out.splitlines()
    start = lines.index("Confusion matrix (rows: true class, columns: predicted class)")
    assert lines[start + 1].split()[3:] == classes  # after "true \ predicted"
    for line, name, counts in zip(lines[start + 2 :], classes, matrix, strict=True):
        assert line.split() == [name, *map(str, counts)]


def test_on_a_terminal_a_table_too_wide_is_plain_not_cut(capsys, monkeypatch, many):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["evaluate", str(many / "many.json"), str(many / "many.parquet")]) == 0
    out = capsys.readouterr().out
    assert "…" not in out
    lines = out.splitlines()
    start = lines.index("Confusion matrix (rows: true class, columns: predicted class)")
    assert len(lines[start + 1].split()) == 3 + 40  # every class, in full
    # The per-class table fits 80 columns only boxed by rich, names in full.
    assert "a-class-name-that-is-longer-than-a-column-00" in out


def test_report_with_many_classes_is_quick_and_complete(capsys, many):
    out = many / "report.html"
    start = time.perf_counter()
    assert main(["report", str(many / "many.json"), str(many / "many.parquet"),
                 "--out", str(out)]) == 0  # fmt: skip
    assert time.perf_counter() - start < 30  # 200 classes took 134 s
    capsys.readouterr()
    page = out.read_text()
    assert 'id="fig-confusion"' not in page and "Most frequent confusions" in page
    assert "micro-average" in page
    assert page.count('<img src="data:image/png;base64,') >= 3
    # The first listed confusion is the largest off-diagonal count.
    assert main(["evaluate", str(many / "many.json"), str(many / "many.parquet"),
                 "--json"]) == 0  # fmt: skip
    document = json.loads(capsys.readouterr().out)
    matrix = np.array(document["confusion_matrix"])
    np.fill_diagonal(matrix, 0)
    true, predicted = np.unravel_index(np.argmax(matrix), matrix.shape)
    classes = document["classes"]
    first = page.split("Most frequent confusions")[1]
    row = f"{classes[true]}</td><td>{classes[predicted]}</td><td>{matrix.max():,}"
    assert row in first


# ------------------------------------------------------------ 7: escapes
def test_escape_sequences_from_the_data_are_escaped(capsys, tmp_path):
    rng = np.random.default_rng(4)
    n_rows = 120
    clear, title = f"{ESC}[2J", f"{ESC}]0;owned\x07"
    frame = pd.DataFrame(
        {
            f"x{title}": rng.normal(size=n_rows),
            "kind": rng.choice([f"red{clear}", "blue\u202e"], n_rows),
            "y": rng.choice([f"yes{clear}", "no\r"], n_rows),
        }
    )
    data = tmp_path / "escapes.parquet"
    frame.to_parquet(data, index=False)
    model = str(tmp_path / "m.json")
    calls = [
        ["fit", str(data), "--target", "y", "--model", model],
        ["summary", model, "--original-scale"],
        ["evaluate", model, str(data)],
        ["predict", model, str(data), "--out", str(tmp_path / "p.parquet")],
        ["report", model, str(data), "--out", str(tmp_path / "r.html")],
    ]
    for arguments in calls:
        assert main(arguments) == 0, arguments
        captured = capsys.readouterr()
        for text in (captured.out, captured.err):
            assert ESC not in text and "\x07" not in text and "\u202e" not in text
            assert "\r" not in text
    assert main(["evaluate", model, str(data)]) == 0
    out = capsys.readouterr().out
    assert "yes\\x1b[2J" in out and "no\\r" in out  # visible, not obeyed


def test_printable_escapes_only_what_a_terminal_would_obey():
    assert errors.printable("café 東京 x=1") == "café 東京 x=1"
    assert errors.printable(f"a{ESC}[2Jb\x07\u202ec") == "a\\x1b[2Jb\\x07\\u202ec"
    assert errors.display_width("東京") == 4


# ---------------------------------------------------------- 9: interrupts
@pytest.fixture(scope="module")
def stream(tmp_path_factory):
    """A model and 60,000 rows to predict in many small batches."""
    folder = tmp_path_factory.mktemp("stream")
    frame = _strings_frame(60_000, 1, 4)
    frame.to_parquet(folder / "rows.parquet", index=False)
    assert main(["fit", str(folder / "rows.parquet"), "--target", "y",
                 "--model", str(folder / "m.json")]) == 0  # fmt: skip
    return folder


def _interrupt() -> None:
    raise KeyboardInterrupt


def _stop_on_second_batch(monkeypatch, stop) -> None:
    """Make ``predict`` call ``stop()`` once its first batch is written."""
    original = commands._Predictor.predict
    calls = []

    def predict(self, batch):
        calls.append(1)
        if len(calls) == 2:
            stop()
        return original(self, batch)

    monkeypatch.setattr(commands._Predictor, "predict", predict)


@pytest.mark.parametrize(
    ("stop", "code", "message"),
    [
        (_interrupt, 130, "interrupted"),
        (lambda: os.kill(os.getpid(), signal.SIGTERM), 143, "terminated by SIGTERM"),
        (lambda: os.kill(os.getpid(), signal.SIGHUP), 129, "terminated by SIGHUP"),
    ],
)
def test_interrupt_leaves_nothing_behind(
    capsys, monkeypatch, tmp_path, stream, stop, code, message
):
    out = tmp_path / "pred.csv"
    out.write_text("old\n")
    _stop_on_second_batch(monkeypatch, stop)
    arguments = ["predict", str(stream / "m.json"), str(stream / "rows.parquet")]
    before = signal.getsignal(signal.SIGTERM)
    assert main([*arguments, "--out", str(out), "--batch-rows", "1000"]) == code
    assert _one_error_line(capsys.readouterr().err) == f"logreg: error: {message}"
    assert _files(tmp_path) == ["pred.csv"] and out.read_text() == "old\n"
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is restored


def test_sigterm_and_sigkill_from_outside(tmp_path, stream):
    """A real ``python -m logreg predict``, stopped while it writes."""
    out = tmp_path / "pred.csv"
    command = [sys.executable, "-m", "logreg", "predict", str(stream / "m.json"),
               str(stream / "rows.parquet"), "--out", str(out),
               "--batch-rows", "10"]  # fmt: skip

    def start_and_wait_for_the_temporary() -> subprocess.Popen:
        process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        return process

    process = start_and_wait_for_the_temporary()
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143
    assert _one_error_line(stderr) == "logreg: error: terminated by SIGTERM"
    assert _files(tmp_path) == []
    process = start_and_wait_for_the_temporary()
    process.kill()  # SIGKILL: nothing runs, the temporary file stays
    process.communicate(timeout=60)
    (stale,) = tmp_path.iterdir()
    assert stale.name.startswith(".pred.csv.") and stale.name.endswith(".tmp")
    command[command.index("10")] = "20000"
    assert subprocess.run(command, capture_output=True, timeout=120).returncode == 0
    assert _files(tmp_path) == ["pred.csv"]  # the next write removed it


def test_only_temporaries_of_dead_writers_are_removed(tmp_path):
    target = tmp_path / "out.csv"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        names = {
            "dead": f".out.csv.{dead.pid}-0123abcd.tmp",
            "alive": f".out.csv.{alive.pid}-0123abcd.tmp",
            "other target": f".other.csv.{dead.pid}-0123abcd.tmp",
            "not ours": ".out.csv.notapid.tmp",
        }
        for name in names.values():
            (tmp_path / name).write_text("partial")
        removed = remove_stale_temporaries(target)
        assert removed == [tmp_path / names["dead"]]
        fresh = reserve_temporary(target)
        assert fresh.name.startswith(f".out.csv.{os.getpid()}-")
        assert sorted(_files(tmp_path)) == sorted(
            [fresh.name, names["alive"], names["other target"], names["not ours"]]
        )
    finally:
        alive.kill()
        alive.wait()


# ------------------------------------------------------ 10: big integers
def test_integers_beyond_2_53_round_as_floats_at_fit_and_predict(capsys, tmp_path):
    rng = np.random.default_rng(5)
    n_rows = 200
    big = rng.integers(2**53 + 1, 2**60, n_rows)
    x = rng.normal(size=n_rows)
    y = rng.integers(0, 2, n_rows)
    frame = pd.DataFrame({"x": x, "big": big, "y": y})
    frame.to_csv(tmp_path / "big.csv", index=False)
    frame.to_parquet(tmp_path / "big.parquet", index=False)
    model = tmp_path / "m.json"
    assert main(["fit", str(tmp_path / "big.csv"), "--target", "y",
                 "--model", str(model)]) == 0  # fmt: skip
    # Python's int -> float is correctly rounded, as is parsing the digits.
    X = np.column_stack([x, np.array([float(int(v)) for v in big])])
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    reference = LogisticRegression().fit(X, y)
    assert_allclose(load_model_file(model).estimator.coef_, reference.coef_, rtol=1e-6)
    for suffix in ("csv", "parquet"):
        out = tmp_path / f"p-{suffix}.csv"
        assert main(["predict", str(model), str(tmp_path / f"big.{suffix}"),
                     "--out", str(out)]) == 0  # fmt: skip
        written = pd.read_csv(out)
        expected = reference.predict_proba(X)[:, 1]
        assert_allclose(written["proba_1"], expected, rtol=1e-6)


# ------------------------------------------------ 11: outputs over inputs
def test_outputs_never_replace_inputs(capsys, tmp_path, wide):
    data = tmp_path / "train.parquet"
    data.write_bytes((wide / "wide.parquet").read_bytes())
    model = tmp_path / "m.json"
    model.write_bytes((wide / "wide.json").read_bytes())
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    (tmp_path / "report.html").symlink_to(model)
    os.link(data, tmp_path / "hardlink.parquet")
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    cases = [
        (["fit", str(data), "--target", "y", "--model", str(data)], "input file"),
        (["fit", str(data), "--target", "y", "--model", str(tmp_path / "other.csv")],
         "names a data file"),
        (["predict", str(model), str(data),
          "--out", str(tmp_path / "hardlink.parquet")], "input file"),
        (["report", str(model), str(data), "--out", str(tmp_path / "report.html")],
         "input file"),
    ]  # fmt: skip
    for arguments, fragment in cases:
        assert main(arguments) == 2, arguments
        assert fragment in _one_error_line(capsys.readouterr().err), arguments
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


# ------------------------------------------------ 12: compressed size
def test_data_size_is_what_the_file_holds(tmp_path):
    text = "a,b,y\n" + "1.0,hello,0\n2.0,world,1\n" * 20_000
    path = tmp_path / "d.csv.gz"
    path.write_bytes(
        gzip.compress(text[:100].encode()) + gzip.compress(text[100:].encode())
    )
    assert path.stat().st_size < len(text) / 50
    assert data_size(path) == len(text)  # both members
    assert len(text) >= data_size(path, limit=1000) > 1000
    plain = tmp_path / "d.csv"
    plain.write_text(text)
    assert data_size(plain) == plain.stat().st_size


def test_fit_streams_a_small_gzip_that_holds_much(monkeypatch, tmp_path):
    frame = _strings_frame(30_000, 1, 3)
    path = tmp_path / "d.csv.gz"
    frame.to_csv(path, index=False, compression="gzip")
    decoded = len(frame.to_csv(index=False).encode())
    # Before, the compressed size was compared: never more than itself.
    monkeypatch.setattr(memory, "STREAM_BYTES", path.stat().st_size)
    assert decoded > path.stat().st_size
    result = commands.fit_model(path, tmp_path / "m.json", target="y")
    assert result.streamed
    monkeypatch.setattr(memory, "STREAM_BYTES", decoded + 1)
    monkeypatch.setattr(memory, "available_memory", lambda: None)
    assert not commands.fit_model(path, tmp_path / "m.json", target="y").streamed


# ------------------------------------------------------------ 15: messages
def test_streamed_column_empty_at_first_is_not_called_all_missing(capsys, tmp_path):
    n_empty = 120_000  # more than the 1 MiB block whose types a CSV stream takes
    path = tmp_path / "late.csv"
    with open(path, "w") as file:
        file.write("a,b,y\n")
        file.writelines(f"{i},,{i % 2}\n" for i in range(n_empty))
        file.writelines(f"{i},{i / 2},{i % 2}\n" for i in range(100))
    arguments = ["fit", str(path), "--target", "y", "--model", str(tmp_path / "m.json")]
    assert main([*arguments, "--stream", "--batch-rows", "5000"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "'b' (no value in the first 5,000 rows" in line
    assert "every value is missing" not in line and "read it whole" in line


def test_streamed_type_change_hint_has_something_to_do(capsys, tmp_path):
    path = tmp_path / "changes.csv"
    with open(path, "w") as file:
        file.write("a,y\n")
        file.writelines(f"{i % 10},{i % 2}\n" for i in range(400_000))  # > 1 MiB
        file.write("oops,1\n")
    arguments = ["fit", str(path), "--target", "y", "--model", str(tmp_path / "m.json")]
    assert main([*arguments, "--stream"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "give the column's type" not in line
    assert "convert the file to Parquet" in line and "read the file whole" in line
    assert main(arguments) == 0  # read whole, 'a' is a string column of 11 levels
    capsys.readouterr()


@pytest.mark.parametrize(
    ("option", "value"),
    [("--random-state", "-1"), ("--max-iter", "-2"), ("--batch-rows", "0")],
)
def test_bad_integer_options_are_named(capsys, wide, option, value):
    arguments = ["fit", str(wide / "wide.parquet"), "--target", "y"]
    assert main([*arguments, "--model", str(wide / "x.json"), option, value]) == 2
    assert f"argument {option}: must be at least" in _one_error_line(
        capsys.readouterr().err
    )


def test_a_column_named_like_an_indicator_is_refused_by_name(capsys, tmp_path):
    path = tmp_path / "clash.csv"
    pd.DataFrame({"a": ["b", "c"] * 5, "a=b": range(10), "y": [0, 1] * 5}).to_csv(
        path, index=False
    )
    arguments = ["fit", str(path), "--target", "y", "--model", str(tmp_path / "m.json")]
    assert main(arguments) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "columns 'a' (level 'b') and 'a=b' would both make the feature 'a=b'" in line


def test_a_demo_too_large_for_memory_is_refused(capsys):
    from logreg.cli import main

    assert main(["demo", "--samples", str(10**13), "--no-plots"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("logreg: error: --samples") and err.count("\n") == 1
