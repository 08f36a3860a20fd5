"""Model files: exact round trips, refusal of bad files, atomic writes.

A saved and loaded estimator must be indistinguishable from the original
(every attribute, bit for bit, with its type), files that are not model files
must give one clear ``ValueError`` line and execute nothing, and a failed save
must leave any previous file untouched.
"""

from __future__ import annotations

import base64
import enum
import json
import math
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler

import logreg
from logreg import LogisticRegression, persist
from logreg.persist import ModelFile, ModelFileError, load, load_model_file, save_model


# ----------------------------------------------------------------- helpers
def assert_identical(got: Any, expected: Any, where: str = "value") -> None:
    """Same type and value, recursively; arrays equal in dtype, shape and bytes."""
    assert type(got) is type(expected), f"{where}: {type(got)} != {type(expected)}"
    if isinstance(expected, np.ndarray):
        assert got.dtype == expected.dtype, where
        assert got.shape == expected.shape, where
        if expected.dtype.kind == "O":
            for i, (a, b) in enumerate(zip(got.flat, expected.flat, strict=True)):
                assert_identical(a, b, f"{where}.flat[{i}]")
        else:
            assert got.tobytes() == expected.tobytes(), where
    elif isinstance(expected, np.generic):
        assert got.dtype == expected.dtype, where
        assert got.tobytes() == expected.tobytes(), where
    elif isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(got), where
    elif isinstance(expected, list | tuple):
        assert len(got) == len(expected), where
        for i, (a, b) in enumerate(zip(got, expected, strict=True)):
            assert_identical(a, b, f"{where}[{i}]")
    elif isinstance(expected, dict):
        assert list(got) == list(expected), where
        for key in expected:
            assert type(next(k for k in got if k == key)) is type(key), where
            assert_identical(got[key], expected[key], f"{where}[{key!r}]")
    elif hasattr(expected, "to_state"):
        assert_identical(got.to_state(), expected.to_state(), f"{where}.<state>")
    else:
        assert got == expected, where


def assert_same_estimator(got: LogisticRegression, expected: LogisticRegression):
    """Every entry of ``vars`` identical."""
    assert type(got) is LogisticRegression
    assert sorted(vars(got)) == sorted(vars(expected))
    for name, value in vars(expected).items():
        assert_identical(getattr(got, name), value, name)


def round_trip(estimator: LogisticRegression, path: Path) -> LogisticRegression:
    estimator.save(path)
    loaded = load(path)
    assert_same_estimator(loaded, estimator)
    return loaded


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def cancer() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture
def model_path(tmp_path: Path) -> Path:
    return tmp_path / "model.json"


# -------------------------------------------------------------- round trips
@pytest.mark.parametrize("dataset", ["cancer", "iris"], ids=["binary", "multinomial"])
def test_round_trip_is_exact(dataset, request, model_path):
    X, y = request.getfixturevalue(dataset)
    clf = LogisticRegression().fit(X, y)
    loaded = round_trip(clf, model_path)
    assert loaded.get_params() == clf.get_params()
    assert np.array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert np.array_equal(loaded.predict(X), clf.predict(X))
    assert logreg.load is load


def test_float32_fit_round_trips(iris, model_path):
    X, y = iris
    clf = LogisticRegression().fit(X.astype(np.float32), y)
    loaded = round_trip(clf, model_path)
    X32 = X.astype(np.float32)
    assert np.array_equal(loaded.predict_proba(X32), clf.predict_proba(X32))


def test_float32_coefficients_keep_their_dtype(cancer, model_path):
    X, y = cancer
    clf = LogisticRegression().fit(X, y)
    clf.coef_ = clf.coef_.astype(np.float32)
    clf.intercept_ = clf.intercept_.astype(np.float32)
    loaded = round_trip(clf, model_path)
    assert loaded.coef_.dtype == np.float32
    assert np.array_equal(loaded.predict_proba(X), clf.predict_proba(X))


LABELS = {
    "int": lambda y: y,
    "float": lambda y: y * 2.0 - 1.0,  # sklearn wants integral floats
    "bool": lambda y: y.astype(bool),
    "str": lambda y: np.array(["no", "yes"])[y],
    "object-str": lambda y: np.array(["no", "yes"], dtype=object)[y],
}


@pytest.mark.parametrize("kind", LABELS)
def test_labels_of_any_type(kind, cancer, model_path):
    X, y = cancer
    labels = LABELS[kind](y)
    clf = LogisticRegression().fit(X, labels)
    loaded = round_trip(clf, model_path)
    assert loaded.classes_.dtype == clf.classes_.dtype
    assert_identical(loaded.predict(X), clf.predict(X))


def test_dataframe_feature_names(model_path):
    frame, y = load_iris(return_X_y=True, as_frame=True)
    clf = LogisticRegression(C=0.5).fit(frame, y)
    loaded = round_trip(clf, model_path)
    assert loaded.feature_names_in_.dtype == object
    assert list(loaded.feature_names_in_) == list(frame.columns)
    # filterwarnings=error: a feature-name mismatch warning would fail here.
    assert np.array_equal(loaded.predict_proba(frame), clf.predict_proba(frame))


def test_unpenalised_fit_and_class_weight_dict(noisy_data, model_path):
    X, y = noisy_data(200, 3, 2, seed=1)
    clf = LogisticRegression(
        C=np.inf, class_weight={0: 2.0, 1: 1.0}, random_state=7, max_iter=50
    ).fit(X, y)
    loaded = round_trip(clf, model_path)
    assert loaded.C == np.inf
    assert loaded.get_params() == clf.get_params()
    assert [type(key) for key in loaded.class_weight] == [int, int]
    assert np.array_equal(loaded.decision_function(X), clf.decision_function(X))


def test_balanced_class_weight_and_numpy_scalar_keys(iris, model_path):
    X, y = iris
    for class_weight in ("balanced", {np.int64(k): 1.0 + k for k in range(3)}):
        clf = LogisticRegression(class_weight=class_weight).fit(X, y)
        assert_identical(round_trip(clf, model_path).class_weight, class_weight)


def test_loaded_model_can_be_cloned_and_refit(iris, model_path):
    X, y = iris
    clf = LogisticRegression(warm_start=True).fit(X, y)
    loaded = round_trip(clf, model_path)
    assert clone(loaded).get_params() == clf.get_params()
    loaded.fit(X, y)
    # Warm-started at the optimum: one Newton step confirms convergence.
    assert loaded.n_iter_ <= 1
    np.testing.assert_allclose(loaded.coef_, clf.coef_, rtol=1e-6, atol=1e-8)


def test_preprocessor_and_metadata(iris, model_path):
    X, y = iris
    clf = LogisticRegression().fit(X, y)
    metadata = {"target": "species", "columns": ["a", "b"], 3: (1, None)}
    preprocessor = {"scale": np.array([1.0, 2.0]), "__private": True}
    save_model(clf, model_path, preprocessor=preprocessor, metadata=metadata)
    model_file = load_model_file(model_path)
    assert isinstance(model_file, ModelFile)
    assert_same_estimator(model_file.estimator, clf)
    assert_identical(model_file.preprocessor, preprocessor)
    assert_identical(model_file.metadata, metadata)
    bare = model_path.with_name("bare.json")
    save_model(clf, bare)
    assert load_model_file(bare).preprocessor is None
    assert load_model_file(bare).metadata == {}


VALUES = {
    "scalars": [None, True, False, 0, -(2**70), 1.5, -0.0, 1e-310, "é\u2603", ""],
    "non-finite": [math.inf, -math.inf, math.nan],
    "numpy scalars": [
        np.float32(1.1),
        np.float64(-2.5),
        np.int8(-3),
        np.uint64(2**64 - 1),
        np.bool_(True),
        np.str_("x"),
        np.complex128(1 - 2j),
        np.float64(np.nan),
    ],
    "arrays": [
        np.arange(24, dtype=np.int16).reshape(2, 3, 4)[:, ::2],
        np.array([[1.5, np.inf], [-np.inf, np.nan]], dtype=np.float32),
        np.array(3.0),
        np.zeros((0, 3)),
        np.array([True, False]),
        np.array([1 + 2j], dtype=np.complex64),
        np.array(["a", "bcd"], dtype="<U7"),
        np.array([], dtype="<U1"),
        np.array(["x", 1, 2.5, None, True, np.float32(3)], dtype=object),
    ],
    "containers": [
        (1, [2, (3,)]),
        {1: "a", 2.5: "b", None: "c", "d": {True: np.int32(1)}},
        {"__ndarray__": 1},
        {np.str_("k"): 1},
        [],
        {},
        (),
    ],
}


@pytest.mark.parametrize("kind", VALUES)
def test_supported_values_round_trip(kind, iris, model_path):
    X, y = iris
    clf = LogisticRegression().fit(X, y)
    clf.extra_ = VALUES[kind]
    save_model(clf, model_path, metadata={"values": VALUES[kind]})
    model_file = load_model_file(model_path)
    assert_identical(model_file.estimator.extra_, VALUES[kind])
    assert_identical(model_file.metadata["values"], VALUES[kind])


def test_big_endian_arrays_come_back_little_endian(fitted, model_path):
    fitted.extra_ = np.array([1.5, -2.0], dtype=">f8")
    fitted.save(model_path)
    assert_identical(load(model_path).extra_, np.array([1.5, -2.0], dtype="<f8"))


def test_file_is_readable_json(noisy_data, model_path):
    X, y = noisy_data(150, 4, 3, seed=2)
    LogisticRegression(C=np.inf).fit(X, y).save(model_path)
    document = json.loads(model_path.read_text(encoding="utf-8"))
    assert document["format"] == "logreg-model"
    assert document["format_version"] == persist.FORMAT_VERSION
    assert document["logreg_version"] == logreg.__version__
    assert document["estimator"]["params"]["C"] == {"__float__": "inf"}
    coef = document["estimator"]["fitted"]["coef_"]["__ndarray__"]
    assert coef["dtype"] == "<f8"
    assert coef["shape"] == [3, 4]


# ------------------------------------------------------------- refusing saves
@pytest.fixture
def fitted(cancer) -> LogisticRegression:
    return LogisticRegression().fit(*cancer)


def test_unfitted_estimator_is_refused(model_path):
    with pytest.raises(NotFittedError):
        LogisticRegression().save(model_path)
    assert not model_path.exists()


def test_generator_random_state_is_refused(fitted, model_path):
    fitted.set_params(random_state=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"random_state.*Generator"):
        fitted.save(model_path)
    assert not model_path.exists()


@pytest.mark.parametrize(
    ("value", "where", "type_name"),
    [
        (object(), "fitted.extra_", "object"),
        ({"a": [1, {2, 3}]}, r"fitted.extra_.a\[1\]", "set"),
        (np.array([[1], [2, 3]], dtype=object), "fitted.extra_", "list"),
        (np.array(["2020-01-01"], dtype="datetime64[D]"), "fitted.extra_", "dtype"),
        ({(1, 2): 3}, "fitted.extra_", "tuple"),
        (b"bytes", "fitted.extra_", "bytes"),
        (enum.IntEnum("Level", "LOW HIGH").LOW, "fitted.extra_", "Level"),
    ],
)
def test_unsupported_values_name_their_place(
    fitted, model_path, value, where, type_name
):
    fitted.extra_ = value
    with pytest.raises(TypeError, match=f"{where}.*{type_name}"):
        fitted.save(model_path)
    assert not model_path.exists()


def test_inconsistent_estimator_is_refused(fitted, model_path):
    fitted.coef_ = fitted.coef_[:, :3]
    with pytest.raises(ValueError, match="n_features_in_"):
        fitted.save(model_path)
    assert not model_path.exists()


def test_other_estimator_classes_are_refused(cancer, model_path):
    class Subclass(LogisticRegression):
        pass

    with pytest.raises(TypeError, match="Subclass"):
        save_model(Subclass().fit(*cancer), model_path)


# ------------------------------------------------------------ state objects
class Scaler:
    """A state class for the table, as ``TableEncoder`` will be."""

    def __init__(self, scale: np.ndarray, names: list[str]) -> None:
        self.scale = scale
        self.names = names

    def to_state(self) -> dict[str, Any]:
        return {"scale": self.scale, "names": self.names}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Scaler:
        if set(state) != {"scale", "names"}:
            raise ValueError("unexpected Scaler fields")
        return cls(state["scale"], state["names"])


class Unregistered(Scaler):
    pass


@pytest.fixture
def scaler_registered(monkeypatch):
    monkeypatch.setitem(persist.STATE_CLASSES, "Scaler", (__name__, "Scaler"))


def test_state_objects_round_trip(fitted, model_path, scaler_registered):
    scaler = Scaler(np.array([0.5, 2.0], dtype=np.float32), ["a", "b"])
    fitted._scaler = Scaler(np.ones(3), [])
    save_model(fitted, model_path, preprocessor=scaler)
    model_file = load_model_file(model_path)
    assert type(model_file.preprocessor) is Scaler
    assert_identical(model_file.preprocessor, scaler)
    assert_same_estimator(model_file.estimator, fitted)
    document = json.loads(model_path.read_text(encoding="utf-8"))
    assert document["preprocessor"]["__state__"]["class"] == "Scaler"


def test_unregistered_state_class_is_refused(fitted, model_path, scaler_registered):
    with pytest.raises(TypeError, match=r"preprocessor.*Unregistered"):
        save_model(fitted, model_path, preprocessor=Unregistered(np.ones(1), []))
    assert not model_path.exists()


def test_state_table_stays_inside_logreg():
    for module, _ in persist.STATE_CLASSES.values():
        assert module.startswith("logreg.")


def test_unknown_state_class_is_refused_without_import(fitted, model_path, monkeypatch):
    save_model(fitted, model_path, preprocessor=1)
    document = json.loads(model_path.read_text(encoding="utf-8"))
    document["preprocessor"] = {"__state__": {"class": "os.system", "state": {}}}
    model_path.write_text(json.dumps(document), encoding="utf-8")
    imported = []
    real_import = persist.importlib.import_module

    def recording_import(name: str) -> Any:
        imported.append(name)
        return real_import(name)

    monkeypatch.setattr(persist.importlib, "import_module", recording_import)
    with pytest.raises(ModelFileError, match=r"unknown state class 'os.system'"):
        load(model_path)
    assert all(name.startswith("logreg.") for name in imported)


def test_bad_state_is_a_model_file_error(fitted, model_path, scaler_registered):
    save_model(fitted, model_path, preprocessor=Scaler(np.ones(1), []))
    document = json.loads(model_path.read_text(encoding="utf-8"))
    document["preprocessor"]["__state__"]["state"] = {"scale": 1}
    model_path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ModelFileError, match="bad Scaler state"):
        load_model_file(model_path)


# --------------------------------------------------------------- bad files
EXECUTED: list[str] = []


def _record_execution(marker: str) -> str:
    EXECUTED.append(marker)
    return marker


class Exploit:
    """Unpickling this calls :func:`_record_execution`."""

    def __reduce__(self):
        return (_record_execution, ("pickle payload ran",))


def _pickle_array_payload() -> dict[str, Any]:
    raw = pickle.dumps(np.array([Exploit()], dtype=object))
    data = base64.b64encode(raw).decode("ascii")
    return {"__ndarray__": {"dtype": "|O", "shape": [1], "data": data}}


def _edit(document: dict, keys: str, value: Any) -> dict:
    """``document`` with the entry at the dotted ``keys`` set to ``value``."""
    *parents, last = keys.split(".")
    node = document
    for key in parents:
        node = node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return document


def _array(dtype: str, shape: list[int], data: bytes) -> dict[str, Any]:
    encoded = base64.b64encode(data).decode("ascii")
    return {"__ndarray__": {"dtype": dtype, "shape": shape, "data": encoded}}


FITTED = "estimator.fitted"
BAD_DOCUMENTS = {
    "not an object": (lambda d: [1, 2], "not a logreg model file"),
    "foreign object": (lambda d: {"a": 1}, "not a logreg model file"),
    "newer version": (
        lambda d: _edit(d, "format_version", 2),
        "format version 2 by a newer logreg",
    ),
    "version as text": (lambda d: _edit(d, "format_version", "1"), "format_version"),
    "unknown top-level key": (lambda d: _edit(d, "extra", 1), "unexpected keys"),
    "missing estimator": (lambda d: _edit(d, "estimator", KeyError), "missing"),
    "estimator as list": (lambda d: _edit(d, "estimator", []), "estimator"),
    "unknown estimator": (
        lambda d: _edit(d, "estimator.class", "os.system"),
        "unknown estimator",
    ),
    "unknown parameter": (
        lambda d: _edit(d, "estimator.params.evil", 1),
        "unknown parameters",
    ),
    "invalid parameter": (lambda d: _edit(d, "estimator.params.C", -1.0), "'C'"),
    "missing coef": (lambda d: _edit(d, f"{FITTED}.coef_", KeyError), "coef_"),
    "coef is a list": (lambda d: _edit(d, f"{FITTED}.coef_", [[1.0]]), "coef_"),
    "coef bytes short": (
        lambda d: _edit(d, f"{FITTED}.coef_", _array("<f8", [1, 30], b"\0" * 16)),
        "16 bytes, expected 240",
    ),
    "coef 1-D": (
        lambda d: _edit(d, f"{FITTED}.coef_", _array("<f8", [30], b"\0" * 240)),
        "2-D float",
    ),
    "coef of ints": (
        lambda d: _edit(d, f"{FITTED}.coef_", _array("<i8", [1, 30], b"\0" * 240)),
        "2-D float",
    ),
    "coef nan": (
        lambda d: _edit(
            d, f"{FITTED}.coef_", _array("<f8", [1, 30], np.full(30, np.nan).tobytes())
        ),
        "finite",
    ),
    "intercept length": (
        lambda d: _edit(d, f"{FITTED}.intercept_", _array("<f8", [2], b"\0" * 16)),
        "intercept_",
    ),
    "three classes, one row": (
        lambda d: _edit(d, f"{FITTED}.classes_", _array("<i8", [3], b"\0" * 24)),
        "3 classes need 3 coef_ rows",
    ),
    "duplicate classes": (
        lambda d: _edit(d, f"{FITTED}.classes_", _array("<i8", [2], b"\0" * 16)),
        "distinct",
    ),
    "n_features_in_ wrong": (
        lambda d: _edit(d, f"{FITTED}.n_features_in_", 29),
        "n_features_in_",
    ),
    "n_iter_ text": (lambda d: _edit(d, f"{FITTED}.n_iter_", "ten"), "n_iter_"),
    "feature names length": (
        lambda d: _edit(d, f"{FITTED}.feature_names_in_", ["a"]),
        "feature_names_in_",
    ),
    "method name as attribute": (
        lambda d: _edit(d, f"{FITTED}.predict", 1),
        "'predict' not allowed",
    ),
    "dunder attribute": (
        lambda d: _edit(d, f"{FITTED}.__class__", {"__float__": "inf"}),
        "unknown tagged value",
    ),
    "bad base64": (
        lambda d: _edit(d, f"{FITTED}.coef_.__ndarray__.data", "!!not base64!!"),
        "base64",
    ),
    "pickle smuggled in object array": (
        lambda d: _edit(d, f"{FITTED}.classes_", _pickle_array_payload()),
        "missing \\['items'\\]",
    ),
    "object dtype scalar": (
        lambda d: _edit(
            d,
            f"{FITTED}.extra_",
            {"__npscalar__": {"dtype": "|O", "shape": [], "items": [[1]]}},
        ),
        "not a scalar",
    ),
    "void dtype": (
        lambda d: _edit(d, f"{FITTED}.extra_", _array("|V8", [1], b"\0" * 8)),
        "dtype '|V8' not allowed",
    ),
    "huge str array": (
        lambda d: _edit(
            d,
            f"{FITTED}.extra_",
            {"__ndarray__": {"dtype": "<U999999999", "shape": [1], "items": ["a"]}},
        ),
        "too big",
    ),
    "negative shape": (
        lambda d: _edit(d, f"{FITTED}.extra_", _array("<f8", [-1], b"")),
        "shape",
    ),
    "unknown tag": (lambda d: _edit(d, f"{FITTED}.extra_", {"__eval__": "1"}), "tag"),
    "bad float tag": (
        lambda d: _edit(d, f"{FITTED}.extra_", {"__float__": "1e400"}),
        "__float__",
    ),
    "bad dict pair": (
        lambda d: _edit(d, f"{FITTED}.extra_", {"__dict__": [[1, 2, 3]]}),
        "pair",
    ),
    "list as dict key": (
        lambda d: _edit(d, f"{FITTED}.extra_", {"__dict__": [[[1], 2]]}),
        "not a scalar",
    ),
    "metadata list": (lambda d: _edit(d, "metadata", [1]), "metadata"),
}


@pytest.fixture
def saved_document(fitted, model_path) -> dict[str, Any]:
    fitted.save(model_path)
    return json.loads(model_path.read_text(encoding="utf-8"))


def assert_refused(path: Path, match: str) -> None:
    with pytest.raises(ModelFileError, match=match) as error:
        load(path)
    assert isinstance(error.value, ValueError)
    message = str(error.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message


@pytest.mark.parametrize("name", BAD_DOCUMENTS)
def test_damaged_documents_are_refused(name, saved_document, model_path):
    edit, match = BAD_DOCUMENTS[name]
    model_path.write_text(json.dumps(edit(saved_document)), encoding="utf-8")
    assert_refused(model_path, match)
    assert EXECUTED == []


BAD_BYTES = {
    "empty": (b"", "empty"),
    "blank": (b"  \n", "empty"),
    "random bytes": (np.random.default_rng(0).bytes(256), "not a logreg model file"),
    "not utf-8": (b"{\xff\xfe}", "UTF-8"),
    "bare NaN": (b'{"format": NaN}', "NaN"),
    "json string": (b'"logreg-model"', "not a logreg model file"),
    "deep nesting": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "pickle exploit": (pickle.dumps(Exploit()), "pickle"),
}


@pytest.mark.parametrize("name", BAD_BYTES)
def test_foreign_files_are_refused(name, model_path):
    data, match = BAD_BYTES[name]
    model_path.write_bytes(data)
    assert_refused(model_path, match)
    assert EXECUTED == []


def test_pickled_estimator_is_refused(fitted, model_path):
    model_path.write_bytes(pickle.dumps(fitted))
    assert_refused(model_path, "pickle")


def test_truncated_file_is_refused(fitted, model_path):
    fitted.save(model_path)
    data = model_path.read_bytes()
    model_path.write_bytes(data[: len(data) // 2])
    assert_refused(model_path, "truncated")


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.json"
    with pytest.raises(FileNotFoundError, match=r"No such model file.*nowhere.json"):
        load(path)


# -------------------------------------------------------------- atomicity
def _fail_half_way(stream, data: bytes) -> None:
    stream.write(data[: len(data) // 2])
    raise OSError("disk full")


def _fail(*args, **kwargs) -> None:
    raise OSError("simulated failure")


@pytest.mark.parametrize(
    ("target", "replacement"),
    [
        (persist, ("_write_payload", _fail_half_way)),
        (os, ("fsync", _fail)),
        (os, ("replace", _fail)),
    ],
    ids=["write", "fsync", "replace"],
)
def test_failed_save_leaves_previous_file(
    target, replacement, iris, cancer, tmp_path, monkeypatch
):
    path = tmp_path / "model.json"
    LogisticRegression().fit(*iris).save(path)
    before = path.read_bytes()
    monkeypatch.setattr(target, *replacement)
    with pytest.raises(OSError, match=r"disk full|simulated"):
        LogisticRegression().fit(*cancer).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.json"]
    assert load(path).classes_.tolist() == [0, 1, 2]


def test_save_leaves_only_the_model_file(fitted, tmp_path):
    path = tmp_path / "model.json"
    fitted.save(path)
    fitted.save(str(path))
    assert os.listdir(tmp_path) == ["model.json"]
    assert_same_estimator(load(str(path)), fitted)
