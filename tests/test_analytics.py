"""Class analytics: do analytics.csv and analytics.html hold the class's real numbers, with
every student-written text escaped and nothing fetched from anywhere?"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from dlcore import analytics


def report(notebook: str, exercises: list[tuple[str, float, float, str, list[str]]]) -> dict:
    exs = [{"id": i, "score": s, "max_score": m, "status": st, "feedback": fb}
           for i, s, m, st, fb in exercises]
    return {"notebook": notebook, "assignment": "s1_foundations",
            "score": sum(e["score"] for e in exs), "max_score": sum(e["max_score"] for e in exs),
            "exercises": exs}


SOFTMAX = "softmax over the batch axis: this is what happens when dim=0"
MISTAKE = "the softmax runs over the batch axis"
NAMED = "known mistake: your results match what happens when " + MISTAKE
ROWS = [
    ("ann", report("neurons", [("sigmoid", 2, 2, "passed", []), ("relu", 1, 1, "passed", [])])),
    ("bob", report("neurons", [("sigmoid", 0, 2, "failed", [NAMED, SOFTMAX]),
                               ("relu", 1, 1, "passed", [])])),
    ("cyd", report("neurons", [("sigmoid", 1, 2, "partial", [SOFTMAX, "second line"]),
                               ("relu", 0, 1, "timeout", ["relu did not finish within 5 s"])])),
    ("dan", report("neurons", [("sigmoid", 0, 2, "error", ["<script>alert(1)</script>"]),
                               ("relu", 0, 1, "missing", ["relu is not implemented yet"])])),
]


def read_csv(path: Path) -> dict[tuple[str, str, str, str], str]:
    with path.open() as f:
        return {(r["scope"], r["notebook"], r["exercise"], r["metric"]): r["value"]
                for r in csv.DictReader(f)}


def test_numbers(tmp_path: Path) -> None:
    csv_path, _ = analytics.write(tmp_path, ROWS)
    got = read_csv(csv_path)
    nb = "s1_foundations/neurons"
    assert got[("class", "", "", "students")] == "4"
    # scores 3/3, 1/3, 1/3, 0/3
    assert float(got[("notebook", nb, "", "mean_pct")]) == round(100 * 5 / 12, 2)
    assert got[("notebook", nb, "", "scores_90_to_100_pct")] == "1"
    assert got[("notebook", nb, "", "scores_30_to_40_pct")] == "2"
    assert got[("notebook", nb, "", "scores_0_to_10_pct")] == "1"
    assert float(got[("exercise", nb, "sigmoid", "mean_pct")]) == 37.5
    assert float(got[("exercise", nb, "relu", "full_marks_share")]) == 0.5
    assert got[("exercise", nb, "relu", "status_timeout")] == "1"
    # the first feedback line of each submission that lost points, as a share of the class
    assert float(got[("feedback", nb, "sigmoid", SOFTMAX)]) == 0.25
    assert float(got[("feedback", nb, "sigmoid", NAMED)]) == 0.25
    # the named known mistakes, as a share of the class
    assert float(got[("mistake", nb, "sigmoid", MISTAKE)]) == 0.25
    assert [k for k in got if k[0] == "mistake"] == [("mistake", nb, "sigmoid", MISTAKE)]
    assert ("feedback", nb, "sigmoid", "second line") not in got
    assert got[("hardest", nb, "sigmoid", "rank")] == "1"
    problems = {k[3]: v for k, v in got.items() if k[0] == "problem"}
    assert problems == {"timeout": "cyd: relu did not finish within 5 s",
                        "error": "dan: <script>alert(1)</script>"}


def test_page_is_self_contained_and_escaped(tmp_path: Path) -> None:
    _, html_path = analytics.write(tmp_path, ROWS)
    text = html_path.read_text()
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    sources = re.findall(r"""(?:src|href)=['"]([^'"]*)""", text)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources), sources
    for heading in ("Score distribution per notebook", "Score per exercise",
                    "Hardest exercises", "What the graders told the class",
                    "Timeouts and errors (2)", "Known mistakes in the class (1)"):
        assert heading in text
    assert len(sources) == 3  # score histograms, exercise means, the known mistakes
    row = re.search(r"<td>sigmoid</td><td>(\d+) %</td><td>([^<]*)</td>", text)
    assert row and row.groups() == ("25", MISTAKE)  # a quarter of the class made it
