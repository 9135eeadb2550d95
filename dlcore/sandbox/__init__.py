"""Running student code: the OS-level sandbox (``isolation``), the zygote host inside it
(``host``), and one submission's worker session (``session``)."""

from dlcore.sandbox.session import Limits, Sandbox, SandboxError, warm_up

__all__ = ["Limits", "Sandbox", "SandboxError", "warm_up"]
