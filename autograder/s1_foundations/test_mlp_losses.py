"""Hidden grader for s1_foundations/mlp_losses: MLP, count_parameters, three losses, checkpoints."""

import torch
import torch.nn.functional as F
from torch import nn

from dlcore.grading import ATOL, RTOL, check_tensor, check_type, exercise, fail, rng
from dlcore.questions import check_answer

MSE = ["torch.nn.functional.mse_loss"]
CE = ["torch.nn.functional.cross_entropy", "torch.nn.functional.nll_loss",
      "torch.nn.functional.log_softmax", "torch.log_softmax", "torch.Tensor.log_softmax",
      "torch.special.log_softmax"]
BCE = ["torch.nn.functional.binary_cross_entropy_with_logits",
       "torch.nn.functional.binary_cross_entropy", "torch.binary_cross_entropy_with_logits"]
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


# ---------------------------------------------------------------- MLP
# Probes run in the sandbox; each is named after its exercise, so feedback such as
# "MLP raised ..." or "MLP is not implemented yet" names what the student wrote.

def MLP(ns, sizes, activation=None, weights=None, x=None):
    """Parameter shapes of the student's MLP(sizes[, activation]); with weights, also load
    (W, b) into its nn.Linear layers in order and run x through it."""
    import torch
    from torch import nn

    model = ns["MLP"](sizes) if activation is None else ns["MLP"](sizes, activation)
    shapes = [tuple(v.shape) for v in model.state_dict().values()]
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    found = {"shapes": shapes, "n_linear": len(linears), "out": None}
    if weights is None or len(linears) != len(weights):
        return found
    model = model.to(x.device)
    with torch.no_grad():
        for lin, (w, b) in zip(linears, weights, strict=True):
            if lin.bias is None:
                found["no_bias"] = True
                return found
            if lin.weight.shape != w.shape or lin.bias.shape != b.shape:
                found["bad_layer"] = (tuple(lin.weight.shape), tuple(w.shape))
                return found
            lin.weight.copy_(w)
            lin.bias.copy_(b)
        found["out"] = model(x)
    return found


def random_weights(sizes, seed, last_bias_shift=0.0):
    g = rng(seed)
    weights = []
    for d_in, d_out in zip(sizes[:-1], sizes[1:], strict=False):
        w = torch.randn(d_out, d_in, generator=g) * (1.5 / d_in ** 0.5)  # (d_out, d_in)
        b = 0.5 * torch.randn(d_out, generator=g)                        # (d_out,)
        weights.append((w, b))
    weights[-1] = (weights[-1][0], weights[-1][1] + last_bias_shift)
    return weights


def reference(weights, activation, x, act_after_last=False):
    """float64 oracle: nn.Sequential of nn.Linear and the activation module."""
    layers = []
    for i, (w, b) in enumerate(weights):
        lin = nn.Linear(w.shape[1], w.shape[0]).double()
        with torch.no_grad():
            lin.weight.copy_(w.double())
            lin.bias.copy_(b.double())
        layers.append(lin)
        if i < len(weights) - 1 or act_after_last:
            layers.append(ACTIVATIONS[activation]())
    with torch.no_grad():
        return nn.Sequential(*layers)(x.double())


def close(got, expected):
    return (isinstance(got, torch.Tensor) and got.shape == expected.shape
            and torch.allclose(got.double(), expected, rtol=RTOL, atol=ATOL))


def check_mlp(student, sizes, activation, seed, batch, last_bias_shift=0.0):
    """Run the student's MLP on given weights and compare with the float64 oracle."""
    act = activation or "relu"
    call = f"MLP({sizes})" if activation is None else f"MLP({sizes}, '{activation}')"
    weights = random_weights(sizes, seed, last_bias_shift)
    x = torch.randn(batch, sizes[0], generator=rng(seed + 100))  # (batch, d_0)
    student.value("MLP")  # reports a missing MLP as missing, before the probe needs it
    found = student.probe(MLP, sizes, activation, weights, x)
    if found["n_linear"] == 0:
        fail(f"{call} has no registered nn.Linear layers: build it from nn.Linear modules "
             "kept in nn.Sequential or nn.ModuleList (a plain Python list hides them from "
             ".parameters())")
    if found["n_linear"] != len(weights):
        fail(f"{call} has {found['n_linear']} nn.Linear layers; expected {len(weights)}, "
             "one per pair of consecutive sizes")
    if found.get("no_bias"):
        fail(f"{call}: an nn.Linear layer has no bias (bias=False); every layer needs one")
    if "bad_layer" in found:
        got_shape, want_shape = found["bad_layer"]
        fail(f"{call}: an nn.Linear weight has shape {got_shape}; expected {want_shape} "
             "(nn.Linear(d_in, d_out).weight is (d_out, d_in))")
    out, what = found["out"], f"{call} on x {tuple(x.shape)}"
    expected = reference(weights, act, x)
    if not close(out, expected):
        if close(out, reference(weights, act, x, act_after_last=True)):
            fail(f"{what} applies the activation after the last layer too; the last "
                 "nn.Linear's output must be returned as is")
        for other in ACTIVATIONS:
            if other != act and close(out, reference(weights, other, x)):
                default = " (the default)" if activation is None else ""
                fail(f"{what} uses {other} where activation '{act}'{default} was asked")
    check_tensor(out, expected, what)


def expected_shapes(sizes):
    shapes = []
    for d_in, d_out in zip(sizes[:-1], sizes[1:], strict=False):
        shapes += [(d_out, d_in), (d_out,)]
    return shapes


@exercise("MLP", points=1)
def test_mlp_layer_shapes(student):
    """Does MLP(sizes) hold one nn.Linear per consecutive pair of sizes, in order?"""
    student.value("MLP")  # reports a missing MLP as missing, before the probe needs it
    for sizes in ([5, 7, 3], [4, 9, 6, 2], [6, 3]):
        got = student.probe(MLP, sizes)["shapes"]
        if not got:
            fail(f"MLP({sizes}) has no parameters: register the layers in nn.Sequential or "
                 "nn.ModuleList (a plain Python list hides them)")
        if [tuple(s) for s in got] != expected_shapes(sizes):
            fail(f"MLP({sizes}) has parameter shapes {[tuple(s) for s in got]}; expected "
                 f"{expected_shapes(sizes)} (weight (d_out, d_in), then bias (d_out,), layer "
                 "by layer)")


@exercise("MLP", points=1)
def test_mlp_forward_default_relu(student):
    """Does MLP([5, 7, 3]) with the default activation compute Linear-ReLU-Linear?"""
    for seed in (0, 1):
        check_mlp(student, [5, 7, 3], None, seed, batch=8)


@exercise("MLP", points=1)
def test_mlp_forward_tanh(student):
    """Does MLP([4, 9, 6, 2], 'tanh') use tanh between its three layers?"""
    check_mlp(student, [4, 9, 6, 2], "tanh", seed=2, batch=5)


@exercise("MLP", points=1)
def test_mlp_forward_sigmoid(student):
    """Does MLP([6, 10, 8, 5, 3], 'sigmoid') use sigmoid between its four layers?"""
    check_mlp(student, [6, 10, 8, 5, 3], "sigmoid", seed=3, batch=7)


@exercise("MLP", points=1)
def test_mlp_no_activation_after_last(student):
    """Can a ReLU MLP output negative numbers (no activation after the last layer)?"""
    check_mlp(student, [4, 9, 6, 2], "relu", seed=4, batch=6, last_bias_shift=-3.0)
    check_mlp(student, [3, 5, 1], "sigmoid", seed=5, batch=4, last_bias_shift=4.0)


# ---------------------------------------------------------------- count_parameters

def reference_count(sizes):
    layers = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=False)]
    return sum(p.numel() for p in nn.Sequential(*layers).parameters())


def check_count(student, sizes):
    got = student.count_parameters(sizes)
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        got = got.item()
    check_type(got, int | float, f"count_parameters({sizes})")
    expected = reference_count(sizes)
    hint = "each layer has a weight (d_out, d_in) and a bias (d_out,), one layer per pair of " \
           "consecutive sizes"
    if got < expected:
        fail(f"count_parameters({sizes}) is too low: {hint}")
    if got > expected:
        fail(f"count_parameters({sizes}) is too high: {hint}")


@exercise("count_parameters", points=1)
def test_count_two_layers(student):
    """Does count_parameters([5, 7, 3]) count weights and biases of both layers?"""
    check_count(student, [5, 7, 3])


@exercise("count_parameters", points=1)
def test_count_three_layers(student):
    """Is count_parameters([4, 9, 6, 2]) right for three layers of distinct sizes?"""
    check_count(student, [4, 9, 6, 2])


@exercise("count_parameters", points=1)
def test_count_single_layer(student):
    """Is count_parameters([10, 1]) right for a single linear layer?"""
    check_count(student, [10, 1])


@exercise("count_parameters", points=1)
def test_count_deep(student):
    """Is count_parameters right for a deep net, [3, 20, 20, 20, 4] and [784, 256, 10]?"""
    check_count(student, [3, 20, 20, 20, 4])
    check_count(student, [784, 256, 10])


# ---------------------------------------------------------------- mse_loss

def mse_loss(ns, pred, target):
    """Probe: gradient of the student's mse_loss with respect to pred, None if not in the graph."""
    pred = pred.clone().requires_grad_(True)
    loss = ns["mse_loss"](pred, target)
    if not getattr(loss, "requires_grad", False):
        return None
    loss.backward()
    return pred.grad


def check_mse(student, shape, seed):
    g = rng(seed)
    pred, target = torch.randn(*shape, generator=g), torch.randn(*shape, generator=g)
    expected = F.mse_loss(pred.double(), target.double())  # ()
    check_tensor(student.mse_loss(pred, target), expected,
                 f"mse_loss(pred, target) for shape {shape}")


@exercise("mse_loss", points=1, forbid=MSE)
def test_mse_2d(student):
    """Is mse_loss the mean over all elements of a (3, 5) batch, as a 0-dim tensor?"""
    check_mse(student, (3, 5), seed=10)


@exercise("mse_loss", points=1, forbid=MSE)
def test_mse_1d(student):
    """Is mse_loss right on 1-D inputs of shape (7,), over several draws?"""
    for seed in (11, 12, 13):
        check_mse(student, (7,), seed)


@exercise("mse_loss", points=1, forbid=MSE)
def test_mse_3d(student):
    """Is mse_loss the mean over all elements of a (2, 3, 4) tensor?"""
    check_mse(student, (2, 3, 4), seed=14)


@exercise("mse_loss", points=1, forbid=MSE)
def test_mse_gradient(student):
    """Does the gradient of mse_loss reach pred, as 2 (pred - target) / n?"""
    g = rng(15)
    pred, target = torch.randn(4, 6, generator=g), torch.randn(4, 6, generator=g)  # (4, 6)
    student.value("mse_loss")  # reports a missing mse_loss as missing, before the probe
    grad = student.probe(mse_loss, pred, target)
    if grad is None:
        fail("mse_loss(pred, target) is not connected to pred's autograd graph (no .item(), "
             "torch.tensor(...) or .detach() on the way)")
    p64 = pred.double().requires_grad_(True)
    F.mse_loss(p64, target.double()).backward()
    check_tensor(grad, p64.grad, "the gradient of mse_loss with respect to pred (4, 6)")


# ---------------------------------------------------------------- cross_entropy

def check_ce(student, logits, targets, what):
    expected = F.cross_entropy(logits.double(), targets)  # ()
    check_tensor(student.cross_entropy(logits, targets), expected,
                 f"cross_entropy(logits {tuple(logits.shape)}, targets {tuple(targets.shape)}) "
                 f"{what}")


@exercise("cross_entropy", points=1, forbid=CE)
def test_ce_random(student):
    """Is cross_entropy the mean over N = 6 rows of C = 4 logits, over several draws?"""
    for seed in (20, 21, 22):
        g = rng(seed)
        logits = 3 * torch.randn(6, 4, generator=g)            # (6, 4)
        targets = torch.randint(0, 4, (6,), generator=g)       # (6,)
        check_ce(student, logits, targets, "for random logits")


@exercise("cross_entropy", points=1, forbid=CE)
def test_ce_more_classes_than_rows(student):
    """Is cross_entropy right with N = 3 < C = 7, targets not using the last classes?"""
    g = rng(23)
    logits = 2 * torch.randn(3, 7, generator=g)                # (3, 7)
    targets = torch.tensor([4, 0, 2])                          # (3,)
    check_ce(student, logits, targets, "with more classes than rows")


@exercise("cross_entropy", points=1, forbid=CE)
def test_ce_large_shift(student):
    """Is cross_entropy finite when every logit is about 1000 (exp overflows in float32)?"""
    g = rng(24)
    logits = 1000 + torch.randn(5, 3, generator=g)             # (5, 3)
    targets = torch.randint(0, 3, (5,), generator=g)           # (5,)
    check_ce(student, logits, targets, "for logits near 1000")


@exercise("cross_entropy", points=1, forbid=CE)
def test_ce_extreme(student):
    """Is cross_entropy finite and right for logits of magnitude 1e4, right and wrong?"""
    g = rng(25)
    logits = 1e4 * torch.sign(torch.randn(8, 5, generator=g))  # (8, 5)
    logits[:, 2] = 0.5                                         # (8, 5)
    targets = torch.randint(0, 5, (8,), generator=g)           # (8,)
    targets[0] = int(logits[0].argmin())                       # a confidently wrong row
    targets[1] = int(logits[1].argmax())                       # a confidently right row
    check_ce(student, logits, targets, "for logits of magnitude 1e4")


# ---------------------------------------------------------------- binary_cross_entropy_with_logits

def check_bce(student, logits, targets, what):
    expected = F.binary_cross_entropy_with_logits(logits.double(), targets.double())  # ()
    check_tensor(student.binary_cross_entropy_with_logits(logits, targets), expected,
                 f"binary_cross_entropy_with_logits(logits {tuple(logits.shape)}, targets "
                 f"{tuple(targets.shape)}) {what}")


@exercise("binary_cross_entropy_with_logits", points=1, forbid=BCE)
def test_bce_hard_targets(student):
    """Is the BCE the mean over a (9,) batch with 0/1 targets, over several draws?"""
    for seed in (30, 31, 32):
        g = rng(seed)
        logits = 2 * torch.randn(9, generator=g)                   # (9,)
        targets = torch.randint(0, 2, (9,), generator=g).float()   # (9,)
        check_bce(student, logits, targets, "with 0/1 targets")


@exercise("binary_cross_entropy_with_logits", points=1, forbid=BCE)
def test_bce_soft_targets(student):
    """Is the BCE right for soft targets in [0, 1] on a (4, 6) batch?"""
    g = rng(33)
    logits = 2 * torch.randn(4, 6, generator=g)                    # (4, 6)
    targets = torch.rand(4, 6, generator=g)                        # (4, 6)
    check_bce(student, logits, targets, "with soft targets")


@exercise("binary_cross_entropy_with_logits", points=1, forbid=BCE)
def test_bce_extreme(student):
    """Is the BCE finite and right for logits of +-1e4, confidently right and wrong?"""
    cases = [(1e4, 1.0, "confidently right"), (-1e4, 0.0, "confidently right"),
             (1e4, 0.0, "confidently wrong"), (-1e4, 1.0, "confidently wrong")]
    for z, y, kind in cases:
        logits = torch.tensor([z, 0.3, -2.0])                      # (3,)
        targets = torch.tensor([y, 1.0, 0.0])                      # (3,)
        check_bce(student, logits, targets, f"with z = {z:+.0e}, y = {y:g} ({kind})")


@exercise("binary_cross_entropy_with_logits", points=1, forbid=BCE)
def test_bce_saturated_soft(student):
    """Is the BCE right where sigmoid saturates in float32 (|z| 20 to 1e4), soft targets?"""
    g = rng(34)
    sign = torch.sign(torch.randn(3, 5, generator=g))              # (3, 5)
    logits = sign * torch.tensor([20.0, 40.0, 90.0, 1e3, 1e4])     # (3, 5)
    targets = torch.rand(3, 5, generator=g)                        # (3, 5)
    check_bce(student, logits, targets, "for saturated logits and soft targets")


# ---------------------------------------------------------------- checkpoints

@exercise("q_linear_collapse", points=1)
def test_q_linear_collapse(student):
    """Which functions does an MLP without activation represent?"""
    check_answer(student.value("q_linear_collapse"), "q_linear_collapse", "442394d3f03cf878526d")


@exercise("q_universal", points=1)
def test_q_universal(student):
    """What does the universal approximation theorem promise?"""
    check_answer(student.value("q_universal"), "q_universal", "c8776a3acbd449db2258")


@exercise("q_grad_ratio", points=1)
def test_q_grad_ratio(student):
    """How much larger is the BCE gradient than the MSE-on-sigmoid one at z = -6, y = 1?"""
    check_answer(student.value("q_grad_ratio"), "q_grad_ratio", "b7524805c1912d0e2c61", digits=0)
