"""Wrong and correct answers for s3_sequences/rnn, each replacing a whole answer cell.  The
setup cell (math, os, torch, F, nn) stays, as it does when a student's notebook is graded."""

CELL = "def rnn_cell(x, h, W_ih, W_hh, b_ih, b_hh):\n"
FORWARD = ("def rnn_forward(xs, h0, W_ih, W_hh, b_ih, b_hh, bidirectional=False,\n"
           "                W_ih_reverse=None, W_hh_reverse=None, b_ih_reverse=None,\n"
           "                b_hh_reverse=None):\n")
BPTT = "def bptt_grad_norms(xs, h0, W_ih, W_hh, b_ih, b_hh):\n"
CLIP = "def clip_grad_norm(grads, max_norm):\n"


def cell_returning(expr: str) -> str:
    return f"{CELL}    return {expr}\n"

# The reference rnn_forward with {step}, {back}, {store}, {out}, {h_n} filled in below.
FORWARD_BODY = FORWARD + """
    T = xs.shape[0]
    h, forward = h0[0], []
    for t in range(T):
        h = {step}
        forward.append(h)
    if not bidirectional:
        return torch.stack(forward), {h_n_uni}
    h_back, backward = {h_back0}, []
    for t in reversed(range(T)):
        h_back = {back}
        backward.append(h_back)
    backward = {store}
    outputs = {out}
    return outputs, {h_n}
"""
RIGHT = {"step": "rnn_cell(xs[t], h, W_ih, W_hh, b_ih, b_hh)",
         "h_n_uni": "h.unsqueeze(0)",
         "h_back0": "h0[1]",
         "back": "rnn_cell(xs[t], h_back, W_ih_reverse, W_hh_reverse, b_ih_reverse, "
                 "b_hh_reverse)",
         "store": "torch.stack(backward[::-1])",
         "out": "torch.cat([torch.stack(forward), backward], dim=-1)",
         "h_n": "torch.stack([h, h_back])"}


def forward_with(**changes: str) -> str:
    return FORWARD_BODY.format(**{**RIGHT, **changes})


# The reference bptt_grad_norms with {step} (dL/dh_{t-1} from grad) and {result} filled in.
BPTT_BODY = BPTT + """
    outputs, _ = rnn_forward(xs, h0, W_ih, W_hh, b_ih, b_hh)
    grad = torch.ones_like(outputs[-1])
    norms = [grad.norm()]
    for t in range(outputs.shape[0] - 1, 0, -1):
        grad = {step}
        norms.append(grad.norm())
    return {result}
"""


def bptt_with(step: str = "(grad * (1 - outputs[t] ** 2)) @ W_hh",
              result: str = "torch.stack(norms[::-1])") -> str:
    return BPTT_BODY.format(step=step, result=result)


# The reference clip_grad_norm with {total}, {coef} and {ret} filled in.
CLIP_BODY = CLIP + """
    total_norm = {total}
    coef = {coef}
    return {ret}
"""
CLIP_RIGHT = {"total": "torch.stack([g.norm() for g in grads]).norm()",
              "coef": "torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)",
              "ret": "[g * coef for g in grads], total_norm"}


def clip_with(**changes: str) -> str:
    return CLIP_BODY.format(**{**CLIP_RIGHT, **changes})


MUTANTS = {
    "rnn_cell": {
        "wrong": {
            "hh_untransposed": (cell_returning("torch.tanh(x @ W_ih.T + b_ih + h @ W_hh + b_hh)"),
                                "h @ W_hh instead of h @ W_hh.T"),
            "forbidden_nn_rnncell": (CELL + '''
    cell = nn.RNNCell(W_ih.shape[1], W_ih.shape[0], dtype=x.dtype, device=x.device)
    with torch.no_grad():
        for p, w in zip(cell.parameters(), (W_ih, W_hh, b_ih, b_hh)):
            p.copy_(w)
        return cell(x, h)
''', "forbidden"),
            "forbidden_rnn_tanh_cell": (
                cell_returning("torch.rnn_tanh_cell(x, h, W_ih, W_hh, b_ih, b_hh)"), "forbidden"),
            "forbidden_vf": (
                cell_returning("torch._VF.rnn_tanh_cell(x, h, W_ih, W_hh, b_ih, b_hh)"),
                "forbidden"),
            "ih_untransposed": (cell_returning("torch.tanh(x @ W_ih + b_ih + h @ W_hh.T + b_hh)"),
                                "x @ W_ih.T"),
            "weights_swapped": (cell_returning("torch.tanh(x @ W_hh.T + b_ih + h @ W_ih.T + b_hh)"),
                                "swapped"),
            "drops_b_hh": (cell_returning("torch.tanh(x @ W_ih.T + b_ih + h @ W_hh.T)"),
                           "drops the bias b_hh"),
            "relu": (cell_returning("torch.relu(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)"),
                     "ReLU"),
            "sigmoid": (cell_returning("torch.sigmoid(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)"),
                        "sigmoid"),
            "tanh_by_exp": (CELL + '''
    a = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    return (torch.exp(a) - torch.exp(-a)) / (torch.exp(a) + torch.exp(-a))
''', "NaN"),
        },
        "correct": {
            "f_linear": cell_returning(
                "torch.tanh(F.linear(x, W_ih, b_ih) + F.linear(h, W_hh, b_hh))"),
            "addmm_and_2sigmoid": CELL + '''
    a = torch.addmm(b_ih + b_hh, x, W_ih.t()) + torch.einsum("bj,ij->bi", h, W_hh)
    return 2 * torch.sigmoid(2 * a) - 1
''',
        },
    },
    "rnn_forward": {
        "wrong": {
            "state_not_carried": (
                forward_with(step="rnn_cell(xs[t], h0[0], W_ih, W_hh, b_ih, b_hh)"), "carried"),
            "forbidden_nn_rnn": (FORWARD + '''
    rnn = nn.RNN(xs.shape[2], W_ih.shape[0], bidirectional=bidirectional, dtype=xs.dtype)
    names = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    with torch.no_grad():
        for n, w in zip(names, (W_ih, W_hh, b_ih, b_hh)):
            getattr(rnn, n).copy_(w)
        if bidirectional:
            rev = (W_ih_reverse, W_hh_reverse, b_ih_reverse, b_hh_reverse)
            for n, w in zip(names, rev):
                getattr(rnn, n + "_reverse").copy_(w)
        return rnn(xs, h0)
''', "forbidden"),
            "forbidden_rnn_tanh": (FORWARD + '''
    params = [W_ih, W_hh, b_ih, b_hh]
    if bidirectional:
        params += [W_ih_reverse, W_hh_reverse, b_ih_reverse, b_hh_reverse]
    return torch.rnn_tanh(xs, h0, params, True, 1, 0.0, False, bidirectional, False)
''', "forbidden"),
            "reverse_not_flipped_back": (forward_with(store="torch.stack(backward)"), "flip them"),
            "reverse_final_wrong_end": (forward_with(h_n="torch.stack([h, backward[-1]])"),
                                        "wrong end"),
            "reverse_forward_weights": (forward_with(
                back="rnn_cell(xs[t], h_back, W_ih, W_hh, b_ih, b_hh)"), "forward weights"),
            "reverse_from_h0_0": (forward_with(h_back0="h0[0]"), "h0[1]"),
            "halves_swapped": (forward_with(out="torch.cat([backward, torch.stack(forward)], -1)"),
                               "swapped"),
            "h_n_without_axis": (forward_with(h_n_uni="h"), "unsqueeze"),
            "ignores_h0": (forward_with().replace("h, forward = h0[0], []",
                                                  "h, forward = torch.zeros_like(h0[0]), []"),
                           "ignores h0"),
            "batch_first": (forward_with(
                out="torch.cat([torch.stack(forward, 1), backward.transpose(0, 1)], dim=-1)")
                .replace("torch.stack(forward), ", "torch.stack(forward, 1), "), "batch first"),
        },
        "correct": {
            "preallocated_and_flip": FORWARD + '''
    T, B, _ = xs.shape
    H = W_hh.shape[0]

    def run(seq, h, w_ih, w_hh, bi, bh):
        out = seq.new_empty(seq.shape[0], B, H)
        for t in range(seq.shape[0]):
            h = torch.tanh(seq[t] @ w_ih.T + bi + h @ w_hh.T + bh)
            out[t] = h
        return out, h

    out_f, h_f = run(xs, h0[0], W_ih, W_hh, b_ih, b_hh)
    if not bidirectional:
        return out_f, h_f[None]
    out_b, h_b = run(xs.flip(0), h0[1], W_ih_reverse, W_hh_reverse, b_ih_reverse, b_hh_reverse)
    return torch.cat((out_f, out_b.flip(0)), 2), torch.stack((h_f, h_b))
''',
            "index_from_end": FORWARD + '''
    T = xs.shape[0]
    states = []
    h = h0[0]
    for t in range(T):
        h = rnn_cell(xs[t], h, W_ih, W_hh, b_ih, b_hh)
        states.append(h)
    outputs = torch.stack(states)
    if bidirectional:
        back = [None] * T
        hb = h0[1]
        for i in range(T):
            t = T - 1 - i
            hb = rnn_cell(xs[t], hb, W_ih_reverse, W_hh_reverse, b_ih_reverse, b_hh_reverse)
            back[t] = hb
        back = torch.stack(back)
        return torch.cat([outputs, back], -1), torch.stack([outputs[-1], back[0]])
    return outputs, outputs[-1:].clone()
''',
        },
    },
    "bptt_grad_norms": {
        "wrong": {
            "derivative_of_arrival_state": (bptt_with(
                step="(grad * (1 - (outputs[t - 1] if t > 0 else h0[0]) ** 2)) @ W_hh"),
                "arrives at"),
            "forbidden_autograd": (BPTT + '''
    W = W_hh.clone().requires_grad_()
    h, hs = h0[0], []
    for t in range(xs.shape[0]):
        h = rnn_cell(xs[t], h, W_ih, W, b_ih, b_hh)
        h.retain_grad()
        hs.append(h)
    hs[-1].sum().backward()
    return torch.stack([s.grad.norm() for s in hs])
''', "forbidden"),
            "w_hh_transposed": (bptt_with(step="(grad * (1 - outputs[t] ** 2)) @ W_hh.T"),
                                "multiplies by W_hh.T"),
            "no_tanh_derivative": (bptt_with(step="grad @ W_hh"),
                                   "leaves out the tanh derivative"),
            "backward_order": (bptt_with(result="torch.stack(norms)"), "from the last step back"),
            "squared_norms": (bptt_with(result="torch.stack(norms[::-1]) ** 2"), "squared"),
            "mean_loss": (bptt_with().replace(
                "grad = torch.ones_like(outputs[-1])",
                "grad = torch.ones_like(outputs[-1]) / outputs[-1].numel()"), "the mean"),
        },
        "correct": {
            "jacobian_matrices": BPTT + '''
    outputs, _ = rnn_forward(xs, h0, W_ih, W_hh, b_ih, b_hh)
    T, B, H = outputs.shape
    grad = outputs.new_ones(B, H)
    norms = outputs.new_empty(T)
    norms[T - 1] = torch.linalg.vector_norm(grad)
    for t in range(T - 1, 0, -1):
        J = (1 - outputs[t] ** 2)[:, :, None] * W_hh  # (B, H, H): dh_t/dh_{t-1} per row
        grad = torch.einsum("bi,bij->bj", grad, J)
        norms[t - 1] = torch.sqrt((grad ** 2).sum())
    return norms
''',
            "own_forward_loop": BPTT + '''
    hs, h = [], h0[0]
    for t in range(xs.shape[0]):
        h = torch.tanh(F.linear(xs[t], W_ih, b_ih) + F.linear(h, W_hh, b_hh))
        hs.append(h)
    g, out = torch.ones_like(h), []
    for t in reversed(range(len(hs))):
        out.insert(0, g.flatten().norm())
        g = (g * (1 - hs[t] * hs[t])) @ W_hh
    return torch.stack(out)
''',
        },
    },
    "clip_grad_norm": {
        "wrong": {
            "per_tensor_norm": (CLIP + '''
    out = [g * torch.clamp(max_norm / (g.norm() + 1e-6), max=1.0) for g in grads]
    return out, torch.stack([g.norm() for g in grads]).norm()
''', "each tensor by its own norm"),
            "forbidden_clip_grad_norm_": (CLIP + '''
    params = [nn.Parameter(torch.zeros_like(g)) for g in grads]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    return [p.grad for p in params], total
''', "forbidden"),
            "forbidden_get_total_norm": (clip_with(total="torch.nn.utils.get_total_norm(grads)"),
                                         "forbidden"),
            "always_scaled": (clip_with(coef="max_norm / (total_norm + 1e-6)"),
                              "even under the limit"),
            "l1_norm": (clip_with(total="sum(g.abs().sum() for g in grads)"), "L1"),
            "no_sqrt": (clip_with(total="sum((g ** 2).sum() for g in grads)"), "square root"),
            "no_eps": (clip_with(coef="torch.clamp(max_norm / total_norm, max=1.0)"), "1e-6"),
            "in_place": (clip_with(ret="[g.mul_(coef) for g in grads], total_norm"), "in place"),
            "returns_inputs_under_limit": (CLIP + '''
    total_norm = torch.stack([g.norm() for g in grads]).norm()
    if total_norm <= max_norm:
        return list(grads), total_norm
    return [g * (max_norm / (total_norm + 1e-6)) for g in grads], total_norm
''', "input tensor itself"),
            "norm_after_clipping": (clip_with(
                ret="[g * coef for g in grads], total_norm * coef"), "after clipping"),
        },
        "correct": {
            "flatten_and_if": CLIP + '''
    flat = torch.cat([g.reshape(-1) for g in grads])
    total_norm = torch.sqrt((flat * flat).sum())
    coef = max_norm / (float(total_norm) + 1e-6)
    if coef < 1:
        return [g * coef for g in grads], total_norm
    return [g.clone() for g in grads], total_norm
''',
            "python_min": CLIP + '''
    total_norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    coef = min(1.0, max_norm / (total_norm.item() + 1e-6))
    return [torch.mul(g, coef) for g in grads], total_norm
''',
        },
    },
    "q_vanishing": {
        "wrong": {"tanh_only": 'q_vanishing = "d"'},
        "correct": {"upper_case": 'q_vanishing = " C "'},
    },
    "q_steps_to_vanish": {
        "wrong": {"not_rounded_up": "q_steps_to_vanish = 43"},
        "correct": {"float_whole": "q_steps_to_vanish = 44.0"},
    },
    "q_clip_direction": {
        "wrong": {"clamps_entries": 'q_clip_direction = "b"'},
        "correct": {"upper_case": 'q_clip_direction = "A"'},
    },
    "q_truncated_bptt": {
        "wrong": {"any_length": 'q_truncated_bptt = "c"'},
        "correct": {"spaces": 'q_truncated_bptt = "d "'},
    },
}

# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "rnn_cell": {
        "hh_untransposed": "the hidden state is multiplied by W_hh itself instead of its transpose",
        "ih_untransposed": "the input is multiplied by W_ih itself instead of its transpose",
        "weights_swapped":
            "the two weights are swapped: the input is "
            "multiplied by W_hh and the hidden state by W_ih",
        "drops_b_hh": "the hidden bias b_hh is left out of the pre-activation",
        "relu": "the activation is ReLU instead of tanh",
        "sigmoid": "the activation is a sigmoid instead of tanh",
        "tanh_by_exp":
            "tanh is written by hand with exp, which overflows to NaN for large pre-activations",
    },
    "rnn_forward": {
        "state_not_carried":
            "every step restarts from h0 instead of from the "
            "previous step's state (the state is not carried)",
        "reverse_not_flipped_back":
            "the backward direction's outputs stay in the order they "
            "were computed instead of being flipped back to input order",
        "reverse_final_wrong_end":
            "the backward direction's final state is taken "
            "at step T-1 instead of after reading x_0",
        "reverse_forward_weights":
            "the backward direction uses the forward weights instead of its own *_reverse weights",
        "reverse_from_h0_0":
            "the backward direction starts from h0[0], the forward initial state, instead of h0[1]",
        "halves_swapped":
            "the backward half comes before the forward half in the concatenated outputs",
        "h_n_without_axis":
            "the unidirectional h_n is returned shaped (B, H), without its leading axis of size 1",
        "ignores_h0":
            "the forward direction starts from zeros instead of the given initial state h0",
        "batch_first":
            "the outputs are stacked batch first, (B, T, ...), instead of time first, (T, B, ...)",
    },
    "bptt_grad_norms": {
        "derivative_of_arrival_state":
            "the tanh derivative is taken at the state the backward step "
            "arrives at (h_{t-1}) instead of the one it leaves (h_t)",
        "w_hh_transposed":
            "each backward step multiplies by the transpose of W_hh instead of by W_hh itself",
        "no_tanh_derivative": "the tanh derivative (1 - h_t^2) is left out of the backward step",
        "backward_order":
            "the norms are returned in backward order (last step first) instead of step 0 first",
        "squared_norms": "the squared norms are returned instead of the norms",
        "mean_loss":
            "the loss is the mean of the last state instead of "
            "its sum, so the starting gradient is not all ones",
    },
    "clip_grad_norm": {
        "per_tensor_norm":
            "each tensor is clipped by its own norm instead of "
            "all of them together by their joint (global) norm",
        "always_scaled":
            "the gradients are rescaled to max_norm even when their total norm is under the limit",
        "l1_norm": "the total norm is the sum of absolute values (L1) instead of the L2 norm",
        "no_sqrt": "the total norm is the sum of squares, without the square root",
        "no_eps": "the 1e-6 is left out of the denominator of the clipping coefficient",
        "in_place":
            "the caller's gradient tensors are scaled in "
            "place instead of new tensors being returned",
        "returns_inputs_under_limit":
            "under the limit, the input tensors themselves are returned instead of new tensors",
        "norm_after_clipping":
            "the returned total norm is the one after clipping instead of the one before",
    },
    "q_vanishing": {
        "tanh_only":
            "the vanishing is blamed on tanh saturating, although "
            "the states in this almost-linear regime are small",
    },
    "q_steps_to_vanish": {
        "not_rounded_up":
            "the number of steps is rounded down, when after "
            "that many steps the norm is still above 1 %",
    },
    "q_clip_direction": {
        "clamps_entries": "clipping by the norm is thought to clamp every entry into [-1, 1]",
    },
    "q_truncated_bptt": {
        "any_length":
            "truncated BPTT is thought to remove vanishing gradients, "
            "so that dependencies of any length can be learned",
    },
}
