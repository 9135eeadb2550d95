"""Runs a notebook's hidden pytest graders against one submission and builds its Report."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import queue
import sys
import tempfile
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from _pytest.runner import runtestprotocol

from dlcore import course, diagnosis, scan
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
NO_PLUGINS = [arg for name in ("cacheprovider", "logging", "randomly", "unraisableexception",
                               "threadexception", "faulthandler", "doctest", "junitxml",
                               "pastebin", "nose", "legacypath")
              for arg in ("-p", f"no:{name}")]


class Job:
    """One submission's grading inside a session: its sandbox, verdicts and exercise order."""

    def __init__(self, cells: list[tuple[str, str]], device: str, limits: Limits,
                 items: list[Any]) -> None:
        self.cells, self.items = cells, items
        self.poisoned: dict[str, StudentProblem] = {}
        self.cases: dict[str, list[tuple[float, float, str | None, str | None]]] = \
            defaultdict(list)
        self.order: list[str] = []
        self.machinery: list[str] = []
        self.calls: list[tuple[tuple, tuple]] = []  # the running case's requests and replies
        self.logged: dict[str, list[diagnosis.Case]] = defaultdict(list)
        self.diagnoses: dict[str, list[str]] = {}
        forbid: set[str] = set()
        for item in items:
            mark = item.get_closest_marker("exercise")
            forbid.update(mark.kwargs.get("forbid", ()))
            if mark.args[0] not in self.order:
                self.order.append(mark.args[0])
        self.sandbox = Sandbox(cells, sorted(forbid), device, limits)
        self.poison_internals()

    def poison_internals(self) -> None:
        """Answer cells that reach into internals: a forbidden verdict for their own exercise
        and for every exercise whose forbidden built-ins could no longer be checked."""
        answers = [(cid, src) for cid, src in self.cells if not cid.startswith("setup")]
        forbidding = {m.args[0] for i in self.items if (m := i.get_closest_marker("exercise"))
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

    def record(self, mark: Any, passed: bool, exc: BaseException | None) -> None:
        points = float(mark.kwargs["points"])
        if isinstance(exc, HostError):
            self.machinery.append(str(exc))
        if passed:
            self.cases[mark.args[0]].append((points, points, None, None))
        else:
            kind, message = verdict(exc)
            self.cases[mark.args[0]].append((0.0, points, kind, message))
        on_values = isinstance(exc, AssertionError)  # not an error, timeout or forbidden call
        self.logged[mark.args[0]].append(diagnosis.Case(passed, on_values, list(self.calls)))

    def diagnose(self, catalogue: diagnosis.Catalogue) -> None:
        """Name the known mistake behind each exercise that lost points, where one fits."""
        for ex, cases in self.logged.items():
            if any(not c.passed for c in cases):
                try:
                    self.diagnoses[ex] = catalogue.diagnose(ex, cases)
                except Exception:  # noqa: BLE001 (diagnosis never costs a verdict)
                    self.diagnoses[ex] = []

    def results(self) -> list[ExerciseResult]:
        out = []
        for ex in self.order:
            cases = self.cases.get(ex, [])
            score = sum(c[0] for c in cases)
            max_score = sum(c[1] for c in cases)
            problems = [c[2] for c in cases if c[2]]
            feedback = self.diagnoses.get(ex, []) + \
                list(dict.fromkeys(c[3] for c in cases if c[3]))[:5]
            out.append(ExerciseResult(ex, round(score, 4), round(max_score, 4),
                                      status_of(score, max_score, problems), feedback))
        return out


class Session:
    """One pytest session per grader file and process, serving submission after submission.

    What is the same for every submission is done once: pytest's start-up, importing the
    grader and collecting its cases, and whatever module-scoped fixtures or module-level
    caches the grader keeps (its oracles).  The session runs in a thread of its own, parked
    in ``pytest_runtestloop`` between submissions; ``grade`` hands it one submission and
    waits.  Each submission still gets its own sandbox and its own verdicts; the cases run
    through pytest's own ``runtestprotocol``, so function-scoped fixtures are fresh each time.
    """

    def __init__(self, grader: Path, entry: course.Entry | None = None) -> None:
        self.grader, self.entry = grader, entry
        self.jobs: queue.Queue = queue.Queue()
        self.done: queue.Queue = queue.Queue()
        self.items: list[Any] = []
        self.job: Job | None = None
        self.alive = True
        self._quiet = open(os.devnull, "w")  # noqa: SIM115 (lives as long as the session)
        self._thread = threading.Thread(target=self._main, daemon=True,
                                        name=f"grader {grader.parent.name}/{grader.stem}")
        self._thread.start()
        self._call(None)  # collected, or the reason it could not be

    # -- the calling side
    def grade(self, cells: list[tuple[str, str]], device: str, limits: Limits,
              only: set[str] | None) -> Job:
        return self._call((cells, device, limits, only))

    def _call(self, job: tuple | None) -> Any:
        if not self.alive:
            raise MachineryError(f"the grader {self.grader.parent.name}/{self.grader.stem} "
                                 "could not run")
        if job is not None:
            self.jobs.put(job)
        kind, value = self.done.get()
        if kind == "exit":
            self.alive = False
            raise MachineryError(f"the grader {self.grader.parent.name}/{self.grader.stem} "
                                 f"could not run (pytest exit {value})")
        if kind == "error":
            self.alive = False
            raise value
        return value

    def close(self) -> None:
        if self.alive:
            self.alive = False
            self.jobs.put(None)
            self._thread.join(30)

    # -- the session's thread
    def _main(self) -> None:
        args = [str(self.grader), "-q", "-s", *TRUSTED_ONLY, "--import-mode=importlib",
                f"--rootdir={self.grader.parent}", "-W", "ignore", *NO_PLUGINS]
        code: Any = None
        try:
            with self._silenced():
                code = pytest.main(args, plugins=[self, PlainFailures()])
        except BaseException as exc:  # noqa: BLE001 (reported to the caller)
            code = f"{type(exc).__name__}: {exc}"
        self.done.put(("exit", int(code) if isinstance(code, int) else code))

    @contextlib.contextmanager
    def _silenced(self) -> Any:
        """Grader output goes nowhere, and only while this thread works (the calling thread
        waits meanwhile), so the process's own output is never swallowed."""
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = self._quiet
        try:
            yield
        finally:
            sys.stdout, sys.stderr = saved

    def pytest_configure(self, config: Any) -> None:
        config.addinivalue_line("markers", "exercise(id, points, forbid, timeout): grader case")

    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        self.items = [i for i in items if i.get_closest_marker("exercise") is not None]

    def pytest_runtestloop(self, session: Any) -> bool:
        if session.testsfailed and not session.config.option.continue_on_collection_errors:
            return True  # pytest reports the collection error as its exit code
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _REAL
        self.done.put(("ok", None))
        while (job := self.jobs.get()) is not None:
            sys.stdout = sys.stderr = self._quiet
            try:
                result: tuple[str, Any] = ("ok", self._run(session, *job))
            except BaseException as exc:  # noqa: BLE001 (our own failure, never the student's)
                result = ("error", exc)
            sys.stdout, sys.stderr = _REAL
            self.done.put(result)
            if result[0] == "error":
                break
        session._setupstate.teardown_exact(None)
        sys.stdout, sys.stderr = saved
        return True

    def _run(self, session: Any, cells: list[tuple[str, str]], device: str, limits: Limits,
             only: set[str] | None) -> Job:
        items = [i for i in self.items
                 if only is None or i.get_closest_marker("exercise").args[0] in only]
        self.job = job = Job(cells, device, limits, items)
        try:
            if items:
                session._setupstate.teardown_exact(items[0])
            for i, item in enumerate(items):
                job.calls = []
                # After the last case only the module stays set up: its fixtures serve the
                # next submission, while every case's own fixtures are torn down.
                nextitem = items[i + 1] if i + 1 < len(items) else item.getparent(pytest.Module)
                runtestprotocol(item, nextitem=nextitem, log=True)
            job.sandbox.close()
            catalogue = diagnosis.catalogue_for(self.entry) if self.entry else None
            if catalogue is not None:
                job.diagnose(catalogue)
        finally:
            job.sandbox.close()
            self.job = None
        return job

    @pytest.fixture
    def student(self, request: Any) -> Student:
        mark = request.node.get_closest_marker("exercise")
        assert self.job is not None
        return Student(self.job.sandbox, mark.args[0], mark.kwargs.get("forbid", ()),
                       mark.kwargs.get("timeout"), self.job.poisoned, self.job.calls)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: Any, call: Any) -> Any:
        outcome = yield
        rep = outcome.get_result()
        mark = item.get_closest_marker("exercise")
        if self.job is None or mark is None or not (rep.when == "call" or rep.failed):
            return
        exc = call.excinfo.value if call.excinfo is not None else None
        self.job.record(mark, rep.passed, exc)


_REAL = sys.stdout, sys.stderr
_SESSIONS: dict[tuple[str, int], Session] = {}


def session_for(entry: course.Entry) -> Session:
    """This process's session for the entry's grader (a new one when the file changed)."""
    key = (str(entry.grader), entry.grader.stat().st_mtime_ns)
    found = _SESSIONS.get(key)
    if found is None or not found.alive:
        for old in [k for k in _SESSIONS if k[0] == key[0]]:
            _SESSIONS.pop(old).close()
        found = _SESSIONS[key] = Session(entry.grader, entry)
    return found


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
    job = session_for(entry).grade(course.grading_cells(nb, entry), device,
                                   limits or Limits(), only)
    if job.machinery:
        raise MachineryError(job.machinery[0])
    results = job.results()
    expected = course.exercise_points(entry)
    for r in results:
        if r.id in expected and abs(expected[r.id] - r.max_score) > 1e-9:
            raise RuntimeError(f"grader points for {r.id} ({r.max_score}) differ from the "
                               f"notebook's test cell ({expected[r.id]})")
    return Report(entry.name, entry.assignment, results, course.manual_points(entry))
