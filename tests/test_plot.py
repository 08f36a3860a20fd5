"""Plots: they draw something, keep quiet, and use the stable link functions."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from PIL import Image

from logreg import plot
from logreg._math import sigmoid
from logreg.datasets import make_blobs_dataset


@pytest.fixture(scope="module")
def binary():
    X, y = make_blobs_dataset(60, 2, 2, 2.0, random_state=0)
    return X, y, np.array([[0.7, 1.4]]), np.array([-0.3])


@pytest.fixture(scope="module")
def three_classes():
    X, y = make_blobs_dataset(60, 2, 3, 2.0, random_state=0)
    coef = np.array([[-0.6, -0.8], [-0.5, 0.9], [1.3, 0.2]])
    return X, y, coef, np.array([1.3, 0.6, -0.4])


def _pixels(figure: Figure) -> np.ndarray:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=50)
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("L"), dtype=float)


def _assert_drawn(figure: Figure) -> None:
    assert _pixels(figure).std() > 10


def test_plot_data(binary):
    X, y, _, _ = binary
    ax = plot.plot_data(X, y)
    assert isinstance(ax, Axes)
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "class 0",
        "class 1",
    ]
    _assert_drawn(ax.figure)


def test_binary_boundary_shades_probability_of_class_one(binary):
    X, y, coef, intercept = binary
    ax = plot.plot_decision_boundary(coef, intercept, X, y, title="epoch 3")
    assert ax.get_title() == "epoch 3"
    image = ax.images[0].get_array()
    x_lo, _, y_lo, _ = ax.images[0].get_extent()
    # The lower-left mesh point carries sigmoid(z) there.
    z = coef[0] @ [x_lo, y_lo] + intercept[0]
    assert image[0, 0] == pytest.approx(float(sigmoid(np.array(z))))
    assert len(ax.figure.axes) == 2  # the axes and its colour bar
    _assert_drawn(ax.figure)


def test_multiclass_boundary_paints_regions(three_classes):
    X, y, coef, intercept = three_classes
    ax = plot.plot_decision_boundary(coef, intercept, X, y)
    image = np.asarray(ax.images[0].get_array())
    assert image.shape[-1] == 3  # RGB regions
    assert len(ax.collections) >= 3 + 1  # three point sets and the borders
    _assert_drawn(ax.figure)


@pytest.mark.parametrize("scale", [1e3, 1e5])
def test_huge_scores_do_not_overflow(binary, three_classes, scale):
    """Naive 1/(1+exp(-z)) would warn (an error here) at these scores."""
    X, y, coef, intercept = binary
    plot.plot_decision_boundary(scale * coef, scale * intercept, X, y)
    X, y, coef, intercept = three_classes
    plot.plot_decision_boundary(scale * coef, scale * intercept, X, y)


def test_boundary_outside_the_window_draws_no_contour(binary):
    X, y, _, _ = binary
    ax = plot.plot_decision_boundary([[0.0, 0.0]], [50.0], X, y)
    assert len(ax.collections) == 2  # only the two point sets


def test_draws_into_given_axes(binary):
    X, y, coef, intercept = binary
    figure = plot.boundary_snapshots_figure([(0, coef, intercept)], X, y)
    ax = figure.axes[0]
    assert plot.plot_data(X, y, ax=ax) is ax
    assert plot.plot_loss_curve([1.0, 0.5], ax=ax) is ax


def test_loss_curve(binary):
    ax = plot.plot_loss_curve(np.array([0.9, 0.4, 0.3, 0.25]))
    assert ax.get_xlabel() == "epoch"
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [0, 1, 2, 3])
    _assert_drawn(ax.figure)


@pytest.mark.parametrize("count", [1, 4, 6])
def test_snapshots_grid(binary, count):
    X, y, coef, intercept = binary
    snapshots = [(e, coef * e / count, intercept, 0.1) for e in range(count)]
    figure = plot.boundary_snapshots_figure(snapshots, X, y)
    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    assert titles == [f"epoch {e}" for e in range(count)]
    _assert_drawn(figure)


@pytest.mark.parametrize("fixture", ["binary", "three_classes"])
def test_animation_is_a_multi_frame_gif(request, tmp_path, fixture):
    X, y, coef, intercept = request.getfixturevalue(fixture)
    snapshots = [(e, coef * (e + 1) / 3, intercept) for e in range(3)]
    path = tmp_path / "boundary.gif"
    assert plot.animate_boundary(snapshots, [0.9, 0.5, 0.3], X, y, path, fps=4) == path
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames > 1
        frames = []
        for index in (0, gif.n_frames - 1):
            gif.seek(index)
            frames.append(np.asarray(gif.convert("L"), dtype=float))
    assert all(frame.std() > 10 for frame in frames)
    assert np.any(frames[0] != frames[1])  # the boundary moved


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda X, y: plot.plot_data(X[:, :1], y), "shape"),
        (lambda X, y: plot.plot_data(X, y[:-1]), "labels"),
        (
            lambda X, y: plot.plot_decision_boundary([[1.0, 2.0, 3.0]], [0], X, y),
            "coef",
        ),
        (lambda X, y: plot.plot_decision_boundary([[1.0, 2.0]], [0, 1], X, y), "coef"),
        (lambda X, y: plot.boundary_snapshots_figure([], X, y), "empty"),
    ],
)
def test_bad_input_raises_value_error(binary, call, message):
    X, y, _, _ = binary
    with pytest.raises(ValueError, match=message):
        call(X, y)


def test_missing_matplotlib_gives_install_hint(monkeypatch, binary):
    X, y, _, _ = binary
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r'pip install "logreg\[plot\]"'):
        plot.require_matplotlib()
    with pytest.raises(ImportError, match=r"logreg\[plot\]"):
        plot.plot_data(X, y)


def test_two_softmax_rows_draw_as_the_binary_model(binary):
    X, y, coef, intercept = binary
    two_rows = plot.plot_decision_boundary(
        np.vstack([np.zeros(2), coef[0]]), np.array([0.0, intercept[0]]), X, y
    )
    one_row = plot.plot_decision_boundary(coef, intercept, X, y)
    np.testing.assert_allclose(
        two_rows.images[0].get_array(), one_row.images[0].get_array()
    )
