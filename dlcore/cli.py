"""The ``dlcore`` command: a thin layer over typed ``main()`` functions (see DESIGN.md)."""

from __future__ import annotations

import argparse
import sys

from dlcore.errors import MachineryError, UsageError
from dlcore.notebook import NotebookError
from dlcore.sandbox.isolation import IsolationUnavailable


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dlcore", description="Auto-graded deep-learning exercises")
    sub = p.add_subparsers(dest="verb", required=True)
    c = sub.add_parser("check", help="grade one notebook")
    c.add_argument("notebook")
    c.add_argument("--json", action="store_true", help="print the report as JSON")
    c.add_argument("--device", choices=("cpu", "cuda", "mps"), default="cpu")
    c.add_argument("--only", action="append", metavar="EXERCISE",
                   help="grade only this exercise (repeatable)")
    g = sub.add_parser("grade", help="grade a class of submissions in parallel")
    g.add_argument("submissions", nargs="+",
                   help="notebook files or folders (searched for *.ipynb)")
    g.add_argument("--out", default="grades", help="folder for reports and grades.csv")
    g.add_argument("--workers", type=int, default=2)
    g.add_argument("--device", choices=("cpu", "cuda", "mps"), default="cpu")
    g.add_argument("--no-progress", action="store_true")
    g.add_argument("--allow-unisolated", action="store_true",
                   help="grade even where student code cannot be isolated (not recommended)")
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="grade on this Dask distributed cluster (tcp://host:8786) instead of "
                        "local worker processes")
    b = sub.add_parser("build", help="regenerate release/ and solutions/ with nbgrader")
    b.add_argument("assignments", nargs="*")
    b.add_argument("--force", action="store_true", help="rebuild even if the source is unchanged")
    sub.add_parser("list", help="assignments, notebooks, exercises and points")
    k = sub.add_parser("course", help="set up or list the nbgrader course folder (.course/)")
    k.add_argument("action", choices=("setup", "status"),
                   help="setup: exchange, gradebook, every assignment registered; "
                        "status: what the Formgrader lists")
    k.add_argument("assignments", nargs="*", help="setup: only these assignments")
    lab = sub.add_parser("lab", help="JupyterLab with the student tools (or --instructor); "
                         "other options go to jupyter lab (e.g. --no-browser --port 8890)")
    lab.add_argument("--instructor", action="store_true",
                     help="with the Formgrader and Create Assignment tools")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if args.verb == "lab":
        args.jupyter_args = extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return _dispatch(args)
    except (NotebookError, UsageError, IsolationUnavailable) as exc:
        print(f"dlcore: error: {exc}", file=sys.stderr)
        return 2
    except MachineryError as exc:
        print(f"dlcore: error: grading failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("dlcore: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `dlcore check ... | head`: the reader left, nothing to say
        sys.stderr.close()
        return 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.verb == "check":
        from dlcore import check

        only = set(args.only) if args.only else None
        report = check.main(path=args.notebook, device=args.device, only=only)
        print(report.to_json() if args.json else report.render())
        return 0
    if args.verb == "grade":
        from dlcore import classgrade

        return classgrade.main(paths=args.submissions, out=args.out, workers=args.workers,
                               device=args.device, progress=not args.no_progress,
                               allow_unisolated=args.allow_unisolated,
                               scheduler=args.scheduler)
    if args.verb == "build":
        from dlcore import build

        return build.main(assignments=args.assignments, force=args.force)
    if args.verb == "course":
        from dlcore import coursedir

        if args.action == "status":
            if args.assignments:
                raise UsageError("'dlcore course status' takes no assignment")
            return coursedir.status()
        return coursedir.setup(args.assignments)
    if args.verb == "lab":
        from dlcore import lab

        return lab.main(instructor=args.instructor, args=args.jupyter_args)
    from dlcore import listing

    print(listing.main())
    return 0


if __name__ == "__main__":
    sys.exit(main())
