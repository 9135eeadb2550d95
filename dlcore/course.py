"""The course on disk: source notebooks, hidden graders, and which notebook a file is."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dlcore.notebook import Notebook, NotebookError, read


def root() -> Path:
    """The course directory: $DLCORE_COURSE; else the folder at or above the working directory
    that holds ``nbgrader_config.py`` and ``autograder/`` (a course checkout you run dlcore or
    nbgrader in); else the checkout this package lives in."""
    env = os.environ.get("DLCORE_COURSE")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").is_file() and (folder / "autograder").is_dir():
            return folder
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Entry:
    assignment: str
    name: str

    @property
    def source(self) -> Path:
        return root() / "source" / self.assignment / f"{self.name}.ipynb"

    @property
    def grader(self) -> Path:
        return root() / "autograder" / self.assignment / f"test_{self.name}.py"

    @property
    def key(self) -> str:
        return f"{self.assignment}/{self.name}"


def entries() -> list[Entry]:
    src = root() / "source"
    found = [Entry(p.parent.name, p.stem) for p in sorted(src.glob("*/*.ipynb"))]
    return [e for e in found if e.grader.exists()]


@cache
def reference(entry: Entry) -> Notebook:
    return read(entry.source)


def identify(nb: Notebook) -> Entry:
    """Which course notebook this is: by its metadata, else by name and cell ids."""
    known = entries()
    for e in known:
        if nb.assignment == e.assignment and nb.name == e.name:
            return e
    by_ids = [e for e in known if _test_ids(reference(e)) <= nb.grade_ids]
    named = [e for e in by_ids if e.name == nb.name]
    if named or len(by_ids) == 1:
        return (named or by_ids)[0]
    raise NotebookError(f"{nb.path} is not one of this course's notebooks "
                        f"(run 'dlcore list' to see them)")


def _test_ids(nb: Notebook) -> set[str]:
    return {c.grade_id for c in nb.cells if c.kind == "test"}


def grading_cells(nb: Notebook, entry: Entry) -> list[tuple[str, str]]:
    """The cells to run: the course's own setup cells (as nbgrader's OverwriteCells restores
    locked cells), then the submission's answer cells in notebook order."""
    setup = [(c.grade_id, c.source) for c in reference(entry).cells if c.kind == "setup"]
    answers = [(c.grade_id or f"answer-{i}", c.source)
               for i, c in enumerate(nb.cells) if c.kind == "answer"]
    return setup + answers


def exercise_points(entry: Entry) -> dict[str, float]:
    """Points of each auto-graded test cell in the source notebook, by exercise id."""
    return {c.grade_id: c.points for c in reference(entry).cells if c.kind == "test"}


def manual_points(entry: Entry) -> dict[str, float]:
    """Points of each answer graded by hand (free text) in the source notebook."""
    return {c.grade_id: c.points for c in reference(entry).cells
            if c.kind == "other" and c.points and c.grade_id}
