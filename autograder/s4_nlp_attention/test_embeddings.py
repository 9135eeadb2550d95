"""Hidden grader for s4_nlp_attention/embeddings: skip-gram pairs, the noise distribution and
the SGNS loss of Word2Vec, GloVe's co-occurrence matrix, weighting and loss, cosine similarity,
nearest neighbours and 3CosAdd analogies, checkpoint questions.

Every oracle is computed here: brute-force loops over positions (pairs, co-occurrences) and
float64 formulas (the losses, with logaddexp for stability; gradients by autograd on them).
Nothing trains. A wrong answer is compared with variants of the oracle that each make one
classic mistake (a self-pair, the window off by one, contexts out of order, ids compared
instead of positions, the batch summed, the negatives' sign, log 0 kept, an unnormalised
cosine, the query word kept...) on the same inputs, so the feedback names the mistake.
Functions that may call another exercise's function (glove_loss -> glove_weight,
nearest_neighbours/analogy -> cosine_similarity) run with trusted versions of it swapped in."""

import re

import torch

from dlcore.grading import (
    ATOL,
    ATOL_F64,
    RTOL,
    RTOL_F64,
    ForbiddenCall,
    check_tensor,
    exercise,
    fail,
    quote,
    rng,
)
from dlcore.questions import check_answer
from dlcore.untrusted import wire

F64 = torch.float64
# sgns_loss writes -log sigmoid itself.  F.logsigmoid runs aten.log_sigmoid_forward, which its
# name alone does not reach, so the operator is named too.
SGNS_FORBID = ["torch.nn.functional.logsigmoid", "aten.log_sigmoid_forward",
               "torch.nn.LogSigmoid.forward", "torch.nn.functional.softplus",
               "torch.nn.Softplus.forward", "torch.nn.functional.binary_cross_entropy_with_logits",
               "torch.binary_cross_entropy_with_logits", "torch.nn.BCEWithLogitsLoss.forward",
               "torch.nn.functional.binary_cross_entropy", "torch.nn.BCELoss.forward"]
# F.cosine_similarity has no operator of its own (it decomposes into norms, a division and a
# sum): it is caught by name.
COS_FORBID = ["torch.nn.functional.cosine_similarity", "torch.cosine_similarity",
              "torch.nn.CosineSimilarity.__init__", "torch.nn.CosineSimilarity.forward"]
LABELS = {"aten.log_sigmoid_forward": "F.logsigmoid / nn.LogSigmoid (aten.log_sigmoid_forward)"}
STABLE = ("compute -log sigmoid(s) = log(e^0 + e^-s) as torch.logaddexp(0, -s), which never "
          "exponentiates a large positive number")
ZERO = ("at scores of exactly 0 (word2vec's output vectors start at 0) your gradient is 0 where "
        "d/ds[-log sigmoid(s)] = -1/2: autograd gives max(-s, 0) and |s| the subgradient 0 at "
        "s = 0, so max(-s, 0) + log1p(exp(-|s|)) has a zero gradient there and nothing trains; "
        "use torch.logaddexp(0, -s)")


# ---------------------------------------------------------------- calling the submission

def alone(ns, name, calls, mode="call", wrt=()):
    """Sandbox probe: ns[name](*args, **kwargs) for each (args, kwargs) in `calls`, with trusted
    cosine_similarity and glove_weight swapped in (a wrong one never costs another exercise).
    mode "catch": ("ok", result) or ("raised", exception type name) per call; mode "grad": the
    args at positions `wrt` require grad and each call gives {"value", "grads"} or a problem."""
    import torch

    def cosine_similarity(a, b, eps=1e-8):
        a_hat = a / a.norm(dim=1, keepdim=True).clamp(min=eps)
        b_hat = b / b.norm(dim=1, keepdim=True).clamp(min=eps)
        return a_hat @ b_hat.T

    def glove_weight(x, x_max=100.0, alpha=0.75):
        return (x / x_max).clamp(max=1.0) ** alpha

    def gradients(args, kwargs):
        args = [a.detach().clone().requires_grad_() if i in wrt else a
                for i, a in enumerate(args)]
        out = fn(*args, **kwargs)
        if type(out) is not torch.Tensor or out.numel() != 1:
            return {"problem": f"returned {type(out).__name__} "
                               f"{tuple(getattr(out, 'shape', ()))}; expected a 0-dim tensor"}
        if not out.requires_grad:
            return {"problem": "its result carries no gradient (a .item(), .detach(), "
                               "torch.tensor(...) or a no_grad block cuts it off)"}
        grads = torch.autograd.grad(out.sum(), [args[i] for i in wrt], allow_unused=True)
        return {"value": out.detach(), "grads": [None if g is None else g.detach() for g in grads]}

    trusted = {"cosine_similarity": cosine_similarity, "glove_weight": glove_weight}
    fn = ns[name]
    saved = {k: ns[k] for k in trusted if k != name and k in ns}
    ns.update({k: f for k, f in trusted.items() if k != name})
    try:
        results = []
        for args, kwargs in calls:
            if mode == "grad":
                results.append(gradients(args, kwargs))
            elif mode == "catch":
                try:
                    results.append(("ok", fn(*args, **kwargs)))
                except Exception as exc:  # noqa: BLE001
                    results.append(("raised", type(exc).__name__))
            else:
                results.append(fn(*args, **kwargs))
        return results
    finally:
        for k in trusted:
            if k != name:
                ns.pop(k, None)
        ns.update(saved)


def run(student, name, calls, mode="call", wrt=()):
    """The student's results for each (args, kwargs), forbidden operators named as students
    know them."""
    calls = [(tuple(a.clone() if isinstance(a, torch.Tensor) else a for a in args), kwargs)
             for args, kwargs in calls]
    try:
        return student.probe(alone, name, calls, mode, tuple(wrt))
    except ForbiddenCall as exc:
        text = str(exc)
        for op, label in LABELS.items():
            text = re.sub(rf"{re.escape(op)}(?!\w)", label, text)
        raise ForbiddenCall(text) from None


def tolerance(dtype):
    return (RTOL_F64, ATOL_F64) if dtype == F64 else (RTOL, ATOL)


def close(got, want, rtol, atol):
    return (type(got) is torch.Tensor and tuple(got.shape) == tuple(want.shape)
            and got.dtype.is_floating_point
            and torch.allclose(got.double(), want.double(), rtol=rtol, atol=atol, equal_nan=True))


def check_float(got, want, dtype, what, mistakes=(), variant=None, args=()):
    """A float result against the float64 oracle `want`; a known mistake is named where the
    result is what `variant(*args, **options)` gives; dtype kept."""
    rtol, atol = tolerance(dtype)
    if type(got) is not torch.Tensor:
        fail(f"{what} should be a torch.Tensor, got {quote(wire.type_name(got), 40)}")
    if not close(got, want, rtol, atol):
        for feedback, options in mistakes:
            alt = variant(*args, **options)
            if not close(alt, want, RTOL, ATOL) and close(got, alt, RTOL, ATOL):
                fail(f"{what}: {feedback}")
        if dtype == F64 and close(got, want, RTOL, ATOL):
            fail(f"{what} agrees only to float32 precision: compute in the inputs' dtype "
                 "(float64 here)")
    check_tensor(got, want.to(dtype), what, rtol, atol, check_dtype=True)


def check_index_list(got, want, what, mistakes=(), variant=None, args=()):
    """An int64 index tensor (k,) against the oracle's, exactly; a known mistake named."""
    if type(got) is not torch.Tensor:
        fail(f"{what} should be a torch.Tensor of indices, got {quote(wire.type_name(got), 40)}")
    if got.dtype.is_floating_point or got.dtype == torch.bool:
        fail(f"{what} has dtype {got.dtype}: return the indices (int64), e.g. topk(k).indices")
    if tuple(got.shape) == tuple(want.shape) and torch.equal(got.long(), want):
        if got.dtype != torch.int64:
            fail(f"{what} has dtype {got.dtype}; expected torch.int64")
        return
    for feedback, options in mistakes:
        alt = variant(*args, **options)
        if not torch.equal(alt, want) and tuple(got.shape) == tuple(alt.shape) \
                and torch.equal(got.long(), alt):
            fail(f"{what}: {feedback}")
    if tuple(got.shape) != tuple(want.shape):
        fail(f"{what} has shape {tuple(got.shape)}; expected {tuple(want.shape)} (k indices)")
    if sorted(got.tolist()) == sorted(want.tolist()):
        fail(f"{what}: the right words in the wrong order (best first)")
    wrong = int((got.long() != want).sum())
    fail(f"{what}: {wrong} of {want.numel()} indices are wrong")


def draw(g, *shape, scale=1.0, dtype=F64):
    return (scale * torch.randn(*shape, generator=g, dtype=F64)).to(dtype)


# ---------------------------------------------------------------- skipgram_pairs

def pairs_variant(ids, window, *, self_pair=False, left=0, right=0, order="lr", by_id=False,
                  wrap=False, swap=False, full_only=False):
    """Brute-force skip-gram pairs with one mistake switched on; the defaults are right."""
    ids = [int(t) for t in ids]
    n, wl, wr = len(ids), window + left, window + right
    rows = []
    for i in range(n):
        if full_only and (i < window or i + window >= n):
            continue
        lefts, rights = list(range(i - wl, i)), list(range(i + 1, i + wr + 1))
        js = {"lr": lefts + [i] * self_pair + rights, "rl": rights[::-1] + lefts[::-1],
              "right_first": rights + lefts,
              "nearest": [j for d in range(1, max(wl, wr) + 1) for j in (i - d, i + d)
                          if (j < i and d <= wl) or (j > i and d <= wr)]}[order]
        for j in js:
            if j >= n or (j < 0 and not wrap) or (by_id and j != i and ids[j] == ids[i]):
                continue
            rows.append((ids[j], ids[i]) if swap else (ids[i], ids[j]))
    return torch.tensor(rows, dtype=torch.long).reshape(-1, 2)


LEFT_TO_RIGHT = ("list each center's contexts left to right: i - window, ..., i - 1, i + 1, ..., "
                 "i + window")
PAIR_MISTAKES = [
    ("a position is paired with itself: skip j == i (the center is not its own context)",
     {"self_pair": True}),
    ("you compare token ids instead of positions: a context with the same id as the center is "
     "skipped, but the same word at another position is a real context (skip j == i only)",
     {"by_id": True}),
    ("your windows reach window + 1 positions on each side: the contexts are the positions with "
     "0 < |i - j| <= window", {"left": 1, "right": 1}),
    ("your windows reach only window - 1 positions on each side: the contexts are the positions "
     "with 0 < |i - j| <= window", {"left": -1, "right": -1}),
    ("on the right your window stops one short (range(i + 1, i + window) leaves out i + window)",
     {"right": -1}),
    ("on the left your window stops one short (it leaves out i - window)", {"left": -1}),
    ("on the right your window reaches window + 1", {"right": 1}),
    (f"the contexts are listed right to left: {LEFT_TO_RIGHT}", {"order": "rl"}),
    (f"the contexts are listed nearest first (i - 1, i + 1, i - 2, ...): {LEFT_TO_RIGHT}",
     {"order": "nearest"}),
    (f"the right-hand contexts come first: {LEFT_TO_RIGHT}", {"order": "right_first"}),
    ("near the start your window wraps around to the end of the sequence (a negative index such "
     "as ids[i - 2] at i = 0): keep 0 <= j < n", {"wrap": True}),
    ("the columns are swapped: each row is (center, context)", {"swap": True}),
    ("centers near the ends are skipped: they have fewer contexts, but they still count",
     {"full_only": True}),
]


def check_pairs(got, ids, window, what):
    want = pairs_variant(ids, window)
    if type(got) is not torch.Tensor:
        fail(f"{what} should be a torch.Tensor, got {quote(wire.type_name(got), 40)}")
    if got.dtype.is_floating_point or got.dtype.is_complex or got.dtype == torch.bool:
        fail(f"{what} has dtype {got.dtype}; return token ids as int64 (torch.long)")
    if tuple(got.shape) == tuple(want.shape) and torch.equal(got.long(), want):
        if got.dtype != torch.int64:
            fail(f"{what} has dtype {got.dtype}; expected torch.int64 (torch.long)")
        return
    if want.shape[0] == 0:
        fail(f"{what}: there are no pairs here; return shape (0, 2), got {tuple(got.shape)}")
    for feedback, options in PAIR_MISTAKES:
        alt = pairs_variant(ids, window, **options)
        if not torch.equal(alt, want) and tuple(got.shape) == tuple(alt.shape) \
                and torch.equal(got.long(), alt):
            fail(f"{what}: {feedback}")
    if got.dim() != 2 or got.shape[1] != 2:
        fail(f"{what} has shape {tuple(got.shape)}; expected (P, 2) rows of (center, context)")
    if sorted(map(tuple, got.tolist())) == sorted(map(tuple, want.tolist())):
        fail(f"{what}: the right pairs in the wrong order: centers in order of position, and "
             f"{LEFT_TO_RIGHT}")
    if got.shape[0] != want.shape[0]:
        fail(f"{what}: {got.shape[0]} pairs; expected {want.shape[0]}")
    first = int((got.long() != want).any(1).nonzero()[0, 0])
    fail(f"{what}: {int((got.long() != want).any(1).sum())} of {want.shape[0]} rows are wrong, "
         f"the first at row {first}")


def check_pair_cases(student, cases, label):
    results = run(student, "skipgram_pairs", [((ids, w), {}) for ids, w in cases])
    for (ids, w), got in zip(cases, results, strict=True):
        kind = "tensor" if isinstance(ids, torch.Tensor) else "list"
        check_pairs(got, ids.tolist() if kind == "tensor" else ids, w,
                    f"skipgram_pairs({label}, a {kind} of {len(ids)} ids, window={w})")


@exercise("skipgram_pairs", points=1)
def test_skipgram_distinct_ids(student):
    """With all ids different, are the pairs, their count and their order right for windows
    1 to 3?"""
    ids = [7, 3, 9, 1, 4, 8, 2]
    check_pair_cases(student, [(ids, 1), (ids, 2), (ids, 3)], "distinct ids")


@exercise("skipgram_pairs", points=1)
def test_skipgram_repeated_ids(student):
    """Do two positions holding the same id pair up (positions, not values, are excluded)?"""
    ids = torch.tensor([4, 4, 7, 4, 2, 9, 2, 4])
    check_pair_cases(student, [(ids, 2), (ids, 3)], "repeated ids")


@exercise("skipgram_pairs", points=1)
def test_skipgram_edges(student):
    """Empty and one-token sequences give shape (0, 2) int64, a window longer than the sequence
    takes all of it, and window < 1 raises ValueError?"""
    cases = [([], 2), (torch.tensor([], dtype=torch.long), 1), ([5], 3), ([3, 1, 2], 5),
             (torch.tensor([6, 0, 6]), 9)]
    check_pair_cases(student, cases, "edge case")
    for w in (0, -2):
        status, got = run(student, "skipgram_pairs", [(([1, 2, 3], w), {})], mode="catch")[0]
        if status == "ok" or got != "ValueError":
            did = "returned a result" if status == "ok" else f"raised {quote(got, 40)}"
            fail(f"skipgram_pairs([1, 2, 3], window={w}) {did}; a window < 1 should raise "
                 "ValueError")


@exercise("skipgram_pairs", points=1)
def test_skipgram_random(student):
    """On random sequences (ids repeat, several lengths and windows, int64 and int32 tensors and
    lists)?"""
    g = rng(0)
    cases = []
    for n, w, as_tensor in ((9, 2, False), (17, 4, True), (23, 1, True), (12, 3, False)):
        ids = torch.randint(0, 6, (n,), generator=g)                        # (n,)
        cases.append((ids if as_tensor else ids.tolist(), w))
    cases.append((torch.randint(0, 5, (11,), generator=g, dtype=torch.int32), 2))
    check_pair_cases(student, cases, "random")


# ---------------------------------------------------------------- noise_distribution

def noise_variant(counts, power=0.75, *, raise_first=True, normalise=True, use_power=True,
                  invert=False, fixed=False):
    c = counts.double()
    p = 0.75 if fixed else power
    p = 1.0 / p if invert else p
    if not use_power:
        p = 1.0
    if not raise_first:
        return (c / c.sum()) ** p
    w = c ** p
    return w / w.sum() if normalise else w


NOISE_MISTAKES = [
    ("the power is not applied: P_n = count^power / sum count^power (power 1 would be the "
     "unigram distribution)", {"use_power": False}),
    ("the result is not normalised: divide count^power by its sum", {"normalise": False}),
    ("you raise the normalised probabilities to the power, which no longer sum to 1: raise the "
     "counts first, then normalise", {"raise_first": False}),
    ("the exponent is 1 / power; it is power (0.75 by default)", {"invert": True}),
    ("the power argument is ignored (0.75 hard-coded?)", {"fixed": True}),
]


def check_noise(student, cases, label):
    results = run(student, "noise_distribution", [((c,), kw) for c, kw in cases])
    for (counts, kw), got in zip(cases, results, strict=True):
        power = kw.get("power", 0.75)
        dtype = counts.dtype if counts.is_floating_point() else torch.float32
        if not counts.is_floating_point() and type(got) is torch.Tensor and got.dtype == F64:
            dtype = F64  # integer counts: float32 (the default dtype) or float64 will do
        what = (f"noise_distribution({label} counts {counts.dtype} (V={counts.numel()}), "
                f"power={power})")
        check_float(got, noise_variant(counts, power), dtype, what, NOISE_MISTAKES,
                    noise_variant, (counts, power))


@exercise("noise_distribution", points=1)
def test_noise_float_counts(student):
    """count^power / sum for float64 counts, with the default power and powers 0.5 and 1
    given, dtype kept?"""
    g = rng(10)
    counts = (1000 * torch.rand(11, generator=g, dtype=F64) ** 4).round() + 1   # (11,)
    check_noise(student, [(counts, {}), (counts, {"power": 0.5}), (counts, {"power": 1.0})],
                "float")


@exercise("noise_distribution", points=1)
def test_noise_integer_counts(student):
    """Integer counts (zeros and counts up to a million) give a float distribution with
    probability 0 for a count of 0?"""
    counts = torch.tensor([120, 0, 7, 1_000_000, 3, 0, 45_000, 1])                 # (8,)
    small = torch.tensor([5, 2, 9], dtype=torch.int32)                               # (3,)
    check_noise(student, [(counts, {}), (small, {"power": 0.6})], "integer")


# ---------------------------------------------------------------- sgns_loss

def neg_log_sigmoid(x):
    return torch.logaddexp(torch.zeros_like(x), -x)


def sgns_variant(v, u, n, *, batch="mean", negs="sum", neg_sign=1, pos_sign=1, pos=True,
                 neg=True, neg_against="center", avg_terms=False):
    """The SGNS loss in float64 with one mistake switched on; the defaults are right."""
    v, u, n = v.double(), u.double(), n.double()
    s_pos = (u * v).sum(-1)                                                     # (B,)
    s_neg = torch.einsum("bkd,bd->bk", n, v if neg_against == "center" else u)  # (B, K)
    pos_term = neg_log_sigmoid(pos_sign * s_pos)                                # (B,)
    neg_terms = neg_log_sigmoid(-neg_sign * s_neg)                              # (B, K)
    neg_term = neg_terms.sum(-1) if negs == "sum" else neg_terms.mean(-1)       # (B,)
    total = pos_term * pos + neg_term * neg                                     # (B,)
    if avg_terms:
        total = total / (1 + n.shape[1])
    return total.mean() if batch == "mean" else total.sum()


SGNS_MISTAKES = [
    ("the loss is summed over the batch: return the mean over the B pairs", {"batch": "sum"}),
    ("the K negative terms are averaged: sum them, -sum_k log sigmoid(-u_k . v_c)",
     {"negs": "mean"}),
    ("you average the 1 + K terms of each pair: sum them", {"avg_terms": True}),
    ("the negatives use log sigmoid(u_k . v_c): they need log sigmoid(-u_k . v_c), which pushes "
     "their scores down", {"neg_sign": -1}),
    ("the true context uses log sigmoid(-u_o . v_c): it needs log sigmoid(u_o . v_c)",
     {"pos_sign": -1}),
    ("the positive term -log sigmoid(u_o . v_c) is missing", {"pos": False}),
    ("the negative term -sum_k log sigmoid(-u_k . v_c) is missing", {"neg": False}),
    ("the negatives are scored against the context vector u_o: score them against the center "
     "v_c", {"neg_against": "context"}),
]


def sgns_case(seed, B, D, K, dtype=F64, scale=0.7):
    g = rng(seed)
    return (draw(g, B, D, scale=scale, dtype=dtype), draw(g, B, D, scale=scale, dtype=dtype),
            draw(g, B, K, D, scale=scale, dtype=dtype))


def check_sgns(student, cases, label, hint=""):
    results = run(student, "sgns_loss", [(c, {}) for c in cases])
    for case, got in zip(cases, results, strict=True):
        v, _, n = case
        (B, D), K = v.shape, n.shape[1]
        what = f"sgns_loss({label}, B={B}, D={D}, K={K}, {v.dtype})"
        if type(got) is torch.Tensor and got.dim() != 0:
            fail(f"{what} has shape {tuple(got.shape)}: return a 0-dim tensor, the mean over "
                 "the batch")
        want = sgns_variant(*case)
        if type(got) is torch.Tensor and got.is_floating_point() \
                and not torch.isfinite(got).all() and torch.isfinite(want):
            fail(f"{what} is NaN/inf{hint}")
        check_float(got, want, v.dtype, what, SGNS_MISTAKES, sgns_variant, case)


@exercise("sgns_loss", points=1, forbid=SGNS_FORBID)
def test_sgns_random(student):
    """mean_b[-log s(u_o.v_c) - sum_k log s(-u_k.v_c)] on random float64 batches (B, D, K all
    different) and in float32?"""
    check_sgns(student, [sgns_case(20, 5, 4, 3), sgns_case(21, 2, 7, 6),
                         sgns_case(22, 6, 3, 4, dtype=torch.float32)], "random")


@exercise("sgns_loss", points=1, forbid=SGNS_FORBID)
def test_sgns_terms_isolated(student):
    """With the negatives at 0 (their term is K log 2) and then the context at 0 (its term is
    log 2), is each of the two terms right on its own?"""
    v, u, n = sgns_case(23, 4, 5, 3, scale=1.5)
    check_sgns(student, [(v, u, torch.zeros_like(n))], "negatives = 0, so only the positive "
               "term -log s(u_o . v_c) varies")
    check_sgns(student, [(v, torch.zeros_like(u), n)], "context = 0, so only the negative "
               "terms -log s(-u_k . v_c) vary")


def extreme_case(seed, B, D, K, dtype):
    """Scores u . v of magnitude 40 to 120, both signs: v_c = 10 e_b, u = (s / 10) e_b."""
    g = rng(seed)
    e = torch.nn.functional.normalize(torch.randn(B, D, generator=g, dtype=F64), dim=1)  # (B, D)
    sign = lambda *s: torch.where(torch.rand(*s, generator=g) < 0.5, -1.0, 1.0).double()  # noqa: E731
    s_pos = sign(B) * (40 + 80 * torch.rand(B, generator=g, dtype=F64))          # (B,)
    s_neg = sign(B, K) * (40 + 80 * torch.rand(B, K, generator=g, dtype=F64))    # (B, K)
    v = 10 * e                                                                   # (B, D)
    u = s_pos[:, None] / 10 * e                                                  # (B, D)
    n = s_neg[..., None] / 10 * e[:, None]                                       # (B, K, D)
    return v.to(dtype), u.to(dtype), n.to(dtype)


@exercise("sgns_loss", points=1, forbid=SGNS_FORBID)
def test_sgns_stable(student):
    """Finite and right for scores of magnitude 40 to 120 of both signs, in float32 and
    float64?"""
    hint = (f" for scores u . v of magnitude 40 to 120: log(sigmoid(s)) underflows and "
            f"log(1 - sigmoid(s)) or log1p(exp(-s)) overflow; {STABLE}")
    check_sgns(student, [extreme_case(24, 5, 4, 3, torch.float32),
                         extreme_case(25, 3, 6, 2, F64)], "scores of magnitude 40-120", hint)


@exercise("sgns_loss", points=1, forbid=SGNS_FORBID)
def test_sgns_gradient(student):
    """Do the gradients w.r.t. center, context and negatives match the formula's (training
    needs them), at random scores, at scores of magnitude 40 to 120, and at scores of exactly
    0 (where word2vec starts)?"""
    v, u, n = sgns_case(28, 3, 4, 2)
    cases = [sgns_case(26, 4, 5, 3), extreme_case(27, 3, 4, 2, F64),
             (v, torch.zeros_like(u), torch.zeros_like(n))]
    results = run(student, "sgns_loss", [(c, {}) for c in cases], mode="grad", wrt=(0, 1, 2))
    labels = ("random scores", "scores of magnitude 40-120", "context and negatives = 0")
    zero = results[2]
    if "grads" in zero and all(torch.is_tensor(g) and g.is_floating_point() for g in
                               zero["grads"][1:]) and all(
            float(g.abs().max()) < 1e-12 for g in zero["grads"][1:]):
        fail(f"sgns_loss (B=3, K=2, context and negatives = 0): {ZERO}")
    for label, case, got in zip(labels, cases, results, strict=True):
        check_gradients(got, case, sgns_variant, ("center", "context", "negatives"),
                        f"sgns_loss ({label}, B={case[0].shape[0]}, K={case[2].shape[1]})",
                        f": {STABLE}")


def check_gradients(got, case, oracle, names, what, nan_hint=""):
    if "problem" in got:
        fail(f"{what}: {got['problem']}")
    inputs = [a.detach().double().requires_grad_() for a in case]
    want = torch.autograd.grad(oracle(*inputs), inputs)
    for name, g, e in zip(names, got["grads"], want, strict=True):
        if g is None or not torch.is_tensor(g):
            fail(f"{what}: no gradient reaches {name} (is it used through autograd?)")
        if g.is_floating_point() and not torch.isfinite(g).all():
            fail(f"{what}: the gradient w.r.t. {name} contains NaN/inf{nan_hint}")
        check_tensor(g, e.to(g.dtype), f"{what}: the gradient w.r.t. {name}",
                     *tolerance(case[0].dtype))


# ---------------------------------------------------------------- cooccurrence

def cooc_variant(ids, V, window, *, weight="inv", sides="both", delta=0, by_id=False):
    """Brute-force co-occurrence matrix with one mistake switched on; the defaults are right."""
    ids = [int(t) for t in ids]
    X = torch.zeros(V, V, dtype=F64)
    for i, a in enumerate(ids):
        for j, c in enumerate(ids):
            d = abs(i - j)
            if d == 0 or d > window + delta or (by_id and a == c):
                continue
            if (sides == "right" and j < i) or (sides == "left" and j > i):
                continue
            w = {"inv": 1.0 / d, "one": 1.0, "int": float(1 // d)}[weight]
            X[a, c] += 2 * w if sides == "double" else w
    return X


COOC_MISTAKES = [
    ("every co-occurrence counts 1: weight it by 1/d, d = |i - j|", {"weight": "one"}),
    ("the weights 1 // d are integer divisions (0 beyond d = 1): use 1.0 / d", {"weight": "int"}),
    ("only the contexts to the right are counted: the window is symmetric, so X[a, b] and "
     "X[b, a] both get 1/d (X = X^T)", {"sides": "right"}),
    ("only the contexts to the left are counted: the window is symmetric, so X[a, b] and "
     "X[b, a] both get 1/d (X = X^T)", {"sides": "left"}),
    ("every co-occurrence is counted twice: each ordered pair of positions adds 1/d once",
     {"sides": "double"}),
    ("your window reaches window + 1: pairs with 0 < |i - j| <= window", {"delta": 1}),
    ("your window reaches only window - 1: pairs with 0 < |i - j| <= window", {"delta": -1}),
    ("you skip pairs of equal token ids: two occurrences of a word at different positions add "
     "1/d to the diagonal X[a, a]", {"by_id": True}),
]


def check_cooc(student, cases, label):
    results = run(student, "cooccurrence", [((ids, V, w), {}) for ids, V, w in cases])
    for (ids, V, w), got in zip(cases, results, strict=True):
        lst = ids.tolist() if isinstance(ids, torch.Tensor) else ids
        kind = "tensor" if isinstance(ids, torch.Tensor) else "list"
        what = f"cooccurrence({label}, a {kind} of {len(lst)} ids, V={V}, window={w})"
        want = cooc_variant(lst, V, w)
        if type(got) is torch.Tensor and not got.is_floating_point() \
                and not got.is_complex() and got.dtype != torch.bool:
            fail(f"{what} has dtype {got.dtype}: the weights 1/d need a floating-point X")
        # the default dtype, float32, or float64
        dtype = F64 if type(got) is torch.Tensor and got.dtype == F64 else torch.float32
        check_float(got, want, dtype, what, COOC_MISTAKES, cooc_variant, (lst, V, w))


@exercise("cooccurrence", points=1)
def test_cooc_distinct_ids(student):
    """With distinct ids (and ids that never occur), 1/d weights, a symmetric window of 1 and
    3?"""
    ids = [2, 7, 0, 5, 3, 8]
    check_cooc(student, [(ids, 9, 1), (ids, 9, 3)], "distinct ids")


@exercise("cooccurrence", points=1)
def test_cooc_repeated_ids(student):
    """Do equal ids at different positions add 1/d to the diagonal?"""
    ids = torch.tensor([1, 3, 1, 1, 0, 3, 2, 1])
    check_cooc(student, [(ids, 5, 2), (ids, 5, 4)], "repeated ids")


@exercise("cooccurrence", points=1)
def test_cooc_edges_random(student):
    """No tokens or one token give zeros, a window longer than the sequence takes all of it,
    random sequences match, and window < 1 raises ValueError?"""
    g = rng(30)
    cases = [([], 3, 2), ([4], 6, 2), ([0, 2, 1], 4, 7),
             (torch.randint(0, 6, (15,), generator=g), 6, 3),
             (torch.randint(0, 4, (20,), generator=g).tolist(), 7, 5)]
    check_cooc(student, cases, "edge/random")
    status, got = run(student, "cooccurrence", [(([1, 2, 3], 4, 0), {})], mode="catch")[0]
    if status == "ok" or got != "ValueError":
        did = "returned a result" if status == "ok" else f"raised {quote(got, 40)}"
        fail(f"cooccurrence([1, 2, 3], 4, window=0) {did}; a window < 1 should raise ValueError")


# ---------------------------------------------------------------- glove_weight

def weight_variant(x, x_max=100.0, alpha=0.75, *, cap=True, form="ratio", fixed=False):
    x = x.double()
    if fixed:
        x_max, alpha = 100.0, 0.75
    f = {"ratio": (x / x_max) ** alpha, "pow_first": x ** alpha / x_max,
         "inv_alpha": (x / x_max) ** (1 / alpha)}[form]
    return torch.where(x < x_max, f, torch.ones_like(f)) if cap else f


WEIGHT_MISTAKES = [
    ("f is not capped: f(x) = 1 for x >= x_max", {"cap": False}),
    ("f = x^alpha / x_max; it is (x / x_max)^alpha", {"form": "pow_first"}),
    ("the exponent is 1 / alpha; it is alpha", {"form": "inv_alpha"}),
    ("x_max and alpha are ignored (hard-coded 100 and 0.75?): use the arguments",
     {"fixed": True}),
]


def check_weight(student, cases, label):
    results = run(student, "glove_weight", [((x,), kw) for x, kw in cases])
    for (x, kw), got in zip(cases, results, strict=True):
        what = f"glove_weight({label} x {tuple(x.shape)} {x.dtype}, {kw or 'default arguments'})"
        args = (x, kw.get("x_max", 100.0), kw.get("alpha", 0.75))
        check_float(got, weight_variant(*args), x.dtype, what, WEIGHT_MISTAKES, weight_variant,
                    args)


def glove_counts(g, *shape, top=300.0, dtype=F64):
    """Counts in [0, top] with exact zeros and the value x_max = 100 itself."""
    x = top * torch.rand(*shape, generator=g, dtype=F64) ** 2
    x = torch.where(torch.rand(*shape, generator=g) < 0.25, torch.zeros_like(x), x)
    x.view(-1)[1] = 100.0
    return x.to(dtype)


@exercise("glove_weight", points=1)
def test_glove_weight_default(student):
    """f(x) = (x / 100)^0.75 below 100 and 1 from 100 on (0 at 0), in float64 and float32?"""
    g = rng(40)
    check_weight(student, [(glove_counts(g, 3, 5), {}),
                           (glove_counts(g, 4, 2, dtype=torch.float32), {})], "")


@exercise("glove_weight", points=1)
def test_glove_weight_arguments(student):
    """Are x_max and alpha used (x_max = 10, alpha = 0.5; x_max = 3.5, alpha = 1)?"""
    g = rng(41)
    check_weight(student, [(glove_counts(g, 2, 3, 4, top=30.0), {"x_max": 10.0, "alpha": 0.5}),
                           (glove_counts(g, 7, top=8.0), {"x_max": 3.5, "alpha": 1.0})], "")


# ---------------------------------------------------------------- glove_loss

def loss_variant(W, Wt, b, bt, X, x_max=100.0, alpha=0.75, *, reduce="sum", transpose_X=False,
                 swap_W=False, bias="ij", weight=True, log="log", pass_args=True):
    """GloVe's J in float64 with one mistake switched on; the defaults are right."""
    W, Wt, b, bt, X = (t.double() for t in (W, Wt, b, bt, X))
    if transpose_X:
        X = X.T
    mask = X > 0                                                                  # (V, V)
    x = X[mask]                                                                   # (N,)
    dots = (Wt @ W.T) if swap_W else (W @ Wt.T)                                   # (V, V)
    biases = {"ij": b[:, None] + bt[None, :], "ji": bt[:, None] + b[None, :],
              "no_b": bt[None, :].expand_as(dots), "no_bt": b[:, None].expand_as(dots)}[bias]
    target = torch.log(x) if log == "log" else torch.log1p(x)                     # (N,)
    f = weight_variant(x, x_max, alpha) if pass_args else weight_variant(x)       # (N,)
    terms = (f if weight else 1.0) * ((dots + biases)[mask] - target) ** 2        # (N,)
    return {"sum": terms.sum(), "mean_nz": terms.mean(),
            "mean_all": terms.sum() / X.numel()}[reduce]


LOSS_MISTAKES = [
    ("you average over the nonzero entries: J is their sum", {"reduce": "mean_nz"}),
    ("you average over all V^2 entries: J is the sum over the nonzero entries",
     {"reduce": "mean_all"}),
    ("X is read transposed (X_ji): row i of X goes with w_i = W[i] and b_i, column j with "
     "w~_j = W_tilde[j] and b~_j", {"transpose_X": True}),
    ("W and W_tilde are swapped in the dot product: w_i = W[i] (rows of X), w~_j = W_tilde[j] "
     "(columns)", {"swap_W": True}),
    ("the biases are swapped: b_i = b[i] for the row, b~_j = b_tilde[j] for the column",
     {"bias": "ji"}),
    ("the bias b_i is missing", {"bias": "no_b"}),
    ("the bias b~_j is missing", {"bias": "no_bt"}),
    ("the weighting f(X_ij) is missing", {"weight": False}),
    ("the target is log(1 + X_ij); GloVe fits log X_ij (the zeros are left out instead)",
     {"log": "log1p"}),
    ("x_max and alpha are not used (are they passed on to glove_weight?)", {"pass_args": False}),
]
LOG0 = ("the zero entries of X must be left out before the log (log 0 = -inf, and "
        "f(0) * inf = NaN): select them with X.nonzero() or X > 0 first")


def glove_case(seed, V, D, dtype=F64, zero_row=False):
    """(W, W_tilde, b, b_tilde, X) with an asymmetric X, about half zeros, counts up to 150."""
    g = rng(seed)
    W, Wt = draw(g, V, D, scale=0.5), draw(g, V, D, scale=0.5)                 # (V, D) each
    b, bt = draw(g, V, scale=0.5), draw(g, V, scale=0.5)                       # (V,) each
    X = 150 * torch.rand(V, V, generator=g, dtype=F64) ** 2 + 0.05            # (V, V)
    X = torch.where(torch.rand(V, V, generator=g) < 0.5, torch.zeros_like(X), X)
    if zero_row:
        X[1], X[:, 2] = 0, 0
    return tuple(t.to(dtype) for t in (W, Wt, b, bt, X))


def check_glove_loss(student, cases, label):
    results = run(student, "glove_loss", [(c, kw) for c, kw in cases])
    for (case, kw), got in zip(cases, results, strict=True):
        V, D = case[0].shape
        what = f"glove_loss({label}, V={V}, D={D}, {case[0].dtype}, {kw or 'default x_max, alpha'})"
        if type(got) is torch.Tensor and got.dim() != 0:
            fail(f"{what} has shape {tuple(got.shape)}: return a 0-dim tensor, the sum J")
        if type(got) is torch.Tensor and got.is_floating_point() and not torch.isfinite(got):
            fail(f"{what} is NaN/inf: {LOG0}")
        args = (*case, kw.get("x_max", 100.0), kw.get("alpha", 0.75))
        check_float(got, loss_variant(*args), case[0].dtype, what, LOSS_MISTAKES, loss_variant,
                    args)


@exercise("glove_loss", points=1)
def test_glove_loss_values(student):
    """J on random problems with an asymmetric X (half zeros, counts straddling x_max), default
    x_max and alpha?"""
    check_glove_loss(student, [(glove_case(50, 7, 4), {}), (glove_case(51, 5, 3), {})],
                     "random")


@exercise("glove_loss", points=1)
def test_glove_loss_arguments(student):
    """With x_max = 5 and alpha = 0.5, in float32, and a word that never co-occurs?"""
    check_glove_loss(student, [(glove_case(52, 6, 4, zero_row=True), {"x_max": 5.0, "alpha": 0.5}),
                               (glove_case(53, 4, 5, dtype=torch.float32), {"x_max": 20.0})],
                     "other arguments")


@exercise("glove_loss", points=1)
def test_glove_loss_gradient(student):
    """Are the gradients w.r.t. W, W_tilde, b and b_tilde right, and finite although X has
    zeros?"""
    case = glove_case(54, 6, 3)
    got = run(student, "glove_loss", [(case, {"x_max": 40.0})], mode="grad", wrt=(0, 1, 2, 3))[0]

    def oracle(W, Wt, b, bt):
        return loss_variant(W, Wt, b, bt, case[4], 40.0)

    nan = ("; torch.where(X > 0, ..., 0) still differentiates log 0 in the discarded branch "
           "(0 * inf = NaN): index the nonzero entries first")
    check_gradients(got, case[:4], oracle, ("W", "W_tilde", "b", "b_tilde"),
                    "glove_loss (V=6, D=3, x_max=40)", nan)


# ---------------------------------------------------------------- cosine_similarity

def cos_variant(a, b, eps=1e-8, *, norm_a=True, norm_b=True, power=1, dim=1):
    a, b = a.double(), b.double()
    if norm_a:
        a = a / a.norm(dim=dim, keepdim=True).clamp(min=eps) ** power
    if norm_b:
        b = b / b.norm(dim=dim, keepdim=True).clamp(min=eps) ** power
    return a @ b.T


COS_MISTAKES = [
    ("not normalised: divide a_i . b_j by ||a_i|| ||b_j||", {"norm_a": False, "norm_b": False}),
    ("only a is normalised: divide by ||b_j|| too", {"norm_b": False}),
    ("only b is normalised: divide by ||a_i|| too", {"norm_a": False}),
    ("divided by the squared norms: divide by ||a_i|| ||b_j||", {"power": 2}),
    ("normalised along the wrong axis (dim=0, the features): normalise each row (dim=1)",
     {"dim": 0}),
]


def scaled_rows(g, n, d, dtype=F64):
    """Rows of very different lengths (0.1 to 10), where a missing normalisation shows."""
    return (draw(g, n, d) * 10 ** (2 * torch.rand(n, 1, generator=g, dtype=F64) - 1)).to(dtype)


def check_cos(student, cases, label):
    results = run(student, "cosine_similarity", [(c, {}) for c in cases])
    for (a, b), got in zip(cases, results, strict=True):
        what = f"cosine_similarity({label}, a {tuple(a.shape)}, b {tuple(b.shape)}, {a.dtype})"
        want = cos_variant(a, b)
        if type(got) is torch.Tensor and tuple(got.shape) == (b.shape[0], a.shape[0]) \
                and a.shape[0] != b.shape[0]:
            fail(f"{what} has shape {tuple(got.shape)} = (M, N): S[i, j] = cos(a_i, b_j) is (N, M)")
        if type(got) is torch.Tensor and got.is_floating_point() \
                and not torch.isfinite(got).all():
            fail(f"{what} contains NaN/inf: clamp each norm at eps, so a zero row gives 0")
        check_float(got, want, a.dtype, what, COS_MISTAKES, cos_variant, (a, b))


@exercise("cosine_similarity", points=1, forbid=COS_FORBID)
def test_cosine_random(student):
    """Every pair's cosine for rows of very different lengths, N != M != D?"""
    g = rng(60)
    check_cos(student, [(scaled_rows(g, 4, 5), scaled_rows(g, 6, 5)),
                        (scaled_rows(g, 7, 2), scaled_rows(g, 3, 2))], "random")


@exercise("cosine_similarity", points=1, forbid=COS_FORBID)
def test_cosine_zero_rows_and_float32(student):
    """A zero row gives similarity 0 (not NaN), cos(a, a) has a unit diagonal, and float32 is
    kept?"""
    g = rng(61)
    a, b = scaled_rows(g, 5, 3), scaled_rows(g, 4, 3)
    a[2], b[0] = 0, 0
    c = scaled_rows(g, 6, 4, dtype=torch.float32)
    check_cos(student, [(a, b), (c, c), (c[:2], scaled_rows(g, 3, 4, dtype=torch.float32))],
              "zero rows / float32")


# ---------------------------------------------------------------- nearest_neighbours

def nn_variant(E, idx, k, *, score="cos", keep_self=False, ascending=False, drop_parallel=False):
    E = E.double()
    s = {"cos": cos_variant(E[idx:idx + 1], E)[0], "dot": E @ E[idx],
         "euclid": -(E - E[idx]).norm(dim=1)}[score]                              # (V,)
    s = -s if ascending else s
    if not keep_self:
        s[idx] = float("-inf")
    if drop_parallel:
        s[cos_variant(E[idx:idx + 1], E)[0] > 1 - 1e-9] = float("-inf")
    return s.topk(k).indices


NN_MISTAKES = [
    ("the word itself is among its neighbours: exclude idx (set its similarity to -inf)",
     {"keep_self": True}),
    ("ranked by dot product, where long (frequent) vectors win: rank by cosine similarity",
     {"score": "dot"}),
    ("ranked by Euclidean distance: rank by cosine similarity (the angle, not the length)",
     {"score": "euclid"}),
    ("least similar first: return the most similar first", {"ascending": True}),
    ("a word parallel to the query (similarity 1) is left out: exclude the index idx only, "
     "not every word with similarity 1", {"drop_parallel": True}),
]


def check_nn(student, E, queries, label):
    results = run(student, "nearest_neighbours", [((E, i, k), {}) for i, k in queries])
    for (i, k), got in zip(queries, results, strict=True):
        what = f"nearest_neighbours({label} E {tuple(E.shape)}, idx={i}, k={k})"
        check_index_list(got, nn_variant(E, i, k), what, NN_MISTAKES, nn_variant, (E, i, k))


@exercise("nearest_neighbours", points=1)
def test_nn_random_table(student):
    """On a table whose rows have very different lengths, the k most similar by cosine, best
    first, the word itself excluded?"""
    E = scaled_rows(rng(70), 12, 4)
    check_nn(student, E, [(0, 3), (5, 5), (11, 1), (7, 11)], "random")


@exercise("nearest_neighbours", points=1)
def test_nn_parallel_word(student):
    """Is a word whose vector is a multiple of the query's (similarity 1) its first neighbour,
    the query itself excluded by index, in float32 too?"""
    E = scaled_rows(rng(71), 9, 3)
    E[6] = 3.0 * E[2]
    check_nn(student, E, [(2, 4)], "a word parallel to the query,")
    check_nn(student, E.float(), [(6, 2), (4, 3)], "float32,")


# ---------------------------------------------------------------- analogy

def analogy_variant(E, a, b, c, k=1, *, target="unit", signs=(-1, 1, 1), score="cos",
                    exclude=True):
    E = E.double()
    U = E / E.norm(dim=1, keepdim=True) if target == "unit" else E                # (V, D)
    t = signs[0] * U[a] + signs[1] * U[b] + signs[2] * U[c]                      # (D,)
    s = cos_variant(t[None], E)[0] if score == "cos" else E @ t                  # (V,)
    if exclude:
        s[[a, b, c]] = float("-inf")
    return s.topk(k).indices


ANALOGY_MISTAKES = [
    ("a, b and c are not excluded: the target is usually closest to b or c themselves",
     {"exclude": False}),
    ("the target uses the raw vectors E_b - E_a + E_c: normalise each of them first "
     "(Ê = E / ||E||), so a long vector does not dominate", {"target": "raw"}),
    ("the offset goes the wrong way (a - b + c): the target is Ê_b - Ê_a + Ê_c",
     {"signs": (1, -1, 1)}),
    ("a and c are swapped (Ê_b - Ê_c + Ê_a): for a : b :: c : ? the target is Ê_b - Ê_a + Ê_c",
     {"signs": (1, 1, -1)}),
    ("the candidates are ranked by dot product with the target, where long vectors win: rank "
     "by cosine similarity", {"score": "dot"}),
]


def check_analogy(student, E, questions, label):
    results = run(student, "analogy", [((E, a, b, c, k), {}) for a, b, c, k in questions])
    for (a, b, c, k), got in zip(questions, results, strict=True):
        what = f"analogy({label} E {tuple(E.shape)}, a={a}, b={b}, c={c}, k={k})"
        check_index_list(got, analogy_variant(E, a, b, c, k), what, ANALOGY_MISTAKES,
                         analogy_variant, (E, a, b, c, k))


@exercise("analogy", points=1)
def test_analogy_random_top1(student):
    """The best answer d not in {a, b, c} by cos(E_d, Ê_b - Ê_a + Ê_c), on a table with rows
    of very different lengths?"""
    E = scaled_rows(rng(80), 14, 5)
    check_analogy(student, E, [(0, 1, 2, 1), (3, 7, 5, 1), (9, 4, 13, 1), (6, 11, 8, 1)],
                  "random")


@exercise("analogy", points=1)
def test_analogy_random_topk(student):
    """The k best answers, best first, for k = 3 and 6?"""
    E = scaled_rows(rng(81), 16, 6)
    check_analogy(student, E, [(2, 10, 4, 3), (15, 0, 7, 6), (5, 12, 1, 4)], "random")


@exercise("analogy", points=1)
def test_analogy_designed(student):
    """man : king :: woman : ? on a hand-built table with a frequent (long) word, where not
    normalising, keeping b or c, or the wrong sign each give another answer?"""
    #                 royal gender  fruit  other
    E = torch.tensor([[0.1, 1.0, 0.0, 0.2],     # 0 man
                      [1.0, 1.0, 0.1, 0.0],     # 1 king
                      [0.1, -1.0, 0.0, 0.3],    # 2 woman (close to the target itself)
                      [0.9, -1.1, 0.2, 0.1],    # 3 queen
                      [9.0, 0.5, 3.0, 6.0],     # 4 the (frequent: a long vector)
                      [0.2, 0.0, 1.0, 0.1],     # 5 apple
                      [-1.0, 0.8, 0.1, 0.0],    # 6 peasant
                      [0.2, -0.9, 0.0, 1.5]],   # 7 girl
                     dtype=F64)
    check_analogy(student, E, [(0, 1, 2, 1), (0, 1, 2, 3), (2, 3, 0, 2), (1, 0, 3, 1)],
                  "hand-built")


# ---------------------------------------------------------------- checkpoint questions

@exercise("q_pairs_count", points=1)
def test_q_pairs_count(student):
    """How many skip-gram pairs do 10 distinct tokens give with window 3?"""
    check_answer(student.value("q_pairs_count"), "q_pairs_count", "000e81fee6c4c5ac7f06",
                 digits=0)


@exercise("q_unigram_power", points=1)
def test_q_unigram_power(student):
    """What does the power 3/4 do to the noise distribution?"""
    check_answer(student.value("q_unigram_power"), "q_unigram_power", "8d4189bfdf7e9acdaac7")


@exercise("q_analogy_exclude", points=1)
def test_q_analogy_exclude(student):
    """Why are a, b and c excluded in 3CosAdd?"""
    check_answer(student.value("q_analogy_exclude"), "q_analogy_exclude",
                 "e58ff831287551eedffe")


@exercise("q_glove_zeros", points=1)
def test_q_glove_zeros(student):
    """Why does GloVe sum only over the nonzero co-occurrences?"""
    check_answer(student.value("q_glove_zeros"), "q_glove_zeros", "32ba9983f2d70ac27672")
