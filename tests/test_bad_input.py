"""Is unusable input refused with exit 2 and one line on stderr, without a traceback?"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dlcore", *args], capture_output=True,
                          text=True, check=False, timeout=120)


def assert_refused(proc: subprocess.CompletedProcess, words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert words in lines[0]
    assert proc.stdout == ""


def write(tmp: Path, name: str, text: str) -> str:
    p = tmp / name
    p.write_text(text)
    return str(p)


@pytest.mark.parametrize("content,words", [
    ("this is not json", "not a Jupyter notebook"),
    ('{"a": 1}', "not a Jupyter notebook"),
    ("[1, 2, 3]", "not a Jupyter notebook"),
    ('{"cells": "oops", "nbformat": 4}', "not a Jupyter notebook"),
    ('{"cells": [], "nbformat": 3, "worksheets": []}', "format 3"),
    (json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
     "not one of this course's notebooks"),
], ids=["text", "json-object", "json-list", "bad-cells", "nbformat3", "foreign-notebook"])
def test_check_refuses_bad_notebook(tmp_path: Path, content: str, words: str) -> None:
    """Does 'dlcore check' refuse malformed or foreign input with one line?"""
    assert_refused(run("check", write(tmp_path, "x.ipynb", content)), words)


def test_check_missing_file_and_folder(tmp_path: Path) -> None:
    assert_refused(run("check", str(tmp_path / "nope.ipynb")), "no such file")
    assert_refused(run("check", str(tmp_path)), "is a folder")


def test_check_binary_file(tmp_path: Path) -> None:
    p = tmp_path / "x.ipynb"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    assert_refused(run("check", str(p)), "not a Jupyter notebook")


def test_grade_missing_path_and_empty_folder(tmp_path: Path) -> None:
    assert_refused(run("grade", str(tmp_path / "nope"), "--out", str(tmp_path / "o")),
                   "no such file")
    assert_refused(run("grade", str(tmp_path), "--out", str(tmp_path / "o")), "no .ipynb")


def test_build_unknown_assignment() -> None:
    assert_refused(run("build", "no_such_assignment"), "no such assignment")


def test_grade_keeps_going_past_broken_files(tmp_path: Path) -> None:
    """Does a broken submission get a report of its own instead of stopping the batch?"""
    subs = tmp_path / "subs"
    subs.mkdir()
    write(subs, "alice.ipynb", "{ truncated")
    write(subs, "bob.ipynb", "not json")
    proc = run("grade", str(subs), "--out", str(tmp_path / "out"), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    rows = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    assert len(rows) == 3 and rows[1].startswith("alice") and rows[2].startswith("bob")
