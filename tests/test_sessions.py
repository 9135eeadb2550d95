"""A grading process keeps one pytest session per grader and serves submission after
submission with it.  Is every verdict still the submission's own: the same whatever was graded
before it in that process, and the same as in a process that grades nothing else?"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, completed, grade_notebooks, load, with_answers

CONV = "s2_cnn/convolution"
NEURONS = "s1_foundations/neurons"


def class_of_submissions() -> tuple[dict[str, dict], dict[str, str]]:
    """Two notebooks interleaved (so sessions switch), each perfect, untouched, partly done
    and wrong in a few ways, some graded on one exercise only; {name: notebook}, {name: only}."""
    conv, neurons = load(ROOT / "source" / f"{CONV}.ipynb"), load(ROOT / "source" /
                                                                  f"{NEURONS}.ipynb")
    notebooks = {
        "conv_perfect": conv,
        "neurons_untouched": load(ROOT / "release" / f"{NEURONS}.ipynb"),
        "conv_no_bias": with_answers(conv, {"conv2d": "def conv2d(x, w, b=None, stride=1, "
                                            "padding=0):\n    return x.new_zeros(1)\n"}),
        "neurons_partial": completed(*NEURONS.split("/"), {"sigmoid", "q_vanishing"}),
        "conv_untouched": load(ROOT / "release" / f"{CONV}.ipynb"),
        "neurons_perfect": neurons,
        "neurons_wrong_q": with_answers(neurons, {"q_sigmoid_grad0": "q_sigmoid_grad0 = 0.5\n"}),
        "neurons_q_only": with_answers(neurons, {"q_sigmoid_grad0": "q_sigmoid_grad0 = 1/4\n"}),
        "neurons_q_only_again": neurons,
        "conv_perfect_again": conv,
    }
    only = {"neurons_q_only": "q_sigmoid_grad0", "neurons_q_only_again": "q_sigmoid_grad0",
            "conv_no_bias": "conv2d"}
    return notebooks, only


@pytest.fixture(scope="module")
def forward(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict], Path]:
    """The class graded in one grading process, in the order above."""
    notebooks, only = class_of_submissions()
    folder = tmp_path_factory.mktemp("forward")
    return grade_notebooks(notebooks, folder, workers=1, only=only), folder


def test_order_of_submissions_changes_no_verdict(forward, tmp_path: Path) -> None:
    """One grading process, the class in one order and then in the reverse order."""
    notebooks, only = class_of_submissions()
    reports, _ = forward
    backward = grade_notebooks(dict(reversed(notebooks.items())), tmp_path, workers=1,
                               only=only)
    assert reports == backward
    assert reports["conv_perfect"]["score"] == reports["conv_perfect"]["max_score"]
    assert reports["neurons_q_only"]["score"] == reports["neurons_q_only"]["max_score"] == 1
    assert reports["neurons_wrong_q"]["score"] < reports["neurons_wrong_q"]["max_score"]
    assert reports["conv_no_bias"]["score"] < reports["conv_no_bias"]["max_score"]


def test_reused_session_grades_like_a_fresh_process(forward) -> None:
    """The last submission of a long run against `dlcore check` of it alone."""
    reports, folder = forward
    name = "conv_perfect_again"
    out = subprocess.run([sys.executable, "-m", "dlcore", "check", str(folder / f"{name}.ipynb"),
                          "--json"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert out.returncode in (0, 1), out.stderr
    assert json.loads(out.stdout)["exercises"] == reports[name]["exercises"]
