"""Does each class of attack fail, in one ``dlcore grade`` batch where an honest classmate
keeps full marks?  (What the sandbox lets a cell see is tested in ``test_isolation.py``.)"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, by_id, load, with_answers

from dlcore import classgrade
from dlcore.sandbox import isolation

pytestmark = pytest.mark.skipif(isolation.unavailable_reason() is not None,
                                reason=f"no isolation here: {isolation.unavailable_reason()}")
NEURONS = ROOT / "source" / "s1_foundations" / "neurons.ipynb"
RELEASE = ROOT / "release" / "s1_foundations" / "neurons.ipynb"
RELU = "def relu(x):\n    return x.clamp(min=0)\n"

READ_COURSE = '''
import json, os, sys
import dlcore.devices
root = os.path.dirname(os.path.dirname(dlcore.devices.__file__))
for folder in ("solutions", "source"):
    for base in (root, {root!r}):
        nb = json.load(open(os.path.join(base, folder, "s1_foundations", "neurons.ipynb")))
        code = "\\n".join("".join(c["source"]) for c in nb["cells"]
                          if c.get("metadata", {{}}).get("nbgrader", {{}}).get("solution"))
        open("stolen.py", "w").write("import torch\\n" + code)
        sys.path.insert(0, os.getcwd())
        from stolen import *
'''
PLANT = '''
import os
for name, text in (("conftest.py", "import pytest\\n@pytest.hookimpl(hookwrapper=True)\\n"
                    "def pytest_runtest_makereport(item, call):\\n    yield\\n"),
                   ("pytest.ini", "[pytest]\\naddopts = -p evil\\n"), ("evil.py", "")):
    try:
        open(os.path.join({graders!r}, name), "w").write(text)
    except OSError:
        pass
'''
DAEMON = '''
import os
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        script = "; ".join(f"echo blank > {{p}}" for p in {targets!r})
        os.execv("/bin/sh", ["sh", "-c", f"while true; do {{script}}; sleep 0.2; done", {marker!r}])
    os._exit(0)
'''
KILL_EVERYONE = '''
import os, signal
for pid in [os.getppid(), *range(1, 500)]:
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        try:
            if pid != os.getpid():
                os.kill(pid, sig)
        except OSError:
            pass
'''
FORK_BOMB = '''
import os, time
try:
    for _ in range(3000):
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
except OSError:
    pass
'''
FILL_DISK = '''
import tempfile
try:
    with open(tempfile.gettempdir() + "/fill", "wb") as f:
        for _ in range(4096):
            f.write(b"x" * (1 << 20))
except OSError:
    pass
'''
CALL_HOME = '''
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).sendall(b"pwned")
except OSError:
    pass
'''


@pytest.fixture(scope="module")
def server() -> tuple[int, list[bytes]]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    received: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            received.append(conn.recv(100))

    threading.Thread(target=serve, daemon=True).start()
    return sock.getsockname()[1], received


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory, server) -> dict:
    work = tmp_path_factory.mktemp("attacks")
    subs, out = work / "submitted", work / "out"
    honest_path = subs / "honest" / "s1_foundations" / "neurons.ipynb"
    marker = f"dlcore-daemon-{os.getpid()}"
    blank = load(RELEASE)
    source = load(NEURONS)
    notebooks = {
        "honest": source,
        "reads_course": with_answers(blank, {"neuron_forward": READ_COURSE.format(root=str(ROOT))}),
        "plants_files": with_answers(source, {"relu": RELU + PLANT.format(
            graders=str(ROOT / "autograder" / "s1_foundations"))}),
        "daemon": with_answers(source, {"relu": RELU + DAEMON.format(
            targets=[str(honest_path), str(out / "grades.csv")], marker=marker)}),
        "kills_everyone": with_answers(source, {"relu": RELU + KILL_EVERYONE}),
        "fork_bomb": with_answers(source, {"relu": RELU + FORK_BOMB}),
        "fills_disk": with_answers(source, {"relu": RELU + FILL_DISK}),
        "calls_home": with_answers(source, {"relu": RELU + CALL_HOME.format(port=server[0])}),
    }
    for student, nb in notebooks.items():
        path = subs / student / "s1_foundations" / "neurons.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(nb))
    honest_bytes = honest_path.read_bytes()
    code = classgrade.main(paths=[str(subs)], out=str(out), workers=2, progress=False)
    grades = (out / "grades.csv").read_text()
    time.sleep(1.5)  # a surviving daemon would have struck by now
    reports = {p.stem.split("__")[0]: json.loads(p.read_text())
               for p in (out / "reports").glob("*.json")}
    return {"code": code, "reports": reports, "honest_bytes": honest_bytes,
            "honest_path": honest_path, "grades": grades, "out": out, "marker": marker,
            "received": server[1]}


def full_marks(report: dict) -> bool:
    return report["score"] == report["max_score"] > 0


def test_batch_exits_cleanly_and_honest_student_keeps_full_marks(batch: dict) -> None:
    """Does the batch finish with exit 0 and the honest classmate at full marks?"""
    assert batch["code"] == 0
    assert full_marks(batch["reports"]["honest"]), batch["reports"]["honest"]


def test_reading_the_course_earns_nothing(batch: dict) -> None:
    """Does a blank notebook that tries to read solutions/ and source/ stay at zero?"""
    assert batch["reports"]["reads_course"]["score"] == 0


def test_planted_files_never_appear(batch: dict) -> None:
    """Can a cell plant conftest.py, pytest.ini or a plugin beside the graders?"""
    graders = ROOT / "autograder" / "s1_foundations"
    assert not [n for n in ("conftest.py", "pytest.ini", "evil.py") if (graders / n).exists()]


def test_daemon_touches_nothing_and_dies(batch: dict) -> None:
    """Does a setsid daemon leave the classmate's file and grades.csv alone, and die?"""
    assert batch["honest_path"].read_bytes() == batch["honest_bytes"]
    assert (batch["out"] / "grades.csv").read_text() == batch["grades"]
    survivors = subprocess.run(["pgrep", "-f", batch["marker"]], capture_output=True, text=True,
                               check=False).stdout.split()
    assert not survivors


@pytest.mark.parametrize("student", ["plants_files", "daemon", "kills_everyone", "fork_bomb",
                                     "fills_disk", "calls_home"])
def test_attacker_keeps_only_its_honest_work(student: str, batch: dict) -> None:
    """Do the attacker's honest answers still score, with nothing else disturbed?"""
    assert full_marks(batch["reports"][student]), by_id(batch["reports"][student])


def test_loopback_server_hears_nothing(batch: dict) -> None:
    """Did a cell reach the loopback server the test started?"""
    assert batch["received"] == []


def test_unisolated_pool_process_killed_twice_costs_only_its_submission(tmp_path: Path) -> None:
    """Where isolation is off (allowed), does a submission that kills its grading process cost
    only itself, with an error verdict after two tries, and the classmate keep full marks?"""
    source = load(NEURONS)
    killer = '''
import os, signal
zygote = os.getppid()
status = open(f"/proc/{zygote}/status").read()
pool = int(status.split("PPid:")[1].split()[0])
os.kill(pool, signal.SIGKILL)
'''
    subs = []
    for student, nb in {"honest": source, "killer": with_answers(source, {"relu": killer})}.items():
        path = tmp_path / f"{student}.ipynb"
        path.write_text(json.dumps(nb))
        subs.append(classgrade.Submission(student, path))
    reports, failures = classgrade.run_batch(subs, 2, "cpu", False, isolate=False)
    assert failures == {}
    assert full_marks(reports[0])
    statuses = {e["status"] for e in reports[1]["exercises"]}
    assert statuses == {"error"}, reports[1]
    assert "twice" in reports[1]["exercises"][0]["feedback"][0]


def _descendants(root: int) -> set[int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    found, frontier = set(), {root}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - found
        found |= frontier
    return found


def test_killing_dlcore_grade_leaves_no_orphans(tmp_path: Path) -> None:
    """When `dlcore grade` itself is killed, do its pool processes and sandboxes die too?"""
    slow = with_answers(load(NEURONS), {"relu": RELU + "import time\ntime.sleep(15)\n"})
    for i in range(2):
        (tmp_path / f"s{i}.ipynb").write_text(json.dumps(slow))
    proc = subprocess.Popen([sys.executable, "-m", "dlcore", "grade", str(tmp_path), "--out",
                             str(tmp_path / "out"), "--no-progress"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline, family = time.monotonic() + 60, set()
    while time.monotonic() < deadline and len(family) < 6:
        time.sleep(0.5)
        family = _descendants(proc.pid)
    assert family, "dlcore grade started no processes"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _alive(family):
        time.sleep(0.2)
    assert not _alive(family), _alive(family)


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


SIGMOID_ROUTES = {
    "wrapped": "def sigmoid(x):\n    return torch.sigmoid.__wrapped__(x)",
    "aten": "def sigmoid(x):\n    return torch.ops.aten.sigmoid(x)",
    "variable_functions": "def sigmoid(x):\n    return torch._C._VariableFunctions.sigmoid(x)",
    "tensor_base": "def sigmoid(x):\n    return torch._C.TensorBase.sigmoid(x)",
    "clears_record": ("import dlcore.untrusted.opwatch as w\n"
                      "def sigmoid(x):\n    out = torch.sigmoid(x)\n    w.Watch.during = None\n"
                      "    return out"),
    "getattr_built_name": "def sigmoid(x):\n    return getattr(torch, 'sig' + 'moid')(x)",
    "tensor_method": "def sigmoid(x):\n    return x.sigmoid()",
    "module_form": "def sigmoid(x):\n    return torch.nn.Sigmoid()(x)",
}
COMPARISONS = {
    "bool_tensor": "def relu(x):\n    return x > 0",
    "integer_tensor": "def relu(x):\n    return x.clamp(min=0).long()",
    "python_list": "def relu(x):\n    return x.clamp(min=0).tolist()",
    "object_eq": ("class Liar:\n    def __eq__(self, other):\n        return True\n"
                  "    def __array__(self, *a, **k):\n        import numpy\n"
                  "        return numpy.zeros(3)\n    def __float__(self):\n        return 0.0\n"
                  "def relu(x):\n    return Liar()"),
    "tensor_subclass": ("class Liar(torch.Tensor):\n    def __eq__(self, other):\n"
                        "        return True\n    @classmethod\n"
                        "    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
                        "        return True\n"
                        "def relu(x):\n    return torch.zeros_like(x).as_subclass(Liar)"),
    "long_error": ("def relu(x):\n    raise ValueError('\\x1b[31m' + 'secret ' * 2000 + "
                   "'\\n' * 50 + 'tail')"),
}


@pytest.fixture(scope="module")
def routes(tmp_path_factory: pytest.TempPathFactory) -> dict:
    source = load(NEURONS)
    subs = []
    cases = {**{f"route_{k}": {"sigmoid": v} for k, v in SIGMOID_ROUTES.items()},
             **{f"compare_{k}": {"relu": v} for k, v in COMPARISONS.items()}}
    work = tmp_path_factory.mktemp("routes")
    for name, answers in cases.items():
        path = work / f"{name}.ipynb"
        path.write_text(json.dumps(with_answers(source, answers)))
        subs.append(classgrade.Submission(name, path, frozenset(answers)))
    honest = work / "honest.ipynb"
    honest.write_text(json.dumps(source))
    subs.append(classgrade.Submission("honest", honest))
    reports, failures = classgrade.run_batch(subs, 2, "cpu", False)
    assert not failures
    return {s.student: by_id(r) for s, r in zip(subs, reports, strict=True)}


@pytest.mark.parametrize("route", sorted(SIGMOID_ROUTES))
def test_forbidden_route_is_caught(route: str, routes: dict) -> None:
    """Is calling the built-in sigmoid caught whatever the route, with a 'forbidden' verdict?"""
    result = routes[f"route_{route}"]["sigmoid"]
    assert result["score"] == 0, result
    assert any("forbidden" in f for f in result["feedback"]), result["feedback"]
    assert all(r["status"] == "passed" for r in by_id_all(routes["honest"]))


def by_id_all(results: dict) -> list[dict]:
    return list(results.values())


@pytest.mark.parametrize("case", sorted(COMPARISONS))
def test_comparison_accepts_only_plain_values_of_the_right_kind(case: str, routes: dict) -> None:
    """Do bool/int tensors, lists, lying objects and subclasses fail the float check, with
    feedback that quotes the student's text only as one short line?"""
    result = routes[f"compare_{case}"]["relu"]
    assert result["score"] == 0, result
    for line in result["feedback"]:
        assert len(line) <= 300 and "\n" not in line and "\x1b" not in line, line


def test_watchdog_retries_then_gives_an_error_verdict(tmp_path: Path, monkeypatch) -> None:
    """Does a submission that outlives the wall-clock watchdog get retried, then an error
    verdict, while the classmate is graded and grading reports no failure of its own?"""
    # The watchdog counts from when a grading process is ready (its sandbox started), so the
    # honest classmate's second of work fits in 10 s, below the 20 s cell limit: the watchdog,
    # not the cell limit, stops the sleeper.
    monkeypatch.setattr(classgrade, "WATCHDOG_S", 10.0)
    source = load(NEURONS)
    slow = with_answers(source, {"relu": RELU + "import time\ntime.sleep(60)\n"})
    subs = []
    for name, nb in {"slow": slow, "honest": source}.items():
        path = tmp_path / f"{name}.ipynb"
        path.write_text(json.dumps(nb))
        subs.append(classgrade.Submission(name, path, frozenset({"relu"})))
    reports, failures = classgrade.run_batch(subs, 2, "cpu", False)
    assert failures == {}
    assert reports[1]["score"] == reports[1]["max_score"] > 0, reports
    feedback = reports[0]["exercises"][0]["feedback"][0]
    assert reports[0]["score"] == 0 and "watchdog" in feedback and "twice" in feedback
