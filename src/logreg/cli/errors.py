"""The command line's outer handler: every ending as one line and an exit code.

:func:`run` calls a command and turns whatever ends it into one line on
stderr and an exit code, never a traceback (the library's warnings come
first, one ``logreg: warning:`` line each):

* the command returns: its exit code;
* stdout closed early (``logreg ... | head``): 1, nothing printed;
* Ctrl-C (``SIGINT``): 130, ``logreg: error: interrupted``;
* ``SIGTERM`` (``timeout``, ``docker stop``, systemd) or ``SIGHUP`` (a
  closed terminal): 128 + the signal's number (143, 129),
  ``logreg: error: terminated by SIGTERM``;
* out of memory (``MemoryError``): 2, with what to do instead;
* any other exception: 2, its message on one line (prefixed by its class
  unless it is a ``ValueError``, ``TypeError``, ``OSError`` or
  ``ImportError``, the errors of bad input).

A signal is turned into an exception raised in the main thread, so that every
``finally`` and ``except BaseException`` on the way out runs: the temporary
file of an output being written is deleted and nothing is left at the output's
path. A second signal during that clean-up is ignored. (``SIGKILL`` cannot be
caught: :mod:`logreg.data.write` removes what a killed writer left behind the
next time the same file is written.)

Every line is passed through :func:`printable`, which escapes control
characters: class labels, column names and levels come from the data, and a
terminal would obey an escape sequence among them (clear the screen, set the
window title).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "PROG",
    "Terminated",
    "display_width",
    "one_line",
    "printable",
    "printable_lines",
    "run",
    "warnings_as_lines",
]

PROG = "logreg"
EXIT_OK = 0
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 1
#: 128 + SIGINT, what shells report for a command stopped by Ctrl-C.
EXIT_INTERRUPTED = 130
#: The exceptions whose message is the whole story (bad input, a file
#: problem, a missing optional dependency); others are prefixed by their class.
_USER_ERRORS = (ValueError, TypeError, OSError, ImportError)
_MEMORY_HINT = (
    "stream the data from disk (fit --stream), read fewer rows at a time "
    "(--batch-rows), or --exclude identifier-like string columns"
)


class Terminated(BaseException):
    """Raised in the main thread when the process receives ``SIGTERM`` or ``SIGHUP``.

    A ``BaseException``, like ``KeyboardInterrupt``, so that no ``except
    Exception`` in between swallows it.

    Parameters
    ----------
    signum : int
        The signal received.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        """The signal's name, such as ``"SIGTERM"``."""
        return signal.Signals(self.signum).name


# --------------------------------------------------------------------- text
def printable(text: Any) -> str:
    r"""``text`` with every non-printable character written as an escape.

    Control characters (``\x1b`` starts a terminal escape sequence, ``\r``
    and ``\b`` overwrite what was printed) and invisible format characters
    (``\u202e`` reverses the text after it) become ``\x1b``, ``\r``,
    ``\u202e`` as in a Python string literal; everything else, accents and
    other scripts included, is kept.

    Parameters
    ----------
    text : object
        Converted with ``str``.

    Returns
    -------
    str
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def printable_lines(text: str) -> str:
    """``text`` with each line made :func:`printable`; the newlines kept."""
    return "\n".join(printable(line) for line in text.split("\n"))


def display_width(text: str) -> int:
    """Columns that ``text`` takes on a terminal (wide East Asian characters: 2)."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def one_line(error: BaseException) -> str:
    """The error's message on one line (an OSError names its file first)."""
    if isinstance(error, OSError) and error.filename and error.strerror:
        return f"{error.filename}: {error.strerror}"
    return " ".join(str(error).split()) or type(error).__name__


def _print_error(text: str) -> None:
    with contextlib.suppress(OSError, ValueError):  # stderr itself may be gone
        print(printable(f"{PROG}: error: {text}"), file=sys.stderr)


# ------------------------------------------------------------------ signals
@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """While inside: SIGINT, SIGTERM and SIGHUP raise in the main thread.

    The first signal raises (``KeyboardInterrupt`` or :class:`Terminated`)
    and makes the process ignore the others, so that the clean-up it starts
    runs to its end. A signal the process ignored on entry (``nohup`` ignores
    SIGHUP, a background job SIGINT) stays ignored. The previous handlers are
    restored on exit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers
        return
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        for caught in previous:
            signal.signal(caught, signal.SIG_IGN)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(signum)

    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is None:  # SIGHUP does not exist on Windows
            continue
        current = signal.getsignal(signum)
        if current is signal.SIG_IGN:
            continue
        previous[signum] = signal.SIG_DFL if current is None else current
        signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


# ----------------------------------------------------------------- warnings
@contextlib.contextmanager
def warnings_as_lines() -> Iterator[None]:
    """Print each distinct warning as one ``logreg: warning:`` line.

    The library's own warnings (no convergence, separation, a singular
    Hessian) are always shown; others follow the warning filters (so an
    ``error`` filter still raises them) and are prefixed with their class.
    """
    from logreg import (
        ConvergenceWarning,
        PerfectSeparationWarning,
        SingularHessianWarning,
    )

    ours = (ConvergenceWarning, PerfectSeparationWarning, SingularHessianWarning)
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            for category in ours:
                warnings.simplefilter("always", category)
            yield
    finally:  # also before an error line: the warnings may explain it
        lines = {}
        for warning in caught:
            text = one_line(warning.message)
            if not issubclass(warning.category, ours):
                text = f"{warning.category.__name__}: {text}"
            lines[printable(f"{PROG}: warning: {text}")] = None
        with contextlib.suppress(OSError, ValueError):
            for line in lines:
                print(line, file=sys.stderr)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the exit's flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


# ---------------------------------------------------------------------- run
def run(command: Callable[[], int]) -> int:
    """Run ``command`` and turn whatever ends it into an exit code.

    Parameters
    ----------
    command : callable
        Does the work and returns the exit code.

    Returns
    -------
    int
        ``command``'s code, or the code of the table in the module docstring.
    """
    with _signals_raise():
        try:
            with warnings_as_lines():
                return command()
        except BrokenPipeError:  # the reader went away (``| head``): stop quietly
            _silence_stdout()
            return EXIT_BROKEN_PIPE
        except KeyboardInterrupt:
            _print_error("interrupted")
            return EXIT_INTERRUPTED
        except Terminated as stop:
            _print_error(f"terminated by {stop.name}")
            return 128 + stop.signum
        except MemoryError as error:
            detail = f" ({one_line(error)})" if str(error) else ""
            _print_error(f"out of memory{detail}: {_MEMORY_HINT}")
            return EXIT_USAGE
        except _USER_ERRORS as error:
            # DivergenceError and ModelFileError are ValueErrors; OSError covers
            # a missing file and an unwritable output.
            _print_error(one_line(error))
            return EXIT_USAGE
        except Exception as error:  # a bug: still one line, with its class
            _print_error(f"{type(error).__name__}: {one_line(error)}")
            return EXIT_USAGE
