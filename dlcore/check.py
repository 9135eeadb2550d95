"""``dlcore check``: grade one notebook file."""

from __future__ import annotations

from pathlib import Path

from dlcore import course, notebook
from dlcore.report import Report


def main(*, path: str | Path, device: str = "cpu", only: set[str] | None = None) -> Report:
    """Identify and grade one notebook (all exercises, or ``only`` these); NotebookError for
    input that is not ours."""
    nb = notebook.read(path)  # unusable input fails here, before anything heavy starts
    entry = course.identify(nb)
    from dlcore.sandbox import host, isolation

    if not host.configured():  # else a class run or nbgrader already chose
        isolation.decide("check")
    host.host()  # the sandbox imports torch while we import pytest and collect
    from dlcore import devices, runner

    if not devices.available(device):
        raise notebook.NotebookError(f"device '{device}' is not available on this machine")
    return runner.grade(nb, entry, device=device, only=only)
