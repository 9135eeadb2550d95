"""Are release/ and solutions/ what `dlcore build` makes from source/, and is nothing secret
in release/?"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, load

from dlcore import build, course
from dlcore.nbgrader_run import venv_path

ASSIGNMENTS = sorted({e.assignment for e in course.entries()})


def sources(nb: dict) -> list[str]:
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"]]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solutions_built_from_current_source(assignment: str) -> None:
    """Were solutions/ built from the source as it is now (else run 'dlcore build')?"""
    stamp = ROOT / "solutions" / assignment / build.STAMP
    assert stamp.exists(), "solutions were never built"
    assert json.loads(stamp.read_text())["source"] == build.source_digest(assignment), \
        "source/ changed since the last 'dlcore build'"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solutions_match_source_cells(assignment: str) -> None:
    """Do the solution notebooks hold exactly the source cells, executed without errors?"""
    for src in sorted((ROOT / "source" / assignment).glob("*.ipynb")):
        sol = load(ROOT / "solutions" / assignment / src.name)
        assert sources(sol) == sources(load(src)), src.name
        errors = [o.get("ename") for c in sol["cells"] for o in c.get("outputs", [])
                  if o.get("output_type") == "error"]
        assert not errors, f"{src.name} solution cells raised {errors}"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course copy where one ``nbgrader generate_assignment '*'`` made every release."""
    tmp_path = tmp_path_factory.mktemp("regenerated")
    shutil.copy2(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "source", tmp_path / "source")
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", "*",
                           "--force", "--log-level=WARN"], cwd=tmp_path, capture_output=True,
                          text=True, check=False, env={"PATH": venv_path(), "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr[-1500:]
    return tmp_path


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_what_nbgrader_generates(assignment: str, regenerated: Path) -> None:
    """Does nbgrader generate_assignment reproduce release/ byte for byte?"""
    fresh = sorted((regenerated / "release" / assignment).glob("*.ipynb"))
    committed = sorted((ROOT / "release" / assignment).glob("*.ipynb"))
    assert [p.name for p in fresh] == [p.name for p in committed]
    for f, c in zip(fresh, committed, strict=True):
        assert f.read_bytes() == c.read_bytes(), f"release/{assignment}/{c.name} is stale"


HIDDEN = ("BEGIN HIDDEN TESTS", "hidden_score", "dlcore.grading", "BEGIN SOLUTION",
          "answer_hash", "check_answer")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_keeps_secrets(assignment: str) -> None:
    """Is there no hidden test, solution line or answer key in release/?"""
    release_dir = ROOT / "release" / assignment
    assert {p.suffix for p in release_dir.iterdir()} <= {".ipynb"}
    for rel in sorted(release_dir.glob("*.ipynb")):
        text = rel.read_text()
        for word in HIDDEN:
            assert word not in text, f"{rel.name} contains {word!r}"
        released = "\n".join(sources(load(rel)))
        for solution_line in solution_lines(load(ROOT / "source" / assignment / rel.name)):
            assert solution_line not in released, f"{rel.name} leaks {solution_line!r}"


def solution_lines(nb: dict) -> list[str]:
    """Distinctive lines of the solution regions that appear nowhere else in the source."""
    region = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
    texts = sources(nb)
    given = "\n".join(region.sub("", t) for t in texts)
    lines = []
    for src in texts:
        for body in region.findall(src):
            lines += [ln.strip() for ln in body.splitlines()
                      if len(ln.strip()) > 25 and ln.strip() not in given]
    return lines


def test_no_generated_file_without_source() -> None:
    """Does every notebook in release/ and solutions/ have a source?"""
    for folder in ("release", "solutions"):
        for nb in (ROOT / folder).rglob("*.ipynb"):
            rel = nb.relative_to(ROOT / folder)
            assert (ROOT / "source" / rel).exists(), f"{folder}/{rel} has no source"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_noise_for_students(assignment: str) -> None:
    """No cell shows an object's repr (``<torch._C.Generator at 0x…>``), and a free-text cell
    says "YOUR ANSWER HERE" once."""
    for sol in sorted((ROOT / "solutions" / assignment).glob("*.ipynb")):
        for i, cell in enumerate(load(sol)["cells"]):
            for o in cell.get("outputs", []):
                text = o.get("data", {}).get("text/plain", "")
                text = "".join(text) if isinstance(text, list) else text
                assert " at 0x" not in text, f"{sol.name} cell {i} shows {text[:80]!r}"
    for rel in sorted((ROOT / "release" / assignment).glob("*.ipynb")):
        for cell in load(rel)["cells"]:
            text = "".join(cell["source"])
            assert text.count("YOUR ANSWER HERE") <= 1, f"{rel.name}: {text[:80]!r}"
