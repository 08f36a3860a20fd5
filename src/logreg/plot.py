"""Pictures of a two-feature model: data, decision boundary, loss, animation.

Every function works on plain arrays (``coef``, ``intercept``, ``X``, ``y``),
so it can show any iterate of a solver, not only a fitted estimator.
matplotlib is imported inside the functions (it is an optional dependency:
``pip install "logreg[plot]"``). Figures are created with the Agg canvas and
never through :mod:`matplotlib.pyplot`, so nothing opens a window and no
global figure state builds up.

Colours: with two classes, class 0 is blue and class 1 red, matching a
diverging map of ``P(class 1)``; with ``K > 2`` classes each class has a
``tab10`` colour and the plane is painted by the most probable class, paler
where the model is less sure.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np

from logreg._math import sigmoid, softmax

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "animate_boundary",
    "boundary_snapshots_figure",
    "plot_data",
    "plot_decision_boundary",
    "plot_loss_curve",
]

_INSTALL_HINT = 'plotting needs matplotlib and pillow: pip install "logreg[plot]"'
#: Ends of the diverging map, used for the two classes' points.
_BINARY_COLORS = ("#2166ac", "#b2182b")
_BINARY_CMAP = "RdBu_r"
#: Mesh points per axis for the probability map.
_RESOLUTION = 200


def _matplotlib():
    """Import matplotlib, or raise ImportError with the install hint."""
    try:
        import matplotlib
        import PIL  # noqa: F401  (GIFs and PNG metadata go through pillow)
    except ImportError as error:
        raise ImportError(_INSTALL_HINT) from error
    return matplotlib


def _new_figure(figsize: tuple[float, float]) -> Figure:
    """A figure on the Agg canvas, independent of pyplot."""
    _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _axes(ax: Axes | None, figsize: tuple[float, float] = (6.4, 5.0)) -> Axes:
    """``ax``, or the axes of a new figure."""
    if ax is not None:
        _matplotlib()
        return ax
    return _new_figure(figsize).add_subplot()


def _class_colors(n_classes: int) -> list[Any]:
    """One colour per class: blue/red for two, ``tab10`` for more."""
    if n_classes == 2:
        return list(_BINARY_COLORS)
    from matplotlib import colormaps

    palette = colormaps["tab10"]
    return [palette(k % palette.N) for k in range(n_classes)]


def _as_2d(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).ravel()
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n_samples, 2) to plot; got {X.shape}")
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")
    return X, y


def _n_classes(y: np.ndarray, coef: np.ndarray | None = None) -> int:
    """Classes shown: from the model's rows when given, else from ``y``."""
    if coef is not None:
        return 2 if coef.shape[0] == 1 else coef.shape[0]
    return max(2, int(np.max(y)) + 1) if len(y) else 2


def _scatter(ax: Axes, X: np.ndarray, y: np.ndarray, n_classes: int) -> None:
    """The points, one colour per class, labelled for the legend."""
    for k, color in enumerate(_class_colors(n_classes)):
        rows = y == k
        ax.scatter(
            X[rows, 0],
            X[rows, 1],
            s=22,
            color=color,
            edgecolors="white",
            linewidths=0.6,
            alpha=0.9,
            label=f"class {k}",
            zorder=3,
        )


def _label_axes(ax: Axes) -> None:
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")


def _limits(X: np.ndarray) -> tuple[float, float, float, float]:
    """Plot window: the data's range plus a margin of 8% (at least 1)."""
    low, high = X.min(axis=0), X.max(axis=0)
    margin = np.maximum(0.08 * (high - low), 1.0)
    (x_lo, y_lo), (x_hi, y_hi) = low - margin, high + margin
    return float(x_lo), float(x_hi), float(y_lo), float(y_hi)


def plot_data(X: Any, y: Any, ax: Axes | None = None) -> Axes:
    """Scatter plot of two-feature data, coloured by class.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        Features.
    y : array-like of shape (n_samples,)
        Integer labels ``0..K-1``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib Axes
        Save it with ``ax.figure.savefig(path)``.
    """
    X, y = _as_2d(X, y)
    ax = _axes(ax)
    n_classes = _n_classes(y)
    _scatter(ax, X, y, n_classes)
    x_lo, x_hi, y_lo, y_hi = _limits(X)
    ax.set(xlim=(x_lo, x_hi), ylim=(y_lo, y_hi))
    ax.set_title(f"The data: {len(X)} points in {n_classes} classes")
    _label_axes(ax)
    ax.legend(loc="best", framealpha=0.9)
    return ax


def plot_decision_boundary(
    coef: Any,
    intercept: Any,
    X: Any,
    y: Any,
    ax: Axes | None = None,
    title: str | None = None,
    *,
    colorbar: bool = True,
) -> Axes:
    """Class probabilities over the plane, the decision boundary, and the points.

    With two classes the plane is shaded by ``P(class 1) = sigmoid(z)`` on a
    diverging map, and the boundary is the line ``P = 0.5`` (``z = 0``). With
    ``K > 2`` classes each point of the plane takes the colour of its most
    probable class under ``softmax(z)``, paler where that probability is
    lower, and the boundaries between regions are drawn.

    Parameters
    ----------
    coef : array-like of shape (1, 2) or (K, 2)
        Coefficient rows: one row for a binary model, one per class otherwise.
    intercept : array-like of shape (1,) or (K,)
        Intercepts.
    X : array-like of shape (n_samples, 2)
        Points to draw; they also set the plot window.
    y : array-like of shape (n_samples,)
        Integer labels ``0..K-1``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
        Axes title; default ``"Decision boundary"``.
    colorbar : bool, default=True
        Add a colour bar explaining the shading (turn off when the caller
        draws one shared bar for several axes).

    Returns
    -------
    matplotlib Axes
    """
    X, y = _as_2d(X, y)
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    intercept = np.asarray(intercept, dtype=np.float64).ravel()
    if coef.shape[1] != 2 or intercept.shape != (coef.shape[0],):
        raise ValueError(
            "coef must have shape (n_rows, 2) and intercept (n_rows,); got "
            f"{coef.shape} and {intercept.shape}"
        )
    ax = _axes(ax)
    n_classes = _n_classes(y, coef)
    x_lo, x_hi, y_lo, y_hi = _limits(X)
    xx, yy = np.meshgrid(
        np.linspace(x_lo, x_hi, _RESOLUTION), np.linspace(y_lo, y_hi, _RESOLUTION)
    )
    z = np.column_stack([xx.ravel(), yy.ravel()]) @ coef.T + intercept
    image_kw = {
        "extent": (x_lo, x_hi, y_lo, y_hi),
        "origin": "lower",
        "aspect": "auto",
        "interpolation": "bilinear",
        "zorder": 1,
    }
    if n_classes == 2:
        mappable = _binary_map(ax, xx, yy, z[:, 0], image_kw)
        legend_extra = _boundary_handle("decision boundary, P = 0.5")
    else:
        mappable = _multiclass_map(ax, xx, yy, z, image_kw)
        legend_extra = _boundary_handle("decision boundaries")
    _scatter(ax, X, y, n_classes)
    ax.set(xlim=(x_lo, x_hi), ylim=(y_lo, y_hi))
    ax.set_title(title or "Decision boundary")
    _label_axes(ax)
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=[*handles, legend_extra], loc="best", framealpha=0.9)
    if colorbar:
        _add_colorbar(ax.figure, mappable, n_classes, ax)
    return ax


def _boundary_handle(label: str):
    from matplotlib.lines import Line2D

    return Line2D([], [], color="black", linewidth=2, label=label)


def _binary_map(ax: Axes, xx, yy, z: np.ndarray, image_kw: dict):
    """Shade by ``P(class 1)``; draw the 0.5 contour when it is in view."""
    probability = sigmoid(z).reshape(xx.shape)
    image = ax.imshow(
        probability, cmap=_BINARY_CMAP, vmin=0.0, vmax=1.0, alpha=0.75, **image_kw
    )
    # contour() warns when the level is outside the data; the boundary of a
    # poor model (a random start) often lies outside the window.
    if probability.min() < 0.5 < probability.max():
        ax.contour(
            xx, yy, probability, levels=[0.5], colors="black", linewidths=2, zorder=2
        )
    return image


def _multiclass_map(ax: Axes, xx, yy, z: np.ndarray, image_kw: dict):
    """Paint by the most probable class, paler where it is less probable."""
    n_classes = z.shape[1]
    probability = softmax(z)
    winner = np.argmax(probability, axis=1)
    # Confidence 0 at the uniform 1/K, 1 at certainty.
    confidence = (probability.max(axis=1) - 1 / n_classes) / (1 - 1 / n_classes)
    colors = np.array([c[:3] for c in _class_colors(n_classes)])
    strength = (0.15 + 0.6 * confidence)[:, None]
    rgb = 1.0 - strength * (1.0 - colors[winner])
    ax.imshow(rgb.reshape(*xx.shape, 3), **image_kw)
    for k in range(n_classes):
        # z_k - max_{j != k} z_j changes sign exactly on class k's border.
        others = np.delete(z, k, axis=1).max(axis=1)
        margin = (z[:, k] - others).reshape(xx.shape)
        if margin.min() < 0.0 < margin.max():
            ax.contour(
                xx, yy, margin, levels=[0.0], colors="black", linewidths=1.5, zorder=2
            )
    return _confidence_scale(n_classes)


def _confidence_scale(n_classes: int):
    """A grey scale from ``1/K`` to 1 standing for the multiclass shading."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import LinearSegmentedColormap, Normalize

    grey = colormaps["Greys"]
    ramp = LinearSegmentedColormap.from_list("confidence", [grey(0.1), grey(0.5)])
    return ScalarMappable(norm=Normalize(1 / n_classes, 1.0), cmap=ramp)


def _add_colorbar(figure: Figure, mappable, n_classes: int, ax) -> None:
    bar = figure.colorbar(mappable, ax=ax, shrink=0.9)
    if n_classes == 2:
        bar.set_label("P(class 1)")
        bar.set_ticks([0.0, 0.25, 0.5, 0.75, 1.0])
    else:
        bar.set_label("probability of the most likely class (shade)")


def plot_loss_curve(losses: Any, ax: Axes | None = None) -> Axes:
    """Training loss against epoch.

    Parameters
    ----------
    losses : array-like of shape (n_epochs + 1,)
        ``losses[e]`` is the mean log-loss after epoch ``e`` (``e = 0``: the
        starting point).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib Axes
    """
    losses = np.asarray(losses, dtype=np.float64).ravel()
    ax = _axes(ax, figsize=(6.4, 4.0))
    epochs = np.arange(len(losses))
    ax.plot(epochs, losses, marker="o" if len(losses) <= 60 else None, markersize=4)
    ax.set_title("Training loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean log-loss")
    ax.set_xlim(0, max(1, len(losses) - 1))
    ax.grid(alpha=0.3)
    return ax


def boundary_snapshots_figure(
    snapshots: Sequence[tuple[Any, ...]], X: Any, y: Any
) -> Figure:
    """A grid of decision-boundary plots, one per snapshot of training.

    Parameters
    ----------
    snapshots : sequence of tuples ``(epoch, coef, intercept, ...)``
        ``coef`` of shape (1, 2) or (K, 2), ``intercept`` of shape (1,) or
        (K,); extra fields (such as the loss) are ignored.
    X : array-like of shape (n_samples, 2)
    y : array-like of shape (n_samples,)

    Returns
    -------
    matplotlib Figure
        Up to three panels per row and one shared colour bar.
    """
    if not snapshots:
        raise ValueError("snapshots is empty: nothing to plot")
    n_cols = min(3, len(snapshots))
    n_rows = -(-len(snapshots) // n_cols)
    figure = _new_figure((4.3 * n_cols + 1.2, 3.9 * n_rows))
    axes = figure.subplots(n_rows, n_cols, squeeze=False)
    for ax, snapshot in zip(axes.flat, snapshots, strict=False):
        epoch, coef, intercept = snapshot[:3]
        plot_decision_boundary(
            coef, intercept, X, y, ax=ax, title=f"epoch {epoch}", colorbar=False
        )
    for ax in axes.flat[len(snapshots) :]:
        ax.set_axis_off()
    for ax in axes.flat[1 : len(snapshots)]:
        ax.get_legend().remove()  # one legend (first panel) is enough
    first = axes.flat[0]
    n_classes = _n_classes(np.asarray(y), np.atleast_2d(snapshots[0][1]))
    _add_colorbar(figure, _shading_mappable(first, n_classes), n_classes, axes)
    figure.suptitle("Gradient descent moves the decision boundary", fontsize="x-large")
    return figure


def _shading_mappable(ax: Axes, n_classes: int):
    """The colour scale of the shading drawn in ``ax``."""
    return ax.images[0] if n_classes == 2 else _confidence_scale(n_classes)


def animate_boundary(
    snapshots: Sequence[tuple[Any, ...]],
    losses: Any,
    X: Any,
    y: Any,
    path: str | PathLike[str],
    fps: int = 6,
) -> str | PathLike[str]:
    """Write an animated GIF: the boundary moving (left), the loss falling (right).

    Parameters
    ----------
    snapshots : sequence of tuples ``(epoch, coef, intercept, ...)``
        One frame each, in order; ``epoch`` indexes ``losses``.
    losses : array-like of shape (n_epochs + 1,)
        ``losses[e]`` is the training loss after epoch ``e``.
    X : array-like of shape (n_samples, 2)
    y : array-like of shape (n_samples,)
    path : str or path-like
        Output file (``.gif``).
    fps : int, default=6
        Frames per second; the last frame is held for about a second.

    Returns
    -------
    str or path-like
        ``path``.
    """
    if not snapshots:
        raise ValueError("snapshots is empty: nothing to animate")
    _matplotlib()
    from matplotlib.animation import PillowWriter

    losses = np.asarray(losses, dtype=np.float64).ravel()
    X, y = _as_2d(X, y)
    figure = _new_figure((11.0, 4.6))
    left, right = figure.subplots(1, 2, width_ratios=[1.25, 1.0])
    epochs = np.arange(len(losses))
    last_epoch = max(1, len(losses) - 1)
    n_classes = _n_classes(y, np.atleast_2d(snapshots[0][1]))
    colorbar_drawn = False
    writer = PillowWriter(fps=fps)
    with writer.saving(figure, path, dpi=80):
        frames = [*snapshots, *[snapshots[-1]] * fps]
        for snapshot in frames:
            epoch, coef, intercept = snapshot[:3]
            left.clear()
            plot_decision_boundary(
                coef,
                intercept,
                X,
                y,
                ax=left,
                title=f"Decision boundary, epoch {epoch}",
                colorbar=False,
            )
            if not colorbar_drawn:
                mappable = _shading_mappable(left, n_classes)
                _add_colorbar(figure, mappable, n_classes, left)
                colorbar_drawn = True
            right.clear()
            right.plot(epochs, losses, color="0.8", linewidth=1.5)
            right.plot(epochs[: epoch + 1], losses[: epoch + 1], color="C0", lw=2)
            right.plot([epoch], [losses[epoch]], "o", color="C3", markersize=7)
            right.set_xlim(0, last_epoch)
            right.set_title(f"Training loss: {losses[epoch]:.4f}")
            right.set_xlabel("epoch")
            right.set_ylabel("mean log-loss")
            right.grid(alpha=0.3)
            writer.grab_frame()
    return path
