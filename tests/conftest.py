"""Shared helpers: variant notebooks of the course's sources, graded in one ``dlcore grade``."""

from __future__ import annotations

import copy
import json
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def with_answers(nb: dict, answers: dict[str, str]) -> dict:
    """A copy of ``nb`` whose answer cells ``<id>_answer`` hold the given sources."""
    out = copy.deepcopy(nb)
    missing = set(answers)
    for cell in out["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if gid.endswith("_answer") and gid[: -len("_answer")] in answers:
            cell["source"] = answers[gid[: -len("_answer")]]
            missing.discard(gid[: -len("_answer")])
    if missing:
        raise KeyError(f"no answer cell for {sorted(missing)}")
    return out


def grade_notebooks(notebooks: dict[str, dict], workdir: Path, workers: int = 2,
                    only: dict[str, str | set[str]] | None = None) -> dict[str, dict]:
    """Grade many notebooks in one ``dlcore grade`` batch (the Python API, so each notebook may
    be limited to some exercises via ``only``); reports keyed by name."""
    from dlcore import classgrade

    only = only or {}
    subs = []
    for name, nb in notebooks.items():
        path = workdir / f"{name}.ipynb"
        path.write_text(json.dumps(nb))
        limit = None if name not in only else frozenset(
            {only[name]} if isinstance(only[name], str) else only[name])
        meta = nb.get("metadata", {}).get("dlcore", {})
        group = f"{meta.get('assignment')}/{meta.get('notebook')}" if meta else None
        subs.append(classgrade.Submission(name, path, limit, group))
    reports = classgrade.run(subs, workers, "cpu", progress=False)
    return {sub.student: rep for sub, rep in zip(subs, reports, strict=True)}


def by_id(report: dict) -> dict[str, dict]:
    return {e["id"]: e for e in report["exercises"]}


def completed(assignment: str, name: str, unfinished: set[str] = frozenset()) -> dict:
    """The release notebook as a student hands it in: every answer cell (code and free text)
    holds the reference solution, except the exercises in ``unfinished``, left as stubs."""
    release = load(ROOT / "release" / assignment / f"{name}.ipynb")
    solution = load(ROOT / "solutions" / assignment / f"{name}.ipynb")
    answers = {c["metadata"]["nbgrader"]["grade_id"]: c["source"] for c in solution["cells"]
               if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    out = copy.deepcopy(release)
    for cell in out["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if gid in answers and gid.removesuffix("_answer") not in unfinished:
            cell["source"] = answers[gid]
    return out


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every connection attempt is recorded and fails; the test inspects the list."""
    attempts: list[str] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(repr(args[:1]))
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.delenv("DLCORE_OFFLINE", raising=False)
    monkeypatch.delenv("DLCORE_DATA", raising=False)
    return attempts
