"""``dlcore grade --scheduler ADDRESS``: the batch on an existing Dask distributed cluster.

Each Dask worker is set up like a pool process (``classgrade.pool_setup``: one torch thread,
its own sandbox host, isolated unless the instructor allowed otherwise) by a worker plugin,
which also sets up workers that join later.  A task carries the notebook's bytes, so workers
need no shared file system; it runs the same ``classgrade.grade_one`` as a local batch, so the
verdicts are the same.  When a worker dies, the scheduler moves its tasks to the others; a
submission whose task killed ``distributed.scheduler.allowed-failures`` workers gets the same
error verdict as one that stopped two local grading processes.  Every submission gets exactly
one report, in the order given.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from distributed import Client, as_completed
from distributed.diagnostics.plugin import WorkerPlugin
from distributed.scheduler import KilledWorker

from dlcore.classgrade import Submission, grade_one, pool_setup, stopped, unreadable
from dlcore.errors import UsageError

CONNECT_S = 10


class SandboxPlugin(WorkerPlugin):
    """Dask worker plugin: the worker grades like a ``dlcore grade`` pool process."""

    name = "dlcore-sandbox"

    def __init__(self, isolate: bool) -> None:
        self.isolate = isolate

    def setup(self, worker: object) -> None:
        pool_setup(self.isolate)

    def teardown(self, worker: object) -> None:
        from dlcore.sandbox import host

        host.shutdown()


def grade_bytes(name: str, student: str, data: bytes, only: frozenset[str] | None,
                device: str) -> tuple[dict, str | None]:
    """Dask task: grade one notebook sent as bytes (in a private folder on the worker)."""
    with tempfile.TemporaryDirectory(prefix="dlcore-task-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return grade_one(Submission(student, path, only), device)


def connect(address: str) -> Client:
    """A client of the scheduler at ``address`` (UsageError when none answers)."""
    try:
        return Client(address, timeout=CONNECT_S)
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"no Dask scheduler answers at {address} ({exc})") from None


def run_batch(subs: list[Submission], scheduler: str | Client, device: str, isolate: bool,
              progress: Callable[[], None] = lambda: None) -> tuple[list[dict], dict[str, str]]:
    """Reports in the order of ``subs`` and {file: why} for failures of grading itself, like
    ``classgrade.run_batch``."""
    client = connect(scheduler) if isinstance(scheduler, str) else scheduler
    reports: dict[int, tuple[dict, str | None]] = {}
    try:
        client.register_plugin(SandboxPlugin(isolate))
        futures = {}
        for i, sub in enumerate(subs):
            try:
                data = sub.path.read_bytes()
            except OSError as exc:
                reports[i] = unreadable(sub, f"the file could not be read: {exc}").to_dict(), None
                progress()
                continue
            fut = client.submit(grade_bytes, sub.path.name, sub.student, data, sub.only, device,
                                pure=False, key=f"dlcore-grade-{i}-{sub.student}")
            futures[fut] = i
        for fut in as_completed(list(futures)):
            i = futures[fut]
            try:
                reports[i] = fut.result()
            except KilledWorker:
                reports[i] = stopped(subs[i], "its Dask worker died")
            except Exception as exc:  # noqa: BLE001 (one failure never stops the batch)
                why = f"grading failed: {type(exc).__name__}: {exc}"
                reports[i] = unreadable(subs[i], why).to_dict(), why
            progress()
    finally:
        client.close()
    outcomes = [reports[i] for i in range(len(subs))]
    failures = {str(s.path): why for s, (_, why) in zip(subs, outcomes, strict=True) if why}
    return [rep for rep, _ in outcomes], failures

