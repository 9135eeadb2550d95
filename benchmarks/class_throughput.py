"""A class of N submissions of one notebook: `dlcore grade` with 1 and 2 workers against
`nbgrader autograde` of the same submissions.  Prints throughput ratios.

    .venv/bin/python benchmarks/class_throughput.py [--notebook neurons] [--students 20]
"""

from __future__ import annotations

import argparse
import json
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
        for workers in (1, 2):
            start = time.perf_counter()
            classgrade.run(classgrade.discover([str(submitted)]), workers, "cpu", False)
            timings[f"dlcore grade, {workers} worker(s)"] = time.perf_counter() - start
        nbgrader_run.prepare_gradebook(course_dir, entry.assignment, students)
        seconds, _ = nbgrader_run.autograde(course_dir, entry.assignment)
        timings["nbgrader autograde"] = seconds
    base = timings["nbgrader autograde"]
    print(f"{args.students} submissions of {entry.key}")
    for name, s in timings.items():
        print(f"  {name:<28} {s:7.1f} s  {args.students / s:6.2f} nb/s  "
              f"{base / s:5.1f}x nbgrader's throughput")


if __name__ == "__main__":
    main()
