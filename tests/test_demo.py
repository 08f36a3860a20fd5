"""The demo: accuracy, reproducibility, an independent gradient descent, pictures."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image
from rich.console import Console

import logreg
from logreg.datasets import make_blobs_dataset, train_test_split_dataset
from logreg.demo import DEFAULT_EPOCHS, DEFAULT_LR, DemoResult, run_demo


def _run(**kwargs) -> tuple[DemoResult, str]:
    """Run the demo printing into a string; return the result and the text."""
    buffer = io.StringIO()
    result = run_demo(console=Console(file=buffer, width=100), **kwargs)
    return result, buffer.getvalue()


@pytest.fixture(scope="module")
def default_run() -> tuple[DemoResult, str]:
    return _run(plots=False)


def _hand_written_gradient_descent(
    X: np.ndarray, y: np.ndarray, W: np.ndarray, b: np.ndarray, lr: float, epochs: int
) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Plain full-batch gradient descent on the mean log-loss, from scratch.

    Binary (one row of ``W``): ``p = sigmoid(z)``; ``K`` rows: ``P = softmax(z)``.
    The gradient is ``(P - Y)^T X / n`` for ``W`` and the column mean of
    ``P - Y`` for ``b``; the update is ``w -= lr * grad``. Returns the final
    ``W, b`` and the loss before each step and after the last.
    """
    n = len(y)
    W, b = W.copy(), b.copy()
    losses = []
    for _ in range(epochs + 1):
        z = X @ W.T + b
        if W.shape[0] == 1:
            # sigmoid via tanh: no overflow for any z.
            residual = 0.5 * (1.0 + np.tanh(z / 2.0)) - y[:, None]
            losses.append(float(np.mean(np.logaddexp(0.0, z[:, 0]) - y * z[:, 0])))
        else:
            shifted = z - z.max(axis=1, keepdims=True)
            log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            onehot = np.eye(W.shape[0])[y]
            residual = np.exp(shifted - log_norm) - onehot
            losses.append(float(np.mean(-(shifted - log_norm)[np.arange(n), y])))
        if len(losses) > epochs:
            break
        W -= lr * residual.T @ X / n
        b -= lr * residual.mean(axis=0)
    return W, b, losses


def test_defaults_reach_90_percent(default_run):
    result, _ = default_run
    assert result.test_accuracy >= 0.90
    assert result.coef.shape == (1, 2)
    assert result.intercept.shape == (1,)
    assert result.losses.shape == (DEFAULT_EPOCHS + 1,)
    assert result.losses[-1] < result.losses[0]
    assert result.files == []


def test_three_classes_reach_90_percent():
    result, text = _run(classes=3, plots=False)
    assert result.test_accuracy >= 0.90
    assert result.coef.shape == (3, 2)
    assert result.intercept.shape == (3,)
    assert "3 Gaussian blobs" in text


def test_prints_table_accuracy_and_final_parameters(default_run):
    result, text = default_run
    lines = text.splitlines()
    assert f"Accuracy: {100 * result.test_accuracy:.1f}%" in lines
    assert any(re.fullmatch(r"Accuracy: \d+\.\d%", line) for line in lines)
    assert any(line.startswith("Test loss: ") for line in lines)
    assert lines[-2].strip().startswith("W = ")
    assert lines[-1].strip().startswith("b = ")
    assert "epoch" in text and "loss" in text  # the table header
    assert f"{result.losses[-1]:.4f}" in text  # the last table row


@pytest.mark.parametrize("classes", [2, 3])
def test_final_coefficients_match_hand_written_gradient_descent(classes):
    """The independent check of the solver: the same updates, written by hand."""
    seed = 3
    result, _ = _run(classes=classes, seed=seed, plots=False)
    X, y = make_blobs_dataset(500, 2, classes, 2.0, random_state=seed)
    X_train, _, y_train, _ = train_test_split_dataset(X, y, 0.2, random_state=seed)
    rng = np.random.default_rng(seed)
    n_rows = 1 if classes == 2 else classes
    W0 = rng.standard_normal((n_rows, 2))
    b0 = rng.standard_normal(n_rows)
    np.testing.assert_array_equal(result.snapshots[0].coef, W0)
    np.testing.assert_array_equal(result.snapshots[0].intercept, b0)

    W, b, losses = _hand_written_gradient_descent(
        X_train, y_train, W0, b0, DEFAULT_LR, DEFAULT_EPOCHS
    )
    np.testing.assert_allclose(result.coef, W, rtol=0, atol=1e-10)
    np.testing.assert_allclose(result.intercept, b, rtol=0, atol=1e-10)
    np.testing.assert_allclose(result.losses, losses, rtol=1e-10, atol=1e-12)
    assert [s.epoch for s in result.snapshots] == list(range(DEFAULT_EPOCHS + 1))


def test_same_seed_same_output_and_numbers():
    first, first_text = _run(epochs=20, seed=7, plots=False)
    second, second_text = _run(epochs=20, seed=7, plots=False)
    assert first_text == second_text
    np.testing.assert_array_equal(first.coef, second.coef)
    np.testing.assert_array_equal(first.losses, second.losses)
    other, other_text = _run(epochs=20, seed=8, plots=False)
    assert other_text != first_text
    assert not np.array_equal(other.coef, first.coef)


def _assert_png_not_blank(path) -> None:
    with Image.open(path) as image:
        assert image.format == "PNG"
        pixels = np.asarray(image.convert("L"), dtype=float)
    assert pixels.std() > 10, f"{path} looks blank"


@pytest.mark.parametrize("classes", [2, 3])
def test_writes_pictures_and_animation(tmp_path, classes):
    out = tmp_path / "pictures"
    result, text = _run(samples=120, classes=classes, epochs=4, out=out)
    assert [p.name for p in result.files] == [
        "data.png",
        "boundary-snapshots.png",
        "loss.png",
        "test-boundary.png",
        "training.gif",
    ]
    for path in result.files:
        assert path.parent == out and path.is_file()
        assert str(path) in text
    for path in result.files[:-1]:
        _assert_png_not_blank(path)
    with Image.open(result.files[-1]) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames > 1
        gif.seek(gif.n_frames - 1)
        assert np.asarray(gif.convert("L"), dtype=float).std() > 10


@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        ({"classes": 1}, "classes"),
        ({"classes": 11}, "classes"),
        ({"classes": 2.5}, "classes"),
        ({"samples": 3}, "samples"),
        ({"samples": 14, "classes": 3}, "samples"),
        ({"std": 0.0}, "std"),
        ({"std": float("inf")}, "std"),
        ({"lr": -1.0}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": True}, "epochs"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_arguments_name_the_parameter(arguments, name):
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        _run(plots=False, **arguments)


def test_too_large_learning_rate_raises_divergence_error():
    with pytest.raises(logreg.DivergenceError, match="smaller lr"):
        _run(lr=1e6, plots=False)


def test_missing_plot_dependency_fails_before_training(monkeypatch, tmp_path):
    monkeypatch.setitem(__import__("sys").modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"logreg\[plot\]"):
        _run(out=tmp_path / "never")
    assert not (tmp_path / "never").exists()


@pytest.mark.parametrize(("n_features", "n_classes"), [(2, 2), (2, 5), (3, 3), (1, 2)])
def test_blobs_dataset(n_features, n_classes):
    X, y = make_blobs_dataset(2000, n_features, n_classes, 0.5, random_state=1)
    assert X.shape == (2000, n_features) and X.dtype == np.float64
    assert X.flags.c_contiguous
    assert np.ptp(np.bincount(y, minlength=n_classes)) <= 1  # even classes
    again, _ = make_blobs_dataset(2000, n_features, n_classes, 0.5, random_state=1)
    np.testing.assert_array_equal(X, again)
    # Neighbouring centres are `separation` (default 8) apart.
    means = np.array([X[y == k].mean(axis=0) for k in range(n_classes)])
    gaps = np.linalg.norm(means - np.roll(means, 1, axis=0), axis=1)
    if n_features == 1:
        gaps = np.abs(np.diff(means[:, 0]))
    np.testing.assert_allclose(gaps, 8.0, atol=0.2)


def test_split_is_stratified():
    X, y = make_blobs_dataset(500, 2, 3, 2.0, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split_dataset(X, y, 0.2, 0)
    assert len(X_test) == len(y_test) == 100 and len(X_train) == 400
    assert X_train.flags.c_contiguous and X_test.flags.c_contiguous
    assert np.bincount(y_test).min() >= 33 and np.bincount(y_train).min() >= 133
