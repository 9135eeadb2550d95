"""The course's catalogue of known mistakes: the wrong mutants in ``tests/mutants/<assignment>/
<notebook>.py`` that ``MISTAKES`` there describes in a student's words (each clause completes
"this is what happens when ...")."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from dlcore import course


def enabled() -> bool:
    """Is known-mistake diagnosis on (``DLCORE_DIAGNOSE=0`` turns it off)?"""
    return os.environ.get("DLCORE_DIAGNOSE", "1") != "0"


def mutant_file(entry: course.Entry) -> Path:
    return course.root() / "tests" / "mutants" / entry.assignment / f"{entry.name}.py"


def load_mistakes(path: Path) -> dict[str, dict[str, tuple[str, str]]]:
    """exercise -> mistake name -> (answer source, clause), from a mutant file ({} if none)."""
    if not path.is_file():
        return {}
    spec = importlib.util.spec_from_file_location(f"dlcore_mistakes_{path.stem}", path)
    if spec is None or spec.loader is None:
        return {}
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    mutants, clauses = getattr(module, "MUTANTS", {}), getattr(module, "MISTAKES", {})
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for ex, named in clauses.items():
        wrong = mutants.get(ex, {}).get("wrong", {})
        for name, clause in named.items():
            if name in wrong:
                spec_ = wrong[name]
                source = spec_[0] if isinstance(spec_, tuple) else spec_
                out.setdefault(ex, {})[name] = (source, str(clause))
    return out
