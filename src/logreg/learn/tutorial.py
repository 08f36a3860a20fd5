"""The article's recipe beside the corrected run: ``logreg demo --tutorial``.

:func:`tutorial_runs` trains on the article's data (its ``make_blobs`` and
split, seeded) twice from one start: with the article's code
(:mod:`logreg.learn.article`: W gradient summed, learning rate 0.0002, 26
epochs, clips) and with the library's gradient descent on the mean
log-loss. :func:`tutorial_notes` says what each of the four differences
does to the numbers; :func:`run_tutorial` prints it all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sklearn.datasets import make_blobs
from sklearn.model_selection import train_test_split

from logreg.learn.article import (
    ARTICLE_EPOCHS,
    ARTICLE_LR,
    ARTICLE_PRINT_EVERY,
    CENTRE_SEEDS,
    PROBABILITY_FLOOR,
    Z_CLIP,
    ArticleEpoch,
    article_loss,
    article_run,
    article_sigmoid,
    close_centres,
)
from logreg.learn.race import newton_optimum
from logreg.learn.replay import Snapshot, descend, mean_log_loss

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["TutorialResult", "run_tutorial", "tutorial_notes", "tutorial_runs"]


@dataclass(frozen=True)
class TutorialResult:
    """Both runs of :func:`run_tutorial` and the numbers its notes quote.

    Attributes
    ----------
    article : list of ArticleEpoch
        Epochs 0..25 of the article's run.
    corrected : list of Snapshot
        Epochs 0..26 of logreg's gradient descent on the mean loss.
    corrected_lr : float
        Its learning rate, ``0.0002 * n_train``.
    article_test : tuple of float
        The article's test loss and accuracy (in [0, 1]).
    corrected_test : tuple of float
        The corrected run's test loss and accuracy.
    slow_loss : float
        The loss after 26 epochs of the mean gradient at 0.0002.
    minimum : tuple of float or None
        The optimum's intercept and loss, when there is one.
    exact_losses : ndarray of shape (26,)
        The exact mean log-loss at each of the article's epochs.
    centres : ndarray of shape (2, 2)
        The blob centres.
    """

    article: list[ArticleEpoch]
    corrected: list[Snapshot]
    corrected_lr: float
    article_test: tuple[float, float]
    corrected_test: tuple[float, float]
    slow_loss: float
    minimum: tuple[float, float] | None
    exact_losses: np.ndarray
    centres: np.ndarray


def _data(samples: int, std: float, seed: int):
    """The article's data, split and start, every draw seeded by ``seed``."""
    X, y, centres = make_blobs(
        n_samples=samples,
        n_features=2,
        centers=2,
        cluster_std=std,
        random_state=seed,
        return_centers=True,
    )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=seed
    )
    rng = np.random.RandomState(seed)
    W = rng.randn(2, 1)[:, 0]
    b = float(rng.randn())
    return X_train, X_test, y_train, y_test, W, b, centres


def tutorial_runs(
    samples: int = 500, std: float = 2.0, seed: int = 0
) -> TutorialResult:
    """Run the article's recipe and the corrected one on the article's data.

    The data are ``make_blobs(samples, 2 features, centers=2, cluster_std=std,
    random_state=seed)``, split by ``train_test_split(test_size=0.2,
    random_state=seed)``; the start is ``W = randn(2, 1)``, ``b = randn()``
    from ``np.random.RandomState(seed)``: the article's calls, seeded. The
    article's run is :func:`article_run` (0.0002, 26 epochs). The corrected
    run is the library's gradient descent on the mean log-loss from the
    same start for 26 epochs, with the learning rate ``0.0002 * n_train``
    that the article's summed W gradient amounts to, for W and b alike.

    Parameters
    ----------
    samples : int, default=500
    std : float, default=2.0
    seed : int, default=0

    Returns
    -------
    TutorialResult
    """
    X_train, X_test, y_train, y_test, W, b, centres = _data(samples, std, seed)
    article, W_end, b_end = article_run(X_train, y_train, W, b)
    y_pred, _ = article_sigmoid(X_test.dot(W_end) + b_end)
    y_col = y_test.reshape(-1, 1)
    # The article's accuracy: 100 - mean |round(p) - y| * 100, as a fraction.
    article_accuracy = 1 - float(np.mean(np.fabs(np.round(y_pred) - y_col)))
    article_test = (article_loss(y_pred, y_col)[0], article_accuracy)

    objective = mean_log_loss(X_train, y_train, 2)
    w0 = objective.pack(W, b)
    lr = ARTICLE_LR * len(y_train)
    corrected = descend(objective, w0, lr, ARTICLE_EPOCHS).snapshots
    final = corrected[-1]
    test_objective = mean_log_loss(X_test, y_test, 2)
    z_test = X_test @ final.coef[0] + final.intercept[0]
    corrected_test = (
        test_objective.value(objective.pack(final.coef, final.intercept)),
        float(np.mean((z_test > 0) == (y_test == 1))),
    )
    slow = descend(objective, w0, ARTICLE_LR, ARTICLE_EPOCHS).losses[-1]
    optimum = newton_optimum(objective, w0, X_train, y_train)
    minimum = None
    if optimum is not None:
        minimum = (float(optimum[-1]), objective.value(optimum))
    exact = np.array(
        [objective.value(objective.pack(e.coef, e.intercept)) for e in article]
    )
    return TutorialResult(
        article=article,
        corrected=corrected,
        corrected_lr=lr,
        article_test=article_test,
        corrected_test=corrected_test,
        slow_loss=float(slow),
        minimum=minimum,
        exact_losses=exact,
        centres=centres,
    )


def _vector(values) -> str:
    return "[" + ", ".join(f"{v: .4f}" for v in values) + "]"


def _table(result: TutorialResult):
    from rich.table import Table

    table = Table(
        "epoch",
        "W",
        "b",
        "loss",
        "W",
        "b",
        "loss",
        title=(
            f"The article (W gradient summed, lr {ARTICLE_LR:g})  |  logreg "
            f"(mean gradient, lr {result.corrected_lr:g})"
        ),
    )
    for epoch in range(0, ARTICLE_EPOCHS, ARTICLE_PRINT_EVERY):
        old, new = result.article[epoch], result.corrected[epoch]
        table.add_row(
            str(epoch),
            _vector(old.coef),
            f"{old.intercept: .4f}",
            f"{old.loss:.4f}",
            _vector(new.coef[0]),
            f"{new.intercept[0]: .4f}",
            f"{new.loss:.4f}",
        )
    return table


def tutorial_notes(result: TutorialResult, std: float, seed: int) -> list[str]:
    """What each of the four differences does to this run's numbers.

    Parameters
    ----------
    result : TutorialResult
    std : float
        The blobs' standard deviation.
    seed : int

    Returns
    -------
    list of str
        Four paragraphs: gradient, learning rate, clips, blob centres.
    """
    n = round(result.corrected_lr / ARTICLE_LR)
    start, last = result.article[0], result.article[-1]
    end = result.corrected[-1]
    optimum = ""
    if result.minimum is not None:
        optimum = f" (the optimum's b is {result.minimum[0]:.4f})"
    notes = [
        f"1. The gradient. The article sums the W gradient over the {n} rows, "
        "X^T (p - y), but averages the b gradient, mean(p - y). So W moves "
        f"as if its learning rate were {n} x {ARTICLE_LR:g} = "
        f"{result.corrected_lr:g}, and b with {ARTICLE_LR:g}: in "
        f"{ARTICLE_EPOCHS - 1} epochs the article's b went from "
        f"{start.intercept:.4f} to {last.intercept:.4f}; the corrected run, "
        f"which steps both with {result.corrected_lr:g} on the mean "
        f"gradient, moved it to {result.corrected[-2].intercept[0]:.4f}{optimum}."
    ]
    minimum = ""
    if result.minimum is not None:
        minimum = f" (the minimum is {result.minimum[1]:.4f})"
    notes.append(
        f"2. The learning rate. {ARTICLE_LR:g} works only because of that sum. "
        f"On the mean gradient, as logreg computes it, {ARTICLE_LR:g} leaves the "
        f"loss at {result.slow_loss:.4f} after {ARTICLE_EPOCHS} epochs (from "
        f"{start.loss:.4f}); {result.corrected_lr:g} = {ARTICLE_LR:g} x {n}, the "
        f"step the article's W really took, reaches {end.loss:.4f}{minimum}."
    )
    clipped = sum(e.z_clipped for e in result.article)
    floored = sum(e.floored for e in result.article)
    largest = max(e.max_abs_z for e in result.article)
    gap = float(
        np.max(np.abs(np.array([e.loss for e in result.article]) - result.exact_losses))
    )
    notes.append(
        f"3. The clips. The article clips z to [-{Z_CLIP:g}, {Z_CLIP:g}] before "
        "its sigmoid and floors each probability at 1e-7 in "
        f"its loss, so a floored term counts -log(1e-7) = "
        f"{-np.log(PROBABILITY_FLOOR):.1f} however wrong the point is. logreg's "
        "sigmoid (exp(-|z|), split by sign) and loss (log(1 + e^z) - y z, by "
        "logaddexp) are exact for every z and need neither. In this run z was "
        f"clipped {clipped} times and a probability floored {floored} times "
        f"(largest |z|: {largest:.1f}); the article's losses differ from the "
        f"exact ones by at most {gap:.1e}."
    )
    from scipy.stats import norm

    distance = float(np.linalg.norm(result.centres[0] - result.centres[1]))
    best = float(norm.cdf(distance / (2 * std)))
    close = close_centres(std)
    notes.append(
        "4. The blobs. The article draws both centres uniformly in the box "
        f"[-10, 10]^2. With seed {seed} they are {distance:.1f} apart, so no "
        f"boundary classifies more than {100 * best:.1f}% of the points right "
        f"(Phi(d / 2 std)). Over seeds 0-{CENTRE_SEEDS - 1}, {close} put them "
        f"closer than 2 std = {2 * std:g}, where the best is below 84.1%. "
        "logreg demo places the centres 8 apart for every seed."
    )
    return notes


def run_tutorial(
    console: Console, samples: int = 500, std: float = 2.0, seed: int = 0
) -> TutorialResult:
    """Print the article's run beside the corrected one, and the differences.

    Parameters
    ----------
    console : rich Console
        Where to print.
    samples : int, default=500
        Points (the article's M).
    std : float, default=2.0
        The blobs' standard deviation (the article's cluster_std).
    seed : int, default=0
        Seed of the data, the split and the start.

    Returns
    -------
    TutorialResult
    """
    if not (isinstance(samples, int) and samples >= 10):
        raise ValueError(f"samples must be an integer >= 10; got {samples!r}")
    if not (isinstance(std, (int, float)) and 0 < std < np.inf):
        raise ValueError(f"std must be a finite number > 0; got {std!r}")
    if not (isinstance(seed, int) and 0 <= seed < 2**32):
        raise ValueError(f"seed must be an integer from 0 to 2**32 - 1; got {seed!r}")
    result = tutorial_runs(samples, std, seed)
    n_train = round(result.corrected_lr / ARTICLE_LR)
    console.rule("logreg demo --tutorial: the article's recipe, then corrected")
    console.print(
        f"Data: the article's make_blobs({samples} points, centers=2, "
        f"cluster_std={std:g}), seed {seed}; {n_train} training rows, "
        f"{samples - n_train} test rows",
        highlight=False,
    )
    start = result.article[0]
    console.print(
        f"Start (both runs): W = {_vector(start.coef)}, b = {start.intercept:.4f}",
        highlight=False,
    )
    console.print(_table(result))
    for name, (loss, accuracy) in (
        ("The article", result.article_test),
        ("logreg", result.corrected_test),
    ):
        console.print(
            f"{name}: test loss {loss:.4f}, accuracy {100 * accuracy:.1f}%",
            highlight=False,
        )
    console.print("What differs, and what it does here:", highlight=False)
    for note in tutorial_notes(result, std, seed):
        console.print(note, highlight=False, markup=False)
    return result
