"""Mutants of checklist/checklist: each source replaces the exercise's answer cell.

Measured items: the classic wrong measurements (the inverse ratio, the activations' gradients
instead of the weights', float32 draws, the spectral norm for the spectral radius, biases left
out, head-averaged attention weights...) and numbers typed in that are right only for the
notebook's own arguments. Questions: a tempting wrong letter or number, and the right answer
written differently."""

RATIO_HEAD = (
    "def grad_norm_ratio(activation, depth, width, seed):\n"
    "    phi = {'sigmoid': torch.sigmoid, 'tanh': torch.tanh, 'relu': torch.relu}[activation]\n"
)
RATIO_DRAWS = (
    "    torch.manual_seed(seed)\n"
    "    weights = [(torch.randn(width, width, dtype=torch.float64) * math.sqrt(2 / width))\n"
    "               .requires_grad_() for _ in range(depth)]\n"
    "    x = torch.randn(8, width, dtype=torch.float64)\n"
)
RATIO_STORE = (
    "\n\nratio_sigmoid = grad_norm_ratio('sigmoid', 10, 32, 0)\n"
    "ratio_relu = grad_norm_ratio('relu', 10, 32, 0)\n"
)


def ratio(body: str, draws: str = RATIO_DRAWS) -> str:
    return RATIO_HEAD + draws + body + RATIO_STORE


FORWARD = (
    "    h = x\n"
    "    for W in weights:\n"
    "        h = phi(h @ W.T)\n"
)

LOGIT_STORE = "\n\ngrad_mse, grad_bce = logit_grads(8.0, 0.0)\n"
COUNT_STORE = "\n\nn_mlp, n_cnn = param_counts(3, 32, 512, 16, 10)\n"
RNN_STORE = (
    "\n\nnorm_contract = rnn_jacobian_norm(0.5, 30, 16, 0)\n"
    "norm_expand = rnn_jacobian_norm(1.5, 30, 16, 0)\n"
)
RNN_DRAWS = (
    "    torch.manual_seed(seed)\n"
    "    W = torch.randn(hidden, hidden, dtype=torch.float64)\n"
    "    x = 0.1 * torch.randn(steps, hidden, dtype=torch.float64)\n"
    "    W_hh = W * (radius / torch.linalg.eigvals(W).abs().max())\n"
)
RNN_AUTOGRAD = (
    "    def last(h0):\n"
    "        h = h0\n"
    "        for t in range(steps):\n"
    "            h = torch.tanh(W_hh @ h + x[t])\n"
    "        return h\n"
    "    J = torch.autograd.functional.jacobian(last, torch.zeros(hidden, dtype=torch.float64))\n"
)
SIZES_STORE = (
    "\n\nsizes_short = self_attention_sizes(64, 4, 16)\n"
    "sizes_long = self_attention_sizes(64, 4, 1024)\n"
)


def rnn(body: str, draws: str = RNN_DRAWS) -> str:
    return "def rnn_jacobian_norm(radius, steps, hidden, seed):\n" + draws + body + RNN_STORE


def mc(qid: str, wrong: str, right: str) -> dict:
    return {"wrong": {f"letter_{wrong}": f'{qid} = "{wrong}"\n'},
            "correct": {"upper_case_spaces": f'{qid} = " {right.upper()} "\n'}}


MUTANTS = {
    "grad_norm_ratio": {
        "wrong": {
            "inverted": (ratio(FORWARD + "    g = torch.autograd.grad(h.sum(), weights)\n"
                               "    return (g[-1].norm() / g[0].norm()).item()\n"),
                         "the inverse"),
            "activation_gradients": (
                "def grad_norm_ratio(activation, depth, width, seed):\n"
                "    phi = {'sigmoid': torch.sigmoid, 'tanh': torch.tanh,\n"
                "           'relu': torch.relu}[activation]\n"
                + RATIO_DRAWS +
                "    h = x.requires_grad_()\n"
                "    inputs = []\n"
                "    for W in weights:\n"
                "        inputs.append(h)\n"
                "        h = phi(h @ W.T)\n"
                "    g = torch.autograd.grad(h.sum(), inputs)\n"
                "    return (g[0].norm() / g[-1].norm()).item()\n" + RATIO_STORE,
                "w.r.t. the layers' inputs"),
            "float32_draws": (
                ratio(FORWARD + "    g = torch.autograd.grad(h.sum(), weights)\n"
                      "    return (g[0].norm() / g[-1].norm()).item()\n",
                      RATIO_DRAWS.replace("torch.float64", "torch.float32")),
                "float32"),
            "hard_coded": (
                "def grad_norm_ratio(activation, depth, width, seed):\n"
                "    return {'sigmoid': 1.8608e-05, 'relu': 0.8365}[activation]\n"
                + RATIO_STORE),
            "ignores_seed": (
                ratio(FORWARD + "    g = torch.autograd.grad(h.sum(), weights)\n"
                      "    return (g[0].norm() / g[-1].norm()).item()\n",
                      RATIO_DRAWS.replace("manual_seed(seed)", "manual_seed(0)")),
                "seed 0"),
            "batch_drawn_first": (
                ratio(FORWARD + "    g = torch.autograd.grad(h.sum(), weights)\n"
                      "    return (g[0].norm() / g[-1].norm()).item()\n",
                      "    torch.manual_seed(seed)\n"
                      "    x = torch.randn(8, width, dtype=torch.float64)\n"
                      "    weights = [(torch.randn(width, width, dtype=torch.float64)\n"
                      "                * math.sqrt(2 / width)).requires_grad_()\n"
                      "               for _ in range(depth)]\n"),
                "drawn before the weights"),
            "returns_tensor": (
                ratio(FORWARD + "    g = torch.autograd.grad(h.sum(), weights)\n"
                      "    return g[0].norm() / g[-1].norm()\n"),
                "Python float"),
        },
        "correct": {
            "backward_and_grad": ratio(FORWARD + "    h.sum().backward()\n"
                                       "    first, last = weights[0].grad, weights[-1].grad\n"
                                       "    return float(torch.linalg.norm(first)\n"
                                       "                 / torch.linalg.norm(last))\n"),
            "manual_backprop": ratio(
                "    with torch.no_grad():\n"
                "        hs, zs = [x], []\n"
                "        for W in weights:\n"
                "            zs.append(hs[-1] @ W.T)\n"
                "            hs.append(phi(zs[-1]))\n"
                "        d = torch.ones_like(hs[-1])\n"
                "        norms = []\n"
                "        for l in reversed(range(depth)):\n"
                "            z = zs[l]\n"
                "            if activation == 'sigmoid':\n"
                "                dz = d * torch.sigmoid(z) * (1 - torch.sigmoid(z))\n"
                "            elif activation == 'tanh':\n"
                "                dz = d * (1 - torch.tanh(z) ** 2)\n"
                "            else:\n"
                "                dz = d * (z > 0).double()\n"
                "            norms.append((dz.T @ hs[l]).norm().item())\n"
                "            d = dz @ weights[l]\n"
                "    return norms[-1] / norms[0]\n"),
        },
    },
    "logit_grads": {
        "wrong": {
            "wrt_probability": (
                "def logit_grads(z, y):\n"
                "    p = 1 / (1 + math.exp(-z))\n"
                "    return 2 * (p - y), -y / p + (1 - y) / (1 - p)\n" + LOGIT_STORE,
                "w.r.t. p = sigmoid(z)"),
            "half_mse": (
                "def logit_grads(z, y):\n"
                "    p = 1 / (1 + math.exp(-z))\n"
                "    return (p - y) * p * (1 - p), p - y\n" + LOGIT_STORE,
                "factor 1/2"),
            "swapped": (
                "def logit_grads(z, y):\n"
                "    p = 1 / (1 + math.exp(-z))\n"
                "    return p - y, 2 * (p - y) * p * (1 - p)\n" + LOGIT_STORE,
                "swapped"),
            "float32": (
                "def logit_grads(z, y):\n"
                "    zt = torch.tensor(z, requires_grad=True)\n"
                "    p = torch.sigmoid(zt)\n"
                "    (a,) = torch.autograd.grad((p - y) ** 2, zt, retain_graph=True)\n"
                "    (b,) = torch.autograd.grad(-(y * torch.log(p) + (1 - y) * torch.log(1 - p)),\n"
                "                               zt)\n"
                "    return a.item(), b.item()\n" + LOGIT_STORE,
                "float32"),
            "hard_coded": (
                "def logit_grads(z, y):\n"
                "    return 0.0006702504975194855, 0.9996646498695335\n" + LOGIT_STORE),
            "magnitudes": (
                "def logit_grads(z, y):\n"
                "    p = 1 / (1 + math.exp(-z))\n"
                "    return abs(2 * (p - y) * p * (1 - p)), abs(p - y)\n" + LOGIT_STORE,
                "magnitudes"),
        },
        "correct": {
            "closed_form": (
                "def logit_grads(z: float, y: float) -> tuple[float, float]:\n"
                "    p = 1 / (1 + math.exp(-z))\n"
                "    return 2 * (p - y) * p * (1 - p), p - y\n" + LOGIT_STORE),
            "autograd_with_logits": (
                "import torch.nn.functional as F\n\n\n"
                "def logit_grads(z, y):\n"
                "    grads = []\n"
                "    for loss in ('mse', 'bce'):\n"
                "        zt = torch.tensor(float(z), dtype=torch.float64, requires_grad=True)\n"
                "        t = torch.tensor(float(y), dtype=torch.float64)\n"
                "        if loss == 'mse':\n"
                "            value = F.mse_loss(torch.sigmoid(zt), t)\n"
                "        else:\n"
                "            value = F.binary_cross_entropy_with_logits(zt, t)\n"
                "        value.backward()\n"
                "        grads.append(zt.grad.item())\n"
                "    return tuple(grads)\n" + LOGIT_STORE),
        },
    },
    "param_counts": {
        "wrong": {
            "no_biases": (
                "def param_counts(in_channels, image_size, hidden, channels, num_classes):\n"
                "    C, S, ch, k = in_channels, image_size, channels, num_classes\n"
                "    mlp = C * S * S * hidden + hidden * k\n"
                "    cnn = C * ch * 9 + ch * 2 * ch * 9 + 2 * ch * (S // 4) ** 2 * k\n"
                "    return mlp, cnn\n" + COUNT_STORE,
                "biases are missing"),
            "flatten_ignores_pooling": (
                "def param_counts(in_channels, image_size, hidden, channels, num_classes):\n"
                "    C, S, ch, k = in_channels, image_size, channels, num_classes\n"
                "    mlp = C * S * S * hidden + hidden + hidden * k + k\n"
                "    convs = (C * ch * 9 + ch) + (ch * 2 * ch * 9 + 2 * ch)\n"
                "    return mlp, convs + 2 * ch * S * S * k + k\n" + COUNT_STORE,
                "(S/4) x (S/4)"),
            "kernel_not_squared": (
                "def param_counts(in_channels, image_size, hidden, channels, num_classes):\n"
                "    C, S, ch, k = in_channels, image_size, channels, num_classes\n"
                "    mlp = C * S * S * hidden + hidden + hidden * k + k\n"
                "    convs = (C * ch * 3 + ch) + (ch * 2 * ch * 3 + 2 * ch)\n"
                "    return mlp, convs + 2 * ch * (S // 4) ** 2 * k + k\n" + COUNT_STORE,
                "k instead of k*k"),
            "hard_coded": (
                "def param_counts(in_channels, image_size, hidden, channels, num_classes):\n"
                "    return 1578506, 25578\n" + COUNT_STORE),
            "swapped": (
                "def param_counts(in_channels, image_size, hidden, channels, num_classes):\n"
                "    C, S, ch, k = in_channels, image_size, channels, num_classes\n"
                "    mlp = C * S * S * hidden + hidden + hidden * k + k\n"
                "    convs = (C * ch * 9 + ch) + (ch * 2 * ch * 9 + 2 * ch)\n"
                "    return convs + 2 * ch * (S // 4) ** 2 * k + k, mlp\n" + COUNT_STORE,
                "swapped"),
            "float_counts": (
                "def param_counts(in_channels, image_size, hidden, channels, num_classes):\n"
                "    C, S, ch, k = in_channels, image_size, channels, num_classes\n"
                "    mlp = C * S * S * hidden + hidden + hidden * k + k\n"
                "    convs = (C * ch * 9 + ch) + (ch * 2 * ch * 9 + 2 * ch)\n"
                "    return float(mlp), convs + 2 * ch * (S / 4) ** 2 * k + k\n" + COUNT_STORE,
                "Python int"),
        },
        "correct": {
            "formula": (
                "def param_counts(in_channels: int, image_size: int, hidden: int,\n"
                "                 channels: int, num_classes: int) -> tuple[int, int]:\n"
                "    def linear(n_in, n_out):\n"
                "        return n_in * n_out + n_out\n\n"
                "    def conv(c_in, c_out, k=3):\n"
                "        return c_in * c_out * k * k + c_out\n\n"
                "    C, S, ch, k = in_channels, image_size, channels, num_classes\n"
                "    mlp = linear(C * S * S, hidden) + linear(hidden, k)\n"
                "    cnn = conv(C, ch) + conv(ch, 2 * ch) + linear(2 * ch * (S // 4) ** 2, k)\n"
                "    return mlp, cnn\n" + COUNT_STORE),
            "lazy_linear": (
                "def param_counts(in_channels, image_size, hidden, channels, num_classes):\n"
                "    x = torch.zeros(2, in_channels, image_size, image_size)\n"
                "    mlp = nn.Sequential(nn.Flatten(), nn.LazyLinear(hidden), nn.ReLU(),\n"
                "                        nn.Linear(hidden, num_classes))\n"
                "    cnn = nn.Sequential(nn.Conv2d(in_channels, channels, 3, padding=1),\n"
                "                        nn.ReLU(), nn.MaxPool2d(2),\n"
                "                        nn.Conv2d(channels, 2 * channels, 3, padding=1),\n"
                "                        nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),\n"
                "                        nn.LazyLinear(num_classes))\n"
                "    counts = []\n"
                "    for model in (mlp, cnn):\n"
                "        model(x)\n"
                "        counts.append(sum(p.numel() for p in model.parameters()))\n"
                "    return tuple(counts)\n" + COUNT_STORE),
        },
    },
    "rnn_jacobian_norm": {
        "wrong": {
            "spectral_norm_scaling": (
                rnn(RNN_AUTOGRAD + "    return torch.linalg.matrix_norm(J).item()\n",
                    RNN_DRAWS.replace("torch.linalg.eigvals(W).abs().max()",
                                      "torch.linalg.matrix_norm(W, 2)")),
                "spectral norm (largest singular value)"),
            "no_tanh_derivative": (
                rnn("    J = torch.eye(hidden, dtype=torch.float64)\n"
                    "    for t in range(steps):\n"
                    "        J = W_hh @ J\n"
                    "    return torch.linalg.matrix_norm(J).item()\n"),
                "tanh'"),
            "one_step_short": (
                rnn("    h = torch.zeros(hidden, dtype=torch.float64)\n"
                    "    J = torch.eye(hidden, dtype=torch.float64)\n"
                    "    for t in range(steps - 1):\n"
                    "        h = torch.tanh(W_hh @ h + x[t])\n"
                    "        J = (1 - h ** 2)[:, None] * (W_hh @ J)\n"
                    "    return torch.linalg.matrix_norm(J).item()\n"),
                "one step fewer"),
            "float32": (
                rnn(RNN_AUTOGRAD.replace("torch.float64", "torch.float32")
                    + "    return torch.linalg.matrix_norm(J).item()\n",
                    RNN_DRAWS.replace("torch.float64", "torch.float32")),
                "float32"),
            "spectral_norm_of_jacobian": (
                rnn(RNN_AUTOGRAD + "    return torch.linalg.matrix_norm(J, 2).item()\n"),
                "Frobenius"),
            "ignores_seed": (
                rnn(RNN_AUTOGRAD + "    return torch.linalg.matrix_norm(J).item()\n",
                    RNN_DRAWS.replace("manual_seed(seed)", "manual_seed(0)")),
                "seed 0"),
            "hard_coded": (
                "def rnn_jacobian_norm(radius, steps, hidden, seed):\n"
                "    return 2.3501508274007388e-09 if radius < 1 else 635.005921259797\n"
                + RNN_STORE),
        },
        "correct": {
            "manual_product": rnn(
                "    h = torch.zeros(hidden, dtype=torch.float64)\n"
                "    J = torch.eye(hidden, dtype=torch.float64)\n"
                "    for t in range(steps):\n"
                "        h = torch.tanh(W_hh @ h + x[t])\n"
                "        J = torch.diag(1 - h ** 2) @ W_hh @ J\n"
                "    return float(J.pow(2).sum().sqrt())\n"),
            "jacrev": rnn(
                "    def last(h):\n"
                "        for t in range(steps):\n"
                "            h = torch.tanh(W_hh @ h + x[t])\n"
                "        return h\n"
                "    J = torch.func.jacrev(last)(torch.zeros(hidden, dtype=torch.float64))\n"
                "    return torch.linalg.norm(J).item()\n"),
            "backward_per_unit": rnn(
                "    h0 = torch.zeros(hidden, dtype=torch.float64, requires_grad=True)\n"
                "    h = h0\n"
                "    for t in range(steps):\n"
                "        h = torch.tanh(W_hh @ h + x[t])\n"
                "    if steps == 0:\n"
                "        return math.sqrt(hidden)\n"
                "    total = 0.0\n"
                "    for i in range(hidden):\n"
                "        (row,) = torch.autograd.grad(h[i], h0, retain_graph=True)\n"
                "        total += float((row ** 2).sum())\n"
                "    return math.sqrt(total)\n"),
        },
    },
    "self_attention_sizes": {
        "wrong": {
            "averaged_weights": (
                "def self_attention_sizes(embed_dim, num_heads, seq_len):\n"
                "    mha = nn.MultiheadAttention(embed_dim, num_heads, batch_first=True)\n"
                "    x = torch.randn(1, seq_len, embed_dim)\n"
                "    _, w = mha(x, x, x, need_weights=True)\n"
                "    return sum(p.numel() for p in mha.parameters()), w.numel()\n"
                + SIZES_STORE,
                "averaged over the heads"),
            "no_biases": (
                "def self_attention_sizes(embed_dim, num_heads, seq_len):\n"
                "    mha = nn.MultiheadAttention(embed_dim, num_heads, bias=False,\n"
                "                                batch_first=True)\n"
                "    n = sum(p.numel() for p in mha.parameters())\n"
                "    return n, num_heads * seq_len * seq_len\n" + SIZES_STORE,
                "biases are missing"),
            "qkv_only": (
                "def self_attention_sizes(embed_dim, num_heads, seq_len):\n"
                "    mha = nn.MultiheadAttention(embed_dim, num_heads, batch_first=True)\n"
                "    n = mha.in_proj_weight.numel() + mha.in_proj_bias.numel()\n"
                "    return n, num_heads * seq_len * seq_len\n" + SIZES_STORE,
                "out_proj"),
            "hard_coded": (
                "def self_attention_sizes(embed_dim, num_heads, seq_len):\n"
                "    return (16640, 1024) if seq_len == 16 else (16640, 4194304)\n"
                + SIZES_STORE),
            "list_not_tuple": (
                "def self_attention_sizes(embed_dim, num_heads, seq_len):\n"
                "    E = embed_dim\n"
                "    return [4 * E * E + 4 * E, num_heads * seq_len ** 2]\n" + SIZES_STORE,
                "tuple of two ints"),
        },
        "correct": {
            "formula": (
                "def self_attention_sizes(embed_dim: int, num_heads: int,\n"
                "                         seq_len: int) -> tuple[int, int]:\n"
                "    E, T = embed_dim, seq_len\n"
                "    params = 3 * E * E + 3 * E + E * E + E  # in_proj + out_proj\n"
                "    return params, num_heads * T * T\n" + SIZES_STORE),
            "module_and_weights": (
                "def self_attention_sizes(embed_dim, num_heads, seq_len):\n"
                "    mha = nn.MultiheadAttention(embed_dim, num_heads)\n"
                "    x = torch.zeros(seq_len, 2, embed_dim)  # (T, B, E), not batch_first\n"
                "    with torch.no_grad():\n"
                "        _, w = mha(x, x, x, average_attn_weights=False)  # (B, h, T, T)\n"
                "    n = sum(p.numel() for p in mha.parameters() if p.requires_grad)\n"
                "    return n, w[0].numel()\n" + SIZES_STORE),
        },
    },
    "q_nonlinearity": mc("q_nonlinearity", "b", "c"),
    "q_vanishing_cause": mc("q_vanishing_cause", "b", "a"),
    "q_sigmoid_depth": {
        "wrong": {"off_by_one": "q_sigmoid_depth = 9\n",
                  "not_whole": ("q_sigmoid_depth = math.log(1e6, 4)\n", "whole number")},
        "correct": {"by_log": "q_sigmoid_depth = int(math.log(1e6, 4)) + 1\n",
                    "whole_float": "q_sigmoid_depth = 10.0\n"},
    },
    "q_cross_entropy": mc("q_cross_entropy", "a", "d"),
    "q_backprop": mc("q_backprop", "b", "a"),
    "q_regularization": mc("q_regularization", "c", "b"),
    "q_batchnorm": mc("q_batchnorm", "a", "d"),
    "q_classic_ml": mc("q_classic_ml", "a", "c"),
    "q_image_size": mc("q_image_size", "a", "b"),
    "q_weight_sharing": mc("q_weight_sharing", "a", "d"),
    "q_receptive_field": {
        "wrong": {"three_times_three": "q_receptive_field = 9\n",
                  "still_none": "q_receptive_field = None\n"},
        "correct": {"literal": "q_receptive_field = 7\n"},
    },
    "q_rnn_long": mc("q_rnn_long", "b", "a"),
    "q_lstm_fix": mc("q_lstm_fix", "b", "c"),
    "q_arima": mc("q_arima", "d", "b"),
    "q_bottleneck": mc("q_bottleneck", "a", "d"),
    "q_self_attention": mc("q_self_attention", "b", "c"),
    "q_positional": mc("q_positional", "b", "a"),
}


# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "grad_norm_ratio": {
        "inverted": (
            "the ratio is inverted: the last layer's gradient norm divided by the first layer's"
        ),
        "activation_gradients": (
            "the gradients are taken w.r.t. the layers' inputs "
            "(the activations h_l) instead of the weights"
        ),
        "float32_draws": "the weights and the batch are drawn in float32 instead of float64",
        "hard_coded": (
            "numbers that are right only for the notebook's own "
            "arguments are typed in instead of measured"
        ),
        "ignores_seed": "the seed argument is ignored and seed 0 is always used",
        "batch_drawn_first": "the batch x is drawn before the weights instead of after them",
        "returns_tensor": "the ratio is returned as a tensor instead of a Python float",
    },
    "logit_grads": {
        "wrt_probability": (
            "the derivatives are taken w.r.t. the probability "
            "p = sigmoid(z) instead of the logit z"
        ),
        "half_mse": "the MSE is taken with a factor 1/2, which halves its derivative",
        "swapped": (
            "the two derivatives are returned in swapped order (cross-entropy first, MSE second)"
        ),
        "float32": "the logit is a float32 tensor instead of float64",
        "hard_coded": (
            "numbers that are right only for the notebook's own "
            "arguments are typed in instead of measured"
        ),
        "magnitudes": (
            "the magnitudes (absolute values) of the derivatives are "
            "returned instead of the signed derivatives"
        ),
    },
    "param_counts": {
        "no_biases": "the biases are left out of the counts: only the weights are counted",
        "flatten_ignores_pooling": (
            "the last Linear layer's input ignores the two "
            "poolings: S x S positions instead of (S/4) x (S/4)"
        ),
        "kernel_not_squared": (
            "a conv layer is counted with k instead of k*k weights per input-output channel pair"
        ),
        "hard_coded": (
            "numbers that are right only for the notebook's own "
            "arguments are typed in instead of measured"
        ),
        "swapped": "the two counts are returned in swapped order (CNN first, MLP second)",
        "float_counts": "the counts are returned as floats instead of Python ints",
    },
    "rnn_jacobian_norm": {
        "spectral_norm_scaling": (
            "the matrix W is rescaled by its spectral norm (largest "
            "singular value) instead of its spectral radius"
        ),
        "no_tanh_derivative": (
            "the tanh' factor diag(1 - h_t^2) is left out, so "
            "the Jacobian is a plain product of W_hh"
        ),
        "one_step_short": (
            "the recurrence runs one step fewer: steps - 1 step "
            "Jacobians are multiplied instead of steps"
        ),
        "float32": (
            "the matrix W and the inputs x are drawn, and the "
            "recurrence run, in float32 instead of float64"
        ),
        "spectral_norm_of_jacobian": (
            "the spectral norm (largest singular value) of the "
            "Jacobian is returned instead of its Frobenius norm"
        ),
        "ignores_seed": "the seed argument is ignored and seed 0 is always used",
        "hard_coded": (
            "numbers that are right only for the notebook's own "
            "arguments are typed in instead of measured"
        ),
    },
    "self_attention_sizes": {
        "averaged_weights": (
            "the attention weights are averaged over the heads, so one T "
            "x T matrix is counted instead of one per head"
        ),
        "no_biases": "the layer's biases are left out of the parameter count",
        "qkv_only": (
            "only the query/key/value input projection is "
            "counted, leaving out the output projection"
        ),
        "hard_coded": (
            "numbers that are right only for the notebook's own "
            "arguments are typed in instead of measured"
        ),
        "list_not_tuple": "the two sizes are returned as a list instead of a tuple",
    },
    "q_nonlinearity": {
        "letter_b": (
            "stacked linear layers without activations are thought "
            "to add capacity beyond one linear layer"
        ),
    },
    "q_vanishing_cause": {
        "letter_b": (
            "the vanishing gradient is blamed on sigmoid's smaller "
            "outputs and loss, not on its derivative of at most 1/4"
        ),
    },
    "q_sigmoid_depth": {
        "off_by_one": (
            "the number of layers is rounded down instead of up, so "
            "the bound (1/4)^L is not yet below 1e-6 there"
        ),
        "not_whole": "the exact logarithm is given instead of a whole number of layers",
    },
    "q_cross_entropy": {
        "letter_a": (
            "cross-entropy is thought to make the loss convex in the weights of any network"
        ),
    },
    "q_backprop": {
        "letter_b": "backward() is thought to compute the updated weights rather than the gradient",
    },
    "q_regularization": {
        "letter_c": (
            "dropout and weight decay are thought to remove units and "
            "weights for good, leaving fewer parameters"
        ),
    },
    "q_batchnorm": {
        "letter_a": (
            "the BatchNorm layer is thought to keep using the "
            "current batch's mean and variance in eval mode"
        ),
    },
    "q_classic_ml": {
        "letter_a": (
            "an L2 penalty is thought to make any model Ridge "
            "regression, whatever the loss it is added to"
        ),
    },
    "q_image_size": {
        "letter_a": (
            "every layer's parameter count is thought to grow with "
            "the number of pixels, conv kernels included"
        ),
    },
    "q_weight_sharing": {
        "letter_a": (
            "max pooling is thought to make the whole network invariant to shifts of any size"
        ),
    },
    "q_receptive_field": {
        "three_times_three": (
            "the widths of the stacked 3x3 kernels are multiplied, as if each "
            "layer scaled the receptive field instead of widening it"
        ),
        "still_none": "the question is left unanswered (the variable is still None)",
    },
    "q_rnn_long": {
        "letter_b": (
            "the fixed-size hidden state is thought to fill up and "
            "overwrite old inputs, rather than the gradient vanishing"
        ),
    },
    "q_lstm_fix": {
        "letter_b": (
            "the LSTM and GRU cells are thought to clip the gradient norm inside every cell"
        ),
    },
    "q_arima": {
        "letter_d": (
            "a tuned LSTM is thought to beat ARIMA/ETS on every "
            "series, short interpretable ones included"
        ),
    },
    "q_bottleneck": {
        "letter_a": (
            "a seq2seq decoder without attention is thought to see every encoder hidden state"
        ),
    },
    "q_self_attention": {
        "letter_b": (
            "self-attention's cost is thought to grow linearly with "
            "the sequence length and an RNN's quadratically"
        ),
    },
    "q_positional": {
        "letter_b": (
            "self-attention is thought to average word order away, "
            "giving the same outputs for a shuffled sentence"
        ),
    },
}
