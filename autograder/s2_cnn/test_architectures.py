"""Hidden grader for s2_cnn/architectures: LeNet-5, VGG blocks, ResNet's BasicBlock and
Bottleneck, the Inception module, squeeze-excitation, MBConv, compound scaling, the measured
first-layer gradient with and without skips, checkpoints.

Each module is built in the sandbox by a probe, which loads a state_dict drawn here (random
weights, biases and batch-norm statistics) in float64 and runs it in eval and train mode on a
non-square batch, returning the output and the gradient of sum(out**2) with respect to the
input. The oracle is torchvision's own module (LeNet-5 and the VGG block: a reference built
from torch.nn layers) with the same state_dict, run here in float64. Known mistakes are
recognised by running a variant of the oracle on the same weights. MBConv gets a trusted
SqueezeExcitation, so a wrong SE costs only its own exercise."""

import copy
import itertools
import math

import torch
import torch.nn.functional as F
from torchvision.models.efficientnet import MBConv as TorchvisionMBConv
from torchvision.models.efficientnet import MBConvConfig
from torchvision.models.googlenet import Inception as TorchvisionInception
from torchvision.models.resnet import BasicBlock as TorchvisionBasicBlock
from torchvision.models.resnet import Bottleneck as TorchvisionBottleneck
from torchvision.ops import SqueezeExcitation as TorchvisionSqueezeExcitation

from dlcore.grading import (
    ATOL,
    RTOL,
    check_number,
    check_tensor,
    exercise,
    fail,
    random_state,
    rng,
    state_dict_diff,
)
from dlcore.questions import check_answer
from dlcore.untrusted import wire

RESNET = ["torchvision.models.resnet.BasicBlock.__init__",
          "torchvision.models.resnet.Bottleneck.__init__",
          "torchvision.models.resnet.ResNet.__init__"]
INCEPTION = ["torchvision.models.googlenet.Inception.__init__",
             "torchvision.models.googlenet.GoogLeNet.__init__"]
SQUEEZE = ["torchvision.ops.misc.SqueezeExcitation.__init__"]
MBCONV = SQUEEZE + ["torchvision.models.efficientnet.MBConv.__init__",
                    "torchvision.models.efficientnet.FusedMBConv.__init__",
                    "torchvision.models.efficientnet.EfficientNet.__init__",
                    "torchvision.models.mobilenetv2.InvertedResidual.__init__",
                    "torchvision.models.mobilenetv3.InvertedResidual.__init__"]
GRAD_RTOL = 1e-6  # first_layer_grad_norm: float64 on both sides, only summation order differs


def close(got, expected):
    return (isinstance(got, torch.Tensor) and tuple(got.shape) == tuple(expected.shape)
            and torch.allclose(got.double(), expected.double(), rtol=RTOL, atol=ATOL))


def draw(g, *shape):
    return torch.randn(*shape, generator=g, dtype=torch.float64)


# ---------------------------------------------------------------- the module probe

def build_and_run(ns, name, args, state, x, modes, hooks, trusted_se):
    """Sandbox probe: build ns[name](*args) and describe it; when its state_dict has the keys
    and shapes of state, load state in float64 and run a copy of x in each mode, returning the
    output, the gradient of sum(out ** 2) with respect to x and the output shapes of hooks."""
    import torch
    import torch.nn as nn

    class SqueezeExcitation(nn.Module):
        """The trusted SE given to MBConv (torchvision.ops.SqueezeExcitation's layout)."""

        def __init__(self, input_channels, squeeze_channels, activation=nn.ReLU,
                     scale_activation=nn.Sigmoid):
            super().__init__()
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
            self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
            self.activation = activation()
            self.scale_activation = scale_activation()

        def forward(self, x):
            s = self.fc2(self.activation(self.fc1(self.avgpool(x))))
            return self.scale_activation(s) * x

    def run():
        module = ns[name](*args)
        if not isinstance(module, nn.Module):
            return {"type": type(module).__name__}
        info = {"classes": sorted({f"{c.__module__}.{c.__qualname__}" for m in module.modules()
                                   for c in type(m).__mro__
                                   if c.__module__.startswith("torchvision.")}),
                "shapes": {k: tuple(v.shape) for k, v in module.state_dict().items()},
                "strides": {n: tuple(m.stride) for n, m in module.named_modules()
                            if isinstance(m, nn.Conv2d)},
                "runs": {}}
        if info["shapes"] != {k: tuple(v.shape) for k, v in state.items()}:
            return info
        module.to(device=x.device, dtype=torch.float64)  # x is on the grading device
        for mode in modes:
            module.load_state_dict(state)
            module.train(mode == "train")
            seen = {}
            handles = [module.get_submodule(h).register_forward_hook(
                lambda _m, _i, out, h=h, seen=seen: seen.__setitem__(h, tuple(out.shape)))
                for h in hooks]
            xi = x.clone().requires_grad_(True)
            try:
                out = module(xi.clone())
            except NotImplementedError:
                raise
            except RuntimeError as exc:
                info["raised"] = {"mode": mode, "message": str(exc)[:150], "hooks": seen}
                return info
            finally:
                for handle in handles:
                    handle.remove()
            if not isinstance(out, torch.Tensor):
                info["out_type"] = type(out).__name__
                return info
            grad = None
            if out.requires_grad:
                out.pow(2).sum().backward()
                grad = xi.grad
            info["runs"][mode] = {"out": out.detach(), "grad": grad, "hooks": seen}
        return info

    had = trusted_se and "SqueezeExcitation" in ns
    saved = ns["SqueezeExcitation"] if had else None
    if trusted_se:
        ns["SqueezeExcitation"] = SqueezeExcitation
    try:
        return run()
    finally:
        if had:
            ns["SqueezeExcitation"] = saved
        elif trusted_se:
            del ns["SqueezeExcitation"]


# ---------------------------------------------------------------- oracle side


def oracle_run(module, state, x, mode):
    """(loaded float64 copy, output, d sum(out**2) / dx) of the oracle in mode."""
    m = copy.deepcopy(module).double()
    m.load_state_dict(state)
    m.train(mode == "train")
    xi = x.clone().requires_grad_(True)
    out = m(xi.clone())
    out.pow(2).sum().backward()
    return m, out.detach(), xi.grad


def check_module(student, name, args, oracle, x, what, *, seed, modes=("eval", "train"),
                 hints=None, hooks=None, trusted_se=False, reference="torchvision's",
                 forbidden=()):
    """Build the student's module, compare its structure and, in each mode, its output and
    input gradient with the oracle's on the same state_dict; fail with the first problem.
    hints: optional callables "structure", "shape", "variants", "raised" and a "strides" text
    that name known mistakes."""
    hints = hints or {}
    state = random_state(oracle, seed)
    found = student.probe(build_and_run, name, list(args), state, x, list(modes),
                          list(hooks or {}), trusted_se)
    if "type" in found:
        fail(f"{what} should be an nn.Module, got {wire.type_name(found)}")
    # Besides the forbid= watch on their constructors, the forbidden torchvision classes are
    # looked for in the module tree (a block built while nothing is watched, then copied).
    used = [c for c in found["classes"] if f"{c}.__init__" in forbidden]
    if used:
        fail(f"forbidden: {what} is built from {', '.join(used)}, which this exercise asks you "
             "to implement yourself")
    check_structure(found, state, oracle, what, hints, reference)
    if "raised" in found:
        r = found["raised"]
        hint = hints["raised"](r) if "raised" in hints else None
        message = r["message"] if not hint or len(r["message"]) <= 70 else \
            r["message"][:69] + "…"
        fail(f"{what} on x {tuple(x.shape)} in {r['mode']} mode raised RuntimeError "
             f"({message})" + (f": {hint}" if hint else ""))
    if "out_type" in found:
        fail(f"{what} returned {found['out_type']}; expected a torch.Tensor")
    for mode in modes:
        check_run(found["runs"][mode], oracle, state, x, mode, f"{what} on x {tuple(x.shape)}, "
                  f"{mode} mode", hints, hooks or {})


def check_structure(found, state, oracle, what, hints, reference):
    """The state_dict keys and shapes (so the parameter count) and the conv strides."""
    expected = {k: tuple(v.shape) for k, v in state.items()}
    if found["shapes"] != expected:
        hint = hints["structure"](found["shapes"], expected) if "structure" in hints else None
        fail(f"{what}: {hint or state_dict_diff(found['shapes'], expected, reference)}")
    for conv, m in oracle.named_modules():
        got = found["strides"].get(conv)
        if isinstance(m, torch.nn.Conv2d) and got is not None and got != tuple(m.stride):
            fail(f"{what}: {conv} has stride {got}; {reference} {conv} has stride "
                 f"{tuple(m.stride)}" + (f": {hints['strides']}" if "strides" in hints else ""))


def check_run(run, oracle, state, x, mode, label, hints, hooks):
    """One mode: hooked shapes, the output (known mistakes first) and the input gradient."""
    m, out, xgrad = oracle_run(oracle, state, x, mode)
    for layer, shape in hooks.items():
        if run["hooks"].get(layer) != shape:
            fail(f"{label}: {layer} outputs shape {run['hooks'].get(layer)}; expected {shape}")
    got = run["out"]
    if isinstance(got, torch.Tensor) and got.shape != out.shape and "shape" in hints:
        hint = hints["shape"](tuple(got.shape), tuple(out.shape))
        if hint:
            fail(f"{label}: the output has shape {tuple(got.shape)}; {hint}")
    if not close(got, out) and "variants" in hints:
        with torch.no_grad():
            for alt, message in hints["variants"](m, x.clone()):
                if close(got, alt):
                    fail(f"{label}: {message}")
    check_tensor(got, out, f"{label}: the output")
    if run["grad"] is None:
        fail(f"{label}: the output is not connected to x in the autograd graph (detach, "
             "no_grad or a new tensor built from values?)")
    check_tensor(run["grad"], xgrad, f"{label}: the gradient of sum(out**2) with respect to x")


# ---------------------------------------------------------------- LeNet-5

class ReferenceLeNet5(torch.nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.c1 = torch.nn.Conv2d(1, 6, 5)
        self.c3 = torch.nn.Conv2d(6, 16, 5)
        self.c5 = torch.nn.Conv2d(16, 120, 5)
        self.f6 = torch.nn.Linear(120, 84)
        self.output = torch.nn.Linear(84, num_classes)

    def forward(self, x, act=torch.tanh, pool=F.avg_pool2d, head_act=True):
        x = pool(act(self.c1(x)), 2)                                   # (B, 6, 14, 14)
        x = pool(act(self.c3(x)), 2)                                   # (B, 16, 5, 5)
        x = act(self.c5(x)).flatten(1)                                 # (B, 120)
        x = self.f6(x)                                                 # (B, 84)
        return self.output(act(x) if head_act else x)                  # (B, classes)


def lenet_structure(found, expected):
    if found.get("c5.weight", ())[-2:] != (5, 5) and "c5.weight" in found:
        return ("c5 is not a 5x5 convolution; LeNet-5's C5 is nn.Conv2d(16, 120, 5), which on "
                "the 5x5 maps of S4 sees the whole map (weight (120, 16, 5, 5))")
    return None


def lenet_variants(m, x):
    return [(m(x, act=F.relu), "uses ReLU; LeNet-5 applies tanh after C1, C3, C5 and F6"),
            (m(x, pool=F.max_pool2d), "uses max pooling; LeNet-5's S2 and S4 average each 2x2 "
                                      "window"),
            (m(x, act=F.relu, pool=F.max_pool2d), "uses ReLU and max pooling (AlexNet's "
                                                  "recipe); LeNet-5 uses tanh and average pooling"),
            (m(x, head_act=False), "has no tanh after F6")]


def lenet_raised(r):
    c1 = r["hooks"].get("c1")
    if c1 is not None and c1[-2:] != (28, 28):
        return (f"c1 outputs {c1}: LeNet-5's convolutions use no padding, so C1 turns the "
                "32x32 input into 28x28 maps")
    return "follow the layer table: the maps are 28, 14, 10, 5, then 1x1 (C5)"


def lenet_hooks(b):
    return {"c1": (b, 6, 28, 28), "c3": (b, 16, 10, 10), "c5": (b, 120, 1, 1), "f6": (b, 84)}


def check_lenet(student, num_classes, batch, seed, modes=("eval",)):
    x = draw(rng(seed), batch, 1, 32, 32)                             # (B, 1, 32, 32)
    args = [] if num_classes == 10 else [num_classes]
    check_module(student, "LeNet5", args, ReferenceLeNet5(num_classes), x,
                 f"LeNet5({', '.join(map(str, args))})", seed=seed + 100, modes=modes,
                 hints={"structure": lenet_structure, "variants": lenet_variants,
                        "raised": lenet_raised},
                 hooks=lenet_hooks(batch) if modes else None,
                 reference="the reference LeNet-5")


@exercise("lenet5", points=1)
def test_lenet_structure(student):
    """Do LeNet5() and LeNet5(num_classes=7) have the layers (and 61,706 / 61,451
    parameters) of the layer table?"""
    check_lenet(student, 10, 2, 0, modes=())
    check_lenet(student, 7, 2, 1, modes=())


@exercise("lenet5", points=1)
def test_lenet_forward(student):
    """Are the feature-map shapes and the output of LeNet5() right on a batch of 3?"""
    check_lenet(student, 10, 3, 2)


@exercise("lenet5", points=1)
def test_lenet_num_classes(student):
    """Is the output of LeNet5(num_classes=7), and its gradient, right on another batch?"""
    check_lenet(student, 7, 2, 3)


# ---------------------------------------------------------------- VGG block

def reference_vgg_block(c_in, c_out, n):
    layers = []
    for i in range(n):
        layers += [torch.nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1),
                   torch.nn.ReLU()]
    return torch.nn.Sequential(*layers, torch.nn.MaxPool2d(2, 2))


def vgg_structure(found, expected):
    if any(k.endswith("running_mean") for k in found):
        return "has BatchNorm layers; a VGG block is conv + ReLU only (no batch norm)"
    convs = sorted(int(k.split(".")[0]) for k in found
                   if k.endswith(".weight") and k.split(".")[0].isdigit())
    want = sorted(int(k.split(".")[0]) for k in expected if k.endswith(".weight"))
    if len(convs) == len(want) and convs != want:
        return (f"its convs sit at positions {convs} of the Sequential; expected {want}: the "
                "layers go Conv2d, ReLU, Conv2d, ReLU, ..., MaxPool2d, a ReLU after every conv")
    kernels = {found[k][-2:] for k in found if k.endswith(".weight") and len(found[k]) == 4}
    if kernels and kernels != {(3, 3)}:
        return f"has {sorted(kernels)} kernels; VGG uses 3x3 convolutions only"
    wrong = [k for k in expected if k in found and found[k] != expected[k]]
    if wrong and found[wrong[0]][1] != expected[wrong[0]][1]:
        return (f"{wrong[0]} has shape {found[wrong[0]]}: the first conv maps in_channels -> "
                "out_channels, every later one out_channels -> out_channels")
    return None


def vgg_shape(got, expected):
    if got[:2] == expected[:2] and got[2] < expected[2]:
        return (f"expected {expected}: a 3x3 conv needs padding=1 to keep H and W, and only the "
                "max pool halves them")
    return None


def vgg_variants(m, x):
    avg = torch.nn.Sequential(*list(m)[:-1], torch.nn.AvgPool2d(2, 2))
    return [(avg(x), "averages the 2x2 windows; a VGG block max-pools them")]


def check_vgg(student, c_in, c_out, n, shape, seed):
    x = draw(rng(seed), *shape)
    check_module(student, "vgg_block", [c_in, c_out, n], reference_vgg_block(c_in, c_out, n),
                 x, f"vgg_block({c_in}, {c_out}, {n})", seed=seed + 100, modes=("eval",),
                 hints={"structure": vgg_structure, "shape": vgg_shape,
                        "variants": vgg_variants},
                 reference="the reference block")


@exercise("vgg_block", points=1)
def test_vgg_one_conv(student):
    """Is vgg_block(3, 8, 1) a conv, ReLU and max pool with the right output on a 12x16
    batch?"""
    check_vgg(student, 3, 8, 1, (2, 3, 12, 16), 10)


@exercise("vgg_block", points=1)
def test_vgg_three_convs(student):
    """Is vgg_block(5, 7, 3) right: the first conv 5 -> 7, the next two 7 -> 7?"""
    check_vgg(student, 5, 7, 3, (3, 5, 10, 14), 11)


@exercise("vgg_block", points=1)
def test_vgg_odd_sizes(student):
    """Does vgg_block(4, 6, 2) floor odd sizes (9x13 -> 4x6) like MaxPool2d(2, 2)?"""
    check_vgg(student, 4, 6, 2, (2, 4, 9, 13), 12)


# ---------------------------------------------------------------- ResNet blocks

def projection(c_in, c_out, stride):
    return torch.nn.Sequential(torch.nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False),
                               torch.nn.BatchNorm2d(c_out))


def resnet_oracle(cls, inplanes, planes, stride):
    width = planes * cls.expansion
    down = projection(inplanes, width, stride) if stride != 1 or inplanes != width else None
    return cls(inplanes, planes, stride, downsample=down)


def shortcut_structure(found, expected):
    """Hints on the shortcut and conv biases common to both ResNet blocks."""
    has = any(k.startswith("downsample.") for k in found)
    wants = any(k.startswith("downsample.") for k in expected)
    if wants and not has:
        return ("no projection shortcut: here x and the residual branch differ in shape (stride "
                "!= 1 or inplanes != planes * expansion), so the shortcut must be downsample = "
                "1x1 conv with the block's stride + BatchNorm")
    if has and not wants:
        return ("uses a projection shortcut although stride == 1 and inplanes == planes * "
                "expansion: then the shortcut is the identity (downsample = None)")
    if "downsample.0.weight" in found and "downsample.1.weight" not in found:
        return ("the projection shortcut has no BatchNorm after its 1x1 conv: downsample = "
                "nn.Sequential(conv, BatchNorm2d), as in torchvision")
    biases = [k for k in found if k.endswith(".bias") and k not in expected]
    if biases:
        return (f"{biases[0]}: a conv followed by batch norm needs no bias (bias=False); "
                "BN's own shift replaces it")
    return None


def bottleneck_structure(found, expected):
    if "conv3.weight" in found and found["conv3.weight"][0] != expected["conv3.weight"][0]:
        return (f"conv3 outputs {found['conv3.weight'][0]} channels; the Bottleneck widens back "
                f"to planes * expansion = {expected['conv3.weight'][0]} channels (expansion = 4)")
    return shortcut_structure(found, expected)


def residual_variants(m, x):
    branch = residual_branch(m, x)
    identity = x if m.downsample is None else m.downsample(x)
    return [(F.relu(branch) + identity, "applies the ReLU before adding the shortcut; add the "
                                        "shortcut first, then apply ReLU"),
            (branch + identity, "has no ReLU after the addition of the shortcut"),
            (F.relu(F.relu(branch) + identity), "applies a ReLU to the residual branch before "
                                                "adding the shortcut; only after the addition"),
            (F.relu(branch), "never adds the shortcut")]


def residual_branch(m, x):
    out = F.relu(m.bn1(m.conv1(x)))
    if hasattr(m, "conv3"):
        out = F.relu(m.bn2(m.conv2(out)))
        return m.bn3(m.conv3(out))
    return m.bn2(m.conv2(out))


def check_resnet_block(student, name, cls, inplanes, planes, stride, shape, seed):
    x = draw(rng(seed), *shape)
    hints = {"structure": shortcut_structure, "variants": residual_variants}
    if name == "Bottleneck":
        hints |= {"structure": bottleneck_structure, "strides": "torchvision's Bottleneck "
                  "(ResNet v1.5) puts the stride on the 3x3 conv2, not on the 1x1 conv1"}
    check_module(student, name, [inplanes, planes, stride],
                 resnet_oracle(cls, inplanes, planes, stride), x,
                 f"{name}({inplanes}, {planes}, stride={stride})", seed=seed + 100,
                 hints=hints, forbidden=RESNET)


@exercise("basic_block", points=1, forbid=RESNET)
def test_basic_identity_shortcut(student):
    """Does BasicBlock(8, 8) (identity shortcut) match torchvision's in eval and train mode?"""
    check_resnet_block(student, "BasicBlock", TorchvisionBasicBlock, 8, 8, 1, (3, 8, 10, 12), 20)


@exercise("basic_block", points=1, forbid=RESNET)
def test_basic_projection_stride_and_channels(student):
    """Does BasicBlock(6, 10, stride=2) (projection shortcut) match torchvision's?"""
    check_resnet_block(student, "BasicBlock", TorchvisionBasicBlock, 6, 10, 2, (3, 6, 12, 10),
                       21)


@exercise("basic_block", points=1, forbid=RESNET)
def test_basic_projection_stride_only(student):
    """Does BasicBlock(8, 8, stride=2) project the shortcut although the channels match (odd
    input 11x9)?"""
    check_resnet_block(student, "BasicBlock", TorchvisionBasicBlock, 8, 8, 2, (2, 8, 11, 9), 22)


@exercise("basic_block", points=1, forbid=RESNET)
def test_basic_projection_channels_only(student):
    """Does BasicBlock(5, 7) project the shortcut at stride 1 when the channels change?"""
    check_resnet_block(student, "BasicBlock", TorchvisionBasicBlock, 5, 7, 1, (2, 5, 9, 12), 23)


@exercise("bottleneck", points=1, forbid=RESNET)
def test_bottleneck_identity_shortcut(student):
    """Does Bottleneck(16, 4) (16 = 4 * 4 channels: identity shortcut) match torchvision's?"""
    check_resnet_block(student, "Bottleneck", TorchvisionBottleneck, 16, 4, 1, (3, 16, 9, 11),
                       30)


@exercise("bottleneck", points=1, forbid=RESNET)
def test_bottleneck_stride_two(student):
    """Does Bottleneck(8, 4, stride=2) stride the 3x3 conv and project the shortcut like
    torchvision's?"""
    check_resnet_block(student, "Bottleneck", TorchvisionBottleneck, 8, 4, 2, (3, 8, 12, 10), 31)


@exercise("bottleneck", points=1, forbid=RESNET)
def test_bottleneck_channel_change(student):
    """Does Bottleneck(6, 3) (6 -> 12 channels at stride 1) match torchvision's?"""
    check_resnet_block(student, "Bottleneck", TorchvisionBottleneck, 6, 3, 1, (2, 6, 10, 7), 32)


# ---------------------------------------------------------------- Inception

def inception_structure(found, expected):
    key = "branch3.1.conv.weight"
    if found.get(key, ())[-2:] == (5, 5):
        return ("branch3's second conv is 5x5, as in the paper; torchvision's Inception (whose "
                "state_dict must load) uses 3x3 with padding 1 there, see the note")
    return None


def inception_shape(got, expected):
    b, c, h, w = expected
    if len(got) == 5:
        return ("the branches are stacked along a new dimension; concatenate them along the "
                "channels (dim 1)")
    if got[0] != b:
        return ("the branches are concatenated along the batch (dim 0); concatenate them along "
                "the channels (dim 1)")
    if got[1] != c and (got[2] != h or got[3] != w):
        return ("the branches are concatenated along a spatial dimension; concatenate them "
                "along the channels (dim 1)")
    return None


def inception_raised(r):
    if "Sizes of tensors must match" in r["message"]:
        return ("the branch outputs share B, H and W but not their channel counts: concatenate "
                "them along the channels (dim 1)")
    if "stack expects" in r["message"]:
        return "torch.stack adds a new dimension; concatenate along the channels (dim 1)"
    return None


def inception_variants(m, x):
    outs = [m.branch1(x), m.branch2(x), m.branch3(x), m.branch4(x)]
    alts = [(torch.cat([outs[i] for i in order], 1),
             f"concatenates the branches in the order {[f'branch{i + 1}' for i in order]}; the "
             "channels go branch1, branch2, branch3, branch4")
            for order in itertools.permutations(range(4)) if order != (0, 1, 2, 3)]
    no_pool = torch.cat(outs[:3] + [m.branch4[1](x)], 1)
    return alts + [(no_pool, "branch4 has no 3x3 max pool (stride 1, padding 1) before its 1x1 "
                             "conv")]


def check_inception(student, args, shape, seed, modes=("eval", "train")):
    x = draw(rng(seed), *shape)
    check_module(student, "Inception", list(args), TorchvisionInception(*args), x,
                 f"Inception{tuple(args)}", seed=seed + 100, modes=modes,
                 hints={"structure": inception_structure, "shape": inception_shape,
                        "raised": inception_raised, "variants": inception_variants},
                 forbidden=INCEPTION)


@exercise("inception", points=1, forbid=INCEPTION)
def test_inception_distinct_branches(student):
    """Does Inception(8, 4, 3, 6, 2, 3, 5) (18 output channels) match torchvision's?"""
    check_inception(student, (8, 4, 3, 6, 2, 3, 5), (3, 8, 10, 12), 40)


@exercise("inception", points=1, forbid=INCEPTION)
def test_inception_equal_branches(student):
    """With four branches of 4 channels each, is the concatenation along the channels in
    order?"""
    check_inception(student, (6, 4, 2, 4, 3, 4, 4), (2, 6, 9, 7), 41)


@exercise("inception", points=1, forbid=INCEPTION)
def test_inception_wide_pool_branch(student):
    """Does Inception(5, 2, 4, 3, 2, 6, 3) match torchvision's, gradients included?"""
    check_inception(student, (5, 2, 4, 3, 2, 6, 3), (2, 5, 8, 11), 42)


# ---------------------------------------------------------------- squeeze-excitation

def se_structure(found, expected):
    w = found.get("fc1.weight")
    if w is not None and len(w) == 2:
        return ("fc1 and fc2 are 1x1 convolutions in torchvision (weight (S, C, 1, 1)); an "
                "nn.Linear weight (S, C) does not load: use nn.Conv2d(C, S, 1)")
    return None


def se_shape(got, expected):
    if got == (expected[0], expected[1], 1, 1):
        return f"expected {expected}: these are the channel weights; multiply x by them"
    return None


def se_variants_for(act, scale_act):
    def variants(m, x):
        def run(pool="mean", activation=m.activation, scale=m.scale_activation):
            s = x.mean((2, 3), keepdim=True) if pool == "mean" else x.amax((2, 3), keepdim=True)
            return scale(m.fc2(activation(m.fc1(s))))
        identity = torch.nn.Identity()
        alts = [(run("max") * x, "squeezes each channel with its maximum; SE squeezes with the "
                                 "global average (avgpool)"),
                (run(scale=identity) * x, "applies no scale_activation (sigmoid) to the "
                                          "excitation, so the channel weights are not in (0, 1)"),
                (run(activation=identity) * x, "has no activation between fc1 and fc2"),
                (run() + x, "adds the channel weights to x; multiply x by them")]
        if act is not torch.nn.ReLU:
            alts.append((run(activation=torch.nn.ReLU()) * x, "ignores the activation argument "
                         "(uses ReLU)"))
        if scale_act is not torch.nn.Sigmoid:
            alts.append((run(scale=torch.nn.Sigmoid()) * x, "ignores the scale_activation "
                         "argument (uses sigmoid)"))
        return alts
    return variants


def check_se(student, channels, squeeze, shape, seed, act=None, scale_act=None):
    args = [channels, squeeze] + ([act, scale_act] if act else [])
    act, scale_act = act or torch.nn.ReLU, scale_act or torch.nn.Sigmoid
    x = 1.0 + draw(rng(seed), *shape)          # a positive mean: max and mean squeeze differ
    names = f", {act.__name__}, {scale_act.__name__}" if len(args) > 2 else ""
    check_module(student, "SqueezeExcitation", args,
                 TorchvisionSqueezeExcitation(channels, squeeze, act, scale_act), x,
                 f"SqueezeExcitation({channels}, {squeeze}{names})", seed=seed + 100,
                 modes=("eval",), hints={"structure": se_structure, "shape": se_shape,
                                         "variants": se_variants_for(act, scale_act)},
                 forbidden=SQUEEZE)


@exercise("squeeze_excitation", points=1, forbid=SQUEEZE)
def test_se_defaults(student):
    """Does SqueezeExcitation(8, 2) match torchvision's on a 7x5 batch?"""
    check_se(student, 8, 2, (3, 8, 7, 5), 50)


@exercise("squeeze_excitation", points=1, forbid=SQUEEZE)
def test_se_activation_arguments(student):
    """Are the activation and scale_activation arguments used (SiLU and Hardsigmoid, as in
    MobileNetV3)?"""
    check_se(student, 6, 3, (2, 6, 5, 9), 51, torch.nn.SiLU, torch.nn.Hardsigmoid)


@exercise("squeeze_excitation", points=1, forbid=SQUEEZE)
def test_se_more_channels(student):
    """Does SqueezeExcitation(12, 4) match torchvision's, gradients included?"""
    check_se(student, 12, 4, (4, 12, 3, 6), 52)


# ---------------------------------------------------------------- MBConv

def mbconv_oracle(c_in, c_out, ratio, stride, kernel):
    config = MBConvConfig(ratio, kernel, stride, c_in, c_out, 1)
    return TorchvisionMBConv(config, 0.0, torch.nn.BatchNorm2d)


def mbconv_structure(found, expected):
    fc1 = [k for k in expected if k.endswith("fc1.weight")][0]
    if fc1 in found and found[fc1][0] != expected[fc1][0]:
        return (f"the SE squeezes to {found[fc1][0]} channels; it squeezes to max(1, "
                f"in_channels // 4) = {expected[fc1][0]}, a quarter of the block's input "
                "channels")
    stages = {k.split(".")[1] for k in found if k.startswith("block.")}
    want = {k.split(".")[1] for k in expected}
    if len(stages) == len(want) + 1:
        return ("has an expand stage although expand_ratio == 1 (nothing to expand): the "
                "depthwise stage is then block[0]")
    for key, shape in expected.items():
        if key in found and len(shape) == 4 and shape[1] == 1 and found[key][1] != 1:
            return (f"{key} has shape {found[key]}: the depthwise conv filters each channel "
                    "on its own, groups = hidden channels (weight (hidden, 1, k, k))")
    return shortcut_free_biases(found, expected)


def shortcut_free_biases(found, expected):
    biases = [k for k in found if k.endswith(".bias") and k not in expected]
    if biases:
        return f"{biases[0]}: a conv followed by batch norm needs no bias (bias=False)"
    return None


def mbconv_variants(m, x):
    out = m.block(x)
    residual = m.use_res_connect
    alts = [(F.silu(out) + (x if residual else 0), "applies an activation after the projection; "
             "the project stage is linear (conv + BN only)")]
    if residual:
        alts.append((out, "does not add the input although stride == 1 and in_channels == "
                          "out_channels"))
    return alts


def mbconv_raised(r):
    return "the residual is added only when stride == 1 and in_channels == out_channels"


def check_mbconv(student, c_in, c_out, ratio, stride, kernel, shape, seed):
    x = draw(rng(seed), *shape)
    args = [c_in, c_out, ratio, stride] + ([kernel] if kernel != 3 else [])
    check_module(student, "MBConv", args, mbconv_oracle(c_in, c_out, ratio, stride, kernel), x,
                 f"MBConv({', '.join(map(str, args))})", seed=seed + 100,
                 hints={"structure": mbconv_structure, "variants": mbconv_variants,
                        "raised": mbconv_raised},
                 trusted_se=True, forbidden=MBCONV)


@exercise("mbconv", points=1, forbid=MBCONV)
def test_mbconv_residual(student):
    """Does MBConv(8, 8, 4) (residual) match torchvision's MBConv in eval and train mode?"""
    check_mbconv(student, 8, 8, 4, 1, 3, (3, 8, 10, 12), 60)


@exercise("mbconv", points=1, forbid=MBCONV)
def test_mbconv_downsampling(student):
    """Does MBConv(8, 16, 4, stride=2) (no residual) match torchvision's?"""
    check_mbconv(student, 8, 16, 4, 2, 3, (3, 8, 12, 10), 61)


@exercise("mbconv", points=1, forbid=MBCONV)
def test_mbconv_no_expansion_stride_two(student):
    """Does MBConv(16, 16, 1, 2, kernel_size=5) (no expand stage; same channels but stride 2,
    so no residual) match torchvision's?"""
    check_mbconv(student, 16, 16, 1, 2, 5, (2, 16, 11, 9), 62)


# ---------------------------------------------------------------- compound scaling

def check_scale(student, phi, coeffs):
    a, b, g = coeffs or (1.2, 1.1, 1.15)
    got = student.compound_scale(phi, *coeffs) if coeffs else student.compound_scale(phi)
    call = f"compound_scale({phi}{''.join(f', {c}' for c in coeffs or ())})"
    if not isinstance(got, tuple | list) or len(got) != 3:
        fail(f"{call} should return a tuple (depth_mult, width_mult, resolution_mult), got "
             f"{wire.type_name(got)}")
    expected = (a ** phi, b ** phi, g ** phi)
    values = [float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None
              for v in got]
    hints = [((a * phi, b * phi, g * phi), "multiplies the coefficients by phi; compound "
              "scaling raises them to the power phi"),
             ((a ** phi, b ** (2 * phi), g ** (2 * phi)), "squares beta and gamma: the squares "
              "belong to the FLOPs constraint alpha * beta^2 * gamma^2 ~ 2, not to the "
              "multipliers")]
    hints += [(tuple(expected[i] for i in order), "returns the multipliers in the wrong order; "
               "return (depth, width, resolution) = (alpha^phi, beta^phi, gamma^phi)")
              for order in itertools.permutations(range(3)) if order != (0, 1, 2)]
    if None not in values and not all(math.isclose(v, e, rel_tol=1e-9) for v, e in
                                      zip(values, expected, strict=True)):
        for alt, message in hints:
            if all(math.isclose(v, e, rel_tol=1e-9) for v, e in zip(values, alt, strict=True)):
                fail(f"{call} {message}")
    for label, v, e in zip(("depth_mult", "width_mult", "resolution_mult"), got, expected,
                           strict=True):
        check_number(v, e, f"{call}: {label}", rtol=1e-9, atol=1e-12)


@exercise("compound_scale", points=1)
def test_compound_scale_defaults(student):
    """Are the multipliers alpha^phi, beta^phi, gamma^phi for the default coefficients and
    phi = 0, 1, 2, 3.5?"""
    for phi in (0.0, 1.0, 2.0, 3.5):
        check_scale(student, phi, None)


@exercise("compound_scale", points=1)
def test_compound_scale_coefficients(student):
    """Are the coefficients arguments used, for phi = 0.5, 2.2 and -1 (scaling down)?"""
    for phi in (0.5, 2.2, -1.0):
        check_scale(student, phi, (1.3, 1.05, 1.2))


# ---------------------------------------------------------------- first_layer_grad_norm

def grad_norm(depth, skip, channels, seed, *, act=torch.tanh, x_first=False, layer=0,
              reduce="mean", float32=False, squared=False):
    """The recipe of the notebook (and its known mistakes), run here in float64 with the
    global RNG restored afterwards."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        h = draw_input(channels) if x_first else None
        kw = {} if float32 else {"dtype": torch.float64}
        convs = [torch.nn.Conv2d(channels, channels, 3, padding=1, **kw).double()
                 for _ in range(depth)]
        h = draw_input(channels) if h is None else h                   # (4, C, 8, 8)
        for conv in convs:
            z = act(conv(h))                                           # (4, C, 8, 8)
            h = h + z if skip else z
        loss = h.pow(2).mean() if reduce == "mean" else h.pow(2).sum()
        loss.backward()
        norm = convs[layer].weight.grad.norm().item()
    return norm ** 2 if squared else norm


def draw_input(channels):
    return torch.randn(4, channels, 8, 8, dtype=torch.float64)


def grad_norm_hints(depth, skip, channels, seed):
    args = (depth, skip, channels, seed)
    hints = [(grad_norm(*args, x_first=True), "draws the input before building the convs; the "
              "recipe builds the convs first, then draws h (the order decides which random "
              "numbers each gets)"),
             (grad_norm(*args, float32=True), "builds the convs in float32 and converts them; "
              "create them with dtype=torch.float64 (the initial weights differ)"),
             (grad_norm(*args, reduce="sum"), "sums h**2; the loss is the mean, h.pow(2).mean()"),
             (grad_norm(*args, act=F.relu), "uses ReLU; the recipe's units use tanh"),
             (grad_norm(*args, squared=True), "returns the squared norm; return the 2-norm "
              "||dL/dW_1||")]
    if depth > 1:
        hints.append((grad_norm(*args, layer=-1), "returns the gradient of the last conv; "
                      "measure the first one, convs[0]"))
    if skip:
        hints.append((grad_norm(depth, False, channels, seed), "ignores skip: with skip=True "
                      "each unit is h = h + tanh(conv(h))"))
    else:
        hints.append((grad_norm(depth, True, channels, seed), "adds h although skip=False"))
    return hints


def check_grad_norm(student, depth, skip, channels, seed):
    got = student.first_layer_grad_norm(depth, skip, channels, seed)
    call = f"first_layer_grad_norm({depth}, {skip}, channels={channels}, seed={seed})"
    expected = grad_norm(depth, skip, channels, seed)
    value = got.item() if isinstance(got, torch.Tensor) and got.numel() == 1 else got
    if isinstance(value, float) and not math.isclose(value, expected, rel_tol=GRAD_RTOL):
        for alt, message in grad_norm_hints(depth, skip, channels, seed):
            if math.isclose(value, alt, rel_tol=GRAD_RTOL):
                fail(f"{call} {message}")
    check_number(got, expected, call, rtol=GRAD_RTOL, atol=0.0)


@exercise("first_layer_grad_norm", points=1)
def test_grad_norm_plain(student):
    """Does the plain stack's first-layer gradient norm follow the recipe (depths 1 and 6)?"""
    check_grad_norm(student, 1, False, 8, 0)
    check_grad_norm(student, 6, False, 5, 3)


@exercise("first_layer_grad_norm", points=1)
def test_grad_norm_skip(student):
    """Does the residual stack's first-layer gradient norm follow the recipe (depths 6 and
    25)?"""
    check_grad_norm(student, 6, True, 5, 3)
    check_grad_norm(student, 25, True, 8, 1)


@exercise("first_layer_grad_norm", points=1)
def test_grad_norm_deep(student):
    """At depth 30, are both tiny (plain) and large (skip) norms right to 1e-6 relative?"""
    check_grad_norm(student, 30, False, 6, 2)
    check_grad_norm(student, 30, True, 6, 2)


# ---------------------------------------------------------------- checkpoints

@exercise("q_bottleneck", points=1)
def test_q_bottleneck(student):
    """Why does ResNet-50 use 1x1 -> 3x3 -> 1x1 blocks?"""
    check_answer(student.value("q_bottleneck"), "q_bottleneck", "5ee4b0a70d69a0be0a2d")


@exercise("q_skip_grad", points=1)
def test_q_skip_grad(student):
    """What does the first-layer gradient measurement show?"""
    check_answer(student.value("q_skip_grad"), "q_skip_grad", "d336aaaaee9d08a1d2cf")


@exercise("q_flops", points=1)
def test_q_flops(student):
    """By what factor do the FLOPs grow for phi = 3?"""
    check_answer(student.value("q_flops"), "q_flops", "c7df244c02ad1ba6dddc", digits=1)
