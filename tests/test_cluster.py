"""`dlcore grade --scheduler`: a real Dask scheduler and two workers on loopback, started here.
One worker is killed in the middle of the batch: does every submission still get exactly one
verdict, equal to a local run's, and does grades.csv list each once?"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, completed, grade_notebooks

pytest.importorskip("distributed")

from dlcore import classgrade  # noqa: E402
from dlcore.sandbox import isolation  # noqa: E402

DASK = str(Path(sys.executable).with_name("dask"))
STUDENTS = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_workers(address: str, n: int, limit_s: float = 120) -> None:
    from distributed import Client

    with Client(address, timeout=30) as client:
        client.wait_for_workers(n, timeout=limit_s)


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen]]]:
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, DASK_DISTRIBUTED__WORKER__DAEMON="False")
    log = (tmp_path / "dask.log").open("w")
    procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], stdout=log, stderr=subprocess.STDOUT,
                              env=env, start_new_session=True)]
    try:
        for name in ("w1", "w2"):
            procs.append(subprocess.Popen(
                [DASK, "worker", address, "--name", name, "--nthreads", "1", "--no-nanny",
                 "--no-dashboard", "--death-timeout", "60"], stdout=log,
                stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True))
        wait_for_workers(address, 2)
        yield address, procs
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(30)


def make_class(folder: Path) -> list[Path]:
    """Perfect, partly done and untouched neurons notebooks, one per student."""
    kinds = [set(), {"sigmoid", "relu", "q_vanishing"}, {"neuron_forward", "tanh", "relu_grad",
                                                          "sigmoid", "relu", "tanh_grad"}]
    paths = []
    for i in range(STUDENTS):
        path = folder / f"s{i:02d}" / "s1_foundations" / "neurons.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(completed("s1_foundations", "neurons", kinds[i % 3])))
        paths.append(path)
    return paths


@pytest.mark.slow
def test_a_worker_killed_mid_batch_costs_nothing(dask_cluster, tmp_path: Path) -> None:
    address, procs = dask_cluster
    make_class(tmp_path / "class")
    subs = classgrade.discover([str(tmp_path / "class")])
    isolate = isolation.decide("grade", allow_unisolated=False)
    done: list[float] = []

    def progress() -> None:  # the first worker dies once two verdicts are in
        done.append(time.monotonic())
        if len(done) == 2:
            os.killpg(procs[1].pid, signal.SIGKILL)

    from dlcore import cluster

    reports, failures = cluster.run_batch(subs, address, "cpu", isolate, progress)
    assert procs[1].poll() is not None, "the worker was not killed during the batch"
    assert not failures and len(done) == len(subs)
    local = grade_notebooks({s.student: json.loads(s.path.read_text()) for s in subs},
                            tmp_path, workers=2)
    for sub, rep in zip(subs, reports, strict=True):
        assert rep["exercises"] == local[sub.student]["exercises"], sub.student

    # the CLI on the surviving worker: grades.csv has each submission exactly once
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "dlcore", "grade", str(tmp_path / "class"),
                           "--out", str(out), "--scheduler", address, "--no-progress"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with (out / "grades.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["student"] for r in rows) == sorted(s.student for s in subs)
    assert {r["student"]: float(r["score"]) for r in rows} == {
        s: rep["score"] for s, rep in local.items()}


def test_an_unreachable_scheduler_is_one_clear_line(tmp_path: Path) -> None:
    nb = tmp_path / "neurons.ipynb"
    nb.write_text(json.dumps(completed("s1_foundations", "neurons")))
    proc = subprocess.run([sys.executable, "-m", "dlcore", "grade", str(nb), "--out",
                           str(tmp_path / "o"), "--scheduler", f"tcp://127.0.0.1:{free_port()}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "no Dask scheduler answers" in proc.stderr
    assert not (tmp_path / "o" / "grades.csv").exists()
