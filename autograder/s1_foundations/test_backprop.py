"""Hidden grader for s1_foundations/backprop: gradients by hand, a gradient checker, and a
scalar autograd engine, all compared with torch autograd in float64 computed here."""

import math
import operator

import torch
import torch.nn.functional as F

from dlcore.grading import check_number, check_tensor, check_type, exercise, fail, rng
from dlcore.questions import check_answer
from dlcore.untrusted import wire

AUTOGRAD = ["torch.Tensor.backward", "torch.autograd.backward", "torch.autograd.grad",
            "torch.autograd.functional.jacobian", "torch.autograd.functional.vjp",
            "torch.func.grad", "torch.func.grad_and_value", "torch.func.vjp",
            "torch.func.jacrev"]
LINEAR = ["torch.nn.functional.linear"]
F64 = torch.float64
NG_RTOL, NG_ATOL = 1e-5, 1e-7  # numerical_gradient (float64, central differences)
V_RTOL, V_ATOL = 1e-6, 1e-9  # Value (Python floats)


def copies(*args: object) -> list:
    """Fresh copies of the tensors we send: tensors pickled to the sandbox may share memory
    with ours (torch's multiprocessing reducers), so a student's in-place edit must never reach
    an oracle's input."""
    def fresh(a: object) -> object:
        if isinstance(a, torch.Tensor):
            return a.clone()
        return {k: fresh(v) for k, v in a.items()} if isinstance(a, dict) else a
    return [fresh(a) for a in args]


def randn(g: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=g, dtype=F64)


def named(shape: tuple, dims: dict[str, int]) -> str:
    """(4, 3) with dims N=5, D=4, M=3 -> '(D, M) = (4, 3)'; plain numbers if ambiguous."""
    shape = tuple(int(s) for s in shape)
    names = {v: [k for k in dims if dims[k] == v] for v in dims.values()}
    if not shape or any(len(names.get(s, [])) != 1 for s in shape):
        return str(shape)
    sym = ", ".join(names[s][0] for s in shape) + ("," if len(shape) == 1 else "")
    return f"({sym}) = {shape}"


def check_grad(got: object, expected: torch.Tensor, what: str, dims: dict[str, int],
               note: str = "") -> None:
    """Shape first (in the dimension names), then values."""
    if isinstance(got, torch.Tensor) and tuple(got.shape) != tuple(expected.shape):
        fail(f"{what} has shape {named(got.shape, dims)}; expected "
             f"{named(expected.shape, dims)}{note}")
    check_tensor(got, expected, what)


def sizes(dims: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in dims.items())


def unpack(result: object, n: int, what: str) -> tuple:
    if not isinstance(result, tuple | list) or len(result) != n:
        size = f" of length {len(result)}" if isinstance(result, tuple | list) else ""
        fail(f"{what}; got {wire.type_name(result)}{size}")
    return tuple(result)


# --------------------------------------------------------------------------- numerical_gradient

def numgrad_of(ns, f_name, x, h=None):
    """Sandbox probe: the student's numerical_gradient of a named scalar f at x, and x after."""
    import torch

    shape = tuple(x.shape)

    def f(t):
        if tuple(t.shape) != shape:
            raise ValueError(f"f expects a tensor shaped like x {shape}, got {tuple(t.shape)}")
        v = t.reshape(-1)
        if f_name == "sum_sin":
            return torch.sin(t).sum()
        if f_name == "quadratic_form":
            i = torch.arange(v.numel(), dtype=t.dtype, device=t.device)
            A = torch.cos(0.7 * i[:, None] - 0.3 * i[None, :]) + 0.1 * i[:, None]  # (n, n)
            return v @ A @ v
        if f_name == "logsumexp":
            return torch.logsumexp(2.0 * v, dim=0)
        raise ValueError(f"unknown function {f_name}")

    fn = ns["numerical_gradient"]
    grad = fn(f, x) if h is None else fn(f, x, h=h)
    return grad, x


def autograd_gradient(f, x, h=None):
    """The oracle, run in the grader in place of the student's function."""
    x = x.detach().clone().requires_grad_()
    return torch.autograd.grad(f(x), x)[0]


def check_numgrad(student, f_name: str, x: torch.Tensor, h: float | None = None,
                  hint: str = "", check_dtype: bool = False) -> None:
    want, _ = numgrad_of({"numerical_gradient": autograd_gradient}, f_name, x)
    grad, _ = student.probe(numgrad_of, *copies(f_name, x, h))
    step = "the default h" if h is None else f"h = {h:g}"
    check_tensor(grad, want, f"numerical gradient of {f_name} at x of shape {tuple(x.shape)} "
                 f"with {step}{hint}", rtol=NG_RTOL, atol=NG_ATOL, check_dtype=check_dtype)


@exercise("numerical_gradient", points=1, forbid=AUTOGRAD)
def test_numgrad_leaves_x_unchanged(student):
    """Is the caller's x left exactly as it was?"""
    g = rng(102)
    for f_name, x, h in [("quadratic_form", randn(g, 3, 4), 0.1), ("sum_sin", randn(g, 2, 3, 2),
                                                                   None)]:
        _, after = student.probe(numgrad_of, *copies(f_name, x, h))
        check_type(after, torch.Tensor, "x")
        changed = int((~torch.isclose(after.double(), x, rtol=1e-12, atol=1e-12)).sum())
        if changed:
            fail(f"numerical_gradient changed {changed} of {x.numel()} entries of its input x "
                 f"(shape {tuple(x.shape)}): perturb a copy, or restore every entry")


@exercise("numerical_gradient", points=1, forbid=AUTOGRAD)
def test_numgrad_2d(student):
    """Does it match the analytic gradient for non-square 2-D x (float64, default h)?"""
    g = rng(100)
    check_numgrad(student, "sum_sin", randn(g, 3, 5))
    check_numgrad(student, "logsumexp", randn(g, 4, 6))


@exercise("numerical_gradient", points=1, forbid=AUTOGRAD)
def test_numgrad_any_shape(student):
    """Does it perturb every element of a 3-D and a 1-D x?"""
    g = rng(101)
    check_numgrad(student, "quadratic_form", randn(g, 2, 3, 4))
    check_numgrad(student, "logsumexp", randn(g, 7))


@exercise("numerical_gradient", points=1, forbid=AUTOGRAD)
def test_numgrad_central(student):
    """Is it a central difference (accurate to O(h^2) with h = 1e-3 on a curved f)?"""
    check_numgrad(student, "sum_sin", randn(rng(103), 4, 3), h=1e-3,
                  hint=" (a central difference (f(x+h) - f(x-h)) / 2h is accurate to O(h^2))")


@exercise("numerical_gradient", points=1, forbid=AUTOGRAD)
def test_numgrad_uses_h(student):
    """Is the step h that is passed in the one used?"""
    h = 0.1
    x = randn(rng(104), 2, 5)  # (2, 5)
    grad, _ = student.probe(numgrad_of, *copies("sum_sin", x, h))
    want = x.cos() * math.sin(h) / h  # exactly what central differences with this h give
    check_tensor(grad, want, "numerical gradient of sum(sin(x)) with h = 0.1 passed "
                 "explicitly (use the h argument)", rtol=1e-6, atol=1e-9)


@exercise("numerical_gradient", points=1, forbid=AUTOGRAD)
def test_numgrad_shape_and_dtype(student):
    """Is the result shaped like x, with x's dtype, on further draws?"""
    g = rng(105)
    for shape in [(5, 2), (3, 1, 4), (1, 6)]:
        check_numgrad(student, "quadratic_form", randn(g, *shape), check_dtype=True)


# --------------------------------------------------------------------------- linear_forward

def linear_inputs(seed: int, N: int, D: int, M: int, dtype=torch.float32):
    g = rng(seed)
    return (randn(g, N, D).to(dtype), randn(g, M, D).to(dtype), randn(g, M).to(dtype),
            dict(N=N, D=D, M=M))


@exercise("linear_forward", points=1, forbid=LINEAR)
def test_linear_forward_values(student):
    """Is out = x @ W.T + b, shape (N, M), on a non-square batch?"""
    x, W, b, dims = linear_inputs(0, 5, 4, 3)
    want = x.double() @ W.double().T + b.double()  # (N, M)
    check_grad(student.linear_forward(*copies(x, W, b)), want,
               f"linear_forward(x, W, b) with {sizes(dims)}", dims)


@exercise("linear_forward", points=1, forbid=LINEAR)
def test_linear_forward_draws(student):
    """Does it hold for other sizes and draws?"""
    for seed, (N, D, M) in enumerate([(7, 2, 6), (3, 9, 4), (1, 5, 2)], start=1):
        x, W, b, dims = linear_inputs(seed, N, D, M)
        want = x.double() @ W.double().T + b.double()  # (N, M)
        check_grad(student.linear_forward(*copies(x, W, b)), want,
                   f"linear_forward(x, W, b) with {sizes(dims)}", dims)


@exercise("linear_forward", points=1, forbid=LINEAR)
def test_linear_forward_float64(student):
    """Does a float64 input give a float64 result at full precision?"""
    x, W, b, dims = linear_inputs(4, 6, 3, 5, dtype=F64)
    want = x @ W.T + b  # (N, M) float64
    check_tensor(student.linear_forward(*copies(x, W, b)), want,
                 f"linear_forward on float64 inputs ({sizes(dims)})", rtol=1e-10, atol=1e-12,
                 check_dtype=True)


# --------------------------------------------------------------------------- linear_backward

def linear_oracle(dout, x, W):
    x, W = x.detach().double().requires_grad_(), W.detach().double().requires_grad_()
    b = torch.zeros(W.shape[0], dtype=F64, requires_grad=True)
    return torch.autograd.grad(x @ W.T + b, (x, W, b), dout.double())


def linear_backward_case(student, seed: int, N: int, D: int, M: int):
    g = rng(seed)
    dout, x, W = randn(g, N, M), randn(g, N, D), randn(g, M, D)
    want = linear_oracle(dout, x, W)  # (dx, dW, db)
    got = unpack(student.linear_backward(*copies(dout, x, W)), 3,
                 "linear_backward should return a tuple (dx, dW, db)")
    return got, want, dict(N=N, D=D, M=M)


DB_NOTE = " (every example adds to the same bias: sum dout over the batch, dim 0)"


@exercise("linear_backward", points=1, forbid=AUTOGRAD)
def test_linear_backward_dx(student):
    """Is dx = dout @ W with the shape of x, (N, D)?"""
    got, want, dims = linear_backward_case(student, 10, 5, 4, 3)
    check_grad(got[0], want[0], f"dx ({sizes(dims)})", dims, " like x")


@exercise("linear_backward", points=1, forbid=AUTOGRAD)
def test_linear_backward_dW(student):
    """Is dW = dout.T @ x with the shape of W, (M, D)?"""
    got, want, dims = linear_backward_case(student, 11, 5, 4, 3)
    check_grad(got[1], want[1], f"dW ({sizes(dims)})", dims, " like nn.Linear.weight")


@exercise("linear_backward", points=1, forbid=AUTOGRAD)
def test_linear_backward_db(student):
    """Is db = dout summed over the batch, shape (M,)?"""
    got, want, dims = linear_backward_case(student, 12, 5, 4, 3)
    check_grad(got[2], want[2], f"db ({sizes(dims)})", dims, DB_NOTE)


@exercise("linear_backward", points=1, forbid=AUTOGRAD)
def test_linear_backward_draws(student):
    """Are dx, dW and db right for other sizes and draws?"""
    for seed, (N, D, M) in enumerate([(2, 7, 5), (8, 3, 6), (6, 1, 4)], start=13):
        got, want, dims = linear_backward_case(student, seed, N, D, M)
        for name, g, w in zip(("dx", "dW", "db"), got, want, strict=True):
            check_grad(g, w, f"{name} ({sizes(dims)})", dims)


# --------------------------------------------------------------------------- relu_backward

def away_from_zero(g: torch.Generator, *shape: int) -> torch.Tensor:
    x = randn(g, *shape)
    return x + 0.1 * torch.where(x >= 0, 1.0, -1.0).to(F64)  # |x| >= 0.1: no kinks


@exercise("relu_backward", points=1, forbid=AUTOGRAD)
def test_relu_backward_values(student):
    """Is dx = dout * 1[x > 0] on a non-square batch?"""
    g = rng(20)
    x, dout = away_from_zero(g, 4, 7), randn(g, 4, 7)
    want = dout * (x > 0)  # (4, 7)
    check_tensor(student.relu_backward(*copies(dout, x)), want, "relu_backward(dout, x) for x "
                 "(4, 7)")


@exercise("relu_backward", points=1, forbid=AUTOGRAD)
def test_relu_backward_at_zero(student):
    """Is relu'(0) = 0 where x is exactly zero?"""
    g = rng(21)
    x, dout = away_from_zero(g, 5, 6), randn(g, 5, 6)
    x[torch.rand(5, 6, generator=g) < 0.35] = 0.0  # exact zeros, as after a ReLU
    want = dout * (x > 0)  # (5, 6)
    got = student.relu_backward(*copies(dout, x))
    if isinstance(got, torch.Tensor) and got.shape == want.shape:
        wrong = ~torch.isclose(got.double(), want, rtol=1e-6, atol=1e-9)
        if wrong.any() and bool((x[wrong] == 0).all()):
            fail("relu_backward is wrong where x == 0: relu'(0) = 0 (as in torch), so no "
                 "gradient flows through exact zeros")
    check_tensor(got, want, "relu_backward(dout, x) for x (5, 6) with exact zeros")


@exercise("relu_backward", points=1, forbid=AUTOGRAD)
def test_relu_backward_any_shape(student):
    """Does it work elementwise for 3-D and 1-D inputs?"""
    g = rng(22)
    for shape in [(2, 3, 5), (9,)]:
        x, dout = away_from_zero(g, *shape), randn(g, *shape)
        want = dout * (x > 0)
        check_tensor(student.relu_backward(*copies(dout, x)), want,
                     f"relu_backward(dout, x) for x {shape}")


# --------------------------------------------------------------------------- softmax CE

def sce_oracle(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    z = logits.detach().double().requires_grad_()
    return torch.autograd.grad(F.cross_entropy(z, targets), z)[0]


def check_sce(student, logits: torch.Tensor, targets: torch.Tensor, what: str) -> None:
    want = sce_oracle(logits, targets)  # (N, C)
    got = student.softmax_cross_entropy_backward(*copies(logits, targets))
    N, C = logits.shape
    dims = dict(N=N, C=C)
    if (isinstance(got, torch.Tensor) and got.shape == want.shape
            and torch.allclose(got.double(), want * N, rtol=1e-4, atol=1e-6)):
        fail(f"{what}: this is the gradient of the summed loss; the mean cross-entropy "
             "divides it by N")
    check_grad(got, want, what, dims)


@exercise("softmax_cross_entropy_backward", points=1, forbid=AUTOGRAD)
def test_sce_values(student):
    """Is dlogits = (softmax - onehot) / N for N != C?"""
    g = rng(30)
    logits, targets = randn(g, 6, 4), torch.randint(0, 4, (6,), generator=g)
    check_sce(student, logits, targets, "dlogits for logits (N, C) = (6, 4)")


@exercise("softmax_cross_entropy_backward", points=1, forbid=AUTOGRAD)
def test_sce_draws(student):
    """Does it hold for other sizes and draws?"""
    g = rng(31)
    for N, C in [(3, 10), (9, 2), (5, 7)]:
        logits, targets = 3 * randn(g, N, C), torch.randint(0, C, (N,), generator=g)
        check_sce(student, logits, targets, f"dlogits for logits (N, C) = ({N}, {C})")


@exercise("softmax_cross_entropy_backward", points=1, forbid=AUTOGRAD)
def test_sce_extreme_logits(student):
    """Is it stable (no NaN/inf) for logits of +-1e4?"""
    g = rng(32)
    logits = randn(g, 5, 3)  # (5, 3)
    logits[0, 0], logits[1, 2], logits[2, 1], logits[2, 2] = 1e4, -1e4, 1e4, 1e4
    logits[3] = torch.tensor([-1e4, 1e4, -1e4], dtype=F64)
    logits[4, 1] = 1e4
    targets = torch.tensor([0, 1, 2, 0, 2])  # (5,): some targets far below the top logit
    check_sce(student, logits, targets, "dlogits for logits of magnitude up to 1e4")


# --------------------------------------------------------------------------- mlp_gradients

KEYS = ("W1", "b1", "W2", "b2")


def mlp_inputs(seed: int, N: int, D: int, H: int, C: int):
    g = rng(seed)
    params = {"W1": randn(g, H, D), "b1": 0.5 * randn(g, H), "W2": randn(g, C, H),
              "b2": randn(g, C)}
    x, y = randn(g, N, D), torch.randint(0, C, (N,), generator=g)
    return params, x, y, dict(N=N, D=D, H=H, C=C)


def mlp_oracle(params: dict, x: torch.Tensor, y: torch.Tensor):
    p = {k: params[k].detach().double().requires_grad_() for k in KEYS}
    hidden = (x.double() @ p["W1"].T + p["b1"]).relu()  # (N, H)
    loss = F.cross_entropy(hidden @ p["W2"].T + p["b2"], y)
    return float(loss), dict(zip(KEYS, torch.autograd.grad(loss, [p[k] for k in KEYS]),
                                 strict=True))


def mlp_case(student, seed: int, N: int, D: int, H: int, C: int):
    params, x, y, dims = mlp_inputs(seed, N, D, H, C)
    want = mlp_oracle(params, x, y)  # (loss, grads)
    loss, grads = unpack(student.mlp_gradients(*copies(params, x, y)), 2,
                         "mlp_gradients should return a tuple (loss, grads)")
    check_type(grads, dict, "grads (the second value mlp_gradients returns)")
    missing = [k for k in KEYS if k not in grads]
    if missing:
        fail(f"grads lacks the key(s) {missing}; use the same keys as params")
    return loss, grads, want, dims


def check_mlp_grads(grads: dict, want: dict, keys: tuple, dims: dict[str, int]) -> None:
    for k in keys:
        check_grad(grads[k], want[k], f"grads['{k}'] ({sizes(dims)})", dims,
                   f" like params['{k}']")


@exercise("mlp_gradients", points=1, forbid=AUTOGRAD)
def test_mlp_loss(student):
    """Is the loss the mean cross-entropy of the ReLU MLP?"""
    loss, _, (want, _), dims = mlp_case(student, 40, 7, 5, 6, 3)
    check_number(loss, want, f"loss ({sizes(dims)})")


@exercise("mlp_gradients", points=1, forbid=AUTOGRAD)
def test_mlp_output_layer(student):
    """Are grads['W2'] and grads['b2'] right?"""
    _, grads, (_, want), dims = mlp_case(student, 41, 7, 5, 6, 3)
    check_mlp_grads(grads, want, ("W2", "b2"), dims)


@exercise("mlp_gradients", points=1, forbid=AUTOGRAD)
def test_mlp_hidden_layer(student):
    """Are grads['W1'] and grads['b1'] right (through the ReLU)?"""
    _, grads, (_, want), dims = mlp_case(student, 42, 7, 5, 6, 3)
    check_mlp_grads(grads, want, ("W1", "b1"), dims)


@exercise("mlp_gradients", points=1, forbid=AUTOGRAD)
def test_mlp_draws(student):
    """Are the loss and all gradients right for other sizes and draws?"""
    for seed, (N, D, H, C) in enumerate([(11, 3, 8, 4), (4, 9, 2, 5)], start=43):
        loss, grads, (want_loss, want), dims = mlp_case(student, seed, N, D, H, C)
        check_number(loss, want_loss, f"loss ({sizes(dims)})")
        check_mlp_grads(grads, want, KEYS, dims)


# --------------------------------------------------------------------------- Value

def value_expression(ns, inputs, program):
    """Sandbox probe: evaluate `program` with the student's Value; out.data and input grads."""
    import operator

    Value = ns["Value"]
    binary = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
              "div": operator.truediv}
    nodes = [Value(v) for v in inputs]
    leaves = list(nodes)
    for op, a, b in program:
        x = nodes[a]
        if op in binary:
            out = binary[op](x, nodes[b])
        elif op.endswith("_num"):  # node op number
            out = binary[op[:-4]](x, b)
        elif op.startswith("num_"):  # number op node
            out = binary[op[4:]](b, x)
        elif op == "pow":
            out = x ** b
        elif op == "neg":
            out = -x
        else:  # tanh, relu, exp
            out = getattr(x, op)()
        nodes.append(out)
    nodes[-1].backward()
    grads = [0.0 if v.grad is None else float(v.grad) for v in leaves]
    return float(nodes[-1].data), grads


def torch_leaf(v: float) -> torch.Tensor:
    return torch.tensor(float(v), dtype=F64, requires_grad=True)


SYMBOL = {"add": " + ", "sub": " - ", "mul": "*", "div": "/"}


def wrap(s: str, chars: str) -> str:
    return f"({s})" if s.startswith("-") or any(c in s for c in chars) else s


def infix(op: str, left: str, right: str) -> str:
    """'left op right' with the parentheses that precedence needs."""
    if op == "add":
        return f"{left} + {wrap(right, ' ')}"
    if op == "sub":
        return f"{left} - {wrap(right, ' ')}"
    return f"{wrap(left, ' ')}{SYMBOL[op]}{wrap(right, ' */')}"


class Expr:
    """A Value program: each call appends one op and returns the index of the new node."""

    def __init__(self, *inputs: float, name: str = "") -> None:
        self.inputs, self.ops, self.name = list(inputs), [], name
        self.text = [f"x{i}" for i in range(len(inputs))]

    def __call__(self, op: str, a: int, b: float | int | None = None) -> int:
        self.ops.append((op, a, b))
        A = self.text[a]
        if op in SYMBOL:
            t = infix(op, A, self.text[b])
        elif op.endswith("_num"):
            t = infix(op[:-4], A, f"{b:g}")
        elif op.startswith("num_"):
            t = infix(op[4:], f"{b:g}", A)
        elif op == "pow":
            t = f"{wrap(A, ' */')}**{b:g}"
        elif op == "neg":
            t = f"-{wrap(A, ' ')}"
        else:
            t = f"{wrap(A, ' */')}.{op}()"
        self.text.append(t)
        return len(self.text) - 1

    def describe(self) -> str:
        text = self.text[-1]
        return self.name or (text if len(text) <= 70 else f"a graph of {len(self.ops)} "
                             "operations")


def check_value(student, e: Expr, hint: str = "") -> None:
    data, grads = student.probe(value_expression, e.inputs, e.ops)
    want_data, want_grads = value_expression({"Value": torch_leaf}, e.inputs, e.ops)
    desc = e.describe()
    inputs = ", ".join(f"x{i} = {v:g}" for i, v in enumerate(e.inputs))
    check_number(data, want_data, f"out.data for out = {desc} ({inputs})", rtol=V_RTOL,
                 atol=V_ATOL)
    for i, (got, want) in enumerate(zip(grads, want_grads, strict=True)):
        if not abs(got - want) <= V_ATOL + V_RTOL * abs(want):
            fail(f"x{i}.grad is wrong for out = {desc} ({inputs}; off by "
                 f"{abs(got - want):.2e}){hint}")


@exercise("Value", points=1, forbid=AUTOGRAD)
def test_value_add_mul(student):
    """Are + and * right, with Values and with numbers on the right?"""
    e = Expr(1.5, -0.75, 2.0)
    e("add", e("mul", 0, 1), 2)  # x0 * x1 + x2
    check_value(student, e)
    e = Expr(0.8, -1.3)
    e("mul", e("add_num", 0, 2.5), e("mul_num", 1, -1.5))
    check_value(student, e)


@exercise("Value", points=1, forbid=AUTOGRAD)
def test_value_sub_neg(student):
    """Are a - b, a - number and -a right?"""
    e = Expr(1.2, -0.4, 0.7)
    e("mul", e("sub", 0, 1), e("neg", 2))  # (x0 - x1) * -x2
    check_value(student, e)
    e = Expr(0.9, 2.2)
    e("mul", e("sub_num", 0, 3.0), 1)
    check_value(student, e)


@exercise("Value", points=1, forbid=AUTOGRAD)
def test_value_numbers_on_left(student):
    """Do 2 * a, 1 - a, 3 + a and 2 / a work (radd, rmul, rsub, rtruediv)?"""
    e = Expr(0.6, -1.1, 0.4, 1.7)
    left = e("add", e("num_mul", 0, 2.0), e("num_sub", 1, 1.0))  # 2*x0 + (1 - x1)
    e("add", left, e("mul", e("num_add", 2, 3.0), e("num_div", 3, 2.0)))
    check_value(student, e)


@exercise("Value", points=1, forbid=AUTOGRAD)
def test_value_division(student):
    """Are a / b and a / number right?"""
    e = Expr(1.3, -0.8, 2.4)
    e("add", e("div", 0, 1), e("div_num", 2, 4.0))  # x0 / x1 + x2 / 4
    check_value(student, e)
    e = Expr(-2.1, 0.9, 1.6)
    e("div", e("mul", 0, 1), e("add_num", 2, 1.0))
    check_value(student, e)


@exercise("Value", points=1, forbid=AUTOGRAD)
def test_value_power(student):
    """Is a ** k right for integer, negative and fractional k?"""
    e = Expr(-1.3, 0.7, 2.5)
    e("add", e("mul", e("pow", 0, 3), e("pow", 1, -1.5)), e("pow", 2, 0.5))
    check_value(student, e)
    e = Expr(1.8)
    e("pow", 0, 2)
    check_value(student, e)


@exercise("Value", points=1, forbid=AUTOGRAD)
def test_value_tanh_exp(student):
    """Are tanh() and exp() right?"""
    e = Expr(0.7, -1.2, 0.9)
    e("add", e("tanh", e("mul", 0, 1)), e("exp", e("mul_num", 2, 0.5)))
    check_value(student, e)
    e = Expr(1.4)
    e("tanh", e("mul_num", 0, 2.0))  # a saturated tanh
    check_value(student, e)


@exercise("Value", points=1, forbid=AUTOGRAD)
def test_value_relu(student):
    """Is relu() right for positive and negative inputs?"""
    e = Expr(1.1, -0.6, -2.0, 0.5)
    e("add", e("mul", e("relu", 0), 1), e("mul", e("relu", 2), 3))  # relu(x0)*x1 + relu(x2)*x3
    check_value(student, e)
    e = Expr(0.8, -1.5)
    e("relu", e("mul", 0, 1))
    check_value(student, e)


REUSE = "; a node used more than once must accumulate (+=) the gradient from every use"


@exercise("Value", points=1, forbid=AUTOGRAD)
def test_value_reused_nodes(student):
    """Do gradients accumulate when a node is used more than once?"""
    e = Expr(1.7)
    e("add", e("mul", 0, 0), 0)  # x * x + x
    check_value(student, e, REUSE)
    e = Expr(-0.9)
    e("add", 0, 0)  # x + x
    check_value(student, e, REUSE)
    e = Expr(0.8, -1.4)
    c = e("mul", 0, 1)
    e("add", e("mul", c, c), c)  # c * c + c with c = x0 * x1
    check_value(student, e, REUSE)
    e = Expr(0.5, 1.5)
    c = e("add", 0, 1)
    e("add", e("mul", c, 0), e("mul", c, 1))  # a diamond
    check_value(student, e, REUSE)


ORDER = ("; shared nodes accumulate gradient from every use, and backward() must call each "
         "_backward in reverse topological order")


@exercise("Value", points=1, forbid=AUTOGRAD)
def test_value_deep_chain(student):
    """Are gradients right through deep chains (topological order)?"""
    e = Expr(0.3, 1.1, 0.05, name="100 layers h <- (h*w + b).tanh() from h = x0, with "
             "w = x1, b = x2")  # x, w, b
    node = 0
    for _ in range(100):  # x <- tanh(x * w + b), 300 nodes deep
        node = e("tanh", e("add", e("mul", node, 1), 2))
    check_value(student, e, ORDER)
    e = Expr(0.4, 0.9, name="12 residual layers h <- h + 0.5*(h*w).tanh() from h = x0, "
             "with w = x1")  # x, w
    node = 0
    for _ in range(12):  # residual: x <- x + 0.5 * tanh(x * w), x used twice per layer
        node = e("add", node, e("mul_num", e("tanh", e("mul", node, 1)), 0.5))
    check_value(student, e, ORDER)


def random_expr(seed: int, n_inputs: int, n_ops: int) -> Expr:
    """A random graph of safe operations (no kinks, no division by ~0, bounded values) whose
    every node feeds the output."""
    g = rng(seed)

    def rand() -> float:
        return float(torch.rand((), generator=g, dtype=F64))

    def pick(n: int) -> int:  # recent nodes more often: deep graphs with reuse
        window = min(n, 4) if rand() < 0.6 else n
        return n - 1 - int(torch.randint(window, (), generator=g))

    e = Expr(*[round((0.5 + 1.5 * rand()) * (1 if rand() < 0.5 else -1), 3)
               for _ in range(n_inputs)])
    vals, used = list(e.inputs), set()
    ops = ["add", "sub", "mul", "div", "add_num", "mul_num", "div_num", "num_sub", "num_div",
           "num_mul", "pow", "neg", "tanh", "relu", "exp"]
    while len(e.ops) < n_ops:
        op = ops[int(torch.randint(len(ops), (), generator=g))]
        a, b = pick(len(vals)), None
        if op in SYMBOL:
            b = pick(len(vals))
        elif op == "pow":
            b = [2, 3, -1, 0.5, 1.5][int(torch.randint(5, (), generator=g))]
        elif "_" in op:  # a number operand
            b = round((0.5 + 2 * rand()) * (1 if rand() < 0.5 else -1), 2)
        value = scalar(op, vals[a], vals[b] if op in SYMBOL else b)
        if value is None or not abs(value) <= 10:
            continue
        e(op, a, b)
        vals.append(value)
        used.update({a, b} if op in SYMBOL else {a})
    node = len(vals) - 1
    for i in range(len(vals) - 1):
        if i not in used:
            node = e("add", node, i)
    return e


def scalar(op: str, p: float, q: float | None) -> float | None:
    """The value of one op on floats, or None where it would be unsafe to test."""
    base = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
            "div": operator.truediv}
    if op in ("div", "div_num") and abs(q) < 0.5 or op == "num_div" and abs(p) < 0.5:
        return None
    if op == "pow" and (q in (0.5, 1.5) and p < 0.2 or q == -1 and abs(p) < 0.5):
        return None
    if op == "exp" and p > 2.5 or op == "relu" and abs(p) < 0.05:
        return None
    if op in base:
        return base[op](p, q)
    if op.endswith("_num"):
        return base[op[:-4]](p, q)
    if op.startswith("num_"):
        return base[op[4:]](q, p)
    if op == "pow":
        return p ** q
    if op == "neg":
        return -p
    return {"tanh": math.tanh, "exp": math.exp, "relu": lambda v: max(v, 0.0)}[op](p)


@exercise("Value", points=1, forbid=AUTOGRAD)
def test_value_random_graphs(student):
    """Does it match torch autograd on random expression graphs with shared nodes?"""
    for seed, (n_inputs, n_ops) in enumerate([(3, 20), (4, 28), (2, 24), (3, 30)], start=50):
        check_value(student, random_expr(seed, n_inputs, n_ops), f" (random graph, seed {seed})")


# --------------------------------------------------------------------------- questions

@exercise("q_backprop_computes", points=1)
def test_q_backprop_computes(student):
    """Which statement says what one backward pass computes?"""
    check_answer(student.value("q_backprop_computes"), "q_backprop_computes",
                 "09c9e9bcd8ccaec5d761")


@exercise("q_fd_evaluations", points=1)
def test_q_fd_evaluations(student):
    """How many loss evaluations does a central-difference gradient of 1000 parameters need?"""
    check_answer(student.value("q_fd_evaluations"), "q_fd_evaluations", "c3e6d02420a66083de98")


@exercise("q_dW_needs", points=1)
def test_q_dW_needs(student):
    """Which quantities does dW of a linear layer need?"""
    check_answer(student.value("q_dW_needs"), "q_dW_needs", "ee34c733e65b22c5f0ed")
