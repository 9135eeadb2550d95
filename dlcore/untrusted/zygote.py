"""The sandbox's resident process: imports torch once, then forks one worker per submission.

Started by the trusted side (``dlcore.sandbox.host``), inside bubblewrap when isolation is on.
It talks over one Unix socket (``--fd``): ``spawn`` answers ``pid N`` with the worker's end
of a fresh socket pair attached (SCM_RIGHTS); ``kill N`` kills that worker.

With ``--isolate``, each worker is PID 1 of its own user, PID and mount namespaces, with a
private size-capped tmpfs as its scratch folder: it cannot see, signal or trace the zygote
or an earlier worker, and every process it starts dies with it.  The zygote itself is not
dumpable, so nothing in the sandbox can ptrace it or read its memory, and each worker has its
own session, so ``kill(0, ...)`` reaches only the worker's own processes.  It computes nothing
but one tiny warm-up operator on one thread, so forking after ``import torch`` is safe (no
thread pool exists).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import resource
import select
import shutil
import signal
import socket
import sys
import tempfile
import time

PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 1, 4, 36
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x10000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 0x1, 0x2, 0x4, 0x8, 0x20
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC = 0x400, 0x800, 0x1000, 0x4000
MS_PRIVATE, MS_RELATIME, ST_RELATIME = 0x40000, 0x200000, 0x1000
NPROC = 128
SHM_MB = 64
_libc = ctypes.CDLL(None, use_errno=True)


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def prctl(option: int, value: int) -> None:
    """Linux's prctl; elsewhere (macOS, where nothing is isolated) there is nothing to set."""
    if sys.platform.startswith("linux"):
        _check(_libc.prctl(option, value, 0, 0, 0), "prctl")


def enter_namespaces() -> None:
    """Own user, PID and mount namespaces (call before the fork that makes PID 1)."""
    uid, gid = os.getuid(), os.getgid()
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS), "unshare")
    # The worker is uid 1000 in its namespace: mapping uid 0 would need CAP_SETFCAP.
    for name, text in (("setgroups", "deny"), ("uid_map", f"1000 {uid} 1"),
                       ("gid_map", f"1000 {gid} 1")):
        with open(f"/proc/self/{name}", "w", encoding="ascii") as f:
            f.write(text)


def private_scratch(path: str, scratch_mb: int) -> str:
    """A fresh tmpfs at ``path``, capped at ``scratch_mb``, seen by this worker only; its own
    small ``/dev/shm``; and the sandbox's ``/dev`` read-only, so nothing a worker writes
    outlives it or reaches the next worker."""
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate")
    _tmpfs(path, scratch_mb)
    if os.path.isdir("/dev/shm"):
        _tmpfs("/dev/shm", SHM_MB)
    _readonly("/dev")
    return path


def _tmpfs(path: str, size_mb: int) -> None:
    _check(_libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_NOSUID | MS_NODEV,
                       f"size={size_mb}m,mode=1777".encode()), f"mount tmpfs on {path}")


def _readonly(path: str) -> None:
    """Remount ``path`` read-only, keeping the flags the kernel locked on it."""
    flags = os.statvfs(path).f_flag  # ST_* bits: the same as MS_* but for relatime
    kept = flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME)
    kept |= MS_RELATIME if flags & ST_RELATIME else 0
    _check(_libc.mount(None, path.encode(), None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept,
                       None), f"remount {path} read-only")


def close_all_but(*keep: int) -> None:
    """Close every inherited descriptor except ``keep``: a worker must never hold the
    zygote's control socket (it could forge replies to the trusted side) or its output."""
    for name in os.listdir("/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"):
        fd = int(name)
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def spawn(isolate: bool, scratch_mb: int, scratch: str) -> tuple[int, socket.socket, str | None]:
    """Fork a worker; (its pid as the zygote sees it, the trusted end, its scratch folder)."""
    ours, theirs = socket.socketpair()
    workdir = None if isolate else tempfile.mkdtemp(prefix="dlcore-worker-")
    r, w = os.pipe()
    middle = _fork()
    if middle == 0:  # the go-between: enters the namespaces, forks PID 1, reports it, leaves
        try:
            close_all_but(0, 1, 2, theirs.fileno(), w)  # the control socket above all
            quiet = os.open(os.devnull, os.O_WRONLY)  # and no path to the host's stdout or log
            os.dup2(quiet, 1)
            os.dup2(quiet, 2)
            os.close(quiet)
            if isolate:
                prctl(PR_SET_DUMPABLE, 1)  # writing our uid_map needs it; only we can see us
                enter_namespaces()
            pid = os.fork()
            if pid == 0:
                os.close(w)
                _run_worker(theirs, isolate, scratch_mb, workdir or scratch)
            os.write(w, str(pid).encode())
        except BaseException as exc:  # noqa: BLE001 (reported to the trusted side)
            os.write(w, f"{type(exc).__name__}: {exc}".encode()[:200])
        finally:
            os._exit(0)
    os.close(w)
    answer = os.read(r, 256).decode(errors="replace")
    os.close(r)
    os.waitpid(middle, 0)
    theirs.close()
    if not answer.isdigit():
        ours.close()
        raise OSError(f"the worker could not be started ({answer or 'no answer'})")
    return int(answer), ours, workdir


def _fork(limit_s: float = 10.0) -> int:
    """fork(), waiting a little while the sandbox is at its process cap (a killed fork bomb
    takes a moment to be torn down)."""
    deadline = time.monotonic() + limit_s
    while True:
        try:
            return os.fork()
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _run_worker(sock: socket.socket, isolate: bool, scratch_mb: int, workdir: str) -> None:
    code = 1
    try:
        os.setsid()  # its own process group: kill(0, ...) reaches nothing of ours
        os.chdir(private_scratch(workdir, scratch_mb) if isolate else workdir)
        if isolate:  # the kernel ignores it for uid 0; the sandbox's pids cgroup covers that
            resource.setrlimit(resource.RLIMIT_NPROC, (NPROC, NPROC))
        from dlcore.untrusted import worker

        worker.main(sock.detach())
        code = 0
    finally:
        os._exit(code)


def serve(control: socket.socket, isolate: bool, scratch_mb: int, scratch: str) -> None:
    workers: dict[int, str | None] = {}
    parent = os.getppid()
    while os.getppid() == parent:  # the host gone (no PDEATHSIG on macOS): stop
        _reap(workers)
        if not select.select([control], [], [], 1.0)[0]:
            continue
        try:
            data = control.recv(256)
        except (ConnectionError, OSError):
            data = b""
        if not data:
            break
        verb, _, arg = data.decode().partition(" ")
        if verb == "spawn":
            try:
                pid, sock, workdir = spawn(isolate, scratch_mb, scratch)
            except OSError as exc:
                control.send(f"error {exc}".encode()[:250])
                continue
            workers[pid] = workdir
            socket.send_fds(control, [f"pid {pid}".encode()], [sock.fileno()])
            sock.close()
        elif verb == "kill" and arg.isdigit() and int(arg) in workers:
            _kill(int(arg))
            _wait_gone(int(arg), workers)
            control.send(b"ok")
    for pid in list(workers):
        _kill(pid)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _wait_gone(pid: int, workers: dict[int, str | None], limit_s: float = 10.0) -> None:
    """Wait until a killed worker is reaped: with it gone, so is everything it started (its
    PID namespace is torn down first), and the sandbox's process budget is free again."""
    deadline = time.monotonic() + limit_s
    while pid in workers and time.monotonic() < deadline:
        _reap(workers)
        time.sleep(0.005)


def _reap(workers: dict[int, str | None]) -> None:
    """Collect exited processes (the zygote is their subreaper) and remove workers' scratch."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        workdir = workers.pop(pid, None)
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def probe(scratch: str) -> int:
    """Exit status 0 when a worker's namespaces and scratch can be made here (no torch)."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            enter_namespaces()
            inner = os.fork()
            if inner == 0:
                try:
                    private_scratch(scratch, 16)
                    os._exit(0)
                finally:
                    os._exit(1)
            code = os.waitstatus_to_exitcode(os.waitpid(inner, 0)[1])
        finally:
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--fd", type=int)
    p.add_argument("--isolate", action="store_true")
    p.add_argument("--scratch-mb", type=int, default=256)
    p.add_argument("--scratch", default="/tmp", help="where each worker's private tmpfs goes")
    p.add_argument("--probe", action="store_true", help="check that workers can be isolated")
    args = p.parse_args()
    if args.probe:
        sys.exit(probe(args.scratch))
    prctl(PR_SET_DUMPABLE, 0)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    if not args.isolate:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    import torch  # imported once, shared by every worker

    try:  # Section 2's answers and probes use torchvision: 1.5-2 s per worker otherwise
        import torchvision.models  # noqa: F401
        import torchvision.ops  # noqa: F401
    except ImportError:
        pass
    try:  # sklearn is forbidden by name in Section 1, so every such worker would import it
        import sklearn.datasets  # noqa: F401
        import sklearn.kernel_ridge  # noqa: F401
        import sklearn.linear_model  # noqa: F401
        import sklearn.model_selection  # noqa: F401
        import sklearn.preprocessing  # noqa: F401
    except ImportError:
        pass
    try:  # Section 4 forbids the library lemmatizers by name (0.04 s to import)
        import lemminflect  # noqa: F401
        import simplemma  # noqa: F401
    except ImportError:
        pass
    import dlcore.untrusted.worker  # noqa: F401
    from dlcore.untrusted import opwatch

    torch.set_num_threads(1)  # no thread pool ever exists here, so forking stays safe
    opwatch.warm_up()
    # Everything imported so far is shared by every worker, copy-on-write: a garbage
    # collection that walked it would write to (and so copy) every page of it in each worker.
    gc.collect()
    gc.freeze()

    control = socket.socket(fileno=args.fd)
    print("ready", flush=True)
    serve(control, args.isolate, args.scratch_mb, args.scratch)


if __name__ == "__main__":
    main()
