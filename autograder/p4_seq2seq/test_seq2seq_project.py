"""Hidden grader for p4_seq2seq/seq2seq_project: the batch pipeline (ids, padding, masks, the
teacher-forcing shift), the masked cross-entropy, the GRU encoder-decoder with additive
attention, greedy decoding, an exact-match threshold within a time budget, checkpoints.

make_batch is compared with an oracle written here on pairs of distinct lengths (S != T), with
characters outside the vocabulary; known mistakes (left padding, inverted masks, no shift, no
<eos>, unknowns as <pad>) are recognised by running variants of the oracle. The loss has a
float64 oracle; masked targets hold ids other than <pad> where the mask alone must decide, and
averaging over pads, mean of per-sequence means and ignore_index are recognised the same way.
Seq2Seq is free in its details but pinned in its interface (encode / decode_step / forward):
it is probed for shapes, attention weights (a distribution over the real source positions),
invariance to extra padding (with and without attention: the encoder state must be taken at
the last real character), and agreement of teacher-forced forward with step-by-step decoding.
greedy_decode runs on a scripted model built inside a probe, whose <eos> step is known; the
oracle is the same probe run here with a trusted decoder. The threshold case trains the
student's Seq2Seq on fresh dates drawn here with the student's make_batch and loss (the
reference ones when those disagree with the reference on the first batch, so that a mistake
there costs only its own exercise) and decodes held-out dates with a trusted greedy loop."""

import random

import torch

from dlcore.grading import check_number, check_tensor, exercise, fail, plain_tensor, rng
from dlcore.questions import check_answer
from dlcore.untrusted import wire

# By name (cheap: wrappers only), and the operators behind them (recorded by a dispatch mode,
# which doubles the cost of training: the threshold case watches the names only).
ATTENTION_NAMES = ["torch.nn.functional.scaled_dot_product_attention",
                   "torch.nn.functional.multi_head_attention_forward",
                   "torch.nn.MultiheadAttention.__init__"]
ATTENTION = [*ATTENTION_NAMES,
             "aten._scaled_dot_product_flash_attention_for_cpu",
             "aten._scaled_dot_product_attention_math",
             "aten._scaled_dot_product_efficient_attention",
             "aten._scaled_dot_product_flash_attention",
             "aten._native_multi_head_attention"]
PAD, BOS, EOS, UNK = 0, 1, 2, 3
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
SPECIALS = ["<pad>", "<bos>", "<eos>", "<unk>"]
VOCAB = {tok: i for i, tok in enumerate(
    SPECIALS + sorted(set("".join(MONTHS)) | set("0123456789 ,./-")))}


def make_pairs(n, seed):
    """The notebook's generator (its setup cell), here so the grader draws its own dates."""
    r = random.Random(seed)
    pairs = []
    for _ in range(n):
        y, m = r.randint(1950, 2049), r.randint(1, 12)
        d, name, form = r.randint(1, DAYS_IN_MONTH[m - 1]), MONTHS[m - 1], r.randrange(6)
        source = [f"{d} {name} {y}", f"{d} {name[:3]} {y}", f"{name} {d}, {y}",
                  f"{d:02d}/{m:02d}/{y}", f"{name} {y}", f"{name[:3]}. {d}, {y}"][form]
        pairs.append((source, f"{y}-{m:02d}" if form == 4 else f"{y}-{m:02d}-{d:02d}"))
    return pairs


# ---------------------------------------------------------------- make_batch

def ref_batch(pairs, vocab, *, left=False, unk=None, shift=True, eos=True, extra_t=1,
              src_specials=False):
    """The oracle, or a variant with a known mistake."""
    pad, bos, e, u = (vocab[t] for t in SPECIALS)
    u = u if unk is None else unk
    srcs = [([bos] if src_specials else []) + [vocab.get(c, u) for c in s]
            + ([e] if src_specials else []) for s, _ in pairs]
    tgts = [[vocab.get(c, u) for c in t] for _, t in pairs]
    ins = [[bos] + t if shift else t + [e] for t in tgts]
    outs = [t + [e] if eos else t for t in tgts]
    S = max(map(len, srcs))
    T = max(map(len, tgts)) + extra_t

    def padded(rows, width):
        out = torch.full((len(rows), width), pad, dtype=torch.long)            # (B, width)
        for b, row in enumerate(rows):
            row = row[:width]
            if left:
                out[b, width - len(row):] = torch.tensor(row, dtype=torch.long)
            else:
                out[b, :len(row)] = torch.tensor(row, dtype=torch.long)
        return out

    def mask(rows, width):
        m = torch.zeros(len(rows), width, dtype=torch.bool)                    # (B, width)
        for b, row in enumerate(rows):
            if left:
                m[b, width - min(len(row), width):] = True
            else:
                m[b, :min(len(row), width)] = True
        return m

    return (padded(srcs, S), mask(srcs, S), padded(ins, T), padded(outs, T), mask(outs, T))


NAMES = ("src", "src_mask", "tgt_in", "tgt_out", "tgt_mask")


def batch_of(student, pairs, vocab=VOCAB, what=None):
    what = what or f"make_batch({len(pairs)} pairs, vocab)"
    out = student.make_batch(pairs, vocab)
    if not isinstance(out, tuple | list) or len(out) != 5:
        fail(f"{what} should return (src, src_mask, tgt_in, tgt_out, tgt_mask), got "
             f"{wire.type_name(out)}")
    return [plain_tensor(t, f"{what}: {n}") for t, n in zip(out, NAMES, strict=True)], what


def same(a, b):
    return tuple(a.shape) == tuple(b.shape) and torch.equal(a.long(), b.long())


def diagnose_src(got, pairs, vocab, what):
    src, src_mask = got[0], got[1]
    want = ref_batch(pairs, vocab)
    if src.dtype != torch.long:
        fail(f"{what}: src has dtype {src.dtype}; expected torch.long (ids for nn.Embedding)")
    if same(src, ref_batch(pairs, vocab, left=True)[0]) and not same(src, want[0]):
        fail(f"{what}: src is padded on the left; pad on the right (the encoder state is "
             "taken after each row's last real character)")
    if same(src, ref_batch(pairs, vocab, src_specials=True)[0]):
        fail(f"{what}: src holds <bos>/<eos>; the source is the characters only")
    if same(src, ref_batch(pairs, vocab, unk=vocab["<pad>"])[0]) and not same(src, want[0]):
        fail(f"{what}: characters outside the vocabulary became <pad>; map them to <unk> "
             "(a <pad> inside a sentence would be masked away)")
    if src.ndim == 2 and src.shape[0] == len(pairs) and src.shape[1] > want[0].shape[1]:
        fail(f"{what}: src has {src.shape[1]} columns; S is the longest source of this "
             f"batch ({want[0].shape[1]})")
    check_tensor(src, want[0], f"{what}: src")
    if src_mask.dtype == torch.bool and same(src_mask, ~want[1]):
        fail(f"{what}: src_mask is True at the padding; here True = a real character "
             "(the opposite of nn.MultiheadAttention's key_padding_mask)")
    check_tensor(src_mask, want[1], f"{what}: src_mask (bool, True = real character)",
                 check_dtype=True)


def diagnose_tgt(got, pairs, vocab, what):
    _, _, tgt_in, tgt_out, tgt_mask = got
    want = ref_batch(pairs, vocab)
    if same(tgt_in, tgt_out):
        fail(f"{what}: tgt_in and tgt_out are the same tensor; tgt_in = <bos> + target, "
             "tgt_out = target + <eos> (shifted by one: teacher forcing)")
    if same(tgt_out, ref_batch(pairs, vocab, eos=False, extra_t=1)[3]) or \
            same(tgt_out, ref_batch(pairs, vocab, eos=False, extra_t=0)[3]):
        fail(f"{what}: tgt_out has no <eos>: the model must learn to stop, so every target "
             "ends with <eos>")
    if tgt_in.ndim == 2 and tgt_in.shape[1] == want[2].shape[1] - 1:
        fail(f"{what}: T = {tgt_in.shape[1]}, the longest target; with <bos>/<eos> added "
             f"T is the longest target + 1 ({want[2].shape[1]})")
    if same(tgt_in, want[3]) and same(tgt_out, want[2]):
        fail(f"{what}: tgt_in and tgt_out are swapped")
    check_tensor(tgt_in, want[2], f"{what}: tgt_in", check_dtype=True)
    check_tensor(tgt_out, want[3], f"{what}: tgt_out", check_dtype=True)
    if tgt_mask.dtype == torch.bool and same(tgt_mask, ~want[4]):
        fail(f"{what}: tgt_mask is True at the padding; here True = a real target token")
    t = ref_batch(pairs, vocab, eos=False, extra_t=1)[4]
    if tgt_mask.dtype == torch.bool and same(tgt_mask, t):
        fail(f"{what}: tgt_mask is False at <eos>; <eos> is a real target (the model must "
             "learn to stop)")
    check_tensor(tgt_mask, want[4], f"{what}: tgt_mask (bool, True = real target token)",
                 check_dtype=True)


SRC_PAIRS = [("3 May 1990", "1990-05-03"), ("Jun 2001", "2001-06"),
             ("September 23, 2017", "2017-09-23"), ("1/1/1", "x")]


@exercise("make_batch", points=1)
def test_batch_source(student):
    """src right-padded with <pad> to the longest source, src_mask bool True at characters?"""
    got, what = batch_of(student, SRC_PAIRS)
    diagnose_src(got, SRC_PAIRS, VOCAB, what)


@exercise("make_batch", points=1)
def test_batch_targets_shifted(student):
    """tgt_in = <bos> + target, tgt_out = target + <eos>, right-padded to longest + 1?"""
    pairs = [("a", "1997-03-03"), ("bcdefghijklmn", "2001-06"), ("op", "12")]
    got, what = batch_of(student, pairs)
    diagnose_tgt(got, pairs, VOCAB, what)


@exercise("make_batch", points=1)
def test_batch_unknown_characters(student):
    """Characters outside the vocabulary become <unk> (another, smaller vocabulary)?"""
    vocab = {tok: i for i, tok in enumerate(SPECIALS + list("0123456789-"))}
    pairs = [("12 Mar 1999", "1999-03-12"), ("x", "7"), ("31/12/2000!", "2000-12-31")]
    got, what = batch_of(student, pairs, vocab, "make_batch(3 pairs, a digits-only vocab)")
    diagnose_src(got, pairs, vocab, what)
    diagnose_tgt(got, pairs, vocab, what)


@exercise("make_batch", points=1)
def test_batch_dates_several_draws(student):
    """Generated dates, several batch sizes (one pair, no padding at all): all five tensors?"""
    for n, seed in ((7, 11), (1, 12), (16, 13)):
        pairs = make_pairs(n, seed)
        got, what = batch_of(student, pairs)
        diagnose_src(got, pairs, VOCAB, what)
        diagnose_tgt(got, pairs, VOCAB, what)
    same_len = [("1 May 1990", "1990-05-01"), ("2 May 1991", "1991-05-02")]
    got, what = batch_of(student, same_len)
    diagnose_src(got, same_len, VOCAB, what)
    diagnose_tgt(got, same_len, VOCAB, what)


@exercise("make_batch", points=1)
def test_batch_masks_agree_with_padding(student):
    """Masks True exactly at non-<pad> ids, and S, T taken from each batch?"""
    for pairs in (make_pairs(5, 14), [("May 2049", "2049-05"), ("12/12/2012", "2012-12-12")]):
        got, what = batch_of(student, pairs)
        src, src_mask, _, tgt_out, tgt_mask = got
        if src_mask.dtype != torch.bool or tgt_mask.dtype != torch.bool:
            fail(f"{what}: masks of dtype {src_mask.dtype}, {tgt_mask.dtype}; expected bool "
                 "(True = valid)")
        want = ref_batch(pairs, VOCAB)
        for g, w, n in zip(got, want, NAMES, strict=True):
            if tuple(g.shape) != tuple(w.shape):
                fail(f"{what}: {n} has shape {tuple(g.shape)}; expected {tuple(w.shape)} "
                     "(S and T from the longest source and target of this batch)")
        check_tensor(src_mask, src != PAD, f"{what}: src_mask vs src != <pad>")
        check_tensor(tgt_mask, tgt_out != PAD, f"{what}: tgt_mask vs tgt_out != <pad>")


# ---------------------------------------------------------------- masked_cross_entropy

def loss_variants(logits, targets, mask):
    """The oracle (float64) and known wrong versions."""
    lp = torch.log_softmax(logits.detach().double(), dim=-1)                   # (B, T, V)
    nll = -lp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)                    # (B, T)
    m = mask.double()                                                          # (B, T)
    return (nll * m).sum() / m.sum(), {
        "averages over all B * T positions, padding included (reduction='mean' without "
        "the mask); divide the masked sum by the number of valid positions": nll.mean(),
        "divides the masked sum by all B * T positions; divide by mask.sum(), the number "
        "of valid positions": (nll * m).sum() / m.numel(),
        "is the mean of per-sequence means, so a short sequence weighs as much as a long "
        "one; average over all valid positions of the batch at once":
            ((nll * m).sum(1) / m.sum(1).clamp(min=1)).mean(),
        "ignores the positions whose target is <pad> (ignore_index=0) rather than those "
        "the mask marks False: the mask decides, whatever id a masked target holds":
            nll[targets != PAD].mean(),
        "is the masked sum, not the mean over valid positions": (nll * m).sum(),
    }


def loss_case(logits_shape, seed, masked_ids="pad", dtype=torch.float32, scale=3.0):
    B, T, V = logits_shape
    g = rng(seed)
    logits = (scale * torch.randn(B, T, V, generator=g, dtype=torch.float64)).to(dtype)
    targets = torch.randint(4, V, (B, T), generator=g)                         # (B, T)
    lengths = torch.randperm(T, generator=g)[:B] + 1                           # distinct
    lengths[0] = T
    mask = torch.arange(T)[None, :] < lengths[:, None]                         # (B, T)
    if masked_ids == "pad":
        targets = targets.masked_fill(~mask, PAD)
    return logits, targets, mask


def check_loss(got, logits, targets, mask, what, rtol=1e-5):
    want, wrong = loss_variants(logits, targets, mask)
    if type(got) is not torch.Tensor:
        fail(f"{what} should return a 0-dim tensor, got {wire.type_name(got)}")
    if got.dim() != 0:
        fail(f"{what} has shape {tuple(got.shape)}; expected a 0-dim tensor (one number)")
    value = float(got)
    if abs(value - float(want)) > 1e-6 + rtol * abs(float(want)):
        for message, w in wrong.items():
            if abs(value - float(w)) <= 1e-6 + rtol * abs(float(w)):
                fail(f"{what} {message}")
    check_number(got, float(want), what, rtol=rtol, atol=1e-6)


@exercise("masked_cross_entropy", points=1)
def test_loss_matches_oracle(student):
    """Mean over the valid positions of a batch with rows of distinct lengths?"""
    for shape, seed in (((4, 6, 9), 20), ((3, 11, 5), 21)):
        logits, targets, mask = loss_case(shape, seed)
        what = f"masked_cross_entropy(logits {shape}, targets, mask)"
        check_loss(student.masked_cross_entropy(logits, targets, mask), logits, targets,
                   mask, what)


@exercise("masked_cross_entropy", points=1)
def test_loss_mask_decides(student):
    """Masked positions holding real ids (not <pad>) and logits of 1e3 there: ignored?"""
    logits, targets, mask = loss_case((5, 7, 8), 22, masked_ids="random")
    logits = logits.masked_fill(~mask[..., None], 1e3) + torch.zeros_like(logits)
    logits[..., 5] = torch.where(mask, logits[..., 5], torch.tensor(-1e3))
    what = "masked_cross_entropy(logits (5, 7, 8), targets, mask) (masked targets not <pad>)"
    check_loss(student.masked_cross_entropy(logits, targets, mask), logits, targets, mask,
               what)


@exercise("masked_cross_entropy", points=1)
def test_loss_stable_float64(student):
    """float64 logits of magnitude 1e4 (finite, right), one row with a single valid token?"""
    logits, targets, mask = loss_case((3, 5, 6), 23, dtype=torch.float64, scale=1e4)
    mask[2] = False
    mask[2, 0] = True
    what = "masked_cross_entropy(float64 logits (3, 5, 6) of magnitude 1e4, ...)"
    got = student.masked_cross_entropy(logits, targets, mask)
    if type(got) is torch.Tensor and got.dim() == 0 and not torch.isfinite(got):
        fail(f"{what} is not finite: use log_softmax (or logsumexp), not log(softmax)")
    check_loss(got, logits, targets, mask, what, rtol=1e-7)


def grad_probe(ns, logits, targets, mask):
    """The gradient of the student's loss with respect to the logits."""
    import torch

    x = logits.clone().requires_grad_(True)
    loss = ns["masked_cross_entropy"](x, targets, mask)
    if not isinstance(loss, torch.Tensor) or not loss.requires_grad:
        return {"no_grad": type(loss).__name__}
    (grad,) = torch.autograd.grad(loss, x)
    return {"grad": grad}


@exercise("masked_cross_entropy", points=1)
def test_loss_gradient(student):
    """Differentiable, with zero gradient at the masked positions?"""
    logits, targets, mask = loss_case((4, 5, 7), 24, dtype=torch.float64)
    student.value("masked_cross_entropy")
    r = student.probe(grad_probe, logits, targets, mask)
    what = "the gradient of masked_cross_entropy(logits (4, 5, 7), ...) w.r.t. logits"
    if "no_grad" in r:
        fail(f"masked_cross_entropy returns a {r['no_grad']} that does not require grad: "
             "keep it a tensor on the graph (no .item(), no detach)")
    x = logits.detach().clone().requires_grad_(True)
    nll = -torch.log_softmax(x, dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    ((nll * mask).sum() / mask.sum()).backward()
    grad = plain_tensor(r["grad"], what)
    if tuple(grad.shape) == tuple(x.grad.shape) and grad[~mask].abs().max() > 1e-9:
        fail(f"{what} is not zero at the padded positions: they still count")
    check_tensor(grad, x.grad, what)


# ---------------------------------------------------------------- Seq2Seq

def model_probe(ns, V, emb, hidden, attention, src, src_mask, tgt_in, seed):
    """Build Seq2Seq(V, emb, hidden, attention) and describe it on one padded batch: forward,
    encode, decode_step stepped over tgt_in (logits, weights), each row alone (no extra
    padding), and forward with the tokens after position 2 of tgt_in changed."""
    import torch

    torch.manual_seed(seed)
    model = ns["Seq2Seq"](V, emb=emb, hidden=hidden, attention=attention)
    if not isinstance(model, torch.nn.Module):
        return {"type": type(model).__name__}
    model.eval()

    def shape(t):
        return tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__

    r = {}
    with torch.no_grad():
        logits = model(src, src_mask, tgt_in)
        r["forward"] = shape(logits)
        enc = model.encode(src, src_mask)
        if not (isinstance(enc, tuple | list) and len(enc) == 2):
            return {**r, "encode": type(enc).__name__}
        enc_out, h = enc
        r["encode"] = [shape(enc_out), shape(h)]
        steps, weights = [], []
        for t in range(tgt_in.shape[1]):
            out = model.decode_step(tgt_in[:, t], h, enc_out, src_mask)
            if not (isinstance(out, tuple | list) and len(out) == 3):
                return {**r, "step": type(out).__name__}
            step, h, w = out
            if t == 0:
                r["step"] = [shape(step), shape(h), None if w is None else shape(w)]
            steps.append(step)
            weights.append(w)
        if any(not isinstance(s, torch.Tensor) for s in steps) or r["forward"] != (
                tgt_in.shape[0], tgt_in.shape[1], V):
            return r
        r["logits"] = logits
        r["stepped"] = torch.stack(steps, 1)
        r["weights"] = (torch.stack(weights, 1) if all(isinstance(w, torch.Tensor)
                                                       for w in weights) else None)
        lengths = src_mask.sum(1).tolist()
        r["alone"] = [model(src[i:i + 1, :n], src_mask[i:i + 1, :n], tgt_in[i:i + 1])
                      for i, n in enumerate(lengths)]
        changed = tgt_in.clone()
        changed[:, 3:] = (changed[:, 3:] + 5) % V
        r["changed"] = model(src, src_mask, changed)
    return r


def model_batch(V, B, S_max, T, seed):
    g = rng(seed)
    lengths = torch.randperm(S_max - 2, generator=g)[:B] + 3                   # distinct
    lengths[0] = S_max
    src_mask = torch.arange(S_max)[None, :] < lengths[:, None]                 # (B, S)
    src = torch.randint(4, V, (B, S_max), generator=g).masked_fill(~src_mask, PAD)
    tgt_in = torch.randint(4, V, (B, T), generator=g)                          # (B, T)
    tgt_in[:, 0] = BOS
    return src, src_mask, tgt_in


CONFIGS = ((60, 8, 16, 5, 13, 9, 30), (23, 5, 11, 3, 7, 6, 31))


def probe_model(student, V, emb, hidden, B, S, T, seed, attention):
    src, src_mask, tgt_in = model_batch(V, B, S, T, seed)
    student.value("Seq2Seq")
    r = student.probe(model_probe, V, emb, hidden, attention, src, src_mask, tgt_in, seed)
    what = f"Seq2Seq({V}, emb={emb}, hidden={hidden}, attention={attention})"
    if "type" in r:
        fail(f"{what} should be an nn.Module, got {r['type']}")
    want_step = [(B, V), (B, hidden), (B, S) if attention else None]
    if r.get("forward") != (B, T, V):
        fail(f"{what}: forward(src ({B}, {S}), src_mask, tgt_in ({B}, {T})) gives "
             f"{r.get('forward')}; expected {(B, T, V)}")
    if r.get("encode") != [(B, S, hidden), (B, hidden)]:
        fail(f"{what}: encode(src ({B}, {S}), src_mask) gives {r.get('encode')}; expected "
             f"(enc_out {(B, S, hidden)}, h {(B, hidden)})")
    if r.get("step") != want_step:
        fail(f"{what}: decode_step(y_prev ({B},), h, enc_out, src_mask) gives shapes "
             f"{r.get('step')}; expected (logits {(B, V)}, h {(B, hidden)}, weights "
             f"{want_step[2] if attention else 'None (no attention)'})")
    if "logits" not in r:
        fail(f"{what}: decode_step does not return tensors")
    return r, src_mask, what


def close(a, b, atol=1e-4):
    return tuple(a.shape) == tuple(b.shape) and torch.allclose(a.double(), b.double(),
                                                               atol=atol, rtol=1e-3)


@exercise("Seq2Seq", points=1, forbid=ATTENTION)
def test_model_shapes(student):
    """encode, decode_step and forward shapes, with and without attention, two sizes?"""
    for V, emb, hidden, B, S, T, seed in CONFIGS:
        for attention in (True, False):
            probe_model(student, V, emb, hidden, B, S, T, seed, attention)


@exercise("Seq2Seq", points=1, forbid=ATTENTION)
def test_model_attention_weights(student):
    """At every step, weights >= 0 summing to 1 over the source, zero on the padding?"""
    for V, emb, hidden, B, S, T, seed in CONFIGS:
        r, src_mask, what = probe_model(student, V, emb, hidden, B, S, T, seed, True)
        w = plain_tensor(r["weights"], f"{what}: the attention weights").double()  # (B, T, S)
        valid = src_mask[:, None, :].expand_as(w)                                   # (B, T, S)
        finite = w.nan_to_num(0.0)                                                  # (B, T, S)
        if finite[~valid].abs().max() > 1e-5 and finite[valid].abs().max() < 1e-6:
            fail(f"{what}: all the weight sits on the padding (or is NaN): the mask "
                 "convention is inverted (here True = valid: masked_fill(~src_mask, -inf))")
        if not torch.isfinite(w).all():
            fail(f"{what}: the attention weights contain NaN/inf")
        if (w < -1e-6).any():
            fail(f"{what}: negative attention weights: softmax the scores")
        if torch.allclose(w.sum(0), torch.ones_like(w[0]), atol=1e-4) and B > 1:
            fail(f"{what}: the attention weights sum to 1 over the batch: softmax over the "
                 "source positions (the last dim of (B, S)), not over dim 0")
        if w[~valid].abs().max() > 1e-5:
            fail(f"{what}: padded source positions get attention weight (up to "
                 f"{float(w[~valid].abs().max()):.2f}); set their scores to -inf before "
                 "the softmax")
        if not torch.allclose(w.sum(-1), torch.ones_like(w[..., 0]), atol=1e-4):
            fail(f"{what}: the weights of a step do not sum to 1 over the source positions")
        if torch.allclose(w, w[:, :1].expand_as(w), atol=1e-6):
            fail(f"{what}: the attention weights are the same at every decoder step: score "
                 "with the current decoder state h (a fresh context per step)")


def check_alone(r, src_mask, what, attention):
    lengths = src_mask.sum(1).tolist()
    for i, (alone, n) in enumerate(zip(r["alone"], lengths, strict=True)):
        row = r["logits"][i:i + 1]
        if not isinstance(alone, torch.Tensor) or not close(alone, row):
            extra = src_mask.shape[1] - n
            why = ("attention reaches the padded positions? mask their scores" if attention
                   else "is h the encoder state after the padding? Take each row's state at "
                   "its last real character, enc_out[b, length_b - 1]")
            fail(f"{what}: the logits of row {i} change when it is batched with a longer "
                 f"source ({extra} extra <pad>): {why}")


@exercise("Seq2Seq", points=1, forbid=ATTENTION)
def test_model_padding_invariance_attention(student):
    """With attention: a row's logits are the same alone and in a padded batch?"""
    for V, emb, hidden, B, S, T, seed in CONFIGS:
        r, src_mask, what = probe_model(student, V, emb, hidden, B, S, T, seed, True)
        check_alone(r, src_mask, what, True)


@exercise("Seq2Seq", points=1, forbid=ATTENTION)
def test_model_padding_invariance_no_attention(student):
    """Without attention: is the initial decoder state taken at the last real character?"""
    for V, emb, hidden, B, S, T, seed in CONFIGS:
        r, src_mask, what = probe_model(student, V, emb, hidden, B, S, T, seed, False)
        check_alone(r, src_mask, what, False)


@exercise("Seq2Seq", points=1, forbid=ATTENTION)
def test_model_teacher_forcing(student):
    """forward = decode_step stepped over tgt_in from encode's h; logits[:, t] causal?"""
    for V, emb, hidden, B, S, T, seed in CONFIGS:
        for attention in (True, False):
            r, _, what = probe_model(student, V, emb, hidden, B, S, T, seed, attention)
            changed = plain_tensor(r["changed"], what)
            if not close(changed[:, :3], r["logits"][:, :3]):
                fail(f"{what}: changing tgt_in[:, 3:] changes logits[:, :3]: the prediction "
                     "at step t may only read tgt_in[:, :t + 1]")
            if not close(r["stepped"], r["logits"]):
                fail(f"{what}: forward's logits differ from encode + decode_step over "
                     "tgt_in[:, t], t = 0, 1, ... (from encode's h): greedy decoding would "
                     "then run a different model from the one trained")


def threshold_probe(ns, train_pairs, test_pairs, vocab, epochs, seed, max_len):
    """Train Seq2Seq(len(vocab)) with the reference loop (Adam lr 0.02, batches of 64, clip
    1) using the student's make_batch and loss when they agree with the reference on the
    first batch; greedy-decode the test sources with a trusted loop, before and after
    training. Ids and seconds."""
    import time

    import torch

    def ref_batch(pairs, vocab):
        pad, bos, eos, unk = (vocab[t] for t in ("<pad>", "<bos>", "<eos>", "<unk>"))
        S = max(len(s) for s, _ in pairs)
        T = max(len(t) for _, t in pairs) + 1
        src = torch.full((len(pairs), S), pad, dtype=torch.long)
        tgt_in = torch.full((len(pairs), T), pad, dtype=torch.long)
        tgt_out = torch.full((len(pairs), T), pad, dtype=torch.long)
        for b, (s, t) in enumerate(pairs):
            ids = [vocab.get(c, unk) for c in t]
            src[b, :len(s)] = torch.tensor([vocab.get(c, unk) for c in s], dtype=torch.long)
            tgt_in[b, :len(t) + 1] = torch.tensor([bos] + ids, dtype=torch.long)
            tgt_out[b, :len(t) + 1] = torch.tensor(ids + [eos], dtype=torch.long)
        return src, src != pad, tgt_in, tgt_out, tgt_out != pad

    def ref_loss(logits, targets, mask):
        nll = -logits.log_softmax(-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        return (nll * mask).sum() / mask.sum()

    make_batch, loss_fn, own = ref_batch, ref_loss, []
    first = train_pairs[:64]
    want = ref_batch(first, vocab)
    try:
        got = ns["make_batch"](first, vocab)
        if all(isinstance(g, torch.Tensor) and g.shape == w.shape and torch.equal(g, w)
               for g, w in zip(got, want, strict=True)):
            make_batch = ns["make_batch"]
            own.append("make_batch")
    except Exception:  # noqa: BLE001
        pass
    try:
        g = torch.Generator().manual_seed(seed)
        logits = torch.randn(*want[3].shape, len(vocab), generator=g)
        got = ns["masked_cross_entropy"](logits, want[3], want[4])
        ref = float(ref_loss(logits, want[3], want[4]))
        if isinstance(got, torch.Tensor) and got.dim() == 0 and abs(float(got) - ref) < 1e-4:
            loss_fn = ns["masked_cross_entropy"]
            own.append("masked_cross_entropy")
    except Exception:  # noqa: BLE001
        pass
    src, src_mask = ref_batch(test_pairs, vocab)[:2]
    bos, eos = vocab["<bos>"], vocab["<eos>"]

    def decode(model):
        with torch.no_grad():
            enc_out, h = model.encode(src, src_mask)
            y = torch.full((len(test_pairs),), bos, dtype=torch.long)
            out = []
            for _ in range(max_len):
                logits, h, _ = model.decode_step(y, h, enc_out, src_mask)
                y = logits.argmax(-1)
                out.append(y)
                if bool(torch.stack(out, 1).eq(eos).any(1).all()):
                    break
        return torch.stack(out, 1)

    start = time.perf_counter()
    torch.manual_seed(seed)
    model = ns["Seq2Seq"](len(vocab))
    untrained = decode(model.eval())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(train_pairs), generator=gen).split(64):
            batch = make_batch([train_pairs[i] for i in idx.tolist()], vocab)
            loss = loss_fn(model(batch[0], batch[1], batch[2]), batch[3], batch[4])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
    ids = decode(model.eval())
    return {"ids": ids, "untrained": untrained, "seconds": time.perf_counter() - start,
            "own": own}


def decode_text(ids):
    itos = {i: t for t, i in VOCAB.items()}
    text = []
    for i in ids:
        if i == EOS:
            break
        if i > UNK:
            text.append(itos[i])
    return "".join(text)


THRESHOLD, EPOCHS, N_TRAIN, N_TEST, BUDGET_S = 0.6, 3, 2000, 400, 30


@exercise("Seq2Seq", points=2, forbid=ATTENTION_NAMES, timeout=2 * BUDGET_S)
def test_model_exact_match_threshold(student):
    """Trained 3 epochs on 2000 fresh dates, exact match >= 0.6 on 400 held-out ones, 30 s?"""
    train, test = make_pairs(N_TRAIN, 5021), make_pairs(N_TEST, 5022)
    student.value("Seq2Seq")
    r = student.probe(threshold_probe, train, test, VOCAB, EPOCHS, 0, 12)
    ids = plain_tensor(r["ids"], "greedy outputs")
    hits = sum(decode_text(row) == t for row, (_, t) in zip(ids.tolist(), test, strict=True))
    acc = hits / len(test)
    before = plain_tensor(r["untrained"], "greedy outputs before training")
    hits = sum(decode_text(row) == t for row, (_, t) in zip(before.tolist(), test, strict=True))
    if hits / len(test) >= THRESHOLD / 2:
        fail(f"Seq2Seq({len(VOCAB)}) gets {hits / len(test):.3f} of the held-out dates right "
             "before any training: the accuracy must come from the trained network, not from "
             "rules written into the model")
    others = sorted({"make_batch", "masked_cross_entropy"} - set(r["own"]))
    used = (" (with your make_batch and masked_cross_entropy)" if not others else
            f" (with the reference {' and '.join(others)}, as yours disagreed)")
    if acc < THRESHOLD:
        fail(f"trained {EPOCHS} epochs on {N_TRAIN} dates with the reference loop (Adam lr "
             f"0.02, batches of 64, clip 1, seed 0){used}, Seq2Seq({len(VOCAB)}) gets "
             f"{acc:.3f} of {N_TEST} held-out dates exactly right by greedy decoding; at "
             f"least {THRESHOLD} is required. Is the context fed to the GRU cell and to the "
             "output layer?")
    if r["seconds"] > BUDGET_S:
        fail(f"training and decoding took {r['seconds']:.0f} s; the budget is {BUDGET_S} s")


# ---------------------------------------------------------------- greedy_decode

def greedy_probe(ns, V, lengths, max_len, seed):
    """greedy_decode on a scripted model: row b produces <eos> at step lengths[b] (1-based),
    before that tokens that depend on the previous token through a random table. Returns the
    output and the tokens fed to each decode_step."""
    import torch

    class Scripted(torch.nn.Module):
        def __init__(self):
            super().__init__()
            g = torch.Generator().manual_seed(seed)
            self.table = torch.randn(V, V, generator=g)                        # (V, V)
            self.drift = torch.randn(V, generator=g)                           # (V,)
            self.fed = []

        def encode(self, src, src_mask):
            h = torch.stack([src_mask.sum(1).float(), torch.zeros(len(src))], 1)  # (B, 2)
            return torch.zeros(*src.shape, 3), h

        def decode_step(self, y_prev, h, enc_out, src_mask):
            self.fed.append(y_prev.detach().clone())
            step = h[:, 1] + 1                                                 # (B,)
            logits = self.table[y_prev] + 0.5 * step[:, None] * self.drift     # (B, V)
            logits[:, :3] = -50.0
            logits[:, 2] = torch.where(step == h[:, 0], 50.0, -50.0)
            return logits, torch.stack([h[:, 0], step], 1), None

    model = Scripted()
    S = max(lengths)
    src_mask = torch.arange(S)[None, :] < torch.tensor(lengths)[:, None]       # (B, S)
    src = torch.where(src_mask, 5, 0)                                          # (B, S)
    out = ns["greedy_decode"](model, src, src_mask, max_len)
    fed = torch.stack(model.fed, 1) if model.fed else torch.zeros(len(lengths), 0)
    return {"out": out, "fed": fed}


def trusted_greedy(variant):
    def greedy_decode(model, src, src_mask, max_len):
        import torch

        enc_out, h = model.encode(src, src_mask)
        y = torch.full((len(src),), 0 if variant == "pad_first" else 1, dtype=torch.long)
        done = torch.zeros(len(src), dtype=torch.bool)
        out = [torch.full((len(src),), 1, dtype=torch.long)] if variant == "bos_kept" else []
        for _ in range(max_len):
            logits, h, _ = model.decode_step(y, h, enc_out, src_mask)
            y = logits.argmax(-1)
            token = y if variant == "runs_on" else y.masked_fill(done, 0)
            if variant == "eos_dropped":
                token = token.masked_fill(token == 2, 0)
            out.append(token)
            done = done | (y == 2)
            if bool(done.all()) and variant != "runs_on":
                break
        return torch.stack(out, 1)
    return greedy_decode


GREEDY_MISTAKES = {
    "runs_on": "a row goes on producing tokens after its <eos>; every later position of a "
               "finished row must be <pad>",
    "eos_dropped": "the <eos> is missing from the output; keep it, then <pad>",
    "pad_first": "the first decoder input is <pad>; feed <bos>",
    "bos_kept": "the output starts with <bos>; return only the generated tokens",
}


def padded_to(t, width):
    out = torch.zeros(t.shape[0], width, dtype=torch.long)                     # (B, width)
    out[:, :t.shape[1]] = t
    return out


def greedy_of(student, V, lengths, max_len, seed):
    student.value("greedy_decode")
    r = student.probe(greedy_probe, V, lengths, max_len, seed)
    what = (f"greedy_decode(model, src ({len(lengths)}, {max(lengths)}), src_mask, "
            f"max_len={max_len})")
    out = plain_tensor(r["out"], what)
    if out.ndim != 2 or out.shape[0] != len(lengths):
        fail(f"{what} has shape {tuple(out.shape)}; expected ({len(lengths)}, L)")
    if out.dtype != torch.long:
        fail(f"{what} has dtype {out.dtype}; expected torch.long (token ids)")
    return r, out, what


def check_greedy(student, V, lengths, max_len, seed):
    r, out, what = greedy_of(student, V, lengths, max_len, seed)
    want = greedy_probe({"greedy_decode": trusted_greedy("ok")}, V, lengths, max_len, seed)
    if out.shape[1] > max_len:
        fail(f"{what} has {out.shape[1]} columns; at most max_len = {max_len}")
    if torch.equal(padded_to(out, max_len), padded_to(want["out"], max_len)):
        return r, what
    got = padded_to(out, max_len + 1)
    for variant, message in GREEDY_MISTAKES.items():
        alt = greedy_probe({"greedy_decode": trusted_greedy(variant)}, V, lengths, max_len,
                           seed)["out"]
        if torch.equal(got, padded_to(alt, max_len + 1)):
            fail(f"{what}: {message}")
    if out.shape[1] < want["out"].shape[1]:
        fail(f"{what} stops after {out.shape[1]} steps, before every row has produced <eos> "
             f"and before max_len = {max_len} steps")
    wrong = int((got != padded_to(want["out"], max_len + 1)).sum())
    fail(f"{what}: {wrong} of {got.numel()} output ids are wrong (is the arg-max taken over "
         "the vocabulary, and fed back as the next input?)")


@exercise("greedy_decode", points=1)
def test_greedy_matches_scripted_model(student):
    """Arg-max fed back, <eos> kept, <pad> after it, on a model whose <eos> steps are known?"""
    check_greedy(student, 11, [4, 7, 2, 5, 3], 9, 40)


@exercise("greedy_decode", points=1)
def test_greedy_other_sizes(student):
    """Another vocabulary, batch, and one row ending at exactly max_len?"""
    check_greedy(student, 17, [6, 1, 3], 6, 41)
    check_greedy(student, 9, [2], 5, 42)


@exercise("greedy_decode", points=1)
def test_greedy_max_len(student):
    """Rows that never produce <eos> within max_len are cut at max_len steps?"""
    check_greedy(student, 13, [3, 12, 20, 2], 6, 43)


@exercise("greedy_decode", points=1)
def test_greedy_feeds_bos_then_own_output(student):
    """The first input is <bos>; each later input the previous arg-max (until <eos>)?"""
    lengths, max_len = [5, 7, 4], 8
    r, _, what = greedy_of(student, 10, lengths, max_len, 44)
    fed = r["fed"]
    want = greedy_probe({"greedy_decode": trusted_greedy("ok")}, 10, lengths, max_len, 44)["fed"]
    if fed.ndim != 2 or fed.shape[1] < want.shape[1]:
        fail(f"{what}: decode_step was called {fed.shape[-1]} times; the rows need "
             f"{want.shape[1]} steps")
    if (fed[:, 0] != BOS).any():
        fail(f"{what}: the first decoder input is not <bos> for every row")
    live = torch.arange(want.shape[1])[None, :] < torch.tensor(lengths)[:, None]  # (B, steps)
    if not torch.equal(fed[:, :want.shape[1]][live].long(), want[live].long()):
        fail(f"{what}: the decoder inputs are not <bos> followed by the previous step's "
             "arg-max over the vocabulary (the model's own choice, no teacher forcing)")
    check_greedy(student, 10, lengths, max_len, 44)


# ---------------------------------------------------------------- checkpoints

@exercise("q_mha_mask", points=1)
def test_q_mha_mask(student):
    """What happens when src_mask (True = valid) is passed as key_padding_mask?"""
    check_answer(student.value("q_mha_mask"), "q_mha_mask", "c4c9a89783446829bea0")


@exercise("q_bottleneck", points=1)
def test_q_bottleneck(student):
    """Why does the model without attention fail, more so on long inputs?"""
    check_answer(student.value("q_bottleneck"), "q_bottleneck", "5ee4b0a70d69a0be0a2d")


@exercise("q_positions", points=1)
def test_q_positions(student):
    """How many positions does the loss average over for the three targets?"""
    check_answer(student.value("q_positions"), "q_positions", "c1e9c7ccd6bebe35a7fc", digits=0)
