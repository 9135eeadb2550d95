"""Hidden grader for s1_foundations/regularization: weight penalties, dropout, batch norm,
checkpoints."""

import math

import torch
import torch.nn.functional as F

from dlcore.grading import ATOL, RTOL, check_tensor, exercise, fail, rng
from dlcore.questions import check_answer

DROPOUT = ["torch.nn.functional.dropout", "torch.nn.functional.dropout1d",
           "torch.nn.functional.dropout2d", "torch.nn.functional.dropout3d",
           "torch.nn.functional.alpha_dropout", "torch.nn.functional.feature_alpha_dropout",
           "torch.dropout", "torch.dropout_", "torch.alpha_dropout", "torch.feature_dropout",
           "torch.feature_alpha_dropout", "torch.native_dropout"]
BATCHNORM = ["torch.nn.functional.batch_norm", "torch.batch_norm", "torch.native_batch_norm",
             "torch._native_batch_norm_legit", "torch._native_batch_norm_legit_no_training",
             "torch._batch_norm_impl_index", "torch.cudnn_batch_norm",
             "torch.nn.functional.instance_norm", "torch.instance_norm",
             "torch.nn.functional.layer_norm", "torch.layer_norm",
             "torch.nn.functional.group_norm", "torch.group_norm"]


def close(got, expected, rtol=RTOL, atol=ATOL):
    return (isinstance(got, torch.Tensor) and got.shape == expected.shape
            and torch.allclose(got.double(), expected.double(), rtol=rtol, atol=atol))


def away_from_zero(g, *shape):
    """Entries of random sign with |x| in [0.5, 1.5]: no zeros, no kinks."""
    sign = torch.where(torch.rand(*shape, generator=g) < 0.5, -1.0, 1.0)
    return sign * (0.5 + torch.rand(*shape, generator=g))


# ---------------------------------------------------------------- l2_penalty / l1_penalty

def l2_oracle(ws, lam):
    return lam * sum(torch.linalg.vector_norm(w.double()) ** 2 for w in ws)


def l1_oracle(ws, lam):
    return lam * sum(torch.linalg.vector_norm(w.double(), ord=1) for w in ws)


ORACLE = {"l2_penalty": l2_oracle, "l1_penalty": l1_oracle}
GRAD = {"l2_penalty": lambda w, lam: 2 * lam * w.double(),
        "l1_penalty": lambda w, lam: lam * torch.sign(w.double())}


def penalty_hints(name, ws, lam):
    """(value of a typical mistake, what to say) pairs."""
    d = [w.double() for w in ws]
    hints = [(lam * sum(w.pow(2).mean() for w in d) if name == "l2_penalty"
              else lam * sum(w.abs().mean() for w in d), "averages each tensor; sum instead"),
             (ORACLE[name](ws[-1:], lam), "counts only the last tensor of the list; add "
              "up the penalty of every tensor"),
             (ORACLE[name](ws[:1], lam), "counts only the first tensor of the list; add "
              "up the penalty of every tensor")]
    if name == "l2_penalty":
        hints += [(0.5 * l2_oracle(ws, lam), "has a factor 1/2; this penalty is lam * sum W**2"),
                  (lam * sum(torch.linalg.vector_norm(w) for w in d), "takes the norm "
                   "||W||, not the squared norm ||W||**2 (no square root)")]
    else:
        hints += [(lam * sum(w.sum() for w in d), "sums W, not |W|: take absolute values"),
                  (l2_oracle(ws, lam), "squares the weights: that is the L2 penalty")]
    return hints


def check_penalty(student, name, ws, lam):
    what = f"{name}(weights of shapes {[tuple(w.shape) for w in ws]}, lam={lam:g})"
    got = student.call(name, ws, lam)
    if isinstance(got, torch.Tensor) and got.dim() != 0:
        fail(f"{what} has shape {tuple(got.shape)}; expected a 0-dim tensor (one number "
             "summed over all tensors)")
    expected = ORACLE[name](ws, lam)
    if not close(got, expected):
        for alt, message in penalty_hints(name, ws, lam):
            if close(got, alt):
                fail(f"{what} {message}")
    check_tensor(got, expected, what)


def penalty_grads(ns, name, weights, lam):
    """Sandbox probe: autograd gradient of the student's penalty with respect to weights."""
    import torch

    ws = [w.clone().requires_grad_(True) for w in weights]
    value = ns[name](ws, lam)
    if not isinstance(value, torch.Tensor):
        return {"type": type(value).__name__}
    if not value.requires_grad:
        return {"detached": True}
    if value.numel() != 1:
        return {"shape": tuple(value.shape)}
    grads = torch.autograd.grad(value.sum(), ws, allow_unused=True)
    return {"grads": [None if g is None else g.detach() for g in grads]}


def check_penalty_grad(student, name, ws, lam):
    what = f"the gradient of {name}(weights of shapes {[tuple(w.shape) for w in ws]}, " \
           f"lam={lam:g})"
    found = student.probe(penalty_grads, name, ws, lam)
    if "type" in found:
        fail(f"{name} returned {found['type']}; expected a 0-dim torch.Tensor")
    if found.get("detached"):
        fail(f"{name} returns a tensor that is not connected to the autograd graph of the "
             "weights (no .item(), float() or torch.tensor(...)): a penalty must be "
             "differentiable to regularise anything")
    if "shape" in found:
        fail(f"{name} returns shape {found['shape']}; expected a 0-dim tensor")
    for i, (g, w) in enumerate(zip(found["grads"], ws, strict=True)):
        if g is None:
            fail(f"{what}: weights[{i}] gets no gradient; every tensor of the list must "
                 "contribute to the penalty")
        check_tensor(g, GRAD[name](w, lam), f"{what} with respect to weights[{i}] "
                     f"{tuple(w.shape)}")


def penalty_cases(name):
    @exercise(name, points=1)
    def test_values(student):
        """Is the penalty right on lists of non-square tensors, over several draws?"""
        for seed, shapes, lam in [(0, [(7, 3), (3,), (2, 5, 4)], 0.01),
                                  (1, [(4, 6), (6,), (6, 2), (2,)], 0.37),
                                  (2, [(3, 8)], 1.0)]:
            g = rng(seed)
            check_penalty(student, name, [torch.randn(*s, generator=g) for s in shapes], lam)

    @exercise(name, points=1)
    def test_lam(student):
        """Is the penalty proportional to lam, including lam = 0, for a conv kernel too?"""
        g = rng(3)
        ws = [torch.randn(3, 2, 3, 5, generator=g), torch.randn(3, generator=g),
              2 * torch.randn(5, 4, generator=g)]
        for lam in (0.0, 1e-3, 2.5):
            check_penalty(student, name, ws, lam)

    @exercise(name, points=1)
    def test_gradient(student):
        """Does autograd through the penalty give 2 lam W (L2) or lam sign(W) (L1)?"""
        g = rng(4)
        ws = [away_from_zero(g, 5, 3), away_from_zero(g, 3), away_from_zero(g, 2, 3, 4)]
        check_penalty_grad(student, name, ws, 0.3)

    return test_values, test_lam, test_gradient


test_l2_values, test_l2_lam, test_l2_gradient = penalty_cases("l2_penalty")
test_l1_values, test_l1_lam, test_l1_gradient = penalty_cases("l1_penalty")


# ---------------------------------------------------------------- dropout
# Dropout is random, so it is tested by its law (GRADING.md section 4).
#
# Tolerances.  For n independent entries, each dropped with probability p, Hoeffding's
# inequality bounds the observed drop fraction p_hat:
#     P(|p_hat - p| >= t) <= 2 exp(-2 n t^2),
# so t = sqrt(ln(2 / delta) / (2 n)) is exceeded with probability at most delta.  For a sum
# S = sum_i Y_i of independent Y_i in [0, c_i] (the unbiasedness test),
#     P(|S - E S| >= t) <= 2 exp(-2 t^2 / sum_i c_i^2).
# Where one check makes m comparisons (one per row, say), each gets delta / m (union bound).
# The statistical checks below (drop fraction, mean, rows, columns; the last two also bound
# the overall fraction, so 6 bounds) each fail a correct dropout with probability at most
# DELTA = 1e-8, so all together below 1e-7, whatever RNG calls it makes; the fresh-mask
# check fails it with probability 2**-4800.
# (The probe also seeds the RNG, so reruns of one submission give identical scores.)
DELTA = 1e-8


def fraction_tolerance(n, comparisons=1):
    """Hoeffding bound on |observed fraction - p| for n Bernoulli trials."""
    return math.sqrt(math.log(2 * comparisons / DELTA) / (2 * n))


def run_dropout(ns, x, p, training, reps):
    """Sandbox probe: reps calls of the student's dropout on fresh copies of x (RNG seeded by
    the grader); the outputs stacked, their dtype, and whether the first call changed x."""
    import random

    import numpy as np
    import torch

    torch.manual_seed(2024)
    np.random.seed(2024)
    random.seed(2024)
    outs, mutated = [], False
    for i in range(reps):
        xc = x.clone()
        out = ns["dropout"](xc, p, training)
        if not isinstance(out, torch.Tensor):
            return {"type": type(out).__name__}
        if tuple(out.shape) != tuple(x.shape):
            return {"shape": tuple(out.shape)}
        if i == 0:
            mutated = not torch.equal(xc, x)
        outs.append(out.detach().clone())
    return {"outs": torch.stack(outs), "dtype": str(outs[0].dtype), "mutated": mutated}


def dropout_outputs(student, x, p, training, reps=1):
    """The stacked outputs (reps, *x.shape) of reps calls, after shape and dtype checks."""
    what = f"dropout(x {tuple(x.shape)}, p={p}, training={training})"
    found = student.probe(run_dropout, x, p, training, reps)
    if "type" in found:
        fail(f"{what} returned {found['type']}; expected a torch.Tensor shaped like x")
    if "shape" in found:
        fail(f"{what} has shape {found['shape']}; expected {tuple(x.shape)}, the shape of x")
    if found["dtype"] != str(x.dtype):
        fail(f"{what} has dtype {found['dtype']}; expected {x.dtype}, the dtype of x")
    return found["outs"], found["mutated"], what


@exercise("dropout", points=1, forbid=DROPOUT)
def test_dropout_eval_identity(student):
    """Is dropout the identity when training=False, for several p and shapes?"""
    for seed, shape, p, dtype in [(10, (50,), 0.2, torch.float32),
                                  (11, (7, 13), 0.5, torch.float64),
                                  (12, (2, 3, 4, 5), 0.9, torch.float32)]:
        x = away_from_zero(rng(seed), *shape).to(dtype)
        outs, _, what = dropout_outputs(student, x, p, False)
        out = outs[0]
        if torch.equal(out, x):
            continue
        if (out == 0).any():
            fail(f"{what} zeroes entries: with training=False dropout is off and returns x")
        if close(out, x * (1 - p)):
            fail(f"{what} scales x by (1 - p): with inverted dropout the scaling happens in "
                 "training, so eval returns x unchanged")
        fail(f"{what} should return x unchanged")


@exercise("dropout", points=1, forbid=DROPOUT)
def test_dropout_extreme_p(student):
    """In training, does p = 0 keep x as is and p = 1 give zeros (no NaN)?"""
    x = away_from_zero(rng(13), 9, 14)                                 # (9, 14)
    outs, _, what = dropout_outputs(student, x, 0.0, True)
    check_tensor(outs[0], x, f"{what}, where nothing is dropped,")
    for shape in [(9, 14), (3, 2, 4, 5)]:
        x = away_from_zero(rng(14), *shape)
        outs, _, what = dropout_outputs(student, x, 1.0, True)
        if not torch.isfinite(outs).all():
            fail(f"{what} contains NaN/inf: with p = 1 every entry is dropped, so return zeros "
                 "(1 / (1 - p) is infinite there and 0 * inf is NaN: handle p = 1 on its own)")
        if (outs != 0).any():
            fail(f"{what} keeps some entries: p = 1 drops every entry")


@exercise("dropout", points=1, forbid=DROPOUT)
def test_dropout_scaling(student):
    """Is every output entry either 0 or x / (1 - p), for 1-D, 2-D and 4-D inputs, with x
    itself left unchanged?"""
    for seed, shape, p, dtype in [(15, (500,), 0.25, torch.float32),
                                  (16, (40, 70), 0.6, torch.float64),
                                  (17, (3, 4, 5, 6), 0.25, torch.float32)]:
        x = away_from_zero(rng(seed), *shape).to(dtype)
        outs, mutated, what = dropout_outputs(student, x, p, True, reps=2)
        if mutated:
            fail(f"{what} changes x in place: return a new tensor and leave the input as it "
                 "was (autograd needs it, e.g. the output of a ReLU)")
        kept = outs != 0
        if not kept.any():
            fail(f"{what} drops every entry; it should keep a fraction 1 - p of them")
        ratio = outs[kept].double() / x.expand_as(outs)[kept].double()
        want = 1 / (1 - p)
        if not torch.allclose(ratio, torch.full_like(ratio, want), rtol=RTOL, atol=0):
            fail(f"{what}: kept entries equal x times {ratio.median().item():.4g}; expected "
                 f"x / (1 - p) = x times {want:.4g}, so that E[dropout(x)] = x")


@exercise("dropout", points=1, forbid=DROPOUT)
def test_dropout_drop_fraction(student):
    """Is the fraction of dropped entries p (not 1 - p), over many samples and shapes?"""
    for seed, shape, p, reps in [(18, (120, 250), 0.1, 10), (19, (6, 5, 20, 40), 0.45, 10),
                                 (20, (30000,), 0.8, 10)]:
        x = away_from_zero(rng(seed), *shape)
        outs, _, what = dropout_outputs(student, x, p, True, reps)
        n = outs.numel()
        dropped = (outs == 0).double().mean().item()
        tol = fraction_tolerance(n, comparisons=3)
        if abs(dropped - p) > tol:
            swapped = abs(dropped - (1 - p)) <= tol
            fail(f"{what}: {dropped:.3f} of {n} entries were dropped over {reps} calls; "
                 f"expected a fraction p = {p} (tolerance {tol:.3f} for independent entries)"
                 + (": p is the probability to DROP an entry, an entry is kept with "
                    "probability 1 - p" if swapped else ""))


@exercise("dropout", points=1, forbid=DROPOUT)
def test_dropout_unbiased(student):
    """Is dropout unbiased: does the mean output over many calls match the mean input?"""
    p, reps = 0.3, 10
    x = 0.5 + torch.rand(150, 200, generator=rng(21))                  # (150, 200) positive
    outs, _, what = dropout_outputs(student, x, p, True, reps)
    total, expected = outs.double().sum().item(), reps * x.double().sum().item()
    # each output entry lies in [0, x_i / (1 - p)]: Hoeffding on the sum
    spread = reps * (x.double() ** 2).sum().item() / (1 - p) ** 2
    tol = math.sqrt(math.log(2 / DELTA) * spread / 2) / expected
    ratio = total / expected
    if abs(ratio - 1) > tol:
        fail(f"{what}: over {reps} calls the outputs average {ratio:.3f} times the input "
             f"(tolerance {tol:.3f} for independent entries); inverted dropout keeps "
             "E[dropout(x)] = x")


@exercise("dropout", points=1, forbid=DROPOUT)
def test_dropout_fresh_masks(student):
    """Does each call draw a new mask (no fixed seed inside dropout)?"""
    x = away_from_zero(rng(22), 60, 80)                                # (60, 80)
    outs, _, what = dropout_outputs(student, x, 0.5, True, reps=4)
    masks = outs != 0                                                  # (4, 60, 80)
    for i in range(len(masks)):
        for j in range(i):
            if torch.equal(masks[i], masks[j]):
                fail(f"{what}: two calls dropped exactly the same entries; draw a new random "
                     "mask on every call (don't seed the random generator inside dropout)")


@exercise("dropout", points=1, forbid=DROPOUT)
def test_dropout_elementwise(student):
    """Is every element dropped independently: the same drop fraction within each row and
    each column, not one decision per row or one mask shared by the batch?"""
    p, N, D = 0.4, 400, 250
    x = away_from_zero(rng(23), N, D)                                  # (400, 250)
    outs, _, what = dropout_outputs(student, x, p, True, reps=2)
    dropped = (outs == 0).double()                                     # (2, 400, 250)
    # Compared with the call's own overall fraction (so a wrong rate is left to the rate
    # test): |row - overall| <= |row - q| + |overall - q| for the true drop rate q.
    overall = dropped.mean((1, 2), keepdim=True)                       # (2, 1, 1)
    per_row, per_col = dropped.mean(2), dropped.mean(1)                # (2, 400), (2, 250)
    all_tol = fraction_tolerance(N * D, comparisons=2)
    row_tol = fraction_tolerance(D, comparisons=2 * N) + all_tol
    col_tol = fraction_tolerance(N, comparisons=2 * D) + all_tol
    if ((per_row - overall[:, :, 0]).abs() > row_tol).any():
        fail(f"{what}: within one call, drop fractions per row range from "
             f"{per_row.min().item():.2f} to {per_row.max().item():.2f} (all rows should be "
             f"within {row_tol:.2f} of the overall fraction): draw one independent decision "
             "per element, a mask shaped like x, not one per row")
    if ((per_col - overall[:, 0]).abs() > col_tol).any():
        fail(f"{what}: within one call, drop fractions per column range from "
             f"{per_col.min().item():.2f} to {per_col.max().item():.2f} (all columns should be "
             f"within {col_tol:.2f} of the overall fraction): the rows of the batch must not "
             "share one mask; draw a mask shaped like x")


# ---------------------------------------------------------------- batchnorm_forward

def bn_inputs(seed, N, D, offset=0.0, scale=None, centre=3.0):
    g = rng(seed)
    if scale is None:
        scale = 0.5 + 2 * torch.rand(D, generator=g)                   # (D,)
    shift = centre * torch.randn(D, generator=g) + offset              # (D,)
    x = shift + scale * torch.randn(N, D, generator=g)                 # (N, D)
    gamma = 0.5 + torch.rand(D, generator=g)                           # (D,)
    beta = torch.randn(D, generator=g)                                 # (D,)
    rm = torch.randn(D, generator=g)                                   # (D,)
    rv = 0.5 + torch.rand(D, generator=g)                              # (D,)
    return x, gamma, beta, rm, rv


def bn_oracle(x, gamma, beta, rm, rv, training, momentum=0.1, eps=1e-5):
    """F.batch_norm in float64 on clones of the running stats (which it updates in place)."""
    rm64, rv64 = rm.double().clone(), rv.double().clone()
    out = F.batch_norm(x.double(), rm64, rv64, gamma.double(), beta.double(), training,
                       momentum, eps)
    return out, rm64, rv64


def bn_call(student, x, gamma, beta, rm, rv, training, **kwargs):
    extra = "".join(f", {k}={v:g}" for k, v in kwargs.items())
    what = f"batchnorm_forward(x {tuple(x.shape)}, training={training}{extra})"
    result = student.batchnorm_forward(x, gamma, beta, rm, rv, training, **kwargs)
    if not isinstance(result, tuple | list) or len(result) != 3:
        kind = f"a {type(result).__name__} of length {len(result)}" \
            if isinstance(result, tuple | list) else type(result).__name__
        fail(f"{what} should return a tuple (out, new_running_mean, new_running_var); got {kind}")
    for name, value in zip(("out", "new_running_mean", "new_running_var"), result, strict=True):
        if not isinstance(value, torch.Tensor):
            fail(f"{what}: {name} should be a torch.Tensor, got {type(value).__name__}")
    return result, what


def normalise(x, mu, var, eps):
    return (x - mu) / torch.sqrt(var + eps)


def output_hints(x, gamma, beta, eps, stats=None):
    """Outputs of typical mistakes, with what to say; stats = (running mean, running var)
    in eval mode, None in training (batch statistics)."""
    x = x.double()
    g, b = gamma.double(), beta.double()
    mu, var = (x.mean(0), x.var(0, unbiased=False)) if stats is None else \
        (stats[0].double(), stats[1].double())
    hints = [(normalise(x, mu, var, eps), "forgets gamma and beta: return gamma * x_hat + beta"),
             (g * (x - mu) / (var.sqrt() + eps) + b, "adds eps outside the square root; use "
              "sqrt(var + eps)"),
             (g * normalise(x, mu, var, 1e-5) + b, "ignores the eps argument (uses 1e-5)")]
    if stats is None:
        row_mu, row_var = x.mean(1, keepdim=True), x.var(1, unbiased=False, keepdim=True)
        hints += [(g * normalise(x, mu, x.var(0, unbiased=True), eps) + b,
                   "normalises with the unbiased variance (divide by N - 1); normalise with "
                   "the biased batch variance (divide by N), like F.batch_norm"),
                  (g * normalise(x, row_mu, row_var, eps) + b, "normalises each example (row) "
                   "over its features; batch norm normalises each feature (column) over the "
                   "batch, dim 0")]
    return hints


def check_bn_output(got, x, gamma, beta, eps, expected, what, rtol=RTOL, atol=ATOL,
                    stats=None):
    if not close(got, expected, rtol, atol):
        for alt, message in output_hints(x, gamma, beta, eps, stats):
            if close(got, alt, rtol, atol):
                fail(f"{what} {message}")
    check_tensor(got, expected, f"{what}: out", rtol, atol)


def running_hints(x, rm, rv, momentum, which):
    x = x.double()
    rm, rv = rm.double(), rv.double()
    batch = x.mean(0) if which == "mean" else x.var(0, unbiased=True)
    old = rm if which == "mean" else rv
    hints = [((momentum * old + (1 - momentum) * batch),
              "applies the momentum the wrong way round: new = (1 - momentum) * running + "
              "momentum * batch statistic"),
             (old, "is returned unchanged in training mode; update it with the batch statistic"),
             (batch, "is the batch statistic alone; blend it with the running value using "
              "the momentum")]
    if which == "var":
        biased = x.var(0, unbiased=False)
        hints += [((1 - momentum) * rv + momentum * biased, "is updated with the biased batch "
                   "variance; F.batch_norm updates running_var with the unbiased one "
                   "(divide by N - 1)")]
    return hints


def check_running(got, x, rm, rv, momentum, expected, which, what, rtol=RTOL, atol=ATOL):
    label = f"{what}: new_running_{which}"
    if not close(got, expected, rtol, atol):
        for alt, message in running_hints(x, rm, rv, momentum, which):
            if close(got, alt, rtol, atol):
                fail(f"{label} {message}")
    check_tensor(got, expected, label, rtol, atol)


@exercise("batchnorm_forward", points=1, forbid=BATCHNORM)
def test_bn_train_output(student):
    """In training, is out normalised with the batch mean and biased variance, then scaled by
    gamma and shifted by beta, for N != D over several draws?"""
    for seed, N, D in [(30, 16, 6), (31, 9, 13)]:
        x, gamma, beta, rm, rv = bn_inputs(seed, N, D)
        (out, _, _), what = bn_call(student, x, gamma, beta, rm, rv, True)
        expected, _, _ = bn_oracle(x, gamma, beta, rm, rv, True)
        check_bn_output(out, x, gamma, beta, 1e-5, expected, what)


@exercise("batchnorm_forward", points=1, forbid=BATCHNORM)
def test_bn_eps(student):
    """Is eps inside the square root and taken from the argument (features with tiny
    variance, eps = 1e-5 and eps = 1e-2)?"""
    # features near 0, so that float32 resolves their tiny spread (std 1e-3)
    scale = torch.tensor([1e-3, 3e-3, 1.0, 4.0, 1e-3])
    x, gamma, beta, rm, rv = bn_inputs(32, 20, 5, scale=scale, centre=0.01)
    (out, _, _), what = bn_call(student, x, gamma, beta, rm, rv, True)
    expected, _, _ = bn_oracle(x, gamma, beta, rm, rv, True)
    check_bn_output(out, x, gamma, beta, 1e-5, expected, what)
    x, gamma, beta, rm, rv = bn_inputs(33, 11, 4, scale=torch.tensor([0.05, 0.1, 0.2, 1.0]),
                                       centre=0.01)
    (out, _, _), what = bn_call(student, x, gamma, beta, rm, rv, True, eps=1e-2)
    expected, _, _ = bn_oracle(x, gamma, beta, rm, rv, True, eps=1e-2)
    check_bn_output(out, x, gamma, beta, 1e-2, expected, what)


@exercise("batchnorm_forward", points=1, forbid=BATCHNORM)
def test_bn_running_mean(student):
    """In training, is new_running_mean = (1 - m) running_mean + m * batch mean, for the
    default momentum 0.1 and for 0.3?"""
    for seed, N, D, kwargs in [(34, 12, 5, {}), (35, 7, 10, {"momentum": 0.3})]:
        x, gamma, beta, rm, rv = bn_inputs(seed, N, D)
        (_, new_rm, _), what = bn_call(student, x, gamma, beta, rm, rv, True, **kwargs)
        _, expected, _ = bn_oracle(x, gamma, beta, rm, rv, True, **kwargs)
        check_running(new_rm, x, rm, rv, kwargs.get("momentum", 0.1), expected, "mean", what)


@exercise("batchnorm_forward", points=1, forbid=BATCHNORM)
def test_bn_running_var(student):
    """In training, is new_running_var = (1 - m) running_var + m * unbiased batch variance,
    for the default momentum 0.1 and for 0.3?"""
    for seed, N, D, kwargs in [(36, 12, 5, {}), (37, 7, 10, {"momentum": 0.3})]:
        x, gamma, beta, rm, rv = bn_inputs(seed, N, D)
        (_, _, new_rv), what = bn_call(student, x, gamma, beta, rm, rv, True, **kwargs)
        _, _, expected = bn_oracle(x, gamma, beta, rm, rv, True, **kwargs)
        check_running(new_rv, x, rm, rv, kwargs.get("momentum", 0.1), expected, "var", what)


@exercise("batchnorm_forward", points=1, forbid=BATCHNORM)
def test_bn_eval(student):
    """In eval, is out normalised with the running statistics, which come back unchanged?"""
    for seed, N, D, kwargs in [(38, 10, 6, {}), (39, 5, 8, {"momentum": 0.5, "eps": 1e-3})]:
        x, gamma, beta, rm, rv = bn_inputs(seed, N, D)
        (out, new_rm, new_rv), what = bn_call(student, x, gamma, beta, rm, rv, False, **kwargs)
        expected, _, _ = bn_oracle(x, gamma, beta, rm, rv, False, **kwargs)
        if not close(out, expected):
            batch_stats, _, _ = bn_oracle(x, gamma, beta, rm, rv, True, **kwargs)
            if close(out, batch_stats):
                fail(f"{what} normalises with the batch statistics; in eval mode use "
                     "running_mean and running_var")
        check_bn_output(out, x, gamma, beta, kwargs.get("eps", 1e-5), expected, what,
                        stats=(rm, rv))
        check_tensor(new_rm, rm.double(), f"{what}: new_running_mean (eval mode must return "
                     "the running mean unchanged)")
        check_tensor(new_rv, rv.double(), f"{what}: new_running_var (eval mode must return "
                     "the running variance unchanged)")


def bn_trajectory(ns, batches, gamma, beta, momentum, x_eval):
    """Sandbox probe: train-mode steps carrying only the returned running statistics from
    one call to the next, then one eval call; the statistics after every step."""
    import torch

    f = ns["batchnorm_forward"]
    rm, rv = torch.zeros_like(gamma), torch.ones_like(gamma)
    means, variances, outs = [], [], []
    for training, x in [(True, b) for b in batches] + [(False, x_eval)]:
        result = f(x, gamma, beta, rm, rv, training, momentum=momentum)
        if not isinstance(result, tuple | list) or len(result) != 3 or \
                not all(isinstance(r, torch.Tensor) for r in result):
            return {"bad": type(result).__name__}
        out, rm, rv = result
        means.append(rm.detach().clone())   # clones: later in-place updates can't alter them
        variances.append(rv.detach().clone())
        outs.append(out.detach().clone())
    return {"means": means, "vars": variances, "outs": outs}


@exercise("batchnorm_forward", points=1, forbid=BATCHNORM)
def test_bn_trajectory(student):
    """Over 20 training batches of a drifting input (each call gets the statistics the
    previous call returned), then eval, do the running statistics and outputs follow
    F.batch_norm?"""
    g = rng(40)
    N, D, momentum = 24, 5, 0.2
    centre, spread = 2 * torch.randn(D, generator=g), 0.5 + torch.rand(D, generator=g)
    batches = [centre * (1 + 0.05 * t) + spread * torch.randn(N, D, generator=g)
               for t in range(20)]                                     # 20 x (24, 5)
    x_eval = centre + spread * torch.randn(13, D, generator=g)        # (13, 5)
    gamma, beta = 0.5 + torch.rand(D, generator=g), torch.randn(D, generator=g)
    found = student.probe(bn_trajectory, batches, gamma, beta, momentum, x_eval)
    if "bad" in found:
        fail("batchnorm_forward should return a tuple of 3 tensors (out, new_running_mean, "
             f"new_running_var); got {found['bad']}")
    rm, rv = torch.zeros(D, dtype=torch.float64), torch.ones(D, dtype=torch.float64)
    for t, x in enumerate(batches + [x_eval]):
        training = t < len(batches)
        out = F.batch_norm(x.double(), rm, rv, gamma.double(), beta.double(), training,
                           momentum, 1e-5)                             # updates rm, rv
        step = f"training step {t + 1} of 20" if training else "the eval call after 20 steps"
        what = f"batchnorm_forward(x ({len(x)}, {D}), momentum={momentum}) at {step}, each " \
               "call given the statistics the previous one returned"
        check_tensor(found["means"][t], rm, f"{what}: new_running_mean")
        check_tensor(found["vars"][t], rv, f"{what}: new_running_var")
        check_tensor(found["outs"][t], out, f"{what}: out")


@exercise("batchnorm_forward", points=1, forbid=BATCHNORM)
def test_bn_large_offset(student):
    """For float32 features around 1000 (std ~1), are out and the running statistics still
    accurate (no catastrophic cancellation in the variance)?"""
    # float32 input: a two-pass variance gives out to ~2e-4 here (so does F.batch_norm in
    # float32); mean(x**2) - mean(x)**2 is off by 0.1 to 2.  Batch norm is shift-invariant,
    # so an answer that is right on x - 1000 (exact in float32) but not on x is cancelling.
    rtol = atol = 1e-3
    hint = ("compute the variance as mean((x - mean)**2): mean(x**2) - mean**2 cancels "
            "catastrophically in float32")
    for seed, N, D in [(41, 32, 9), (42, 12, 7)]:
        x, gamma, beta, rm, rv = bn_inputs(seed, N, D, offset=1000.0, scale=torch.ones(D))
        (out, new_rm, new_rv), what = bn_call(student, x, gamma, beta, rm, rv, True)
        expected, exp_rm, exp_rv = bn_oracle(x, gamma, beta, rm, rv, True)
        what = f"{what} for features around 1000"
        if not (close(out, expected, rtol, atol) and close(new_rv, exp_rv, rtol, atol)):
            (out_c, _, rv_c), _ = bn_call(student, x - 1000, gamma, beta, rm, rv, True)
            if close(out_c, expected, rtol, atol) and close(rv_c, exp_rv, rtol, atol):
                fail(f"{what} is inaccurate although it is right for the same features "
                     f"shifted to around 0: {hint}")
        check_tensor(out, expected, f"{what}: out", rtol, atol)
        check_tensor(new_rm, exp_rm, f"{what}: new_running_mean", rtol, atol)
        check_tensor(new_rv, exp_rv, f"{what}: new_running_var", rtol, atol)


# ---------------------------------------------------------------- checkpoints

@exercise("q_dropout_eval", points=1)
def test_q_dropout_eval(student):
    """What happens to inverted dropout at evaluation time?"""
    check_answer(student.value("q_dropout_eval"), "q_dropout_eval", "a757b6da8bce57badf26")


@exercise("q_best_degree", points=1)
def test_q_best_degree(student):
    """Which polynomial degree has the lowest validation error?"""
    check_answer(student.value("q_best_degree"), "q_best_degree", "4947d932a86b84aa90a0",
                 digits=0)


@exercise("q_bn_eval_mode", points=1)
def test_q_bn_eval_mode(student):
    """What goes wrong when a batch-norm network is evaluated without model.eval()?"""
    check_answer(student.value("q_bn_eval_mode"), "q_bn_eval_mode", "3851f7bb68b50fd0d5e7")
