"""Runs a notebook's hidden pytest graders against one submission and builds its Report."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from dlcore import course, scan
from dlcore.errors import MachineryError
from dlcore.grading import ForbiddenCall, GradingFailure, Student, StudentProblem, quote
from dlcore.notebook import Notebook, NotebookError
from dlcore.report import ExerciseResult, Report, status_of
from dlcore.sandbox import Limits, Sandbox
from dlcore.sandbox.host import HostError

# The grading process loads only what the project shipped: no conftest.py, no ini file, no
# plugin found by entry point and no .pyc from beside the graders (bytecode is read from and
# written to a private folder instead), no rewritten-assert cache.
SHIPPED_INI = Path(__file__).with_name("grader.ini")
sys.pycache_prefix = tempfile.mkdtemp(prefix="dlcore-pycache-")
os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
TRUSTED_ONLY = ["--noconftest", "-c", str(SHIPPED_INI), "--assert=plain"]

# pytest plugins a grading run does not need; unraisableexception alone costs two full
# gc.collect() passes (~0.2 s) per notebook.
NO_PLUGINS = [arg for name in ("cacheprovider", "randomly", "unraisableexception",
                               "threadexception", "faulthandler", "doctest", "junitxml",
                               "pastebin", "nose", "legacypath")
              for arg in ("-p", f"no:{name}")]


class GradingPlugin:
    """pytest plugin: provides the ``student`` fixture and records each test case's verdict."""

    def __init__(self, cells: list[tuple[str, str]], device: str, limits: Limits,
                 only: set[str] | None = None) -> None:
        self.cells, self.device, self.limits, self.only = cells, device, limits, only
        self.sandbox: Sandbox | None = None
        self.poisoned: dict[str, StudentProblem] = {}
        self.cases: dict[str, list[tuple[float, float, str | None, str | None]]] = \
            defaultdict(list)
        self.order: list[str] = []
        self.machinery: list[str] = []

    def pytest_configure(self, config: Any) -> None:
        config.addinivalue_line("markers", "exercise(id, points, forbid, timeout): grader case")

    def pytest_collection_modifyitems(self, config: Any, items: list[Any]) -> None:
        if self.only is not None:
            keep = [i for i in items if (m := i.get_closest_marker("exercise")) is not None
                    and m.args[0] in self.only]
            config.hook.pytest_deselected(items=[i for i in items if i not in keep])
            items[:] = keep
        forbid: set[str] = set()
        for item in items:
            mark = item.get_closest_marker("exercise")
            if mark is not None:
                forbid.update(mark.kwargs.get("forbid", ()))
                if mark.args[0] not in self.order:
                    self.order.append(mark.args[0])
        self.sandbox = Sandbox(self.cells, sorted(forbid), self.device, self.limits)
        self.poison_internals(items)

    def poison_internals(self, items: list[Any]) -> None:
        """Answer cells that reach into internals: a forbidden verdict for their own exercise
        and for every exercise whose forbidden built-ins could no longer be checked."""
        answers = [(cid, src) for cid, src in self.cells if not cid.startswith("setup")]
        forbidding = {m.args[0] for i in items if (m := i.get_closest_marker("exercise"))
                      and m.kwargs.get("forbid")}
        for cell_id, hits in scan.scan(answers).items():
            owner = cell_id.removesuffix("_answer")
            what = ", ".join(hits[:3])
            self.poisoned.setdefault(owner, ForbiddenCall(
                f"forbidden: the answer cell of {owner} uses {what}; answers may not reach "
                "into torch, Python or dlcore internals"))
            for ex in sorted(forbidding - {owner}):
                self.poisoned.setdefault(ex, ForbiddenCall(
                    f"forbidden: the answer cell of {owner} uses {what}, so the built-ins "
                    f"{ex} may not call can no longer be checked"))

    @pytest.fixture
    def student(self, request: Any) -> Student:
        mark = request.node.get_closest_marker("exercise")
        assert self.sandbox is not None
        return Student(self.sandbox, mark.args[0], mark.kwargs.get("forbid", ()),
                       mark.kwargs.get("timeout"), self.poisoned)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: Any, call: Any) -> Any:
        outcome = yield
        rep = outcome.get_result()
        mark = item.get_closest_marker("exercise")
        if mark is None or not (rep.when == "call" or rep.failed):
            return
        points = float(mark.kwargs["points"])
        exc = call.excinfo.value if call.excinfo is not None else None
        if isinstance(exc, HostError):
            self.machinery.append(str(exc))
        if rep.passed:
            self.cases[mark.args[0]].append((points, points, None, None))
        else:
            kind, message = verdict(exc)
            self.cases[mark.args[0]].append((0.0, points, kind, message))

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()

    def results(self) -> list[ExerciseResult]:
        out = []
        for ex in self.order:
            cases = self.cases.get(ex, [])
            score = sum(c[0] for c in cases)
            max_score = sum(c[1] for c in cases)
            problems = [c[2] for c in cases if c[2]]
            feedback = list(dict.fromkeys(c[3] for c in cases if c[3]))[:5]
            out.append(ExerciseResult(ex, round(score, 4), round(max_score, 4),
                                      status_of(score, max_score, problems), feedback))
        return out


def verdict(exc: BaseException | None) -> tuple[str, str]:
    """Problem kind and student-facing message for a failed test case: one sanitized line of
    at most 300 characters, whatever student text a grader's message embeds."""
    if isinstance(exc, StudentProblem):
        return exc.status, quote(str(exc), 300)
    if isinstance(exc, GradingFailure):
        return "failed", quote(str(exc).split("\nassert ")[0].strip(), 300)
    if isinstance(exc, AssertionError):
        return "failed", "a check on your result failed"
    return "failed", f"your result could not be checked ({type(exc).__name__})"


class PlainFailures:
    """pytest plugin: a failed case's report without pytest's traceback rendering, which is
    never shown (the verdict comes from the exception) and cost ~60 ms per failed case."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: Any, call: Any) -> Any:
        exc = call.excinfo
        if exc is None or isinstance(exc.value, pytest.skip.Exception):
            return None  # pytest's own report
        return pytest.TestReport(item.nodeid, item.location, dict.fromkeys(item.keywords, 1),
                                 "failed", exc.exconly()[:300], call.when,
                                 duration=call.duration, start=call.start, stop=call.stop)


class _Collector:
    def __init__(self) -> None:
        self.marks: list[dict] = []

    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        for item in items:
            mark = item.get_closest_marker("exercise")
            if mark is not None:
                self.marks.append({"id": mark.args[0], **mark.kwargs})


def collect(entry: course.Entry) -> list[dict]:
    """The exercise marks (id, points, forbid, timeout) of a grader's test cases (collected
    once per version of the grader file in this process)."""
    return [dict(m) for m in _collect(entry, entry.grader.stat().st_mtime_ns)]


@functools.lru_cache(maxsize=256)
def _collect(entry: course.Entry, version: int) -> list[dict]:
    collector = _Collector()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        pytest.main([str(entry.grader), "--collect-only", "-q", *TRUSTED_ONLY, *NO_PLUGINS,
                     "--import-mode=importlib", f"--rootdir={entry.grader.parent}"],
                    plugins=[collector])
    return collector.marks


def grade(nb: Notebook, entry: course.Entry, device: str = "cpu",
          limits: Limits | None = None, only: set[str] | None = None) -> Report:
    """Grade one parsed notebook against its hidden graders (only some exercises if asked)."""
    known = set(course.exercise_points(entry))
    if only is not None and not only <= known:
        raise NotebookError(f"no exercise {', '.join(sorted(only - known))} in {entry.key} "
                            "(run 'dlcore list')")
    plugin = GradingPlugin(course.grading_cells(nb, entry), device, limits or Limits(), only)
    args = [str(entry.grader), "-q", *TRUSTED_ONLY, "--import-mode=importlib",
            f"--rootdir={entry.grader.parent}", "-W", "ignore", *NO_PLUGINS]
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = pytest.main(args, plugins=[plugin, PlainFailures()])
    finally:
        plugin.close()
    if plugin.machinery:
        raise MachineryError(plugin.machinery[0])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise MachineryError(f"the grader {entry.key} could not run (pytest exit {int(code)})")
    results = plugin.results()
    expected = course.exercise_points(entry)
    for r in results:
        if r.id in expected and abs(expected[r.id] - r.max_score) > 1e-9:
            raise RuntimeError(f"grader points for {r.id} ({r.max_score}) differ from the "
                               f"notebook's test cell ({expected[r.id]})")
    return Report(entry.name, entry.assignment, results, course.manual_points(entry))

