"""Do the README's instructor steps work verbatim on a fresh copy of the repository?

The commands are read from the README itself (the block after ``<!-- readme-test: instructor
-->``) and run, unchanged, with bash in a scratch copy of the course (its ``.venv`` a link to
this one).  Between "release" and "collect", two students fetch and submit through the real
nbgrader exchange: ``alice`` hands in a finished ``neurons``, ``bob`` the untouched release.
The student block's ``dlcore check`` line runs verbatim too (its ``dlcore lab`` line is what
the browser test starts).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, completed

from dlcore import course

README = (ROOT / "README.md").read_text()
STUDENT_SPLIT = "# ... students fetch"


def block(tag: str) -> list[str]:
    """The command lines of the bash block that follows ``<!-- readme-test: tag -->``."""
    match = re.search(rf"<!-- readme-test: {tag} -->\s*```bash\n(.*?)```", README, re.S)
    assert match, f"README has no '{tag}' block"
    return [line for line in match.group(1).splitlines() if line.strip()]


def scratch_course(dest: Path) -> Path:
    """What a fresh clone has (the tracked course folders), with this .venv linked in."""
    dest.mkdir()
    for name in ("source", "release", "solutions", "autograder"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("nbgrader_config.py", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    (dest / ".venv").symlink_to(ROOT / ".venv")
    return dest


def environment(**extra: str) -> dict[str, str]:
    """The user's environment: no activated venv, no dlcore variables."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("DLCORE_") and k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if not p.startswith(str(ROOT / ".venv")))
    return {**env, **extra}


def bash(lines: list[str], cwd: Path, **extra: str) -> str:
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", "\n".join(lines)], cwd=cwd,
                          env=environment(**extra), capture_output=True, text=True,
                          timeout=900, check=False)
    assert proc.returncode == 0, f"{lines}\n{(proc.stdout + proc.stderr)[-3000:]}"
    return proc.stdout + proc.stderr


def student_submits(course_dir: Path, home: Path, student: str, notebook: dict | None) -> None:
    """``student`` fetches s1_foundations, puts ``notebook`` in neurons.ipynb, submits."""
    home.mkdir(parents=True)
    (home / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.Exchange.root = {str(course_dir / '.course' / 'exchange')!r}\n"
        "c.CourseDirectory.course_id = 'dlcore'\n")
    nbgrader = str(course_dir / ".venv" / "bin" / "nbgrader")
    who = {"HOME": str(home)}
    bash([f"{nbgrader} fetch_assignment s1_foundations"], home, **who)
    folder = home / "s1_foundations"
    for other in folder.glob("*.ipynb"):
        if other.stem != "neurons":
            other.unlink()  # hands in one notebook: enough, and quick to grade
    if notebook is not None:
        (folder / "neurons.ipynb").write_text(json.dumps(notebook))
    # one OS user plays both students here, so each names itself (as on a shared machine)
    bash([f"{nbgrader} submit s1_foundations --student={student}"], home, **who)


@pytest.mark.slow
def test_instructor_steps_verbatim(tmp_path: Path) -> None:
    steps = block("instructor")
    split = next(i for i, line in enumerate(steps) if line.startswith(STUDENT_SPLIT))
    course_dir = scratch_course(tmp_path / "course")

    before = bash(steps[:split], course_dir)
    assignments = sorted({e.assignment for e in course.entries()})
    for a in assignments:
        assert f"{a}: up to date" in before, before  # build: committed = built
        assert f"registered {a}" in before, before

    student_submits(course_dir, tmp_path / "alice", "alice", completed("s1_foundations",
                                                                      "neurons"))
    student_submits(course_dir, tmp_path / "bob", "bob", None)

    after = bash(steps[split + 1:], course_dir)

    listing = {line.split()[0]: line.split() for line in after.splitlines()
               if line.split() and line.split()[0] in assignments}
    assert set(listing) == set(assignments), after
    assert listing["s1_foundations"][1:4] == ["released", "6", "2"], listing  # 2 submissions
    neurons = next(e for e in course.entries() if e.key == "s1_foundations/neurons")
    points = sum(course.exercise_points(neurons).values())

    graded = {r["student"]: r for r in csv.DictReader(
        (course_dir / ".course" / "grades" / "grades.csv").open())}
    assert float(graded["alice"]["score"]) == points, graded["alice"]
    assert float(graded["bob"]["score"]) == 0, graded["bob"]

    exported = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(
        (course_dir / ".course" / "grades.csv").open())}
    assert float(exported[("alice", "s1_foundations")]["raw_score"]) == points, exported
    assert float(exported[("bob", "s1_foundations")]["raw_score"]) == 0, exported
    for student in ("alice", "bob"):
        page = course_dir / ".course" / "feedback" / student / "s1_foundations" / "neurons.html"
        assert page.exists(), f"no feedback for {student}"
        assert "neuron_forward" in page.read_text()

    check = bash([line for line in block("student") if "dlcore check" in line], course_dir)
    assert "neuron_forward" in check and "missing" in check, check
