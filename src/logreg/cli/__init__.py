"""The command line: a thin wrapper over the library (``logreg --help``).

================  =========================================================
module            one job
================  =========================================================
:mod:`~.main`     argument parsing, one line on stderr and exit code 2 for
                  bad input, the printed output of each command
:mod:`~.commands` the work behind ``fit``, ``predict``, ``evaluate``,
                  ``summary`` and ``report``, as functions that print nothing
:mod:`~.report`   the self-contained HTML report
================  =========================================================
"""

from logreg.cli.main import main

__all__ = ["main"]
