"""Building nbgrader source notebooks from Python, with dlcore's cell conventions.

- ``setup``: locked cell, grade_id ``setup*``; grading runs the course's copy of it.
- ``answer``: the student's stub (``### BEGIN SOLUTION`` ... ``### END SOLUTION``), grade_id
  ``<id>_answer``; grading runs it.
- ``graded``: locked test cell, grade_id ``<id>`` (the exercise id), points = the grader's.
  nbgrader's convention: the visible asserts come first (the student runs them, and nbgrader's
  Validate fails while they fail), then the hidden block that asks the bridge for the points.
  For a checkpoint question the visible part checks only the answer's form
  (``choice_check``, ``number_check``).
- ``free_text``: a manually graded markdown answer, with its rubric beside the model answer.
Demos (``demo``) and prose (``md``) are never run by the grader.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path
from textwrap import dedent


def _meta(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
          points: float | None = None) -> dict:
    nbg = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
           "solution": solution, "task": False}
    if points is not None:
        nbg["points"] = points
    return {"nbgrader": nbg}


def _cell(kind: str, source: str, metadata: dict | None = None) -> dict:
    cell = {"cell_type": kind, "metadata": metadata or {}, "source": dedent(source).strip("\n")}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def md(text: str) -> dict:
    return _cell("markdown", text)


def demo(code: str) -> dict:
    return _cell("code", code)


def setup(code: str, grade_id: str = "setup") -> dict:
    return _cell("code", code, _meta(grade_id, locked=True))


def answer(exercise_id: str, code: str) -> dict:
    return _cell("code", code, _meta(f"{exercise_id}_answer", solution=True))


def choice_check(name: str, letters: str = "abcd") -> str:
    """Visible test of a multiple-choice answer's form: one of the letters (any case, spaces
    around it allowed, as the hidden check normalises the same way)."""
    opts = ", ".join(f'"{c}"' for c in letters)
    words = ", ".join(f'"{c}"' for c in letters[:-1]) + f' or "{letters[-1]}"'
    return f"assert str({name}).strip().lower() in ({opts}), 'set {name} to {words}'"


def number_check(name: str, *, integer: bool = False) -> str:
    """Visible test of a numeric answer's form: a number (a whole one when ``integer``), no
    bool; exactly the forms the hidden checks accept."""
    if integer:
        return (f"assert isinstance({name}, (int, float)) and not isinstance({name}, bool) "
                f'and float({name}).is_integer(), "set {name} to a whole number"')
    return (f"assert isinstance({name}, (int, float)) and not isinstance({name}, bool), "
            f'"set {name} to a number"')


def graded(key: str, exercise_id: str, points: float, visible: str) -> dict:
    """The exercise's test cell: ``visible`` asserts, then the hidden block."""
    if not visible.strip():
        raise ValueError(f"{exercise_id}: a graded cell needs visible asserts (nbgrader Validate)")
    if exercise_id.startswith("q_"):
        head = (f"# Checks the form of `{exercise_id}` now; whether it is right is checked "
                "when graded.")
    else:
        head = (f"# Tests for `{exercise_id}`: these visible ones run now; hidden ones run "
                "when graded.")
    source = (head + "\n" + dedent(visible).strip("\n") + "\n"
              "### BEGIN HIDDEN TESTS\n"
              "from dlcore.bridge import hidden_score\n"
              f'hidden_score("{key}", "{exercise_id}")\n'
              "### END HIDDEN TESTS")
    return _cell("code", source, _meta(exercise_id, grade=True, locked=True, points=points))


def free_text(question_id: str, points: float, model_answer: str) -> dict:
    # nbgrader puts its own "YOUR ANSWER HERE" where the solution region was
    text = "### BEGIN SOLUTION\n" + dedent(model_answer).strip() + "\n### END SOLUTION"
    return {"cell_type": "markdown", "source": text,
            "metadata": _meta(question_id, grade=True, solution=True, points=points)}


def _with_ids(cells: list[dict]) -> list[dict]:
    """Stable cell ids (nbformat would otherwise invent random ones on every build)."""
    out = []
    for i, cell in enumerate(cells):
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id", cell["cell_type"])
        out.append({"id": f"c{i:02d}-{grade_id}"[:64], **cell})
    return out


def language_info() -> dict:
    """What ipykernel reports for this interpreter.  JupyterLab writes the kernel's
    language_info into a notebook when it opens; with the same value already there, a notebook
    does not show unsaved changes the moment it is opened (on the course's Python)."""
    return {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
            "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
            "pygments_lexer": "ipython3", "version": platform.python_version()}


def write(path: str | Path, cells: list[dict], assignment: str, name: str) -> None:
    """Write an nbgrader source notebook; raise ValueError on duplicate grade ids."""
    ids = [c["metadata"]["nbgrader"]["grade_id"] for c in cells if "nbgrader" in c["metadata"]]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"duplicate grade ids: {dupes}")
    nb = {"cells": _with_ids(cells), "nbformat": 4, "nbformat_minor": 5,
          "metadata": {"dlcore": {"assignment": assignment, "notebook": name},
                       "kernelspec": {"display_name": "Python 3 (ipykernel)",
                                      "language": "python", "name": "python3"},
                       "language_info": language_info()}}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
