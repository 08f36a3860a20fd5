"""Which array library an array belongs to, and moving small results to the host.

The kernels are written once against the Python array API standard and take
their namespace from their input: NumPy arrays (and SciPy sparse matrices,
lists, scalars) get ``numpy`` itself, whose main namespace implements the
standard's functions since NumPy 2.1, so the NumPy path pays nothing for the
indirection; arrays of other libraries (PyTorch, CuPy, ``array_api_strict``)
get their namespace from ``array_api_compat``, imported only then. Solvers and
fitted attributes stay NumPy float64 on the host: small parameter-sized arrays
travel to the data's device (:func:`asarray_like`) and small sums come back
(:func:`to_numpy`); the rows never do.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

__all__ = [
    "array_namespace",
    "asarray_like",
    "astype",
    "float_dtype",
    "is_foreign_array",
    "on_host",
    "require_array_api_compat",
    "to_numpy",
]

_COMPAT_HINT = (
    "PyTorch, CuPy and other array-API inputs need array-api-compat: "
    "pip install 'logreg[array-api]'"
)

#: DLPack's device type of host memory (``__dlpack_device__()[0]``).
_DLPACK_CPU = 1


def is_foreign_array(obj: Any) -> bool:
    """Whether ``obj`` is an array of an array-API library other than NumPy.

    True for PyTorch tensors, CuPy arrays and anything with
    ``__array_namespace__`` (``array_api_strict``, JAX) that is not a NumPy
    array or scalar; imports none of those libraries.

    Parameters
    ----------
    obj : object

    Returns
    -------
    bool
    """
    if isinstance(obj, np.ndarray | np.generic):
        return False
    library = type(obj).__module__.partition(".")[0]
    return library in ("torch", "cupy") or hasattr(obj, "__array_namespace__")


def require_array_api_compat() -> ModuleType:
    """Import ``array_api_compat``, or raise with the install hint.

    Returns
    -------
    module
    """
    try:
        import array_api_compat
    except ImportError as error:
        raise ImportError(_COMPAT_HINT) from error
    return array_api_compat


def array_namespace(*arrays: Any) -> ModuleType:
    """The array-API namespace of ``arrays``: ``numpy`` unless one is foreign.

    Parameters
    ----------
    *arrays : arrays, sparse matrices or scalars
        Foreign arrays (see :func:`is_foreign_array`) must share one library.

    Returns
    -------
    module
        ``numpy`` itself, or ``array_api_compat``'s namespace of the foreign
        arrays (``array_api_compat.torch``, ``array_api_strict``, ...).
    """
    for array in arrays:  # a loop, not a list: this runs several times a block
        if not isinstance(array, np.ndarray) and is_foreign_array(array):
            foreign = [array for array in arrays if is_foreign_array(array)]
            return require_array_api_compat().array_namespace(*foreign)
    return np


def asarray_like(values: Any, like: Any, xp: ModuleType) -> Any:
    """Host values as an array of ``like``'s namespace, dtype and device.

    Parameters
    ----------
    values : ndarray or scalar
        Small host data (coefficients, class weights).
    like : array or sparse matrix
        Gives the dtype and, for foreign arrays, the device.
    xp : module
        ``like``'s namespace, from :func:`array_namespace`.

    Returns
    -------
    array
        A NumPy array without a copy where the dtype already matches; a
        copy for other namespaces.
    """
    if xp is np:
        return np.asarray(values, dtype=like.dtype)
    # A copy: PyTorch would share (and warn about) a read-only NumPy array.
    return xp.asarray(values, dtype=like.dtype, device=like.device, copy=True)


def astype(array: Any, dtype: Any, xp: ModuleType, *, copy: bool = True) -> Any:
    """The standard's ``xp.astype(array, dtype, copy=copy)``.

    Parameters
    ----------
    array : array
    dtype : dtype of ``xp``
    xp : module
        ``array``'s namespace.
    copy : bool, default=True
        False returns ``array`` itself when it already has ``dtype``.

    Returns
    -------
    array
    """
    if xp is np:
        # The method: NumPy's function form costs a microsecond more a call,
        # which adds up to 3-5% of a cache-sized block's kernel.
        return array.astype(dtype, copy=copy)
    return xp.astype(array, dtype, copy=copy)


def to_numpy(array: Any) -> np.ndarray:
    """A (small) array of any namespace and device as a host NumPy array.

    Parameters
    ----------
    array : array

    Returns
    -------
    ndarray
        ``array`` itself for a NumPy array; a copy from a device.
    """
    if isinstance(array, np.ndarray):
        return array
    library = type(array).__module__.partition(".")[0]
    if library == "cupy":
        return array.get()
    if library == "torch":
        return array.detach().cpu().numpy()
    return np.from_dlpack(array)


def on_host(array: Any) -> bool:
    """Whether ``array``'s memory is the host's (DLPack's device type).

    Parameters
    ----------
    array : array

    Returns
    -------
    bool
        True for NumPy, CPU tensors and ``array_api_strict``; False for
        CUDA (and other accelerator) arrays.
    """
    return isinstance(array, np.ndarray) or (
        int(array.__dlpack_device__()[0]) == _DLPACK_CPU
    )


def float_dtype(array: Any) -> np.dtype:
    """The NumPy dtype of a float32 or float64 array of any namespace.

    Parameters
    ----------
    array : array
        float32 or float64.

    Returns
    -------
    numpy.dtype
    """
    xp = array_namespace(array)
    return np.dtype(np.float32 if array.dtype == xp.float32 else np.float64)
