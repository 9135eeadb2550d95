"""Wrong and correct answers for s4_nlp_attention/seq2seq_attention: each replaces one answer
cell. The setup cell (math, os, torch, F, PAD/BOS/EOS, gru_cell, make_reversal_batch) stays, as
it does when a student's notebook is graded; `nn` is not imported there."""

# The reference Bahdanau attention with one part changed per mutant.
BAHDANAU = """
def bahdanau_attention(query, keys, W_q, W_k, v, mask=None):
    proj_q = {proj_q}
    proj_k = keys @ W_k.T
    scores = torch.tanh(proj_q[:, None, :] + proj_k) @ v
    {scale}
    if mask is not None:
        {mask_before}
    weights = {softmax}
    if mask is not None:
        {mask_after}
    weights = {weights}
    context = (weights[:, :, None] * keys).sum(dim=1)
    return {ret}
"""
BAHDANAU_RIGHT = {"proj_q": "query @ W_q.T", "scale": "",
                  "mask_before": "scores = scores.masked_fill(~mask, float('-inf'))",
                  "softmax": "torch.softmax(scores, dim=-1)", "mask_after": "pass",
                  "weights": "weights", "ret": "context, weights"}


def bahdanau_with(**changes: str) -> str:
    return BAHDANAU.format(**{**BAHDANAU_RIGHT, **changes})


# The reference Luong attention with one part changed per mutant.
LUONG = """
def luong_attention(query, keys, method, W=None, v=None, mask=None):
    if method == "dot":
        scores = torch.einsum("bh,bth->bt", query, keys){dot_scale}
    elif method == "general":
        scores = torch.einsum("bk,btk->bt", {general_q}, keys)
    elif method == "concat":
        H_dec = query.shape[-1]
        proj_q = {concat_q}
        proj_k = {concat_k}
        scores = {concat_act}(proj_q[:, None, :] + proj_k) @ v
    else:
        {unknown}
    if mask is not None:
        scores = {mask_fill}
    weights = torch.softmax(scores, dim={dim})
    context = torch.einsum("bt,bth->bh", weights, keys)
    return context, weights
"""
LUONG_RIGHT = {"dot_scale": "", "general_q": "query @ W", "concat_q": "query @ W[:, :H_dec].T",
               "concat_k": "keys @ W[:, H_dec:].T", "concat_act": "torch.tanh",
               "unknown": "raise ValueError(f'unknown method {method!r}: use dot, general or "
                          "concat')",
               "mask_fill": "scores.masked_fill(~mask, float('-inf'))", "dim": "-1"}


def luong_with(**changes: str) -> str:
    return LUONG.format(**{**LUONG_RIGHT, **changes})


STEP = """
def attention_decoder_step(y_prev, s_prev, keys, mask, params):
    p = params
    context, weights = bahdanau_attention(s_prev, keys, p["W_q"], p["W_k"], p["v"], {mask})
    x = torch.cat({gru_input}, dim=-1)
    s_new = gru_cell(x, s_prev, p["W_ih"], p["W_hh"], p["b_ih"], p["b_hh"])
    {after}
    logits = torch.cat({readout}, dim=-1) @ p["W_out"].T + p["b_out"]
    return logits, {ret}, weights
"""
STEP_RIGHT = {"mask": "mask", "gru_input": '[p["embedding"][y_prev], context]', "after": "",
              "readout": "[s_new, context]", "ret": "s_new"}


def step_with(**changes: str) -> str:
    return STEP.format(**{**STEP_RIGHT, **changes})


GREEDY = """
def greedy_decode(step_fn, state, bos_id, eos_id, max_len):
    B = state.shape[0]
    y = torch.full((B,), bos_id, dtype=torch.long)
    done = torch.zeros(B, dtype=torch.bool)
    out = []
    for _ in range({steps}):
        logits, state = step_fn({fed}, state)
        y = {pick}
        out.append(y)
        done = done | (y == eos_id)
        if {stop}:
            break
    tokens = torch.stack(out, dim=1)
    return {ret}
"""
GREEDY_RIGHT = {"steps": "max_len", "fed": "y", "pick": "logits.argmax(dim=-1).masked_fill(done, "
                "eos_id)", "stop": "done.all()", "ret": "tokens"}


def greedy_with(**changes: str) -> str:
    return GREEDY.format(**{**GREEDY_RIGHT, **changes})


FORBIDDEN = "forbidden"

MUTANTS = {
    "bahdanau_attention": {
        "wrong": {
            "mask_filled_with_zero": (bahdanau_with(
                mask_before="scores = scores.masked_fill(~mask, 0.0)"), "filled with 0"),
            "softmax_over_batch": (bahdanau_with(softmax="torch.softmax(scores, dim=0)"),
                                   "batch axis"),
            "W_q_not_transposed": (bahdanau_with(proj_q="query @ W_q"), "not its transpose"),
            "inverted_mask": (bahdanau_with(
                mask_before="scores = scores.masked_fill(mask, float('-inf'))"), "inverted"),
            "mask_after_softmax": (bahdanau_with(mask_before="pass",
                                                 mask_after="weights = weights * mask"),
                                   "after the softmax"),
            "mask_after_softmax_renormalised": (bahdanau_with(
                mask_before="pass",
                mask_after="weights = weights * mask / (weights * mask).sum(-1, keepdim=True)"),
                "renormalise"),
            "scaled_by_sqrt_A": (bahdanau_with(scale="scores = scores / math.sqrt(v.shape[0])"),
                                 "you divide the scores by sqrt"),
            "naive_softmax": (bahdanau_with(
                softmax="torch.exp(scores) / torch.exp(scores).sum(-1, keepdim=True)"),
                "overflows"),
            "returns_weights_then_context": (bahdanau_with(ret="weights, context"),
                                             "pinned order"),
            "weights_detached": (bahdanau_with(weights="weights.detach()"),
                                 "no gradient flows back to query"),
            "forbidden_sdpa": ("""
def bahdanau_attention(query, keys, W_q, W_k, v, mask=None):
    B, T, _ = keys.shape
    scores = torch.tanh((query @ W_q.T)[:, None, :] + keys @ W_k.T) @ v
    ones = torch.ones(B, 1, 1, dtype=keys.dtype)
    attn_mask = None if mask is None else mask[:, None, :]
    eye = torch.eye(T, dtype=keys.dtype).expand(B, T, T)
    context = F.scaled_dot_product_attention(ones, scores[:, :, None], keys,
                                             attn_mask=attn_mask, scale=1.0)[:, 0]
    weights = F.scaled_dot_product_attention(ones, scores[:, :, None], eye,
                                             attn_mask=attn_mask, scale=1.0)[:, 0]
    return context, weights
""", "scaled_dot_product_attention"),
            "forbidden_mha_forward": ("""
def bahdanau_attention(query, keys, W_q, W_k, v, mask=None):
    scores = torch.tanh((query @ W_q.T)[:, None, :] + keys @ W_k.T) @ v
    if mask is not None:
        scores = scores.masked_fill(~mask, float('-inf'))
    weights = torch.softmax(scores, dim=-1)
    B, T, H = keys.shape
    eye = torch.eye(H, dtype=keys.dtype)
    # a zero query scores every key 0; the log-weights as an additive mask do the rest
    out, _ = F.multi_head_attention_forward(
        keys.new_zeros(1, B, H), keys.transpose(0, 1), keys.transpose(0, 1), H, 1,
        torch.cat([eye, eye, eye]), None, None, None, False, 0.0, eye, None, training=False,
        attn_mask=weights.log()[:, None, :])
    return out[0], weights
""", "multi_head_attention_forward"),
        },
        "correct": {
            "einsum_stable_manual_softmax": """
def bahdanau_attention(query, keys, W_q, W_k, v, mask=None):
    hidden = torch.tanh(torch.einsum("ah,bh->ba", W_q, query)[:, None, :]
                        + torch.einsum("ae,bte->bta", W_k, keys))
    scores = torch.einsum("bta,a->bt", hidden, v)
    if mask is not None:
        scores = torch.where(mask, scores, torch.full_like(scores, -1e9))
    scores = scores - scores.max(dim=-1, keepdim=True).values
    e = scores.exp()
    weights = e / e.sum(dim=-1, keepdim=True)
    return torch.einsum("bt,bte->be", weights, keys), weights
""",
            "loop_over_positions_linear": """
def bahdanau_attention(query, keys, W_q, W_k, v, mask=None):
    T = keys.shape[1]
    pq = F.linear(query, W_q)
    cols = [torch.tanh(pq + F.linear(keys[:, t], W_k)) @ v for t in range(T)]
    scores = torch.stack(cols, dim=1)
    if mask is not None:
        scores = scores.masked_fill(mask.logical_not(), -math.inf)
    weights = scores.softmax(-1)
    return torch.bmm(weights.unsqueeze(1), keys).squeeze(1), weights
""",
        },
    },
    "luong_attention": {
        "wrong": {
            "dot_scaled_by_sqrt_d": (luong_with(dot_scale=" / math.sqrt(keys.shape[-1])"),
                                     "you divide the scores by sqrt"),
            "general_W_transposed": (luong_with(general_q="query @ W.T"), "W is used transposed"),
            "concat_k_then_q": (luong_with(concat_q="query @ W[:, keys.shape[-1]:].T",
                                           concat_k="keys @ W[:, :keys.shape[-1]].T"),
                                "[k; q]"),
            "concat_no_tanh": (luong_with(concat_act=""), "the tanh is missing"),
            "mask_filled_with_zero": (luong_with(mask_fill="scores.masked_fill(~mask, 0.0)"),
                                      "filled with 0"),
            "inverted_mask": (luong_with(mask_fill="scores.masked_fill(mask, float('-inf'))"),
                              "inverted"),
            "softmax_over_batch": (luong_with(dim="0"), "batch axis"),
            "unknown_method_returns_none": (luong_with(unknown="return None"), "ValueError"),
            "unknown_method_silent_value_error": (luong_with(unknown="raise ValueError()"),
                                                  "name the unknown method"),
            "forbidden_sdpa_for_dot": ("""
def luong_attention(query, keys, method, W=None, v=None, mask=None):
    if method == "dot":
        q = query
    elif method == "general":
        q = query @ W
    else:
        raise ValueError(f"unknown method {method!r}")
    B, T, H = keys.shape
    attn_mask = None if mask is None else mask[:, None, :]
    eye = torch.eye(T, dtype=keys.dtype).expand(B, T, T)
    context = F.scaled_dot_product_attention(q[:, None], keys, keys, attn_mask=attn_mask,
                                             scale=1.0)[:, 0]
    weights = F.scaled_dot_product_attention(q[:, None], keys, eye, attn_mask=attn_mask,
                                             scale=1.0)[:, 0]
    return context, weights
""", "scaled_dot_product_attention"),
            "forbidden_sdpa_hidden_route": ("""
def luong_attention(query, keys, method, W=None, v=None, mask=None):
    if method != "dot":
        raise ValueError(f"unknown method {method!r}")
    raw = getattr(getattr(torch, "_" + "C"), "_n" + "n").scaled_dot_product_attention
    B, T, H = keys.shape
    attn_mask = None if mask is None else mask[:, None, :]
    eye = torch.eye(T, dtype=keys.dtype).expand(B, T, T)
    context = raw(query[:, None], keys, keys, attn_mask=attn_mask, scale=1.0)[:, 0]
    weights = raw(query[:, None], keys, eye, attn_mask=attn_mask, scale=1.0)[:, 0]
    return context, weights
""", "aten._scaled_dot_product"),  # past the static scan: caught by its operator
            "forbidden_mha_forward": ("""
def luong_attention(query, keys, method, W=None, v=None, mask=None):
    if method == "general":
        query = query @ W
    elif method != "dot":
        raise ValueError(f"unknown method {method!r}")
    B, T, H = keys.shape
    eye = torch.eye(H, dtype=keys.dtype)
    out, weights = F.multi_head_attention_forward(
        (query * math.sqrt(H))[None], keys.transpose(0, 1), keys.transpose(0, 1), H, 1,
        torch.cat([eye, eye, eye]), None, None, None, False, 0.0, eye, None, training=False,
        key_padding_mask=None if mask is None else ~mask)
    return out[0], weights[:, 0]
""", "multi_head_attention_forward"),
            "forbidden_multihead_module": ("""
def luong_attention(query, keys, method, W=None, v=None, mask=None):
    if method == "general":
        query = query @ W
    elif method != "dot":
        raise ValueError(f"unknown method {method!r}")
    H = keys.shape[-1]
    mha = torch.nn.MultiheadAttention(H, 1, bias=False, batch_first=True).to(keys.dtype)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.eye(H).repeat(3, 1))
        mha.out_proj.weight.copy_(torch.eye(H))
    pad = None if mask is None else ~mask
    out, weights = mha(query[:, None] * math.sqrt(H), keys, keys, key_padding_mask=pad)
    return out[:, 0], weights[:, 0]
""", FORBIDDEN),
        },
        "correct": {
            "explicit_concat_and_bmm": """
def luong_attention(query, keys, method, W=None, v=None, mask=None):
    B, T, _ = keys.shape
    if method == "dot":
        scores = torch.bmm(keys, query.unsqueeze(2)).squeeze(2)
    elif method == "general":
        scores = torch.bmm(keys, (query @ W).unsqueeze(2)).squeeze(2)
    elif method == "concat":
        both = torch.cat([query.unsqueeze(1).expand(B, T, query.shape[1]), keys], dim=2)
        scores = torch.tanh(both @ W.T) @ v
    else:
        raise ValueError("method must be 'dot', 'general' or 'concat', not " + repr(method))
    if mask is not None:
        scores = torch.where(mask, scores, float("-inf"))
    weights = scores.softmax(dim=1)
    return torch.bmm(weights.unsqueeze(1), keys).squeeze(1), weights
""",
            "score_functions_in_a_dict": """
def luong_attention(query, keys, method, W=None, v=None, mask=None):
    def concat():
        Wq, Wk = W.split([query.shape[1], keys.shape[2]], dim=1)
        return torch.tanh(F.linear(query, Wq)[:, None] + F.linear(keys, Wk)) @ v

    scorers = {"dot": lambda: torch.einsum("bd,btd->bt", query, keys),
               "general": lambda: torch.einsum("bd,de,bte->bt", query, W, keys),
               "concat": concat}
    if method not in scorers:
        raise ValueError(f"method {method!r} is not one of {sorted(scorers)}")
    scores = scorers[method]()
    if mask is not None:
        scores = scores.masked_fill(~mask, -float("inf"))
    log_w = scores - torch.logsumexp(scores, dim=-1, keepdim=True)
    weights = log_w.exp()
    return torch.einsum("bt,bte->be", weights, keys), weights
""",
        },
    },
    "attention_decoder_step": {
        "wrong": {
            "attends_with_new_state": (step_with(
                after='context, weights = bahdanau_attention(s_new, keys, p["W_q"], p["W_k"], '
                      'p["v"], mask)'), "Luong's order"),
            "mask_not_passed": (step_with(mask="None"), "mask is not passed"),
            "readout_with_previous_state": (step_with(readout="[s_prev, context]"),
                                            "read-out uses the previous state"),
            "returns_previous_state": (step_with(ret="s_prev"), "return the previous state"),
            "readout_context_first": (step_with(readout="[context, s_new]"),
                                      "the read-out concatenates [c_t; s_t]"),
            "context_before_embedding": (step_with(
                gru_input='[context, p["embedding"][y_prev]]'), "the GRU input is [c_t; E[y"),
        },
        "correct": {
            "torch_gru_cell_and_linear": """
def attention_decoder_step(y_prev, s_prev, keys, mask, params):
    c, a = bahdanau_attention(s_prev, keys, params["W_q"], params["W_k"], params["v"], mask=mask)
    emb = F.embedding(y_prev, params["embedding"])
    s = torch.gru_cell(torch.cat((emb, c), 1), s_prev, params["W_ih"], params["W_hh"],
                       params["b_ih"], params["b_hh"])
    logits = F.linear(torch.cat((s, c), 1), params["W_out"], params["b_out"])
    return logits, s, a
""",
        },
    },
    "teacher_forcing_inputs": {
        "wrong": {
            "no_shift": ("def teacher_forcing_inputs(targets, bos_id):\n"
                         "    return targets.clone()\n", "unshifted"),
            "keeps_last_target": (
                "def teacher_forcing_inputs(targets, bos_id):\n"
                "    return torch.cat([torch.full_like(targets[:, :1], bos_id), targets], 1)\n",
                "keep the last target"),
            "shifted_left": (
                "def teacher_forcing_inputs(targets, bos_id):\n"
                "    bos = torch.full_like(targets[:, :1], bos_id)\n"
                "    return torch.cat([targets[:, 1:], bos], 1)\n",
                "shift left"),
            "in_place": (
                "def teacher_forcing_inputs(targets, bos_id):\n"
                "    targets[:, 1:] = targets[:, :-1].clone()\n"
                "    targets[:, 0] = bos_id\n"
                "    return targets\n", "changed targets in place"),
            "float_bos_column": (
                "def teacher_forcing_inputs(targets, bos_id):\n"
                "    bos = torch.full((targets.shape[0], 1), float(bos_id))\n"
                "    return torch.cat([bos, targets[:, :-1].float()], 1)\n", "dtype"),
        },
        "correct": {
            "pad_left": ("def teacher_forcing_inputs(targets, bos_id):\n"
                         "    return F.pad(targets[:, :-1], (1, 0), value=bos_id)\n"),
            "roll_then_set": ("def teacher_forcing_inputs(targets, bos_id):\n"
                              "    out = torch.roll(targets, shifts=1, dims=1)\n"
                              "    out[:, 0] = bos_id\n"
                              "    return out\n"),
        },
    },
    "greedy_decode": {
        "wrong": {
            "feeds_bos_every_step": (greedy_with(fed="torch.full_like(y, bos_id)"),
                                     "feed <bos> at every step"),
            "never_stops_early": (greedy_with(stop="False"), "run all max_len steps"),
            "stops_at_first_eos": (greedy_with(stop="done.any()"), "first row"),
            "no_eos_fill": (greedy_with(pick="logits.argmax(dim=-1)"), "are not eos_id"),
            "includes_bos": (greedy_with(
                ret="torch.cat([torch.full((B, 1), bos_id), tokens], dim=1)"),
                "starts with <bos>"),
            "one_step_short": (greedy_with(steps="max_len - 1"), "max_len - 1 steps"),
        },
        "correct": {
            "python_lists": """
def greedy_decode(step_fn, state, bos_id, eos_id, max_len):
    B = state.shape[0]
    y = torch.tensor([bos_id] * B)
    rows = [[] for _ in range(B)]
    finished = [False] * B
    while len(rows[0]) < max_len and not all(finished):
        logits, state = step_fn(y, state)
        best = logits.argmax(-1).tolist()
        for b in range(B):
            rows[b].append(eos_id if finished[b] else best[b])
            finished[b] = finished[b] or best[b] == eos_id
        y = torch.tensor([r[-1] for r in rows])
    return torch.tensor(rows, dtype=torch.long).reshape(B, -1)
""",
        },
    },
    "q_query_state": {"wrong": {"current_in_both": 'q_query_state = "a"'},
                      "correct": {"upper_case": 'q_query_state = " B "'}},
    "q_masked_weight": {"wrong": {"minus_inf": 'q_masked_weight = float("-inf")'},
                        "correct": {"integer": "q_masked_weight = 0"}},
    "q_no_params": {"wrong": {"general": 'q_no_params = "a"'},
                    "correct": {"upper_case": 'q_no_params = "C"'}},
    "q_num_scores": {"wrong": {"sum_not_product": "q_num_scores = 42"},
                     "correct": {"float": "q_num_scores = 360.0"}},
}

# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "bahdanau_attention": {
        "mask_filled_with_zero": "masked scores are filled with 0 instead of -inf, so padding "
                                 "still gets a share of the weight",
        "softmax_over_batch": "the softmax runs over the batch axis instead of the source "
                              "positions",
        "W_q_not_transposed": "the query is multiplied by W_q instead of its transpose",
        "inverted_mask": "the mask is inverted: the valid positions are masked out and the padding "
                         "is attended",
        "mask_after_softmax": "the weights are multiplied by the mask after the softmax, so the "
                              "rows no longer sum to 1",
        "mask_after_softmax_renormalised": "the weights are masked and renormalised after the "
                                           "softmax instead of masking the scores with -inf "
                                           "before it",
        "scaled_by_sqrt_A": "the scores are divided by sqrt(A), the attention size: a Transformer "
                            "scaling that Bahdanau's score does not have",
        "naive_softmax": "the softmax is written by hand without subtracting the row maximum, so "
                         "large scores overflow",
        "returns_weights_then_context": "the two outputs are returned in the wrong order, weights "
                                        "before context",
        "weights_detached": "the weights are detached, so no gradient flows back through them to "
                            "the query and the scoring parameters",
    },
    "luong_attention": {
        "dot_scaled_by_sqrt_d": "the dot scores are divided by sqrt(d): a Transformer scaling "
                                "that Luong's attention does not use",
        "general_W_transposed": "the general score uses W transposed",
        "concat_k_then_q": "the concat score splits W as if it acted on [k; q], key first, "
                           "instead of [q; k]",
        "concat_no_tanh": "the tanh is left out of the concat score",
        "mask_filled_with_zero": "masked scores are filled with 0 instead of -inf, so padding "
                                 "still gets a share of the weight",
        "inverted_mask": "the mask is inverted: the valid positions are masked out and the padding "
                         "is attended",
        "softmax_over_batch": "the softmax runs over the batch axis instead of the source "
                              "positions",
        "unknown_method_returns_none": "an unknown method returns None instead of raising "
                                       "ValueError",
        "unknown_method_silent_value_error": "an unknown method raises a ValueError whose message "
                                             "names neither the method nor the valid ones",
    },
    "attention_decoder_step": {
        "attends_with_new_state": "the context for the read-out and the returned weights are "
                                  "recomputed from the new state s_t (Luong's order)",
        "mask_not_passed": "the mask is not passed to the attention, so padded source positions "
                           "get weight",
        "readout_with_previous_state": "the read-out uses the previous state s_{t-1} instead of "
                                       "the new state s_t",
        "returns_previous_state": "the previous state s_{t-1} is returned instead of the new "
                                  "state s_t",
        "readout_context_first": "the read-out concatenates [c_t; s_t] instead of [s_t; c_t]",
        "context_before_embedding": "the GRU input is [c_t; E[y_{t-1}]] instead of "
                                    "[E[y_{t-1}]; c_t]",
    },
    "teacher_forcing_inputs": {
        "no_shift": "the targets are returned unshifted, without <bos> in front",
        "keeps_last_target": "a <bos> is put in front but the last target is not dropped, so the "
                             "inputs are one step longer",
        "shifted_left": "the targets are shifted left, with <bos> at the end, instead of right",
        "in_place": "the shift is done in place, changing the targets tensor that was passed in",
        "float_bos_column": "the inputs come out as a float tensor instead of a LongTensor",
    },
    "greedy_decode": {
        "feeds_bos_every_step": "the <bos> token is fed at every step instead of the token "
                                "generated at the previous step",
        "never_stops_early": "decoding runs all max_len steps even after every row has emitted "
                             "<eos>",
        "stops_at_first_eos": "decoding stops as soon as one row emits <eos> instead of waiting "
                              "for every row",
        "no_eos_fill": "a finished row keeps the model's argmax after its <eos> instead of being "
                       "filled with eos_id",
        "includes_bos": "the returned tokens start with <bos>",
        "one_step_short": "decoding runs at most max_len - 1 steps, one fewer than allowed",
    },
    "q_query_state": {
        "current_in_both": "the query is thought to be the current decoder state in Bahdanau's "
                           "attention as well as in Luong's",
    },
    "q_masked_weight": {
        "minus_inf": "the -inf that fills a masked score is confused with the weight that comes "
                     "out of the softmax",
    },
    "q_no_params": {
        "general": "the general score of Luong is thought to be parameter-free, overlooking its "
                   "learned matrix W",
    },
    "q_num_scores": {
        "sum_not_product": "the numbers of source and output tokens are added instead of "
                           "multiplied",
    },
}
