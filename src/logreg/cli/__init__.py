"""The command line: a thin wrapper over the library (``logreg --help``).

======================  ===================================================
module                  one job
======================  ===================================================
:mod:`~.main`           argument parsing, one line on stderr and exit code
                        2 for bad input, the printed output of each command
:mod:`~.commands`       the work behind ``fit``, ``predict``,
                        ``evaluate``, ``summary`` and ``report``, as
                        functions that print nothing
:mod:`~.report`         the self-contained HTML report
:mod:`~.errors`         the one outer handler: every ending (an exception,
                        out of memory, Ctrl-C, SIGTERM) as one line and an
                        exit code; printed text made safe for a terminal
:mod:`~.memory`         the memory dense arrays need, checked before they
                        are built: stream, pick a batch, or refuse saying
                        what to do
:mod:`~.formula_table`  the columns of a model fitted with a formula
======================  ===================================================
"""

from logreg.cli.main import main

__all__ = ["main"]
