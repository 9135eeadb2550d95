"""How fast is the reference conv2d (im2col) that ships in solutions/, relative to F.conv2d?

    .venv/bin/python benchmarks/conv2d_speed.py [--threads 1] [--repeats 200]

Runs the solution notebook's setup cell and the answer cells conv2d needs (conv_output_size,
conv2d), nothing else, then times conv2d and F.conv2d alternately on a (32, 3, 32, 32) batch
with 16 3x3 filters, padding 1, and prints the ratio of their median times: interleaved runs
see the same machine load, and medians ignore the runs another process interrupted.  With one
thread (the default) the clock is this thread's CPU time, which a busy shared machine inflates
far less than wall time (time spent preempted is not counted); with more threads it is wall
time.  Exit 1 when the ratio is above the budget (3x on the CPU).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from dlcore import course

BUDGET = 3.0
CELLS = ("setup", "conv_output_size_answer", "conv2d_answer")


def load_conv2d(path: Path):
    """The solution's conv2d, from the cells it needs, run in a fresh namespace."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    by_id = {c["metadata"].get("nbgrader", {}).get("grade_id"): c for c in nb["cells"]}
    ns: dict = {"__name__": "conv2d_solution"}
    for cell_id in CELLS:
        source = by_id[cell_id]["source"]
        source = "".join(source) if isinstance(source, list) else source
        exec(compile(source, f"<{path.name}:{cell_id}>", "exec"), ns)  # noqa: S102
    return ns["conv2d"]


def timings(conv2d, repeats: int, clock) -> tuple[list[float], list[float]]:
    """Seconds per call of conv2d and of F.conv2d, measured alternately."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 3, 32, 32, generator=g)  # (N, C_in, H, W)
    w = torch.randn(16, 3, 3, 3, generator=g)  # (C_out, C_in, kH, kW)
    b = torch.randn(16, generator=g)  # (C_out,)
    assert torch.allclose(conv2d(x, w, b, 1, 1), F.conv2d(x, w, b, 1, 1), atol=1e-4)
    for _ in range(10):  # warm-up: allocator, thread pool, oneDNN primitives
        conv2d(x, w, b, 1, 1)
        F.conv2d(x, w, b, 1, 1)
    ours, builtin = [], []
    for _ in range(repeats):
        start = clock()
        F.conv2d(x, w, b, 1, 1)
        builtin.append(clock() - start)
        start = clock()
        conv2d(x, w, b, 1, 1)
        ours.append(clock() - start)
    return ours, builtin


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1: fair "
                   "and steady on a small shared machine)")
    p.add_argument("--repeats", type=int, default=200)
    p.add_argument("--notebook", type=Path,
                   default=course.root() / "solutions" / "s2_cnn" / "convolution.ipynb")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    clock = time.thread_time if args.threads == 1 else time.perf_counter
    ours, builtin = timings(load_conv2d(args.notebook), args.repeats, clock)
    ratio = statistics.median(ours) / statistics.median(builtin)
    print(f"conv2d / F.conv2d: {ratio:.1f}x  (medians {statistics.median(ours) * 1e3:.2f} ms / "
          f"{statistics.median(builtin) * 1e3:.2f} ms over {args.repeats} interleaved runs; "
          f"{'CPU' if args.threads == 1 else 'wall'} time; x (32, 3, 32, 32), 16 3x3 filters, "
          f"padding 1, {args.threads} thread{'s' if args.threads > 1 else ''}; "
          f"budget {BUDGET:g}x)")
    return 0 if ratio <= BUDGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
