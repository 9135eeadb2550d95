"""Data-only messages from the untrusted worker to the trusted grader.

The worker encodes with ``torch.save``; the grader decodes with ``torch.load(weights_only=True)``,
so nothing a student returns can run code in the grader.  Values that are not plain data
(numpy arrays excepted, which become tensors) are replaced by a description of their type.
"""

from __future__ import annotations

import io
from typing import Any

import torch

UNSERIALIZABLE = "__dlcore_unserializable__"
PLAIN = (str, int, float, bool, complex, type(None), bytes)


def to_data(obj: Any, _depth: int = 0) -> Any:
    """Recursively turn ``obj`` into tensors, numbers, strings and containers."""
    if _depth > 50:
        return {UNSERIALIZABLE: "structure nested too deeply"}
    if isinstance(obj, PLAIN):
        return obj
    if isinstance(obj, torch.Tensor):
        t = obj.detach()
        return t.cpu().clone() if t.device.type != "cpu" else t.clone()
    if isinstance(obj, torch.device | torch.dtype):
        return str(obj)
    if isinstance(obj, torch.Size):
        return tuple(int(s) for s in obj)
    mod = type(obj).__module__
    if mod == "numpy":
        import numpy as np

        if isinstance(obj, np.ndarray):
            return torch.from_numpy(np.ascontiguousarray(obj)).clone() if obj.dtype != object else {
                UNSERIALIZABLE: "numpy object array"}
        if isinstance(obj, np.generic):
            return obj.item()
    if isinstance(obj, list | tuple):
        items = [to_data(x, _depth + 1) for x in obj]
        return items if isinstance(obj, list) else tuple(items)
    if isinstance(obj, dict):
        return {str(k): to_data(v, _depth + 1) for k, v in obj.items()}
    return {UNSERIALIZABLE: type(obj).__name__}


def dumps(obj: Any) -> bytes:
    buf = io.BytesIO()
    torch.save(to_data(obj), buf)
    return buf.getvalue()


def loads(data: bytes) -> Any:
    return torch.load(io.BytesIO(data), weights_only=True)


def type_name(value: Any) -> str:
    """The student-facing type name of a decoded value."""
    if isinstance(value, dict) and UNSERIALIZABLE in value:
        return str(value[UNSERIALIZABLE])
    return type(value).__name__
