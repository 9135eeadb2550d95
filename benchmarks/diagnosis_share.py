"""How often feedback names the known mistake, and what naming it costs.

    .venv/bin/python benchmarks/diagnosis_share.py                  # every notebook
    .venv/bin/python benchmarks/diagnosis_share.py --notebook rnn --notebook lstm_gru

Every wrong mutant in tests/mutants/ replaces its answer cell in the source notebook and is
graded on its own exercise, all in one `dlcore grade` batch (2 workers), as the mutant tests
do.  Per notebook it prints the wrong mutants, how many of them fail on values (every mutant
except the ``forbidden_*`` ones, which get a "forbidden" verdict instead), and how many have
a first feedback line that names their own mistake ("known mistake: ..."), alone or with one
other mistake the grader's cases cannot tell apart.  With ``--cost`` the batch runs again with
diagnosis off (DLCORE_DIAGNOSE=0) and the wall times of both are printed.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

from dlcore import classgrade, course, diagnosis


def answer_cells(nb: dict, ex: str, source: str) -> dict:
    out = copy.deepcopy(nb)
    for cell in out["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == f"{ex}_answer":
            cell["source"] = source
    return out


def mutants(key: str) -> dict:
    path = course.root() / "tests" / "mutants" / f"{key}.py"
    spec = importlib.util.spec_from_file_location(f"share_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MUTANTS


def grade_all(keys: list[str], dest: Path, diagnose: bool) -> tuple[list, list, float]:
    os.environ["DLCORE_DIAGNOSE"] = "1" if diagnose else "0"
    cases, subs = [], []
    for key in keys:
        nb = json.loads((course.root() / "source" / f"{key}.ipynb").read_text())
        for ex, kinds in mutants(key).items():
            for name, spec in kinds.get("wrong", {}).items():
                source = spec[0] if isinstance(spec, tuple) else spec
                path = dest / f"m{len(cases):04d}.ipynb"
                path.write_text(json.dumps(answer_cells(nb, ex, source)))
                cases.append((key, ex, name))
                subs.append(classgrade.Submission(path.stem, path, frozenset({ex}), key))
    start = time.monotonic()
    reports = classgrade.run(subs, 2, "cpu", progress=False)
    return cases, reports, time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook", action="append", help="only these notebooks (by name)")
    parser.add_argument("--cost", action="store_true", help="also time the batch without it")
    args = parser.parse_args()
    keys = [e.key for e in course.entries() if not args.notebook or e.name in args.notebook]
    with tempfile.TemporaryDirectory() as tmp:
        cases, reports, wall = grade_all(keys, Path(tmp), diagnose=True)
        wall_off = grade_all(keys, Path(tmp), diagnose=False)[2] if args.cost else None
    counts: dict[str, Counter] = {k: Counter() for k in keys}
    for (key, ex, name), report in zip(cases, reports, strict=True):
        clause = diagnosis.load_mistakes(course.root() / "tests" / "mutants" /
                                         f"{key}.py").get(ex, {}).get(name, ("", None))[1]
        feedback = next((e["feedback"] for e in report["exercises"] if e["id"] == ex), [])
        first = feedback[0] if feedback else ""
        c = counts[key]
        c["wrong"] += 1
        c["values"] += not name.startswith("forbidden")
        c["named"] += bool(clause) and first.startswith(diagnosis.PREFIX) and clause in first
        c["other"] += first.startswith(diagnosis.PREFIX) and not (clause and clause in first)
    print(f"{'notebook':<38} {'wrong':>5} {'values':>6} {'named':>5} {'share':>6} {'other':>5}")
    total = Counter()
    for key, c in counts.items():
        total.update(c)
        print(f"{key:<38} {c['wrong']:>5} {c['values']:>6} {c['named']:>5} "
              f"{c['named'] / max(c['values'], 1):>6.0%} {c['other']:>5}")
    print(f"{'all':<38} {total['wrong']:>5} {total['values']:>6} {total['named']:>5} "
          f"{total['named'] / max(total['values'], 1):>6.0%} {total['other']:>5}")
    print(f"share of all wrong mutants whose first feedback line names the mistake: "
          f"{total['named']}/{total['wrong']} = {total['named'] / max(total['wrong'], 1):.0%}")
    print(f"batch wall time with diagnosis: {wall:.0f} s for {len(cases)} mutants")
    if wall_off is not None:
        print(f"without diagnosis: {wall_off:.0f} s; diagnosis adds "
              f"{(wall - wall_off) / len(cases) * 1000:.0f} ms wall per graded mutant")


if __name__ == "__main__":
    main()
