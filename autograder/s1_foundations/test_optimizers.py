"""Hidden grader for s1_foundations/optimizers: sgd_step, rmsprop_step and adam_step are run
for 100-300 steps on a noisy quadratic and compared with torch.optim step for step."""

import torch

from dlcore.grading import ATOL, RTOL, check_number, check_tensor, exercise, fail, rng
from dlcore.questions import check_answer

# torch.optim may not run inside the students' steps: any optimizer's constructor, and the
# functional kernels behind SGD / RMSprop / Adam / AdamW (both module spellings).
OPTIM = ["torch.optim.Optimizer.__init__", "torch.optim.Optimizer.step",
         "torch.optim.sgd.sgd", "torch.optim.rmsprop.rmsprop", "torch.optim.adam.adam",
         "torch.optim.adamw.adamw", "torch.optim._functional.sgd",
         "torch.optim._functional.rmsprop", "torch.optim._functional.adam",
         "torch.optim._functional.adamw"]
TORCH = {"sgd_step": torch.optim.SGD, "rmsprop_step": torch.optim.RMSprop,
         "adam_step": torch.optim.Adam}
F64 = torch.float64


# ---------------------------------------------------------------- probe and oracle

def trajectory(ns, name, p0, A, C, noise, scale, hp):
    """Probe: run the student's ns[name] from p0 with grad = scale * (A @ p - C + noise[t]),
    each gradient computed from the student's own current parameter."""
    import torch

    step = ns[name]
    p, state, path, given = p0.clone(), {}, [], []
    for t in range(noise.shape[0]):
        g = scale * (A @ p - C + noise[t])                       # (rows, cols)
        given.append((p, g, p.clone(), g.clone()))
        out = step(p, g, state, **hp)
        if not isinstance(out, tuple | list) or len(out) != 2:
            return {"problem": f"step {t + 1} returned a {type(out).__name__}; expected a "
                               "tuple (new_param, new_state)"}
        p, state = out
        if not isinstance(p, torch.Tensor) or p.shape != p0.shape:
            what = tuple(p.shape) if isinstance(p, torch.Tensor) else type(p).__name__
            return {"problem": f"step {t + 1} returned new_param {what}; expected a tensor "
                               f"shaped like param {tuple(p0.shape)}"}
        if not isinstance(state, dict):
            return {"problem": f"step {t + 1} returned new_state as a {type(state).__name__}; "
                               "expected the updated state dict"}
        path.append(p.detach().clone())
    modified = None
    for t, (p_in, g_in, p_copy, g_copy) in enumerate(given):
        for which, now, before in (("param", p_in, p_copy), ("grad", g_in, g_copy)):
            if modified is None and not torch.equal(now, before):
                modified = (which, t + 1)
    return {"path": torch.stack(path), "state": state, "modified": modified}


def problem(rows, cols, steps, seed, scale=1.0):
    """A noisy quadratic with an SPD (rows, rows) curvature, eigenvalues 0.2 to 3."""
    g = rng(seed)
    q, _ = torch.linalg.qr(torch.randn(rows, rows, generator=g, dtype=F64))  # (rows, rows)
    A = q @ torch.diag(torch.linspace(0.2, 3.0, rows, dtype=F64)) @ q.T      # (rows, rows)
    C = torch.randn(rows, cols, generator=g, dtype=F64)                      # (rows, cols)
    p0 = torch.randn(rows, cols, generator=g, dtype=F64)                     # (rows, cols)
    noise = 0.5 * torch.randn(steps, rows, cols, generator=g, dtype=F64)     # (T, rows, cols)
    return {"p0": p0, "A": A, "C": C, "noise": noise, "scale": scale}


def oracle(name, prob, hp):
    """torch.optim in float64 on the same gradient rule: (path (T, rows, cols), state)."""
    p = torch.nn.Parameter(prob["p0"].clone())
    opt = TORCH[name]([p], foreach=False, **hp)
    path = []
    for n in prob["noise"]:
        p.grad = prob["scale"] * (prob["A"] @ p.detach() - prob["C"] + n)  # (rows, cols)
        opt.step()
        path.append(p.detach().clone())
    return torch.stack(path), opt.state[p]


def describe(name, prob, hp):
    args = "".join(f", {k}={v}" for k, v in hp.items())
    tiny = ", gradients of size ~1e-10" if prob["scale"] < 1e-6 else ""
    return (f"{name}(param {tuple(prob['p0'].shape)}, grad, state{args}) over "
            f"{prob['noise'].shape[0]} steps{tiny}")


def run(student, name, prob, hp):
    """The student's trajectory checked against torch.optim; returns (found, torch state)."""
    found = student.probe(trajectory, name, prob["p0"], prob["A"], prob["C"], prob["noise"],
                          prob["scale"], hp)
    what = describe(name, prob, hp)
    if "problem" in found:
        fail(f"{what}: {found['problem']}")
    want, want_state = oracle(name, prob, hp)
    check_path(found["path"], want, prob["p0"], what, TORCH[name].__name__)
    return found, want_state


def check_path(got, want, p0, what, cls):
    """Compare the displacement from p0 step by step; name the first step that departs."""
    steps = want.shape[0]
    moved_got, moved_want = got.to(F64) - p0, want - p0                   # (T, rows, cols)
    travelled = float(moved_want.abs().max())
    close = torch.isclose(moved_got, moved_want, rtol=RTOL, atol=ATOL * travelled)
    bad = ~close.reshape(steps, -1).all(dim=1)                           # (T,)
    if not bad.any():
        return
    k = int(bad.nonzero()[0]) + 1
    if not torch.isfinite(got[k - 1]).all():
        fail(f"{what}: the parameter becomes NaN/inf at step {k} of {steps} "
             "(a division by zero?)")
    err = float((moved_got[k - 1] - moved_want[k - 1]).abs().max())
    agree = "step 1 agrees" if k == 2 else f"steps 1 to {k - 1} agree"
    where = "already at step 1" if k == 1 else f"from step {k} of {steps} ({agree})"
    fail(f"{what} departs from torch.optim.{cls} {where}: max abs error {err:.1e}, "
         f"{err / travelled:.1e} of the largest displacement")


def check_state(found, want_state, keys, what, steps):
    state = found["state"]
    for key in keys:
        if key not in state:
            have = ", ".join(repr(k) for k in state) or "none"
            fail(f"{what}: the returned state has no {key!r} entry (its keys: {have}); keep "
                 "each buffer under torch.optim's name")
        if key == "step":
            check_number(state[key], float(want_state[key]),
                         f"{what}: state['step'] after {steps} steps")
        else:
            check_tensor(state[key], want_state[key], f"{what}: state[{key!r}] after {steps} steps")


def check_untouched(student, name, prob, hp):
    found = student.probe(trajectory, name, prob["p0"], prob["A"], prob["C"], prob["noise"],
                          prob["scale"], hp)
    what = describe(name, prob, hp)
    if "problem" in found:
        fail(f"{what}: {found['problem']}")
    if found["modified"]:
        which, t = found["modified"]
        fail(f"{what}: the {which} passed in at step {t} was changed in place (in that call "
             f"or a later one: -=, add_, mul_..., or a state tensor that is the {which} "
             "itself); leave the inputs as they are and return new tensors")
    want, _ = oracle(name, prob, hp)
    check_path(found["path"], want, prob["p0"], what, TORCH[name].__name__)


# ---------------------------------------------------------------- sgd_step

@exercise("sgd_step", points=1, forbid=OPTIM)
def test_sgd_plain(student):
    """Without momentum or decay, does sgd_step follow torch.optim.SGD for two shapes/lrs?"""
    run(student, "sgd_step", problem(3, 5, 120, seed=1), {"lr": 0.1})
    run(student, "sgd_step", problem(6, 2, 80, seed=2), {"lr": 0.3})


@exercise("sgd_step", points=1, forbid=OPTIM)
def test_sgd_momentum(student):
    """With momentum 0.9 and 0.5, does the whole trajectory match torch.optim.SGD?"""
    run(student, "sgd_step", problem(3, 5, 150, seed=3), {"lr": 0.02, "momentum": 0.9})
    run(student, "sgd_step", problem(4, 7, 100, seed=4), {"lr": 0.1, "momentum": 0.5})


@exercise("sgd_step", points=1, forbid=OPTIM)
def test_sgd_weight_decay(student):
    """With weight decay and no momentum, does sgd_step follow torch.optim.SGD?"""
    run(student, "sgd_step", problem(5, 3, 100, seed=5), {"lr": 0.05, "weight_decay": 0.3})


@exercise("sgd_step", points=1, forbid=OPTIM)
def test_sgd_momentum_weight_decay(student):
    """With momentum and weight decay together, is the decay added before the buffer?"""
    run(student, "sgd_step", problem(3, 5, 150, seed=6),
        {"lr": 0.02, "momentum": 0.9, "weight_decay": 0.2})


@exercise("sgd_step", points=1, forbid=OPTIM)
def test_sgd_state(student):
    """Is state['momentum_buffer'] after 90 steps torch's buffer?"""
    prob, hp = problem(2, 6, 90, seed=7), {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.01}
    found, want_state = run(student, "sgd_step", prob, hp)
    check_state(found, want_state, ["momentum_buffer"], describe("sgd_step", prob, hp), 90)


@exercise("sgd_step", points=1, forbid=OPTIM)
def test_sgd_inputs_untouched(student):
    """Are the param and grad passed in left unmodified, with and without momentum?"""
    check_untouched(student, "sgd_step", problem(3, 4, 30, seed=8), {"lr": 0.1})
    check_untouched(student, "sgd_step", problem(3, 4, 30, seed=9), {"lr": 0.05, "momentum": 0.9})


# ---------------------------------------------------------------- rmsprop_step

@exercise("rmsprop_step", points=1, forbid=OPTIM)
def test_rmsprop_defaults(student):
    """With the default hyper-parameters, does rmsprop_step follow torch.optim.RMSprop?"""
    run(student, "rmsprop_step", problem(3, 5, 200, seed=11), {})


@exercise("rmsprop_step", points=1, forbid=OPTIM)
def test_rmsprop_alpha(student):
    """With alpha 0.9 and 0.5, does the trajectory match torch.optim.RMSprop?"""
    run(student, "rmsprop_step", problem(4, 6, 150, seed=12), {"lr": 3e-3, "alpha": 0.9})
    run(student, "rmsprop_step", problem(5, 2, 100, seed=13), {"lr": 1e-2, "alpha": 0.5})


@exercise("rmsprop_step", points=1, forbid=OPTIM)
def test_rmsprop_tiny_gradients(student):
    """With gradients of size 1e-10, where eps dominates, is eps added outside the sqrt?"""
    run(student, "rmsprop_step", problem(3, 5, 120, seed=14, scale=1e-10), {"lr": 1e-2})
    run(student, "rmsprop_step", problem(2, 7, 80, seed=15, scale=1e-10),
        {"lr": 1e-3, "alpha": 0.9, "eps": 1e-9})


@exercise("rmsprop_step", points=1, forbid=OPTIM)
def test_rmsprop_weight_decay(student):
    """With weight decay, is the L2 term added to the gradient as in torch.optim.RMSprop?"""
    run(student, "rmsprop_step", problem(5, 3, 150, seed=16), {"lr": 5e-3, "weight_decay": 0.2})


@exercise("rmsprop_step", points=1, forbid=OPTIM)
def test_rmsprop_state(student):
    """Is state['square_avg'] after 110 steps torch's?"""
    prob, hp = problem(6, 4, 110, seed=17), {"lr": 2e-3, "alpha": 0.95}
    found, want_state = run(student, "rmsprop_step", prob, hp)
    check_state(found, want_state, ["square_avg"], describe("rmsprop_step", prob, hp), 110)


@exercise("rmsprop_step", points=1, forbid=OPTIM)
def test_rmsprop_inputs_untouched(student):
    """Are the param and grad passed in left unmodified?"""
    check_untouched(student, "rmsprop_step", problem(3, 4, 30, seed=18), {"lr": 1e-2})


# ---------------------------------------------------------------- adam_step

@exercise("adam_step", points=1, forbid=OPTIM)
def test_adam_defaults(student):
    """With the default hyper-parameters, does adam_step follow torch.optim.Adam for 300 steps?"""
    run(student, "adam_step", problem(3, 5, 300, seed=21), {})


@exercise("adam_step", points=1, forbid=OPTIM)
def test_adam_betas(student):
    """With other betas and learning rates, does the trajectory match torch.optim.Adam?"""
    run(student, "adam_step", problem(5, 2, 200, seed=22), {"lr": 0.05, "betas": (0.8, 0.99)})
    run(student, "adam_step", problem(4, 6, 150, seed=23), {"lr": 0.01, "betas": (0.5, 0.9)})


@exercise("adam_step", points=1, forbid=OPTIM)
def test_adam_tiny_gradients(student):
    """With gradients of size 1e-10, is eps added after the sqrt of the corrected v_hat?"""
    run(student, "adam_step", problem(3, 5, 150, seed=24, scale=1e-10), {"lr": 1e-2})
    run(student, "adam_step", problem(2, 7, 100, seed=25, scale=1e-10),
        {"lr": 1e-3, "betas": (0.8, 0.99), "eps": 1e-9})


@exercise("adam_step", points=1, forbid=OPTIM)
def test_adam_weight_decay(student):
    """Is weight decay the L2 term added to the gradient (torch.optim.Adam, not AdamW)?"""
    run(student, "adam_step", problem(5, 3, 150, seed=26), {"lr": 1e-2, "weight_decay": 0.3})


@exercise("adam_step", points=1, forbid=OPTIM)
def test_adam_state(student):
    """Are state['step'], ['exp_avg'] and ['exp_avg_sq'] after 130 steps torch's?"""
    prob, hp = problem(6, 4, 130, seed=27), {"lr": 5e-3, "betas": (0.85, 0.995)}
    found, want_state = run(student, "adam_step", prob, hp)
    check_state(found, want_state, ["step", "exp_avg", "exp_avg_sq"],
                describe("adam_step", prob, hp), 130)


@exercise("adam_step", points=1, forbid=OPTIM)
def test_adam_inputs_untouched(student):
    """Are the param and grad passed in left unmodified?"""
    check_untouched(student, "adam_step", problem(3, 4, 30, seed=28), {"lr": 1e-2})


# ---------------------------------------------------------------- checkpoints

@exercise("q_scale_invariant", points=1)
def test_q_scale_invariant(student):
    """Whose steps do not change when all gradients are scaled by 1000?"""
    check_answer(student.value("q_scale_invariant"), "q_scale_invariant",
                 "6eb2915226769ef1b771")


@exercise("q_adam_first_step", points=1)
def test_q_adam_first_step(student):
    """How large is Adam's first step?"""
    check_answer(student.value("q_adam_first_step"), "q_adam_first_step",
                 "2a6f491ae89da9d5fe42", digits=4)


@exercise("q_sgd_vs_adam", points=1)
def test_q_sgd_vs_adam(student):
    """When does SGD generalise better than Adam?"""
    check_answer(student.value("q_sgd_vs_adam"), "q_sgd_vs_adam", "4812a1bf9ee3aa281b37")
