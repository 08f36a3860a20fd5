"""Spark DataFrames in ``fit_table``/``predict_table``, against the same rows in pandas.

One module-scoped ``local[2, 2]`` session (two threads; a task may fail once
and be retried), UI off, two shuffle partitions, small tables. Skipped, with
the reason, without pyspark or without Java 17 (``scripts/ensure-java``
installs it). The encoder's mergeable statistics are tested without Spark.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy.special import expit

import logreg
from logreg.data.encoder import TableEncoder

pytestmark = [
    # pyspark 4.x warns about pandas 3 on every pandas/Arrow conversion.
    pytest.mark.filterwarnings(
        "ignore:PySpark does not yet fully support pandas:FutureWarning"
    ),
]

LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


# ------------------------------------------------------------------ data
def _frame(n: int = 1200, n_classes: int = 2, seed: int = 0) -> pd.DataFrame:
    """Numbers (one with a large mean), a boolean, a string column and a label."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = 1000.0 + 3.0 * rng.normal(size=n)
    flag = rng.random(n) < 0.4
    group = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    shift = {"a": 0.0, "b": 0.8, "c": -0.6}
    score = 0.9 * x1 - 0.3 * (x2 - 1000.0) + 0.5 * flag + np.vectorize(shift.get)(group)
    if n_classes == 2:
        label = (rng.random(n) < 1 / (1 + np.exp(-score))).astype(np.int64)
    else:
        cuts = np.quantile(score + rng.logistic(size=n), [1 / 3, 2 / 3])
        label = np.searchsorted(cuts, score + rng.logistic(size=n)).astype(np.int64)
    return pd.DataFrame(
        {"x1": x1, "x2": x2, "flag": flag, "group": group, "label": label}
    )


def _with_missing(frame: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """A copy with some missing numbers and strings (None, NaN)."""
    rng = np.random.default_rng(seed)
    frame = frame.copy()
    frame.loc[rng.random(len(frame)) < 0.05, "x1"] = np.nan
    group = frame["group"].astype(object)
    group[rng.random(len(frame)) < 0.05] = None
    frame["group"] = group
    return frame


# --------------------------------------------------------------- session
def _java_problem() -> str | None:
    """Why Spark cannot start here (no Java >= 17), or None."""
    home = os.environ.get("JAVA_HOME")
    java = os.path.join(home, "bin", "java") if home else shutil.which("java")
    if not java or not os.path.exists(java):
        return "no Java found; scripts/ensure-java installs Java 17"
    result = subprocess.run(
        [java, "-version"], capture_output=True, text=True, timeout=60, check=False
    )
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if not match:
        return f"cannot tell the version of {java}"
    major = int(match.group(2) if match.group(1) == "1" else match.group(1))
    if major < 17:
        return f"Java {major} found; pyspark 4 needs 17 (scripts/ensure-java)"
    return None


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    """A quiet ``local[2, 2]`` session, its Python workers on this interpreter."""
    pytest.importorskip("pyspark", reason="pyspark not installed (the spark extra)")
    problem = _java_problem()
    if problem:
        pytest.skip(problem)
    from pyspark.sql import SparkSession

    log4j = tmp_path_factory.mktemp("spark") / "log4j2.properties"
    log4j.write_text(LOG4J)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYSPARK_PYTHON", sys.executable)
        patch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        session = (
            SparkSession.builder.master("local[2, 2]")
            .appName("logreg-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", "2")
            .config(
                "spark.driver.extraJavaOptions",
                f"-Dlog4j2.configurationFile=file:{log4j}",
            )
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        yield session
        session.stop()


@pytest.fixture(scope="module")
def binary_frame():
    return _frame()


@pytest.fixture(scope="module")
def binary_table(spark, binary_frame):
    return spark.createDataFrame(binary_frame).cache()


def _assert_same_fit(spark_model, pandas_model, atol=1e-7):
    np.testing.assert_array_equal(spark_model.classes_, pandas_model.classes_)
    np.testing.assert_array_equal(
        spark_model.feature_names_in_, pandas_model.feature_names_in_
    )
    np.testing.assert_allclose(spark_model.coef_, pandas_model.coef_, atol=atol)
    np.testing.assert_allclose(
        spark_model.intercept_, pandas_model.intercept_, atol=atol
    )
    spark_encoder = spark_model.file_encoder_
    pandas_encoder = pandas_model.file_encoder_
    assert spark_encoder.to_state().keys() == pandas_encoder.to_state().keys()
    np.testing.assert_allclose(
        spark_encoder.center_, pandas_encoder.center_, rtol=1e-12
    )
    np.testing.assert_allclose(spark_encoder.scale_, pandas_encoder.scale_, rtol=1e-12)
    assert spark_encoder.categories_ == pandas_encoder.categories_
    assert spark_encoder.n_rows_seen_ == pandas_encoder.n_rows_seen_
    assert spark_encoder.n_rows_dropped_ == pandas_encoder.n_rows_dropped_
    assert spark_encoder.missing_counts_ == pandas_encoder.missing_counts_


# ------------------------------------------- mergeable statistics (no Spark)
@pytest.mark.parametrize("standardize", [False, True])
@pytest.mark.parametrize("drop_missing", [False, True])
def test_statistics_learned_in_parts_merge_to_one_pass(standardize, drop_missing):
    """Parts learned apart and merged in any order give the one-pass encoder."""
    frame = _frame(n=900, n_classes=3)
    if drop_missing:
        frame = _with_missing(frame)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    options = dict(target="label", standardize=standardize, drop_missing=drop_missing)
    whole = TableEncoder(**options).fit(table)

    encoder = TableEncoder(**options)
    empty = encoder.new_statistics(table.schema)
    rng = np.random.default_rng(0)
    cuts = np.sort(rng.choice(np.arange(1, len(frame)), size=6, replace=False))
    parts = []
    for start, stop in zip([0, *cuts], [*cuts, len(frame)], strict=True):
        part = empty.empty_copy()
        part.add(table.slice(start, stop - start).to_batches()[0])
        parts.append(part)
    merged = empty.empty_copy()
    for part in rng.permutation(parts):  # the order of merging does not matter
        merged.merge(part)
    encoder.fit_statistics(merged)

    np.testing.assert_allclose(encoder.center_, whole.center_, rtol=1e-13)
    np.testing.assert_allclose(encoder.scale_, whole.scale_, rtol=1e-12)
    assert encoder.categories_ == whole.categories_
    np.testing.assert_array_equal(encoder.classes_, whole.classes_)
    assert encoder.n_rows_seen_ == whole.n_rows_seen_ == len(frame)
    assert encoder.n_rows_dropped_ == whole.n_rows_dropped_
    assert encoder.missing_counts_ == whole.missing_counts_


def test_merged_moments_are_exact_where_sums_of_squares_cancel():
    """A large mean and a small spread: the merged std is the two-pass std."""
    rng = np.random.default_rng(3)
    values = 1e9 + rng.normal(size=4000) * 1e-3
    table = pa.table({"x": values, "y": rng.integers(0, 2, 4000)})
    encoder = TableEncoder(target="y", standardize=True)
    empty = encoder.new_statistics(table.schema)
    merged = empty.empty_copy()
    for batch in table.to_batches(max_chunksize=333):
        part = empty.empty_copy()
        part.add(batch)
        merged.merge(part)
    encoder.fit_statistics(merged)
    np.testing.assert_allclose(encoder.center_, [values.mean()], rtol=1e-15)
    # sum(x**2) - n mean**2 would lose every digit (1e18 * 1e-16 >> 1e-6); the
    # merged moments keep those the float64 values hold (x is known to 1e-7).
    np.testing.assert_allclose(encoder.scale_, [values.std()], rtol=1e-5)


def test_merged_levels_past_the_cap_are_refused():
    """Each part under ``max_categories``, together over it: a clear error."""
    table = pa.table({"id": [f"u{i}" for i in range(30)], "y": [0, 1] * 15})
    encoder = TableEncoder(target="y", max_categories=20)
    empty = encoder.new_statistics(table.schema)
    first, second = empty.empty_copy(), empty.empty_copy()
    first.add(table.slice(0, 15).to_batches()[0])
    second.add(table.slice(15).to_batches()[0])
    with pytest.raises(ValueError, match="'id' has more than 20 distinct values"):
        first.merge(second)


def test_the_scan_samples_the_same_uniform_rows_every_time(tmp_path):
    """k distinct rows of the partition's raw file, the same ones for the same file."""
    from logreg.data.spark import _sample_file

    table = pa.table({"i": np.arange(50_000), "x": np.linspace(0.0, 1.0, 50_000)})
    path = str(tmp_path / "raw.arrow")
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
        for batch in table.to_batches(max_chunksize=3_000):
            out.write_batch(batch)

    def sampled(k: int, part: int) -> np.ndarray:
        stream = pa.ipc.open_stream(_sample_file(path, len(table), k, part))
        return stream.read_all().column("i").to_numpy()

    rows = sampled(2_000, 0)
    assert len(rows) == len(np.unique(rows)) == 2_000
    np.testing.assert_array_equal(rows, sampled(2_000, 0))
    assert not np.array_equal(rows, sampled(2_000, 1))
    # Uniform: each tenth of the table holds about a tenth of the sample.
    counts = np.bincount(rows // 5_000, minlength=10)
    assert counts.min() > 150 and counts.max() < 250
    np.testing.assert_array_equal(sampled(60_000, 0), np.arange(50_000))


def test_fit_table_on_pandas_never_imports_pyspark():
    code = textwrap.dedent(
        """
        import sys
        import pandas as pd
        import logreg
        frame = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": [0, 1, 0, 1]})
        model = logreg.LogisticRegression().fit_table(frame, "y")
        model.predict_table(frame)
        assert "pyspark" not in sys.modules, "pyspark was imported"
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# --------------------------------------------------------------- fitting
@pytest.mark.slow
def test_binary_fit_with_strings_equals_the_pandas_fit(binary_table, binary_frame):
    spark_model = logreg.LogisticRegression(C=1.0).fit_table(binary_table, "label")
    pandas_model = logreg.LogisticRegression(C=1.0).fit_table(binary_frame, "label")
    assert spark_model.solver_ == "newton"
    assert list(spark_model.feature_names_in_) == [
        "x1",
        "x2",
        "flag",
        "group=a",
        "group=b",
        "group=c",
    ]
    _assert_same_fit(spark_model, pandas_model)


@pytest.mark.slow
def test_multinomial_standardized_fit_equals_the_pandas_fit(spark):
    frame = _frame(n=900, n_classes=3, seed=5)
    table = spark.createDataFrame(frame).repartition(3)  # rows in a shuffled order
    options = dict(standardize=True, exclude=["flag"])
    spark_model = logreg.LogisticRegression(C=0.5).fit_table(table, "label", **options)
    pandas_model = logreg.LogisticRegression(C=0.5).fit_table(frame, "label", **options)
    assert spark_model.coef_.shape == (3, 5)
    _assert_same_fit(spark_model, pandas_model)


@pytest.mark.slow
def test_drop_missing_fit_equals_the_pandas_fit(spark):
    frame = _with_missing(_frame(n=800, seed=2))
    table = spark.createDataFrame(frame)
    spark_model = logreg.LogisticRegression().fit_table(
        table, "label", drop_missing=True, standardize=True
    )
    pandas_model = logreg.LogisticRegression().fit_table(
        frame, "label", drop_missing=True, standardize=True
    )
    assert spark_model.file_encoder_.n_rows_dropped_ > 0
    _assert_same_fit(spark_model, pandas_model)


@pytest.mark.slow
def test_summary_of_an_unpenalised_fit_equals_the_in_memory_one(
    binary_table, binary_frame
):
    spark_model = logreg.LogisticRegression(C=np.inf).fit_table(binary_table, "label")
    pandas_model = logreg.LogisticRegression(C=np.inf).fit_table(binary_frame, "label")
    spark_summary, pandas_summary = spark_model.summary(), pandas_model.summary()
    spark_table, pandas_table = spark_summary.to_frame(), pandas_summary.to_frame()
    assert list(spark_table.index) == list(pandas_table.index)
    assert "group=a" not in spark_table.index  # treatment coding for C = inf
    np.testing.assert_allclose(
        spark_table.to_numpy(), pandas_table.to_numpy(), rtol=1e-6, atol=1e-9
    )
    for name in ("log_likelihood", "null_log_likelihood", "aic", "bic", "pseudo_r2"):
        assert getattr(spark_summary, name) == pytest.approx(
            getattr(pandas_summary, name), rel=1e-10
        )
    assert spark_summary.n_obs == pandas_summary.n_obs == len(binary_frame)


# ------------------------------------------------------------ passes (jobs)
def _jobs(spark, group: str, fit) -> int:
    """Spark jobs that ``fit()`` runs."""
    context = spark.sparkContext
    context.setJobGroup(group, group)
    try:
        fit()
        return len(context.statusTracker().getJobIdsForGroup(group))
    finally:
        context.setJobGroup("", "")


@pytest.mark.slow
def test_a_fit_whose_sample_is_every_row_is_one_scan_and_one_pass(
    spark, binary_table, binary_frame
):
    """The scan's sample holds the whole (small) table: its fit is certified."""
    from logreg.data.spark_source import SparkSource

    fitted = {}

    def fit():
        fitted["model"] = logreg.LogisticRegression(C=1.0).fit_table(
            binary_table, "label"
        )

    sources = []
    original = SparkSource.__init__

    def recording(self, *args, **kwargs):
        original(self, *args, **kwargs)
        sources.append(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SparkSource, "__init__", recording)
        jobs = _jobs(spark, "whole-sample", fit)
    (source,) = sources
    assert len(source.row_sample()[1]) == len(binary_frame)
    assert source.n_passes == 1
    assert jobs == 2  # the scan, then the pass that encodes and certifies
    pandas_model = logreg.LogisticRegression(C=1.0).fit_table(binary_frame, "label")
    _assert_same_fit(fitted["model"], pandas_model)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("n_classes", "tol", "atol", "passes"),
    [(2, 1e-4, 1e-7, 3), (3, 1e-4, 1e-7, 4), (2, 1e-8, 1e-7, 4)],
)
def test_a_fit_from_a_row_sample_equals_the_pandas_fit_in_few_passes(
    spark, monkeypatch, n_classes, tol, atol, passes
):
    """A 500-row sample of 4000: the corrected start's pass, then 1-3 more.

    Both fits are certified to ``1e-6 tol`` in relative gap, from different
    starts, and end with the step their decrement certified, an exact Newton
    step (the pandas fit's binary Newton sketches the Hessian until its last
    steps), which lands about the square of that gap from the optimum: the
    coefficients agree to 1e-7 at the default ``tol``. (From zeros, Newton
    takes 6-7 passes here.)
    """
    from logreg.data import spark as spark_tables
    from logreg.data.spark_source import SparkSource

    monkeypatch.setattr(spark_tables, "sample_rows", lambda n_columns: 500)
    frame = _frame(n=4000, n_classes=n_classes, seed=7)
    table = spark.createDataFrame(frame).repartition(3).cache()
    table.count()  # the shuffle's jobs are not the fit's
    fitted, sources = {}, []
    original = SparkSource.__init__

    def recording(self, *args, **kwargs):
        original(self, *args, **kwargs)
        sources.append(self)

    def fit():
        fitted["model"] = logreg.LogisticRegression(C=1.0, tol=tol).fit_table(
            table, "label", standardize=True
        )

    monkeypatch.setattr(SparkSource, "__init__", recording)
    jobs = _jobs(spark, f"sampled-{n_classes}-{tol}", fit)
    table.unpersist()
    (source,) = sources
    assert 0 < len(source.row_sample()[1]) < len(frame)
    assert jobs == 1 + source.n_passes <= 1 + passes  # the scan, then the passes
    pandas_model = logreg.LogisticRegression(C=1.0, tol=tol).fit_table(
        frame, "label", standardize=True
    )
    _assert_same_fit(fitted["model"], pandas_model, atol=atol)


# ------------------------------------------------------------- prediction
@pytest.mark.slow
def test_predict_table_is_a_lazy_spark_dataframe_of_the_in_memory_probabilities(
    spark, binary_table, binary_frame
):
    from pyspark.sql import DataFrame

    model = logreg.LogisticRegression(C=1.0).fit_table(binary_frame, "label")
    context = spark.sparkContext
    context.setJobGroup("predict-table", "predict_table must run no job")
    try:
        predicted = model.predict_table(binary_table)
        assert context.statusTracker().getJobIdsForGroup("predict-table") == []
    finally:
        context.setJobGroup("", "")
    assert isinstance(predicted, DataFrame)
    assert predicted.columns == [
        *binary_frame.columns,
        "prediction",
        "proba_0",
        "proba_1",
    ]
    assert dict(predicted.dtypes)["proba_1"] == "double"

    expected = model.predict_table(binary_frame)
    got = predicted.toArrow().to_pandas()
    # The probabilities from the coefficients, independently of logreg's code.
    X, _ = model.file_encoder_.transform(binary_frame)
    p = expit(X @ model.coef_[0] + model.intercept_[0])
    np.testing.assert_allclose(
        got[["proba_0", "proba_1"]].to_numpy(), np.column_stack([1 - p, p]), rtol=1e-12
    )
    np.testing.assert_allclose(
        got[["proba_0", "proba_1"]].to_numpy(),
        expected[["proba_0", "proba_1"]].to_numpy(),
        rtol=1e-12,
    )
    np.testing.assert_array_equal(got["prediction"], expected["prediction"])


@pytest.mark.slow
def test_predict_table_refuses_a_table_with_a_prediction_column(
    binary_table, binary_frame
):
    model = logreg.LogisticRegression().fit_table(binary_frame, "label")
    with pytest.raises(ValueError, match="already has the column 'prediction'"):
        model.predict_table(binary_table.withColumnRenamed("label", "prediction"))


# ---------------------------------------------------------- retried tasks
@pytest.mark.slow
def test_a_retried_task_gives_the_same_fit(spark, binary_table, monkeypatch):
    """Every pass loses its first attempt at partition 0; Spark retries it."""
    from logreg.data.spark_source import SparkSource

    expected = logreg.LogisticRegression(C=1.0).fit_table(binary_table, "label")
    original = SparkSource.sum_over_blocks

    def failing_once(self, kernel):
        def flaky(X_b, y_b, s_b):
            from pyspark import TaskContext

            task = TaskContext.get()
            if task.partitionId() == 0 and task.attemptNumber() == 0:
                raise RuntimeError("a lost executor (injected)")
            return kernel(X_b, y_b, s_b)

        return original(self, flaky)

    monkeypatch.setattr(SparkSource, "sum_over_blocks", failing_once)
    context = spark.sparkContext
    context.setJobGroup("retried", "every pass fails once")
    try:
        retried = logreg.LogisticRegression(C=1.0).fit_table(binary_table, "label")
        tracker = context.statusTracker()
        stages = {
            stage
            for job in tracker.getJobIdsForGroup("retried")
            for stage in tracker.getJobInfo(job).stageIds
        }
        failed = sum(tracker.getStageInfo(stage).numFailedTasks for stage in stages)
    finally:
        context.setJobGroup("", "")
    assert failed >= retried.n_iter_[0]  # every solver pass lost a task
    np.testing.assert_array_equal(retried.coef_, expected.coef_)
    np.testing.assert_array_equal(retried.intercept_, expected.intercept_)


def _fit_folders(spark) -> set[str]:
    """The fits' folders in the (one) executor's local scratch space."""

    def folders(_):
        from logreg.data.spark_source import SCRATCH_PREFIX, scratch_dir

        root = os.path.dirname(scratch_dir("x"))
        yield from (
            os.path.join(root, name)
            for name in os.listdir(root)
            if name.startswith(SCRATCH_PREFIX)
        )

    return set(spark.sparkContext.parallelize([0], 1).mapPartitions(folders).collect())


@pytest.mark.slow
def test_missing_files_are_recomputed_to_the_same_fit_and_removed_after_it(
    spark, binary_table, monkeypatch
):
    """Partition 0's files are deleted before every pass: it is encoded again.

    Its raw batches before the first pass (which encodes), its encoded rows
    before the others. The recomputed partition's sum takes its place in the
    same tree, so the fit has the same bits; the files are gone once the
    fit's statistics are. A small row sample makes the fit take several
    passes.
    """
    import gc
    import weakref

    from logreg.data import spark
    from logreg.data.spark_source import SparkSource

    monkeypatch.setattr(spark, "sample_rows", lambda n_columns: 200)
    expected = logreg.LogisticRegression(C=1.0).fit_table(binary_table, "label")
    original = SparkSource.sum_over_blocks
    sources = []

    def losing_a_file(self, kernel):
        if not sources:
            sources.append(weakref.ref(self))
        for _, folder in self._stored.files.places:
            for name in ("raw-00000.arrow", "part-00000.X.npy"):
                path = os.path.join(folder, name)
                if os.path.exists(path):
                    os.remove(path)
        return original(self, kernel)

    monkeypatch.setattr(SparkSource, "sum_over_blocks", losing_a_file)
    model = logreg.LogisticRegression(C=1.0).fit_table(binary_table, "label")
    source = sources[0]()
    assert source.n_recomputed == source.n_passes >= max(2, model.n_iter_[0])
    np.testing.assert_array_equal(model.coef_, expected.coef_)
    np.testing.assert_array_equal(model.intercept_, expected.intercept_)
    (folder,) = {folder for _, folder in source._stored.files.places}
    assert sorted(os.listdir(folder)) == [  # raw batches gone, encoded rows back
        "part-00000.X.npy",
        "part-00000.y.npy",
        "part-00001.X.npy",
        "part-00001.y.npy",
    ]
    del source
    model.summary()  # the last use of the rows: the source goes after it
    gc.collect()
    assert sources[0]() is None
    assert not os.path.exists(folder)


def test_partial_results_add_in_a_fixed_tree_over_many_partitions(spark, monkeypatch):
    """More partitions than the fan-in: shuffle levels (5 -> 3 -> 2), exact total."""
    from logreg.data import spark_source
    from logreg.data.spark_source import partition_results, tree_reduce

    monkeypatch.setattr(spark_source, "REDUCTION_FAN_IN", 2)
    numbers = spark.sparkContext.parallelize(range(1000), 5)

    def total(elements):
        return float(sum(elements))

    assert tree_reduce(partition_results(numbers, total), 5) == sum(range(1000))

    def refuse(elements):
        raise ValueError("a clear message from an executor")

    numbers = spark.sparkContext.parallelize(range(10), 3)
    with pytest.raises(ValueError, match=r"^a clear message from an executor$"):
        tree_reduce(partition_results(numbers, refuse), 3)


# ----------------------------------------------------------------- errors
def test_sgd_is_refused(binary_table):
    with pytest.raises(ValueError, match=r"solver='sgd'.*Spark DataFrame"):
        logreg.LogisticRegression(solver="sgd").fit_table(binary_table, "label")


def test_a_missing_target_is_named(binary_table):
    with pytest.raises(ValueError, match="no target column 'outcome'"):
        logreg.LogisticRegression().fit_table(binary_table, "outcome")


@pytest.mark.slow
def test_too_many_levels_across_partitions_are_refused(spark):
    """600 distinct ids per partition, 1200 in all: over the default cap."""
    frame = pd.DataFrame(
        {"id": [f"user{i}" for i in range(1200)], "x": np.arange(1200.0) % 7}
    ).assign(label=lambda f: (f["x"] > 3).astype(int))
    table = spark.createDataFrame(frame).repartition(2)
    before = _fit_folders(spark)
    with pytest.raises(ValueError, match="'id' has more than 1000 distinct values"):
        logreg.LogisticRegression().fit_table(table, "label")
    assert _fit_folders(spark) <= before  # the failed fit's files are deleted


@pytest.mark.slow
def test_missing_values_are_counted_by_column(spark):
    frame = _with_missing(_frame(n=400))
    expected = frame[["x1", "group"]].isna().sum()
    with pytest.raises(ValueError) as error:
        logreg.LogisticRegression().fit_table(spark.createDataFrame(frame), "label")
    message = str(error.value)
    assert f"'x1' ({expected['x1']})" in message
    assert f"'group' ({expected['group']})" in message
    assert "drop-missing" in message
