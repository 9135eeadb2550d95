"""A pool of grading processes that survives its submissions.

Each pool process grades one submission at a time (with its own sandbox).  When one dies,
or a submission outlives its wall-clock watchdog, only that submission is affected: it is
retried in a fresh process, and a submission that stops its grader twice gets an error
verdict.  Pool processes die with the process that started them (``PR_SET_PDEATHSIG``), and
their sandboxes with them (bubblewrap's ``--die-with-parent``).
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

PR_SET_PDEATHSIG = 1
ATTEMPTS = 2
READY = "ready"  # sent by a pool process once its setup is done


def die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before we asked
        os._exit(1)


def _serve(conn: Connection, parent: int, task: Callable[..., Any], setup: Callable[[], None],
           args: tuple) -> None:
    die_with_parent(parent)
    setup()
    conn.send(READY)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        index, item = job
        conn.send((index, task(item, *args)))


@dataclass
class Slot:
    proc: Any = None
    conn: Any = None
    job: int | None = None
    started: float = 0.0
    group: str | None = None  # the kind of item it took last

    def stop(self) -> None:
        if self.proc is not None and self.proc.is_alive():
            self.proc.kill()
        if self.proc is not None:
            self.proc.join(10)
        if self.conn is not None:
            self.conn.close()
        self.proc = self.conn = self.job = None


@dataclass
class Pool:
    """``run(items)`` -> one result per item: ``task(item, *args)`` in a pool process, or
    ``on_failure(item, why)`` when grading it stopped its process ``ATTEMPTS`` times."""

    task: Callable[..., Any]
    on_failure: Callable[[Any, str], Any]
    setup: Callable[[], None]
    args: tuple = ()
    workers: int = 2
    watchdog_s: float = 900.0
    progress: Callable[[], None] = lambda: None
    group: Callable[[Any], str] | None = None
    _slots: list[Slot] = field(default_factory=list)
    _keys: list[str] = field(default_factory=list)

    def _start(self, slot: Slot) -> None:
        ctx = mp.get_context("spawn")
        ours, theirs = ctx.Pipe()
        slot.proc = ctx.Process(target=_serve, daemon=True,
                                args=(theirs, os.getpid(), self.task, self.setup, self.args))
        slot.proc.start()
        theirs.close()
        slot.conn = ours

    def run(self, items: list[Any]) -> list[Any]:
        pending, results = deque(range(len(items))), {}
        self._keys = []
        stops: dict[int, list[str]] = {}
        self._slots = [Slot() for _ in range(max(1, min(self.workers, len(items))))]
        try:
            while len(results) < len(items):
                self._assign(pending, items)
                for slot, outcome in self._poll():
                    index = slot.job
                    if outcome is None:
                        continue
                    if isinstance(outcome, str):
                        slot.stop()  # a fresh process for whatever comes next
                    slot.job = None
                    if isinstance(outcome, str):
                        stops.setdefault(index, []).append(outcome)
                        if len(stops[index]) < ATTEMPTS:
                            pending.appendleft(index)
                            continue
                        results[index] = self.on_failure(items[index], outcome)
                    else:
                        results[index] = outcome[1]
                    self.progress()
        finally:
            for slot in self._slots:
                slot.stop()
        return [results[i] for i in range(len(items))]

    def _assign(self, pending: deque, items: list[Any]) -> None:
        for slot in self._slots:
            if slot.job is None and pending:
                if slot.proc is None or not slot.proc.is_alive():
                    slot.stop()
                    self._start(slot)
                slot.job, slot.started = self._next(slot, pending, items), time.monotonic()
                try:
                    slot.conn.send((slot.job, items[slot.job]))
                except (OSError, ValueError):
                    pass  # found dead on the next poll

    def _next(self, slot: Slot, pending: deque, items: list[Any]) -> int:
        """The next item for a slot: with ``group``, one of the kind it took last, else of a
        kind no other slot is taking, so each process keeps serving one notebook and its
        caches (grader session, known mistakes) serve many submissions; else the oldest."""
        if self.group is None:
            return pending.popleft()
        if len(self._keys) != len(items):
            self._keys = [self.group(item) for item in items]
        busy = {s.group for s in self._slots if s is not slot and s.job is not None}
        for wanted in (lambda g: g == slot.group, lambda g: g not in busy):
            for position, index in enumerate(pending):
                if wanted(self._keys[index]):
                    del pending[position]
                    slot.group = self._keys[index]
                    return index
        index = pending.popleft()
        slot.group = self._keys[index]
        return index

    def _poll(self) -> list[tuple[Slot, Any]]:
        """(slot, outcome) for busy slots: a (index, result) tuple, a reason string when its
        process stopped, or None while it is still working."""
        busy = [s for s in self._slots if s.job is not None]
        waitables = [s.conn for s in busy] + [s.proc.sentinel for s in busy]
        ready = set(wait(waitables, timeout=1.0))
        out: list[tuple[Slot, Any]] = []
        for slot in busy:
            outcome: Any = None
            if slot.conn in ready:
                try:
                    outcome = slot.conn.recv()
                except (EOFError, OSError):
                    outcome = "its grading process stopped"
                if outcome == READY:  # the watchdog counts from here: setup is not grading
                    slot.started, outcome = time.monotonic(), None
            elif slot.proc.sentinel in ready or not slot.proc.is_alive():
                outcome = "its grading process stopped"
            elif time.monotonic() - slot.started > self.watchdog_s:
                outcome = f"grading it took longer than the {self.watchdog_s:g} s watchdog"
            out.append((slot, outcome))
        return out
