"""Does real nbgrader autograde give the same points as dlcore, exercise by exercise?

Starts its own Jupyter kernels through nbgrader in a throw-away course directory.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dlcore import check, course, nbgrader_run, sampleclass

ASSIGNMENTS = sorted({e.assignment for e in course.entries()})
STUDENTS = ("perfect", "partial")  # partial: every other exercise still a stub


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_autograde_matches_dlcore(assignment: str, tmp_path: Path) -> None:
    """Do nbgrader's cell scores equal dlcore check's exercise scores on the same files?"""
    course_dir = nbgrader_run.copy_course(tmp_path / "course")
    submitted = course_dir / ".course" / "submitted"
    files = sampleclass.make(submitted, assignment, STUDENTS)
    nbgrader_run.prepare_gradebook(course_dir, assignment, list(STUDENTS))
    _, proc = nbgrader_run.autograde(course_dir, assignment)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    nb_scores = nbgrader_run.scores(course_dir, assignment)
    for path in files:
        student = path.parent.parent.name
        report = check.main(path=path)
        ours = {e.id: e.score for e in report.exercises}
        theirs = {k: v for k, v in nb_scores[(student, path.stem)].items() if k in ours}
        assert theirs == ours, f"{student}/{path.name}"
        if student == "perfect":
            assert report.score == report.max_score > 0
