"""Reports of ``dlcore grade``, kept so that ``nbgrader autograde`` records them instead of
grading the same submissions a second time.

A report is found by a key over everything grading depends on: the notebook (assignment and
name), the cells grading runs (the course's setup cells and the submission's answer cells,
exactly as ``course.grading_cells`` gives them), the device, and a digest of the grader file,
the notebook's known mistakes (``dlcore.mistakes``) and whether they are named, ``grader.ini``
and every module of the ``dlcore`` package.  A changed answer, grader or engine
therefore never meets an old report.  Only the trusted side writes here: the folder is under
``.course/`` of the course directory, which no sandbox can see.

``DLCORE_REPORT_CACHE`` names another folder, or ``off`` to grade everything afresh.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path

from dlcore import course, mistakes
from dlcore.notebook import Notebook


def folder() -> Path | None:
    where = os.environ.get("DLCORE_REPORT_CACHE", "")
    if where.lower() == "off":
        return None
    return Path(where) if where else course.root() / ".course" / "report-cache"


@cache
def _engine_digest() -> str:
    package = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".ini") and "__pycache__" not in path.parts:
            h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def key(nb: Notebook, entry: course.Entry, device: str) -> str:
    cells = course.grading_cells(nb, entry)
    catalogue = mistakes.mutant_file(entry)  # the known mistakes the feedback may name
    payload = json.dumps([entry.key, cells, device, _engine_digest(),
                          hashlib.sha256(entry.grader.read_bytes()).hexdigest(),
                          hashlib.sha256(catalogue.read_bytes()).hexdigest()
                          if catalogue.is_file() else "", mistakes.enabled()])
    return hashlib.sha256(payload.encode()).hexdigest()


def load(nb: Notebook, entry: course.Entry, device: str) -> dict | None:
    where = folder()
    if where is None:
        return None
    path = where / f"{key(nb, entry, device)}.json"
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return report if isinstance(report, dict) and "exercises" in report else None


def store(nb: Notebook, entry: course.Entry, device: str, report: dict) -> None:
    where = folder()
    if where is None:
        return
    where.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=where, suffix=".part")
    with os.fdopen(fd, "w") as f:
        json.dump(report, f)
    os.replace(tmp, where / f"{key(nb, entry, device)}.json")
