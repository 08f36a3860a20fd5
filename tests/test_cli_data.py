"""``logreg fit|predict|evaluate|summary|report`` on CSV and Parquet files.

A few paths run as ``python -m logreg`` in a subprocess; the rest run in
process through ``main``. Every number is checked against a reference
computed here in Python: the estimator fitted on the same encoded rows,
``predict_proba`` on the same rows, ``sklearn.metrics``, ``summary()``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import metrics as skm

from logreg import LogisticRegression
from logreg.cli import commands, main
from logreg.data.encoder import TableEncoder
from logreg.data.read import read_table
from logreg.persist import load_model_file

N_ROWS = 300
FEATURES = ["x1", "x2", "color", "flag"]
BINARY = ["--target", "label", "--exclude", "id", "kind"]
MULTI = ["--target", "kind", "--exclude", "id", "label"]


# ------------------------------------------------------------------ fixtures
def _frame(n_rows: int = N_ROWS, seed: int = 0) -> pd.DataFrame:
    """Two numbers on very different scales, a string, a boolean; two targets."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(50.0, 10.0, n_rows)
    x2 = rng.normal(0.0, 0.01, n_rows)
    color = rng.choice(["red", "green", "blue"], n_rows)
    flag = rng.random(n_rows) < 0.4
    shift = np.select([color == "red", color == "green"], [1.0, -0.5], 0.0)
    score = 0.15 * (x1 - 50) + 150 * x2 + shift + 0.8 * flag
    label = np.where(rng.random(n_rows) < 1 / (1 + np.exp(-score)), "yes", "no")
    noisy = score + rng.normal(0.0, 1.0, n_rows)
    kind = np.select([noisy < -0.7, noisy < 0.7], ["a", "b"], "c")
    return pd.DataFrame(
        {
            "id": np.arange(n_rows) + 1000,
            "x1": x1,
            "x2": x2,
            "color": color,
            "flag": flag,
            "label": label,
            "kind": kind,
        }
    )


def _write(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The data in both formats, and a binary and a multinomial model."""
    folder = tmp_path_factory.mktemp("data")
    frame = _frame()
    paths = {
        "folder": folder,
        "csv": _write(frame, folder / "train.csv"),
        "parquet": _write(frame, folder / "train.parquet"),
        "binary": folder / "binary.json",
        "multi": folder / "multi.json",
    }
    assert (
        main(["fit", str(paths["csv"]), *BINARY, "--model", str(paths["binary"])]) == 0
    )
    arguments = ["fit", str(paths["parquet"]), *MULTI, "--model", str(paths["multi"])]
    assert main([*arguments, "--solver", "lbfgs", "--C", "2"]) == 0
    return paths


def _reference(path: Path, target: str, exclude: list[str], **params):
    """The encoder and estimator fitted here, on the same file, as ``fit`` would."""
    table = read_table(path)
    encoder = TableEncoder(target=target, exclude=exclude).fit(table)
    X, y, _ = encoder.transform_xy(table)
    model = LogisticRegression(**params).fit(X, y)
    # Saving computes the inference statistics, which first finish a penalised
    # fit at its optimum to rounding; the summary does the same here.
    model.summary()
    return encoder, X, y, model


def _encoded(model_path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` encoded as the saved model's features."""
    encoder = load_model_file(model_path).preprocessor
    X, _ = encoder.transform(pa.Table.from_pandas(frame, preserve_index=False))
    return pd.DataFrame(X, columns=encoder.feature_names_out)


def _one_error_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("logreg: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def _python_m_logreg(*calls: list[object]) -> list[subprocess.CompletedProcess[str]]:
    """Run ``python -m logreg`` once per call, concurrently (each import costs)."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-W", "error", "-m", "logreg", *map(str, arguments)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for arguments in calls
    ]
    done = []
    for process, arguments in zip(processes, calls, strict=True):
        stdout, stderr = process.communicate(timeout=120)
        done.append(
            subprocess.CompletedProcess(arguments, process.returncode, stdout, stderr)
        )
    return done


# ------------------------------------------------------ python -m logreg
def test_python_m_logreg(tmp_path, files):
    model = tmp_path / "model.json"
    (fitted,) = _python_m_logreg(["fit", files["parquet"], *BINARY, "--model", model])
    assert fitted.returncode == 0, fitted.stderr
    assert fitted.stderr == ""
    for fact in ("Classes", "no, yes", "Train accuracy", "converged", str(model)):
        assert fact in fitted.stdout

    out = tmp_path / "pred.parquet"
    predicted, evaluated, failed = _python_m_logreg(
        ["predict", model, files["csv"], "--out", out, "--id", "id"],
        ["evaluate", model, files["csv"], "--json"],
        ["predict", files["csv"], files["csv"], "--out", tmp_path / "no.csv"],
    )
    assert predicted.returncode == 0, predicted.stderr
    assert f"Wrote {N_ROWS} predictions" in predicted.stdout
    written = pd.read_parquet(out)
    assert list(written.columns) == ["id", "prediction", "proba_no", "proba_yes"]
    assert evaluated.returncode == 0, evaluated.stderr
    document = json.loads(evaluated.stdout)  # exactly one JSON object
    assert set(document) >= {"accuracy", "log_loss", "roc_auc"}
    assert failed.returncode == 2
    assert "not a logreg model file" in _one_error_line(failed.stderr)
    assert not (tmp_path / "no.csv").exists()


def test_help_lists_every_command(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for command in ("demo", "fit", "predict", "evaluate", "summary", "report"):
        assert command in text
    assert main(["fit", "--help"]) == 0
    text = capsys.readouterr().out
    for option in ("--target", "--model", "--C", "--l1-ratio", "--solver"):
        assert option in text
    for option in ("--max-iter", "--tol", "--class-weight", "--exclude"):
        assert option in text
    assert "--no-standardize" in text and "--drop-missing" in text


# ------------------------------------------------------------------------ fit
@pytest.mark.parametrize(
    ("model", "source", "target"),
    [("binary", "csv", "label"), ("multi", "parquet", "kind")],
)
def test_fit_equals_the_library_on_the_same_rows(files, model, source, target):
    saved = load_model_file(files[model])
    exclude = ["id", "kind" if target == "label" else "label"]
    params = {"solver": "lbfgs", "C": 2.0} if model == "multi" else {}
    encoder, X, y, reference = _reference(files[source], target, exclude, **params)
    estimator = saved.estimator
    assert_allclose(estimator.coef_, reference.coef_, rtol=1e-12, atol=1e-14)
    assert_allclose(estimator.intercept_, reference.intercept_, rtol=1e-12)
    assert_array_equal(estimator.classes_, reference.classes_)
    assert list(estimator.feature_names_in_) == encoder.feature_names_out
    assert_array_equal(saved.preprocessor.center_, encoder.center_)
    assert_array_equal(saved.preprocessor.scale_, encoder.scale_)
    assert saved.metadata["data_file"] == files[source].name
    assert saved.metadata["target"] == target
    assert saved.metadata["n_rows_used"] == N_ROWS
    assert saved.metadata["n_rows_dropped"] == 0
    assert saved.metadata["train_accuracy"] == pytest.approx(reference.score(X, y))


@pytest.mark.parametrize("source", ["csv", "parquet"])
def test_streamed_fit_equals_the_in_memory_fit(capsys, tmp_path, files, source):
    model = tmp_path / "streamed.json"
    arguments = ["fit", str(files[source]), *BINARY, "--model", str(model)]
    assert main([*arguments, "--stream", "--batch-rows", "64"]) == 0
    capsys.readouterr()
    streamed, in_memory = load_model_file(model), load_model_file(files["binary"])
    assert_allclose(
        streamed.estimator.coef_, in_memory.estimator.coef_, rtol=1e-9, atol=1e-12
    )
    assert_allclose(streamed.preprocessor.center_, in_memory.preprocessor.center_)
    assert_allclose(streamed.preprocessor.scale_, in_memory.preprocessor.scale_)
    assert streamed.metadata["train_accuracy"] == pytest.approx(
        in_memory.metadata["train_accuracy"]
    )
    assert not hasattr(streamed.estimator, "file_encoder_")


def test_fit_options_reach_the_library(capsys, tmp_path, files):
    model = tmp_path / "m.json"
    options = ["--C", "0.5", "--solver", "newton", "--max-iter", "50", "--tol", "1e-6"]
    options += ["--class-weight", "balanced", "--no-standardize"]
    assert (
        main(["fit", str(files["csv"]), *BINARY, "--model", str(model), *options]) == 0
    )
    assert capsys.readouterr().err == ""
    saved = load_model_file(model)
    params = saved.estimator.get_params()
    assert params["C"] == 0.5 and params["solver"] == "newton"
    assert params["max_iter"] == 50 and params["tol"] == 1e-6
    assert params["class_weight"] == "balanced"
    assert saved.preprocessor.standardize is False
    table = read_table(files["csv"])
    encoder = TableEncoder(target="label", exclude=["id", "kind"], standardize=False)
    X, y, _ = encoder.fit(table).transform_xy(table)
    reference = LogisticRegression(
        C=0.5, solver="newton", max_iter=50, tol=1e-6, class_weight="balanced"
    ).fit(X, y)
    reference.summary()  # finished at the optimum, as saving the model does
    assert_allclose(saved.estimator.coef_, reference.coef_, rtol=1e-12)


def test_fit_drop_missing_counts_rows(capsys, tmp_path):
    frame = _frame()
    frame.loc[[3, 10, 11], "x1"] = np.nan
    frame.loc[[11, 20], "color"] = None
    data = _write(frame, tmp_path / "holes.csv")
    model = tmp_path / "m.json"
    assert main(["fit", str(data), *BINARY, "--model", str(model)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "'x1' (3)" in line and "'color' (2)" in line and "--drop-missing" in line
    assert not model.exists()
    arguments = ["fit", str(data), *BINARY, "--model", str(model), "--drop-missing"]
    assert main(arguments) == 0
    assert "296 rows, 4 dropped for missing values" in capsys.readouterr().out
    assert load_model_file(model).metadata["n_rows_dropped"] == 4


def test_library_warnings_are_one_line_each(capsys, tmp_path, files):
    model = tmp_path / "m.json"
    arguments = ["fit", str(files["csv"]), *BINARY, "--model", str(model)]
    assert main([*arguments, "--solver", "gd", "--max-iter", "2"]) == 0
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "logreg: warning: gd failed to converge"
    )
    assert "did not converge" in captured.out and model.exists()

    separable = pd.DataFrame({"x": np.arange(20.0), "y": ["a"] * 10 + ["b"] * 10})
    data = _write(separable, tmp_path / "separable.csv")
    arguments = ["fit", str(data), "--target", "y", "--model", str(model)]
    assert main([*arguments, "--C", "inf"]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert any("perfectly separated" in line for line in lines)
    assert all(line.startswith("logreg: warning: ") for line in lines)


def test_fit_spinner_on_a_terminal(capsys, monkeypatch, tmp_path, files):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    model = tmp_path / "m.json"
    assert main(["fit", str(files["csv"]), *BINARY, "--model", str(model)]) == 0
    assert "Train accuracy" in capsys.readouterr().out
    assert model.exists()


# -------------------------------------------------------------------- predict
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_predictions_equal_predict_proba(capsys, tmp_path, files, suffix):
    frame = _frame(N_ROWS, seed=1)
    data = _write(frame, tmp_path / f"new{suffix}")
    out = tmp_path / f"pred{suffix}"
    arguments = ["predict", str(files["multi"]), str(data), "--out", str(out)]
    assert main([*arguments, "--id", "id", "--batch-rows", "64"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert f"Wrote {N_ROWS} predictions to {out}" in captured.out
    written = read_table(out).to_pandas()
    assert list(written.columns) == [
        "id",
        "prediction",
        "proba_a",
        "proba_b",
        "proba_c",
    ]
    estimator = load_model_file(files["multi"]).estimator
    X = _encoded(files["multi"], frame)
    proba = written[["proba_a", "proba_b", "proba_c"]].to_numpy()
    assert_allclose(proba, estimator.predict_proba(X), rtol=1e-12, atol=1e-15)
    assert_array_equal(written["prediction"], estimator.predict(X))
    assert_array_equal(written["id"], frame["id"])


def test_predict_streams_in_batches(capsys, monkeypatch, tmp_path, files):
    sizes = []
    write = commands.BatchWriter.write

    def recording_write(self, data):
        sizes.append(data.num_rows)
        write(self, data)

    monkeypatch.setattr(commands.BatchWriter, "write", recording_write)
    out = tmp_path / "pred.csv"
    arguments = ["predict", str(files["binary"]), str(files["parquet"])]
    assert main([*arguments, "--out", str(out), "--batch-rows", "128"]) == 0
    assert sizes == [128, 128, 44]
    assert len(pd.read_csv(out)) == N_ROWS


def test_predict_missing_values_counted_over_the_whole_file(capsys, tmp_path, files):
    frame = _frame()
    frame.loc[[5, 250, 260], "x2"] = np.nan  # in two different batches
    frame.loc[[7], "color"] = None
    data = _write(frame, tmp_path / "holes.parquet")
    out = tmp_path / "pred.csv"
    arguments = ["predict", str(files["binary"]), str(data), "--out", str(out)]
    assert main([*arguments, "--batch-rows", "100"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "'x2' (3)" in line and "'color' (1)" in line and "--drop-missing" in line
    assert not out.exists()

    assert (
        main([*arguments, "--batch-rows", "100", "--drop-missing", "--id", "id"]) == 0
    )
    assert "(4 rows with missing values skipped)" in capsys.readouterr().out
    written = pd.read_csv(out)
    kept = frame.drop(index=[5, 7, 250, 260])
    assert_array_equal(written["id"], kept["id"])
    estimator = load_model_file(files["binary"]).estimator
    proba = estimator.predict_proba(_encoded(files["binary"], kept))
    assert_allclose(written[["proba_no", "proba_yes"]], proba, rtol=1e-12)


def test_predict_notes_unseen_categories(capsys, tmp_path, files):
    frame = _frame(50, seed=2)
    frame.loc[[1, 2, 3], "color"] = "purple"
    data = _write(frame, tmp_path / "new.csv")
    out = tmp_path / "pred.parquet"
    arguments = ["predict", str(files["binary"]), str(data), "--out", str(out)]
    assert main(arguments) == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "logreg: note: categories unseen at fit (encoded as all-zero indicators): "
        "'color' in 3 rows"
    ]
    written = pd.read_parquet(out)
    estimator = load_model_file(files["binary"]).estimator
    proba = estimator.predict_proba(_encoded(files["binary"], frame))
    assert_allclose(written[["proba_no", "proba_yes"]], proba, rtol=1e-12)


# ------------------------------------------------------------------- evaluate
@pytest.mark.parametrize(("model", "source"), [("binary", "csv"), ("multi", "parquet")])
def test_evaluate_json_equals_sklearn_metrics(capsys, files, model, source):
    assert main(["evaluate", str(files[model]), str(files[source]), "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    document = json.loads(captured.out)
    frame = _frame()
    estimator = load_model_file(files[model]).estimator
    X = _encoded(files[model], frame)
    y = frame["label" if model == "binary" else "kind"].to_numpy()
    proba, predicted = estimator.predict_proba(X), estimator.predict(X)
    assert document["accuracy"] == pytest.approx(skm.accuracy_score(y, predicted))
    assert document["log_loss"] == pytest.approx(skm.log_loss(y, proba), rel=1e-12)
    if model == "binary":
        auc = skm.roc_auc_score(y == "yes", proba[:, 1])
    else:
        auc = skm.roc_auc_score(y, proba, multi_class="ovr", average="macro")
    assert document["roc_auc"] == pytest.approx(auc, rel=1e-12)
    confusion = skm.confusion_matrix(y, predicted, labels=estimator.classes_)
    assert document["confusion_matrix"] == confusion.tolist()
    f1 = skm.f1_score(y, predicted, average=None, labels=estimator.classes_)
    assert [document["per_class"][c]["f1"] for c in estimator.classes_] == (
        pytest.approx(f1.tolist())
    )


def test_evaluate_prints_tables(capsys, files):
    assert main(["evaluate", str(files["multi"]), str(files["csv"])]) == 0
    out = capsys.readouterr().out
    metrics = json.loads(_evaluate_json(capsys, files["multi"], files["csv"]))
    assert f"Accuracy  {metrics['accuracy']:.4f}" in out
    assert f"ROC AUC   {metrics['roc_auc']:.4f} (macro one-vs-rest)" in out
    assert "Confusion matrix (rows: true class, columns: predicted class)" in out
    lines = out.splitlines()
    for name, counts in zip("abc", metrics["confusion_matrix"], strict=True):
        row = next(
            line
            for line in lines
            if line.split()[:1] == [name] and len(line.split()) == 4
        )
        assert [int(value) for value in row.split()[1:]] == counts
    assert "─" not in out  # plain text off a terminal


def _evaluate_json(capsys, model: Path, data: Path) -> str:
    assert main(["evaluate", str(model), str(data), "--json"]) == 0
    return capsys.readouterr().out


def test_evaluate_with_another_target_name(capsys, tmp_path, files):
    frame = _frame().rename(columns={"label": "truth"})
    data = _write(frame, tmp_path / "renamed.csv")
    document = json.loads(_evaluate_json_target(capsys, files["binary"], data, "truth"))
    reference = json.loads(_evaluate_json(capsys, files["binary"], files["csv"]))
    assert document == reference


def _evaluate_json_target(capsys, model: Path, data: Path, target: str) -> str:
    assert main(["evaluate", str(model), str(data), "--target", target, "--json"]) == 0
    return capsys.readouterr().out


# -------------------------------------------------------------------- summary
def test_summary_prints_the_library_table(capsys, files):
    assert (
        main(["summary", str(files["multi"]), "--alpha", "0.1", "--cov-type", "HC1"])
        == 0
    )
    out = capsys.readouterr().out
    estimator = load_model_file(files["multi"]).estimator
    assert str(estimator.summary(alpha=0.1, cov_type="HC1")) in out
    assert "b : color=red" in out and "c : x2" in out
    assert "per standard deviation of the column" in " ".join(out.split())
    assert "--original-scale" in out


def test_summary_of_a_model_saved_from_python(capsys, tmp_path):
    X, y = _frame()[["x1", "x2"]], _frame()["label"]
    estimator = LogisticRegression().fit(X, y)
    estimator.save(tmp_path / "python.json")
    assert main(["summary", str(tmp_path / "python.json"), "--cov-type", "HC0"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out.strip() == str(estimator.summary(cov_type="HC0")).strip()


def test_original_scale_is_the_unstandardised_fit(capsys, tmp_path, files):
    """Unpenalised, the fit is affine-invariant: the mapped table is a raw fit's."""
    standard, raw = tmp_path / "standard.json", tmp_path / "raw.json"
    base = ["fit", str(files["csv"]), *BINARY, "color", "--C", "inf", "--tol", "1e-10"]
    assert main([*base, "--model", str(standard)]) == 0
    assert main([*base, "--model", str(raw), "--no-standardize"]) == 0
    capsys.readouterr()
    model = load_model_file(standard)
    mapped = commands.original_scale_table(model, model.estimator.summary())
    expected = load_model_file(raw).estimator.summary().to_frame()
    assert_allclose(mapped.to_numpy(), expected.to_numpy(), rtol=1e-6)
    coef, intercept = model.preprocessor.original_scale(
        model.estimator.coef_[0], model.estimator.intercept_[0]
    )
    assert_allclose(mapped["coef"], [intercept, *coef], rtol=1e-12)

    assert main(["summary", str(standard), "--original-scale"]) == 0
    out = capsys.readouterr().out
    own_units = out[out.index("own units") :]
    for term, row in mapped.iterrows():
        line = next(x for x in own_units.splitlines() if x.startswith(f"{term} "))
        assert f"{row['coef']:.4f}" in line and f"{row['std_err']:.4f}" in line


def test_summary_odds_ratios_are_exp_of_the_printed_coefficients(
    capsys, tmp_path, files
):
    model_path = tmp_path / "model.json"
    fit = ["fit", str(files["csv"]), *BINARY, "color", "--C", "inf"]
    assert main([*fit, "--model", str(model_path)]) == 0
    capsys.readouterr()
    model = load_model_file(model_path)
    for extra, frame in (
        ([], model.estimator.summary().to_frame()),
        (
            ["--original-scale"],
            commands.original_scale_table(model, model.estimator.summary()),
        ),
    ):
        assert main(["summary", str(model_path), "--odds-ratios", *extra]) == 0
        out = capsys.readouterr().out
        table = out[out.rindex("Odds ratios") :]
        for term, row in frame.iterrows():
            line = next(x for x in table.splitlines() if x.startswith(f"{term} "))
            numbers = [float(value) for value in line.split()[1:]]
            expected = np.exp(row[["coef", "ci_low", "ci_high"]].to_numpy(float))
            assert_allclose(numbers, expected, rtol=5e-4)
    assert main(["summary", str(model_path)]) == 0
    assert "Odds ratios" not in capsys.readouterr().out


def test_original_scale_multinomial_matches_original_scale(files):
    model = load_model_file(files["multi"])
    estimator, encoder = model.estimator, model.preprocessor
    mapped = commands.original_scale_table(model, estimator.summary())
    for k, label in enumerate(estimator.classes_[1:], start=1):
        coef, intercept = encoder.original_scale(
            estimator.coef_[k] - estimator.coef_[0],
            estimator.intercept_[k] - estimator.intercept_[0],
        )
        assert_allclose(mapped.loc[label, "coef"], [intercept, *coef], rtol=1e-10)


# --------------------------------------------------------------------- report
def test_report_is_html_with_images(capsys, tmp_path, files):
    out = tmp_path / "report.html"
    assert (
        main(["report", str(files["multi"]), str(files["csv"]), "--out", str(out)]) == 0
    )
    captured = capsys.readouterr()
    assert captured.err == ""
    assert f"to {out}" in captured.out
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert page.count('<img src="data:image/png;base64,') >= 4
    assert "train.csv" in page and "color=red" in page


# ------------------------------------------------------------------ bad input
def _bad_inputs(folder: Path, files: dict) -> list[tuple[list[str], str]]:
    """(arguments, fragment of the error line) for every kind of bad input."""
    csv, parquet, binary = (
        str(files["csv"]),
        str(files["parquet"]),
        str(files["binary"]),
    )
    out, model = str(folder / "out.csv"), str(folder / "model.json")
    (folder / "empty.csv").write_text("")
    (folder / "garbage.parquet").write_bytes(b"PAR1 not really")
    (folder / "garbage.json").write_bytes(b"\x00\x01 not json")
    (folder / "foreign.json").write_text('{"weights": [1, 2]}')
    (folder / "a-file").write_text("a file, not a folder")
    _write(_frame().assign(label="yes"), folder / "one-class.csv")
    holes = _frame()
    holes.loc[[1, 2], "x1"] = np.nan
    _write(holes, folder / "holes.csv")
    _write(_frame().drop(columns=["color"]), folder / "no-color.parquet")
    _write(_frame().assign(label="maybe"), folder / "new-labels.csv")
    _write(_frame().rename(columns={"id": "prediction"}), folder / "clash.csv")
    bare = LogisticRegression().fit(np.arange(8.0)[:, None], [0, 1] * 4)
    bare.save(folder / "bare.json")
    f = lambda name: str(folder / name)  # noqa: E731
    fit = ["fit", "--target", "label", "--model", model]
    return [
        ([*fit, f("absent.csv")], "not found"),
        ([*fit, f("empty.csv")], "Empty CSV"),
        ([*fit, f("garbage.parquet")], "cannot read"),
        ([*fit, f("a-file")], "unsupported file extension"),
        (["fit", csv, "--target", "nope", "--model", model], "no target column 'nope'"),
        ([*fit, f("one-class.csv")], "only one class"),
        ([*fit, f("holes.csv")], "'x1' has 2 missing values"),
        ([*fit, csv, "--l1-ratio", "1.5"], "'l1_ratio' parameter"),
        ([*fit[:-1], f("a-file/model.json"), csv], "does not exist"),
        ([*fit[:-1], str(folder), csv], "is a directory"),
        (["predict", f("garbage.json"), csv, "--out", out], "not a logreg model"),
        (["predict", f("foreign.json"), csv, "--out", out], "not a logreg model"),
        (["predict", f("absent.json"), csv, "--out", out], "No such model file"),
        (["predict", f("bare.json"), csv, "--out", out], "no data encoder"),
        (["predict", binary, f("no-color.parquet"), "--out", out], "'color'"),
        (["predict", binary, f("holes.csv"), "--out", out], "'x1' has 2 missing"),
        (["predict", binary, csv, "--out", f("out.xlsx")], "extension .xlsx"),
        (["predict", binary, csv, "--out", f("absent/out.csv")], "does not exist"),
        (["predict", binary, csv, "--out", out, "--id", "nope"], "no column 'nope'"),
        (
            ["predict", binary, f("clash.csv"), "--out", out, "--id", "prediction"],
            "duplicate columns ['prediction']",
        ),
        (["predict", binary, csv, "--out", out, "--batch-rows", "0"], "--batch-rows"),
        (["evaluate", binary, f("new-labels.csv")], "not trained on: ['maybe']"),
        (["evaluate", binary, parquet, "--target", "nope"], "no column 'nope'"),
        (["evaluate", f("garbage.json"), csv], "not a logreg model"),
        (["summary", f("absent.json")], "No such model file"),
        (["summary", f("bare.json"), "--original-scale"], "no data encoder"),
        (["summary", binary, "--cov-type", "HC9"], "--cov-type"),
        (["summary", binary, "--alpha", "2"], "alpha must be a number in (0, 1)"),
        ([*fit, csv, "--max-iter", "-1"], "argument --max-iter"),
        (["report", binary, csv, "--out", f("report.txt")], "extension .txt"),
        (["report", binary, csv, "--out", f("absent/r.html")], "does not exist"),
    ]


def test_bad_input_is_one_line_exit_2_and_writes_nothing(capsys, tmp_path, files):
    folder = tmp_path / "bad"
    folder.mkdir()
    cases = _bad_inputs(folder, files)
    before = sorted(path.name for path in folder.iterdir())
    for arguments, fragment in cases:
        assert main(arguments) == 2, arguments
        captured = capsys.readouterr()
        assert fragment in _one_error_line(captured.err), arguments
        assert sorted(path.name for path in folder.iterdir()) == before, arguments


def test_failed_fit_leaves_an_existing_model_untouched(capsys, tmp_path, files):
    model = tmp_path / "model.json"
    model.write_bytes(files["binary"].read_bytes())
    holes = _frame()
    holes["flag"] = holes["flag"].astype("boolean")
    holes.loc[0, "flag"] = pd.NA
    data = _write(holes, tmp_path / "holes.parquet")
    assert main(["fit", str(data), *BINARY, "--model", str(model)]) == 2
    assert "'flag' has 1 missing value" in _one_error_line(capsys.readouterr().err)
    assert model.read_bytes() == files["binary"].read_bytes()
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "holes.parquet",
        "model.json",
    ]


def test_failed_predict_leaves_an_existing_output_untouched(capsys, tmp_path, files):
    out = tmp_path / "pred.csv"
    out.write_text("old predictions\n")
    frame = _frame()
    frame.loc[N_ROWS - 1, "x1"] = np.nan  # in the last batch: fails after writing
    data = _write(frame, tmp_path / "late-hole.csv")
    arguments = ["predict", str(files["binary"]), str(data), "--out", str(out)]
    assert main([*arguments, "--batch-rows", "50"]) == 2
    _one_error_line(capsys.readouterr().err)
    assert out.read_text() == "old predictions\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "late-hole.csv",
        "pred.csv",
    ]
