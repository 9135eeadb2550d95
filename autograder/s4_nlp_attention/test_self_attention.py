"""Hidden grader for s4_nlp_attention/self_attention: scaled dot-product attention, the causal
mask, multi-head attention, sinusoidal positional encodings, checkpoint questions.

Oracles, computed here in float64: F.scaled_dot_product_attention (its boolean attn_mask has
our convention, True = may attend) and, for the weights it does not return, a softmax written
here; nn.MultiheadAttention(E, h, batch_first=True) with the same weights copied in and the
mask converted to its convention (True = NOT allowed: attn_mask (T_q, T_k) or (B*h, T_q, T_k),
key_padding_mask (B, T_k)); torch.tril for the causal mask; the formula for the encoding.
Where a wrong result equals what a classic mistake gives (no 1/sqrt(d), the query axis, the
mask after the softmax or inverted, heads split wrongly, per-head or summed weights, q/k/v row
blocks swapped, no output projection, triu, sin/cos swapped, exponent i/d...), computed by
variants of the oracle on the same inputs, the feedback names the mistake.  multi_head_attention
always runs with a trusted scaled_dot_product_attention swapped in, so a wrong sdpa never
costs it points.  Every case runs a few tensors of a handful of entries."""

import itertools
import math
import re
from functools import partial

import torch
import torch.nn.functional as F

from dlcore.grading import (
    ATOL,
    ATOL_F64,
    RTOL,
    RTOL_F64,
    ForbiddenCall,
    GradingFailure,
    StudentRaised,
    check_tensor,
    exercise,
    fail,
    quote,
    rng,
)
from dlcore.questions import check_answer
from dlcore.untrusted import wire

F64 = torch.float64
SDPA_OPS = ["aten._scaled_dot_product_flash_attention_for_cpu",
            "aten._scaled_dot_product_flash_attention",
            "aten._scaled_dot_product_efficient_attention",
            "aten._scaled_dot_product_cudnn_attention",
            "aten._scaled_dot_product_attention_math_for_mps",
            "aten._scaled_dot_product_fused_attention_overrideable"]
ATTENTION = ["torch.nn.functional.scaled_dot_product_attention",
             "torch.nn.functional.multi_head_attention_forward",
             "torch.nn.MultiheadAttention.__init__", "torch.nn.MultiheadAttention.forward",
             "torch._native_multi_head_attention", *SDPA_OPS]
LABELS = {op: f"{op} (the kernel of F.scaled_dot_product_attention)" for op in SDPA_OPS}


# ---------------------------------------------------------------- calling the submission

def with_trusted_sdpa(ns, name, calls, grad):
    """Probe: ns[name](*args) for each args in calls, with a trusted
    scaled_dot_product_attention swapped in for multi_head_attention (a wrong sdpa never costs
    it).  With grad, the floating-point arguments require grad and each result becomes
    (out, weights, [grad of sum(out * G_out) + sum(weights * G_w) per such argument])."""
    import math

    import torch

    def scaled_dot_product_attention(q, k, v, mask=None):
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        return weights @ v, weights

    key = "scaled_dot_product_attention"
    swap = name != key
    saved = ns.get(key)
    if swap:
        ns[key] = scaled_dot_product_attention
    try:
        results = []
        for args in calls:
            if not grad:
                results.append(ns[name](*args))
                continue
            args = [a.requires_grad_() if isinstance(a, torch.Tensor) and a.is_floating_point()
                    else a for a in args]
            out = ns[name](*args)
            if not (isinstance(out, tuple | list) and len(out) == 2
                    and all(isinstance(o, torch.Tensor) for o in out)):
                return ("problem", "did not return a tuple (out, weights) of tensors")
            if not all(o.requires_grad for o in out):
                return ("problem", "returned tensors that are not connected to the inputs "
                        "(detached, computed under no_grad, or rebuilt from numbers)")
            g = torch.Generator().manual_seed(7)
            loss = sum((o * torch.randn(o.shape, generator=g, dtype=o.dtype)).sum() for o in out)
            leaves = [a for a in args if isinstance(a, torch.Tensor) and a.requires_grad]
            grads = torch.autograd.grad(loss, leaves, allow_unused=True)
            results.append((out[0].detach(), out[1].detach(),
                            [None if gr is None else gr.detach() for gr in grads]))
        return results
    finally:
        if swap:
            if saved is None:
                ns.pop(key, None)
            else:
                ns[key] = saved


def run(student, name, calls, grad=False):
    """The student's results for each argument tuple, forbidden kernels named as students
    know them, and a hint for calls that raise on inputs with extra leading dimensions."""
    calls = [tuple(a.clone() if isinstance(a, torch.Tensor) else a for a in args)
             for args in calls]
    try:
        return student.probe(with_trusted_sdpa, name, calls, grad)
    except ForbiddenCall as exc:
        text = str(exc)
        for op, label in LABELS.items():
            text = re.sub(rf"{re.escape(op)}(?!\w)", label, text)
        raise ForbiddenCall(text) from None


def unpack(got, what):
    """(out, weights) from a result, or a failure naming what came back instead."""
    if isinstance(got, tuple | list) and len(got) == 2 \
            and all(type(g) is torch.Tensor for g in got):
        return got
    kind = quote(wire.type_name(got), 40)
    size = f" of length {len(got)}" if isinstance(got, tuple | list) else ""
    fail(f"{what}: returned a {kind}{size}; expected a tuple (out, weights) of tensors")


def close(got, want, rtol=RTOL, atol=ATOL):
    return (type(got) is torch.Tensor and tuple(got.shape) == tuple(want.shape)
            and got.dtype.is_floating_point
            and torch.allclose(got.double(), want.double(), rtol=rtol, atol=atol, equal_nan=True))


def check_pair(got, want, what, mistakes, dtype=F64, names=("out", "weights")):
    """The student's (out, weights) against the oracle's: a swapped order, a known mistake
    (mistakes: (feedback, a function computing that mistake's (out, weights)) pairs, called
    only for a wrong answer) or the first wrong tensor is named."""
    out, w = unpack(got, what)
    rtol, atol = (RTOL_F64, ATOL_F64) if dtype == F64 else (RTOL, ATOL)
    if close(out, want[0], rtol, atol) and close(w, want[1], rtol, atol):
        if out.dtype != dtype or w.dtype != dtype:
            fail(f"{what}: returned {out.dtype} for {dtype} inputs; keep the inputs' dtype")
        return
    if tuple(out.shape) == tuple(want[1].shape) and tuple(w.shape) == tuple(want[0].shape) \
            and want[0].shape != want[1].shape:
        fail(f"{what}: you return (weights, out); the pinned order is (out, weights)")
    named = [fb for fb, make in mistakes for alt in (make(),)
             if not (close(alt[0], want[0], rtol, atol) and close(alt[1], want[1], rtol, atol))
             and close(out, alt[0], rtol, atol) and close(w, alt[1], rtol, atol)]
    if len(named) == 1:
        fail(f"{what}: {named[0]}")
    if named:  # this input cannot tell them apart; another case will
        fail(f"{what}: your result fits several mistakes here: "
             + " OR ".join(n.split(": ")[0] for n in named[:3]))
    if dtype == F64 and close(out, want[0]) and close(w, want[1]):
        fail(f"{what}: agrees with the built-in only to float32 precision: compute in the "
             "inputs' dtype (float64 here)")
    for name, g, e in zip(names, (out, w), want, strict=True):
        check_tensor(g, e.to(dtype), f"{what}: {name}", rtol, atol)


def draw(g, *shape, scale=1.0, dtype=F64):
    return (scale * torch.randn(*shape, generator=g, dtype=F64)).to(dtype)


def random_mask(g, *shape):
    """A boolean mask (True = may attend) where every query may see at least its last key."""
    mask = torch.rand(*shape, generator=g, dtype=F64) < 0.55  # (..., T_q, T_k)
    mask[..., -1] = True
    return mask


# ---------------------------------------------------------------- scaled_dot_product_attention

def sdpa_variant(q, k, v, mask=None, *, scale="sqrt_d", axis=-1, masking="before"):
    """Attention with one mistake switched on; the defaults are the right attention."""
    q, k, v = q.double(), k.double(), v.double()
    div = {"sqrt_d": math.sqrt(q.shape[-1]), "none": 1.0, "d": q.shape[-1],
           "sqrt_dv": math.sqrt(v.shape[-1])}[scale]
    scores = q @ k.transpose(-2, -1) / div  # (..., T_q, T_k)
    if mask is not None:
        allowed = ~mask if masking == "inverted" else mask
        if masking in ("before", "inverted"):
            scores = scores.masked_fill(~allowed, float("-inf"))
        elif masking == "zero_score":
            scores = scores * mask
    weights = torch.softmax(scores, dim=axis)  # (..., T_q, T_k)
    if mask is not None and masking == "after":
        weights = weights * mask
    return weights @ v, weights


SDPA_MISTAKES = [
    ("the scores are not scaled: divide q k^T by sqrt(d), d = q.shape[-1]", {"scale": "none"}),
    ("you divide the scores by d; divide by sqrt(d)", {"scale": "d"}),
    ("you scale by sqrt(d_v), the values' size; scale by sqrt(d), the size of the queries and "
     "keys (q.shape[-1])", {"scale": "sqrt_dv"}),
    ("the softmax runs over the query axis (dim=-2: columns sum to 1); each query's weights "
     "over the keys must sum to 1, dim=-1", {"axis": -2}),
    ("the mask is applied after the softmax (weights zeroed, rows no longer sum to 1): fill the "
     "masked scores with -inf before the softmax", {"masking": "after"}),
    ("the mask convention is inverted: True = may attend here (nn.MultiheadAttention's masks "
     "use the opposite)", {"masking": "inverted"}),
    ("the mask is ignored", {"masking": "ignored"}),
    ("masked scores are set to 0 (or multiplied by the mask); exp(0) still gives them weight: "
     "fill them with -inf", {"masking": "zero_score"}),
]


def sdpa_oracle(q, k, v, mask=None):
    """F.scaled_dot_product_attention in float64 (same mask convention) and the weights."""
    q, k, v = q.double(), k.double(), v.double()
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    _, weights = sdpa_variant(q, k, v, mask)
    return out, weights


def sdpa_sizes(q, k, v, mask):
    text = f"q {tuple(q.shape)}, k {tuple(k.shape)}, v {tuple(v.shape)}"
    text += f", mask {tuple(mask.shape)}" if mask is not None else ""
    return text + (f", {q.dtype}" if q.dtype != F64 else "")


def check_sdpa(student, cases, what, precheck=None):
    calls = [c if c[3] is not None else c[:3] for c in cases]
    try:
        results = run(student, "scaled_dot_product_attention", calls)
    except StudentRaised as exc:
        leading = any(c[0].dim() > 3 for c in cases)
        if leading and exc.status != "missing":  # a stub stays a stub
            fail(f"{what}: it must work with extra leading dimensions (B, h, T, d): use "
                 f"k.transpose(-2, -1) and softmax(dim=-1), not bmm or axes 1/2; {exc}")
        raise
    for (q, k, v, mask), got in zip(cases, results, strict=True):
        if precheck is not None:
            precheck(got, mask)
        mistakes = [(fb, partial(sdpa_variant, q, k, v, mask, **o)) for fb, o in SDPA_MISTAKES]
        check_pair(got, sdpa_oracle(q, k, v, mask), f"{what} ({sdpa_sizes(q, k, v, mask)})",
                   mistakes, dtype=q.dtype)
    return results


def sdpa_case(g, lead, T_q, T_k, d, d_v, mask_shape=None, scale=1.0, dtype=F64):
    q = draw(g, *lead, T_q, d, scale=scale, dtype=dtype)  # (..., T_q, d)
    k = draw(g, *lead, T_k, d, scale=scale, dtype=dtype)  # (..., T_k, d)
    v = draw(g, *lead, T_k, d_v, dtype=dtype)  # (..., T_k, d_v)
    mask = random_mask(g, *mask_shape) if mask_shape is not None else None
    return q, k, v, mask


@exercise("scaled_dot_product_attention", points=1, forbid=ATTENTION)
def test_sdpa_unmasked(student):
    """Without a mask, do out and weights match F.scaled_dot_product_attention for
    cross-attention (T_q != T_k, d != d_v), over several draws, and in float32 (dtype kept)?"""
    g = rng(0)
    cases = [sdpa_case(g, (2,), 3, 5, 4, 6), sdpa_case(g, (3,), 6, 4, 7, 2),
             sdpa_case(g, (1,), 5, 5, 8, 3, scale=2.0),
             sdpa_case(g, (2,), 4, 7, 5, 3, dtype=torch.float32)]
    check_sdpa(student, cases, "scaled_dot_product_attention without a mask")


@exercise("scaled_dot_product_attention", points=1, forbid=ATTENTION)
def test_sdpa_mask_shapes(student):
    """With boolean masks (True = may attend) of shapes (T_q, T_k), (B, 1, T_k) and
    (B, T_q, T_k), broadcast against the scores?"""
    g = rng(1)
    B, T_q, T_k, d, d_v = 3, 4, 6, 5, 2
    cases = [sdpa_case(g, (B,), T_q, T_k, d, d_v, shape)
             for shape in ((T_q, T_k), (B, 1, T_k), (B, T_q, T_k))]
    check_sdpa(student, cases, "scaled_dot_product_attention with a mask")


@exercise("scaled_dot_product_attention", points=1, forbid=ATTENTION)
def test_sdpa_masked_weights_exact(student):
    """Are masked weights exactly 0, do rows sum to 1, and does a query whose only allowed key
    is the last one take exactly that key's value?"""
    g = rng(2)
    B, T_q, T_k, d, d_v = 2, 5, 7, 4, 3
    q, k, v, mask = sdpa_case(g, (B,), T_q, T_k, d, d_v, (B, T_q, T_k))
    mask[:, 1] = False
    mask[:, 1, -1] = True  # query 1 may only see the last key
    what = f"scaled_dot_product_attention ({sdpa_sizes(q, k, v, mask)})"
    out, w = unpack(check_sdpa(student, [(q, k, v, mask)], "scaled_dot_product_attention")[0],
                    what)
    if (w[~mask.expand_as(w)] != 0).any():
        fail(f"{what}: masked weights must be exactly 0")
    check_tensor(w.sum(-1), torch.ones(B, T_q, dtype=F64), f"{what}: the row sums of weights",
                 RTOL_F64, ATOL_F64)
    check_tensor(out[:, 1], v[:, -1], f"{what}: out for a query that may only see the last key",
                 RTOL_F64, ATOL_F64)


@exercise("scaled_dot_product_attention", points=1, forbid=ATTENTION)
def test_sdpa_leading_dims(student):
    """With extra leading dimensions (B, h, T, d), as multi_head_attention calls it, with masks
    (T_q, T_k) and (B, 1, T_q, T_k)?"""
    g = rng(3)
    B, h, T_q, T_k, d, d_v = 2, 3, 4, 5, 6, 2
    cases = [sdpa_case(g, (B, h), T_q, T_k, d, d_v),
             sdpa_case(g, (B, h), T_q, T_k, d, d_v, (T_q, T_k)),
             sdpa_case(g, (B, h), T_q, T_k, d, d_v, (B, 1, T_q, T_k))]
    check_sdpa(student, cases, "scaled_dot_product_attention with a head axis")


@exercise("scaled_dot_product_attention", points=1, forbid=ATTENTION)
def test_sdpa_large_scores(student):
    """With scores of magnitude about 1e5, are the results finite and masked weights still
    exactly 0 (no overflow in exp; no finite fill value that large scores outweigh)?"""
    g = rng(4)
    cases = [sdpa_case(g, (2,), 3, 6, 4, 5, scale=300.0),
             sdpa_case(g, (2,), 4, 5, 3, 2, (2, 4, 5), scale=300.0)]
    what = "scaled_dot_product_attention with large scores"

    def masked_exactly_zero(got, mask):
        _, w = unpack(got, what)
        if mask is not None and tuple(w.shape) == tuple(mask.shape) and w.isfinite().all() \
                and (w[~mask] != 0).any():
            fail(f"{what}: masked weights are not 0: fill masked scores with -inf, not a finite "
                 "number that large scores outweigh")

    try:
        check_sdpa(student, cases, what, masked_exactly_zero)
    except GradingFailure as exc:
        if "NaN/inf" in str(exc):
            fail(f"{exc}: exp of a large score overflows; subtract each row's maximum first "
                 "(torch.softmax does it for you)")
        raise


@exercise("scaled_dot_product_attention", points=1, forbid=ATTENTION)
def test_sdpa_gradients(student):
    """Do the gradients of out and weights w.r.t. q, k and v (masked and unmasked) match the
    built-in's?"""
    g = rng(5)
    for q, k, v, mask in (sdpa_case(g, (2,), 3, 5, 4, 6), sdpa_case(g, (2,), 4, 6, 3, 5,
                                                                     (2, 4, 6))):
        args = (q, k, v) if mask is None else (q, k, v, mask)
        what = f"scaled_dot_product_attention gradients ({sdpa_sizes(q, k, v, mask)})"
        got = run(student, "scaled_dot_product_attention", [args], grad=True)
        if isinstance(got, tuple) and got[0] == "problem":
            fail(f"{what}: {got[1]}")
        mistakes = [(fb, partial(sdpa_variant, q, k, v, mask, **o)) for fb, o in SDPA_MISTAKES]
        check_pair(got[0][:2], sdpa_oracle(q, k, v, mask), what, mistakes)
        leaves = [t.clone().requires_grad_() for t in (q, k, v)]
        want = sdpa_variant(*leaves, mask)
        want_grads = grad_of(want, leaves)
        check_grads(got[0][2], want_grads, ("q", "k", "v"), what)


def grad_of(outputs, leaves):
    """Gradients of the probe's loss, sum(out * G_out) + sum(weights * G_w), same G's."""
    g = torch.Generator().manual_seed(7)
    loss = sum((o * torch.randn(o.shape, generator=g, dtype=o.dtype)).sum() for o in outputs)
    return torch.autograd.grad(loss, leaves)


def check_grads(got, want, names, what):
    for name, gr, e in zip(names, got, want, strict=True):
        if gr is None:
            fail(f"{what}: nothing depends on {name} through autograd (detached?)")
        check_tensor(gr, e, f"{what}: the gradient w.r.t. {name}", RTOL_F64, ATOL_F64)


# ---------------------------------------------------------------- causal_mask

def mask_variants(T):
    ones = torch.ones(T, T, dtype=torch.bool)
    return [("upper triangle: that is the future; query i may attend to keys j <= i "
             "(torch.tril)", ones.triu()),
            ("the diagonal is excluded: a position may attend to itself (j <= i)", ones.tril(-1)),
            ("True marks the blocked future (nn.MultiheadAttention's convention); here True = "
             "may attend", ones.triu(1))]


def check_mask(got, T):
    what = f"causal_mask({T})"
    want = torch.ones(T, T, dtype=torch.bool).tril()
    if type(got) is torch.Tensor and tuple(got.shape) == (T, T):
        if got.dtype != torch.bool:
            same = torch.equal(got.to(torch.bool), want) and bool(((got == 0) | (got == 1)).all())
            fail(f"{what} has dtype {got.dtype}{' (with the right 0/1 values)' if same else ''}; "
                 "return a torch.bool tensor")
        for feedback, wrong in mask_variants(T):
            if not torch.equal(wrong, want) and torch.equal(got, wrong):
                fail(f"{what}: {feedback}")
    check_tensor(got, want, what, check_dtype=True)


@exercise("causal_mask", points=1)
def test_causal_mask_values(student):
    """Is causal_mask(6) the lower triangle with the diagonal, as a bool (T, T) tensor?"""
    check_mask(student.causal_mask(6), 6)


@exercise("causal_mask", points=1)
def test_causal_mask_sizes(student):
    """For T = 1, 9 and 64?"""
    for T in (1, 9, 64):
        check_mask(student.causal_mask(T), T)


# ---------------------------------------------------------------- multi_head_attention

def mha_oracle(query, key, value, h, W, b, Wo, bo, mask=None, grad=False):
    """nn.MultiheadAttention(E, h, batch_first=True) in float64 with these weights, the mask
    converted to its convention; with grad, also the gradients of the probe's loss."""
    B, T_q, E = query.shape
    T_k = key.shape[1]
    module = torch.nn.MultiheadAttention(E, h, batch_first=True, dtype=F64).eval()
    with torch.no_grad():
        for p, w in zip((module.in_proj_weight, module.in_proj_bias, module.out_proj.weight,
                         module.out_proj.bias), (W, b, Wo, bo), strict=True):
            p.copy_(w)
    inputs = [t.detach().double().requires_grad_(grad) for t in (query, key, value)]
    kwargs = {}
    if mask is not None and tuple(mask.shape) == (B, 1, T_k):
        kwargs["key_padding_mask"] = ~mask[:, 0]  # (B, T_k), True = padding
    elif mask is not None and mask.dim() == 2:
        kwargs["attn_mask"] = ~mask  # (T_q, T_k), True = not allowed
    elif mask is not None:
        kwargs["attn_mask"] = (~mask.expand(B, T_q, T_k)).repeat_interleave(h, dim=0)
    with torch.set_grad_enabled(grad):
        out, weights = module(*inputs, need_weights=True, average_attn_weights=True, **kwargs)
    if not grad:
        return out, weights
    leaves = [*inputs, module.in_proj_weight, module.in_proj_bias, module.out_proj.weight,
              module.out_proj.bias]
    return out.detach(), weights.detach(), grad_of((out, weights), leaves)


def mha_variant(query, key, value, h, W, b, Wo, bo, mask=None, *, order="qkv", scale="head",
                split="heads", merge="heads", reduce="mean", out_proj=True, in_bias=True,
                out_bias=True, masking="right", axis=-1):
    """Multi-head attention with one mistake switched on; the defaults are
    nn.MultiheadAttention's."""
    query, key, value, W, b, Wo, bo = (t.double() for t in (query, key, value, W, b, Wo, bo))
    B, T_q, E = query.shape
    d_h = E // h
    blocks = dict(zip(order, zip(W.chunk(3), b.chunk(3), strict=True), strict=True))

    def project(x, letter):
        w_, b_ = blocks[letter]
        return x @ w_.T + (b_ if in_bias else 0)  # (B, T, E)

    def heads(x):  # (B, T, E) -> (B, h, T, d_h)
        T = x.shape[1]
        if split == "heads":
            return x.reshape(B, T, h, d_h).transpose(1, 2)
        if split == "no_transpose":
            return x.reshape(B, h, T, d_h)
        if split == "interleaved":
            return x.reshape(B, T, d_h, h).permute(0, 3, 1, 2)
        return x[:, None]  # "none": one head of size E

    q, k, v = heads(project(query, "q")), heads(project(key, "k")), heads(project(value, "v"))
    div = {"head": math.sqrt(q.shape[-1]), "E": math.sqrt(E), "none": 1.0, "d_h": d_h}[scale]
    scores = q @ k.transpose(-2, -1) / div  # (B, h', T_q, T_k)
    if mask is not None and masking in ("right", "inverted"):
        allowed = ~mask if masking == "inverted" else mask
        scores = scores.masked_fill(~allowed.unsqueeze(-3), float("-inf"))
    w = torch.softmax(scores, dim=axis)  # (B, h', T_q, T_k)
    if mask is not None and masking == "after":
        w = w * mask.unsqueeze(-3)
    o = w @ v  # (B, h', T_q, d_h)
    if split == "no_transpose" or merge == "no_transpose":
        merged = o.reshape(B, T_q, E)
    elif split == "interleaved":
        merged = o.permute(0, 2, 3, 1).reshape(B, T_q, E)
    else:
        merged = o.transpose(1, 2).reshape(B, T_q, E)  # (B, T_q, E)
    out = merged @ Wo.T if out_proj else merged
    out = out + (bo if out_bias and out_proj else 0)
    weights = {"mean": w.mean(1), "sum": w.sum(1), "first": w[:, 0], "last": w[:, -1]}[reduce]
    return out, weights


def mha_mistakes():
    """(feedback, variant options) for the classic multi-head slips, most specific first."""
    rows = ("in_proj_weight stacks W_q, W_k, W_v: rows 0:E are the queries', E:2E the keys', "
            "2E:3E the values' (same blocks in in_proj_bias)")
    out = [(f"you read the row blocks of in_proj_weight as ({', '.join(p)}); {rows}",
            {"order": "".join(p)}) for p in itertools.permutations("qkv") if p != tuple("qkv")]
    out += [
        ("the scores are scaled by sqrt(E); scale by sqrt(d_h), the head size E / num_heads",
         {"scale": "E"}),
        ("the scores are not scaled: divide by sqrt(d_h), d_h = E / num_heads",
         {"scale": "none"}),
        ("the scores are divided by d_h; divide by sqrt(d_h)", {"scale": "d_h"}),
        ("the heads are never split: one attention over all E columns; split into num_heads "
         "heads of E / num_heads columns", {"split": "none"}),
        ("heads split with reshape(B, num_heads, T, d_h) without a transpose, which mixes "
         "positions and heads: reshape(B, T, num_heads, d_h).transpose(1, 2)",
         {"split": "no_transpose"}),
        ("heads split as interleaved columns (reshape(B, T, d_h, num_heads)); head j owns the "
         "contiguous columns j*d_h:(j+1)*d_h: reshape(B, T, num_heads, d_h).transpose(1, 2)",
         {"split": "interleaved"}),
        ("the heads are merged without transposing back: (B, h, T_q, d_h) -> "
         "transpose(1, 2).reshape(B, T_q, E)", {"merge": "no_transpose"}),
        ("the returned weights are summed over heads; average them (mean over the head axis)",
         {"reduce": "sum"}),
        ("the returned weights are one head's; average them over the heads", {"reduce": "first"}),
        ("the returned weights are one head's; average them over the heads", {"reduce": "last"}),
        ("the output projection is missing: out = concat(heads) @ out_proj_weight.T + "
         "out_proj_bias", {"out_proj": False}),
        ("out_proj_bias is missing", {"out_bias": False}),
        ("in_proj_bias is missing: Q = query W_q^T + b_q, and likewise for K and V",
         {"in_bias": False}),
        ("the mask convention is inverted: True = may attend here (nn.MultiheadAttention's "
         "is the opposite)", {"masking": "inverted"}),
        ("the mask is ignored", {"masking": "ignored"}),
        ("the mask is applied after the softmax (weights zeroed, rows no longer sum to 1): fill "
         "the masked scores with -inf before the softmax", {"masking": "after"}),
        ("the softmax runs over the query axis; each query's weights over the keys must sum to "
         "1, dim=-1", {"axis": -2}),
    ]
    return out


MHA_MISTAKES = mha_mistakes()


def mha_sizes(query, key, h, mask):
    B, T_q, E = query.shape
    text = f"B={B}, T_q={T_q}, T_k={key.shape[1]}, E={E}, num_heads={h}"
    text += f", mask {tuple(mask.shape)}" if mask is not None else ""
    return text + (f", {query.dtype}" if query.dtype != F64 else "")


def mha_case(g, B, T_q, T_k, E, h, mask_shape=None, self_attention=False, dtype=F64,
             zero_qk=False):
    """(query, key, value, h, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
    mask); weights ~ N(0, 1/E) scaled up so that the heads' attention is far from uniform."""
    query = draw(g, B, T_q, E, dtype=dtype)  # (B, T_q, E)
    key = query if self_attention else draw(g, B, T_k, E, dtype=dtype)  # (B, T_k, E)
    value = query if self_attention else draw(g, B, T_k, E, dtype=dtype)  # (B, T_k, E)
    W = draw(g, 3 * E, E, scale=1.5 / math.sqrt(E), dtype=dtype)  # (3E, E)
    b = draw(g, 3 * E, scale=0.3, dtype=dtype)  # (3E,)
    if zero_qk:
        W[:2 * E], b[:2 * E] = 0, 0
    Wo = draw(g, E, E, scale=1 / math.sqrt(E), dtype=dtype)  # (E, E)
    bo = draw(g, E, scale=0.3, dtype=dtype)  # (E,)
    mask = random_mask(g, *mask_shape) if mask_shape is not None else None
    return query, key, value, h, W, b, Wo, bo, mask


def check_mha(student, cases, what):
    calls = [c if c[-1] is not None else c[:-1] for c in cases]
    results = run(student, "multi_head_attention", calls)
    for case, got in zip(cases, results, strict=True):
        query, key, _, h, *_, mask = case
        full = f"{what} ({mha_sizes(query, key, h, mask)})"
        B, T_q, T_k = query.shape[0], query.shape[1], key.shape[1]
        if isinstance(got, tuple | list) and len(got) == 2 and type(got[1]) is torch.Tensor \
                and tuple(got[1].shape) == (B, h, T_q, T_k) and h > 1:
            fail(f"{full}: the weights are returned per head, shape {tuple(got[1].shape)}; "
                 "average them over the heads: (B, T_q, T_k)")
        mistakes = [(fb, partial(mha_variant, *case[:-1], mask, **o))
                    for fb, o in MHA_MISTAKES]
        check_pair(got, mha_oracle(*case), full, mistakes, dtype=query.dtype)
    return results


@exercise("multi_head_attention", points=1, forbid=ATTENTION)
def test_mha_one_head(student):
    """With one head (no splitting to get wrong), cross-attention T_q != T_k: are the q/k/v
    projections, the scaling, the output projection and the weights right?"""
    g = rng(10)
    check_mha(student, [mha_case(g, 2, 3, 5, 6, 1), mha_case(g, 3, 4, 2, 5, 1)],
              "multi_head_attention with one head")


@exercise("multi_head_attention", points=1, forbid=ATTENTION)
def test_mha_value_path(student):
    """With W_q = W_k = 0 and b_q = b_k = 0 (so every weight is uniform), is the output the
    mean of the projected values through the output projection, with 3 heads?"""
    g = rng(11)
    try:
        check_mha(student, [mha_case(g, 2, 4, 5, 9, 3, zero_qk=True)],
                  "multi_head_attention with W_q = W_k = 0 (uniform attention)")
    except GradingFailure as exc:
        fail(f"{exc}; only the value path runs here: V from rows 2E:3E of in_proj_weight "
             "(and in_proj_bias), heads merged back in order, then the output projection")


@exercise("multi_head_attention", points=1, forbid=ATTENTION)
def test_mha_head_counts(student):
    """With 2, 4 and E heads (head size E/h down to 1), cross-attention: are heads split into
    contiguous column blocks, merged back in order, and their weights averaged?"""
    g = rng(12)
    cases = [mha_case(g, 2, 3, 5, 8, 2), mha_case(g, 3, 5, 4, 8, 4), mha_case(g, 2, 4, 3, 6, 6)]
    check_mha(student, cases, "multi_head_attention")


@exercise("multi_head_attention", points=1, forbid=ATTENTION)
def test_mha_causal_self_attention(student):
    """Self-attention (query = key = value) with a causal (T, T) mask: does it match
    nn.MultiheadAttention with attn_mask = ~mask?"""
    g = rng(13)
    case = list(mha_case(g, 3, 6, 6, 12, 3, self_attention=True))
    case[-1] = torch.ones(6, 6, dtype=torch.bool).tril()  # (T, T), True = may attend
    check_mha(student, [tuple(case)], "multi_head_attention, causal self-attention")


@exercise("multi_head_attention", points=1, forbid=ATTENTION)
def test_mha_mask_shapes(student):
    """With masks (T_q, T_k), (B, 1, T_k) (key padding) and (B, T_q, T_k), True = may attend:
    masked weights exactly 0, rows summing to 1, a query that may see only the last key?"""
    g = rng(14)
    B, T_q, T_k, E, h = 3, 4, 6, 8, 2
    cases = [mha_case(g, B, T_q, T_k, E, h, shape)
             for shape in ((T_q, T_k), (B, 1, T_k), (B, T_q, T_k))]
    cases[2][-1][:, 2] = False
    cases[2][-1][:, 2, -1] = True  # query 2 may only see the last key
    results = check_mha(student, cases, "multi_head_attention with a mask")
    for case, (_, w) in zip(cases, results, strict=True):
        what = f"multi_head_attention ({mha_sizes(case[0], case[1], h, case[-1])})"
        if (w[~case[-1].expand(B, T_q, T_k)] != 0).any():
            fail(f"{what}: masked weights must be exactly 0")
        check_tensor(w.sum(-1), torch.ones(B, T_q, dtype=F64), f"{what}: the row sums of "
                     "weights", RTOL_F64, ATOL_F64)


@exercise("multi_head_attention", points=1, forbid=ATTENTION)
def test_mha_float32(student):
    """In float32 (dtype kept), with 4 heads and a (B, T_q, T_k) mask?"""
    g = rng(15)
    check_mha(student, [mha_case(g, 2, 5, 3, 12, 4, (2, 5, 3), dtype=torch.float32)],
              "multi_head_attention in float32")


@exercise("multi_head_attention", points=1, forbid=ATTENTION)
def test_mha_gradients(student):
    """Do the gradients of out and weights w.r.t. query, key, value and all four weight
    tensors match nn.MultiheadAttention's, with a mask?"""
    g = rng(16)
    case = mha_case(g, 2, 3, 5, 8, 2, (2, 3, 5))
    what = f"multi_head_attention gradients ({mha_sizes(case[0], case[1], 2, case[-1])})"
    got = run(student, "multi_head_attention", [case], grad=True)
    if isinstance(got, tuple) and got[0] == "problem":
        fail(f"{what}: {got[1]}")
    want_out, want_w, want_grads = mha_oracle(*case, grad=True)
    mistakes = [(fb, partial(mha_variant, *case, **o)) for fb, o in MHA_MISTAKES]
    check_pair(got[0][:2], (want_out, want_w), what, mistakes)
    names = ("query", "key", "value", "in_proj_weight", "in_proj_bias", "out_proj_weight",
             "out_proj_bias")
    check_grads(got[0][2], want_grads, names, what)


# ---------------------------------------------------------------- sinusoidal_positional_encoding

def pe_variant(T, d, *, funcs="sin_cos", exponent="2i", layout="interleaved", start=0):
    """The encoding with one mistake switched on; the defaults are the formula."""
    p = torch.arange(start, start + T, dtype=F64)[:, None]  # (T, 1)
    j = torch.arange(d, dtype=F64)  # (d,)
    two_i = {"2i": j - j % 2, "j": j, "i": (j - j % 2) / 2}[exponent]  # (d,)
    angle = p / 10000 ** (two_i / d)  # (T, d)
    even, odd = (torch.sin, torch.cos) if funcs == "sin_cos" else (torch.cos, torch.sin)
    pe = torch.where(j % 2 == 0, even(angle), odd(angle))  # (T, d)
    if layout == "halves":  # [all sines | all cosines]
        pe = torch.cat([pe[:, 0::2], pe[:, 1::2]], dim=1)
    return pe


PE_MISTAKES = [
    ("sin and cos are swapped: even columns 2i are sines, odd columns 2i+1 cosines",
     {"funcs": "cos_sin"}),
    ("the exponent uses the column index (p / 10000^(j/d)); a (sin, cos) pair shares one "
     "frequency, p / 10000^(2i/d) with 2i = j - j % 2", {"exponent": "j"}),
    ("the exponent is i/d (the pair index); it is 2i/d: p / 10000^(2i/d)", {"exponent": "i"}),
    ("the sines and cosines are concatenated ([sin | cos]); they interleave: column 2i is a "
     "sine, column 2i+1 the cosine of the same angle", {"layout": "halves"}),
    ("positions start at 1; they start at 0 (PE[0] = [0, 1, 0, 1, ...])", {"start": 1}),
]


def check_pe(student, T, d, what):
    got = student.sinusoidal_positional_encoding(T, d)
    want = pe_variant(T, d)
    full = f"{what} sinusoidal_positional_encoding({T}, {d})"
    if type(got) is torch.Tensor and tuple(got.shape) == (T, d) and got.is_floating_point() \
            and not close(got, want):
        for feedback, options in PE_MISTAKES:
            alt = pe_variant(T, d, **options)
            if not close(alt, want) and close(got, alt):
                fail(f"{full}: {feedback}")
    if type(got) is torch.Tensor and not got.is_floating_point():
        fail(f"{full} has dtype {got.dtype}; return a floating-point tensor")
    check_tensor(got, want, full)


@exercise("sinusoidal_positional_encoding", points=1)
def test_pe_even(student):
    """For even d (T=9, d=6 and T=20, d=16), does every entry follow the formula?"""
    check_pe(student, 9, 6, "even d:")
    check_pe(student, 20, 16, "even d:")


@exercise("sinusoidal_positional_encoding", points=1)
def test_pe_odd(student):
    """For odd d (T=7, d=5; T=4, d=1), is the last column a sine, ceil(d/2) sines and
    floor(d/2) cosines?"""
    check_pe(student, 7, 5, "odd d:")
    check_pe(student, 4, 1, "odd d:")


@exercise("sinusoidal_positional_encoding", points=1)
def test_pe_long(student):
    """For a longer, wider encoding (T=64, d=34; T=3, d=40)?"""
    check_pe(student, 64, 34, "")
    check_pe(student, 3, 40, "")


# ---------------------------------------------------------------- checkpoint questions

@exercise("q_scaling", points=1)
def test_q_scaling(student):
    """Why divide the scores by sqrt(d)?"""
    check_answer(student.value("q_scaling"), "q_scaling", "19d80039aa58576de6a3")


@exercise("q_weights_numel", points=1)
def test_q_weights_numel(student):
    """How many numbers do the averaged weights hold for B=8, T_q=10, T_k=12, h=4?"""
    check_answer(student.value("q_weights_numel"), "q_weights_numel", "5acddbb4f8909852f34b",
                 digits=0)


@exercise("q_path_length", points=1)
def test_q_path_length(student):
    """Sequential steps, path length and memory: RNN against self-attention?"""
    check_answer(student.value("q_path_length"), "q_path_length", "628de192a21f70aa2013")


@exercise("q_pe_value", points=1)
def test_q_pe_value(student):
    """What is PE[50, 2] for d = 4?"""
    check_answer(student.value("q_pe_value"), "q_pe_value", "7abae94494e6359267cd")
