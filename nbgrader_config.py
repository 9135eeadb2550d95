"""nbgrader configuration: the repository root is the course directory.

Run nbgrader from the repository root (``--course-dir`` does not load this file).
Run-time folders and the gradebook live under the git-ignored ``.course/``.
"""

import os
import sys

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    LimitOutput,
    SaveAutoGrades,
)

from dlcore.bridge.autograde import DlcoreAutograde

c = get_config()  # noqa: F821 (injected by traitlets)
here = os.path.dirname(os.path.abspath(__file__))

# nbgrader runs `alembic` from PATH when it creates a gradebook: with this interpreter's tools
# first on PATH, `.venv/bin/nbgrader ...` and `.venv/bin/jupyter lab` work without an activated
# venv (otherwise the Formgrader hangs on "FileNotFoundError: 'alembic'").
_bin = os.path.dirname(sys.executable)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = os.pathsep.join([_bin, os.environ.get("PATH", "")])

os.makedirs(os.path.join(here, ".course"), exist_ok=True)
c.CourseDirectory.root = here
c.CourseDirectory.course_id = "dlcore"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.solution_directory = "solutions"
c.CourseDirectory.submitted_directory = os.path.join(".course", "submitted")
c.CourseDirectory.autograded_directory = os.path.join(".course", "autograded")
c.CourseDirectory.feedback_directory = os.path.join(".course", "feedback")
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, ".course", "gradebook.db")
c.Exchange.root = os.path.join(here, ".course", "exchange")

# Autograde without a kernel: dlcore grades each submission in its sandbox and writes each graded
# cell's points and feedback; nbgrader's SaveAutoGrades records them as partial credit.  Student
# code never shares a process with grading.  Where student code cannot be isolated (no Linux
# user namespaces), autograde refuses unless you set c.DlcoreAutograde.allow_unisolated = True.
c.Autograde.autograde_preprocessors = [DlcoreAutograde, ClearMetadataPreprocessor, LimitOutput,
                                       SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
# Kernels still execute notebooks for `nbgrader generate_solution` (dlcore build) and Validate.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(Warning|warn\(|DeprecationWarning|UserWarning)"
c.Execute.timeout = 120
