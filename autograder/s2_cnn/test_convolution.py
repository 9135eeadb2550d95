"""Hidden grader for s2_cnn/convolution: output sizes, conv2d (loops and vectorised), max and
average pooling, receptive fields, checkpoint questions.

Oracles are torch built-ins in float64 computed here: F.conv2d, F.max_pool2d, F.avg_pool2d,
and, for the receptive field, a brute force (the gradient footprint of one output unit of a
stack of convolutions).  Where a wrong result equals what a classic mistake gives (flipped
kernel, padding on one axis, a swapped (h, w) pair, stride ignored, a tied maximum counted
twice...), the feedback names the mistake.  Every case runs a few small tensors."""

import functools
import math
import re

import torch
import torch.nn.functional as F

from dlcore.grading import (
    ATOL,
    ATOL_F64,
    RTOL,
    RTOL_F64,
    ForbiddenCall,
    check_tensor,
    exercise,
    fail,
    quote,
    rng,
)
from dlcore.questions import check_answer
from dlcore.untrusted import wire

F64 = torch.float64

# conv2d and conv2d_naive may not call a built-in convolution or im2col.  F.conv2d/torch.conv2d
# have no operator of their own (they reach aten.convolution), so the operators are named too.
CONV_OPS = ["aten.convolution", "aten._convolution", "aten.convolution_overrideable",
            "aten.convolution_backward", "aten.convolution_backward_overrideable",
            "aten.mkldnn_convolution", "aten._slow_conv2d_forward", "aten.slow_conv_dilated2d",
            "aten.slow_conv3d_forward", "aten.slow_conv_transpose2d", "aten._conv_depthwise2d",
            "aten._nnpack_spatial_convolution", "aten.cudnn_convolution",
            "aten.cudnn_convolution_transpose", "aten.miopen_convolution",
            "aten._mps_convolution", "aten.conv_tbc"]
CONV_NAMES = ["torch.nn.functional.conv2d", "torch.conv2d", "torch.nn.functional.conv1d",
              "torch.conv1d", "torch.nn.functional.conv3d", "torch.conv3d",
              "torch.nn.functional.conv_transpose2d", "torch.conv_transpose2d",
              "torch.nn.functional.conv_tbc", "torch.conv_tbc", "torch.convolution",
              "torch._convolution", "torch.nn.grad.conv2d_input", "torch.nn.grad.conv2d_weight",
              "torch.nn.Conv2d.forward"]
# F.unfold / nn.Unfold reach aten.im2col.  Naming "torch.nn.functional.unfold" would also ban
# aten.unfold, i.e. Tensor.unfold (a sliding-window view, allowed), so the operator is named.
UNFOLD = ["aten.im2col", "torch.nn.Unfold.forward"]
CONV = CONV_OPS + CONV_NAMES + UNFOLD
POOL_OPS = ["aten.max_pool2d_with_indices", "aten.avg_pool2d", "aten.mkldnn_max_pool2d",
            "aten.quantized_max_pool2d", "aten.max_pool3d_with_indices", "aten.avg_pool3d",
            "aten.fractional_max_pool2d", "aten.adaptive_max_pool2d",
            "aten._adaptive_avg_pool2d", "aten.adaptive_avg_pool2d"]
POOL_NAMES = ["torch.nn.functional.max_pool2d", "torch.max_pool2d",
              "torch.nn.functional.max_pool2d_with_indices", "torch.nn.functional.avg_pool2d",
              "torch.nn.functional.max_pool1d", "torch.max_pool1d",
              "torch.nn.functional.avg_pool1d", "torch.avg_pool1d",
              "torch.nn.functional.lp_pool2d", "torch.nn.functional.adaptive_max_pool2d",
              "torch.nn.functional.adaptive_avg_pool2d",
              "torch.nn.functional.fractional_max_pool2d",
              "torch.nn.MaxPool2d.forward", "torch.nn.AvgPool2d.forward",
              "torch.nn.AdaptiveMaxPool2d.forward", "torch.nn.AdaptiveAvgPool2d.forward"]
POOL = POOL_OPS + POOL_NAMES + CONV  # a ones-kernel convolution or F.unfold pool too
LABELS = {"aten.im2col": "F.unfold / nn.Unfold (aten.im2col)",
          "aten.convolution": "a built-in convolution (aten.convolution)",
          "aten.convolution_backward": "a convolution's gradient (aten.convolution_backward)"}


def pair(v) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


# ---------------------------------------------------------------- calling the submission
def alone(ns, name, calls, count_ops=False):
    """Probe: call ns[name](*args, **kwargs) for each (args, kwargs) in `calls`, with trusted
    versions of the notebook's other functions swapped in (a wrong conv_output_size never
    costs conv2d); with count_ops, the number of tensor operations each call ran instead.
    The trusted versions use only operators no exercise forbids (Tensor.unfold, einsum)."""
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode

    def as_pair(v):
        return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))

    def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):
        return (n + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1

    def windows(x, kernel_size, stride):
        (kh, kw), (sh, sw) = as_pair(kernel_size), as_pair(stride)
        return x.unfold(2, kh, sh).unfold(3, kw, sw)  # (N, C, H_out, W_out, kH, kW)

    def conv2d(x, weight, bias=None, stride=1, padding=0):
        ph, pw = as_pair(padding)
        xp = torch.nn.functional.pad(x, (pw, pw, ph, ph))
        out = torch.einsum("nchwuv,ocuv->nohw", windows(xp, weight.shape[2:], stride), weight)
        return out if bias is None else out + bias.view(1, -1, 1, 1)

    def max_pool2d(x, kernel_size, stride=None):
        return windows(x, kernel_size, kernel_size if stride is None else stride).amax((-2, -1))

    def avg_pool2d(x, kernel_size, stride=None):
        return windows(x, kernel_size, kernel_size if stride is None else stride).mean((-2, -1))

    def receptive_field(layers):
        rf, jump = 1, 1
        for k, s in layers:
            rf, jump = rf + (k - 1) * jump, jump * s
        return rf

    class Count(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.n = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            self.n += 1
            return func(*args, **(kwargs or {}))

    trusted = {"conv_output_size": conv_output_size, "conv2d_naive": conv2d, "conv2d": conv2d,
               "max_pool2d": max_pool2d, "avg_pool2d": avg_pool2d,
               "receptive_field": receptive_field}
    # never the twin: a conv2d that calls conv2d_naive is graded with the student's own loops
    twin = {"conv2d": "conv2d_naive", "conv2d_naive": "conv2d"}.get(name)
    trusted.pop(twin, None)
    fn = ns[name]
    saved = {k: ns[k] for k in trusted if k != name and k in ns}
    ns.update({k: f for k, f in trusted.items() if k != name})
    try:
        results = []
        for args, kwargs in calls:
            if count_ops:
                with Count() as counter:
                    fn(*args, **kwargs)
                results.append(counter.n)
            else:
                results.append(fn(*args, **kwargs))
        return results
    finally:
        for k in trusted:
            if k != name:
                ns.pop(k, None)
        ns.update(saved)


def run(student, name: str, calls: list, count_ops: bool = False) -> list:
    """The student's results (fresh copies of the inputs go to the sandbox), with forbidden
    operators named the way students write them."""
    calls = [(tuple(a.clone() if isinstance(a, torch.Tensor) else a for a in args), kwargs)
             for args, kwargs in calls]
    try:
        return student.probe(alone, name, calls, count_ops)
    except ForbiddenCall as exc:
        text = str(exc)
        for op, label in LABELS.items():
            text = re.sub(rf"{re.escape(op)}(?!\w)", label, text)
        raise ForbiddenCall(text) from None


def call(student, name: str, *args, **kwargs):
    return run(student, name, [(args, kwargs)])[0]


def matches(got, want: torch.Tensor, rtol: float, atol: float) -> bool:
    return (type(got) is torch.Tensor and tuple(got.shape) == tuple(want.shape)
            and got.dtype.is_floating_point
            and torch.allclose(got.double(), want.double(), rtol=rtol, atol=atol))


def tolerance(x: torch.Tensor) -> tuple[float, float]:
    return (RTOL_F64, ATOL_F64) if x.dtype == F64 else (RTOL, ATOL)


def attempt(fn, *args, **kwargs) -> torch.Tensor | None:
    """What a built-in gives for a mistaken set of arguments; None where it cannot run."""
    try:
        return fn(*args, **kwargs)
    except RuntimeError:
        return None


def check_against(got, want: torch.Tensor, x: torch.Tensor, what: str, builtin: str,
                  mistakes, hint: str = "") -> None:
    """Name a known mistake where the output is what it gives (``mistakes()`` lists them, as
    (feedback, output) pairs), else compare with the oracle."""
    rtol, atol = tolerance(x)
    if type(got) is torch.Tensor and not matches(got, want, rtol, atol):
        for feedback, wrong in mistakes():
            if wrong is not None and not matches(wrong, want, rtol, atol) \
                    and matches(got, wrong, rtol, atol):
                fail(f"{what}: {feedback}")
        if x.dtype == F64 and matches(got, want, RTOL, ATOL):
            fail(f"{what} agrees with {builtin} only to float32 precision: compute in x's dtype "
                 "(float64 here)")
        if tuple(got.shape) != tuple(want.shape):
            fail(f"{what} has shape {tuple(got.shape)}; expected {tuple(want.shape)}{hint}")
    check_tensor(got, want.to(x.dtype), what, rtol, atol, check_dtype=True)


def size_hint(got: tuple, want: tuple, sizes: list[tuple[int, int, int, int]]) -> str:
    """Why an output height/width is off, for sizes [(n, k, s, p) for height, width]."""
    if not isinstance(got, tuple) or len(got) != 4:
        return ""
    for axis, (name, (n, k, s, p)) in enumerate(zip(("height", "width"), sizes, strict=True)):
        g, e = got[2 + axis], want[2 + axis]
        letter = "H" if axis == 0 else "W"
        if g == e:
            continue
        if g == -(-(n + 2 * p - k) // s) + 1:
            padded = "padded " if p else ""
            return (f" (the output {name} rounds up: a window that would stick out past the "
                    f"{padded}input is dropped, floor(({letter} + 2p - k) / s) + 1)")
        if s > 1 and g == n + 2 * p - k + 1:
            return f" (the output {name} is that of stride 1: stride ignored along the {name})"
        if abs(g - e) == 1:
            return (f" (the output {name} is off by one: floor(({letter} + 2p - k) / s) + 1 "
                    "windows fit)")
    return ""


# ---------------------------------------------------------------- conv_output_size
def size_oracle(n: int, k: int, s: int, p: int, d: int) -> int:
    """The output length F.conv2d gives along one axis."""
    x = torch.zeros(1, 1, n, 1, dtype=F64)  # (1, 1, n, 1)
    w = torch.zeros(1, 1, k, 1, dtype=F64)  # (1, 1, k, 1)
    return F.conv2d(x, w, stride=(s, 1), padding=(p, 0), dilation=(d, 1)).shape[2]


SIZE_MISTAKES = [
    ("rounds up: a window that would stick out past the padded input is dropped, so floor "
     "(// in Python)", lambda n, k, s, p, d: -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1),
    ("pads only one side: padding p adds p zeros on *both* sides, 2p in all",
     lambda n, k, s, p, d: (n + p - d * (k - 1) - 1) // s + 1),
    ("ignores dilation: a kernel of k taps spaced d apart spans d(k - 1) + 1 inputs",
     lambda n, k, s, p, d: (n + 2 * p - k) // s + 1),
    ("treats a dilated kernel as spanning d*k inputs; its k taps, d apart, span d(k - 1) + 1",
     lambda n, k, s, p, d: (n + 2 * p - d * k) // s + 1),
    ("is off by one: the first window position counts too, floor((n + 2p - d(k-1) - 1) / s) + 1",
     lambda n, k, s, p, d: (n + 2 * p - d * (k - 1) - 1) // s),
    ("is off by one: floor((n + 2p - d(k-1) - 1) / s) + 1, where n + 2p - d(k-1) - 1 is the "
     "last window start", lambda n, k, s, p, d: (n + 2 * p - d * (k - 1)) // s + 1),
    ("divides the + 1 by the stride too: floor((n + 2p - d(k-1) - 1) / s) + 1",
     lambda n, k, s, p, d: (n + 2 * p - d * (k - 1)) // s),
]


def output_sizes(ns, cases):
    """Probe: the student's conv_output_size for each (n, k, s, p, d), keywords as pinned."""
    f = ns["conv_output_size"]
    return [f(n, k, stride=s, padding=p, dilation=d) for n, k, s, p, d in cases]


def check_sizes(student, cases: list[tuple[int, int, int, int, int]]) -> None:
    got = student.probe(output_sizes, cases)
    want = [size_oracle(*c) for c in cases]
    for value, case in zip(got, cases, strict=True):
        if type(value) is not int:
            kind = quote(wire.type_name(value), 40)
            fail(f"conv_output_size{case[:2]} with stride={case[2]}, padding={case[3]}, "
                 f"dilation={case[4]} returned a {kind}; an output size is a whole number: return "
                 "an int (floor division //)")
    if got == want:
        return
    for feedback, formula in SIZE_MISTAKES:
        if [formula(*c) for c in cases] == got:
            fail(f"conv_output_size {feedback}")
    bad = [(c, g) for c, g, w in zip(cases, got, want, strict=True) if g != w]
    (n, k, s, p, d), g = bad[0]
    fail(f"conv_output_size is wrong for {len(bad)} of {len(cases)} cases, e.g. n={n}, "
         f"kernel_size={k}, stride={s}, padding={p}, dilation={d} (you return {g})")


@exercise("conv_output_size", points=1)
def test_conv_output_size_stride_one(student):
    """With stride 1 and padding (no dilation), is the size n + 2p - k + 1?"""
    check_sizes(student, [(7, 3, 1, 0, 1), (6, 6, 1, 0, 1), (10, 1, 1, 0, 1), (32, 3, 1, 1, 1),
                          (28, 5, 1, 2, 1), (9, 4, 1, 3, 1)])


@exercise("conv_output_size", points=1)
def test_conv_output_size_stride_floors(student):
    """With strides that do not divide n + 2p - k, is the size floored?"""
    check_sizes(student, [(7, 2, 2, 0, 1), (10, 3, 2, 0, 1), (11, 3, 3, 1, 1), (32, 3, 2, 1, 1),
                          (227, 11, 4, 0, 1), (8, 3, 3, 0, 1), (9, 5, 3, 2, 1)])


@exercise("conv_output_size", points=1)
def test_conv_output_size_dilation(student):
    """Does a dilated kernel span d(k - 1) + 1 inputs?"""
    check_sizes(student, [(10, 3, 1, 0, 2), (32, 3, 1, 2, 2), (15, 3, 2, 1, 3), (20, 5, 1, 0, 3),
                          (12, 2, 3, 1, 4)])


# ---------------------------------------------------------------- conv2d and conv2d_naive
def conv_mistakes(x, w, b, stride, padding) -> list[tuple[str, torch.Tensor]]:
    """(feedback, the output that mistake gives) for the classic conv2d slips."""
    x, w = x.double(), w.double()
    b = None if b is None else b.double()
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    conv = functools.partial(attempt, F.conv2d, x)
    out = [("you computed convolution (flipped kernel) rather than cross-correlation: "
            "F.conv2d multiplies x_pad[n, c, i*sH + u, j*sW + v] by w[o, c, u, v], unflipped",
            conv(w.flip(-2, -1), b, stride, padding))]
    plain = conv(w, None, stride, padding)  # (N, C_out, H_out, W_out)
    if b is not None:
        c_out, h_out, w_out = plain.shape[1:]
        out.append(("the bias is missing: add b[o] to every position of output channel o",
                    plain))
        if w_out == c_out:
            out.append(("bias added per column (along the last axis) instead of per output "
                        "channel: b[o] belongs to every position of channel o; reshape it to "
                        "(1, C_out, 1, 1)", plain + b))
        if h_out == c_out:
            out.append(("bias added per row instead of per output channel: b[o] belongs to "
                        "every position of channel o; reshape it to (1, C_out, 1, 1)",
                        plain + b[:, None]))
    if (sh, sw) != (1, 1):
        out.append(("stride ignored: the window moves sH rows and sW columns at a time",
                    conv(w, b, 1, padding)))
    if sh != sw:
        out.append(("stride pair used as (w, h): stride[0] is the step along the height, "
                    "stride[1] along the width", conv(w, b, (sw, sh), padding)))
    if (ph, pw) != (0, 0):
        out.append(("padding ignored: add padding zeros on every side of x first",
                    conv(w, b, stride, 0)))
        out.append(("padding applied on one side only (top/left): pad both sides of each axis",
                    attempt(F.conv2d, F.pad(x, (pw, 0, ph, 0)), w, b, stride)))
    if ph != pw:
        out.append(("padding pair swapped: padding[0] pads the height (top and bottom), "
                    "padding[1] the width; note F.pad lists the last dimension first: "
                    "(left, right, top, bottom)", conv(w, b, stride, (pw, ph))))
    if ph and pw:
        out.append(("padding applied to height only: pad the width too",
                    conv(w, b, stride, (ph, 0))))
        out.append(("padding applied to width only: pad the height too",
                    conv(w, b, stride, (0, pw))))
    return out


def randn(g: torch.Generator, *shape: int, dtype: torch.dtype = F64) -> torch.Tensor:
    return torch.randn(*shape, generator=g, dtype=F64).to(dtype)


def conv_case(seed: int, n: int, c_in: int, h: int, w: int, c_out: int, k: tuple[int, int],
              bias: bool = False, dtype: torch.dtype = F64):
    g = rng(seed)
    x = randn(g, n, c_in, h, w, dtype=dtype)  # (N, C_in, H, W)
    wt = randn(g, c_out, c_in, *k, dtype=dtype)  # (C_out, C_in, kH, kW)
    b = randn(g, c_out, dtype=dtype) if bias else None  # (C_out,)
    return x, wt, b


def describe(x, w, b, stride, padding, keywords) -> str:
    args = f"x {tuple(x.shape)}, weight {tuple(w.shape)}, {'bias' if b is not None else 'None'}"
    if keywords:
        return f"{args}, stride={stride}, padding={padding}"
    return f"{args}, {stride}, {padding}"


def check_conv(student, name: str, cases: list) -> None:
    """cases: (x, w, b, stride, padding, keywords), checked in order."""
    for x, w, b, s, p, kw in cases:
        got = call(student, name, x, w, b, stride=s, padding=p) if kw \
            else call(student, name, x, w, b, s, p)
        want = F.conv2d(x.double(), w.double(), None if b is None else b.double(), s, p)
        sizes = [(x.shape[2 + a], w.shape[2 + a], pair(s)[a], pair(p)[a]) for a in (0, 1)]
        hint = size_hint(tuple(got.shape), tuple(want.shape), sizes) \
            if type(got) is torch.Tensor else ""
        check_against(got, want, x, f"{name}({describe(x, w, b, s, p, kw)}) ({str(x.dtype)[6:]})",
                      "F.conv2d", functools.partial(conv_mistakes, x, w, b, s, p), hint)


def case(seed, n, c_in, h, w, c_out, k, stride=1, padding=0, bias=False, keywords=False,
         dtype=F64):
    x, wt, b = conv_case(seed, n, c_in, h, w, c_out, k, bias, dtype)
    return (x, wt, b, stride, padding, keywords)


@exercise("conv2d_naive", points=1, forbid=CONV)
def test_conv2d_naive_plain(student):
    """Does conv2d_naive match F.conv2d (stride 1, no padding, no bias) on a non-square input
    and kernel, batch 2, 3 input channels?"""
    check_conv(student, "conv2d_naive", [case(40, 2, 3, 5, 4, 2, (3, 2))])


@exercise("conv2d_naive", points=1, forbid=CONV)
def test_conv2d_naive_stride_padding_bias(student):
    """Does conv2d_naive handle (h, w) stride and padding pairs and a bias?"""
    check_conv(student, "conv2d_naive", [case(41, 2, 2, 6, 5, 3, (2, 3), (2, 1), (1, 2), True,
                                              keywords=True)])


@exercise("conv2d", points=1, forbid=CONV)
def test_conv2d_plain(student):
    """Does conv2d match F.conv2d (stride 1, no padding, no bias) on non-square inputs and
    kernels, batch 2 and 3 input channels, two draws?"""
    check_conv(student, "conv2d", [case(50, 2, 3, 7, 6, 4, (3, 2)),
                                   case(51, 3, 2, 5, 8, 3, (2, 4))])


@exercise("conv2d", points=1, forbid=CONV)
def test_conv2d_bias(student):
    """Is the bias added per output channel (shapes where a per-row or per-column bias would
    broadcast silently, and one where neither would)?"""
    check_conv(student, "conv2d", [case(52, 2, 2, 7, 6, 5, (2, 2), bias=True),
                                   case(53, 2, 3, 6, 9, 5, (2, 3), bias=True),
                                   case(54, 3, 2, 5, 8, 3, (2, 3), bias=True, keywords=True)])


@exercise("conv2d", points=1, forbid=CONV)
def test_conv2d_stride_int(student):
    """Does an int stride step both axes, with sizes that floor (H=7, k=2, stride 2)?"""
    check_conv(student, "conv2d", [case(55, 2, 2, 7, 9, 3, (2, 3), stride=2),
                                   case(56, 2, 3, 11, 10, 4, (3, 3), stride=3, keywords=True)])


@exercise("conv2d", points=1, forbid=CONV)
def test_conv2d_stride_pair(student):
    """Is a stride pair read as (height step, width step)?"""
    check_conv(student, "conv2d", [case(57, 2, 2, 8, 10, 3, (3, 2), stride=(2, 1)),
                                   case(58, 2, 3, 9, 11, 2, (2, 3), stride=(1, 3),
                                        keywords=True)])


@exercise("conv2d", points=1, forbid=CONV)
def test_conv2d_padding_int(student):
    """Does an int padding add zeros on all four sides?"""
    check_conv(student, "conv2d", [case(59, 2, 3, 6, 7, 4, (3, 3), padding=1),
                                   case(60, 2, 2, 5, 8, 3, (3, 2), padding=2, keywords=True)])


@exercise("conv2d", points=1, forbid=CONV)
def test_conv2d_padding_pair(student):
    """Is a padding pair read as (height, width) padding?"""
    check_conv(student, "conv2d", [case(61, 2, 2, 6, 7, 3, (3, 3), padding=(2, 1)),
                                   case(62, 2, 3, 7, 5, 4, (2, 3), padding=(0, 2),
                                        keywords=True)])


@exercise("conv2d", points=1, forbid=CONV)
def test_conv2d_everything_float32(student):
    """All at once in float32 (dtype kept): stride and padding pairs, bias, batch 3; plus a
    1x1 kernel and a kernel as large as the padded input (a 1x1 output)?"""
    check_conv(student, "conv2d", [
        case(63, 3, 2, 9, 11, 5, (3, 4), (2, 3), (1, 2), True, True, torch.float32),
        case(64, 2, 4, 5, 6, 3, (1, 1), bias=True, dtype=torch.float32),
        case(65, 2, 3, 4, 5, 2, (6, 5), 2, (1, 0), True, dtype=torch.float32)])


@exercise("conv2d", points=1, forbid=CONV)
def test_conv2d_vectorised(student):
    """Is conv2d vectorised: does the number of tensor operations it runs stay the same when
    the image grows (no Python loop over pixels)?"""
    small = (torch.ones(2, 2, 7, 6, dtype=F64), torch.ones(3, 2, 3, 2, dtype=F64), None, 1, 1)
    large = (torch.ones(2, 2, 15, 14, dtype=F64), torch.ones(3, 2, 3, 2, dtype=F64), None, 1, 1)
    n_small, n_large = run(student, "conv2d", [(small, {}), (large, {})], count_ops=True)
    if n_large > 1.5 * n_small + 10:
        fail(f"conv2d is not vectorised: it runs {n_small} tensor operations for a 7x6 image "
             f"and {n_large} for a 15x14 one. Loop over the kH*kW kernel offsets at most, never "
             "over output positions, images or channels")


# ---------------------------------------------------------------- pooling
def interior_max(seed: int, n: int, c: int, h_out: int, w_out: int, kh: int, kw: int,
                 extra: tuple[int, int] = (0, 0)) -> torch.Tensor:
    """Distinct values whose (kh, kw) blocks each hold their maximum neither first nor last
    (row-major), so never at a corner; channel 0 is all negative.  `extra` rows/columns of
    large values at the bottom/right lie outside every complete window."""
    g = rng(seed)
    size = kh * kw
    vals = torch.randperm(n * c * h_out * w_out * size, generator=g).to(F64)  # (n*c*h*w*K,)
    vals = vals.view(n, c, h_out, w_out, size)  # (N, C, H_out, W_out, K)
    top = vals.argmax(-1, keepdim=True)  # (N, C, H_out, W_out, 1)
    spot = torch.randint(1, size - 1, (n, c, h_out, w_out, 1), generator=g)
    a, b = vals.gather(-1, top), vals.gather(-1, spot)
    vals = vals.scatter(-1, top, b).scatter(-1, spot, a)  # max moved to an inner spot
    x = vals.view(n, c, h_out, w_out, kh, kw).permute(0, 1, 2, 4, 3, 5)
    x = x.reshape(n, c, h_out * kh, w_out * kw) / 8  # (N, C, H, W)
    x[:, 0] -= x.max() + 1
    big = x.abs().max() + 10
    x = F.pad(x, (0, extra[1], 0, extra[0]), value=float(big))  # incomplete windows: large
    return x


def pool_windows(x: torch.Tensor, k, s) -> torch.Tensor:
    (kh, kw), (sh, sw) = pair(k), pair(s)
    return x.unfold(2, kh, sh).unfold(3, kw, sw)  # (N, C, H_out, W_out, kH, kW)


def pool_mistakes(kind: str, x: torch.Tensor, k, stride) -> list[tuple[str, torch.Tensor]]:
    x = x.double()
    pool = functools.partial(attempt, F.max_pool2d if kind == "max" else F.avg_pool2d)
    s = k if stride is None else stride
    (kh, kw), (sh, sw) = pair(k), pair(s)
    win = pool_windows(x, k, s)  # (N, C, H_out, W_out, kH, kW)
    total = win.sum((-2, -1))  # (N, C, H_out, W_out)
    out = []
    if stride is None:
        out.append(("stride defaults to kernel_size (windows side by side), not to 1",
                    pool(x, k, 1)))
    if kh != kw:
        out.append(("kernel_size pair used as (w, h): kernel_size[0] is the window height",
                    pool(x, (kw, kh), s)))
    if sh != sw:
        out.append(("stride pair used as (w, h): stride[0] is the step along the height",
                    pool(x, k, (sw, sh))))
    out.append(("keeps the incomplete windows at the border: without padding they are dropped, "
                "floor((H - kH) / sH) + 1 windows per column", pool(x, k, s, ceil_mode=True)))
    if kind == "max":
        best = win.amax((-2, -1))  # (N, C, H_out, W_out)
        flat = win.flatten(-2)  # (N, C, H_out, W_out, kH*kW)
        out += [
            ("an all-negative window gives 0: start from the window's own values (or -inf), "
             "not from 0", best.clamp(min=0)),
            ("where a window's maximum appears more than once (a tie), your result counts it "
             "more than once: return the maximum value itself",
             (flat * (flat == best[..., None])).sum(-1)),
            ("takes the first (top-left) value of each window, not its maximum", flat[..., 0]),
            ("takes the last (bottom-right) value of each window, not its maximum", flat[..., -1]),
            ("averages the window: max pooling keeps its largest value", total / (kh * kw)),
        ]
    else:
        out += [("sums the window instead of averaging it", total)]
        out += [(f"divides each window's sum by {d}: a (kH, kW) window holds kH * kW values",
                 total / d) for d in sorted({kh * kh, kw * kw, kh, kw}) if d != kh * kw]
        out += [("takes the window's maximum: average pooling takes its mean",
                 win.amax((-2, -1)))]
    return out


def check_pool(student, kind: str, cases: list) -> None:
    """cases: (x, kernel_size, stride or None); the stride is left out when None."""
    name = f"{kind}_pool2d"
    for x, k, s in cases:
        got = call(student, name, x, k) if s is None else call(student, name, x, k, s)
        pool = F.max_pool2d if kind == "max" else F.avg_pool2d
        want = pool(x.double(), k, s)
        sizes = [(x.shape[2 + a], pair(k)[a], pair(k if s is None else s)[a], 0) for a in (0, 1)]
        hint = size_hint(tuple(got.shape), tuple(want.shape), sizes) \
            if type(got) is torch.Tensor else ""
        what = f"{name}(x {tuple(x.shape)}, {k}{'' if s is None else f', {s}'}) " \
               f"({str(x.dtype)[6:]})"
        check_against(got, want, x, what, f"F.{name}",
                      functools.partial(pool_mistakes, kind, x, k, s), hint)


@exercise("max_pool2d", points=1, forbid=POOL)
def test_max_pool2d_default_stride(student):
    """With stride left out (= kernel_size), is each window's maximum found wherever it lies,
    also in all-negative windows?"""
    x = interior_max(70, 2, 3, 3, 4, 2, 2)  # (2, 3, 6, 8)
    check_pool(student, "max", [(x, 2, None), (x.float(), 2, None)])


@exercise("max_pool2d", points=1, forbid=POOL)
def test_max_pool2d_pairs_floor(student):
    """With a (2, 3) kernel and sizes that do not divide, are the incomplete border windows
    dropped (floor)?"""
    x = interior_max(71, 2, 2, 3, 3, 2, 3, extra=(1, 2))  # (2, 2, 7, 11)
    check_pool(student, "max", [(x, (2, 3), None)])


@exercise("max_pool2d", points=1, forbid=POOL)
def test_max_pool2d_overlapping_stride(student):
    """With an explicit stride (overlapping windows; int and (h, w) pairs)?"""
    g = rng(72)
    x = torch.randperm(2 * 3 * 7 * 9, generator=g).to(F64).view(2, 3, 7, 9) / 4 - 20  # (2, 3, 7, 9)
    check_pool(student, "max", [(x, 3, 1), (x, (3, 2), (2, 1)), (x, 2, (1, 3))])


@exercise("max_pool2d", points=1, forbid=POOL)
def test_max_pool2d_ties_negative(student):
    """With many tied maxima and only negative values?"""
    g = rng(73)
    x = -torch.randint(1, 4, (2, 3, 6, 8), generator=g).to(F64)  # (2, 3, 6, 8)
    check_pool(student, "max", [(x, 2, None), (x, 3, 2), (x.float(), (2, 4), None)])


@exercise("avg_pool2d", points=1, forbid=POOL)
def test_avg_pool2d_default_stride_floor(student):
    """With stride left out (= kernel_size) and sizes that do not divide (floor)?"""
    g = rng(80)
    x = randn(g, 2, 3, 7, 9)  # (2, 3, 7, 9)
    check_pool(student, "avg", [(x, 2, None), (x, 3, None)])


@exercise("avg_pool2d", points=1, forbid=POOL)
def test_avg_pool2d_pairs(student):
    """With (h, w) kernel and stride pairs, overlapping or not?"""
    g = rng(81)
    x = randn(g, 2, 2, 7, 8)  # (2, 2, 7, 8)
    check_pool(student, "avg", [(x, (2, 3), None), (x, (3, 2), (1, 2)), (x, 2, (2, 1))])


@exercise("avg_pool2d", points=1, forbid=POOL)
def test_avg_pool2d_float32_overlap(student):
    """In float32 (dtype kept), with overlapping 3x3 windows and a (1, 2) kernel?"""
    g = rng(82)
    x = randn(g, 3, 2, 6, 5, dtype=torch.float32)  # (3, 2, 6, 5)
    check_pool(student, "avg", [(x, 3, 1), (x, (1, 2), None)])


# ---------------------------------------------------------------- receptive_field
@functools.cache
def footprint(layers: tuple[tuple[int, int], ...]) -> int:
    """Brute force: stack convolutions with all-ones kernels of these sizes and strides, backprop
    from one central output unit and measure the span of input rows with a non-zero gradient
    (the columns must agree)."""
    jump = math.prod(s for _, s in layers)
    size = sum(k for k, _ in layers) * jump + 3 * jump + 1
    x = torch.zeros(1, 1, size, size, dtype=F64, requires_grad=True)  # (1, 1, L, L)
    h = x
    for k, s in layers:
        h = F.conv2d(h, torch.ones(1, 1, k, k, dtype=F64), stride=s)  # (1, 1, L', L')
    h[0, 0, h.shape[2] // 2, h.shape[3] // 2].backward()
    spans = []
    for dim in (1, 0):
        hit = x.grad[0, 0].abs().sum(dim).nonzero()  # (m, 1) rows/columns touched
        spans.append(int(hit.max() - hit.min()) + 1)
    assert spans[0] == spans[1], spans
    return spans[0]


RF_MISTAKES = [
    ("ignores the strides: a layer after a stride-s layer moves s input pixels per step, so "
     "each (k - 1) is multiplied by the product of the strides of the layers before it",
     lambda layers: 1 + sum(k - 1 for k, _ in layers)),
    ("multiplies each layer's (k - 1) by its own stride too: only the strides of the layers "
     "before it count", lambda layers: 1 + sum((k - 1) * math.prod(s for _, s in layers[:i + 1])
                                               for i, (k, _) in enumerate(layers))),
    ("adds whole kernel sizes: neighbouring windows overlap, so two stacked 3-wide layers see 5 "
     "pixels, not 6", lambda layers: sum(k * math.prod(s for _, s in layers[:i])
                                         for i, (k, _) in enumerate(layers))),
    ("adds whole kernel sizes: neighbouring windows overlap, so two stacked 3-wide layers see 5 "
     "pixels, not 6", lambda layers: sum(k for k, _ in layers)),
    ("multiplies the kernel sizes: stacking adds reach (k - 1 per layer), it does not multiply "
     "it", lambda layers: math.prod(k for k, _ in layers)),
    ("is off by one: with no layers a unit sees 1 pixel, and each layer adds (k - 1) times the "
     "jump", lambda layers: sum((k - 1) * math.prod(s for _, s in layers[:i])
                                for i, (k, _) in enumerate(layers))),
]


def check_rf(student, cases: list[list[tuple[int, int]]]) -> None:
    got = run(student, "receptive_field", [((layers,), {}) for layers in cases])
    want = [footprint(tuple(layers)) for layers in cases]
    for value, layers in zip(got, cases, strict=True):
        if type(value) is not int:
            fail(f"receptive_field({layers}) returned a {quote(wire.type_name(value), 40)}; "
                 "return an int")
    if got == want:
        return
    for feedback, formula in RF_MISTAKES:
        guess = [formula(layers) for layers in cases]
        if guess == got and guess != want:
            fail(f"receptive_field {feedback}")
    bad = [(layers, g) for layers, g, w in zip(cases, got, want, strict=True) if g != w]
    fail(f"receptive_field is wrong for {len(bad)} of {len(cases)} stacks, e.g. "
         f"{bad[0][0]} (you return {bad[0][1]}); it should equal the span of input pixels one "
         "output unit depends on")


@exercise("receptive_field", points=1)
def test_receptive_field_stride_one(student):
    """For stride-1 stacks, is the receptive field 1 + sum of (k - 1)?"""
    check_rf(student, [[(3, 1)], [(3, 1)] * 3, [(5, 1), (3, 1), (1, 1)], [(7, 1), (7, 1)]])


@exercise("receptive_field", points=1)
def test_receptive_field_strides(student):
    """With strides, does each kernel reach as far as the product of the earlier strides?"""
    check_rf(student, [[(3, 2), (3, 2), (3, 1)], [(2, 2)] * 3, [(7, 2), (3, 2), (3, 1), (3, 1)],
                       [(11, 4), (3, 2), (5, 1)]])


@exercise("receptive_field", points=1)
def test_receptive_field_edge_cases(student):
    """No layers, 1x1 kernels, and a kernel smaller than the stride?"""
    check_rf(student, [[], [(1, 1)] * 3, [(1, 2), (3, 1)], [(4, 4), (4, 4)], [(2, 3), (5, 1)]])


# ---------------------------------------------------------------- checkpoint questions
@exercise("q_conv_params", points=1)
def test_q_conv_params(student):
    """How many parameters does nn.Conv2d(3, 16, kernel_size=5) have?"""
    check_answer(student.value("q_conv_params"), "q_conv_params", "fb5677d3a7d48bf5ff8b",
                 digits=0)


@exercise("q_params_image_size", points=1)
def test_q_params_image_size(student):
    """What happens to a conv layer's parameter count when the images get larger?"""
    check_answer(student.value("q_params_image_size"), "q_params_image_size",
                 "d1550d90d1f4149ccc0b")


@exercise("q_vgg_ratio", points=1)
def test_q_vgg_ratio(student):
    """Parameters of three 3x3 layers / one 7x7 layer with the same receptive field?"""
    check_answer(student.value("q_vgg_ratio"), "q_vgg_ratio", "139f7c0dd6af1bfa9df9")


@exercise("q_stride_equivariance", points=1)
def test_q_stride_equivariance(student):
    """What does a 1-pixel shift do to the output of a stride-2 convolution?"""
    check_answer(student.value("q_stride_equivariance"), "q_stride_equivariance",
                 "97d832734e8b7679fdda")
