"""Known-mistake diagnosis: a wrong answer compared with the course's known mistakes.

The course's catalogue of mistakes is its mutant library (``tests/mutants/<assignment>/
<notebook>.py``): each wrong mutant is an answer cell with one known mistake, and ``MISTAKES``
there says in a student's words what each one does.  When a submission loses points on an
exercise, the requests the grader sent for that exercise (the same inputs, the same probes)
are replayed against the reference answers and against each mistake of that exercise, and a
mistake is named only when

- every failed case of the exercise failed on values (not on an error, a timeout or a
  forbidden call), and none is slow: a case the reference needs more than ``SLOW_S`` to
  answer (a probe that trains a model) is never replayed against every mistake;
- on the first failed case the mistake gives other replies than the reference, and the
  student's replies equal the mistake's (to within the graders' tolerance);
- the student's replies equal the mistake's on every other failed case of the exercise, and
  on every passed case where the student's replies equal the reference's (a passed case that
  measures something of the student's own, such as how many operations ran, only counts
  where it came out like the reference's).

The mistakes are course code, so they run on the trusted side: in a catalogue worker of their
own, never in the submission's sandbox, and their replies are cached by request, so a batch
computes each mistake's outputs once per grading process.  Diagnosis never changes a score;
anything that goes wrong in it only leaves the mistake unnamed.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import pickle
import time
from dataclasses import dataclass, field
from typing import Any

import torch

from dlcore import course
from dlcore.mistakes import enabled, load_mistakes, mutant_file
from dlcore.report import KNOWN_MISTAKE
from dlcore.sandbox import Limits, Sandbox, SandboxError
from dlcore.sandbox.host import HostError

PREFIX = KNOWN_MISTAKE
REF = "reference"
LIVE_WORKERS = 3  # catalogue workers kept running per grading process
MAX_REPLIES = 20_000  # cached replies per notebook: beyond, the cache starts afresh
MARGIN = 0.25  # a student's results sit this much closer to the mistake than it is to the reference
SLOW_S = 2.0  # a case the reference takes longer to answer (a training probe) is not replayed
BUDGET_S = 30.0  # catalogue time one exercise's diagnosis may take
# Values agree to 1e-4 relative, with an absolute floor relative to the largest value of the
# same tensor: tolerances scale with the values, so mistakes in tiny numbers stay visible.
RTOL, ATOL_REL, TINY = 1e-4, 1e-5, 1e-12


@dataclass
class Case:
    """One grader case of an exercise: whether it passed, whether it failed on values, and
    the requests it sent to the submission with the replies."""

    passed: bool
    value_failure: bool
    calls: list[tuple[tuple, tuple]] = field(default_factory=list)


def for_replay(request: tuple) -> tuple:
    """The request with nothing forbidden: the catalogue records no forbidden calls."""
    return (*request[:-1], []) if request[0] in ("call", "probe") else request


def fingerprint(request: tuple) -> bytes:
    """A digest of a request's contents (pickled tensors carry a random serialization id, so
    their pickle is no fingerprint)."""
    digest = hashlib.sha1()
    _feed(digest, request)
    return digest.digest()


def _feed(digest: Any, obj: Any) -> None:
    if isinstance(obj, torch.Tensor):
        t = obj.detach().cpu().contiguous()
        digest.update(f"T{t.dtype}{tuple(t.shape)}{obj.requires_grad}".encode())
        digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    elif isinstance(obj, list | tuple):
        digest.update(f"{type(obj).__name__}{len(obj)}(".encode())
        for item in obj:
            _feed(digest, item)
        digest.update(b")")
    elif isinstance(obj, dict):
        digest.update(f"dict{len(obj)}(".encode())
        for key, value in obj.items():
            _feed(digest, key)
            _feed(digest, value)
        digest.update(b")")
    elif obj is None or isinstance(obj, str | bytes | int | float | complex):
        digest.update(f"{type(obj).__name__}:{obj!r};".encode())
    else:
        digest.update(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def same_value(a: Any, b: Any) -> bool:
    """Equal data, numbers and tensors to within the graders' tolerance."""
    if type(a) is torch.Tensor or type(b) is torch.Tensor:
        if type(a) is not torch.Tensor or type(b) is not torch.Tensor:
            return False
        if a.shape != b.shape or a.dtype != b.dtype:  # float32 vs float64 is a difference
            return False
        if not a.dtype.is_floating_point:
            return torch.equal(a, b)
        a, b = a.double(), b.double()
        scale = float(b.abs().nan_to_num(0.0, 0.0, 0.0).max()) if b.numel() else 0.0
        return bool(torch.isclose(a, b, RTOL, ATOL_REL * scale + TINY, equal_nan=True).all())
    if type(a) is float and type(b) is float:
        return (a != a and b != b) or abs(a - b) <= (RTOL + ATOL_REL) * abs(b) + TINY
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and \
            all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and \
            all(same_value(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def distance(a: Any, b: Any) -> float:
    """The largest absolute difference between two values of one structure (inf when their
    structures differ)."""
    if type(a) is torch.Tensor and type(b) is torch.Tensor:
        if a.shape != b.shape or a.dtype != b.dtype:
            return math.inf
        if not a.dtype.is_floating_point:
            return 0.0 if torch.equal(a, b) else math.inf
        if a.numel() == 0:
            return 0.0
        diff = (a.double() - b.double()).abs()
        both_nan = a.isnan() & b.isnan()
        return float(diff.masked_fill(both_nan, 0).nan_to_num(math.inf).max())
    if type(a) is float and type(b) is float:
        return 0.0 if (a != a and b != b) or a == b else \
            (abs(a - b) if abs(a - b) == abs(a - b) else math.inf)
    if isinstance(a, list | tuple) and type(a) is type(b) and len(a) == len(b):
        return max((distance(x, y) for x, y in zip(a, b, strict=True)), default=0.0)
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        return max((distance(a[k], b[k]) for k in a), default=0.0)
    return 0.0 if type(a) is type(b) and a == b else math.inf


def reply_distance(a: tuple | None, b: tuple | None) -> float:
    if a is None or b is None:
        return math.inf
    if a[0] == "ok" and b[0] == "ok":
        return distance(a[1], b[1])
    return 0.0 if same_reply(a, b) else math.inf


def same_reply(a: tuple | None, b: tuple | None) -> bool:
    """Two replies to one request are alike: the same values, or the same kind of failure."""
    if a is None or b is None or a[0] != b[0]:
        return False
    if a[0] == "ok":
        return not a[2] and not b[2] and same_value(a[1], b[1])
    if a[0] == "raise":
        return a[1] == b[1]
    return a[0] == "missing"


class Catalogue:
    """One notebook's known mistakes, run on the trusted side, with their replies cached."""

    def __init__(self, entry: course.Entry) -> None:
        self.entry = entry
        path = mutant_file(entry)
        self.mistakes = load_mistakes(path) if path.is_file() else {}
        self.replies: dict[tuple[str, bytes], tuple | None] = {}
        self.seconds: dict[bytes, float] = {}  # the reference's time for each request
        self._sandbox: Sandbox | None = None
        self._built: set[str] = set()
        self._cells: list[tuple[str, str]] | None = None

    # -- the catalogue worker
    def _variant_cells(self, key: str) -> list[tuple[str, str]]:
        if self._cells is None:
            self._cells = course.grading_cells(course.reference(self.entry), self.entry)
        if key == REF:
            return self._cells
        ex, name = key.split("/", 1)
        source = self.mistakes[ex][name][0]
        return [(cid, source if cid == f"{ex}_answer" else src) for cid, src in self._cells]

    def _worker(self) -> Sandbox:
        if self._sandbox is None:
            _LIVE.append(self)
            while len(_LIVE) > LIVE_WORKERS:
                _LIVE.pop(0).close()
            self._sandbox = Sandbox([], [], "cpu", Limits())
        return self._sandbox

    def reply(self, key: str, request: tuple) -> tuple | None:
        """The reply of variant ``key`` (the reference, or 'exercise/mistake') to a request;
        None when it could not be had (a timeout or a crash, which ends that variant)."""
        self.fetch([key], request)
        return self.replies[(key, fingerprint(for_replay(request)))]

    def fetch(self, keys: list[str], request: tuple) -> None:
        """Replies of these variants to one request, into the cache: in one round trip to
        the catalogue worker, or one by one if that fails (a mistake that hangs)."""
        request = for_replay(request)
        digest = fingerprint(request)
        missing = [k for k in keys if (k, digest) not in self.replies]
        if not missing:
            return
        if len(self.replies) > MAX_REPLIES:  # requests that carry each student's own data
            self.replies.clear()
            missing = list(keys)
        try:
            worker = self._worker()
            for key in missing:
                if key not in self._built:
                    worker.request(("variant", key, self._variant_cells(key)),
                                   worker.limits.cell_s)
                    self._built.add(key)
            start = time.monotonic()
            if len(missing) == 1:
                found = [worker.request(("in", missing[0], request))]
            else:
                found = worker.request(("in_each", missing, request))[1]
            if missing == [REF]:
                self.seconds[digest] = time.monotonic() - start
        except (SandboxError, HostError):
            self._sandbox, self._built = None, set()  # the worker was killed; start anew
            if len(missing) > 1:
                for key in missing:
                    self.fetch([key], request)
                return
            found = [None]
            if missing == [REF]:
                self.seconds[digest] = math.inf
        for key, reply in zip(missing, found, strict=True):
            self.replies[(key, digest)] = reply

    def narrow(self, keys: list[str], case: Case) -> list[str]:
        """The variants whose replies equal the student's on every request of the case."""
        for request, reply in case.calls:
            if not keys:
                break
            self.fetch(keys, request)
            digest = fingerprint(for_replay(request))
            keys = [k for k in keys if same_reply(reply, self.replies[(k, digest)])]
        return keys

    def slow(self, case: Case) -> bool:
        """The reference needs more than SLOW_S to answer this case (timed once per process,
        so every student of a batch is treated alike)."""
        for request, _ in case.calls:
            self.reply(REF, request)
        return sum(self.seconds.get(fingerprint(for_replay(r)), 0.0)
                   for r, _ in case.calls) > SLOW_S

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox, self._built = None, set()
        with contextlib.suppress(ValueError):
            _LIVE.remove(self)

    # -- diagnosis
    def separated(self, key: str, case: Case) -> bool:
        """The mistake's replies differ from the reference's on this case, and where they do,
        the student's sit far closer to the mistake's than the mistake's to the reference's
        (a small mistake is never named for another small deviation)."""
        apart = False
        for request, reply in case.calls:
            ref, wrong = self.reply(REF, request), self.reply(key, request)
            if ref is None or same_reply(ref, wrong):
                continue
            apart = True
            if reply_distance(reply, wrong) > MARGIN * reply_distance(wrong, ref):
                return False
        return apart

    def diagnose(self, exercise: str, cases: list[Case]) -> list[str]:
        """The feedback line naming the known mistake the exercise's cases show, if any."""
        mistakes = self.mistakes.get(exercise)
        failed = [c for c in cases if not c.passed]
        if not mistakes or not failed or not all(c.value_failure and c.calls for c in failed):
            return []
        if any(self.slow(c) for c in failed):
            return []
        deadline = time.monotonic() + BUDGET_S
        first, passed = failed[0], [c for c in cases if c.passed and c.calls]
        candidates = self.narrow([f"{exercise}/{name}" for name in mistakes], first)
        candidates = [k for k in candidates if self.separated(k, first)]
        for case in failed[1:]:
            if not candidates or time.monotonic() > deadline:
                return []
            candidates = self.narrow(candidates, case)
        for case in passed:
            if not candidates or time.monotonic() > deadline:
                return []
            if not self.slow(case) and self.narrow([REF], case):
                candidates = self.narrow(candidates, case)
        clauses = list(dict.fromkeys(mistakes[k.split("/", 1)[1]][1] for k in candidates))
        if len(clauses) == 1:
            return [PREFIX + clauses[0]]
        if len(clauses) == 2:  # the cases cannot tell these two apart
            return [f"{PREFIX}{clauses[0]}, or when {clauses[1]}"]
        return []


_LIVE: list[Catalogue] = []
_CATALOGUES: dict[tuple[str, int], Catalogue] = {}


def catalogue_for(entry: course.Entry) -> Catalogue | None:
    """This process's catalogue for a notebook (a new one when its mutant file changed)."""
    path = mutant_file(entry)
    if not enabled() or not path.is_file():
        return None
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _CATALOGUES:
        for old in [k for k in _CATALOGUES if k[0] == key[0]]:
            _CATALOGUES.pop(old).close()
        try:
            _CATALOGUES[key] = Catalogue(entry)
        except Exception:  # noqa: BLE001 (a broken catalogue only means no diagnosis)
            return None
    return _CATALOGUES[key]
