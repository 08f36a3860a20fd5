"""Statistical inference on a fitted model: sums, covariances, separation, tables.

=======================  ==================================================
module                   one job
=======================  ==================================================
:mod:`~.statistics`      the sums inference needs, in one pass at the fit
:mod:`~.covariance`      classical and sandwich covariances of the reported
                         parameters (the conventions are written there)
:mod:`~.separation`      whether the classes are separated
:mod:`~.summary`         the printed tables and their DataFrames
:mod:`~.comparison`      likelihood-ratio and Wald chi-squared tests
:mod:`~.intervals`       odds ratios and probabilities with intervals
=======================  ==================================================

Everything here but :func:`~.statistics.compute_statistics` and
:func:`~.separation.detect_separation` is small dense linear algebra on the
stored sums, so it needs no data and works on a model loaded from a file.
"""

from logreg.stats.comparison import ChiSquaredTest, anova, lr_test, wald_test
from logreg.stats.covariance import COV_TYPES
from logreg.stats.separation import (
    all_on_their_side,
    detect_separation,
    warn_if_separated,
)
from logreg.stats.statistics import (
    MAX_INFERENCE_PARAMS,
    InferenceStatistics,
    compute_statistics,
)
from logreg.stats.summary import (
    MarginalEffects,
    Summary,
    coefficient_frame,
    format_table,
)

__all__ = [
    "COV_TYPES",
    "MAX_INFERENCE_PARAMS",
    "ChiSquaredTest",
    "InferenceStatistics",
    "MarginalEffects",
    "Summary",
    "all_on_their_side",
    "anova",
    "coefficient_frame",
    "compute_statistics",
    "detect_separation",
    "format_table",
    "lr_test",
    "wald_test",
    "warn_if_separated",
]
