"""Hidden grader for p2_transfer/transfer_project: augmentation, the train/test batches (the
test set never augmented), the transfer set-up, an accuracy threshold within a time budget,
checkpoints.

augment is checked by its law: every output image is one of the (2s+1)^2 zero-filled shifts
of its input, the shifts vary across images and follow the generator. make_batches gets a
trusted augment (so a wrong augment costs only its own exercise) and is checked on row ids.
setup_transfer is probed on a tiny model with torchvision's ResNet layout; the threshold case
trains the student's pipeline on the offline task (digits 5-9, a small ResNet pretrained on
digits 0-4) with a reference loop, as p1_mlp does."""

import torch

from dlcore.grading import check_tensor, exercise, fail, rng
from dlcore.questions import check_answer
from dlcore.untrusted import wire


def shifts(x, s):
    """{(dy, dx): x shifted so that out[i, j] = x[i - dy, j - dx], zero fill} for |d| <= s."""
    H, W = x.shape[-2:]
    padded = torch.nn.functional.pad(x, (s, s, s, s))
    return {(s - a, s - b): padded[..., a:a + H, b:b + W]
            for a in range(2 * s + 1) for b in range(2 * s + 1)}


def which_shift(img, original, s):
    for d, shifted in shifts(original, s).items():
        if torch.allclose(img.double(), shifted.double(), atol=1e-6):
            return d
    return None


def images(n, c, h, w, seed):
    """Positive values everywhere, so that every shift is a different image."""
    return 0.1 + torch.rand(n, c, h, w, generator=rng(seed))                   # (n, c, h, w)


# ---------------------------------------------------------------- augment

def augment_of(student, x, seed, max_shift=None):
    args = () if max_shift is None else (max_shift,)
    out = student.augment(x, torch.Generator().manual_seed(seed), *args)
    call = f"augment(x {tuple(x.shape)}, generator{'' if max_shift is None else f', {max_shift}'})"
    if type(out) is not torch.Tensor:
        fail(f"{call} should return a torch.Tensor, got {wire.type_name(out)}")
    if tuple(out.shape) != tuple(x.shape):
        fail(f"{call} has shape {tuple(out.shape)}; expected {tuple(x.shape)} (crop back to "
             "H x W after padding)")
    return out, call


def shift_list(out, x, s, call):
    found = []
    for i in range(len(x)):
        d = which_shift(out[i], x[i], s)
        if d is None:
            if any(which_shift(out[i], f, s) is not None
                   for f in (x[i].flip(-1), x[i].flip(-2))):
                fail(f"{call}: image {i} is flipped; flips change what a digit looks like, "
                     "only shift")
            fail(f"{call}: image {i} is not its input shifted by at most {s} pixel(s) in each "
                 "direction with zero fill (pad with zeros, then crop an H x W window)")
        found.append(d)
    return found


@exercise("augment", points=1)
def test_augment_outputs_are_shifts(student):
    """Is every output image its input shifted by at most one pixel, zero filled?"""
    x = images(40, 2, 6, 9, 0)
    out, call = augment_of(student, x, 1)
    shift_list(out, x, 1, call)


@exercise("augment", points=1)
def test_augment_each_image_its_own_shift(student):
    """Do different images get different shifts, covering all nine?"""
    x = images(200, 1, 5, 7, 1)
    out, call = augment_of(student, x, 2)
    found = shift_list(out, x, 1, call)
    if len(set(found)) == 1:
        fail(f"{call}: all 200 images got the same shift {found[0]}: draw one (dy, dx) per "
             "image")
    if len(set(found)) < 9:
        fail(f"{call}: only {len(set(found))} of the 9 shifts in [-1, 1]^2 occur among 200 "
             "images: draw dy and dx uniformly from -max_shift..max_shift")


@exercise("augment", points=1)
def test_augment_max_shift(student):
    """Does max_shift=2 allow shifts of two pixels, and max_shift=0 none?"""
    x = images(150, 1, 7, 6, 2)
    out, call = augment_of(student, x, 3, 2)
    found = shift_list(out, x, 2, call)
    if max(max(abs(a), abs(b)) for a, b in found) < 2:
        fail(f"{call}: no image moved by 2 pixels: max_shift sets the range")
    same, call0 = augment_of(student, x, 3, 0)
    check_tensor(same, x, f"{call0} (no shift)")


@exercise("augment", points=1)
def test_augment_follows_generator(student):
    """Same generator seed: same output; another seed: another; input unchanged?"""
    x = images(30, 1, 6, 6, 4)
    a, call = augment_of(student, x, 7)
    b, _ = augment_of(student, x, 7)
    c, _ = augment_of(student, x, 8)
    if not torch.equal(a, b):
        fail(f"{call}: two generators with the same seed gave different outputs: draw the "
             "shifts from the generator argument, not the global random state")
    if torch.equal(a, c):
        fail(f"{call}: generators with different seeds gave the same output")


# ---------------------------------------------------------------- make_batches

def batches_probe(ns, X, y, batch_size, train, seed):
    """Sandbox probe: make_batches with a trusted augment that adds 1000 (a visible mark)."""
    import torch

    def augment(x, generator, max_shift=1):
        torch.randint(0, 3, (1,), generator=generator)
        return x + 1000.0

    had, saved = "augment" in ns, ns.get("augment")
    ns["augment"] = augment
    try:
        out = ns["make_batches"](X, y, batch_size, train, torch.Generator().manual_seed(seed))
        if isinstance(out, torch.Tensor) or not hasattr(out, "__iter__"):
            return {"type": type(out).__name__}
        out = list(out)  # a generator runs now, with the trusted augment in place
    finally:
        if had:
            ns["augment"] = saved
        else:
            del ns["augment"]
    found = []
    for b in out:
        if not (isinstance(b, tuple | list) and len(b) == 2
                and all(isinstance(t, torch.Tensor) for t in b)):
            return {"type": f"an iterable of {type(b).__name__}"}
        found.append([b[0].detach().clone(), b[1].detach().clone()])
    return {"batches": found}


def batches_of(student, n, batch_size, train, seed=0):
    X = images(n, 1, 3, 4, 10 + n)                                            # (n, 1, 3, 4)
    y = torch.arange(n)                                                        # (n,)
    student.value("make_batches")
    r = student.probe(batches_probe, X, y, batch_size, train, seed)
    call = f"make_batches(X ({n}, 1, 3, 4), y = row ids, {batch_size}, train={train}, generator)"
    if "type" in r:
        fail(f"{call} should return a list of (x, y) pairs, got {r['type']}")
    if not r["batches"]:
        fail(f"{call} returned no batches")
    xs = torch.cat([b[0] for b in r["batches"]])
    ys = torch.cat([b[1] for b in r["batches"]])
    sizes = [len(b[1]) for b in r["batches"]]
    if sorted(ys.tolist()) != list(range(n)):
        fail(f"{call}: the labels are not every row exactly once")
    if any(s > batch_size for s in sizes) or xs.shape[0] != n:
        fail(f"{call} gives batches of sizes {sizes}: at most batch_size rows each")
    return X, xs, ys, sizes, call


@exercise("make_batches", points=1)
def test_batches_test_not_augmented(student):
    """Are the test batches the rows in order, never augmented?"""
    X, xs, ys, sizes, call = batches_of(student, 23, 8, False)
    if torch.allclose(xs.double(), X[ys].double() + 1000):
        fail(f"{call}: the test images are augmented: augmentation is for training only; the "
             "test set must be the real, untouched images")
    if ys.tolist() != list(range(23)):
        fail(f"{call}: the test rows are shuffled; keep them in order")
    if sizes != [8, 8, 7]:
        fail(f"{call}: batch sizes {sizes}; expected [8, 8, 7]")
    check_tensor(xs, X, f"{call}: the test images")


@exercise("make_batches", points=1)
def test_batches_train_augmented(student):
    """Is every training batch passed through augment (once)?"""
    X, xs, ys, _, call = batches_of(student, 30, 7, True)
    if torch.allclose(xs.double(), X[ys].double()):
        fail(f"{call}: the training images are not augmented: pass each batch through "
             "augment(xb, generator)")
    if torch.allclose(xs.double(), X[ys].double() + 2000):
        fail(f"{call}: the training images are augmented twice")
    if not torch.allclose(xs.double(), X[ys].double() + 1000):
        fail(f"{call}: the training images do not line up with their labels: index X and y "
             "with the same batch indices, then augment the images")


@exercise("make_batches", points=1)
def test_batches_train_shuffled_by_generator(student):
    """Is the training order shuffled, the same for a seed and different for another?"""
    orders = [batches_of(student, 30, 8, True, seed)[2].tolist() for seed in (3, 3, 4)]
    if orders[0] == list(range(30)):
        fail("make_batches(train=True) keeps the original order: shuffle with "
             "torch.randperm(N, generator=generator)")
    if orders[0] != orders[1]:
        fail("make_batches(train=True) with generators of the same seed gave different "
             "orders: use the generator argument")
    if orders[0] == orders[2]:
        fail("make_batches(train=True) gave the same order for different seeds")


@exercise("make_batches", points=1)
def test_batches_sizes(student):
    """Batches of batch_size rows, the last one smaller, none dropped (train and test)?"""
    for train in (True, False):
        _, _, _, sizes, call = batches_of(student, 21, 5, train)
        if sizes != [5, 5, 5, 5, 1]:
            fail(f"{call}: batch sizes {sizes}; expected [5, 5, 5, 5, 1]")


# ---------------------------------------------------------------- setup_transfer

def setup_probe(ns, arch, strategy, num_classes, backbone_lr, head_lr):
    """Sandbox probe: setup_transfer on a tiny ResNet-layout model (fc = Linear(24, 9)) or
    resnet18; describe the model's flags and head and the optimizer's groups."""
    import torch
    import torch.nn as nn

    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(6)
            self.layer1 = nn.Sequential(nn.Conv2d(6, 24, 3, stride=2), nn.BatchNorm2d(24))
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(24, 9)

        def forward(self, x):
            x = torch.relu(self.bn1(self.conv1(x)))
            return self.fc(torch.flatten(self.avgpool(self.layer1(x)), 1))

    torch.manual_seed(0)
    if arch == "resnet18":
        from torchvision.models import resnet18
        model = resnet18(weights=None)
    else:
        model = Tiny()
    old_fc = model.fc
    try:
        out = ns["setup_transfer"](model, num_classes, strategy, backbone_lr, head_lr)
    except ValueError as exc:
        return {"value_error": str(exc)[:80]}
    if not isinstance(out, tuple | list) or len(out) != 2:
        return {"type": type(out).__name__}
    got, optimizer = out
    info = {"same_model": got is model, "opt": type(optimizer).__name__}
    if not isinstance(got, nn.Module):
        info["model_type"] = type(got).__name__
        return info
    fc = got.fc
    info["fc"] = ({"in": fc.in_features, "out": fc.out_features, "new": fc is not old_fc}
                  if isinstance(fc, nn.Linear) else type(fc).__name__)
    info["trainable"] = [n for n, p in got.named_parameters() if p.requires_grad]
    names = {id(p): n for n, p in got.named_parameters()}
    if isinstance(optimizer, torch.optim.Optimizer):
        info["groups"] = [{"lr": float(g["lr"]),
                           "params": [names.get(id(p), "?") for p in g["params"]]}
                          for g in optimizer.param_groups]
    return info


def ref_setup(arch, strategy, n, blr, hlr):
    """What setup_transfer should produce, from a trusted implementation run here."""
    def setup_transfer(model, num_classes, strategy, backbone_lr, head_lr):
        if strategy not in ("feature_extraction", "fine_tuning"):
            raise ValueError(strategy)
        if strategy == "feature_extraction":
            model.requires_grad_(False)
        model.fc = torch.nn.Linear(model.fc.in_features, num_classes)
        head = list(model.fc.parameters())
        if strategy == "feature_extraction":
            return model, torch.optim.Adam(head, lr=head_lr)
        ids = {id(p) for p in head}
        rest = [p for p in model.parameters() if id(p) not in ids]
        return model, torch.optim.Adam([{"params": rest, "lr": backbone_lr},
                                        {"params": head, "lr": head_lr}])

    return setup_probe({"setup_transfer": setup_transfer}, arch, strategy, n, blr, hlr)


def setup_of(student, arch, strategy, n=4, blr=1e-4, hlr=1e-2):
    student.value("setup_transfer")
    got = student.probe(setup_probe, arch, strategy, n, blr, hlr)
    call = f"setup_transfer(model, {n}, {strategy!r}, backbone_lr={blr}, head_lr={hlr})"
    if "value_error" in got:
        fail(f"{call} raised ValueError ({got['value_error']})")
    if "type" in got:
        fail(f"{call} should return (model, optimizer), got {got['type']}")
    if "model_type" in got:
        fail(f"{call}: the first value should be the model, got {got['model_type']}")
    if isinstance(got["fc"], str):
        fail(f"{call}: model.fc is a {got['fc']}; expected a new nn.Linear (logits)")
    want = ref_setup(arch, strategy, n, blr, hlr)
    if not got["fc"]["new"] or got["fc"]["out"] != n:
        fail(f"{call}: model.fc has {got['fc']['out']} outputs; expected a new "
             f"nn.Linear with {n}")
    if got["fc"]["in"] != want["fc"]["in"]:
        fail(f"{call}: the new head has in_features {got['fc']['in']}; the backbone's "
             f"features have {want['fc']['in']} (read model.fc.in_features)")
    return got, want, call


def check_flags(got, want, call):
    extra = [n for n in got["trainable"] if n not in want["trainable"]]
    missing = [n for n in want["trainable"] if n not in got["trainable"]]
    if extra:
        fail(f"{call}: {len(extra)} backbone parameters still require grad "
             f"({', '.join(extra[:3])}...): freeze the backbone")
    if missing:
        fail(f"{call}: {', '.join(missing[:3])} do not require grad but should train")


def check_optimizer(got, want, call):
    if got["opt"] != "Adam":
        fail(f"{call}: the optimizer is {got['opt']}; expected torch.optim.Adam")
    groups, expected = got["groups"], want["groups"]
    if len(groups) != len(expected):
        fail(f"{call}: the optimizer has {len(groups)} parameter group(s); expected "
             f"{len(expected)}")
    for i, (g, e) in enumerate(zip(groups, expected, strict=True)):
        frozen = [n for n in g["params"] if n not in want["trainable"]]
        if frozen:
            fail(f"{call}: group {i} holds frozen parameters ({', '.join(frozen[:3])}): the "
                 "optimizer should get only what trains")
        if sorted(g["params"]) != sorted(e["params"]):
            fail(f"{call}: group {i} holds {len(g['params'])} parameters; expected "
                 f"{len(e['params'])} ({'the head' if i == len(expected) - 1 else 'the backbone'})")
        if abs(g["lr"] - e["lr"]) > 1e-12:
            fail(f"{call}: group {i} has lr {g['lr']:g}; expected {e['lr']:g}")


@exercise("setup_transfer", points=1)
def test_setup_feature_extraction_freezes(student):
    """Feature extraction: a new head, and only the head requires grad?"""
    check_flags(*setup_of(student, "tiny", "feature_extraction"))


@exercise("setup_transfer", points=1)
def test_setup_feature_extraction_optimizer(student):
    """Feature extraction: Adam over the head's parameters at head_lr?"""
    got, want, call = setup_of(student, "tiny", "feature_extraction", 3, 1e-4, 5e-3)
    check_optimizer(got, want, call)


@exercise("setup_transfer", points=1)
def test_setup_fine_tuning(student):
    """Fine-tuning: everything trains; Adam with [backbone at backbone_lr, head at head_lr]?"""
    got, want, call = setup_of(student, "tiny", "fine_tuning", 6, 2e-4, 2e-2)
    check_flags(got, want, call)
    check_optimizer(got, want, call)


@exercise("setup_transfer", points=1, timeout=30)
def test_setup_resnet18_and_unknown_strategy(student):
    """On resnet18, and does an unknown strategy raise ValueError?"""
    got, want, call = setup_of(student, "resnet18", "feature_extraction", 10)
    check_flags(got, want, call)
    check_optimizer(got, want, call)
    r = student.probe(setup_probe, "tiny", "finetune", 4, 1e-4, 1e-2)
    if "value_error" not in r:
        fail("setup_transfer(model, 4, 'finetune', ...) should raise ValueError (an unknown "
             "strategy must not silently train something else)")


def threshold_probe(ns, epochs, seed):
    """Fine-tune the offline task's backbone (dlcore.data.offline_transfer: a TinyResNet
    pretrained on digits 0-4), set up by the student's setup_transfer, on digits 5-9 (30
    images per class) with a reference loop; held-out accuracy and seconds."""
    import time

    import torch
    import torch.nn.functional as F

    from dlcore.data import offline_transfer

    task = offline_transfer()
    ds = task.data
    X, y = ds.X_train.view(-1, *ds.image_shape), ds.y_train  # (150, 1, 8, 8), (150,)
    Xt, yt = ds.X_test.view(-1, *ds.image_shape), ds.y_test  # (M, 1, 8, 8), (M,)
    backbone = task.backbone(pretrained=True)
    start = time.perf_counter()
    torch.manual_seed(seed)
    model, optimizer = ns["setup_transfer"](backbone, ds.n_classes, "fine_tuning", 1e-3, 1e-2)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(X), generator=gen).split(32):
            loss = F.cross_entropy(model(X[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        out = model(Xt)  # (M, 5)
    if tuple(out.shape) != (len(yt), ds.n_classes):
        return {"shape": tuple(out.shape)}
    return {"accuracy": float((out.argmax(1) == yt).float().mean()),
            "seconds": time.perf_counter() - start}


@exercise("setup_transfer", points=1, timeout=60)
def test_setup_fine_tuning_reaches_threshold(student):
    """Does the fine-tuned offline backbone reach 0.90 test accuracy on digits 5-9 in 60 s?"""
    student.value("setup_transfer")
    r = student.probe(threshold_probe, THRESHOLD_EPOCHS, 0)
    if "shape" in r:
        fail(f"the model from setup_transfer gives outputs of shape {r['shape']} on the "
             "digits 5-9 test images; expected (N, 5)")
    if r["accuracy"] < THRESHOLD:
        fail(f"fine-tuned for {THRESHOLD_EPOCHS} epochs with Adam (backbone 1e-3, head 1e-2), "
             f"the model from setup_transfer reaches {r['accuracy']:.3f} test accuracy on the "
             f"offline digits 5-9; at least {THRESHOLD} is required")


THRESHOLD, THRESHOLD_EPOCHS = 0.90, 20


# ---------------------------------------------------------------- checkpoints

@exercise("q_test_augment", points=1)
def test_q_test_augment(student):
    """What goes wrong when the test images are augmented?"""
    check_answer(student.value("q_test_augment"), "q_test_augment", "181b07bbcff40fdeb319")


@exercise("q_flip", points=1)
def test_q_flip(student):
    """Why not flip digits?"""
    check_answer(student.value("q_flip"), "q_flip", "9d0fbd105678e52eabc2")
