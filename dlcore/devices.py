"""Device choice for solutions and demos: mps, then cuda, then cpu; ``DLCORE_DEVICE`` wins."""

from __future__ import annotations

import os
from typing import Any

import torch

DEVICES = ("cpu", "cuda", "mps")


def available(name: str) -> bool:
    if name == "cuda":
        return torch.cuda.is_available()
    if name == "mps":
        return bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    return name == "cpu"


def get_device() -> torch.device:
    """The best available device (mps → cuda → cpu), unless $DLCORE_DEVICE names one."""
    wanted = os.environ.get("DLCORE_DEVICE", "").strip().lower()
    if wanted:
        return torch.device(wanted)
    for name in ("mps", "cuda"):
        if available(name):
            return torch.device(name)
    return torch.device("cpu")


def to_device(batch: Any, device: torch.device | str) -> Any:
    """Move every tensor in a (nested) tuple/list/dict to ``device``; other values stay."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, list | tuple):
        moved = [to_device(v, device) for v in batch]
        return type(batch)(*moved) if hasattr(batch, "_fields") else type(batch)(moved)
    return batch
