"""Grading results: per exercise and per notebook, as JSON (the CLI contract) and as text."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

STATUSES = ("passed", "partial", "failed", "error", "timeout", "missing")
# The start of a feedback line that names a known mistake (``dlcore.diagnosis``).
KNOWN_MISTAKE = "known mistake: your results match what happens when "


@dataclass
class ExerciseResult:
    id: str
    score: float
    max_score: float
    status: str
    feedback: list[str] = field(default_factory=list)


@dataclass
class Report:
    notebook: str
    assignment: str
    exercises: list[ExerciseResult]
    by_hand: dict[str, float] = field(default_factory=dict)  # not in the JSON contract

    @property
    def score(self) -> float:
        return round(sum(e.score for e in self.exercises), 4)

    @property
    def max_score(self) -> float:
        return round(sum(e.max_score for e in self.exercises), 4)

    def to_dict(self) -> dict:
        return {"notebook": self.notebook, "assignment": self.assignment,
                "score": self.score, "max_score": self.max_score,
                "exercises": [asdict(e) for e in self.exercises]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        return cls(data["notebook"], data["assignment"],
                   [ExerciseResult(**e) for e in data["exercises"]])

    def render(self) -> str:
        mark = {"passed": "ok", "partial": "~", "failed": "x", "error": "!",
                "timeout": "T", "missing": "-"}
        lines = [f"{self.assignment}/{self.notebook}: {self.score:g} / {self.max_score:g}"]
        width = max((len(e.id) for e in self.exercises), default=10)
        for e in self.exercises:
            lines.append(f"  [{mark[e.status]:>2}] {e.id:<{width}}  {e.score:>5g} / "
                         f"{e.max_score:<4g} {e.status}")
            lines.extend(f"         - {msg}" for msg in e.feedback)
        if self.by_hand:
            items = ", ".join(f"{k} ({v:g})" for k, v in self.by_hand.items())
            lines.append(f"  graded by hand, not included above: {items}")
        return "\n".join(lines)


def status_of(score: float, max_score: float, problems: list[str]) -> str:
    """Summarise an exercise from its score and the kinds of problem its test cases hit."""
    if max_score > 0 and score >= max_score - 1e-9:
        return "passed"
    if score > 0:
        return "partial"
    for kind in ("timeout", "missing", "error"):
        if problems and all(p == kind for p in problems) or kind == "timeout" and kind in problems:
            return kind
    return "error" if "error" in problems else "failed"
