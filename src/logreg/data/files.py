"""CSV and Parquet files, streamed from disk on every pass (``fit_file``).

Columns are encoded by a :class:`~logreg.data.encoder.TableEncoder` learned in
a first pass over the file; each pass of the solver then reads, encodes and
sums one batch at a time (:class:`~logreg.data.file_source.FileSource`), so
memory is bounded by the batch whatever the file's size.
"""

from __future__ import annotations

from typing import Any

from logreg.data.adapter import Adapter, TrainingData
from logreg.data.encoder import TableEncoder
from logreg.data.file_source import FileSource
from logreg.data.read import iter_batches

__all__ = ["FileAdapter"]


class FileAdapter(Adapter):
    """A data file named by its path, with a target column.

    Not in :data:`~logreg.data.ADAPTERS` (a path is not an ``X``): ``fit_file``
    asks it directly, through :meth:`file_training_data`.
    """

    name = "file"

    def check_solver(self, solver: str) -> None:
        """Refuse ``"sgd"``: its mini-batches need random access to rows."""
        if solver == "sgd":
            raise ValueError(
                "solver='sgd' needs random access to rows; a file streamed from "
                "disk supports 'auto', 'newton', 'lbfgs' and 'gd'."
            )

    def file_training_data(
        self,
        path: Any,
        target: str,
        *,
        batch_rows: int,
        exclude: Any,
        standardize: bool,
        drop_missing: bool,
        reference: Any = None,
    ) -> TrainingData:
        """Learn the file's encoding in one pass; the rows as a streamed source.

        Parameters
        ----------
        path : str or os.PathLike
            A ``.parquet``/``.pq`` or ``.csv``/``.csv.gz``/``.tsv`` file.
        target : str
            The label column.
        batch_rows : int
            Rows read and encoded at a time.
        exclude : sequence of str
            Columns that are not features.
        standardize : bool
            Standardise the numeric columns with the file's mean and std.
        drop_missing : bool
            Drop rows with a missing value instead of raising.
        reference : None, "first" or dict of str to str, default=None
            The levels without an indicator (see
            :class:`~logreg.data.encoder.TableEncoder`).

        Returns
        -------
        TrainingData
            With unit weights (``class_totals`` None) and the fitted encoder
            as ``fitted["file_encoder_"]``.
        """
        encoder = TableEncoder(
            target=target,
            exclude=exclude,
            standardize=standardize,
            drop_missing=drop_missing,
            reference=reference,
        ).fit(iter_batches(path, batch_rows=batch_rows))
        classes = encoder.classes_
        return TrainingData(
            source=FileSource(path, encoder, classes, batch_rows=batch_rows),
            classes=classes,
            class_totals=None,
            n_features=encoder.n_features_out,
            feature_names=encoder.feature_names_out,
            target=target,
            fitted={"file_encoder_": encoder},
        )
