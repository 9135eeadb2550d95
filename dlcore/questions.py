"""Checkpoint questions graded without the answer key being readable from the grader.

The grader stores ``answer_hash(question_id, answer)``; a submission's value is hashed the same
way and compared.  Strings are compared stripped and lower-cased; numbers rounded to
``digits`` decimals (``digits=0``: a whole number, ``10`` or ``10.0``, nothing in between).
To make a key:
``python -c "from dlcore.questions import answer_hash; print(answer_hash('q_id', 'b'))"``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from dlcore.grading import StudentMissing, fail, quote


def normalise(value: Any, digits: int = 2) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"{round(float(value), digits):.{digits}f}"
    if isinstance(value, str):
        return " ".join(value.strip().lower().split())
    if isinstance(value, list | tuple | set):
        return ",".join(sorted(normalise(v, digits) for v in value))
    return repr(value)


def answer_hash(question_id: str, value: Any, digits: int = 2) -> str:
    text = f"dlcore:{question_id}:{normalise(value, digits)}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def check_answer(value: Any, question_id: str, expected_hash: str, digits: int = 2) -> None:
    """Fail unless ``value`` hashes to ``expected_hash``; never reveals the answer."""
    if value is None:
        raise StudentMissing(f"{question_id} is still None: set it to your answer")
    if digits == 0 and isinstance(value, float) and not value.is_integer():
        fail(f"{question_id} should be a whole number, got {quote(repr(value), 40)}")
    if answer_hash(question_id, value, digits) != expected_hash:
        fail(f"{question_id}: {quote(repr(value), 60)} is not the expected answer")
