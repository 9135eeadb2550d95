"""Wrong and correct answers for s1_foundations/mlp_losses, each replacing a whole answer cell."""

MLP_HEAD = '''
class MLP(nn.Module):
    def __init__(self, sizes, activation="relu"):
        super().__init__()
'''

MLP_WRONG = {
    "activation_after_last": (MLP_HEAD + '''
        act = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}[activation]
        layers = []
        for d_in, d_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(d_in, d_out), act()]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
''', "after the last layer"),
    "plain_python_list": (MLP_HEAD + '''
        self.layers = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
        self.act = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[activation]

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = self.act(layer(x))
        return self.layers[-1](x)
''', "nn.ModuleList"),
    "ignores_activation": (MLP_HEAD + '''
        layers = []
        for i in range(len(sizes) - 1):
            layers.append(nn.Linear(sizes[i], sizes[i + 1]))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
''', "where activation"),
    "drops_last_layer": MLP_HEAD + '''
        act = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}[activation]
        layers = []
        for i in range(len(sizes) - 2):
            layers += [nn.Linear(sizes[i], sizes[i + 1]), act()]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
''',
    "transposed_layers": MLP_HEAD + '''
        self.weights = nn.ParameterList(
            [nn.Parameter(torch.randn(a, b) * 0.1) for a, b in zip(sizes[:-1], sizes[1:])])
        self.biases = nn.ParameterList([nn.Parameter(torch.zeros(b)) for b in sizes[1:]])
        self.act = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[activation]

    def forward(self, x):
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            x = x @ w + b
            if i < len(self.weights) - 1:
                x = self.act(x)
        return x
''',
}

MLP_CORRECT = {
    "module_list_functional": MLP_HEAD + '''
        self.layers = nn.ModuleList(
            nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.act = getattr(torch, activation)

    def forward(self, x):
        *hidden, last = self.layers
        for layer in hidden:
            x = self.act(layer(x))
        return last(x)
''',
    "named_attributes": MLP_HEAD + '''
        self.n = len(sizes) - 1
        self.activation = activation
        for i in range(self.n):
            self.add_module(f"fc{i}", nn.Linear(sizes[i], sizes[i + 1]))

    def forward(self, x):
        act = {"relu": F.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[self.activation]
        for i in range(self.n):
            x = getattr(self, f"fc{i}")(x)
            if i < self.n - 1:
                x = act(x)
        return x
''',
}

CE_HEAD = "def cross_entropy(logits, targets):\n"
BCE_HEAD = "def binary_cross_entropy_with_logits(logits, targets):\n"

MUTANTS = {
    "MLP": {"wrong": MLP_WRONG, "correct": MLP_CORRECT},
    "count_parameters": {
        "wrong": {
            "forgets_biases": "def count_parameters(sizes):\n"
                              "    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))",
            "bias_per_input": "def count_parameters(sizes):\n"
                              "    return sum(a * b + a for a, b in zip(sizes[:-1], sizes[1:]))",
            "misses_last_layer": "def count_parameters(sizes):\n"
                                 "    return sum(sizes[i] * sizes[i + 1] + sizes[i + 1]\n"
                                 "               for i in range(len(sizes) - 2))",
        },
        "correct": {
            "from_nn_linear": "def count_parameters(sizes):\n"
                              "    layers = [nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])]\n"
                              "    return sum(p.numel() for l in layers for p in l.parameters())",
            "augmented_input": "def count_parameters(sizes):\n"
                               "    total = 0\n"
                               "    for i in range(1, len(sizes)):\n"
                               "        total += (sizes[i - 1] + 1) * sizes[i]\n"
                               "    return total",
        },
    },
    "mse_loss": {
        "wrong": {
            "forbidden_functional": "def mse_loss(pred, target):\n"
                                    "    return F.mse_loss(pred, target)",
            "forbidden_module": ("def mse_loss(pred, target):\n"
                                 "    return nn.MSELoss()(pred, target)", "implement yourself"),
            "sum_not_mean": "def mse_loss(pred, target):\n"
                            "    return ((pred - target) ** 2).sum()",
            "mean_absolute_error": "def mse_loss(pred, target):\n"
                                   "    return (pred - target).abs().mean()",
            "divides_by_rows": "def mse_loss(pred, target):\n"
                               "    return ((pred - target) ** 2).sum() / pred.shape[0]",
            "detached_item": ("def mse_loss(pred, target):\n"
                              "    return torch.tensor(((pred - target) ** 2).mean().item())",
                              "autograd graph"),
        },
        "correct": {
            "square_and_numel": "def mse_loss(pred, target):\n"
                                "    d = (pred - target).reshape(-1)\n"
                                "    return d @ d / d.numel()",
            "torch_mean_square": "def mse_loss(pred, target):\n"
                                 "    return torch.mean(torch.square(pred - target))",
        },
    },
    "cross_entropy": {
        "wrong": {
            "forbidden_functional": CE_HEAD + "    return F.cross_entropy(logits, targets)",
            "forbidden_module": CE_HEAD + "    return nn.CrossEntropyLoss()(logits, targets)",
            "forbidden_log_softmax": (CE_HEAD + "    logp = F.log_softmax(logits, dim=1)\n"
                                                "    rows = torch.arange(len(targets))\n"
                                                "    return -logp[rows, targets].mean()",
                                      "log_softmax"),
            "forbidden_nll_loss": CE_HEAD + "    lse = logits.logsumexp(1, keepdim=True)\n"
                                            "    return F.nll_loss(logits - lse, targets)",
            "log_of_softmax": (CE_HEAD + "    p = torch.softmax(logits, dim=1)\n"
                                         "    return -torch.log(p[torch.arange(len(targets)), "
                                         "targets]).mean()", "NaN/inf"),
            "naive_exp": CE_HEAD + "    lse = torch.log(torch.exp(logits).sum(dim=1))\n"
                                   "    return (lse - logits[torch.arange(len(targets)), "
                                   "targets]).mean()",
            "sum_not_mean": CE_HEAD + "    rows = torch.arange(logits.shape[0])\n"
                                      "    return (torch.logsumexp(logits, 1) - "
                                      "logits[rows, targets]).sum()",
            "indexes_columns_only": CE_HEAD + "    return (torch.logsumexp(logits, 1) - "
                                              "logits[:, targets]).mean()",
            "one_hot_without_num_classes": CE_HEAD + "    onehot = F.one_hot(targets).float()\n"
                                                     "    lse = torch.logsumexp(logits, 1)\n"
                                                     "    return (lse - (onehot * logits).sum(1)"
                                                     ").mean()",
            "max_instead_of_logsumexp": CE_HEAD + "    rows = torch.arange(logits.shape[0])\n"
                                                  "    return (logits.max(1).values - "
                                                  "logits[rows, targets]).mean()",
        },
        "correct": {
            "manual_max_shift_gather": CE_HEAD +
                "    m = logits.max(dim=1, keepdim=True).values\n"
                "    lse = m.squeeze(1) + torch.log(torch.exp(logits - m).sum(dim=1))\n"
                "    correct = logits.gather(1, targets.unsqueeze(1)).squeeze(1)\n"
                "    return (lse - correct).mean()",
            "one_hot_with_classes": CE_HEAD +
                "    onehot = F.one_hot(targets, logits.shape[1]).to(logits.dtype)\n"
                "    logp = logits - torch.logsumexp(logits, dim=1, keepdim=True)\n"
                "    return -(onehot * logp).sum() / logits.shape[0]",
        },
    },
    "binary_cross_entropy_with_logits": {
        "wrong": {
            "forbidden_functional": BCE_HEAD +
                "    return F.binary_cross_entropy_with_logits(logits, targets)",
            "forbidden_bce_on_sigmoid": (BCE_HEAD +
                "    return F.binary_cross_entropy(torch.sigmoid(logits), targets)",
                "implement yourself"),
            "forbidden_module": BCE_HEAD + "    return nn.BCEWithLogitsLoss()(logits, targets)",
            "naive_log_sigmoid": (BCE_HEAD +
                "    p = torch.sigmoid(logits)\n"
                "    return (-targets * torch.log(p) - (1 - targets) * torch.log(1 - p)).mean()",
                "NaN/inf"),
            "clamped_probabilities": BCE_HEAD +
                "    p = torch.sigmoid(logits).clamp(1e-7, 1 - 1e-7)\n"
                "    return (-targets * torch.log(p) - (1 - targets) * torch.log(1 - p)).mean()",
            "log1p_exp_overflows": BCE_HEAD +
                "    return (torch.log1p(torch.exp(-logits)) + (1 - targets) * logits).mean()",
            "sum_not_mean": BCE_HEAD +
                "    return (logits.clamp(min=0) - logits * targets\n"
                "            + torch.log1p(torch.exp(-logits.abs()))).sum()",
            "sign_error": BCE_HEAD +
                "    return (logits.clamp(min=0) + logits * targets\n"
                "            + torch.log1p(torch.exp(-logits.abs()))).mean()",
        },
        "correct": {
            "softplus": BCE_HEAD + "    return (F.softplus(logits) - logits * targets).mean()",
            "logsigmoid_both_sides": BCE_HEAD +
                "    return -(targets * F.logsigmoid(logits)\n"
                "             + (1 - targets) * F.logsigmoid(-logits)).mean()",
        },
    },
    "q_linear_collapse": {"wrong": {"more_parameters": 'q_linear_collapse = "b"',
                                    "still_none": ("q_linear_collapse = None", "still None")}},
    "q_universal": {"wrong": {"training_finds_it": 'q_universal = "a"'}},
    "q_grad_ratio": {"wrong": {"inverted": "q_grad_ratio = 1 / 203",
                               "truncated": "q_grad_ratio = 202"}},
}


# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "MLP": {
        "activation_after_last": "the activation is also applied after the last linear layer",
        "plain_python_list": (
            "the layers are kept in a plain Python list, so they are not registered and "
            ".parameters() misses them"
        ),
        "ignores_activation": "the activation argument is ignored and ReLU is always used",
        "drops_last_layer": (
            "the last linear layer is left out and the network ends with an activation"
        ),
        "transposed_layers": (
            "the weights are made as (d_in, d_out) parameters instead of nn.Linear layers, whose "
            "weight is (d_out, d_in)"
        ),
    },
    "count_parameters": {
        "forgets_biases": "the biases are not counted",
        "bias_per_input": (
            "each layer counts one bias per input unit instead of one per output unit"
        ),
        "misses_last_layer": "the parameters of the last layer are left out of the count",
    },
    "mse_loss": {
        "sum_not_mean": "the squared errors are summed instead of averaged",
        "mean_absolute_error": "the absolute errors are averaged instead of the squared errors",
        "divides_by_rows": (
            "the sum of squared errors is divided by the number of rows instead of the number of "
            "elements"
        ),
        "detached_item": (
            "the loss is rebuilt from a Python number, so it is cut off from the autograd graph"
        ),
    },
    "cross_entropy": {
        "log_of_softmax": (
            "the log is taken of the softmax probabilities, which underflow to log(0) = -inf for "
            "very negative logits"
        ),
        "naive_exp": (
            "logsumexp is computed as log(sum(exp(z))) without subtracting the row maximum, so exp"
            " overflows"
        ),
        "sum_not_mean": "the per-example losses are summed over the batch instead of averaged",
        "indexes_columns_only": (
            "the target logits are picked by column only, so every row is paired with every "
            "example's target"
        ),
        "one_hot_without_num_classes": (
            "the one-hot targets are built without the number of classes, so their width follows "
            "the largest target"
        ),
        "max_instead_of_logsumexp": (
            "the row maximum is used in place of the logsumexp of the logits"
        ),
    },
    "binary_cross_entropy_with_logits": {
        "naive_log_sigmoid": (
            "the loss takes the log of sigmoid(z) and 1 - sigmoid(z), which gives NaN or inf once "
            "sigmoid(z) rounds to 0 or 1"
        ),
        "clamped_probabilities": (
            "the sigmoid probabilities are clamped away from 0 and 1 before the log, which caps "
            "the loss of very wrong logits"
        ),
        "log1p_exp_overflows": (
            "exp is taken of -z instead of -|z|, so it overflows to inf for very negative logits"
        ),
        "sum_not_mean": "the per-element losses are summed instead of averaged",
        "sign_error": "the z*y term is added instead of subtracted",
    },
    "q_linear_collapse": {
        "more_parameters": (
            "two stacked linear layers without an activation are thought to be more expressive "
            "because they have more parameters"
        ),
        "still_none": "the checkpoint answer is left at None",
    },
    "q_universal": {
        "training_finds_it": (
            "the theorem is thought to promise that gradient descent always finds a near-perfect "
            "fit"
        ),
    },
    "q_grad_ratio": {
        "inverted": (
            "the ratio is taken the other way round, the MSE gradient over the BCE gradient"
        ),
        "truncated": "the ratio is truncated instead of rounded to the nearest integer",
    },
}
