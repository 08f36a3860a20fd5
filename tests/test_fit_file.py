"""Fitting on files streamed from disk: same answers as in memory, bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

import logreg
from logreg.data.encoder import TableEncoder

N_ROWS = 3_000


@pytest.fixture(scope="module")
def frame(tmp_path_factory) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_ROWS, 3))
    scores = X @ rng.normal(size=(3, 3))
    labels = np.array(["low", "mid", "high"])[
        np.argmax(scores + rng.gumbel(size=scores.shape), axis=1)
    ]
    data = pd.DataFrame(X, columns=["a", "b", "c"])
    data["colour"] = rng.choice(["red", "green", "blue"], size=N_ROWS)
    data["binary"] = np.where(X[:, 0] + rng.logistic(size=N_ROWS) > 0, "yes", "no")
    data["label"] = labels
    return data


@pytest.fixture(scope="module")
def files(frame, tmp_path_factory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("files")
    parquet, csv = folder / "data.parquet", folder / "data.csv"
    frame.to_parquet(parquet, row_group_size=700)
    frame.to_csv(csv, index=False)
    return {"parquet": parquet, "csv": csv}


def in_memory_fit(frame, target, exclude, **params):
    encoder = TableEncoder(target=target, exclude=exclude, standardize=False)
    X, y, _ = encoder.fit(frame).transform_xy(frame)
    return logreg.LogisticRegression(**params).fit(X, y), encoder


@pytest.mark.parametrize("kind", ["parquet", "csv"])
@pytest.mark.parametrize("solver", ["auto", "newton", "lbfgs"])
@pytest.mark.parametrize(
    ("target", "exclude"), [("label", ["binary"]), ("binary", ["label"])]
)
def test_streamed_fit_equals_the_in_memory_fit(
    frame, files, kind, solver, target, exclude
):
    params = {"solver": solver, "tol": 1e-9}
    streamed = logreg.LogisticRegression(**params).fit_file(
        files[kind], target, batch_rows=500, exclude=exclude
    )
    reference, encoder = in_memory_fit(frame, target, exclude, **params)
    # "auto" sub-samples the Hessian in memory but not on files (a sub-sample
    # of a file costs a whole read): two paths to the same optimum, tol=1e-9.
    np.testing.assert_allclose(streamed.coef_, reference.coef_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(streamed.intercept_, reference.intercept_, atol=1e-7)
    assert list(streamed.feature_names_in_) == encoder.feature_names_out
    assert streamed.classes_.tolist() == reference.classes_.tolist()
    X_new = pd.DataFrame(
        streamed.file_encoder_.transform(frame.head(50))[0],
        columns=streamed.feature_names_in_,
    )
    np.testing.assert_allclose(
        streamed.predict_proba(X_new),
        reference.predict_proba(X_new.to_numpy()),
        atol=1e-7,
    )


def test_gradient_descent_and_class_weights_stream_too(frame, files):
    params = {"solver": "gd", "tol": 1e-6, "class_weight": "balanced"}
    streamed = logreg.LogisticRegression(**params).fit_file(
        files["parquet"], "label", batch_rows=1000, exclude=["binary"]
    )
    reference, _ = in_memory_fit(frame, "label", ["binary"], **params)
    np.testing.assert_allclose(streamed.coef_, reference.coef_, atol=1e-9)


def test_summary_of_a_streamed_fit(frame, files):
    # Without the one-hot colour: all its indicators plus the intercept are
    # collinear, and an unpenalised fit would have no unique answer.
    exclude = ["label", "colour"]
    streamed = logreg.LogisticRegression(C=np.inf, tol=1e-10).fit_file(
        files["parquet"], "binary", batch_rows=400, exclude=exclude
    )
    reference, _ = in_memory_fit(frame, "binary", exclude, C=np.inf, tol=1e-10)
    ours, expected = streamed.summary(), reference.summary()
    assert list(ours.to_frame().index) == ["intercept", "a", "b", "c"]
    np.testing.assert_allclose(
        ours.to_frame().to_numpy(), expected.to_frame().to_numpy(), rtol=1e-7
    )
    assert ours.log_likelihood == pytest.approx(expected.log_likelihood, rel=1e-12)
    assert ours.separation == "not checked"  # no rows in memory to check
    assert expected.separation == "none"


def test_bad_files_and_solvers(files, tmp_path):
    model = logreg.LogisticRegression()
    with pytest.raises(FileNotFoundError):
        model.fit_file(tmp_path / "absent.parquet", "label")
    with pytest.raises(ValueError, match="target"):
        model.fit_file(files["parquet"], "no_such_column")
    with pytest.raises(ValueError, match="random access"):
        logreg.LogisticRegression(solver="sgd").fit_file(files["csv"], "label")
    single = tmp_path / "single.csv"
    pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": ["a", "a", "a"]}).to_csv(single)
    with pytest.raises(ValueError, match="only one class"):
        model.fit_file(single, "y")
    assert not hasattr(model, "coef_")


MEMORY_PROBE = textwrap.dedent(
    """
    import json, sys, threading, time
    import numpy as np
    import logreg

    def resident_kib():
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmRSS:"))
        return int(line.split()[1])

    path, batch_rows = sys.argv[1], int(sys.argv[2])
    logreg.LogisticRegression().fit(np.eye(4), [0, 1, 0, 1])  # warm up
    # The fused kernels too, where Numba is installed: importing it and
    # loading them is a fixed cost (about 100 MiB with LLVM), not the data's.
    if logreg.objective._fused_module() is not None:
        from logreg.objective import LogisticObjective
        from logreg.data.sources import InMemorySource

        source = InMemorySource(np.eye(4), np.arange(4) % 2, np.ones(4))
        LogisticObjective(source, 2, 1.0, fused=True).value_and_grad(np.zeros(5))
    before, peak, done = resident_kib(), [0], threading.Event()

    def sample():  # the peak resident size while fitting, sampled every 2 ms
        while not done.is_set():
            peak[0] = max(peak[0], resident_kib())
            time.sleep(0.002)

    sampler = threading.Thread(target=sample)
    sampler.start()
    model = logreg.LogisticRegression(tol=1e-8)
    model.fit_file(path, "y", batch_rows=batch_rows)
    done.set()
    sampler.join()
    print(json.dumps({"growth_kib": peak[0] - before, "n_iter": int(model.n_iter_[0])}))
    """
)


def _peak_growth_kib(path, batch_rows: int) -> int:
    """Peak resident-memory growth of a fresh process fitting ``path``."""
    probe = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(path), str(batch_rows)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(probe.stdout)["growth_kib"]


@pytest.mark.slow
def test_memory_stays_bounded_by_the_batch(tmp_path):
    rng = np.random.default_rng(1)
    n_rows, n_features, batch_rows = 1_600_000, 10, 20_000
    X = rng.normal(size=(n_rows, n_features))
    y = (X @ rng.normal(size=n_features) + rng.logistic(size=n_rows) > 0).astype(int)
    data = pd.DataFrame(X, columns=[f"x{j}" for j in range(n_features)])
    data["y"] = y
    small, large = tmp_path / "small.parquet", tmp_path / "large.parquet"
    data.iloc[: n_rows // 4].to_parquet(small, row_group_size=batch_rows)
    data.to_parquet(large, row_group_size=batch_rows)
    large_kib = data.memory_usage().sum() / 1024
    del data, X
    growth_small = _peak_growth_kib(small, batch_rows)
    growth_large = _peak_growth_kib(large, batch_rows)
    # 4x the rows (80 batches, 134 MiB in memory) costs no more memory: what
    # grows (about 60 MiB for both files here) is the libraries' and threads'
    # working space, not the data.
    assert growth_large < 0.6 * large_kib, (growth_large, large_kib)
    assert growth_large < growth_small + large_kib / 4, (growth_small, growth_large)
