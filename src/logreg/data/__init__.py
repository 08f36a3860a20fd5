"""The input layer: every kind of input becomes a data source here, in one place.

An *adapter* knows one kind of input. It turns ``(X, y, sample_weight)``
into :class:`~logreg.data.adapter.TrainingData` (a
:class:`~logreg.data.sources.DataSource` over the rows with ``y`` encoded,
the classes, each class's total weight and the feature names) and maps a
fitted linear model over rows of its kind (``Adapter.predict``).
:func:`~logreg.data.registry.adapter_for` picks the adapter, once, from
:data:`~logreg.data.registry.ADAPTERS`; the estimator never asks what kind
its input is. The contract is in :mod:`~.adapter`.

========================  ===================================================
adapter                   inputs
========================  ===================================================
:mod:`~.dask`             Dask arrays and DataFrames: rows stay on the
                          cluster, predictions are lazy Dask arrays
:mod:`~.array_api`        PyTorch, CuPy, ``array_api_strict``...: rows stay
                          on their device, predictions come back there
:mod:`~.memory`           NumPy, SciPy sparse, pandas, lists (the default)
:mod:`~.files`            CSV and Parquet files, streamed batch by batch
                          (``fit_file``)
========================  ===================================================

Tables (``fit_table``/``predict_table``) have their own small contract,
:class:`~logreg.data.tables.TableKind`, picked by
:func:`~logreg.data.table_kinds.table_kind_for`: every kind learns the same
:class:`~logreg.data.encoder.TableEncoder` and hands the estimator the same
:class:`~logreg.data.adapter.TrainingData`.

========================  ===================================================
table kind                tables
========================  ===================================================
:mod:`~.arrow_tables`     paths (``fit_file``), pandas DataFrames, pyarrow
                          Tables and record batches (in memory), pyarrow
                          Datasets (streamed)
:mod:`~.dask_table`       Dask DataFrames: encoded on the workers, summed by
                          :mod:`~.dask_source`
:mod:`~.spark`            Spark DataFrames: encoded on the executors, summed
                          by :mod:`~.spark_source`
========================  ===================================================

Adding a kind of input means adding one module with an
:class:`~logreg.data.adapter.Adapter` and listing it in
:data:`~logreg.data.registry.ADAPTERS` before the in-memory default (see
``docs/architecture.md``).

This package module imports nothing: the sources and tables below the math
(``sources``, ``file_source``, ``dask_source``, ``spark_source``, ``read``,
``columns``,
``encoder``, ``write``) load without the adapters above it.
"""
