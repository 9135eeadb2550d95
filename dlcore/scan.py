"""Static scan of answer cells, in the trusted process, for code that reaches into internals.

The operator-level recorder (``dlcore.untrusted.opwatch``) lives in the student's process, so
code that reaches torch's or dlcore's internals, the import system, the garbage collector or
stack frames could switch it off or rewrite what it saw.  No exercise needs any of these, so
using one is a "forbidden" verdict naming what was used, before any student code runs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

MODULES = {"gc": "gc", "inspect": "inspect", "ctypes": "ctypes", "importlib": "importlib",
           "builtins": "builtins", "dlcore": "dlcore internals", "torch._C": "torch._C",
           "torch.ops": "torch.ops", "torch._ops": "torch._ops", "torch.utils._python_dispatch":
           "torch.utils._python_dispatch", "torch.overrides": "torch.overrides",
           "torch._dynamo": "torch._dynamo", "torch.library": "torch.library",
           "torch._VF": "torch._VF", "sys": None, "torch": None}
PUBLIC_DLCORE = ("dlcore.devices", "dlcore.data")  # what the notebooks themselves offer
ATTRIBUTES = {"__wrapped__", "__globals__", "__closure__", "__code__", "__subclasses__",
              "__builtins__", "__loader__", "__spec__", "_getframe", "f_back", "f_globals",
              "f_locals", "f_builtins", "gi_frame", "cr_frame", "tb_frame", "settrace",
              "setprofile", "_C", "_ops", "_python_dispatch", "_pop_mode", "_push_mode", "_VF",
              "meta_path", "path_hooks", "__import__"}
OWNED_ATTRIBUTES = {"modules": "sys", "ops": "torch"}  # flagged on these owners only
NAMES = {"__import__", "exec", "eval", "compile", "globals", "vars", "breakpoint",
         "__builtins__", "__loader__", "__spec__"}


def _module_hits(name: str) -> Iterator[str]:
    if name.startswith("dlcore") and not name.startswith(PUBLIC_DLCORE):
        yield "dlcore internals"
    for mod, label in MODULES.items():
        if label and (name == mod or name.startswith(mod + ".")) and not mod.startswith("dlcore"):
            yield label


def _owner(node: ast.Attribute) -> str:
    return node.value.id if isinstance(node.value, ast.Name) else ""


def uses(source: str) -> list[str]:
    """What ``source`` reaches into, in order of first use (empty when it is clean)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # it will not run either; the worker reports the syntax error
    found: list[str] = []
    for node in ast.walk(tree):
        hits: list[str] = []
        if isinstance(node, ast.Import):
            hits = [h for a in node.names for h in _module_hits(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module:
            hits = list(_module_hits(node.module))
            hits += [h for a in node.names for h in _module_hits(f"{node.module}.{a.name}")]
        elif isinstance(node, ast.Attribute) and (
                node.attr in ATTRIBUTES or OWNED_ATTRIBUTES.get(node.attr) == _owner(node)):
            hits = [f"{_owner(node) + '.' if _owner(node) else ''}{node.attr}"]
        elif isinstance(node, ast.Name) and node.id in NAMES:
            hits = [node.id]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if text in ATTRIBUTES or text.startswith(("dlcore.", "torch._C", "torch.ops")):
                hits = [f"the name '{text[:40]}' in a string"]
        found += [h for h in dict.fromkeys(hits) if h not in found]
    return found


def scan(cells: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Cell id -> what that answer cell reaches into, for the cells that reach into anything."""
    return {cell_id: hits for cell_id, source in cells if (hits := uses(source))}
