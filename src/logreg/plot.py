"""Pictures of a model: data, decision boundary, loss, animation, evaluation.

Every function works on plain arrays (``coef``, ``intercept``, ``X``, ``y``,
predicted probabilities), so it can show any iterate of a solver, not only a
fitted estimator. The decision-boundary pictures need two features; the
evaluation plots (ROC, precision-recall, calibration, confusion matrix,
coefficients) work for any number and take their numbers from
:mod:`sklearn.metrics`.
matplotlib is imported inside the functions (it is an optional dependency:
``pip install "logreg[plot]"``). Figures are created on the Agg canvas and
never through :mod:`matplotlib.pyplot`, so nothing opens a window and no
global figure state builds up; save one with ``ax.figure.savefig(path)``.

Colours: with two classes, class 0 is blue and class 1 red, the two ends of
a diverging map of ``P(class 1)``; with ``K > 2`` classes each class has a
``tab10`` colour and the plane is painted by the most probable class, paler
where the model is less sure.

Longer than 600 lines: one module of pictures, one function each (data,
boundary, loss, animation, path, calibration, ROC), all lazy about matplotlib
and sharing its styling helpers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
    "class_colors",
    "data_limits",
    "plot_calibration",
    "plot_coefficients",
    "plot_confusion_matrix",
    "plot_data",
    "plot_decision_boundary",
    "plot_loss_curve",
    "plot_precision_recall_curves",
    "plot_regularization_path",
    "plot_roc_curves",
    "require_matplotlib",
]

_INSTALL_HINT = 'plotting needs matplotlib and pillow: pip install "logreg[plot]"'
#: The two classes' colours: the ends of the diverging map below.
_BINARY_COLORS = ("#2166ac", "#b2182b")
_BINARY_CMAP = "RdBu_r"
#: Opacity of the probability shading, light enough for the points to stand out.
_SHADE_ALPHA = 0.55
#: Mesh points per axis for the probability map.
_RESOLUTION = 160


def require_matplotlib() -> None:
    """Check that matplotlib and pillow are installed.

    Raises
    ------
    ImportError
        With the hint ``pip install "logreg[plot]"`` when one is missing.
    """
    try:
        import matplotlib  # noqa: F401
        import PIL  # noqa: F401  (the GIF writer needs pillow)
    except ImportError as error:
        raise ImportError(_INSTALL_HINT) from error


def _new_figure(figsize: tuple[float, float]) -> Figure:
    """A figure on the Agg canvas, independent of pyplot."""
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _axes(ax: Axes | None, figsize: tuple[float, float] = (6.4, 5.0)) -> Axes:
    """``ax``, or the axes of a new figure."""
    if ax is not None:
        require_matplotlib()
        return ax
    return _new_figure(figsize).add_subplot()


# --------------------------------------------------------------------- inputs
def _points(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).ravel()
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n_samples, 2) to plot; got {X.shape}")
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")
    return X, y


def _model(coef: Any, intercept: Any) -> tuple[np.ndarray, np.ndarray]:
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    intercept = np.asarray(intercept, dtype=np.float64).ravel()
    if coef.shape[1] != 2 or intercept.shape != (coef.shape[0],):
        raise ValueError(
            "coef must have shape (1, 2) or (K, 2) and intercept (1,) or (K,); "
            f"got {coef.shape} and {intercept.shape}"
        )
    if coef.shape[0] == 2:  # two softmax rows: P(class 1) = sigmoid(z_1 - z_0)
        return coef[1:] - coef[:1], intercept[1:] - intercept[:1]
    return coef, intercept


def _n_classes(y: np.ndarray, coef: np.ndarray | None = None) -> int:
    """Classes shown: from the model's rows when given, else from ``y``."""
    if coef is not None:
        return 2 if coef.shape[0] == 1 else coef.shape[0]
    return max(2, int(np.max(y)) + 1) if len(y) else 2


def data_limits(X: np.ndarray) -> tuple[float, float, float, float]:
    """The window every picture of points uses: their range plus a margin.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)

    Returns
    -------
    tuple of float
        ``(x_low, x_high, y_low, y_high)``: the range of each column widened
        on both sides by 8% of it, and by at least 1.
    """
    low, high = X.min(axis=0), X.max(axis=0)
    margin = np.maximum(0.08 * (high - low), 1.0)
    (x_lo, y_lo), (x_hi, y_hi) = low - margin, high + margin
    return float(x_lo), float(x_hi), float(y_lo), float(y_hi)


# ------------------------------------------------------------------ pieces
def class_colors(n_classes: int) -> list[Any]:
    """The colour of each class in every plot of this module.

    Parameters
    ----------
    n_classes : int
        ``K``, at least 2.

    Returns
    -------
    list of matplotlib colours, of length ``K``
        Blue and red for two classes (the ends of the ``P(class 1)`` map),
        the ``tab10`` colours for more.
    """
    if n_classes == 2:
        return list(_BINARY_COLORS)
    from matplotlib import colormaps

    palette = colormaps["tab10"]
    return [palette(k % palette.N) for k in range(n_classes)]


def _plain(text: Any) -> str:
    """``text`` as a string matplotlib shows verbatim (no mathtext from ``$``)."""
    return str(text).replace("$", r"\$")


def _class_labels(n_classes: int, class_names: Sequence[Any] | None) -> list[str]:
    """Legend labels: the given class names, or ``class 0``, ``class 1``, ..."""
    if class_names is None:
        return [f"class {k}" for k in range(n_classes)]
    if len(class_names) != n_classes:
        raise ValueError(
            f"class_names has {len(class_names)} names for {n_classes} classes"
        )
    return [_plain(name) for name in class_names]


def _scatter(
    ax: Axes,
    X: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    class_names: Sequence[Any] | None = None,
) -> None:
    """The points, one colour per class, labelled for the legend."""
    labels = _class_labels(n_classes, class_names)
    for k, color in enumerate(class_colors(n_classes)):
        rows = y == k
        ax.scatter(
            X[rows, 0],
            X[rows, 1],
            s=24,
            color=color,
            edgecolors="black",
            linewidths=0.5,
            label=labels[k],
            zorder=3,
        )


def _label_axes(ax: Axes) -> None:
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")


def _boundary_handle(n_classes: int):
    """Legend entry for the boundary line(s)."""
    from matplotlib.lines import Line2D

    label = "decision boundary (P = 0.5)" if n_classes == 2 else "decision boundaries"
    return Line2D([], [], color="black", linewidth=2, label=label)


def _confidence_scale(n_classes: int):
    """A grey scale from ``1/K`` to 1 standing for the multiclass shading."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import LinearSegmentedColormap, Normalize

    grey = colormaps["Greys"]
    ramp = LinearSegmentedColormap.from_list("confidence", [grey(0.1), grey(0.55)])
    return ScalarMappable(norm=Normalize(1 / n_classes, 1.0), cmap=ramp)


def _add_colorbar(
    figure: Figure, ax: Any, n_classes: int, positive: str = "class 1"
) -> None:
    """One colour bar explaining the shading, beside ``ax`` (axes or array).

    ``positive`` names the class whose probability the binary shading shows.
    """
    if n_classes == 2:
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize

        mappable = ScalarMappable(norm=Normalize(0.0, 1.0), cmap=_BINARY_CMAP)
        bar = figure.colorbar(mappable, ax=ax, shrink=0.9, alpha=_SHADE_ALPHA)
        bar.set_label(f"P({positive})")
        bar.set_ticks([0.0, 0.25, 0.5, 0.75, 1.0])
    else:
        bar = figure.colorbar(_confidence_scale(n_classes), ax=ax, shrink=0.9)
        bar.set_label("probability of the most likely class")


@dataclass
class _BoundaryArtists:
    """What :func:`_draw_model` put on an axes, so a new model can replace it."""

    ax: Any
    mesh: tuple[np.ndarray, np.ndarray]
    image: Any
    contours: list[Any]


def _shading(
    coef: np.ndarray, intercept: np.ndarray, xx: np.ndarray, yy: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Image of the model over the mesh, and fields whose zero set is a border.

    Returns
    -------
    image : ndarray of shape (m, m) or (m, m, 3)
        ``P(class 1)`` for a binary model; RGB colours for ``K > 2`` classes.
    borders : list of ndarray of shape (m, m)
        Binary: ``z`` itself. Multiclass: ``z_k - max_{j != k} z_j`` for each
        ``k``, which changes sign exactly on class ``k``'s border.
    """
    z = np.column_stack([xx.ravel(), yy.ravel()]) @ coef.T + intercept
    if z.shape[1] == 1:
        return sigmoid(z[:, 0]).reshape(xx.shape), [z[:, 0].reshape(xx.shape)]
    n_classes = z.shape[1]
    probability = softmax(z)
    winner = np.argmax(probability, axis=1)
    # Confidence 0 at the uniform 1/K, 1 at certainty; paler when unsure.
    confidence = (probability.max(axis=1) - 1 / n_classes) / (1 - 1 / n_classes)
    from matplotlib.colors import to_rgb

    colors = np.array([to_rgb(c) for c in class_colors(n_classes)])
    strength = (0.12 + _SHADE_ALPHA * confidence)[:, None]
    rgb = 1.0 - strength * (1.0 - colors[winner])
    borders = []
    for k in range(n_classes):
        others = np.delete(z, k, axis=1).max(axis=1)
        borders.append((z[:, k] - others).reshape(xx.shape))
    return rgb.reshape(*xx.shape, 3), borders


def _draw_borders(ax: Axes, xx, yy, borders: list[np.ndarray]) -> list[Any]:
    """Zero contours of the border fields that cross zero inside the window."""
    contours = []
    for field in borders:
        # contour() warns when the level lies outside the data, and the
        # boundary of a poor model (a random start) is often out of view.
        if field.min() < 0.0 < field.max():
            contours.append(
                ax.contour(
                    xx, yy, field, levels=[0.0], colors="black", linewidths=2, zorder=2
                )
            )
    return contours


def _draw_model(
    ax: Axes, coef: np.ndarray, intercept: np.ndarray, X: np.ndarray
) -> _BoundaryArtists:
    """Shading and boundary of one model on ``ax``, windowed to ``X``."""
    x_lo, x_hi, y_lo, y_hi = data_limits(X)
    xx, yy = np.meshgrid(
        np.linspace(x_lo, x_hi, _RESOLUTION), np.linspace(y_lo, y_hi, _RESOLUTION)
    )
    image, borders = _shading(coef, intercept, xx, yy)
    style = {"cmap": _BINARY_CMAP, "vmin": 0.0, "vmax": 1.0, "alpha": _SHADE_ALPHA}
    artist = ax.imshow(
        image,
        extent=(x_lo, x_hi, y_lo, y_hi),
        origin="lower",
        aspect="auto",
        interpolation="bilinear",
        zorder=1,
        **(style if image.ndim == 2 else {}),
    )
    ax.set(xlim=(x_lo, x_hi), ylim=(y_lo, y_hi))
    return _BoundaryArtists(ax, (xx, yy), artist, _draw_borders(ax, xx, yy, borders))


def _redraw_model(
    artists: _BoundaryArtists, coef: np.ndarray, intercept: np.ndarray
) -> None:
    """Replace the model drawn by :func:`_draw_model`; the points stay."""
    xx, yy = artists.mesh
    image, borders = _shading(coef, intercept, xx, yy)
    artists.image.set_data(image)
    for contour in artists.contours:
        contour.remove()
    artists.contours = _draw_borders(artists.ax, xx, yy, borders)


# ------------------------------------------------------------------ public
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
    X, y = _points(X, y)
    ax = _axes(ax)
    n_classes = _n_classes(y)
    _scatter(ax, X, y, n_classes)
    x_lo, x_hi, y_lo, y_hi = data_limits(X)
    ax.set(xlim=(x_lo, x_hi), ylim=(y_lo, y_hi))
    ax.set_title(f"The data: {len(X)} points in {n_classes} classes")
    _label_axes(ax)
    ax.grid(alpha=0.3)
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
    legend: bool = True,
    class_names: Sequence[Any] | None = None,
) -> Axes:
    """Class probabilities over the plane, the decision boundary, and the points.

    With two classes the plane is shaded by ``P(class 1) = sigmoid(z)``,
    ``z = x W^T + b``, on a diverging map, and the boundary is the line
    ``P = 0.5`` (``z = 0``). With ``K > 2`` classes each point of the plane
    takes the colour of its most probable class under ``softmax(z)``, paler
    where that probability is lower, and the borders between the regions are
    drawn.

    Parameters
    ----------
    coef : array-like of shape (1, 2) or (K, 2)
        ``W``: one row for a binary model, one per class otherwise (two
        rows are drawn as the equivalent binary model).
    intercept : array-like of shape (1,) or (K,)
        ``b``.
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
        draws one bar for several axes).
    legend : bool, default=True
        Add a legend of the classes and the boundary: below the plot when
        this function made the figure, inside ``ax`` otherwise.
    class_names : sequence of str, optional
        A name for each class ``0..K-1`` in the legend and colour bar;
        default ``"class 0"``, ``"class 1"``, ...

    Returns
    -------
    matplotlib Axes
    """
    X, y = _points(X, y)
    coef, intercept = _model(coef, intercept)
    own_figure = ax is None
    ax = _axes(ax, figsize=(6.4, 5.4))
    n_classes = _n_classes(y, coef)
    _draw_model(ax, coef, intercept, X)
    _scatter(ax, X, y, n_classes, class_names)
    ax.set_title(title or "Decision boundary")
    _label_axes(ax)
    if legend and own_figure:
        _figure_legend(ax.figure, ax, n_classes)  # below, clear of the points
    elif legend:
        handles, _ = ax.get_legend_handles_labels()
        handles.append(_boundary_handle(n_classes))
        ax.legend(handles=handles, loc="best", framealpha=0.9)
    if colorbar:
        positive = _class_labels(n_classes, class_names)[-1]
        _add_colorbar(ax.figure, ax, n_classes, positive)
    return ax


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
    ax = _axes(ax, figsize=(6.4, 4.2))
    epochs = np.arange(len(losses))
    ax.plot(epochs, losses, marker="o" if len(losses) <= 60 else None, markersize=4)
    ax.set_title(f"Training loss: {losses[0]:.4f} at the start, {losses[-1]:.4f} now")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean log-loss (training rows)")
    ax.set_xlim(0, max(1, len(losses) - 1))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    return ax


def _figure_legend(figure: Figure, ax: Axes, n_classes: int) -> None:
    """One legend for a multi-panel figure, below the panels."""
    handles, _ = ax.get_legend_handles_labels()
    handles.append(_boundary_handle(n_classes))
    figure.legend(
        handles=handles, loc="outside lower center", ncols=min(len(handles), 6)
    )


def boundary_snapshots_figure(
    snapshots: Sequence[tuple[Any, ...]], X: Any, y: Any
) -> Figure:
    """A grid of decision-boundary plots, one per snapshot of training.

    Parameters
    ----------
    snapshots : sequence of tuples ``(epoch, coef, intercept, ...)``
        ``coef`` of shape (1, 2) or (K, 2), ``intercept`` of shape (1,) or
        (K,); further fields (such as the loss) are ignored.
    X : array-like of shape (n_samples, 2)
    y : array-like of shape (n_samples,)

    Returns
    -------
    matplotlib Figure
        Up to three panels per row, one legend and one colour bar.
    """
    if not snapshots:
        raise ValueError("snapshots is empty: nothing to plot")
    n_cols = min(3, len(snapshots))
    n_rows = -(-len(snapshots) // n_cols)
    figure = _new_figure((4.2 * n_cols + 1.3, 3.7 * n_rows + 0.9))
    axes = figure.subplots(n_rows, n_cols, squeeze=False)
    for ax, snapshot in zip(axes.flat, snapshots, strict=False):
        epoch, coef, intercept = snapshot[:3]
        plot_decision_boundary(
            coef,
            intercept,
            X,
            y,
            ax=ax,
            title=f"epoch {epoch}",
            colorbar=False,
            legend=False,
        )
    for ax in axes.flat[len(snapshots) :]:
        ax.set_axis_off()
    n_classes = _n_classes(np.asarray(y), np.atleast_2d(snapshots[0][1]))
    _add_colorbar(figure, axes, n_classes)
    _figure_legend(figure, axes.flat[0], n_classes)
    figure.suptitle("Gradient descent moves the decision boundary", fontsize="x-large")
    return figure


def animate_boundary(
    snapshots: Sequence[tuple[Any, ...]],
    losses: Any,
    X: Any,
    y: Any,
    path: str | PathLike[str],
    fps: int = 5,
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
    fps : int, default=5
        Frames per second; the last frame is shown a little longer.

    Returns
    -------
    str or path-like
        ``path``.
    """
    if not snapshots:
        raise ValueError("snapshots is empty: nothing to animate")
    require_matplotlib()
    from matplotlib.animation import PillowWriter

    losses = np.asarray(losses, dtype=np.float64).ravel()
    X, y = _points(X, y)
    models = [_model(*snapshot[1:3]) for snapshot in snapshots]
    n_classes = _n_classes(y, models[0][0])

    figure = _new_figure((10.5, 4.9))
    left, right = figure.subplots(1, 2, width_ratios=[1.2, 1.0])
    artists = _draw_model(left, *models[0], X)
    _scatter(left, X, y, n_classes)
    _label_axes(left)
    _add_colorbar(figure, left, n_classes)
    _figure_legend(figure, left, n_classes)
    epochs = np.arange(len(losses))
    right.plot(epochs, losses, color="0.75", linewidth=1.5)
    (done,) = right.plot([], [], color="C0", linewidth=2.5)
    (now,) = right.plot([], [], "o", color="C3", markersize=8)
    right.set_xlim(0, max(1, len(losses) - 1))
    right.set_ylim(0, 1.05 * float(np.max(losses)))
    right.set_xlabel("epoch")
    right.set_ylabel("mean log-loss (training rows)")
    right.grid(alpha=0.3)

    writer = PillowWriter(fps=fps)
    with writer.saving(figure, path, dpi=72):
        for index, (snapshot, model) in enumerate(zip(snapshots, models, strict=True)):
            epoch = int(snapshot[0])
            if index:
                _redraw_model(artists, *model)
            left.set_title(f"Decision boundary after epoch {epoch}")
            done.set_data(epochs[: epoch + 1], losses[: epoch + 1])
            now.set_data([epoch], [losses[epoch]])
            right.set_title(f"Training loss: {losses[epoch]:.4f}")
            writer.grab_frame()
            if index == 0:
                # The layout is fixed now; recomputing it every frame is slow.
                figure.set_layout_engine(None)
        for _ in range(max(1, fps // 2)):  # hold the final picture
            writer.grab_frame()
    return path


# ---------------------------------------------------------------- evaluation
def _scores(y: Any, proba: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validated labels ``0..K-1`` and probabilities of shape (n_samples, K)."""
    y = np.asarray(y).ravel()
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or proba.shape[1] < 2:
        raise ValueError(
            f"proba must have shape (n_samples, n_classes >= 2); got {proba.shape}"
        )
    if len(y) != len(proba):
        raise ValueError(f"y has {len(y)} labels but proba has {len(proba)} rows")
    n_classes = proba.shape[1]
    if not np.issubdtype(y.dtype, np.integer) or np.any((y < 0) | (y >= n_classes)):
        raise ValueError(f"y must hold integer labels 0..{n_classes - 1}")
    return y, proba


def _one_vs_rest(
    y: np.ndarray, proba: np.ndarray, class_names: Sequence[Any] | None
) -> list[tuple[str, Any, np.ndarray, np.ndarray]]:
    """``(label, colour, is_class, score)`` for each curve to draw.

    Binary: one curve, class 1 against class 0. More classes: one curve per
    class against the rest. A class that is absent from ``y``, or is all of
    it, has no curve (its rates are undefined).
    """
    n_classes = proba.shape[1]
    labels = _class_labels(n_classes, class_names)
    colors = class_colors(n_classes)
    curves = []
    for k in [1] if n_classes == 2 else range(n_classes):
        is_class = y == k
        if is_class.any() and not is_class.all():
            curves.append((labels[k], colors[k], is_class, proba[:, k]))
    return curves


def _unit_square(ax: Axes, xlabel: str, ylabel: str, title: str) -> None:
    ax.set(xlim=(-0.02, 1.02), ylim=(-0.02, 1.02), xlabel=xlabel, ylabel=ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)


def _ovr_title(name: str, n_classes: int) -> str:
    return name if n_classes == 2 else f"{name}s, each class vs the rest"


def _note_if_empty(ax: Axes, curves: list[Any]) -> None:
    """Say so on the axes when no curve is defined (``y`` has one class)."""
    if not curves:
        ax.text(
            0.5,
            0.5,
            "undefined: the labels contain a single class",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )


def plot_roc_curves(
    y: Any,
    proba: Any,
    class_names: Sequence[Any] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """ROC curves with their areas, from :func:`sklearn.metrics.roc_curve`.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        True labels ``0..K-1``.
    proba : array-like of shape (n_samples, K)
        Predicted class probabilities (``predict_proba``).
    class_names : sequence of str, optional
        A name for each class; default ``"class 0"``, ``"class 1"``, ...
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib Axes
        One curve for two classes (class 1 positive), else one per class
        against the rest; the dashed diagonal is a random guess.
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    y, proba = _scores(y, proba)
    ax = _axes(ax)
    curves = _one_vs_rest(y, proba, class_names)
    for label, color, is_class, score in curves:
        fpr, tpr, _ = roc_curve(is_class, score)
        auc = roc_auc_score(is_class, score)
        ax.plot(fpr, tpr, color=color, linewidth=2, label=f"{label} (AUC {auc:.3f})")
    ax.plot([0, 1], [0, 1], linestyle="--", color="0.6", linewidth=1, label="chance")
    _unit_square(
        ax,
        "false positive rate",
        "true positive rate",
        _ovr_title("ROC curve", proba.shape[1]),
    )
    _note_if_empty(ax, curves)
    ax.legend(loc="lower right", framealpha=0.9)
    return ax


def plot_precision_recall_curves(
    y: Any,
    proba: Any,
    class_names: Sequence[Any] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Precision against recall, from :func:`sklearn.metrics.precision_recall_curve`.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        True labels ``0..K-1``.
    proba : array-like of shape (n_samples, K)
        Predicted class probabilities.
    class_names : sequence of str, optional
        A name for each class; default ``"class 0"``, ``"class 1"``, ...
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib Axes
        Curves as for :func:`plot_roc_curves`, labelled with the average
        precision; a dotted line at each class's frequency marks what a
        random guess achieves.
    """
    from matplotlib.lines import Line2D
    from sklearn.metrics import average_precision_score, precision_recall_curve

    y, proba = _scores(y, proba)
    ax = _axes(ax)
    curves = _one_vs_rest(y, proba, class_names)
    for label, color, is_class, score in curves:
        precision, recall, _ = precision_recall_curve(
            is_class, score, drop_intermediate=True
        )
        average = average_precision_score(is_class, score)
        ax.plot(
            recall,
            precision,
            drawstyle="steps-post",
            color=color,
            linewidth=2,
            label=f"{label} (AP {average:.3f})",
        )
        ax.axhline(is_class.mean(), color=color, linestyle=":", linewidth=1.2)
    _unit_square(
        ax, "recall", "precision", _ovr_title("Precision-recall curve", proba.shape[1])
    )
    _note_if_empty(ax, curves)
    handles, _ = ax.get_legend_handles_labels()
    handles.append(
        Line2D([], [], color="0.4", linestyle=":", label="chance (class frequency)")
    )
    ax.legend(handles=handles, loc="lower left", framealpha=0.9)
    return ax


def plot_calibration(
    y: Any,
    proba: Any,
    class_names: Sequence[Any] | None = None,
    n_bins: int = 10,
    ax: Axes | None = None,
) -> Axes:
    """Reliability diagram, from :func:`sklearn.calibration.calibration_curve`.

    The predicted probabilities are cut into ``n_bins`` equal-width bins; each
    point is a bin's mean prediction against the fraction of its samples that
    really are of the class. A calibrated model lies on the diagonal.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        True labels ``0..K-1``.
    proba : array-like of shape (n_samples, K)
        Predicted class probabilities.
    class_names : sequence of str, optional
        A name for each class; default ``"class 0"``, ``"class 1"``, ...
    n_bins : int, default=10
        Number of bins of ``[0, 1]``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib Axes
        For two classes, grey bars show how the samples spread over the
        bins (scaled to the tallest), so a point backed by few samples is
        visibly so.
    """
    from sklearn.calibration import calibration_curve

    y, proba = _scores(y, proba)
    ax = _axes(ax)
    curves = _one_vs_rest(y, proba, class_names)
    if len(curves) == 1:
        counts, edges = np.histogram(curves[0][3], bins=n_bins, range=(0.0, 1.0))
        ax.bar(
            edges[:-1],
            0.25 * counts / max(1, counts.max()),
            width=np.diff(edges),
            align="edge",
            color="0.85",
            edgecolor="white",
            label="samples per bin (relative)",
            zorder=0,
        )
    ax.plot(
        [0, 1], [0, 1], linestyle="--", color="0.6", linewidth=1, label="calibrated"
    )
    for label, color, is_class, score in curves:
        observed, predicted = calibration_curve(is_class, score, n_bins=n_bins)
        ax.plot(
            predicted,
            observed,
            marker="o",
            markersize=5,
            color=color,
            linewidth=2,
            label=label,
        )
    _unit_square(
        ax,
        "mean predicted probability",
        "observed fraction of the class",
        "Calibration (reliability)",
    )
    _note_if_empty(ax, curves)
    ax.legend(loc="upper left", framealpha=0.9)
    return ax


def plot_confusion_matrix(
    matrix: Any,
    class_names: Sequence[Any] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Confusion matrix: counts and the share of each true class.

    Parameters
    ----------
    matrix : array-like of shape (K, K)
        Counts, true classes in rows and predictions in columns, as
        :func:`sklearn.metrics.confusion_matrix` returns them.
    class_names : sequence of str, optional
        A name for each class; default ``"class 0"``, ``"class 1"``, ...
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib Axes
        Cells are shaded by the share of their row, so a well-classified
        class has a dark diagonal cell whatever its size.
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"matrix must be square; got shape {matrix.shape}")
    n_classes = matrix.shape[0]
    labels = _class_labels(n_classes, class_names)
    totals = matrix.sum(axis=1, keepdims=True)
    share = np.divide(
        matrix, totals, out=np.zeros(matrix.shape, dtype=np.float64), where=totals > 0
    )
    ax = _axes(ax)
    image = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
    fontsize = "medium" if n_classes <= 4 else "small" if n_classes <= 7 else "x-small"
    for (row, column), count in np.ndenumerate(matrix):
        ax.text(
            column,
            row,
            f"{count}\n{share[row, column]:.0%}",
            ha="center",
            va="center",
            fontsize=fontsize,
            color="white" if share[row, column] > 0.55 else "0.15",
        )
    long_names = max(len(label) for label in labels) > 6
    ax.set_xticks(
        range(n_classes),
        labels,
        rotation=30 if long_names else 0,
        ha="right" if long_names else "center",
    )
    ax.set_yticks(range(n_classes), labels)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title("Confusion matrix")
    bar = ax.figure.colorbar(image, ax=ax, shrink=0.9)
    bar.set_label("share of the true class")
    return ax


def _coefficient_arrays(
    coef: Any, ci_low: Any, ci_high: Any
) -> tuple[np.ndarray, np.ndarray | None]:
    """``coef`` as (G, m) and the error-bar lengths (2, G, m), or None."""
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    if (ci_low is None) != (ci_high is None):
        raise ValueError("give both ci_low and ci_high, or neither")
    if ci_low is None:
        return coef, None
    low = np.atleast_2d(np.asarray(ci_low, dtype=np.float64))
    high = np.atleast_2d(np.asarray(ci_high, dtype=np.float64))
    if low.shape != coef.shape or high.shape != coef.shape:
        raise ValueError(
            f"ci_low {low.shape} and ci_high {high.shape} must match coef {coef.shape}"
        )
    lengths = np.stack([coef - low, high - coef])
    if np.any(lengths < 0):  # NaN compares False: an unknown interval is allowed
        raise ValueError("every interval [ci_low, ci_high] must contain its coef")
    return coef, lengths


def plot_coefficients(
    coef: Any,
    terms: Sequence[Any],
    ci_low: Any = None,
    ci_high: Any = None,
    *,
    labels: Sequence[Any] | None = None,
    colors: Sequence[Any] | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Coefficients as points, with confidence intervals as bars when given.

    Parameters
    ----------
    coef : array-like of shape (m,) or (G, m)
        ``m`` coefficients, or one row of them per group (class).
    terms : sequence of str of length m
        The name of each coefficient, top to bottom.
    ci_low, ci_high : array-like of the shape of ``coef``, optional
        Interval ends; both or neither. NaN draws no bar.
    labels : sequence of str of length G, optional
        Group names for the legend.
    colors : sequence of matplotlib colours of length G, optional
        Default: near-black for one group, ``tab10`` for more.
    title : str, optional
        Default ``"Coefficients"``, plus ``" with confidence intervals"``
        when they are given.
    ax : matplotlib Axes, optional
        Where to draw; a new figure, as tall as the terms need, when omitted.

    Returns
    -------
    matplotlib Axes
    """
    coef, lengths = _coefficient_arrays(coef, ci_low, ci_high)
    n_groups, n_terms = coef.shape
    if len(terms) != n_terms:
        raise ValueError(f"terms has {len(terms)} names for {n_terms} coefficients")
    if colors is None:
        colors = ["0.15"] if n_groups == 1 else class_colors(max(3, n_groups))
    ax = _axes(ax, figsize=(6.4, 1.4 + n_terms * (0.28 + 0.1 * n_groups)))
    positions = np.arange(n_terms)
    offsets = np.linspace(-0.25, 0.25, n_groups) if n_groups > 1 else [0.0]
    for group in range(n_groups):
        ax.errorbar(
            coef[group],
            positions + offsets[group],
            xerr=None if lengths is None else lengths[:, group],
            fmt="o",
            markersize=5,
            color=colors[group],
            elinewidth=2,
            capsize=3,
            label=None if labels is None else _plain(labels[group]),
        )
    ax.axvline(0.0, color="0.5", linestyle="--", linewidth=1)
    ax.set_yticks(positions, [_plain(term) for term in terms])
    ax.set_ylim(n_terms - 0.5, -0.5)  # first term on top
    ax.set_xlabel("coefficient (change in log-odds per unit of the feature)")
    default = "Coefficients" + ("" if lengths is None else " with confidence intervals")
    ax.set_title(title or default)
    ax.grid(axis="x", alpha=0.3)
    if labels is not None:  # beside the axes: the points fill the inside
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


def plot_regularization_path(
    Cs: Any,
    coefs: Any,
    feature_names: Sequence[Any] | None = None,
    *,
    class_index: int = 0,
    chosen_C: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Coefficients against ``log10(C)``: how each one enters as the penalty weakens.

    Parameters
    ----------
    Cs : array-like of shape (n_cs,)
        The grid of ``C``, as :func:`logreg.cv.regularization_path` returns it.
    coefs : array-like of shape (n_cs, n_rows, n_cols)
        Coefficients along the path (intercept, if any, in a last column that
        is not drawn: pass ``feature_names`` of length ``n_features``).
    feature_names : sequence of str of length n_features, optional
        Default ``x0, x1, ...``; the legend lists at most ten.
    class_index : int, default=0
        Which row of ``coefs`` to draw (the class, for multinomial models).
    chosen_C : float, optional
        Marked with a vertical line (e.g. ``LogisticRegressionCV.C_``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib Axes
    """
    Cs = np.asarray(Cs, dtype=np.float64).ravel()
    coefs = np.asarray(coefs, dtype=np.float64)
    if coefs.ndim != 3 or coefs.shape[0] != len(Cs):
        raise ValueError(
            f"coefs must have shape (n_cs={len(Cs)}, n_rows, n_cols), got {coefs.shape}"
        )
    if not 0 <= class_index < coefs.shape[1]:
        raise ValueError(
            f"class_index must be in [0, {coefs.shape[1]}), got {class_index}"
        )
    n_features = len(feature_names) if feature_names is not None else coefs.shape[2]
    if n_features > coefs.shape[2]:
        raise ValueError(
            f"{n_features} feature names for {coefs.shape[2]} coefficient columns"
        )
    names = feature_names or [f"x{j}" for j in range(n_features)]
    paths = coefs[:, class_index, :n_features]
    ax = _axes(ax, figsize=(6.4, 4.6))
    # The ten features largest at the weakest penalty get a legend entry.
    labelled = set(np.argsort(-np.abs(paths[-1]))[:10].tolist())
    for j in range(n_features):
        label = _plain(names[j]) if j in labelled else None
        ax.plot(np.log10(Cs), paths[:, j], label=label, linewidth=1.4)
    if chosen_C is not None:
        ax.axvline(
            np.log10(chosen_C),
            color="0.3",
            linestyle="--",
            linewidth=1,
            label=f"chosen C = {chosen_C:.3g}",
        )
    ax.axhline(0.0, color="0.6", linewidth=0.8)
    ax.set_xlabel("log10(C)  (weaker penalty to the right)")
    ax.set_ylabel("coefficient")
    ax.set_title("Regularisation path")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="best")
    return ax
