"""Forbidden built-ins, recorded however they are reached.

Two levels, both active while the student's function (or a grader probe) runs:

- **operator level**: a ``TorchDispatchMode`` sees every ATen operator that runs, whether it
  came from ``torch.sigmoid``, ``Tensor.sigmoid``, ``torch.ops.aten.sigmoid``,
  ``torch._C._VariableFunctions.sigmoid`` or a ``__wrapped__`` original.  A forbidden Python
  name maps to the operators it reaches (``forbidden_ops``); a backward pass is seen as
  operators run by the autograd engine.
- **name level**: Python-level entry points with no operator of their own (``nn.Linear``'s
  ``F.linear`` decomposes into ``mm``; ``torch.optim``; sklearn) are wrapped by name.

The static scan of answer cells (``dlcore.scan``, trusted side) backs both up: code that reaches
into these internals to switch them off is flagged before it runs.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
from collections.abc import Iterable, Iterator
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode

AUTOGRAD_NAMES = ("torch.Tensor.backward", "torch.autograd.", "torch.func.")
NOT_OPERATORS = ("torch.optim.", "torch.utils.", "torch.nn.utils.", "torch.nn.Module")
BACKWARD = "torch.autograd (a backward pass)"
# Python names whose operators are not found from the name alone (composite functions).
ROUTES = {
    "cross_entropy": ("_log_softmax", "nll_loss_forward", "nll_loss2d_forward"),
    "nll_loss": ("nll_loss_forward", "nll_loss2d_forward"),
    "log_softmax": ("_log_softmax",),
    "softmax": ("_softmax",),
}


def _real_op(name: str) -> bool:
    """Is ``aten.<name>`` an operator that reaches the dispatcher (not a composite)?"""
    packet = getattr(torch.ops.aten, name, None)
    if not isinstance(packet, torch._ops.OpOverloadPacket):
        return False
    return not all(torch._C._dispatch_has_kernel_for_dispatch_key(
        f"aten::{name}{'.' + o if o != 'default' else ''}", "CompositeImplicitAutograd")
        for o in packet.overloads())


def forbidden_ops(names: Iterable[str]) -> dict[str, str]:
    """ATen operator name -> the forbidden Python name it stands for."""
    ops: dict[str, str] = {}
    for name in names:
        if name.startswith("aten."):
            ops[name[5:]] = name
            continue
        if not name.startswith("torch.") or name.startswith(AUTOGRAD_NAMES + NOT_OPERATORS):
            continue
        leaf = name.rsplit(".", 1)[-1]
        candidates = (leaf, f"{leaf}_", f"_{leaf}", f"linalg_{leaf}", f"linalg_{leaf}_ex",
                      f"_linalg_{leaf}_ex", f"special_{leaf}", f"{leaf}_forward",
                      *ROUTES.get(leaf, ()))
        for op in candidates:
            if op not in ops and _real_op(op):
                ops[op] = name
    return ops


@functools.lru_cache(maxsize=64)
def _ops_for(forbid: tuple[str, ...]) -> dict[str, str]:
    return forbidden_ops(forbid)


class Recorder(TorchDispatchMode):
    """Records forbidden operators (and backward passes, when autograd is forbidden)."""

    def __init__(self, ops: dict[str, str], autograd: bool, used: set[str]) -> None:
        super().__init__()
        self.ops, self.autograd, self.used = ops, autograd, used

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (),
                           kwargs: Any = None) -> Any:
        name = func.overloadpacket.__name__
        if name in self.ops:
            self.used.add(self.ops[name])
        if self.autograd and torch._C._current_graph_task_id() != -1:
            self.used.add(BACKWARD)
        return func(*args, **(kwargs or {}))


def _resolve(name: str) -> tuple[Any, str, Any] | None:
    """'torch.nn.functional.relu' -> (module object, 'relu', function); None if absent."""
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            owner: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:-1]:
                owner = getattr(owner, attr)
            return owner, parts[-1], getattr(owner, parts[-1])
        except AttributeError:
            return None
    return None


class Watch:
    """Both levels for one worker: install once, then ``with watch.during(forbid):``."""

    def __init__(self, names: Iterable[str]) -> None:
        self.active: set[str] = set()
        self.used: set[str] = set()
        for name in sorted(set(names)):
            if not name.startswith("aten."):
                self._wrap(name)

    def _wrap(self, name: str) -> None:
        found = _resolve(name)
        if found is None:
            return
        owner, attr, original = found
        active, used = self.active, self.used

        def tracer(*args: Any, **kwargs: Any) -> Any:
            if name in active:
                used.add(name)
            return original(*args, **kwargs)

        with contextlib.suppress(AttributeError, TypeError):
            functools.update_wrapper(tracer, original)
            del tracer.__wrapped__  # the original is not handed out
        with contextlib.suppress(AttributeError, TypeError):
            setattr(owner, attr, tracer)

    @contextlib.contextmanager
    def during(self, forbid: list[str]) -> Iterator[set[str]]:
        """Record forbidden calls while the block runs; yields the set of names used."""
        self.active.clear()
        self.used.clear()
        self.active.update(forbid)
        ops = _ops_for(tuple(forbid))
        autograd = any(n.startswith(AUTOGRAD_NAMES) for n in forbid)
        mode = Recorder(ops, autograd, self.used) if ops or autograd else contextlib.nullcontext()
        try:
            with mode:
                yield self.used
        finally:
            self.active.clear()


def warm_up() -> None:
    """Run one tiny operator under the recorder, so the ~900 modules torch imports the first
    time a dispatch mode sees an operator are imported once, in the zygote, not per worker."""
    with Recorder({"sigmoid": "torch.sigmoid"}, True, set()):
        torch.ones(2).sigmoid()
