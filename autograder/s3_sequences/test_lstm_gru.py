"""Hidden grader for s3_sequences/lstm_gru: lstm_cell and gru_cell against nn.LSTMCell and
nn.GRUCell, checkpoint questions.

Every case is a rollout: the student's cell runs T steps in the sandbox, each step fed the state
it returned the step before (T = 1 for the isolating cases). The oracle is nn.LSTMCell /
nn.GRUCell in float64 with the same weights, rolled out here. The isolating cases drive the
gates from one place at a time (only the biases; only the recurrent path; one gate's weight
rows; x = 0 with h != 0), and a wrong answer is compared with variants of a reference cell
that each make one classic mistake (gate order, activations, a bias dropped, the reset gate
of the original paper, z and 1 - z swapped...) over the same rollout, so the feedback names
the mistake."""

import itertools
import re

import torch

from dlcore.grading import (
    ATOL,
    ATOL_F64,
    RTOL,
    RTOL_F64,
    ForbiddenCall,
    GradingFailure,
    check_tensor,
    exercise,
    fail,
    rng,
)
from dlcore.questions import check_answer

F64 = torch.float64
# On CPU torch.lstm_cell / torch._VF.lstm_cell (hence nn.LSTMCell) have no operator of their
# own: they decompose into addmm, aten.unsafe_split, sigmoid_, tanh_... The gates are split
# with aten.unsafe_split, which no ordinary answer reaches (Tensor.chunk and torch.split run
# aten.split), so it marks the built-in cell however it was reached (torch._VF.vf.lstm_cell,
# a module-level nn.LSTMCell...). On GPU the cells run their fused kernels.
SPLIT = "aten.unsafe_split"
RNN_OPS = [SPLIT, "aten._cudnn_rnn", "aten.miopen_rnn", "aten.mkldnn_rnn_layer"]
LSTM_FORBID = ["torch.nn.LSTMCell.__init__", "torch.nn.LSTMCell.forward",
               "torch.nn.LSTM.__init__", "torch.nn.LSTM.forward", "torch.lstm_cell",
               "torch.lstm", "torch._VF.lstm_cell", "torch._VF.lstm",
               "aten._thnn_fused_lstm_cell", "aten._lstm_mps", *RNN_OPS]
GRU_FORBID = ["torch.nn.GRUCell.__init__", "torch.nn.GRUCell.forward", "torch.nn.GRU.__init__",
              "torch.nn.GRU.forward", "torch.gru_cell", "torch.gru", "torch._VF.gru_cell",
              "torch._VF.gru", "aten._thnn_fused_gru_cell", *RNN_OPS]
LABELS = {SPLIT: "aten.unsafe_split (the CPU kernel of the built-in cell: torch.{kind}_cell, "
                 "torch._VF.{kind}_cell, nn.{cls}; split the gates with Tensor.chunk or slicing)",
          "aten._thnn_fused_lstm_cell": "aten._thnn_fused_lstm_cell (nn.LSTMCell's GPU kernel)",
          "aten._thnn_fused_gru_cell": "aten._thnn_fused_gru_cell (nn.GRUCell's GPU kernel)"}
SPEC = {"lstm_cell": {"gates": "ifgo", "cls": "LSTMCell", "args": ("x", "h", "c"),
                      "outs": ("h_new", "c_new")},
        "gru_cell": {"gates": "rzn", "cls": "GRUCell", "args": ("x", "h"), "outs": ("h_new",)}}
GATE_NAMES = {"i": "input gate i", "f": "forget gate f", "g": "candidate g",
              "o": "output gate o", "r": "reset gate r", "z": "update gate z",
              "n": "candidate n"}


# ---------------------------------------------------------------- the rollout probe

def rollout(ns, name, cases):
    """Sandbox probe: run ns[name] over each case's T steps, feeding each step the state it
    returned the step before; per case the stacked states, each (T, B, H), or a problem."""
    import torch

    fn = ns[name]
    lstm = name == "lstm_cell"
    names = ("x", "h", "c", "W_ih", "W_hh", "b_ih", "b_hh") if lstm else \
        ("x", "h", "W_ih", "W_hh", "b_ih", "b_hh")
    want = "a tuple (h_new, c_new) of tensors" if lstm else "a tensor h_new"

    def same(a, b):
        return a.shape == b.shape and bool(((a == b) | (a.isnan() & b.isnan())).all())

    def problem_with(out, shape):
        outs = tuple(out) if lstm and isinstance(out, tuple) else (out,)
        if lstm and (not isinstance(out, tuple) or len(out) != 2):
            size = f" of length {len(out)}" if isinstance(out, tuple | list) else ""
            return f"returned a {type(out).__name__}{size}; expected {want}"
        if not all(type(o) is torch.Tensor for o in outs):
            return (f"returned ({', '.join(type(o).__name__ for o in outs)}); expected {want}")
        bad = [tuple(o.shape) for o in outs if tuple(o.shape) != shape]
        if bad:
            return f"returned a tensor of shape {bad[0]}; expected (B, H) = {shape}"
        return None

    results = []
    for xs, state, weights in cases:
        state, steps, problem = tuple(state), [], None
        for t in range(xs.shape[0]):
            args = (xs[t], *state, *weights)
            before = [a.clone() for a in args]
            out = fn(*args)
            problem = problem_with(out, tuple(state[0].shape))
            changed = [n for n, a, b in zip(names, args, before, strict=True) if not same(a, b)]
            if problem is None and changed:
                problem = (f"changed its argument {changed[0]} in place (use out-of-place "
                           "operations: the caller still needs it)")
            if problem is not None:
                problem = f"at step {t + 1}: {problem}"
                break
            state = tuple(o.detach() for o in (out if lstm else (out,)))
            steps.append(state)
        states = None if problem else [torch.stack(s) for s in zip(*steps, strict=True)]
        results.append({"problem": problem, "states": states})
    return results


def run(student, name, case):
    """The student's rollout of one case, forbidden operators named as students know them."""
    kind, cls = name.split("_")[0], SPEC[name]["cls"]
    try:
        return student.probe(rollout, name, [case])[0]
    except ForbiddenCall as exc:
        text = str(exc)
        used = re.search(r" calls (.*), which this exercise", text)
        if used and ", " in used.group(1):  # a public name says it better than the operator
            names = [n for n in used.group(1).split(", ") if n != SPLIT]
            text = text.replace(used.group(1), ", ".join(names))
        for op, label in LABELS.items():
            text = re.sub(rf"{re.escape(op)}(?!\w)", label.format(kind=kind, cls=cls), text)
        raise ForbiddenCall(text) from None


# ---------------------------------------------------------------- oracle and known mistakes

def oracle(name, case):
    """nn.LSTMCell / nn.GRUCell in float64 with the case's weights: states, each (T, B, H)."""
    xs, state, weights = case
    cell_cls = torch.nn.LSTMCell if name == "lstm_cell" else torch.nn.GRUCell
    cell = cell_cls(xs.shape[-1], state[0].shape[-1]).double()
    params = (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    steps = []
    with torch.no_grad():
        for p, w in zip(params, weights, strict=True):
            p.copy_(w)
        s = tuple(v.double() for v in state)
        for x in xs.double():
            out = cell(x, s if name == "lstm_cell" else s[0])
            s = tuple(out) if name == "lstm_cell" else (out,)
            steps.append(s)
    return [torch.stack(v) for v in zip(*steps, strict=True)]


ACT = {"sigmoid": torch.sigmoid, "tanh": torch.tanh}


def split_gates(pre, order, layout):
    """Pre-activations (B, kH) -> {gate letter: (B, H)}, read as the student might."""
    k = len(order)
    parts = pre.reshape(pre.shape[0], -1, k).unbind(-1) if layout == "interleaved" else \
        pre.chunk(k, dim=1)
    return dict(zip(order, parts, strict=True))


def lstm_variant(x, h, c, W_ih, W_hh, b_ih, b_hh, *, order="ifgo", layout="blocks", acts=None,
                 biases=(True, True), forget="c", h_from="tanh_new", ret="hc", coupled=False):
    """The LSTM cell with one mistake switched on; the defaults are nn.LSTMCell."""
    acts = {"i": "sigmoid", "f": "sigmoid", "g": "tanh", "o": "sigmoid", **(acts or {})}
    pre = x @ W_ih.T + h @ W_hh.T  # (B, 4H)
    pre = pre + (b_ih if biases[0] else 0) + (b_hh if biases[1] else 0)  # (B, 4H)
    gate = {k: ACT[acts[k]](v) for k, v in split_gates(pre, order, layout).items()}  # (B, H)
    kept = gate["f"] * (c if forget == "c" else h)  # (B, H)
    c_new = kept + ((1 - gate["f"]) if coupled else gate["i"]) * gate["g"]  # (B, H)
    h_new = gate["o"] * {"tanh_new": torch.tanh(c_new), "no_tanh": c_new,
                         "tanh_old": torch.tanh(c)}[h_from]  # (B, H)
    return {"hc": (h_new, c_new), "old_c": (h_new, c), "ch": (c_new, h_new)}[ret]


def gru_variant(x, h, W_ih, W_hh, b_ih, b_hh, *, order="rzn", layout="blocks", acts=None,
                biases=(True, True), reset="after", update="pytorch"):
    """The GRU cell with one mistake switched on; the defaults are nn.GRUCell."""
    acts = {"r": "sigmoid", "z": "sigmoid", "n": "tanh", **(acts or {})}
    bi = b_ih if biases[0] else torch.zeros_like(b_ih)  # (3H,)
    bh = b_hh if biases[1] else torch.zeros_like(b_hh)  # (3H,)
    W_i, W_h = split_gates(W_ih.T, order, layout), split_gates(W_hh.T, order, layout)
    b_i = split_gates(bi[None], order, layout)
    b_h = split_gates(bh[None], order, layout)
    r = ACT[acts["r"]](x @ W_i["r"] + b_i["r"] + h @ W_h["r"] + b_h["r"])  # (B, H)
    z = ACT[acts["z"]](x @ W_i["z"] + b_i["z"] + h @ W_h["z"] + b_h["z"])  # (B, H)
    inp, rec = x @ W_i["n"] + b_i["n"], h @ W_h["n"]  # (B, H) each
    n_pre = {"after": inp + r * (rec + b_h["n"]), "paper": inp + (r * h) @ W_h["n"] + b_h["n"],
             "none": inp + rec + b_h["n"], "bias_outside": inp + r * rec + b_h["n"],
             "all": r * (inp + rec + b_h["n"])}[reset]  # (B, H)
    n = ACT[acts["n"]](n_pre)  # (B, H)
    return ((1 - z) * n + z * h,) if update == "pytorch" else (z * n + (1 - z) * h,)


def lstm_mistakes():
    """(feedback, variant options) for the classic LSTM slips, most specific first."""
    rows = ("nn.LSTMCell stacks them as (i, f, g, o): rows 0:H input gate, H:2H forget gate, "
            "2H:3H candidate g, 3H:4H output gate")
    out = [(f"you read the four row blocks as ({', '.join(p)}); {rows}", {"order": "".join(p)})
           for p in itertools.permutations("ifgo") if p != tuple("ifgo")]
    gate_act = "every gate (i, f, o) is a sigmoid, in (0, 1)"
    out += [
        ("the candidate g goes through a sigmoid; g = tanh(...), in (-1, 1), so the cell can "
         "also be pushed down", {"acts": {"g": "sigmoid"}}),
        (f"the output gate o goes through tanh; {gate_act}", {"acts": {"o": "tanh"}}),
        (f"the input gate i goes through tanh; {gate_act}", {"acts": {"i": "tanh"}}),
        (f"the forget gate f goes through tanh; {gate_act}", {"acts": {"f": "tanh"}}),
        ("the gates i and o go through tanh and g through a sigmoid: the sigmoid and tanh are "
         "swapped", {"acts": {"i": "tanh", "o": "tanh", "g": "sigmoid"}}),
        ("h_new = o * c_new: the tanh of the cell state is missing, h_new = o * tanh(c_new)",
         {"h_from": "no_tanh"}),
        ("h_new uses the old cell state: h_new = o * tanh(c_new), with this step's c_new",
         {"h_from": "tanh_old"}),
        ("the forget gate multiplies h: it acts on the cell state, c_new = f * c + i * g",
         {"forget": "h"}),
        ("c_new = f * c + (1 - f) * g couples the gates (a GRU-like shortcut); the LSTM has its "
         "own input gate: c_new = f * c + i * g", {"coupled": True}),
        ("you return the input c as c_new: return the new cell state c_new = f * c + i * g, "
         "which the next step needs", {"ret": "old_c"}),
        ("you return (c_new, h_new); the pinned order is (h_new, c_new), like nn.LSTMCell",
         {"ret": "ch"}),
        ("b_ih is missing: nn.LSTMCell adds both biases, gates = x W_ih^T + b_ih + h W_hh^T + "
         "b_hh", {"biases": (False, True)}),
        ("b_hh is missing: nn.LSTMCell adds both biases, gates = x W_ih^T + b_ih + h W_hh^T + "
         "b_hh", {"biases": (True, False)}),
        ("both biases are missing: gates = x W_ih^T + b_ih + h W_hh^T + b_hh",
         {"biases": (False, False)}),
        ("you split the pre-activations as interleaved columns (a view (B, H, 4)); the gates "
         "are blocks of H columns: [:, 0:H] is i, [:, H:2H] f, [:, 2H:3H] g, [:, 3H:4H] o",
         {"layout": "interleaved"}),
    ]
    return out


def gru_mistakes():
    """(feedback, variant options) for the classic GRU slips, most specific first."""
    rows = ("nn.GRUCell stacks them as (r, z, n): rows 0:H reset gate, H:2H update gate, "
            "2H:3H candidate n")
    out = [(f"you read the three row blocks as ({', '.join(p)}); {rows}", {"order": "".join(p)})
           for p in itertools.permutations("rzn") if p != tuple("rzn")]
    pytorch_n = "n = tanh(W_in x + b_in + r * (W_hn h + b_hn))"
    out += [
        ("you apply the reset gate before the matrix product, W_hn (r * h) + b_hn: that is the "
         f"GRU of the original paper (Cho et al., 2014), not PyTorch's, where {pytorch_n}",
         {"reset": "paper"}),
        (f"the reset gate r is never used: {pytorch_n}", {"reset": "none"}),
        (f"b_hn is outside the reset product: r multiplies b_hn too, {pytorch_n}",
         {"reset": "bias_outside"}),
        (f"r multiplies the input part too: it resets only the recurrent part, {pytorch_n}",
         {"reset": "all"}),
        ("z and 1 - z are swapped: z weighs the old state, h_new = (1 - z) * n + z * h",
         {"update": "swapped"}),
        ("the candidate n goes through a sigmoid; n = tanh(...), in (-1, 1)",
         {"acts": {"n": "sigmoid"}}),
        ("the reset gate r goes through tanh; r and z are sigmoids, in (0, 1)",
         {"acts": {"r": "tanh"}}),
        ("the update gate z goes through tanh; r and z are sigmoids, in (0, 1)",
         {"acts": {"z": "tanh"}}),
        ("b_ih is missing: nn.GRUCell adds both biases (b_in inside the tanh, b_hn inside the "
         "reset product)", {"biases": (False, True)}),
        ("b_hh is missing: nn.GRUCell adds both biases (b_in inside the tanh, b_hn inside the "
         "reset product)", {"biases": (True, False)}),
        ("both biases are missing: nn.GRUCell adds b_ih and b_hh", {"biases": (False, False)}),
        ("you split the pre-activations as interleaved columns (a view (B, H, 3)); the gates "
         "are blocks of H rows: 0:H is r, H:2H z, 2H:3H n", {"layout": "interleaved"}),
    ]
    return out


MISTAKES = {"lstm_cell": (lstm_variant, lstm_mistakes()), "gru_cell": (gru_variant,
                                                                       gru_mistakes())}


def variant_rollout(name, case, options):
    """A mistaken cell rolled out like the student's (its own state carried): (T, B, H) each."""
    fn = MISTAKES[name][0]
    xs, state, weights = case
    s, steps = tuple(v.double() for v in state), []
    w = tuple(v.double() for v in weights)
    with torch.no_grad():
        for x in xs.double():
            s = fn(x, *s, *w, **options)
            steps.append(s)
    return [torch.stack(v) for v in zip(*steps, strict=True)]


# ---------------------------------------------------------------- comparing rollouts

def close(got, want, rtol=RTOL, atol=ATOL):
    return all(type(g) is torch.Tensor and g.shape == e.shape and g.dtype.is_floating_point
               and torch.allclose(g.double(), e, rtol=rtol, atol=atol)
               for g, e in zip(got, want, strict=True))


def first_departure(name, got, want, rtol, atol):
    """(step, output name) of the first output that departs from the oracle."""
    for t in range(want[0].shape[0]):
        for out, g, e in zip(SPEC[name]["outs"], got, want, strict=True):
            if not torch.allclose(g[t].double(), e[t], rtol=rtol, atol=atol):
                return t, out
    return None


def check_rollout(student, name, case, what, hint=""):
    """The student's rollout against the oracle; a known mistake, a float32-only agreement, a
    dtype change or the first departing step is named."""
    found = run(student, name, case)
    if found["problem"]:
        fail(f"{what}: {name} {found['problem']}")
    got, want = found["states"], oracle(name, case)
    dtype = case[0].dtype
    rtol, atol = (RTOL_F64, ATOL_F64) if dtype == F64 else (RTOL, ATOL)
    if close(got, want, rtol, atol):
        if any(g.dtype != dtype for g in got):
            fail(f"{what}: {name} returned {got[0].dtype} for {dtype} inputs; keep x's dtype")
        return
    named = [feedback for feedback, options in MISTAKES[name][1]
             if not close(alt := variant_rollout(name, case, options), want) and close(got, alt)]
    if len(named) == 1:
        fail(f"{what}: {named[0]}")
    if named:  # this input cannot tell them apart; another case will
        fail(f"{what}: your result fits several mistakes here: "
             + " OR ".join(n.split(": ")[0] for n in named[:3]))
    if dtype == F64 and close(got, want):
        fail(f"{what}: {name} agrees with nn.{SPEC[name]['cls']} only to float32 precision: "
             "compute in x's dtype (float64 here)")
    departure = first_departure(name, got, want, rtol, atol)
    if departure is None:  # equal values, but not floating-point tensors
        fail(f"{what}: {name} returned {got[0].dtype} tensors; expected {dtype}")
    t, out = departure
    steps = want[0].shape[0]
    where = f"{out} at step {t + 1} of {steps}" if steps > 1 else out
    if t > 0:
        agree = "step 1 agrees" if t == 1 else f"steps 1 to {t} agree"
        where += f" ({agree}: is some state kept outside the arguments?)"
    elif name == "lstm_cell" and out == "h_new" and close(got[1][:1], want[1][:1], rtol, atol):
        hint = "c_new is right but h_new is not: h_new = o * tanh(c_new)"
    k = SPEC[name]["outs"].index(out)
    try:
        check_tensor(got[k][t], want[k][t].to(dtype), f"{what}: {where}", rtol, atol)
    except GradingFailure as exc:
        fail(f"{exc}{': ' + hint if hint else ''}")


# ---------------------------------------------------------------- cases

def draw(g, *shape, scale=1.0, dtype=F64):
    return (scale * torch.randn(*shape, generator=g, dtype=F64)).to(dtype)


def make_case(name, seed, T, B, D, H, *, x=True, h=True, c=True, weights=True, biases=True,
              only=None, scale=0.5, dtype=F64):
    """(xs (T, B, D), initial state, (W_ih, W_hh, b_ih, b_hh)); a False part is zeros, and
    `only` keeps one gate's rows of W_ih and W_hh (the other rows zero)."""
    k = len(SPEC[name]["gates"])
    g = rng(seed)
    xs = draw(g, T, B, D, dtype=dtype) * x                                  # (T, B, D)
    state = [draw(g, B, H, dtype=dtype) * h]                                # [(B, H)]
    if name == "lstm_cell":
        state.append(draw(g, B, H, scale=1.5, dtype=dtype) * c)             # [(B, H), (B, H)]
    W_ih = draw(g, k * H, D, scale=scale, dtype=dtype) * weights            # (kH, D)
    W_hh = draw(g, k * H, H, scale=scale, dtype=dtype) * weights            # (kH, H)
    b_ih = draw(g, k * H, scale=0.8, dtype=dtype) * biases                  # (kH,)
    b_hh = draw(g, k * H, scale=0.8, dtype=dtype) * biases                  # (kH,)
    if only is not None:
        j = SPEC[name]["gates"].index(only)
        keep = torch.zeros(k * H, 1, dtype=dtype)                           # (kH, 1)
        keep[j * H:(j + 1) * H] = 1
        W_ih, W_hh = W_ih * keep, W_hh * keep                               # (kH, D), (kH, H)
    return xs, tuple(state), (W_ih, W_hh, b_ih, b_hh)


def sizes(case):
    xs, state, _ = case
    T, B, D = xs.shape
    what = f"B={B}, D={D}, H={state[0].shape[1]}"
    return what + (f", {xs.dtype}" if xs.dtype != F64 else "") + (f", T={T} steps" if T > 1
                                                                    else "")


def one_gate_hint(name, gate):
    k = SPEC[name]["gates"].index(gate)
    rows = ("0:H", "H:2H", "2H:3H", "3H:4H")[k]
    return f"only {gate} depends on x and h here: take it from rows {rows} of W_ih and W_hh"


def check_one_gate(student, name, seed):
    for j, gate in enumerate(SPEC[name]["gates"]):
        case = make_case(name, seed + j, 1, 3, 5, 4, only=gate, scale=1.0)
        check_rollout(student, name, case,
                      f"{name} with only the {GATE_NAMES[gate]}'s weight rows nonzero "
                      f"({sizes(case)})", one_gate_hint(name, gate))


# ---------------------------------------------------------------- lstm_cell

@exercise("lstm_cell", points=1, forbid=LSTM_FORBID)
def test_lstm_bias_only(student):
    """With x = 0 and h = 0 (only the biases drive the gates) and c != 0, are
    c_new = sigmoid(b_f) * c + sigmoid(b_i) * tanh(b_g) and h_new right?"""
    for seed, (B, D, H) in ((0, (3, 5, 4)), (1, (2, 3, 6))):
        case = make_case("lstm_cell", seed, 1, B, D, H, x=False, h=False)
        check_rollout(student, "lstm_cell", case, f"lstm_cell with x = 0, h = 0, c != 0 "
                      f"({sizes(case)}), so only the biases drive the gates")


@exercise("lstm_cell", points=1, forbid=LSTM_FORBID)
def test_lstm_recurrent_only(student):
    """With x = 0 and no biases, does the recurrent path h W_hh^T reach the right gates, and
    does the forget gate act on c?"""
    case = make_case("lstm_cell", 2, 1, 3, 5, 4, x=False, biases=False, scale=1.0)
    check_rollout(student, "lstm_cell", case, f"lstm_cell with x = 0 and zero biases "
                  f"({sizes(case)}): only h W_hh^T drives the gates")


@exercise("lstm_cell", points=1, forbid=LSTM_FORBID)
def test_lstm_one_gate_at_a_time(student):
    """With every weight row zero except one gate's (biases kept), is each of i, f, g, o
    computed from its own rows with its own activation?"""
    check_one_gate(student, "lstm_cell", 10)


@exercise("lstm_cell", points=1, forbid=LSTM_FORBID)
def test_lstm_one_step(student):
    """One step from random x, h, c on two non-square problems, and in float32 (dtype
    kept)?"""
    for seed, (B, D, H), dtype in ((20, (3, 5, 4), F64), (21, (2, 7, 6), F64),
                                   (22, (4, 6, 3), torch.float32)):
        case = make_case("lstm_cell", seed, 1, B, D, H, dtype=dtype)
        check_rollout(student, "lstm_cell", case, f"lstm_cell one step ({sizes(case)})")


@exercise("lstm_cell", points=1, forbid=LSTM_FORBID)
def test_lstm_rollout(student):
    """Over 7 steps, each fed the (h, c) the previous one returned, does every h_t and c_t
    match nn.LSTMCell?"""
    case = make_case("lstm_cell", 30, 7, 2, 6, 3)
    check_rollout(student, "lstm_cell", case, f"lstm_cell rolled out ({sizes(case)})")


@exercise("lstm_cell", points=1, forbid=LSTM_FORBID)
def test_lstm_rollout_saturating(student):
    """Over 9 steps from a zero state, with large weights that saturate the gates?"""
    case = make_case("lstm_cell", 31, 9, 4, 3, 5, h=False, c=False, scale=2.0)
    check_rollout(student, "lstm_cell", case, f"lstm_cell rolled out from h = c = 0 with "
                  f"large weights ({sizes(case)})")


# ---------------------------------------------------------------- gru_cell

@exercise("gru_cell", points=1, forbid=GRU_FORBID)
def test_gru_bias_only(student):
    """With x = 0 and h = 0 (only the biases drive the gates), is
    h_new = (1 - sigmoid(b_z)) * tanh(b_in + sigmoid(b_r) * b_hn)?"""
    for seed, (B, D, H) in ((40, (3, 5, 4)), (41, (2, 3, 6))):
        case = make_case("gru_cell", seed, 1, B, D, H, x=False, h=False)
        check_rollout(student, "gru_cell", case, f"gru_cell with x = 0 and h = 0 "
                      f"({sizes(case)}), so only the biases drive the gates")


@exercise("gru_cell", points=1, forbid=GRU_FORBID)
def test_gru_reset_placement(student):
    """With x = 0 and h != 0, does the reset gate multiply (W_hn h + b_hn), after the matrix
    product, like nn.GRUCell?"""
    for seed, (B, D, H) in ((42, (3, 5, 4)), (43, (2, 6, 5))):
        case = make_case("gru_cell", seed, 1, B, D, H, x=False, scale=1.0)
        check_rollout(student, "gru_cell", case, f"gru_cell with x = 0 and h != 0 "
                      f"({sizes(case)}): only the recurrent path and the biases")


@exercise("gru_cell", points=1, forbid=GRU_FORBID)
def test_gru_one_gate_at_a_time(student):
    """With every weight row zero except one gate's (biases kept), is each of r, z, n
    computed from its own rows with its own activation?"""
    check_one_gate(student, "gru_cell", 50)


@exercise("gru_cell", points=1, forbid=GRU_FORBID)
def test_gru_one_step(student):
    """One step from random x and h on two non-square problems, and in float32 (dtype
    kept)?"""
    for seed, (B, D, H), dtype in ((60, (3, 5, 4), F64), (61, (2, 7, 6), F64),
                                   (62, (4, 6, 3), torch.float32)):
        case = make_case("gru_cell", seed, 1, B, D, H, dtype=dtype)
        check_rollout(student, "gru_cell", case, f"gru_cell one step ({sizes(case)})")


@exercise("gru_cell", points=1, forbid=GRU_FORBID)
def test_gru_rollout(student):
    """Over 7 steps, each fed the h the previous one returned, does every h_t match
    nn.GRUCell?"""
    case = make_case("gru_cell", 70, 7, 2, 6, 3)
    check_rollout(student, "gru_cell", case, f"gru_cell rolled out ({sizes(case)})")


@exercise("gru_cell", points=1, forbid=GRU_FORBID)
def test_gru_rollout_saturating(student):
    """Over 9 steps from h = 0, with large weights that saturate the gates?"""
    case = make_case("gru_cell", 71, 9, 4, 3, 5, h=False, scale=2.0)
    check_rollout(student, "gru_cell", case, f"gru_cell rolled out from h = 0 with large "
                  f"weights ({sizes(case)})")


# ---------------------------------------------------------------- checkpoint questions

@exercise("q_cell_gradient", points=1)
def test_q_cell_gradient(student):
    """What is d c_t / d c_{t-1} along the LSTM's cell-state path?"""
    check_answer(student.value("q_cell_gradient"), "q_cell_gradient", "bb3aa664b59f843d9237")


@exercise("q_gru_params", points=1)
def test_q_gru_params(student):
    """How many parameters does nn.GRUCell(32, 64) have?"""
    check_answer(student.value("q_gru_params"), "q_gru_params", "51f761bf6c39e2864c5d", digits=0)


@exercise("q_update_gate", points=1)
def test_q_update_gate(student):
    """What does a GRU unit with z close to 1 do?"""
    check_answer(student.value("q_update_gate"), "q_update_gate", "0a20ca60a07db278896f")


@exercise("q_forget_bias", points=1)
def test_q_forget_bias(student):
    """Why initialise the forget-gate bias to 1?"""
    check_answer(student.value("q_forget_bias"), "q_forget_bias", "680b1fece72225df5d2f")
