"""Wrong and correct answers for p1_mlp/mlp_project, each replacing a whole answer cell."""

SPLIT_HEAD = '''
def split_and_scale(X, y, val_fraction, seed):
    n = X.shape[0]
    n_val = round(val_fraction * n)
'''

SPLIT_WRONG = {
    "scaler_on_all_rows": (SPLIT_HEAD + '''
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    mean, std = X.mean(0), X.std(0, correction=0)
    std = torch.where(std > 0, std, torch.ones_like(std))
    va, tr = perm[:n_val], perm[n_val:]
    return (X[tr] - mean) / std, (X[va] - mean) / std, y[tr], y[va]
''', "all N rows"),
    "split_after_scaling": (SPLIT_HEAD + '''
    std = X.std(0, correction=0)
    Xs = (X - X.mean(0)) / torch.where(std > 0, std, torch.ones_like(std))
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return Xs[perm[n_val:]], Xs[perm[:n_val]], y[perm[n_val:]], y[perm[:n_val]]
''', "training rows only"),
    "separate_shuffles": (SPLIT_HEAD + '''
    g = torch.Generator().manual_seed(seed)
    px, py = torch.randperm(n, generator=g), torch.randperm(n, generator=g)
    X_tr, X_va = X[px[n_val:]], X[px[:n_val]]
    mean, std = X_tr.mean(0), X_tr.std(0, correction=0)
    std = torch.where(std > 0, std, torch.ones_like(std))
    return (X_tr - mean) / std, (X_va - mean) / std, y[py[n_val:]], y[py[:n_val]]
''', "line up"),
    "zero_std_nan": (SPLIT_HEAD + '''
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    X_tr, X_va = X[perm[n_val:]], X[perm[:n_val]]
    mean, std = X_tr.mean(0), X_tr.std(0, correction=0)
    return (X_tr - mean) / std, (X_va - mean) / std, y[perm[n_val:]], y[perm[:n_val]]
''', "NaN"),
    "sample_std": (SPLIT_HEAD + '''
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    X_tr, X_va = X[perm[n_val:]], X[perm[:n_val]]
    mean, std = X_tr.mean(0), X_tr.std(0)
    std = torch.where(std > 0, std, torch.ones_like(std))
    return (X_tr - mean) / std, (X_va - mean) / std, y[perm[n_val:]], y[perm[:n_val]]
''', "sample std"),
    "val_own_stats": (SPLIT_HEAD + '''
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    def standardise(A):
        std = A.std(0, correction=0)
        return (A - A.mean(0)) / torch.where(std > 0, std, torch.ones_like(std))
    return (standardise(X[perm[n_val:]]), standardise(X[perm[:n_val]]),
            y[perm[n_val:]], y[perm[:n_val]])
''', "its own mean/std"),
    "val_unscaled": (SPLIT_HEAD + '''
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    X_tr = X[perm[n_val:]]
    std = X_tr.std(0, correction=0)
    X_tr = (X_tr - X_tr.mean(0)) / torch.where(std > 0, std, torch.ones_like(std))
    return X_tr, X[perm[:n_val]], y[perm[n_val:]], y[perm[:n_val]]
''', "not scaled"),
    "global_rng": (SPLIT_HEAD + '''
    perm = torch.randperm(n)
    X_tr, X_va = X[perm[n_val:]], X[perm[:n_val]]
    mean, std = X_tr.mean(0), X_tr.std(0, correction=0)
    std = torch.where(std > 0, std, torch.ones_like(std))
    return (X_tr - mean) / std, (X_va - mean) / std, y[perm[n_val:]], y[perm[:n_val]]
''', "same seed"),
}

SPLIT_CORRECT = {
    "numpy_permutation": '''
import numpy as np

def split_and_scale(X, y, val_fraction, seed):
    order = np.random.default_rng(seed).permutation(len(X))
    n_val = int(round(val_fraction * len(X)))
    Xn = X.double().numpy()
    tr, va = order[n_val:], order[:n_val]
    mu, sd = Xn[tr].mean(axis=0), Xn[tr].std(axis=0)
    sd[sd == 0] = 1.0
    scaled = [torch.from_numpy((Xn[rows] - mu) / sd).float() for rows in (tr, va)]
    return scaled[0], scaled[1], y[torch.from_numpy(tr)], y[torch.from_numpy(va)]
''',
    "sklearn_split_and_scaler": '''
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

def split_and_scale(X, y, val_fraction, seed):
    X_tr, X_va, y_tr, y_va = train_test_split(X.numpy(), y.numpy(), test_size=val_fraction,
                                              random_state=seed)
    scaler = StandardScaler().fit(X_tr)
    return (torch.as_tensor(scaler.transform(X_tr)), torch.as_tensor(scaler.transform(X_va)),
            torch.as_tensor(y_tr), torch.as_tensor(y_va))
''',
}

TRAIN_HEAD = '''
def train_epoch(model, X, y, optimizer, loss_fn, batch_size, generator):
'''

TRAIN_WRONG = {
    "no_zero_grad": (TRAIN_HEAD + '''
    model.train()
    perm = torch.randperm(len(X), generator=generator)
    total = 0.0
    for s in range(0, len(X), batch_size):
        idx = perm[s:s + batch_size]
        loss = loss_fn(model(X[idx]), y[idx])
        loss.backward()
        optimizer.step()
        total += loss.item() * len(idx)
    return total / len(X)
''', "zero_grad"),
    "zero_grad_after_backward": (TRAIN_HEAD + '''
    model.train()
    perm = torch.randperm(len(X), generator=generator)
    total = 0.0
    for s in range(0, len(X), batch_size):
        idx = perm[s:s + batch_size]
        loss = loss_fn(model(X[idx]), y[idx])
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        total += loss.item() * len(idx)
    return total / len(X)
''', "never change"),
    "no_shuffle": (TRAIN_HEAD + '''
    model.train()
    total = 0.0
    for s in range(0, len(X), batch_size):
        loss = loss_fn(model(X[s:s + batch_size]), y[s:s + batch_size])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(X[s:s + batch_size])
    return total / len(X)
''', "original order"),
    "global_randperm": (TRAIN_HEAD + '''
    model.train()
    perm = torch.randperm(len(X))
    total = 0.0
    for s in range(0, len(X), batch_size):
        idx = perm[s:s + batch_size]
        loss = loss_fn(model(X[idx]), y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(idx)
    return total / len(X)
''', "use the generator argument"),
    "drops_last_batch": (TRAIN_HEAD + '''
    model.train()
    perm = torch.randperm(len(X), generator=generator)
    total, seen = 0.0, 0
    for s in range(0, len(X) - batch_size + 1, batch_size):
        idx = perm[s:s + batch_size]
        loss = loss_fn(model(X[idx]), y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total, seen = total + loss.item() * len(idx), seen + len(idx)
    return total / seen
''', "last, smaller batch"),
    "unweighted_mean": (TRAIN_HEAD + '''
    model.train()
    perm = torch.randperm(len(X), generator=generator)
    losses = []
    for s in range(0, len(X), batch_size):
        idx = perm[s:s + batch_size]
        loss = loss_fn(model(X[idx]), y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)
''', "weighting"),
    "no_train_mode": (TRAIN_HEAD + '''
    perm = torch.randperm(len(X), generator=generator)
    total = 0.0
    for s in range(0, len(X), batch_size):
        idx = perm[s:s + batch_size]
        loss = loss_fn(model(X[idx]), y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(idx)
    return total / len(X)
''', "model.train()"),
    "returns_tensor": (TRAIN_HEAD + '''
    model.train()
    perm = torch.randperm(len(X), generator=generator)
    total = 0.0
    for s in range(0, len(X), batch_size):
        idx = perm[s:s + batch_size]
        loss = loss_fn(model(X[idx]), y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total = total + loss * len(idx)
    return total / len(X)
''', "tensor"),
}

TRAIN_CORRECT = {
    "dataloader": TRAIN_HEAD + '''
    from torch.utils.data import DataLoader, TensorDataset

    model.train()
    loader = DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=True,
                        generator=generator)
    total = 0.0
    for xb, yb in loader:
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += float(loss) * xb.shape[0]
    return total / len(loader.dataset)
''',
    "split_permutation": TRAIN_HEAD + '''
    model.train(True)
    sums, count = [], 0
    for idx in torch.randperm(X.shape[0], generator=generator).split(batch_size):
        for p in model.parameters():
            p.grad = None
        loss = loss_fn(model(X[idx]), y[idx])
        loss.backward()
        optimizer.step()
        sums.append(loss.detach() * idx.numel())
        count += idx.numel()
    return (torch.stack(sums).sum() / count).item()
''',
}

EVAL_HEAD = '''
def evaluate(model, X, y, task):
'''

EVAL_WRONG = {
    "no_eval_mode": (EVAL_HEAD + '''
    with torch.no_grad():
        out = model(X)
    if task == "classification":
        return {"accuracy": (out.argmax(1) == y).float().mean().item()}
    return {"rmse": ((out.reshape(-1) - y) ** 2).mean().sqrt().item()}
''', "model.eval()"),
    "no_no_grad": (EVAL_HEAD + '''
    model.eval()
    out = model(X)
    if task == "classification":
        return {"accuracy": (out.argmax(1) == y).float().mean().item()}
    return {"rmse": ((out.reshape(-1) - y) ** 2).mean().sqrt().item()}
''', "no_grad"),
    "broadcast_rmse": (EVAL_HEAD + '''
    model.eval()
    with torch.no_grad():
        out = model(X)
    if task == "classification":
        return {"accuracy": (out.argmax(1) == y).float().mean().item()}
    return {"rmse": ((out - y) ** 2).mean().sqrt().item()}
''', "broadcasts"),
    "mse_not_rmse": (EVAL_HEAD + '''
    model.eval()
    with torch.no_grad():
        out = model(X)
    if task == "classification":
        return {"accuracy": (out.argmax(1) == y).float().mean().item()}
    return {"rmse": ((out.reshape(-1) - y) ** 2).mean().item()}
''', "square root"),
    "percentage": (EVAL_HEAD + '''
    model.eval()
    with torch.no_grad():
        out = model(X)
    if task == "classification":
        return {"accuracy": 100.0 * (out.argmax(1) == y).float().mean().item()}
    return {"rmse": ((out.reshape(-1) - y) ** 2).mean().sqrt().item()}
''', "percentage"),
}

EVAL_CORRECT = {
    "inference_mode": EVAL_HEAD + '''
    model.train(False)
    with torch.inference_mode():
        out = model(X)
        if task == "regression":
            return {"rmse": math.sqrt(F.mse_loss(out.squeeze(-1), y).item())}
        correct = int((out.max(dim=1).indices == y).sum())
        return {"accuracy": correct / len(y)}
''',
}

MODEL_HEAD = '''
def build_model(config, d_in, d_out):
    act = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU}[config["activation"]]
    p = config["dropout"]
    widths = [d_in, *config["hidden"]]
    layers = []
'''

MODEL_WRONG = {
    "activation_after_last": (MODEL_HEAD + '''
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(a, b), act(), nn.Dropout(p)]
    layers += [nn.Linear(widths[-1], d_out), act()]
    return nn.Sequential(*layers)
''', "after the last layer"),
    "always_relu": (MODEL_HEAD + '''
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(a, b), nn.ReLU(), nn.Dropout(p)]
    layers.append(nn.Linear(widths[-1], d_out))
    return nn.Sequential(*layers)
''', "where activation"),
    "keep_probability": (MODEL_HEAD + '''
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(a, b), act(), nn.Dropout(1 - p)]
    layers.append(nn.Linear(widths[-1], d_out))
    return nn.Sequential(*layers)
''', "probability to DROP"),
    "dropout_on_input": (MODEL_HEAD + '''
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [nn.Dropout(p), nn.Linear(a, b), act()]
    layers.append(nn.Linear(widths[-1], d_out))
    return nn.Sequential(*layers)
''', "input"),
    "dropout_before_activation": (MODEL_HEAD + '''
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(a, b), nn.Dropout(p), act()]
    layers.append(nn.Linear(widths[-1], d_out))
    return nn.Sequential(*layers)
''', "after the activation"),
    "ignores_dropout": (MODEL_HEAD + '''
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(a, b), act()]
    layers.append(nn.Linear(widths[-1], d_out))
    return nn.Sequential(*layers)
''', "no dropout"),
    "functional_dropout_always_on": ('''
class Net(nn.Module):
    def __init__(self, config, d_in, d_out):
        super().__init__()
        widths = [d_in, *config["hidden"], d_out]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.act = {"relu": torch.relu, "tanh": torch.tanh, "gelu": F.gelu}[config["activation"]]
        self.p = config["dropout"]

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = F.dropout(self.act(layer(x)), self.p)
        return self.layers[-1](x)


def build_model(config, d_in, d_out):
    return Net(config, d_in, d_out)
''', "eval mode"),
    "zero_init": (MODEL_HEAD + '''
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(a, b), act(), nn.Dropout(p)]
    layers.append(nn.Linear(widths[-1], d_out))
    model = nn.Sequential(*layers)
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)
            nn.init.zeros_(m.bias)
    return model
''', "at least 0.90"),
}

MODEL_CORRECT = {
    "module_list_functional": '''
class Net(nn.Module):
    def __init__(self, config, d_in, d_out):
        super().__init__()
        widths = [d_in, *config["hidden"], d_out]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.act = getattr(F, config["activation"])
        self.p = config["dropout"]

    def forward(self, x):
        *hidden, last = self.layers
        for layer in hidden:
            x = F.dropout(self.act(layer(x)), self.p, training=self.training)
        return last(x)


def build_model(config, d_in, d_out):
    return Net(config, d_in, d_out)
''',
    "ordered_dict_no_zero_dropout": '''
from collections import OrderedDict

def build_model(config, d_in, d_out):
    acts = {"relu": nn.ReLU(), "tanh": nn.Tanh(), "gelu": nn.GELU()}
    parts, width = OrderedDict(), d_in
    for i, h in enumerate(config["hidden"]):
        parts[f"fc{i}"] = nn.Linear(width, h)
        parts[f"act{i}"] = type(acts[config["activation"]])()
        if config["dropout"] > 0:
            parts[f"drop{i}"] = nn.Dropout(p=config["dropout"])
        width = h
    parts["out"] = nn.Linear(width, d_out)
    return nn.Sequential(parts)
''',
}

ABL_HEAD = '''
def ablation_configs(base, options):
'''

ABL_WRONG = {
    "aliases_base": (ABL_HEAD + '''
    configs = [base]
    for key, values in options.items():
        for value in values:
            if value != base[key]:
                config = base
                config[key] = value
                configs.append(config)
    return configs
''', "base"),
    "keeps_base_values": (ABL_HEAD + '''
    configs = [dict(base)]
    for key, values in options.items():
        for value in values:
            configs.append({**base, key: value})
    return configs
''', "skipped"),
    "cumulative_changes": (ABL_HEAD + '''
    configs = [dict(base)]
    config = dict(base)
    for key, values in options.items():
        for value in values:
            if value != base[key]:
                config[key] = value
                configs.append(dict(config))
    return configs
''', "exactly one"),
    "full_grid": (ABL_HEAD + '''
    import itertools

    keys = list(options)
    configs = [dict(base)]
    for combo in itertools.product(*(options[k] for k in keys)):
        config = {**base, **dict(zip(keys, combo))}
        if config != base:
            configs.append(config)
    return configs
''', "configs"),
    "base_last": (ABL_HEAD + '''
    configs = []
    for key, values in options.items():
        for value in values:
            if value != base[key]:
                configs.append({**base, key: value})
    return configs + [dict(base)]
''', "first"),
    "returns_base_itself": (ABL_HEAD + '''
    configs = [base]
    for key, values in options.items():
        configs += [{**base, key: value} for value in values if value != base[key]]
    return configs
''', "copy"),
}

ABL_CORRECT = {
    "deepcopy": '''
import copy

def ablation_configs(base, options):
    out = [copy.deepcopy(base)]
    for key in options:
        for value in options[key]:
            if value == base[key]:
                continue
            config = copy.deepcopy(base)
            config[key] = value
            out.append(config)
    return out
''',
    "comprehension": ABL_HEAD + '''
    return [dict(base)] + [dict(base, **{k: v}) for k, vs in options.items() for v in vs
                           if v != base[k]]
''',
}

RUN_HEAD = '''
def run_ablation(configs, train_fn):
    base = configs[0]
    rows = []
'''

RUN_WRONG = {
    "compares_with_previous": (RUN_HEAD + '''
    previous = base
    for config in configs:
        changed = next((k for k in config if config[k] != previous[k]), None)
        start = time.perf_counter()
        metric = float(train_fn(config))
        rows.append({"name": "base" if changed is None else f"{changed}={config[changed]}",
                     "changed": changed, "value": None if changed is None else config[changed],
                     "val_metric": metric, "train_time": time.perf_counter() - start})
        previous = config
    return rows
''', "previous"),
    "cumulative_time": (RUN_HEAD + '''
    start = time.perf_counter()
    for config in configs:
        changed = next((k for k in config if config[k] != base[k]), None)
        metric = float(train_fn(config))
        rows.append({"name": "base" if changed is None else f"{changed}={config[changed]}",
                     "changed": changed, "value": None if changed is None else config[changed],
                     "val_metric": metric, "train_time": time.perf_counter() - start})
    return rows
''', "restart the clock"),
    "calls_train_fn_twice": (RUN_HEAD + '''
    for config in configs:
        changed = next((k for k in config if config[k] != base[k]), None)
        start = time.perf_counter()
        train_fn(config)
        seconds = time.perf_counter() - start
        rows.append({"name": "base" if changed is None else f"{changed}={config[changed]}",
                     "changed": changed, "value": None if changed is None else config[changed],
                     "val_metric": float(train_fn(config)), "train_time": seconds})
    return rows
''', "once per config"),
    "milliseconds": (RUN_HEAD + '''
    for config in configs:
        changed = next((k for k in config if config[k] != base[k]), None)
        start = time.perf_counter()
        metric = float(train_fn(config))
        rows.append({"name": "base" if changed is None else f"{changed}={config[changed]}",
                     "changed": changed, "value": None if changed is None else config[changed],
                     "val_metric": metric, "train_time": 1000 * (time.perf_counter() - start)})
    return rows
''', "seconds"),
    "base_not_named": (RUN_HEAD + '''
    for config in configs:
        changed = next((k for k in config if config[k] != base[k]), None)
        start = time.perf_counter()
        metric = float(train_fn(config))
        rows.append({"name": f"{changed}={config.get(changed)}", "changed": changed,
                     "value": config.get(changed), "val_metric": metric,
                     "train_time": time.perf_counter() - start})
    return rows
''', "expected 'base'"),
    "extra_config_key": (RUN_HEAD + '''
    for config in configs:
        changed = next((k for k in config if config[k] != base[k]), None)
        start = time.perf_counter()
        metric = float(train_fn(config))
        rows.append({"name": "base" if changed is None else f"{changed}={config[changed]}",
                     "changed": changed, "value": None if changed is None else config[changed],
                     "val_metric": metric, "train_time": time.perf_counter() - start,
                     "config": config})
    return rows
''', "exactly"),
}

RUN_CORRECT = {
    "time_time_and_diff_list": '''
def run_ablation(configs, train_fn):
    rows = []
    for config in configs:
        diff = [key for key, value in config.items() if configs[0].get(key) != value]
        t0 = time.time()
        metric = train_fn(config)
        elapsed = time.time() - t0
        key = diff[0] if diff else None
        rows.append(dict(name=f"{key}={config[key]}" if key else "base", changed=key,
                         value=config[key] if key else None, val_metric=float(metric),
                         train_time=elapsed))
    return rows
''',
}

MUTANTS = {
    "split_and_scale": {"wrong": SPLIT_WRONG, "correct": SPLIT_CORRECT},
    "train_epoch": {"wrong": TRAIN_WRONG, "correct": TRAIN_CORRECT},
    "evaluate": {"wrong": EVAL_WRONG, "correct": EVAL_CORRECT},
    "build_model": {"wrong": MODEL_WRONG, "correct": MODEL_CORRECT},
    "ablation_configs": {"wrong": ABL_WRONG, "correct": ABL_CORRECT},
    "run_ablation": {"wrong": RUN_WRONG, "correct": RUN_CORRECT},
    "q_leakage": {"wrong": {"no_leak": 'q_leakage = "a"'}},
    "q_eval_mode": {"wrong": {"turns_off_grad": 'q_eval_mode = "a"'}},
    "q_runs": {"wrong": {"full_grid": "q_runs = 256", "forgets_base": "q_runs = 12"}},
}


# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "split_and_scale": {
        "scaler_on_all_rows": (
            "the mean and std are computed on all N rows, validation "
            "rows included, instead of the training rows only"
        ),
        "split_after_scaling": (
            "the mean and std are computed on all N rows, validation "
            "rows included, instead of the training rows only"
        ),
        "separate_shuffles": (
            "the rows of X and the labels y are shuffled with two "
            "different permutations, so they no longer line up"
        ),
        "zero_std_nan": (
            "a constant column (std 0) is divided by 0 instead of by 1, which fills it with NaN"
        ),
        "sample_std": (
            "the sample std (correction=1) is used instead of the population std (correction=0)"
        ),
        "val_own_stats": (
            "the validation rows are standardised with their own "
            "mean and std instead of the training rows'"
        ),
        "val_unscaled": (
            "only the training rows are standardised: the validation rows are returned unscaled"
        ),
        "global_rng": (
            "the permutation is drawn from the global random state "
            "instead of a generator seeded with seed"
        ),
    },
    "train_epoch": {
        "no_zero_grad": (
            "optimizer.zero_grad() is never called, so the "
            "gradients of all previous batches add up"
        ),
        "zero_grad_after_backward": (
            "the gradients are zeroed between backward() and "
            "step(), so every step sees zero gradients"
        ),
        "no_shuffle": "the batches are taken in the original row order instead of a shuffled order",
        "global_randperm": (
            "the permutation is drawn from the global random "
            "state instead of the generator argument"
        ),
        "drops_last_batch": (
            "the last, smaller batch is dropped, so not every sample is used once per epoch"
        ),
        "unweighted_mean": (
            "the plain mean of the batch losses is returned, "
            "without weighting each batch by its size"
        ),
        "no_train_mode": (
            "model.train() is not called first, so a model left "
            "in eval mode trains with dropout off"
        ),
        "returns_tensor": (
            "the loss tensors are summed instead of loss.item(), so a "
            "tensor is returned instead of a Python float"
        ),
    },
    "evaluate": {
        "no_eval_mode": "model.eval() is not called, so dropout stays on while evaluating",
        "no_no_grad": (
            "the forward pass is not run inside torch.no_grad(), so an autograd graph is built"
        ),
        "broadcast_rmse": (
            "the (N, 1) output is not flattened, so (N, 1) - (N,) "
            "broadcasts to an (N, N) matrix in the RMSE"
        ),
        "mse_not_rmse": (
            "the square root is not taken: the mean squared error is returned as the RMSE"
        ),
        "percentage": "the accuracy is returned as a percentage instead of a fraction in [0, 1]",
    },
    "build_model": {
        "activation_after_last": (
            "an activation is also applied after the last Linear "
            "layer, so the outputs are not raw logits or values"
        ),
        "always_relu": "the activation named in the config is ignored and ReLU is always used",
        "keep_probability": (
            "nn.Dropout gets the keep probability 1 - p instead "
            "of the probability p of dropping a unit"
        ),
        "dropout_on_input": (
            "dropout comes before each Linear layer (on the "
            "input too) instead of after each activation"
        ),
        "dropout_before_activation": (
            "dropout sits between each Linear layer and its "
            "activation instead of after the activation"
        ),
        "ignores_dropout": "the dropout layers are left out",
        "functional_dropout_always_on": (
            "dropout stays active in eval mode (it ignores model.eval())"
        ),
        "zero_init": (
            "all weights and biases are initialised to zero, so the "
            "hidden layers get no useful gradient and do not learn"
        ),
    },
    "ablation_configs": {
        "aliases_base": (
            "base itself is edited in place instead of copied, so "
            "base changes and all configs are one dict"
        ),
        "keeps_base_values": (
            "a value equal to the base value is not skipped, so the base run appears again"
        ),
        "cumulative_changes": (
            "the changes accumulate: each config keeps the "
            "earlier changes instead of changing one key"
        ),
        "full_grid": (
            "every combination of the options (a full grid) is "
            "generated instead of one change at a time"
        ),
        "base_last": "the copy of base comes last instead of first",
        "returns_base_itself": "the first entry is base itself instead of a copy of it",
    },
    "run_ablation": {
        "compares_with_previous": (
            "each config is compared with the previous config instead of with the base"
        ),
        "cumulative_time": (
            "the clock is not restarted for each config, so "
            "train_time adds up all the runs so far"
        ),
        "calls_train_fn_twice": (
            "train_fn is called twice per config (once timed, "
            "once for the metric) instead of once"
        ),
        "milliseconds": "train_time is given in milliseconds instead of seconds",
        "base_not_named": "the base row is named like the other rows instead of 'base'",
        "extra_config_key": (
            "each row gets an extra key (the config itself) besides the five required ones"
        ),
    },
    "q_leakage": {
        "no_leak": "standardisation is thought not to leak because it has no learned parameters",
    },
    "q_eval_mode": {
        "turns_off_grad": "model.eval() is thought to turn off gradient tracking",
    },
    "q_runs": {
        "full_grid": "the one-at-a-time ablation is counted as a full grid of every combination",
        "forgets_base": "the base run itself is not counted",
    },
}
