"""Class analytics written next to ``grades.csv`` by ``dlcore grade``.

``analytics.csv`` holds the numbers in long form (``scope, notebook, exercise, metric, value``)
and ``analytics.html`` shows the same numbers as one self-contained page (matplotlib figures
embedded as PNG, no script, nothing fetched): the score distribution per notebook and per
exercise, the known mistakes named in the class's feedback with the share of the class that
made each, the feedback the class got most often, the hardest exercises, and every timeout
and error.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import statistics
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from dlcore.report import KNOWN_MISTAKE, STATUSES

BINS = 10  # score-distribution bins of 10 % of the maximum
TOP_FEEDBACK = 5
HARDEST = 10
TOP_MISTAKES = 20  # in the figure; the table and the CSV hold them all


@dataclass
class Exercise:
    notebook: str
    id: str
    max_score: float = 0.0
    fractions: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    feedback: Counter = field(default_factory=Counter)  # first line, once per submission
    mistakes: Counter = field(default_factory=Counter)  # named known mistakes, once each

    @property
    def mean(self) -> float:
        return statistics.fmean(self.fractions) if self.fractions else 0.0


@dataclass
class ClassStats:
    notebooks: dict[str, list[float]]  # notebook -> each submission's score / max
    exercises: dict[tuple[str, str], Exercise]
    problems: list[tuple[str, str, str, str, str]]  # student, notebook, exercise, status, why
    students: int


def summarise(rows: list[tuple[str, dict]]) -> ClassStats:
    """Statistics of (student, report dict) rows."""
    notebooks: dict[str, list[float]] = {}
    exercises: dict[tuple[str, str], Exercise] = {}
    problems = []
    for student, rep in rows:
        key = f"{rep['assignment']}/{rep['notebook']}"
        notebooks.setdefault(key, []).append(rep["score"] / rep["max_score"]
                                             if rep["max_score"] else 0.0)
        for ex in rep["exercises"]:
            stats = exercises.setdefault((key, ex["id"]), Exercise(key, ex["id"]))
            stats.max_score = max(stats.max_score, ex["max_score"])
            stats.fractions.append(ex["score"] / ex["max_score"] if ex["max_score"] else 0.0)
            stats.statuses[ex["status"]] += 1
            if ex["feedback"] and ex["status"] != "passed":
                stats.feedback[ex["feedback"][0]] += 1
            stats.mistakes.update({line[len(KNOWN_MISTAKE):] for line in ex["feedback"]
                                   if line.startswith(KNOWN_MISTAKE)})
            if ex["status"] in ("timeout", "error"):
                why = ex["feedback"][0] if ex["feedback"] else ""
                problems.append((student, key, ex["id"], ex["status"], why))
    return ClassStats(notebooks, exercises, sorted(problems),
                      len({student for student, _ in rows}))


def histogram(fractions: list[float]) -> list[int]:
    """Counts per 10 % bin of the maximum (a full score lands in the last bin)."""
    counts = [0] * BINS
    for f in fractions:
        counts[min(BINS - 1, max(0, int(f * BINS)))] += 1
    return counts


def hardest(stats: ClassStats) -> list[Exercise]:
    """The exercises with the lowest mean score, among those some student has started and
    not everyone has solved."""
    started = [e for e in stats.exercises.values() if e.mean < 1 - 1e-9
               and sum(n for s, n in e.statuses.items() if s != "missing") > 0]
    return sorted(started, key=lambda e: (e.mean, e.notebook, e.id))[:HARDEST]


def mistakes(stats: ClassStats) -> list[tuple[float, str, str, str]]:
    """(share of the class, notebook, exercise, mistake) for every named known mistake, the
    most common first."""
    found = [(count / len(ex.fractions), ex.notebook, ex.id, text)
             for ex in stats.exercises.values() for text, count in ex.mistakes.items()]
    return sorted(found, key=lambda m: (-m[0], m[1], m[2], m[3]))


def csv_rows(stats: ClassStats) -> list[tuple]:
    rows: list[tuple] = [("class", "", "", "students", stats.students),
                         ("class", "", "", "submissions",
                          sum(len(v) for v in stats.notebooks.values()))]
    for nb, fractions in sorted(stats.notebooks.items()):
        rows += [("notebook", nb, "", "submissions", len(fractions)),
                 ("notebook", nb, "", "mean_pct", round(100 * statistics.fmean(fractions), 2)),
                 ("notebook", nb, "", "median_pct",
                  round(100 * statistics.median(fractions), 2))]
        rows += [("notebook", nb, "", f"scores_{10 * i}_to_{10 * i + 10}_pct", n)
                 for i, n in enumerate(histogram(fractions))]
    for (nb, ex_id), ex in sorted(stats.exercises.items()):
        n = len(ex.fractions)
        rows += [("exercise", nb, ex_id, "max_score", ex.max_score),
                 ("exercise", nb, ex_id, "mean_pct", round(100 * ex.mean, 2)),
                 ("exercise", nb, ex_id, "full_marks_share",
                  round(sum(f >= 1 - 1e-9 for f in ex.fractions) / n, 4)),
                 ("exercise", nb, ex_id, "zero_share",
                  round(sum(f <= 1e-9 for f in ex.fractions) / n, 4))]
        rows += [("exercise", nb, ex_id, f"status_{s}", ex.statuses.get(s, 0))
                 for s in STATUSES]
        rows += [("feedback", nb, ex_id, text, round(count / n, 4))
                 for text, count in ex.feedback.most_common(TOP_FEEDBACK)]
    rows += [("mistake", nb, ex_id, text, round(share, 4))
             for share, nb, ex_id, text in mistakes(stats)]
    rows += [("hardest", e.notebook, e.id, "rank", rank)
             for rank, e in enumerate(hardest(stats), 1)]
    rows += [("problem", nb, ex_id, status, f"{student}: {why}")
             for student, nb, ex_id, status, why in stats.problems]
    return rows


def figure_png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def figures(stats: ClassStats) -> dict[str, str]:
    """Base64 PNGs: score histograms per notebook, mean score per exercise, and the named
    known mistakes by share of the class (when there are any)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    out = {}
    nbs = sorted(stats.notebooks)
    cols = min(4, len(nbs))
    rows = -(-len(nbs) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.2 * rows), squeeze=False)
    for ax, nb in zip(axes.flat, nbs, strict=False):
        ax.bar([10 * i + 5 for i in range(BINS)], histogram(stats.notebooks[nb]), width=9)
        ax.set_title(nb.split("/")[-1], fontsize=9)
        ax.set_xlim(0, 100)
        ax.tick_params(labelsize=7)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in list(axes.flat)[len(nbs):]:
        ax.axis("off")
    fig.supxlabel("score (% of the maximum)", fontsize=8)
    fig.supylabel("submissions", fontsize=8)
    fig.tight_layout()
    out["notebooks"] = figure_png(fig)
    exs = sorted(stats.exercises.values(), key=lambda e: (e.notebook, e.id))
    fig, ax = plt.subplots(figsize=(8, max(2.0, 0.18 * len(exs) + 0.8)))
    ax.barh(range(len(exs)), [100 * e.mean for e in exs], color="tab:blue")
    ax.set_yticks(range(len(exs)), [f"{e.notebook.split('/')[-1]}: {e.id}" for e in exs],
                  fontsize=6)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("mean score (% of the exercise's points)")
    fig.tight_layout()
    out["exercises"] = figure_png(fig)
    top = mistakes(stats)[:TOP_MISTAKES]
    if top:
        fig, ax = plt.subplots(figsize=(10, 0.45 * len(top) + 1.0))
        ax.barh(range(len(top)), [100 * m[0] for m in top], color="tab:red")
        labels = [textwrap.fill(shorten(f"{m[2]}: {m[3]}", 130), 65) for m in top]
        ax.set_yticks(range(len(top)), labels, fontsize=6)
        ax.invert_yaxis()
        ax.set_xlabel("share of the class (%)")
        fig.tight_layout()
        out["mistakes"] = figure_png(fig)
    return out


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def page(stats: ClassStats) -> str:
    e = html.escape
    figs = figures(stats)
    n_subs = sum(len(v) for v in stats.notebooks.values())
    counts = Counter()
    for ex in stats.exercises.values():
        counts.update(ex.statuses)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>dlcore class analytics"
             f"</title><style>{STYLE}</style></head><body>",
             "<h1>Class analytics</h1>",
             f"<p>{stats.students} students, {n_subs} graded notebooks, "
             f"{len(stats.exercises)} exercises. Exercise verdicts: "
             + ", ".join(f"{s} {counts.get(s, 0)}" for s in STATUSES) + ".</p>",
             "<h2>Score distribution per notebook</h2>",
             f"<img alt='score histograms per notebook' src='data:image/png;base64,"
             f"{figs['notebooks']}'>",
             "<table><tr><th>notebook</th><th>submissions</th><th>mean %</th><th>median %</th>"
             "</tr>"]
    for nb, fr in sorted(stats.notebooks.items()):
        parts.append(f"<tr><td>{e(nb)}</td><td>{len(fr)}</td>"
                     f"<td>{100 * statistics.fmean(fr):.1f}</td>"
                     f"<td>{100 * statistics.median(fr):.1f}</td></tr>")
    parts += ["</table>", "<h2>Score per exercise</h2>",
              f"<img alt='mean score per exercise' src='data:image/png;base64,"
              f"{figs['exercises']}'>",
              "<h2>Hardest exercises</h2><table><tr><th>#</th><th>notebook</th>"
              "<th>exercise</th><th>mean %</th><th>full marks</th><th>most common feedback"
              "</th></tr>"]
    for rank, ex in enumerate(hardest(stats), 1):
        top = ex.feedback.most_common(1)
        full = sum(f >= 1 - 1e-9 for f in ex.fractions) / len(ex.fractions)
        parts.append(f"<tr><td>{rank}</td><td>{e(ex.notebook)}</td><td>{e(ex.id)}</td>"
                     f"<td>{100 * ex.mean:.1f}</td><td>{100 * full:.0f} %</td>"
                     f"<td>{e(top[0][0]) if top else ''}</td></tr>")
    named = mistakes(stats)
    parts += ["</table>", f"<h2>Known mistakes in the class ({len(named)})</h2>",
              "<p>Mistakes the feedback named: the submission's results matched one of the "
              "course's known mistakes on the same inputs. Share: the part of the class whose "
              "submission made it.</p>"]
    if "mistakes" in figs:
        parts.append(f"<img alt='known mistakes by share of the class' "
                     f"src='data:image/png;base64,{figs['mistakes']}'>")
    parts.append("<table><tr><th>notebook</th><th>exercise</th><th>share</th>"
                 "<th>this is what happens when ...</th></tr>")
    for share, nb, ex_id, text in named:
        parts.append(f"<tr><td>{e(nb)}</td><td>{e(ex_id)}</td><td>{100 * share:.0f} %</td>"
                     f"<td>{e(text)}</td></tr>")
    parts += ["</table>", "<h2>What the graders told the class</h2>",
              "<p>Per exercise, the first feedback line of each submission that lost points, "
              "and the share of the class that got it (the graders name known mistakes in "
              "these lines).</p><table><tr><th>exercise</th><th>share</th><th>feedback</th>"
              "</tr>"]
    for (nb, ex_id), ex in sorted(stats.exercises.items()):
        for text, count in ex.feedback.most_common(TOP_FEEDBACK):
            parts.append(f"<tr><td>{e(nb)}: {e(ex_id)}</td>"
                         f"<td>{100 * count / len(ex.fractions):.0f} %</td><td>{e(text)}</td></tr>")
    parts += ["</table>", f"<h2>Timeouts and errors ({len(stats.problems)})</h2>",
              "<table><tr><th>student</th><th>notebook</th><th>exercise</th><th>verdict</th>"
              "<th>why</th></tr>"]
    for student, nb, ex_id, status, why in stats.problems:
        parts.append(f"<tr><td>{e(student)}</td><td>{e(nb)}</td><td>{e(ex_id)}</td>"
                     f"<td>{e(status)}</td><td>{e(why)}</td></tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts)


STYLE = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
         "table{border-collapse:collapse;margin:1em 0;font-size:13px}"
         "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
         "img{max-width:100%}")


def write(out: Path, rows: list[tuple[str, dict]]) -> tuple[Path, Path]:
    """Write analytics.csv and analytics.html into ``out``; their paths."""
    stats = summarise(rows)
    csv_path, html_path = out / "analytics.csv", out / "analytics.html"
    with csv_path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["scope", "notebook", "exercise", "metric", "value"])
        writer.writerows(csv_rows(stats))
    html_path.write_text(page(stats), encoding="utf-8")
    return csv_path, html_path
