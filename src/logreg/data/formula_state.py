"""formulaic's learned state as the plain values a model file holds, and back.

A :class:`formulaic.ModelSpec` keeps the levels and transform states it learned
in dicts of numbers, strings, lists, NumPy values and a few formulaic objects:
the factor kind (an enum), contrasts (dataclasses) and ``UNSET``. :func:`plain`
writes those objects as ``{"@": name, ...}`` dicts; :func:`restored` rebuilds
them only from a fixed table of formulaic classes, so a model file can name no
other class.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

import numpy as np

__all__ = ["plain", "restored"]


def _state_classes() -> dict[str, Any]:
    """The formulaic classes that learned state may hold, by name."""
    from formulaic.parser.types import Factor
    from formulaic.transforms import contrasts

    classes = {
        name: getattr(contrasts, name)
        for name in (
            "TreatmentContrasts",
            "SASContrasts",
            "SumContrasts",
            "HelmertContrasts",
            "DiffContrasts",
            "PolyContrasts",
        )
    }
    return {**classes, "Kind": Factor.Kind}


def plain(value: Any, where: str) -> Any:
    """formulaic's learned state as values a model file holds (see :func:`restored`)."""
    from formulaic.transforms.contrasts import ContrastsState, CustomContrasts
    from formulaic.utils.sentinels import UNSET

    if value is UNSET:
        return {"@": "UNSET"}
    if isinstance(value, enum.Enum):
        if type(value) is not _state_classes()["Kind"]:
            raise TypeError(f"cannot save {where}: {value!r}")
        return {"@": "Kind", "value": value.value}
    if isinstance(value, ContrastsState):
        return {
            "@": "ContrastsState",
            "contrasts": plain(value.contrasts, where),
            "levels": plain(list(value.levels), where),
        }
    if isinstance(value, CustomContrasts):
        return {
            "@": "CustomContrasts",
            "matrix": np.asarray(value.contrasts, dtype=np.float64),
            "names": plain(value.contrast_names, where),
        }
    name = type(value).__name__
    if dataclasses.is_dataclass(value) and _state_classes().get(name) is type(value):
        fields = {
            f.name: plain(getattr(value, f.name), where)
            for f in dataclasses.fields(value)
        }
        return {"@": name, "fields": fields}
    if isinstance(value, dict):
        return {key: plain(item, where) for key, item in value.items()}
    if isinstance(value, list | tuple):
        items = [plain(item, where) for item in value]
        return items if isinstance(value, list) else tuple(items)
    if value is None or isinstance(value, bool | int | float | str | np.generic):
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return value
    raise TypeError(f"cannot save {where}: {type(value).__name__} values")


def restored(value: Any, where: str) -> Any:
    """Inverse of :func:`plain`: formulaic objects only from the fixed table."""
    from formulaic.transforms.contrasts import ContrastsState, CustomContrasts
    from formulaic.utils.sentinels import UNSET

    if isinstance(value, list):
        return [restored(item, where) for item in value]
    if isinstance(value, tuple):
        return tuple(restored(item, where) for item in value)
    if not isinstance(value, dict):
        return value
    if "@" not in value:
        return {key: restored(item, where) for key, item in value.items()}
    tag = value["@"]
    classes = _state_classes()
    if tag == "UNSET":
        return UNSET
    if tag == "Kind":
        return classes["Kind"](value["value"])
    if tag == "ContrastsState":
        return ContrastsState(
            contrasts=restored(value["contrasts"], where),
            levels=restored(value["levels"], where),
        )
    if tag == "CustomContrasts":
        return CustomContrasts(
            np.asarray(value["matrix"], dtype=np.float64),
            names=restored(value["names"], where),
        )
    if tag in classes and dataclasses.is_dataclass(classes[tag]):
        fields = restored(value["fields"], where)
        if not isinstance(fields, dict) or not all(isinstance(k, str) for k in fields):
            raise ValueError(f"{where}: bad fields of {tag}")
        return classes[tag](**fields)
    raise ValueError(f"{where}: unknown formulaic object {tag!r}")
