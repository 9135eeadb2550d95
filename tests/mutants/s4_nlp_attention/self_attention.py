"""Wrong and correct answers for s4_nlp_attention/self_attention: each replaces one answer cell.
The setup cell (math, os, torch, F) stays, as it does when a student's notebook is graded; `nn`
is not imported there.  The first wrong scaled_dot_product_attention (unscaled) is graded on the
whole notebook: multi_head_attention, which calls it, must keep its full marks (the grader swaps
in a trusted one)."""

# The reference attention with one part changed per mutant.
SDPA = """
def scaled_dot_product_attention(q, k, v, mask=None):
    d = q.shape[-1]
    scores = {scores}
    if mask is not None:
        {mask_before}
    weights = {weights}
    {mask_after}
    return {ret}
"""
SDPA_RIGHT = {"scores": "q @ k.transpose(-2, -1) / math.sqrt(d)",
              "mask_before": 'scores = scores.masked_fill(~mask, float("-inf"))',
              "weights": "torch.softmax(scores, dim=-1)", "mask_after": "",
              "ret": "weights @ v, weights"}


def sdpa_with(**changes: str) -> str:
    return SDPA.format(**{**SDPA_RIGHT, **changes})


# The reference multi-head attention with one part changed per mutant.
MHA = """
def attend(q, k, v, mask, scale):
    scores = q @ k.transpose(-2, -1) / scale
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = scores.softmax(dim=-1)
    return weights @ v, weights


def multi_head_attention(query, key, value, num_heads, in_proj_weight, in_proj_bias,
                         out_proj_weight, out_proj_bias, mask=None):
    B, T_q, E = query.shape
    T_k, d_h = key.shape[1], E // num_heads
    {chunk}
    b_q, b_k, b_v = {bias}

    def split(x):
        return {split}

    q = split(query @ W_q.T + b_q)
    k = split(key @ W_k.T + b_k)
    v = split(value @ W_v.T + b_v)
    if mask is not None:
        mask = {mask}
    heads, weights = {attend}
    merged = {merge}
    out = {out}
    return out, {weights}
"""
MHA_RIGHT = {"attend": "scaled_dot_product_attention(q, k, v, mask)",
             "chunk": "W_q, W_k, W_v = in_proj_weight.chunk(3, dim=0)",
             "bias": "in_proj_bias.chunk(3)",
             "split": "x.reshape(B, x.shape[1], num_heads, d_h).transpose(1, 2)",
             "mask": "mask.unsqueeze(-3)",
             "merge": "heads.transpose(1, 2).reshape(B, T_q, E)",
             "out": "merged @ out_proj_weight.T + out_proj_bias",
             "weights": "weights.mean(dim=1)"}


def mha_with(**changes: str) -> str:
    return MHA.format(**{**MHA_RIGHT, **changes})


PE = """
def sinusoidal_positional_encoding(T, d):
    p = torch.arange({start}, dtype=torch.float64)[:, None]
    two_i = {two_i}
    angle = p / 10000 ** (two_i / d)
    pe = torch.zeros(T, d, dtype=torch.float64)
    pe[:, 0::2] = torch.{even}(angle)
    pe[:, 1::2] = torch.{odd}(angle{odd_cols})
    return pe.float()
"""
PE_RIGHT = {"start": "T", "two_i": "torch.arange(0, d, 2, dtype=torch.float64)", "even": "sin",
            "odd": "cos", "odd_cols": "[:, : d // 2]"}


def pe_with(**changes: str) -> str:
    return PE.format(**{**PE_RIGHT, **changes})


SIGNATURE = ("def multi_head_attention(query, key, value, num_heads, in_proj_weight,\n"
             "                         in_proj_bias, out_proj_weight, out_proj_bias,\n"
             "                         mask=None):\n")

MUTANTS = {
    "scaled_dot_product_attention": {
        "wrong": {
            "no_scaling": (sdpa_with(scores="q @ k.transpose(-2, -1)"), "not scaled"),
            "forbidden_builtin_out": (
                "def scaled_dot_product_attention(q, k, v, mask=None):\n"
                "    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n"
                "    if mask is not None:\n"
                "        scores = scores.masked_fill(~mask, float('-inf'))\n"
                "    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)\n"
                "    return out, torch.softmax(scores, dim=-1)\n", "forbidden"),
            "forbidden_imported_name": (
                "from torch.nn.functional import scaled_dot_product_attention as _sdpa\n\n\n"
                "def scaled_dot_product_attention(q, k, v, mask=None):\n"
                "    eye = torch.eye(k.shape[-2], dtype=q.dtype, device=q.device)\n"
                "    eye = eye.expand(*k.shape[:-1], k.shape[-2])\n"
                "    weights = _sdpa(q, k, eye, attn_mask=mask)\n"
                "    return weights @ v, weights\n", "forbidden"),
            "scale_by_d": (sdpa_with(scores="q @ k.transpose(-2, -1) / d"),
                           "divide the scores by d"),
            "scale_by_sqrt_dv": (sdpa_with(scores="q @ k.mT / math.sqrt(v.shape[-1])"),
                                 "sqrt(d_v)"),
            "softmax_over_queries": (sdpa_with(weights="torch.softmax(scores, dim=-2)"),
                                     "query axis"),
            "mask_after_softmax": (sdpa_with(mask_before="pass",
                                             mask_after="weights = weights if mask is None else "
                                                        "weights * mask"),
                                   "after the softmax"),
            "mask_inverted": (sdpa_with(mask_before="scores = scores.masked_fill(mask, -math.inf)"),
                              "inverted"),
            "mask_multiplied": (sdpa_with(mask_before="scores = scores * mask"), "exp(0)"),
            "naive_exp_overflows": (sdpa_with(weights="scores.exp() / scores.exp().sum(-1, True)"),
                                    "subtract each row's maximum"),
            "finite_fill_value": (sdpa_with(mask_before="scores = scores.masked_fill(~mask, -1e4)"),
                                  "finite number"),
            "returns_weights_first": (sdpa_with(ret="weights, weights @ v"), "(weights, out)"),
            "bmm_three_dims_only": (sdpa_with(scores="torch.bmm(q, k.transpose(1, 2)) / d ** 0.5"),
                                    "leading dimensions"),
            "weights_detached": (sdpa_with(weights="torch.softmax(scores, dim=-1).detach()"),
                                 "not connected to the inputs"),
        },
        "correct": {
            "einsum_where": (
                "def scaled_dot_product_attention(q, k, v, mask=None):\n"
                "    scores = torch.einsum('...qd,...kd->...qk', q, k) * q.shape[-1] ** -0.5\n"
                "    if mask is not None:\n"
                "        scores = torch.where(mask, scores, torch.full_like(scores, -math.inf))\n"
                "    scores = scores - scores.amax(dim=-1, keepdim=True)\n"
                "    e = scores.exp()\n"
                "    weights = e / e.sum(dim=-1, keepdim=True)\n"
                "    return torch.einsum('...qk,...kv->...qv', weights, v), weights\n"),
            "additive_mask": (
                "def scaled_dot_product_attention(q, k, v, mask=None):\n"
                "    scores = torch.matmul(q, k.mT) / math.sqrt(q.size(-1))\n"
                "    if mask is not None:\n"
                "        bias = torch.zeros(mask.shape, dtype=q.dtype, device=q.device)\n"
                "        scores = scores + bias.masked_fill(mask.logical_not(), -math.inf)\n"
                "    weights = F.softmax(scores, dim=-1)\n"
                "    return torch.matmul(weights, v), weights\n"),
        },
    },
    "causal_mask": {
        "wrong": {
            "upper_triangle": ("def causal_mask(T, device=None):\n"
                               "    return torch.ones(T, T, device=device).bool().triu()\n",
                               "upper triangle"),
            "diagonal_excluded": ("def causal_mask(T):\n"
                                  "    return torch.ones(T, T, dtype=torch.bool).tril(-1)\n",
                                  "diagonal is excluded"),
            "nn_convention": ("def causal_mask(T):\n"
                              "    return torch.ones(T, T, dtype=torch.bool).triu(1)\n",
                              "True marks the blocked future"),
            "float_mask": ("def causal_mask(T):\n    return torch.tril(torch.ones(T, T))\n",
                           "return a torch.bool tensor"),
        },
        "correct": {
            "arange_compare": ("def causal_mask(T, device=None):\n"
                               "    i = torch.arange(T, device=device)\n"
                               "    return i[:, None] >= i[None, :]\n"),
            "not_future": ("def causal_mask(T):\n"
                           "    return ~torch.ones(T, T, dtype=torch.bool).triu(diagonal=1)\n"),
        },
    },
    "multi_head_attention": {
        "wrong": {
            "scale_sqrt_E": (mha_with(attend="attend(q, k, v, mask, math.sqrt(E))"), "sqrt(E)"),
            "forbidden_nn_module": (
                SIGNATURE +
                "    E = query.shape[-1]\n"
                "    m = torch.nn.MultiheadAttention(E, num_heads, batch_first=True,\n"
                "                                    dtype=query.dtype)\n"
                "    with torch.no_grad():\n"
                "        m.in_proj_weight.copy_(in_proj_weight)\n"
                "        m.in_proj_bias.copy_(in_proj_bias)\n"
                "        m.out_proj.weight.copy_(out_proj_weight)\n"
                "        m.out_proj.bias.copy_(out_proj_bias)\n"
                "    B, T_q, T_k = query.shape[0], query.shape[1], key.shape[1]\n"
                "    am = None if mask is None else (~mask.expand(B, T_q, T_k))"
                ".repeat_interleave(num_heads, 0)\n"
                "    return m(query, key, value, attn_mask=am)\n", "forbidden"),
            "forbidden_functional": (
                SIGNATURE +
                "    B, T_q, E = query.shape\n"
                "    am = None if mask is None else (~mask.expand(B, T_q, key.shape[1]))"
                ".repeat_interleave(num_heads, 0)\n"
                "    out, w = F.multi_head_attention_forward(\n"
                "        query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1), E,\n"
                "        num_heads, in_proj_weight, in_proj_bias, None, None, False, 0.0,\n"
                "        out_proj_weight, out_proj_bias, training=False, attn_mask=am)\n"
                "    return out.transpose(0, 1), w\n", "forbidden"),
            "forbidden_native_kernel": (
                SIGNATURE +
                "    E = query.shape[-1]\n"
                "    return torch._native_multi_head_attention(  # self-attention, (T, T) masks\n"
                "        query, key, value, E, num_heads, in_proj_weight, in_proj_bias,\n"
                "        out_proj_weight, out_proj_bias, None if mask is None else ~mask,\n"
                "        True, True, 0)\n",
                "forbidden"),
            "forbidden_builtin_sdpa": (
                mha_with(merge="F.scaled_dot_product_attention(q, k, v, attn_mask=mask)"
                               ".transpose(1, 2).reshape(B, T_q, E)"), "forbidden"),
            "heads_not_split": (mha_with(split="x[:, None]"), "never split"),
            "split_without_transpose": (mha_with(split="x.reshape(B, num_heads, x.shape[1], d_h)",
                                                 merge="heads.reshape(B, T_q, E)"),
                                        "without a transpose"),
            "split_interleaved": (mha_with(split="x.reshape(B, x.shape[1], d_h, num_heads)"
                                                 ".permute(0, 3, 1, 2)",
                                           merge="heads.permute(0, 2, 3, 1).reshape(B, T_q, E)"),
                                  "interleaved"),
            "merge_without_transpose": (mha_with(merge="heads.reshape(B, T_q, E)"),
                                        "merged without transposing"),
            "weights_summed": (mha_with(weights="weights.sum(dim=1)"), "summed over heads"),
            "weights_per_head": (mha_with(weights="weights"), "per head"),
            "no_out_projection": (mha_with(out="merged"), "output projection is missing"),
            "q_k_rows_swapped": (mha_with(chunk="W_k, W_q, W_v = in_proj_weight.chunk(3, dim=0)",
                                          bias="[in_proj_bias.chunk(3)[i] for i in (1, 0, 2)]"),
                                 "as (k, q, v)"),
            "mask_inverted": (mha_with(mask="~mask.unsqueeze(-3)"), "inverted"),
            "no_in_proj_bias": (mha_with(bias="0, 0, 0"), "in_proj_bias is missing"),
        },
        "correct": {
            "einsum_inline": (
                SIGNATURE +
                "    B, T_q, E = query.shape\n"
                "    h, d_h = num_heads, E // num_heads\n"
                "    W = in_proj_weight.view(3, h, d_h, E)\n"
                "    b = in_proj_bias.view(3, h, d_h)\n"
                "    q = torch.einsum('bte,hde->bhtd', query, W[0]) + b[0][:, None]\n"
                "    k = torch.einsum('bte,hde->bhtd', key, W[1]) + b[1][:, None]\n"
                "    v = torch.einsum('bte,hde->bhtd', value, W[2]) + b[2][:, None]\n"
                "    s = torch.einsum('bhqd,bhkd->bhqk', q, k) / d_h ** 0.5\n"
                "    if mask is not None:\n"
                "        s = s.masked_fill(~mask[..., None, :, :], float('-inf'))\n"
                "    w = s.softmax(-1)\n"
                "    o = torch.einsum('bhqk,bhkd->bqhd', w, v).reshape(B, T_q, E)\n"
                "    return F.linear(o, out_proj_weight, out_proj_bias), w.mean(1)\n"),
            "linear_and_permute": (
                SIGNATURE +
                "    B, T_q, E = query.shape\n"
                "    d_h = E // num_heads\n"
                "    ws, bs = in_proj_weight.split(E), in_proj_bias.split(E)\n"
                "    q, k, v = [F.linear(x, w, b).view(B, -1, num_heads, d_h).permute(0, 2, 1, 3)\n"
                "               for x, w, b in zip((query, key, value), ws, bs)]\n"
                "    m = None if mask is None else mask.unsqueeze(-3)\n"
                "    o, w = scaled_dot_product_attention(q, k, v, m)\n"
                "    o = o.permute(0, 2, 1, 3).reshape(B, T_q, E)\n"
                "    return F.linear(o, out_proj_weight, out_proj_bias), w.sum(1) / num_heads\n"),
        },
    },
    "sinusoidal_positional_encoding": {
        "wrong": {
            "sin_cos_swapped": (pe_with(even="cos", odd="sin"), "sin and cos are swapped"),
            "exponent_column_index": (
                "def sinusoidal_positional_encoding(T, d):\n"
                "    p = torch.arange(T, dtype=torch.float64)[:, None]\n"
                "    j = torch.arange(d, dtype=torch.float64)\n"
                "    angle = p / 10000 ** (j / d)\n"
                "    pe = torch.cos(angle)\n"
                "    pe[:, 0::2] = torch.sin(angle[:, 0::2])\n"
                "    return pe.float()\n", "column index"),
            "halves_concatenated": (
                "def sinusoidal_positional_encoding(T, d):\n"
                "    p = torch.arange(T, dtype=torch.float64)[:, None]\n"
                "    angle = p / 10000 ** (torch.arange(0, d, 2, dtype=torch.float64) / d)\n"
                "    return torch.cat([angle.sin(), angle.cos()[:, : d // 2]], dim=1).float()\n",
                "concatenated"),
            "exponent_pair_index": (pe_with(two_i="torch.arange(0, d, 2, dtype=torch.float64) / 2"),
                                    "the exponent is i/d"),
            "positions_from_one": (pe_with(start="1, T + 1"), "positions start at 1"),
            "odd_d_crashes": pe_with(odd_cols=""),
        },
        "correct": {
            "exp_log_float32": (
                "def sinusoidal_positional_encoding(T, d):\n"
                "    pos = torch.arange(T).unsqueeze(1).float()\n"
                "    div = torch.exp(torch.arange(0, d, 2).float() * (-math.log(10000.0) / d))\n"
                "    pe = torch.zeros(T, d)\n"
                "    pe[:, 0::2] = torch.sin(pos * div)\n"
                "    pe[:, 1::2] = torch.cos(pos * div)[:, : d // 2]\n"
                "    return pe\n"),
            "loops": (
                "def sinusoidal_positional_encoding(T, d):\n"
                "    rows = []\n"
                "    for p in range(T):\n"
                "        row = []\n"
                "        for j in range(d):\n"
                "            angle = p / 10000 ** ((j - j % 2) / d)\n"
                "            row.append(math.sin(angle) if j % 2 == 0 else math.cos(angle))\n"
                "        rows.append(row)\n"
                "    return torch.tensor(rows, dtype=torch.float64).reshape(T, d)\n"),
        },
    },
    "q_scaling": {
        "wrong": {"sums_to_one": 'q_scaling = "a"'},
        "correct": {"upper_case": 'q_scaling = " B"'},
    },
    "q_weights_numel": {
        "wrong": {"per_head": "q_weights_numel = 8 * 4 * 10 * 12",},
        "correct": {"float": "q_weights_numel = 960.0"},
    },
    "q_path_length": {
        "wrong": {"both_sequential": 'q_path_length = "c"'},
        "correct": {"upper_case": 'q_path_length = "A"'},
    },
    "q_pe_value": {
        "wrong": {"cosine": "q_pe_value = math.cos(0.5)",},
        "correct": {"rounded": "q_pe_value = 0.48"},
    },
}

# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "scaled_dot_product_attention": {
        "no_scaling": "the scores are not divided by sqrt(d) before the softmax",
        "scale_by_d": "the scores are divided by d instead of sqrt(d)",
        "scale_by_sqrt_dv":
            "the scores are divided by sqrt(d_v), the value "
            "size, instead of sqrt(d), the query/key size",
        "softmax_over_queries": "the softmax runs over the query axis instead of the key axis",
        "mask_after_softmax":
            "the masked weights are zeroed after the softmax instead of "
            "masking the scores before it, so rows no longer sum to 1",
        "mask_inverted":
            "the mask convention is inverted: keys marked True are blocked instead of allowed",
        "mask_multiplied":
            "the scores are multiplied by the mask, so masked "
            "scores become 0 instead of -inf and still get weight",
        "naive_exp_overflows":
            "the softmax is written by hand with exp without subtracting "
            "each row's maximum, so it overflows for large scores",
        "finite_fill_value":
            "masked scores are set to a large finite negative number "
            "instead of -inf, so their weights are not exactly 0",
        "returns_weights_first": "the pair is returned as (weights, out) instead of (out, weights)",
        "weights_detached":
            "the attention weights are detached, so no gradient flows back through them to q and k",
    },
    "causal_mask": {
        "upper_triangle": "the mask keeps the upper triangle (the future) instead of the lower one",
        "diagonal_excluded": "the diagonal is left out, so a token may not attend to itself",
        "nn_convention":
            "the mask follows nn.MultiheadAttention's convention, True "
            "marking the blocked future, instead of True = may attend",
        "float_mask": "the mask is a float tensor instead of a torch.bool one",
    },
    "multi_head_attention": {
        "scale_sqrt_E":
            "the scores are divided by sqrt(E), the embedding "
            "size, instead of sqrt(d_h), the head size",
        "heads_not_split":
            "the projections are never split into heads, so a "
            "single attention runs over the whole embedding",
        "split_without_transpose":
            "the heads are split by reshaping straight to (B, h, T, "
            "d_h) without a transpose, which mixes positions and heads",
        "split_interleaved":
            "each head takes every h-th column (interleaved) "
            "instead of a contiguous block of d_h columns",
        "merge_without_transpose":
            "the heads are merged back without transposing first, which mixes positions and heads",
        "weights_summed": "the returned weights are summed over the heads instead of averaged",
        "weights_per_head":
            "the per-head weights are returned instead of their average over the heads",
        "no_out_projection": "the output projection is left out",
        "q_k_rows_swapped":
            "the row blocks of in_proj_weight and in_proj_bias "
            "are read as (k, q, v) instead of (q, k, v)",
        "mask_inverted":
            "the mask is inverted before it is used, as if True "
            "meant blocked (nn.MultiheadAttention's convention)",
        "no_in_proj_bias": "the input projection biases (in_proj_bias) are left out",
    },
    "sinusoidal_positional_encoding": {
        "sin_cos_swapped":
            "sin and cos are swapped: even columns get cosines and odd columns sines",
        "exponent_column_index":
            "each column uses its own index j in the exponent, so a "
            "cosine column does not share its sine partner's frequency",
        "halves_concatenated":
            "all sine columns come first and all cosine columns "
            "after them, instead of sin and cos interleaved",
        "exponent_pair_index": "the exponent is i/d, with the pair index i, instead of 2i/d",
        "positions_from_one": "the positions start at 1 instead of 0",
    },
    "q_scaling": {
        "sums_to_one": "the 1/sqrt(d) scaling is thought to be what makes the weights sum to 1",
    },
    "q_weights_numel": {
        "per_head":
            "the returned weights are counted per head, "
            "as if they were not averaged over the heads",
    },
    "q_path_length": {
        "both_sequential":
            "self-attention is thought to need as many sequential "
            "steps as an RNN, with only a shorter path",
    },
    "q_pe_value": {
        "cosine":
            "column 2 of the encoding is computed with a cosine, as if even columns held cosines",
    },
}
