"""Does a hostile or broken submission get a verdict per exercise while honest exercises keep
full marks?  Each case replaces answer cells of the neurons source notebook."""

from __future__ import annotations

import pytest
from conftest import ROOT, by_id, grade_notebooks, load, with_answers

HONEST_SIGMOID = '''
def sigmoid(x):
    return torch.where(x >= 0, 1 / (1 + torch.exp(-x)), torch.exp(x) / (1 + torch.exp(x)))
'''

WRONG = ("failed", "partial")  # a wrong answer may still pass a case or two (e.g. "no in-place")

CASES = {
    "infinite_loop": ({"relu": "def relu(x):\n    while True:\n        pass"},
                      {"relu": "timeout"}),
    "os_exit": ({"relu": "import os\ndef relu(x):\n    os._exit(0)"}, {"relu": "error"}),
    "sys_exit_at_load": ({"relu": "import sys\nsys.exit(3)\ndef relu(x):\n    return x"},
                         {"relu": "missing"}),
    "raises": ({"relu": "def relu(x):\n    raise ValueError('nope')"}, {"relu": "error"}),
    "nan": ({"relu": "def relu(x):\n    return x * float('nan')"}, {"relu": WRONG}),
    "wrong_shape": ({"relu": "def relu(x):\n    return x.clamp(min=0).reshape(-1)"},
                    {"relu": WRONG}),
    "wrong_dtype": ({"relu": "def relu(x):\n    return x.clamp(min=0).double()"},
                    {"relu": WRONG}),
    "returns_object": ({"relu": "def relu(x):\n    return object()"}, {"relu": WRONG}),
    "memory_grab": ({"relu": "def relu(x):\n    hog = []\n    while True:\n"
                             "        hog.append(torch.empty(2 * 10**8))"}, {"relu": "error"}),
    "memory_grab_at_load": ({"relu": "import torch\nhog = torch.ones(10**11)\n"
                                     "def relu(x):\n    return x.clamp(min=0)"},
                            {"relu": "missing"}),
    "monkeypatch_libraries": (
        {"sigmoid": HONEST_SIGMOID + (
            "import numpy, pytest, torch.testing\n"
            "torch.allclose = lambda *a, **k: True\n"
            "torch.isclose = lambda a, b, **k: torch.ones_like(a, dtype=torch.bool)\n"
            "torch.testing.assert_close = lambda *a, **k: None\n"
            "numpy.allclose = lambda *a, **k: True\n"
            "pytest.approx = lambda *a, **k: a[0]\n"
            "torch.Tensor.__eq__ = lambda a, b: True\n"),
         "relu": "def relu(x):\n    return x"},
        {"relu": WRONG}),
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    nb = load(ROOT / "source" / "s1_foundations" / "neurons.ipynb")
    notebooks = {name.replace("_", "-"): with_answers(nb, answers)
                 for name, (answers, _) in CASES.items()}
    return grade_notebooks(notebooks, tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_submission(name: str, reports: dict[str, dict]) -> None:
    """Is the damage confined to the exercise it hits, with the right status?"""
    results = by_id(reports[name.replace("_", "-")])
    expected = CASES[name][1]
    for ex, status in expected.items():
        allowed = status if isinstance(status, tuple) else (status,)
        assert results[ex]["status"] in allowed, (ex, results[ex])
        assert results[ex]["score"] < results[ex]["max_score"]
        assert results[ex]["feedback"]
    others = {k: v["status"] for k, v in results.items()
              if k not in expected and v["status"] != "passed"}
    assert not others, others
