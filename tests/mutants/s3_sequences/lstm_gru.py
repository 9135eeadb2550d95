"""Wrong and correct answers for s3_sequences/lstm_gru: each replaces one answer cell.  The
setup cell (math, os, torch, F, make_recall_batch) stays, as it does when a student's notebook
is graded; `nn` is not imported there."""

# The reference LSTM cell with one part changed per mutant: {split}, {acts}, {c_new}, {h_new},
# {ret} are filled in below.
LSTM = """
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    gates = {gates}
    {split}
    {acts}
    c_new = {c_new}
    h_new = {h_new}
    return {ret}
"""
LSTM_RIGHT = {"gates": "x @ W_ih.T + b_ih + h @ W_hh.T + b_hh",
              "split": "i, f, g, o = gates.chunk(4, dim=1)",
              "acts": "i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), "
                      "torch.sigmoid(o)",
              "c_new": "f * c + i * g", "h_new": "o * torch.tanh(c_new)", "ret": "h_new, c_new"}


def lstm_with(**changes: str) -> str:
    return LSTM.format(**{**LSTM_RIGHT, **changes})


GRU = """
def gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    x_r, x_z, x_n = ({gi}).chunk(3, dim=1)
    h_r, h_z, h_n = ({gh}).chunk(3, dim=1)
    {order}
    r = {r_act}(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = {n}
    return {ret}
"""
GRU_RIGHT = {"gi": "x @ W_ih.T + b_ih", "gh": "h @ W_hh.T + b_hh", "order": "",
             "r_act": "torch.sigmoid", "n": "torch.tanh(x_n + r * h_n)",
             "ret": "(1 - z) * n + z * h"}


def gru_with(**changes: str) -> str:
    return GRU.format(**{**GRU_RIGHT, **changes})


FORBIDDEN = "forbidden"

MUTANTS = {
    "lstm_cell": {
        "wrong": {
            "gate_order_ifog": (lstm_with(split="i, f, o, g = gates.chunk(4, dim=1)"),
                                "as (i, f, o, g)"),
            "gate_order_figo": (lstm_with(split="f, i, g, o = gates.chunk(4, dim=1)"),
                                "as (f, i, g, o)"),
            "g_sigmoid": (lstm_with(acts="i, f, g, o = [torch.sigmoid(v) for v in (i, f, g, o)]"),
                          "the candidate g goes through a sigmoid"),
            "o_tanh": (lstm_with(acts="i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), "
                                      "torch.tanh(g), torch.tanh(o)"),
                       "the output gate o goes through tanh"),
            "no_tanh_of_c": (lstm_with(h_new="o * c_new"), "the tanh of the cell state is missing"),
            "h_from_old_c": (lstm_with(h_new="o * torch.tanh(c)"),
                             "h_new uses the old cell state"),
            "forget_gate_on_h": (lstm_with(c_new="f * h + i * g"),
                                 "the forget gate multiplies h"),
            "returns_old_c": (lstm_with(ret="h_new, c"), "you return the input c as c_new"),
            "returns_c_then_h": (lstm_with(ret="c_new, h_new"), "you return (c_new, h_new)"),
            "returns_a_list": (lstm_with(ret="[h_new, c_new]"),
                               "returned a list of length 2; expected a tuple (h_new, c_new)"),
            "no_b_ih": (lstm_with(gates="x @ W_ih.T + h @ W_hh.T + b_hh"), "b_ih is missing"),
            "no_b_hh": (lstm_with(gates="x @ W_ih.T + b_ih + h @ W_hh.T"), "b_hh is missing"),
            "g_and_o_rows_of_W_hh_swapped": (lstm_with(
                gates="x @ W_ih.T + b_ih + h @ W_hh.view(4, -1, h.shape[1])[[0, 1, 3, 2]]"
                      ".reshape(W_hh.shape).T + b_hh"),
                "only g depends on x and h here: take it from rows 2H:3H"),
            "interleaved_gates": (lstm_with(split="i, f, g, o = gates.view(gates.shape[0], -1, "
                                                  "4).unbind(-1)"), "interleaved"),
            "cell_state_in_place": (lstm_with(c_new="c.mul_(f).add_(i * g)"),
                                    "changed its argument c in place"),
            "computes_in_float32": (lstm_with(gates="(x.float() @ W_ih.T.float() + b_ih.float() "
                                                    "+ h.float() @ W_hh.T.float() + b_hh.float())"
                                                    ".to(x.dtype)"),
                                    "only to float32 precision"),
            "forbidden_torch_lstm_cell": (
                "def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n"
                "    return tuple(torch.lstm_cell(x, (h, c), W_ih, W_hh, b_ih, b_hh))\n",
                "torch.lstm_cell"),
            "forbidden_vf_attribute": (
                "def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n"
                "    return tuple(torch._VF.lstm_cell(x, (h, c), W_ih, W_hh, b_ih, b_hh))\n",
                FORBIDDEN),
            "forbidden_vf_imported": (
                "from torch import _VF as vf_module\n\n\n"
                "def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n"
                "    return tuple(vf_module.lstm_cell(x, (h, c), W_ih, W_hh, b_ih, b_hh))\n",
                "uses torch._VF"),  # the static scan
            "forbidden_vf_raw_builtin": (
                "def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n"
                "    raw = getattr(torch, '_' + 'VF').vf  # a name the static scan cannot see\n"
                "    return tuple(raw.lstm_cell(x, (h, c), W_ih, W_hh, b_ih, b_hh))\n",
                "aten.unsafe_split (the CPU kernel of the built-in cell"),
            "forbidden_nn_lstmcell": (
                "def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n"
                "    cell = torch.nn.LSTMCell(x.shape[1], h.shape[1]).to(x.dtype)\n"
                "    with torch.no_grad():\n"
                "        for p, w in zip(cell.parameters(), (W_ih, W_hh, b_ih, b_hh)):\n"
                "            p.copy_(w)\n"
                "    return cell(x, (h, c))\n", FORBIDDEN),
            "forbidden_module_level_lstmcell": (
                "_CELL = torch.nn.LSTMCell(1, 1)\n\n\n"
                "def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n"
                "    _CELL.weight_ih, _CELL.weight_hh = torch.nn.Parameter(W_ih), "
                "torch.nn.Parameter(W_hh)\n"
                "    _CELL.bias_ih, _CELL.bias_hh = torch.nn.Parameter(b_ih), "
                "torch.nn.Parameter(b_hh)\n"
                "    return tuple(v.detach() for v in _CELL(x, (h, c)))\n", FORBIDDEN),
            "forbidden_nn_lstm": (
                "def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n"
                "    rnn = torch.nn.LSTM(x.shape[1], h.shape[1]).to(x.dtype)\n"
                "    with torch.no_grad():\n"
                "        for p, w in zip(rnn.parameters(), (W_ih, W_hh, b_ih, b_hh)):\n"
                "            p.copy_(w)\n"
                "        _, (h1, c1) = rnn(x[None], (h[None], c[None]))\n"
                "    return h1[0], c1[0]\n", FORBIDDEN),
            "forbidden_torch_lstm": (
                "def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n"
                "    params = (W_ih, W_hh, b_ih, b_hh)\n"
                "    _, h1, c1 = torch.lstm(x[None], (h[None], c[None]), params, True, 1, 0.0,\n"
                "                           False, False, False)\n"
                "    return h1[0], c1[0]\n", "torch.lstm"),
        },
        "correct": {
            "linear_per_gate": """
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    H = h.shape[1]

    def pre(k):
        rows = slice(k * H, (k + 1) * H)
        return F.linear(x, W_ih[rows], b_ih[rows]) + F.linear(h, W_hh[rows], b_hh[rows])

    i, f, o = torch.sigmoid(pre(0)), torch.sigmoid(pre(1)), torch.sigmoid(pre(3))
    g = torch.tanh(pre(2))
    c_next = torch.addcmul(f * c, i, g)
    return o * torch.tanh(c_next), c_next
""",
            "view_and_einsum": """
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    B, H = h.shape
    pre = torch.einsum("bd,kd->bk", x, W_ih) + torch.einsum("bh,kh->bk", h, W_hh)
    pre = (pre + (b_ih + b_hh)).view(B, 4, H)
    ifo = 1 / (1 + torch.exp(-pre[:, [0, 1, 3]]))
    g = 2 / (1 + torch.exp(-2 * pre[:, 2])) - 1
    c_new = ifo[:, 1] * c + ifo[:, 0] * g
    return ifo[:, 2] * torch.tanh(c_new), c_new
""",
        },
    },
    "gru_cell": {
        "wrong": {
            "paper_reset_before_matmul": (gru_with(
                gh="h @ W_hh.T + b_hh",
                n="torch.tanh(x_n + (r * h) @ W_hh[2 * h.shape[1]:].T + b_hh[2 * h.shape[1]:])"),
                "original paper"),
            "gate_order_zrn": (gru_with(order="x_r, x_z, h_r, h_z = x_z, x_r, h_z, h_r"),
                               "as (z, r, n)"),
            "no_reset": (gru_with(n="torch.tanh(x_n + h_n)"), "the reset gate r is never used"),
            "b_hn_outside_reset": (gru_with(
                gh="h @ W_hh.T", n="torch.tanh(x_n + r * h_n + b_hh[2 * h.shape[1]:])",
                order="h_r, h_z = h_r + b_hh[:h.shape[1]], h_z + b_hh[h.shape[1]:2 * h.shape[1]]"),
                "b_hn is outside the reset product"),
            "reset_on_input_too": (gru_with(n="torch.tanh(r * (x_n + h_n))"),
                                   "r multiplies the input part too"),
            "z_swapped": (gru_with(ret="z * n + (1 - z) * h"), "z and 1 - z are swapped"),
            "n_sigmoid": (gru_with(n="torch.sigmoid(x_n + r * h_n)"),
                          "the candidate n goes through a sigmoid"),
            "r_tanh": (gru_with(r_act="torch.tanh"), "the reset gate r goes through tanh"),
            "no_b_ih": (gru_with(gi="x @ W_ih.T"), "b_ih is missing"),
            "no_b_hh": (gru_with(gh="h @ W_hh.T"), "b_hh is missing"),
            "forbidden_torch_gru_cell": (
                "def gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):\n"
                "    return torch.gru_cell(x, h, W_ih, W_hh, b_ih, b_hh)\n", "torch.gru_cell"),
            "forbidden_vf_attribute": (
                "def gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):\n"
                "    return torch._VF.gru_cell(x, h, W_ih, W_hh, b_ih, b_hh)\n", FORBIDDEN),
            "forbidden_vf_raw_builtin": (
                "def gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):\n"
                "    raw = getattr(torch, '_' + 'VF').vf  # a name the static scan cannot see\n"
                "    return raw.gru_cell(x, h, W_ih, W_hh, b_ih, b_hh)\n",
                "aten.unsafe_split (the CPU kernel of the built-in cell: torch.gru_cell"),
            "forbidden_nn_grucell": (
                "def gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):\n"
                "    cell = torch.nn.GRUCell(x.shape[1], h.shape[1]).to(x.dtype)\n"
                "    with torch.no_grad():\n"
                "        for p, w in zip(cell.parameters(), (W_ih, W_hh, b_ih, b_hh)):\n"
                "            p.copy_(w)\n"
                "        return cell(x, h)\n", FORBIDDEN),
            "forbidden_nn_gru": (
                "def gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):\n"
                "    rnn = torch.nn.GRU(x.shape[1], h.shape[1], batch_first=True).to(x.dtype)\n"
                "    with torch.no_grad():\n"
                "        for p, w in zip(rnn.parameters(), (W_ih, W_hh, b_ih, b_hh)):\n"
                "            p.copy_(w)\n"
                "        return rnn(x[:, None], h[None])[1][0]\n", FORBIDDEN),
            "forbidden_torch_gru": (
                "def gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):\n"
                "    _, h1 = torch.gru(x[None], h[None], (W_ih, W_hh, b_ih, b_hh), True, 1, 0.0,\n"
                "                      False, False, False)\n"
                "    return h1[0]\n", "torch.gru"),
        },
        "correct": {
            "slices_per_gate": """
def gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    H = h.shape[1]
    W_ir, W_iz, W_in = W_ih[:H], W_ih[H:2 * H], W_ih[2 * H:]
    W_hr, W_hz, W_hn = W_hh[:H], W_hh[H:2 * H], W_hh[2 * H:]
    b_ir, b_iz, b_in = b_ih[:H], b_ih[H:2 * H], b_ih[2 * H:]
    b_hr, b_hz, b_hn = b_hh[:H], b_hh[H:2 * H], b_hh[2 * H:]
    r = torch.sigmoid(x @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
    z = torch.sigmoid(x @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
    n = torch.tanh(x @ W_in.T + b_in + r * (h @ W_hn.T + b_hn))
    return n + z * (h - n)
""",
            "gates_together": """
def gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    H = h.shape[1]
    gi = torch.addmm(b_ih, x, W_ih.t())
    gh = torch.addmm(b_hh, h, W_hh.t())
    rz = torch.sigmoid(gi[:, :2 * H] + gh[:, :2 * H])
    r, z = rz.split(H, dim=1)
    n = torch.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
    return torch.lerp(n, h, z)
""",
        },
    },
    "q_cell_gradient": {
        "wrong": {"matrix_product": 'q_cell_gradient = "a"',
                  "identity": 'q_cell_gradient = "c"'},
        "correct": {"upper_case": 'q_cell_gradient = " B "'},
    },
    "q_gru_params": {
        "wrong": {"lstm_count": "q_gru_params = 4 * (64 * 32 + 64 * 64 + 2 * 64)",
                  "one_bias": "q_gru_params = 3 * (64 * 32 + 64 * 64 + 64)"},
        "correct": {"float": "q_gru_params = 18816.0"},
    },
    "q_update_gate": {
        "wrong": {"overwritten": 'q_update_gate = "b"'},
        "correct": {"upper_case": 'q_update_gate = "A"'},
    },
    "q_forget_bias": {
        "wrong": {"forget_faster": 'q_forget_bias = "b"'},
        "correct": {"spaces": 'q_forget_bias = "a "'},
    },
}


# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "lstm_cell": {
        "gate_order_ifog":
            "the gate blocks are read in the order (i, f, o, g) instead of PyTorch's (i, f, g, o)",
        "gate_order_figo":
            "the gate blocks are read in the order (f, i, g, o) instead of PyTorch's (i, f, g, o)",
        "g_sigmoid": "the candidate g goes through a sigmoid instead of a tanh",
        "o_tanh": "the output gate o goes through a tanh instead of a sigmoid",
        "no_tanh_of_c": "the tanh of the new cell state is left out of h_new",
        "h_from_old_c": "h_new is computed from the old cell state c instead of the new one",
        "forget_gate_on_h": "the forget gate scales the hidden state h instead of the cell state c",
        "returns_old_c": "the input cell state c is returned instead of the new one",
        "returns_c_then_h": "the pair is returned as (c_new, h_new) instead of (h_new, c_new)",
        "returns_a_list": "the result is returned as a list instead of a tuple (h_new, c_new)",
        "no_b_ih": "the input bias b_ih is left out of the gates",
        "no_b_hh": "the recurrent bias b_hh is left out of the gates",
        "g_and_o_rows_of_W_hh_swapped":
            "the g and o row blocks of W_hh are swapped, so their recurrent parts come from each "
            "other's rows",
        "interleaved_gates":
            "the gates are taken as interleaved columns instead of four consecutive blocks of H "
            "columns",
        "cell_state_in_place": "the cell state c is updated in place, which changes the caller's c",
        "computes_in_float32":
            "the gates are computed in float32, losing precision on float64 inputs",
    },
    "gru_cell": {
        "paper_reset_before_matmul":
            "the reset gate multiplies h before the matrix product (original paper) instead of "
            "after it (PyTorch)",
        "gate_order_zrn": "the gate blocks are read as (z, r, n) instead of PyTorch's (r, z, n)",
        "no_reset": "the reset gate r is never applied to the candidate",
        "b_hn_outside_reset":
            "the bias b_hn is added outside the reset product instead of inside it",
        "reset_on_input_too":
            "the reset gate multiplies the input part of the candidate too, not only the "
            "recurrent part",
        "z_swapped": "z and 1 - z are swapped: z weighs the candidate instead of the old state",
        "n_sigmoid": "the candidate n goes through a sigmoid instead of a tanh",
        "r_tanh": "the reset gate r goes through a tanh instead of a sigmoid",
        "no_b_ih": "the input bias b_ih is left out",
        "no_b_hh": "the recurrent bias b_hh is left out",
    },
    "q_cell_gradient": {
        "matrix_product":
            "the cell-state gradient is thought to be a matrix product at every step, as in a "
            "vanilla RNN",
        "identity":
            "the cell state is thought to never change, so that its gradient is always the "
            "identity",
    },
    "q_gru_params": {
        "lstm_count": "the GRU is counted with four gate blocks, like an LSTM, instead of three",
        "one_bias": "only one of the two biases is counted",
    },
    "q_update_gate": {
        "overwritten":
            "an update gate z near 1 is thought to overwrite the unit with the candidate",
    },
    "q_forget_bias": {
        "forget_faster": "the positive forget-gate bias is thought to make the LSTM forget faster",
    },
}
