"""Known-mistake diagnosis: a wrong answer whose outputs equal a known mistake's is told so in
words; the mistake need not be written like its mutant; a right answer, an unrelated bug or
two mistakes at once are never given a mistake's name; the mistakes' outputs are computed once
per grading process; and diagnosis never changes a score."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import ROOT, by_id, grade_notebooks, load, with_answers

from dlcore import diagnosis

# A mistake written differently from its mutant: other code, the same wrong behaviour.
SDPA_NO_SCALE = """
def scaled_dot_product_attention(q, k, v, mask=None):
    s = torch.einsum("...id,...jd->...ij", q, k)
    if mask is not None:
        s = torch.where(mask, s, torch.tensor(float("-inf"), dtype=s.dtype))
    w = torch.nn.functional.softmax(s, -1)
    return torch.matmul(w, v), w
"""
SDPA_QUERY_AXIS = """
def scaled_dot_product_attention(q, k, v, mask=None):
    s = q.matmul(k.mT) * q.size(-1) ** -0.5
    if mask is not None:
        s = s.masked_fill(mask.logical_not(), -math.inf)
    e = (s - s.amax(dim=-2, keepdim=True)).exp()
    w = e / e.sum(dim=-2, keepdim=True)
    return w.matmul(v), w
"""
ADAM_NO_BIAS_CORRECTION = """
def adam_step(param, grad, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    b1, b2 = betas
    grad = grad + param * weight_decay
    m = grad * (1 - b1) if "exp_avg" not in state else state["exp_avg"] * b1 + grad * (1 - b1)
    v = grad.square() * (1 - b2) if "exp_avg_sq" not in state else \\
        state["exp_avg_sq"] * b2 + grad.square() * (1 - b2)
    new = param - lr * m / (torch.sqrt(v) + eps)
    return new, {"step": state.get("step", 0) + 1, "exp_avg": m, "exp_avg_sq": v}
"""
LSTM_IFOG = """
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    H = h.shape[1]
    z = torch.matmul(x, W_ih.t()) + torch.matmul(h, W_hh.t()) + (b_ih + b_hh)
    i, f = torch.sigmoid(z[:, :H]), torch.sigmoid(z[:, H:2 * H])
    o, g = torch.sigmoid(z[:, 2 * H:3 * H]), torch.tanh(z[:, 3 * H:])
    c2 = f * c + i * g
    return o * torch.tanh(c2), c2
"""
CONV_FLIPPED = """
def conv2d(x, weight, bias=None, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    w = torch.flip(weight, dims=(2, 3))
    kh, kw = w.shape[2], w.shape[3]
    xp = F.pad(x, (pw, pw, ph, ph))
    ho = (xp.shape[2] - kh) // sh + 1
    wo = (xp.shape[3] - kw) // sw + 1
    out = x.new_zeros(x.shape[0], w.shape[0], ho, wo)
    for u in range(kh):
        for v in range(kw):
            patch = xp[:, :, u:u + sh * (ho - 1) + 1:sh, v:v + sw * (wo - 1) + 1:sw]
            out = out + torch.einsum("nchw,oc->nohw", patch, w[:, :, u, v])
    return out if bias is None else out + bias[None, :, None, None]
"""
CE_SUMMED = """
def cross_entropy(logits, targets):
    picked = logits.gather(1, targets.view(-1, 1)).view(-1)
    return (logits.logsumexp(dim=1) - picked).sum()
"""
MASKED_CE_ALL_POSITIONS = """
def masked_cross_entropy(logits, targets, mask):
    nll = logits.logsumexp(-1) - logits.gather(-1, targets[..., None])[..., 0]
    return nll.mean()
"""
COSINE_UNNORMALISED = """
def cosine_similarity(a, b, eps=1e-8):
    return torch.einsum("nd,md->nm", a, b)
"""
REWRITTEN = [  # (notebook, exercise, the mutant whose clause must be named, answer)
    ("s4_nlp_attention/self_attention", "scaled_dot_product_attention", "no_scaling",
     SDPA_NO_SCALE),
    ("s4_nlp_attention/self_attention", "scaled_dot_product_attention",
     "softmax_over_queries", SDPA_QUERY_AXIS),
    ("s1_foundations/optimizers", "adam_step", "no_bias_correction", ADAM_NO_BIAS_CORRECTION),
    ("s3_sequences/lstm_gru", "lstm_cell", "gate_order_ifog", LSTM_IFOG),
    ("s2_cnn/convolution", "conv2d", "flipped_kernel", CONV_FLIPPED),
    ("s1_foundations/mlp_losses", "cross_entropy", "sum_not_mean", CE_SUMMED),
    ("p4_seq2seq/seq2seq_project", "masked_cross_entropy", "mean_over_all_positions",
     MASKED_CE_ALL_POSITIONS),
    ("s4_nlp_attention/embeddings", "cosine_similarity", "not_normalised", COSINE_UNNORMALISED),
]

# Wrong, but none of the course's known mistakes (or two of them at once): never named.
UNRELATED = [
    ("s4_nlp_attention/self_attention", "scaled_dot_product_attention", "output_scaled", """
def scaled_dot_product_attention(q, k, v, mask=None):
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        s = s.masked_fill(~mask, float("-inf"))
    w = torch.softmax(s, dim=-1)
    return 1.5 * (w @ v), w
"""),
    ("s4_nlp_attention/self_attention", "scaled_dot_product_attention", "two_mistakes", """
def scaled_dot_product_attention(q, k, v, mask=None):
    s = q @ k.transpose(-2, -1)
    if mask is not None:
        s = s.masked_fill(~mask, float("-inf"))
    w = torch.softmax(s, dim=-2)
    return w @ v, w
"""),
    ("s1_foundations/optimizers", "adam_step", "fixed_eps", """
def adam_step(param, grad, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    b1, b2 = betas
    g = grad + weight_decay * param
    t = state.get("step", 0) + 1
    m = b1 * state.get("exp_avg", torch.zeros_like(param)) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", torch.zeros_like(param)) + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
    return param - lr * m_hat / (v_hat.sqrt() + 1e-3), {"step": t, "exp_avg": m, "exp_avg_sq": v}
"""),
    ("s3_sequences/lstm_gru", "lstm_cell", "half_input_gate", """
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    i, f, g, o = (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + 0.5 * torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
"""),
    ("s1_foundations/mlp_losses", "cross_entropy", "scaled_mean", """
def cross_entropy(logits, targets):
    rows = torch.arange(logits.shape[0])
    return 1.1 * (torch.logsumexp(logits, dim=1) - logits[rows, targets]).mean()
"""),
    ("p4_seq2seq/seq2seq_project", "masked_cross_entropy", "valid_sum_over_all", """
def masked_cross_entropy(logits, targets, mask):
    nll = logits.logsumexp(-1) - logits.gather(-1, targets[..., None])[..., 0]
    return (nll * mask).sum() / mask.numel()
"""),
    ("p4_seq2seq/seq2seq_project", "masked_cross_entropy", "one_extra_position", """
def masked_cross_entropy(logits, targets, mask):
    nll = -logits.log_softmax(-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    m = mask.to(nll.dtype)
    return (nll * m).sum() / (m.sum() + 1)
"""),
    ("s4_nlp_attention/embeddings", "cosine_similarity", "clipped_at_zero", """
def cosine_similarity(a, b, eps=1e-8):
    a = a / a.norm(dim=1, keepdim=True).clamp(min=eps)
    b = b / b.norm(dim=1, keepdim=True).clamp(min=eps)
    return (a @ b.T).clamp(min=0)
"""),
]

# Right, written unlike the reference: full marks and nothing named.
CORRECT = [
    ("s4_nlp_attention/self_attention", "scaled_dot_product_attention", "einsum", """
def scaled_dot_product_attention(q, k, v, mask=None):
    s = torch.einsum("...id,...jd->...ij", q, k) / q.shape[-1] ** 0.5
    if mask is not None:
        s = torch.where(mask, s, torch.tensor(float("-inf"), dtype=s.dtype))
    w = s.softmax(-1)
    return w @ v, w
"""),
    ("s3_sequences/lstm_gru", "lstm_cell", "slices", """
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    H = h.shape[1]
    z = torch.addmm(b_ih + b_hh, x, W_ih.t()) + h @ W_hh.t()
    c2 = torch.sigmoid(z[:, H:2 * H]) * c + torch.sigmoid(z[:, :H]) * torch.tanh(z[:, 2 * H:3 * H])
    return torch.sigmoid(z[:, 3 * H:]) * torch.tanh(c2), c2
"""),
]


CODE = ("def ", "return ", "import ", "lambda:")  # no clause shows code


def clause(key: str, exercise: str, mutant: str) -> str:
    found = diagnosis.load_mistakes(ROOT / "tests" / "mutants" / f"{key}.py")
    return found[exercise][mutant][1]


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Every submission of this file, graded on its exercise in one `dlcore grade` batch."""
    notebooks, only = {}, {}
    for group, cases in (("rewritten", REWRITTEN), ("unrelated", UNRELATED),
                         ("correct", CORRECT)):
        for key, ex, name, source in cases:
            label = f"{group}__{key.split('/')[1]}__{ex}__{name}"
            notebooks[label] = with_answers(load(ROOT / "source" / f"{key}.ipynb"), {ex: source})
            only[label] = ex
    return grade_notebooks(notebooks, tmp_path_factory.mktemp("diagnosis"), only=only)


@pytest.mark.parametrize("key,ex,mutant,source", REWRITTEN,
                         ids=[f"{c[1]}.{c[2]}" for c in REWRITTEN])
def test_a_mistake_written_differently_is_named(graded: dict, key: str, ex: str, mutant: str,
                                                 source: str) -> None:
    result = by_id(graded[f"rewritten__{key.split('/')[1]}__{ex}__{mutant}"])[ex]
    assert result["score"] < result["max_score"], result
    assert result["feedback"][0] == diagnosis.PREFIX + clause(key, ex, mutant), result


@pytest.mark.parametrize("key,ex,name,source", UNRELATED, ids=[f"{c[1]}.{c[2]}" for c in UNRELATED])
def test_an_unrelated_bug_is_never_named(graded: dict, key: str, ex: str, name: str,
                                         source: str) -> None:
    result = by_id(graded[f"unrelated__{key.split('/')[1]}__{ex}__{name}"])[ex]
    assert result["score"] < result["max_score"], result
    assert not any(line.startswith("known mistake") for line in result["feedback"]), result


@pytest.mark.parametrize("key,ex,name,source", CORRECT, ids=[f"{c[1]}.{c[2]}" for c in CORRECT])
def test_a_right_answer_is_never_named(graded: dict, key: str, ex: str, name: str,
                                       source: str) -> None:
    result = by_id(graded[f"correct__{key.split('/')[1]}__{ex}__{name}"])[ex]
    assert result["score"] == result["max_score"] and not result["feedback"], result


ONE_PROCESS = """
import json, sys
from dlcore import check, diagnosis
from dlcore.sandbox import session

sent = []
real = session.Sandbox.request
def counting(self, message, timeout=None):
    if message[0] in ("variant", "in"):
        sent.append(message[0])
    return real(self, message, timeout)
session.Sandbox.request = counting
out = []
for path in sys.argv[1:]:
    sent.clear()
    report = check.main(path=path, only={"scaled_dot_product_attention"})
    out.append({"requests": len(sent), "score": report.exercises[0].score,
                "feedback": report.exercises[0].feedback, "on": diagnosis.enabled()})
print(json.dumps(out))
"""


def test_the_mistakes_run_once_per_grading_process(tmp_path: Path) -> None:
    """Two students with the same mistake, written differently, graded in one process: the
    second costs the catalogue no request at all.  With diagnosis off the scores and the
    grader's own feedback are the same."""
    key, ex = "s4_nlp_attention/self_attention", "scaled_dot_product_attention"
    mutant = diagnosis.load_mistakes(ROOT / "tests" / "mutants" / f"{key}.py")[ex]["no_scaling"]
    paths = []
    for i, source in enumerate((mutant[0], SDPA_NO_SCALE)):
        paths.append(tmp_path / f"s{i}.ipynb")
        paths[-1].write_text(json.dumps(with_answers(load(ROOT / "source" / f"{key}.ipynb"),
                                                     {ex: source})))

    def run(env: dict[str, str]) -> list[dict]:
        done = subprocess.run([sys.executable, "-c", ONE_PROCESS, *map(str, paths)], cwd=ROOT,
                              capture_output=True, text=True, check=True,
                              env={**os.environ, **env})
        return json.loads(done.stdout.strip().splitlines()[-1])

    first, second = run({"DLCORE_DIAGNOSE": "1"})
    assert first["requests"] > 0 and second["requests"] == 0
    assert first["feedback"][0] == second["feedback"][0] == \
        diagnosis.PREFIX + clause(key, ex, "no_scaling")
    plain = run({"DLCORE_DIAGNOSE": "0"})[1]
    assert not plain["on"] and plain["requests"] == 0
    assert plain["score"] == second["score"] and plain["feedback"] == second["feedback"][1:]


def test_every_clause_is_words_for_a_known_wrong_mutant() -> None:
    """Clauses complete 'this is what happens when ...': one line, no code, and each belongs
    to a wrong mutant that is not a forbidden-call one."""
    files = sorted((ROOT / "tests" / "mutants").glob("*/*.py"))
    described = 0
    for path in files:
        spec = importlib.util.spec_from_file_location(f"clauses_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for ex, named in getattr(module, "MISTAKES", {}).items():
            for name, text in named.items():
                where = f"{path.parent.name}/{path.stem} {ex}.{name}"
                assert name in module.MUTANTS[ex]["wrong"], where
                assert not name.startswith("forbidden"), where
                assert isinstance(text, str) and 0 < len(text) <= 120, where
                assert "\n" not in text and text[0].islower() and not text.endswith("."), where
                assert not any(code in text for code in CODE), where
                described += 1
    assert described >= 700, described


def test_replies_compare_by_value_dtype_and_structure() -> None:
    t = torch.tensor([1.0, 2.0], dtype=torch.float64)
    assert diagnosis.same_value(t, t + 1e-9)
    assert not diagnosis.same_value(t, t + 1e-2)
    assert not diagnosis.same_value(t, t.float())  # the same numbers in another precision
    assert not diagnosis.same_value((t, t), [t, t])
    assert diagnosis.same_value({"a": 1, "b": [2.0]}, {"a": 1, "b": [2.0 + 1e-9]})
    assert not diagnosis.same_value(True, 1)
    assert diagnosis.same_value(float("nan"), float("nan"))
    assert diagnosis.distance(t, t + 0.5) == pytest.approx(0.5)
    assert diagnosis.distance(t, t[:1]) == math.inf
    assert diagnosis.same_reply(("raise", "ValueError", "x", []), ("raise", "ValueError", "y", []))
    assert not diagnosis.same_reply(("ok", 1, ["torch.x"]), ("ok", 1, ["torch.x"]))
