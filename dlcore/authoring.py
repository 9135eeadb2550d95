"""Building nbgrader source notebooks from Python, with dlcore's cell conventions.

- ``setup``: locked cell, grade_id ``setup*``; grading runs the course's copy of it.
- ``answer``: the student's stub (``### BEGIN SOLUTION`` ... ``### END SOLUTION``), grade_id
  ``<id>_answer``; grading runs it.
- ``visible``: locked quick tests the student can run; never graded.
- ``graded``: locked test cell, grade_id ``<id>`` (the exercise id), points = the grader's;
  its hidden block asks the bridge for the exercise's points.
- ``free_text``: a manually graded markdown answer.
Demos (``demo``) and prose (``md``) are never run by the grader.
"""

from __future__ import annotations

import json
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


def visible(exercise_id: str, code: str) -> dict:
    return _cell("code", code, _meta(f"{exercise_id}_visible", locked=True))


def graded(key: str, exercise_id: str, points: float) -> dict:
    source = (f"# Hidden tests for `{exercise_id}` run here when the notebook is graded.\n"
              "### BEGIN HIDDEN TESTS\n"
              "from dlcore.bridge import hidden_score\n"
              f'hidden_score("{key}", "{exercise_id}")\n'
              "### END HIDDEN TESTS")
    return _cell("code", source, _meta(exercise_id, grade=True, locked=True, points=points))


def free_text(question_id: str, points: float, model_answer: str) -> dict:
    text = "YOUR ANSWER HERE\n\n### BEGIN SOLUTION\n" + dedent(model_answer).strip() + \
        "\n### END SOLUTION"
    return {"cell_type": "markdown", "source": text,
            "metadata": _meta(question_id, grade=True, solution=True, points=points)}


def _with_ids(cells: list[dict]) -> list[dict]:
    """Stable cell ids (nbformat would otherwise invent random ones on every build)."""
    out = []
    for i, cell in enumerate(cells):
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id", cell["cell_type"])
        out.append({"id": f"c{i:02d}-{grade_id}"[:64], **cell})
    return out


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
                       "language_info": {"name": "python"}}}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
