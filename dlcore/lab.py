"""``dlcore lab``: JupyterLab for a student, or with ``--instructor`` for the course staff.

Both start from the course folder (so nbgrader reads ``nbgrader_config.py``) with this
interpreter's tools first on PATH, and make sure the exchange exists.

- Students get the student side of nbgrader only: the Assignments panel (fetch, submit) and
  the Validate button.  The Formgrader, the course list and the Create Assignment toolbar are
  switched off, in the server and in the page (so the Nbgrader menu lists only what works).
- Instructors get everything, and a gradebook that is ready before the Formgrader opens.

The switches live in a Jupyter config folder per role under ``.course/jupyter/``, put first on
``JUPYTER_CONFIG_PATH``: nothing is changed in the venv or in the user's own Jupyter settings.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from dlcore import coursedir
from dlcore.nbgrader_run import venv_path

INSTRUCTOR_ONLY_SERVER = ("nbgrader.server_extensions.formgrader",
                          "nbgrader.server_extensions.course_list")
INSTRUCTOR_ONLY_PAGE = ("@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:course-list",
                        "@jupyter/nbgrader:formgrader")
# the "get notified about Jupyter news?" pop-up: it fetches from the internet, for no one here
NOBODY_PAGE = ("@jupyterlab/apputils-extension:announcements",)


def config_dir(root: Path, instructor: bool) -> Path:
    """Write the role's Jupyter config folder; returns it."""
    folder = root / ".course" / "jupyter" / ("instructor" if instructor else "student")
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    server = {name: instructor for name in INSTRUCTOR_ONLY_SERVER}
    page = {name: not instructor for name in INSTRUCTOR_ONLY_PAGE}
    page.update({name: True for name in NOBODY_PAGE})
    (folder / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": server}}, indent=1) + "\n")
    (folder / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": page}, indent=1) + "\n")
    return folder


def environment(root: Path, instructor: bool) -> dict[str, str]:
    extra = [str(config_dir(root, instructor))]
    if os.environ.get("JUPYTER_CONFIG_PATH"):
        extra.append(os.environ["JUPYTER_CONFIG_PATH"])
    return dict(os.environ, PATH=venv_path(), JUPYTER_CONFIG_PATH=os.pathsep.join(extra))


def command(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "jupyterlab", *args]


def main(*, instructor: bool, args: list[str]) -> int:
    root = coursedir.course_dir()
    coursedir.ensure_exchange(root)
    if instructor:
        coursedir.ensure_gradebook(root)
    env = environment(root, instructor)
    print(f"dlcore lab: JupyterLab for {'instructors' if instructor else 'students'} in {root}",
          file=sys.stderr, flush=True)
    os.chdir(root)
    os.execve(sys.executable, command(args), env)
    return 0  # not reached
