"""What grading a class costs: N students' submissions of every notebook (or of some) graded by
`dlcore grade`, and optionally the same submissions by `nbgrader autograde`.

    .venv/bin/python benchmarks/class_throughput.py --students 20            # every notebook
    .venv/bin/python benchmarks/class_throughput.py --notebook neurons --students 20 --nbgrader

Submissions cycle through perfect / partial / untouched.  Each notebook's class is graded as
its own batch so its cost can be told apart; a core-second is busy CPU time of the whole
machine (grading processes and sandboxes), so run it on an otherwise quiet machine.  Per
notebook it prints

  - total:     the batch's core-seconds over N (what a batch of N costs per notebook);
  - amortised: (cost of N - cost of W) / (N - W) with W workers, the cost of one more
               submission once the pool is up (both batches start the same W grading
               processes): what a 300-student class pays per notebook.

and, overall, the amortised mean and the wall time a class of 300 would take on this
machine's cores at that rate.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from dlcore import classgrade, course, nbgrader_run, sampleclass


def make_class(dest: Path, entry: course.Entry, n: int) -> list[str]:
    """n submissions cycling through perfect / partial / untouched."""
    sol = json.loads((course.root() / "solutions" / entry.assignment /
                      f"{entry.name}.ipynb").read_text())
    rel = json.loads((course.root() / "release" / entry.assignment /
                      f"{entry.name}.ipynb").read_text())
    students = []
    for i in range(n):
        kind = ("perfect", "partial", "untouched")[i % 3]
        nb = {"perfect": sol, "untouched": rel}.get(kind) or sampleclass.partial(
            json.loads(json.dumps(sol)), rel)
        student = f"s{i:03d}"
        path = dest / student / entry.assignment / f"{entry.name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(nb))
        students.append(student)
    return students


def cpu_seconds() -> float:
    """Busy CPU time of the whole machine (Linux: /proc/stat), so that the sandboxes count
    too: their processes are killed, not waited for, and never reach this process's
    rusage.  Run on an otherwise quiet machine.  Elsewhere: this process and its waited-for
    children only."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:]]
        return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
            resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def grade_cost(folder: Path, workers: int) -> tuple[float, float, list[dict]]:
    """(wall s, core-s, reports) of one `dlcore grade` batch over a folder."""
    cpu0, start = cpu_seconds(), time.perf_counter()
    reports = classgrade.run(classgrade.discover([str(folder)]), workers, "cpu", False)
    return time.perf_counter() - start, cpu_seconds() - cpu0, reports


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--notebook", nargs="*", help="notebook names (default: every notebook)")
    p.add_argument("--students", type=int, default=20)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--nbgrader", action="store_true",
                   help="also time nbgrader autograde on the same class (one notebook only)")
    args = p.parse_args()
    entries = [e for e in course.entries() if not args.notebook or e.name in args.notebook]
    print(f"{args.students} students x {len(entries)} notebooks, {args.workers} workers, "
          f"{os.cpu_count()} cores")
    print(f"{'notebook':<36} {'wall s':>7} {'total':>7} {'amortised':>10}  core-s per nb")
    amortised, scores = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for entry in entries:
            few, many = Path(tmp) / entry.name / "few", Path(tmp) / entry.name / "many"
            make_class(few, entry, args.workers)
            make_class(many, entry, args.students)
            _, base, _ = grade_cost(few, args.workers)
            wall, cost, reports = grade_cost(many, args.workers)
            per = (cost - base) / max(1, args.students - args.workers)
            amortised.append(per)
            scores[entry.key] = [r["score"] for r in reports]
            print(f"{entry.key:<36} {wall:7.1f} {cost / args.students:7.2f} {per:10.2f}",
                  flush=True)
        if args.nbgrader and len(entries) == 1:
            nbgrader_timing(Path(tmp), entries[0], args.students)
    mean = sum(amortised) / len(amortised)
    cores = min(args.workers, os.cpu_count() or 1)
    class_s = 300 * len(entries) * mean / cores
    print(f"{'overall (mean of notebooks)':<36} {'':7} {'':7} {mean:10.2f}")
    print(f"300 students x {len(entries)} notebooks at that rate on {cores} cores: "
          f"{class_s / 60:.1f} min")
    print("scores: " + json.dumps(scores, sort_keys=True))


def nbgrader_timing(tmp: Path, entry: course.Entry, n: int) -> None:
    course_dir = nbgrader_run.copy_course(tmp / "course")
    for other in (course_dir / "source" / entry.assignment).glob("*.ipynb"):
        if other.stem != entry.name:
            other.unlink()
    students = make_class(course_dir / ".course" / "submitted", entry, n)
    nbgrader_run.prepare_gradebook(course_dir, entry.assignment, students)
    cpu0 = cpu_seconds()
    seconds, _ = nbgrader_run.autograde(course_dir, entry.assignment)
    print(f"nbgrader autograde of the same {n}: {seconds:.1f} s wall, "
          f"{(cpu_seconds() - cpu0) / n:.2f} core-s per nb")


if __name__ == "__main__":
    main()
