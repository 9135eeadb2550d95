"""Reading a submitted notebook: which of ours it is, and which cells grading may run.

Plain ``json`` on purpose: ``import nbformat`` costs seconds and validation we do not need.
Only setup cells (locked, grade_id ``setup*``) and answer cells (nbgrader solution cells) are
run; demos and training loops never are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class NotebookError(Exception):
    """Unusable input; the message is one line for the user."""


@dataclass(frozen=True)
class Cell:
    grade_id: str
    kind: str  # "setup", "answer", "test" or "other"
    source: str
    points: float = 0.0


@dataclass(frozen=True)
class Notebook:
    path: Path
    assignment: str | None
    name: str
    cells: list[Cell]

    @property
    def grade_ids(self) -> set[str]:
        return {c.grade_id for c in self.cells if c.grade_id}

    def runnable(self) -> list[Cell]:
        return [c for c in self.cells if c.kind in ("setup", "answer")]


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def classify(cell: dict) -> Cell:
    meta = cell.get("metadata") or {}
    nbg = meta.get("nbgrader") or {} if isinstance(meta, dict) else {}
    grade_id = str(nbg.get("grade_id", "")) if isinstance(nbg, dict) else ""
    kind = "other"
    if cell.get("cell_type") == "code" and isinstance(nbg, dict):
        if nbg.get("grade") and not nbg.get("solution"):
            kind = "test"
        elif nbg.get("solution"):
            kind = "answer"
        elif nbg.get("locked") and grade_id.startswith("setup"):
            kind = "setup"
    points = float(nbg.get("points", 0) or 0) if isinstance(nbg, dict) else 0.0
    return Cell(grade_id, kind, _source(cell), points)


def read(path: str | Path) -> Notebook:
    """Parse a notebook file, raising NotebookError with a one-line reason."""
    p = Path(path)
    if not p.exists():
        raise NotebookError(f"no such file: {p}")
    if p.is_dir():
        raise NotebookError(f"{p} is a folder, not a notebook")
    try:
        data: Any = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, OSError) as exc:
        raise NotebookError(f"{p} is not a Jupyter notebook (not valid JSON: {exc})") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list) or "nbformat" not in data:
        raise NotebookError(f"{p} is not a Jupyter notebook (no cells/nbformat)")
    if int(data.get("nbformat", 0) or 0) < 4:
        raise NotebookError(f"{p} uses notebook format {data.get('nbformat')}; format 4 is needed")
    if not all(isinstance(c, dict) for c in cells):
        raise NotebookError(f"{p} is not a Jupyter notebook (malformed cell list)")
    meta = (data.get("metadata") or {}).get("dlcore") or {}
    assignment = meta.get("assignment") if isinstance(meta, dict) else None
    name = meta.get("notebook") if isinstance(meta, dict) and meta.get("notebook") else p.stem
    return Notebook(p, assignment, str(name), [classify(c) for c in cells])
