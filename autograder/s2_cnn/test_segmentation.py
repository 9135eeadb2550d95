"""Hidden grader for s2_cnn/segmentation: pad_to_match, the U-Net, Dice and IoU with the
empty-class convention, Mask R-CNN's mask head, checkpoints.

The U-Net and the mask head are built in the sandbox by a probe, which loads a state_dict drawn
here (random weights, biases and batch-norm statistics) in float64 and runs it on non-square
batches, returning the output and the gradient of sum(out**2) with respect to the input. The
oracles run here in float64 on the same state_dict: a U-Net built from torch.nn layers (odd
sizes padded at the bottom/right, channels concatenated [skip, up]) and torchvision's
MaskRCNNHeads + MaskRCNNPredictor. Known mistakes are recognised by running a variant of the
oracle on the same weights. The U-Net gets a trusted pad_to_match, so a wrong padding costs
only its own exercise. Dice and IoU are compared with float64 counts computed here."""

import copy
import math

import torch
import torch.nn.functional as F
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor

from dlcore.grading import (
    ATOL,
    RTOL,
    check_tensor,
    exercise,
    fail,
    random_state,
    rng,
    state_dict_diff,
)
from dlcore.questions import check_answer
from dlcore.untrusted import wire

SEG = "torchvision.models.segmentation."
SEGMENTATION_MODELS = [SEG + n + ".__init__" for n in (
    "fcn.FCN", "fcn.FCNHead", "deeplabv3.DeepLabV3", "deeplabv3.DeepLabHead", "deeplabv3.ASPP",
    "lraspp.LRASPP", "lraspp.LRASPPHead")]
METRICS = [f"sklearn.metrics.{n}" for n in ("jaccard_score", "f1_score", "fbeta_score",
                                            "precision_recall_fscore_support")]
METRICS += [f"sklearn.metrics._classification.{n}" for n in (
    "jaccard_score", "f1_score", "fbeta_score", "precision_recall_fscore_support")]
MASK_HEADS = ["torchvision.models.detection.mask_rcnn.MaskRCNNHeads.__init__",
              "torchvision.models.detection.mask_rcnn.MaskRCNNPredictor.__init__",
              "torchvision.models.detection.mask_rcnn.MaskRCNN.__init__",
              "torchvision.models.detection.roi_heads.RoIHeads.__init__"]


def close(got, expected):
    return (isinstance(got, torch.Tensor) and tuple(got.shape) == tuple(expected.shape)
            and torch.allclose(got.double(), expected.double(), rtol=RTOL, atol=ATOL,
                               equal_nan=True))


def draw(g, *shape):
    return torch.randn(*shape, generator=g, dtype=torch.float64)


# ---------------------------------------------------------------- pad_to_match

def pad(x, dh, dw, split="floor_first"):
    """The convention (floor(d/2) before, the rest after) and its known mistakes."""
    if split == "ceil_first":
        return F.pad(x, (dw - dw // 2, dw // 2, dh - dh // 2, dh // 2))
    if split == "all_after":
        return F.pad(x, (0, dw, 0, dh))
    if split == "all_before":
        return F.pad(x, (dw, 0, dh, 0))
    return F.pad(x, (dw // 2, dw - dw // 2, dh // 2, dh - dh // 2))


def check_pad(student, x_shape, ref_shape, seed):
    x = draw(rng(seed), *x_shape)
    ref = torch.zeros(ref_shape, dtype=torch.float64)
    dh, dw = ref_shape[-2] - x_shape[-2], ref_shape[-1] - x_shape[-1]
    call = f"pad_to_match(x {tuple(x_shape)}, ref {tuple(ref_shape)})"
    got = student.pad_to_match(x, ref)
    expected = pad(x, dh, dw)
    if isinstance(got, torch.Tensor) and tuple(got.shape) != tuple(expected.shape):
        if tuple(got.shape[-2:]) == (x_shape[-2] + dw, x_shape[-1] + dh):
            fail(f"{call} has shape {tuple(got.shape)}; expected {tuple(expected.shape)}: F.pad "
                 "takes (left, right, top, bottom), the last dimension (W) first")
        if tuple(got.shape[:2]) != tuple(x_shape[:2]):
            fail(f"{call} has shape {tuple(got.shape)}; expected {tuple(expected.shape)}: pad "
                 "only H and W, keep x's batch and channels")
    if not close(got, expected):
        hints = [("ceil_first", "puts the larger half of the padding on top/left; the "
                                "convention puts floor(d/2) on top/left and the rest at the "
                                "bottom/right (a single missing row goes at the bottom)"),
                 ("all_after", "puts all the padding at the bottom/right; split it: floor(d/2) "
                               "rows on top, the rest at the bottom (the same for columns)"),
                 ("all_before", "puts all the padding on top/left; floor(d/2) goes on top/left, "
                                "the rest at the bottom/right")]
        for split, message in hints:
            if close(got, pad(x, dh, dw, split)):
                fail(f"{call} {message}")
    check_tensor(got, expected, call)


@exercise("pad_to_match", points=1)
def test_pad_uneven_differences(student):
    """Are 3 missing rows and 2 missing columns split floor-first (1 top, 2 bottom; 1 left,
    1 right), and does H stay apart from W?"""
    check_pad(student, (2, 3, 5, 7), (2, 4, 8, 9), 0)
    check_pad(student, (3, 2, 6, 4), (3, 2, 7, 9), 1)


@exercise("pad_to_match", points=1)
def test_pad_one_row(student):
    """Does a single missing row go at the bottom (and a column at the right), with nothing
    padded where the sizes already match?"""
    check_pad(student, (2, 4, 8, 10), (2, 6, 9, 11), 2)
    check_pad(student, (1, 3, 9, 6), (1, 8, 9, 7), 3)
    check_pad(student, (2, 3, 6, 5), (2, 1, 6, 5), 4)


# ---------------------------------------------------------------- the module probe

def build_and_run(ns, name, args, state, cases, trusted_pad):
    """Sandbox probe: build ns[name](*args) and describe it; when its state_dict has the keys
    and shapes of state, load state in float64 and run each (mode, inputs) case, returning
    the output and the gradient of sum(out ** 2) with respect to inputs[0]."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    def pad_to_match(x, ref):
        dh, dw = ref.shape[-2] - x.shape[-2], ref.shape[-1] - x.shape[-1]
        return F.pad(x, (dw // 2, dw - dw // 2, dh // 2, dh - dh // 2))

    def run():
        module = ns[name](*args)
        if not isinstance(module, nn.Module):
            return {"type": type(module).__name__}
        info = {"classes": sorted({f"{c.__module__}.{c.__qualname__}" for m in module.modules()
                                   for c in type(m).__mro__
                                   if c.__module__.startswith("torchvision.")}),
                "shapes": {k: tuple(v.shape) for k, v in module.state_dict().items()},
                "runs": []}
        if info["shapes"] != {k: tuple(v.shape) for k, v in state.items()} or not cases:
            return info
        module.to(device=cases[0][1][0].device, dtype=torch.float64)
        for mode, inputs in cases:
            module.load_state_dict(state)
            module.train(mode == "train")
            x = inputs[0].clone().requires_grad_(True)
            try:
                out = module(x, *inputs[1:])
            except NotImplementedError:
                raise
            except (RuntimeError, IndexError) as exc:
                info["raised"] = {"case": len(info["runs"]), "message": str(exc)[:150]}
                return info
            if not isinstance(out, torch.Tensor):
                info["out_type"] = type(out).__name__
                return info
            grad = None
            if out.requires_grad:
                out.pow(2).sum().backward()
                grad = x.grad
            info["runs"].append({"out": out.detach(), "grad": grad})
        return info

    had = trusted_pad and "pad_to_match" in ns
    saved = ns["pad_to_match"] if had else None
    if trusted_pad:
        ns["pad_to_match"] = pad_to_match
    try:
        return run()
    finally:
        if had:
            ns["pad_to_match"] = saved
        elif trusted_pad:
            del ns["pad_to_match"]


def check_module(student, name, args, oracle, cases, what, *, seed, hints, forbidden,
                 trusted_pad=False):
    """Build the student's module, compare its state_dict layout and, per case, its output
    and input gradient with the oracle's on the same state_dict; fail with the first problem.
    hints: callables "structure", "shape", "variants", "raised" naming known mistakes."""
    state = random_state(oracle, seed)
    found = student.probe(build_and_run, name, list(args), state, cases, trusted_pad)
    if "type" in found:
        fail(f"{what} should be an nn.Module, got {wire.type_name(found)}")
    used = [c for c in found["classes"] if f"{c}.__init__" in forbidden]
    if used:
        fail(f"forbidden: {what} is built from {', '.join(used)}, which this exercise asks you "
             "to implement yourself")
    expected = {k: tuple(v.shape) for k, v in state.items()}
    if found["shapes"] != expected:
        hint = hints["structure"](found["shapes"], expected)
        fail(f"{what}: {hint or state_dict_diff(found['shapes'], expected)}")
    if "raised" in found:
        r = found["raised"]
        mode, inputs = cases[r["case"]]
        message = r["message"] if len(r["message"]) <= 70 else r["message"][:69] + "…"
        fail(f"{what} on input {tuple(inputs[0].shape)} in {mode} mode raised an error "
             f"({message}): {hints['raised']}")
    if "out_type" in found:
        fail(f"{what} returned {found['out_type']}; expected a torch.Tensor")
    for run, (mode, inputs) in zip(found["runs"], cases, strict=True):
        check_run(run, oracle, state, mode, inputs, f"{what} on input {tuple(inputs[0].shape)}, "
                  f"{mode} mode", hints)


def check_run(run, oracle, state, mode, inputs, label, hints):
    m = copy.deepcopy(oracle).double()
    m.load_state_dict(state)
    m.train(mode == "train")
    x = inputs[0].clone().requires_grad_(True)
    out = m(x, *inputs[1:])
    out.pow(2).sum().backward()
    got = run["out"]
    if tuple(got.shape) != tuple(out.shape):
        hint = hints["shape"](tuple(got.shape), tuple(out.shape), inputs)
        if hint:
            fail(f"{label}: the output has shape {tuple(got.shape)}; {hint}")
    if not close(got, out):
        with torch.no_grad():
            for variant, message in hints["variants"]:
                if tuple(got.shape) == tuple(out.shape) and close(got, variant(m, inputs)):
                    fail(f"{label}: {message}")
    check_tensor(got, out.detach(), f"{label}: the output")
    if run["grad"] is None:
        fail(f"{label}: the output is not connected to the input in the autograd graph (detach, "
             "no_grad or a new tensor built from values?)")
    check_tensor(run["grad"], x.grad, f"{label}: the gradient of sum(out**2) with respect to "
                 "the input")


# ---------------------------------------------------------------- U-Net

def double_conv(c_in, c_out):
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(),
                         nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU())


class ReferenceUNet(torch.nn.Module):
    def __init__(self, in_channels, num_classes, base=16):
        super().__init__()
        self.inc = double_conv(in_channels, base)
        self.down1 = double_conv(base, 2 * base)
        self.down2 = double_conv(2 * base, 4 * base)
        self.up2 = torch.nn.ConvTranspose2d(4 * base, 2 * base, 2, stride=2)
        self.dec2 = double_conv(4 * base, 2 * base)
        self.up1 = torch.nn.ConvTranspose2d(2 * base, base, 2, stride=2)
        self.dec1 = double_conv(2 * base, base)
        self.head = torch.nn.Conv2d(base, num_classes, 1)

    def forward(self, x, skip_first=True, split="floor_first", pool=F.max_pool2d):
        def join(skip, up):
            up = pad(up, skip.shape[-2] - up.shape[-2], skip.shape[-1] - up.shape[-1], split)
            return torch.cat([skip, up] if skip_first else [up, skip], dim=1)
        s0 = self.inc(x)                                               # (B, b, H, W)
        s1 = self.down1(pool(s0, 2))                                   # (B, 2b, H/2, W/2)
        z = self.down2(pool(s1, 2))                                    # (B, 4b, H/4, W/4)
        d = self.dec2(join(s1, self.up2(z)))                           # (B, 2b, H/2, W/2)
        d = self.dec1(join(s0, self.up1(d)))                           # (B, b, H, W)
        return self.head(d)                                            # (B, classes, H, W)


def unet_structure(found, expected):
    key = "dec2.0.weight"
    if key in found and key in expected and found[key][1] * 2 == expected[key][1]:
        return (f"{key} has {found[key][1]} input channels; expected {expected[key][1]}: the "
                "skip is added (s1 + up keeps 2*base channels) instead of concatenated "
                "(torch.cat([s1, up], dim=1) has 4*base)")
    if "up2.weight" not in found and "up2.weight" in expected:
        return ("lacks up2.weight: upsample with a learnt nn.ConvTranspose2d(4*base, 2*base, 2, "
                "stride=2) named up2 (and up1), not F.interpolate")
    return None


def unet_shape(got, expected, inputs):
    h, w = inputs[0].shape[-2:]
    if len(got) == 4 and got[:2] == expected[:2] and got[2] <= h and got[3] <= w:
        return (f"expected {expected}: the output must keep the input's {h}x{w}; crop nothing "
                "(the skip keeps its size): pad the upsampled map to the skip's size with "
                "pad_to_match")
    return None


UNET_VARIANTS = [
    (lambda m, i: m(i[0], skip_first=False), "concatenates [up, skip]; the convention is "
     "torch.cat([skip, up], dim=1), the skip first (dec2 and dec1 see the channels in the "
     "wrong order)"),
    (lambda m, i: m(i[0], split="ceil_first"), "pads the missing row/column on the top/left; "
     "pad_to_match puts it at the bottom/right"),
    (lambda m, i: m(i[0], pool=F.avg_pool2d), "downsamples with average pooling; U-Net "
     "max-pools (F.max_pool2d(., 2))"),
]
UNET_HINTS = {"structure": unet_structure, "shape": unet_shape, "variants": UNET_VARIANTS,
              "raised": "on odd sizes the upsampled map is one row or column short of the "
                        "skip: pad it with pad_to_match(up, skip) before torch.cat"}


def check_unet(student, args, cases, seed):
    kwargs = "" if len(args) == 2 else f", base={args[2]}"
    x_cases = [(mode, [draw(rng(seed + i), *shape)]) for i, (mode, shape) in enumerate(cases)]
    check_module(student, "UNet", args, ReferenceUNet(*args), x_cases,
                 f"UNet({args[0]}, {args[1]}{kwargs})", seed=seed + 100, hints=UNET_HINTS,
                 forbidden=SEGMENTATION_MODELS, trusted_pad=True)


@exercise("unet", points=1, forbid=SEGMENTATION_MODELS)
def test_unet_structure(student):
    """Do UNet(1, 4, base=8) (29,508 parameters), UNet(3, 2, base=4) and UNet(2, 5) have the
    layers, names and shapes of the table?"""
    check_unet(student, (1, 4, 8), [], 0)
    check_unet(student, (3, 2, 4), [], 1)
    check_unet(student, (2, 5), [], 2)


@exercise("unet", points=1, forbid=SEGMENTATION_MODELS)
def test_unet_odd_sizes(student):
    """Does the output keep the input's size, and match the reference, for 37x45, 10x21, 5x7
    and 14x6 inputs?"""
    check_unet(student, (2, 3, 4), [("eval", (2, 2, 37, 45)), ("eval", (3, 2, 10, 21)),
                                    ("eval", (2, 2, 5, 7)), ("eval", (2, 2, 14, 6))], 10)


@exercise("unet", points=1, forbid=SEGMENTATION_MODELS)
def test_unet_eval(student):
    """Is UNet(1, 4, base=8)'s output on a 23x30 batch, and its gradient, the reference's?"""
    check_unet(student, (1, 4, 8), [("eval", (3, 1, 23, 30))], 20)


@exercise("unet", points=1, forbid=SEGMENTATION_MODELS)
def test_unet_train_mode(student):
    """In train mode (batch statistics), is UNet(3, 5, base=4) right on 19x26 and 16x12?"""
    check_unet(student, (3, 5, 4), [("train", (2, 3, 19, 26)), ("train", (3, 3, 16, 12))], 30)


# ---------------------------------------------------------------- Dice and IoU

def class_counts(pred, target, c):
    classes = torch.arange(c)                                          # (C,)
    p = pred.reshape(1, -1) == classes[:, None]                        # (C, N)
    t = target.reshape(1, -1) == classes[:, None]                      # (C, N)
    return (p & t).sum(1).double(), p.sum(1).double(), t.sum(1).double()


def per_class(pred, target, c, metric, factor=2.0, union=True):
    inter, n_p, n_t = class_counts(pred, target, c)                    # (C,) each
    num, den = (factor * inter, n_p + n_t) if metric == "dice" else \
        (inter, n_p + n_t - (inter if union else 0))
    return torch.where(den == 0, 1.0, num / den.clamp(min=1)).double()  # (C,)


def per_image(pred, target, c, metric):
    return torch.stack([per_class(p, t, c, metric) for p, t in zip(pred, target, strict=True)]
                       ).mean(0)                                       # (C,)


def class_hints(pred, target, c, metric):
    other = "iou" if metric == "dice" else "dice"
    names = {"dice": "Dice, 2|P∩T|/(|P|+|T|)", "iou": "IoU, |P∩T|/|P∪T|"}
    hints = [(per_class(pred, target, c, other), f"computes {names[other]}; expected "
              f"{names[metric]}"),
             (per_image(pred, target, c, metric), "averages per-image scores over the batch; "
              "count the pixels of the whole batch first, then divide once per class")]
    if metric == "dice":
        hints.insert(0, (per_class(pred, target, c, "dice", factor=1.0), "misses the factor 2 "
                         "of Dice = 2|P∩T|/(|P|+|T|) (without it a perfect mask scores 0.5)"))
    else:
        hints.insert(0, (per_class(pred, target, c, "iou", union=False), "divides by |P|+|T|; "
                         "the union counts the intersection once: |P|+|T|-|P∩T|"))
    return hints


def mean_hints(pred, target, c, metric):
    inter, n_p, n_t = class_counts(pred, target, c)
    scores = per_class(pred, target, c, metric)
    present = (n_p + n_t) > 0
    micro = (2 * inter.sum() / (n_p + n_t).sum() if metric == "dice"
             else inter.sum() / (n_p + n_t - inter).sum())
    return [(micro, "pools the pixels of all classes into one fraction (a micro average, "
                    "dominated by the background); the mean is the plain average of the "
                    "per-class scores (macro)"),
            ((scores * n_t / n_t.sum()).sum(), "weights the classes by their pixel count; the "
                                               "macro mean weights every class equally"),
            (scores[present].mean(), "leaves the classes absent from both out of the mean; "
                                     "they score 1.0 and stay in")]


def check_scores(student, metric, pred, target, c, empty_checks=()):
    name = f"{metric}_score"
    call = f"{name}(pred, target, {c}) for label maps {tuple(pred.shape)}"
    got = getattr(student, name)(pred, target, c)
    if not isinstance(got, tuple | list) or len(got) != 2:
        fail(f"{call} should return a tuple (per_class, mean), got {wire.type_name(got)}")
    got_class, got_mean = got
    expected = per_class(pred, target, c, metric)
    if isinstance(got_class, torch.Tensor) and got_class.shape == expected.shape:
        for cls, where, value in empty_checks:
            check_empty(got_class[cls].item(), value, cls, where, call)
        if not close(got_class, expected):
            for alt, message in class_hints(pred, target, c, metric):
                if close(got_class, alt):
                    fail(f"{call} {message}")
    check_tensor(got_class, expected, f"{call}: per_class")
    mean = expected.mean()
    if type(got_mean) is float:  # a plain number is as good as a 0-dim tensor
        got_mean = torch.tensor(got_mean, dtype=torch.float64)
    if isinstance(got_mean, torch.Tensor) and got_mean.numel() == 1 and not close(
            got_mean.reshape(()), mean):
        for alt, message in mean_hints(pred, target, c, metric):
            if close(got_mean.reshape(()), alt) and not close(alt, mean):
                fail(f"{call}: mean {message}")
    check_tensor(got_mean, mean, f"{call}: mean")


def check_empty(got, expected, cls, where, call):
    if math.isnan(got):
        fail(f"{call}: class {cls}, {where}, gives NaN (0/0)" +
             ("; the convention scores a class absent from both 1.0" if expected == 1.0 else
              f"; it scores {expected}"))
    if expected == 1.0 and abs(got) < 1e-6:
        fail(f"{call}: class {cls}, {where}, scores 0; the convention scores a class absent "
             "from both 1.0 (an eps in the denominator turns 0/0 into 0)")
    if expected == 0.0 and abs(got - 1.0) < 1e-6:
        fail(f"{call}: class {cls}, {where}, scores 1.0; only a class absent from both scores "
             "1.0, a class missed (or invented) entirely scores 0")


def noisy_labels(g, shape, c, flip):
    target = torch.randint(0, c, shape, generator=g)                   # (B, H, W)
    noise = torch.randint(0, c, shape, generator=g)                    # (B, H, W)
    pred = torch.where(torch.rand(shape, generator=g) < flip, noise, target)  # (B, H, W)
    return pred, target


def check_random(student, metric):
    for seed, shape, c in [(0, (3, 7, 11), 5), (1, (2, 9, 4), 3)]:
        pred, target = noisy_labels(rng(seed), shape, c, 0.4)
        check_scores(student, metric, pred, target, c)


def check_empty_classes(student, metric):
    """Class 4 absent from both, class 2 only in the target, class 3 only in the prediction
    (C = 6), then a batch where only class 0 appears anywhere (C = 3)."""
    g = rng(5)
    target = torch.tensor([0, 1, 2, 5])[torch.randint(0, 4, (2, 6, 9), generator=g)]  # (2, 6, 9)
    pred = torch.tensor([0, 1, 3, 5])[torch.randint(0, 4, (2, 6, 9), generator=g)]    # (2, 6, 9)
    checks = [(4, "absent from both prediction and target", 1.0),
              (2, "present only in the target", 0.0), (3, "present only in the prediction", 0.0)]
    check_scores(student, metric, pred, target, 6, checks)
    zeros = torch.zeros(3, 5, 4, dtype=torch.long)                     # (3, 5, 4)
    check_scores(student, metric, zeros, zeros, 3, [(1, "absent from both", 1.0)])


def check_pooled(student, metric):
    """Images of very different composition, where per-image averaging differs; then a large
    binary batch."""
    target = torch.zeros(3, 8, 10, dtype=torch.long)                   # (3, 8, 10)
    target[0, :6, :7] = 1
    target[1, 2:4, 3:5] = 1
    target[2, 1:7, 2:9] = 2
    pred = target.clone()                                              # (3, 8, 10)
    pred[0, :5, :7] = 1
    pred[1, 2:4, 3:5] = 0
    pred[1, 0, :3] = 2
    pred[2, 1:6, 2:9] = 2
    check_scores(student, metric, pred, target, 3)
    pred, target = noisy_labels(rng(9), (4, 16, 13), 2, 0.3)
    check_scores(student, metric, pred, target, 2)


@exercise("dice_score", points=1, forbid=METRICS)
def test_dice_random(student):
    """Are Dice per class and its macro mean right on noisy label maps (C = 5 and 3)?"""
    check_random(student, "dice")


@exercise("dice_score", points=1, forbid=METRICS)
def test_dice_empty_classes(student):
    """Does a class absent from both score 1.0 (and stay in the mean), and one present only in
    the target or only in the prediction score 0?"""
    check_empty_classes(student, "dice")


@exercise("dice_score", points=1, forbid=METRICS)
def test_dice_pooled_over_batch(student):
    """Are the counts pooled over the whole batch (not averaged per image)?"""
    check_pooled(student, "dice")


@exercise("iou_score", points=1, forbid=METRICS)
def test_iou_random(student):
    """Are IoU per class and its macro mean right on noisy label maps (C = 5 and 3)?"""
    check_random(student, "iou")


@exercise("iou_score", points=1, forbid=METRICS)
def test_iou_empty_classes(student):
    """Does a class absent from both score 1.0 (and stay in the mean), and one present only in
    the target or only in the prediction score 0?"""
    check_empty_classes(student, "iou")


@exercise("iou_score", points=1, forbid=METRICS)
def test_iou_pooled_over_batch(student):
    """Are the counts pooled over the whole batch (not averaged per image)?"""
    check_pooled(student, "iou")


# ---------------------------------------------------------------- mask head

class ReferenceMaskHead(torch.nn.Module):
    def __init__(self, in_channels, num_classes, hidden=256):
        super().__init__()
        self.mask_head = MaskRCNNHeads(in_channels, [hidden] * 4, 1)
        self.mask_predictor = MaskRCNNPredictor(hidden, hidden, num_classes)

    def forward(self, features, labels, shift=0, relu=True):
        h = self.mask_head(features)                                   # (K, hidden, S, S)
        h = self.mask_predictor.conv5_mask(h)                          # (K, hidden, 2S, 2S)
        logits = self.mask_predictor.mask_fcn_logits(F.relu(h) if relu else h)  # (K, C, 2S, 2S)
        return logits[torch.arange(len(labels)), labels - shift]       # (K, 2S, 2S)


def mask_structure(found, expected):
    if any(k.startswith("mask_head.") and k.count(".") == 2 for k in found):
        return ("each block of mask_head is itself an nn.Sequential(Conv2d, ReLU), so the keys "
                "are mask_head.0.0.weight, ... as in torchvision's MaskRCNNHeads")
    if any(k.startswith("mask_predictor.") and k.split(".")[1].isdigit() for k in found):
        return ("name mask_predictor's children with an OrderedDict: conv5_mask, relu, "
                "mask_fcn_logits (torchvision's MaskRCNNPredictor)")
    return None


def mask_shape(got, expected, inputs):
    k, s = expected[0], expected[-1]
    c = None
    if len(got) == 4 and got[0] == k and got[2:] == (s, s):
        c = got[1]
    if c == k and len(inputs[1]) == k:
        return (f"expected {expected}: logits[:, labels] picks every RoI's label for every RoI; "
                "pick one per RoI with logits[torch.arange(K), labels]")
    if c == 1:
        return f"expected {expected}: drop the channel dimension"
    if c is not None:
        return (f"expected {expected}: these are the masks of all classes; keep each RoI's own "
                "class, logits[torch.arange(K), labels]")
    if got and got[-1] * 2 == s:
        return (f"expected {expected}: conv5_mask, a ConvTranspose2d with stride 2, doubles the "
                "RoI's resolution (14 -> 28)")
    return None


MASK_VARIANTS = [
    (lambda m, i: m(*i, shift=1), "selects the mask of class label - 1; class 0 is the "
     "background and has its own channel, so index the logits with the label itself"),
    (lambda m, i: m(i[0], torch.zeros_like(i[1])), "returns the background mask (class 0) for "
     "every RoI; select each RoI's class, logits[torch.arange(K), labels]"),
    (lambda m, i: m(i[0], m.mask_predictor(m.mask_head(i[0])).mean((2, 3)).argmax(1)),
     "selects the class with the largest logits; use each RoI's given label"),
    (lambda m, i: m(*i).sigmoid(), "returns probabilities (sigmoid); return the logits"),
    (lambda m, i: m(*i, relu=False), "has no ReLU between conv5_mask and mask_fcn_logits"),
]
MASK_HINTS = {"structure": mask_structure, "shape": mask_shape, "variants": MASK_VARIANTS,
              "raised": "features (K, C, S, S) -> (K, num_classes, 2S, 2S) logits, then one "
                        "class per RoI: logits[torch.arange(K), labels]"}


def check_mask_head(student, args, shape, labels, seed):
    hidden = f", hidden={args[2]}" if len(args) > 2 else ""
    cases = [] if shape is None else [("eval", [draw(rng(seed), *shape), torch.tensor(labels)])]
    check_module(student, "MaskHead", args, ReferenceMaskHead(*args), cases,
                 f"MaskHead({args[0]}, {args[1]}{hidden})", seed=seed + 100, hints=MASK_HINTS,
                 forbidden=MASK_HEADS)


@exercise("mask_head", points=1, forbid=MASK_HEADS)
def test_mask_head_structure(student):
    """Do MaskHead(8, 5, hidden=12) and MaskHead(6, 3) (hidden 256) load torchvision's
    MaskRCNNHeads + MaskRCNNPredictor state_dict keys and shapes?"""
    check_mask_head(student, (8, 5, 12), None, None, 0)
    check_mask_head(student, (6, 3), None, None, 1)


@exercise("mask_head", points=1, forbid=MASK_HEADS)
def test_mask_head_output(student):
    """On 4 RoIs of 14x14 features with distinct labels, is each RoI's mask (28x28 logits of
    its own class) torchvision's?"""
    check_mask_head(student, (7, 5, 12), (4, 7, 14, 14), [3, 0, 4, 1], 10)


@exercise("mask_head", points=1, forbid=MASK_HEADS)
def test_mask_head_repeated_labels(student):
    """With 6 RoIs of 9x9 features, repeated labels and 4 classes, are the 18x18 masks right,
    gradients included?"""
    check_mask_head(student, (5, 4, 10), (6, 5, 9, 9), [2, 2, 1, 3, 2, 1], 20)


# ---------------------------------------------------------------- checkpoints

@exercise("q_dice_from_iou", points=1)
def test_q_dice_from_iou(student):
    """What is the Dice of a class with IoU 0.6?"""
    check_answer(student.value("q_dice_from_iou"), "q_dice_from_iou", "b764d333f9908f7e8d80")


@exercise("q_bottleneck_size", points=1)
def test_q_bottleneck_size(student):
    """How large is the U-Net's bottleneck for a 37x45 input?"""
    check_answer(student.value("q_bottleneck_size"), "q_bottleneck_size",
                 "ba634444a2b9d9bebec8")


@exercise("q_per_class_masks", points=1)
def test_q_per_class_masks(student):
    """Why one mask per class in Mask R-CNN?"""
    check_answer(student.value("q_per_class_masks"), "q_per_class_masks",
                 "9a435bc596ddc6c0abc0")
