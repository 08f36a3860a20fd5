"""Table columns as a float feature matrix: :class:`TableEncoder`.

Tables come from :mod:`logreg.data.read` (CSV and Parquet files, Arrow
tables, pandas DataFrames); pyarrow is imported lazily, inside the functions
that need it (``pip install 'logreg[files]'``). None of the model's math is
here.

The feature columns are all columns except the target and the excluded
ones, in file order.

* Numbers and booleans become one float feature each, named ``col``,
  standardised to ``(x - mean) / std`` with the training mean and
  population standard deviation (``ddof=0``). A constant column keeps
  ``std = 1`` (it is only centred) instead of being divided by zero.
  Numeric columns stay numeric however few distinct values they have
  (a 0/1 or 1-5 column is not one-hot encoded).
* Strings and categoricals (dictionary columns) become one indicator
  (0/1) feature per category, named ``col=value``, categories sorted.
  With ``reference=None`` every category is kept: a penalised model's
  coefficients are unique anyway, and no level is singled out. With a
  reference level (treatment coding: ``reference="first"``, or a dict
  naming the level of some columns, the first in sorted order for the
  rest) that level has no indicator and the others' coefficients are
  contrasts against it, as R's and statsmodels' default coding gives
  them; an unpenalised model with an intercept needs it, because every
  level's indicators would sum to the intercept's column of ones.
  Indicators are not standardised.
* A category not seen at fit encodes as an all-zero row of that column's
  indicators; :meth:`TableEncoder.transform` counts such rows per column.
* Other column types (dates, lists, binary, ...) raise ``ValueError``
  naming the column and its type.
* A missing value (null or NaN) in a used column raises ``ValueError``
  naming the column and its number of missing values, unless
  ``drop_missing=True``: then rows with any missing used value are
  dropped, and the count is recorded.

Longer than 600 lines: one class, whose fit, transform and model-file state
(every field checked on load) must agree on the same column plan.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.exceptions import NotFittedError

from logreg.data.columns import (
    _BOOL,
    _CATEGORY,
    _KINDS,
    _NUMBER,
    _accepts,
    _as_arrow,
    _batches,
    _Column,
    _feature_kind,
    _FitStatistics,
    _float_values,
    _labels,
    _one_hot,
    _value_type,
    missing_message,
    missing_rows,
)
from logreg.data.read import _check_unique, _columns_phrase, _name_list, require_pyarrow

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["TableEncoder", "reference_for"]


def reference_for(C: float, reference: Any = "auto") -> Any:
    """The ``reference`` of the encoder of a fit with inverse penalty ``C``.

    Parameters
    ----------
    C : float
        The estimator's ``C``.
    reference : "auto", None, "first" or dict of str to str, default="auto"
        ``"auto"``: treatment coding (``"first"``) for an unpenalised fit
        (``C = inf``), whose coefficients are not identified with every
        level next to an intercept; every level (None) for a penalised fit,
        where the penalty identifies them and treats the levels alike.
        Anything else is returned as it is.

    Returns
    -------
    None, "first" or dict
    """
    if isinstance(reference, str) and reference == "auto":
        return "first" if np.isinf(C) else None
    return reference


class TableEncoder:
    """Encode the columns of a table as a float feature matrix.

    Learns, in one pass over a table or a stream of record batches, which
    columns are features, their categories and their means and standard
    deviations; then encodes tables the same way. The rules are in the
    module docstring: numbers and booleans are standardised, strings and
    categoricals are one-hot encoded with every category kept, an unseen
    category is an all-zero row of indicators, and missing values raise
    unless ``drop_missing``.

    Parameters
    ----------
    target : str or None, default=None
        The label column; not a feature.
    exclude : sequence of str, default=()
        Columns that are not features either (identifiers, dates, ...).
    standardize : bool, default=True
        Standardise numeric features with the training mean and population
        std; indicators are never standardised.
    drop_missing : bool, default=False
        Drop rows with a missing value in any used column (the features and,
        at fit, the target) instead of raising.
    max_categories : int or None, default=1000
        Most distinct values a string column may have; more is almost always
        an identifier, whose one-hot encoding would not fit in memory.
        ``None`` means no limit.
    reference : None, "first" or dict of str to str, default=None
        The level of each category column that gets no indicator: None
        keeps every level, ``"first"`` drops the first in sorted order, a
        dict ``{column: level}`` names it for some columns (the first for
        the others). See :func:`reference_for` for what a fit chooses.

    Attributes
    ----------
    center_ : ndarray of shape (n_features_out,)
        Subtracted from each feature: the training mean of a standardised
        numeric feature, else 0.
    scale_ : ndarray of shape (n_features_out,)
        Divides each centred feature: the training std of a standardised,
        non-constant numeric feature, else 1.
    categories_ : dict of str to list of str
        Sorted categories of each one-hot encoded column.
    references_ : dict of str to str
        The reference level of each treatment-coded column (empty when every
        level has an indicator).
    classes_ : ndarray of shape (n_classes,) or None
        Sorted distinct target values among the rows used (None without a
        target).
    n_rows_seen_ : int
        Rows read at fit.
    n_rows_dropped_ : int
        Rows dropped at fit for missing values (0 unless ``drop_missing``).
    missing_counts_ : dict of str to int
        Missing values per used column at fit (only columns that had some).
    """

    def __init__(
        self,
        *,
        target: str | None = None,
        exclude: Sequence[str] = (),
        standardize: bool = True,
        drop_missing: bool = False,
        max_categories: int | None = 1000,
        reference: str | Mapping[str, str] | None = None,
    ) -> None:
        self.target = target
        self.exclude = (exclude,) if isinstance(exclude, str) else tuple(exclude)
        self.standardize = standardize
        self.drop_missing = drop_missing
        self.max_categories = max_categories
        self.reference = reference

    def __repr__(self) -> str:
        return (
            f"TableEncoder(target={self.target!r}, exclude={list(self.exclude)!r}, "
            f"standardize={self.standardize!r}, drop_missing={self.drop_missing!r})"
        )

    # --------------------------------------------------------------- fitting
    def _check_params(self) -> None:
        if self.target is not None and not isinstance(self.target, str):
            raise ValueError(f"target must be a column name, got {self.target!r}")
        if not all(isinstance(name, str) for name in self.exclude):
            raise ValueError(f"exclude must be column names, got {self.exclude!r}")
        for name in ("standardize", "drop_missing"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False")
        limit = self.max_categories
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        ):
            raise ValueError(
                f"max_categories must be None or an int >= 1, got {limit!r}"
            )
        reference = self.reference
        if not (
            reference is None
            or reference == "first"
            or (
                isinstance(reference, Mapping)
                and all(isinstance(k, str) for k in reference)
                and all(isinstance(v, str) for v in reference.values())
            )
        ):
            raise ValueError(
                "reference must be None (every level), 'first' or a dict "
                f"{{column: level}}, got {reference!r}"
            )

    def _with_references(self, columns: list[_Column]) -> tuple[_Column, ...]:
        """``columns`` with the reference level of each category column set."""
        named = dict(self.reference) if isinstance(self.reference, Mapping) else {}
        kinds = {column.name: column.kind for column in columns}
        wrong = sorted(name for name in named if kinds.get(name) != _CATEGORY)
        if wrong:
            raise ValueError(
                f"reference names {_columns_phrase(wrong)}, which are not string "
                "or categorical feature columns"
            )
        if self.reference is None:
            return tuple(columns)
        coded = []
        for column in columns:
            if column.kind == _CATEGORY:
                level = named.get(column.name, column.categories[0])
                if level not in column.categories:
                    raise ValueError(
                        f"reference level {level!r} of column {column.name!r} is "
                        f"not one of its values {list(column.categories)[:20]}"
                    )
                column = _Column(column.name, column.kind, column.categories, level)
            coded.append(column)
        return tuple(coded)

    def _plan_columns(
        self, pa: ModuleType, schema: pa.Schema, first_rows: int | None = None
    ) -> list[_Column]:
        """The feature columns of ``schema`` with their kinds (no categories yet).

        ``first_rows``: the rows of the first batch, when ``schema`` is a
        stream's first batch's; None for a whole table.
        """
        names = list(schema.names)
        _check_unique(names, "the data")
        if self.target is not None and self.target not in names:
            raise ValueError(
                f"no target column {self.target!r} in the data; "
                f"the columns are {_name_list(names)}"
            )
        unknown = [name for name in self.exclude if name not in names]
        if unknown:
            raise ValueError(
                f"cannot exclude {_name_list(unknown)}: no such columns; "
                f"the columns are {_name_list(names)}"
            )
        if self.target is not None and self.target in self.exclude:
            raise ValueError(f"the target {self.target!r} is also excluded")
        features = [n for n in names if n != self.target and n not in self.exclude]
        if not features:
            raise ValueError("no feature columns are left besides the target")
        if self.target is not None:
            self._check_target_type(pa, schema.field(self.target).type)
        return self._feature_columns(pa, schema, features, first_rows)

    def _check_target_type(self, pa: ModuleType, dtype: Any) -> None:
        if _feature_kind(pa, dtype) is None:
            raise ValueError(
                f"target column {self.target!r} has type {dtype}; labels must be "
                "numbers, booleans or strings"
            )

    @staticmethod
    def _feature_columns(
        pa: ModuleType, schema: pa.Schema, features: list[str], first_rows: int | None
    ) -> list[_Column]:
        """The feature columns with their kinds; ``first_rows`` when streamed.

        A null column of a stream is only empty in its first batch (of
        ``first_rows`` rows), whose types the batches of a CSV file follow.
        """
        columns, unsupported = [], []
        for name in features:
            dtype = schema.field(name).type
            kind = _feature_kind(pa, dtype)
            if pa.types.is_null(dtype) and first_rows is not None:
                unsupported.append(
                    f"{name!r} (no value in the first {first_rows:,} rows, which "
                    "set the column types of a CSV file read in batches: read it "
                    "whole, convert it to Parquet, or put a row with every value "
                    "first)"
                )
            elif pa.types.is_null(dtype):
                unsupported.append(f"{name!r} (null: every value is missing)")
            elif kind is None:
                unsupported.append(f"{name!r} ({dtype})")
            else:
                columns.append(_Column(name, kind))
        if unsupported:
            raise ValueError(
                f"unsupported column types: {', '.join(unsupported)}; features must "
                "be numbers, booleans or strings: exclude these columns or convert them"
            )
        return columns

    def fit(self, data: Any) -> TableEncoder:
        """Learn the feature columns, categories and statistics in one pass.

        Parameters
        ----------
        data : pyarrow.Table, pyarrow.RecordBatch, pandas.DataFrame or iterable
            The training data of shape (n_rows, n_columns), or an iterable of
            record batches (e.g. :func:`iter_batches`) read once, so files
            larger than memory work. Column kinds follow the first batch.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For missing target or excluded columns, unsupported column types,
            no rows, infinite values, too many categories, missing values
            (after the whole pass, with their count per column) unless
            ``drop_missing``, or, with ``standardize``, numeric columns whose
            mean or standard deviation is not a finite positive float64
            (values about 1e154 or more apart).
        """
        pa = require_pyarrow()
        self._check_params()
        whole = _is_whole_table(pa, data)
        batches = _batches(pa, data)
        first = next(batches, None)
        if first is None:
            raise ValueError("the data have no rows")
        statistics = self.new_statistics(
            first.schema, first_rows=None if whole else first.num_rows
        )
        # Overflowing moments are not warned about but refused by name in
        # fit_statistics.
        with np.errstate(over="ignore", invalid="ignore"):
            for batch in itertools.chain([first], batches):
                statistics.add(batch)
        return self.fit_statistics(statistics)

    def new_statistics(
        self, schema: pa.Schema, *, first_rows: int | None = None
    ) -> _FitStatistics:
        """Empty fitting statistics for tables of ``schema``, to learn part by part.

        :meth:`fit` is ``new_statistics``, then ``add`` of every record
        batch, then :meth:`fit_statistics`. Where the rows are in parts (the
        partitions of a Spark DataFrame), each part learns into its own copy
        (``statistics.empty_copy()``, then ``add`` of its batches) wherever
        it lives, the parts are merged (``merge``, exact), and
        :meth:`fit_statistics` finishes the fit: the same encoder as one
        pass over all the rows.

        Parameters
        ----------
        schema : pyarrow.Schema
            The table's columns; their kinds follow these types.
        first_rows : int or None, default=None
            When ``schema`` is a stream's first batch's, that batch's rows
            (named in the error for a column empty there); None for the
            schema of a whole table.

        Returns
        -------
        _FitStatistics
            No rows learned yet; picklable, so it can travel to the workers
            holding the parts.

        Raises
        ------
        ValueError
            For invalid parameters, a missing target or excluded column, or
            unsupported column types.
        """
        pa = require_pyarrow()
        self._check_params()
        columns = self._plan_columns(pa, schema, first_rows)
        target = None
        if self.target is not None:
            target = (self.target, _value_type(pa, schema.field(self.target).type))
        return _FitStatistics(
            pa, columns, target, self.drop_missing, self.max_categories
        )

    def fit_statistics(self, statistics: _FitStatistics) -> TableEncoder:
        """Finish fitting from statistics learned over every row.

        Parameters
        ----------
        statistics : _FitStatistics
            From :meth:`new_statistics` of this encoder, with every batch
            added (directly, or part by part and merged).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            As :meth:`fit` does, for no rows, missing values (unless
            ``drop_missing``) and numeric columns that cannot be
            standardised.
        """
        pa = require_pyarrow()
        with np.errstate(over="ignore", invalid="ignore"):
            statistics.check()
            mean, std = statistics.moments.mean, statistics.moments.std()
        if self.standardize:
            _check_standardizable(statistics.numeric, mean, std)
        self._set_fitted(pa, statistics)
        return self

    def _set_fitted(self, pa: ModuleType, statistics: _FitStatistics) -> None:
        self._columns = self._with_references(
            [
                _Column(c.name, c.kind, tuple(sorted(statistics.categories[c.name])))
                if c.kind == _CATEGORY
                else c
                for c in statistics.columns
            ]
        )
        mean = dict(zip(statistics.numeric, statistics.moments.mean, strict=True))
        std = dict(zip(statistics.numeric, statistics.moments.std(), strict=True))
        center, scale = [], []
        for column in self._columns:
            n = len(column.feature_names)
            numeric = column.kind != _CATEGORY and self.standardize
            center += [mean[column.name]] * n if numeric else [0.0] * n
            scale += [std[column.name]] * n if numeric else [1.0] * n
        self.center_ = np.array(center, dtype=np.float64)
        self.scale_ = np.array(scale, dtype=np.float64)
        self.categories_ = {
            c.name: list(c.categories) for c in self._columns if c.kind == _CATEGORY
        }
        self.references_ = _references(self._columns)
        _check_feature_names(self._columns)
        self.classes_ = statistics.sorted_classes()
        self.n_rows_seen_ = statistics.n_rows
        self.n_rows_dropped_ = statistics.n_dropped
        self.missing_counts_ = {
            name: n for name, n in statistics.missing_counts.items() if n
        }

    def _check_fitted(self) -> None:
        if not hasattr(self, "center_"):
            raise NotFittedError(
                "This TableEncoder is not fitted yet; call fit or from_state first."
            )

    # ---------------------------------------------------------- properties
    @property
    def input_columns(self) -> list[str]:
        """Names of the feature columns the encoder reads, in order.

        Returns
        -------
        list of str of length n_input_columns
        """
        self._check_fitted()
        return [column.name for column in self._columns]

    @property
    def feature_names_out(self) -> list[str]:
        """Names of the output features: ``col`` or ``col=value`` for indicators.

        Returns
        -------
        list of str of length n_features_out
        """
        self._check_fitted()
        return [name for column in self._columns for name in column.feature_names]

    @property
    def n_features_out(self) -> int:
        """Number of output features (columns of :meth:`transform`'s ``X``)."""
        self._check_fitted()
        return len(self.center_)

    @property
    def read_types(self) -> dict[str, pa.DataType]:
        """Types to read the feature columns of a new file with.

        Pass to :func:`iter_batches` or :func:`read_table` as ``column_types``
        so that a CSV file is parsed as at fit: numbers as float64, booleans
        as bool, categories as strings even where they look like numbers.

        Returns
        -------
        dict of str to pyarrow.DataType, one entry per input column
        """
        self._check_fitted()
        pa = require_pyarrow()
        arrow = {_NUMBER: pa.float64(), _BOOL: pa.bool_(), _CATEGORY: pa.string()}
        return {column.name: arrow[column.kind] for column in self._columns}

    # ------------------------------------------------------------ encoding
    def transform(
        self,
        data: Any,
        *,
        with_target: bool = False,
        drop_missing: bool | None = None,
        unseen_counts: dict[str, int] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Encode a table as the float feature matrix.

        Parameters
        ----------
        data : pyarrow.Table, pyarrow.RecordBatch or pandas.DataFrame
            Of shape (n_rows, n_columns); must hold every input column, may
            hold others (e.g. the target), which are ignored.
        with_target : bool, default=False
            Also require the target column and treat a missing label as a
            missing value, so that ``kept`` matches :meth:`target_values`
            (for training and evaluation).
        drop_missing : bool or None, default=None
            Drop rows with a missing used value instead of raising; ``None``
            uses the setting of the fit.
        unseen_counts : dict of str to int, optional
            Updated in place: column name -> number of kept rows whose
            category was not seen at fit (encoded as all-zero indicators).
            Pass the same dict for every batch of a file to total them.

        Returns
        -------
        X : ndarray of shape (n_kept, n_features_out), float64
            The encoded kept rows, in order.
        kept : ndarray of shape (n_rows,), bool
            Which rows of ``data`` are in ``X`` (all, unless rows were
            dropped for missing values).

        Raises
        ------
        ValueError
            For absent input columns (all are named), a column whose type
            cannot be encoded as at fit, infinite values, or missing values
            when not dropping them.
        """
        self._check_fitted()
        pa = require_pyarrow()
        data = _as_arrow(pa, data)
        used = self.input_columns
        if with_target:
            if self.target is None:
                raise ValueError("with_target=True needs an encoder with a target")
            used = [*used, self.target]
        self._check_columns(pa, data, used)
        rows, counts = missing_rows(pa, data, used)
        drop = self.drop_missing if drop_missing is None else drop_missing
        if counts and not drop:
            raise ValueError(missing_message(counts))
        if counts:
            data = data.filter(pa.array(~rows))
        X = self._encode(pa, data, unseen_counts)
        return X, ~rows

    def _check_columns(self, pa: ModuleType, data: Any, used: list[str]) -> None:
        names = data.schema.names
        absent = [name for name in used if name not in names]
        if absent:
            raise ValueError(
                f"the data lack the {_columns_phrase(absent)} "
                "that the model was fitted with"
            )
        for column in self._columns:
            dtype = data.schema.field(column.name).type
            if not _accepts(pa, column.kind, dtype):
                held = "strings" if column.kind == _CATEGORY else "numbers"
                raise ValueError(
                    f"column {column.name!r} has type {dtype} here but held "
                    f"{held} at fit"
                )

    def _encode(
        self, pa: ModuleType, data: Any, unseen_counts: dict[str, int] | None
    ) -> np.ndarray:
        """Features of the (complete) rows of ``data``, (n_rows, n_features_out)."""
        X = np.zeros((data.num_rows, self.n_features_out))
        start = 0
        for column in self._columns:
            stop = start + len(column.feature_names)
            values = data.column(column.name)
            if column.kind == _CATEGORY:
                unseen = _one_hot(pa, values, column, X[:, start:stop])
                if unseen and unseen_counts is not None:
                    unseen_counts[column.name] = (
                        unseen_counts.get(column.name, 0) + unseen
                    )
            else:
                X[:, start] = _float_values(pa, values)
            start = stop
        if not np.all(np.isfinite(X)):
            bad = self._infinite_columns(X)
            raise ValueError(f"infinite values in {_columns_phrase(bad)}")
        if self.standardize:
            X -= self.center_
            X /= self.scale_
        return X

    def _infinite_columns(self, X: np.ndarray) -> list[str]:
        finite = np.isfinite(X).all(axis=0)
        names = self.feature_names_out
        return [names[j] for j in np.flatnonzero(~finite)]

    def target_values(self, data: Any, kept: np.ndarray | None = None) -> np.ndarray:
        """The labels of a table, as NumPy: strings stay strings, ints ints.

        Parameters
        ----------
        data : pyarrow.Table, pyarrow.RecordBatch or pandas.DataFrame
            Of shape (n_rows, n_columns), holding the target column.
        kept : ndarray of shape (n_rows,), bool, optional
            Keep only these rows, e.g. the ``kept`` of :meth:`transform` with
            ``with_target=True``.

        Returns
        -------
        ndarray of shape (n_kept,)
            Strings as an object array, integers as int64, booleans as bool.

        Raises
        ------
        ValueError
            Without a target, when the column is absent, or when a kept label
            is missing.
        """
        self._check_fitted()
        pa = require_pyarrow()
        data = _as_arrow(pa, data)
        if self.target is None:
            raise ValueError("this encoder has no target column")
        if self.target not in data.schema.names:
            raise ValueError(f"the data lack the target column {self.target!r}")
        if kept is not None:
            data = data.filter(pa.array(np.asarray(kept, dtype=bool)))
        _, counts = missing_rows(pa, data, [self.target])
        if counts:
            raise ValueError(missing_message(counts))
        return _labels(pa, data.column(self.target))

    def transform_xy(
        self,
        data: Any,
        *,
        drop_missing: bool | None = None,
        unseen_counts: dict[str, int] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Features and labels of the complete rows of a table.

        Parameters
        ----------
        data : pyarrow.Table, pyarrow.RecordBatch or pandas.DataFrame
            Of shape (n_rows, n_columns), holding the input and target columns.
        drop_missing, unseen_counts
            As for :meth:`transform`.

        Returns
        -------
        X : ndarray of shape (n_kept, n_features_out), float64
        y : ndarray of shape (n_kept,)
        kept : ndarray of shape (n_rows,), bool
        """
        X, kept = self.transform(
            data,
            with_target=True,
            drop_missing=drop_missing,
            unseen_counts=unseen_counts,
        )
        return X, self.target_values(data, kept), kept

    def original_scale(
        self, coef: np.ndarray, intercept: np.ndarray | float
    ) -> tuple[np.ndarray, np.ndarray | float]:
        r"""Map coefficients on the encoded features back to original units.

        A linear score on encoded features ``(x - center_) / scale_`` equals
        the score on raw features (numbers as read, indicators as 0/1) with

        .. math:: \beta_j = c_j / s_j, \qquad
                  b_0 = b - \sum_j c_j m_j / s_j

        per coefficient row. Only standardised numeric (and boolean) features
        change: indicators and, with ``standardize=False``, every feature
        have ``m = 0, s = 1``, and a constant column (``s = 1``) is only
        centred. This is the same model written in other units, with the same
        predictions; for a penalised fit it is not what fitting the raw data
        would give, since the penalty acts on the standardised coefficients.

        Parameters
        ----------
        coef : array-like of shape (n_features_out,) or (n_rows, n_features_out)
            Coefficients on the encoded features, e.g. ``coef_``.
        intercept : float or array-like of shape (n_rows,)
            Intercept(s) of the same rows, e.g. ``intercept_``.

        Returns
        -------
        coef : ndarray of the shape of ``coef``
        intercept : float or ndarray of shape (n_rows,)
        """
        self._check_fitted()
        coef = np.asarray(coef, dtype=np.float64)
        intercept = np.asarray(intercept, dtype=np.float64)
        if coef.ndim not in (1, 2) or coef.shape[-1] != self.n_features_out:
            raise ValueError(
                f"coef must have shape (n_features_out,) or (n_rows, n_features_out) "
                f"with n_features_out={self.n_features_out}, got {coef.shape}"
            )
        if intercept.shape != coef.shape[:-1]:
            raise ValueError(
                f"intercept must have shape {coef.shape[:-1]} to match coef, "
                f"got {intercept.shape}"
            )
        coef_original = coef / self.scale_
        intercept_original = intercept - coef_original @ self.center_
        if intercept_original.ndim == 0:
            return coef_original, float(intercept_original)
        return coef_original, intercept_original

    # ----------------------------------------------------------- persisting
    _STATE_FORMAT = "logreg.TableEncoder"
    _STATE_VERSION = 1
    _STATE_KEYS = frozenset(
        {"format", "version", "params", "columns", "center", "scale", "classes"}
        | {"n_rows_seen", "n_rows_dropped", "missing_counts"}
    )

    def to_state(self) -> dict[str, Any]:
        """The fitted encoder as plain values, for a model file.

        Returns
        -------
        dict
            JSON-able values (str, int, float, bool, None, lists, dicts with
            str keys) except ``center`` and ``scale``, float64 arrays of shape
            (n_features_out,). :meth:`from_state` rebuilds the encoder.
        """
        self._check_fitted()
        return {
            "format": self._STATE_FORMAT,
            "version": self._STATE_VERSION,
            "params": {
                "target": self.target,
                "exclude": list(self.exclude),
                "standardize": self.standardize,
                "drop_missing": self.drop_missing,
                "max_categories": self.max_categories,
            },
            "columns": [_column_state(c) for c in self._columns],
            "center": self.center_.copy(),
            "scale": self.scale_.copy(),
            "classes": None if self.classes_ is None else self.classes_.tolist(),
            "n_rows_seen": self.n_rows_seen_,
            "n_rows_dropped": self.n_rows_dropped_,
            "missing_counts": dict(self.missing_counts_),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> TableEncoder:
        """Rebuild a fitted encoder from :meth:`to_state`'s dict.

        Parameters
        ----------
        state : dict
            As returned by :meth:`to_state` (arrays may be lists).

        Returns
        -------
        TableEncoder

        Raises
        ------
        ValueError
            If ``state`` is not a valid encoder state; the message says why.
        """
        _expect(isinstance(state, Mapping), "not a dict")
        _expect(
            set(state) == cls._STATE_KEYS, f"keys must be {sorted(cls._STATE_KEYS)}"
        )
        _expect(state["format"] == cls._STATE_FORMAT, "wrong format name")
        _expect(
            state["version"] == cls._STATE_VERSION,
            f"unsupported version {state['version']!r}",
        )
        encoder = cls(**_state_params(state["params"]))
        encoder._check_params()
        columns = _state_columns(state["columns"], encoder)
        n_out = sum(len(column.feature_names) for column in columns)
        center = _state_vector(state["center"], "center", n_out)
        scale = _state_vector(state["scale"], "scale", n_out)
        _expect(bool(np.all(scale > 0)), "scale must be > 0")
        _check_unscaled(columns, center, scale, encoder.standardize)
        encoder._columns = columns
        encoder.center_, encoder.scale_ = center, scale
        encoder.categories_ = {
            c.name: list(c.categories) for c in columns if c.kind == _CATEGORY
        }
        encoder.references_ = _references(columns)
        encoder.reference = dict(encoder.references_) or None
        encoder.classes_ = _state_classes(state["classes"], encoder.target)
        encoder.n_rows_seen_ = _state_count(state["n_rows_seen"], "n_rows_seen")
        encoder.n_rows_dropped_ = _state_count(
            state["n_rows_dropped"], "n_rows_dropped"
        )
        encoder.missing_counts_ = _state_missing(state["missing_counts"])
        return encoder


def _check_standardizable(
    names: Sequence[str], mean: np.ndarray, std: np.ndarray
) -> None:
    """Refuse numeric columns whose moments a model file could not hold.

    Squared deviations overflow float64 past about 1e154 and vanish below
    about 1e-162: a column with values that far apart gets an infinite
    standard deviation (near the float64 limit an infinite mean), one with
    values that close a scale of zero.
    """
    usable = np.isfinite(mean) & np.isfinite(std) & (std > 0)
    bad = [names[j] for j in np.flatnonzero(~usable)]
    if bad:
        raise ValueError(
            f"cannot standardise {_columns_phrase(bad)}: the values are too far "
            "apart (or too close together) for a float64 mean and standard "
            "deviation; rescale them (e.g. divide by a power of ten), exclude "
            "them, or do not standardise (standardize=False, --no-standardize)"
        )


def _is_whole_table(pa: ModuleType, data: Any) -> bool:
    """Whether ``data`` is one table (its types known from all its rows)."""
    pandas = sys.modules.get("pandas")
    return isinstance(data, pa.Table | pa.RecordBatch) or (
        pandas is not None and isinstance(data, pandas.DataFrame)
    )


def _check_feature_names(columns: Sequence[_Column]) -> None:
    """Refuse two columns whose features share a name (``a`` = ``b`` and ``a=b``)."""
    owners: dict[str, list[str]] = {}
    for column in columns:
        for name, level in zip(
            column.feature_names,
            column.levels if column.kind == _CATEGORY else [None],
            strict=True,
        ):
            where = repr(column.name)
            if level is not None:
                where += f" (level {level!r})"
            owners.setdefault(name, []).append(where)
    clashes = {name: who for name, who in owners.items() if len(who) > 1}
    if clashes:
        name, who = next(iter(clashes.items()))
        more = f" ({len(clashes)} such names)" if len(clashes) > 1 else ""
        raise ValueError(
            f"columns {' and '.join(who)} would both make the feature {name!r}"
            f"{more}: rename one of the columns"
        )


# --------------------------------------------------------- state validation
def _expect(condition: bool, problem: str) -> None:
    if not condition:
        raise ValueError(f"invalid TableEncoder state: {problem}")


def _state_params(params: Any) -> dict[str, Any]:
    keys = {"target", "exclude", "standardize", "drop_missing", "max_categories"}
    _expect(isinstance(params, Mapping) and set(params) == keys, "bad params")
    exclude = params["exclude"]
    _expect(isinstance(exclude, list | tuple), "exclude must be a list")
    return {**params, "exclude": tuple(exclude)}


def _references(columns: Sequence[_Column]) -> dict[str, str]:
    """The reference level of each treatment-coded column."""
    return {c.name: c.reference for c in columns if c.reference is not None}


def _column_state(column: _Column) -> dict[str, Any]:
    """A column as its model-file entry (``reference`` only when it has one)."""
    entry = {
        "name": column.name,
        "kind": column.kind,
        "categories": list(column.categories),
    }
    if column.reference is not None:
        entry["reference"] = column.reference
    return entry


def _state_columns(entries: Any, encoder: TableEncoder) -> tuple[_Column, ...]:
    _expect(isinstance(entries, list | tuple) and len(entries) > 0, "no columns")
    columns = []
    required = {"name", "kind", "categories"}
    for entry in entries:
        _expect(
            isinstance(entry, Mapping)
            and required <= set(entry) <= {*required, "reference"},
            "each column needs name, kind and categories (and maybe reference)",
        )
        name, kind, categories = entry["name"], entry["kind"], entry["categories"]
        reference = entry.get("reference")
        _expect(isinstance(name, str), "column names must be str")
        _expect(kind in _KINDS, f"column {name!r} has unknown kind {kind!r}")
        _expect(
            isinstance(categories, list | tuple)
            and all(isinstance(value, str) for value in categories)
            and list(categories) == sorted(set(categories)),
            f"categories of {name!r} must be sorted distinct strings",
        )
        _expect(
            (len(categories) > 0) == (kind == _CATEGORY),
            f"column {name!r}: only a category column has categories",
        )
        _expect(
            reference is None or reference in categories,
            f"the reference of {name!r} must be one of its categories",
        )
        columns.append(_Column(name, kind, tuple(categories), reference))
    names = [column.name for column in columns]
    _expect(len(set(names)) == len(names), "duplicate column names")
    reserved = {encoder.target, *encoder.exclude}
    _expect(not reserved & set(names), "the target or an excluded column is a feature")
    return tuple(columns)


def _state_vector(values: Any, name: str, length: int) -> np.ndarray:
    try:
        vector = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        vector = None
    _expect(
        vector is not None and vector.shape == (length,),
        f"{name} must be {length} numbers",
    )
    _expect(bool(np.all(np.isfinite(vector))), f"{name} must be finite")
    return vector


def _check_unscaled(
    columns: Sequence[_Column], center: np.ndarray, scale: np.ndarray, standardize: bool
) -> None:
    """Indicators, and every feature without standardising, have center 0, scale 1."""
    start = 0
    for column in columns:
        stop = start + len(column.feature_names)
        if column.kind == _CATEGORY or not standardize:
            _expect(
                bool(
                    np.all(center[start:stop] == 0) and np.all(scale[start:stop] == 1)
                ),
                f"column {column.name!r} is not standardised but has center/scale",
            )
        start = stop


def _state_classes(classes: Any, target: str | None) -> np.ndarray | None:
    if target is None:
        _expect(classes is None, "classes without a target")
        return None
    _expect(isinstance(classes, list | tuple) and len(classes) > 0, "no classes")
    kinds = {type(value) for value in classes}
    _expect(
        len(kinds) == 1 and kinds <= {str, int, float, bool},
        "classes must be str, int, float or bool, all of one type",
    )
    if str in kinds:
        return np.array(classes, dtype=object)
    return np.array(classes)


def _state_count(value: Any, name: str) -> int:
    _expect(
        isinstance(value, int | np.integer)
        and not isinstance(value, bool)
        and value >= 0,
        f"{name} must be an int >= 0",
    )
    return int(value)


def _state_missing(counts: Any) -> dict[str, int]:
    _expect(isinstance(counts, Mapping), "missing_counts must be a dict")
    return {
        str(name): _state_count(count, "a missing count")
        for name, count in counts.items()
    }


# ------------------------------------------------------------------ writing
