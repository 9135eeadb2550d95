"""Shared helpers: variant notebooks of the course's sources, graded in one ``dlcore grade``."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def with_answers(nb: dict, answers: dict[str, str]) -> dict:
    """A copy of ``nb`` whose answer cells ``<id>_answer`` hold the given sources."""
    out = copy.deepcopy(nb)
    missing = set(answers)
    for cell in out["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if gid.endswith("_answer") and gid[: -len("_answer")] in answers:
            cell["source"] = answers[gid[: -len("_answer")]]
            missing.discard(gid[: -len("_answer")])
    if missing:
        raise KeyError(f"no answer cell for {sorted(missing)}")
    return out


def grade_notebooks(notebooks: dict[str, dict], workdir: Path, workers: int = 2) -> dict[str, dict]:
    """Grade many notebooks with one ``dlcore grade`` run; reports keyed by name."""
    subs = workdir / "subs"
    subs.mkdir(parents=True, exist_ok=True)
    for name, nb in notebooks.items():
        (subs / f"{name}.ipynb").write_text(json.dumps(nb))
    out = workdir / "out"
    proc = subprocess.run([sys.executable, "-m", "dlcore", "grade", str(subs), "--out", str(out),
                           "--workers", str(workers), "--no-progress"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    reports = {}
    for f in (out / "reports").glob("*.json"):
        reports[f.stem.split("__")[0]] = json.loads(f.read_text())
    return reports


def by_id(report: dict) -> dict[str, dict]:
    return {e["id"]: e for e in report["exercises"]}
