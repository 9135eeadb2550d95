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


def _plain_tensor(obj: torch.Tensor) -> Any:
    """A plain CPU tensor with the same values; subclasses lose their class (and with it any
    ``__torch_function__``/``__eq__`` of theirs)."""
    with torch._C.DisableTorchFunctionSubclass():
        t = obj if type(obj) is torch.Tensor else obj.as_subclass(torch.Tensor)
        t = t.detach()
        if t.layout != torch.strided or t.device.type == "meta":
            return {UNSERIALIZABLE: f"{t.layout} tensor on {t.device.type}"}
        return t.cpu().clone() if t.device.type != "cpu" else t.clone()


def _plain_scalar(obj: Any) -> Any:
    """The builtin value of a number or string, whatever subclass it came as (the base
    type's own method is called, never the subclass's override)."""
    if isinstance(obj, bool):
        return int.__index__(obj) == 1
    if isinstance(obj, int):
        return int.__index__(obj)
    if isinstance(obj, float):
        return float.__float__(obj)
    if isinstance(obj, complex):
        return complex.__complex__(obj)
    if isinstance(obj, str):
        return str.__str__(obj)
    if isinstance(obj, bytes):
        return bytes(memoryview(obj))
    return obj


def to_data(obj: Any, _depth: int = 0) -> Any:
    """Recursively turn ``obj`` into plain tensors, numbers, strings and containers."""
    if _depth > 50:
        return {UNSERIALIZABLE: "structure nested too deeply"}
    if obj is None:
        return None
    if isinstance(obj, PLAIN):
        return _plain_scalar(obj)
    if isinstance(obj, torch.Tensor):
        return _plain_tensor(obj)
    if isinstance(obj, torch.device | torch.dtype):
        return str(obj)
    if isinstance(obj, torch.Size):
        return tuple(int(s) for s in obj)
    mod = type(obj).__module__
    if mod == "numpy":
        import numpy as np

        if type(obj) is np.ndarray:
            return torch.from_numpy(np.ascontiguousarray(obj)).clone() if obj.dtype.kind in \
                "biufc" else {UNSERIALIZABLE: f"numpy {obj.dtype} array"}
        if isinstance(obj, np.generic) and obj.dtype.kind in "biufc":
            return _plain_scalar(obj.item())
    if isinstance(obj, list | tuple):
        items = [to_data(x, _depth + 1) for x in list.__iter__(obj)] if isinstance(obj, list) \
            else [to_data(x, _depth + 1) for x in tuple.__iter__(obj)]
        return items if isinstance(obj, list) else tuple(items)
    if isinstance(obj, dict):
        return {str(_plain_scalar(k)) if isinstance(k, PLAIN) else type(k).__name__:
                to_data(v, _depth + 1) for k, v in dict.items(obj)}
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
