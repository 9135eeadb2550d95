"""``make demo``: the instructor pipeline on the bundled sample class.

In a throw-away course directory (``demo_out/course``): write the sample class, grade it with
``dlcore grade`` (sandboxed, 2 workers), record the grades with real ``nbgrader autograde``
(which takes dlcore's reports instead of grading a second time), write nbgrader's feedback
HTML and grade export, draw the class plot, and print one score table with both columns.
Every step that takes more than a moment shows its progress.
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from dlcore import classgrade, course, nbgrader_run, sampleclass

STEPS = 6


@contextmanager
def step(number: int, title: str) -> Iterator[None]:
    print(f"[{number}/{STEPS}] {title}", flush=True)
    start = time.perf_counter()
    yield
    print(f"      done in {time.perf_counter() - start:.1f} s", flush=True)


def nbgrader_with_progress(course_dir: Path, args: list[str], total: int, desc: str,
                           counts: Callable[[str], bool],
                           check: bool = True) -> subprocess.CompletedProcess:
    """Run nbgrader in ``course_dir``, advancing a progress bar on each log line that
    ``counts``; the whole log is kept for the error message."""
    from tqdm.auto import tqdm

    proc = subprocess.Popen([sys.executable, "-m", "nbgrader", *args], cwd=course_dir,
                            env=nbgrader_run.environment(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log = []
    with tqdm(total=total, desc=desc, unit="nb", file=sys.stderr) as bar:
        assert proc.stdout is not None
        for line in proc.stdout:
            log.append(line)
            if counts(line):
                bar.update(1)
    proc.wait()
    result = subprocess.CompletedProcess(proc.args, proc.returncode, "".join(log), "")
    if check and proc.returncode != 0:
        tail = "".join(log[-12:])
        raise RuntimeError(f"nbgrader {args[0]} failed:\n{tail}")
    return result


def run(out: Path, assignment: str, workers: int) -> int:
    total_start = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    with step(1, "sample class"):
        course_dir = nbgrader_run.copy_course(out / "course")
        submitted = course_dir / ".course" / "submitted"
        files = sampleclass.make(submitted, assignment)
        print(f"      {len(sampleclass.STUDENTS)} students ({', '.join(sampleclass.STUDENTS)}), "
              f"{len(files)} notebooks of {assignment}")

    with step(2, f"dlcore grade: every submission in its own sandbox, {workers} workers"):
        subs = classgrade.discover([str(submitted)])
        reports, failures = classgrade.run_batch(subs, workers, "cpu", progress=True)
        if failures:
            raise RuntimeError(f"grading failed for {len(failures)} submissions: {failures}")
        rows = list(zip(subs, reports, strict=True))
        classgrade.write_outputs(out, rows)

    with step(3, "nbgrader gradebook: the assignment, its graded cells, the students"):
        nbgrader_run.prepare_gradebook(course_dir, assignment, list(sampleclass.STUDENTS))

    with step(4, "nbgrader autograde: records dlcore's reports as cell scores"):
        done = nbgrader_with_progress(course_dir, ["autograde", assignment, "--force"],
                                      len(files), "autograde", lambda s: "Autograding " in s,
                                      check=False)
        nb_scores = nbgrader_run.scores(course_dir, assignment)
        refused = sorted(set(re.findall(r"processing assignment '\S+' for student '(\S+)'",
                                        done.stdout)))
        if refused:  # the broken student's truncated file: nbgrader cannot even read it
            print(f"      nbgrader could not read the files of: {', '.join(refused)} "
                  f"(exit {done.returncode}); dlcore graded them as errors")

    readable = sum(1 for _ in (course_dir / ".course" / "autograded").rglob("*.ipynb"))
    with step(5, "nbgrader generate_feedback: one HTML page per graded notebook"):
        nbgrader_with_progress(course_dir, ["generate_feedback", assignment, "--force"],
                               readable, "feedback", lambda s: "Converting notebook" in s)

    with step(6, "nbgrader export, and the class plot"):
        nbgrader_run.nbgrader(course_dir, "export", "--to", str(out / "nbgrader_grades.csv"))
        plot = class_plot(rows, out / "class_scores.png")

    print()
    print(score_table(rows, nb_scores, out / "grades.csv"))
    print("\nnbgrader autograde recorded dlcore's reports (same answers, graders and engine), "
          "so both columns come from\nthe same sandboxed run; a file nbgrader cannot read "
          "(broken) gets no grades there, which nbgrader counts as 0.")
    feedback = sorted((course_dir / ".course" / "feedback").rglob("*.html"))
    print("\nopen these:")
    print(f"  class analytics {out / 'analytics.html'}  (numbers in analytics.csv)")
    if feedback:
        print(f"  feedback HTML   {feedback[0]}  (and {len(feedback) - 1} more)")
    print(f"  grades CSV      {out / 'grades.csv'}  (dlcore and nbgrader side by side)")
    print(f"  nbgrader export {out / 'nbgrader_grades.csv'}")
    print(f"  class plot      {plot}")
    print(f"  reports         {out / 'reports'}/<student>__<notebook>.txt")
    print(f"\nmake demo: {time.perf_counter() - total_start:.0f} s")
    return 0


def class_plot(rows: list, path: Path) -> Path:
    """Score (% of the maximum) per notebook, one dot per student."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    notebooks = sorted({rep["notebook"] for _, rep in rows})
    students = sorted({sub.student for sub, _ in rows})
    fig, ax = plt.subplots(figsize=(9, 4))
    for k, student in enumerate(students):
        xs, ys = [], []
        for sub, rep in rows:
            if sub.student == student and rep["max_score"]:
                xs.append(notebooks.index(rep["notebook"]) + (k - len(students) / 2) * 0.06)
                ys.append(100 * rep["score"] / rep["max_score"])
        ax.scatter(xs, ys, label=student, s=30)
    ax.set_xticks(range(len(notebooks)), notebooks, rotation=20)
    ax.set_ylabel("score (% of maximum)")
    ax.set_ylim(-5, 105)
    ax.set_title("sample class: scores per notebook")
    ax.legend(loc="center left", bbox_to_anchor=(1, 0.5), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


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
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
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
