"""Wrong and correct answers for s1_foundations/neurons: each replaces one answer cell."""

MUTANTS = {
    "neuron_forward": {
        "wrong": {
            "act_before_bias": (
                "def neuron_forward(x, w, b, activation):\n"
                "    return activation(x @ w) + b\n",
                "bias is added after the activation"),
            "forgets_bias": (
                "def neuron_forward(x, w, b, activation):\n"
                "    return activation(x @ w)\n",
                "bias b is missing"),
            "column_output": (
                "def neuron_forward(x, w, b, activation):\n"
                "    return activation(x @ w.unsqueeze(1) + b)\n",
                "has shape"),
            "activates_inputs": (
                "def neuron_forward(x, w, b, activation):\n"
                "    return activation(x) @ w + b\n"),
        },
        "correct": {
            "einsum": (
                "def neuron_forward(x, w, b, activation):\n"
                "    return activation(torch.einsum('nd,d->n', x, w) + b)\n"),
            "broadcast_sum": (
                "def neuron_forward(x, w, b, activation):\n"
                "    z = (x * w).sum(dim=1)\n"
                "    z = z + b\n"
                "    return activation(z)\n"),
        },
    },
    "perceptron_train": {
        "wrong": {
            "early_stopping": (
                "def perceptron_train(X, y, epochs, lr):\n"
                "    w, b, errors = torch.zeros(X.shape[1], dtype=X.dtype), 0.0, []\n"
                "    for _ in range(epochs):\n"
                "        m = 0\n"
                "        for xi, yi in zip(X, y):\n"
                "            p = 1.0 if float(xi @ w + b) > 0 else 0.0\n"
                "            if p != float(yi):\n"
                "                w = w + lr * (float(yi) - p) * xi\n"
                "                b += lr * (float(yi) - p)\n"
                "                m += 1\n"
                "        errors.append(m)\n"
                "        if m == 0:\n"
                "            break\n"
                "    return w, b, errors\n",
                "no early stopping"),
            "always_update": (
                "def perceptron_train(X, y, epochs, lr):\n"
                "    w, b, errors = torch.zeros(X.shape[1], dtype=X.dtype), 0.0, []\n"
                "    for _ in range(epochs):\n"
                "        m = 0\n"
                "        for xi, yi in zip(X, y):\n"
                "            p = 1.0 if float(xi @ w + b) > 0 else 0.0\n"
                "            m += int(p != float(yi))\n"
                "            sign = 2 * float(yi) - 1\n"
                "            w = w + lr * sign * xi\n"
                "            b += lr * sign\n"
                "        errors.append(m)\n"
                "    return w, b, errors\n"),
            "delta_rule": (
                "def perceptron_train(X, y, epochs, lr):\n"
                "    w, b, errors = torch.zeros(X.shape[1], dtype=X.dtype), 0.0, []\n"
                "    for _ in range(epochs):\n"
                "        m = 0\n"
                "        for xi, yi in zip(X, y):\n"
                "            z = float(xi @ w + b)\n"
                "            p = 1.0 if z > 0 else 0.0\n"
                "            if p != float(yi):\n"
                "                m += 1\n"
                "            w = w + lr * (float(yi) - z) * xi\n"
                "            b += lr * (float(yi) - z)\n"
                "        errors.append(m)\n"
                "    return w, b, errors\n"),
            "threshold_at_zero_is_one": (
                "def perceptron_train(X, y, epochs, lr):\n"
                "    w, b, errors = torch.zeros(X.shape[1], dtype=X.dtype), 0.0, []\n"
                "    for _ in range(epochs):\n"
                "        m = 0\n"
                "        for xi, yi in zip(X, y):\n"
                "            p = 1.0 if float(xi @ w + b) >= 0 else 0.0\n"
                "            if p != float(yi):\n"
                "                w = w + lr * (float(yi) - p) * xi\n"
                "                b += lr * (float(yi) - p)\n"
                "                m += 1\n"
                "        errors.append(m)\n"
                "    return w, b, errors\n",
                "departs from the perceptron rule"),
            "signed_error_count": (
                "def perceptron_train(X, y, epochs, lr):\n"
                "    w, b, errors = torch.zeros(X.shape[1], dtype=X.dtype), 0.0, []\n"
                "    for _ in range(epochs):\n"
                "        m = 0\n"
                "        for xi, yi in zip(X, y):\n"
                "            p = 1.0 if float(xi @ w + b) > 0 else 0.0\n"
                "            w = w + lr * (float(yi) - p) * xi\n"
                "            b += lr * (float(yi) - p)\n"
                "            m += int(float(yi) - p)\n"
                "        errors.append(m)\n"
                "    return w, b, errors\n",
                "never negative"),
            "shuffles": (
                "def perceptron_train(X, y, epochs, lr):\n"
                "    w, b, errors = torch.zeros(X.shape[1], dtype=X.dtype), 0.0, []\n"
                "    g = torch.Generator().manual_seed(0)\n"
                "    for _ in range(epochs):\n"
                "        m = 0\n"
                "        for i in torch.randperm(len(X), generator=g).tolist():\n"
                "            p = 1.0 if float(X[i] @ w + b) > 0 else 0.0\n"
                "            if p != float(y[i]):\n"
                "                w = w + lr * (float(y[i]) - p) * X[i]\n"
                "                b += lr * (float(y[i]) - p)\n"
                "                m += 1\n"
                "        errors.append(m)\n"
                "    return w, b, errors\n"),
            "ignores_lr": (
                "def perceptron_train(X, y, epochs, lr):\n"
                "    w, b, errors = torch.zeros(X.shape[1], dtype=X.dtype), 0.0, []\n"
                "    for _ in range(epochs):\n"
                "        m = 0\n"
                "        for xi, yi in zip(X, y):\n"
                "            p = 1.0 if float(xi @ w + b) > 0 else 0.0\n"
                "            if p != float(yi):\n"
                "                w = w + (float(yi) - p) * xi\n"
                "                b += float(yi) - p\n"
                "                m += 1\n"
                "        errors.append(m)\n"
                "    return w, b, errors\n",
                "the final w"),
            "float32_weights": (
                "def perceptron_train(X, y, epochs, lr):\n"
                "    w, b, errors = torch.zeros(X.shape[1]), 0.0, []\n"
                "    for _ in range(epochs):\n"
                "        m = 0\n"
                "        for xi, yi in zip(X, y):\n"
                "            p = 1.0 if float((xi * w).sum() + b) > 0 else 0.0\n"
                "            if p != float(yi):\n"
                "                w += lr * (float(yi) - p) * xi\n"
                "                b += lr * (float(yi) - p)\n"
                "                m += 1\n"
                "        errors.append(m)\n"
                "    return w, b, errors\n",
                "dtype=X.dtype"),
            "labels_plus_minus_one": (
                "def perceptron_train(X, y, epochs, lr):\n"
                "    w, b, errors = torch.zeros(X.shape[1], dtype=X.dtype), 0.0, []\n"
                "    for _ in range(epochs):\n"
                "        m = 0\n"
                "        for xi, yi in zip(X, y):\n"
                "            if float(yi) * float(xi @ w + b) <= 0:\n"
                "                w = w + lr * float(yi) * xi\n"
                "                b += lr * float(yi)\n"
                "                m += 1\n"
                "        errors.append(m)\n"
                "    return w, b, errors\n"),
        },
        "correct": {
            "tensor_bias_and_int_prediction": (
                "def perceptron_train(X, y, epochs, lr):\n"
                "    N, D = X.shape\n"
                "    w = X.new_zeros(D)\n"
                "    b = X.new_zeros(())\n"
                "    history = []\n"
                "    for epoch in range(epochs):\n"
                "        count = 0\n"
                "        for i in range(N):\n"
                "            y_hat = int(torch.dot(X[i], w) + b > 0)\n"
                "            err = int(y[i]) - y_hat\n"
                "            if err:\n"
                "                w += lr * err * X[i]\n"
                "                b += lr * err\n"
                "                count += 1\n"
                "        history.append(count)\n"
                "    return w, b, history\n"),
            "step_function_helper": (
                "def perceptron_train(X, y, epochs, lr):\n"
                "    step = lambda z: (z > 0).to(X.dtype)\n"
                "    w = torch.zeros_like(X[0])\n"
                "    b = 0.0\n"
                "    errors_per_epoch = []\n"
                "    for _ in range(epochs):\n"
                "        wrong = 0\n"
                "        for x_i, y_i in zip(X, y.to(X.dtype)):\n"
                "            update = lr * (y_i - step(w @ x_i + b))\n"
                "            if update.item() != 0.0:\n"
                "                w = w + update * x_i\n"
                "                b = b + update.item()\n"
                "                wrong += 1\n"
                "        errors_per_epoch.append(wrong)\n"
                "    return w, b, errors_per_epoch\n"),
        },
    },
    "sigmoid": {
        "wrong": {
            "forbidden_builtin": "def sigmoid(x):\n    return torch.sigmoid(x)\n",
            "forbidden_method": "def sigmoid(x):\n    return x.sigmoid()\n",
            "forbidden_expit": "def sigmoid(x):\n    return torch.special.expit(x)\n",
            "forbidden_functional": (
                "import torch.nn.functional as F\n"
                "def sigmoid(x):\n    return F.sigmoid(x)\n"),
            "overflows_exp_ratio": (
                "def sigmoid(x):\n    return torch.exp(x) / (1 + torch.exp(x))\n", "NaN"),
            "clamps_input": (
                "def sigmoid(x):\n"
                "    x = x.clamp(-10, 10)  # 'for stability'\n"
                "    return 1 / (1 + torch.exp(-x))\n"),
            "upcasts_to_float64": (
                "def sigmoid(x):\n"
                "    x = x.double()\n"
                "    return 1 / (1 + torch.exp(-x))\n",
                "dtype"),
            "python_math": (
                "def sigmoid(x):\n    return 1 / (1 + math.exp(-x))\n"),
        },
        "correct": {
            "naive_is_fine_in_torch": "def sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n",
            "via_logaddexp": (
                "def sigmoid(x):\n"
                "    return torch.exp(-torch.logaddexp(torch.zeros_like(x), -x))\n"),
        },
    },
    "sigmoid_grad": {
        "wrong": {
            "forbidden_builtin": (
                "def sigmoid_grad(x):\n    s = torch.sigmoid(x)\n    return s * (1 - s)\n"),
            "forbidden_autograd": (
                "def sigmoid_grad(x):\n"
                "    x = x.detach().clone().requires_grad_(True)\n"
                "    sigmoid(x).sum().backward()\n"
                "    return x.grad\n"),
            "formula_on_input": "def sigmoid_grad(x):\n    return x * (1 - x)\n",
            "overflows_exp_ratio": (
                "def sigmoid_grad(x):\n"
                "    return torch.exp(-x) / (1 + torch.exp(-x)) ** 2\n", "NaN"),
        },
        "correct": {
            "symmetric_product": "def sigmoid_grad(x):\n    return sigmoid(x) * sigmoid(-x)\n",
            "stable_exp": (
                "def sigmoid_grad(x):\n"
                "    z = torch.exp(-x.abs())\n"
                "    return z / (1 + z) ** 2\n"),
        },
    },
    "tanh": {
        "wrong": {
            "forbidden_builtin": "def tanh(x):\n    return torch.tanh(x)\n",
            "forbidden_method": "def tanh(x):\n    return x.tanh()\n",
            "forbidden_torch_sigmoid": "def tanh(x):\n    return 2 * torch.sigmoid(2 * x) - 1\n",
            "overflows_exp_ratio": (
                "def tanh(x):\n"
                "    return (torch.exp(x) - torch.exp(-x)) / (torch.exp(x) + torch.exp(-x))\n",
                "NaN"),
            "forgets_factor_two": "def tanh(x):\n    return 2 * sigmoid(x) - 1\n",
            "upcasts_to_float64": (
                "def tanh(x):\n"
                "    return 2 * sigmoid(2 * x.double()) - 1\n", "dtype"),
        },
        "correct": {
            "via_own_sigmoid": "def tanh(x):\n    return 2 * sigmoid(2 * x) - 1\n",
            "two_branches": (
                "def tanh(x):\n"
                "    z = torch.exp(-2 * x.abs())\n"
                "    return torch.where(x >= 0, (1 - z) / (1 + z), (z - 1) / (1 + z))\n"),
        },
    },
    "tanh_grad": {
        "wrong": {
            "forbidden_builtin": "def tanh_grad(x):\n    return 1 - torch.tanh(x) ** 2\n",
            "forbidden_autograd": (
                "def tanh_grad(x):\n"
                "    x = x.detach().clone().requires_grad_(True)\n"
                "    return torch.autograd.grad(tanh(x).sum(), x)[0]\n"),
            "formula_on_input": "def tanh_grad(x):\n    return 1 - x ** 2\n",
            "forgets_square": "def tanh_grad(x):\n    return 1 - tanh(x)\n",
        },
        "correct": {
            "sech_squared": (
                "def tanh_grad(x):\n    return 4 / (torch.exp(x) + torch.exp(-x)) ** 2\n"),
            "factored": "def tanh_grad(x):\n    t = tanh(x)\n    return (1 - t) * (1 + t)\n",
        },
    },
    "relu": {
        "wrong": {
            "forbidden_builtin": "def relu(x):\n    return torch.relu(x)\n",
            "forbidden_functional": (
                "import torch.nn.functional as F\n"
                "def relu(x):\n    return F.relu(x)\n"),
            "forbidden_module": "def relu(x):\n    return torch.nn.ReLU()(x)\n",
            "in_place": ("def relu(x):\n    x[x < 0] = 0\n    return x\n", "in place"),
            "clamps_wrong_side": "def relu(x):\n    return x.clamp(max=0)\n",
            "python_list": (
                "def relu(x):\n"
                "    return torch.tensor([max(v, 0.0) for v in x.flatten().tolist()])\n"),
        },
        "correct": {
            "clamp": "def relu(x):\n    return torch.clamp(x, min=0)\n",
            "average_with_abs": "def relu(x):\n    return (x + x.abs()) / 2\n",
            "mask_multiply": "def relu(x):\n    return x * (x > 0)\n",
        },
    },
    "relu_grad": {
        "wrong": {
            "forbidden_builtin": "def relu_grad(x):\n    return (torch.relu(x) > 0).to(x.dtype)\n",
            "forbidden_autograd": (
                "def relu_grad(x):\n"
                "    x = x.detach().clone().requires_grad_(True)\n"
                "    relu(x).sum().backward()\n"
                "    return x.grad\n"),
            "one_at_zero": ("def relu_grad(x):\n    return (x >= 0).to(x.dtype)\n", "x = 0"),
            "returns_bool": ("def relu_grad(x):\n    return x > 0\n", "dtype"),
            "always_float32": ("def relu_grad(x):\n    return (x > 0).float()\n", "float64"),
        },
        "correct": {
            "where_ones": (
                "def relu_grad(x):\n"
                "    return torch.where(x > 0, torch.ones_like(x), torch.zeros_like(x))\n"),
            "heaviside": "def relu_grad(x):\n    return torch.heaviside(x, torch.zeros_like(x))\n",
        },
    },
    "gradient_norms": {
        "wrong": {
            "reversed": (
                "def gradient_norms(weights, activation, x):\n"
                "    h = x.detach().clone().requires_grad_(True)\n"
                "    hs = []\n"
                "    for W in weights:\n"
                "        h.retain_grad()\n"
                "        hs.append(h)\n"
                "        h = activation(h @ W.T)\n"
                "    h.sum().backward()\n"
                "    return [t.grad.norm().item() for t in reversed(hs)]\n",
                "reverse order"),
            "wrt_weights": (
                "def gradient_norms(weights, activation, x):\n"
                "    ws = [W.detach().clone().requires_grad_(True) for W in weights]\n"
                "    h = x\n"
                "    for W in ws:\n"
                "        h = activation(h @ W.T)\n"
                "    h.sum().backward()\n"
                "    return [W.grad.norm().item() for W in ws]\n"),
            "includes_output": (
                "def gradient_norms(weights, activation, x):\n"
                "    h = x.detach().clone().requires_grad_(True)\n"
                "    hs = [h]\n"
                "    for W in weights:\n"
                "        h = activation(h @ W.T)\n"
                "        hs.append(h)\n"
                "    grads = torch.autograd.grad(h.sum(), hs)\n"
                "    return [g.norm().item() for g in grads]\n",
                "one per layer"),
            "outputs_not_inputs": (
                "def gradient_norms(weights, activation, x):\n"
                "    h = x.detach().clone().requires_grad_(True)\n"
                "    hs = []\n"
                "    for W in weights:\n"
                "        h = activation(h @ W.T)\n"
                "        hs.append(h)\n"
                "    grads = torch.autograd.grad(h.sum(), hs)\n"
                "    return [g.norm().item() for g in grads]\n"),
            "mean_loss": (
                "def gradient_norms(weights, activation, x):\n"
                "    h = x.detach().clone().requires_grad_(True)\n"
                "    hs = []\n"
                "    for W in weights:\n"
                "        hs.append(h)\n"
                "        h = activation(h @ W.T)\n"
                "    grads = torch.autograd.grad(h.mean(), hs)\n"
                "    return [g.norm().item() for g in grads]\n"),
            "no_last_activation": (
                "def gradient_norms(weights, activation, x):\n"
                "    h = x.detach().clone().requires_grad_(True)\n"
                "    hs = []\n"
                "    for i, W in enumerate(weights):\n"
                "        hs.append(h)\n"
                "        h = h @ W.T\n"
                "        if i < len(weights) - 1:\n"
                "            h = activation(h)\n"
                "    grads = torch.autograd.grad(h.sum(), hs)\n"
                "    return [g.norm().item() for g in grads]\n"),
        },
        "correct": {
            "retain_grad": (
                "def gradient_norms(weights, activation, x):\n"
                "    h = x.clone().float().requires_grad_()\n"
                "    kept = []\n"
                "    for W in weights:\n"
                "        h.retain_grad()\n"
                "        kept.append(h)\n"
                "        h = activation(h @ W.T)\n"
                "    h.sum().backward()\n"
                "    return [float(t.grad.norm()) for t in kept]\n"),
            "layerwise_vjp_backwards": (
                "def gradient_norms(weights, activation, x):\n"
                "    hs = [x]\n"
                "    for W in weights[:-1]:\n"
                "        hs.append(activation(hs[-1] @ W.T))\n"
                "    g = None\n"
                "    norms = []\n"
                "    for h, W in zip(reversed(hs), reversed(weights)):\n"
                "        h = h.detach().requires_grad_(True)\n"
                "        out = activation(h @ W.T)\n"
                "        g = torch.ones_like(out) if g is None else g\n"
                "        (g,) = torch.autograd.grad(out, h, grad_outputs=g)\n"
                "        norms.append(g.norm().item())\n"
                "    return norms[::-1]\n"),
        },
    },
    "get_device": {
        "wrong": {
            "ignores_env": (
                "def get_device():\n"
                "    if torch.backends.mps.is_available():\n"
                "        return torch.device('mps')\n"
                "    if torch.cuda.is_available():\n"
                "        return torch.device('cuda')\n"
                "    return torch.device('cpu')\n"),
            "cuda_first": (
                "def get_device():\n"
                "    if os.environ.get('DLCORE_DEVICE'):\n"
                "        return torch.device(os.environ['DLCORE_DEVICE'])\n"
                "    if torch.cuda.is_available():\n"
                "        return torch.device('cuda')\n"
                "    if torch.backends.mps.is_available():\n"
                "        return torch.device('mps')\n"
                "    return torch.device('cpu')\n"),
            "returns_string": (
                "def get_device():\n"
                "    if os.environ.get('DLCORE_DEVICE'):\n"
                "        return os.environ['DLCORE_DEVICE']\n"
                "    if torch.backends.mps.is_available():\n"
                "        return 'mps'\n"
                "    return 'cuda' if torch.cuda.is_available() else 'cpu'\n",
                "should return a torch.device"),
            "env_key_error": (
                "def get_device():\n"
                "    wanted = os.environ['DLCORE_DEVICE']\n"
                "    if wanted:\n"
                "        return torch.device(wanted)\n"
                "    if torch.backends.mps.is_available():\n"
                "        return torch.device('mps')\n"
                "    return torch.device('cuda' if torch.cuda.is_available() else 'cpu')\n",
                "KeyError"),
        },
        "correct": {
            "candidate_loop": (
                "def get_device():\n"
                "    override = os.getenv('DLCORE_DEVICE')\n"
                "    if override:\n"
                "        return torch.device(override)\n"
                "    checks = [('mps', torch.backends.mps.is_available),\n"
                "              ('cuda', torch.cuda.is_available)]\n"
                "    for name, ok in checks:\n"
                "        if ok():\n"
                "            return torch.device(name)\n"
                "    return torch.device('cpu')\n"),
        },
    },
    "to_device": {
        "wrong": {
            "forgets_dicts": (
                "def to_device(batch, device):\n"
                "    if isinstance(batch, torch.Tensor):\n"
                "        return batch.to(device)\n"
                "    if isinstance(batch, (list, tuple)):\n"
                "        return type(batch)(to_device(b, device) for b in batch)\n"
                "    return batch\n",
                "still on cpu"),
            "tuples_become_lists": (
                "def to_device(batch, device):\n"
                "    if isinstance(batch, torch.Tensor):\n"
                "        return batch.to(device)\n"
                "    if isinstance(batch, dict):\n"
                "        return {k: to_device(v, device) for k, v in batch.items()}\n"
                "    if isinstance(batch, (list, tuple)):\n"
                "        return [to_device(b, device) for b in batch]\n"
                "    return batch\n",
                "should stay a tuple"),
            "not_recursive": (
                "def to_device(batch, device):\n"
                "    if isinstance(batch, torch.Tensor):\n"
                "        return batch.to(device)\n"
                "    if isinstance(batch, dict):\n"
                "        return {k: v.to(device) if torch.is_tensor(v) else v\n"
                "                for k, v in batch.items()}\n"
                "    return type(batch)(b.to(device) if torch.is_tensor(b) else b\n"
                "                       for b in batch)\n"),
            "drops_non_tensors": (
                "def to_device(batch, device):\n"
                "    if isinstance(batch, torch.Tensor):\n"
                "        return batch.to(device)\n"
                "    if isinstance(batch, dict):\n"
                "        return {k: to_device(v, device) for k, v in batch.items()\n"
                "                if isinstance(v, (torch.Tensor, list, tuple, dict))}\n"
                "    return type(batch)(to_device(b, device) for b in batch\n"
                "                       if isinstance(b, (torch.Tensor, list, tuple, dict)))\n"),
            "recurses_into_strings": (
                "from collections.abc import Mapping, Sequence\n"
                "def to_device(batch, device):\n"
                "    if isinstance(batch, torch.Tensor):\n"
                "        return batch.to(device)\n"
                "    if isinstance(batch, Mapping):\n"
                "        return {k: to_device(v, device) for k, v in batch.items()}\n"
                "    if isinstance(batch, Sequence):\n"
                "        return type(batch)([to_device(b, device) for b in batch])\n"
                "    return batch\n",
                "RecursionError"),
        },
        "correct": {
            "pytree_map": (
                "from torch.utils._pytree import tree_map\n"
                "def to_device(batch, device):\n"
                "    return tree_map(lambda v: v.to(device) if isinstance(v, torch.Tensor)\n"
                "                    else v, batch)\n"),
            "match_statement": (
                "def to_device(batch, device):\n"
                "    match batch:\n"
                "        case torch.Tensor():\n"
                "            return batch.to(device=device)\n"
                "        case dict():\n"
                "            return dict((k, to_device(v, device)) for k, v in batch.items())\n"
                "        case tuple():\n"
                "            return tuple(to_device(v, device) for v in batch)\n"
                "        case list():\n"
                "            return [to_device(v, device) for v in batch]\n"
                "        case _:\n"
                "            return batch\n"),
        },
    },
    "q_linear_stack": {
        "wrong": {"universal": 'q_linear_stack = "c"\n'},
        "correct": {"upper_case": 'q_linear_stack = " B "\n'},
    },
    "q_sigmoid_grad0": {
        "wrong": {"one_half": "q_sigmoid_grad0 = 0.5\n", "still_none": "q_sigmoid_grad0 = None\n"},
        "correct": {"fraction": "q_sigmoid_grad0 = 1 / 4\n"},
    },
    "q_vanishing": {
        "wrong": {"sigmoid": 'q_vanishing = "a"\n'},
        "correct": {"upper_case": 'q_vanishing = "B"\n'},
    },
}

# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "neuron_forward": {
        "act_before_bias": "the bias is added after the activation instead of inside it",
        "forgets_bias": "the bias b is left out of the weighted sum",
        "column_output": (
            "w is used as a (D, 1) column, so the output is (N, 1) instead of one activation per "
            "example"),
        "activates_inputs": (
            "the activation is applied to the inputs x before the weighted sum instead of to x w "
            "+ b"),
    },
    "perceptron_train": {
        "early_stopping": (
            "training stops after the first epoch without mistakes instead of running all the "
            "epochs"),
        "always_update":
            "the weights are updated on every sample, even when the prediction is already right",
        "delta_rule": (
            "every sample updates with the error of the raw score w.x + b (delta rule) instead of"
            " y - y_hat on mistakes"),
        "threshold_at_zero_is_one": (
            "the step function predicts 1 when w.x + b is exactly 0 (it fires on >= 0 instead of "
            "> 0)"),
        "signed_error_count": (
            "the mistakes are counted as the signed error y - y_hat, so false positives subtract "
            "from the count"),
        "shuffles":
            "the samples are visited in a shuffled order instead of in order 0, 1, ..., N-1",
        "ignores_lr": "the learning rate lr is left out of the updates of w and b",
        "float32_weights": "w starts as a float32 tensor instead of taking X's dtype",
        "labels_plus_minus_one": (
            "the labels are treated as -1/+1 (update when y (w.x + b) <= 0) although they are 0/1"
            " here"),
    },
    "sigmoid": {
        "overflows_exp_ratio":
            "sigmoid is computed as e^x / (1 + e^x), which overflows to inf/inf = nan for large x",
        "clamps_input": (
            "the input is clamped to [-10, 10] before the sigmoid, which changes the results for "
            "large |x|"),
        "upcasts_to_float64":
            "the input is converted to float64, so the result does not keep the input's dtype",
    },
    "sigmoid_grad": {
        "formula_on_input":
            "the formula s (1 - s) is applied to the input x instead of to s = sigmoid(x)",
        "overflows_exp_ratio": (
            "the derivative is computed as e^-x / (1 + e^-x)^2, which overflows to nan for large "
            "negative x"),
    },
    "tanh": {
        "overflows_exp_ratio": (
            "tanh is computed as (e^x - e^-x) / (e^x + e^-x), which overflows to inf/inf = nan "
            "for large |x|"),
        "forgets_factor_two":
            "tanh is built as 2 sigmoid(x) - 1, without doubling x inside the sigmoid",
        "upcasts_to_float64":
            "the input is converted to float64, so the result does not keep the input's dtype",
    },
    "tanh_grad": {
        "formula_on_input":
            "the formula 1 - t^2 is applied to the input x instead of to t = tanh(x)",
        "forgets_square": "tanh(x) is not squared in the derivative 1 - tanh^2(x)",
    },
    "relu": {
        "in_place":
            "the negative entries of x are zeroed in place, which changes the caller's tensor",
        "clamps_wrong_side":
            "the wrong side is clamped: positive values are zeroed and negative ones kept",
        "python_list": (
            "the values go through a Python list, so the result is flattened and loses the "
            "input's shape and dtype"),
    },
    "relu_grad": {
        "one_at_zero": (
            "x = 0 counts as active, so the slope at exactly 0 is 1 instead of PyTorch's "
            "convention"),
        "returns_bool": "the mask is returned as booleans instead of being converted to x's dtype",
        "always_float32": "the mask is always converted to float32 instead of to x's dtype",
    },
    "gradient_norms": {
        "reversed": (
            "the norms are listed last layer first, in backprop order, instead of first layer "
            "first"),
        "wrt_weights":
            "the gradients are taken with respect to the weights instead of each layer's input",
        "includes_output": (
            "the gradient w.r.t. the final output h_L is added to the list, giving one norm too "
            "many"),
        "outputs_not_inputs": (
            "the gradients are taken w.r.t. each layer's output h_1..h_L instead of its input "
            "h_0..h_{L-1}"),
        "mean_loss": "the loss is the mean of h_L instead of its sum",
        "no_last_activation": "the activation is left out after the last layer",
    },
    "get_device": {
        "ignores_env": "the DLCORE_DEVICE environment variable is ignored",
        "cuda_first": "cuda is checked before mps instead of after it",
        "returns_string": "the device is returned as a string instead of a torch.device",
    },
    "to_device": {
        "forgets_dicts": "dicts are not recursed into, so the tensors inside them are not moved",
        "tuples_become_lists":
            "tuples are rebuilt as lists instead of keeping their container type",
        "not_recursive": (
            "only the top level of the batch is visited, so tensors in nested containers are not "
            "moved"),
        "drops_non_tensors": (
            "values that are not tensors or containers (ints, strings, None) are dropped instead "
            "of kept"),
    },
    "q_linear_stack": {
        "universal": (
            "stacked linear layers without activations are thought to approximate any continuous "
            "function"),
    },
    "q_sigmoid_grad0": {
        "one_half": "the sigmoid's slope at 0 is confused with its value sigma(0)",
        "still_none": "the checkpoint is left unanswered",
    },
    "q_vanishing": {
        "sigmoid":
            "sigmoid is thought to keep the first layers' gradients from vanishing in the deep net",
    },
}
