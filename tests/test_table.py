"""``fit_table`` and ``predict_table`` for every kind of table but Spark.

The reference for every fit is ``fit`` on a design matrix built here by hand
(numbers as they are, booleans 0/1, one indicator per level but the
reference), and ``fit_file`` on the same rows written to Parquet and CSV.
"""

from __future__ import annotations

import warnings

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from sklearn.exceptions import ConvergenceWarning

import logreg
from logreg.data.table_kinds import table_kind_for

KINDS = ["pandas", "arrow", "batch", "dataset", "dask", "parquet", "csv"]
TOL = 1e-7


def _frame(n: int = 240, n_classes: int = 2, seed: int = 0) -> pd.DataFrame:
    """Numbers, an int, a boolean and a string column; labels drawn from a model."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "k": rng.integers(0, 5, n),
            "flag": rng.random(n) < 0.4,
            "g": rng.choice(["a", "b", "c"], n),
            "id": np.arange(n),
        }
    )
    scores = np.outer(frame.x1 - 0.3 * frame.k + frame.flag, np.arange(n_classes))
    scores += np.outer(frame.g == "b", rng.normal(size=n_classes))
    proba = np.exp(scores - scores.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    draws = (rng.random((n, 1)) > np.cumsum(proba, axis=1)[:, :-1]).sum(axis=1)
    names = np.array(["no", "yes"] if n_classes == 2 else ["lo", "mid", "hi"])
    frame["y"] = names[draws]
    return frame


def _design(frame: pd.DataFrame, reference: bool) -> pd.DataFrame:
    """The encoded features, by hand: what every kind must fit on."""
    design = pd.DataFrame(
        {
            "x1": frame.x1,
            "k": frame.k.astype(float),
            "flag": frame.flag.astype(float),
        }
    )
    for level in ["b", "c"] if reference else ["a", "b", "c"]:
        design[f"g={level}"] = (frame.g == level).astype(float)
    return design


def _as_kind(frame: pd.DataFrame, kind: str, tmp_path) -> object:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if kind == "pandas":
        return frame
    if kind == "arrow":
        return table
    if kind == "batch":
        return table.combine_chunks().to_batches()[0]
    if kind == "dataset":  # three files, several batches each
        tmp_path.mkdir(exist_ok=True)
        for part in range(3):
            pq.write_table(table.slice(part * 80, 80), tmp_path / f"{part}.parquet")
        return ds.dataset(tmp_path, format="parquet")
    if kind == "dask":
        return dd.from_pandas(frame, npartitions=4)
    if kind == "parquet":
        frame.to_parquet(tmp_path / "rows.parquet")
        return tmp_path / "rows.parquet"
    frame.to_csv(tmp_path / "rows.csv", index=False)
    return str(tmp_path / "rows.csv")


def _model(**params) -> logreg.LogisticRegression:
    return logreg.LogisticRegression(solver="newton", tol=1e-12, **params)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return _frame()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("C", [np.inf, 1.0])
def test_every_kind_fits_the_hand_encoded_model(frame, kind, C, tmp_path):
    reference = _model(C=C).fit(_design(frame, np.isinf(C)), frame.y)
    table = _as_kind(frame, kind, tmp_path)
    model = _model(C=C).fit_table(table, "y", exclude=["id"], batch_rows=50)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=0, atol=TOL)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, atol=TOL)
    assert list(model.feature_names_in_) == list(reference.feature_names_in_)
    assert list(model.classes_) == ["no", "yes"]
    assert model.file_encoder_.input_columns == ["x1", "k", "flag", "g"]


@pytest.mark.parametrize("kind", ["pandas", "dataset", "dask", "csv"])
def test_standardised_multinomial_equals_fit_file(kind, tmp_path):
    frame = _frame(n=240, n_classes=3, seed=1)
    frame.to_parquet(tmp_path / "file.parquet")
    options = {"exclude": ["id"], "standardize": True, "batch_rows": 70}
    expected = _model(C=0.5).fit_file(tmp_path / "file.parquet", "y", **options)
    table = _as_kind(frame, kind, tmp_path / "kind" if kind == "dataset" else tmp_path)
    model = _model(C=0.5).fit_table(table, "y", **options)
    np.testing.assert_allclose(model.coef_, expected.coef_, atol=TOL)
    np.testing.assert_allclose(model.intercept_, expected.intercept_, atol=TOL)
    np.testing.assert_allclose(
        model.file_encoder_.scale_, expected.file_encoder_.scale_, rtol=1e-12
    )
    assert list(model.classes_) == ["hi", "lo", "mid"]


def test_a_dataset_fit_is_deterministic(frame, tmp_path):
    table = _as_kind(frame, "dataset", tmp_path)
    first = _model(C=1.0).fit_table(table, "y", batch_rows=16)
    again = _model(C=1.0).fit_table(table, "y", batch_rows=16)
    np.testing.assert_array_equal(first.coef_, again.coef_)


# ---------------------------------------------------------------- predict
def _expected_predictions(frame: pd.DataFrame) -> tuple[object, np.ndarray, np.ndarray]:
    model = _model(C=np.inf).fit(_design(frame, True), frame.y)
    design = _design(frame, True)
    return model, model.predict(design), model.predict_proba(design)


@pytest.mark.parametrize("kind", KINDS)
def test_predict_table_appends_to_the_same_kind(frame, kind, tmp_path):
    _, labels, proba = _expected_predictions(frame)
    model = _model(C=np.inf).fit_table(frame, "y", exclude=["id"])
    table = _as_kind(frame, kind, tmp_path)
    out = model.predict_table(table)
    names = ["prediction", "proba_no", "proba_yes"]
    if kind == "pandas":
        assert isinstance(out, pd.DataFrame) and out.index.equals(frame.index)
        result = out
    elif kind == "dask":
        assert isinstance(out, dd.DataFrame)
        result = out.compute()
    elif kind == "batch":
        assert isinstance(out, pa.RecordBatch)
        result = out.to_pandas()
    else:  # a Table for a Table, a Dataset or a path
        assert isinstance(out, pa.Table)
        result = out.to_pandas()
    assert list(result.columns) == [*frame.columns, *names]
    np.testing.assert_array_equal(result["prediction"].to_numpy(), labels)
    np.testing.assert_allclose(result[names[1:]].to_numpy(), proba, atol=TOL)
    np.testing.assert_allclose(result["x1"], frame["x1"])  # the rows, in order


def test_dask_predictions_are_lazy(frame):
    model = _model(C=np.inf).fit_table(frame, "y", exclude=["id"])
    table = dd.from_pandas(frame, npartitions=3)

    def refuse(*args, **kwargs):
        raise AssertionError("predict_table computed something")

    with dask.config.set(scheduler=refuse):
        out = model.predict_table(table)
    expected = model.predict_table(table.compute(scheduler="sync"))
    pd.testing.assert_frame_equal(out.compute(scheduler="sync"), expected)


def test_a_dask_fit_learns_the_encoder_of_the_whole_table(frame):
    options = {"exclude": ["id"], "standardize": True}
    expected = _model(C=1.0).fit_table(frame, "y", **options).file_encoder_
    table = dd.from_pandas(frame, npartitions=5)
    encoder = _model(C=1.0).fit_table(table, "y", **options).file_encoder_
    assert encoder.categories_ == expected.categories_
    assert encoder.n_rows_seen_ == len(frame)
    np.testing.assert_allclose(encoder.center_, expected.center_, rtol=1e-13)
    np.testing.assert_allclose(encoder.scale_, expected.scale_, rtol=1e-13)


def test_a_model_fitted_on_a_dataframe_reads_its_named_columns(frame):
    design = _design(frame, True)
    model = _model(C=1.0).fit(design, frame.y)
    out = model.predict_table(pa.Table.from_pandas(design.assign(other="z")))
    np.testing.assert_allclose(
        np.column_stack([out["proba_no"], out["proba_yes"]]),
        model.predict_proba(design),
        atol=1e-12,
    )
    unnamed = _model(C=1.0).fit(design.to_numpy(), frame.y)
    with pytest.raises(ValueError, match="which columns are the features"):
        unnamed.predict_table(design)
    with pytest.raises(ValueError, match="lacks the column 'k'"):
        model.predict_table(design.drop(columns="k"))


def test_rows_dropped_for_missing_values(frame):
    holey = frame.copy()
    holey.loc[[3, 7], "x1"] = np.nan
    model = _model(C=1.0).fit_table(holey, "y", exclude=["id"], drop_missing=True)
    kept = holey.drop(index=[3, 7])
    expected = _model(C=1.0).fit_table(kept, "y", exclude=["id"])
    np.testing.assert_allclose(model.coef_, expected.coef_, atol=TOL)
    assert model.file_encoder_.n_rows_dropped_ == 2
    out = model.predict_table(holey)
    assert out["proba_yes"].isna().tolist() == [i in (3, 7) for i in range(len(frame))]
    assert out["prediction"].isna().sum() == 2
    dask_model = _model(C=1.0).fit_table(
        dd.from_pandas(holey, npartitions=3), "y", exclude=["id"], drop_missing=True
    )
    np.testing.assert_allclose(dask_model.coef_, expected.coef_, atol=TOL)


# -------------------------------------------------- model files, summaries
def test_save_load_and_summary_after_fit_table(frame, tmp_path):
    table = dd.from_pandas(frame, npartitions=3)
    model = _model(C=np.inf).fit_table(table, "y", exclude=["id"])
    reference = _model(C=np.inf).fit(_design(frame, True), frame.y)
    summary, expected = model.summary().to_frame(), reference.summary().to_frame()
    np.testing.assert_allclose(summary.to_numpy(), expected.to_numpy(), rtol=1e-6)
    model.save(tmp_path / "model.json")
    loaded = logreg.load(tmp_path / "model.json")
    assert loaded.file_encoder_.categories_ == {"g": ["a", "b", "c"]}
    pd.testing.assert_frame_equal(
        loaded.predict_table(frame), model.predict_table(frame)
    )


def test_a_model_written_by_the_cli_predicts_tables(frame, tmp_path):
    from logreg.cli import main

    data, model_path = tmp_path / "train.csv", tmp_path / "model.json"
    frame.to_csv(data, index=False)
    command = ["fit", str(data), "--target", "y", "--exclude", "id"]
    assert main([*command, "--model", str(model_path)]) == 0
    loaded = logreg.load(model_path)
    expected = _model().fit_table(frame, "y", exclude=["id"], standardize=True)
    np.testing.assert_allclose(loaded.coef_, expected.coef_, rtol=1e-6, atol=1e-8)
    got, want = loaded.predict_table(frame), expected.predict_table(frame)
    columns = ["proba_no", "proba_yes"]
    np.testing.assert_allclose(got[columns], want[columns], rtol=1e-6, atol=1e-9)
    assert (got["prediction"] == want["prediction"]).all()


# ------------------------------------------------------------- bad inputs
def test_unknown_kinds_are_refused_by_name(frame):
    model = _model(C=1.0)
    with pytest.raises(TypeError, match=r"got numpy\.ndarray") as error:
        model.fit_table(frame.to_numpy(), "y")
    assert "pandas DataFrame" in str(error.value)
    assert "Spark DataFrame" in str(error.value)
    with pytest.raises(TypeError, match="dask"):
        table_kind_for(dd.from_pandas(frame, npartitions=2)["x1"])
    fitted = _model(C=1.0).fit_table(frame, "y")
    with pytest.raises(TypeError, match="a table must be one of"):
        fitted.predict_table([[1.0, 2.0]])


@pytest.mark.parametrize("kind", KINDS)
def test_a_missing_target_is_named(frame, kind, tmp_path):
    table = _as_kind(frame, kind, tmp_path)
    with pytest.raises(ValueError, match="no target column 'label'"):
        _model(C=1.0).fit_table(table, "label")


@pytest.mark.parametrize("kind", ["dataset", "dask", "parquet"])
def test_sgd_is_refused_where_rows_are_streamed(frame, kind, tmp_path):
    table = _as_kind(frame, kind, tmp_path)
    with pytest.raises(ValueError, match="solver='sgd' needs random access"):
        logreg.LogisticRegression(solver="sgd").fit_table(table, "y")


def test_sgd_works_on_tables_in_memory(frame):
    model = logreg.LogisticRegression(solver="sgd", random_state=0, max_iter=5)
    reference = logreg.LogisticRegression(solver="sgd", random_state=0, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit_table(frame, "y", exclude=["id"])
        reference.fit(_design(frame, False), frame.y)
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-12)


def test_appended_names_must_be_new_and_a_formula_is_refused(frame):
    model = _model(C=1.0).fit_table(frame, "y", exclude=["id"])
    with pytest.raises(ValueError, match="already has the column 'prediction'"):
        model.predict_table(frame.assign(prediction=1))
    with pytest.raises(ValueError, match="'proba_no'"):
        model.predict_table(dd.from_pandas(frame.assign(proba_no=1), npartitions=2))
    with pytest.raises(ValueError, match="a formula applies"):
        logreg.LogisticRegression(formula="y ~ x1").fit_table(frame, "y")


@pytest.mark.parametrize("kind", ["arrow", "dataset", "dask"])
def test_class_weights_apply_to_every_kind(frame, kind, tmp_path):
    reference = _model(C=1.0, class_weight="balanced").fit(
        _design(frame, False), frame.y
    )
    table = _as_kind(frame, kind, tmp_path)
    model = _model(C=1.0, class_weight="balanced").fit_table(table, "y", exclude="id")
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=TOL)


def test_a_formula_model_predicts_tables_through_its_formula(frame):
    model = _model(C=np.inf, formula="y ~ x1 + k + C(g)").fit(frame)
    expected = model.predict_proba(frame)
    out = model.predict_table(dd.from_pandas(frame, npartitions=2)).compute()
    np.testing.assert_allclose(out[["proba_no", "proba_yes"]], expected, atol=1e-12)
    np.testing.assert_array_equal(out["prediction"], model.predict(frame))


@pytest.mark.parametrize("kind", KINDS)
def test_batch_rows_must_be_a_positive_int(frame, kind, tmp_path):
    table = _as_kind(frame, kind, tmp_path)
    with pytest.raises(ValueError, match="batch_rows must be an int >= 1, got 0"):
        _model(C=1.0).fit_table(table, "y", batch_rows=0)
