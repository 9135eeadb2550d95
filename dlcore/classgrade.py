"""``dlcore grade``: grade a class of submissions in parallel.

Each pool process grades one submission at a time with its own sandbox; a submission that is
unreadable, hostile or slow gets a report saying so and never stops the batch.  Writes
``reports/<student>__<notebook>.json|.txt``, ``grades.csv`` (one row per submission) and
``exercises.csv`` (one row per submission and exercise).
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from dlcore import course
from dlcore.report import ExerciseResult, Report


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path
    only: frozenset[str] | None = None  # grade only these exercises (None: all)


def discover(paths: list[str]) -> list[Submission]:
    """Notebook files named directly or found under folders.  In nbgrader's layout
    (``<student>/<assignment>/<nb>.ipynb``) the student is the folder name, else the stem."""
    assignments = {e.assignment for e in course.entries()}
    found: list[Submission] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            from dlcore.cli import UsageError

            raise UsageError(f"no such file or folder: {p}")
        files = [p] if p.is_file() else sorted(
            f for f in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in f.parts)
        for f in files:
            student = f.parent.parent.name if f.parent.name in assignments else f.stem
            found.append(Submission(student, f))
    return found


def grade_one(sub: Submission, device: str) -> dict:
    """Worker-pool task: a report dict, or an 'unreadable' one when the file is unusable."""
    from dlcore import check
    from dlcore.notebook import NotebookError

    try:
        report = check.main(path=sub.path, device=device,
                            only=set(sub.only) if sub.only is not None else None)
    except NotebookError as exc:
        report = unreadable(sub, str(exc))
    except Exception as exc:  # noqa: BLE001 (one broken submission never stops the batch)
        report = unreadable(sub, f"could not be graded: {type(exc).__name__}: {exc}")
    return report.to_dict()


def unreadable(sub: Submission, why: str) -> Report:
    """A zero report for a file we cannot grade, with every exercise when we know the notebook."""
    entry = next((e for e in course.entries() if e.name == sub.path.stem), None)
    if entry is None:
        return Report(sub.path.stem, "?", [ExerciseResult("notebook", 0.0, 0.0, "error", [why])])
    results = [ExerciseResult(ex, 0.0, pts, "error", [why])
               for ex, pts in course.exercise_points(entry).items()]
    return Report(entry.name, entry.assignment, results)


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:80]


def write_outputs(out: Path, rows: list[tuple[Submission, dict]]) -> None:
    reports = out / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    with (out / "grades.csv").open("w", newline="") as g, \
            (out / "exercises.csv").open("w", newline="") as e:
        gw, ew = csv.writer(g), csv.writer(e)
        gw.writerow(["student", "assignment", "notebook", "score", "max_score", "file"])
        ew.writerow(["student", "assignment", "notebook", "exercise", "score", "max_score",
                     "status"])
        for sub, rep in sorted(rows, key=lambda r: (r[0].student, r[1]["notebook"])):
            stem = f"{safe_name(sub.student)}__{safe_name(rep['notebook'])}"
            (reports / f"{stem}.json").write_text(json.dumps(rep, indent=2))
            (reports / f"{stem}.txt").write_text(Report.from_dict(rep).render() + "\n")
            gw.writerow([sub.student, rep["assignment"], rep["notebook"], rep["score"],
                         rep["max_score"], str(sub.path)])
            for ex in rep["exercises"]:
                ew.writerow([sub.student, rep["assignment"], rep["notebook"], ex["id"],
                             ex["score"], ex["max_score"], ex["status"]])


def table(rows: list[tuple[Submission, dict]]) -> str:
    lines = [f"{'student':<14} {'notebook':<28} {'score':>13}  statuses"]
    for sub, rep in sorted(rows, key=lambda r: (r[0].student, r[1]["notebook"])):
        counts: dict[str, int] = {}
        for ex in rep["exercises"]:
            counts[ex["status"]] = counts.get(ex["status"], 0) + 1
        summary = " ".join(f"{k}={v}" for k, v in sorted(counts.items()))
        name = f"{rep['assignment']}/{rep['notebook']}"
        lines.append(f"{sub.student[:14]:<14} {name[:28]:<28} "
                     f"{rep['score']:>6g} / {rep['max_score']:<5g} {summary}")
    return "\n".join(lines)


def run(subs: list[Submission], workers: int, device: str, progress: bool) -> list[dict]:
    from multiprocessing import get_context

    from tqdm.auto import tqdm

    results: dict[int, dict] = {}
    ctx = get_context("forkserver")
    with cf.ProcessPoolExecutor(max_workers=max(1, workers), mp_context=ctx) as pool:
        futures = {pool.submit(grade_one, s, device): i for i, s in enumerate(subs)}
        bar = tqdm(total=len(subs), desc="grading", unit="nb", disable=not progress,
                   file=sys.stderr)
        for fut in cf.as_completed(futures):
            i = futures[fut]
            try:
                results[i] = fut.result()
            except Exception as exc:  # noqa: BLE001 (a pool process died)
                results[i] = unreadable(subs[i], f"grading process failed: {exc}").to_dict()
            bar.update(1)
        bar.close()
    return [results[i] for i in range(len(subs))]


def main(*, paths: list[str], out: str, workers: int = 2, device: str = "cpu",
         progress: bool = True) -> int:
    subs = discover(paths)
    if not subs:
        from dlcore.cli import UsageError

        raise UsageError("no .ipynb files found in " + ", ".join(paths))
    reports = run(subs, workers, device, progress)
    rows = list(zip(subs, reports, strict=True))
    write_outputs(Path(out), rows)
    print(table(rows))
    print(f"\n{len(rows)} submissions graded; reports and grades.csv in {out}/")
    return 0
