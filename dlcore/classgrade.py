"""``dlcore grade``: grade a class of submissions in parallel.

Each pool process grades one submission at a time with its own sandbox; a submission that is
unreadable, hostile or slow gets a report saying so and never stops the batch (``pool.py``:
a dead grading process costs only its submission, which is retried once).  Writes
``reports/<student>__<notebook>.json|.txt``, ``grades.csv`` (one row per submission) and
``exercises.csv`` (one row per submission and exercise), and the class analytics
(``analytics.csv``, ``analytics.html``: ``analytics.py``).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from dlcore import course
from dlcore.errors import UsageError
from dlcore.pool import Pool
from dlcore.report import ExerciseResult, Report

WATCHDOG_S = float(os.environ.get("DLCORE_SUBMISSION_TIMEOUT", "900"))


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path
    only: frozenset[str] | None = None  # grade only these exercises (None: all)
    group: str | None = None  # which notebook it is, if known (else the file name says)


def discover(paths: list[str]) -> list[Submission]:
    """Notebook files named directly or found under folders.  In nbgrader's layout
    (``<student>/<assignment>/<nb>.ipynb``) the student is the folder name, else the stem."""
    assignments = {e.assignment for e in course.entries()}
    found: list[Submission] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise UsageError(f"no such file or folder: {p}")
        files = [p] if p.is_file() else sorted(
            f for f in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in f.parts)
        for f in files:
            student = f.parent.parent.name if f.parent.name in assignments else f.stem
            found.append(Submission(student, f))
    return found


def grade_one(sub: Submission, device: str) -> tuple[dict, str | None]:
    """Pool task: (report dict, None), or (an error report, why) when grading itself failed;
    an unusable file is the student's problem, not a failure of grading."""
    from dlcore import check
    from dlcore.notebook import NotebookError

    try:
        report = check.main(path=sub.path, device=device,
                            only=set(sub.only) if sub.only is not None else None)
    except NotebookError as exc:
        return unreadable(sub, str(exc)).to_dict(), None
    except Exception as exc:  # noqa: BLE001 (one failure never stops the batch)
        why = f"grading failed: {type(exc).__name__}: {exc}"
        return unreadable(sub, why).to_dict(), why
    if sub.only is None:  # nbgrader autograde records this report instead of grading again
        from dlcore import notebook, reportcache

        try:
            nb = notebook.read(sub.path)
            reportcache.store(nb, course.identify(nb), device, report.to_dict())
        except OSError as exc:  # a full or read-only disk costs the reuse, never the grade
            print(f"dlcore: report not kept for nbgrader ({exc})", file=sys.stderr)
    return report.to_dict(), None


def stopped(sub: Submission, why: str) -> tuple[dict, str | None]:
    """The verdict for a submission whose grading process stopped twice (its own doing)."""
    return unreadable(sub, f"this notebook could not be graded: {why}, twice").to_dict(), None


def pool_setup(isolate: bool) -> None:
    import torch

    from dlcore.sandbox import host

    # One thread per grading process: pool processes and their sandboxes already fill the
    # cores, and an intra-op pool spinning while the sandbox computes starves it.
    torch.set_num_threads(1)
    host.configure(isolate)
    # The sandbox starts before the first submission is taken, so its start (importing torch,
    # several seconds on a busy machine) never counts against a submission's watchdog.  One
    # that cannot start is reported by the first grading, as a failure of grading itself.
    with contextlib.suppress(host.HostError):
        host.start()


def unreadable(sub: Submission, why: str) -> Report:
    """A zero report for a file we cannot grade, with every exercise when we know the notebook."""
    entry = next((e for e in course.entries() if e.name == sub.path.stem), None)
    if entry is None:
        from dlcore import notebook

        try:
            entry = course.identify(notebook.read(sub.path))
        except notebook.NotebookError:
            pass
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
    from dlcore import analytics

    analytics.write(out, [(sub.student, rep) for sub, rep in rows])


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


def run_batch(subs: list[Submission], workers: int, device: str, progress: bool,
              isolate: bool | None = None) -> tuple[list[dict], dict[str, str]]:
    """Reports in the order of ``subs``, and {file: why} for submissions whose grading failed
    for reasons of ours (the sandbox, a grader)."""
    from tqdm.auto import tqdm

    from dlcore.sandbox import host

    isolate = host.isolated() if isolate is None else isolate
    bar = tqdm(total=len(subs), desc="grading", unit="nb", disable=not progress,
               file=sys.stderr)
    pool = Pool(task=grade_one, on_failure=stopped, setup=functools.partial(pool_setup, isolate),
                args=(device,), workers=workers, watchdog_s=WATCHDOG_S,
                progress=lambda: bar.update(1), group=lambda s: s.group or s.path.name)
    try:
        outcomes = pool.run(subs)
    finally:
        bar.close()
    failures = {str(s.path): why for s, (_, why) in zip(subs, outcomes, strict=True) if why}
    return [rep for rep, _ in outcomes], failures


def run_on_cluster(subs: list[Submission], scheduler: str, device: str, progress: bool,
                   isolate: bool) -> tuple[list[dict], dict[str, str]]:
    """``run_batch`` on a Dask distributed cluster (``cluster.py``)."""
    from tqdm.auto import tqdm

    try:
        from dlcore import cluster
    except ImportError:
        raise UsageError("--scheduler needs Dask distributed: pip install distributed") from None
    client = cluster.connect(scheduler)
    bar = tqdm(total=len(subs), desc="grading", unit="nb", disable=not progress,
               file=sys.stderr)
    try:
        return cluster.run_batch(subs, client, device, isolate, lambda: bar.update(1))
    finally:
        bar.close()


def run(subs: list[Submission], workers: int, device: str, progress: bool) -> list[dict]:
    return run_batch(subs, workers, device, progress)[0]


def main(*, paths: list[str], out: str, workers: int = 2, device: str = "cpu",
         progress: bool = True, allow_unisolated: bool = False,
         scheduler: str | None = None) -> int:
    from dlcore.sandbox import isolation

    subs = discover(paths)
    if not subs:
        raise UsageError("no .ipynb files found in " + ", ".join(paths))
    isolate = isolation.decide("grade", allow_unisolated)
    if scheduler is None:
        reports, failures = run_batch(subs, workers, device, progress, isolate)
    else:
        reports, failures = run_on_cluster(subs, scheduler, device, progress, isolate)
    rows = list(zip(subs, reports, strict=True))
    write_outputs(Path(out), rows)
    print(table(rows))
    print(f"\n{len(rows)} submissions graded; reports and grades.csv in {out}/; class "
          f"analytics in {Path(out) / 'analytics.html'}")
    if failures:
        print(f"dlcore: grading itself failed for {len(failures)} submission(s):", file=sys.stderr)
        for path, why in failures.items():
            print(f"  {path}: {why}", file=sys.stderr)
        return 1
    return 0
