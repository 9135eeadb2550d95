"""One submission's worker, seen from the trusted side.

Workers are forked by the sandbox's zygote (``host.py``), which preloaded torch and never
computes, so a new worker costs milliseconds.  Each request has a time limit; a worker that
hangs is killed, one that dies is replaced, and the cells that killed it are skipped when the
replacement replays the submission.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from dlcore.sandbox import host
from dlcore.untrusted import wire

MAX_MESSAGE = 512 * 1024 * 1024


class SandboxError(Exception):
    """The worker could not answer; ``kind`` is 'timeout' or 'crash'."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Limits:
    call_s: float = float(os.environ.get("DLCORE_CALL_TIMEOUT", "10"))
    cell_s: float = float(os.environ.get("DLCORE_CELL_TIMEOUT", "20"))
    mem_mb: int = int(os.environ.get("DLCORE_MEM_MB", "3072"))


@dataclass
class Sandbox:
    cells: list[tuple[str, str]]
    forbid: list[str]
    device: str = "cpu"
    limits: Limits = field(default_factory=Limits)
    cell_errors: dict[str, str] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)
    _pid: int | None = None
    _conn: Any = None

    def start(self) -> None:
        """Start a worker and replay the cells, skipping any that hung or killed a worker."""
        while True:
            self._spawn()
            bad = self._load()
            if bad is None:
                return
            self.skipped.add(bad)

    def _spawn(self) -> None:
        cells = [c for c in self.cells if c[0] not in self.skipped]
        self._pid, fd = host.host().spawn()
        self._conn = Connection(fd)
        self._conn.send_bytes(pickle.dumps((cells, self.forbid, self.device, self.limits.mem_mb),
                                           protocol=pickle.HIGHEST_PROTOCOL))

    def _load(self) -> str | None:
        """Read the cell reports; the id of a cell that hung or crashed the worker, else None."""
        pending = [c[0] for c in self.cells if c[0] not in self.skipped]
        for cell_id in pending:
            try:
                message = self._receive(self.limits.cell_s)
            except SandboxError as exc:
                self.cell_errors[cell_id] = (
                    "it ran longer than the time limit" if exc.kind == "timeout"
                    else "it stopped the Python process")
                self.kill()
                return cell_id
            if message[2] is not None:
                etype, msg, _ = message[2]
                self.cell_errors[cell_id] = f"it raised {etype}" + (f": {msg}" if msg else "")
        self._receive(self.limits.cell_s)  # ("ready",)
        return None

    def _receive(self, timeout: float) -> tuple:
        try:
            ready = self._conn.poll(timeout)
            if not ready:
                raise SandboxError("timeout", "timeout")
            return wire.loads(self._conn.recv_bytes(MAX_MESSAGE))
        except (EOFError, OSError, ConnectionError) as exc:
            raise SandboxError("crash", str(exc)) from None
        except SandboxError:
            raise
        except Exception as exc:  # noqa: BLE001 (undecodable bytes from the worker)
            raise SandboxError("crash", f"unreadable reply: {type(exc).__name__}") from None

    def request(self, message: tuple, timeout: float | None = None) -> tuple:
        """Send one request; on a hang or crash the worker is replaced and SandboxError raised."""
        if self._conn is None:
            self.start()
        try:
            # Plain pickle copies tensor data; Connection.send would share CPU tensors'
            # storage with the worker, letting in-place edits reach the grader's tensors.
            self._conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
            return self._receive(timeout or self.limits.call_s)
        except (OSError, ValueError, BrokenPipeError):
            error = SandboxError("crash", "worker gone")
        except SandboxError as exc:
            error = exc
        self.kill()
        raise error

    def kill(self) -> None:
        if self._pid is not None:
            host.kill_worker(self._pid)
            self._pid = None
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
            self._conn = None

    close = kill
