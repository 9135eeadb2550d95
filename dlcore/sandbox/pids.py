"""A cap on the number of processes in one sandbox, from the cgroup ``pids`` controller.

Used where this process may create cgroups (root, or a delegated cgroup).  Elsewhere each
worker's ``RLIMIT_NPROC`` is the cap (set in ``dlcore.untrusted.worker``; the kernel does not
apply it to uid 0, which is why the cgroup comes first).
"""

from __future__ import annotations

import contextlib
import itertools
import os
from pathlib import Path

LIMIT = 256
_counter = itertools.count()


def _own_dir() -> Path | None:
    """Our pids cgroup folder (cgroup v1 ``pids`` hierarchy, or v2 with pids enabled)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "pids" in controllers.split(","):
            return Path("/sys/fs/cgroup/pids") / path.lstrip("/")
    for line in lines:
        if line.startswith("0::"):
            base = Path("/sys/fs/cgroup") / line[3:].lstrip("/")
            with contextlib.suppress(OSError):
                if "pids" in (base / "cgroup.subtree_control").read_text().split():
                    return base
    return None


def _sweep(base: Path) -> None:
    """Remove empty cgroups left by dlcore processes that were killed."""
    for d in base.glob("dlcore-*"):
        pid = d.name.split("-")[1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            with contextlib.suppress(OSError):
                d.rmdir()


def create(limit: int = LIMIT) -> Path | None:
    """A fresh cgroup capped at ``limit`` processes; None when this machine does not allow it."""
    base = _own_dir()
    if base is None or not os.access(base, os.W_OK):
        return None
    _sweep(base)
    group = base / f"dlcore-{os.getpid()}-{next(_counter)}"
    try:
        group.mkdir()
        (group / "pids.max").write_text(str(limit))
        return group
    except OSError:
        remove(group)
        return None


def remove(group: Path | None) -> None:
    if group is not None:
        with contextlib.suppress(OSError):
            group.rmdir()
