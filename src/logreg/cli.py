"""Command line: ``logreg <command> [options]`` (also ``python -m logreg``).

A thin wrapper over library functions. Exit codes: 0 on success, 2 on bad
input or a failure the user can fix (one line on stderr starting with
``logreg: error:``, never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from logreg.demo import DEFAULT_EPOCHS, DEFAULT_LR, run_demo

__all__ = ["main"]

PROG = "logreg"
EXIT_OK = 0
EXIT_USAGE = 2


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
    from logreg import __version__

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
            "the test loss and accuracy. The same seed gives the same numbers."
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
    demo.set_defaults(handler=_demo)
    return parser


def _demo(args: argparse.Namespace) -> int:
    run_demo(
        samples=args.samples,
        std=args.std,
        classes=args.classes,
        lr=args.lr,
        epochs=args.epochs,
        seed=args.seed,
        out=args.out,
        plots=args.plots,
    )
    return EXIT_OK


def _one_line(error: BaseException) -> str:
    """The error's message on one line (an OSError names its file first)."""
    if isinstance(error, OSError) and error.filename and error.strerror:
        return f"{error.filename}: {error.strerror}"
    return " ".join(str(error).split()) or type(error).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        Exit code: 0 on success (and for ``--help``), 2 on bad input.
    """
    try:
        args = _build_parser().parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    try:
        return args.handler(args)
    except (ValueError, OSError, ImportError) as error:
        # DivergenceError is a ValueError; OSError covers an unwritable --out.
        print(f"{PROG}: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_USAGE
