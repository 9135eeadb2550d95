"""Wall time of `dlcore check` on each solution notebook against `nbgrader autograde` of the
same notebook (one student, one notebook, a kernel started by nbgrader).  Prints ratios.

    .venv/bin/python benchmarks/check_vs_nbgrader.py [--only NOTEBOOK]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dlcore import course, nbgrader_run


def time_check(path: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dlcore", "check", str(path), "--json"],
                   capture_output=True, check=True)
    return time.perf_counter() - start


def time_autograde(entry: course.Entry, work: Path) -> float:
    course_dir = nbgrader_run.copy_course(work / entry.name)
    dest = course_dir / ".course" / "submitted" / "bench" / entry.assignment
    dest.mkdir(parents=True)
    shutil.copy2(course.root() / "solutions" / entry.assignment / f"{entry.name}.ipynb", dest)
    for other in (course_dir / "source" / entry.assignment).glob("*.ipynb"):
        if other.stem != entry.name:  # only this notebook is part of the assignment here
            other.unlink()
    nbgrader_run.prepare_gradebook(course_dir, entry.assignment, ["bench"])
    seconds, proc = nbgrader_run.autograde(course_dir, entry.assignment)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-1000:])
    return seconds


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--only", help="one notebook name")
    args = p.parse_args()
    print(f"{'notebook':<34} {'dlcore check':>12} {'nbgrader':>9} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for entry in course.entries():
            if args.only and entry.name != args.only:
                continue
            sol = course.root() / "solutions" / entry.assignment / f"{entry.name}.ipynb"
            check_s = min(time_check(sol) for _ in range(2))
            nbg_s = time_autograde(entry, Path(tmp))
            print(f"{entry.key:<34} {check_s:>11.1f}s {nbg_s:>8.1f}s {nbg_s / check_s:>5.1f}x",
                  flush=True)


if __name__ == "__main__":
    main()
