"""Wrong and correct answers for p4_seq2seq/seq2seq_project: each replaces one whole answer
cell (the setup cell, with torch, nn, F, VOCAB and PAD/BOS/EOS/UNK, stays)."""

BATCH = '''
def make_batch(pairs, vocab):
    pad, bos, eos, unk = vocab["<pad>"], vocab["<bos>"], vocab["<eos>"], vocab["<unk>"]
    srcs = [[vocab.get(c, {unk}) for c in s] for s, _ in pairs]
    tgts = [[vocab.get(c, {unk}) for c in t] for _, t in pairs]
    S, T = max(len(s) for s in srcs), max(len(t) for t in tgts) + 1
    src = torch.full((len(pairs), S), pad, dtype=torch.long)
    tgt_in = torch.full((len(pairs), T), pad, dtype=torch.long)
    tgt_out = torch.full((len(pairs), T), pad, dtype=torch.long)
    for b, (s, t) in enumerate(zip(srcs, tgts)):
        {src_row}
        tgt_in[b, :len(t) + 1] = torch.tensor({tin}, dtype=torch.long)
        tgt_out[b, :{tout_len}] = torch.tensor({tout}, dtype=torch.long)
    return src, {src_mask}, tgt_in, tgt_out, {tgt_mask}
'''


def batch(unk="unk", src_row="src[b, :len(s)] = torch.tensor(s, dtype=torch.long)",
          tin="[bos] + t", tout_len="len(t) + 1", tout="t + [eos]", src_mask="src != pad",
          tgt_mask="tgt_out != pad"):
    return BATCH.format(unk=unk, src_row=src_row, tin=tin, tout_len=tout_len, tout=tout,
                        src_mask=src_mask, tgt_mask=tgt_mask)


MAKE_BATCH = {
    "wrong": {
        "left_padding": (batch(src_row="src[b, S - len(s):] = torch.tensor(s, dtype=torch.long)"),
                         "padded on the left"),
        "inverted_src_mask": (batch(src_mask="src == pad"), "True at the padding"),
        "no_shift": (batch(tin="t + [eos]"), "same tensor"),
        "no_eos": (batch(tout_len="len(t)", tout="t"), "no <eos>"),
        "unknown_as_pad": (batch(unk="pad"), "became <pad>"),
        "eos_not_in_mask": (batch(tgt_mask="(tgt_out != pad) & (tgt_out != eos)"),
                            "False at <eos>"),
    },
    "correct": {
        "pad_sequence": '''
from torch.nn.utils.rnn import pad_sequence


def make_batch(pairs: list[tuple[str, str]], vocab: dict[str, int]):
    ids = lambda text: torch.tensor([vocab.get(ch, vocab["<unk>"]) for ch in text],
                                    dtype=torch.long)
    bos = torch.tensor([vocab["<bos>"]])
    eos = torch.tensor([vocab["<eos>"]])
    pad = vocab["<pad>"]
    src = pad_sequence([ids(s) for s, _ in pairs], batch_first=True, padding_value=pad)
    tgt_in = pad_sequence([torch.cat([bos, ids(t)]) for _, t in pairs], batch_first=True,
                          padding_value=pad)
    tgt_out = pad_sequence([torch.cat([ids(t), eos]) for _, t in pairs], batch_first=True,
                           padding_value=pad)
    src_len = torch.tensor([len(s) for s, _ in pairs])
    tgt_len = torch.tensor([len(t) + 1 for _, t in pairs])
    src_mask = torch.arange(src.shape[1])[None, :] < src_len[:, None]
    tgt_mask = torch.arange(tgt_out.shape[1])[None, :] < tgt_len[:, None]
    return src, src_mask, tgt_in, tgt_out, tgt_mask
''',
        "constants_and_lists": '''
def make_batch(pairs, vocab):
    S = max(len(s) for s, _ in pairs)
    T = 1 + max(len(t) for _, t in pairs)
    rows = {"src": [], "sm": [], "ti": [], "to": [], "tm": []}
    for s, t in pairs:
        s_ids = [vocab[c] if c in vocab else UNK for c in s]
        t_ids = [vocab[c] if c in vocab else UNK for c in t]
        rows["src"].append(s_ids + [PAD] * (S - len(s_ids)))
        rows["sm"].append([True] * len(s_ids) + [False] * (S - len(s_ids)))
        rows["ti"].append([BOS] + t_ids + [PAD] * (T - 1 - len(t_ids)))
        rows["to"].append(t_ids + [EOS] + [PAD] * (T - 1 - len(t_ids)))
        rows["tm"].append([True] * (len(t_ids) + 1) + [False] * (T - 1 - len(t_ids)))
    return (torch.tensor(rows["src"]), torch.tensor(rows["sm"]), torch.tensor(rows["ti"]),
            torch.tensor(rows["to"]), torch.tensor(rows["tm"]))
''',
    },
}

MASKED_CE = {
    "wrong": {
        "mean_over_all_positions": ('''
def masked_cross_entropy(logits, targets, mask):
    return F.cross_entropy(logits.transpose(1, 2), targets)
''', "all B * T positions"),
        "mean_of_sequence_means": ('''
def masked_cross_entropy(logits, targets, mask):
    nll = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
    m = mask.to(nll.dtype)
    return ((nll * m).sum(1) / m.sum(1)).mean()
''', "per-sequence means"),
        "ignore_index_pad": ('''
def masked_cross_entropy(logits, targets, mask):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                           ignore_index=PAD)
''', "ignore_index=0"),
        "log_of_softmax": ('''
def masked_cross_entropy(logits, targets, mask):
    p = logits.softmax(-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return -(torch.log(p) * mask).sum() / mask.sum()
''', "not finite"),
        "item_breaks_graph": ('''
def masked_cross_entropy(logits, targets, mask):
    nll = -logits.log_softmax(-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return torch.tensor((nll * mask).sum().item() / mask.sum().item())
''', "does not require grad"),
    },
    "correct": {
        "cross_entropy_none": '''
def masked_cross_entropy(logits: torch.Tensor, targets: torch.Tensor,
                         mask: torch.Tensor) -> torch.Tensor:
    nll = F.cross_entropy(logits.permute(0, 2, 1), targets, reduction="none")  # (B, T)
    return nll.masked_select(mask).mean()
''',
        "logsumexp_flat": '''
def masked_cross_entropy(logits, targets, mask):
    flat = logits[mask]                                   # (N, V)
    picked = flat.gather(1, targets[mask][:, None])[:, 0]  # (N,)
    return (torch.logsumexp(flat, dim=1) - picked).sum() / mask.sum()
''',
    },
}

MODEL = '''
class Seq2Seq(nn.Module):
    def __init__(self, vocab_size, emb=32, hidden=64, attention=True):
        super().__init__()
        self.attention = attention
        self.embed = nn.Embedding(vocab_size, emb)
        self.encoder = nn.GRU(emb, hidden, batch_first=True)
        self.cell = nn.GRUCell(emb + (hidden if attention else 0), hidden)
        self.out = nn.Linear(2 * hidden if attention else hidden, vocab_size)
        self.W_q = nn.Linear(hidden, hidden, bias=False)
        self.W_k = nn.Linear(hidden, hidden)
        self.v = nn.Linear(hidden, 1, bias=False)

    def encode(self, src, src_mask):
        enc_out, _ = self.encoder(self.embed(src))
        h = {final}
        return enc_out, h

    def decode_step(self, y_prev, h, enc_out, src_mask):
        e = self.embed(y_prev)
        if not {use_attention}:
            h = self.cell(e, h)
            return self.out(h), h, None
        scores = self.v(torch.tanh(self.W_q(h)[:, None] + self.W_k(enc_out))).squeeze(-1)
        scores = {masked}
        weights = scores.softmax(dim={dim})
        context = (weights.unsqueeze(-1) * enc_out).sum(dim=1)
        h = self.cell(torch.cat([e, {ctx}], dim=-1), h)
        return self.out(torch.cat([h, {ctx}], dim=-1)), h, weights

    def forward(self, src, src_mask, tgt_in):
        enc_out, h = self.encode(src, src_mask)
        logits = []
        for t in range(tgt_in.shape[1]):
            step, {carry}, _ = self.decode_step(tgt_in[:, t], h, enc_out, src_mask)
            logits.append(step)
        return torch.stack(logits, dim=1)
'''


def model(final="enc_out[torch.arange(len(src)), src_mask.sum(1) - 1]",
          use_attention="self.attention", masked='scores.masked_fill(~src_mask, float("-inf"))',
          dim="-1", ctx="context", carry="h"):
    return MODEL.format(final=final, use_attention=use_attention, masked=masked, dim=dim,
                        ctx=ctx, carry=carry)


SEQ2SEQ = {
    "wrong": {
        "forbidden_sdpa": ('''
class Seq2Seq(nn.Module):
    def __init__(self, vocab_size, emb=32, hidden=64, attention=True):
        super().__init__()
        self.attention = attention
        self.embed = nn.Embedding(vocab_size, emb)
        self.encoder = nn.GRU(emb, hidden, batch_first=True)
        self.cell = nn.GRUCell(emb + (hidden if attention else 0), hidden)
        self.out = nn.Linear(2 * hidden if attention else hidden, vocab_size)

    def encode(self, src, src_mask):
        enc_out, _ = self.encoder(self.embed(src))
        return enc_out, enc_out[torch.arange(len(src)), src_mask.sum(1) - 1]

    def decode_step(self, y_prev, h, enc_out, src_mask):
        e = self.embed(y_prev)
        if not self.attention:
            h = self.cell(e, h)
            return self.out(h), h, None
        q = h[:, None, :]
        context = F.scaled_dot_product_attention(q, enc_out, enc_out,
                                                 attn_mask=src_mask[:, None, :])[:, 0]
        scores = (enc_out @ h[:, :, None]).squeeze(-1) / enc_out.shape[-1] ** 0.5
        weights = scores.masked_fill(~src_mask, float("-inf")).softmax(-1)
        h = self.cell(torch.cat([e, context], dim=-1), h)
        return self.out(torch.cat([h, context], dim=-1)), h, weights

    def forward(self, src, src_mask, tgt_in):
        enc_out, h = self.encode(src, src_mask)
        logits = []
        for t in range(tgt_in.shape[1]):
            step, h, _ = self.decode_step(tgt_in[:, t], h, enc_out, src_mask)
            logits.append(step)
        return torch.stack(logits, dim=1)
''', "forbidden"),
        "forbidden_multihead": (model(masked='scores.masked_fill(~src_mask, float("-inf"))',
                                      final="self._mha_final(enc_out, src_mask)").replace(
            "    def encode(self, src, src_mask):", """    def _mha_final(self, enc_out, src_mask):
        if not hasattr(self, "mha"):
            self.mha = nn.MultiheadAttention(enc_out.shape[-1], 1, batch_first=True)
        last = src_mask.sum(1) - 1
        h = enc_out[torch.arange(len(enc_out)), last]
        ctx, _ = self.mha(h[:, None], enc_out, enc_out, key_padding_mask=~src_mask)
        return h + 0 * ctx[:, 0]

    def encode(self, src, src_mask):"""), "forbidden"),
        "no_attention_mask": (model(masked="scores"), "padded source positions get attention"),
        "inverted_attention_mask": (model(masked='scores.masked_fill(src_mask, float("-inf"))'),
                                    "inverted"),
        "final_state_after_padding": (model(final="enc_out[:, -1]"), "last real character"),
        "state_not_carried_in_forward": (model(carry="_"), "decode_step over"),
        "context_computed_but_unused": ('''
class Seq2Seq(nn.Module):
    def __init__(self, vocab_size, emb=32, hidden=64, attention=True):
        super().__init__()
        self.attention = attention
        self.embed = nn.Embedding(vocab_size, emb)
        self.encoder = nn.GRU(emb, hidden, batch_first=True)
        self.cell = nn.GRUCell(emb, hidden)
        self.out = nn.Linear(hidden, vocab_size)
        self.W_q = nn.Linear(hidden, hidden, bias=False)
        self.W_k = nn.Linear(hidden, hidden)
        self.v = nn.Linear(hidden, 1, bias=False)

    def encode(self, src, src_mask):
        enc_out, _ = self.encoder(self.embed(src))
        return enc_out, enc_out[torch.arange(len(src)), src_mask.sum(1) - 1]

    def decode_step(self, y_prev, h, enc_out, src_mask):
        weights = None
        if self.attention:
            scores = self.v(torch.tanh(self.W_q(h)[:, None] + self.W_k(enc_out))).squeeze(-1)
            weights = scores.masked_fill(~src_mask, float("-inf")).softmax(-1)
        h = self.cell(self.embed(y_prev), h)
        return self.out(h), h, weights

    def forward(self, src, src_mask, tgt_in):
        enc_out, h = self.encode(src, src_mask)
        logits = []
        for t in range(tgt_in.shape[1]):
            step, h, _ = self.decode_step(tgt_in[:, t], h, enc_out, src_mask)
            logits.append(step)
        return torch.stack(logits, dim=1)
''', "exactly right"),
    },
    "correct": {
        "luong_general_score": '''
class Seq2Seq(nn.Module):
    """Multiplicative (Luong "general") score h W enc_s instead of the additive one."""

    def __init__(self, vocab_size: int, emb: int = 32, hidden: int = 64,
                 attention: bool = True) -> None:
        super().__init__()
        self.attention = attention
        self.emb = nn.Embedding(vocab_size, emb, padding_idx=0)
        self.rnn = nn.GRU(emb, hidden, batch_first=True)
        self.dec = nn.GRUCell(emb + hidden if attention else emb, hidden)
        if attention:
            self.W = nn.Linear(hidden, hidden, bias=False)
        self.proj = nn.Linear(2 * hidden if attention else hidden, vocab_size)

    def encode(self, src, src_mask):
        out, _ = self.rnn(self.emb(src))                               # (B, S, H)
        idx = (src_mask.long().sum(1) - 1).view(-1, 1, 1).expand(-1, 1, out.shape[-1])
        return out, out.gather(1, idx).squeeze(1)                      # (B, H)

    def decode_step(self, y_prev, h, enc_out, src_mask):
        e = self.emb(y_prev)                                           # (B, E)
        if not self.attention:
            h = self.dec(e, h)
            return self.proj(h), h, None
        scores = torch.einsum("bh,bsh->bs", h, self.W(enc_out))        # (B, S)
        scores = scores.masked_fill(src_mask.logical_not(), -1e9)
        w = torch.softmax(scores, dim=1)                               # (B, S)
        c = torch.bmm(w.unsqueeze(1), enc_out).squeeze(1)              # (B, H)
        h = self.dec(torch.cat([e, c], 1), h)                          # (B, H)
        return self.proj(torch.cat([h, c], 1)), h, w

    def forward(self, src, src_mask, tgt_in):
        enc_out, h = self.encode(src, src_mask)
        steps = []
        for y in tgt_in.unbind(1):
            logits, h, _ = self.decode_step(y, h, enc_out, src_mask)
            steps.append(logits)
        return torch.stack(steps, 1)                                   # (B, T, V)
''',
        "packed_encoder_hidden_n": '''
from torch.nn.utils.rnn import pack_padded_sequence


class Seq2Seq(nn.Module):
    def __init__(self, vocab_size, emb=32, hidden=64, attention=True):
        super().__init__()
        self.use_attention = attention
        self.embed = nn.Embedding(vocab_size, emb)
        self.encoder = nn.GRU(emb, hidden, batch_first=True)
        self.cell = nn.GRUCell(emb + hidden * attention, hidden)
        self.query = nn.Linear(hidden, 48, bias=False)
        self.key = nn.Linear(hidden, 48)
        self.score = nn.Parameter(torch.randn(48) / 48 ** 0.5)
        self.out = nn.Linear(hidden * (1 + attention), vocab_size)

    def encode(self, src, src_mask):
        x = self.embed(src)
        enc_out, _ = self.encoder(x)
        lengths = src_mask.sum(1).cpu()
        _, h_n = self.encoder(pack_padded_sequence(x, lengths, batch_first=True,
                                                   enforce_sorted=False))
        return enc_out, h_n[0]

    def decode_step(self, y_prev, h, enc_out, src_mask):
        e = self.embed(y_prev)
        if not self.use_attention:
            h = self.cell(e, h)
            return self.out(h), h, None
        energy = torch.tanh(self.query(h).unsqueeze(1) + self.key(enc_out)) @ self.score
        energy = torch.where(src_mask, energy, torch.full_like(energy, float("-inf")))
        weights = torch.exp(energy - energy.max(1, keepdim=True).values)
        weights = weights / weights.sum(1, keepdim=True)
        context = torch.einsum("bs,bsh->bh", weights, enc_out)
        h = self.cell(torch.cat([e, context], 1), h)
        return self.out(torch.cat([h, context], 1)), h, weights

    def forward(self, src, src_mask, tgt_in):
        enc_out, h = self.encode(src, src_mask)
        out = []
        for t in range(tgt_in.size(1)):
            logits, h, _ = self.decode_step(tgt_in[:, t], h, enc_out, src_mask)
            out.append(logits)
        return torch.stack(out, 1)
''',
    },
}

GREEDY = '''
@torch.no_grad()
def greedy_decode(model, src, src_mask, max_len):
    enc_out, h = model.encode(src, src_mask)
    y = torch.full((src.shape[0],), {first}, dtype=torch.long)
    done = torch.zeros(src.shape[0], dtype=torch.bool)
    out = []
    for _ in range({steps}):
        logits, h, _ = model.decode_step({feed}, h, enc_out, src_mask)
        y = logits.argmax(dim=-1)
        out.append({emit})
        done = done | (y == EOS)
        if done.all():
            break
    return torch.stack(out, dim=1)
'''


def greedy(first="BOS", steps="max_len", feed="y", emit="y.masked_fill(done, PAD)"):
    return GREEDY.format(first=first, steps=steps, feed=feed, emit=emit)


GREEDY_DECODE = {
    "wrong": {
        "runs_on_after_eos": (greedy(emit="y"), "after its <eos>"),
        "eos_dropped": (greedy(emit="y.masked_fill(done | (y == EOS), PAD)"),
                        "<eos> is missing"),
        "pad_first": (greedy(first="PAD"), "first decoder input"),
        "always_feeds_bos": (greedy(feed="torch.full_like(y, BOS)"), "arg-max"),
        "one_step_short": (greedy(steps="max_len - 1"), "stops after"),
    },
    "correct": {
        "fixed_width": '''
def greedy_decode(model: nn.Module, src: torch.Tensor, src_mask: torch.Tensor,
                  max_len: int) -> torch.Tensor:
    with torch.no_grad():
        enc_out, h = model.encode(src, src_mask)
        out = torch.zeros(len(src), max_len, dtype=torch.long, device=src.device)
        y = torch.ones(len(src), dtype=torch.long, device=src.device) * BOS
        finished = torch.zeros(len(src), dtype=torch.bool, device=src.device)
        for t in range(max_len):
            logits, h, _ = model.decode_step(y, h, enc_out, src_mask)
            y = torch.argmax(logits, dim=1)
            out[:, t] = torch.where(finished, torch.zeros_like(y), y)
            finished |= y == EOS
        return out
''',
        "per_row_lists": '''
def greedy_decode(model, src, src_mask, max_len):
    enc_out, h = model.encode(src, src_mask)
    rows = [[] for _ in range(len(src))]
    y = torch.tensor([BOS] * len(src))
    for _ in range(max_len):
        logits, h, _ = model.decode_step(y, h, enc_out, src_mask)
        y = logits.detach().argmax(-1)
        for b, tok in enumerate(y.tolist()):
            if EOS not in rows[b]:
                rows[b].append(tok)
        if all(EOS in r for r in rows):
            break
    width = max(len(r) for r in rows)
    return torch.tensor([r + [PAD] * (width - len(r)) for r in rows], dtype=torch.long)
''',
    },
}

MUTANTS = {
    "make_batch": MAKE_BATCH,
    "masked_cross_entropy": MASKED_CE,
    "Seq2Seq": SEQ2SEQ,
    "greedy_decode": GREEDY_DECODE,
    "q_mha_mask": {
        "wrong": {"same_convention": 'q_mha_mask = "a"', "zeros_anyway": 'q_mha_mask = "d"'},
        "correct": {"upper_case": 'q_mha_mask = " B "'},
    },
    "q_bottleneck": {
        "wrong": {"fewer_parameters": 'q_bottleneck = "a"'},
        "correct": {"upper_case": 'q_bottleneck = "B"'},
    },
    "q_positions": {
        "wrong": {"all_positions": "q_positions = 33", "without_eos": "q_positions = 27"},
        "correct": {"float": "q_positions = 30.0"},
    },
}


# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "make_batch": {
        "left_padding": "the sources are padded on the left instead of the right",
        "inverted_src_mask": "src_mask is True at the padding instead of at the real characters",
        "no_shift": (
            "tgt_in is not shifted: it holds the target and <eos> like tgt_out instead of <bos> "
            "and the target"
        ),
        "no_eos": "tgt_out has no <eos> after the target characters",
        "unknown_as_pad": "characters missing from the vocabulary become <pad> instead of <unk>",
        "eos_not_in_mask": (
            "tgt_mask is False at the <eos>, so <eos> is not counted as a real target position"
        ),
    },
    "masked_cross_entropy": {
        "mean_over_all_positions": (
            "the loss is averaged over all B * T positions, padding included, instead of over the "
            "valid ones"
        ),
        "mean_of_sequence_means": (
            "the loss is the mean of per-sequence means instead of one mean over all valid "
            "positions"
        ),
        "ignore_index_pad": (
            "the mask is not used and positions whose target is <pad> are skipped instead"
        ),
        "log_of_softmax": (
            "the log is taken of the softmax probabilities, which underflow to 0 for extreme "
            "logits"
        ),
        "item_breaks_graph": (
            "the loss is rebuilt from Python numbers, so it is cut off from the autograd graph"
        ),
    },
    "Seq2Seq": {
        "no_attention_mask": (
            "the scores of padded source positions are not set to -inf before the softmax"
        ),
        "inverted_attention_mask": (
            "the attention mask is inverted: the real characters get -inf and the padding is "
            "attended"
        ),
        "final_state_after_padding": (
            "the decoder starts from the encoder state at the last position, after the pads, not "
            "after the last real character"
        ),
        "state_not_carried_in_forward": (
            "forward does not pass the new decoder state on to the next step, so every step starts"
            " from the encoder state"
        ),
        "context_computed_but_unused": (
            "the attention weights are computed but the context is never fed to the GRUCell or the"
            " output layer"
        ),
    },
    "greedy_decode": {
        "runs_on_after_eos": (
            "finished rows keep producing tokens after their <eos> instead of <pad>"
        ),
        "eos_dropped": "the <eos> itself is replaced by <pad> instead of being kept in the output",
        "pad_first": "the <pad> token is fed as the first decoder input instead of <bos>",
        "always_feeds_bos": (
            "the <bos> token is fed at every step instead of the previous arg-max token"
        ),
        "one_step_short": "decoding stops after max_len - 1 steps instead of max_len",
    },
    "q_mha_mask": {
        "same_convention": (
            "key_padding_mask is thought to use this notebook's convention, True = may attend"
        ),
        "zeros_anyway": (
            "attention weights on padding are thought to be zero anyway, whatever the mask"
        ),
    },
    "q_bottleneck": {
        "fewer_parameters": (
            "the model without attention is thought to fail only because it has fewer parameters "
            "and underfits"
        ),
    },
    "q_positions": {
        "all_positions": "all B * T positions are counted, padding included",
        "without_eos": "the <eos> of each target is not counted as a position",
    },
}
