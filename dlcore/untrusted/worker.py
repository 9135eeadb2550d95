"""The untrusted side: runs a submission's setup and answer cells and serves calls.

Runs in a process forked by the zygote (``zygote.py``), inside the sandbox.  Requests arrive
pickled from the trusted grader; every reply leaves as data only (``wire.dumps``).
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import linecache
import os
import pickle
import resource
import sys
import tempfile
import traceback
from collections.abc import Iterator, MutableMapping
from typing import Any

import torch

from dlcore.untrusted import wire
from dlcore.untrusted.opwatch import Watch

SAFE_ENV = ("PATH", "LANG", "LC_ALL", "TZ")


class MissingName(KeyError):
    """A probe looked up a name the submission does not define."""


class ProbeNamespace(MutableMapping):
    """The submission's own namespace as a probe sees it: writes go through (a probe may swap
    in trusted helpers), and a missing name is reported as missing, not as a grader error."""

    def __init__(self, ns: dict) -> None:
        self._ns = ns

    def __getitem__(self, key: str) -> Any:
        if key not in self._ns:
            raise MissingName(key)
        return self._ns[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._ns[key] = value

    def __delitem__(self, key: str) -> None:
        del self._ns[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._ns)

    def __len__(self) -> int:
        return len(self._ns)


def apply_limits(mem_mb: int) -> None:
    limit = mem_mb * 1024 * 1024
    for res, value in ((resource.RLIMIT_DATA, limit), (resource.RLIMIT_CORE, 0),
                       (resource.RLIMIT_FSIZE, 256 * 1024 * 1024)):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(res, (value, value))


def scrub_environment(device: str) -> None:
    kept = {k: os.environ[k] for k in SAFE_ENV if k in os.environ}
    os.environ.clear()
    os.environ.update(kept, OMP_NUM_THREADS="1", DLCORE_FAST="1", DLCORE_OFFLINE="1",
                      DLCORE_DEVICE=device, MPLBACKEND="Agg", HOME=os.getcwd(),
                      TMPDIR=os.getcwd())
    tempfile.tempdir = None  # computed again from TMPDIR: the private scratch folder


def silence_output() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    sys.stderr = sys.stdout


def strip_magics(source: str) -> str:
    """Comment out IPython magics and shell escapes, which plain Python cannot run."""
    lines = source.splitlines()
    return "\n".join("# " + ln if ln.lstrip().startswith(("%", "!")) else ln for ln in lines)


def describe_error(exc: BaseException) -> tuple[str, str, list[str]]:
    """Type, message and the student's own frames of an exception (grader frames dropped)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<cell")]
    where = [f"{f.filename[1:-1]}, line {f.lineno}: {(f.line or '').strip()}" for f in frames]
    return type(exc).__name__, str(exc)[:400], where[-3:]


def run_cell(ns: dict, cell_id: str, source: str) -> None:
    filename = f"<cell {cell_id}>"
    code = strip_magics(source)
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    exec(compile(code, filename, "exec"), ns)  # noqa: S102 (running the submission is the point)


def to_device(obj: Any, device: torch.device) -> Any:
    if isinstance(obj, torch.Tensor):
        return obj.to(device)
    if isinstance(obj, list | tuple):
        return type(obj)(to_device(x, device) for x in obj)
    if isinstance(obj, dict):
        return {k: to_device(v, device) for k, v in obj.items()}
    return obj


def handle(ns: dict, request: tuple, device: torch.device, watch: Watch) -> tuple:
    kind = request[0]
    if kind == "get":
        name = request[1]
        return ("ok", ns[name], []) if name in ns else ("missing", name)
    if kind == "call":
        _, name, args, kwargs, forbid = request
        fn = ns.get(name)
        if fn is None:
            return ("missing", name)
        if not callable(fn):
            return ("raise", "TypeError", f"'{name}' is a {type(fn).__name__}, not a function", [])
    else:  # probe: grader code run against the submission's namespace
        _, source, probe_name, args, kwargs, forbid = request
        scope: dict = {}
        exec(compile(source, f"<probe {probe_name}>", "exec"), scope)  # noqa: S102
        fn = functools.partial(scope[probe_name], ProbeNamespace(ns))
    args, kwargs = to_device(args, device), to_device(kwargs, device)
    with watch.during(forbid) as used:
        try:
            result = fn(*args, **kwargs)
        except MissingName as exc:
            return ("missing", str(exc.args[0]))
        used = sorted(used)
    return ("ok", result, used)


def new_namespace(cells: list[tuple[str, str]]) -> tuple[dict, list[str]]:
    """A fresh namespace with ``cells`` run in it, and the ids of the cells that raised."""
    ns: dict = {"__name__": "__main__", "__builtins__": builtins}
    failed = []
    for cell_id, source in cells:
        try:
            run_cell(ns, cell_id, source)
        except BaseException:  # noqa: BLE001 (SystemExit and friends included)
            failed.append(cell_id)
    return ns, failed


def serve_request(spaces: dict[str, dict], request: tuple, device: torch.device,
                  watch: Watch) -> tuple:
    """One request: for the submission's own namespace (key ""), or, on the trusted side's
    catalogue worker, ``("variant", key, cells)`` builds another namespace and
    ``("in", key, request)`` serves a request in it (``("in_each", keys, request)`` in each
    of several)."""
    if request[0] == "variant":
        spaces[request[1]], failed = new_namespace(request[2])
        return ("ok", failed, [])
    if request[0] == "in":
        return handle(spaces[request[1]], request[2], device, watch)
    if request[0] == "in_each":  # one request, served in each of several namespaces
        replies = []
        for key in request[1]:
            try:
                replies.append(handle(spaces[key], request[2], device, watch))
            except BaseException as exc:  # noqa: BLE001
                replies.append(("raise", *describe_error(exc)))
        return ("ok", replies, [])
    return handle(spaces[""], request, device, watch)


def reply(conn: Any, message: tuple) -> None:
    try:
        data = wire.dumps(message)
    except Exception as exc:  # noqa: BLE001 (a student's value that cannot be encoded)
        why = f"returned a value that cannot be sent: {exc}"
        data = wire.dumps(("raise", "TypeError", why, []))
    conn.send_bytes(data)


def serve(conn: Any, cells: list[tuple[str, str]], forbid: list[str], device: str,
          mem_mb: int) -> None:
    """Worker entry point: limits, setup and answer cells, then the request loop."""
    scrub_environment(device)
    silence_output()
    torch.set_num_threads(1)
    watch = Watch(forbid)
    apply_limits(mem_mb)
    dev = torch.device(device)
    ns: dict = {"__name__": "__main__", "__builtins__": builtins}
    for cell_id, source in cells:
        try:
            run_cell(ns, cell_id, source)
            reply(conn, ("cell", cell_id, None))
        except BaseException as exc:  # noqa: BLE001 (SystemExit and friends included)
            reply(conn, ("cell", cell_id, describe_error(exc)))
    reply(conn, ("ready",))
    spaces = {"": ns}
    while True:
        try:
            request = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        try:
            message = serve_request(spaces, request, dev, watch)
        except BaseException as exc:  # noqa: BLE001
            message = ("raise", *describe_error(exc))
        reply(conn, message)


def main(fd: int) -> None:
    """Serve the submission whose cells arrive first on socket ``fd``, in the current folder."""
    from multiprocessing.connection import Connection

    conn = Connection(fd)
    cells, forbid, device, mem_mb = pickle.loads(conn.recv_bytes())
    serve(conn, cells, forbid, device, mem_mb)
