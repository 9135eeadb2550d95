"""``make demo``: the instructor pipeline on the bundled sample class.

Build the sample class into a throw-away course directory, run real ``nbgrader autograde`` and
``dlcore grade`` on the same submissions, print one score table with both, and write
``demo_out/grades.csv``.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import time
from pathlib import Path

from dlcore import classgrade, course, nbgrader_run, sampleclass


def run(out: Path, assignment: str, workers: int) -> int:
    if out.exists():
        shutil.rmtree(out)
    course_dir = nbgrader_run.copy_course(out / "course")
    submitted = course_dir / ".course" / "submitted"
    files = sampleclass.make(submitted, assignment)
    print(f"sample class: {len(sampleclass.STUDENTS)} students, {len(files)} notebooks "
          f"of {assignment} in {submitted}")

    nbgrader_run.prepare_gradebook(course_dir, assignment, list(sampleclass.STUDENTS))
    nb_seconds, proc = nbgrader_run.autograde(course_dir, assignment, cell_timeout=60)
    nb_scores = nbgrader_run.scores(course_dir, assignment)
    print(f"nbgrader autograde: {nb_seconds:.1f} s (exit {proc.returncode})")

    start = time.perf_counter()
    subs = classgrade.discover([str(submitted)])
    reports = classgrade.run(subs, workers, "cpu", progress=True)
    dl_seconds = time.perf_counter() - start
    rows = list(zip(subs, reports, strict=True))
    classgrade.write_outputs(out, rows)
    print(f"dlcore grade ({workers} workers): {dl_seconds:.1f} s\n")
    print(score_table(rows, nb_scores, out / "grades.csv"))
    print("\nnbgrader autograde grades through dlcore's preprocessor (nbgrader_config.py), so "
          "both columns come from the same sandboxed run;\na file nbgrader cannot read (broken) "
          "gets no grades there, which nbgrader counts as 0.")
    print(f"\nreports: {out}/reports/   grades: {out}/grades.csv   "
          f"nbgrader feedback: nbgrader generate_feedback, run in {course_dir}")
    return 0


def score_table(rows: list, nb_scores: dict, csv_path: Path) -> str:
    header = ["student", "notebook", "dlcore", "nbgrader", "max", "agree", "statuses"]
    table = []
    for sub, rep in sorted(rows, key=lambda r: (r[0].student, r[1]["notebook"])):
        ids = {e["id"] for e in rep["exercises"]}
        cells = nb_scores.get((sub.student, rep["notebook"]), {})  # none: nbgrader could not
        nbg = round(sum(v for k, v in cells.items() if k in ids), 4)  # read it, so 0 points
        counts: dict[str, int] = {}
        for e in rep["exercises"]:
            counts[e["status"]] = counts.get(e["status"], 0) + 1
        agree = "yes" if abs(nbg - rep["score"]) < 1e-6 else "NO"
        table.append([sub.student, rep["notebook"], f"{rep['score']:g}",
                      f"{nbg:g}", f"{rep['max_score']:g}", agree,
                      " ".join(f"{k}={v}" for k, v in sorted(counts.items()))])
    with csv_path.open("w", newline="") as f:
        csv.writer(f).writerows([header, *table])
    widths = [max(len(str(r[i])) for r in [header, *table]) for i in range(len(header))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True))
                     for r in [header, *table])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="demo_out")
    p.add_argument("--assignment", default="s1_foundations")
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    if args.assignment not in {e.assignment for e in course.entries()}:
        raise SystemExit(f"dlcore demo: no assignment {args.assignment!r}")
    return run(Path(args.out).resolve(), args.assignment, args.workers)


if __name__ == "__main__":
    raise SystemExit(main())
