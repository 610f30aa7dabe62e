"""Plain JSON types from the engine's numpy arrays and dataclasses, for stored snapshots.

Shared by the state (``state.py``) and the result (``result.py``), which imports the state: it lives here so that
neither has to import the other to convert.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

__all__ = ["to_jsonable"]


def to_jsonable(value: Any) -> Any:
    """Convert numpy arrays and scalars, dataclasses and mappings to plain JSON types.

    Non-finite floats become ``None`` (JSON has no NaN).

    Parameters
    ----------
    value : Any

    Returns
    -------
    Any
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "iub":
            return value.tolist()
        if value.dtype.kind == "f":
            if np.all(np.isfinite(value)):
                return value.tolist()
            return [to_jsonable(v) for v in value]
        return [to_jsonable(v) for v in value.tolist()]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "to_dict"):
            return to_jsonable(value.to_dict())
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "to_dict"):
        return to_jsonable(value.to_dict())
    if hasattr(value, "tolist"):
        return to_jsonable(value.tolist())
    return str(value)
