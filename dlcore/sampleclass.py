"""A bundled sample class, generated from solutions/ and release/ for the demo and benchmarks.

Students: ``perfect`` (the solutions), ``partial`` (every other exercise left as the stub,
and one in four with a known mistake from the course's catalogue, ``dlcore.mistakes``),
``untouched`` (the release), ``broken`` (a truncated file), ``hostile`` (an infinite loop in
its first notebook, ``os._exit``, an exception, monkeypatching torch/numpy/pytest, an
impossible allocation, next to honest answers), ``cheater`` (the release, plus a cell that
looks for the solutions where the course and the package live, and tries to replace
nbgrader's grading hook and overwrite the notebook being graded).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from dlcore import course, mistakes

STUDENTS = ("perfect", "partial", "untouched", "broken", "hostile", "cheater")

HOSTILE = [
    "def {name}(*args, **kwargs):\n    while True:\n        pass",
    "import os\n\ndef {name}(*args, **kwargs):\n    os._exit(1)",
    "def {name}(*args, **kwargs):\n    raise ValueError('I give up')",
]
TAMPER = ("\nimport numpy, pytest, torch\n"
          "torch.allclose = lambda *a, **k: True\n"
          "torch.testing.assert_close = lambda *a, **k: None\n"
          "numpy.allclose = lambda *a, **k: True\n"
          "pytest.approx = lambda *a, **k: a[0]\n"
          "_grab = torch.empty(10**13)  # 40 TB: refused\n")


def _answers(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {})
            .get("grade_id", "").endswith("_answer")]


def _exercise(cell: dict) -> str:
    return cell["metadata"]["nbgrader"]["grade_id"][: -len("_answer")]


def _text(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def partial(solution: dict, release: dict) -> dict:
    """Odd answers left as stubs; every other even one holds the first known mistake the
    course describes for that exercise (if any)."""
    stubs = {_exercise(c): c["source"] for c in _answers(release)}
    meta = solution.get("metadata", {}).get("dlcore", {})
    known = mistakes.load_mistakes(mistakes.mutant_file(
        course.Entry(meta.get("assignment", ""), meta.get("notebook", "")))) if meta else {}
    for i, cell in enumerate(_answers(solution)):
        if i % 2 == 1:
            cell["source"] = stubs[_exercise(cell)]
        elif i % 4 == 2 and known.get(_exercise(cell)):
            cell["source"] = next(iter(known[_exercise(cell)].values()))[0]
    return solution


def hostile(solution: dict, first: bool = True) -> dict:
    """Hostile answers next to honest ones; the infinite loop (which costs a full call time
    limit) only in the first notebook, once being enough to show it."""
    functions = [c for c in _answers(solution)
                 if re.search(rf"^def {re.escape(_exercise(c))}\(", _text(c), re.M)]
    templates = HOSTILE if first else HOSTILE[1:]
    for cell, template in zip(functions, templates, strict=False):
        cell["source"] = template.format(name=_exercise(cell))
    if len(functions) > len(templates):  # an honest answer that also tampers with the libraries
        cell = functions[len(templates)]
        cell["source"] = _text(cell) + TAMPER
    return solution


CHEAT = """
import glob, json, os, shutil
try:  # full marks for a blank notebook, if grading let us reach any of this
    import dlcore.bridge
    dlcore.bridge.hidden_score = lambda key, exercise_id: 100.0
    places = {os.getcwd(), os.path.expanduser("~"), "/", "/work", "/home", "/root", "/srv",
              "/tmp", os.path.dirname(os.path.dirname(os.path.abspath(dlcore.__file__)))}
    places |= {os.path.dirname(p) for p in list(places)}
    hits = [f for p in places for depth in range(4)
            for f in glob.glob(os.path.join(p, *["*"] * depth, "solutions", "*", "*.ipynb"))]
    for hit in hits:
        shutil.copy(hit, os.path.join(os.getcwd(), os.path.basename(hit)))
        for cell in json.load(open(hit))["cells"]:
            if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
                exec("".join(cell["source"]), globals())
except Exception:
    pass
"""


def cheater(release: dict) -> dict:
    first = _answers(release)[0]
    first["source"] = _text(first) + "\n" + CHEAT
    return release


def submission(student: str, solution: dict, release: dict, first: bool = True) -> dict:
    if student == "perfect":
        return solution
    if student == "untouched":
        return release
    if student == "partial":
        return partial(solution, release)
    if student == "cheater":
        return cheater(release)
    return hostile(solution, first)


def make(dest: Path, assignment: str, students: tuple[str, ...] = STUDENTS) -> list[Path]:
    """Write ``dest/<student>/<assignment>/<notebook>.ipynb``; returns the files written."""
    written = []
    for i, entry in enumerate(e for e in course.entries() if e.assignment == assignment):
        sol_path = course.root() / "solutions" / assignment / f"{entry.name}.ipynb"
        rel_path = course.root() / "release" / assignment / f"{entry.name}.ipynb"
        for student in students:
            solution, release = json.loads(sol_path.read_text()), json.loads(rel_path.read_text())
            path = dest / student / assignment / f"{entry.name}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            if student == "broken":
                if i > 0:
                    continue  # the other notebooks were never submitted
                path.write_text(sol_path.read_text()[: 2000])
            else:
                path.write_text(json.dumps(submission(student, solution, release, i == 0),
                                           indent=1))
            written.append(path)
    return written
