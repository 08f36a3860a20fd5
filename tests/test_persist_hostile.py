"""Hostile model files (project issue 18): every load works or fails in one line.

Each file here is written by hand with :mod:`json`; loading it must either
give a usable model or raise one :class:`~logreg.persist.ModelFileError`
naming the file, never another exception, and never allocate more than a
small multiple of the file's size. Saving must refuse what loading refuses.
"""

from __future__ import annotations

import base64
import copy
import json
import tracemalloc
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.preprocessing import StandardScaler

from logreg import LogisticRegression, persist
from logreg.cli.main import main
from logreg.persist import ModelFileError, load, load_model_file, save_model

FITTED = "estimator.fitted"
INFERENCE = f"{FITTED}._inference.__state__.state"
HUGE_INT = 10**400


# ----------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def cancer() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X)[:, :4], y


@pytest.fixture(scope="module")
def unpenalised(cancer) -> LogisticRegression:
    """A binary fit with inference statistics (5 parameters)."""
    return LogisticRegression(C=np.inf).fit(*cancer)


@pytest.fixture
def document(unpenalised, tmp_path) -> dict[str, Any]:
    path = tmp_path / "saved.json"
    unpenalised.save(path)
    return json.loads(path.read_text(encoding="utf-8"))


def _edit(document: dict, keys: str, value: Any) -> dict:
    """``document`` with the entry at the dotted ``keys`` set to ``value``."""
    *parents, last = keys.split(".")
    node = document
    for key in parents:
        node = node[key]
    node[last] = value
    return document


def _array(dtype: str, shape: list[int], data: bytes) -> dict[str, Any]:
    encoded = base64.b64encode(data).decode("ascii")
    return {"__ndarray__": {"dtype": dtype, "shape": shape, "data": encoded}}


def _str_array(width: int, shape: list[int], items: list[str]) -> dict[str, Any]:
    return {"__ndarray__": {"dtype": f"<U{width}", "shape": shape, "items": items}}


def _write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def assert_refused(path: Path, match: str) -> ModelFileError:
    """One ``ModelFileError`` line that names the file and matches ``match``."""
    with pytest.raises(ModelFileError, match=match) as error:
        load_model_file(path)
    message = str(error.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message
    return error.value


# ------------------------------------------------- A: the memory budget
def _padded_str_arrays(n_arrays: int) -> dict[str, Any]:
    """``n_arrays`` one-item str arrays, each 2**24 characters wide."""
    return {f"a{i}": _str_array(2**24, [1], [""]) for i in range(n_arrays)}


def test_padding_amplification_is_refused_before_allocating(document, tmp_path):
    # 100 arrays of 2**24 characters: 6.7 GB from a file of about 12 KB.
    _edit(document, "metadata", _padded_str_arrays(100))
    path = _write(tmp_path / "amplified.json", document)
    assert path.stat().st_size < 20_000
    tracemalloc.start()
    try:
        assert_refused(path, "amplified.json: metadata.a0: array too big")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, f"peak {peak / 2**20:.1f} MiB"


def test_budget_counts_every_array_of_the_document(document, tmp_path):
    # Two arrays of 100 items of 15,000 characters (6 MB each) fit; five don't.
    arrays = {f"a{i}": _str_array(15_000, [100], [""] * 100) for i in range(5)}
    path = _write(tmp_path / "many.json", _edit(document, "metadata", arrays))
    tracemalloc.start()
    try:
        assert_refused(path, r"many.json: metadata.a\d: array too big")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * 2**20, f"peak {peak / 2**20:.1f} MiB"
    arrays = {name: arrays[name] for name in ("a0", "a1")}
    path = _write(tmp_path / "fewer.json", _edit(document, "metadata", arrays))
    assert load_model_file(path).metadata["a0"].shape == (100,)


@pytest.mark.parametrize(
    "array",
    [
        _array("<f8", [2**63, 0], b""),
        _array("<f8", [2**40, 2**40, 0], b""),
        _array("|u1", [0] + [2**20] * 4, b""),
        _str_array(1, [2**63, 0], []),
        _str_array(0, [2**63, 0], []),
        {"__ndarray__": {"dtype": "|O", "shape": [0, 2**63], "items": []}},
        {"__npscalar__": _str_array(2**24, [], [""])["__ndarray__"]},
    ],
    ids=["f8", "f8-3d", "u1-5d", "U1", "U0", "object", "npscalar"],
)
def test_empty_arrays_of_huge_shape_are_refused(array, document, tmp_path):
    path = _write(tmp_path / "shape.json", _edit(document, f"{FITTED}.extra_", array))
    assert_refused(path, "shape.json: estimator.fitted.extra_: array too big")


@pytest.mark.parametrize("width", [2**24 + 1, 999_999_999])
def test_str_width_over_the_limit_is_refused(width, document, tmp_path):
    array = _str_array(width, [0], [])
    path = _write(tmp_path / "wide.json", _edit(document, f"{FITTED}.extra_", array))
    assert_refused(path, f"wide.json: estimator.fitted.extra_: str array width {width}")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("1e999", "number '1e999' overflows"),
        ("-1e400", "overflows"),
        ("1" * 5000, "digits"),
    ],
    ids=["inf", "-inf", "5000 digits"],
)
def test_numbers_out_of_range_are_refused(text, match, document, tmp_path):
    path = tmp_path / "number.json"
    _edit(document, "metadata", {"n": "PLACEHOLDER"})
    path.write_text(json.dumps(document).replace('"PLACEHOLDER"', text))
    assert_refused(path, f"number.json: not a logreg model file: .*{match}")


@pytest.mark.parametrize(
    ("error", "match"),
    [
        (MemoryError, "too big to load: out of memory"),
        (OverflowError, "a number is out of range"),
    ],
)
def test_memory_and_overflow_errors_are_model_file_errors(
    error, match, document, tmp_path, monkeypatch
):
    def fail(*args: Any) -> None:
        raise error("from the decoder")

    monkeypatch.setattr(persist, "_decode_raw_array", fail)
    assert_refused(_write(tmp_path / "fails.json", document), f"fails.json: {match}")


# ------------------------------------------- B: saving refuses what load refuses
def test_save_refuses_what_load_would_refuse(unpenalised, tmp_path):
    # One 1,000-character label among 5,000 empty ones: 20 MB from 60 KB.
    unpenalised.extra_ = np.array(["x" * 1000] + [""] * 5000)
    path = tmp_path / "padded.json"
    with pytest.raises(ValueError, match=r"would not load back.*array too big"):
        unpenalised.save(path)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []
    unpenalised.extra_ = unpenalised.extra_[:100]
    unpenalised.save(path)
    assert load(path).extra_.dtype == np.dtype("<U1000")


def test_save_refuses_an_encoder_that_load_would_refuse(unpenalised, tmp_path):
    pa = pytest.importorskip("pyarrow")
    from logreg.data.encoder import TableEncoder

    table = pa.table({"x": [1.0, 2.0, 4.0], "c": ["a", "b", "a"], "y": [0, 1, 1]})
    encoder = TableEncoder(target="y").fit(table)
    encoder.scale_[0] = np.inf
    path = tmp_path / "encoder.json"
    with pytest.raises(ValueError, match=r"would not load back.*scale must be finite"):
        save_model(unpenalised, path, preprocessor=encoder)
    assert not path.exists()


@pytest.mark.parametrize(
    "values",
    [[1e200, -1e200, 0.0, 5.0], [1.7e308, 1.7e308, 0.0, 5.0], [1e-170, 0, 0, 1e-170]],
    ids=["far apart", "near the float64 limit", "too close"],
)
def test_encoder_refuses_columns_it_cannot_standardise(values):
    pa = pytest.importorskip("pyarrow")
    from logreg.data.encoder import TableEncoder

    table = pa.table({"z": [1.0, 2.0, 3.0, 4.0], "wide": values, "y": [0, 1, 0, 1]})
    with pytest.raises(ValueError, match="cannot standardise column 'wide':"):
        TableEncoder(target="y").fit(table)
    unscaled = TableEncoder(target="y", standardize=False).fit(table)
    assert np.array_equal(unscaled.scale_, [1.0, 1.0])


def test_encoder_standardises_columns_far_apart_but_in_range():
    pa = pytest.importorskip("pyarrow")
    from logreg.data.encoder import TableEncoder

    table = pa.table({"x": [1e150, -1e150, 0.0, 1.0], "y": [0, 1, 0, 1]})
    encoder = TableEncoder(target="y").fit(table)
    assert np.isfinite(encoder.scale_).all() and encoder.scale_[0] > 1e149


def test_fit_command_never_writes_an_unloadable_model(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    data = tmp_path / "wide.csv"
    data.write_text("x,z,y\n1e200,1,0\n-1e200,2,1\n0,3,0\n5,4,1\n3,1,0\n-2,5,1\n")
    model = tmp_path / "wide.json"
    assert main(["fit", str(data), "--target", "y", "--model", str(model)]) != 0
    assert "cannot standardise column 'x'" in capsys.readouterr().err
    assert not model.exists()


# ------------------------------- C: fitted state checked against the model
def _state_of(fisher_size: int, slope_size: int) -> dict[str, Any]:
    eye = np.eye(fisher_size).tobytes()
    return {
        "fisher": _array("<f8", [fisher_size, fisher_size], eye),
        "score_outer": _array("<f8", [fisher_size, fisher_size], eye),
        "slope_gradient": _array("<f8", [slope_size], np.ones(slope_size).tobytes()),
    }


def _complex_labels() -> dict[str, Any]:
    return _array("<c16", [2], np.array([0, 1j]).tobytes())


def _object_labels(*labels: Any) -> dict[str, Any]:
    return {"__ndarray__": {"dtype": "|O", "shape": [len(labels)], "items": labels}}


HOSTILE_EDITS = {
    "separated_rows inf": (
        f"{INFERENCE}.separated_rows",
        {"__float__": "inf"},
        "_inference: bad InferenceStatistics state",
    ),
    "n_obs 400 digits": (f"{INFERENCE}.n_obs", HUGE_INT, "_inference: bad"),
    "n_obs zero": (f"{INFERENCE}.n_obs", 0.0, "_inference.n_obs: expected a finite"),
    "null log-likelihood zero": (
        f"{INFERENCE}.null_log_likelihood",
        0.0,
        "_inference.null_log_likelihood: expected a finite float < 0",
    ),
    "log-likelihood inf": (
        f"{INFERENCE}.log_likelihood",
        {"__float__": "-inf"},
        "_inference.log_likelihood",
    ),
    "n_obs nan": (f"{INFERENCE}.n_obs", {"__float__": "nan"}, "_inference.n_obs"),
    "separated_rows negative": (
        f"{INFERENCE}.separated_rows",
        -3,
        "_inference.separated_rows",
    ),
    "inference a string": (f"{FITTED}._inference", "x", "_inference: expected"),
    "inference a dict": (f"{FITTED}._inference", {"a": 1}, "_inference: expected"),
    "dtype a list": (f"{FITTED}.coef_.__ndarray__.dtype", ["<f8"], "dtype"),
    "C 400 digits": ("estimator.params.C", HUGE_INT, "estimator.params: invalid"),
    "fit_intercept flipped": (
        "estimator.params.fit_intercept",
        False,
        r"_inference.fisher: expected a float array of shape \(4, 4\)",
    ),
    "complex classes": (f"{FITTED}.classes_", _complex_labels(), "complex128"),
    "complex object classes": (
        f"{FITTED}.classes_",
        _object_labels(
            {"__npscalar__": _array("<c16", [], b"\0" * 16)["__ndarray__"]}, "a"
        ),
        "classes_: labels of dtype object",
    ),
    "mixed classes": (f"{FITTED}.classes_", _object_labels("a", 1), "all of one type"),
    "None in classes": (f"{FITTED}.classes_", _object_labels("a", None), "classes_"),
    "nan classes": (
        f"{FITTED}.classes_",
        _array("<f8", [2], np.array([0.0, np.nan]).tobytes()),
        "NaN",
    ),
    "pending inference": (
        f"{FITTED}._pending_inference",
        {"__tuple__": [1, 2, 3]},
        "'_pending_inference' not allowed",
    ),
    "training objective": (
        f"{FITTED}._training_objective",
        None,
        "'_training_objective' not allowed",
    ),
}


@pytest.mark.parametrize("name", HOSTILE_EDITS)
def test_hostile_fitted_state_is_one_model_file_error(name, document, tmp_path):
    keys, value, match = HOSTILE_EDITS[name]
    path = _write(tmp_path / "hostile.json", _edit(document, keys, value))
    assert_refused(path, f"hostile.json: .*{match or ''}")


@pytest.mark.parametrize(
    ("fisher_size", "slope_size", "match"),
    [(3, 5, "fisher"), (6, 5, "fisher"), (5, 4, "slope_gradient")],
)
def test_inference_shapes_must_fit_the_model(
    fisher_size, slope_size, match, document, tmp_path
):
    state = document["estimator"]["fitted"]["_inference"]["__state__"]["state"]
    state.update(_state_of(fisher_size, slope_size))
    path = _write(tmp_path / "shapes.json", document)
    assert_refused(path, f"shapes.json: estimator.fitted._inference.{match}")


def test_inference_statistics_of_a_multinomial_model_are_checked(tmp_path):
    X, y = load_iris(return_X_y=True)
    clf = LogisticRegression(C=np.inf, max_iter=50, fit_intercept=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(StandardScaler().fit_transform(X), y)
    path = tmp_path / "iris.json"
    clf.save(path)
    assert load(path).summary() is not None
    document = json.loads(path.read_text(encoding="utf-8"))
    # 3 classes x 4 features: 12 parameters; an intercept would make 15.
    _edit(document, "estimator.params.fit_intercept", True)
    assert_refused(_write(path, document), r"shape \(15, 15\)")


def test_stale_inference_statistics_are_refused_on_save(unpenalised, tmp_path):
    clf = copy.deepcopy(unpenalised)
    clf.set_params(fit_intercept=False)
    path = tmp_path / "stale.json"
    with pytest.raises(ValueError, match=r"Cannot save.*_inference\.fisher"):
        clf.save(path)
    assert not path.exists()


def test_large_encoder_numbers_are_one_model_file_error(unpenalised, tmp_path):
    pa = pytest.importorskip("pyarrow")
    from logreg.data.encoder import TableEncoder

    table = pa.table({"a": [1.0, 2.0, 4.0], "b": [0.0, 1.0, 1.0], "y": [0, 1, 1]})
    path = tmp_path / "encoded.json"
    save_model(unpenalised, path, preprocessor=TableEncoder(target="y").fit(table))
    document = json.loads(path.read_text(encoding="utf-8"))
    _edit(document, "preprocessor.__state__.state.center", [HUGE_INT, 0.0])
    assert_refused(_write(path, document), "encoded.json: preprocessor: bad")


HOSTILE_VALUES = [
    {"__float__": "inf"},
    {"__float__": "nan"},
    HUGE_INT,
    -1,
    0,
    "x",
    None,
    [],
    {"__tuple__": []},
    _array("<f8", [0], b""),
    _array("<c16", [1], b"\0" * 16),
]


def test_every_edit_of_the_fitted_state_loads_or_fails_cleanly(
    unpenalised, cancer, document, tmp_path
):
    """Each entry of the fitted state and the statistics, set to each value."""
    X = cancer[0][:20]
    targets = [f"{FITTED}.{name}" for name in document["estimator"]["fitted"]]
    targets += [f"{INFERENCE}.{name}" for name in _get(document, INFERENCE)]
    targets += [f"estimator.params.{name}" for name in ("C", "fit_intercept", "tol")]
    for array in (f"{FITTED}.coef_", f"{FITTED}.classes_", f"{INFERENCE}.fisher"):
        targets += [f"{array}.__ndarray__.{key}" for key in ("dtype", "shape", "data")]
    path = tmp_path / "edited.json"
    loaded = 0
    for keys in targets:
        for value in HOSTILE_VALUES:
            _write(path, _edit(copy.deepcopy(document), keys, value))
            try:
                model = load(path)
            except ModelFileError as error:
                assert str(error).startswith(f"{path}: "), (keys, value)
                assert "\n" not in str(error)
                continue
            loaded += 1
            # A model that loads predicts, and summarises or says why not.
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                assert model.predict_proba(X).shape == (20, 2), (keys, value)
                try:
                    model.summary()
                except ValueError:
                    pass
    assert loaded > 0  # e.g. n_iter_ = 0, separated_rows = 0


def _get(document: dict, keys: str) -> Any:
    node = document
    for key in keys.split("."):
        node = node[key]
    return node


def test_a_killed_writers_temporary_model_file_is_removed_by_the_next_save(tmp_path):
    """A SIGKILLed save leaves ``.<name>.<pid>-<hex>.tmp``; the next save cleans it."""
    import os
    import subprocess
    import sys

    from sklearn.datasets import make_classification

    from logreg import LogisticRegression

    target = tmp_path / "model.json"
    # The pid of a process that has ended: no process of that pid runs now.
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = tmp_path / f".model.json.{int(ended.stdout)}-0123abcd.tmp"
    stale.write_text("half a file")
    data = make_classification(50, 4, n_informative=2, random_state=0)
    LogisticRegression().fit(*data).save(target)
    if os.name == "posix":
        assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]
