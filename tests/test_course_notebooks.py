"""Do the generated notebooks grade as they should?  Solutions get full marks, release stubs
get zero with a verdict for every exercise, and grading is deterministic."""

from __future__ import annotations

import pytest
from conftest import ROOT, by_id, grade_notebooks, load

from dlcore import course

ENTRIES = course.entries()


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    notebooks = {}
    for e in ENTRIES:
        notebooks[f"sol-{e.assignment}-{e.name}"] = load(
            ROOT / "solutions" / e.assignment / f"{e.name}.ipynb")
        notebooks[f"rel-{e.assignment}-{e.name}"] = load(
            ROOT / "release" / e.assignment / f"{e.name}.ipynb")
    return grade_notebooks(notebooks, tmp_path_factory.mktemp("course"))


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.key for e in ENTRIES])
def test_solution_full_marks(entry: course.Entry, reports: dict[str, dict]) -> None:
    """Does every solution notebook get full marks on every exercise?"""
    report = reports[f"sol-{entry.assignment}-{entry.name}"]
    wrong = {k: v["feedback"] for k, v in by_id(report).items() if v["status"] != "passed"}
    assert not wrong
    assert report["score"] == report["max_score"] == sum(course.exercise_points(entry).values())


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.key for e in ENTRIES])
def test_release_scores_zero_with_verdicts(entry: course.Entry, reports: dict[str, dict]) -> None:
    """Does an untouched release notebook score 0, with a verdict for every exercise?"""
    report = reports[f"rel-{entry.assignment}-{entry.name}"]
    assert report["score"] == 0
    results = by_id(report)
    assert set(results) == set(course.exercise_points(entry))
    for ex, r in results.items():
        assert r["status"] == "missing", (ex, r)
        assert r["feedback"], ex


def test_points_match_nbgrader_cells() -> None:
    """Does each graded cell's nbgrader points equal the sum of its grader's test points?"""
    from dlcore.runner import collect

    for entry in ENTRIES:
        points: dict[str, float] = {}
        for mark in collect(entry):
            points[mark["id"]] = points.get(mark["id"], 0) + mark["points"]
        assert points == course.exercise_points(entry), entry.key


def test_grading_is_deterministic(tmp_path) -> None:
    """Does grading the same submission twice give the same report?"""
    from dlcore import check

    e = ENTRIES[0]
    nb = ROOT / "release" / e.assignment / f"{e.name}.ipynb"
    first = check.main(path=nb).to_dict()
    assert check.main(path=nb).to_dict() == first
