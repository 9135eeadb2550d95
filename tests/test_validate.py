"""Does nbgrader's Validate tell the truth?  Each graded test cell holds the exercise's visible
asserts above its hidden block (nbgrader's convention), so Validate fails, naming the exercise,
while a stub still raises or a visible test fails, and passes a notebook that passes them all.
Runs real ``nbgrader validate`` (a kernel executes the notebook) on release, partial and
completed notebooks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import ROOT, completed, load

from dlcore import course
from dlcore.nbgrader_run import venv_path

ENTRIES = course.entries()
# Completed notebooks are also executed, hidden tests and all, by every `dlcore build`
# (test_generated checks they ran without an error), and the browser test validates a
# finished neurons notebook; here the checklist (quick to execute) goes through Validate.
DEEP = [e for e in ENTRIES if e.name == "checklist"]
# Release notebooks through Validate: the first notebook of each assignment (a kernel each);
# every release notebook gets the static check below.
FIRSTS = [next(e for e in ENTRIES if e.assignment == a)
          for a in sorted({e.assignment for e in ENTRIES})]


def validate(nbs: dict[str, dict], folder: Path) -> dict[str, str]:
    """Run ``nbgrader validate`` on each notebook; its output by name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, nb in nbs.items():
        path = folder / f"{name}.ipynb"
        path.write_text(json.dumps(nb))
        paths.append(str(path))
    env = dict(os.environ, DLCORE_FAST="1", DLCORE_DEVICE="cpu", PATH=venv_path(),
               MPLBACKEND="Agg", TQDM_DISABLE="1")


    def one(path: str) -> str:
        proc = subprocess.run([sys.executable, "-m", "nbgrader", "validate", path],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
                              check=False)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout

    with ThreadPoolExecutor(2) as pool:  # one kernel per notebook, two at a time
        return dict(zip(nbs, pool.map(one, paths), strict=True))


def failed_exercises(output: str) -> set[str]:
    """The exercises whose test cells Validate reports as failed (the cell's first line)."""
    return set(re.findall(r"# (?:Tests for|Checks the form of) `(\w+)`", output))


def auto_exercises(entry: course.Entry) -> set[str]:
    return set(course.exercise_points(entry))


def free_text(entry: course.Entry) -> set[str]:
    return set(course.manual_points(entry))


@pytest.mark.slow
def test_release_notebooks_fail_validate_naming_every_exercise(tmp_path: Path) -> None:
    """A release notebook with its free text filled in still fails, once per exercise."""
    nbs = {}
    for e in FIRSTS:
        nb = load(ROOT / "release" / e.assignment / f"{e.name}.ipynb")
        for cell in nb["cells"]:
            if cell["metadata"].get("nbgrader", {}).get("grade_id") in free_text(e):
                cell["source"] = "My own words, honestly."
        nbs[e.key.replace("/", "__")] = nb
    outputs = validate(nbs, tmp_path)
    for e in FIRSTS:
        out = outputs[e.key.replace("/", "__")]
        assert "VALIDATION FAILED" in out, f"{e.key}: {out[-600:]}"
        assert "Success" not in out
        assert failed_exercises(out) == auto_exercises(e), e.key


@pytest.mark.slow
def test_partial_and_completed_notebooks(tmp_path: Path) -> None:
    """Unfinished exercises, and only those, are named; a finished notebook validates."""
    nbs = {}
    for e in DEEP:
        exercises = sorted(auto_exercises(e))
        unfinished = set(exercises[::3])
        nbs[f"partial__{e.assignment}__{e.name}"] = completed(e.assignment, e.name, unfinished)
        nbs[f"done__{e.assignment}__{e.name}"] = completed(e.assignment, e.name)
    outputs = validate(nbs, tmp_path)
    for e in DEEP:
        exercises = sorted(auto_exercises(e))
        partial = outputs[f"partial__{e.assignment}__{e.name}"]
        assert "VALIDATION FAILED" in partial, partial[-600:]
        # a stub also breaks the visible tests of exercises that call it; never a finished one
        named = failed_exercises(partial)
        assert set(exercises[::3]) <= named, (e.key, named)
        done = outputs[f"done__{e.assignment}__{e.name}"]
        assert "Success! Your notebook passes all the tests." in done, f"{e.key}: {done[-800:]}"


def test_every_release_test_cell_checks_its_exercise() -> None:
    """In every release notebook, each auto-graded test cell is headed with its exercise and
    asserts something (about the exercise's function or the values its answer cell sets, so
    a stub or an unset answer fails Validate there)."""
    for e in ENTRIES:
        nb = load(ROOT / "release" / e.assignment / f"{e.name}.ipynb")
        seen = set()
        for cell in nb["cells"]:
            meta = cell["metadata"].get("nbgrader", {})
            if cell["cell_type"] != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            ex, src = meta["grade_id"], "".join(cell["source"])
            seen.add(ex)
            assert failed_exercises(src.splitlines()[0]) == {ex}, (e.key, ex, src[:80])
            body = src.split("\n", 1)[1] if "\n" in src else ""
            assert "assert " in body, (e.key, ex)
        assert seen == auto_exercises(e), e.key
