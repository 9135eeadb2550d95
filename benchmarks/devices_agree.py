"""Grade every reference solution on each device and print the scores side by side.

    .venv/bin/python benchmarks/devices_agree.py [--devices cpu cuda]

Each solution must get full marks on every device, in the sandbox (exit 1 otherwise); the
seconds per notebook are printed too.  Run it where a GPU exists (CUDA is the closest check
to MPS we have).
"""

from __future__ import annotations

import argparse
import time

from dlcore import check, course, devices


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--devices", nargs="+", default=["cpu", "cuda", "mps"])
    args = p.parse_args()
    usable = [d for d in args.devices if devices.available(d)]
    print(f"devices: {', '.join(usable)} (asked for {', '.join(args.devices)})")
    bad = 0
    for entry in course.entries():
        path = course.root() / "solutions" / entry.assignment / f"{entry.name}.ipynb"
        cells = []
        for device in usable:
            start = time.perf_counter()
            report = check.main(path=path, device=device)
            seconds = time.perf_counter() - start
            lost = [e.id for e in report.exercises if e.status != "passed"]
            bad += bool(lost)
            cells.append(f"{device} {report.score:g}/{report.max_score:g} {seconds:5.1f} s"
                         + (f" LOST {','.join(lost)}" if lost else ""))
        print(f"{entry.key:<32} " + "   ".join(cells))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
