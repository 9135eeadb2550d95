"""Hidden grader for p1_mlp/mlp_project: leakage-free split and scaling, a training epoch,
evaluation, the MLP builder (with an accuracy threshold on the digits within a time budget),
the one-change-at-a-time ablation and its results table, checkpoint questions.

Oracles are computed here in float64 (scaler: population std, zero std -> 1, as
sklearn's StandardScaler); training steps are replayed by a reference loop inside the probe on
exactly the batches the student's loop fed to the model, so any shuffling scheme passes.
Functions of other exercises are never called: each probe brings its own trusted pieces."""

import torch

from dlcore.grading import check_number, check_tensor, check_type, exercise, fail, rng
from dlcore.questions import check_answer
from dlcore.untrusted import wire

SPLIT_NAMES = ("X_train", "X_val", "y_train", "y_val")


def close(a, b, tol=1e-4):
    return (isinstance(a, torch.Tensor) and a.shape == b.shape
            and torch.allclose(a.double(), b.double(), rtol=tol, atol=tol))


# ---------------------------------------------------------------- split_and_scale

def table(n, d, seed):
    """(n, d) float32 columns with distinct means and spreads."""
    offsets = torch.tensor([-3.0, 0.0, 5.0, 10.0, 20.0, -8.0, 2.0, 1.0])[:d]  # (d,)
    scales = torch.tensor([0.5, 1.0, 2.0, 5.0, 10.0, 3.0, 0.8, 4.0])[:d]      # (d,)
    return torch.randn(n, d, generator=rng(seed)) * scales + offsets           # (n, d)


def scale_with(X_fit, X, correction=0):
    """(X - mean) / std with the statistics of X_fit, float64, std 0 -> 1."""
    fit = X_fit.double()
    mean, std = fit.mean(0), fit.std(0, correction=correction)                # (D,), (D,)
    std = torch.where(std > 0, std, torch.ones_like(std))
    return (X.double() - mean) / std


def split(student, X, frac, seed):
    """Call split_and_scale with y = row ids; check the partition; (outputs, train, val ids)."""
    n, d = X.shape
    out = student.split_and_scale(X, torch.arange(n), frac, seed)
    if not isinstance(out, tuple | list) or len(out) != 4:
        fail("split_and_scale should return a tuple (X_train, X_val, y_train, y_val), got "
             f"{wire.type_name(out)}")
    for name, t in zip(SPLIT_NAMES, out, strict=True):
        if not isinstance(t, torch.Tensor):
            fail(f"split_and_scale: {name} should be a torch.Tensor, got {wire.type_name(t)}")
    n_val = round(frac * n)
    call = f"split_and_scale(X {tuple(X.shape)}, y ({n},), {frac}, seed={seed})"
    shapes = [(n - n_val, d), (n_val, d), (n - n_val,), (n_val,)]
    for name, t, shape in zip(SPLIT_NAMES, out, shapes, strict=True):
        if tuple(t.shape) != shape:
            fail(f"{call}: {name} has shape {tuple(t.shape)}; expected {shape} "
                 "(n_val = round(val_fraction * N) validation rows)")
    train_ids = [int(v) for v in out[2].double().round().tolist()]
    val_ids = [int(v) for v in out[3].double().round().tolist()]
    both = set(train_ids) & set(val_ids)
    if both:
        fail(f"{call}: {len(both)} rows are in both the training and the validation set")
    if len(set(train_ids + val_ids)) != n or sorted(train_ids + val_ids) != list(range(n)):
        fail(f"{call}: the rows of y_train and y_val are not the N rows, each exactly once "
             "(split one permutation of the row indices, and return y unscaled)")
    return out, train_ids, val_ids


def aligned(got, raw):
    """Each column of got an increasing affine image of the same column of raw?"""
    g, r = got.double(), raw.double()
    g, r = g - g.mean(0), r - r.mean(0)
    corr = (g * r).sum(0) / (g.norm(dim=0) * r.norm(dim=0) + 1e-300)       # (D,)
    return bool((corr > 0.999).all())


@exercise("split_and_scale", points=1)
def test_split_sizes_and_partition(student):
    """Are the validation rows round(val_fraction N) of the rows, disjoint from the rest?"""
    split(student, table(60, 7, 0), 0.25, 3)
    split(student, table(45, 5, 1), 0.2, 0)


@exercise("split_and_scale", points=1)
def test_split_rows_keep_their_labels(student):
    """Do the rows of X_train and X_val line up with y_train and y_val?"""
    X = table(60, 7, 2)
    out, tr, va = split(student, X, 0.25, 4)
    for name, got, ids, labels in (("X_train", out[0], tr, "y_train"),
                                   ("X_val", out[1], va, "y_val")):
        if not aligned(got, X[ids]):
            fail(f"the rows of {name} do not line up with {labels}: shuffle X and y with the "
                 "same permutation (row i of X_train must be the row whose label is "
                 "y_train[i])")


@exercise("split_and_scale", points=1)
def test_split_train_scaled_with_train_stats(student):
    """Is X_train standardised with the training rows' mean and population std?"""
    X = table(60, 7, 3)
    out, tr, _ = split(student, X, 0.25, 5)
    expected = scale_with(X[tr], X[tr])                                        # (45, 7)
    if not close(out[0], expected):
        if close(out[0], scale_with(X, X[tr])):
            fail("X_train is standardised with the mean/std of all N rows: fit the scaler on "
                 "the training rows only")
        if close(out[0], scale_with(X[tr], X[tr], correction=1)):
            fail("X_train divides by the sample std (N - 1); use the population std "
                 "(correction=0), like StandardScaler")
        if close(out[0], X[tr]):
            fail("X_train is not standardised")
    check_tensor(out[0], expected, "X_train (45, 7)", rtol=1e-4, atol=1e-4)


@exercise("split_and_scale", points=1)
def test_split_val_scaled_with_train_stats(student):
    """Is X_val transformed with the *training* mean and std?"""
    X = table(60, 7, 4)
    out, tr, va = split(student, X, 0.25, 6)
    expected = scale_with(X[tr], X[va])                                        # (15, 7)
    if not close(out[1], expected):
        if close(out[1], scale_with(X[va], X[va])):
            fail("X_val is standardised with its own mean/std: apply the training "
                 "statistics to the validation rows")
        if close(out[1], scale_with(X, X[va])):
            fail("X_val is standardised with the mean/std of all N rows: use the training "
                 "rows' statistics")
        if close(out[1], X[va]):
            fail("X_val is not scaled: apply the training mean/std to it too")
        if close(out[1], scale_with(X[tr], X[va], correction=1)):
            fail("X_val divides by the sample std (N - 1); use the population std "
                 "(correction=0)")
    check_tensor(out[1], expected, "X_val (15, 7)", rtol=1e-4, atol=1e-4)


@exercise("split_and_scale", points=1)
def test_split_no_leakage(student):
    """Does changing only the validation rows leave the split and X_train unchanged?"""
    X = table(60, 7, 5)
    out, tr, va = split(student, X, 0.25, 7)
    changed = X.clone()
    changed[va] = changed[va] * 3 + 50                                         # (15, 7) rows
    again, tr2, _ = split(student, changed, 0.25, 7)
    if tr2 != tr:
        fail("the split changed when only the values of X changed: draw the permutation "
             "from N and the seed alone")
    if not close(again[0], out[0], tol=1e-6):
        fail("changing only the validation rows changed X_train: the scaler must see the "
             "training rows only (leakage)")


@exercise("split_and_scale", points=1)
def test_split_constant_columns(student):
    """Are constant columns (std 0) divided by 1, without NaN?"""
    X = table(40, 6, 6)
    X[:, 1], X[:, 4] = 0.0, 2.5                                                # constant
    out, tr, va = split(student, X, 0.25, 1)
    for name, got in (("X_train", out[0]), ("X_val", out[1])):
        if not torch.isfinite(got).all():
            fail(f"{name} has NaN/inf for columns that are constant (std 0): divide those "
                 "by 1 instead")
    check_tensor(out[0], scale_with(X[tr], X[tr]), "X_train (30, 6) with two constant columns",
                 rtol=1e-4, atol=1e-4)
    check_tensor(out[1], scale_with(X[tr], X[va]), "X_val (10, 6) with two constant columns",
                 rtol=1e-4, atol=1e-4)


@exercise("split_and_scale", points=1)
def test_split_seeded(student):
    """Does the same seed give the same split, and do different seeds give different ones?"""
    X = table(50, 4, 7)
    first, tr, va = split(student, X, 0.2, 5)
    second, tr2, va2 = split(student, X, 0.2, 5)
    if (tr, va) != (tr2, va2) or not close(first[0], second[0], tol=1e-6):
        fail("two calls with the same seed gave different splits: draw the permutation from "
             "torch.Generator().manual_seed(seed), not from the global random state")
    vals = {tuple(sorted(split(student, X, 0.2, s)[2])) for s in (0, 1, 2, 3)}
    if len(vals) == 1:
        fail("seeds 0, 1, 2 and 3 all give the same validation rows: the split must depend "
             "on the seed")


# ---------------------------------------------------------------- train_epoch

def train_epoch_probe(ns, X, y, batch_size, seed, start_eval, lr):
    """Run the student's train_epoch on a recording linear model; replay its batches."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Recorder(nn.Module):
        def __init__(self, d_in, d_out):
            super().__init__()
            self.lin = nn.Linear(d_in, d_out)
            self.inputs, self.modes = [], []

        def forward(self, x):
            self.inputs.append(x.detach().clone())
            self.modes.append(self.training)
            return self.lin(x)

    torch.manual_seed(0)
    n_classes = int(y.max()) + 1
    model = Recorder(X.shape[1], n_classes)
    init = {k: v.clone() for k, v in model.lin.state_dict().items()}
    if start_eval:
        model.eval()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses, targets = [], []

    def loss_fn(out, target):
        loss = F.cross_entropy(out, target)
        losses.append((int(target.shape[0]), float(loss)))
        targets.append(target.detach().clone())
        return loss

    ret = ns["train_epoch"](model, X, y, optimizer, loss_fn, batch_size,
                            torch.Generator().manual_seed(seed))
    lookup = {tuple(row.tolist()): i for i, row in enumerate(X)}
    batches = [[lookup.get(tuple(r.tolist()), -1) for r in b] for b in model.inputs]
    pairs = zip(targets, batches, strict=False)
    labels_ok = len(targets) == len(batches) and all(
        -1 not in ids and torch.equal(t.cpu(), y[ids]) for t, ids in pairs)

    def replay(zero_grad):
        if any(-1 in ids for ids in batches):
            return None
        ref = nn.Linear(X.shape[1], n_classes)
        ref.load_state_dict(init)
        opt = torch.optim.SGD(ref.parameters(), lr=lr)
        for ids in batches:
            if zero_grad:
                opt.zero_grad()
            F.cross_entropy(ref(X[ids]), y[ids]).backward()
            opt.step()
        return [p.detach().clone() for p in ref.parameters()]

    if isinstance(ret, torch.Tensor):
        ret = {"tensor": True, "requires_grad": bool(ret.requires_grad)}
    return {"ret": ret, "batches": batches, "modes": model.modes, "losses": losses,
            "labels_ok": labels_ok, "params": [p.detach().clone() for p in model.lin.parameters()],
            "init": [init["weight"], init["bias"]], "ref": replay(True), "acc": replay(False)}


def classes_data(n, d, c, seed):
    g = rng(seed)
    X = torch.randn(n, d, generator=g)                                         # (n, d)
    y = torch.randint(0, c, (n,), generator=g)                                 # (n,)
    return X, y


def run_epoch(student, n=50, batch_size=16, seed=5, start_eval=False, lr=0.5):
    X, y = classes_data(n, 4, 3, 40)
    student.value("train_epoch")  # a missing function is reported as missing
    return student.probe(train_epoch_probe, X, y, batch_size, seed, start_eval, lr)


def order_of(result):
    return [i for b in result["batches"] for i in b]


@exercise("train_epoch", points=1)
def test_train_epoch_every_sample_once(student):
    """Does one epoch feed every sample exactly once, in batches of at most batch_size?"""
    n, b = 50, 16
    r = run_epoch(student, n, b)
    sizes = [len(x) for x in r["batches"]]
    what = f"train_epoch on N = {n} rows with batch_size = {b}"
    if any(s > b for s in sizes):
        fail(f"{what} fed batches of sizes {sizes}: at most batch_size rows per batch")
    seen = order_of(r)
    if -1 in seen:
        fail(f"{what} fed the model rows that are not rows of X (index X and y with the "
             "same indices, and do not modify the data)")
    if sorted(seen) != list(range(n)):
        missing, repeated = n - len(set(seen)), len(seen) - len(set(seen))
        hint = " (the last, smaller batch must be used too)" if missing and sizes and \
            all(s == b for s in sizes) else ""
        fail(f"{what}: {missing} rows never seen and {repeated} seen twice in one "
             f"epoch{hint}")
    if not r["labels_ok"]:
        fail(f"{what}: the labels passed to loss_fn are not the labels of the rows fed to "
             "the model (index X and y with the same batch indices)")


@exercise("train_epoch", points=1)
def test_train_epoch_shuffles_with_generator(student):
    """Is the order shuffled, reproducible for a generator seed, and different for another?"""
    first, again, other = (order_of(run_epoch(student, seed=s)) for s in (5, 5, 6))
    if first == list(range(50)):
        fail("train_epoch visits the rows in their original order: shuffle with "
             "torch.randperm(N, generator=generator)")
    if first != again:
        fail("two epochs with generators of the same seed gave different orders: draw the "
             "permutation from the generator argument, not the global random state")
    if first == other:
        fail("generators with different seeds gave the same order: use the generator "
             "argument for the permutation")


@exercise("train_epoch", points=1)
def test_train_epoch_updates_like_sgd(student):
    """After one epoch, are the weights those of zero_grad/backward/step on each batch?"""
    r = run_epoch(student)
    if r["ref"] is None:
        fail("train_epoch fed the model rows that are not rows of X, so its updates cannot "
             "be checked")
    got, ref = r["params"], r["ref"]
    if all(close(g, e, 1e-5) for g, e in zip(got, ref, strict=True)):
        return
    if all(close(g, e, 1e-5) for g, e in zip(got, r["acc"], strict=True)):
        fail("gradients accumulate across batches: call optimizer.zero_grad() before each "
             "loss.backward()")
    if all(torch.equal(g, i) for g, i in zip(got, r["init"], strict=True)):
        fail("the parameters never change: backward() then step() on every batch, with "
             "zero_grad() before backward(), not between backward() and step()")
    fail("after one epoch the weights differ from one SGD step per batch (zero_grad, "
         "backward, step on the loss of each batch)")


@exercise("train_epoch", points=1)
def test_train_epoch_returns_mean_loss(student):
    """Is the return value the per-sample mean loss, (1/N) sum_b |b| loss_b, as a float?"""
    r = run_epoch(student, n=50, batch_size=16)
    ret = r["ret"]
    if isinstance(ret, dict) and ret.get("tensor"):
        fail("train_epoch returns a tensor; return a Python float (accumulate loss.item())")
    check_type(ret, float | int, "the value returned by train_epoch")
    losses = r["losses"]
    n = sum(s for s, _ in losses)
    expected = sum(s * loss for s, loss in losses) / max(n, 1)
    if losses and abs(ret - sum(loss for _, loss in losses) / len(losses)) < 1e-6 and \
            abs(ret - expected) > 1e-6:
        fail("train_epoch averages the batch losses without weighting them by batch size: "
             "the last, smaller batch counts as much as a full one")
    if losses and abs(ret - sum(loss for _, loss in losses)) < 1e-6:
        fail("train_epoch returns the sum of the batch losses; return the mean per sample")
    check_number(ret, expected, "the mean loss returned by train_epoch (N = 50, batch 16)",
                 rtol=1e-5, atol=1e-6)


@exercise("train_epoch", points=1)
def test_train_epoch_sets_train_mode(student):
    """Does train_epoch switch the model to training mode (model.train())?"""
    r = run_epoch(student, start_eval=True)
    if not r["modes"] or not all(r["modes"]):
        fail("train_epoch ran the model in eval mode: call model.train() first (dropout "
             "must be on while training, and evaluate leaves the model in eval mode)")


def learning_probe(ns, X, y, epochs):
    """Several epochs on an easy problem; the returned losses and the final accuracy."""
    import torch
    import torch.nn as nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    gen = torch.Generator().manual_seed(1)
    losses = [ns["train_epoch"](model, X, y, optimizer, nn.CrossEntropyLoss(), 32, gen)
              for _ in range(epochs)]
    losses = [float(v) if isinstance(v, int | float | torch.Tensor) else None for v in losses]
    with torch.no_grad():
        acc = float((model(X).argmax(1) == y).float().mean())
    return {"losses": losses, "accuracy": acc}


@exercise("train_epoch", points=1)
def test_train_epoch_learns(student):
    """Do 15 epochs on a separable 2-class problem drive the loss down and fit the data?"""
    g = rng(41)
    X = torch.randn(300, 2, generator=g)                                       # (300, 2)
    y = (X[:, 0] - 0.5 * X[:, 1] > 0).long()                                   # (300,)
    student.value("train_epoch")
    r = student.probe(learning_probe, X, y, 15)
    losses = r["losses"]
    if any(v is None for v in losses):
        fail("train_epoch should return the epoch's mean loss as a number")
    if not losses[-1] < 0.3 * losses[0] or r["accuracy"] < 0.95:
        fail(f"after 15 epochs on a linearly separable problem (300 rows) the loss fell only "
             f"from {losses[0]:.3f} to {losses[-1]:.3f} and the training accuracy is "
             f"{r['accuracy']:.2f}")


# ---------------------------------------------------------------- evaluate

def evaluate_probe(ns, weights, X, y, task, start_train):
    """The student's evaluate on an MLP with dropout, watched for train mode and autograd."""
    import torch
    import torch.nn as nn

    class Watch(nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net
            self.modes, self.grad = [], []

        def forward(self, x):
            self.modes.append(self.net[2].training)
            self.grad.append(torch.is_grad_enabled())
            return self.net(x)

    (w1, b1), (w2, b2) = weights
    net = nn.Sequential(nn.Linear(w1.shape[1], w1.shape[0]), nn.ReLU(), nn.Dropout(0.5),
                        nn.Linear(w2.shape[1], w2.shape[0]))
    with torch.no_grad():
        for layer, (w, b) in zip((net[0], net[3]), weights, strict=True):
            layer.weight.copy_(w)
            layer.bias.copy_(b)
    model = Watch(net)
    model.train(start_train)
    torch.manual_seed(123)  # dropout masks of a model left in train mode are reproducible
    got = ns["evaluate"](model, X, y, task)
    return {"got": got, "modes": model.modes, "grad": model.grad}


def eval_case(n, d, c, seed):
    """Weights, inputs, float64 outputs of the eval-mode net (dropout off)."""
    g = rng(seed)
    weights = [(torch.randn(24, d, generator=g) / d ** 0.5, 0.1 * torch.randn(24, generator=g)),
               (torch.randn(c, 24, generator=g) / 24 ** 0.5, 0.1 * torch.randn(c, generator=g))]
    X = torch.randn(n, d, generator=g)                                         # (n, d)
    (w1, b1), (w2, b2) = [(w.double(), b.double()) for w, b in weights]
    out = torch.relu(X.double() @ w1.T + b1) @ w2.T + b2                       # (n, c)
    return weights, X, out, g


def classification_case(seed=50):
    weights, X, out, g = eval_case(40, 6, 4, seed)
    y = out.argmax(1)                                                          # (40,)
    flip = torch.rand(40, generator=g) < 0.4
    y[flip] = torch.randint(0, 4, (int(flip.sum()),), generator=g)
    return weights, X, y, float((out.argmax(1) == y).double().mean())


def run_evaluate(student, weights, X, y, task, start_train):
    student.value("evaluate")
    r = student.probe(evaluate_probe, weights, X, y, task, start_train)
    if not isinstance(r["got"], dict):
        fail(f"evaluate should return a dict, got {wire.type_name(r['got'])}")
    return r


@exercise("evaluate", points=1)
def test_evaluate_accuracy(student):
    """Is evaluate(...)['accuracy'] the fraction of rows whose argmax is the label?"""
    weights, X, y, expected = classification_case()
    got = run_evaluate(student, weights, X, y, "classification", False)["got"]
    if "accuracy" not in got:
        fail(f"evaluate(..., 'classification') returned keys {sorted(got)}; expected "
             "'accuracy'")
    acc = got["accuracy"]
    if isinstance(acc, int | float) and abs(acc - 100 * expected) < 1e-3:
        fail("accuracy should be a fraction in [0, 1], not a percentage")
    check_number(acc, expected, "accuracy for logits (40, 4) and labels (40,)", atol=1e-6)


@exercise("evaluate", points=1)
def test_evaluate_calls_eval(student):
    """Does evaluate switch the model to eval mode (dropout off) before the forward pass?"""
    weights, X, y, expected = classification_case(51)
    r = run_evaluate(student, weights, X, y, "classification", True)
    if not r["modes"]:
        fail("evaluate never called the model")
    if any(r["modes"]):
        fail("evaluate ran the model in training mode (dropout on, scores vary from call to "
             "call): call model.eval() first")


@exercise("evaluate", points=1)
def test_evaluate_no_graph(student):
    """Does evaluate run the forward pass under torch.no_grad(), building no graph?"""
    weights, X, y, _ = classification_case(52)
    r = run_evaluate(student, weights, X, y, "classification", False)
    if not r["grad"]:
        fail("evaluate never called the model")
    if any(r["grad"]):
        fail("evaluate builds an autograd graph: run the forward pass inside torch.no_grad() "
             "(model.eval() does not turn autograd off)")


@exercise("evaluate", points=1)
def test_evaluate_rmse(student):
    """Is evaluate(...)['rmse'] sqrt(mean((f(x) - y)^2)) for an (N, 1) output and y (N,)?"""
    weights, X, out, g = eval_case(30, 5, 1, 53)
    y = (out[:, 0] + 0.5 * torch.randn(30, generator=g, dtype=torch.float64)).float()  # (30,)
    err = out[:, 0] - y.double()                                               # (30,)
    expected = float(err.pow(2).mean().sqrt())
    got = run_evaluate(student, weights, X, y, "regression", False)["got"]
    if "rmse" not in got:
        fail(f"evaluate(..., 'regression') returned keys {sorted(got)}; expected 'rmse'")
    rmse = got["rmse"]
    if isinstance(rmse, torch.Tensor) and rmse.numel() == 1:
        rmse = float(rmse)
    if isinstance(rmse, int | float):
        broadcast = float((out - y.double()).pow(2).mean().sqrt())             # (30, 30) errors
        if abs(rmse - broadcast) < 1e-4 * broadcast:
            fail("the rmse compares an (N, 1) output with y (N,), which broadcasts to (N, N): "
                 "flatten the output first")
        if abs(rmse - expected ** 2) < 1e-4 * expected ** 2:
            fail("evaluate returns the mean squared error; the rmse is its square root")
    check_number(rmse, expected, "rmse for outputs (30, 1) and targets (30,)")


# ---------------------------------------------------------------- build_model

def build_model_probe(ns, config, d_in, d_out, x):
    """Build the student's model; its Linear weights, eval outputs, train-mode layer traces."""
    import torch
    import torch.nn as nn

    torch.manual_seed(0)
    model = ns["build_model"](dict(config), d_in, d_out)
    if not isinstance(model, nn.Module):
        return {"type": type(model).__name__}
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    weights = [(m.weight.detach().clone(),
                None if m.bias is None else m.bias.detach().clone()) for m in linears]
    model.eval()
    with torch.no_grad():
        eval1, eval2 = model(x), model(x)
    record = []
    hooks = [m.register_forward_hook(
        lambda mod, inp, out: record.append((inp[0].detach().clone(), out.detach().clone())))
        for m in linears]
    model.train()
    torch.manual_seed(1)
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return {"type": "module", "shapes": [tuple(w.shape) for w, _ in weights],
            "weights": weights, "eval1": eval1, "eval2": eval2, "record": record}


ACTS = {"relu": torch.relu, "tanh": torch.tanh, "gelu": torch.nn.functional.gelu}


def forward64(weights, x, act, after_last=False):
    h = x.double()
    for i, (w, b) in enumerate(weights):
        h = h @ w.double().T + (0 if b is None else b.double())
        if i < len(weights) - 1 or after_last:
            h = ACTS[act](h)
    return h


def build(student, config, d_in, d_out, n=8, seed=60):
    student.value("build_model")
    x = torch.randn(n, d_in, generator=rng(seed))                              # (n, d_in)
    r = student.probe(build_model_probe, config, d_in, d_out, x)
    call = f"build_model({config}, {d_in}, {d_out})"
    if r["type"] != "module":
        fail(f"{call} should return an nn.Module, got {r['type']}")
    widths = [d_in, *config["hidden"], d_out]
    expected = [(b, a) for a, b in zip(widths[:-1], widths[1:], strict=True)]
    if [tuple(s) for s in r["shapes"]] != expected:
        fail(f"{call} has nn.Linear weights of shapes {[tuple(s) for s in r['shapes']]}; "
             f"expected {expected} (one nn.Linear per hidden width, then one to d_out)")
    return r, x, call


@exercise("build_model", points=1)
def test_build_model_layers(student):
    """Does build_model make one nn.Linear per hidden width and one to d_out, in order?"""
    for hidden, d_in, d_out in (([32, 16], 11, 5), ([], 9, 3), ([20], 7, 1)):
        r, x, call = build(student, {"hidden": hidden, "activation": "relu", "dropout": 0.0,
                                     "optimizer": "adam"}, d_in, d_out)
        if tuple(r["eval1"].shape) != (len(x), d_out):
            fail(f"{call} maps x {tuple(x.shape)} to {tuple(r['eval1'].shape)}; expected "
                 f"{(len(x), d_out)}")


def check_eval_forward(r, x, act, call):
    if not torch.equal(r["eval1"], r["eval2"]):
        fail(f"{call} gives different outputs for the same input in eval mode: use "
             "nn.Dropout (F.dropout needs training=self.training)")
    expected = forward64(r["weights"], x, act)
    if close(r["eval1"], expected):
        return
    if close(r["eval1"], forward64(r["weights"], x, act, after_last=True)):
        fail(f"{call} applies the activation after the last layer too: return the last "
             "nn.Linear's output as is")
    for other in ACTS:
        if other != act and close(r["eval1"], forward64(r["weights"], x, other)):
            fail(f"{call} uses {other} where activation '{act}' was asked")
    check_tensor(r["eval1"], expected, f"{call} in eval mode on x {tuple(x.shape)}")


@exercise("build_model", points=1)
def test_build_model_activation(student):
    """Does the eval-mode forward use config['activation'] between layers, not after the last?"""
    for act in ("relu", "tanh", "gelu"):
        config = {"hidden": [24, 12], "activation": act, "dropout": 0.3, "lr": 1e-3}
        r, x, call = build(student, config, 10, 4)
        check_eval_forward(r, x, act, call)


@exercise("build_model", points=1)
def test_build_model_dropout_in_training(student):
    """In train mode, is Dropout(p) applied after each hidden activation, scaled by 1/(1-p)?"""
    p = 0.3
    config = {"hidden": [64, 48], "activation": "tanh", "dropout": p}
    r, x, call = build(student, config, 10, 3, n=60, seed=61)
    check_eval_forward(r, x, "tanh", call)
    record = r["record"]
    if len(record) != 3:
        fail(f"{call}: the model's nn.Linear layers ran {len(record)} times in one forward "
             "pass; expected 3")
    if not torch.equal(record[0][0], x):
        fail(f"{call}: the first nn.Linear does not see x unchanged in train mode: no "
             "dropout on the input")
    for k in (1, 2):
        got = record[k][0].double()                                            # (60, H)
        pre = torch.tanh(record[k - 1][1].double())                            # (60, H)
        live = pre.abs() > 1e-6                     # units the activation left nonzero
        if int(live.sum()) < 500:
            continue                                # (all-zero weights: nothing to drop)
        dropped = (got == 0) & live
        frac = float(dropped.double().sum() / live.sum())
        where = f"{call}, after hidden layer {k}"
        if frac < 0.3 * p:
            fail(f"{where}: no dropout in train mode (a fraction {frac:.2f} of the "
                 f"activations is zero; expected about p = {p})")
        if abs(frac - (1 - p)) < 0.06:
            fail(f"{where}: a fraction {frac:.2f} of the activations is dropped; "
                 f"config['dropout'] = {p} is the probability to DROP (nn.Dropout(p))")
        if abs(frac - p) > 0.06:
            fail(f"{where}: a fraction {frac:.2f} of the activations is dropped; expected "
                 f"about p = {p}")
        kept = live & ~dropped
        if not torch.allclose(got[kept], pre[kept] / (1 - p), rtol=1e-4, atol=1e-5):
            if torch.allclose(got[kept], pre[kept], rtol=1e-4, atol=1e-5):
                fail(f"{where}: kept activations must be scaled by 1/(1-p) during training "
                     "(nn.Dropout does it)")
            fail(f"{where}: the next layer's input is not dropout(activation(...)): dropout "
                 "goes after the activation")


@exercise("build_model", points=1)
def test_build_model_eval_deterministic(student):
    """With dropout 0.5, is the eval-mode output deterministic and dropout-free?"""
    config = {"hidden": [40, 40], "activation": "relu", "dropout": 0.5}
    r, x, call = build(student, config, 12, 6, n=20, seed=62)
    check_eval_forward(r, x, "relu", call)


THRESHOLD_CONFIG = {"hidden": [128, 64], "activation": "relu", "dropout": 0.2}


def digits_probe(ns, config, epochs, lr, batch_size):
    """Reference training of the student's model on the digits; held-out accuracy."""
    import time

    import torch
    import torch.nn.functional as F

    from dlcore.data import offline_images

    ds = offline_images()
    X_tr, y_tr, X_va, y_va = ds.X_train, ds.y_train, ds.X_test, ds.y_test
    mean, std = X_tr.mean(0), X_tr.std(0, correction=0)                       # (64,), (64,)
    std = torch.where(std > 0, std, torch.ones_like(std))
    X_tr, X_va = (X_tr - mean) / std, (X_va - mean) / std
    torch.manual_seed(0)
    model = ns["build_model"](dict(config), 64, 10)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(X_tr), generator=gen)
        for s in range(0, len(X_tr), batch_size):
            idx = perm[s:s + batch_size]
            loss = F.cross_entropy(model(X_tr[idx]), y_tr[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        out = model(X_va)
    if tuple(out.shape) != (len(X_va), 10):
        return {"shape": tuple(out.shape)}
    return {"accuracy": float((out.argmax(1) == y_va).float().mean()),
            "seconds": time.perf_counter() - start}


@exercise("build_model", points=1, timeout=60)
def test_build_model_learns_digits(student):
    """Does build_model's MLP reach 0.90 held-out accuracy on the digits within 60 s?"""
    student.value("build_model")
    r = student.probe(digits_probe, THRESHOLD_CONFIG, 30, 1e-3, 64)
    if "shape" in r:
        fail(f"build_model({THRESHOLD_CONFIG}, 64, 10) gives outputs of shape {r['shape']} "
             "for 359 digits; expected (359, 10)")
    if r["accuracy"] < 0.90:
        fail(f"build_model({THRESHOLD_CONFIG}, 64, 10), trained 30 epochs with Adam, reaches "
             f"a held-out accuracy of {r['accuracy']:.3f} on the digits; at least 0.90 is "
             "required")


# ---------------------------------------------------------------- ablation_configs

BASE = {"hidden": [64], "activation": "relu", "optimizer": "adam", "lr": 0.001,
        "dropout": 0.0, "epochs": 10}
OPTIONS = {"activation": ["relu", "tanh", "gelu"], "optimizer": ["adam", "sgd"],
           "dropout": [0.0, 0.2, 0.5]}


def expected_configs(base, options):
    out = [dict(base)]
    for key, values in options.items():
        out += [{**base, key: v} for v in values if v != base[key]]
    return out


def configs_of(student, base, options):
    got = student.ablation_configs(dict(base), {k: list(v) for k, v in options.items()})
    if not isinstance(got, list) or not all(isinstance(c, dict) for c in got):
        fail(f"ablation_configs should return a list of dicts, got {wire.type_name(got)}")
    return got


@exercise("ablation_configs", points=1)
def test_ablation_base_first_and_count(student):
    """Is the base config first, followed by one config per value that differs from it?"""
    got = configs_of(student, BASE, OPTIONS)
    if not got or got[0] != BASE:
        fail("the first config returned by ablation_configs must be (a copy of) base, "
             "unchanged")
    n_expected = len(expected_configs(BASE, OPTIONS))
    n_all = 1 + sum(len(v) for v in OPTIONS.values())
    if len(got) == n_all:
        fail("values equal to base[key] must be skipped: they would repeat the base run")
    if len(got) != n_expected:
        fail(f"ablation_configs(base, options with 3 + 2 + 3 values, 3 of them equal to "
             f"base) returned {len(got)} configs; expected {n_expected}")


@exercise("ablation_configs", points=1)
def test_ablation_one_change_each(student):
    """Does every config after the first differ from base in exactly one key?"""
    got = configs_of(student, BASE, OPTIONS)
    for i, config in enumerate(got[1:], start=1):
        if set(config) != set(BASE):
            fail(f"config {i} has keys {sorted(config)}; every config needs exactly base's "
                 "keys")
        diff = [k for k in BASE if config[k] != BASE[k]]
        if len(diff) != 1:
            fail(f"config {i} differs from base in {len(diff)} keys {diff}; exactly one "
                 "change per config (start each from a fresh copy of base)")


@exercise("ablation_configs", points=1)
def test_ablation_order(student):
    """Do the configs follow the order of options' keys and of each list of values?"""
    for options in (OPTIONS, {"dropout": [0.5], "lr": [0.01, 0.001, 0.0001]}):
        got = configs_of(student, BASE, options)
        if got != expected_configs(BASE, options):
            names = [k for k in options]
            fail(f"ablation_configs(base, options with keys {names}) returns the right "
                 "configs in the wrong order, or wrong configs: options' keys in order, "
                 "each list in order, base first")


def base_untouched_probe(ns, base, options):
    """Is base left unchanged, and are the returned dicts independent of it?"""
    import copy

    original = copy.deepcopy(base)
    configs = ns["ablation_configs"](base, options)
    unchanged = base == original
    first_is_base = len(configs) > 0 and configs[0] is base
    if len(configs) > 1:
        configs[1]["activation"] = "changed-by-grader"
    return {"unchanged": unchanged, "first_is_base": first_is_base,
            "base_after_edit": base == original,
            "others_after_edit": [c == original for c in configs[:1]]}


@exercise("ablation_configs", points=1)
def test_ablation_base_not_modified(student):
    """Is base left unchanged, and is every returned config a new dict?"""
    student.value("ablation_configs")
    r = student.probe(base_untouched_probe, dict(BASE), OPTIONS)
    if not r["unchanged"]:
        fail("ablation_configs modified base: build each config as a new dict "
             "({**base, key: value}), never config = base")
    if r["first_is_base"]:
        fail("the first config is the base dict itself: return a copy (dict(base))")
    if not r["base_after_edit"] or not all(r["others_after_edit"]):
        fail("editing one returned config changed base or the base run: return new dicts")


@exercise("ablation_configs", points=1)
def test_ablation_skips_base_values(student):
    """Are options that only repeat base values skipped, and empty options just [base]?"""
    for options in ({"lr": [0.001]}, {}, {"epochs": [10, 20], "activation": ["relu"]}):
        got = configs_of(student, BASE, options)
        expected = expected_configs(BASE, options)
        if got != expected:
            what = "different configs" if len(got) == len(expected) else f"{len(got)} configs"
            fail(f"ablation_configs(base, {options}) returned {what}; expected "
                 f"{len(expected)}: base, then only values that differ from base")


# ---------------------------------------------------------------- run_ablation

def run_ablation_probe(ns, configs, sleeps, metrics):
    """The student's run_ablation with a stub trainer that sleeps and returns set metrics."""
    import time

    calls = []

    def train_fn(config):
        calls.append(dict(config))
        k = next((i for i, c in enumerate(configs) if c == config), None)
        if k is None:
            return float("nan")
        time.sleep(sleeps[k])
        return metrics[k]

    rows = ns["run_ablation"]([dict(c) for c in configs], train_fn)
    return {"rows": rows, "calls": calls}


ABL_BASE = {"hidden": [64], "activation": "relu", "optimizer": "adam", "dropout": 0.0}
ABL_CONFIGS = [ABL_BASE, {**ABL_BASE, "activation": "tanh"}, {**ABL_BASE, "optimizer": "sgd"},
               {**ABL_BASE, "dropout": 0.5}, {**ABL_BASE, "hidden": [32]}]
ABL_METRICS = [0.91, 0.88, 0.74, 0.93, 0.87]
ROW_KEYS = {"name", "changed", "value", "val_metric", "train_time"}


def rows_of(student, sleeps=(0.0,) * 5):
    student.value("run_ablation")
    r = student.probe(run_ablation_probe, ABL_CONFIGS, list(sleeps), ABL_METRICS)
    rows = r["rows"]
    if not isinstance(rows, list) or not all(isinstance(x, dict) for x in rows):
        fail(f"run_ablation should return a list of dicts, got {wire.type_name(rows)}")
    if len(rows) != len(ABL_CONFIGS):
        fail(f"run_ablation returned {len(rows)} rows for {len(ABL_CONFIGS)} configs")
    return rows, r["calls"]


@exercise("run_ablation", points=1)
def test_run_ablation_row_keys(student):
    """Does every row have exactly the keys name, changed, value, val_metric, train_time?"""
    rows, _ = rows_of(student)
    for i, row in enumerate(rows):
        if set(row) != ROW_KEYS:
            fail(f"row {i} has keys {sorted(row)}; expected exactly {sorted(ROW_KEYS)}")


@exercise("run_ablation", points=1)
def test_run_ablation_names(student):
    """Are name, changed and value found by comparing each config with configs[0]?"""
    rows, _ = rows_of(student)
    expected = [("base", None, None), ("activation=tanh", "activation", "tanh"),
                ("optimizer=sgd", "optimizer", "sgd"), ("dropout=0.5", "dropout", 0.5),
                ("hidden=[32]", "hidden", [32])]
    for i, (row, (name, changed, value)) in enumerate(zip(rows, expected, strict=True)):
        got = (row.get("name"), row.get("changed"), row.get("value"))
        if got == (name, changed, value):
            continue
        if i == 2 and row.get("changed") == "activation":
            fail("run_ablation compares each config with the previous one; compare with the "
                 "base, configs[0]")
        fail(f"row {i} (base with {changed} = {value!r}) has name {got[0]!r}, changed "
             f"{got[1]!r}, value {got[2]!r}; expected {name!r}, {changed!r}, {value!r}")


@exercise("run_ablation", points=1)
def test_run_ablation_calls_train_fn_once(student):
    """Is train_fn called once per config, in order, and its value stored as val_metric?"""
    rows, calls = rows_of(student)
    if calls != ABL_CONFIGS:
        fail(f"run_ablation called train_fn {len(calls)} times for {len(ABL_CONFIGS)} "
             "configs: once per config, in order")
    for i, (row, metric) in enumerate(zip(rows, ABL_METRICS, strict=True)):
        check_number(row.get("val_metric"), metric, f"val_metric of row {i}", atol=1e-9)


@exercise("run_ablation", points=1)
def test_run_ablation_times_each_run(student):
    """Is train_time the wall time in seconds of that config's train_fn call alone?"""
    sleeps = [0.3, 0.0, 0.15, 0.0, 0.05]
    rows, _ = rows_of(student, sleeps)
    for i, (row, s) in enumerate(zip(rows, sleeps, strict=True)):
        t = row.get("train_time")
        check_type(t, float | int, f"train_time of row {i}")
        if t > 100 * max(s, 0.01):
            fail("train_time should be in seconds (time.perf_counter() differences)")
        if not s - 0.005 <= t <= s + 0.25:
            fail(f"row {i}: train_time {t:.3f} s for a train_fn call that took {s:.2f} s: "
                 "time each call alone (restart the clock for every config)")


# ---------------------------------------------------------------- checkpoints

@exercise("q_leakage", points=1)
def test_q_leakage(student):
    """What goes wrong when the scaler sees the validation rows?"""
    check_answer(student.value("q_leakage"), "q_leakage", "a6bf2c7833a425940c7e")


@exercise("q_eval_mode", points=1)
def test_q_eval_mode(student):
    """What does model.eval() change?"""
    check_answer(student.value("q_eval_mode"), "q_eval_mode", "2c0f9b4d68f8f4fdcd55")


@exercise("q_runs", points=1)
def test_q_runs(student):
    """How many runs does a one-at-a-time ablation of 4 parameters x 4 values need?"""
    check_answer(student.value("q_runs"), "q_runs", "0edfba55dc3d4c099938", digits=0)
