"""Hidden grader for checklist/checklist: the chapter's end-of-chapter checklist.

Multiple-choice and integer answers are stored as hashes (dlcore.questions), so reading this
file does not reveal them. Measured items are graded by redoing the measurement here, on the
CPU in float64, with the recipe the notebook states, and by calling the student's measuring
function with the grader's own arguments, so a number typed in cannot pass. Where a wrong
value matches a known wrong recipe (the inverse ratio, float32 draws, the spectral norm for
the spectral radius, biases left out...), the feedback names it. The free-text answers are
graded by hand (their rubrics are in the source notebook)."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from dlcore.grading import StudentMissing, check_number, exercise, fail, quote
from dlcore.questions import check_answer
from dlcore.untrusted import wire

F64 = torch.float64
# Tolerances, named once. Measured norms and ratios: 1 % (float64 recipes agree to ~1e-12;
# another seed, dtype or draw order moves them by far more). Derivatives at one logit: exact
# formulas in float64. A one-layer ratio and a zero-step Jacobian are exact (as the visible
# tests demand). Counts are integers: exact.
MEASURE_RTOL = 0.01
GRAD_RTOL, GRAD_ATOL = 1e-6, 1e-9
EXACT_RTOL = 1e-9


# ---------------------------------------------------------------- helpers
def draws(seed: int) -> torch.Generator:
    """The stream torch.manual_seed(seed) starts, without touching the global generator."""
    return torch.Generator().manual_seed(seed)


def kind_of(value: Any) -> str:
    return quote(wire.type_name(value), 40)


def stored(student, name: str) -> Any:
    value = student.value(name)
    if value is None:
        raise StudentMissing(f"{name} is still None: store your measurement")
    return value


def as_float(value: Any, what: str) -> float:
    if type(value) is not float:
        fail(f"{what} should be a Python float (use .item()), got {kind_of(value)}")
    if not math.isfinite(value):
        fail(f"{what} is {value}; a finite number is expected")
    return value


def as_int(value: Any, what: str) -> int:
    if type(value) is not int:
        fail(f"{what} should be a Python int, got {kind_of(value)}")
    return value


def as_pair(value: Any, what: str, kind: type) -> tuple:
    if type(value) is not tuple or len(value) != 2:
        size = f" of length {len(value)}" if isinstance(value, list | tuple) else ""
        fail(f"{what} should be a tuple of two {kind.__name__}s, got a {kind_of(value)}{size}")
    convert = as_float if kind is float else as_int
    return tuple(convert(v, f"{what}[{i}]") for i, v in enumerate(value))


def close(got: float, want: float, rtol: float, atol: float = 0.0) -> bool:
    return math.isfinite(want) and abs(got - want) <= atol + rtol * abs(want)


def check_measured(got: float, want: float, what: str, known: dict[str, float],
                   rtol: float = MEASURE_RTOL, atol: float = 0.0) -> None:
    """got must be within the tolerance of want; otherwise name the known wrong recipe it
    matches, if any."""
    if not close(got, want, rtol, atol):
        for mistake, value in known.items():
            if close(got, value, rtol, atol):
                fail(f"{what}: {mistake}")
    check_number(got, want, what, rtol=rtol, atol=atol)


def check_integer(student, qid: str, key: str) -> None:
    """A whole-number answer (``10`` or ``10.0``, as the visible check asks), then its hash."""
    check_answer(student.value(qid), qid, key, digits=0)


# ================================================================ 1. foundations
@exercise("q_nonlinearity", points=1)
def test_q_nonlinearity(student):
    """What can a 10-layer MLP without activation functions represent?"""
    check_answer(student.value("q_nonlinearity"), "q_nonlinearity", "9cc98f7b1ed704c76c00")


# ---------------------------------------------------------------- grad_norm_ratio
ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}
BATCH = 8


def mlp_grad_norms(activation: str, depth: int, width: int, seed: int,
                   dtype: torch.dtype = F64, x_first: bool = False):
    """Norms of d loss / d W_l and of d loss / d h_{l-1}, l = 1..L, by the notebook's recipe
    (or by a wrong one: float32 draws, the batch drawn first)."""
    g = draws(seed)
    x = torch.randn(BATCH, width, generator=g, dtype=dtype) if x_first else None  # (8, w)
    weights = [(torch.randn(width, width, generator=g, dtype=dtype) * math.sqrt(2 / width))
               .requires_grad_() for _ in range(depth)]  # depth x (w, w)
    if x is None:
        x = torch.randn(BATCH, width, generator=g, dtype=dtype)  # (8, w)
    h, inputs = x.requires_grad_(), []
    for W in weights:
        inputs.append(h)
        h = ACTIVATIONS[activation](h @ W.T)  # (8, w)
    grads = torch.autograd.grad(h.sum(), weights + inputs)
    norms = [float(gr.norm()) for gr in grads]
    return norms[:depth], norms[depth:]


def ratio_oracle(activation: str, depth: int, width: int, seed: int):
    """The right ratio, and the values of known wrong recipes with what each one means."""
    w, h = mlp_grad_norms(activation, depth, width, seed)
    known = {
        "this is ||d loss/d W_L|| / ||d loss/d W_1||, the inverse; divide the first layer's "
        "gradient norm by the last layer's": w[-1] / w[0],
        "this is the ratio of the gradients w.r.t. the layers' inputs h_0 and h_(L-1); "
        "measure the gradients w.r.t. the weights W_1 and W_L": h[0] / h[-1],
    }
    if depth >= 3:
        known["this compares W_2 with W_L; W_1 is the first layer, next to the input"] = \
            w[1] / w[-1]
        known["this compares W_1 with W_(L-1); W_L is the last layer, next to the loss"] = \
            w[0] / w[-2]
    w32, _ = mlp_grad_norms(activation, depth, width, seed, dtype=torch.float32)
    known["the weights seem to be drawn in float32; draw them with dtype=torch.float64 "
          "(float32 draws are different numbers from the same seed)"] = w32[0] / w32[-1]
    wx, _ = mlp_grad_norms(activation, depth, width, seed, x_first=True)
    known["the batch x seems to be drawn before the weights; draw W_1, ..., W_L first, "
          "then x"] = wx[0] / wx[-1]
    if seed != 0:
        w0, _ = mlp_grad_norms(activation, depth, width, 0)
        known["this is the value for seed 0; seed with torch.manual_seed(seed)"] = w0[0] / w0[-1]
    return w[0] / w[-1], known


def check_ratio(got: Any, args: tuple, what: str) -> None:
    got = as_float(got, what)
    want, known = ratio_oracle(*args)
    rtol = EXACT_RTOL if args[1] == 1 else MEASURE_RTOL
    check_measured(got, want, what, known, rtol=rtol)


@exercise("grad_norm_ratio", points=1)
def test_grad_norm_ratio_stored(student):
    """Are ratio_sigmoid and ratio_relu the ratios for 10 layers of width 32, seed 0?"""
    for name, activation in (("ratio_sigmoid", "sigmoid"), ("ratio_relu", "relu")):
        check_ratio(stored(student, name), (activation, 10, 32, 0),
                    f"{name} (the ratio for {activation}, 10 layers, width 32, seed 0)")


@exercise("grad_norm_ratio", points=1)
def test_grad_norm_ratio_other_arguments(student):
    """Does grad_norm_ratio measure right for other activations, depths, widths and seeds?"""
    for args in (("tanh", 1, 5, 0), ("sigmoid", 6, 20, 1), ("relu", 12, 24, 5),
                 ("tanh", 8, 12, 3), ("relu", 3, 9, 4)):
        check_ratio(student.grad_norm_ratio(*args), args,
                    "grad_norm_ratio({!r}, {}, {}, {})".format(*args))


@exercise("q_vanishing_cause", points=1)
def test_q_vanishing_cause(student):
    """Why does the gradient reaching W_1 vanish with sigmoid but not with ReLU?"""
    check_answer(student.value("q_vanishing_cause"), "q_vanishing_cause",
                 "8d19eeebffd8eb5fc5f7")


@exercise("q_sigmoid_depth", points=1)
def test_q_sigmoid_depth(student):
    """After how many sigmoid layers is (1/4)^L first below 1e-6?"""
    check_integer(student, "q_sigmoid_depth", "930c74c5e7b01a6ff47a")


# ---------------------------------------------------------------- logit_grads
def logit_oracle(z: float, y: float, dtype: torch.dtype = F64) -> tuple[float, float]:
    """(d/dz (sigmoid(z) - y)^2, d/dz BCE-with-logits(z, y)) by autograd."""
    zt = torch.tensor(z, dtype=dtype, requires_grad=True)  # ()
    target = torch.tensor(y, dtype=dtype)  # ()
    mse = (torch.sigmoid(zt) - target) ** 2  # ()
    bce = nn.functional.binary_cross_entropy_with_logits(zt, target)  # ()
    (d_mse,) = torch.autograd.grad(mse, zt)
    (d_bce,) = torch.autograd.grad(bce, zt)
    return float(d_mse), float(d_bce)


def logit_mistakes(z: float, y: float) -> tuple[dict[str, float], dict[str, float]]:
    """Known wrong values of each derivative, with what each one means."""
    p = 1 / (1 + math.exp(-z))
    f32 = logit_oracle(z, y, torch.float32)
    mse = {"this is the derivative w.r.t. p = sigmoid(z), 2 (p - y); the chain rule's "
           "factor sigmoid'(z) = p (1 - p) is missing": 2 * (p - y),
           "this is the derivative of (p - y)^2 / 2; the MSE here has no factor 1/2":
           (p - y) * p * (1 - p),
           "computed in float32; use float64 (1 - sigmoid(z) loses its digits in float32)":
           f32[0]}
    bce = {"this is the derivative w.r.t. p = sigmoid(z); the derivative w.r.t. the logit "
           "z is p - y": (p - y) / (p * (1 - p)),
           "computed in float32; use float64 (1 - sigmoid(z) loses its digits in float32)":
           f32[1]}
    return mse, bce


def check_logit_grads(got: Any, z: float, y: float, what: str) -> None:
    got = as_pair(got, what, float)
    want = logit_oracle(z, y)
    if not all(close(g, w, GRAD_RTOL, GRAD_ATOL) for g, w in zip(got, want, strict=True)):
        if all(close(g, w, GRAD_RTOL, GRAD_ATOL) for g, w in zip(got, want[::-1], strict=True)):
            fail(f"{what}: the two derivatives are swapped; return (MSE's, cross-entropy's)")
        if all(close(g, abs(w), GRAD_RTOL, GRAD_ATOL) for g, w in zip(got, want, strict=True)):
            fail(f"{what}: these are the magnitudes; return the signed derivatives")
    for i, (name, known) in enumerate(zip(("dMSE/dz", "dBCE/dz"), logit_mistakes(z, y),
                                          strict=True)):
        check_measured(got[i], want[i], f"{what}: {name}", known, GRAD_RTOL, GRAD_ATOL)


@exercise("logit_grads", points=1)
def test_logit_grads_stored(student):
    """Are grad_mse and grad_bce the derivatives at the confidently wrong z = 8, y = 0?"""
    pair = (stored(student, "grad_mse"), stored(student, "grad_bce"))
    check_logit_grads(pair, 8.0, 0.0, "(grad_mse, grad_bce) for z = 8, y = 0")


@exercise("logit_grads", points=1)
def test_logit_grads_other_arguments(student):
    """Does logit_grads give both signed derivatives at other logits and targets?"""
    for z, y in ((0.0, 1.0), (-6.0, 1.0), (2.5, 0.0), (0.3, 1.0), (-4.0, 0.0)):
        check_logit_grads(student.logit_grads(z, y), z, y, f"logit_grads({z}, {y})")


@exercise("q_cross_entropy", points=1)
def test_q_cross_entropy(student):
    """Why is cross-entropy preferred for classification?"""
    check_answer(student.value("q_cross_entropy"), "q_cross_entropy", "dedc323236799d2a41b1")


@exercise("q_backprop", points=1)
def test_q_backprop(student):
    """What does loss.backward() compute, and at what cost?"""
    check_answer(student.value("q_backprop"), "q_backprop", "27ef0c08d713b6b744c6")


@exercise("q_regularization", points=1)
def test_q_regularization(student):
    """How do dropout and weight decay reduce overfitting?"""
    check_answer(student.value("q_regularization"), "q_regularization",
                 "5b2a74a198f8f0969275")


@exercise("q_batchnorm", points=1)
def test_q_batchnorm(student):
    """How does batch norm normalise in evaluation mode?"""
    check_answer(student.value("q_batchnorm"), "q_batchnorm", "d19ec4ab20e2ff089e77")


@exercise("q_classic_ml", points=1)
def test_q_classic_ml(student):
    """Which classic model is a linear layer with softmax cross-entropy and weight decay?"""
    check_answer(student.value("q_classic_ml"), "q_classic_ml", "55ab0299eea609a352da")


# ================================================================ 2. CNNs
# ---------------------------------------------------------------- param_counts
def n_params(module: nn.Module, biases: bool = True) -> int:
    return sum(p.numel() for p in module.parameters() if biases or p.dim() > 1)


def param_oracle(C: int, S: int, hidden: int, ch: int, classes: int):
    """(mlp, cnn) counts of the notebook's models, built with torch.nn, and the known wrong
    counts of each, with what each one means."""
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(C * S * S, hidden), nn.ReLU(),
                        nn.Linear(hidden, classes))
    convs = nn.Sequential(nn.Conv2d(C, ch, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(ch, 2 * ch, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten())
    with torch.no_grad():
        flat = convs(torch.zeros(1, C, S, S)).shape[1]  # (1, 2 ch (S/4)^2): measured
    cnn = nn.Sequential(convs, nn.Linear(flat, classes))
    conv = n_params(convs)
    mlp_known = {"the biases are missing; count weights and biases": n_params(mlp, False)}
    cnn_known = {
        "the biases are missing; count weights and biases": n_params(cnn, False),
        "the last Linear takes 2*ch*S*S inputs: the two 2x2 poolings shrink the feature map "
        "to (S/4) x (S/4) first": conv + 2 * ch * S * S * classes + classes,
        "the last Linear takes 2*ch*(S/2)*(S/2) inputs: there are two 2x2 poolings, so the "
        "feature map is (S/4) x (S/4)": conv + 2 * ch * (S // 2) ** 2 * classes + classes,
        "the conv layers are counted with k instead of k*k weights per input channel":
            (C * ch * 3 + ch) + (ch * 2 * ch * 3 + 2 * ch) + flat * classes + classes,
    }
    return (n_params(mlp), n_params(cnn)), (mlp_known, cnn_known)


def check_counts(got: Any, args: tuple, what: str) -> None:
    got = as_pair(got, what, int)
    want, known = param_oracle(*args)
    if got != want and got == want[::-1]:
        fail(f"{what}: the two counts are swapped; return (mlp, cnn)")
    for i, name in enumerate(("the MLP's count", "the CNN's count")):
        check_measured(got[i], want[i], f"{what}: {name}", known[i], rtol=0.0)


@exercise("param_counts", points=1)
def test_param_counts_stored(student):
    """Are n_mlp and n_cnn the counts for a 3x32x32 image, hidden 512, 16 channels, 10 classes?"""
    pair = (stored(student, "n_mlp"), stored(student, "n_cnn"))
    check_counts(pair, (3, 32, 512, 16, 10), "(n_mlp, n_cnn) for 3x32x32, 512, 16, 10")


@exercise("param_counts", points=1)
def test_param_counts_other_arguments(student):
    """Does param_counts count right for other image sizes, channels and widths?"""
    for args in ((1, 4, 2, 1, 3), (1, 28, 100, 8, 10), (3, 20, 64, 6, 5), (2, 12, 7, 3, 4)):
        check_counts(student.param_counts(*args), args,
                     "param_counts({}, {}, {}, {}, {})".format(*args))


@exercise("q_image_size", points=1)
def test_q_image_size(student):
    """Which parameter counts change when the image grows from 32x32 to 64x64?"""
    check_answer(student.value("q_image_size"), "q_image_size", "623798789a7a90a09487")


@exercise("q_weight_sharing", points=1)
def test_q_weight_sharing(student):
    """Why does a CNN detect an edge at positions it never saw it in?"""
    check_answer(student.value("q_weight_sharing"), "q_weight_sharing",
                 "b6b68f3692c187631d45")


@exercise("q_receptive_field", points=1)
def test_q_receptive_field(student):
    """How wide is the receptive field of three stacked 3x3 convolutions?"""
    check_integer(student, "q_receptive_field", "08d1748fca101f05fa12")


# ================================================================ 3. RNNs
# ---------------------------------------------------------------- rnn_jacobian_norm
def rnn_draws(steps: int, hidden: int, seed: int, dtype: torch.dtype = F64,
              x_first: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    g = draws(seed)
    if x_first:
        x = 0.1 * torch.randn(steps, hidden, generator=g, dtype=dtype)  # (T, H)
        return torch.randn(hidden, hidden, generator=g, dtype=dtype), x  # (H, H)
    W = torch.randn(hidden, hidden, generator=g, dtype=dtype)  # (H, H)
    return W, 0.1 * torch.randn(steps, hidden, generator=g, dtype=dtype)  # (T, H)


def spectral_radius(W: torch.Tensor) -> torch.Tensor:
    return torch.linalg.eigvals(W).abs().max()


def rnn_product(W_hh: torch.Tensor, x: torch.Tensor, steps: int,
                tanh_grad: bool = True) -> torch.Tensor:
    """d h_steps / d h_0 as the product of the step Jacobians (for the wrong recipes)."""
    h = torch.zeros(W_hh.shape[0], dtype=W_hh.dtype)  # (H,)
    J = torch.eye(W_hh.shape[0], dtype=W_hh.dtype)  # (H, H)
    for t in range(steps):
        h = torch.tanh(W_hh @ h + x[t])  # (H,)
        J = ((1 - h**2)[:, None] if tanh_grad else 1.0) * (W_hh @ J)  # (H, H)
    return J


def rnn_oracle(radius: float, steps: int, hidden: int, seed: int):
    """||d h_T / d h_0||_F by torch.autograd, and the values of known wrong recipes."""
    W, x = rnn_draws(steps, hidden, seed)
    W_hh = W * (radius / spectral_radius(W))  # (H, H)

    def last_state(h0: torch.Tensor) -> torch.Tensor:
        h = h0  # (H,)
        for t in range(steps):
            h = torch.tanh(W_hh @ h + x[t])  # (H,)
        return h

    J = torch.autograd.functional.jacobian(last_state, torch.zeros(hidden, dtype=F64))
    fro = float(torch.linalg.matrix_norm(J))
    W_sn = W * (radius / torch.linalg.matrix_norm(W, 2))  # (H, H)
    W32, x32 = rnn_draws(steps, hidden, seed, torch.float32)
    Wx, xx = rnn_draws(steps, hidden, seed, x_first=True)
    known = {
        "W_hh is scaled by its spectral norm (largest singular value); scale by the spectral "
        "radius, the largest |eigenvalue| (torch.linalg.eigvals)":
            float(torch.linalg.matrix_norm(rnn_product(W_sn, x, steps))),
        "the factor tanh'(.) = 1 - h_t^2 of each step is missing (this is a linear RNN's "
        "Jacobian)": float(torch.linalg.matrix_norm(rnn_product(W_hh, x, steps, False))),
        "this is the Jacobian over one step fewer; run all T steps from h_0":
            float(torch.linalg.matrix_norm(rnn_product(W_hh, x, max(steps - 1, 0)))),
        "this is the spectral norm of the Jacobian; the Frobenius norm is asked "
        "(torch.linalg.matrix_norm's default)": float(torch.linalg.matrix_norm(J, 2)),
        "W and x seem to be drawn in float32; draw them with dtype=torch.float64":
            float(torch.linalg.matrix_norm(rnn_product(W32 * (radius / spectral_radius(W32)),
                                                       x32, steps))),
        "x seems to be drawn before W; draw W first, then x":
            float(torch.linalg.matrix_norm(rnn_product(Wx * (radius / spectral_radius(Wx)),
                                                       xx, steps))),
    }
    if seed != 0:
        known["this is the value for seed 0; seed with torch.manual_seed(seed)"] = \
            rnn_oracle(radius, steps, hidden, 0)[0]
    return fro, known


def check_rnn(got: Any, args: tuple, what: str) -> None:
    got = as_float(got, what)
    want, known = rnn_oracle(*args)
    check_measured(got, want, what, known, rtol=EXACT_RTOL if args[1] == 0 else MEASURE_RTOL)


@exercise("rnn_jacobian_norm", points=1)
def test_rnn_jacobian_norm_stored(student):
    """Are norm_contract and norm_expand the norms for radius 0.5 and 1.5 (T = 30, H = 16)?"""
    for name, radius in (("norm_contract", 0.5), ("norm_expand", 1.5)):
        check_rnn(stored(student, name), (radius, 30, 16, 0),
                  f"{name} (radius {radius}, 30 steps, 16 hidden units, seed 0)")


@exercise("rnn_jacobian_norm", points=1)
def test_rnn_jacobian_norm_other_arguments(student):
    """Does rnn_jacobian_norm measure right for other radii, lengths, sizes and seeds?"""
    for args in ((0.5, 0, 3, 0), (0.5, 20, 10, 1), (1.5, 12, 8, 2), (0.9, 25, 12, 3),
                 (1.2, 7, 5, 4)):
        check_rnn(student.rnn_jacobian_norm(*args), args,
                  "rnn_jacobian_norm({}, {}, {}, {})".format(*args))


@exercise("q_rnn_long", points=1)
def test_q_rnn_long(student):
    """Why do vanilla RNNs fail on long sequences?"""
    check_answer(student.value("q_rnn_long"), "q_rnn_long", "80451eadf35f1b383c86")


@exercise("q_lstm_fix", points=1)
def test_q_lstm_fix(student):
    """How do LSTM and GRU cells let gradients survive long sequences?"""
    check_answer(student.value("q_lstm_fix"), "q_lstm_fix", "2866d4050a0bc8e250f1")


@exercise("q_arima", points=1)
def test_q_arima(student):
    """Which situation favours ARIMA/ETS over an LSTM?"""
    check_answer(student.value("q_arima"), "q_arima", "0b835b27666e7311b471")


# ================================================================ 4. attention
@exercise("q_bottleneck", points=1)
def test_q_bottleneck(student):
    """What does a decoder without attention know about the source sentence?"""
    check_answer(student.value("q_bottleneck"), "q_bottleneck", "a25c31569c85982a6a3c")


# ---------------------------------------------------------------- self_attention_sizes
def attention_oracle(embed_dim: int, num_heads: int, seq_len: int):
    """(parameters, attention weights) of nn.MultiheadAttention, measured, and the known wrong
    counts of each."""
    E, T = embed_dim, seq_len
    mha = nn.MultiheadAttention(E, num_heads, batch_first=True)
    x = torch.zeros(1, T, E)  # (1, T, E)
    with torch.no_grad():
        _, weights = mha(x, x, x, need_weights=True, average_attn_weights=False)  # (1, h, T, T)
    params_known = {
        "the biases are missing; count every learnable parameter": n_params(mha, False),
        "only the query/key/value projections are counted; the output projection "
        "(out_proj) has parameters too": 3 * E * E + 3 * E,
    }
    weights_known = {
        "these are the weights averaged over the heads (one T x T matrix); count one matrix "
        "per head (average_attn_weights=False)": T * T,
    }
    return (n_params(mha), weights.numel()), (params_known, weights_known)


def check_sizes(got: Any, args: tuple, what: str) -> None:
    got = as_pair(got, what, int)
    want, known = attention_oracle(*args)
    if got != want and got == want[::-1]:
        fail(f"{what}: the two sizes are swapped; return (n_params, n_weights)")
    for i, name in enumerate(("the number of parameters", "the number of attention weights")):
        check_measured(got[i], want[i], f"{what}: {name}", known[i], rtol=0.0)


@exercise("self_attention_sizes", points=1)
def test_self_attention_sizes_stored(student):
    """Are sizes_short and sizes_long the sizes for E = 64, 4 heads, 16 and 1024 tokens?"""
    for name, seq_len in (("sizes_short", 16), ("sizes_long", 1024)):
        check_sizes(stored(student, name), (64, 4, seq_len),
                    f"{name} (embed_dim 64, 4 heads, {seq_len} tokens)")


@exercise("self_attention_sizes", points=1)
def test_self_attention_sizes_other_arguments(student):
    """Does self_attention_sizes measure right for other widths, head counts and lengths?"""
    for args in ((12, 3, 5), (32, 8, 100), (6, 1, 7), (10, 2, 33)):
        check_sizes(student.self_attention_sizes(*args), args,
                    "self_attention_sizes({}, {}, {})".format(*args))


@exercise("q_self_attention", points=1)
def test_q_self_attention(student):
    """Why is self-attention so powerful?"""
    check_answer(student.value("q_self_attention"), "q_self_attention",
                 "45910f634ece7e9cd5c5")


@exercise("q_positional", points=1)
def test_q_positional(student):
    """What happens to self-attention's outputs when the input tokens are shuffled?"""
    check_answer(student.value("q_positional"), "q_positional", "fbf4469cbdcb9c14664b")
