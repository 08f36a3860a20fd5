"""Command line: ``logreg <command> [options]`` (also ``python -m logreg``).

A thin wrapper over library functions (:mod:`logreg.demo`,
:mod:`logreg.cli.commands`): it parses the arguments and prints the results.
Exit codes: 0 on success, 2 on bad input or any other failure (one line on
stderr starting with ``logreg: error:``, never a traceback), 130 after
Ctrl-C and 128 + n after signal n (SIGTERM, SIGHUP); :mod:`logreg.cli.errors`
is the one outer handler. The library's warnings (no convergence,
separation) become one ``logreg: warning:`` line each; notes about the data
(unseen categories) one ``logreg: note:`` line. Progress spinners appear on
stderr only when it is a terminal. Every printed line goes through
:func:`~logreg.cli.errors.printable`: names and levels from the data cannot
send escape sequences to the terminal. Tables are aligned plain text off a
terminal (never cut to a width), and boxed by rich on one where they fit.

Longer than 600 lines: one parser and one printer per command (six commands),
each small; splitting them apart would scatter the options a user reads
together in ``--help``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NoReturn

from logreg.cli import errors
from logreg.cli.errors import EXIT_OK, EXIT_USAGE, PROG, display_width, printable
from logreg.demo import DEFAULT_EPOCHS, DEFAULT_LR, run_demo
from logreg.learn.article import ARTICLE_EPOCHS, ARTICLE_LR

__all__ = ["main"]

#: The confusion matrix is boxed by rich on a terminal up to this many classes
#: (and only where it fits the width); beyond, it is plain aligned text.
_MAX_BOXED_CLASSES = 30
_RICH_HINT = 'the command line prints with rich: pip install "logreg[cli]"'
#: ``fit`` options passed to LogisticRegression when given (else its defaults).
_ESTIMATOR_OPTIONS = (
    "C",
    "l1_ratio",
    "solver",
    "max_iter",
    "tol",
    "class_weight",
    "random_state",
)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, like the others."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=(
            "Logistic regression from first principles: scikit-learn's "
            "answers, statsmodels' statistics, pictures."
        ),
        epilog="Run 'logreg <command> --help' for a command's options.",
    )
    from logreg._version import __version__

    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    commands = parser.add_subparsers(
        title="commands", dest="command", metavar="<command>", required=True
    )
    demo = commands.add_parser(
        "demo",
        help="the tutorial end to end: blobs, gradient descent, plots, accuracy",
        description=(
            "Generate Gaussian blobs with two features, split them 80/20, start "
            "from a random W and b, and run full-batch gradient descent on the "
            "mean log-loss with a fixed learning rate, printing W, b and the "
            "loss every few epochs. Writes pictures of the data, the decision "
            "boundary moving, the loss curve and an animated GIF, then prints "
            "the test loss and accuracy. The same seed gives the same numbers. "
            "--html adds an interactive page to replay and explore the run; "
            "--tutorial runs the original article's recipe instead, beside "
            "the corrected one."
        ),
    )
    demo.add_argument(
        "--samples",
        type=int,
        default=500,
        help="number of points (default: %(default)s)",
    )
    demo.add_argument(
        "--std",
        type=float,
        default=2.0,
        help="standard deviation of each blob (default: %(default)s)",
    )
    demo.add_argument(
        "--classes",
        type=int,
        default=2,
        help="number of classes, 2 to 10; more than 2 shows softmax regression "
        "(default: %(default)s)",
    )
    demo.add_argument(
        "--lr",
        type=float,
        default=DEFAULT_LR,
        help="learning rate of gradient descent (default: %(default)s)",
    )
    demo.add_argument(
        "--epochs",
        type=int,
        default=DEFAULT_EPOCHS,
        help="gradient descent steps (default: %(default)s)",
    )
    demo.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the data, split and starting point (default: %(default)s)",
    )
    demo.add_argument(
        "--out",
        default="demo-output",
        help="folder for the pictures and the GIF (default: %(default)s)",
    )
    demo.add_argument(
        "--no-plots",
        dest="plots",
        action="store_false",
        help="print only; write no pictures",
    )
    mode = demo.add_mutually_exclusive_group()
    mode.add_argument(
        "--html",
        action="store_true",
        help="also write OUT/playground.html: one self-contained page to replay "
        "the training epoch by epoch, see one point's numbers, switch learning "
        "rates and race gradient descent, momentum and Newton",
    )
    mode.add_argument(
        "--tutorial",
        action="store_true",
        help="run the article's exact recipe (W gradient summed, learning rate "
        f"{ARTICLE_LR:g}, {ARTICLE_EPOCHS} epochs, clips) beside the corrected "
        "run, and say what each difference does; uses --samples, --std and "
        "--seed, prints only",
    )
    demo.set_defaults(handler=_demo)
    _add_fit(commands)
    _add_predict(commands)
    _add_evaluate(commands)
    _add_summary(commands)
    _add_report(commands)
    return parser


def _add_fit(commands: Any) -> None:
    from logreg import LogisticRegression
    from logreg.data.read import DEFAULT_BATCH_ROWS
    from logreg.solvers import SOLVERS

    default = LogisticRegression().get_params()

    fit = commands.add_parser(
        "fit",
        help="fit a model on a CSV or Parquet file and save it",
        description=(
            "Read DATA, encode its columns (numbers and booleans standardised, "
            "strings one-hot encoded), fit a logistic regression and save it "
            "with its encoder to MODEL (JSON, no pickle)."
        ),
    )
    fit.add_argument("data", metavar="DATA", help="a .csv(.gz), .tsv(.gz) or .parquet")
    fit.add_argument(
        "--target", metavar="COL", help="label column (or the formula's left side)"
    )
    fit.add_argument(
        "--formula",
        metavar="FORMULA",
        help=(
            "a model formula such as 'default ~ student + balance + C(region)' "
            "(R's and statsmodels' syntax, by formulaic): the file is read into "
            "memory and the formula makes the features, instead of the column "
            "encoder (--exclude, --reference, --no-standardize, --stream)"
        ),
    )
    fit.add_argument("--model", required=True, metavar="MODEL", help="file to write")
    fit.add_argument(
        "--exclude",
        action="extend",
        nargs="+",
        default=[],
        metavar="COL",
        help="columns that are not features (identifiers, dates, ...)",
    )
    fit.add_argument(
        "--no-standardize",
        dest="standardize",
        action="store_false",
        help="keep numeric features in their own units",
    )
    fit.add_argument(
        "--drop-missing",
        action="store_true",
        help="drop rows with a missing value instead of failing",
    )
    fit.add_argument(
        "--reference",
        action="extend",
        nargs="+",
        type=_reference_level,
        default=[],
        metavar="COL=LEVEL",
        help=(
            "the level of a string column that gets no indicator (its "
            "coefficients are against it); by default the first level in "
            "sorted order of each string column when --C inf, none otherwise"
        ),
    )
    fit.add_argument(
        "--C",
        dest="C",
        type=float,
        help=f"inverse penalty strength, inf for none (default: {default['C']})",
    )
    fit.add_argument(
        "--l1-ratio",
        type=float,
        help=f"elastic-net mix, 0 for L2, 1 for L1 (default: {default['l1_ratio']})",
    )
    fit.add_argument(
        "--solver",
        choices=["auto", *SOLVERS],
        help=f"optimiser (default: {default['solver']})",
    )
    fit.add_argument(
        "--max-iter",
        type=_int_at_least(0),
        help="solver iterations (default: per solver)",
    )
    fit.add_argument(
        "--tol", type=float, help=f"convergence tolerance (default: {default['tol']})"
    )
    fit.add_argument(
        "--class-weight",
        choices=["balanced"],
        help="weight classes inversely to their frequency",
    )
    fit.add_argument(
        "--random-state", type=_int_at_least(0), help="seed of the sgd solver"
    )
    fit.add_argument(
        "--stream",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="read DATA from disk on every solver pass, in batches, so files "
        "larger than memory fit (default: for files holding over 512 MiB once "
        "decompressed, and when the encoded rows would not fit in memory)",
    )
    fit.add_argument(
        "--batch-rows",
        type=_int_at_least(1),
        help=f"rows per batch when streaming (default: {DEFAULT_BATCH_ROWS}, "
        "fewer if a batch would not fit in memory)",
    )
    fit.set_defaults(handler=_fit)


def _add_predict(commands: Any) -> None:
    from logreg.data.read import DEFAULT_BATCH_ROWS

    predict = commands.add_parser(
        "predict",
        help="predict the rows of a data file, streaming it in batches",
        description=(
            "Write the predicted class (column 'prediction') and one probability "
            "column per class ('proba_<class>') for every row of DATA. The file "
            "is streamed in batches, so files larger than memory work."
        ),
    )
    predict.add_argument("model", metavar="MODEL", help="written by 'logreg fit'")
    predict.add_argument(
        "data", metavar="DATA", help="a .csv(.gz), .tsv(.gz), .parquet"
    )
    predict.add_argument(
        "--out", required=True, help="predictions file: .csv(.gz), .tsv(.gz), .parquet"
    )
    predict.add_argument(
        "--id", dest="id_column", metavar="COL", help="a column to copy to --out"
    )
    predict.add_argument(
        "--batch-rows",
        type=_int_at_least(1),
        help=f"rows per batch (default: {DEFAULT_BATCH_ROWS}, fewer if a batch "
        "would not fit in memory)",
    )
    predict.add_argument(
        "--drop-missing",
        action="store_true",
        help="skip rows with a missing value instead of failing",
    )
    predict.set_defaults(handler=_predict)


def _add_labelled_data(parser: argparse.ArgumentParser) -> None:
    """The arguments of commands that read a model and labelled data."""
    parser.add_argument("model", metavar="MODEL", help="written by 'logreg fit'")
    parser.add_argument("data", metavar="DATA", help="a .csv(.gz), .tsv(.gz), .parquet")
    parser.add_argument(
        "--target",
        metavar="COL",
        help="label column (default: the one the model was fitted with)",
    )
    parser.add_argument(
        "--drop-missing",
        action="store_true",
        help="leave out rows with a missing value instead of failing",
    )


def _add_evaluate(commands: Any) -> None:
    evaluate = commands.add_parser(
        "evaluate",
        help="accuracy, log loss, ROC AUC, per-class scores, confusion matrix",
        description="Evaluate a saved model on labelled data.",
    )
    _add_labelled_data(evaluate)
    evaluate.add_argument(
        "--json", action="store_true", help="print one JSON object instead"
    )
    evaluate.set_defaults(handler=_evaluate)


def _add_summary(commands: Any) -> None:
    from logreg.stats import COV_TYPES

    summary = commands.add_parser(
        "summary",
        help="coefficient table with standard errors, like statsmodels",
        description=(
            "Print the model's coefficients with standard errors, z, p-values "
            "and confidence intervals, and the fit statistics."
        ),
    )
    summary.add_argument("model", metavar="MODEL", help="a model file")
    summary.add_argument(
        "--alpha",
        type=float,
        default=0.05,
        help="intervals are 1 - alpha (default: %(default)s)",
    )
    summary.add_argument(
        "--cov-type",
        choices=COV_TYPES,
        default="nonrobust",
        help="covariance of the estimates (default: %(default)s)",
    )
    summary.add_argument(
        "--original-scale",
        action="store_true",
        help="also show the coefficients per unit of each numeric column",
    )
    summary.add_argument(
        "--odds-ratios",
        action="store_true",
        help="also show the odds ratios exp(coef) with their intervals",
    )
    summary.set_defaults(handler=_summary)


def _add_report(commands: Any) -> None:
    report = commands.add_parser(
        "report",
        help="a self-contained HTML report of a model on labelled data",
        description=(
            "Write one HTML page with the metrics, ROC and precision-recall "
            "curves, calibration, confusion matrix, loss curve and coefficients."
        ),
    )
    _add_labelled_data(report)
    report.add_argument("--out", required=True, help="the .html file to write")
    report.add_argument(
        "--title", default="logreg report", help="page title (default: %(default)s)"
    )
    report.set_defaults(handler=_report)


def _demo(args: argparse.Namespace) -> int:
    from logreg.cli.memory import available_memory, dense_bytes, rows_that_fit

    # The demo holds its points, their scores and probabilities per class:
    # about the dense arrays of a fit on two features.
    budget = available_memory()
    if budget is not None and dense_bytes(args.samples, 2, args.classes) > budget:
        most = rows_that_fit(2, args.classes, budget)
        raise ValueError(
            f"--samples {args.samples:,} would not fit in the memory available "
            f"here; at most about {most:,} would"
        )
    if args.tutorial:
        fixed = {
            "--classes": args.classes != 2,
            "--lr": args.lr != DEFAULT_LR,
            "--epochs": args.epochs != DEFAULT_EPOCHS,
        }
        given = [name for name, changed in fixed.items() if changed]
        if given:
            raise ValueError(
                f"--tutorial runs the article's fixed recipe (2 classes, learning "
                f"rate {ARTICLE_LR:g}, {ARTICLE_EPOCHS} epochs); drop "
                + ", ".join(given)
            )
        from logreg.learn.tutorial import run_tutorial

        run_tutorial(_console(), samples=args.samples, std=args.std, seed=args.seed)
        return EXIT_OK
    run_demo(
        samples=args.samples,
        std=args.std,
        classes=args.classes,
        lr=args.lr,
        epochs=args.epochs,
        seed=args.seed,
        out=args.out,
        plots=args.plots,
        html=args.html,
    )
    return EXIT_OK


# -------------------------------------------------------------- printing
def _print(text: Any = "") -> None:
    """Print ``text`` to stdout with every line :func:`printable`."""
    print(errors.printable_lines(str(text)))


def _note(text: str) -> None:
    print(printable(f"{PROG}: note: {text}"), file=sys.stderr)


def _unseen_note(unseen_counts: Mapping[str, int]) -> None:
    """One line about categories the model never saw, if there were any."""
    if unseen_counts:
        counts = ", ".join(
            f"{name!r} in {count:,} row{'s' if count != 1 else ''}"
            for name, count in unseen_counts.items()
        )
        _note(f"categories unseen at fit (encoded as all-zero indicators): {counts}")


def _facts(rows: Sequence[tuple[str, str]]) -> None:
    """Print ``label  value`` lines with the values aligned."""
    rows = [(printable(label), printable(value)) for label, value in rows]
    width = max(display_width(label) for label, _ in rows) + 2
    for label, value in rows:
        print(label + " " * (width - display_width(label)) + value)


def _listed(names: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def _rows_phrase(n_used: int, n_dropped: int) -> str:
    dropped = f", {n_dropped:,} dropped for missing values" if n_dropped else ""
    return f"{n_used:,} rows{dropped}"


def _console(stderr: bool = False) -> Any:
    try:
        from rich.console import Console
    except ImportError as error:
        raise ImportError(_RICH_HINT) from error
    return Console(stderr=stderr, highlight=False)


@contextlib.contextmanager
def _status(message: str) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr, when it is a terminal; yields a function to relabel it."""
    if not sys.stderr.isatty():
        yield lambda _: None
        return
    with _console(stderr=True).status(message) as status:
        yield lambda text: status.update(f"{message}: {text}")


def _int_at_least(low: int) -> Callable[[str], int]:
    """An argparse type: an int ``>= low``; argparse names the option if not."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected an integer, got {text!r}"
            ) from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    return parse


def _reference_level(text: str) -> tuple[str, str]:
    """``COL=LEVEL`` as ``(column, level)``; argparse reports a bad one."""
    column, equals, level = text.partition("=")
    if not equals or not column:
        raise argparse.ArgumentTypeError(f"expected COL=LEVEL, got {text!r}")
    return column, level


# -------------------------------------------------------------- commands
def _fit(args: argparse.Namespace) -> int:
    from logreg.cli.commands import fit_model

    given = {name: getattr(args, name) for name in _ESTIMATOR_OPTIONS}
    if args.formula is not None:
        encoder_options = {
            "--exclude": bool(args.exclude),
            "--reference": bool(args.reference),
            "--no-standardize": not args.standardize,
        }
        clashing = [option for option, used in encoder_options.items() if used]
        if clashing:
            raise ValueError(
                f"{', '.join(clashing)}: an option of the column encoder, which "
                "a formula replaces; write C(col, contr.treatment('level')) or "
                "scale(col) in the formula instead"
            )
    elif args.target is None:
        raise ValueError("give the label column with --target (or a --formula)")
    with _status("logreg fit") as update:
        result = fit_model(
            args.data,
            args.model,
            target=args.target,
            formula=args.formula,
            exclude=args.exclude,
            standardize=args.standardize,
            drop_missing=args.drop_missing,
            reference=dict(args.reference) if args.reference else "auto",
            estimator_params={k: v for k, v in given.items() if v is not None},
            stream=args.stream,
            batch_rows=args.batch_rows,
            on_step=update,
        )
    for note in result.notes:
        _note(note)
    estimator, encoder = result.estimator, result.encoder
    features = encoder.feature_names_out
    rows = _rows_phrase(result.n_rows_used, result.n_rows_dropped)
    convergence = "converged" if estimator.converged_ else "did not converge"
    _facts(
        [
            ("Data", f"{args.data}: {rows}"),
            ("Target", f"{encoder.target}"),
            ("Classes", _listed([str(c) for c in estimator.classes_])),
            ("Features", f"{len(features)}: {_listed(features)}"),
            (
                "Solver",
                f"{estimator.solver_}, {int(estimator.n_iter_.max())} iterations, "
                f"{convergence}",
            ),
            ("Train accuracy", f"{result.train_accuracy:.4f}"),
            ("Fit time", f"{result.fit_seconds:.3f} s"),
            ("Model", str(result.model_path)),
        ]
    )
    return EXIT_OK


def _predict(args: argparse.Namespace) -> int:
    from logreg.cli.commands import predict_file

    with _status("logreg predict") as update:
        result = predict_file(
            args.model,
            args.data,
            args.out,
            batch_rows=args.batch_rows,
            id_column=args.id_column,
            drop_missing=args.drop_missing,
            on_batch=lambda n_rows: update(f"{n_rows:,} rows"),
        )
    for note in result.notes:
        _note(note)
    _unseen_note(result.unseen_counts)
    dropped = (
        f" ({result.n_rows_dropped:,} rows with missing values skipped)"
        if result.n_rows_dropped
        else ""
    )
    _print(f"Wrote {result.n_rows_written:,} predictions to {result.out}{dropped}")
    _print(f"Columns: {', '.join(result.columns)}")
    return EXIT_OK


def _evaluate(args: argparse.Namespace) -> int:
    from logreg.cli.commands import evaluate_file

    with _status("logreg evaluate"):
        result = evaluate_file(
            args.model, args.data, target=args.target, drop_missing=args.drop_missing
        )
    _unseen_note(result.unseen_counts)
    metrics = result.metrics
    if args.json:
        document = {**metrics, "n_rows_dropped": result.n_rows_dropped}
        print(json.dumps(document, indent=2))
        return EXIT_OK
    n_used = result.n_rows_read - result.n_rows_dropped
    auc = metrics["roc_auc"]
    _facts(
        [
            ("Data", f"{args.data}: {_rows_phrase(n_used, result.n_rows_dropped)}"),
            ("Accuracy", f"{metrics['accuracy']:.4f}"),
            ("Log loss", f"{metrics['log_loss']:.4f}"),
            (
                "ROC AUC",
                "undefined (a class is absent)"
                if auc is None
                else f"{auc:.4f} ({metrics['roc_auc_average']})",
            ),
        ]
    )
    _print("\nPer class")
    _print_table(*_per_class_rows(metrics))
    _print("\nConfusion matrix (rows: true class, columns: predicted class)")
    classes = metrics["classes"]
    rows = [
        [name, *(f"{count:,}" for count in counts)]
        for name, counts in zip(classes, metrics["confusion_matrix"], strict=True)
    ]
    _print_table(
        ["true \\ predicted", *classes],
        rows,
        boxed=len(classes) <= _MAX_BOXED_CLASSES,
    )
    return EXIT_OK


def _per_class_rows(
    metrics: Mapping[str, Any],
) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the per-class table."""
    rows = [(name, scores) for name, scores in metrics["per_class"].items()]
    rows += [("macro avg", metrics["macro_avg"])]
    rows += [("weighted avg", metrics["weighted_avg"])]
    cells = []
    for name, scores in rows:
        numbers = [f"{scores[key]:.4f}" for key in ("precision", "recall", "f1")]
        support = f"{scores['support']:,}" if "support" in scores else ""
        cells.append([name, *numbers, support])
    return ["class", "precision", "recall", "F1", "support"], cells


def _print_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], boxed: bool = True
) -> None:
    """Print a table: first column left-aligned, the others right-aligned.

    On a terminal, and when ``boxed``, a rich table if it fits the width;
    otherwise (a file, a pipe, too wide) aligned plain text, every cell in
    full: nothing is cut to a width, so no two names can end up looking alike.
    """
    if boxed and sys.stdout.isatty():
        from rich import box
        from rich.table import Table

        console = _console()
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        for position, name in enumerate(header):
            table.add_column(_cell(name), justify="right" if position else "left")
        for row in rows:
            table.add_row(*map(_cell, row))
        # Measured without the console's width, which would clamp the answer.
        unbounded = console.options.update_width(sys.maxsize)
        if console.measure(table, options=unbounded).maximum <= console.width:
            console.print(table)
            return
    cells = [[printable(cell) for cell in row] for row in [header, *rows]]
    sizes = [[display_width(cell) for cell in row] for row in cells]
    widths = [max(column) for column in zip(*sizes, strict=True)]
    for row, size in zip(cells, sizes, strict=True):
        padded = [row[0] + " " * (widths[0] - size[0])]
        padded += [
            " " * (width - n) + cell
            for cell, n, width in zip(row[1:], size[1:], widths[1:], strict=True)
        ]
        print("  ".join(padded).rstrip())


def _cell(text: str) -> Any:
    from rich.text import Text

    return Text(printable(text))  # a class named "[red]" stays "[red]"


def _summary(args: argparse.Namespace) -> int:
    from logreg.cli.commands import original_scale_table
    from logreg.data.encoder import TableEncoder
    from logreg.persist import load_model_file
    from logreg.stats import format_table

    model = load_model_file(args.model)
    summary = model.estimator.summary(alpha=args.alpha, cov_type=args.cov_type)
    encoder = model.preprocessor
    if getattr(model.estimator, "formula_", None) is not None and args.original_scale:
        raise ValueError(
            f"{args.model} was fitted with a formula, whose terms are the "
            "features: its coefficients are already per unit of each term"
        )
    if not isinstance(encoder, TableEncoder):
        if args.original_scale:
            raise ValueError(
                f"{args.model} has no data encoder (it was not written by "
                "'logreg fit'): its coefficients are already in the units it "
                "was fitted on"
            )
        _print(summary)
        _print_odds_ratios(args, summary.to_frame(), summary.alpha, "")
        return EXIT_OK
    _print(summary)
    references = getattr(encoder, "references_", {})
    if references:
        _print()
        _print(
            textwrap.fill(
                "Reference levels (no indicator: each col=value coefficient "
                "is against its column's reference):",
                width=78,
            )
        )
        _facts([(name, level) for name, level in references.items()])
    standardised = _standardised_features(encoder)
    _print()
    if not standardised:
        _print("The features were not standardised: the coefficients are per unit.")
        _print_odds_ratios(args, summary.to_frame(), summary.alpha, " (per unit)")
        return EXIT_OK
    _print(
        textwrap.fill(
            "Numeric and boolean features were standardised with the training "
            "mean and standard deviation: their coefficients are per standard "
            "deviation of the column; indicators (col=value) are per unit (0/1).",
            width=78,
        )
    )
    _facts([(name, f"mean {m:.6g}, std {s:.6g}") for name, m, s in standardised])
    if not args.original_scale:
        _print(
            "Run with --original-scale for the coefficients per unit of each column."
        )
        _print_odds_ratios(
            args, summary.to_frame(), summary.alpha, " (per standard deviation)"
        )
        return EXIT_OK
    frame = original_scale_table(model, summary)
    _print()
    _print("Coefficients in the columns' own units (same model, same predictions):")
    _print("\n".join(format_table(frame, "coef", summary.alpha, "term")))
    _print_odds_ratios(args, frame, summary.alpha, " (per unit of each column)")
    return EXIT_OK


def _print_odds_ratios(
    args: argparse.Namespace, frame: Any, alpha: float, units: str
) -> None:
    """With ``--odds-ratios``: the table of ``exp`` of ``frame``'s coefficients."""
    from logreg.stats.intervals import format_odds_ratios, odds_ratios

    if args.odds_ratios:
        _print()
        _print(f"Odds ratios{units}:")
        _print("\n".join(format_odds_ratios(odds_ratios(frame), alpha)))


def _standardised_features(encoder: Any) -> list[tuple[str, float, float]]:
    """``(name, mean, std)`` of each feature the encoder centres or scales."""
    return [
        (name, float(center), float(scale))
        for name, center, scale in zip(
            encoder.feature_names_out, encoder.center_, encoder.scale_, strict=True
        )
        if center != 0 or scale != 1
    ]


def _report(args: argparse.Namespace) -> int:
    from logreg.cli.commands import report_file

    with _status("logreg report"):
        result = report_file(
            args.model,
            args.data,
            args.out,
            target=args.target,
            drop_missing=args.drop_missing,
            title=args.title,
        )
    _unseen_note(result.unseen_counts)
    if result.no_intervals:
        _note(f"the report shows no standard errors: {result.no_intervals}")
    n_used = result.n_rows_read - result.n_rows_dropped
    rows = _rows_phrase(n_used, result.n_rows_dropped)
    _print(f"Wrote the report on {rows} to {result.out}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        Exit code: 0 on success (and for ``--help``), 2 on bad input and any
        other failure, 1 when stdout is closed early (``logreg ... | head``),
        130 after Ctrl-C, 128 + n after signal n (143 for SIGTERM).
    """
    return errors.run(lambda: _parse_and_run(argv))


def _parse_and_run(argv: Sequence[str] | None) -> int:
    try:
        args = _build_parser().parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    return args.handler(args)
