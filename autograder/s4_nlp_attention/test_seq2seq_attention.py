"""Hidden grader for s4_nlp_attention/seq2seq_attention: Bahdanau and Luong attention, one
Bahdanau decoder step, the teacher-forcing shift, greedy decoding, checkpoint questions.

The attention functions run in the sandbox on float64 leaf tensors (a probe), which also
returns the gradients of a random linear function of (context, weights) with respect to every
float argument. The oracle is the formula, written here in float64 (no torch attention
built-in), and a wrong answer is compared with variants of that formula that each make one
classic mistake (a transposed or swapped W, the softmax over the batch axis, the mask filled
with 0, inverted or applied after the softmax, a sqrt(d) scaling, [k; q] for [q; k], an
overflowing softmax...) on the same inputs, so the feedback names the mistake. Sizes are
distinct (B, T, H_dec, H_enc, A) except in the square cases, where a transpose runs and gives
wrong values instead of a crash. The decoder step gets a trusted bahdanau_attention, so a
wrong attention costs only its own exercise; greedy decoding is driven by a scripted step
function whose logits depend on the row, the step and the token fed back."""

import math

import torch

from dlcore.grading import ATOL, RTOL, check_tensor, exercise, fail, quote, rng
from dlcore.questions import check_answer

F64 = torch.float64
ATTENTION_FORBID = [
    "torch.nn.functional.scaled_dot_product_attention",
    "torch.nn.functional.multi_head_attention_forward",
    "torch.nn.MultiheadAttention.__init__", "torch.nn.MultiheadAttention.forward",
    # the operators behind them, however they are reached
    "aten._fused_sdp_choice", "aten._scaled_dot_product_flash_attention_for_cpu",
    "aten._scaled_dot_product_flash_attention", "aten._scaled_dot_product_efficient_attention",
    "aten._scaled_dot_product_cudnn_attention", "aten._scaled_dot_product_attention_math_for_mps",
    "aten._native_multi_head_attention",
]
MASK_RULE = "mask the scores with float('-inf') before the softmax"


# ---------------------------------------------------------------- the sandbox probes

def attend(ns, name, args, names, kwargs, coefs):
    """Sandbox probe: ns[name](*args, **kwargs) on leaf copies of the float tensors; returns
    context, weights and, when coefs is given, the gradients of sum(C1 * context) +
    sum(C2 * weights) with respect to each float argument (None: not connected)."""
    import torch

    def leaf(t):
        if isinstance(t, torch.Tensor) and t.is_floating_point():
            return t.detach().clone().requires_grad_(True)
        return t

    args = [leaf(a) for a in args]
    kwargs = {k: leaf(v) for k, v in kwargs.items()}
    out = ns[name](*args, **kwargs)
    if not isinstance(out, tuple) or len(out) != 2 or \
            not all(type(o) is torch.Tensor for o in out):
        kind = type(out).__name__
        if isinstance(out, tuple | list):
            kind += f" of length {len(out)} (" + ", ".join(type(o).__name__ for o in out) + ")"
        return {"problem": f"returned a {kind}; expected a tuple (context, weights) of tensors"}
    context, weights = out
    found = {"problem": None, "context": context.detach(), "weights": weights.detach(),
             "grads": None}
    if coefs is None or context.shape != coefs[0].shape or weights.shape != coefs[1].shape:
        return found
    leaves = {n: a for n, a in [*zip(names, args, strict=True), *kwargs.items()]
              if isinstance(a, torch.Tensor) and a.requires_grad}
    loss = (context * coefs[0].to(context.dtype)).sum() + \
        (weights * coefs[1].to(weights.dtype)).sum()
    if not loss.requires_grad:
        found["grads"] = "disconnected"
        return found
    grads = torch.autograd.grad(loss, list(leaves.values()), allow_unused=True)
    found["grads"] = {n: None if g is None else g.detach()
                      for n, g in zip(leaves, grads, strict=True)}
    return found


def unknown_method(ns, query, keys):
    """Sandbox probe: what luong_attention does with method "cosine"."""
    try:
        ns["luong_attention"](query, keys, "cosine")
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        return {"raised": type(exc).__name__, "message": str(exc)}
    return {"raised": None, "message": ""}


# ---------------------------------------------------------------- oracle and mistakes

def bahdanau_scores(c, opt):
    """v . tanh(W_q q + W_k k_t), (B, T), with one mistake switched on."""
    q, k, W_q, W_k, v = (c[n] for n in ("query", "keys", "W_q", "W_k", "v"))
    if opt.get("swap_W"):
        W_q, W_k = W_k, W_q
    pq = q @ (W_q if opt.get("Wq_T") else W_q.T)                        # (B, A)
    pk = k @ (W_k if opt.get("Wk_T") else W_k.T)                        # (B, T, A)
    pre = pq[:, None, :] + pk                                           # (B, T, A)
    if opt.get("tanh_outside"):
        return torch.tanh(pre @ v)                                      # (B, T)
    hidden = pre if opt.get("no_tanh") else torch.tanh(pre)             # (B, T, A)
    return hidden.sum(-1) if opt.get("no_v") else hidden @ v            # (B, T)


def luong_scores(c, opt):
    """dot / general / concat scores, (B, T), with one mistake switched on."""
    q, k, method, W, v = (c.get(n) for n in ("query", "keys", "method", "W", "v"))
    if method == "dot" or opt.get("ignore_W"):
        return torch.einsum("bh,bth->bt", q, k)                         # (B, T)
    if method == "general":
        return torch.einsum("bk,btk->bt", q @ (W.T if opt.get("W_T") else W), k)  # (B, T)
    H_dec, H_enc = q.shape[1], k.shape[2]
    if opt.get("kq_order"):
        pk, pq = k @ W[:, :H_enc].T, q @ W[:, H_enc:].T                 # (B, T, A), (B, A)
    else:
        pq, pk = q @ W[:, :H_dec].T, k @ W[:, H_dec:].T                 # (B, A), (B, T, A)
    pre = pq[:, None, :] + pk                                           # (B, T, A)
    if opt.get("tanh_outside"):
        return torch.tanh(pre @ v)
    hidden = pre if opt.get("no_tanh") else torch.tanh(pre)             # (B, T, A)
    return hidden.sum(-1) if opt.get("no_v") else hidden @ v            # (B, T)


def finish(scores, keys, mask, opt):
    """Masked softmax over the source positions and the context, with one mistake on."""
    if opt.get("scale"):
        scores = scores / math.sqrt(opt["scale"])
    mode = opt.get("mask", "before") if mask is not None else "none"
    if mode == "before":
        scores = scores.masked_fill(~mask, float("-inf"))               # (B, T)
    elif mode == "zero_fill":
        scores = scores.masked_fill(~mask, 0.0)
    elif mode == "inverted":
        scores = scores.masked_fill(mask, float("-inf"))
    if opt.get("naive"):
        e = torch.exp(scores)                                           # (B, T)
        weights = e / e.sum(-1, keepdim=True)
    else:
        weights = torch.softmax(scores, dim=0 if opt.get("batch_softmax") else -1)  # (B, T)
    if mode == "after":
        weights = weights * mask
    elif mode == "after_renorm":
        weights = weights * mask
        weights = weights / weights.sum(-1, keepdim=True)
    return torch.einsum("bt,bth->bh", weights, keys), weights           # (B, H_enc), (B, T)


def oracle(name, case, opt=None):
    """(context, weights) in float64; None where the mistake cannot run on these shapes."""
    opt = opt or {}
    c = {k: v.detach().double() if isinstance(v, torch.Tensor) and v.is_floating_point()
         else v for k, v in case.items()}
    try:
        with torch.no_grad():
            scores = (bahdanau_scores if name == "bahdanau_attention" else luong_scores)(c, opt)
            return finish(scores, c["keys"], c.get("mask"), opt)
    except RuntimeError:
        return None


def oracle_grads(name, case, coefs):
    """The oracle's gradients of sum(C1 * context) + sum(C2 * weights)."""
    c = {k: v.detach().double().requires_grad_(True)
         if isinstance(v, torch.Tensor) and v.is_floating_point() else v for k, v in case.items()}
    scores = (bahdanau_scores if name == "bahdanau_attention" else luong_scores)(c, {})
    context, weights = finish(scores, c["keys"], c.get("mask"), {})
    loss = (context * coefs[0]).sum() + (weights * coefs[1]).sum()
    leaves = {k: v for k, v in c.items() if isinstance(v, torch.Tensor) and v.requires_grad}
    grads = torch.autograd.grad(loss, list(leaves.values()))
    return dict(zip(leaves, grads, strict=True))


NO_SCALE = ("Bahdanau's and Luong's scores are not scaled (the 1/sqrt(d) belongs to the "
            "Transformer's scaled dot product)")
COMMON = [
    ("the softmax runs over the batch axis (dim=0); normalise each row over the source "
     "positions, dim=-1", {"batch_softmax": True}),
    (f"the mask is ignored: padded positions get weight; {MASK_RULE}", {"mask": "ignored"}),
    ("masked scores are filled with 0, which still gives padded positions a share of the "
     f"weight; {MASK_RULE}, so their weights are exactly 0", {"mask": "zero_fill"}),
    ("the mask is inverted: here True means valid (may attend), False means padding "
     "(nn.MultiheadAttention's masks use the opposite convention)", {"mask": "inverted"}),
    ("you multiply the weights by the mask after the softmax: the valid weights no longer sum "
     f"to 1; {MASK_RULE}", {"mask": "after"}),
    ("you mask after the softmax and renormalise: when the padded positions hold the largest "
     "scores, the valid weights underflow to 0 and 0/0 gives NaN; " + MASK_RULE,
     {"mask": "after_renorm"}),
    ("your softmax overflows: exp of a score of about 1e3 is inf; subtract each row's maximum "
     "before exp (torch.softmax does)", {"naive": True}),
]


def scale_mistakes(sizes):
    return [(f"you divide the scores by sqrt({d}): {NO_SCALE}", {"scale": d})
            for d in sorted(set(sizes))]


def mistakes(name, case):
    """(feedback, options) of the classic slips for this case, most specific first."""
    B, T, H_enc = case["keys"].shape
    H_dec = case["query"].shape[1]
    if name == "bahdanau_attention":
        A = case["v"].shape[0]
        lin = "in nn.Linear's layout (out, in)"
        out = [("you multiply by W_q, not its transpose: W_q is (A, H_dec) " + lin +
                ", so W_q s is query @ W_q.T", {"Wq_T": True}),
               ("you multiply by W_k, not its transpose: W_k is (A, H_enc) " + lin +
                ", so W_k k_t is keys @ W_k.T", {"Wk_T": True}),
               ("W_q and W_k are both used untransposed: they are " + lin +
                ", query @ W_q.T and keys @ W_k.T", {"Wq_T": True, "Wk_T": True}),
               ("W_q and W_k are swapped: W_q projects the query (the decoder state), W_k the "
                "keys", {"swap_W": True}),
               ("the tanh is missing: score = v . tanh(W_q q + W_k k_t)", {"no_tanh": True}),
               ("v is not used: the score is v . tanh(...), a weighted sum over the A units",
                {"no_v": True}),
               ("the tanh comes after the product with v: score = v . tanh(W_q q + W_k k_t)",
                {"tanh_outside": True})]
        return out + scale_mistakes((A, H_enc, H_dec)) + COMMON
    method = case["method"]
    out = []
    if method == "general":
        out += [("W is used transposed: the general score is q . W k_t with W (H_dec, H_enc), "
                 "that is (query @ W) . k_t", {"W_T": True}),
                ("W is not used: the general score is q . W k_t", {"ignore_W": True})]
    if method == "concat":
        A = case["v"].shape[0]
        out += [("you concatenate [k; q]: the score is v . tanh(W [q; k_t]), the first H_dec "
                 "columns of W act on the query, the last H_enc on the key", {"kq_order": True}),
                ("the tanh is missing: score = v . tanh(W [q; k_t])", {"no_tanh": True}),
                ("v is not used: score = v . tanh(W [q; k_t])", {"no_v": True}),
                ("the tanh comes after the product with v: score = v . tanh(W [q; k_t])",
                 {"tanh_outside": True})]
        sizes = (A, H_enc, H_dec)
    else:
        sizes = (H_enc, H_dec)
    return out + scale_mistakes(sizes) + COMMON


def close(got, want, rtol=RTOL, atol=ATOL):
    """Both (context, weights)-like tuples exist and agree (NaN where NaN)."""
    return got is not None and want is not None and all(
        g.shape == w.shape and g.dtype.is_floating_point and
        torch.allclose(g.double(), w, rtol=rtol, atol=atol, equal_nan=True)
        for g, w in zip(got, want, strict=True))


# ---------------------------------------------------------------- checking one case

def call_args(name, case):
    if name == "bahdanau_attention":
        names = ["query", "keys", "W_q", "W_k", "v"]
        kwargs = {}
    else:
        names = ["query", "keys", "method"]
        kwargs = {k: case[k] for k in ("W", "v") if case.get(k) is not None}
    if case.get("mask") is not None:
        kwargs["mask"] = case["mask"]
    return [case[n] for n in names], names, kwargs


def describe(name, case):
    B, T, H_enc = case["keys"].shape
    H_dec = case["query"].shape[1]
    what = "bahdanau_attention" if name == "bahdanau_attention" else \
        f'luong_attention(method="{case["method"]}")'
    sizes = f"B={B}, T={T}, H_dec={H_dec}, H_enc={H_enc}"
    if case.get("v") is not None:
        sizes += f", A={case['v'].shape[0]}"
    if case["keys"].dtype != F64:
        sizes += f", {case['keys'].dtype}"
    return f"{what} ({sizes}{', masked' if case.get('mask') is not None else ''})"


def check_attention(student, name, case, what="", grads=False):
    """The student's (context, weights) against the oracle; a known mistake is named."""
    what = describe(name, case) + (f" {what}" if what else "")
    args, names, kwargs = call_args(name, case)
    B, T, H_enc = case["keys"].shape
    coefs = None
    if grads:
        g = rng(99)
        coefs = (torch.randn(B, H_enc, generator=g, dtype=F64),
                 torch.randn(B, T, generator=g, dtype=F64))
    found = student.probe(attend, name, args, names, kwargs, coefs)
    if found["problem"]:
        fail(f"{what}: {name} {found['problem']}")
    got = (found["context"], found["weights"])
    shapes = (tuple(got[0].shape), tuple(got[1].shape))
    if shapes != ((B, H_enc), (B, T)):
        if shapes == ((B, T), (B, H_enc)):
            fail(f"{what}: you return (weights, context); the pinned order is "
                 "(context, weights)")
        if shapes[1] in ((B, T, 1), (B, 1, T)):
            fail(f"{what}: the weights have shape {shapes[1]}; squeeze the extra dimension "
                 "(a v of shape (A, 1) or a query of shape (B, 1, H)?): weights are (B, T)")
        fail(f"{what}: returned context {shapes[0]} and weights {shapes[1]}; expected context "
             f"(B, H_enc) = {(B, H_enc)} and weights (B, T) = {(B, T)}")
    want = oracle(name, case)
    dtype = case["keys"].dtype
    if not close(got, want):
        named = [m for m, opt in mistakes(name, case)
                 if not close(alt := oracle(name, case, opt), want) and close(got, alt)]
        if len(named) == 1:
            fail(f"{what}: {named[0]}")
        if named:  # this input cannot tell them apart; another case will
            fail(f"{what}: your result fits several mistakes here: " +
                 " OR ".join(n.split(": ")[0] for n in named[:3]))
        if not torch.isfinite(got[1]).all() and torch.isfinite(want[1]).all():
            fail(f"{what}: the weights contain NaN/inf where finite values are expected; "
                 "subtract each row's maximum before exp (torch.softmax does) and "
                 + MASK_RULE)
        check_tensor(got[1], want[1].to(dtype), f"{what}: the weights")
        check_tensor(got[0], want[0].to(dtype), f"{what}: the context (weights right): "
                     "context = sum_t weights_t keys_t")
    if any(g.dtype != dtype for g in got):
        fail(f"{what}: returned {got[1].dtype} for {dtype} inputs; keep the inputs' dtype")
    mask = case.get("mask")
    if mask is not None and not bool((got[1][~mask] == 0).all()):
        fail(f"{what}: masked weights must be exactly 0 (the largest is "
             f"{float(got[1][~mask].abs().max()):.1e}); {MASK_RULE}")
    if grads:
        check_grads(found["grads"], oracle_grads(name, case, coefs), what)


def check_grads(got, want, what):
    if got == "disconnected":
        fail(f"{what}: the outputs are not connected to the inputs in the autograd graph "
             "(detach, no_grad, .item() or a new tensor built from values?)")
    for name, expected in want.items():
        grad = got.get(name) if isinstance(got, dict) else None
        if grad is None:
            fail(f"{what}: no gradient flows back to {name}")
        check_tensor(grad, expected, f"{what}: the gradient of a random linear function of "
                     f"(context, weights) with respect to {name}")


# ---------------------------------------------------------------- cases

def draw(g, *shape, scale=1.0):
    return scale * torch.randn(*shape, generator=g, dtype=F64)


def attention_case(name, seed, B, T, H_dec, H_enc, A=None, *, method=None, mask=None,
                   scale=1.0, dtype=F64):
    """Random inputs; scale multiplies v (Bahdanau, concat) or the keys (dot, general)."""
    g = rng(seed)
    case = {"query": draw(g, B, H_dec), "keys": draw(g, B, T, H_enc), "mask": mask}
    if name == "bahdanau_attention":
        case.update(W_q=draw(g, A, H_dec, scale=0.7), W_k=draw(g, A, H_enc, scale=0.7),
                    v=draw(g, A, scale=scale))
    else:
        case["method"] = method
        if method == "general":
            case["W"] = draw(g, H_dec, H_enc, scale=0.7)
        if method == "concat":
            case.update(W=draw(g, A, H_dec + H_enc, scale=0.7), v=draw(g, A, scale=scale))
        if method in ("dot", "general"):
            case["keys"] = case["keys"] * scale
    return {k: v.to(dtype) if isinstance(v, torch.Tensor) and v.is_floating_point() else v
            for k, v in case.items()}


def padding_mask(B, T):
    """Rows: all valid, a prefix, ONLY THE LAST position valid, scattered positions, ..."""
    rows = [[True] * T, [t < T - 2 for t in range(T)], [t == T - 1 for t in range(T)],
            [t % 2 == 0 for t in range(T)]]
    return torch.tensor([rows[b % len(rows)] for b in range(B)])               # (B, T)


def top_masked(name, case, keep=2):
    """A mask that keeps only each row's `keep` lowest scores: the padded positions hold the
    largest ones."""
    scores = (bahdanau_scores if name == "bahdanau_attention" else luong_scores)(case, {})
    order = scores.argsort(dim=1)                                               # (B, T)
    mask = torch.zeros_like(scores, dtype=torch.bool)                           # (B, T)
    mask.scatter_(1, order[:, :keep], True)
    return mask


# ---------------------------------------------------------------- bahdanau_attention

BA = "bahdanau_attention"


@exercise(BA, points=1, forbid=ATTENTION_FORBID)
def test_bahdanau_values(student):
    """Without a mask, on two non-square problems (H_dec, H_enc, A, T all different) and in
    float32 (dtype kept), are the weights softmax_t(v . tanh(W_q q + W_k k_t)) and the context
    sum_t weights_t k_t?"""
    for seed, sizes, dtype in ((0, (3, 5, 4, 6, 7), F64), (1, (2, 7, 5, 3, 4), F64),
                               (2, (4, 3, 6, 5, 2), torch.float32)):
        check_attention(student, BA, attention_case(BA, seed, *sizes, dtype=dtype))


@exercise(BA, points=1, forbid=ATTENTION_FORBID)
def test_bahdanau_square(student):
    """With A = H_dec = H_enc (so a transposed or swapped W still runs), with and without a
    mask?"""
    check_attention(student, BA, attention_case(BA, 10, 4, 3, 5, 5, 5), "(square weights)")
    check_attention(student, BA, attention_case(BA, 11, 4, 6, 5, 5, 5, mask=padding_mask(4, 6)),
                    "(square weights)")


@exercise(BA, points=1, forbid=ATTENTION_FORBID)
def test_bahdanau_mask(student):
    """With padding masks (a row with only its last position valid, scattered valid
    positions), are masked weights exactly 0 and the valid ones a softmax over the valid
    positions?"""
    check_attention(student, BA, attention_case(BA, 20, 4, 6, 4, 5, 3, mask=padding_mask(4, 6)))
    check_attention(student, BA, attention_case(BA, 21, 5, 4, 3, 7, 6, mask=padding_mask(5, 4)))


@exercise(BA, points=1, forbid=ATTENTION_FORBID)
def test_bahdanau_large_scores(student):
    """With scores of about 1e3 (a large v), unmasked and with the largest scores masked, do
    the weights stay finite and right?"""
    case = attention_case(BA, 30, 3, 6, 4, 5, 7, scale=400.0)
    check_attention(student, BA, case, "(scores of about 1e3)")
    case["mask"] = top_masked(BA, case)
    check_attention(student, BA, case, "(scores of about 1e3; the largest ones masked)")


@exercise(BA, points=1, forbid=ATTENTION_FORBID)
def test_bahdanau_gradients(student):
    """Do gradients reach query, keys, W_q, W_k and v, and match the formula's (masked
    case)?"""
    check_attention(student, BA, attention_case(BA, 40, 3, 5, 4, 6, 7, mask=padding_mask(3, 5)),
                    grads=True)


# ---------------------------------------------------------------- luong_attention

LU = "luong_attention"


@exercise(LU, points=1, forbid=ATTENTION_FORBID)
def test_luong_dot(student):
    """Is the dot score q . k_t (no scaling) right on two problems, with and without a mask?"""
    check_attention(student, LU, attention_case(LU, 50, 3, 5, 4, 4, method="dot"))
    check_attention(student, LU, attention_case(LU, 51, 4, 7, 6, 6, method="dot",
                                                mask=padding_mask(4, 7)))


@exercise(LU, points=1, forbid=ATTENTION_FORBID)
def test_luong_general(student):
    """Is the general score q . W k_t right with H_dec != H_enc, and with a square W (where a
    transposed W still runs)?"""
    check_attention(student, LU, attention_case(LU, 61, 4, 3, 5, 5, method="general",
                                                mask=padding_mask(4, 3)), "(square W)")
    check_attention(student, LU, attention_case(LU, 60, 3, 5, 4, 6, method="general"))


@exercise(LU, points=1, forbid=ATTENTION_FORBID)
def test_luong_concat(student):
    """Is the concat score v . tanh(W [q; k_t]) right (query first), with and without a
    mask?"""
    check_attention(student, LU, attention_case(LU, 70, 3, 5, 4, 6, 7, method="concat"))
    check_attention(student, LU, attention_case(LU, 71, 4, 6, 5, 3, 2, method="concat",
                                                mask=padding_mask(4, 6)))


@exercise(LU, points=1, forbid=ATTENTION_FORBID)
def test_luong_large_scores(student):
    """With scores of about 1e3, unmasked and with the largest scores masked, do all three
    methods stay finite and right?"""
    for seed, method, sizes, scale in ((80, "dot", (3, 6, 5, 5), 400.0),
                                       (81, "general", (3, 6, 4, 5), 200.0),
                                       (82, "concat", (3, 6, 4, 5, 7), 400.0)):
        case = attention_case(LU, seed, *sizes, method=method, scale=scale)
        check_attention(student, LU, case, "(scores of about 1e3)")
        case["mask"] = top_masked(LU, case)
        check_attention(student, LU, case, "(scores of about 1e3; the largest ones masked)")


@exercise(LU, points=1, forbid=ATTENTION_FORBID)
def test_luong_gradients_and_unknown_method(student):
    """Do gradients match the formula's for general and concat (masked), and does an unknown
    method raise ValueError with a message?"""
    check_attention(student, LU, attention_case(LU, 90, 3, 5, 4, 6, method="general",
                                                mask=padding_mask(3, 5)), grads=True)
    check_attention(student, LU, attention_case(LU, 91, 3, 5, 4, 6, 7, method="concat",
                                                mask=padding_mask(3, 5)), grads=True)
    g = rng(92)
    found = student.probe(unknown_method, draw(g, 2, 4), draw(g, 2, 3, 4))
    if found["raised"] != "ValueError":
        did = "returned normally" if found["raised"] is None else \
            f"raised {quote(found['raised'], 40)}"
        fail(f'luong_attention(query, keys, "cosine") {did}; an unknown method must raise '
             "ValueError")
    text = found["message"].lower()
    if not ("cosine" in text or "dot" in text):
        fail('luong_attention(query, keys, "cosine") raised ValueError with the message '
             f"{quote(found['message'], 60)!r}: name the unknown method or the valid ones")


# ---------------------------------------------------------------- attention_decoder_step

def decoder_rollout(ns, ys, s0, keys, mask, params):
    """Sandbox probe: attention_decoder_step over the given tokens ys (T_out, B), each step fed
    the state it returned, with a trusted bahdanau_attention; per step (logits, s_new,
    weights), or a problem."""
    import torch

    def bahdanau_attention(query, keys, W_q, W_k, v, mask=None):
        scores = torch.tanh((query @ W_q.T)[:, None, :] + keys @ W_k.T) @ v  # (B, T)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)                               # (B, T)
        return (weights[:, :, None] * keys).sum(1), weights

    saved = ns.get("bahdanau_attention")
    ns["bahdanau_attention"] = bahdanau_attention
    try:
        s, steps = s0, []
        for t, y in enumerate(ys):
            out = ns["attention_decoder_step"](y, s, keys, mask, params)
            if not isinstance(out, tuple) or len(out) != 3 or \
                    not all(type(o) is torch.Tensor for o in out):
                return {"problem": f"at step {t + 1}: returned {type(out).__name__}; expected a "
                                   "tuple (logits, s_new, weights) of tensors", "steps": steps}
            steps.append(tuple(o.detach() for o in out))
            s = out[1].detach()
        return {"problem": None, "steps": steps}
    finally:
        if saved is None:
            ns.pop("bahdanau_attention", None)
        else:
            ns["bahdanau_attention"] = saved


def gru(x, h, W_ih, W_hh, b_ih, b_hh):
    """nn.GRUCell's formula, float64."""
    x_r, x_z, x_n = (x @ W_ih.T + b_ih).chunk(3, dim=1)                 # (B, H) each
    h_r, h_z, h_n = (h @ W_hh.T + b_hh).chunk(3, dim=1)                 # (B, H) each
    r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)           # (B, H) each
    return (1 - z) * torch.tanh(x_n + r * h_n) + z * h                  # (B, H)


def attend_b(query, keys, p, mask):
    return finish(bahdanau_scores({"query": query, "keys": keys, "W_q": p["W_q"],
                                   "W_k": p["W_k"], "v": p["v"]}, {}), keys, mask, {})


def step_variant(y, s, keys, mask, p, mistake=None):
    """One Bahdanau decoder step, float64, with one mistake switched on."""
    context, weights = attend_b(s, keys, p, None if mistake == "no_mask" else mask)
    x = [p["embedding"][y], context][::-1 if mistake == "gru_input_order" else 1]
    s_new = gru(torch.cat(x, -1), s, p["W_ih"], p["W_hh"], p["b_ih"], p["b_hh"])  # (B, H_dec)
    if mistake == "current_state":
        context, weights = attend_b(s_new, keys, p, mask)
    read = [s if mistake == "old_state_readout" else s_new, context]
    read = read[::-1] if mistake == "readout_order" else read
    logits = torch.cat(read, -1) @ p["W_out"].T + p["b_out"]          # (B, V)
    return logits, (s if mistake == "returns_s_prev" else s_new), weights


STEP_MISTAKES = [
    ("current_state", "you attend with the new state s_t (Luong's order) for the weights and "
     "the read-out: Bahdanau's decoder attends once, with the previous state s_{t-1}, and uses "
     "that context both in the GRU input and in the read-out"),
    ("no_mask", "the mask is not passed to bahdanau_attention: padded positions get weight"),
    ("old_state_readout", "the read-out uses the previous state: logits = W_out [s_t; c_t] + "
     "b_out, with the new state s_t"),
    ("returns_s_prev", "you return the previous state; return the new state s_t, which the "
     "next step needs"),
    ("gru_input_order", "the GRU input is [c_t; E[y_{t-1}]]: it is [E[y_{t-1}]; c_t], the "
     "first E columns of W_ih act on the embedding"),
    ("readout_order", "the read-out concatenates [c_t; s_t]: it is W_out [s_t; c_t], the first "
     "H_dec columns of W_out act on the state"),
]


def step_case(seed, T_out, B=3, T=5, V=11, E=4, H_enc=6, H_dec=5, A=7):
    g = rng(seed)
    shapes = {"embedding": (V, E), "W_q": (A, H_dec), "W_k": (A, H_enc), "v": (A,),
              "W_ih": (3 * H_dec, E + H_enc), "W_hh": (3 * H_dec, H_dec), "b_ih": (3 * H_dec,),
              "b_hh": (3 * H_dec,), "W_out": (V, H_dec + H_enc), "b_out": (V,)}
    params = {n: draw(g, *s, scale=0.6) for n, s in shapes.items()}
    ys = torch.randint(0, V, (T_out, B), generator=g)                    # (T_out, B)
    return ys, draw(g, B, H_dec), draw(g, B, T, H_enc), padding_mask(B, T), params


def step_rollout(case, mistake=None):
    ys, s, keys, mask, params = case
    steps = []
    with torch.no_grad():
        for y in ys:
            out = step_variant(y, s, keys, mask, params, mistake)
            steps.append(out)
            s = out[1]
    return steps


def check_step(student, case, what):
    found = student.probe(decoder_rollout, *case)
    if found["problem"]:
        fail(f"{what}: attention_decoder_step {found['problem']}")
    got, want = found["steps"], step_rollout(case)
    for t, (g_out, w_out) in enumerate(zip(got, want, strict=True)):
        if all(close((g,), (w,)) for g, w in zip(g_out, w_out, strict=True)):
            continue
        named = [m for key, m in STEP_MISTAKES
                 if all(close((g,), (w,)) for g, w in
                        zip(g_out, step_rollout(case, key)[t], strict=True))]
        at = f" at step {t + 1} of {len(want)}" if len(want) > 1 else ""
        if named:
            fail(f"{what}{at}: {named[0]}")
        if t > 0:
            at += f" (steps 1 to {t} agree: is the state carried from step to step?)"
        for label, g, w in zip(("the weights", "s_new", "the logits"), (g_out[2], g_out[1],
                               g_out[0]), (w_out[2], w_out[1], w_out[0]), strict=True):
            check_tensor(g, w, f"{what}{at}: {label}")


SD = "attention_decoder_step"


@exercise(SD, points=1)
def test_decoder_step_one(student):
    """One step (B=3, T=5, V=11, E=4, H_enc=6, H_dec=5, A=7, masked): are the weights
    attention with the previous state, s_new the GRU of [E[y]; c] and the logits
    W_out [s_new; c] + b_out?"""
    check_step(student, step_case(100, 1), "attention_decoder_step, one step")


@exercise(SD, points=1)
def test_decoder_step_rollout(student):
    """Over 4 steps, each fed the state the previous one returned, on another problem?"""
    check_step(student, step_case(101, 4, B=2, T=6, V=9, E=5, H_enc=3, H_dec=4, A=6),
               "attention_decoder_step rolled out over 4 given tokens")


# ---------------------------------------------------------------- teacher_forcing_inputs

def shift_probe(ns, targets, bos_id):
    """Sandbox probe: the inputs, and whether targets was changed in place."""
    import torch

    before = targets.clone()
    out = ns["teacher_forcing_inputs"](targets, bos_id)
    return {"out": out.detach() if isinstance(out, torch.Tensor) else out,
            "changed": not torch.equal(before, targets)}


SHIFT_MISTAKES = [
    (lambda t, b: t, "you return the targets unshifted: input t must be target t - 1, with "
                     "<bos> first"),
    (lambda t, b: torch.cat([t[:, 1:], torch.full_like(t[:, :1], b)], 1),
     "you shift left: the inputs are the targets shifted right, <bos> first and the last "
     "target dropped"),
    (lambda t, b: torch.cat([torch.full_like(t[:, :1], b), t], 1),
     "you keep the last target: drop it so the inputs keep the targets' length T"),
    (lambda t, b: torch.cat([torch.full_like(t[:, :1], b), t[:, 1:]], 1),
     "you overwrite the first target with <bos> instead of shifting the targets right"),
]


@exercise("teacher_forcing_inputs", points=1)
def test_teacher_forcing_inputs(student):
    """Are the inputs [<bos>, y_1 .. y_{T-1}], a LongTensor (B, T), for several shapes
    (T = 1 included), with targets left unchanged?"""
    g = rng(110)
    for B, T, bos in ((3, 5, 1), (2, 1, 4), (4, 7, 9)):
        targets = torch.randint(3, 20, (B, T), generator=g)              # (B, T)
        found = student.probe(shift_probe, targets, bos)
        what = f"teacher_forcing_inputs(targets ({B}, {T}), bos_id={bos})"
        if found["changed"]:
            fail(f"{what} changed targets in place; build a new tensor")
        got = found["out"]
        want = torch.cat([torch.full((B, 1), bos), targets[:, :-1]], 1)  # (B, T)
        if type(got) is torch.Tensor and not (got.shape == want.shape and torch.equal(got, want)):
            for fn, message in SHIFT_MISTAKES:
                alt = fn(targets, bos)
                if not torch.equal(alt, want) and got.shape == alt.shape and \
                        torch.equal(got.long(), alt):
                    fail(f"{what}: {message}")
        if type(got) is torch.Tensor and got.dtype != torch.long:
            fail(f"{what} has dtype {got.dtype}; expected torch.int64 (token ids)")
        check_tensor(got, want, what)


# ---------------------------------------------------------------- greedy_decode

def decode_probe(ns, table, bos_id, eos_id, max_len):
    """Sandbox probe: greedy_decode with a scripted step_fn; logits = table[b, t, y_prev[b]]
    where t counts the calls (kept in the state); the tokens, and the y_prev of every call."""
    import torch

    B = table.shape[0]
    calls = []

    def step_fn(y_prev, state):
        if type(y_prev) is not torch.Tensor or y_prev.shape != (B,) or \
                y_prev.dtype != torch.long:
            shape = tuple(y_prev.shape) if isinstance(y_prev, torch.Tensor) else ""
            raise TypeError(f"step_fn expects y_prev as a LongTensor of shape (B,) = ({B},); "
                            f"got {type(y_prev).__name__} {shape}")
        calls.append(y_prev.tolist())
        t = state[:, 0].clamp(max=table.shape[1] - 1)                   # (B,)
        return table[torch.arange(B), t, y_prev].clone(), state + 1     # (B, V), (B, 1)

    out = ns["greedy_decode"](step_fn, torch.zeros(B, 1, dtype=torch.long), bos_id, eos_id,
                              max_len)
    return {"out": out.detach() if isinstance(out, torch.Tensor) else out, "calls": calls}


def decode_table(seed, B, V, stops, max_len, eos_id):
    """Random logits (B, max_len + 2, V, V); row b's eos wins at step stops[b] (and never
    before), whatever token is fed back."""
    table = draw(rng(seed), B, max_len + 2, V, V)
    for b, stop in enumerate(stops):
        table[b, :stop, :, eos_id] = -20.0
        if stop < max_len + 2:
            table[b, stop, :, eos_id] = 20.0
    return table


def greedy_variant(table, bos, eos, max_len, mistake=None):
    """Greedy decoding with the table, float64, with one mistake switched on."""
    B = table.shape[0]
    y = torch.full((B,), bos)
    done = torch.zeros(B, dtype=torch.bool)
    out = []
    steps = max_len + (mistake == "one_more") - (mistake == "one_less")
    for t in range(steps):
        nxt = table[torch.arange(B), min(t, table.shape[1] - 1), y].argmax(-1)  # (B,)
        if mistake != "no_fill":
            nxt = nxt.masked_fill(done, eos)
        out.append(nxt)
        y = torch.full((B,), bos) if mistake == "feed_bos" else nxt
        done = done | (nxt == eos)
        if (mistake == "first_stop" and done.any()) or (mistake != "no_stop" and done.all()):
            break
    tokens = torch.stack(out, 1) if out else torch.zeros(B, 0, dtype=torch.long)
    if mistake == "with_bos":
        tokens = torch.cat([torch.full((B, 1), bos), tokens], 1)
    return tokens


GREEDY_MISTAKES = [
    ("feed_bos", "you feed <bos> at every step: feed back each step's argmax"),
    ("no_stop", "you run all max_len steps although every row has emitted <eos>: stop as soon "
     "as all rows have finished"),
    ("first_stop", "you stop when the first row emits <eos>: stop when every row has"),
    ("no_fill", "tokens after a row's <eos> are not eos_id: once a row has finished, its later "
     "positions are eos_id"),
    ("with_bos", "your output starts with <bos>: return only the generated tokens"),
    ("one_more", "you run max_len + 1 steps: at most max_len"),
    ("one_less", "you run max_len - 1 steps: up to max_len"),
]


def check_greedy(student, seed, B, V, stops, max_len, bos=1, eos=2):
    table = decode_table(seed, B, V, stops, max_len, eos)
    what = f"greedy_decode (B={B}, V={V}, max_len={max_len}, rows finish after " \
           f"{', '.join(str(s + 1) if s < max_len else 'never' for s in stops)} tokens)"
    found = student.probe(decode_probe, table, bos, eos, max_len)
    got, want = found["out"], greedy_variant(table, bos, eos, max_len)
    if type(got) is torch.Tensor and not (got.shape == want.shape and torch.equal(got, want)):
        for key, message in GREEDY_MISTAKES:
            alt = greedy_variant(table, bos, eos, max_len, key)
            if not (alt.shape == want.shape and torch.equal(alt, want)) and \
                    got.shape == alt.shape and torch.equal(got.long(), alt):
                fail(f"{what}: {message}")
    if type(got) is torch.Tensor and got.dtype != torch.long:
        fail(f"{what} has dtype {got.dtype}; expected torch.int64 (token ids)")
    check_tensor(got, want, what)
    calls = found["calls"]
    if len(calls) != want.shape[1]:
        fail(f"{what}: step_fn was called {len(calls)} times for {want.shape[1]} tokens; call "
             "it once per generated token")
    if calls and calls[0] != [bos] * B:
        fail(f"{what}: the first step must be fed <bos> for every row")


@exercise("greedy_decode", points=1)
def test_greedy_decode_stops_at_eos(student):
    """Does it feed back its own argmax, fill finished rows with <eos> and stop once every row
    has finished (before max_len)?"""
    check_greedy(student, 120, 3, 7, (2, 4, 1), 8)
    check_greedy(student, 121, 2, 5, (0, 3), 6)


@exercise("greedy_decode", points=1)
def test_greedy_decode_max_len(student):
    """Does it respect max_len when a row never emits <eos> (max_len = 5 and 1), and stop
    after one step when every row starts with <eos>?"""
    check_greedy(student, 130, 4, 6, (1, 9, 3, 2), 5)
    check_greedy(student, 131, 2, 5, (9, 9), 1)
    check_greedy(student, 132, 3, 6, (0, 0, 0), 4)


# ---------------------------------------------------------------- checkpoint questions

@exercise("q_query_state", points=1)
def test_q_query_state(student):
    """Which decoder state is the query in Bahdanau's and in Luong's attention?"""
    check_answer(student.value("q_query_state"), "q_query_state", "4dc0e94aa415b652a281")


@exercise("q_masked_weight", points=1)
def test_q_masked_weight(student):
    """What must the attention weight of a padded position be?"""
    check_answer(student.value("q_masked_weight"), "q_masked_weight", "cf6f88febf7e251077fc")


@exercise("q_no_params", points=1)
def test_q_no_params(student):
    """Which of Luong's scores has no parameters?"""
    check_answer(student.value("q_no_params"), "q_no_params", "39a1ae58e080d893c7d3")


@exercise("q_num_scores", points=1)
def test_q_num_scores(student):
    """How many attention scores for 30 source and 12 output tokens?"""
    check_answer(student.value("q_num_scores"), "q_num_scores", "a070b3a5c7aecb8a2ff0",
                 digits=0)
