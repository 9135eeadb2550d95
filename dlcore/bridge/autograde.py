"""nbgrader's autograde step, done by dlcore: student code never shares a process with grading.

``nbgrader_config.py`` puts ``DlcoreAutograde`` in place of nbgrader's ``Execute`` in
``c.Autograde.autograde_preprocessors``.  It grades the submitted notebook exactly as
``dlcore grade`` does (setup and answer cells only, in the sandbox) and writes each graded
cell's feedback (stdout) and points (an ``execute_result`` holding the number), which
nbgrader's ``SaveAutoGrades`` takes as that cell's partial credit.  The hidden-test code in
the cells never runs.  A submission that ``dlcore grade`` already graded, with the same answers,
graders and engine, is recorded from that report (``reportcache``) rather than graded twice.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Unicode


class DlcoreAutograde(NbGraderPreprocessor):
    """Grade the submission with dlcore; each graded cell gets its points and feedback."""

    allow_unisolated = Bool(
        False, help="Grade even where student code cannot be isolated (bubblewrap and user "
                    "namespaces missing): a submission could then read the hidden graders and "
                    "answer keys and change other students' grades.").tag(config=True)
    device = Unicode("cpu", help="Device for student code: cpu, cuda or mps.").tag(config=True)

    def preprocess(self, nb: Any, resources: dict) -> tuple[Any, dict]:
        from dlcore.sandbox import isolation

        isolation.decide("grade", self.allow_unisolated)
        info = resources.get("nbgrader", {})
        report = self._grade(nb, str(info.get("assignment", "")), str(info.get("notebook", "")))
        by_id = {e["id"]: e for e in report["exercises"]}
        count = 0
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.cell_type != "code":
                continue
            count += 1
            if meta.get("grade") and not meta.get("solution"):
                cell.outputs = outputs(by_id.get(meta.get("grade_id", "")), count)
                cell.execution_count = count
        return nb, resources

    def _grade(self, nb: Any, assignment: str, name: str) -> dict:
        from dlcore import course, notebook, reportcache, runner
        from dlcore.classgrade import Submission, unreadable

        with tempfile.TemporaryDirectory(prefix="dlcore-autograde-") as tmp:
            path = Path(tmp) / f"{name or 'submission'}.ipynb"
            path.write_text(json.dumps(nb), encoding="utf-8")
            try:
                parsed = notebook.read(path)
                entry = next((e for e in course.entries()
                              if (e.assignment, e.name) == (assignment, name)), None)
                entry = entry or course.identify(parsed)
                cached = reportcache.load(parsed, entry, self.device)  # from `dlcore grade`
                if cached is not None:
                    return cached
                return runner.grade(parsed, entry, device=self.device).to_dict()
            except notebook.NotebookError as exc:
                return unreadable(Submission(name, path), str(exc)).to_dict()


def outputs(result: dict | None, count: int) -> list[dict]:
    """A graded cell's outputs: dlcore's feedback, then its points as the cell's value."""
    from nbformat.v4 import new_output

    if result is None:
        return [new_output("error", ename="dlcore", evalue="no dlcore grader for this cell",
                           traceback=["no dlcore grader for this cell"])]
    lines = [f"{result['id']}: {result['score']:g} / {result['max_score']:g} "
             f"({result['status']})", *(f"  - {m}" for m in result["feedback"])]
    return [new_output("stream", name="stdout", text="\n".join(lines) + "\n"),
            new_output("execute_result", data={"text/plain": repr(float(result["score"]))},
                       execution_count=count)]
