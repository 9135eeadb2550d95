"""``dlcore list``: assignments, notebooks, exercises and points, from the source notebooks."""

from __future__ import annotations

from dlcore import course


def main() -> str:
    lines = []
    current = None
    for entry in course.entries():
        if entry.assignment != current:
            current = entry.assignment
            lines.append(current)
        auto = course.exercise_points(entry)
        manual = course.manual_points(entry)
        lines.append(f"  {entry.name}  ({sum(auto.values()):g} auto-graded points"
                     + (f", {sum(manual.values()):g} graded by hand" if manual else "") + ")")
        lines.extend(f"    {ex:<36} {pts:g}" for ex, pts in auto.items())
        lines.extend(f"    {ex:<36} {pts:g}  (by hand)" for ex, pts in manual.items())
    return "\n".join(lines) if lines else "no notebooks found under source/"
