"""``dlcore course``: the nbgrader course folder, set up and listed without any step by hand.

``setup`` makes what nbgrader's tools and the Formgrader expect to find under ``.course/``:

- the exchange folder (``.course/exchange``), so Release, Fetch, Submit and Collect work and
  the Assignments panel lists the course;
- the gradebook, created with its ``alembic_version`` table (nbgrader stamps a new gradebook
  by running ``alembic`` from PATH; started outside the venv, that fails half-way and leaves a
  gradebook nbgrader cannot upgrade later, which ``setup`` repairs);
- every assignment registered in the gradebook with its notebooks, graded cells, points and
  hidden tests, exactly as ``nbgrader generate_assignment`` records them, so autograde and the
  Formgrader know them.  The committed ``release/`` is never rewritten: registration generates
  into ``.course/registered/`` and checks that it equals ``release/`` byte for byte.

``status`` prints what the Formgrader's "Manage Assignments" page lists, read through
nbgrader's own ``NbGraderAPI``.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from dlcore import course
from dlcore.errors import UsageError
from dlcore.nbgrader_run import venv_path

REGISTERED = Path(".course") / "registered"


def course_dir() -> Path:
    root = course.root()
    if not (root / "nbgrader_config.py").exists():
        raise UsageError(f"{root} has no nbgrader_config.py; run dlcore from the course folder")
    return root


def assignments(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "source").iterdir()
                  if p.is_dir() and any(p.glob("*.ipynb")))


def gradebook_path(root: Path) -> Path:
    return root / ".course" / "gradebook.db"


def _alembic_head() -> str:
    """nbgrader's newest gradebook schema, read without the ``alembic`` command."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    head = ScriptDirectory.from_config(config).get_current_head()
    if head is None:
        raise RuntimeError("nbgrader ships no gradebook schema version")
    return head


def ensure_gradebook(root: Path) -> str:
    """Create the gradebook, or repair one left without its schema version; says which."""
    path = gradebook_path(root)
    existed = path.exists() and path.stat().st_size > 0
    os.environ["PATH"] = venv_path()  # nbgrader runs `alembic` from PATH on a new gradebook
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{path}", course_id="dlcore"):
        pass
    with sqlite3.connect(path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" in tables:
            return "ready" if existed else "created"
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        db.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (_alembic_head(),))
    return "repaired (it had no schema version)"


def ensure_exchange(root: Path) -> Path:
    exchange = root / ".course" / "exchange"
    exchange.mkdir(parents=True, exist_ok=True)
    exchange.chmod(0o777)  # nbgrader's exchange is shared: students write their submissions here
    return exchange


def register(root: Path, assignments: list[str], pattern: str) -> None:
    """Record ``assignments`` in the gradebook as generate_assignment does, with one nbgrader
    run on ``pattern`` (an assignment, or ``*`` for all); check that release/ is current."""
    scratch = root / REGISTERED
    env = dict(os.environ, PATH=venv_path())
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", pattern, "--force",
         "--log-level=WARN", f"--CourseDirectory.release_directory={scratch}"],
        cwd=root, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-1:] or ["no output"]
        raise UsageError(f"nbgrader could not register {', '.join(assignments)}: {tail[0]}")
    for assignment in assignments:
        fresh, committed = scratch / assignment, root / "release" / assignment
        names = sorted(p.name for p in fresh.glob("*.ipynb"))
        stale = [n for n in names if not (committed / n).exists()
                 or not filecmp.cmp(fresh / n, committed / n, shallow=False)]
        if stale:
            raise UsageError(f"release/{assignment} is out of date ({', '.join(stale)}); "
                             "run 'dlcore build' first")


def setup(only: list[str] | None = None) -> int:
    root = course_dir()
    known = assignments(root)
    unknown = sorted(set(only or []) - set(known))
    if unknown:
        raise UsageError(f"no such assignment: {', '.join(unknown)} (have {', '.join(known)})")
    print(f"exchange: {ensure_exchange(root)}")
    print(f"gradebook: {gradebook_path(root)} {ensure_gradebook(root)}")
    if only:
        for assignment in only:
            register(root, [assignment], assignment)
    else:  # one nbgrader run for the whole course
        register(root, known, "*")
    for assignment in only or known:
        print(f"registered {assignment} (release/{assignment} is current)")
    shutil.rmtree(root / REGISTERED, ignore_errors=True)
    print("next: .venv/bin/nbgrader release_assignment ASSIGNMENT, or the Formgrader "
          "(.venv/bin/dlcore lab --instructor)")
    return 0


def listing() -> list[dict]:
    """The Formgrader's assignment list: name, status, notebooks, submissions, points."""
    root = course_dir()
    os.environ["PATH"] = venv_path()
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    # the course's own nbgrader_config.py, as the Formgrader reads it
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    rows = []
    for a in api.get_assignments():
        rows.append({"name": a["name"], "status": a["status"],
                     "notebooks": len(api.get_notebooks(a["name"])),
                     "submissions": a["num_submissions"], "max_score": a["max_score"]})
    return rows


def status() -> int:
    rows = listing()
    if not rows:
        print("no assignments; run 'dlcore course setup'")
        return 0
    header = ("assignment", "status", "notebooks", "submissions", "points")
    table = [header] + [(r["name"], r["status"], str(r["notebooks"]), str(r["submissions"]),
                         f"{r['max_score']:g}") for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return 0
