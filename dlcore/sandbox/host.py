"""The trusted side's handle on one sandbox: a zygote that serves workers, one at a time.

One host per grading process.  It starts ``dlcore.untrusted.zygote`` inside bubblewrap (or,
where isolation is unavailable and the caller allowed it, as a plain child process), so torch
is imported once per sandbox, not once per submission.  A host that died is started again on
the next request.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile

from dlcore.sandbox import isolation, pids

START_S = 120.0  # importing torch on a loaded 2-core machine


class HostError(Exception):
    """The sandbox could not be started or stopped answering (not the student's doing)."""


class Host:
    def __init__(self, isolate: bool, scratch_mb: int = 256) -> None:
        self.isolate = isolate
        kind = getattr(socket, "SOCK_SEQPACKET", socket.SOCK_DGRAM)  # message boundaries
        if not sys.platform.startswith("linux"):
            kind = socket.SOCK_DGRAM  # macOS has no SEQPACKET Unix sockets
        self._control, child = socket.socketpair(socket.AF_UNIX, kind)
        argv = [sys.executable, "-I", "-B", "-m", "dlcore.untrusted.zygote",
                "--fd", str(child.fileno()), "--scratch-mb", str(scratch_mb)]
        self._group = None
        if isolate:
            argv = isolation.command([*argv, "--isolate", "--scratch", isolation.scratch_dir()])
            self._group = pids.create()
            if self._group is not None:  # join the capped cgroup, then become bwrap
                argv = ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"',
                        str(self._group / "cgroup.procs"), *argv]
        self._log = tempfile.TemporaryFile()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg"}
        self._proc = subprocess.Popen(argv, pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=self._log, env=env,
                                      start_new_session=True)
        child.close()
        self._ready = False

    def _wait_ready(self) -> None:
        if self._ready:
            return
        assert self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], START_S)
        line = self._proc.stdout.readline() if ready else b""
        if line.strip() != b"ready":
            self.close()
            raise HostError(f"the sandbox did not start: {self._error()}")
        self._ready = True

    def _error(self) -> str:
        with contextlib.suppress(OSError):
            self._log.seek(0)
            lines = self._log.read().decode(errors="replace").strip().splitlines()
            if lines:
                return lines[-1][:200]
        return f"exit status {self._proc.poll()}"

    def alive(self) -> bool:
        return self._proc.poll() is None

    def _ask(self, message: bytes, fds: int = 0) -> tuple[str, list[int]]:
        self._wait_ready()
        try:
            self._control.settimeout(60)
            self._control.send(message)
            data, received, _, _ = socket.recv_fds(self._control, 256, fds)
        except OSError as exc:
            self.close()
            raise HostError(f"the sandbox stopped answering ({exc})") from None
        if not data:
            self.close()
            raise HostError(f"the sandbox stopped: {self._error()}")
        return data.decode(), received

    def spawn(self) -> tuple[int, int]:
        """A fresh worker: (its pid in the sandbox, our end of its socket)."""
        answer, fds = self._ask(b"spawn", 1)
        if not answer.startswith("pid ") or not fds:
            for fd in fds:
                os.close(fd)
            raise HostError(f"the sandbox could not start a worker: {answer[6:] or answer}")
        return int(answer[4:]), fds[0]

    def kill(self, pid: int) -> None:
        if self.alive():
            with contextlib.suppress(HostError):
                self._ask(f"kill {pid}".encode())

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._control.close()
        if self._proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self._proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(10)
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        pids.remove(self._group)
        self._group = None


_hosts: dict[bool, Host] = {}
_policy: dict[str, bool] = {}


def configure(isolate: bool) -> None:
    """Choose isolated or plain workers for this process (the entry point decides; see
    ``isolation.decide``)."""
    _policy["isolate"] = isolate


def configured() -> bool:
    return "isolate" in _policy


def isolated() -> bool:
    """Whether this process runs student code isolated (default: whenever possible)."""
    if "isolate" not in _policy:
        _policy["isolate"] = isolation.unavailable_reason() is None
    return _policy["isolate"]


def host() -> Host:
    """This process's host, started (again) when needed."""
    isolate = isolated()
    current = _hosts.get(isolate)
    if current is None or not current.alive():
        if current is not None:
            current.close()
        current = _hosts[isolate] = Host(isolate)
    return current


def start() -> None:
    """Start this process's host now and wait until it is ready (raises HostError)."""
    host()._wait_ready()


def kill_worker(pid: int) -> None:
    """Kill one worker of this process's host (nothing to do when the host is gone)."""
    current = _hosts.get(isolated())
    if current is not None and current.alive():
        current.kill(pid)


def shutdown() -> None:
    for h in _hosts.values():
        h.close()
    _hosts.clear()


atexit.register(shutdown)
