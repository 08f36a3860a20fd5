"""A self-contained HTML report of a fitted classifier on labelled data.

:func:`evaluation_metrics` computes the numbers, all of them with
:mod:`sklearn.metrics`; :func:`build_report` lays them out with the plots of
:mod:`logreg.plot` as one HTML page, and :func:`write_report` saves it
atomically. The page needs nothing else: figures are PNGs embedded as base64
``data:`` URIs, the style sheet is inline, there is no JavaScript, and a
Content-Security-Policy forbids the browser to load anything from outside.
Every string that comes from the user (title, file name, feature and class
names) is HTML-escaped, its control characters shown as escapes (``\\x1b``),
as on the command line, in the page and in the figures alike.

Longer than 600 lines: one self-contained page (metrics, figures, tables, CSS
and its content-security policy) whose parts are escaped and assembled in one
place.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from logreg.cli.errors import printable

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["build_report", "evaluation_metrics", "write_report"]

#: Columns of ``Summary.to_frame()`` shown in the table, and their headers; the
#: interval columns ``ci_low``/``ci_high`` are shown together as one column.
_TABLE_COLUMNS = {"coef": "coef", "std_err": "std. error", "z": "z", "p_value": "P>|z|"}
_INTERVAL_COLUMNS = ("ci_low", "ci_high")
#: Resolution of the embedded PNGs: sharp on high-density screens.
_DPI = 144
#: Beyond this many terms the coefficient plot is left out (the table stays).
_MAX_PLOTTED_TERMS = 40
#: The decision-boundary plot draws at most this many points (a random subset).
_MAX_SCATTER_POINTS = 2000
#: Class names listed in the page's facts line before "..." cuts them short.
_MAX_LISTED_CLASSES = 8
#: Beyond this many classes the ROC, precision-recall and calibration plots
#: show one pooled (micro-averaged) curve instead of one per class: the
#: palette has ten colours, and 200 curves with their legend took a minute.
_MAX_CURVE_CLASSES = 10
#: At most this many (row, class) pairs in the pooled curves.
_MAX_MICRO_PAIRS = 4_000_000
#: Beyond this many classes there is no confusion-matrix figure (it draws a
#: text per cell: 200 classes took 90 s and 1,000 ran out of memory) ...
_MAX_CONFUSION_FIGURE_CLASSES = 20
#: ... and the page's table lists the most frequent confusions instead of
#: the classes**2 cells.
_MAX_CONFUSION_TABLE_CLASSES = 30
_TOP_CONFUSIONS = 30
#: Beyond this many classes the coefficient plot is left out (the table stays).
_MAX_PLOTTED_GROUPS = 10
#: matplotlib settings for the report's figures only.
_FIGURE_STYLE = {
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "font.size": 10,
    "legend.fontsize": 9,
}


# ------------------------------------------------------------------ numbers
@dataclass(frozen=True)
class _Evaluation:
    """The model's predictions on the data, computed once for the whole page."""

    classes: np.ndarray  # estimator.classes_, sorted
    y: np.ndarray  # true labels as given
    y_index: np.ndarray  # true labels as positions 0..K-1 in classes
    predicted: np.ndarray  # estimator.predict(X)
    proba: np.ndarray  # estimator.predict_proba(X), shape (n_samples, K)


def _checked_labels(y: Any, classes: np.ndarray) -> np.ndarray:
    """``y`` as a 1-D array whose every label is one of ``classes``."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be one-dimensional; got shape {y.shape}")
    if len(y) == 0:
        raise ValueError("y is empty: there is nothing to evaluate")
    try:
        known = np.isin(y, classes)
    except TypeError:  # labels that do not even compare with the classes
        known = np.zeros(len(y), dtype=bool)
    if not known.all():
        unknown = sorted({str(label) for label in y[~known]})
        raise ValueError(
            f"y contains labels the model was not trained on: {unknown[:5]}; "
            f"the model's classes are {_class_names(classes)}"
        )
    return y


def _evaluate(estimator: Any, X: Any, y: Any) -> _Evaluation:
    check_is_fitted(estimator)
    classes = np.asarray(estimator.classes_)
    y = _checked_labels(y, classes)
    # In its own dtype: float32 rows sum to one to float32 precision only, and
    # scikit-learn checks that sum with the tolerance of the dtype it sees.
    proba = np.asarray(estimator.predict_proba(X))
    if len(proba) != len(y):
        raise ValueError(f"X has {len(proba)} rows but y has {len(y)} labels")
    predicted = np.asarray(estimator.predict(X))
    return _Evaluation(classes, y, np.searchsorted(classes, y), predicted, proba)


def _class_names(classes: np.ndarray) -> list[str]:
    return [str(label) for label in classes]


def _roc_auc(evaluation: _Evaluation) -> float | None:
    """Binary ROC AUC, or the macro one-vs-rest mean; None where undefined."""
    from sklearn.exceptions import UndefinedMetricWarning
    from sklearn.metrics import roc_auc_score

    n_classes = len(evaluation.classes)
    with warnings.catch_warnings():
        # A class missing from y leaves the AUC undefined: reported as None.
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        try:
            if n_classes == 2:
                auc = roc_auc_score(evaluation.y_index == 1, evaluation.proba[:, 1])
            else:
                auc = roc_auc_score(
                    evaluation.y_index,
                    evaluation.proba,
                    multi_class="ovr",
                    average="macro",
                    labels=np.arange(n_classes),
                )
        except ValueError:  # older scikit-learn raises instead of warning
            return None
    return None if np.isnan(auc) else float(auc)


def _averages(evaluation: _Evaluation, average: str) -> dict[str, float]:
    """Averages over the classes that occur in ``y`` or in the predictions.

    A class of the model that is absent from both has no rates to average:
    counting it as 0 would make a good model on a subset look bad.
    """
    from sklearn.metrics import precision_recall_fscore_support

    precision, recall, f1, _ = precision_recall_fscore_support(
        evaluation.y, evaluation.predicted, average=average, zero_division=0.0
    )
    return {"precision": float(precision), "recall": float(recall), "f1": float(f1)}


def _metrics(evaluation: _Evaluation) -> dict[str, Any]:
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        log_loss,
        precision_recall_fscore_support,
    )

    y, predicted, classes = evaluation.y, evaluation.predicted, evaluation.classes
    names = _class_names(classes)
    precision, recall, f1, support = precision_recall_fscore_support(
        y, predicted, labels=classes, zero_division=0.0
    )
    per_class = {
        name: {
            "precision": float(precision[k]),
            "recall": float(recall[k]),
            "f1": float(f1[k]),
            "support": int(support[k]),
        }
        for k, name in enumerate(names)
    }
    return {
        "n_samples": len(y),
        "classes": names,
        "accuracy": float(accuracy_score(y, predicted)),
        "log_loss": float(log_loss(y, evaluation.proba, labels=classes)),
        "roc_auc": _roc_auc(evaluation),
        "roc_auc_average": "binary" if len(classes) == 2 else "macro one-vs-rest",
        "per_class": per_class,
        "macro_avg": _averages(evaluation, "macro"),
        "weighted_avg": _averages(evaluation, "weighted"),
        "confusion_matrix": confusion_matrix(y, predicted, labels=classes).tolist(),
    }


def evaluation_metrics(estimator: Any, X: Any, y: Any) -> dict[str, Any]:
    """Classification metrics of a fitted model on labelled data.

    Every number comes from :mod:`sklearn.metrics`; precision, recall and F1
    of a class that is never predicted (or never occurs) are 0.

    Parameters
    ----------
    estimator : fitted classifier
        A :class:`logreg.LogisticRegression` (any classifier with
        ``classes_``, ``predict`` and ``predict_proba`` works).
    X : array-like of shape (n_samples, n_features)
        Features, of the kind the estimator was fitted on.
    y : array-like of shape (n_samples,)
        True labels, each one of ``estimator.classes_``.

    Returns
    -------
    dict
        JSON-serialisable, with keys

        - ``n_samples`` (int) and ``classes`` (list of str, the order of
          every per-class list below);
        - ``accuracy``, ``log_loss`` (float);
        - ``roc_auc`` (float, or None where undefined: ``y`` lacks a class)
          and ``roc_auc_average`` (``"binary"``, or ``"macro one-vs-rest"``
          for more than two classes);
        - ``per_class``: ``{class: {"precision", "recall", "f1", "support"}}``;
        - ``macro_avg``, ``weighted_avg``: ``{"precision", "recall", "f1"}``
          over the classes that occur in ``y`` or in the predictions (as
          ``sklearn.metrics.f1_score(y, predicted, average="macro")``);
        - ``confusion_matrix``: list of lists of int, true classes in rows
          and predicted classes in columns.

    Raises
    ------
    ValueError
        When ``y`` is not one-dimensional, is empty, has a label the model
        does not know, or has a different length from ``X``.
    """
    return _metrics(_evaluate(estimator, X, y))


# ------------------------------------------------------------- coefficients
@dataclass(frozen=True)
class _CoefficientRow:
    group: str | None  # the class, for a multinomial model
    term: str
    values: dict[str, float]  # keys among _TABLE_COLUMNS and _INTERVAL_COLUMNS


@dataclass(frozen=True)
class _Coefficients:
    rows: list[_CoefficientRow]
    with_intervals: bool
    note: str  # what the numbers are relative to and what is missing


def _feature_names(estimator: Any, feature_names: Sequence[Any] | None) -> list[str]:
    """The given names, else ``feature_names_in_``, else ``x0, x1, ...``."""
    n_features = int(np.asarray(estimator.coef_).shape[1])
    names = feature_names
    if names is None:
        names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        return [f"x{j}" for j in range(n_features)]
    if len(names) != n_features:
        raise ValueError(
            f"feature_names has {len(names)} names but the model has "
            f"{n_features} features"
        )
    return [str(name) for name in names]


def _rows_from_estimator(
    estimator: Any, features: list[str], names: list[str]
) -> list[_CoefficientRow]:
    coef = np.atleast_2d(np.asarray(estimator.coef_, dtype=np.float64))
    intercept = np.asarray(estimator.intercept_, dtype=np.float64).ravel()
    with_intercept = bool(getattr(estimator, "fit_intercept", True))
    groups = [None] if len(coef) == 1 else names
    rows = []
    for group, weights, bias in zip(groups, coef, intercept, strict=True):
        if with_intercept:
            rows.append(_CoefficientRow(group, "intercept", {"coef": float(bias)}))
        rows.extend(
            _CoefficientRow(group, term, {"coef": float(value)})
            for term, value in zip(features, weights, strict=True)
        )
    return rows


def _rows_from_table(table: pd.DataFrame) -> list[_CoefficientRow]:
    needed = {"coef", *_INTERVAL_COLUMNS}
    missing = sorted(needed - set(table.columns))
    if missing:
        raise ValueError(
            f"coefficient_table lacks the columns {missing}; expected those of "
            "estimator.summary().to_frame()"
        )
    columns = [c for c in (*_TABLE_COLUMNS, *_INTERVAL_COLUMNS) if c in table.columns]
    rows = []
    for key, values in zip(table.index, table[columns].to_numpy(float), strict=True):
        group, term = key if isinstance(key, tuple) else (None, key)
        rows.append(
            _CoefficientRow(
                None if group is None else str(group),
                str(term),
                dict(zip(columns, values.tolist(), strict=True)),
            )
        )
    return rows


def _coefficients(
    estimator: Any,
    features: list[str],
    names: list[str],
    table: pd.DataFrame | None,
) -> _Coefficients:
    """The coefficient rows to show, from the summary table when given."""
    multinomial = len(names) > 2
    if table is None:
        rows = _rows_from_estimator(estimator, features, names)
        note = (
            "No confidence intervals: the report was built without the model's "
            "inference summary, so only the point estimates are shown."
        )
        if multinomial:
            note += (
                " One set of coefficients per class (the symmetric softmax form: "
                "only differences between classes are identified)."
            )
        return _Coefficients(rows, False, note)
    note = "The bars and the CI column show 95% confidence intervals."
    if multinomial:
        note += f" Each class is compared with the first class, {names[0]}."
    C = float(getattr(estimator, "C", np.inf))
    if np.isfinite(C):
        note += (
            f" The fit is penalised (C = {C:g}): the coefficients are shrunk "
            "towards zero, so treat the standard errors and intervals as "
            "approximate."
        )
    return _Coefficients(_rows_from_table(table), True, note)


# ------------------------------------------------------------------ figures
@dataclass(frozen=True)
class _Figure:
    id: str
    title: str
    caption: str  # HTML, already escaped
    png: bytes
    width: int  # pixels
    height: int


def _png(element_id: str, title: str, caption: str, figure: Figure) -> _Figure:
    """Render ``figure`` to PNG bytes.

    The figures come from :mod:`logreg.plot`, which builds them on the Agg
    canvas without pyplot: no global registry holds them, so they are freed
    with their last reference and there is nothing to close.
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI, facecolor="white")
    width, height = (figure.get_size_inches() * _DPI).round().astype(int)
    return _Figure(element_id, title, caption, buffer.getvalue(), width, height)


def _positive_note(names: list[str]) -> str:
    if len(names) == 2:
        return f" The positive class is <q>{_e(names[1])}</q>."
    return " One curve per class, that class against all the others."


def _micro_average(evaluation: _Evaluation) -> tuple[np.ndarray, np.ndarray, str]:
    """Every (row, class) pair as one binary prediction: ``y``, ``proba``, note.

    With many classes one curve per class is unreadable (and slow to draw):
    the pairs are pooled instead, the micro-average of the one-vs-rest
    curves, with at most :data:`_MAX_MICRO_PAIRS` pairs from a random subset
    of the rows.
    """
    n_rows, n_classes = evaluation.proba.shape
    rows = np.arange(n_rows)
    shown = ""
    if n_rows * n_classes > _MAX_MICRO_PAIRS:
        keep = max(1, _MAX_MICRO_PAIRS // n_classes)
        rows = np.sort(np.random.default_rng(0).choice(n_rows, keep, replace=False))
        shown = f" (a random {keep:,} of the {n_rows:,} rows)"
    proba = evaluation.proba[rows].ravel()
    is_class = (evaluation.y_index[rows, None] == np.arange(n_classes)).ravel()
    note = (
        f" With {n_classes} classes, one curve pools every (row, class) pair"
        f"{shown}: the true class as the positive, the micro-average."
    )
    return is_class.astype(np.int64), np.column_stack([1.0 - proba, proba]), note


def _curve_figures(evaluation: _Evaluation, metrics: dict[str, Any]) -> list[_Figure]:
    from logreg import plot

    names = [printable(name) for name in metrics["classes"]]
    y, proba = evaluation.y_index, evaluation.proba
    positive = _positive_note(names)
    curve_names = names
    if len(names) > _MAX_CURVE_CLASSES:
        y, proba, positive = _micro_average(evaluation)
        curve_names = ["another class", "the true class"]
    figures = [
        _png(
            "fig-roc",
            "ROC curve",
            "True against false positive rate as the decision threshold moves; "
            "the area under the curve (AUC) is the chance that a random member "
            "of the class is scored above a random non-member. Dashed: a random "
            "guess." + positive,
            plot.plot_roc_curves(y, proba, curve_names).figure,
        ),
        _png(
            "fig-pr",
            "Precision-recall curve",
            "Precision against recall as the threshold moves; AP is the average "
            "precision. A dotted line marks the class frequency, the precision "
            "of a random guess." + positive,
            plot.plot_precision_recall_curves(y, proba, curve_names).figure,
        ),
        _png(
            "fig-calibration",
            "Calibration",
            "Predictions grouped in ten equal-width bins: each point is a bin's "
            "mean predicted probability against how often the class really "
            "occurs there. On the diagonal, the probabilities can be taken at "
            "face value." + (positive if len(names) > _MAX_CURVE_CLASSES else ""),
            plot.plot_calibration(y, proba, curve_names).figure,
        ),
    ]
    if len(names) <= _MAX_CONFUSION_FIGURE_CLASSES:
        figures.append(
            _png(
                "fig-confusion",
                "Confusion matrix",
                "True classes in rows, predictions in columns; each cell gives "
                "the count and its share of the row.",
                plot.plot_confusion_matrix(metrics["confusion_matrix"], names).figure,
            )
        )
    return figures


def _boundary_figure(
    estimator: Any, X: Any, evaluation: _Evaluation, features: list[str]
) -> _Figure:
    from logreg import plot

    X = np.asarray(X, dtype=np.float64)
    y = evaluation.y_index
    names = [printable(name) for name in _class_names(evaluation.classes)]
    shown = ""
    if len(X) > _MAX_SCATTER_POINTS:
        rows = np.random.default_rng(0).choice(
            len(X), _MAX_SCATTER_POINTS, replace=False
        )
        X, y = X[rows], y[rows]
        shown = (
            f" Showing a random {_MAX_SCATTER_POINTS} of {len(evaluation.y)} points."
        )
    ax = plot.plot_decision_boundary(
        estimator.coef_, estimator.intercept_, X, y, class_names=names
    )
    ax.set_xlabel(_verbatim(features[0]))
    ax.set_ylabel(_verbatim(features[1]))
    if len(names) == 2:
        caption = (
            f"The plane shaded by the predicted probability of <q>{_e(names[1])}</q>; "
            "the black line is the decision boundary, P = 0.5."
        )
    else:
        caption = (
            "Each region takes the colour of its most probable class, paler "
            "where the model is less sure; black lines are the borders."
        )
    return _png("fig-boundary", "Decision boundary", caption + shown, ax.figure)


def _loss_figure(estimator: Any) -> _Figure | None:
    from logreg import plot

    losses = np.asarray(getattr(estimator, "loss_curve_", []), dtype=np.float64)
    if losses.size == 0:
        return None
    solver = str(getattr(estimator, "solver_", ""))
    ax = plot.plot_loss_curve(losses)
    ax.set_title(f"Training objective: {losses[0]:.4g} → {losses[-1]:.4g}")
    ax.set_xlabel("epoch" if solver == "sgd" else "iteration")
    penalised = np.isfinite(float(getattr(estimator, "C", np.inf)))
    ax.set_ylabel("penalised mean log-loss" if penalised else "mean log-loss")
    caption = (
        "The objective on the training data after each iteration of the "
        f"{_e(solver) + ' ' if solver else ''}solver ({len(losses)} recorded)."
    )
    return _png("fig-loss", "Training loss", caption, ax.figure)


def _coefficient_figure(
    coefficients: _Coefficients, names: list[str]
) -> _Figure | None:
    """Forest plot of the coefficients by class, intercepts left out."""
    from logreg import plot

    rows = [row for row in coefficients.rows if row.term != "intercept"]
    groups = list(dict.fromkeys(row.group for row in rows))
    terms = list(dict.fromkeys(row.term for row in rows))
    if not rows or len(terms) > _MAX_PLOTTED_TERMS or len(groups) > _MAX_PLOTTED_GROUPS:
        return None
    cells = {(row.group, row.term): row.values for row in rows}

    def matrix(column: str) -> np.ndarray:
        return np.array(
            [[cells.get((g, t), {}).get(column, np.nan) for t in terms] for g in groups]
        )

    low, high = (
        (matrix("ci_low"), matrix("ci_high"))
        if coefficients.with_intervals
        else (None, None)
    )
    by_name = dict(zip(names, plot.class_colors(len(names)), strict=True))
    ax = plot.plot_coefficients(
        matrix("coef"),
        [printable(term) for term in terms],
        low,
        high,
        labels=None if groups == [None] else [printable(g) for g in groups],
        colors=None if groups == [None] else [by_name.get(g, "0.15") for g in groups],
        title=(
            "Coefficients with 95% confidence intervals"
            if coefficients.with_intervals
            else "Coefficients (no intervals available)"
        ),
    )
    caption = "Points are the estimates"
    if coefficients.with_intervals:
        caption += ", bars the 95% confidence intervals"
    caption += "; the intercepts are in the table only. Dashed: zero, no effect."
    return _png("fig-coefficients", "Coefficients", caption, ax.figure)


def _verbatim(text: str) -> str:
    """``text`` for a matplotlib label: a ``$`` must not start mathtext."""
    return printable(text).replace("$", r"\$")


# --------------------------------------------------------------------- HTML
def _e(text: Any) -> str:
    """``text`` escaped for HTML text and attribute values, control characters too."""
    return html.escape(printable(text), quote=True)


def _number(value: float | None, digits: int = 3) -> str:
    if value is None or not np.isfinite(value):
        return "n/a" if value is None or np.isnan(value) else f"{value}"
    if value != 0 and not 10.0**-digits <= abs(value) < 1e5:
        return f"{value:.{digits}g}"
    return f"{value:.{digits}f}"


def _p_value(value: float) -> str:
    return "&lt;0.001" if 0 <= value < 0.001 else _number(value)


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:_MAX_LISTED_CLASSES])
    return shown + (", …" if len(names) > _MAX_LISTED_CLASSES else "")


def _header(
    title: str,
    data_name: str | None,
    estimator: Any,
    metrics: dict[str, Any],
    n_features: int,
) -> str:
    names = metrics["classes"]
    data = [
        f"<strong>{_e(data_name)}</strong>" if data_name else "Data",
        f"{metrics['n_samples']:,} samples",
        f"{n_features} feature{'s' if n_features != 1 else ''}",
        f"{len(names)} classes ({_e(_listed(names))})",
    ]
    model = [f"<strong>{_e(type(estimator).__name__)}</strong>"]
    if hasattr(estimator, "C"):
        C = float(estimator.C)
        model.append("no penalty (C = ∞)" if np.isinf(C) else f"C = {C:g}")
    if hasattr(estimator, "solver_"):
        model.append(f"solver {_e(estimator.solver_)}")
    if hasattr(estimator, "n_iter_"):
        model.append(f"{int(np.max(estimator.n_iter_))} iterations")
    converged = getattr(estimator, "converged_", None)
    if converged is not None:
        model.append("converged" if converged else "did not converge")
    warning = ""
    if converged is False:
        warning = (
            '<p class="callout warn">The solver stopped at its iteration limit '
            "before converging: the coefficients may be far from the optimum.</p>"
        )
    return (
        f"<header>\n<h1>{_e(title)}</h1>\n"
        f'<p class="facts">{" · ".join(data)}</p>\n'
        f'<p class="facts">{" · ".join(model)}</p>\n{warning}</header>'
    )


def _card(label: str, value: str, hint: str) -> str:
    return (
        f'<div class="card"><div class="label">{label}</div>'
        f'<div class="value">{value}</div><div class="hint">{hint}</div></div>'
    )


def _cards(metrics: dict[str, Any]) -> str:
    n_samples = metrics["n_samples"]
    correct = sum(row[k] for k, row in enumerate(metrics["confusion_matrix"]))
    n_classes = len(metrics["classes"])
    auc = metrics["roc_auc"]
    cards = [
        _card(
            "Accuracy",
            f"{100 * metrics['accuracy']:.1f}%",
            f"{correct:,} of {n_samples:,} correct",
        ),
        _card(
            "Log loss",
            _number(metrics["log_loss"]),
            f"lower is better; a uniform guess scores {np.log(n_classes):.3f}",
        ),
        _card(
            "ROC AUC",
            _number(auc),
            "undefined: a class is missing from the data"
            if auc is None
            else "binary"
            if n_classes == 2
            else "one-vs-rest, macro average",
        ),
        _card("Macro F1", _number(metrics["macro_avg"]["f1"]), "mean F1 over classes"),
    ]
    return '<section id="summary" class="cards">\n' + "\n".join(cards) + "\n</section>"


def _table_row(cells: list[str] | str, width: int, tag: str = "td") -> str:
    """One row; a string instead of cells is a heading across the table."""
    if isinstance(cells, str):
        return f'<tr class="group"><th colspan="{width}">{cells}</th></tr>'
    # The first cell names the row: text, left-aligned; the others are numbers.
    return (
        f'<tr><{tag} class="text">{cells[0]}</{tag}>'
        + "".join(f"<{tag}>{cell}</{tag}>" for cell in cells[1:])
        + "</tr>"
    )


def _table(head: list[str], body: list[list[str] | str], classes: str = "") -> str:
    """An HTML table from cells that are already escaped."""
    header = _table_row(head, len(head), "th")
    rows = "\n".join(_table_row(row, len(head)) for row in body)
    return (
        f'<div class="scroll"><table class="{classes}">\n<thead>{header}'
        f"</thead>\n<tbody>\n{rows}\n</tbody>\n</table></div>"
    )


def _per_class_table(metrics: dict[str, Any]) -> str:
    body = [
        [
            _e(name),
            _number(row["precision"]),
            _number(row["recall"]),
            _number(row["f1"]),
            f"{row['support']:,}",
        ]
        for name, row in metrics["per_class"].items()
    ]
    n_samples = f"{metrics['n_samples']:,}"
    for label, key in (
        ("macro average", "macro_avg"),
        ("weighted average", "weighted_avg"),
    ):
        average = metrics[key]
        body.append(
            [
                f"<em>{label}</em>",
                _number(average["precision"]),
                _number(average["recall"]),
                _number(average["f1"]),
                n_samples,
            ]
        )
    return _table(["class", "precision", "recall", "F1", "support"], body, "numbers")


def _confusion_table(metrics: dict[str, Any]) -> str:
    names = [_e(name) for name in metrics["classes"]]
    body = []
    for name, row in zip(names, metrics["confusion_matrix"], strict=True):
        total = max(1, sum(row))
        cells = [f"<strong>{name}</strong>"]
        for count in row:
            share = count / total
            # Row share as shade, as in the figure; white text on dark cells.
            ink = "color:#fff;" if share > 0.55 else ""
            cells.append(
                f'<span class="cell" style="background:rgba(33,102,172,'
                f'{0.08 + 0.85 * share:.2f});{ink}">{count:,}</span>'
            )
        body.append(cells)
    head = ["true \\ predicted", *names]
    return _table(head, body, "numbers confusion")


def _top_confusions(metrics: dict[str, Any]) -> str:
    """The most frequent (true, predicted) pairs of different classes."""
    matrix = np.asarray(metrics["confusion_matrix"], dtype=np.int64)
    names = metrics["classes"]
    totals = np.maximum(matrix.sum(axis=1), 1)
    off = matrix.copy()
    np.fill_diagonal(off, 0)
    flat = np.flatnonzero(off)
    # Largest counts first; ties in (true, predicted) order, for a stable page.
    flat = flat[np.lexsort((flat, -off.ravel()[flat]))][:_TOP_CONFUSIONS]
    body = []
    for true, predicted in zip(*np.unravel_index(flat, off.shape), strict=True):
        count = int(off[true, predicted])
        body.append(
            [
                _e(names[true]),
                _e(names[predicted]),
                f"{count:,}",
                f"{count / totals[true]:.1%}",
            ]
        )
    head = ["true class", "predicted class", "count", "share of the true class"]
    if not body:
        return '<p class="small">No row was misclassified.</p>'
    return _table(head, body, "numbers")


def _metrics_section(metrics: dict[str, Any]) -> str:
    n_classes = len(metrics["classes"])
    if n_classes <= _MAX_CONFUSION_TABLE_CLASSES:
        confusion = (
            '<div class="panel"><h3>Confusion matrix</h3>\n'
            f"{_confusion_table(metrics)}\n"
            '<p class="small">Rows: true class; columns: predicted class.</p></div>\n'
        )
    else:
        confusion = (
            f'<div class="panel"><h3>Most frequent confusions</h3>\n'
            f"{_top_confusions(metrics)}\n"
            f'<p class="small">With {n_classes} classes the confusion matrix '
            f"has {n_classes**2:,} cells: here are the {_TOP_CONFUSIONS} largest "
            "off its diagonal; <code>logreg evaluate --json</code> gives every "
            "cell.</p></div>\n"
        )
    return (
        '<section id="metrics">\n<h2>Classification metrics</h2>\n'
        '<div class="columns">\n'
        f'<div class="panel"><h3>Per class</h3>\n{_per_class_table(metrics)}</div>\n'
        f"{confusion}"
        "</div>\n</section>"
    )


def _figure_html(figure: _Figure) -> str:
    data = base64.b64encode(figure.png).decode("ascii")
    return (
        f'<figure id="{figure.id}">\n'
        f'<img src="data:image/png;base64,{data}" alt="{_e(figure.title)}" '
        f'width="{figure.width}" height="{figure.height}">\n'
        f"<figcaption><strong>{_e(figure.title)}.</strong> {figure.caption}"
        "</figcaption>\n</figure>"
    )


def _figures_section(figures: list[_Figure]) -> str:
    return (
        '<section id="diagnostics">\n<h2>Diagnostics</h2>\n<div class="grid">\n'
        + "\n".join(_figure_html(figure) for figure in figures)
        + "\n</div>\n</section>"
    )


def _coefficient_cells(row: _CoefficientRow, columns: list[str]) -> list[str]:
    cells = [_e(row.term)]
    for column in columns:
        value = row.values.get(column, np.nan)
        cells.append(_p_value(value) if column == "p_value" else _number(value, 4))
    if any(c in row.values for c in _INTERVAL_COLUMNS):
        low, high = (row.values.get(c, np.nan) for c in _INTERVAL_COLUMNS)
        cells.append(f"[{_number(low, 4)}, {_number(high, 4)}]")
    return cells


def _coefficient_table(coefficients: _Coefficients) -> str:
    """Terms in rows; several classes get a heading row each.

    Point estimates alone, for several classes, fit in one column per class.
    """
    rows = coefficients.rows
    groups = list(dict.fromkeys(row.group for row in rows))
    if not coefficients.with_intervals and groups != [None]:
        terms = list(dict.fromkeys(row.term for row in rows))
        coef = {(row.group, row.term): row.values["coef"] for row in rows}
        body = [
            [_e(term), *(_number(coef.get((g, term), np.nan), 4) for g in groups)]
            for term in terms
        ]
        return _table(["term", *(_e(g) for g in groups)], body, "numbers")
    columns = [c for c in _TABLE_COLUMNS if any(c in row.values for row in rows)]
    head = ["term", *(_e(_TABLE_COLUMNS[c]) for c in columns)]
    if coefficients.with_intervals:
        head.append("95% CI")
    body: list[list[str] | str] = []
    for group in groups:
        if group is not None:
            body.append(_e(group))
        body += [_coefficient_cells(r, columns) for r in rows if r.group == group]
    return _table(head, body, "numbers")


def _coefficients_section(coefficients: _Coefficients, figure: _Figure | None) -> str:
    kind = "note" if coefficients.with_intervals else "callout"
    parts = [
        '<section id="coefficients">\n<h2>Coefficients</h2>',
        f'<p class="{kind}">{_e(coefficients.note)}</p>',
        '<div class="columns">',
    ]
    if figure is not None:
        parts.append(_figure_html(figure))
    else:
        parts[1] += (
            f'\n<p class="small">More than {_MAX_PLOTTED_TERMS} terms or '
            f"{_MAX_PLOTTED_GROUPS} classes: the coefficients are in the table "
            "only.</p>"
        )
    parts += [
        f'<div class="panel">{_coefficient_table(coefficients)}</div>',
        "</div>\n</section>",
    ]
    return "\n".join(parts)


def _footer() -> str:
    from logreg._version import __version__

    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"<footer>Generated by logreg {_e(__version__)} on {stamp}. This file is "
        "self-contained: the figures are embedded and nothing is loaded from "
        "the network.</footer>"
    )


_CSS = """
:root {
  --ink: #1f2328; --muted: #59636e; --line: #d8dee4; --paper: #f5f7fa;
  --card: #ffffff; --accent: #2166ac;
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--paper); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
    Arial, sans-serif;
}
main { max-width: 1200px; margin: 0 auto; padding: 32px 24px 40px; }
header h1 { margin: 0 0 6px; font-size: 28px; letter-spacing: -0.01em; }
.facts { margin: 2px 0; color: var(--muted); }
.facts strong { color: var(--ink); }
h2 {
  margin: 36px 0 14px; padding-bottom: 6px; font-size: 20px;
  border-bottom: 1px solid var(--line);
}
h3 { margin: 0 0 10px; font-size: 15px; }
.cards {
  display: grid; gap: 14px; margin-top: 24px;
  grid-template-columns: repeat(auto-fit, minmax(min(200px, 100%), 1fr));
}
.card, .panel, figure {
  background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  box-shadow: 0 1px 2px rgba(31, 35, 40, 0.04);
}
.card { padding: 14px 18px; border-top: 3px solid var(--accent); }
.card .label {
  font-size: 12px; font-weight: 600; letter-spacing: 0.06em;
  text-transform: uppercase; color: var(--muted);
}
.card .value {
  font-size: 30px; font-weight: 650; font-variant-numeric: tabular-nums;
  line-height: 1.3;
}
.card .hint, .small { font-size: 12.5px; color: var(--muted); }
.panel { padding: 16px 18px; }
.columns {
  display: grid; gap: 16px; align-items: start;
  grid-template-columns: repeat(auto-fit, minmax(min(440px, 100%), 1fr));
}
.grid {
  display: grid; gap: 16px; align-items: start;
  grid-template-columns: repeat(auto-fill, minmax(min(440px, 100%), 1fr));
}
figure { margin: 0; padding: 12px 12px 10px; }
figure img { display: block; width: 100%; height: auto; }
figcaption {
  margin: 8px 4px 0; font-size: 13px; line-height: 1.45; color: var(--muted);
}
figcaption strong { color: var(--ink); }
.scroll { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-size: 14px; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); }
thead th {
  font-size: 13px; font-weight: 600; color: var(--muted); text-align: right;
  white-space: nowrap; border-bottom: 2px solid var(--line);
}
tbody tr:last-child td { border-bottom: none; }
table.numbers td {
  text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap;
}
table.numbers .text { text-align: left; white-space: normal; }
tr.group th {
  padding-top: 14px; text-align: left; font-size: 14px; font-weight: 600;
  border-bottom: 1px solid var(--line);
}
table.confusion td { padding: 3px 4px; }
table.confusion td.text { padding-right: 12px; }
.cell {
  display: block; padding: 6px 10px; border-radius: 4px; text-align: center;
}
em { color: var(--muted); }
.callout, .note {
  margin: 0 0 14px; padding: 10px 14px; border-radius: 8px; font-size: 14px;
}
.callout { background: #fff8e1; border: 1px solid #f1d48a; }
.callout.warn { background: #fdecea; border-color: #f2b8b5; margin-top: 12px; }
.note { background: #eef4fb; border: 1px solid #c9dcf0; }
footer {
  margin-top: 40px; padding-top: 12px; border-top: 1px solid var(--line);
  font-size: 12.5px; color: var(--muted);
}
@media print {
  body { background: #fff; }
  .card, .panel, figure { break-inside: avoid; box-shadow: none; }
}
"""

#: Nothing but inline styles and data: images may load; no script may run.
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _page(title: str, sections: list[str]) -> str:
    from logreg._version import __version__

    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta name="generator" content="logreg {_e(__version__)}">',
            f"<title>{_e(title)}</title>",
            '<link rel="icon" href="data:,">',
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            "<main>",
            *sections,
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )


# ------------------------------------------------------------------- public
def build_report(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    feature_names: Sequence[Any] | None = None,
    title: str = "logreg report",
    data_name: str | None = None,
    coefficient_table: pd.DataFrame | None = None,
) -> str:
    """One self-contained HTML page describing a fitted model on labelled data.

    The page holds the metrics of :func:`evaluation_metrics` (cards and
    tables), ROC and precision-recall curves (one per class, one-vs-rest,
    for more than two classes), a calibration plot, the confusion matrix,
    the training loss curve (``estimator.loss_curve_``), the decision
    boundary when there are exactly two features, and the coefficients. The
    figures are PNGs embedded in the page; it loads nothing else.

    Parameters
    ----------
    estimator : fitted LogisticRegression
        Needs ``classes_``, ``coef_``, ``intercept_``, ``predict`` and
        ``predict_proba``; ``loss_curve_``, ``solver_``, ``n_iter_``,
        ``converged_`` and ``C`` are shown when present.
    X : array-like of shape (n_samples, n_features)
        Features to evaluate on.
    y : array-like of shape (n_samples,)
        True labels, each one of ``estimator.classes_``.
    feature_names : sequence of str, optional
        Names of the features; default ``estimator.feature_names_in_``, else
        ``x0, x1, ...``.
    title : str, default="logreg report"
        Page title and heading.
    data_name : str, optional
        Name of the data set (such as its file name), shown under the title.
    coefficient_table : pandas.DataFrame, optional
        ``estimator.summary(alpha=0.05).to_frame()``: indexed by term, or by
        ``(class, term)`` for a multinomial model, with columns ``coef``,
        ``std_err``, ``z``, ``p_value``, ``ci_low``, ``ci_high``. Without it
        the page shows ``coef_`` and ``intercept_`` and says that the
        confidence intervals are missing.

    Returns
    -------
    str
        The HTML text; save it with :func:`write_report`.

    Raises
    ------
    ValueError
        For bad labels (see :func:`evaluation_metrics`), a wrong number of
        ``feature_names``, or a ``coefficient_table`` without the columns
        ``coef``, ``ci_low`` and ``ci_high``.
    ImportError
        When matplotlib is not installed (``pip install "logreg[plot]"``).
    """
    from matplotlib import rc_context

    from logreg.plot import require_matplotlib

    require_matplotlib()
    evaluation = _evaluate(estimator, X, y)
    metrics = _metrics(evaluation)
    features = _feature_names(estimator, feature_names)
    names = metrics["classes"]
    coefficients = _coefficients(estimator, features, names, coefficient_table)
    with rc_context(_FIGURE_STYLE):
        figures = _curve_figures(evaluation, metrics)
        if len(features) == 2:
            figures.append(_boundary_figure(estimator, X, evaluation, features))
        loss = _loss_figure(estimator)
        figures += [] if loss is None else [loss]
        coefficient_plot = _coefficient_figure(coefficients, names)
    return _page(
        title,
        [
            _header(title, data_name, estimator, metrics, len(features)),
            _cards(metrics),
            _metrics_section(metrics),
            _figures_section(figures),
            _coefficients_section(coefficients, coefficient_plot),
            _footer(),
        ],
    )


def write_report(html_text: str, path: str | os.PathLike[str]) -> Path:
    """Write the report atomically: a reader sees the old file or the new one.

    The text goes to a temporary file in the same directory (see
    :func:`logreg.data.write.reserve_temporary`), which then replaces ``path``
    with :func:`os.replace` (atomic on one file system).

    Parameters
    ----------
    html_text : str
        The page, from :func:`build_report`.
    path : str or os.PathLike
        Where to write it (UTF-8); its directory must exist.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    from logreg.data.write import reserve_temporary

    path = Path(path)
    temporary = reserve_temporary(path)
    try:
        with open(temporary, "w", encoding="utf-8", newline="\n") as file:
            file.write(html_text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return path
