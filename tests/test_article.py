"""``logreg demo --tutorial``: the article's recipe, its quirks, the corrected run.

The article's functions are checked against the formulas written here with
SciPy and scikit-learn; the corrected run against gradient descent written
by hand (test_demo's); the claims the notes print against those numbers.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from rich.console import Console
from scipy.special import expit
from sklearn.datasets import make_blobs
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split

from logreg.cli import main
from logreg.learn.article import (
    ARTICLE_EPOCHS,
    ARTICLE_LR,
    article_loss,
    article_run,
    article_sigmoid,
    close_centres,
)
from logreg.learn.tutorial import run_tutorial, tutorial_runs
from test_demo import _hand_written_gradient_descent


@pytest.fixture(scope="module")
def printed():
    buffer = io.StringIO()
    result = run_tutorial(Console(file=buffer, width=200), seed=0)
    return result, buffer.getvalue()


def _article_data(seed: int = 0):
    X, y = make_blobs(n_samples=500, centers=2, cluster_std=2.0, random_state=seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=seed
    )
    rng = np.random.RandomState(seed)
    return X_train, X_test, y_train, y_test, rng.randn(2), rng.randn()


def test_sigmoid_clips_z_in_place():
    z = np.array([[-1000.0], [0.0], [3.0], [1000.0]])
    a, clipped = article_sigmoid(z)
    assert clipped == 2
    np.testing.assert_array_equal(z[:, 0], [-400.0, 0.0, 3.0, 400.0])
    np.testing.assert_allclose(a[:, 0], expit([-400.0, 0.0, 3.0, 400.0]), rtol=1e-12)


def test_loss_is_cross_entropy_with_a_floor():
    y = np.array([[0.0], [1.0], [1.0]])
    p = np.array([[0.2], [0.7], [0.9]])
    loss, floored = article_loss(p.copy(), y)
    assert floored == 0
    assert loss == pytest.approx(log_loss(y[:, 0], p[:, 0]), rel=1e-12)
    # A point the model is sure of, wrongly: the floor caps its term at 16.1.
    loss, floored = article_loss(np.array([[1.0], [0.0]]), np.array([[0.0], [1.0]]))
    assert floored == 2
    assert loss == pytest.approx(-np.log(1e-7), rel=1e-12)


def test_the_articles_update_sums_w_and_averages_b():
    X_train, _, y_train, _, W, b = _article_data()
    history, W1, b1 = article_run(X_train, y_train, W, b, epochs=1)
    residual = expit(X_train @ W + b) - y_train
    np.testing.assert_allclose(W1[:, 0], W - ARTICLE_LR * X_train.T @ residual)
    assert b1.item() == pytest.approx(b - ARTICLE_LR * residual.mean(), rel=1e-12)
    assert history[0].loss == pytest.approx(log_loss(y_train, expit(X_train @ W + b)))


def test_corrected_run_is_mean_gradient_descent_at_lr_times_n(printed):
    result, _ = printed
    X_train, X_test, y_train, y_test, W, b = _article_data()
    n = len(y_train)
    assert result.corrected_lr == pytest.approx(ARTICLE_LR * n)
    W_end, b_end, losses = _hand_written_gradient_descent(
        X_train, y_train, W[None], np.array([b]), ARTICLE_LR * n, ARTICLE_EPOCHS
    )
    np.testing.assert_allclose([s.loss for s in result.corrected], losses, rtol=1e-10)
    np.testing.assert_allclose(result.corrected[-1].coef, W_end, rtol=1e-10)
    # After one epoch W is the same in both runs (the sum is lr * n on the mean),
    # while the article's b has moved n times less.
    np.testing.assert_allclose(result.article[1].coef, result.corrected[1].coef[0])
    moved = result.article[1].intercept - b
    assert moved * n == pytest.approx(result.corrected[1].intercept[0] - b, rel=1e-10)
    p = expit(X_test @ W_end[0] + b_end[0])
    assert result.corrected_test[0] == pytest.approx(log_loss(y_test, p), rel=1e-10)
    assert result.corrected_test[1] == accuracy_score(y_test, p > 0.5)


def test_exact_losses_and_the_articles_agree_without_clips(printed):
    result, _ = printed
    X_train, _, y_train, _, _, _ = _article_data()
    assert sum(e.z_clipped + e.floored for e in result.article) == 0
    for epoch, exact in zip(result.article, result.exact_losses, strict=True):
        p = expit(X_train @ epoch.coef + epoch.intercept)
        assert exact == pytest.approx(log_loss(y_train, p), rel=1e-10)
        assert epoch.loss == pytest.approx(exact, rel=1e-10)


def test_close_centres_counts_the_box_draws():
    """make_blobs draws the centres first, uniformly in [-10, 10]^2."""
    direct = sum(
        np.linalg.norm(np.subtract(*np.random.RandomState(s).uniform(-10, 10, (2, 2))))
        < 4.0
        for s in range(60)
    )
    assert close_centres(2.0, seeds=60) == direct
    result = tutorial_runs(samples=100, seed=3)
    _, _, centres = make_blobs(
        n_samples=100, centers=2, cluster_std=2.0, random_state=3, return_centers=True
    )
    np.testing.assert_array_equal(result.centres, centres)


def test_prints_every_fifth_epoch_both_runs_and_four_notes(printed):
    result, text = printed
    for epoch in range(0, ARTICLE_EPOCHS, 5):
        row = next(
            line for line in text.splitlines() if re.match(rf"│ {epoch} +│", line)
        )
        assert f"{result.article[epoch].loss:.4f}" in row
        assert f"{result.corrected[epoch].loss:.4f}" in row
    assert not any(re.match(r"│ 26 +│", line) for line in text.splitlines())
    flat = " ".join(text.split())
    for number in ("1. The gradient.", "2. The learning rate.", "3. The clips.", "4."):
        assert number in flat
    assert (
        f"from {result.article[0].intercept:.4f} to {result.article[-1].intercept:.4f}"
        in flat
    )
    assert f"leaves the loss at {result.slow_loss:.4f}" in flat
    distance = np.linalg.norm(result.centres[0] - result.centres[1])
    assert f"they are {distance:.1f} apart" in flat


def test_command_line(capsys):
    assert main(["demo", "--tutorial", "--seed", "2", "--samples", "200"]) == 0
    out = capsys.readouterr().out
    assert "the article's recipe" in out and "4. The blobs." in " ".join(out.split())
    assert main(["demo", "--tutorial", "--lr", "0.5"]) == 2
    assert "drop --lr" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "name"),
    [({"samples": 5}, "samples"), ({"std": -1.0}, "std"), ({"seed": -1}, "seed")],
)
def test_bad_arguments_name_the_parameter(arguments, name):
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        run_tutorial(Console(file=io.StringIO()), **arguments)
