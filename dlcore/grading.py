"""What hidden graders use: the exercise marker, the ``student`` proxy, and checks whose
failure messages are written for a student (shapes and error sizes, never expected values)."""

from __future__ import annotations

import functools
import inspect
import math
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import torch

from dlcore.sandbox import Sandbox, SandboxError
from dlcore.untrusted import wire

# Tolerances, named once.  float64 oracles; students may compute in float32.
RTOL, ATOL = 1e-4, 1e-5
RTOL_F64, ATOL_F64 = 1e-7, 1e-9


def exercise(exercise_id: str, points: float, forbid: Sequence[str] = (),
             timeout: float | None = None) -> pytest.MarkDecorator:
    """Mark a grader test as one case of ``exercise_id`` worth ``points``."""
    return pytest.mark.exercise(exercise_id, points=points, forbid=tuple(forbid), timeout=timeout)


class GradingFailure(AssertionError):
    """A wrong answer; the message is the student's feedback."""


class StudentProblem(Exception):
    """The submission could not be run as asked; ``status`` goes into the report."""

    status = "error"


class StudentMissing(StudentProblem):
    status = "missing"


class StudentRaised(StudentProblem):
    def __init__(self, message: str, stub: bool = False) -> None:
        super().__init__(message)
        self.status = "missing" if stub else "error"


class StudentTimeout(StudentProblem):
    status = "timeout"


class StudentCrashed(StudentProblem):
    status = "error"


class ForbiddenCall(StudentProblem):
    status = "failed"


def fail(message: str) -> None:
    raise GradingFailure(message)


def quote(text: object, limit: int = 100) -> str:
    """Text that came from the student's process, made safe for feedback: one short line of
    printable characters."""
    line = " ".join(str(text).split())
    line = "".join(ch if ch.isprintable() else "?" for ch in line)
    return line if len(line) <= limit else line[: limit - 1] + "…"


class Student:
    """Proxy to the submission: ``student.sigmoid(x)`` runs the student's function in the
    sandbox and returns its result as data."""

    def __init__(self, sandbox: Sandbox, exercise_id: str, forbid: Sequence[str],
                 timeout: float | None, poisoned: dict[str, StudentProblem],
                 log: list[tuple[tuple, tuple]] | None = None) -> None:
        self._sandbox, self._exercise, self._forbid = sandbox, exercise_id, list(forbid)
        self._timeout, self._poisoned, self._log = timeout, poisoned, log

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self._send(("call", name, args, kwargs, self._forbid), name)

    def probe(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run grader function ``fn(ns, *args)`` in the worker; ``ns`` is the submission's
        namespace (a missing name there reports the exercise as missing)."""
        request = ("probe", probe_source(fn), fn.__name__, args, kwargs, self._forbid)
        return self._send(request, self._exercise)

    def value(self, name: str) -> Any:
        return self._send(("get", name), name)

    def _send(self, request: tuple, name: str) -> Any:
        if self._exercise in self._poisoned:
            raise self._poisoned[self._exercise]
        try:
            reply = self._sandbox.request(request, self._timeout)
        except SandboxError as exc:
            problem = self._sandbox_problem(exc, name)
            self._poisoned[self._exercise] = problem
            raise problem from None
        if self._log is not None:  # for known-mistake diagnosis (``dlcore.diagnosis``)
            self._log.append((request, reply))
        return self._unpack(reply, name)

    def _sandbox_problem(self, exc: SandboxError, name: str) -> StudentProblem:
        if exc.kind == "timeout":
            limit = self._timeout or self._sandbox.limits.call_s
            return StudentTimeout(f"{name} did not finish within {limit:g} s "
                                  "(an infinite loop, or far too slow)")
        return StudentCrashed(f"calling {name} stopped the Python process "
                              "(os._exit, a crash, or memory exhausted)")

    def _unpack(self, reply: tuple, name: str) -> Any:
        tag = reply[0]
        if tag == "ok":
            if reply[2]:
                used = ", ".join(quote(u, 60) for u in reply[2][:4])
                raise ForbiddenCall(f"forbidden: {self._exercise} calls {used}, which this "
                                    "exercise asks you to implement yourself")
            return reply[1]
        if tag == "missing":
            hint = self._sandbox.cell_errors.get(f"{self._exercise}_answer")
            why = f"; your answer cell did not run: {quote(hint, 160)}" if hint else ""
            raise StudentMissing(f"{quote(name, 60)} is not defined{why}")
        _, etype, message, frames = reply
        where = f" (at {quote(frames[-1], 80)})" if frames else ""
        if etype == "NotImplementedError":
            raise StudentRaised(f"{name} is not implemented yet (it raises "
                                "NotImplementedError)", stub=True)
        text = f": {quote(message)}" if str(message).strip() else ""
        raise StudentRaised(f"{name} raised {quote(etype, 40)}{text}{where}")


@functools.cache
def probe_source(fn: Callable[..., Any]) -> str:
    """A probe's source text, read once per grading process (``inspect`` is slow)."""
    return textwrap.dedent(inspect.getsource(fn))


def dtype_kind(dtype: torch.dtype) -> str:
    if dtype == torch.bool:
        return "bool"
    if dtype.is_floating_point:
        return "floating-point"
    if dtype.is_complex:
        return "complex"
    return "integer"


def plain_tensor(got: Any, what: str) -> torch.Tensor:
    """``got`` as a plain tensor, or a failure naming what it is instead.  (Values arrive as
    data only: numpy arrays are already tensors; other objects arrive as a type name.)"""
    if type(got) is not torch.Tensor:
        fail(f"{what} should be a torch.Tensor, got {quote(wire.type_name(got), 40)}")
    return got


def check_tensor(got: Any, expected: torch.Tensor, what: str, rtol: float = RTOL,
                 atol: float = ATOL, check_dtype: bool = False) -> None:
    """``got`` must be a tensor of the same kind (bool, integer, floating-point), shaped like
    ``expected`` and close to it."""
    got = plain_tensor(got, what)
    if tuple(got.shape) != tuple(expected.shape):
        fail(f"{what} has shape {tuple(got.shape)}; expected {tuple(expected.shape)}")
    if check_dtype and got.dtype != expected.dtype:
        fail(f"{what} has dtype {got.dtype}; expected {expected.dtype}")
    kind = dtype_kind(expected.dtype)
    if dtype_kind(got.dtype) != kind:
        fail(f"{what} has dtype {got.dtype}; expected a {kind} tensor")
    if kind == "bool":
        if not torch.equal(got, expected):
            wrong = int((got != expected).sum())
            fail(f"{what}: {wrong} of {expected.numel()} entries are wrong")
        return
    g, e = got.detach().to(torch.float64), expected.detach().to(torch.float64)
    bad = ~torch.isfinite(g) & torch.isfinite(e)
    if bad.any():
        fail(f"{what} contains {int(bad.sum())} NaN/inf values where finite ones are expected")
    close = torch.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        err = float((g - e).abs().nan_to_num(float("inf")).max())
        fail(f"{what} is wrong in {int((~close).sum())} of {e.numel()} entries "
             f"(max abs error {err:.2e}, tolerance {atol:.0e} + {rtol:.0e}*|x|)")


def check_number(got: Any, expected: float, what: str, rtol: float = RTOL,
                 atol: float = ATOL) -> None:
    """``got`` must be a real number close to ``expected``: a bool never is, and an integer
    only where ``expected`` is a whole number (a count)."""
    if type(got) is torch.Tensor and got.numel() == 1:
        if got.dtype == torch.bool or got.is_complex():
            fail(f"{what} should be a number, got a {got.dtype} tensor")
        got = got.item()
    if type(got) not in (int, float):
        fail(f"{what} should be a number, got {quote(wire.type_name(got), 40)}")
    if type(got) is int and float(expected) != round(float(expected)):
        fail(f"{what} should be a floating-point number, got the integer {got}")
    if not abs(float(got) - expected) <= atol + rtol * abs(expected):
        fail(f"{what} is off by {abs(float(got) - expected):.2e}")


def check_type(got: Any, kind: type | tuple[type, ...], what: str) -> None:
    if not isinstance(got, kind):
        fail(f"{what} should be {getattr(kind, '__name__', kind)}, got "
             f"{quote(wire.type_name(got), 40)}")


def rng(seed: int) -> torch.Generator:
    """A grader-owned generator: test inputs never depend on the student's RNG use."""
    return torch.Generator().manual_seed(seed)


def random_state(module: torch.nn.Module, seed: int) -> dict[str, torch.Tensor]:
    """A float64 state_dict for ``module`` that exposes wiring mistakes better than its own
    initialisation: weights ~ N(0, 1/fan_in), BN scales and running variances in [0.5, 1.5],
    biases and running means ~ N(0, 0.2^2); integer buffers kept."""
    g = rng(seed)
    state = {}
    for key, value in module.state_dict().items():
        leaf = key.rsplit(".", 1)[-1]
        if not value.is_floating_point():
            state[key] = value.clone()
        elif leaf == "running_var" or (leaf == "weight" and value.dim() == 1):
            state[key] = 0.5 + torch.rand(value.shape, generator=g, dtype=torch.float64)
        elif leaf in ("bias", "running_mean"):
            state[key] = 0.2 * torch.randn(value.shape, generator=g, dtype=torch.float64)
        else:
            state[key] = (torch.randn(value.shape, generator=g, dtype=torch.float64)
                          / math.sqrt(value[0].numel()))
    return state


BUFFERS = ("running_mean", "running_var", "num_batches_tracked")  # batch norm's, not parameters


def n_params(shapes: dict[str, tuple[int, ...]]) -> int:
    """The parameters in a state_dict given as {key: shape} (batch-norm buffers left out)."""
    return sum(math.prod(s) for k, s in shapes.items() if not k.endswith(BUFFERS))


def state_dict_diff(found: dict[str, tuple[int, ...]], expected: dict[str, tuple[int, ...]],
                    reference: str = "the expected module") -> str:
    """Feedback on a student's module whose state_dict (as {key: shape}) differs from the
    reference's: missing, unexpected and misshapen keys, and both parameter counts."""
    missing = [k for k in expected if k not in found]
    extra = [k for k in found if k not in expected]
    wrong = [k for k in expected if k in found and found[k] != expected[k]]
    parts = []
    if missing:
        parts.append("lacks " + ", ".join(missing[:4]) + (", ..." if len(missing) > 4 else ""))
    if extra:
        parts.append("has unexpected " + ", ".join(extra[:4]) + (", ..." if len(extra) > 4 else ""))
    parts += [f"has {k} of shape {found[k]} where {reference} has {expected[k]}" for k in wrong[:2]]
    return (f"its state_dict {'; '.join(parts)} ({n_params(found):,} parameters; {reference} "
            f"has {n_params(expected):,})")
