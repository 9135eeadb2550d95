"""Wrong and correct answers for s1_foundations/optimizers, each replacing a whole answer cell."""

SGD = "def sgd_step(param, grad, state, lr, momentum=0.0, weight_decay=0.0):\n"
RMS = "def rmsprop_step(param, grad, state, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0):\n"
ADAM = ("def adam_step(param, grad, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, "
        "weight_decay=0.0):\n")

SGD_WRONG = {
    "forbidden_optim_sgd": (SGD + '''
    p = torch.nn.Parameter(param.detach().clone())
    opt = torch.optim.SGD([p], lr=lr, momentum=momentum, weight_decay=weight_decay)
    if "momentum_buffer" in state:
        opt.state[p]["momentum_buffer"] = state["momentum_buffer"].clone()
    p.grad = grad.clone()
    opt.step()
    return p.detach().clone(), dict(opt.state[p])
''', "implement yourself"),
    "forbidden_functional_sgd": SGD + '''
    p = param.clone()
    bufs = [state.get("momentum_buffer")]
    torch.optim._functional.sgd([p], [grad.clone()], bufs, weight_decay=weight_decay,
                                momentum=momentum, lr=lr, dampening=0.0, nesterov=False,
                                maximize=False)
    return p, ({"momentum_buffer": bufs[0]} if momentum else {})
''',
    # the textbook moving average mu*b + (1 - mu)*g: steps 1/(1 - mu) times too small
    "ema_momentum_zero_init": (SGD + '''
    g = grad + weight_decay * param
    if momentum == 0:
        return param - lr * g, state
    buf = state.get("momentum_buffer", torch.zeros_like(param))
    buf = momentum * buf + (1 - momentum) * g
    return param - lr * buf, {"momentum_buffer": buf}
''', "already at step 1"),
    "ema_momentum_first_grad": (SGD + '''
    g = grad + weight_decay * param
    if momentum == 0:
        return param - lr * g, state
    buf = state.get("momentum_buffer")
    buf = g.clone() if buf is None else momentum * buf + (1 - momentum) * g
    return param - lr * buf, {"momentum_buffer": buf}
''', "from step 2"),
    "decay_after_momentum": SGD + '''
    buf = grad
    if momentum != 0:
        old = state.get("momentum_buffer")
        buf = grad.clone() if old is None else momentum * old + grad
        state = {"momentum_buffer": buf}
    return param - lr * (buf + weight_decay * param), state
''',
    "decay_not_scaled_by_lr": SGD + '''
    buf = grad
    if momentum != 0:
        old = state.get("momentum_buffer")
        buf = grad.clone() if old is None else momentum * old + grad
        state = {"momentum_buffer": buf}
    return param - lr * buf - weight_decay * param, state
''',
    "state_not_updated": SGD + '''
    g = grad + weight_decay * param
    buf = state.get("momentum_buffer")
    if momentum != 0:
        buf = g if buf is None else momentum * buf + g
        g = buf
    return param - lr * g, state
''',
    "in_place_param": (SGD + '''
    g = grad + weight_decay * param
    if momentum != 0:
        buf = state.get("momentum_buffer")
        buf = g.clone() if buf is None else momentum * buf + g
        state = {"momentum_buffer": buf}
        g = buf
    param -= lr * g
    return param, state
''', "changed in place"),
    # first buffer *is* the caller's grad; the in-place update at step 2 rewrites it
    "buffer_aliases_grad": (SGD + '''
    g = grad + weight_decay * param if weight_decay else grad
    if momentum != 0:
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = g
        else:
            buf.mul_(momentum).add_(g)
        state["momentum_buffer"] = buf
        g = buf
    return param - lr * g, state
''', "grad passed in at step 1"),
}

SGD_CORRECT = {
    # with dampening 0, zeros then mu*0 + g is the same as starting from g
    "zeros_init_buffer": SGD + '''
    g = grad + weight_decay * param
    if momentum:
        buf = momentum * state.get("momentum_buffer", torch.zeros_like(param)) + g
        return param - lr * buf, {"momentum_buffer": buf}
    return param - lr * g, {}
''',
    "in_place_on_clones_mutating_state": SGD + '''
    d_p = grad.clone()
    if weight_decay != 0:
        d_p.add_(param, alpha=weight_decay)
    if momentum != 0:
        if "momentum_buffer" not in state:
            state["momentum_buffer"] = d_p.clone()
        else:
            state["momentum_buffer"].mul_(momentum).add_(d_p)
        d_p = state["momentum_buffer"]
    new = param.clone()
    new.add_(d_p, alpha=-lr)
    return new, state
''',
}

RMS_WRONG = {
    "forbidden_optim_rmsprop": (RMS + '''
    p = torch.nn.Parameter(param.detach().clone())
    opt = torch.optim.RMSprop([p], lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay)
    if state:
        opt.state[p].update({k: v.clone() for k, v in state.items()})
    p.grad = grad.clone()
    opt.step()
    return p.detach().clone(), dict(opt.state[p])
''', "implement yourself"),
    "eps_inside_sqrt": (RMS + '''
    g = grad + weight_decay * param
    v = alpha * state.get("square_avg", torch.zeros_like(param)) + (1 - alpha) * g * g
    return param - lr * g / torch.sqrt(v + eps), {"square_avg": v}
''', "gradients of size ~1e-10"),
    "alpha_swapped": RMS + '''
    g = grad + weight_decay * param
    v = (1 - alpha) * state.get("square_avg", torch.zeros_like(param)) + alpha * g * g
    return param - lr * g / (v.sqrt() + eps), {"square_avg": v}
''',
    "bias_corrected_like_adam": RMS + '''
    g = grad + weight_decay * param
    t = state.get("step", 0) + 1
    v = alpha * state.get("square_avg", torch.zeros_like(param)) + (1 - alpha) * g * g
    v_hat = v / (1 - alpha ** t)
    return param - lr * g / (v_hat.sqrt() + eps), {"square_avg": v, "step": t}
''',
    "state_restarts": RMS + '''
    g = grad + weight_decay * param
    v = (1 - alpha) * g * g
    return param - lr * g / (v.sqrt() + eps), {"square_avg": v}
''',
    "decoupled_decay": RMS + '''
    v = alpha * state.get("square_avg", torch.zeros_like(param)) + (1 - alpha) * grad * grad
    new = param - lr * grad / (v.sqrt() + eps) - lr * weight_decay * param
    return new, {"square_avg": v}
''',
    "adam_default_lr": RMS.replace("lr=1e-2", "lr=1e-3") + '''
    g = grad + weight_decay * param
    v = alpha * state.get("square_avg", torch.zeros_like(param)) + (1 - alpha) * g * g
    return param - lr * g / (v.sqrt() + eps), {"square_avg": v}
''',
    "in_place_param": (RMS + '''
    g = grad + weight_decay * param
    v = alpha * state.get("square_avg", torch.zeros_like(param)) + (1 - alpha) * g * g
    param.addcdiv_(g, v.sqrt() + eps, value=-lr)
    return param, {"square_avg": v}
''', "param passed in"),
    "state_renamed": (RMS + '''
    g = grad + weight_decay * param
    v = alpha * state.get("v", torch.zeros_like(param)) + (1 - alpha) * g * g
    return param - lr * g / (v.sqrt() + eps), {"v": v}
''', "no 'square_avg' entry"),
}

RMS_CORRECT = {
    "addcmul_mutating_state": RMS + '''
    g = grad.add(param, alpha=weight_decay)
    if "square_avg" not in state:
        state["square_avg"] = torch.zeros_like(param)
    sq = state["square_avg"].mul(alpha).addcmul(g, g, value=1 - alpha)
    state["square_avg"] = sq
    return param.addcdiv(g, sq.sqrt().add(eps), value=-lr), state
''',
    "lerp": RMS + '''
    g = grad + weight_decay * param
    old = state["square_avg"] if state else torch.zeros_like(param)
    sq = torch.lerp(g.square(), old, alpha)
    return param - lr * g / (torch.sqrt(sq) + eps), {"square_avg": sq}
''',
}

ADAM_BODY = '''
    beta1, beta2 = betas
    g = grad + weight_decay * param
    t = state.get("step", 0) + 1
    zeros = torch.zeros_like(param)
    m = beta1 * state.get("exp_avg", zeros) + (1 - beta1) * g
    v = beta2 * state.get("exp_avg_sq", zeros) + (1 - beta2) * g * g
'''
ADAM_END = '    return new, {"step": t, "exp_avg": m, "exp_avg_sq": v}\n'

ADAM_WRONG = {
    "forbidden_optim_adam": (ADAM + '''
    p = torch.nn.Parameter(param.detach().clone())
    opt = torch.optim.Adam([p], lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
    if state:
        opt.state[p].update({k: torch.as_tensor(v).clone() for k, v in state.items()})
    p.grad = grad.clone()
    opt.step()
    return p.detach().clone(), dict(opt.state[p])
''', "implement yourself"),
    "forbidden_functional_adam": ADAM + '''
    p = param.clone()
    m = state.get("exp_avg", torch.zeros_like(param)).clone()
    v = state.get("exp_avg_sq", torch.zeros_like(param)).clone()
    step = torch.tensor(float(state.get("step", 0)))
    torch.optim._functional.adam([p], [grad], [m], [v], [], [step], amsgrad=False,
                                 beta1=betas[0], beta2=betas[1], lr=lr,
                                 weight_decay=weight_decay, eps=eps, maximize=False)
    return p, {"step": step, "exp_avg": m, "exp_avg_sq": v}
''',
    "no_bias_correction": (ADAM + ADAM_BODY + '''
    new = param - lr * m / (v.sqrt() + eps)
''' + ADAM_END, "already at step 1"),
    "bias_correction_t_from_zero": (ADAM + '''
    beta1, beta2 = betas
    g = grad + weight_decay * param
    t = state.get("step", 0)
    zeros = torch.zeros_like(param)
    m = beta1 * state.get("exp_avg", zeros) + (1 - beta1) * g
    v = beta2 * state.get("exp_avg_sq", zeros) + (1 - beta2) * g * g
    new = param - lr * (m / (1 - beta1 ** t)) / ((v / (1 - beta2 ** t)).sqrt() + eps)
    return new, {"step": t + 1, "exp_avg": m, "exp_avg_sq": v}
''', "NaN/inf"),
    "bias_correction_off_by_one": ADAM + '''
    beta1, beta2 = betas
    g = grad + weight_decay * param
    t = state.get("step", 1) + 1
    zeros = torch.zeros_like(param)
    m = beta1 * state.get("exp_avg", zeros) + (1 - beta1) * g
    v = beta2 * state.get("exp_avg_sq", zeros) + (1 - beta2) * g * g
    new = param - lr * (m / (1 - beta1 ** t)) / ((v / (1 - beta2 ** t)).sqrt() + eps)
''' + ADAM_END,
    "eps_inside_sqrt": (ADAM + ADAM_BODY + '''
    new = param - lr * (m / (1 - beta1 ** t)) / torch.sqrt(v / (1 - beta2 ** t) + eps)
''' + ADAM_END, "gradients of size ~1e-10"),
    # Kingma & Ba's "efficient" form: eps is not bias-corrected
    "eps_not_bias_corrected": (ADAM + ADAM_BODY + '''
    step_size = lr * (1 - beta2 ** t) ** 0.5 / (1 - beta1 ** t)
    new = param - step_size * m / (v.sqrt() + eps)
''' + ADAM_END, "gradients of size ~1e-10"),
    "adamw_decoupled_decay": ADAM + '''
    beta1, beta2 = betas
    t = state.get("step", 0) + 1
    zeros = torch.zeros_like(param)
    m = beta1 * state.get("exp_avg", zeros) + (1 - beta1) * grad
    v = beta2 * state.get("exp_avg_sq", zeros) + (1 - beta2) * grad * grad
    new = param * (1 - lr * weight_decay)
    new = new - lr * (m / (1 - beta1 ** t)) / ((v / (1 - beta2 ** t)).sqrt() + eps)
''' + ADAM_END,
    "state_not_returned": ADAM + ADAM_BODY + '''
    new = param - lr * (m / (1 - beta1 ** t)) / ((v / (1 - beta2 ** t)).sqrt() + eps)
    return new, state
''',
    "betas_swapped": ADAM + '''
    beta2, beta1 = betas
    g = grad + weight_decay * param
    t = state.get("step", 0) + 1
    zeros = torch.zeros_like(param)
    m = beta1 * state.get("exp_avg", zeros) + (1 - beta1) * g
    v = beta2 * state.get("exp_avg_sq", zeros) + (1 - beta2) * g * g
    new = param - lr * (m / (1 - beta1 ** t)) / ((v / (1 - beta2 ** t)).sqrt() + eps)
''' + ADAM_END,
    "in_place_param": (ADAM + ADAM_BODY + '''
    param.addcdiv_(m / (1 - beta1 ** t), (v / (1 - beta2 ** t)).sqrt() + eps, value=-lr)
    new = param
''' + ADAM_END, "changed in place"),
    "state_renamed": (ADAM + '''
    beta1, beta2 = betas
    g = grad + weight_decay * param
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", 0.0) + (1 - beta1) * g
    v = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g
    new = param - lr * (m / (1 - beta1 ** t)) / ((v / (1 - beta2 ** t)).sqrt() + eps)
    return new, {"t": t, "m": m, "v": v}
''', "no 'step' entry"),
}

ADAM_CORRECT = {
    # torch's own arrangement: step size lr / bc1, denominator sqrt(v) / sqrt(bc2) + eps
    "torch_arrangement_tensor_step": ADAM + '''
    beta1, beta2 = betas
    if not state:
        state = {"step": torch.tensor(0.0), "exp_avg": torch.zeros_like(param),
                 "exp_avg_sq": torch.zeros_like(param)}
    step = state["step"] + 1
    g = grad if weight_decay == 0 else grad.add(param, alpha=weight_decay)
    m = state["exp_avg"].lerp(g, 1 - beta1)
    v = state["exp_avg_sq"].mul(beta2).addcmul(g, g.conj(), value=1 - beta2)
    bc1 = 1 - beta1 ** step.item()
    bc2 = 1 - beta2 ** step.item()
    denom = (v.sqrt() / math.sqrt(bc2)).add_(eps)
    return param.addcdiv(m, denom, value=-lr / bc1), {"step": step, "exp_avg": m,
                                                       "exp_avg_sq": v}
''',
    "mutates_state_in_place": ADAM + '''
    b1, b2 = betas
    if "step" not in state:
        state.update(step=0, exp_avg=torch.zeros_like(param),
                     exp_avg_sq=torch.zeros_like(param))
    state["step"] += 1
    g = grad + weight_decay * param
    state["exp_avg"].mul_(b1).add_(g, alpha=1 - b1)
    state["exp_avg_sq"].mul_(b2).add_(g * g, alpha=1 - b2)
    m_hat = state["exp_avg"] / (1 - b1 ** state["step"])
    v_hat = state["exp_avg_sq"] / (1 - b2 ** state["step"])
    return param - lr * m_hat / (torch.sqrt(v_hat) + eps), state
''',
}

MUTANTS = {
    "sgd_step": {"wrong": SGD_WRONG, "correct": SGD_CORRECT},
    "rmsprop_step": {"wrong": RMS_WRONG, "correct": RMS_CORRECT},
    "adam_step": {"wrong": ADAM_WRONG, "correct": ADAM_CORRECT},
    "q_scale_invariant": {"wrong": {"all_three": 'q_scale_invariant = "d"',
                                    "still_none": ("q_scale_invariant = None", "still None")}},
    "q_adam_first_step": {"wrong": {"lr_times_largest_grad": "q_adam_first_step = 0.006",
                                    "no_bias_correction": "q_adam_first_step = 0.0095"}},
    "q_sgd_vs_adam": {"wrong": {"adam_always": 'q_sgd_vs_adam = "a"'}},
}

# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "sgd_step": {
        "ema_momentum_zero_init": (
            "the momentum buffer is the moving average mu b + (1 - mu) g started at zero, not the"
            " plain sum mu b + g"),
        "ema_momentum_first_grad": (
            "the momentum buffer is the moving average mu b + (1 - mu) g (starting from g), not "
            "the plain sum mu b + g"),
        "decay_after_momentum": (
            "the weight decay term is added to the step after the momentum buffer instead of to "
            "the gradient before it"),
        "decay_not_scaled_by_lr": (
            "the weight decay is subtracted from the parameter directly, not scaled by lr nor "
            "passed through the momentum"),
        "state_not_updated": (
            "the new momentum buffer is not saved in the returned state, so momentum never builds"
            " up across steps"),
        "in_place_param":
            "the parameter is updated in place, which changes the caller's param tensor",
        "buffer_aliases_grad": (
            "the first momentum buffer is the caller's grad tensor itself, so later in-place "
            "updates rewrite that gradient"),
    },
    "rmsprop_step": {
        "eps_inside_sqrt": "eps is added inside the square root instead of after it",
        "alpha_swapped": (
            "alpha and 1 - alpha are swapped: the new squared gradient gets weight alpha and the "
            "old average 1 - alpha"),
        "bias_corrected_like_adam":
            "the square average gets Adam's bias correction, which RMSprop does not have",
        "state_restarts": (
            "the square average from the state is ignored, so every step restarts the average "
            "from zero"),
        "decoupled_decay": (
            "the weight decay is decoupled (AdamW style) instead of being added to the gradient "
            "as an L2 term"),
        "adam_default_lr": (
            "the default learning rate is changed to Adam's 1e-3 instead of keeping the "
            "signature's default"),
        "in_place_param":
            "the parameter is updated in place, which changes the caller's param tensor",
        "state_renamed":
            "the square average is stored under another name than torch.optim's 'square_avg'",
    },
    "adam_step": {
        "no_bias_correction": "the bias correction of Adam's moments m and v is left out",
        "bias_correction_t_from_zero":
            "the step counter t starts at 0, so the first bias correction divides by zero",
        "bias_correction_off_by_one": (
            "the step counter starts one too high (t = 2 at the first step), so the bias "
            "correction is off by one"),
        "eps_inside_sqrt": "eps is added inside the square root of v_hat instead of after it",
        "eps_not_bias_corrected": (
            "the paper's 'efficient' form is used: eps is added to sqrt(v) instead of to "
            "sqrt(v_hat)"),
        "adamw_decoupled_decay": (
            "the weight decay is decoupled (AdamW style) instead of being added to the gradient "
            "as an L2 term"),
        "state_not_returned":
            "the old state is returned instead of the updated step, exp_avg and exp_avg_sq",
        "betas_swapped": (
            "beta1 and beta2 are swapped: the gradient average uses beta2 and the "
            "squared-gradient average beta1"),
        "in_place_param":
            "the parameter is updated in place, which changes the caller's param tensor",
        "state_renamed": (
            "the state is stored under other names than torch.optim's 'step', 'exp_avg' and "
            "'exp_avg_sq'"),
    },
    "q_scale_invariant": {
        "all_three": (
            "plain SGD's step is thought not to grow with the gradient's scale, like the steps of"
            " RMSprop and Adam"),
        "still_none": "the checkpoint is left unanswered",
    },
    "q_adam_first_step": {
        "lr_times_largest_grad": (
            "the first Adam step is taken as lr times the gradient, as in SGD, forgetting the "
            "division by sqrt(v_hat)"),
        "no_bias_correction":
            "the first Adam step is computed without the bias correction of m and v",
    },
    "q_sgd_vs_adam": {
        "adam_always": (
            "a lower training loss reached sooner is taken to mean that Adam always generalises "
            "better"),
    },
}
