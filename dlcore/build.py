"""``dlcore build``: release/ and solutions/ from source/ with real nbgrader.

``nbgrader generate_assignment`` writes release/; ``nbgrader generate_solution`` executes the
solutions on CPU with ``DLCORE_FAST=1`` (or as a full run, for assignments that ask for one).
Executed notebooks are normalised (no timing metadata, no stderr streams such as progress bars)
and an assignment whose sources have not changed since the last build is skipped, so
rebuilding an unchanged source changes no byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from dlcore import __version__, course
from dlcore.errors import UsageError
from dlcore.nbgrader_run import venv_path

STAMP = ".dlcore-build.json"


def source_digest(assignment: str) -> str:
    h = hashlib.sha256(__version__.encode())
    for nb in sorted((course.root() / "source" / assignment).rglob("*")):
        if nb.is_file() and ".ipynb_checkpoints" not in nb.parts:
            h.update(nb.relative_to(course.root()).as_posix().encode() + nb.read_bytes())
    return h.hexdigest()


def full_run(assignment: str) -> bool:
    """Whether the assignment's solutions are executed as a full run, without DLCORE_FAST:
    asked by ``"dlcore": {"full_run": true}`` in a source notebook's metadata, where the
    executed solution must show full-run figures (training results, timings) and the full run
    takes minutes of CPU, not hours."""
    for path in (course.root() / "source" / assignment).glob("*.ipynb"):
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
        if meta.get("dlcore", {}).get("full_run"):
            return True
    return False


def nbgrader(*args: str, db: Path, fast: bool = True) -> None:
    """Run nbgrader from the course root with a throw-away gradebook, so a build never touches
    (or is blocked by submissions in) the instructor's ``.course/gradebook.db``."""
    env = dict(os.environ, DLCORE_FAST="1", DLCORE_DEVICE="cpu", CUDA_VISIBLE_DEVICES="",
               MPLBACKEND="module://matplotlib_inline.backend_inline", PYTHONHASHSEED="0",
               TQDM_DISABLE="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1", PATH=venv_path())
    if not fast:
        del env["DLCORE_FAST"]
    cmd = [sys.executable, "-m", "nbgrader", *args, "--force", "--log-level=WARN",
           f"--CourseDirectory.db_url=sqlite:///{db}"]
    proc = subprocess.run(cmd, cwd=course.root(), env=env, capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"nbgrader {args[0]} failed:\n{tail}")


ADDRESS = re.compile(r"\b0x[0-9a-f]{6,}\b")
WIDGET = "application/vnd.jupyter.widget-view+json"


def _stable_output(output: dict) -> dict | None:
    """The output without run-specific parts; None for outputs that are pure noise."""
    if output.get("output_type") == "stream" and output.get("name") == "stderr":
        return None  # progress bars and warnings
    data = output.get("data", {})
    if WIDGET in data:
        return None  # live widgets (tqdm.auto) have random model ids
    if "text/plain" in data:
        text = data["text/plain"]
        text = "".join(text) if isinstance(text, list) else text
        data["text/plain"] = ADDRESS.sub("0x…", text)
    return output


def _merge_streams(outputs: Iterable[dict]) -> list[dict]:
    """Join consecutive stdout chunks: how a stream is chunked depends on timing."""
    merged: list[dict] = []
    for o in outputs:
        if o.get("output_type") == "stream":
            o["text"] = "".join(o["text"]) if isinstance(o["text"], list) else o["text"]
            last = merged[-1] if merged else {}
            if last.get("output_type") == "stream" and last.get("name") == o.get("name"):
                last["text"] += o["text"]
                continue
        merged.append(o)
    return merged


def normalise(path: Path) -> None:
    """Drop what differs between two executions of the same notebook."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb.get("metadata", {}).pop("widgets", None)
    count = 0
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("execution", None)
        if cell["cell_type"] != "code":
            continue
        count += 1
        cell["execution_count"] = count if cell.get("outputs") is not None else None
        outputs = _merge_streams(o for o in map(_stable_output, cell.get("outputs", []))
                                 if o is not None)
        for o in outputs:
            if "execution_count" in o:
                o["execution_count"] = count
        cell["outputs"] = outputs
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                    encoding="utf-8")


def build_assignment(assignment: str, force: bool) -> bool:
    """Build one assignment; False when it was already up to date."""
    digest = source_digest(assignment)
    stamp = course.root() / "solutions" / assignment / STAMP
    if not force and stamp.exists() and json.loads(stamp.read_text()).get("source") == digest:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "build.db"
        nbgrader("generate_assignment", assignment, db=db)
        nbgrader("generate_solution", assignment, db=db, fast=not full_run(assignment))
    for nb in sorted((course.root() / "solutions" / assignment).glob("*.ipynb")):
        normalise(nb)
    stamp.write_text(json.dumps({"source": digest}, indent=1) + "\n")
    return True


def main(*, assignments: list[str], force: bool = False) -> int:
    available = sorted(p.name for p in (course.root() / "source").iterdir() if p.is_dir())
    unknown = sorted(set(assignments) - set(available))
    if unknown:
        raise UsageError(f"no such assignment: {', '.join(unknown)} (have {', '.join(available)})")
    for assignment in assignments or available:
        built = build_assignment(assignment, force)
        print(f"{assignment}: {'built' if built else 'up to date'}")
    return 0
