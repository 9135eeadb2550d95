"""A class of N submissions of one notebook: `dlcore grade` with 1 and 2 workers against
`nbgrader autograde` of the same submissions.  Prints throughput ratios.

    .venv/bin/python benchmarks/class_throughput.py [--notebook neurons] [--students 20]
                                                    [--skip-nbgrader]

Also prints core-seconds per graded notebook (CPU time of this process and all its children,
sandboxes included, over the number of notebooks).
"""

from __future__ import annotations

import argparse
import json
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
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(nb))
        students.append(student)
    return students


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--notebook", default="neurons")
    p.add_argument("--students", type=int, default=20)
    p.add_argument("--skip-nbgrader", action="store_true")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = p.parse_args()
    entry = next(e for e in course.entries() if e.name == args.notebook)
    with tempfile.TemporaryDirectory() as tmp:
        course_dir = nbgrader_run.copy_course(Path(tmp) / "course")
        for other in (course_dir / "source" / entry.assignment).glob("*.ipynb"):
            if other.stem != entry.name:
                other.unlink()
        submitted = course_dir / ".course" / "submitted"
        students = make_class(submitted, entry, args.students)
        timings = {}
        cores = {}
        for workers in args.workers:
            cpu0, start = cpu_seconds(), time.perf_counter()
            classgrade.run(classgrade.discover([str(submitted)]), workers, "cpu", False)
            name = f"dlcore grade, {workers} worker(s)"
            timings[name] = time.perf_counter() - start
            cores[name] = cpu_seconds() - cpu0
        if not args.skip_nbgrader:
            nbgrader_run.prepare_gradebook(course_dir, entry.assignment, students)
            cpu0 = cpu_seconds()
            seconds, _ = nbgrader_run.autograde(course_dir, entry.assignment)
            timings["nbgrader autograde"] = seconds
            cores["nbgrader autograde"] = cpu_seconds() - cpu0
    base = timings.get("nbgrader autograde")
    print(f"{args.students} submissions of {entry.key}")
    for name, s in timings.items():
        ratio = f"  {base / s:5.1f}x nbgrader autograde's throughput" if base else ""
        print(f"  {name:<28} {s:7.1f} s  {args.students / s:6.2f} nb/s  "
              f"{cores[name] / args.students:5.2f} core-s/nb{ratio}")


def cpu_seconds() -> float:
    """CPU time of this process and its waited-for children (pool processes, sandboxes)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


if __name__ == "__main__":
    main()
