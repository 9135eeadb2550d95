"""Wrong and correct answers for s1_foundations/regularization, each replacing a whole answer
cell."""

L2 = "def l2_penalty(weights, lam):\n"
L1 = "def l1_penalty(weights, lam):\n"
DROP = "def dropout(x, p, training):\n"
BN = ("def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,\n"
      "                      momentum=0.1, eps=1e-5):\n")


def bn_body(mu="x.mean(0)", var="((x - mu) ** 2).mean(0)",
            run_var="var * n / (n - 1)", new_mean="(1 - momentum) * running_mean + momentum * mu",
            new_var="(1 - momentum) * running_var + momentum * run_var",
            eval_stats="mu, var = running_mean, running_var",
            out="gamma * (x - mu) / torch.sqrt(var + eps) + beta"):
    """A batchnorm_forward with one piece swapped for a mistake."""
    return BN + f"""    n = x.shape[0]
    if training:
        mu = {mu}
        var = {var}
        run_var = {run_var}
        new_mean = {new_mean}
        new_var = {new_var}
    else:
        {eval_stats}
        new_mean, new_var = running_mean, running_var
    return {out}, new_mean.detach(), new_var.detach()
"""


DROPOUT_WRONG = {
    "forbidden_functional": (DROP + "    return F.dropout(x, p, training)", "implement yourself"),
    "forbidden_module": DROP + "    layer = nn.Dropout(p)\n"
                               "    layer.train(training)\n"
                               "    return layer(x)",
    "scales_by_keep_prob": (DROP + "    if not training or p == 0:\n        return x\n"
                                   "    return x * (torch.rand_like(x) >= p) * (1 - p)",
                            "x / (1 - p)"),
    "no_scaling": DROP + "    if not training:\n        return x\n"
                         "    return x * (torch.rand_like(x) >= p)",
    "p_is_keep_probability": (DROP + "    if not training or p == 0:\n        return x\n"
                                     "    if p == 1:\n        return torch.zeros_like(x)\n"
                                     "    return x * (torch.rand_like(x) < p) / (1 - p)",
                              "probability to DROP"),
    "keep_prob_everywhere": DROP + "    if not training:\n        return x\n"
                                   "    return x * torch.bernoulli(torch.full_like(x, p)) / p",
    "dropout_in_eval": (DROP + "    if p == 1:\n        return torch.zeros_like(x)\n"
                               "    return x * (torch.rand_like(x) >= p) / (1 - p)",
                        "training=False"),
    "classic_non_inverted": (DROP + "    if not training:\n        return x * (1 - p)\n"
                                    "    return x * (torch.rand_like(x) >= p)",
                             "scales x by (1 - p)"),
    "one_mask_per_row": (DROP + "    if not training or p == 0:\n        return x\n"
                                "    if p == 1:\n        return torch.zeros_like(x)\n"
                                "    shape = (x.shape[0],) + (1,) * (x.dim() - 1)\n"
                                "    keep = torch.rand(shape, device=x.device) >= p\n"
                                "    return x * keep / (1 - p)", "not one per row"),
    "mask_shared_by_batch": (DROP + "    if not training or p == 0:\n        return x\n"
                                    "    if p == 1:\n        return torch.zeros_like(x)\n"
                                    "    keep = torch.rand(x.shape[1:], device=x.device) >= p\n"
                                    "    return x * keep / (1 - p)", "share one mask"),
    "seeded_every_call": (DROP + "    if not training or p == 0:\n        return x\n"
                                 "    if p == 1:\n        return torch.zeros_like(x)\n"
                                 "    torch.manual_seed(0)\n"
                                 "    return x * (torch.rand_like(x) >= p) / (1 - p)",
                          "same entries"),
    "nan_at_p_one": (DROP + "    if not training:\n        return x\n"
                            "    return x * (torch.rand_like(x) >= p) / (1 - p)", "NaN"),
    "modifies_x_in_place": (DROP + "    if not training or p == 0:\n        return x\n"
                                   "    if p == 1:\n        return torch.zeros_like(x)\n"
                                   "    x.mul_(torch.rand_like(x) >= p).div_(1 - p)\n"
                                   "    return x", "in place"),
}

DROPOUT_CORRECT = {
    "bernoulli_mask": DROP + "    if not training:\n        return x\n"
                             "    if p >= 1:\n        return x * 0\n"
                             "    mask = torch.bernoulli(torch.full_like(x, 1 - p))\n"
                             "    return mask * x / (1 - p)",
    "where_uniform": DROP + "    if not training:\n        return x.clone()\n"
                            "    drop = torch.empty_like(x).uniform_() < p\n"
                            "    return torch.where(drop, torch.zeros_like(x), x / (1 - p))",
    "module_generator": "_gen = torch.Generator().manual_seed(7)\n\n\n" + DROP +
                        "    if not training or p == 0:\n        return x\n"
                        "    if p == 1:\n        return torch.zeros_like(x)\n"
                        "    u = torch.rand(x.shape, generator=_gen).to(x.device)\n"
                        "    return (x / (1 - p)) * (u > p).to(x.dtype)",
}

BN_WRONG = {
    "forbidden_functional": (BN + "    rm, rv = running_mean.clone(), running_var.clone()\n"
                                  "    out = F.batch_norm(x, rm, rv, gamma, beta, training, "
                                  "momentum, eps)\n"
                                  "    return out, rm, rv", "implement yourself"),
    "forbidden_module": BN + "    layer = nn.BatchNorm1d(x.shape[1], eps=eps, momentum=momentum)\n"
                             "    with torch.no_grad():\n"
                             "        layer.weight.copy_(gamma)\n"
                             "        layer.bias.copy_(beta)\n"
                             "        layer.running_mean.copy_(running_mean)\n"
                             "        layer.running_var.copy_(running_var)\n"
                             "    layer.train(training)\n"
                             "    out = layer(x)\n"
                             "    return out, layer.running_mean, layer.running_var",
    "forbidden_layer_norm": BN + """    n = x.shape[0]
    if training:
        out = F.layer_norm(x.T, (n,), eps=eps).T * gamma + beta
        mu, var = x.mean(0), x.var(0)
        new_mean = (1 - momentum) * running_mean + momentum * mu
        return out, new_mean, (1 - momentum) * running_var + momentum * var
    out = (x - running_mean) / torch.sqrt(running_var + eps)
    return gamma * out + beta, running_mean, running_var
""",
    "unbiased_variance_to_normalise": (bn_body(var="x.var(0, unbiased=True)", run_var="var"),
                                       "unbiased variance"),
    "biased_variance_in_running_update": (bn_body(run_var="var"), "biased batch variance"),
    "momentum_reversed": (bn_body(new_mean="momentum * running_mean + (1 - momentum) * mu",
                                  new_var="momentum * running_var + (1 - momentum) * run_var"),
                          "wrong way round"),
    "eval_uses_batch_stats": (bn_body(eval_stats="mu, var = x.mean(0), x.var(0, unbiased=False)"),
                              "batch statistics"),
    "eps_outside_sqrt": (bn_body(out="gamma * (x - mu) / (torch.sqrt(var) + eps) + beta"),
                         "outside the square root"),
    "eps_hard_coded": (bn_body(out="gamma * (x - mu) / torch.sqrt(var + 1e-5) + beta"),
                       "ignores the eps"),
    "forgets_gamma_beta": (bn_body(out="(x - mu) / torch.sqrt(var + eps)"), "gamma and beta"),
    "normalises_rows": (bn_body(mu="x.mean(1, keepdim=True)",
                                var="((x - mu) ** 2).mean(1, keepdim=True)",
                                run_var="x.var(0)",
                                new_mean="(1 - momentum) * running_mean + momentum * x.mean(0)"),
                        "each example (row)"),
    "naive_variance": (bn_body(var="(x * x).mean(0) - mu * mu"), "cancels"),
    "eval_updates_running_stats": BN + """    mu, var = x.mean(0), x.var(0, unbiased=False)
    n = x.shape[0]
    new_mean = (1 - momentum) * running_mean + momentum * mu
    new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    if not training:
        mu, var = running_mean, running_var
    out = gamma * (x - mu) / torch.sqrt(var + eps) + beta
    return out, new_mean, new_var
""",
    "returns_only_out": (BN + "    mu, var = x.mean(0), x.var(0, unbiased=False)\n"
                              "    if training:\n"
                              "        running_mean = 0.9 * running_mean + 0.1 * mu\n"
                              "        running_var = 0.9 * running_var + 0.1 * x.var(0)\n"
                              "    else:\n"
                              "        mu, var = running_mean, running_var\n"
                              "    return gamma * (x - mu) / torch.sqrt(var + eps) + beta",
                         "should return a tuple"),
}

BN_CORRECT = {
    "in_place_update_var_mean": BN + """    if training:
        var, mu = torch.var_mean(x, dim=0, correction=0)
        unbiased = torch.var(x, dim=0, correction=1)
        with torch.no_grad():
            running_mean.mul_(1 - momentum).add_(momentum * mu)
            running_var.mul_(1 - momentum).add_(momentum * unbiased)
    else:
        mu, var = running_mean, running_var
    inv_std = torch.rsqrt(var + eps)
    out = (x - mu) * (inv_std * gamma) + beta
    return out, running_mean, running_var
""",
    "lerp_and_explicit_sums": BN + """    N = x.shape[0]
    if not training:
        x_hat = (x - running_mean) / (running_var + eps).sqrt()
        return gamma * x_hat + beta, running_mean.clone(), running_var.clone()
    mu = x.sum(dim=0) / N
    centred = x - mu
    ss = (centred * centred).sum(dim=0)
    x_hat = centred / torch.sqrt(ss / N + eps)
    new_mean = torch.lerp(running_mean, mu, momentum)
    new_var = torch.lerp(running_var, ss / (N - 1), momentum)
    return x_hat * gamma + beta, new_mean, new_var
""",
}

MUTANTS = {
    "l2_penalty": {
        "wrong": {
            "half_factor": (L2 + "    return 0.5 * lam * sum((w ** 2).sum() for w in weights)",
                            "factor 1/2"),
            "norm_not_squared": (L2 + "    return lam * sum(torch.linalg.norm(w) for w in weights)",
                                 "squared norm"),
            "last_tensor_only": (L2 + "    for w in weights:\n"
                                      "        total = (w ** 2).sum()\n"
                                      "    return lam * total", "only the last"),
            "mean_not_sum": (L2 + "    return lam * sum((w ** 2).mean() for w in weights)",
                             "averages"),
            "detached_item": (L2 + "    total = sum((w ** 2).sum().item() for w in weights)\n"
                                   "    return torch.tensor(lam * total)", "autograd graph"),
            "vector_not_scalar": L2 + "    return lam * torch.stack([(w ** 2).sum() "
                                      "for w in weights])",
        },
        "correct": {
            "vector_norm": L2 + "    total = 0.0\n"
                                "    for w in weights:\n"
                                "        total = total + torch.linalg.vector_norm(w) ** 2\n"
                                "    return lam * total",
            "flatten_dot": L2 + "    flat = torch.cat([w.reshape(-1) for w in weights])\n"
                                "    return lam * (flat @ flat)",
        },
    },
    "l1_penalty": {
        "wrong": {
            "no_abs": (L1 + "    return lam * sum(w.sum() for w in weights)", "absolute values"),
            "squares": (L1 + "    return lam * sum((w ** 2).sum() for w in weights)", "L2"),
            "mean_not_sum": L1 + "    return lam * sum(w.abs().mean() for w in weights)",
            "first_tensor_only": (L1 + "    return lam * weights[0].abs().sum()", "first tensor"),
            "python_float": L1 + "    return lam * sum(float(w.abs().sum()) for w in weights)",
        },
        "correct": {
            "vector_norm_ord1": L1 + "    return lam * torch.stack("
                                     "[torch.linalg.vector_norm(w, ord=1) for w in weights]).sum()",
            "sign_trick": L1 + "    total = torch.zeros(())\n"
                               "    for w in weights:\n"
                               "        total = total + (w * torch.sign(w)).sum()\n"
                               "    return total * lam",
        },
    },
    "dropout": {"wrong": DROPOUT_WRONG, "correct": DROPOUT_CORRECT},
    "batchnorm_forward": {"wrong": BN_WRONG, "correct": BN_CORRECT},
    "q_dropout_eval": {"wrong": {"rescale_at_eval": 'q_dropout_eval = "a"'}},
    "q_best_degree": {"wrong": {"lowest_training_error": "q_best_degree = 11",
                                "still_none": ("q_best_degree = None", "still None")}},
    "q_bn_eval_mode": {"wrong": {"no_difference": 'q_bn_eval_mode = "a"'}},
}

# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "l2_penalty": {
        "half_factor":
            "the penalty gets a factor 1/2, which this course's L2 penalty does not have",
        "norm_not_squared": "the norm of each tensor is used instead of its squared norm",
        "last_tensor_only":
            "only the last tensor of the list is penalised: the total is overwritten in the loop",
        "mean_not_sum": "the squared weights are averaged within each tensor instead of summed",
        "detached_item": (
            "the penalty is built from plain Python numbers and wrapped again, so it is cut off "
            "from the autograd graph"),
        "vector_not_scalar": (
            "one penalty per tensor is returned (a vector) instead of their total as a 0-dim "
            "tensor"),
    },
    "l1_penalty": {
        "no_abs": "the weights are summed without taking their absolute values",
        "squares":
            "the weights are squared (the L2 penalty) instead of taking their absolute values",
        "mean_not_sum": "the absolute weights are averaged within each tensor instead of summed",
        "first_tensor_only": "only the first tensor of the list is penalised",
        "python_float":
            "the penalty is a plain Python float instead of a 0-dim tensor in the autograd graph",
    },
    "dropout": {
        "scales_by_keep_prob":
            "the kept activations are multiplied by (1 - p) instead of divided by it",
        "no_scaling": "the kept activations are not rescaled by 1/(1 - p) during training",
        "p_is_keep_probability":
            "p is used as the probability to keep an element instead of the probability to drop it",
        "keep_prob_everywhere": (
            "p is treated as the keep probability throughout: elements kept with probability p "
            "and scaled by 1/p"),
        "dropout_in_eval": "dropout stays active at evaluation time (training=False)",
        "classic_non_inverted": (
            "classic (non-inverted) dropout is used: no rescaling in training, x scaled by (1 - "
            "p) at evaluation"),
        "one_mask_per_row": "one coin is drawn per example (row) instead of one per element",
        "mask_shared_by_batch": (
            "one mask is drawn and shared by every example of the batch instead of one coin per "
            "element"),
        "seeded_every_call":
            "the random seed is reset on every call, so every call drops the same entries",
        "nan_at_p_one":
            "p = 1 is not handled on its own, so dividing by 1 - p = 0 turns the output into NaN",
        "modifies_x_in_place":
            "x is multiplied by the mask in place, which changes the caller's tensor",
    },
    "batchnorm_forward": {
        "unbiased_variance_to_normalise": (
            "the batch is normalised with the unbiased variance (divide by N - 1) instead of the "
            "biased one"),
        "biased_variance_in_running_update": (
            "the running variance is updated with the biased batch variance instead of the "
            "unbiased one"),
        "momentum_reversed": (
            "the momentum is applied the wrong way round: the old running value gets weight m, "
            "the batch 1 - m"),
        "eval_uses_batch_stats": (
            "evaluation mode normalises with the batch's statistics instead of the running "
            "statistics"),
        "eps_outside_sqrt": "eps is added outside the square root instead of inside it",
        "eps_hard_coded": "eps is hard-coded to its default value, so the eps argument is ignored",
        "forgets_gamma_beta": "the normalised values are not scaled by gamma and shifted by beta",
        "normalises_rows": (
            "each example (row) is normalised over its features instead of each feature over the "
            "batch"),
        "naive_variance": (
            "the variance is computed as mean(x^2) - mu^2, which cancels to garbage for features "
            "with a large mean"),
        "eval_updates_running_stats": (
            "evaluation mode still updates the running statistics instead of returning them "
            "unchanged"),
        "returns_only_out":
            "only the output is returned, without the new running mean and variance",
    },
    "q_dropout_eval": {
        "rescale_at_eval": (
            "inverted dropout's activations are thought to still need scaling by (1 - p) at test "
            "time"),
    },
    "q_best_degree": {
        "lowest_training_error": (
            "the degree with the lowest training error is picked instead of the lowest validation"
            " error"),
        "still_none": "the checkpoint is left unanswered",
    },
    "q_bn_eval_mode": {
        "no_difference": "batch norm is thought to behave the same in training and evaluation mode",
    },
}
