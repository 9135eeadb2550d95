"""Does real nbgrader autograde give the same points as dlcore, exercise by exercise, for
honest, unfinished, hostile and cheating submissions alike?

Starts nbgrader in a throw-away course directory; nbgrader_config.py routes autograde through
dlcore's preprocessor, so no kernel ever runs student code beside the hidden tests.
"""

from __future__ import annotations

import pytest

from dlcore import classgrade, course, nbgrader_run, sampleclass

ASSIGNMENTS = sorted({e.assignment for e in course.entries()})
# Every sample student but 'broken' (a truncated file nbgrader cannot even read) on Section 1,
# where every trick is tried once; elsewhere an honest and an unfinished one, which is enough
# for the agreement (the bridge does not depend on the notebook).
STUDENTS = {a: tuple(s for s in sampleclass.STUDENTS if s != "broken") if a == "s1_foundations"
            else ("perfect", "partial") for a in ASSIGNMENTS}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list]:
    """Every assignment's sample class, graded once by nbgrader autograde (all assignments in
    one run) and once by one dlcore grade batch: (nbgrader's scores per assignment,
    [(submission, dlcore report)])."""
    course_dir = nbgrader_run.copy_course(tmp_path_factory.mktemp("bridge") / "course")
    submitted = course_dir / ".course" / "submitted"
    for assignment in ASSIGNMENTS:
        first = next(e.name for e in course.entries() if e.assignment == assignment)
        for path in sampleclass.make(submitted, assignment, STUDENTS[assignment]):
            if path.stem != first:
                path.unlink()  # one notebook each: enough to try every trick once
                # (test_validate, test_course_notebooks and the mutants cover every notebook)
    students = sorted({s for group in STUDENTS.values() for s in group})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLCORE_REPORT_CACHE", "off")  # both really grade: nothing is reused
        nbgrader_run.prepare_gradebook(course_dir, "*", students)
        _, proc = nbgrader_run.autograde(course_dir, "*")
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
        subs = classgrade.discover([str(submitted)])
        reports, failures = classgrade.run_batch(subs, 2, "cpu", False)
    assert not failures
    theirs = {a: nbgrader_run.scores(course_dir, a) for a in ASSIGNMENTS}
    return theirs, list(zip(subs, reports, strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_autograde_matches_dlcore(assignment: str, graded: tuple[dict, list]) -> None:
    """Do nbgrader's cell scores equal dlcore grade's exercise scores on the same files?"""
    nb_scores, rows = graded
    mine = [(sub, report) for sub, report in rows if report["assignment"] == assignment]
    assert len(mine) == len(STUDENTS[assignment])
    for sub, report in mine:
        ours = {e["id"]: e["score"] for e in report["exercises"]}
        theirs = {k: v for k, v in nb_scores[assignment][(sub.student, sub.path.stem)].items()
                  if k in ours}
        assert theirs == ours, f"{sub.student}/{sub.path.name}"
        if sub.student == "perfect":
            assert report["score"] == report["max_score"] > 0
        if sub.student in ("cheater", "untouched"):
            assert report["score"] == 0, f"{sub.student}/{sub.path.name}: {report['score']}"
