"""Mutants of s1_foundations/backprop: the mistakes students make, and correct variants
written differently.  Each source replaces the whole ``<id>_answer`` cell."""


def swap(source: str, old: str, new: str, count: int = 1) -> str:
    """``source`` with ``old`` replaced; fails loudly if ``old`` is not there ``count`` times."""
    assert source.count(old) == count, (old, source.count(old))
    return source.replace(old, new)


# --------------------------------------------------------------------------- numerical_gradient
NUMGRAD = '''
def numerical_gradient(f, x, h=1e-5):
    xc = x.detach().clone()
    flat = xc.view(-1)
    grad = torch.zeros_like(xc)
    gflat = grad.view(-1)
    for i in range(flat.numel()):
        old = flat[i].item()
        flat[i] = old + h
        f_plus = float(f(xc))
        flat[i] = old - h
        f_minus = float(f(xc))
        flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2 * h)
    return grad
'''

NUMGRAD_FORWARD = '''
def numerical_gradient(f, x, h=1e-5):
    xc = x.clone()
    grad = torch.zeros_like(x)
    f0 = float(f(xc))
    for i in range(x.numel()):
        xc.view(-1)[i] += h
        grad.view(-1)[i] = (float(f(xc)) - f0) / h
        xc.view(-1)[i] -= h
    return grad
'''

NUMGRAD_IN_PLACE = '''
def numerical_gradient(f, x, h=1e-5):
    grad = torch.zeros_like(x)
    flat, gflat = x.view(-1), grad.view(-1)
    for i in range(flat.numel()):
        flat[i] += h
        f_plus = float(f(x))
        flat[i] -= 2 * h
        f_minus = float(f(x))
        gflat[i] = (f_plus - f_minus) / (2 * h)
    return grad
'''

NUMGRAD_2D_ONLY = '''
def numerical_gradient(f, x, h=1e-5):
    grad = torch.zeros_like(x)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            xp, xm = x.clone(), x.clone()
            xp[i, j] += h
            xm[i, j] -= h
            grad[i, j] = (f(xp) - f(xm)) / (2 * h)
    return grad
'''

NUMGRAD_FORBIDDEN = '''
def numerical_gradient(f, x, h=1e-5):
    x = x.detach().clone().requires_grad_(True)
    f(x).backward()
    return x.grad
'''

NUMGRAD_RESTORES_X = '''
def numerical_gradient(f, x, h=1e-5):
    grad = torch.empty_like(x)
    flat, gflat = x.view(-1), grad.view(-1)
    for i in range(flat.numel()):
        saved = flat[i].clone()
        flat[i] = saved + h
        up = f(x).item()
        flat[i] = saved - h
        down = f(x).item()
        flat[i] = saved
        gflat[i] = (up - down) / (2 * h)
    return grad
'''

NUMGRAD_ONE_HOT = '''
import itertools

def numerical_gradient(f, x, h=1e-5):
    grad = torch.zeros_like(x)
    for idx in itertools.product(*[range(n) for n in x.shape]):
        step = torch.zeros_like(x)
        step[idx] = h
        grad[idx] = (f(x + step) - f(x - step)) / (2 * h)
    return grad
'''

# --------------------------------------------------------------------------- linear
LINEAR_FORWARD_LOOP_F32 = '''
def linear_forward(x, W, b):
    out = torch.zeros(x.shape[0], W.shape[0])
    for m in range(W.shape[0]):
        out[:, m] = x @ W[m] + b[m]
    return out
'''

LINEAR_BACKWARD = '''
def linear_backward(dout, x, W):
    dx = dout @ W
    dW = dout.T @ x
    db = dout.sum(dim=0)
    return dx, dW, db
'''

LINEAR_BACKWARD_FORBIDDEN = '''
def linear_backward(dout, x, W):
    x = x.clone().requires_grad_(True)
    W = W.clone().requires_grad_(True)
    b = torch.zeros(W.shape[0], dtype=x.dtype, requires_grad=True)
    (x @ W.T + b).backward(dout)
    return x.grad, W.grad, b.grad
'''

# --------------------------------------------------------------------------- softmax CE
SCE = '''
def softmax_cross_entropy_backward(logits, targets):
    N = logits.shape[0]
    z = logits - logits.max(dim=1, keepdim=True).values
    p = z.exp() / z.exp().sum(dim=1, keepdim=True)
    p[torch.arange(N), targets] -= 1
    return p / N
'''

SCE_FORBIDDEN = '''
def softmax_cross_entropy_backward(logits, targets):
    z = logits.detach().clone().requires_grad_(True)
    (dz,) = torch.autograd.grad(F.cross_entropy(z, targets), z)
    return dz
'''

# --------------------------------------------------------------------------- mlp_gradients
MLP = '''
def mlp_gradients(params, x, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = x.shape[0]
    z1 = x @ W1.T + b1
    h = z1.clamp(min=0)
    z2 = h @ W2.T + b2
    logp = z2 - torch.logsumexp(z2, dim=1, keepdim=True)
    rows = torch.arange(N)
    loss = -logp[rows, y].mean()
    dz2 = logp.exp()
    dz2[rows, y] -= 1
    dz2 = dz2 / N
    dh = dz2 @ W2
    dz1 = dh * (z1 > 0).to(dh.dtype)
    grads = {"W2": dz2.T @ h, "b2": dz2.sum(0), "W1": dz1.T @ x, "b1": dz1.sum(0)}
    return loss, grads
'''

MLP_FORBIDDEN = '''
def mlp_gradients(params, x, y):
    p = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
    h = (x @ p["W1"].T + p["b1"]).clamp(min=0)
    loss = F.cross_entropy(h @ p["W2"].T + p["b2"], y)
    loss.backward()
    return loss.item(), {k: v.grad for k, v in p.items()}
'''

MLP_COMPOSED = '''
def mlp_gradients(params, x, y):
    z1 = linear_forward(x, params["W1"], params["b1"])
    h = torch.relu(z1)
    z2 = linear_forward(h, params["W2"], params["b2"])
    loss = F.cross_entropy(z2, y)
    dz2 = softmax_cross_entropy_backward(z2, y)
    dh, dW2, db2 = linear_backward(dz2, h, params["W2"])
    dz1 = relu_backward(dh, z1)
    _, dW1, db1 = linear_backward(dz1, x, params["W1"])
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
'''

MLP_ONE_HOT = '''
def mlp_gradients(params, x, y):
    N, C = x.shape[0], params["W2"].shape[0]
    hpre = torch.einsum("nd,hd->nh", x, params["W1"]) + params["b1"]
    h = torch.where(hpre > 0, hpre, torch.zeros_like(hpre))
    logits = torch.einsum("nh,ch->nc", h, params["W2"]) + params["b2"]
    probs = torch.softmax(logits, dim=1)
    onehot = F.one_hot(y, C).to(probs.dtype)
    loss = (torch.logsumexp(logits, dim=1) - (logits * onehot).sum(1)).mean()
    d_logits = (probs - onehot) / N
    d_h = d_logits @ params["W2"]
    d_hpre = torch.where(hpre > 0, d_h, torch.zeros_like(d_h))
    return float(loss), {"W1": torch.einsum("nh,nd->hd", d_hpre, x), "b1": d_hpre.sum(0),
                         "W2": torch.einsum("nc,nh->ch", d_logits, h), "b2": d_logits.sum(0)}
'''

# --------------------------------------------------------------------------- Value
VALUE = '''
class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k):
        out = Value(self.data ** k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t * t) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return self * other ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return (-self) + other

    def __rtruediv__(self, other):
        return Value(other) * self ** -1

    def backward(self):
        order, seen = [], set()

        def visit(v):
            if v not in seen:
                seen.add(v)
                for child in v._prev:
                    visit(child)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            v._backward()
'''

TOPO = '''        order, seen = [], set()

        def visit(v):
            if v not in seen:
                seen.add(v)
                for child in v._prev:
                    visit(child)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            v._backward()
'''

VALUE_NO_TOPO = swap(VALUE, TOPO, '''        self.grad = 1.0
        stack = [self]
        while stack:
            v = stack.pop()
            v._backward()
            stack.extend(v._prev)
''')

VALUE_ITERATIVE_TOPO = swap(VALUE, TOPO, '''        order, seen, stack = [], set(), [(self, False)]
        while stack:
            v, expanded = stack.pop()
            if expanded:
                order.append(v)
            elif v not in seen:
                seen.add(v)
                stack.append((v, True))
                stack.extend((c, False) for c in v._prev if c not in seen)
        self.grad = 1.0
        for v in order[::-1]:
            v._backward()
''')

VALUE_DIRECT_OPS = swap(swap(swap(VALUE, '''    def __neg__(self):
        return self * -1
''', '''    def __neg__(self):
        out = Value(-self.data, (self,), "neg")

        def _backward():
            self.grad -= out.grad

        out._backward = _backward
        return out
'''), '''    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return self * other ** -1
''', '''    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data / other.data, (self, other), "/")

        def _backward():
            self.grad += out.grad / other.data
            other.grad -= self.data / other.data ** 2 * out.grad

        out._backward = _backward
        return out
'''), '''    def tanh(self):
        t = math.tanh(self.data)
''', '''    def tanh(self):
        e2 = math.exp(2 * self.data)
        t = (e2 - 1) / (e2 + 1)
''')

VALUE_TORCH = '''
class Value:
    def __init__(self, data, _children=(), _op="", _t=None):
        if _t is None:
            _t = torch.tensor(float(data), dtype=torch.float64, requires_grad=True)
        else:
            _t.retain_grad()
        self.t, self._prev, self._op = _t, set(_children), _op

    @property
    def data(self):
        return float(self.t)

    @property
    def grad(self):
        return 0.0 if self.t.grad is None else float(self.t.grad)

    @staticmethod
    def of(o):
        return o if isinstance(o, Value) else Value(o)

    def __add__(self, o):
        o = Value.of(o)
        return Value(None, (self, o), "+", self.t + o.t)

    def __mul__(self, o):
        o = Value.of(o)
        return Value(None, (self, o), "*", self.t * o.t)

    def __pow__(self, k):
        return Value(None, (self,), "**", self.t ** k)

    def tanh(self):
        return Value(None, (self,), "tanh", self.t.tanh())

    def relu(self):
        return Value(None, (self,), "relu", self.t.clamp(min=0))

    def exp(self):
        return Value(None, (self,), "exp", self.t.exp())

    def __neg__(self):
        return self * -1

    def __sub__(self, o):
        return self + (-Value.of(o))

    def __truediv__(self, o):
        return self * Value.of(o) ** -1

    __radd__, __rmul__ = __add__, __mul__

    def __rsub__(self, o):
        return Value.of(o) - self

    def __rtruediv__(self, o):
        return Value.of(o) / self

    def backward(self):
        self.t.backward()
'''

MUTANTS = {
    "numerical_gradient": {
        "wrong": {
            "forbidden_autograd": NUMGRAD_FORBIDDEN,
            "forward_difference": (NUMGRAD_FORWARD, "O(h^2)"),
            "modifies_x_in_place": (NUMGRAD_IN_PLACE, "changed"),
            "only_2d_inputs": NUMGRAD_2D_ONLY,
            "ignores_h": swap(NUMGRAD, "def numerical_gradient(f, x, h=1e-5):\n",
                              "def numerical_gradient(f, x, h=1e-5):\n    h = 1e-5\n"),
            "divides_by_h": swap(NUMGRAD, "(2 * h)", "h"),
            "float32_result": (swap(NUMGRAD, "torch.zeros_like(xc)", "torch.zeros(xc.shape)"),
                               "dtype"),
        },
        "correct": {
            "perturbs_x_and_restores": NUMGRAD_RESTORES_X,
            "itertools_indices": NUMGRAD_ONE_HOT,
            "reference": NUMGRAD,
        },
    },
    "linear_forward": {
        "wrong": {
            "forbidden_F_linear": "def linear_forward(x, W, b):\n    return F.linear(x, W, b)",
            "no_bias": "def linear_forward(x, W, b):\n    return x @ W.T",
            "W_not_transposed": "def linear_forward(x, W, b):\n    return x @ W + b",
            "float32_buffer": (LINEAR_FORWARD_LOOP_F32, "dtype"),
        },
        "correct": {
            "einsum": "def linear_forward(x, W, b):\n"
                      "    return torch.einsum('nd,md->nm', x, W) + b",
            "transposed_product": "def linear_forward(x, W, b):\n"
                                  "    return (W @ x.T).T + b[None, :]",
            "addmm": "def linear_forward(x, W, b):\n    return torch.addmm(b, x, W.T)",
        },
    },
    "linear_backward": {
        "wrong": {
            "forbidden_autograd": LINEAR_BACKWARD_FORBIDDEN,
            "dW_transposed": (swap(LINEAR_BACKWARD, "dout.T @ x", "x.T @ dout"),
                              "dW (N=5, D=4, M=3) has shape (D, M) = (4, 3); expected (M, D)"),
            "db_not_summed": (swap(LINEAR_BACKWARD, "dout.sum(dim=0)", "dout"),
                              "sum dout over the batch"),
            "db_summed_over_wrong_axis": (swap(LINEAR_BACKWARD, "dout.sum(dim=0)",
                                               "dout.sum(dim=1)"), "has shape (N,)"),
            "db_mean": swap(LINEAR_BACKWARD, "dout.sum(dim=0)", "dout.mean(dim=0)"),
            "dx_transposed": (swap(LINEAR_BACKWARD, "dout @ W", "W.T @ dout.T"),
                              "dx (N=5, D=4, M=3) has shape (D, N)"),
        },
        "correct": {
            "einsum": "def linear_backward(dout, x, W):\n"
                      "    return (torch.einsum('nm,md->nd', dout, W),\n"
                      "            torch.einsum('nm,nd->md', dout, x),\n"
                      "            torch.einsum('nm->m', dout))",
            "transposes_and_ones": "def linear_backward(dout, x, W):\n"
                                   "    ones = dout.new_ones(dout.shape[0])\n"
                                   "    return (W.T @ dout.T).T, (x.T @ dout).T, dout.T @ ones",
        },
    },
    "relu_backward": {
        "wrong": {
            "forbidden_autograd": "def relu_backward(dout, x):\n"
                                  "    x = x.clone().requires_grad_(True)\n"
                                  "    torch.relu(x).backward(dout)\n"
                                  "    return x.grad",
            "passes_gradient_at_zero": ("def relu_backward(dout, x):\n"
                                        "    return dout * (x >= 0)", "x == 0"),
            "mask_only": "def relu_backward(dout, x):\n    return (x > 0).to(dout.dtype)",
            "relu_of_dout": "def relu_backward(dout, x):\n    return dout.clamp(min=0)",
        },
        "correct": {
            "where": "def relu_backward(dout, x):\n"
                     "    return torch.where(x > 0, dout, torch.zeros_like(dout))",
            "masked_fill": "def relu_backward(dout, x):\n    return dout.masked_fill(x <= 0, 0.0)",
            "heaviside": "def relu_backward(dout, x):\n"
                         "    return dout * torch.heaviside(x, torch.zeros_like(x))",
        },
    },
    "softmax_cross_entropy_backward": {
        "wrong": {
            "forbidden_autograd": SCE_FORBIDDEN,
            "sum_not_mean": (swap(SCE, "return p / N", "return p"), "summed loss"),
            "no_max_subtraction": (swap(SCE, "logits - logits.max(dim=1, keepdim=True).values",
                                        "logits"), "NaN"),
            "softmax_over_batch": swap(SCE, "z.exp().sum(dim=1, keepdim=True)",
                                       "z.exp().sum(dim=0, keepdim=True)"),
            "forgets_onehot": swap(SCE, "    p[torch.arange(N), targets] -= 1\n", ""),
        },
        "correct": {
            "softmax_one_hot": "def softmax_cross_entropy_backward(logits, targets):\n"
                               "    N, C = logits.shape\n"
                               "    onehot = F.one_hot(targets, C).to(logits.dtype)\n"
                               "    return (torch.softmax(logits, dim=1) - onehot) / N",
            "logsumexp": "def softmax_cross_entropy_backward(logits, targets):\n"
                         "    p = (logits - torch.logsumexp(logits, 1, keepdim=True)).exp()\n"
                         "    p = p.clone()\n"
                         "    p[range(len(targets)), targets] -= 1.0\n"
                         "    return p / len(targets)",
        },
    },
    "mlp_gradients": {
        "wrong": {
            "forbidden_autograd": MLP_FORBIDDEN,
            "no_relu_mask": swap(MLP, "dh * (z1 > 0).to(dh.dtype)", "dh"),
            "dW2_from_preactivation": swap(MLP, '"W2": dz2.T @ h', '"W2": dz2.T @ z1'),
            "grads_of_summed_loss": swap(MLP, "    dz2 = dz2 / N\n", ""),
            "dW1_transposed": (swap(MLP, '"W1": dz1.T @ x', '"W1": x.T @ dz1'), "grads['W1']"),
            "summed_loss": swap(MLP, "-logp[rows, y].mean()", "-logp[rows, y].sum()"),
        },
        "correct": {
            "composes_earlier_functions": MLP_COMPOSED,
            "einsum_one_hot": MLP_ONE_HOT,
        },
    },
    "Value": {
        "wrong": {
            "forbidden_torch_backed": VALUE_TORCH,
            "grad_assigned_not_accumulated": (swap(VALUE, ".grad += ", ".grad = ", 8),
                                              "accumulate"),
            "no_topological_sort": VALUE_NO_TOPO,
            "topological_order_not_reversed": swap(VALUE, "for v in reversed(order):",
                                                   "for v in order:"),
            "no_grad_seed": swap(VALUE, "        self.grad = 1.0\n        for v", "        for v"),
            "mul_forgets_upstream": swap(VALUE, "self.grad += other.data * out.grad",
                                         "self.grad += other.data"),
            "tanh_derivative_1_minus_t": swap(VALUE, "(1 - t * t)", "(1 - t)"),
            "pow_derivative_missing_k": swap(VALUE, "k * self.data ** (k - 1) * out.grad",
                                             "self.data ** (k - 1) * out.grad"),
            "relu_derivative_is_output": swap(
                VALUE, "(1.0 if self.data > 0 else 0.0) * out.grad", "out.data * out.grad"),
            "exp_derivative_forgotten": swap(VALUE, "self.grad += out.data * out.grad",
                                             "self.grad += out.grad"),
            "rsub_sign_flipped": swap(VALUE, "return (-self) + other", "return self - other"),
            "rtruediv_flipped": swap(VALUE, "return Value(other) * self ** -1",
                                     "return self / other"),
        },
        "correct": {
            "iterative_topological_sort": VALUE_ITERATIVE_TOPO,
            "direct_neg_div_tanh": VALUE_DIRECT_OPS,
        },
    },
    "q_backprop_computes": {
        "wrong": {"updates_weights": 'q_backprop_computes = "a"',
                  "finite_differences": 'q_backprop_computes = "c"'},
        "correct": {"upper_case": 'q_backprop_computes = " B "'},
    },
    "q_fd_evaluations": {
        "wrong": {"n_not_2n": "q_fd_evaluations = 1000", "backprop_count": "q_fd_evaluations = 2"},
        "correct": {"float": "q_fd_evaluations = 2e3"},
    },
    "q_dW_needs": {
        "wrong": {"dout_and_W": 'q_dW_needs = "a"'},
        "correct": {"reference": 'q_dW_needs = "b"'},
    },
}


# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "numerical_gradient": {
        "forward_difference": (
            "the forward difference (f(x + h) - f(x)) / h is used instead of the central "
            "difference"
        ),
        "modifies_x_in_place": (
            "x is perturbed in place and its old values are never put back, so the caller's x is "
            "changed"
        ),
        "only_2d_inputs": (
            "the loop only handles two-dimensional inputs instead of every element of a tensor of "
            "any shape"
        ),
        "ignores_h": "the h passed in is ignored and a fixed step is always used",
        "divides_by_h": "the central difference is divided by h instead of 2h",
        "float32_result": "the gradient is created in float32 instead of the dtype of x",
    },
    "linear_forward": {
        "no_bias": "the bias b is not added",
        "W_not_transposed": "x is multiplied by W instead of by W transposed",
        "float32_buffer": (
            "the output is written into a float32 buffer instead of one with the dtype of x"
        ),
    },
    "linear_backward": {
        "dW_transposed": (
            "dW is computed as x^T dout, the transpose of dW, shape (D, M) instead of (M, D)"
        ),
        "db_not_summed": "db is not summed over the batch (one bias gradient per example)",
        "db_summed_over_wrong_axis": "db is summed over the output units instead of over the batch",
        "db_mean": "db is averaged over the batch instead of summed",
        "dx_transposed": "dx is computed as its transpose, shape (D, N) instead of (N, D)",
    },
    "relu_backward": {
        "passes_gradient_at_zero": (
            "the gradient is let through where x is exactly 0 (relu'(0) taken as 1 instead of 0)"
        ),
        "mask_only": (
            "only the ReLU mask is returned, without multiplying by the upstream gradient dout"
        ),
        "relu_of_dout": (
            "the ReLU is applied to dout (negative upstream gradients zeroed) instead of masking "
            "where x <= 0"
        ),
    },
    "softmax_cross_entropy_backward": {
        "sum_not_mean": "the 1/N of the mean is forgotten, giving the gradient of the summed loss",
        "no_max_subtraction": (
            "exp is taken of the raw logits without subtracting the row maximum, so it overflows "
            "for large logits"
        ),
        "softmax_over_batch": (
            "the softmax is normalised over the batch instead of over the classes"
        ),
        "forgets_onehot": "the one-hot targets are not subtracted from the softmax",
    },
    "mlp_gradients": {
        "no_relu_mask": (
            "the ReLU mask is forgotten in the backward pass, so gradient flows through inactive "
            "hidden units"
        ),
        "dW2_from_preactivation": "dW2 uses the pre-activation z1 instead of the ReLU output h",
        "grads_of_summed_loss": (
            "the gradients leave out the 1/N of the mean (they are those of the summed loss)"
        ),
        "dW1_transposed": "dW1 is computed as its transpose, shape (D, H) instead of (H, D)",
        "summed_loss": "the returned loss is summed over the batch instead of averaged",
    },
    "Value": {
        "grad_assigned_not_accumulated": (
            "gradients are overwritten instead of accumulated, so a node used twice keeps only one"
            " contribution"
        ),
        "no_topological_sort": (
            "backward walks the graph from the output without a topological order, so nodes pass "
            "on incomplete gradients"
        ),
        "topological_order_not_reversed": (
            "the nodes' _backward run in topological order instead of reversed topological order"
        ),
        "no_grad_seed": "the output's own gradient is not set to 1.0 before the backward pass",
        "mul_forgets_upstream": (
            "in multiplication, the first operand's gradient is not multiplied by the upstream "
            "gradient"
        ),
        "tanh_derivative_1_minus_t": (
            "the tanh derivative is taken as 1 - tanh(a) instead of 1 - tanh(a)^2"
        ),
        "pow_derivative_missing_k": (
            "the power rule drops the factor k: a^(k-1) instead of k a^(k-1)"
        ),
        "relu_derivative_is_output": (
            "the ReLU derivative is taken as the ReLU output instead of 1[a > 0]"
        ),
        "exp_derivative_forgotten": (
            "exp passes the upstream gradient through unchanged, forgetting the local derivative "
            "e^a"
        ),
        "rsub_sign_flipped": (
            "a number minus a Value computes the Value minus the number (the sign of 1 - a is "
            "flipped)"
        ),
        "rtruediv_flipped": (
            "a number divided by a Value computes the Value divided by the number (1 / a becomes a"
            " / 1)"
        ),
    },
    "q_backprop_computes": {
        "updates_weights": (
            "backpropagation is thought to update the parameters itself, like a gradient descent "
            "step"
        ),
        "finite_differences": (
            "backpropagation is thought to approximate the gradient by finite differences, one "
            "parameter at a time"
        ),
    },
    "q_fd_evaluations": {
        "n_not_2n": (
            "central differences are thought to need only one loss evaluation per parameter"
        ),
        "backprop_count": (
            "finite differences are thought to cost as few passes as backprop, whatever the number"
            " of parameters"
        ),
    },
    "q_dW_needs": {
        "dout_and_W": "dW is thought to be computed from dout and the weights W",
    },
}
