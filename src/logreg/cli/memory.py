"""Memory the commands' dense arrays need, checked before they are built.

The in-memory commands (``fit`` without ``--stream``, ``evaluate``,
``report``) and every batch of the streamed ones (``fit --stream``,
``predict``) hold the encoded rows as a dense float64 matrix of rows x
features, and the class probabilities as rows x classes. Thirty string
columns of a thousand levels each make 30,000 features: 40,000 rows then
take 9.6 GB. A target with a distinct value per row (an identifier passed
as ``--target``) makes as many classes as rows. Rather than start an
allocation that ends in a ``MemoryError`` (or in the kernel's OOM killer,
which no handler sees), the commands compare :func:`dense_bytes` with
:func:`available_memory` first: :func:`should_stream` and
:func:`batch_rows_that_fit` choose how to read a file, and
:func:`check_fits_whole` and :func:`too_large_message` refuse what cannot
fit, saying what to do instead.

The estimate is an upper bound on what ``tracemalloc`` measured (NumPy's
allocations; Arrow's own are not counted, and are bounded by choosing to
stream large files): a binary fit of 20,000 rows x 1,001 features peaked at
291 MB, 1.8 times the 160 MB feature matrix, where :data:`FEATURE_COPIES`
allows three; and a model with up to
:data:`~logreg.stats.statistics.MAX_INFERENCE_PARAMS` parameters ``p`` adds
``16 * 8 * p**2`` bytes whatever the rows (its inference statistics and
Newton's Hessian, then the model file's text: 5 classes x 392 columns, p =
1,960, peaked at 492 MB with 48 MB of features; ``predict`` loading that
model, at 8.7 times ``8 * p**2``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from logreg.data.read import DEFAULT_BATCH_ROWS, data_size
from logreg.stats.statistics import MAX_INFERENCE_PARAMS

__all__ = [
    "CLASS_COPIES",
    "FEATURE_COPIES",
    "PARAMETER_COPIES",
    "STREAM_BYTES",
    "available_memory",
    "batch_rows_that_fit",
    "check_file_fits",
    "check_fits_whole",
    "dense_bytes",
    "format_bytes",
    "parameter_bytes",
    "rows_that_fit",
    "should_stream",
    "too_large_message",
]

#: Dense rows x features float64 matrices alive at the peak of a fit.
FEATURE_COPIES = 3
#: Rows x classes float64 arrays alive at the peak (scores, probabilities,
#: their exponentials): 6,000 rows x 3,783 classes peaked at 3.0 of them.
CLASS_COPIES = 4
#: p x p float64 matrices alive at the peak for a model with inference
#: statistics (measured: 16.0 for fit, 8.7 for loading the model file).
PARAMETER_COPIES = 16
#: Length-p vectors otherwise (L-BFGS keeps 2 x 10, plus gradients).
VECTOR_COPIES = 32
_BYTES = 8  # float64
#: More classes than this in a refusal: the target is probably an identifier.
_MANY_CLASSES = 1000
#: Not a limit: cgroup v1 writes this (or more) for "no limit".
_UNLIMITED = 1 << 60


def parameter_bytes(n_features: int, n_classes: int) -> int:
    """Bytes that depend on the model's parameter count ``p``, not on the rows.

    Parameters
    ----------
    n_features, n_classes : int
        The encoded features and the model's classes.

    Returns
    -------
    int
        ``PARAMETER_COPIES * 8 * p**2`` for a model small enough for
        inference statistics, else ``VECTOR_COPIES * 8 * p``, with ``p =
        (n_features + 1)`` times 1 for two classes, ``n_classes`` for more.
    """
    n_params = (1 if n_classes <= 2 else int(n_classes)) * (int(n_features) + 1)
    if n_params <= MAX_INFERENCE_PARAMS:
        return PARAMETER_COPIES * _BYTES * n_params**2
    return VECTOR_COPIES * _BYTES * n_params


def _row_bytes(n_features: int, n_classes: int) -> int:
    per_row = FEATURE_COPIES * int(n_features) + CLASS_COPIES * int(n_classes)
    return _BYTES * per_row


def dense_bytes(n_rows: int, n_features: int, n_classes: int) -> int:
    """Bytes the dense arrays of ``n_rows`` encoded rows take at their peak.

    Parameters
    ----------
    n_rows, n_features, n_classes : int
        The rows held at once, the encoded features, the model's classes.

    Returns
    -------
    int
        ``8 * n_rows * (FEATURE_COPIES * n_features + CLASS_COPIES *
        n_classes)`` plus :func:`parameter_bytes`.
    """
    rows = int(n_rows) * _row_bytes(n_features, n_classes)
    return rows + parameter_bytes(n_features, n_classes)


def rows_that_fit(n_features: int, n_classes: int, budget: int) -> int:
    """The most rows whose :func:`dense_bytes` is within ``budget`` (at least 0)."""
    rows_budget = int(budget) - parameter_bytes(n_features, n_classes)
    return max(0, rows_budget // max(_row_bytes(n_features, n_classes), 1))


def format_bytes(n_bytes: float) -> str:
    """``n_bytes`` as ``"9.6 GB"``, ``"512.0 MB"`` (powers of 1000)."""
    for unit in ("B", "kB", "MB", "GB"):
        if abs(n_bytes) < 1000:
            return f"{n_bytes:.0f} B" if unit == "B" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1000
    return f"{n_bytes:.1f} TB"


# -------------------------------------------------------------- available
def _meminfo_available() -> int | None:
    """``MemAvailable`` of ``/proc/meminfo`` (Linux): free plus reclaimable."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return None


def _read_int(path: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        text = path.read_text().strip()
        return None if text == "max" else int(text)
    return None


def _cgroup_headroom() -> int | None:
    """The smallest ``limit - usage`` of this process's cgroups (containers).

    cgroup v2 puts a limit at each level of ``/sys/fs/cgroup/<path>``
    (``memory.max``, ``memory.current``); v1 in ``/sys/fs/cgroup/memory``.
    """
    root = Path("/sys/fs/cgroup")
    headroom: list[int] = []
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            hierarchy, _, path = line.split(":", 2)
            if hierarchy == "0":  # v2: walk from this cgroup up to the root
                folder = root / path.lstrip("/")
                for level in (folder, *folder.parents):
                    if level == root.parent:
                        break
                    limit = _read_int(level / "memory.max")
                    usage = _read_int(level / "memory.current")
                    if limit is not None and usage is not None:
                        headroom.append(limit - usage)
    v1 = root / "memory"
    limit = _read_int(v1 / "memory.limit_in_bytes")
    usage = _read_int(v1 / "memory.usage_in_bytes")
    if limit is not None and usage is not None and limit < _UNLIMITED:
        headroom.append(limit - usage)
    return min(headroom) if headroom else None


def _address_space_headroom() -> int | None:
    """``ulimit -v`` minus the address space already mapped, if there is a limit."""
    with contextlib.suppress(OSError, ValueError, AttributeError, ImportError):
        import resource  # POSIX only

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY:
            return None
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return soft - int(line.split()[1]) * 1024
        return soft
    return None


def _physical_available() -> int | None:
    """Free physical memory from ``sysconf`` (where ``/proc`` is missing)."""
    for pages in ("SC_AVPHYS_PAGES", "SC_PHYS_PAGES"):
        with contextlib.suppress(ValueError, OSError, AttributeError):
            return os.sysconf(pages) * os.sysconf("SC_PAGE_SIZE")
    return None


def available_memory() -> int | None:
    """Bytes this process can still allocate, or None where it cannot tell.

    The least of the system's available memory (``MemAvailable`` on Linux,
    else free physical pages), the headroom of the process's cgroups (the
    limit of a container) and of ``ulimit -v``.

    Returns
    -------
    int or None
        At least 0.
    """
    system = _meminfo_available()
    if system is None:
        system = _physical_available()
    known = [
        value
        for value in (system, _cgroup_headroom(), _address_space_headroom())
        if value is not None
    ]
    return max(0, min(known)) if known else None


# -------------------------------------------------------------- decisions
#: Data files holding more than this (decompressed, decoded) are streamed by
#: ``fit`` rather than read whole: decoded tables take several times their
#: Parquet size in memory.
STREAM_BYTES = 512 << 20
#: Memory a table read whole takes, in multiples of its decoded bytes (the
#: Arrow table, then its encoded copy), for the choice to stream.
_TABLE_COPIES = 4


def should_stream(data: str | os.PathLike[str]) -> bool:
    """Whether ``fit`` streams ``data`` by default: too large to read whole.

    Parameters
    ----------
    data : str or os.PathLike
        The data file.

    Returns
    -------
    bool
        Whether it holds more than :data:`STREAM_BYTES` once decompressed
        and decoded (:func:`~logreg.data.read.data_size`), or more than a
        quarter of the available memory.
    """
    if not Path(data).is_file():
        return False  # reading it gives the error
    limit = STREAM_BYTES
    budget = available_memory()
    if budget is not None:
        limit = min(limit, budget // _TABLE_COPIES)
    return data_size(data, limit=limit) > limit


def batch_rows_that_fit(
    requested: int | None,
    n_features: int,
    n_classes: int,
    what: str,
    categories: Mapping[str, Sequence[str]] | None = None,
) -> tuple[int, str | None]:
    """Rows per batch: ``requested``, or by default the most that fit, at most 65,536.

    Returns
    -------
    batch_rows : int
    note : str or None
        Why the default was lowered, if it was.

    Raises
    ------
    ValueError
        When ``requested`` rows, or even one row by default, would not fit
        in the available memory; the message says what would.

    Parameters
    ----------
    requested : int or None
        The user's ``--batch-rows``; None for the default.
    n_features, n_classes : int
        The model's encoded features and classes.
    what : str
        What the batches are for (``"fitting"``, ``"predicting"``).
    categories : mapping of str to sequence of str, optional
        The encoder's ``categories_``, to name the widest columns.
    """
    wanted = DEFAULT_BATCH_ROWS if requested is None else requested
    budget = available_memory()
    needed = dense_bytes(wanted, n_features, n_classes)
    if budget is None or needed <= budget:
        return wanted, None
    fitting = rows_that_fit(n_features, n_classes, budget)
    if requested is None and fitting >= 1:
        note = (
            f"batches of {fitting:,} rows rather than {wanted:,}, which would "
            f"need about {format_bytes(needed)} with {format_bytes(budget)} of "
            "memory available"
        )
        return fitting, note
    remedies = [f"--batch-rows {fitting}"] if fitting >= 1 else []
    message = too_large_message(
        f"{what} in batches",
        needed,
        wanted,
        n_features,
        n_classes,
        budget,
        remedies,
        categories,
    )
    raise ValueError(message)


def check_file_fits(data: str | os.PathLike[str], what: str) -> None:
    """Refuse to read a file whole whose decoded table would not fit in memory.

    Parameters
    ----------
    data : str or os.PathLike
        The data file.
    what : str
        The command that reads it whole, for the message.

    Raises
    ------
    ValueError
        When :func:`~logreg.data.read.data_size` is more than a quarter of
        :func:`available_memory` (the table, then its encoded copies).
    """
    budget = available_memory()
    if budget is None or not Path(data).is_file():
        return
    limit = budget // _TABLE_COPIES
    size = data_size(data, limit=limit)
    if size > limit:
        raise ValueError(
            f"{what} reads {Path(data).name} whole, and it holds more than "
            f"{format_bytes(limit)} of data once decompressed, a quarter of the "
            f"{format_bytes(budget)} of memory available: use a random sample "
            "of its rows"
        )


def check_fits_whole(n_rows: int, encoder: Any, n_classes: int) -> None:
    """Refuse to encode ``n_rows`` rows at once where they would not fit in memory.

    The metrics hold every row's features and probabilities, and the
    confusion matrix ``n_classes**2`` counts (as Python ints, about 40 bytes
    each, for its JSON form).

    Parameters
    ----------
    n_rows : int
        The rows read.
    encoder : TableEncoder or FormulaTable
        The model's encoder (``n_features_out``, maybe ``categories_``).
    n_classes : int
        The model's classes.

    Raises
    ------
    ValueError
        Naming the memory needed and available, and what to do.
    """
    budget = available_memory()
    shape = (n_rows, encoder.n_features_out, n_classes)
    needed = dense_bytes(*shape) + 40 * n_classes**2
    if budget is not None and needed > budget:
        raise ValueError(
            too_large_message(
                "evaluating all rows at once",
                needed,
                *shape,
                budget,
                ["evaluate a random sample of the rows"],
                getattr(encoder, "categories_", None),
            )
        )


# ---------------------------------------------------------------- message
def too_large_message(
    what: str,
    needed: int,
    n_rows: int,
    n_features: int,
    n_classes: int,
    budget: int,
    remedies: Sequence[str],
    categories: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The one-line refusal: what would be built, its size, what to do instead.

    Parameters
    ----------
    what : str
        What needs the memory, e.g. ``"fitting in memory"``.
    needed : int
        The bytes it needs: :func:`dense_bytes`, and what else it holds.
    n_rows, n_features, n_classes : int
        The shapes behind ``needed``.
    budget : int
        :func:`available_memory`.
    remedies : sequence of str
        What the user can do, most direct first.
    categories : mapping of str to sequence of str, optional
        The one-hot encoded columns and their levels: the widest are named.

    Returns
    -------
    str
    """
    head = (
        f"{what} needs about {format_bytes(needed)} for {n_rows:,} rows x "
        f"{n_features:,} features and {n_classes:,} classes, but about "
        f"{format_bytes(budget)} of memory is available"
    )
    remedies = list(remedies)
    wide = sorted(
        ((name, len(levels)) for name, levels in (categories or {}).items()),
        key=lambda item: -item[1],
    )
    indicators = sum(count for _, count in wide)
    # Worth naming where indicators are most of the features and the features
    # most of the memory.
    if 2 * indicators >= n_features and (
        FEATURE_COPIES * indicators >= CLASS_COPIES * n_classes
    ):
        named = ", ".join(f"{name!r} ({count:,} levels)" for name, count in wide[:3])
        more = f" and {len(wide) - 3} more" if len(wide) > 3 else ""
        remedies.append(
            f"--exclude string columns with many levels ({named}{more}), or "
            "merge their rare levels"
        )
    if n_classes > _MANY_CLASSES:
        remedies.append(f"check the target: {n_classes:,} classes (an identifier?)")
    if not remedies:
        remedies.append("use a machine with more memory")
    return f"{head}: {'; or '.join(remedies)}"
