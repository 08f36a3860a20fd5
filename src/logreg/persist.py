r"""Model files without pickle: save and load a fitted ``LogisticRegression``.

A model file is one UTF-8 JSON document. JSON was chosen over a zip of
``.npy`` files because a logistic regression is small (a few coefficient
rows), so one text file costs nothing, can be read with any JSON tool, and
loading it only ever builds plain values: no pickle, no ``eval``, no
``np.load``, and no import except the fixed table of state classes below.

Schema (``format_version`` 1)::

    {
      "format": "logreg-model",
      "format_version": 1,
      "logreg_version": "0.1.0",             # the writer, for information
      "created": "2024-05-01T12:00:00+00:00",  # UTC, for information
      "estimator": {
        "class": "LogisticRegression",
        "params": {name: value, ...},        # estimator.get_params()
        "fitted": {name: value, ...}         # the rest of __getstate__()
      },
      "preprocessor": value,                 # None, or e.g. a TableEncoder
      "metadata": {key: value, ...}
    }

``fitted`` holds the fitted attributes (``coef_``, ``classes_``, ...) and
private fitted state (names starting with ``_``) exactly as ``vars`` shows
them. A value is encoded recursively:

========================  ====================================================
Python value              JSON
========================  ====================================================
None, bool, int, str      null, true/false, number, string
float                     number (``repr``, exact); inf and nan as
                          ``{"__float__": "inf" | "-inf" | "nan"}``
list                      array
tuple                     ``{"__tuple__": [value, ...]}``
dict, all keys ``str``    object (when no key starts with ``"__"``)
other dict                ``{"__dict__": [[key, value], ...]}``; keys are
                          scalars (None, bool, int, float, str, numpy scalar)
numpy array, dtype bool,  ``{"__ndarray__": {"dtype": "<f8", "shape": [...],
int, uint, float, complex "data": base64 of the little-endian C-order bytes}}``
numpy array, dtype ``U``  ``{"__ndarray__": {"dtype": "<U5", "shape": [...],
or object                 "items": [value, ...]}}``, items in C order;
                          object items are scalars
numpy scalar              ``{"__npscalar__": <the "__ndarray__" payload of
                          the 0-d array>}``
state object              ``{"__state__": {"class": name, "state": value}}``
========================  ====================================================

A JSON object with a key starting with ``"__"`` must be exactly one of the
tags above. Numeric dtypes are limited to ``|b1``, ``|i1``-``<i8``,
``|u1``-``<u8``, ``<f2``, ``<f4``, ``<f8``, ``<c8`` and ``<c16``, so arrays
(``float32`` included) come back bit for bit with their dtype; a big-endian
array comes back little-endian, with the same values. A ``U`` array is at
most 2**24 characters wide.

Memory budget: a file can only ask for memory in proportion to its size.
Before any array is built, the bytes it will take (its elements times the
item size, 4 bytes per character of a ``U`` width, 8 per object item; an
empty dimension counts as 1, so ``[2**63, 0]`` is refused too) are charged to
one budget for the whole document: 16 MiB (:data:`_LOAD_BUDGET_BYTES`) plus
16 (:data:`_LOAD_BUDGET_PER_FILE_BYTE`) times the file's length in bytes.
Numeric arrays carry their bytes in the file (base64, 4/3 of them) and
object items take at least 2 characters each, so only the padding of ``U``
arrays, which is not in the file, can amplify; a file over budget is refused
before it allocates. A JSON number that overflows a float (``1e999``) or an
int longer than Python parses is refused too. Saving decodes the written
document with the same budget and checks, so every file written can be
loaded.

State objects are instances of the classes named in :data:`STATE_CLASSES`, a
fixed table inside the ``logreg`` package. They implement ``to_state() ->
dict`` and a classmethod ``from_state(state)``. A file can only name a class
from that table; any other name is refused before anything is imported.

The fitted state is checked against the model before use: ``coef_``,
``intercept_``, ``classes_`` (one of bool, int, real float or str labels,
distinct, no NaN), ``n_features_in_`` and the private ``_inference``
statistics, whose matrices must have the shapes that ``coef_`` and
``fit_intercept`` give.

Saving refuses a ``random_state`` that is a numpy ``Generator`` (its state
cannot be written without pickle) with a ``ValueError``; set it to an int or
``None`` first, and anything that loading would refuse (a ``ValueError``
naming the problem; nothing is written). Loading a file that is not a valid
model file raises :class:`ModelFileError` (a ``ValueError``) with one line
naming the file and the problem; a missing file raises ``FileNotFoundError``
(other I/O errors are ``OSError`` too). Files are written atomically: a
temporary file in the same directory, flushed and fsynced, then renamed over
``path``.

Longer than 600 lines: one file format, whose writer and its hostile-input
reader (every tag, dtype, shape and fitted attribute checked before use)
belong side by side.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime
import errno
import importlib
import json
import math
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

if TYPE_CHECKING:
    from logreg.estimator import LogisticRegression


__all__ = [
    "FORMAT_VERSION",
    "STATE_CLASSES",
    "ModelFile",
    "ModelFileError",
    "load",
    "load_model_file",
    "save_model",
]

FORMAT_NAME = "logreg-model"
#: The newest format version this module writes and reads.
FORMAT_VERSION = 1

#: Classes whose instances may be stored, by name -> (module, class name).
#: Modules are imported lazily, and only from this table.
STATE_CLASSES: dict[str, tuple[str, str]] = {
    "InferenceStatistics": ("logreg.stats.statistics", "InferenceStatistics"),
    "TableEncoder": ("logreg.data.encoder", "TableEncoder"),
    "ModelFormula": ("logreg.data.formula", "ModelFormula"),
}

#: Estimator classes a file may name, resolved the same lazy way (the estimator
#: imports this module to save itself; this module names it only here).
_ESTIMATOR_CLASSES: dict[str, tuple[str, str]] = {
    "LogisticRegression": ("logreg.estimator", "LogisticRegression"),
}
_TOP_LEVEL_KEYS = {
    "format",
    "format_version",
    "logreg_version",
    "created",
    "estimator",
    "preprocessor",
    "metadata",
}
_RAW_DTYPES = frozenset(
    {"|b1", "|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8"}
    | {"<f2", "<f4", "<f8", "<c8", "<c16"}
)
_UNICODE_DTYPE = re.compile(r"<U(\d{1,9})")
_NONFINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}
#: Widest str array (characters per item); numpy's own limit is 2**29.
_MAX_STR_WIDTH = 2**24
#: Bytes of arrays any model file may decode to, whatever its size ...
_LOAD_BUDGET_BYTES = 2**24
#: ... plus this many per byte of the file (see "Memory budget" above).
_LOAD_BUDGET_PER_FILE_BYTE = 16
#: Fitted attributes that only live between ``fit`` and ``__getstate__``.
_NEVER_STORED = frozenset({"_pending_inference", "_training_objective"})
_MAX_NDIM = 32
_PICKLE_PROTOCOL_BYTE = b"\x80"


@dataclass(frozen=True)
class ModelFile:
    """The contents of a model file.

    Attributes
    ----------
    estimator : LogisticRegression
        The fitted estimator.
    preprocessor : object or None
        The data preprocessing saved next to the model (for the command line),
        or ``None``.
    metadata : dict
        Free-form information saved with the model.
    """

    estimator: LogisticRegression
    preprocessor: Any = None
    metadata: dict[Any, Any] = field(default_factory=dict)


class ModelFileError(ValueError):
    """A file is not a valid logreg model file (damaged, foreign or too new)."""


class _Invalid(Exception):
    """A problem in the document at ``where``; becomes a :class:`ModelFileError`."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)


class _Budget:
    """Bytes the arrays of one document may still take (the module's memory budget).

    Parameters
    ----------
    file_bytes : int
        The length of the file, in bytes.
    """

    def __init__(self, file_bytes: int) -> None:
        self.file_bytes = file_bytes
        self.limit = _LOAD_BUDGET_BYTES + _LOAD_BUDGET_PER_FILE_BYTE * file_bytes
        self.left = self.limit

    def charge(self, shape: list[int], itemsize: int, where: str) -> None:
        """Take an array's bytes from the budget before it is built.

        Empty dimensions count as 1 (numpy still multiplies the others), so
        the charge also bounds every dimension.

        Raises
        ------
        _Invalid
            If the array would take more than what is left.
        """
        needed = math.prod(max(n, 1) for n in shape) * max(itemsize, 1)
        if needed > self.left:
            raise _Invalid(
                where,
                f"array too big: shape {_short(shape)} with {itemsize}-byte "
                f"items takes {needed} bytes, and a model file of "
                f"{self.file_bytes} bytes may decode to {self.limit} bytes of "
                f"arrays in all ({self.left} left): damaged or hostile file",
            )
        self.left -= needed


# --------------------------------------------------------------- public API
def save_model(
    estimator: LogisticRegression,
    path: str | os.PathLike[str],
    *,
    preprocessor: Any = None,
    metadata: dict[Any, Any] | None = None,
) -> None:
    """Write a fitted estimator to ``path``, atomically and without pickle.

    Parameters
    ----------
    estimator : LogisticRegression
        A fitted estimator.
    path : str or os.PathLike
        The model file. An existing file is replaced only once the new one is
        completely written; on any error it is left untouched.
    preprocessor : object, optional
        Data preprocessing to store next to the model: any supported value
        (see the module docstring), typically a state object.
    metadata : dict, optional
        Free-form information (supported values only).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted. Nothing is written.
    TypeError
        If a value has an unsupported type; the message names where it is.
    ValueError
        If ``random_state`` is a numpy Generator, the fitted attributes are
        inconsistent, or the file could not be loaded back (:func:`load`
        would refuse it). Nothing is written.
    """
    document = _encode_document(estimator, preprocessor, metadata)
    text = json.dumps(document, allow_nan=False, ensure_ascii=False, indent=1)
    data = text.encode("utf-8")
    # Decoded in memory with every check load runs: what is written loads.
    try:
        _load_document(data)
    except _Invalid as error:
        message = f"Cannot save: the file would not load back ({error})."
        raise ValueError(message) from None
    _write_atomically(Path(path), data)


def load(path: str | os.PathLike[str]) -> LogisticRegression:
    """Read a fitted estimator written by :func:`save_model`.

    Parameters
    ----------
    path : str or os.PathLike
        The model file.

    Returns
    -------
    LogisticRegression
        The fitted estimator, equal to the saved one in every attribute. A
        model written by ``logreg fit`` stores its column encoder once, as
        the file's preprocessor; it comes back as ``file_encoder_``, so
        ``predict_table`` reads tables as the fit read them.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ModelFileError
        A ``ValueError``, if the file is not a valid model file.
    """
    from logreg.data.encoder import TableEncoder

    model_file = load_model_file(path)
    estimator = model_file.estimator
    if isinstance(model_file.preprocessor, TableEncoder) and not hasattr(
        estimator, "file_encoder_"
    ):
        estimator.file_encoder_ = model_file.preprocessor
    return estimator


def load_model_file(path: str | os.PathLike[str]) -> ModelFile:
    """Read a model file with its preprocessor and metadata.

    Parameters
    ----------
    path : str or os.PathLike
        The model file.

    Returns
    -------
    ModelFile

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ModelFileError
        A ``ValueError``, if the file is not a valid model file: the one-line
        message names the file and the problem. Nothing in the file is ever
        executed, and it may only decode to a bounded amount of memory (the
        module docstring's memory budget).
    """
    data = _read_bytes(Path(path))
    try:
        return _load_document(data)
    except _Invalid as error:
        raise ModelFileError(f"{os.fspath(path)}: {error}") from None


# ------------------------------------------------------------------ saving
def _encode_document(
    estimator: LogisticRegression, preprocessor: Any, metadata: Any
) -> dict[str, Any]:
    """The JSON-ready document of the module docstring."""
    class_name = type(estimator).__name__
    if _ESTIMATOR_CLASSES.get(class_name) != (
        type(estimator).__module__,
        type(estimator).__qualname__,
    ):
        raise TypeError(
            f"save_model saves {sorted(_ESTIMATOR_CLASSES)}, got "
            f"{type(estimator).__qualname__}."
        )
    check_is_fitted(estimator)
    params = estimator.get_params(deep=False)
    if isinstance(params.get("random_state"), np.random.Generator):
        raise ValueError(
            "Cannot save random_state=<numpy Generator>: its state cannot be "
            "stored without pickle. Set random_state to an int or None first "
            "(estimator.set_params(random_state=None))."
        )
    # __getstate__, not vars(): it computes pending inference statistics and
    # leaves out the reference to the training data.
    state = estimator.__getstate__()
    if hasattr(state.get("coef_"), "toarray"):  # after sparsify()
        state["coef_"] = state["coef_"].toarray()
    for name in ("coef_", "intercept_"):  # arrays of a device: saved from the host
        if name in state and not isinstance(state[name], np.ndarray):
            from logreg._namespace import to_numpy

            state[name] = to_numpy(state[name])
    fitted = {k: v for k, v in state.items() if k not in params}
    try:
        _check_fitted_names(type(estimator), params, fitted)
        _check_fitted_state(fitted, params)
    except _Invalid as error:
        raise ValueError(f"Cannot save this estimator: {error}") from None
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict or None, got {type(metadata)}.")
    try:
        return {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "logreg_version": _logreg_version(),
            "created": datetime.datetime.now(datetime.UTC).isoformat("T", "seconds"),
            "estimator": {
                "class": class_name,
                "params": _encode(params, "params"),
                "fitted": _encode(fitted, "fitted"),
            },
            "preprocessor": _encode(preprocessor, "preprocessor"),
            "metadata": _encode(metadata or {}, "metadata"),
        }
    except RecursionError:
        message = "Cannot save: values are nested too deeply (a cycle?)."
        raise ValueError(message) from None


def _logreg_version() -> str:
    # Imported here: logreg/__init__.py imports this module before it sets
    # __version__.
    from logreg._version import __version__

    return __version__


def _encode(value: Any, where: str) -> Any:
    """``value`` as plain JSON values, tagged as in the module docstring."""
    if isinstance(value, np.ndarray):
        return {"__ndarray__": _encode_array(value, where)}
    if isinstance(value, np.generic):
        return {"__npscalar__": _encode_array(np.asarray(value), where)}
    # Exact types: a subclass (an IntEnum, say) would come back as its base.
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        if math.isfinite(value):
            return value
        return {"__float__": "nan" if math.isnan(value) else repr(value)}
    if isinstance(value, list):
        return [_encode(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, dict):
        return _encode_dict(value, where)
    state_class = _state_class_name(type(value))
    if state_class is not None:
        return {"__state__": _encode_state(value, state_class, where)}
    raise TypeError(
        f"Cannot save {where}: values of type {_type_name(value)} are not "
        "supported (None, bool, int, float, str, numpy scalars and arrays, "
        f"list, tuple, dict, and state objects of {sorted(STATE_CLASSES)})."
    )


def _is_scalar(value: Any) -> bool:
    scalar_types = bool | int | float | str | np.generic
    return value is None or isinstance(value, scalar_types)


def _encode_dict(value: dict[Any, Any], where: str) -> Any:
    if all(type(key) is str and not key.startswith("__") for key in value):
        return {key: _encode(item, f"{where}.{key}") for key, item in value.items()}
    pairs = []
    for key, item in value.items():
        if not _is_scalar(key):
            raise TypeError(
                f"Cannot save {where}: dict keys must be scalars, got "
                f"{_type_name(key)}."
            )
        key_where = f"{where}[{key!r}]"
        pairs.append([_encode(key, key_where), _encode(item, key_where)])
    return {"__dict__": pairs}


def _encode_array(array: np.ndarray, where: str) -> dict[str, Any]:
    dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else None
    dtype = array.dtype if dtype is None else dtype
    shape = list(array.shape)
    if dtype.str in _RAW_DTYPES:
        raw = array.astype(dtype, copy=False).tobytes(order="C")
        data = base64.b64encode(raw).decode("ascii")
        return {"dtype": dtype.str, "shape": shape, "data": data}
    if dtype.kind == "U":
        items = array.ravel().tolist()
        return {"dtype": dtype.str, "shape": shape, "items": items}
    if dtype.kind == "O":
        items = []
        for index, item in enumerate(array.ravel().tolist()):
            if not _is_scalar(item):
                raise TypeError(
                    f"Cannot save {where}: object arrays may hold scalars only, "
                    f"item {index} is {_type_name(item)}."
                )
            items.append(_encode(item, f"{where}.flat[{index}]"))
        return {"dtype": "|O", "shape": shape, "items": items}
    raise TypeError(f"Cannot save {where}: numpy dtype {array.dtype} is not supported.")


def _state_class_name(cls: type) -> str | None:
    """The :data:`STATE_CLASSES` name of ``cls``, or None."""
    for name, (module, qualname) in STATE_CLASSES.items():
        if cls.__module__ == module and cls.__qualname__ == qualname:
            return name
    return None


def _encode_state(value: Any, class_name: str, where: str) -> dict[str, Any]:
    # The loader rebuilds the table's class: make sure it is this very class.
    if _import_state_class(class_name) is not type(value):
        raise TypeError(
            f"Cannot save {where}: {_type_name(value)} is not the "
            f"class registered as {class_name!r}."
        )
    state = value.to_state()
    if not isinstance(state, dict):
        raise TypeError(
            f"Cannot save {where}: {class_name}.to_state() returned "
            f"{_type_name(state)}, not a dict."
        )
    return {"class": class_name, "state": _encode(state, f"{where}.<state>")}


def _import_state_class(class_name: str) -> type:
    module_name, qualname = STATE_CLASSES[class_name]
    return getattr(importlib.import_module(module_name), qualname)


def _type_name(value: Any) -> str:
    cls = type(value)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file next to ``path``, then rename it.

    The temporary file is named after this process
    (:func:`logreg.data.write.reserve_temporary`), so one left by a killed
    writer is removed by the next write of ``path``.
    """
    from logreg.data.write import reserve_temporary

    temporary = reserve_temporary(path)
    try:
        with open(temporary, "wb") as stream:
            _write_payload(stream, data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_directory(path.parent)


def _write_payload(stream: Any, data: bytes) -> None:
    stream.write(data)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories can't be opened."""
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


# ----------------------------------------------------------------- loading
def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(
            errno.ENOENT, "No such model file", os.fspath(path)
        ) from None


def _load_document(data: bytes) -> ModelFile:
    """The model file in ``data``; every problem is an :class:`_Invalid`."""
    try:
        return _decode_document(_parse(data), _Budget(len(data)))
    except RecursionError:
        raise _Invalid("", "values are nested too deeply") from None
    except OverflowError as error:
        raise _Invalid("", f"a number is out of range ({error})") from None
    except MemoryError:
        raise _Invalid("", "too big to load: out of memory") from None


def _parse(data: bytes) -> Any:
    """The JSON document in ``data``; refuses non-JSON with a clear reason."""
    if not data.strip():
        raise _Invalid("", "the file is empty, not a logreg model file")
    if data.startswith(_PICKLE_PROTOCOL_BYTE):
        raise _Invalid(
            "",
            "this looks like a pickle file; logreg model files are JSON and "
            "pickles are never loaded (they can run arbitrary code)",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _Invalid("", "not a logreg model file (not UTF-8 text)") from None
    try:
        return json.loads(
            text, parse_constant=_refuse_constant, parse_float=_parse_float
        )
    except json.JSONDecodeError as error:
        raise _Invalid(
            "",
            f"not a logreg model file, or truncated: invalid JSON at line "
            f"{error.lineno} column {error.colno} ({error.msg})",
        ) from None
    except ValueError as error:
        # An int of more digits than sys.get_int_max_str_digits().
        raise _Invalid("", f"not a logreg model file: {error}") from None


def _refuse_constant(name: str) -> Any:
    raise _Invalid("", f"not a logreg model file: bare JSON constant {name}")


def _parse_float(text: str) -> float:
    # The writer spells non-finite floats as tags: 1e999 is not from it.
    value = float(text)
    if not math.isfinite(value):
        raise _Invalid("", f"not a logreg model file: number {_short(text)} overflows")
    return value


def _decode_document(document: Any, budget: _Budget) -> ModelFile:
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise _Invalid("", f'not a logreg model file (no "format": "{FORMAT_NAME}")')
    version = document.get("format_version")
    if type(version) is not int or version < 1:
        raise _Invalid("format_version", f"expected an int >= 1, got {version!r}")
    if version > FORMAT_VERSION:
        raise _Invalid(
            "",
            f"written in format version {version} by a newer logreg; this "
            f"version reads up to {FORMAT_VERSION}: upgrade logreg",
        )
    _check_keys(
        document,
        "",
        required={"format", "format_version", "estimator"},
        allowed=_TOP_LEVEL_KEYS,
    )
    estimator = _decode_estimator(document["estimator"], budget)
    metadata = _decode(document.get("metadata", {}), "metadata", budget)
    if not isinstance(metadata, dict):
        raise _Invalid("metadata", f"expected a dict, got {_type_name(metadata)}")
    preprocessor = _decode(document.get("preprocessor"), "preprocessor", budget)
    return ModelFile(estimator, preprocessor, metadata)


def _check_keys(
    mapping: dict[str, Any], where: str, *, required: set[str], allowed: set[str]
) -> None:
    missing = sorted(required - set(mapping))
    if missing:
        raise _Invalid(where, f"missing {missing}")
    unexpected = sorted(set(mapping) - allowed)
    if unexpected:
        raise _Invalid(where, f"unexpected keys {unexpected}")


def _decode_estimator(node: Any, budget: _Budget) -> LogisticRegression:
    if not isinstance(node, dict):
        raise _Invalid("estimator", f"expected an object, got {_json_type(node)}")
    keys = {"class", "params", "fitted"}
    _check_keys(node, "estimator", required=keys, allowed=keys)
    if not isinstance(node["class"], str) or node["class"] not in _ESTIMATOR_CLASSES:
        raise _Invalid("estimator.class", f"unknown estimator {node['class']!r}")
    module_name, qualname = _ESTIMATOR_CLASSES[node["class"]]
    cls = getattr(importlib.import_module(module_name), qualname)
    params = _decode_names(node["params"], "estimator.params", budget)
    fitted = _decode_names(node["fitted"], "estimator.fitted", budget)
    estimator = _build_estimator(cls, params)
    _check_fitted_names(cls, params, fitted)
    _check_fitted_state(fitted, estimator.get_params(deep=False))
    vars(estimator).update(fitted)
    return estimator


def _decode_names(node: Any, where: str, budget: _Budget) -> dict[str, Any]:
    """A dict keyed by attribute names."""
    value = _decode(node, where, budget)
    if not isinstance(value, dict) or not all(
        isinstance(key, str) and key.isidentifier() for key in value
    ):
        raise _Invalid(where, "expected an object keyed by attribute names")
    return value


def _build_estimator(cls: type, params: dict[str, Any]) -> LogisticRegression:
    known = cls().get_params(deep=False)
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise _Invalid("estimator.params", f"unknown parameters {unknown}")
    estimator = cls(**params)
    try:
        estimator._validate_params()
    except ValueError as error:
        raise _Invalid("estimator.params", str(error)) from None
    except (TypeError, OverflowError) as error:
        # e.g. an int too large for a float, which numpy cannot compare.
        raise _Invalid("estimator.params", f"invalid value ({error})") from None
    return estimator


def _check_fitted_names(
    cls: type, params: dict[str, Any], fitted: dict[str, Any]
) -> None:
    """Fitted names may not be dunders, parameters or class attributes (methods).

    Nor the names that only live between ``fit`` and ``__getstate__``.
    """
    for name in fitted:
        if (
            name.startswith("__")
            or name in params
            or name in _NEVER_STORED
            or hasattr(cls, name)
        ):
            raise _Invalid("estimator.fitted", f"attribute name {name!r} not allowed")


def _decode(node: Any, where: str, budget: _Budget) -> Any:
    """Inverse of :func:`_encode`; arrays are charged to ``budget``."""
    if node is None or isinstance(node, bool | int | float | str):
        return node
    if isinstance(node, list):
        return [_decode(item, f"{where}[{i}]", budget) for i, item in enumerate(node)]
    if not any(key.startswith("__") for key in node):
        return {
            key: _decode(item, f"{where}.{key}", budget) for key, item in node.items()
        }
    if len(node) != 1 or next(iter(node)) not in _DECODERS:
        raise _Invalid(where, f"unknown tagged value with keys {sorted(node)}")
    tag, payload = next(iter(node.items()))
    return _DECODERS[tag](payload, where, budget)


def _decode_float(payload: Any, where: str, budget: _Budget) -> float:
    if not isinstance(payload, str) or payload not in _NONFINITE:
        raise _Invalid(where, f"bad __float__ {payload!r}")
    return _NONFINITE[payload]


def _decode_tuple(payload: Any, where: str, budget: _Budget) -> tuple[Any, ...]:
    if not isinstance(payload, list):
        raise _Invalid(where, "__tuple__ must hold a list")
    return tuple(
        _decode(item, f"{where}[{i}]", budget) for i, item in enumerate(payload)
    )


def _decode_dict(payload: Any, where: str, budget: _Budget) -> dict[Any, Any]:
    if not isinstance(payload, list):
        raise _Invalid(where, "__dict__ must hold a list of [key, value] pairs")
    result = {}
    for index, pair in enumerate(payload):
        if not isinstance(pair, list) or len(pair) != 2:
            raise _Invalid(where, f"__dict__ entry {index} is not a [key, value] pair")
        key = _decode(pair[0], f"{where}<key {index}>", budget)
        if not _is_scalar(key):
            raise _Invalid(where, f"__dict__ key {index} is not a scalar")
        result[key] = _decode(pair[1], f"{where}[{key!r}]", budget)
    return result


def _decode_npscalar(payload: Any, where: str, budget: _Budget) -> np.generic:
    array = _decode_array(payload, where, budget)
    if array.shape != () or array.dtype.kind == "O":
        raise _Invalid(where, "__npscalar__ must be a 0-d numeric or str array")
    return array[()]


def _decode_array(payload: Any, where: str, budget: _Budget) -> np.ndarray:
    if not isinstance(payload, dict):
        raise _Invalid(where, "__ndarray__ must hold an object")
    dtype_name, shape = payload.get("dtype"), payload.get("shape")
    if not isinstance(dtype_name, str):
        raise _Invalid(where, f"array dtype {_short(dtype_name)} not allowed")
    if (
        not isinstance(shape, list)
        or len(shape) > _MAX_NDIM
        or not all(type(n) is int and n >= 0 for n in shape)
    ):
        raise _Invalid(where, f"bad array shape {_short(shape)}")
    if dtype_name in _RAW_DTYPES:
        _check_keys(
            payload,
            where,
            required={"dtype", "shape", "data"},
            allowed={"dtype", "shape", "data"},
        )
        dtype = np.dtype(dtype_name)
        budget.charge(shape, dtype.itemsize, where)
        return _decode_raw_array(payload["data"], dtype, shape, where)
    unicode = _UNICODE_DTYPE.fullmatch(dtype_name)
    if dtype_name != "|O" and unicode is None:
        raise _Invalid(where, f"array dtype {_short(dtype_name)} not allowed")
    width = 0 if unicode is None else int(unicode.group(1))
    if width > _MAX_STR_WIDTH:
        raise _Invalid(
            where, f"str array width {width} is too big (at most {_MAX_STR_WIDTH})"
        )
    _check_keys(
        payload,
        where,
        required={"dtype", "shape", "items"},
        allowed={"dtype", "shape", "items"},
    )
    itemsize = np.dtype(object).itemsize if unicode is None else 4 * width
    budget.charge(shape, itemsize, where)
    items = payload["items"]
    if not isinstance(items, list) or len(items) != math.prod(shape):
        raise _Invalid(where, f"array items do not match shape {shape}")
    if unicode is not None:
        return _decode_unicode_array(items, width, shape, where)
    return _decode_object_array(items, shape, where, budget)


def _decode_raw_array(
    data: Any, dtype: np.dtype, shape: list[int], where: str
) -> np.ndarray:
    if not isinstance(data, str):
        raise _Invalid(where, "array data must be a base64 string")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise _Invalid(where, "array data is not valid base64") from None
    expected = math.prod(shape) * dtype.itemsize
    if len(raw) != expected:
        raise _Invalid(
            where,
            f"array data has {len(raw)} bytes, expected {expected} for "
            f"shape {shape} and dtype {dtype.str}",
        )
    # frombuffer gives a read-only view of bytes: copy for a normal array.
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def _decode_unicode_array(
    items: list[Any], width: int, shape: list[int], where: str
) -> np.ndarray:
    if not all(isinstance(item, str) and len(item) <= width for item in items):
        raise _Invalid(where, f"items of a <U{width} array must be str of <= {width}")
    return np.array(items, dtype=f"<U{width}").reshape(shape)


def _decode_object_array(
    items: list[Any], shape: list[int], where: str, budget: _Budget
) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    for index, item in enumerate(items):
        value = _decode(item, f"{where}.flat[{index}]", budget)
        if not _is_scalar(value):
            raise _Invalid(where, f"object array item {index} is not a scalar")
        array[index] = value
    return array.reshape(shape)


def _decode_state(payload: Any, where: str, budget: _Budget) -> Any:
    if not isinstance(payload, dict):
        raise _Invalid(where, "__state__ must hold an object")
    _check_keys(payload, where, required={"class", "state"}, allowed={"class", "state"})
    class_name = payload["class"]
    # Looked up in the fixed table before anything is imported.
    if not isinstance(class_name, str) or class_name not in STATE_CLASSES:
        raise _Invalid(where, f"unknown state class {_short(class_name)}")
    state = _decode(payload["state"], f"{where}.<state>", budget)
    if not isinstance(state, dict):
        raise _Invalid(where, f"state of {class_name} must be a dict")
    try:
        cls = _import_state_class(class_name)
    except (ImportError, AttributeError):
        raise _Invalid(where, f"{class_name} is not available in this logreg") from None
    try:
        with warnings.catch_warnings():
            # Complex values where floats belong would lose their imaginary part.
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            return cls.from_state(state)
    except (
        TypeError,
        ValueError,
        KeyError,
        IndexError,
        OverflowError,
        np.exceptions.ComplexWarning,
    ) as error:
        raise _Invalid(where, f"bad {class_name} state ({error})") from None


_DECODERS = {
    "__float__": _decode_float,
    "__tuple__": _decode_tuple,
    "__dict__": _decode_dict,
    "__ndarray__": _decode_array,
    "__npscalar__": _decode_npscalar,
    "__state__": _decode_state,
}


def _json_type(node: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string"}.get(
        type(node), repr(node)
    )


# -------------------------------------------------------------- validation
def _check_fitted_state(fitted: dict[str, Any], params: dict[str, Any]) -> None:
    """Raise :class:`_Invalid` unless ``fitted`` makes a usable fitted model.

    Run on save too, so that every file written can be loaded.

    Parameters
    ----------
    fitted : dict
        The fitted attributes, private ones included.
    params : dict
        The estimator's parameters (``fit_intercept`` sets the layout of the
        inference statistics).
    """
    where = "estimator.fitted"
    _check_keys(
        fitted,
        where,
        required={"classes_", "coef_", "intercept_", "n_features_in_"},
        allowed=set(fitted),
    )
    coef, intercept = fitted["coef_"], fitted["intercept_"]
    classes, n_features = fitted["classes_"], fitted["n_features_in_"]
    if not _is_float_array(coef, ndim=2):
        raise _Invalid(f"{where}.coef_", "expected a 2-D float array")
    if not _is_float_array(intercept, ndim=1) or len(intercept) != len(coef):
        raise _Invalid(
            f"{where}.intercept_", f"expected a 1-D float array of length {len(coef)}"
        )
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
        raise _Invalid(f"{where}.coef_", "coefficients must be finite")
    _check_classes(classes, len(coef), f"{where}.classes_")
    if not _is_count(n_features) or n_features != coef.shape[1]:
        raise _Invalid(
            f"{where}.n_features_in_",
            f"expected {coef.shape[1]} (the columns of coef_)",
        )
    _check_optional_fitted(fitted, n_features, where)
    _check_formula(fitted, params, f"{where}.formula_")
    n_cols = coef.shape[1] + (1 if params.get("fit_intercept", True) else 0)
    _check_inference(fitted.get("_inference"), len(coef), n_cols, f"{where}._inference")


def _check_formula(fitted: dict[str, Any], params: dict[str, Any], where: str) -> None:
    """A model formula must make the model's features, with its intercept."""
    if "formula_" not in fitted:
        return
    formula = fitted["formula_"]
    names = fitted.get("feature_names_in_")
    if type(formula).__name__ != "ModelFormula" or names is None:
        raise _Invalid(where, "expected a ModelFormula with feature_names_in_")
    if list(formula.columns) != names.tolist():
        raise _Invalid(where, "its columns are not the model's feature_names_in_")
    if formula.intercept != bool(params.get("fit_intercept", True)):
        raise _Invalid(where, "its intercept disagrees with fit_intercept")


def _is_float_array(value: Any, ndim: int) -> bool:
    return (
        isinstance(value, np.ndarray) and value.ndim == ndim and value.dtype.kind == "f"
    )


def _is_iteration_counts(value: Any) -> bool:
    """``n_iter_`` as scikit-learn shapes it: a non-empty int array of counts."""
    return (
        isinstance(value, np.ndarray)
        and value.dtype.kind in "iu"
        and 0 < value.size <= 2**20
        and bool(np.all(value >= 0))
    )


def _is_count(value: Any) -> bool:
    integral = isinstance(value, int | np.integer) and not isinstance(value, bool)
    return integral and value >= 0


def _check_classes(classes: Any, n_rows: int, where: str) -> None:
    if not isinstance(classes, np.ndarray) or classes.ndim != 1 or len(classes) < 2:
        raise _Invalid(where, "expected a 1-D array of at least 2 labels")
    kind = _label_kind(classes)
    if kind is None:
        raise _Invalid(
            where,
            f"labels of dtype {classes.dtype} are not supported: expected bool, "
            "int, real float or str labels, all of one type",
        )
    if kind is float and np.any(np.isnan(classes.astype(np.float64))):
        raise _Invalid(where, "labels must not be NaN")
    expected_rows = 1 if len(classes) == 2 else len(classes)
    if n_rows != expected_rows:
        raise _Invalid(
            where,
            f"{len(classes)} classes need {expected_rows} coef_ rows, got {n_rows}",
        )
    if len(set(classes.tolist())) != len(classes):
        raise _Invalid(where, "labels must be distinct")


def _label_kind(classes: np.ndarray) -> type | None:
    """``bool``, ``int``, ``float`` or ``str`` for supported labels, else None."""
    if classes.dtype.kind != "O":
        return {"b": bool, "i": int, "u": int, "f": float, "U": str}.get(
            classes.dtype.kind
        )
    kinds = set()
    for label in classes.tolist():
        if isinstance(label, bool | np.bool_):
            kinds.add(bool)
        elif isinstance(label, int | np.integer):
            kinds.add(int)
        elif isinstance(label, float | np.floating):
            kinds.add(float)
        elif isinstance(label, str):
            kinds.add(str)
        else:
            return None
    return kinds.pop() if len(kinds) == 1 else None


def _check_inference(statistics: Any, n_rows: int, n_cols: int, where: str) -> None:
    """``_inference``: None, or statistics in this model's parameter layout.

    The layout (:mod:`logreg.objective`) has ``n_rows`` rows of ``n_cols``
    columns: the features, then the intercept when ``fit_intercept``.
    """
    if statistics is None:
        return
    if type(statistics) is not _import_state_class("InferenceStatistics"):
        raise _Invalid(
            where,
            f"expected InferenceStatistics or None, got {_type_name(statistics)}",
        )
    n_params = n_rows * n_cols
    shapes = {
        "fisher": (n_params, n_params),
        "score_outer": (n_params, n_params),
        "slope_gradient": (n_cols,),
    }
    for name, shape in shapes.items():
        value = getattr(statistics, name)
        if not (isinstance(value, np.ndarray) and value.dtype.kind == "f") or (
            value.shape != shape
        ):
            raise _Invalid(
                f"{where}.{name}",
                f"expected a float array of shape {shape} (from coef_ and "
                f"fit_intercept), got {_short(getattr(value, 'shape', value))}",
            )
    # Sums of weights, of log-probabilities and of p (1 - p) over the rows:
    # a fit leaves at least two classes of positive weight.
    signs = {
        "n_obs": ("> 0", lambda v: v > 0),
        "log_likelihood": ("<= 0", lambda v: v <= 0),
        "null_log_likelihood": ("< 0", lambda v: v < 0),
        "slope": (">= 0", lambda v: v >= 0),
    }
    for name, (sign, holds) in signs.items():
        value = getattr(statistics, name)
        if not (
            isinstance(value, float | np.floating) and math.isfinite(value)
        ) or not holds(value):
            raise _Invalid(
                f"{where}.{name}",
                f"expected a finite float {sign}, got {_short(value)}",
            )
    if not _is_count(statistics.separated_rows):
        raise _Invalid(
            f"{where}.separated_rows",
            f"expected an int >= 0, got {_short(statistics.separated_rows)}",
        )


def _check_optional_fitted(fitted: dict[str, Any], n_features: int, where: str) -> None:
    """Types of the fitted attributes that a fit may or may not set."""
    checks = {
        "feature_names_in_": lambda v: (
            isinstance(v, np.ndarray)
            and v.shape == (n_features,)
            and all(isinstance(name, str) for name in v.tolist())
        ),
        "n_iter_": lambda v: _is_count(v) or _is_iteration_counts(v),
        "loss_curve_": lambda v: _is_float_array(v, ndim=1),
        "solver_": lambda v: isinstance(v, str),
        "converged_": lambda v: isinstance(v, bool | np.bool_),
    }
    for name, is_valid in checks.items():
        if name in fitted and not is_valid(fitted[name]):
            raise _Invalid(f"{where}.{name}", f"invalid value {_short(fitted[name])}")


def _short(value: Any) -> str:
    text = repr(value).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."
