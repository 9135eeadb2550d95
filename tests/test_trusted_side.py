"""Does the grading process load only what the project shipped, report its own failures, and
refuse to grade a class where student code cannot be isolated?"""

from __future__ import annotations

import json
import os
import py_compile
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from dlcore.sandbox import host, isolation

BLANK = ROOT / "release" / "s1_foundations" / "neurons.ipynb"


def course_copy(dest: Path) -> Path:
    for folder in ("source", "autograder"):
        shutil.copytree(ROOT / folder, dest / folder)
    return dest


def dlcore_cli(*args: str, course: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, DLCORE_COURSE=str(course))
    return subprocess.run([sys.executable, "-m", "dlcore", *args], env=env, capture_output=True,
                          text=True, check=False, timeout=600)


def test_files_planted_beside_the_graders_are_never_loaded(tmp_path: Path) -> None:
    """Are a conftest.py, a pytest.ini with a plugin, and a forged .pyc of the grader (with
    the real file's size and mtime in its header) all ignored?"""
    course = course_copy(tmp_path / "course")
    graders = course / "autograder" / "s1_foundations"
    marker = tmp_path / "loaded"
    evil = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"
    (graders / "conftest.py").write_text(evil + "def pytest_collection_modifyitems(items):\n"
                                         "    items.clear()\n")
    (graders / "evilplugin.py").write_text(evil)
    (graders / "pytest.ini").write_text("[pytest]\naddopts = -p evilplugin -p no:python\n")
    real = graders / "test_neurons.py"
    forged_src = tmp_path / "forged.py"
    forged_src.write_text(evil + real.read_text())
    tag = sys.implementation.cache_tag
    pyc = graders / "__pycache__" / f"test_neurons.{tag}.pyc"
    pyc.parent.mkdir()
    py_compile.compile(str(forged_src), cfile=str(pyc))
    data = bytearray(pyc.read_bytes())  # claim to be the bytecode of the real grader
    stat = real.stat()
    data[8:12] = int(stat.st_mtime).to_bytes(4, "little")
    data[12:16] = (stat.st_size & 0xFFFFFFFF).to_bytes(4, "little")
    pyc.write_bytes(bytes(data))
    plain_import = ("import importlib.util, sys; s = importlib.util.spec_from_file_location("
                    f"'forged', {str(real)!r}); s.loader.exec_module("
                    "importlib.util.module_from_spec(s))")
    subprocess.run([sys.executable, "-c", plain_import], env=dict(
        os.environ, DLCORE_COURSE=str(course), PYTHONDONTWRITEBYTECODE="1"), check=True)
    assert marker.read_text() == "forged\n"  # a plain import would have run the forgery
    marker.unlink()

    proc = dlcore_cli("check", str(BLANK), "--json", course=course)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["score"] == 0 and len(report["exercises"]) > 5
    assert not marker.exists(), marker.read_text()


def test_a_broken_grader_is_a_failure_of_grading(tmp_path: Path) -> None:
    """When a grader itself cannot run, does `dlcore grade` still write every verdict, exit 1
    and list the affected submission?"""
    course = course_copy(tmp_path / "course")
    grader = course / "autograder" / "s1_foundations" / "test_neurons.py"
    grader.write_text(grader.read_text() + "\nraise RuntimeError('grader bug')\n")
    proc = dlcore_cli("grade", str(BLANK), "--out", str(tmp_path / "out"), "--no-progress",
                      course=course)
    assert proc.returncode == 1, proc.stderr
    assert "grading itself failed for 1 submission" in proc.stderr
    assert str(BLANK) in proc.stderr
    assert (tmp_path / "out" / "grades.csv").read_text().count("\n") == 2


def test_nbgrader_preprocessor_refuses_without_isolation(monkeypatch) -> None:
    """Does nbgrader autograde refuse, in one sentence, where student code cannot be
    isolated, and go ahead when the instructor allows it?"""
    from dlcore.bridge.autograde import DlcoreAutograde

    monkeypatch.setattr(host, "_policy", {})
    monkeypatch.setattr(isolation, "unavailable_reason", lambda: "simulated: no namespaces")
    with pytest.raises(isolation.IsolationUnavailable, match="other students' grades"):
        DlcoreAutograde().preprocess(None, {})
    assert isolation.decide("grade", allow_unisolated=True) is False


@pytest.mark.parametrize("source", [
    "from torch import _VF\ndef f(x, h, c, *w):\n    return _VF.lstm_cell(x, (h, c), *w)",
    "import torch._VF as vf",
    "from torch import _C as c",
    "import torch.ops.aten as a",
    "from dlcore.untrusted import opwatch",
])
def test_scan_flags_internals_however_imported(source: str) -> None:
    """Does the static scan flag torch and dlcore internals in every import spelling?"""
    from dlcore import scan

    assert scan.uses(source), source


def test_scan_leaves_public_code_alone() -> None:
    """Are ordinary answers (torch, nn, F, the public dlcore helpers) left alone?"""
    from dlcore import scan

    clean = ("import torch\nimport torch.nn.functional as F\nfrom torch import nn\n"
             "from dlcore.devices import get_device\ndef f(x):\n    return F.relu(x) + 1")
    assert scan.uses(clean) == []
