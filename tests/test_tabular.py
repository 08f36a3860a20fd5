"""Tables in ``logreg.data``: reading files, encoding features, writing files."""

from __future__ import annotations

import gzip
import json
import os
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

from logreg import LogisticRegression
from logreg.data import columns, encoder, read, write
from logreg.data.encoder import TableEncoder
from logreg.data.read import column_names, iter_batches, read_table
from logreg.data.write import BatchWriter, write_table
from logreg.persist import load_model_file, save_model

SUFFIXES = [".csv", ".csv.gz", ".tsv", ".parquet", ".pq"]


def _frame(n_rows: int, seed: int = 0) -> pd.DataFrame:
    """Mixed columns: float, int, bool, string features and a string label."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "height": rng.normal(170.0, 10.0, n_rows),
            "age": rng.integers(18, 90, n_rows),
            "smoker": rng.random(n_rows) < 0.3,
            "city": rng.choice(["paris", "oslo", "rome", "lima"], n_rows),
            "label": rng.choice(["no", "yes"], n_rows),
        }
    )


def _write(frame: pd.DataFrame, path) -> None:
    """Write ``frame`` with pandas (an independent writer) by extension."""
    name = str(path)
    if name.endswith((".parquet", ".pq")):
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, sep="\t" if ".tsv" in name else ",")


@pytest.fixture
def frame() -> pd.DataFrame:
    return _frame(200)


def _expected_features(frame: pd.DataFrame, numeric: list[str]) -> pd.DataFrame:
    """Encoding computed with pandas: standardised numbers, get_dummies strings."""
    numbers = frame[numeric].astype(float)
    standard = (numbers - numbers.mean()) / numbers.std(ddof=0)
    dummies = pd.get_dummies(frame[["city"]], prefix_sep="=", dtype=float)
    return pd.concat([standard, dummies], axis=1)


# ------------------------------------------------------------------ reading
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_read_table_keeps_column_types(tmp_path, frame, suffix):
    path = tmp_path / f"data{suffix}"
    _write(frame, path)
    table = read_table(path)
    types = dict(zip(table.schema.names, table.schema.types, strict=True))
    assert pa.types.is_floating(types["height"])
    assert pa.types.is_integer(types["age"])
    assert pa.types.is_boolean(types["smoker"])
    assert pa.types.is_string(types["city"]) or pa.types.is_large_string(types["city"])
    assert_array_equal(table.column("age").to_numpy(), frame["age"].to_numpy())
    assert table.column("city").to_pylist() == frame["city"].tolist()
    assert column_names(path) == list(frame.columns)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_iter_batches_streams_exact_batch_sizes(tmp_path, frame, suffix):
    path = tmp_path / f"data{suffix}"
    _write(frame, path)
    batches = list(iter_batches(path, columns=["city", "age"], batch_rows=64))
    assert [batch.num_rows for batch in batches] == [64, 64, 64, 8]
    assert all(batch.schema.names == ["city", "age"] for batch in batches)
    streamed = pa.Table.from_batches(batches)
    assert streamed.equals(read_table(path, columns=["city", "age"]))


def test_iter_batches_column_types(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("code,x\n01,1\n02,2\n")
    batch = next(iter_batches(path, column_types={"code": pa.string()}))
    assert batch.column("code").to_pylist() == ["01", "02"]
    parquet = tmp_path / "codes.parquet"
    pq.write_table(pa.table({"code": [1, 2]}), parquet)
    table = read_table(parquet, column_types={"code": pa.string()})
    assert table.column("code").to_pylist() == ["1", "2"]


def test_empty_cells_are_missing_in_every_column(tmp_path):
    path = tmp_path / "holes.csv"
    path.write_text("x,s\n1,a\n,\n3,NA\n")
    table = read_table(path)
    assert table.column("x").null_count == 1
    assert table.column("s").to_pylist() == ["a", None, None]


def test_pandas_index_columns_are_not_data(tmp_path):
    path = tmp_path / "indexed.parquet"
    pd.DataFrame({"x": [1.0, 2.0]}, index=["r1", "r2"]).to_parquet(path)
    assert column_names(path) == ["x"]
    assert read_table(path).schema.names == ["x"]


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        read_table(tmp_path / "absent.csv")
    with pytest.raises(FileNotFoundError, match=r"absent\.parquet"):
        iter_batches(tmp_path / "absent.parquet")


def test_unsupported_extension(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_text("x\n1\n")
    with pytest.raises(ValueError, match=r"\.xlsx.*\.csv.*\.parquet"):
        read_table(path)


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("empty.csv", b"", "cannot read .*empty"),
        ("empty.parquet", b"", "cannot read .*0 bytes"),
        ("garbage.csv", bytes(range(256)) * 8, "cannot read "),
        ("garbage.parquet", b"PAR1" + bytes(range(256)) * 8, "cannot read "),
        ("broken.csv.gz", b"not gzip at all", "cannot read "),
        ("header.csv", b"a,b\n", "has no rows"),
    ],
)
@pytest.mark.parametrize("reader", [read_table, iter_batches])
def test_unreadable_files(tmp_path, name, content, match, reader):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match) as info:
        reader(path)
    message = str(info.value)
    assert "\n" not in message and message.isprintable() and len(message) < 400


@pytest.mark.parametrize("batch_rows", [0, 2.5, True])
def test_bad_batch_rows(tmp_path, frame, batch_rows):
    path = tmp_path / "data.csv"
    _write(frame, path)
    with pytest.raises(ValueError, match="batch_rows"):
        iter_batches(path, batch_rows=batch_rows)


def test_absent_columns_are_named(tmp_path, frame):
    path = tmp_path / "data.csv"
    _write(frame, path)
    with pytest.raises(ValueError, match=r"no column 'weight'.*'height'"):
        iter_batches(path, columns=["height", "weight"])


def test_streamed_csv_type_change_is_explained(tmp_path):
    path = tmp_path / "late.csv"
    rows = "".join(f"{i}\n" for i in range(200_000))
    path.write_text("x\n" + rows + "1.5\n")
    with pytest.raises(ValueError, match=r"cannot read .*first rows"):
        list(iter_batches(path))
    assert read_table(path).column("x").type == pa.float64()


def test_missing_pyarrow_gives_install_hint(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ImportError, match=r"pip install 'logreg\[files\]'"):
        column_names(tmp_path / "data.csv")


def test_pyarrow_is_not_imported_at_module_level():
    # scikit-learn may load pyarrow anyway; the module must not need it to import.
    for module in (read, columns, encoder, write):
        assert not hasattr(module, "pa")


# ----------------------------------------------------------------- encoding
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_streamed_fit_matches_whole_table_and_pandas(tmp_path, suffix):
    frame = _frame(50_000, seed=1)
    path = tmp_path / f"big{suffix}"
    _write(frame, path)
    streamed = TableEncoder(target="label").fit(iter_batches(path, batch_rows=4096))
    whole = TableEncoder(target="label").fit(read_table(path))

    numeric = ["height", "age", "smoker"]
    expected = _expected_features(frame, numeric)
    assert streamed.feature_names_out == list(expected.columns)
    assert_allclose(streamed.center_[:3], frame[numeric].mean(), rtol=1e-12)
    assert_allclose(streamed.scale_[:3], frame[numeric].std(ddof=0), rtol=1e-12)
    assert_array_equal(streamed.center_[3:], 0.0)
    assert_array_equal(streamed.scale_[3:], 1.0)
    assert_allclose(streamed.center_, whole.center_, rtol=1e-13)
    assert_allclose(streamed.scale_, whole.scale_, rtol=1e-13)
    assert streamed.classes_.tolist() == ["no", "yes"]

    X_whole, kept = whole.transform(read_table(path))
    parts = [streamed.transform(b)[0] for b in iter_batches(path, batch_rows=4096)]
    assert kept.all()
    assert_allclose(np.vstack(parts), X_whole, rtol=1e-12, atol=1e-12)
    assert_allclose(X_whole, expected.to_numpy(), rtol=1e-10, atol=1e-10)


def test_stable_statistics_for_a_large_mean():
    values = 1e9 + np.arange(10_000) % 7 * 1e-3
    batches = pa.Table.from_pydict({"x": values, "y": np.arange(10_000) % 2})
    encoder = TableEncoder(target="y").fit(batches.to_batches(max_chunksize=1000))
    assert_allclose(encoder.scale_, [values.std()], rtol=1e-6)


def test_kinds_and_feature_names(frame):
    frame["rating"] = np.arange(len(frame)) % 3  # numeric-looking: stays numeric
    encoder = TableEncoder(target="label", exclude=["height"]).fit(frame)
    assert encoder.input_columns == ["age", "smoker", "city", "rating"]
    assert encoder.feature_names_out == [
        "age",
        "smoker",
        "city=lima",
        "city=oslo",
        "city=paris",
        "city=rome",
        "rating",
    ]
    assert encoder.categories_ == {"city": ["lima", "oslo", "paris", "rome"]}
    assert encoder.read_types == {
        "age": pa.float64(),
        "smoker": pa.bool_(),
        "city": pa.string(),
        "rating": pa.float64(),
    }


def test_categorical_dictionary_columns(frame):
    categorical = frame.assign(city=frame["city"].astype("category"))
    plain, _ = TableEncoder(target="label").fit(frame).transform(frame)
    encoder = TableEncoder(target="label").fit(categorical)
    assert_array_equal(encoder.transform(categorical)[0], plain)
    assert_array_equal(encoder.transform(frame)[0], plain)


def test_read_types_keep_codes_as_categories(tmp_path):
    train = tmp_path / "train.csv"
    train.write_text("code,y\nA1,0\n7,1\nA1,1\n7,0\n")
    encoder = TableEncoder(target="y").fit(read_table(train))
    test = tmp_path / "test.csv"
    test.write_text("code\n7\n7\n")  # alone, "7" would be read as a number
    table = read_table(test, column_types=encoder.read_types)
    X, _ = encoder.transform(table)
    assert encoder.feature_names_out == ["code=7", "code=A1"]
    assert_array_equal(X, [[1.0, 0.0], [1.0, 0.0]])


def test_constant_column_is_centred_not_scaled():
    table = pa.table({"c": [0.1] * 5, "x": [1.0, 2.0, 3.0, 4.0, 5.0]})
    encoder = TableEncoder().fit(table)
    assert_array_equal(encoder.scale_[0], 1.0)
    X, _ = encoder.transform(pa.table({"c": [0.1, 1.1], "x": [3.0, 3.0]}))
    assert_allclose(X[:, 0], [0.0, 1.0], atol=1e-15)


def test_without_standardising(frame):
    encoder = TableEncoder(target="label", standardize=False).fit(frame)
    X, _ = encoder.transform(frame)
    assert_array_equal(encoder.center_, 0.0)
    assert_array_equal(encoder.scale_, 1.0)
    assert_array_equal(X[:, 0], frame["height"])
    assert_array_equal(X[:, 2], frame["smoker"].astype(float))


def test_unseen_category_is_all_zero_and_counted(frame):
    encoder = TableEncoder(target="label").fit(frame)
    new = pa.table({"height": [170.0] * 3, "age": [40] * 3, "smoker": [True] * 3})
    new = new.append_column("city", pa.array(["oslo", "tokyo", "tokyo"]))
    unseen: dict[str, int] = {}
    X, kept = encoder.transform(new, unseen_counts=unseen)
    encoder.transform(new, unseen_counts=unseen)  # counts add up over batches
    assert kept.all()
    assert_array_equal(X[:, 3:], [[0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
    assert unseen == {"city": 4}


def test_missing_values_are_named_and_counted():
    table = pa.table(
        {
            "age": [30.0, None, float("nan"), 41.0, None],
            "city": ["a", "b", None, "a", "b"],
            "y": [0, 1, 0, 1, 0],
        }
    )
    with pytest.raises(
        ValueError,
        match=r"column 'age' has 3 missing values; pass --drop-missing to drop",
    ):
        TableEncoder(target="y").fit(table.select(["age", "y"]))
    with pytest.raises(ValueError, match=r"'age' \(3\), 'city' \(1\)"):
        TableEncoder(target="y").fit(table.to_batches(max_chunksize=2))


def test_missing_label_counts_too():
    table = pa.table({"x": [1.0, 2.0, 3.0], "y": ["a", None, "b"]})
    with pytest.raises(ValueError, match="column 'y' has 1 missing value;"):
        TableEncoder(target="y").fit(table)


def test_drop_missing_drops_rows_everywhere():
    table = pa.table(
        {
            "age": [30.0, None, float("nan"), 41.0, 50.0, 20.0],
            "city": ["a", "b", "b", None, "c", "a"],
            "y": [0, 1, 0, 1, None, 1],
        }
    )
    encoder = TableEncoder(target="y", drop_missing=True).fit(table)
    assert encoder.n_rows_seen_ == 6
    assert encoder.n_rows_dropped_ == 4
    assert encoder.missing_counts_ == {"age": 2, "city": 1, "y": 1}
    assert encoder.categories_ == {"city": ["a"]}
    assert_allclose(encoder.center_[0], 25.0)
    assert encoder.classes_.tolist() == [0, 1]

    X, y, kept = encoder.transform_xy(table)
    assert_array_equal(kept, [True, False, False, False, False, True])
    assert X.shape == (2, 2)
    assert y.dtype == np.int64 and y.tolist() == [0, 1]
    X_features, kept_features = encoder.transform(table)
    assert_array_equal(kept_features, [True, False, False, False, True, True])
    assert X_features.shape == (3, 2)
    with pytest.raises(ValueError, match=r"'age' \(2\), 'city' \(1\)"):
        encoder.transform(table, drop_missing=False)


def test_all_rows_missing():
    table = pa.table({"x": [None, 1.0], "y": [0, None]})
    with pytest.raises(ValueError, match="no rows left"):
        TableEncoder(target="y", drop_missing=True).fit(table)


def test_unsupported_column_types_are_named():
    table = pa.table(
        {
            "day": pa.array([0, 1], pa.date32()),
            "tags": [["a"], ["b", "c"]],
            "x": [1.0, 2.0],
            "y": [0, 1],
        }
    )
    with pytest.raises(ValueError, match=r"'day' \(date32\[day\]\), 'tags' \(list"):
        TableEncoder(target="y").fit(table)
    encoder = TableEncoder(target="y", exclude=["day", "tags"]).fit(table)
    assert encoder.feature_names_out == ["x"]


def test_empty_column_is_named(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("x,blank,y\n1,,0\n2,,1\n")
    with pytest.raises(ValueError, match=r"'blank' \(null: every value is missing"):
        TableEncoder(target="y").fit(read_table(path))


def test_unsupported_types_from_csv(tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text("when,x,y\n2024-01-01,1,0\n2024-01-02,2,1\n")
    with pytest.raises(ValueError, match=r"'when' .*date"):
        TableEncoder(target="y").fit(iter_batches(path))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"target": "absent"}, "no target column 'absent'"),
        ({"target": "y", "exclude": ["nope"]}, "cannot exclude 'nope'"),
        ({"target": "y", "exclude": ["y"]}, "target 'y' is also excluded"),
        ({"target": "y", "exclude": ["x", "s"]}, "no feature columns"),
        ({"target": "y", "max_categories": 1}, "'s' has more than 1 distinct"),
        ({"target": "y", "max_categories": 0}, "max_categories"),
    ],
)
def test_bad_fit_requests(params, match):
    table = pa.table({"x": [1.0, 2.0], "s": ["a", "b"], "y": [0, 1]})
    with pytest.raises(ValueError, match=match):
        TableEncoder(**params).fit(table)


def test_no_rows_and_infinite_values():
    with pytest.raises(ValueError, match="no rows"):
        TableEncoder().fit(pa.table({"x": pa.array([], pa.float64())}))
    with pytest.raises(ValueError, match="infinite values in column 'x'"):
        TableEncoder().fit(pa.table({"x": [1.0, np.inf]}))
    encoder = TableEncoder().fit(pa.table({"x": [1.0, 2.0]}))
    with pytest.raises(ValueError, match="infinite values in column 'x'"):
        encoder.transform(pa.table({"x": [-np.inf]}))


def test_transform_needs_the_feature_columns(frame):
    encoder = TableEncoder(target="label").fit(frame)
    with pytest.raises(ValueError, match=r"lack the columns 'height', 'city'"):
        encoder.transform(frame.drop(columns=["height", "city"]))
    with pytest.raises(ValueError, match="lack the column 'label'"):
        encoder.transform(frame.drop(columns=["label"]), with_target=True)
    X, _ = encoder.transform(frame.assign(extra=1.0).iloc[::-1])
    assert_array_equal(X, encoder.transform(frame.iloc[::-1])[0])


def test_transform_rejects_changed_types(frame):
    encoder = TableEncoder(target="label").fit(frame)
    match = r"'age' has type \w*string here but held numbers"
    with pytest.raises(ValueError, match=match):
        encoder.transform(frame.assign(age=frame["age"].astype(str)))


def test_target_values_keep_their_type(frame):
    integers = frame.assign(label=(frame["label"] == "yes").astype(np.int64))
    for data, dtype in [(frame, object), (integers, np.int64)]:
        encoder = TableEncoder(target="label").fit(data)
        y = encoder.target_values(data)
        assert y.dtype == dtype
        assert_array_equal(y, data["label"].to_numpy())
        assert encoder.classes_.dtype == dtype


def test_not_fitted():
    with pytest.raises(NotFittedError):
        TableEncoder().transform(pa.table({"x": [1.0]}))


def test_original_scale_matches_a_fit_on_raw_data(frame):
    rng = np.random.default_rng(3)
    # Raw scales far apart, so a wrong mapping could not agree by chance.
    table = pa.table(
        {
            "a": rng.normal(50.0, 10.0, 400),
            "b": rng.normal(-3.0, 0.01, 400),
            "c": rng.integers(0, 5, 400),
        }
    )
    raw = np.column_stack([table.column(n).to_numpy() for n in ("a", "b", "c")])
    score = 0.08 * (raw[:, 0] - 50) + 80 * (raw[:, 1] + 3) + 0.3 * raw[:, 2] - 0.5
    y = (rng.random(400) < 1 / (1 + np.exp(-score))).astype(int)

    encoder = TableEncoder().fit(table)
    X, _ = encoder.transform(table)
    options = {"C": np.inf, "solver": "newton-cholesky", "tol": 1e-12, "max_iter": 200}
    on_standard = SkLogisticRegression(**options).fit(X, y)
    on_raw = SkLogisticRegression(**options).fit(raw, y)
    coef, intercept = encoder.original_scale(on_standard.coef_, on_standard.intercept_)
    assert_allclose(coef, on_raw.coef_, rtol=1e-6)
    assert_allclose(intercept, on_raw.intercept_, rtol=1e-6)


def test_original_scale_keeps_scores_with_indicators(frame):
    encoder = TableEncoder(target="label").fit(frame)
    raw, _ = TableEncoder(target="label", standardize=False).fit(frame).transform(frame)
    X, _ = encoder.transform(frame)
    rng = np.random.default_rng(4)
    coef, intercept = rng.normal(size=(3, X.shape[1])), rng.normal(size=3)
    coef_raw, intercept_raw = encoder.original_scale(coef, intercept)
    assert_allclose(raw @ coef_raw.T + intercept_raw, X @ coef.T + intercept)
    assert_array_equal(coef_raw[:, 3:], coef[:, 3:])  # indicators unchanged
    one_row, scalar = encoder.original_scale(coef[0], intercept[0])
    assert_allclose(one_row, coef_raw[0])
    assert scalar == pytest.approx(intercept_raw[0])
    with pytest.raises(ValueError, match="coef must have shape"):
        encoder.original_scale(coef[:, :3], intercept)
    with pytest.raises(ValueError, match="intercept must have shape"):
        encoder.original_scale(coef, intercept[:2])


# -------------------------------------------------------------- persisting
def _fitted_encoder(frame: pd.DataFrame) -> TableEncoder:
    frame = frame.copy()
    frame.loc[3, "height"] = np.nan
    return TableEncoder(target="label", exclude=["age"], drop_missing=True).fit(frame)


def test_state_round_trips_through_json(frame):
    encoder = _fitted_encoder(frame)
    state = encoder.to_state()
    arrays = {key for key, value in state.items() if isinstance(value, np.ndarray)}
    assert arrays == {"center", "scale"}
    text = json.dumps(state, default=lambda array: array.tolist())
    restored = TableEncoder.from_state(json.loads(text))
    assert restored.feature_names_out == encoder.feature_names_out
    assert restored.classes_.tolist() == encoder.classes_.tolist()
    assert restored.missing_counts_ == {"height": 1}
    assert (restored.n_rows_seen_, restored.n_rows_dropped_) == (200, 1)
    assert repr(restored) == repr(encoder)
    assert_array_equal(restored.transform(frame)[0], encoder.transform(frame)[0])


def test_state_round_trips_through_a_model_file(tmp_path, frame):
    encoder = _fitted_encoder(frame)
    X, y, _ = encoder.transform_xy(frame)
    model = LogisticRegression().fit(X, y)
    save_model(model, tmp_path / "model.json", preprocessor=encoder)
    restored = load_model_file(tmp_path / "model.json").preprocessor
    assert type(restored) is TableEncoder
    assert_array_equal(restored.transform(frame)[0], encoder.transform(frame)[0])
    assert restored.target_values(frame).tolist() == frame["label"].tolist()


def _corrupt(state: dict, key: str, value) -> dict:
    broken = dict(state)
    if value is KeyError:
        del broken[key]
    else:
        broken[key] = value
    return broken


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("format", "something-else"),
        ("version", 99),
        ("columns", []),
        ("columns", [{"name": "x", "kind": "date", "categories": []}]),
        ("columns", [{"name": "city", "kind": "category", "categories": ["b", "a"]}]),
        ("center", [1.0]),
        ("scale", "nope"),
        ("classes", [1, "a"]),
        ("n_rows_seen", -1),
        ("missing_counts", [1]),
        ("params", {"target": "label"}),
        ("center", KeyError),
    ],
)
def test_from_state_refuses_garbage(frame, key, value):
    state = _corrupt(TableEncoder(target="label").fit(frame).to_state(), key, value)
    with pytest.raises(ValueError, match="TableEncoder state"):
        TableEncoder.from_state(state)


def test_from_state_checks_unscaled_indicators(frame):
    state = TableEncoder(target="label").fit(frame).to_state()
    state["scale"][-1] = 2.0
    with pytest.raises(ValueError, match="'city' is not standardised"):
        TableEncoder.from_state(state)
    with pytest.raises(ValueError, match="not a dict"):
        TableEncoder.from_state(["not", "a", "dict"])


# ------------------------------------------------------------------ writing
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_write_table_round_trips(tmp_path, suffix):
    path = tmp_path / f"pred{suffix}"
    data = {
        "label": np.array(["no", "yes", "no"], dtype=object),
        "p_yes": np.array([0.25, 0.75, 0.5]),
    }
    write_table(data, path)
    table = read_table(path)
    assert table.column("label").to_pylist() == ["no", "yes", "no"]
    assert_array_equal(table.column("p_yes").to_numpy(), data["p_yes"])
    if suffix == ".csv.gz":
        assert gzip.decompress(path.read_bytes()).startswith(b'"label"')


def test_batch_writer_streams_batches(tmp_path):
    schema = pa.schema([("id", pa.int64()), ("p", pa.float64())])
    path = tmp_path / "pred.parquet"
    with BatchWriter(path, schema) as writer:
        for start in range(0, 10, 4):
            ids = np.arange(start, min(start + 4, 10))
            writer.write({"id": ids, "p": ids / 10})
        assert not path.exists()
    assert writer.rows_written == 10
    assert read_table(path).column("id").to_pylist() == list(range(10))
    assert os.listdir(tmp_path) == ["pred.parquet"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_batch_writer_leaves_nothing_on_error(tmp_path, suffix):
    schema = pa.schema([("p", pa.float64())])
    path = tmp_path / f"pred{suffix}"
    with pytest.raises(RuntimeError, match="mid-way"):
        with BatchWriter(path, schema) as writer:
            writer.write({"p": np.ones(5)})
            raise RuntimeError("mid-way")
    assert os.listdir(tmp_path) == []

    write_table({"p": [1.0]}, path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="do not match"):
        with BatchWriter(path, schema) as writer:
            writer.write(pa.table({"q": [2.0]}))
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == [path.name]


def test_batch_writer_bad_paths(tmp_path):
    schema = pa.schema([("p", pa.float64())])
    with pytest.raises(ValueError, match="extension"):
        BatchWriter(tmp_path / "pred.json", schema)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        BatchWriter(tmp_path / "absent" / "pred.csv", schema)
    with pytest.raises(RuntimeError, match="with block"):
        BatchWriter(tmp_path / "pred.csv", schema).write({"p": [1.0]})
