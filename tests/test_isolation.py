"""Can student code see, touch or outlive anything outside its sandbox?

Each test runs a small "answer cell" in a real sandbox and asks it to report what it could do,
so the assertions are about observations made from inside.  (The batch tests in
``test_attacks.py`` check the same attacks end to end, beside an honest classmate.)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import torch
from conftest import ROOT

from dlcore.grading import Student
from dlcore.sandbox import Limits, Sandbox, isolation

pytestmark = pytest.mark.skipif(isolation.unavailable_reason() is not None,
                                reason=f"no isolation here: {isolation.unavailable_reason()}")


def inside(code: str, *args: object, call_s: float = 20.0) -> object:
    """Run ``code`` (which defines ``probe``) in a fresh sandbox; what ``probe(*args)`` returns."""
    box = Sandbox([("probe_answer", code)], [], limits=Limits(call_s=call_s, cell_s=call_s))
    try:
        return Student(box, "probe", [], None, {}).call("probe", *args)
    finally:
        box.close()


def test_course_folders_are_invisible(tmp_path: Path) -> None:
    """Are sources, solutions, graders, .course, submissions and outputs all out of sight?"""
    secret = tmp_path / "submissions" / "alice" / "neurons.ipynb"
    secret.parent.mkdir(parents=True)
    secret.write_text("{}")
    paths = [ROOT / "source", ROOT / "solutions", ROOT / "autograder", ROOT / ".course",
             ROOT / "README.md", secret, tmp_path, Path("/etc/shadow"), Path("/home")]
    code = """
import os
def probe(paths):
    return [os.path.exists(p) for p in paths]
"""
    seen = inside(code, [str(p) for p in paths])
    assert seen == [False] * len(paths), dict(zip(map(str, paths), seen, strict=True))


def test_engine_and_packages_are_read_only() -> None:
    """Can a cell write into the engine, site-packages or beside the graders?"""
    import dlcore

    targets = [Path(dlcore.__file__).parent / "conftest.py",
               Path(torch.__file__).parent / "evil.py",
               ROOT / "autograder" / "s1_foundations" / "conftest.py"]
    code = """
def probe(paths):
    out = []
    for p in paths:
        try:
            open(p, "w").write("import os")
            out.append("written")
        except OSError as exc:
            out.append(type(exc).__name__)
    return out
"""
    got = inside(code, [str(p) for p in targets])
    assert "written" not in got, got
    assert not any(p.exists() for p in targets[:2])


def test_scratch_is_private_and_capped() -> None:
    """Is the scratch folder (tempfile's, the cwd) writable, but capped well below the
    machine's disk, and is the rest of the file system read-only?"""
    code = """
import os, tempfile
def probe():
    for path in ("/fill", "/usr/fill"):
        try:
            open(path, "wb").write(b"x")
            return -1
        except OSError:
            pass
    if os.path.realpath(tempfile.gettempdir()) != os.getcwd():
        return -2
    written = 0
    chunk = b"x" * (1 << 20)
    try:
        with open(os.path.join(tempfile.gettempdir(), "fill"), "wb") as f:
            while written < (2 << 30):
                f.write(chunk)
                written += len(chunk)
            f.flush()
    except OSError:
        pass
    return written
"""
    written = inside(code)
    assert 0 < written <= 300 * (1 << 20), written


def test_no_network_even_to_loopback() -> None:
    """Can a cell reach a server the grader's machine runs on loopback?"""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    accepted: list[object] = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    code = """
import socket
def probe(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2)
        return "connected"
    except OSError as exc:
        return type(exc).__name__
"""
    try:
        assert inside(code, port) != "connected"
        time.sleep(0.2)
        assert not accepted
    finally:
        server.close()


def test_cannot_signal_or_trace_the_grader() -> None:
    """Do kill() and ptrace-style reads of the grader's processes fail?"""
    code = """
import os, signal
def probe(pids):
    out = {}
    for pid in pids:
        try:
            os.kill(pid, signal.SIGSTOP)
            out[str(pid)] = "signalled"
        except OSError as exc:
            out[str(pid)] = type(exc).__name__
    me = os.readlink("/proc/self")
    for entry in os.listdir("/proc"):
        if entry.isdigit() and entry != me:
            for leaf in ("mem", "environ"):
                try:
                    open(f"/proc/{entry}/{leaf}", "rb").read(1)
                    out[f"/proc/{entry}/{leaf}"] = "read"
                except OSError:
                    pass
    out["getppid"] = os.getppid()
    return out
"""
    got = inside(code, [os.getpid(), os.getppid()])
    assert "signalled" not in got.values() and "read" not in got.values(), got
    assert got["getppid"] == 0  # PID 1 of its own namespace: no parent in sight


def test_processes_die_with_their_worker() -> None:
    """Does a double-forked, setsid daemon die when its worker is closed?"""
    marker = f"{time.time():.6f}"[-9:]
    code = """
import os
def probe(marker):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv("/bin/sleep", ["sleep", marker])
        os._exit(0)
    return "forked"
"""
    assert inside(code, marker) == "forked"
    time.sleep(1.0)
    survivors = subprocess.run(["pgrep", "-f", f"sleep {marker}"], capture_output=True,
                               text=True, check=False).stdout.split()
    assert not survivors, survivors


def test_fork_bomb_is_capped() -> None:
    """Does a fork bomb stop at the process cap, leaving the sandbox usable?"""
    code = """
import os, time
def probe():
    n = 0
    try:
        while n < 5000:
            if os.fork() == 0:
                time.sleep(30)
                os._exit(0)
            n += 1
    except OSError:
        pass
    return n
"""
    forked = inside(code)
    assert forked < 300, forked
    assert inside("def probe():\n    return 41 + 1") == 42


def test_unavailable_isolation_policy(tmp_path: Path) -> None:
    """Without isolation: does check work with one note, and grade refuse unless allowed?"""
    nb = ROOT / "release" / "s1_foundations" / "neurons.ipynb"
    env = dict(os.environ, DLCORE_ISOLATION="none")
    run = [sys.executable, "-m", "dlcore"]
    check = subprocess.run([*run, "check", str(nb), "--json"], env=env, capture_output=True,
                           text=True, check=False)
    assert check.returncode == 0, check.stderr
    notes = [ln for ln in check.stderr.splitlines() if "without OS isolation" in ln]
    assert len(notes) == 1, check.stderr
    grade = subprocess.run([*run, "grade", str(nb), "--out", str(tmp_path / "g"),
                            "--no-progress"], env=env, capture_output=True, text=True,
                           check=False)
    assert grade.returncode == 2
    assert grade.stderr.count("\n") == 1 and "other students' grades" in grade.stderr
    assert not (tmp_path / "g").exists()
    allowed = subprocess.run([*run, "grade", str(nb), "--out", str(tmp_path / "g"),
                              "--no-progress", "--allow-unisolated"], env=env,
                             capture_output=True, text=True, check=False)
    assert allowed.returncode == 0, allowed.stderr
    assert (tmp_path / "g" / "grades.csv").exists()


def test_worker_holds_no_descriptor_of_the_zygote() -> None:
    """Does the worker hold only its own socket, not the zygote's control socket or pipes?"""
    code = """
import os, stat
def probe():
    kinds = []
    for name in os.listdir("/proc/self/fd"):
        try:
            mode = os.fstat(int(name)).st_mode
        except OSError:
            continue
        kinds.append("socket" if stat.S_ISSOCK(mode) else "pipe" if stat.S_ISFIFO(mode)
                     else "other")
    return kinds
"""
    kinds = inside(code)
    assert kinds.count("socket") == 1 and "pipe" not in kinds, kinds


def test_nothing_a_worker_writes_reaches_the_next_one() -> None:
    """Are scratch and /dev/shm private to each worker, and /dev read-only, so one
    submission can neither fill the sandbox's memory for the rest of a batch nor leave
    anything for the next?"""
    code = """
import os, tempfile
def probe(leave):
    seen = [os.path.exists(p) for p in ("/dev/shm/left", os.path.join(tempfile.gettempdir(),
                                                                       "left"), "/dev/left")]
    if leave:
        for p in ("/dev/shm/left", os.path.join(tempfile.gettempdir(), "left"), "/dev/left"):
            try:
                open(p, "w").write("hello, next student")
            except OSError:
                pass
    st = os.statvfs("/dev/shm")
    return seen, st.f_blocks * st.f_frsize
"""
    _, shm_bytes = inside(code, True)
    seen, _ = inside(code, False)
    assert seen == [False, False, False], seen
    assert shm_bytes <= 64 << 20, shm_bytes
