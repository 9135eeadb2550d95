"""The course folder without steps by hand: gradebook, exchange, registration, JupyterLab per
role, and the reports nbgrader autograde reuses."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from dlcore import coursedir, lab, notebook, reportcache
from dlcore.course import Entry
from dlcore.errors import UsageError


def course_copy(dest: Path) -> Path:
    for name in ("source", "release", "autograder"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy2(ROOT / "nbgrader_config.py", dest)
    return dest


def test_student_lab_has_no_instructor_tools(tmp_path: Path) -> None:
    folder = lab.config_dir(tmp_path, instructor=False)
    server = json.loads((folder / "jupyter_server_config.json").read_text())
    enabled = server["ServerApp"]["jpserver_extensions"]
    assert enabled == {"nbgrader.server_extensions.formgrader": False,
                       "nbgrader.server_extensions.course_list": False}
    page = json.loads((folder / "labconfig" / "page_config.json").read_text())
    off = {k for k, v in page["disabledExtensions"].items() if v}
    assert {"@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:formgrader",
            "@jupyter/nbgrader:course-list"} <= off
    assert not any("assignment-list" in k or "validate" in k for k in off)


def test_instructor_lab_has_everything(tmp_path: Path) -> None:
    folder = lab.config_dir(tmp_path, instructor=True)
    server = json.loads((folder / "jupyter_server_config.json").read_text())
    assert all(server["ServerApp"]["jpserver_extensions"].values())
    page = json.loads((folder / "labconfig" / "page_config.json").read_text())
    assert not any(v for k, v in page["disabledExtensions"].items() if "nbgrader" in k)
    env = lab.environment(tmp_path, instructor=True)
    assert env["JUPYTER_CONFIG_PATH"].split(os.pathsep)[0] == str(folder)
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)


def alembic_version(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT version_num FROM alembic_version").fetchall()


def test_gradebook_is_created_or_repaired(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new gradebook gets its schema version even with no venv on PATH, and one left without
    it (the Formgrader's half-created gradebook) is repaired with nbgrader's newest."""
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    (tmp_path / ".course").mkdir()
    assert coursedir.ensure_gradebook(tmp_path) == "created"
    db = coursedir.gradebook_path(tmp_path)
    head = alembic_version(db)
    assert len(head) == 1 and head[0][0]
    assert coursedir.ensure_gradebook(tmp_path) == "ready"
    with sqlite3.connect(db) as con:
        con.execute("DROP TABLE alembic_version")
    assert coursedir.ensure_gradebook(tmp_path).startswith("repaired")
    assert alembic_version(db) == head


def test_config_puts_the_venv_on_path(tmp_path: Path) -> None:
    """nbgrader_config.py itself makes `alembic` findable for any nbgrader entry point."""
    code = ("import os; from traitlets.config.loader import PyFileConfigLoader; "
            f"PyFileConfigLoader('nbgrader_config.py', path={str(ROOT)!r}).load_config(); "
            "print(os.environ['PATH'])")
    out = subprocess.run([sys.executable, "-c", code], env={"PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert out.split(os.pathsep)[0].strip() == str(Path(sys.executable).parent)


@pytest.mark.slow
def test_setup_refuses_a_stale_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    course = course_copy(tmp_path)
    stale = course / "release" / "p1_mlp" / "mlp_project.ipynb"
    stale.write_text(stale.read_text().replace("MLP", "MPL", 1))
    monkeypatch.setenv("DLCORE_COURSE", str(course))
    with pytest.raises(UsageError, match=r"release/p1_mlp is out of date \(mlp_project"):
        coursedir.setup(["p1_mlp"])
    assert (course / ".course" / "exchange").is_dir()
    with pytest.raises(UsageError, match="no such assignment: nope"):
        coursedir.setup(["nope"])


def test_setup_needs_a_course_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLCORE_COURSE", str(tmp_path))
    with pytest.raises(UsageError, match="no nbgrader_config.py"):
        coursedir.setup()


def test_report_cache_keys_on_what_grading_runs(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLCORE_REPORT_CACHE", str(tmp_path / "cache"))
    entry = Entry("s1_foundations", "neurons")
    release = ROOT / "release" / "s1_foundations" / "neurons.ipynb"
    nb = notebook.read(release)
    report = {"notebook": "neurons", "exercises": [], "score": 1.0}
    assert reportcache.load(nb, entry, "cpu") is None
    reportcache.store(nb, entry, "cpu", report)
    assert reportcache.load(notebook.read(release), entry, "cpu") == report
    assert reportcache.load(nb, entry, "cuda") is None  # another device: graded afresh

    data = json.loads(release.read_text())
    for cell in data["cells"]:  # outputs, prose and visible tests do not matter ...
        if cell["cell_type"] == "markdown":
            cell["source"] = "changed prose"
    other = tmp_path / "prose.ipynb"
    other.write_text(json.dumps(data))
    assert reportcache.load(notebook.read(other), entry, "cpu") == report
    for cell in data["cells"]:  # ... an answer does
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "sigmoid_answer":
            cell["source"] = "def sigmoid(x):\n    return x"
    other.write_text(json.dumps(data))
    assert reportcache.load(notebook.read(other), entry, "cpu") is None

    monkeypatch.setenv("DLCORE_REPORT_CACHE", "off")
    assert reportcache.load(nb, entry, "cpu") is None
    reportcache.store(nb, entry, "cpu", report)  # and writes nothing
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1
