"""Errors shared across layers (the CLI turns each into an exit status and one line)."""


class UsageError(Exception):
    """Bad input: exit 2 with one line on stderr."""


class MachineryError(Exception):
    """Grading itself failed (the sandbox would not start, a grader crashed): not the
    student's doing, so a class run reports it and exits non-zero."""
