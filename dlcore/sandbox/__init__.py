"""Running student code: the OS-level sandbox (``isolation``), the zygote host inside it
(``host``), and one submission's worker session (``session``).

Importing the package is cheap (no torch): ``dlcore check`` starts the sandbox, whose torch
import then overlaps the grader's own.
"""

from typing import Any

__all__ = ["Limits", "Sandbox", "SandboxError"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from dlcore.sandbox import session

        return getattr(session, name)
    raise AttributeError(f"module 'dlcore.sandbox' has no attribute {name!r}")
