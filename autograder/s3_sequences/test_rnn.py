"""Hidden grader for s3_sequences/rnn: the tanh RNN cell, the sequence loop (one direction and
both), the BPTT gradient norms, global-norm gradient clipping, checkpoints.

Oracles are computed here in float64: nn.RNNCell and nn.RNN (uni- and bidirectional) with the
same weights copied in, autograd for the BPTT norms, torch.nn.utils.clip_grad_norm_ for the
clipping.  Each function runs in a probe with trusted versions of the notebook's other
functions swapped in (a wrong rnn_cell never costs rnn_forward).  Where a wrong result equals
what a classic mistake gives (a transposed or swapped weight, a bias dropped, relu/sigmoid,
the state not carried, the backward outputs not flipped back, the reverse final state taken
at the wrong end, the tanh derivative of the wrong step, a per-tensor norm, clipping under
the limit...), the mistake is computed here on the same inputs and the feedback names it."""

import torch

from dlcore.grading import (
    ATOL,
    ATOL_F64,
    RTOL,
    RTOL_F64,
    check_number,
    check_tensor,
    exercise,
    fail,
    quote,
    rng,
)
from dlcore.questions import check_answer
from dlcore.untrusted import wire

F64 = torch.float64

# The recurrent layers and their kernels.  rnn_tanh(_cell) are composite operators (they
# decompose into addmm/tanh), so the Python entry points are named; the aten names are
# listed too, should a backend dispatch them as operators.
RNN = ["torch.nn.RNNCell.__init__", "torch.nn.RNN.__init__", "torch.nn.RNNBase.__init__",
       "torch.nn.RNNCellBase.__init__", "torch.nn.RNNCell.forward", "torch.nn.RNN.forward",
       "torch.rnn_tanh", "torch.rnn_tanh_cell", "torch.rnn_relu", "torch.rnn_relu_cell",
       "torch._VF.rnn_tanh", "torch._VF.rnn_tanh_cell", "torch._VF.rnn_relu",
       "torch._VF.rnn_relu_cell", "aten.rnn_tanh", "aten.rnn_tanh_cell", "aten.rnn_relu",
       "aten.rnn_relu_cell"]
# bptt_grad_norms computes the backward recursion itself: no backward pass of any kind.
AUTOGRAD = ["torch.Tensor.backward", "torch.autograd.grad", "torch.autograd.backward",
            "torch.autograd.functional.jacobian", "torch.autograd.functional.vjp",
            "torch.autograd.functional.jvp", "torch.autograd.forward_ad.make_dual",
            "torch.func.grad", "torch.func.grad_and_value", "torch.func.vjp",
            "torch.func.jvp", "torch.func.jacrev", "torch.func.jacfwd"]
# torch.nn.utils.get_total_norm / clip_grads_with_norm_ are aliases of the private
# clip_grad._get_total_norm / _clip_grads_with_norm_: both spellings are wrapped.
CLIP = ["torch.nn.utils.clip_grad_norm_", "torch.nn.utils.clip_grad_norm",
        "torch.nn.utils.clip_grad_value_", "torch.nn.utils.get_total_norm",
        "torch.nn.utils.clip_grads_with_norm_", "torch.nn.utils.clip_grad.clip_grad_norm_",
        "torch.nn.utils.clip_grad.clip_grad_norm", "torch.nn.utils.clip_grad.clip_grad_value_",
        "torch.nn.utils.clip_grad._get_total_norm",
        "torch.nn.utils.clip_grad._clip_grads_with_norm_"]
REVERSE = ("W_ih_reverse", "W_hh_reverse", "b_ih_reverse", "b_hh_reverse")


# ---------------------------------------------------------------- calling the submission
def alone(ns, name, args, kwargs, catch_shape_error=False):
    """Probe: ns[name](*args, **kwargs) with trusted rnn_cell / rnn_forward swapped in for the
    other exercises; with catch_shape_error, a shape error comes back as {"error": text}."""
    import torch

    def rnn_cell(x, h, W_ih, W_hh, b_ih, b_hh):
        return torch.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)

    def rnn_forward(xs, h0, W_ih, W_hh, b_ih, b_hh, bidirectional=False, W_ih_reverse=None,
                    W_hh_reverse=None, b_ih_reverse=None, b_hh_reverse=None):
        h, outs = h0[0], []
        for t in range(xs.shape[0]):
            h = rnn_cell(xs[t], h, W_ih, W_hh, b_ih, b_hh)
            outs.append(h)
        if not bidirectional:
            return torch.stack(outs), h.unsqueeze(0)
        hb, back = h0[1], []
        for t in range(xs.shape[0] - 1, -1, -1):
            hb = rnn_cell(xs[t], hb, W_ih_reverse, W_hh_reverse, b_ih_reverse, b_hh_reverse)
            back.append(hb)
        return torch.cat([torch.stack(outs), torch.stack(back[::-1])], -1), torch.stack([h, hb])

    trusted = {"rnn_cell": rnn_cell, "rnn_forward": rnn_forward}
    fn = ns[name]
    saved = {k: ns[k] for k in trusted if k != name and k in ns}
    ns.update({k: f for k, f in trusted.items() if k != name})
    try:
        return fn(*args, **kwargs)
    except RuntimeError as exc:
        shapes = ("cannot be multiplied", "size mismatch", "must match the size")
        if catch_shape_error and not isinstance(exc, NotImplementedError) \
                and any(s in str(exc) for s in shapes):
            return {"error": str(exc)}
        raise
    finally:
        for k in trusted:
            if k != name:
                ns.pop(k, None)
        ns.update(saved)


def run(student, name, *args, catch_shape_error=False, **kwargs):
    args = tuple(a.clone() if isinstance(a, torch.Tensor) else a for a in args)
    kwargs = {k: v.clone() if isinstance(v, torch.Tensor) else v for k, v in kwargs.items()}
    return student.probe(alone, name, args, kwargs, catch_shape_error)


def tolerance(dtype: torch.dtype) -> tuple[float, float]:
    return (RTOL_F64, ATOL_F64) if dtype == F64 else (RTOL, ATOL)


def matches(got, want: torch.Tensor, rtol: float, atol: float) -> bool:
    return (type(got) is torch.Tensor and tuple(got.shape) == tuple(want.shape)
            and got.dtype.is_floating_point and bool(torch.isfinite(got).all())
            and torch.allclose(got.double(), want.double(), rtol=rtol, atol=atol))


def check_named(got, want: torch.Tensor, what: str, mistakes, dtype=F64, atol=None) -> None:
    """Name a known mistake where the result is what it gives (``mistakes``: (feedback,
    tensor) pairs, computed on the same inputs), else compare with the oracle."""
    rtol, default_atol = tolerance(dtype)
    loose_atol = ATOL if atol is None else atol
    atol = default_atol if atol is None else atol
    if type(got) is torch.Tensor and not matches(got, want, rtol, atol):
        for feedback, wrong in mistakes:
            if wrong is not None and not matches(wrong, want, rtol, atol) \
                    and matches(got, wrong, rtol, atol):
                fail(f"{what}: {feedback}")
        if dtype == F64 and matches(got, want, RTOL, loose_atol):
            fail(f"{what} agrees only to float32 precision: compute in the inputs' dtype "
                 "(float64 here)")
    check_tensor(got, want.to(dtype), what, rtol, atol, check_dtype=True)


def pair(got, what: str, names: str) -> tuple:
    if not isinstance(got, tuple | list) or len(got) != 2:
        kind = f"a {type(got).__name__} of length {len(got)}" if isinstance(got, tuple | list) \
            else quote(wire.type_name(got), 40)
        fail(f"{what} returned {kind}; expected a tuple {names}")
    return tuple(got)


def draw(g, *shape, scale=1.0):
    return scale * torch.randn(*shape, generator=g, dtype=F64)


# ---------------------------------------------------------------- rnn_cell
def weights(g, D: int, H: int, scale: float = 0.5) -> tuple[torch.Tensor, ...]:
    """(W_ih (H, D), W_hh (H, H), b_ih (H,), b_hh (H,))."""
    return draw(g, H, D, scale=scale), draw(g, H, H, scale=scale), draw(g, H), draw(g, H)


def cell_oracle(x, h, W_ih, W_hh, b_ih, b_hh) -> torch.Tensor:
    D, H = W_ih.shape[1], W_ih.shape[0]
    cell = torch.nn.RNNCell(D, H, dtype=F64)
    with torch.no_grad():
        for p, w in zip(cell.parameters(), (W_ih, W_hh, b_ih, b_hh), strict=True):
            p.copy_(w)
        return cell(x.double(), h.double())


def attempt(fn):
    try:
        return fn()
    except RuntimeError:
        return None


def cell_mistakes(x, h, W_ih, W_hh, b_ih, b_hh) -> list:
    pre_x, pre_h = x @ W_ih.T + b_ih, h @ W_hh.T + b_hh
    return [
        ("uses h @ W_hh instead of h @ W_hh.T (W_hh is (H_out, H_in) like nn.Linear.weight; "
         "no error, since it is square)", torch.tanh(pre_x + h @ W_hh + b_hh)),
        ("the weights are swapped: x goes through W_ih and h through W_hh",
         attempt(lambda: torch.tanh(x @ W_hh.T + b_ih + h @ W_ih.T + b_hh))),
        ("uses x @ W_ih instead of x @ W_ih.T (W_ih is (H, D) like nn.Linear.weight)",
         attempt(lambda: torch.tanh(x @ W_ih + b_ih + pre_h))),
        ("multiplies by both weights untransposed (x @ W_ih, h @ W_hh): nn.RNNCell computes "
         "x @ W_ih.T and h @ W_hh.T",
         attempt(lambda: torch.tanh(x @ W_ih + h @ W_hh + b_ih + b_hh))),
        ("drops the bias b_ih (nn.RNNCell adds both biases)", torch.tanh(x @ W_ih.T + pre_h)),
        ("drops the bias b_hh (nn.RNNCell adds both biases)", torch.tanh(pre_x + h @ W_hh.T)),
        ("drops both biases", torch.tanh(x @ W_ih.T + h @ W_hh.T)),
        ("uses ReLU; nn.RNNCell's default nonlinearity is tanh", torch.relu(pre_x + pre_h)),
        ("uses sigmoid; the RNN cell's nonlinearity is tanh", torch.sigmoid(pre_x + pre_h)),
        ("has no nonlinearity: apply tanh to the sum", pre_x + pre_h),
    ]


def cell_result(student, what: str, x, h, W):
    """The student's h_new; a shape error is explained (x @ W_ih, or the weights swapped)."""
    got = run(student, "rnn_cell", x, h, *W, catch_shape_error=True)
    B, D = x.shape
    H = h.shape[1]
    if isinstance(got, dict) and "error" in got:
        fail(f"{what}: rnn_cell raised a shape error ({quote(got['error'], 90)}). x is "
             f"({B}, {D}), W_ih ({H}, {D}) like nn.Linear.weight, so the input term is "
             "x @ W_ih.T, of shape (B, H); x @ W_ih, or x through W_hh (weights swapped), "
             "cannot work when D != H")
    return got


def check_cell(student, what: str, x, h, W) -> None:
    got = cell_result(student, what, x, h, W)
    want = cell_oracle(x, h, *W)
    check_named(got, want, what, cell_mistakes(x.double(), h.double(), *W), dtype=x.dtype)


@exercise("rnn_cell", points=1, forbid=RNN)
def test_rnn_cell_matches_torch(student):
    """Does rnn_cell match nn.RNNCell (same weights) for B=4, D=5, H=3, three draws?"""
    for seed in range(3):
        g = rng(seed)
        x, h, W = draw(g, 4, 5), draw(g, 4, 3), weights(g, 5, 3)
        check_cell(student, f"rnn_cell(x (4, 5), h (4, 3), ...) draw {seed + 1}", x, h, W)


@exercise("rnn_cell", points=1, forbid=RNN)
def test_rnn_cell_each_path(student):
    """With all but one part zeroed, is each part (input path, hidden path, biases) right?"""
    g = rng(10)
    B, D, H = 3, 6, 4
    x, h = draw(g, B, D), draw(g, B, H)
    W_ih, W_hh, b_ih, b_hh = weights(g, D, H, scale=0.7)
    zH, zHH, zHD = torch.zeros(H, dtype=F64), torch.zeros(H, H, dtype=F64), \
        torch.zeros(H, D, dtype=F64)
    cases = [("only W_ih non-zero (the input path x -> h_new)", (W_ih, zHH, zH, zH)),
             ("only W_hh non-zero (the hidden path h -> h_new)", (zHD, W_hh, zH, zH)),
             ("only b_ih non-zero", (zHD, zHH, b_ih, zH)),
             ("only b_hh non-zero", (zHD, zHH, zH, b_hh))]
    for part, W in cases:
        check_cell(student, f"rnn_cell with {part}, x (3, 6), h (3, 4)", x, h, W)


@exercise("rnn_cell", points=1, forbid=RNN)
def test_rnn_cell_square(student):
    """With D == H (where a swapped or transposed weight runs without error), is it right?"""
    for seed in (20, 21):
        g = rng(seed)
        x, h, W = draw(g, 5, 4), draw(g, 5, 4), weights(g, 4, 4)
        check_cell(student, f"rnn_cell(x (5, 4), h (5, 4), ...) with D = H = 4, seed {seed}",
                   x, h, W)


@exercise("rnn_cell", points=1, forbid=RNN)
def test_rnn_cell_float32_saturated(student):
    """In float32 with pre-activations up to ~1e3, is h_new finite, float32 and right?"""
    g = rng(30)
    x, h, W = draw(g, 6, 7, scale=300.0), draw(g, 6, 2), weights(g, 7, 2)
    x32, h32 = x.float(), h.float()
    W32 = [w.float() for w in W]
    what = "rnn_cell in float32 with pre-activations of size ~1e3 (x (6, 7), h (6, 2))"
    got = cell_result(student, what, x32, h32, W32)
    if type(got) is torch.Tensor and got.dtype.is_floating_point \
            and not torch.isfinite(got).all():
        fail(f"{what} contains NaN/inf: a tanh written with exp overflows; use torch.tanh")
    want = cell_oracle(x32.double(), h32.double(), *[w.double() for w in W32])
    check_named(got, want, what, cell_mistakes(x32.double(), h32.double(),
                                                *[w.double() for w in W32]), dtype=torch.float32)


# ---------------------------------------------------------------- rnn_forward
def rnn_oracle(xs, h0, fwd, rev=None) -> tuple[torch.Tensor, torch.Tensor]:
    """nn.RNN (one layer, time-major) with the given weights, in float64."""
    D, H = fwd[0].shape[1], fwd[0].shape[0]
    rnn = torch.nn.RNN(D, H, bidirectional=rev is not None, dtype=F64)
    names = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    with torch.no_grad():
        for n, w in zip(names, fwd, strict=True):
            getattr(rnn, n).copy_(w)
        for n, w in zip(names, rev or (), strict=False):
            getattr(rnn, n + "_reverse").copy_(w)
        return rnn(xs, h0)


def cell(x, h, W):
    return torch.tanh(x @ W[0].T + W[2] + h @ W[1].T + W[3])


def one_way(xs, h, W, order, carry=True):
    """States after each step of ``order`` (in processing order), from h."""
    h0, states = h, []
    for t in order:
        h = cell(xs[t], h if carry else h0, W)
        states.append(h)
    return states


def problem(seed: int, T: int, B: int, D: int, H: int, directions: int, scale: float = 0.5):
    g = rng(seed)
    xs, h0 = draw(g, T, B, D), draw(g, directions, B, H)
    fwd = weights(g, D, H, scale)
    rev = weights(g, D, H, scale) if directions == 2 else None
    return xs, h0, fwd, rev


def forward_args(xs, h0, fwd, rev):
    kwargs = {"bidirectional": rev is not None}
    if rev is not None:
        kwargs.update(zip(REVERSE, rev, strict=True))
    return (xs, h0, *fwd), kwargs


def call_forward(student, xs, h0, fwd, rev=None):
    args, kwargs = forward_args(xs, h0, fwd, rev)
    kind = "bidirectional " if rev is not None else ""
    what = f"{kind}rnn_forward(xs (T, B, D) {tuple(xs.shape)}, H = {fwd[0].shape[0]})"
    got = pair(run(student, "rnn_forward", *args, **kwargs), what, "(outputs, h_n)")
    return got, what


def shape_hint(got, T: int, B: int, width: int, what: str) -> None:
    if type(got) is torch.Tensor and tuple(got.shape) == (B, T, width):
        fail(f"{what}: outputs has shape {tuple(got.shape)}: batch first. nn.RNN's default "
             f"(batch_first=False) is time first, {(T, B, width)}")


def uni_mistakes(xs, h0, W) -> list:
    T = xs.shape[0]
    fresh = torch.stack(one_way(xs, h0[0], W, range(T), carry=False))
    backwards = torch.stack(one_way(xs, h0[0], W, range(T - 1, -1, -1)))
    zeros = torch.stack(one_way(xs, torch.zeros_like(h0[0]), W, range(T)))
    return [("every step starts again from h0: the state must be carried, h_t = "
             "rnn_cell(x_t, h_{t-1})", fresh),
            ("ignores h0 and starts from zeros; the first step uses the h0 passed in", zeros),
            ("reads the sequence from the last step to the first", backwards),
            ("reads the sequence backwards and leaves the outputs in that order",
             backwards.flip(0))]


def check_first_step(got, want, what: str) -> None:
    """Name the first time step that departs (after the known mistakes were ruled out)."""
    if type(got) is not torch.Tensor or tuple(got.shape) != tuple(want.shape):
        return
    rtol, atol = tolerance(F64)
    ok = torch.isclose(got.double(), want, rtol=rtol, atol=atol).flatten(1).all(1)  # (T,)
    if not ok.all():
        k = int((~ok).nonzero()[0])
        agree = "" if k == 0 else f" (steps 0 to {k - 1} agree)"
        err = float((got[k].double() - want[k]).abs().max())
        fail(f"{what}: outputs[{k}] departs from nn.RNN{agree}, max abs error {err:.1e}")


@exercise("rnn_forward", points=1, forbid=RNN)
def test_rnn_forward_unidirectional(student):
    """Do outputs (T, B, H) and h_n (1, B, H) match nn.RNN for T=7, B=3, D=5, H=4, 2 draws?"""
    for seed in (40, 41):
        xs, h0, fwd, _ = problem(seed, 7, 3, 5, 4, 1)
        (out, h_n), what = call_forward(student, xs, h0, fwd)
        want, want_h = rnn_oracle(xs, h0, fwd)
        shape_hint(out, 7, 3, 4, what)
        check_named(out, want, f"{what}: outputs", uni_mistakes(xs, h0, fwd))
        check_final_uni(h_n, want_h, out, what)


def check_final_uni(h_n, want_h, out, what: str) -> None:
    if type(h_n) is torch.Tensor and tuple(h_n.shape) == tuple(want_h.shape[1:]):
        fail(f"{what}: h_n has shape {tuple(h_n.shape)}; nn.RNN returns (num_directions, B, H) "
             f"= {tuple(want_h.shape)}: add the leading axis (h.unsqueeze(0))")
    first = out[:1] if type(out) is torch.Tensor else None
    check_named(h_n, want_h, f"{what}: h_n",
                [("h_n is the state after the first step; it is the last one",
                  first if first is not None and first.dtype.is_floating_point else None)])


@exercise("rnn_forward", points=1, forbid=RNN)
def test_rnn_forward_long_sequence(student):
    """Over T=40 steps (B=2, D=3, H=6), does every step and the final state match nn.RNN?"""
    xs, h0, fwd, _ = problem(42, 40, 2, 3, 6, 1, scale=0.6)
    (out, h_n), what = call_forward(student, xs, h0, fwd)
    want, want_h = rnn_oracle(xs, h0, fwd)
    shape_hint(out, 40, 2, 6, what)
    if type(out) is torch.Tensor and tuple(out.shape) == tuple(want.shape):
        for feedback, wrong in uni_mistakes(xs, h0, fwd):
            if matches(out, wrong, RTOL_F64, ATOL_F64):
                fail(f"{what}: outputs: {feedback}")
    check_first_step(out, want, what)
    check_named(out, want, f"{what}: outputs", [])
    check_final_uni(h_n, want_h, out, what)


def bi_mistakes(xs, h0, fwd, rev) -> list:
    """Wrong backward halves (T, B, H), as (feedback, tensor)."""
    T = xs.shape[0]
    down = range(T - 1, -1, -1)
    computed = torch.stack(one_way(xs, h0[1], rev, down))          # processing order
    return [
        ("the backward direction's outputs are in the order they were computed: flip them "
         "back so that outputs[t] holds the state after reading x_t", computed),
        ("the backward direction reads the sequence forwards (x_0 first); it must read x_{T-1} "
         "first", torch.stack(one_way(xs, h0[1], rev, range(T)))),
        ("the backward direction uses the forward weights; it has its own *_reverse weights",
         torch.stack(one_way(xs, h0[1], fwd, down)).flip(0)),
        ("the backward direction starts from h0[0]; its initial state is h0[1]",
         torch.stack(one_way(xs, h0[0], rev, down)).flip(0)),
        ("the backward direction ignores h0[1] and starts from zeros",
         torch.stack(one_way(xs, torch.zeros_like(h0[1]), rev, down)).flip(0)),
        ("the backward direction does not carry its state from step to step",
         torch.stack(one_way(xs, h0[1], rev, down, carry=False)).flip(0)),
    ]


@exercise("rnn_forward", points=1, forbid=RNN)
def test_rnn_forward_bidirectional_outputs(student):
    """Bidirectional, T=6, B=2, D=3, H=5: are outputs (T, B, 2H) nn.RNN's, each half right?"""
    for seed in (50, 51):
        xs, h0, fwd, rev = problem(seed, 6, 2, 3, 5, 2)
        (out, _), what = call_forward(student, xs, h0, fwd, rev)
        want, _ = rnn_oracle(xs, h0, fwd, rev)
        shape_hint(out, 6, 2, 10, what)
        if type(out) is torch.Tensor and tuple(out.shape) == (6, 2, 10) \
                and out.dtype.is_floating_point:
            if matches(out, torch.cat([want[..., 5:], want[..., :5]], -1), RTOL_F64, ATOL_F64):
                fail(f"{what}: outputs: the halves are swapped; the forward states come first "
                     "along the last axis, [forward, backward]")
            if matches(out[..., :5], want[..., :5], RTOL_F64, ATOL_F64):
                check_named(out[..., 5:], want[..., 5:],
                            f"{what}: outputs[..., H:] (backward half)",
                            bi_mistakes(xs, h0, fwd, rev))
            else:
                check_named(out[..., :5], want[..., :5],
                            f"{what}: outputs[..., :H] (forward half)",
                            uni_mistakes(xs, h0[:1], fwd))
        check_named(out, want, f"{what}: outputs", [])


@exercise("rnn_forward", points=1, forbid=RNN)
def test_rnn_forward_bidirectional_final_state(student):
    """Bidirectional, T=7, B=3, D=2, H=4: is h_n (2, B, H) nn.RNN's, reverse final included?"""
    xs, h0, fwd, rev = problem(60, 7, 3, 2, 4, 2)
    (out, h_n), what = call_forward(student, xs, h0, fwd, rev)
    want, want_h = rnn_oracle(xs, h0, fwd, rev)
    what = f"{what}: h_n"
    if type(h_n) is torch.Tensor and tuple(h_n.shape) in ((3, 8), (6, 4)):
        fail(f"{what} has shape {tuple(h_n.shape)}; nn.RNN returns (num_directions, B, H) = "
             "(2, 3, 4): stack the two final states (torch.stack), do not concatenate them")
    if type(h_n) is torch.Tensor and tuple(h_n.shape) == (2, 3, 4) \
            and h_n.dtype.is_floating_point and not matches(h_n, want_h, RTOL_F64, ATOL_F64):
        if matches(h_n, want_h.flip(0), RTOL_F64, ATOL_F64):
            fail(f"{what}: the two final states are in the wrong order: h_n[0] is the forward "
                 "direction's, h_n[1] the backward direction's")
        check_named(h_n[0], want_h[0], f"{what}[0] (the forward direction's last state)",
                    [(text, wrong[-1]) for text, wrong in uni_mistakes(xs, h0[:1], fwd)])
        backward = [(text, wrong[0]) for text, wrong in bi_mistakes(xs, h0, fwd, rev)]
        check_named(h_n[1], want_h[1], f"{what}[1] (the backward direction's last state)", [
            ("taken at the wrong end: the backward direction ends after reading x_0 "
             "(outputs[0, :, H:]); outputs[T-1, :, H:] is its state after reading only "
             "x_{T-1}", want[-1, :, 4:]),
            ("is the forward direction's last state", want_h[0]),
            ("the backward direction reads x_0 first; it reads x_{T-1} first and ends after x_0",
             one_way(xs, h0[1], rev, range(7))[-1]),
            *[(text, wrong) for text, wrong in backward[2:]],
        ])
    check_named(h_n, want_h, what, [])


@exercise("rnn_forward", points=1, forbid=RNN)
def test_rnn_forward_short_and_float32(student):
    """For T=1 and T=2 (both directions) and a float32 sequence, are results nn.RNN's?"""
    for T in (1, 2):
        xs, h0, fwd, rev = problem(70 + T, T, 2, 3, 5, 2)
        (out, h_n), what = call_forward(student, xs, h0, fwd, rev)
        want, want_h = rnn_oracle(xs, h0, fwd, rev)
        check_named(out, want, f"{what}: outputs", [])
        check_named(h_n, want_h, f"{what}: h_n", [])
    xs, h0, fwd, _ = problem(73, 9, 4, 3, 2, 1)
    xs32, h032, fwd32 = xs.float(), h0.float(), [w.float() for w in fwd]
    (out, h_n), what = call_forward(student, xs32, h032, fwd32)
    want, want_h = rnn_oracle(xs32.double(), h032.double(), [w.double() for w in fwd32])
    check_named(out, want, f"{what} in float32: outputs", [], dtype=torch.float32)
    check_named(h_n, want_h, f"{what} in float32: h_n", [], dtype=torch.float32)


# ---------------------------------------------------------------- bptt_grad_norms
def bptt_oracle(xs, h0, W) -> tuple[torch.Tensor, torch.Tensor]:
    """Autograd: ||dL/d outputs[t]|| for L = outputs[-1].sum(); and the states (T, B, H)."""
    W_ih, W_hh, b_ih, b_hh = (w.detach().clone().requires_grad_() for w in W)
    h, hs = h0[0], []
    for t in range(xs.shape[0]):
        h = torch.tanh(xs[t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh)  # (B, H)
        h.retain_grad()
        hs.append(h)
    hs[-1].sum().backward()
    return torch.stack([h.grad.norm() for h in hs]), torch.stack([h.detach() for h in hs])


def bptt_variant(hs, W_hh, step) -> torch.Tensor:
    """The backward recursion with a mistaken step: ``step(grad, t)`` -> dL/dh_{t-1}."""
    grad, grads = torch.ones_like(hs[-1]), [torch.ones_like(hs[-1])]
    for t in range(hs.shape[0] - 1, 0, -1):
        grad = step(grad, t)
        grads.append(grad)
    return torch.stack(grads[::-1])  # (T, B, H)


def bptt_mistakes(hs, h0, W_hh) -> list:
    before = torch.cat([h0.unsqueeze(0), hs[:-1]])  # (T, B, H) before[t] = h_{t-1}

    def norms(step):
        return bptt_variant(hs, W_hh, step).flatten(1).norm(dim=1)

    right = norms(lambda g, t: (g * (1 - hs[t] ** 2)) @ W_hh)
    return [
        ("uses the tanh derivative of the state it arrives at, 1 - h_{t-1}^2; the step being "
         "undone is h_t = tanh(a_t), so it is 1 - h_t^2",
         norms(lambda g, t: (g * (1 - before[t] ** 2)) @ W_hh)),
        ("multiplies by W_hh.T; the forward step multiplies rows by W_hh.T, so the backward "
         "step multiplies by W_hh", norms(lambda g, t: (g * (1 - hs[t] ** 2)) @ W_hh.T)),
        ("leaves out the tanh derivative (1 - h_t^2)", norms(lambda g, t: g @ W_hh)),
        ("uses tanh(h_t) or (1 - tanh(h_t)^2) instead of 1 - h_t^2: outputs[t] already is "
         "the tanh", norms(lambda g, t: (g * (1 - torch.tanh(hs[t]) ** 2)) @ W_hh)),
        ("lists the norms from the last step back to the first; entry t must be step t",
         right.flip(0)),
        ("returns squared norms (no square root)", right ** 2),
        ("differentiates the mean of h_{T-1}; the loss is its sum, so dL/dh_{T-1} is all ones",
         right / hs[-1].numel()),
        ("averages the norm over the batch rows; the norm is that of the whole (B, H) "
         "gradient", bptt_variant(hs, W_hh, lambda g, t: (g * (1 - hs[t] ** 2)) @ W_hh)
         .norm(dim=2).mean(dim=1)),
    ]


def check_bptt(student, xs, h0, W, what: str) -> None:
    got = run(student, "bptt_grad_norms", xs, h0, *W)
    want, hs = bptt_oracle(xs, h0, W)
    T = xs.shape[0]
    if type(got) is torch.Tensor and got.dim() == 1 and got.shape[0] in (T - 1, T + 1):
        fail(f"{what} has {got.shape[0]} entries; expected one norm per output step, T = {T} "
             "(the last one is ||dL/dh_{T-1}|| = sqrt(B*H))")
    if type(got) is torch.Tensor and tuple(got.shape) != (T,) and got.numel() == T:
        fail(f"{what} has shape {tuple(got.shape)}; expected a 1-D tensor ({T},)")
    # norms span many orders of magnitude: relative tolerance only
    check_named(got, want, what, bptt_mistakes(hs, h0[0], W[1]), atol=1e-300)


@exercise("bptt_grad_norms", points=1, forbid=RNN + AUTOGRAD)
def test_bptt_matches_autograd(student):
    """For T=6, B=3, D=4, H=5 and three draws, are the norms autograd's?"""
    for seed in (80, 81, 82):
        g = rng(seed)
        xs, h0, W = draw(g, 6, 3, 4), draw(g, 1, 3, 5), weights(g, 4, 5, scale=0.6)
        check_bptt(student, xs, h0, W, f"bptt_grad_norms(xs (6, 3, 4), h0 (1, 3, 5)) draw "
                   f"{seed - 79}")


@exercise("bptt_grad_norms", points=1, forbid=RNN + AUTOGRAD)
def test_bptt_spectral_radius(student):
    """Over T=30, with W_hh = rho * Q for rho 0.5, 1.0, 1.5 and small inputs, are they right?"""
    g = rng(90)
    T, B, D, H = 30, 2, 3, 7
    Q, _ = torch.linalg.qr(draw(g, H, H))
    xs, h0 = draw(g, T, B, D), torch.zeros(1, B, H, dtype=F64)
    W_ih, b = draw(g, H, D, scale=0.01), torch.zeros(H, dtype=F64)
    for rho in (0.5, 1.0, 1.5):
        check_bptt(student, xs, h0, (W_ih, rho * Q, b, b),
                   f"bptt_grad_norms over T = 30 with W_hh of spectral radius {rho}")


@exercise("bptt_grad_norms", points=1, forbid=RNN + AUTOGRAD)
def test_bptt_saturated(student):
    """With large inputs, biases and h0 (saturated states, T=12, B=4, D=2, H=3), right?"""
    g = rng(95)
    xs, h0 = draw(g, 12, 4, 2, scale=2.0), draw(g, 1, 4, 3)
    W = (draw(g, 3, 2), draw(g, 3, 3), draw(g, 3), draw(g, 3))
    check_bptt(student, xs, h0, W, "bptt_grad_norms(xs (12, 4, 2), h0 (1, 4, 3)) with "
               "saturated states")


# ---------------------------------------------------------------- clip_grad_norm
def clip_probe(ns, grads, max_norm):
    """Probe: the student's (clipped, total_norm), whether an input was changed in place,
    and whether a returned tensor shares memory with an input."""
    import torch

    copies = [g.clone() for g in grads]
    out = ns["clip_grad_norm"](grads, max_norm)
    modified = next((i for i, (g, c) in enumerate(zip(grads, copies, strict=False))
                     if not torch.equal(g, c)), None)
    aliased = None
    if isinstance(out, tuple | list) and len(out) == 2 and isinstance(out[0], tuple | list):
        inputs = {g.untyped_storage().data_ptr() for g in grads}
        aliased = next((i for i, t in enumerate(out[0]) if isinstance(t, torch.Tensor)
                        and t.untyped_storage().data_ptr() in inputs), None)
        out = (list(out[0]), out[1])
    return {"out": out, "modified": modified, "aliased": aliased}


def clip_oracle(grads, max_norm) -> tuple[list[torch.Tensor], torch.Tensor]:
    params = [torch.nn.Parameter(torch.zeros_like(g, dtype=F64)) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = g.detach().double().clone()
    total = torch.nn.utils.clip_grad_norm_(params, max_norm, foreach=False)
    return [p.grad for p in params], total


def clip_mistakes(grads, max_norm) -> list[tuple[str, list | None, float | None]]:
    """Known mistakes -> (feedback, the clipped list they give, the total norm they give)."""
    g64 = [g.double() for g in grads]
    norms = torch.stack([g.norm() for g in g64])
    total = float(norms.norm())
    l1 = float(sum(g.abs().sum() for g in g64))
    sq = float(norms.pow(2).sum())

    def scaled(coef):
        return [g * coef for g in g64]

    per_tensor = [g * min(1.0, max_norm / (float(n) + 1e-6))
                  for g, n in zip(g64, norms, strict=True)]
    return [
        ("clips each tensor by its own norm: the total norm is that of all entries of all "
         "tensors together, sqrt(sum of ||g_i||^2), and one factor scales them all",
         per_tensor, None),
        ("adds up the tensors' norms: the total norm is sqrt(sum of ||g_i||^2)",
         scaled(min(1.0, max_norm / (float(norms.sum()) + 1e-6))), float(norms.sum())),
        ("scales even under the limit: the factor min(1, max_norm / (total + 1e-6)) never "
         "stretches small gradients", scaled(max_norm / (total + 1e-6)), None),
        ("uses the L1 norm (sum of |entries|); clip_grad_norm_'s default is the L2 norm",
         scaled(min(1.0, max_norm / (l1 + 1e-6))), l1),
        ("leaves out the square root: the total norm is sqrt(sum of squares)",
         scaled(min(1.0, max_norm / (sq + 1e-6))), sq),
        ("leaves out the + 1e-6: torch's factor is max_norm / (total_norm + 1e-6)",
         scaled(min(1.0, max_norm / total)), None),
        ("inverts the factor: multiply by max_norm / total, not total / max_norm",
         scaled(min(1.0, total / max_norm)), None),
        ("returns the total norm after clipping; clip_grad_norm_ returns the norm before",
         None, min(total, total * max_norm / (total + 1e-6))),
    ]


def close_list(got, want: list[torch.Tensor], dtype) -> bool:
    rtol, atol = tolerance(dtype)
    return (isinstance(got, list) and len(got) == len(want)
            and all(matches(g, w, rtol, atol) for g, w in zip(got, want, strict=True)))


def as_number(got) -> float | None:
    if isinstance(got, bool):
        return None
    if isinstance(got, int | float):
        return float(got)
    if type(got) is torch.Tensor and got.numel() == 1 and got.dtype.is_floating_point:
        return float(got)
    return None


def close_number(got: float | None, want: float, dtype) -> bool:
    rtol, atol = tolerance(dtype)
    return got is not None and abs(got - want) <= atol + rtol * abs(want)


def run_clip(student, grads, max_norm, what):
    found = student.probe(clip_probe, [g.clone() for g in grads], max_norm)
    out = found["out"]
    if not isinstance(out, tuple | list) or len(out) != 2:
        kind = quote(wire.type_name(out), 40)
        fail(f"{what} returned {kind}; expected a tuple (clipped, total_norm) with clipped a "
             "list of tensors")
    if not isinstance(out[0], list):
        kind = quote(wire.type_name(out[0]), 40)
        fail(f"{what}: clipped (the first element returned) is {kind}; expected a list of "
             "tensors, one per gradient")
    return found, out[0], out[1]


def check_clip(student, grads, max_norm, what, check_values=True):
    """The student's result against clip_grad_norm_ on the same gradients; returns what the
    probe found about in-place changes and aliasing."""
    found, clipped, total = run_clip(student, grads, max_norm, what)
    want, want_total = clip_oracle(grads, max_norm)
    want_total = float(want_total)
    dtype = grads[0].dtype
    got_total = as_number(total)
    values_bad = check_values and not close_list(clipped, want, dtype)
    total_bad = not close_number(got_total, want_total, dtype)
    for feedback, wrong, wrong_total in clip_mistakes(grads, max_norm):
        if values_bad and wrong is not None and not close_list(wrong, want, F64) \
                and close_list(clipped, wrong, dtype):
            fail(f"{what}: {feedback}")
        if total_bad and wrong_total is not None \
                and not close_number(wrong_total, want_total, F64) \
                and close_number(got_total, wrong_total, dtype):
            fail(f"{what}: {feedback}")
    rtol, atol = tolerance(dtype)
    check_number(total, want_total, f"{what}: total_norm", rtol, atol)
    if check_values:
        if len(clipped) != len(want):
            fail(f"{what}: clipped has {len(clipped)} tensors; expected one per gradient "
                 f"({len(want)})")
        for i, (c, w) in enumerate(zip(clipped, want, strict=True)):
            check_tensor(c, w.to(dtype), f"{what}: clipped[{i}] (shape {tuple(w.shape)})",
                         rtol, atol, check_dtype=True)
    return found


def grad_list(seed: int, scale: float = 1.0, dtype=F64) -> list[torch.Tensor]:
    g = rng(seed)
    return [draw(g, 4, 3, scale=scale).to(dtype), draw(g, 5, scale=scale).to(dtype),
            draw(g, 2, 3, 2, scale=scale).to(dtype)]


@exercise("clip_grad_norm", points=1, forbid=CLIP)
def test_clip_total_norm(student):
    """Is total_norm the L2 norm over all three tensors together, before clipping?"""
    for seed, max_norm in ((100, 1.0), (101, 50.0)):
        grads = grad_list(seed)
        check_clip(student, grads, max_norm, f"clip_grad_norm(3 tensors (4, 3), (5,), (2, 3, 2),"
                   f" max_norm={max_norm})", check_values=False)


@exercise("clip_grad_norm", points=1, forbid=CLIP)
def test_clip_over_limit(student):
    """Over the limit, are the clipped tensors clip_grad_norm_'s (three draws, 3 max_norms)?"""
    for seed, max_norm in ((110, 1.0), (111, 0.25), (112, 3.0)):
        grads = grad_list(seed, scale=2.0)
        check_clip(student, grads, max_norm,
                   f"clip_grad_norm(3 tensors, max_norm={max_norm}) over the limit")


@exercise("clip_grad_norm", points=1, forbid=CLIP)
def test_clip_under_limit(student):
    """Under the limit, are the gradients returned unchanged (factor clamped to 1)?"""
    for seed, max_norm in ((120, 20.0), (121, 1e3)):
        grads = grad_list(seed)
        check_clip(student, grads, max_norm,
                   f"clip_grad_norm(3 tensors of total norm ~5, max_norm={max_norm}) under the "
                   "limit")


@exercise("clip_grad_norm", points=1, forbid=CLIP)
def test_clip_inputs_untouched(student):
    """Are the tensors passed in left unchanged, and new tensors returned, over and under?"""
    for max_norm, where in ((0.5, "over"), (100.0, "under")):
        grads = grad_list(130)
        what = f"clip_grad_norm(3 tensors, max_norm={max_norm}) {where} the limit"
        found = check_clip(student, grads, max_norm, what)
        if found["modified"] is not None:
            fail(f"{what}: grads[{found['modified']}] was changed in place (mul_, *=, "
                 "clamp_...); clip_grad_norm is pure: return new tensors, leave the inputs alone")
        if found["aliased"] is not None:
            fail(f"{what}: clipped[{found['aliased']}] is the input tensor itself (it shares its "
                 "memory); return new tensors, e.g. g * coef, even when nothing is clipped")


@exercise("clip_grad_norm", points=1, forbid=CLIP)
def test_clip_tiny_norms_and_float32(student):
    """For tiny norms (where + 1e-6 matters), one tensor, and float32, is it torch's?"""
    grads = grad_list(140, scale=2e-5)
    check_clip(student, grads, 1e-5, "clip_grad_norm(3 tensors of total norm ~1e-4, "
               "max_norm=1e-5)")
    one = [draw(rng(141), 3, 5)]
    check_clip(student, one, 0.7, "clip_grad_norm([one tensor (3, 5)], max_norm=0.7)")
    grads32 = grad_list(142, scale=3.0, dtype=torch.float32)
    check_clip(student, grads32, 2.0, "clip_grad_norm(3 float32 tensors, max_norm=2.0)")


# ---------------------------------------------------------------- checkpoints
@exercise("q_vanishing", points=1)
def test_q_vanishing(student):
    """Why does the gradient vanish for spectral radius 0.5?"""
    check_answer(student.value("q_vanishing"), "q_vanishing", "0cc1fa78a70dc1defc6e")


@exercise("q_steps_to_vanish", points=1)
def test_q_steps_to_vanish(student):
    """After how many steps of factor 0.9 is the gradient below 1 %?"""
    check_answer(student.value("q_steps_to_vanish"), "q_steps_to_vanish",
                 "961065731825753e7042", digits=0)


@exercise("q_clip_direction", points=1)
def test_q_clip_direction(student):
    """What does global-norm clipping keep?"""
    check_answer(student.value("q_clip_direction"), "q_clip_direction", "f57db993e19dff9f30ba")


@exercise("q_truncated_bptt", points=1)
def test_q_truncated_bptt(student):
    """What does truncated BPTT cost and give up?"""
    check_answer(student.value("q_truncated_bptt"), "q_truncated_bptt", "3a64bf59b010f6c3f711")
