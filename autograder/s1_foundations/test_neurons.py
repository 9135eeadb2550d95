"""Hidden grader for s1_foundations/neurons: neurons, the perceptron, activations and their
derivatives, gradient norms through depth, devices, checkpoint questions.

Oracles are torch built-ins (and torch.autograd) in float64, computed here; the perceptron is
checked against the reference rule below on grid data (multiples of 1/4), where float32
arithmetic is exact, so any summation order gives the same trajectory."""

import math

import torch

from dlcore.grading import (
    StudentMissing,
    StudentRaised,
    check_number,
    check_tensor,
    exercise,
    fail,
    quote,
    rng,
)
from dlcore.questions import check_answer
from dlcore.untrusted import wire

SIGMOID = ["torch.sigmoid", "torch.sigmoid_", "torch.Tensor.sigmoid", "torch.Tensor.sigmoid_",
           "torch.nn.functional.sigmoid", "torch.special.expit",
           "torch.nn.functional.logsigmoid"]
TANH = ["torch.tanh", "torch.tanh_", "torch.Tensor.tanh", "torch.Tensor.tanh_",
        "torch.nn.functional.tanh", "torch.nn.functional.tanhshrink"]
RELU = ["torch.relu", "torch.relu_", "torch.Tensor.relu", "torch.Tensor.relu_",
        "torch.nn.functional.relu", "torch.nn.functional.relu_", "torch.nn.functional.threshold"]
ACT = SIGMOID + TANH + RELU
AUTOGRAD = ["torch.autograd.grad", "torch.autograd.backward", "torch.Tensor.backward",
            "torch.func.grad", "torch.func.vjp", "torch.autograd.functional.vjp",
            "torch.autograd.functional.jacobian"]
GRAD = ACT + AUTOGRAD  # derivatives are derived by hand, not by autograd
BUILTIN = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}
EXTREMES = [-1e4, -1e3, -100.0, -30.0, -5.0, -1e-3, 0.0, 1e-3, 5.0, 30.0, 100.0, 1e3, 1e4]


# ---------------------------------------------------------------- activations and derivatives
def oracle(name: str, x: torch.Tensor) -> torch.Tensor:
    """float64 value of activation `name`, or of its derivative via torch.autograd."""
    x64 = x.detach().to(torch.float64)
    if not name.endswith("_grad"):
        return BUILTIN[name](x64)
    x64.requires_grad_(True)
    BUILTIN[name.removesuffix("_grad")](x64).sum().backward()
    return x64.grad


def activation_alone_probe(ns, name, x):
    """Call ns[name](x) with the *other* five activation functions swapped for trusted ones, so
    a wrong sigmoid never costs sigmoid_grad or tanh; report errors as data."""
    import traceback

    import torch

    def sigmoid(x):
        z = torch.exp(-x.abs())
        return torch.where(x >= 0, 1 / (1 + z), z / (1 + z))

    def tanh(x):
        return 2 * sigmoid(2 * x) - 1

    trusted = {"sigmoid": sigmoid, "sigmoid_grad": lambda x: sigmoid(x) * sigmoid(-x),
               "tanh": tanh, "tanh_grad": lambda x: 1 - tanh(x) ** 2,
               "relu": lambda x: torch.where(x > 0, x, torch.zeros_like(x)),
               "relu_grad": lambda x: (x > 0).to(x.dtype)}
    if name not in ns:
        return ("missing",)
    saved = {k: ns[k] for k in trusted if k != name and k in ns}
    ns.update({k: f for k, f in trusted.items() if k != name})
    before = x.clone()
    try:
        result = ns[name](x)
        return ("ok", result, bool(torch.equal(x, before)))
    except NotImplementedError:
        return ("stub",)
    except Exception as exc:  # noqa: BLE001 (reported to the student)
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if f.filename.startswith("<cell")]
        where = "".join(f" (at {f.filename[1:-1]}, line {f.lineno}: {(f.line or '').strip()})"
                        for f in frames[-1:])
        return ("raised", f"{type(exc).__name__}: {str(exc)[:300]}{where}")
    finally:
        for k in trusted:
            if k != name:
                ns.pop(k, None)
        ns.update(saved)


def activation_alone(student, name: str, x: torch.Tensor, untouched: bool = False):
    """The student's name(x), graded in isolation from the other activation exercises."""
    reply = student.probe(activation_alone_probe, name, x)
    if reply[0] == "missing":
        raise StudentMissing(f"{name} is not defined")
    if reply[0] == "stub":
        raise StudentRaised(f"{name} is not implemented yet (it raises NotImplementedError)",
                            stub=True)
    if reply[0] == "raised":
        raise StudentRaised(f"{name} raised {quote(reply[1], 160)}")
    return (reply[1], reply[2]) if untouched else reply[1]


def check_values(student, name: str) -> None:
    for seed in (0, 1, 2):
        x = 4 * torch.randn(3, 5, generator=rng(seed))  # (3, 5)
        check_tensor(activation_alone(student, name, x), oracle(name, x),
                     f"{name}(x) for a random float32 x of shape (3, 5) (draw {seed})")


def check_extremes(student, name: str) -> None:
    for dtype in (torch.float32, torch.float64):
        x = torch.tensor(EXTREMES, dtype=dtype)  # (13,)
        check_tensor(activation_alone(student, name, x), oracle(name, x),
                     f"{name}(x) for {str(dtype)[6:]} x with |x| from 0 up to 1e4")


def check_dtypes(student, name: str) -> None:
    for dtype in (torch.float32, torch.float64):
        x = torch.randn(4, 7, generator=rng(3)).to(dtype)  # (4, 7)
        check_tensor(activation_alone(student, name, x), oracle(name, x).to(dtype),
                     f"{name}(x) for {str(dtype)[6:]} x of shape (4, 7)", check_dtype=True)


def check_shapes(student, name: str) -> None:
    for shape in ((2, 3, 4), (6,), (5, 1)):
        x = 3 * torch.randn(*shape, generator=rng(4))
        check_tensor(activation_alone(student, name, x), oracle(name, x),
                     f"{name}(x) for x of shape {shape}")


@exercise("sigmoid", points=1, forbid=ACT)
def test_sigmoid_values(student):
    """Does sigmoid match torch.sigmoid on random (3, 5) inputs, several draws?"""
    check_values(student, "sigmoid")


@exercise("sigmoid", points=1, forbid=ACT)
def test_sigmoid_extremes(student):
    """Is sigmoid finite and right for |x| up to 1e4, in float32 and float64?"""
    check_extremes(student, "sigmoid")


@exercise("sigmoid", points=1, forbid=ACT)
def test_sigmoid_dtype(student):
    """Does sigmoid keep float32 as float32 and float64 as float64?"""
    check_dtypes(student, "sigmoid")


@exercise("sigmoid", points=1, forbid=ACT)
def test_sigmoid_shapes(student):
    """Does sigmoid work elementwise on 3-D, 1-D and column inputs?"""
    check_shapes(student, "sigmoid")


@exercise("sigmoid_grad", points=1, forbid=GRAD)
def test_sigmoid_grad_values(student):
    """Does sigmoid_grad match autograd's derivative of torch.sigmoid on random inputs?"""
    check_values(student, "sigmoid_grad")


@exercise("sigmoid_grad", points=1, forbid=GRAD)
def test_sigmoid_grad_extremes(student):
    """Is sigmoid_grad finite and right for |x| up to 1e4?"""
    check_extremes(student, "sigmoid_grad")


@exercise("sigmoid_grad", points=1, forbid=GRAD)
def test_sigmoid_grad_dtype(student):
    """Does sigmoid_grad keep the input's dtype?"""
    check_dtypes(student, "sigmoid_grad")


@exercise("sigmoid_grad", points=1, forbid=GRAD)
def test_sigmoid_grad_shapes(student):
    """Does sigmoid_grad work elementwise on 3-D, 1-D and column inputs?"""
    check_shapes(student, "sigmoid_grad")


@exercise("tanh", points=1, forbid=ACT)
def test_tanh_values(student):
    """Does tanh match torch.tanh on random (3, 5) inputs, several draws?"""
    check_values(student, "tanh")


@exercise("tanh", points=1, forbid=ACT)
def test_tanh_extremes(student):
    """Is tanh finite and right for |x| up to 1e4 (no inf/inf from e^x)?"""
    check_extremes(student, "tanh")


@exercise("tanh", points=1, forbid=ACT)
def test_tanh_dtype(student):
    """Does tanh keep the input's dtype?"""
    check_dtypes(student, "tanh")


@exercise("tanh", points=1, forbid=ACT)
def test_tanh_shapes(student):
    """Does tanh work elementwise on 3-D, 1-D and column inputs?"""
    check_shapes(student, "tanh")


@exercise("tanh_grad", points=1, forbid=GRAD)
def test_tanh_grad_values(student):
    """Does tanh_grad match autograd's derivative of torch.tanh on random inputs?"""
    check_values(student, "tanh_grad")


@exercise("tanh_grad", points=1, forbid=GRAD)
def test_tanh_grad_extremes(student):
    """Is tanh_grad finite and right for |x| up to 1e4?"""
    check_extremes(student, "tanh_grad")


@exercise("tanh_grad", points=1, forbid=GRAD)
def test_tanh_grad_dtype(student):
    """Does tanh_grad keep the input's dtype?"""
    check_dtypes(student, "tanh_grad")


@exercise("tanh_grad", points=1, forbid=GRAD)
def test_tanh_grad_shapes(student):
    """Does tanh_grad work elementwise on 3-D, 1-D and column inputs?"""
    check_shapes(student, "tanh_grad")


@exercise("relu", points=1, forbid=ACT)
def test_relu_values(student):
    """Does relu match torch.relu on random (3, 5) inputs, several draws?"""
    check_values(student, "relu")


@exercise("relu", points=1, forbid=ACT)
def test_relu_extremes(student):
    """Is relu right for |x| up to 1e4?"""
    check_extremes(student, "relu")


@exercise("relu", points=1, forbid=ACT)
def test_relu_dtype(student):
    """Does relu keep the input's dtype?"""
    check_dtypes(student, "relu")


@exercise("relu", points=1, forbid=ACT)
def test_relu_shapes(student):
    """Does relu work elementwise on 3-D, 1-D and column inputs?"""
    check_shapes(student, "relu")


@exercise("relu", points=1, forbid=ACT)
def test_relu_leaves_input(student):
    """Does relu return a new tensor instead of overwriting its input?"""
    x = torch.randn(4, 6, generator=rng(5))  # (4, 6)
    result, unchanged = activation_alone(student, "relu", x, untouched=True)
    if not unchanged:
        fail("relu changed its input x in place (e.g. x[x < 0] = 0); return a new tensor")
    check_tensor(result, oracle("relu", x), "relu(x) for x of shape (4, 6)")


@exercise("relu_grad", points=1, forbid=GRAD)
def test_relu_grad_values(student):
    """Does relu_grad match autograd's derivative of torch.relu on random inputs?"""
    check_values(student, "relu_grad")


@exercise("relu_grad", points=1, forbid=GRAD)
def test_relu_grad_extremes(student):
    """Is relu_grad right for |x| up to 1e4, including 0?"""
    check_extremes(student, "relu_grad")


@exercise("relu_grad", points=1, forbid=GRAD)
def test_relu_grad_dtype(student):
    """Does relu_grad return floats of the input's dtype (not bool, not always float32)?"""
    check_dtypes(student, "relu_grad")


@exercise("relu_grad", points=1, forbid=GRAD)
def test_relu_grad_shapes(student):
    """Does relu_grad work elementwise on 3-D, 1-D and column inputs?"""
    check_shapes(student, "relu_grad")


@exercise("relu_grad", points=1, forbid=GRAD)
def test_relu_grad_at_zero(student):
    """Is relu_grad(0) == 0, PyTorch's convention at the kink?"""
    x = torch.tensor([[0.0, -0.0, 0.0], [2.0, -2.0, 0.0]])  # (2, 3)
    check_tensor(activation_alone(student, "relu_grad", x), oracle("relu_grad", x),
                 "relu_grad(x) at x = 0 (PyTorch's convention: relu'(0) = 0)")


# ---------------------------------------------------------------- neuron_forward
# Probes that call one exercise's function are named after it: the engine reports a probe's
# errors ("... is not implemented yet", "... raised KeyError") under the probe's name.
def neuron_forward(ns, x, w, b, act_name):
    """Probe: the student's neuron_forward with an activation picked by name in the sandbox."""
    import torch

    acts = {"identity": lambda z: z, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
            "square": lambda z: z * z}
    return ns["neuron_forward"](x, w, b, acts[act_name])


NEURON_ACTS = {"identity": lambda z: z, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
               "square": lambda z: z * z}


def check_neuron(student, n: int, d: int, b, act: str, seed: int,
                 dtype: torch.dtype = torch.float32) -> None:
    g = rng(seed)
    x = torch.randn(n, d, generator=g).to(dtype)  # (N, D)
    w = torch.randn(d, generator=g).to(dtype)  # (D,)
    got = student.probe(neuron_forward, x, w, b, act)
    fn, b64 = NEURON_ACTS[act], float(b)
    z = x.double() @ w.double()  # (N,)
    want = fn(z + b64)  # (N,)
    what = f"neuron_forward(x, w, b, activation={act}) for x {tuple(x.shape)}, w ({d},)"
    if isinstance(got, torch.Tensor) and got.shape == want.shape \
            and not torch.allclose(got.double(), want, rtol=1e-4, atol=1e-5):
        if torch.allclose(got.double(), fn(z) + b64, rtol=1e-4, atol=1e-5):
            fail(f"{what}: the bias is added after the activation; use activation(x @ w + b)")
        if torch.allclose(got.double(), fn(z), rtol=1e-4, atol=1e-5):
            fail(f"{what}: the bias b is missing")
    check_tensor(got, want.to(dtype), what, check_dtype=True)


@exercise("neuron_forward", points=1)
def test_neuron_identity(student):
    """With the identity activation, is the output x @ w + b, shaped (N,)?"""
    check_neuron(student, 6, 4, 0.7, "identity", 10)


@exercise("neuron_forward", points=1)
def test_neuron_sigmoid_tensor_bias(student):
    """Does neuron_forward apply a sigmoid and accept b as a 0-d tensor?"""
    check_neuron(student, 5, 3, torch.tensor(-1.2), "sigmoid", 11)


@exercise("neuron_forward", points=1)
def test_neuron_bias_inside(student):
    """Is the bias added before the nonlinearity (act(z) = z*z tells the two apart)?"""
    check_neuron(student, 7, 2, 1.5, "square", 12)


@exercise("neuron_forward", points=1)
def test_neuron_single_row_float64(student):
    """Does a single row (N = 1) in float64 give a float64 output of shape (1,)?"""
    check_neuron(student, 1, 9, -0.3, "tanh", 13, dtype=torch.float64)


# ---------------------------------------------------------------- perceptron_train
def perceptron_reference(X, y, epochs, lr):
    """w, b start at 0; y_hat = 1 if w.x + b > 0 else 0; on a mistake w += lr (y - y_hat) x."""
    w, b, errors = torch.zeros(X.shape[1], dtype=torch.float64), 0.0, []
    for _ in range(epochs):
        mistakes = 0
        for xi, yi in zip(X.double(), y.double(), strict=True):
            y_hat = 1.0 if float(xi @ w + b) > 0 else 0.0
            if y_hat != float(yi):
                w = w + lr * (float(yi) - y_hat) * xi  # (D,)
                b += lr * (float(yi) - y_hat)
                mistakes += 1
        errors.append(mistakes)
    return w, b, errors


def separable(seed, n, d, margin, offset):
    """Linearly separable grid data (multiples of 1/4), labels in {0, 1}."""
    g = rng(seed)
    sign = torch.randint(0, 2, (d,), generator=g) * 2 - 1
    v = torch.randint(1, 4, (d,), generator=g) * sign  # (D,)
    X = torch.randint(-8, 9, (8 * n, d), generator=g).double() / 4  # (8N, D)
    s = X @ v.double() + offset  # (8N,)
    keep = s.abs() >= margin
    return X[keep][:n].float(), (s[keep][:n] > 0).float()  # (N, D), (N,)


XOR_X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # (4, 2)
XOR_Y = torch.tensor([0.0, 1.0, 1.0, 0.0])  # (4,)


def as_int(v, what):
    if isinstance(v, torch.Tensor) and v.numel() == 1:
        v = v.item()
    if isinstance(v, bool) or not isinstance(v, int | float) or v != int(v):
        fail(f"{what} should hold whole numbers (counts of mistakes), got {wire.type_name(v)}")
    return int(v)


def unpack_perceptron(result, d, epochs):
    """(w, b, errors) from a student's result, with feedback on the structure."""
    if not isinstance(result, tuple | list) or len(result) != 3:
        fail("perceptron_train should return a tuple (w, b, errors_per_epoch), "
             f"got {wire.type_name(result)}")
    w, b, errors = result
    if not isinstance(w, torch.Tensor) or tuple(w.shape) != (d,):
        shape = tuple(w.shape) if isinstance(w, torch.Tensor) else wire.type_name(w)
        fail(f"w should be a tensor of shape ({d},) for X of shape (N, {d}); got {shape}")
    if isinstance(b, torch.Tensor) and b.numel() == 1:
        b = b.item()
    if isinstance(b, bool) or not isinstance(b, int | float):
        fail(f"b should be a number (or a 0-d tensor), got {wire.type_name(b)}")
    if not isinstance(errors, list | tuple):
        fail(f"errors_per_epoch should be a list, got {wire.type_name(errors)}")
    if len(errors) != epochs:
        fail(f"errors_per_epoch has {len(errors)} entries for epochs={epochs}; expected one "
             "count per epoch (run every epoch, no early stopping)")
    return w, float(b), [as_int(e, "errors_per_epoch") for e in errors]


def run_perceptron(student, X, y, epochs, lr):
    return unpack_perceptron(student.perceptron_train(X, y, epochs, lr), X.shape[1], epochs)


def compare_trajectory(result, X, y, epochs, lr, what):
    w, b, errors = result
    w_ref, b_ref, errors_ref = perceptron_reference(X, y, epochs, lr)
    if errors != errors_ref:
        first = next(i for i, (a, r) in enumerate(zip(errors, errors_ref, strict=True)) if a != r)
        fail(f"{what}: errors_per_epoch departs from the perceptron rule at epoch {first} "
             "(w = 0, b = 0 at the start; samples in order; update and count only on "
             "mistakes; y_hat = 1 only if w.x + b > 0)")
    check_tensor(w, w_ref, f"{what}: the final w")
    check_number(b, b_ref, f"{what}: the final b")


@exercise("perceptron_train", points=1, timeout=20)
def test_perceptron_trajectory_2d(student):
    """On separable 2-D data (lr = 1), do w, b and the mistakes per epoch follow the rule?"""
    X, y = separable(1, 24, 2, 0.25, 1.75)  # (24, 2), (24,)
    compare_trajectory(run_perceptron(student, X, y, 8, 1.0), X, y, 8, 1.0,
                       "separable data X (24, 2), lr=1.0")


@exercise("perceptron_train", points=1, timeout=20)
def test_perceptron_trajectory_lr(student):
    """With lr = 0.5 and integer labels, does the trajectory still follow the rule?"""
    X, y = separable(2, 32, 3, 0.25, -1.25)  # (32, 3), (32,)
    y = y.long()  # (32,)
    compare_trajectory(run_perceptron(student, X, y, 10, 0.5), X, y, 10, 0.5,
                       "separable data X (32, 3), int64 y, lr=0.5")


@exercise("perceptron_train", points=1, timeout=20)
def test_perceptron_float64(student):
    """With float64 data, is w float64 (created with X's dtype) and the trajectory right?"""
    X, y = separable(1, 24, 2, 0.25, 1.75)  # (24, 2), (24,)
    X, y = X.double(), y.double()  # (24, 2), (24,)
    result = run_perceptron(student, X, y, 6, 1.0)
    if result[0].dtype != torch.float64:
        fail(f"for float64 X, w has dtype {result[0].dtype}; create w with dtype=X.dtype")
    compare_trajectory(result, X, y, 6, 1.0, "float64 data X (24, 2), lr=1.0")


@exercise("perceptron_train", points=1, timeout=20)
def test_perceptron_converges(student):
    """On separable 4-D data, is the last epoch mistake-free and does (w, b) separate it?"""
    X, y = separable(3, 40, 4, 0.5, 2.25)  # (40, 4), (40,)
    epochs = 25
    w, b, errors = run_perceptron(student, X, y, epochs, 0.25)
    if errors[-1] != 0:
        fail(f"on linearly separable data X (40, 4) the last of {epochs} epochs still counts "
             "mistakes; the perceptron should have converged")
    y_hat = (X.double() @ w.double() + b > 0).double()  # (40,)
    wrong = int((y_hat != y.double()).sum())
    if wrong:
        fail(f"the returned (w, b) misclassify {wrong} of 40 training points of separable "
             "data (predict 1 where w.x + b > 0)")


@exercise("perceptron_train", points=1, timeout=20)
def test_perceptron_xor(student):
    """On XOR, does every one of the epochs count mistakes (it is not separable)?"""
    result = run_perceptron(student, XOR_X, XOR_Y, 15, 1.0)
    if min(result[2]) <= 0:
        fail("on XOR (not linearly separable) an epoch reports no mistakes; count each "
             "misclassified sample once (a count, never negative)")
    compare_trajectory(result, XOR_X, XOR_Y, 15, 1.0, "XOR data (4, 2), lr=1.0")


# ---------------------------------------------------------------- gradient_norms
def gradient_norms(ns, weights, act_name, x):
    """Probe: the student's gradient_norms with torch's activation picked by name."""
    import torch

    acts = {"sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh}
    return ns["gradient_norms"](weights, acts[act_name], x)


def norms_oracle(weights, act_name, x):
    h = x.double().requires_grad_(True)  # (N, D_0)
    inputs = []
    for W in weights:  # W: (D_out, D_in)
        inputs.append(h)
        h = BUILTIN[act_name](h @ W.double().T)  # (N, D_out)
    return [float(g.norm()) for g in torch.autograd.grad(h.sum(), inputs)]


def as_float(v, i):
    if isinstance(v, torch.Tensor) and v.numel() == 1:
        v = v.item()
    if isinstance(v, bool) or not isinstance(v, int | float):
        fail(f"gradient_norms entry {i} should be a float (use .item()), "
             f"got {wire.type_name(v)}")
    return float(v)


def close(a, b, rtol=1e-3):
    return all(math.isfinite(u) and abs(u - v) <= rtol * abs(v) + 1e-30
               for u, v in zip(a, b, strict=True))


def check_norms(student, sizes, act, n, seed):
    g = rng(seed)
    weights = [torch.randn(o, i, generator=g) * math.sqrt(2 / i)  # (D_out, D_in)
               for i, o in zip(sizes[:-1], sizes[1:], strict=True)]
    x = torch.randn(n, sizes[0], generator=g)  # (N, D_0)
    got = student.probe(gradient_norms, weights, act, x)
    want = norms_oracle(weights, act, x)
    what = (f"gradient_norms for a {len(weights)}-layer {act} net with sizes {sizes}, "
            f"x ({n}, {sizes[0]})")
    if not isinstance(got, list | tuple):
        fail(f"{what} should return a list of floats, got {wire.type_name(got)}")
    if len(got) != len(want):
        fail(f"{what} returned {len(got)} values; expected one per layer ({len(want)}): the "
             "gradient w.r.t. each layer's input, not its output")
    got = [as_float(v, i) for i, v in enumerate(got)]
    if len(got) > 1 and close(got[::-1], want) and not close(got, want):
        fail(f"{what}: the list is in reverse order; element 0 must be the norm of "
             "dloss/dx (the first layer's input)")
    for i, (u, v) in enumerate(zip(got, want, strict=True)):
        if not (math.isfinite(u) and abs(u - v) <= 1e-3 * abs(v) + 1e-30):
            fail(f"{what}: entry {i} (the gradient w.r.t. the input of layer {i}) is off by a "
                 f"relative {abs(u - v) / max(abs(v), 1e-30):.1e}")


@exercise("gradient_norms", points=1)
def test_gradient_norms_single_layer(student):
    """For one sigmoid layer, is the value the norm of d(sum of outputs)/dx?"""
    check_norms(student, [4, 6], "sigmoid", 5, 20)


@exercise("gradient_norms", points=1)
def test_gradient_norms_relu(student):
    """For a 3-layer ReLU net with non-square weights, are all norms right and in order?"""
    check_norms(student, [5, 7, 4, 3], "relu", 6, 21)


@exercise("gradient_norms", points=1)
def test_gradient_norms_sigmoid_deep(student):
    """For a 6-layer sigmoid net, where the norms vanish toward the input, is each right?"""
    check_norms(student, [8, 12, 10, 9, 11, 7, 5], "sigmoid", 4, 22)


@exercise("gradient_norms", points=1)
def test_gradient_norms_tanh(student):
    """For 4-layer tanh nets, two draws, are all norms right?"""
    for seed in (23, 24):
        check_norms(student, [3, 9, 6, 8, 2], "tanh", 7, seed)


# ---------------------------------------------------------------- get_device
def get_device(ns, mps, cuda, env):
    """Probe: the student's get_device with mps/cuda availability and $DLCORE_DEVICE faked
    (all restored afterwards); returns (type name, device type)."""
    import os

    import torch

    saved = (torch.backends.mps.is_available, torch.cuda.is_available,
             os.environ.get("DLCORE_DEVICE"))
    torch.backends.mps.is_available = lambda: mps
    torch.cuda.is_available = lambda: cuda
    if env is None:
        os.environ.pop("DLCORE_DEVICE", None)
    else:
        os.environ["DLCORE_DEVICE"] = env
    try:
        device = ns["get_device"]()
        kind = device.type if isinstance(device, torch.device) else None
        return type(device).__name__, kind
    finally:
        torch.backends.mps.is_available, torch.cuda.is_available = saved[:2]
        if saved[2] is None:
            os.environ.pop("DLCORE_DEVICE", None)
        else:
            os.environ["DLCORE_DEVICE"] = saved[2]


def check_device(student, mps, cuda, env, want):
    tname, kind = student.probe(get_device, mps, cuda, env)
    setting = "unset" if env is None else f"'{env}'"
    situation = (f"with mps {'available' if mps else 'unavailable'}, cuda "
                 f"{'available' if cuda else 'unavailable'} and DLCORE_DEVICE {setting}")
    if tname != "device":
        fail(f"get_device() should return a torch.device, got {tname} ({situation})")
    if kind != want:
        fail(f"get_device() returned a {kind} device {situation}")


@exercise("get_device", points=1)
def test_get_device_prefers_mps(student):
    """With mps and cuda both available and no override, is mps chosen?"""
    check_device(student, True, True, None, "mps")


@exercise("get_device", points=1)
def test_get_device_cuda(student):
    """Without mps but with cuda, is cuda chosen?"""
    check_device(student, False, True, None, "cuda")


@exercise("get_device", points=1)
def test_get_device_cpu(student):
    """With no accelerator, is the cpu chosen?"""
    check_device(student, False, False, None, "cpu")


@exercise("get_device", points=1)
def test_get_device_env_override(student):
    """Does DLCORE_DEVICE override the automatic choice?"""
    check_device(student, True, True, "cpu", "cpu")
    check_device(student, True, True, "cuda", "cuda")


# ---------------------------------------------------------------- to_device
def to_device(ns, which, device, as_object):
    """Probe: move test batch `which` with the student's to_device (or a reference passed in
    `ns`) and describe the result: containers, and each tensor's device, dtype and shape."""
    import torch

    def describe(obj):
        if isinstance(obj, torch.Tensor):
            return ("tensor", obj.device.type, str(obj.dtype), tuple(obj.shape))
        if isinstance(obj, dict):
            return ("dict", [(k, describe(v)) for k, v in obj.items()])
        if isinstance(obj, list | tuple):
            return (type(obj).__name__, [describe(v) for v in obj])
        return ("value", type(obj).__name__, repr(obj))

    t = torch.arange(6.0).reshape(2, 3)  # (2, 3)
    batches = {
        "tensor": t,
        "pair": (t, torch.tensor([1, 0])),
        "lists": [t, [t.T, t[0]], (t[:, 0],)],
        "dict": {"image": t, "label": torch.tensor(3), "id": 7, "name": "cat", "mask": None},
        "nested": ({"a": [t, (t, None)], "b": "text"}, [1.5, t, {"c": (t,)}]),
    }
    return describe(ns["to_device"](batches[which], torch.device(device) if as_object else device))


def to_device_reference(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: to_device_reference(v, device) for k, v in batch.items()}
    if isinstance(batch, list | tuple):
        return type(batch)(to_device_reference(v, device) for v in batch)
    return batch


def first_difference(got, want, path="batch"):
    """A student-facing description of the first place `got` departs from `want`, or None."""
    if not isinstance(got, tuple | list) or len(got) < 2:
        return f"{path} came back as something unexpected"
    kind, wkind = got[0], want[0]
    if kind != wkind:
        if wkind == "tensor":
            return f"{path} should be a tensor moved to the device, got a {kind}"
        if wkind == "value":
            return f"{path} ({want[1]}) should be returned unchanged, got a {kind}"
        return f"{path} should stay a {wkind}, got a {kind}"
    if kind == "tensor":
        if got[1] != want[1]:
            return f"{path} is still on {got[1]}; every tensor must be moved"
        if tuple(got[2:]) != tuple(want[2:]):
            return f"{path} changed its dtype or shape; .to(device) keeps both"
        return None
    if kind == "value":
        return None if got == want else f"{path} ({want[1]}) should be returned unchanged"
    if len(got[1]) != len(want[1]):
        return f"{path} has {len(got[1])} items; expected {len(want[1])} (keep every item)"
    for i, (g, w) in enumerate(zip(got[1], want[1], strict=True)):
        if kind == "dict":
            if g[0] != w[0]:
                return f"{path} has key {g[0]!r} where key {w[0]!r} was (keep the keys)"
            diff = first_difference(g[1], w[1], f"{path}[{w[0]!r}]")
        else:
            diff = first_difference(g, w, f"{path}[{i}]")
        if diff:
            return diff
    return None


def check_moved(student, which, as_object=False):
    got = student.probe(to_device, which, "meta", as_object)
    want = to_device({"to_device": to_device_reference}, which, "meta", as_object)
    diff = first_difference(got, want)
    if diff:
        device = "torch.device('meta')" if as_object else "'meta'"
        fail(f"to_device({which} batch, {device}): {diff}")


@exercise("to_device", points=1)
def test_to_device_tensor(student):
    """Is a lone tensor moved (to the 'meta' device, which shows any tensor left behind)?"""
    check_moved(student, "tensor")


@exercise("to_device", points=1)
def test_to_device_tuple_and_lists(student):
    """Do an (inputs, targets) tuple and nested lists keep their container types?"""
    check_moved(student, "pair", as_object=True)
    check_moved(student, "lists")


@exercise("to_device", points=1)
def test_to_device_dict(student):
    """Does a dict batch keep its keys, move its tensors and leave ints, strings, None as is?"""
    check_moved(student, "dict")


@exercise("to_device", points=1)
def test_to_device_nested(student):
    """Is every tensor in a deeply nested tuple/list/dict structure moved?"""
    check_moved(student, "nested")


@exercise("to_device", points=1)
def test_to_device_cpu_values(student):
    """Moving to 'cpu', are values and dtypes (float64, int64, bool) unchanged?"""
    g = rng(30)
    batch = {"x": torch.randn(3, 4, generator=g, dtype=torch.float64),  # (3, 4)
             "y": (torch.randint(0, 5, (3,), generator=g), torch.tensor([True, False, True]))}
    got = student.to_device(batch, "cpu")
    if not isinstance(got, dict) or set(got) != {"x", "y"} or not isinstance(got["y"], tuple) \
            or len(got["y"]) != 2:
        fail("to_device({'x': tensor, 'y': (tensor, tensor)}, 'cpu') should return a dict "
             "with the same keys and a 2-tuple under 'y'")
    for what, a, b in (("x", got["x"], batch["x"]), ("y[0]", got["y"][0], batch["y"][0]),
                       ("y[1]", got["y"][1], batch["y"][1])):
        check_tensor(a, b, f"to_device(batch, 'cpu')[{what}] ({str(b.dtype)[6:]})",
                     rtol=0, atol=0, check_dtype=True)


# ---------------------------------------------------------------- checkpoint questions
@exercise("q_linear_stack", points=1)
def test_q_linear_stack(student):
    """What does a stack of linear layers without activations compute?"""
    check_answer(student.value("q_linear_stack"), "q_linear_stack", "9a1d135a84dbfdbcff64")


@exercise("q_sigmoid_grad0", points=1)
def test_q_sigmoid_grad0(student):
    """What is sigma'(0)?"""
    check_answer(student.value("q_sigmoid_grad0"), "q_sigmoid_grad0", "7931f8f62a1faaccab36")


@exercise("q_vanishing", points=1)
def test_q_vanishing(student):
    """Which activation keeps the gradient norms of the deep net from vanishing?"""
    check_answer(student.value("q_vanishing"), "q_vanishing", "e248735f08a906ff44f1")
