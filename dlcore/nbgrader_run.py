"""Driving real nbgrader from Python: gradebook set-up, autograde, and reading its scores.

nbgrader reads ``nbgrader_config.py`` from the working directory only (``--course-dir`` does
not load it), so every command runs with ``cwd`` = the course directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from dlcore import course


def copy_course(dest: Path) -> Path:
    """A throw-away course directory (config + sources) so runs never touch the repo's own."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(course.root() / "nbgrader_config.py", dest / "nbgrader_config.py")
    shutil.copytree(course.root() / "source", dest / "source", dirs_exist_ok=True)
    return dest


def venv_path() -> str:
    """PATH with this interpreter's bin folder first (nbgrader runs ``alembic`` from PATH)."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def environment() -> dict[str, str]:
    """For nbgrader runs on a throw-away copy of the course: graders and reports from this
    course (``DLCORE_COURSE``), quick demos, one thread, nbgrader's tools on PATH."""
    return dict(os.environ, DLCORE_FAST="1", DLCORE_DEVICE="cpu", OMP_NUM_THREADS="1",
                OPENBLAS_NUM_THREADS="1", DLCORE_COURSE=str(course.root()), PATH=venv_path())


def nbgrader(course_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_dir,
                          env=environment(),
                          capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-12:])
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{tail}")
    return proc


def prepare_gradebook(course_dir: Path, assignment: str, students: list[str]) -> None:
    """Record the assignment (cells, points, hidden tests) and the students in the gradebook,
    without touching the committed release/."""
    nbgrader(course_dir, "generate_assignment", assignment, "--force",
             "--CourseDirectory.release_directory=.course/release")
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(course_dir / ".course" / "gradebook.db")) as gb:
        for student in students:  # one process, not one `nbgrader db student add` each
            gb.update_or_create_student(student)


def autograde(course_dir: Path, assignment: str,
              cell_timeout: int = 120) -> tuple[float, subprocess.CompletedProcess]:
    """Run ``nbgrader autograde`` on everything submitted; (seconds, process)."""
    start = time.perf_counter()
    proc = nbgrader(course_dir, "autograde", assignment, "--force",
                    f"--Execute.timeout={cell_timeout}", check=False)
    return time.perf_counter() - start, proc


def scores(course_dir: Path, assignment: str) -> dict[tuple[str, str], dict[str, float]]:
    """(student, notebook) -> {grade_id: auto score} for autograded code cells; notebooks
    nbgrader failed to execute (a dead or hung kernel) are left out."""
    from nbgrader.api import Gradebook

    url = "sqlite:///" + str(course_dir / ".course" / "gradebook.db")
    out: dict[tuple[str, str], dict[str, float]] = {}
    with Gradebook(url) as gb:
        for sub in gb.assignment_submissions(assignment):
            for nb in sub.notebooks:
                auto = {g.name: float(g.auto_score) for g in nb.grades
                        if g.cell_type == "code" and g.auto_score is not None}
                if auto:  # none at all: nbgrader could not execute this notebook
                    out[(sub.student_id, nb.name)] = auto
    return out
