"""Unit tests of the engine's pieces: wire safety, notebook reading, devices, reports."""

from __future__ import annotations

import io
import json
import os
import pickle

import pytest
import torch

from dlcore import devices, notebook
from dlcore.report import status_of
from dlcore.untrusted import wire


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_wire_refuses_code() -> None:
    """Can bytes from a worker never run code in the grader?"""
    with pytest.raises(pickle.UnpicklingError):
        wire.loads(pickle.dumps(Evil()))
    buf = io.BytesIO()
    torch.save({"x": Evil()}, buf)
    with pytest.raises(pickle.UnpicklingError):
        wire.loads(buf.getvalue())


def test_wire_round_trip_of_data() -> None:
    import numpy as np

    value = {"t": torch.arange(6).reshape(2, 3), "n": np.ones((2, 2)), "f": np.float32(1.5),
             "l": [1, (2.0, "a")], "d": torch.device("cpu"), "o": object()}
    back = wire.loads(wire.dumps(value))
    assert torch.equal(back["t"], value["t"])
    assert torch.equal(back["n"], torch.ones(2, 2, dtype=torch.float64))
    assert back["f"] == 1.5 and back["l"] == [1, (2.0, "a")] and back["d"] == "cpu"
    assert wire.type_name(back["o"]) == "object"


def test_notebook_cells_are_classified(tmp_path) -> None:
    from dlcore import authoring

    cells = [authoring.setup("import torch"), authoring.answer("f", "def f(x):\n    return x"),
             authoring.graded("a/b", "f", 2, "assert f(1) == 1"),
             authoring.demo("print('demo')"), authoring.free_text("why", 1, "because")]
    path = tmp_path / "b.ipynb"
    authoring.write(path, cells, "a", "b")
    nb = notebook.read(path)
    assert [c.kind for c in nb.cells] == ["setup", "answer", "test", "other", "other"]
    assert (nb.assignment, nb.name) == ("a", "b")
    assert [c.source for c in nb.runnable()] == ["import torch", "def f(x):\n    return x"]
    with pytest.raises(ValueError):
        authoring.write(path, cells + [authoring.graded("a/b", "f", 1, "assert f(2) == 2")],
                        "a", "b")
    with pytest.raises(ValueError):
        authoring.graded("a/b", "g", 1, "")


def test_notebook_without_metadata_uses_file_name(tmp_path) -> None:
    path = tmp_path / "neurons.ipynb"
    path.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}))
    assert notebook.read(path).name == "neurons"


def test_get_device_override_and_fallback(monkeypatch) -> None:
    monkeypatch.setenv("DLCORE_DEVICE", "cpu")
    assert devices.get_device() == torch.device("cpu")
    monkeypatch.delenv("DLCORE_DEVICE")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert devices.get_device() == torch.device("mps")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert devices.get_device() == torch.device("cpu")


def test_to_device_recurses() -> None:
    from collections import namedtuple

    Pair = namedtuple("Pair", "a b")
    batch = {"x": [torch.ones(2), (torch.zeros(1), 3)], "p": Pair(torch.ones(1), "s")}
    moved = devices.to_device(batch, "meta")
    assert moved["x"][0].device.type == "meta" and moved["x"][1][0].device.type == "meta"
    assert isinstance(moved["x"][1], tuple) and moved["x"][1][1] == 3
    assert isinstance(moved["p"], Pair) and moved["p"].a.device.type == "meta"


@pytest.mark.parametrize("score,max_score,problems,expected", [
    (2, 2, [], "passed"), (1, 2, ["failed"], "partial"), (0, 2, ["timeout", "failed"], "timeout"),
    (0, 2, ["missing", "missing"], "missing"), (0, 2, ["error", "failed"], "error"),
    (0, 2, ["failed"], "failed"),
])
def test_status_of(score, max_score, problems, expected) -> None:
    assert status_of(score, max_score, problems) == expected


def test_student_in_place_edits_never_reach_the_grader() -> None:
    """Are arguments copied, so a student's `x += 1` leaves the grader's tensor alone?"""
    from dlcore.grading import Student
    from dlcore.sandbox import Sandbox

    box = Sandbox([("bump_answer", "def bump(x):\n    x += 1\n    return x")], [])
    try:
        x = torch.zeros(3)
        got = Student(box, "bump", [], None, {}).bump(x)
        assert torch.equal(x, torch.zeros(3)) and torch.equal(got, torch.ones(3))
    finally:
        box.close()


def test_report_names_answers_graded_by_hand() -> None:
    """Does the text report tell a student which answers are graded by hand, outside the JSON?"""
    from dlcore.report import ExerciseResult, Report

    rep = Report("nb", "a", [ExerciseResult("f", 1.0, 1.0, "passed")], {"why": 2.0})
    assert "graded by hand, not included above: why (2)" in rep.render()
    assert "by_hand" not in rep.to_dict()
