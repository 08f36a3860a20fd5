"""logreg: logistic regression from first principles.

The same answers as scikit-learn, with statistics, pictures and reach.
"""

from logreg._version import __version__
from logreg.cv import LogisticRegressionCV
from logreg.estimator import LogisticRegression, PerfectSeparationWarning
from logreg.persist import load
from logreg.solvers import ConvergenceWarning, DivergenceError, SingularHessianWarning
from logreg.stats.comparison import anova, lr_test

__all__ = [
    "ConvergenceWarning",
    "DivergenceError",
    "LogisticRegression",
    "LogisticRegressionCV",
    "PerfectSeparationWarning",
    "SingularHessianWarning",
    "__version__",
    "anova",
    "load",
    "lr_test",
]
