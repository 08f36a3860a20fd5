"""A model fitted with a formula, read from data files by the commands.

``logreg fit DATA --formula "..."`` saves a model whose estimator encodes its
own input (``formula_``), so the commands that read data files
(``predict``, ``evaluate``, ``report``) only need the formula's columns as a
pandas DataFrame. :class:`FormulaTable` gives them that with the interface of
the column encoder (:class:`~logreg.data.encoder.TableEncoder`) they use for
the other models: the columns to read, missing values counted or dropped the
same way, and the labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from logreg.data.columns import missing_message, missing_rows
from logreg.data.formula import ModelFormula
from logreg.data.read import require_pyarrow

__all__ = ["FormulaTable"]


class FormulaTable:
    """The columns of a formula model's data, as a pandas DataFrame.

    Parameters
    ----------
    formula : ModelFormula
        The fitted estimator's ``formula_``.
    target : str or None
        The label column: the formula's left-hand side, or the one given at fit.
    """

    def __init__(self, formula: ModelFormula, target: str | None) -> None:
        self.formula = formula
        self.target = formula.target or target

    @property
    def input_columns(self) -> list[str]:
        """The data columns the formula reads."""
        return list(self.formula.variables)

    @property
    def feature_names_out(self) -> list[str]:
        """The model's terms (the design matrix's columns)."""
        return list(self.formula.columns)

    @property
    def n_features_out(self) -> int:
        """The number of terms."""
        return len(self.formula.columns)

    @property
    def read_types(self) -> dict[str, Any]:
        """No imposed types: the columns are read as the fit read them."""
        return {}

    def transform(
        self,
        data: Any,
        *,
        with_target: bool = False,
        drop_missing: bool = False,
        unseen_counts: dict[str, int] | None = None,
    ) -> tuple[Any, np.ndarray]:
        """The complete rows of ``data``'s formula columns, as a DataFrame.

        Parameters
        ----------
        data : pyarrow.Table or pyarrow.RecordBatch of shape (n_rows, n_columns)
        with_target : bool, default=False
            Also require the target column, and keep it.
        drop_missing : bool, default=False
            Drop rows with a missing value instead of raising.
        unseen_counts : dict, optional
            Unused: a level the fit never saw raises (see
            :mod:`logreg.data.formula`).

        Returns
        -------
        frame : pandas.DataFrame of shape (n_kept, n_used_columns)
        kept : ndarray of shape (n_rows,), bool
        """
        pa = require_pyarrow()
        used = self.input_columns
        if with_target:
            if self.target is None:
                raise ValueError("the model file names no target column")
            used = [*used, self.target]
        absent = [name for name in used if name not in data.schema.names]
        if absent:
            raise ValueError(f"the data lack the columns {absent}")
        rows, counts = missing_rows(pa, data, used)
        if counts and not drop_missing:
            raise ValueError(missing_message(counts))
        if counts:
            data = data.filter(pa.array(~rows))
        return data.select(list(dict.fromkeys(used))).to_pandas(), ~rows

    def transform_xy(
        self,
        data: Any,
        *,
        drop_missing: bool = False,
        unseen_counts: dict[str, int] | None = None,
    ) -> tuple[Any, np.ndarray, np.ndarray]:
        """Columns and labels of the complete rows, as :meth:`transform`.

        Returns
        -------
        frame : pandas.DataFrame of shape (n_kept, n_used_columns)
        y : ndarray of shape (n_kept,)
        kept : ndarray of shape (n_rows,), bool
        """
        frame, kept = self.transform(
            data,
            with_target=True,
            drop_missing=drop_missing,
            unseen_counts=unseen_counts,
        )
        return frame, frame[self.target].to_numpy(), kept
