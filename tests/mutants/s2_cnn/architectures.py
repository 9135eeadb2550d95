"""Wrong and correct answers for s2_cnn/architectures: each replaces one whole answer cell
(the setup cell, with torch, nn, F, math, Callable and BasicConv2d, stays)."""

# ---------------------------------------------------------------- LeNet-5

LENET_INIT = '''
class LeNet5(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5)
        self.c3 = nn.Conv2d(6, 16, 5)
        self.c5 = nn.Conv2d(16, 120, 5)
        self.f6 = nn.Linear(120, 84)
        self.output = nn.Linear(84, num_classes)

    def forward(self, x):
'''


def lenet(act="torch.tanh", pool="F.avg_pool2d"):
    return LENET_INIT + f'''        x = {pool}({act}(self.c1(x)), 2)
        x = {pool}({act}(self.c3(x)), 2)
        x = {act}(self.c5(x)).flatten(1)
        return self.output({act}(self.f6(x)))
'''


LENET = {
    "wrong": {
        "relu_instead_of_tanh": (lenet(act="F.relu"), "uses ReLU"),
        "max_pooling": (lenet(pool="F.max_pool2d"), "max pooling"),
    },
    "correct": {
        "functional": lenet(),
        "modules_other_order": '''
class LeNet5(nn.Module):
    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.output = nn.Linear(84, num_classes)
        self.f6 = nn.Linear(120, 84)
        self.c5 = nn.Conv2d(16, 120, kernel_size=(5, 5))
        self.c3 = nn.Conv2d(6, 16, kernel_size=(5, 5))
        self.c1 = nn.Conv2d(1, 6, kernel_size=(5, 5))
        self.act = nn.Tanh()
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)

    def forward(self, x):
        for conv in (self.c1, self.c3):
            x = self.pool(self.act(conv(x)))
        x = self.act(self.c5(x)).view(x.shape[0], -1)
        return self.output(self.act(self.f6(x)))
''',
    },
}

# ---------------------------------------------------------------- VGG block

VGG = {
    "wrong": {
        "no_padding": ('''
def vgg_block(in_channels, out_channels, num_convs):
    layers = []
    for i in range(num_convs):
        layers += [nn.Conv2d(in_channels if i == 0 else out_channels, out_channels, 3), nn.ReLU()]
    return nn.Sequential(*layers, nn.MaxPool2d(2, 2))
''', "padding=1"),
        "relu_only_at_end": ('''
def vgg_block(in_channels, out_channels, num_convs):
    layers = [nn.Conv2d(in_channels, out_channels, 3, padding=1)]
    layers += [nn.Conv2d(out_channels, out_channels, 3, padding=1) for _ in range(num_convs - 1)]
    return nn.Sequential(*layers, nn.ReLU(), nn.MaxPool2d(2))
''', "a ReLU after every conv"),
    },
    "correct": {
        "comprehension": '''
def vgg_block(in_channels: int, out_channels: int, num_convs: int) -> nn.Sequential:
    chans = [in_channels] + [out_channels] * num_convs
    pairs = [[nn.Conv2d(a, b, kernel_size=3, stride=1, padding=1), nn.ReLU(inplace=True)]
             for a, b in zip(chans[:-1], chans[1:])]
    return nn.Sequential(*[m for pair in pairs for m in pair], nn.MaxPool2d(kernel_size=2))
''',
        "append_same_padding": '''
def vgg_block(in_channels, out_channels, num_convs):
    block = nn.Sequential()
    for _ in range(num_convs):
        block.append(nn.Conv2d(in_channels, out_channels, 3, padding="same"))
        block.append(nn.ReLU())
        in_channels = out_channels
    block.append(nn.MaxPool2d(2, 2))
    return block
''',
    },
}

# ---------------------------------------------------------------- BasicBlock

BASIC_INIT = '''
class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if {condition}:
            self.downsample = {shortcut}

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
'''
PROJECT = ("nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), "
           "nn.BatchNorm2d(planes))")


def basic(end="return F.relu(out + identity)", condition="stride != 1 or inplanes != planes",
          shortcut=PROJECT):
    return BASIC_INIT.format(condition=condition, shortcut=shortcut) + f"        {end}\n"


BASIC = {
    "wrong": {
        "relu_before_add": (basic(end="return F.relu(out) + identity"),
                            "before adding the shortcut"),
        "projection_only_on_channel_change": (basic(condition="inplanes != planes"),
                                              "no projection shortcut"),
        "shortcut_without_bn": (basic(shortcut="nn.Sequential(nn.Conv2d(inplanes, planes, 1, "
                                               "stride, bias=False))"), "no BatchNorm"),
        "forbidden_torchvision_subclass": ('''
from torchvision.models.resnet import BasicBlock as TorchvisionBasicBlock


class BasicBlock(TorchvisionBasicBlock):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1):
        down = None
        if stride != 1 or inplanes != planes:
            down = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False),
                                 nn.BatchNorm2d(planes))
        super().__init__(inplanes, planes, stride, down)
''', "forbidden"),
    },
    "correct": {
        "torchvision_style": '''
class BasicBlock(nn.Module):
    expansion: int = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=3, stride=stride, padding=1,
                               bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes))

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)
''',
        "shape_test_other_order": '''
class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        needs_projection = (stride, inplanes) != (1, planes)
        self.downsample = (nn.Sequential(nn.Conv2d(inplanes, planes, (1, 1), (stride, stride),
                                                   bias=False), nn.BatchNorm2d(planes))
                           if needs_projection else None)
        self.bn2 = nn.BatchNorm2d(planes)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)

    def forward(self, x):
        shortcut = self.downsample(x) if self.downsample else x
        residual = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(torch.add(residual, shortcut))
''',
    },
}

# ---------------------------------------------------------------- Bottleneck

BOTTLENECK_TEMPLATE = '''
class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        width = planes * {factor}
        self.conv1 = nn.Conv2d(inplanes, planes, 1, stride={s1}, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride={s2}, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, width, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(width)
        self.downsample = None
        if stride != 1 or inplanes != width:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, width, 1, stride, bias=False),
                                            nn.BatchNorm2d(width))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return F.relu(out + identity)
'''


def bottleneck(factor="self.expansion", s1="1", s2="stride"):
    return BOTTLENECK_TEMPLATE.format(factor=factor, s1=s1, s2=s2)


BOTTLENECK = {
    "wrong": {
        "stride_on_conv1": (bottleneck(s1="stride", s2="1"), "conv2"),
        "no_expansion": (bottleneck(factor="1"), "expansion = 4"),
        "forbidden_copies_torchvision_layers": ('''
import torchvision


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        down = None
        if stride != 1 or inplanes != planes * 4:
            down = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride, bias=False),
                                 nn.BatchNorm2d(planes * 4))
        tv = torchvision.models.resnet.Bottleneck(inplanes, planes, stride, down)
        self.conv1, self.bn1, self.conv2, self.bn2 = tv.conv1, tv.bn1, tv.conv2, tv.bn2
        self.conv3, self.bn3, self.downsample = tv.conv3, tv.bn3, tv.downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))
''', "forbidden"),
    },
    "correct": {
        "functional": bottleneck(),
        "torchvision_style": '''
class Bottleneck(nn.Module):
    expansion: int = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        out_planes = planes * self.expansion
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or inplanes != out_planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, out_planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(out_planes))
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=False)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.conv3 = nn.Conv2d(planes, out_planes, kernel_size=1, bias=False)
        self.bn1, self.bn2, self.bn3 = (nn.BatchNorm2d(c) for c in (planes, planes, out_planes))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        out += identity
        return self.relu(out)
''',
    },
}

# ---------------------------------------------------------------- Inception

INCEPTION_TEMPLATE = '''
class Inception(nn.Module):
    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(BasicConv2d(in_channels, ch3x3red, kernel_size=1),
                                     BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1))
        self.branch3 = nn.Sequential(BasicConv2d(in_channels, ch5x5red, kernel_size=1),
                                     BasicConv2d(ch5x5red, ch5x5, kernel_size={k5}, padding={p5}))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
                                     BasicConv2d(in_channels, pool_proj, kernel_size=1))

    def forward(self, x):
        b1, b2, b3, b4 = self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)
        return torch.cat({order}, dim=1)
'''


def inception(k5=3, p5=1, order="[b1, b2, b3, b4]"):
    return INCEPTION_TEMPLATE.format(k5=k5, p5=p5, order=order)


INCEPTION = {
    "wrong": {
        "wrong_order": (inception(order="[b1, b3, b2, b4]"),
                        "concatenates the branches in the order"),
        "paper_5x5": (inception(k5=5, p5=2), "5x5"),
        "forbidden_torchvision_subclass": ('''
from torchvision.models.googlenet import Inception as TorchvisionInception


class Inception(TorchvisionInception):
    pass
''', "forbidden"),
    },
    "correct": {
        "preallocated": '''
class Inception(nn.Module):
    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
        super().__init__()
        self.branch4 = nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1),
                                     BasicConv2d(in_channels, pool_proj, kernel_size=1))
        self.branch3 = nn.Sequential(BasicConv2d(in_channels, ch5x5red, kernel_size=1),
                                     BasicConv2d(ch5x5red, ch5x5, kernel_size=3, padding=1))
        self.branch2 = nn.Sequential(BasicConv2d(in_channels, ch3x3red, kernel_size=1),
                                     BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1))
        self.branch1 = BasicConv2d(in_channels, ch1x1, kernel_size=1)
        self.widths = (ch1x1, ch3x3, ch5x5, pool_proj)

    def forward(self, x):
        B, _, H, W = x.shape
        out = x.new_empty(B, sum(self.widths), H, W)
        start = 0
        for branch, width in zip((self.branch1, self.branch2, self.branch3, self.branch4),
                                 self.widths):
            out[:, start:start + width] = branch(x)
            start += width
        return out
''',
        "getattr_loop": '''
class Inception(nn.Module):
    def __init__(self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int,
                 ch5x5: int, pool_proj: int) -> None:
        super().__init__()
        def unit(c_in, c_out, k):
            return BasicConv2d(c_in, c_out, kernel_size=k, padding=k // 2)
        self.branch1 = unit(in_channels, ch1x1, 1)
        self.branch2 = nn.Sequential(unit(in_channels, ch3x3red, 1), unit(ch3x3red, ch3x3, 3))
        self.branch3 = nn.Sequential(unit(in_channels, ch5x5red, 1), unit(ch5x5red, ch5x5, 3))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True),
                                     unit(in_channels, pool_proj, 1))

    def forward(self, x):
        return torch.cat([getattr(self, f"branch{i}")(x) for i in range(1, 5)], 1)
''',
    },
}

# ---------------------------------------------------------------- squeeze-excitation

SE_TEMPLATE = '''
class SqueezeExcitation(nn.Module):
    def __init__(self, input_channels, squeeze_channels, activation=nn.ReLU,
                 scale_activation=nn.Sigmoid):
        super().__init__()
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def forward(self, x):
        s = {squeeze}
        s = self.fc2(self.activation(self.fc1(s)))
        return {scale} * x
'''


def se(squeeze="x.mean((2, 3), keepdim=True)", scale="self.scale_activation(s)"):
    return SE_TEMPLATE.format(squeeze=squeeze, scale=scale)


SQUEEZE = {
    "wrong": {
        "max_squeeze": (se(squeeze="x.amax((2, 3), keepdim=True)"), "maximum"),
        "no_sigmoid": (se(scale="s"), "no scale_activation"),
        "forbidden_torchvision_subclass": ('''
import torchvision


class SqueezeExcitation(torchvision.ops.SqueezeExcitation):
    pass
''', "forbidden"),
        "forbidden_prebuilt_copy": ('''
import copy

import torchvision

_PREBUILT = torchvision.ops.SqueezeExcitation(8, 2)  # built while nothing is watched


class SqueezeExcitation(nn.Module):
    def __new__(cls, *args, **kwargs):
        return copy.deepcopy(_PREBUILT)
''', "is built from torchvision.ops.misc.SqueezeExcitation"),
    },
    "correct": {
        "functional_mean": se(),
        "avgpool_module_expand": '''
class SqueezeExcitation(nn.Module):
    def __init__(self, input_channels: int, squeeze_channels: int,
                 activation: Callable[..., nn.Module] = nn.ReLU,
                 scale_activation: Callable[..., nn.Module] = nn.Sigmoid) -> None:
        super().__init__()
        self.scale_activation = scale_activation()
        self.activation = activation()
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, kernel_size=1, bias=True)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, kernel_size=1, bias=True)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))

    def forward(self, x):
        weights = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return x * weights.expand_as(x)
''',
    },
}

# ---------------------------------------------------------------- MBConv

MBCONV_TEMPLATE = '''
class MBConv(nn.Module):
    def __init__(self, in_channels, out_channels, expand_ratio, stride=1, kernel_size=3):
        super().__init__()
        hidden = in_channels * expand_ratio
        self.use_res_connect = {residual}
        layers = []
        if expand_ratio != 1:
            layers.append(nn.Sequential(nn.Conv2d(in_channels, hidden, 1, bias=False),
                                        nn.BatchNorm2d(hidden), nn.SiLU()))
        layers.append(nn.Sequential(nn.Conv2d(hidden, hidden, kernel_size, stride,
                                              kernel_size // 2, groups=hidden, bias=False),
                                    nn.BatchNorm2d(hidden), nn.SiLU()))
        layers.append(SqueezeExcitation(hidden, max(1, in_channels // 4), activation=nn.SiLU))
        layers.append(nn.Sequential(nn.Conv2d(hidden, out_channels, 1, bias=False),
                                    nn.BatchNorm2d(out_channels){project_act}))
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        out = self.block(x)
        return out + x if self.use_res_connect else out
'''


def mbconv(residual="stride == 1 and in_channels == out_channels", project_act=""):
    return MBCONV_TEMPLATE.format(residual=residual, project_act=project_act)


MBCONV = {
    "wrong": {
        "residual_when_channels_match": (mbconv(residual="in_channels == out_channels"),
                                         "only when"),
        "activation_after_project": (mbconv(project_act=", nn.SiLU()"),
                                     "activation after the projection"),
        "forbidden_torchvision_block": ('''
from torchvision.models.efficientnet import MBConv as TorchvisionMBConv, MBConvConfig


class MBConv(nn.Module):
    def __init__(self, in_channels, out_channels, expand_ratio, stride=1, kernel_size=3):
        super().__init__()
        config = MBConvConfig(expand_ratio, kernel_size, stride, in_channels, out_channels, 1)
        self.block = TorchvisionMBConv(config, 0.0, nn.BatchNorm2d).block
        self.use_res_connect = stride == 1 and in_channels == out_channels

    def forward(self, x):
        out = self.block(x)
        return out + x if self.use_res_connect else out
''', "forbidden"),
    },
    "correct": {
        "template": mbconv(),
        "append_and_shape_test": '''
class MBConv(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, expand_ratio: int, stride: int = 1,
                 kernel_size: int = 3) -> None:
        super().__init__()
        hidden = in_channels * expand_ratio
        self.block = nn.Sequential()
        if hidden != in_channels:
            self.block.append(nn.Sequential(nn.Conv2d(in_channels, hidden, 1, bias=False),
                                            nn.BatchNorm2d(hidden), nn.SiLU(inplace=True)))
        depthwise = nn.Conv2d(hidden, hidden, kernel_size, stride=stride,
                              padding=(kernel_size - 1) // 2, groups=hidden, bias=False)
        self.block.append(nn.Sequential(depthwise, nn.BatchNorm2d(hidden), nn.SiLU(inplace=True)))
        self.block.append(SqueezeExcitation(hidden, max(1, in_channels // 4), nn.SiLU))
        self.block.append(nn.Sequential(nn.Conv2d(hidden, out_channels, 1, bias=False),
                                        nn.BatchNorm2d(out_channels)))

    def forward(self, x):
        out = self.block(x)
        if out.shape == x.shape:
            out = out + x
        return out
''',
    },
}

# ---------------------------------------------------------------- compound scaling

SCALE = "def compound_scale(phi, alpha=1.2, beta=1.1, gamma=1.15):\n"
COMPOUND = {
    "wrong": {
        "linear_in_phi": (SCALE + "    return alpha * phi, beta * phi, gamma * phi\n",
                          "multiplies the coefficients by phi"),
        "width_first": (SCALE + "    return beta ** phi, alpha ** phi, gamma ** phi\n",
                        "wrong order"),
    },
    "correct": {
        "math_pow_list": SCALE + "    return [math.pow(c, phi) for c in (alpha, beta, gamma)]\n",
        "exp_log": SCALE + "    coefficients = (alpha, beta, gamma)\n"
                           "    d, w, r = (math.exp(phi * math.log(c)) for c in coefficients)\n"
                           "    return d, w, r\n",
    },
}

# ---------------------------------------------------------------- first_layer_grad_norm

GRAD = "def first_layer_grad_norm(depth, skip, channels=8, seed=0):\n"
GRAD_NORM = {
    "wrong": {
        "input_before_layers": (GRAD + '''    torch.manual_seed(seed)
    h = torch.randn(4, channels, 8, 8, dtype=torch.float64)
    convs = [nn.Conv2d(channels, channels, 3, padding=1, dtype=torch.float64) for _ in range(depth)]
    for conv in convs:
        h = h + torch.tanh(conv(h)) if skip else torch.tanh(conv(h))
    h.pow(2).mean().backward()
    return convs[0].weight.grad.norm().item()
''', "draws the input before"),
        "last_layer_gradient": (GRAD + '''    torch.manual_seed(seed)
    convs = [nn.Conv2d(channels, channels, 3, padding=1, dtype=torch.float64) for _ in range(depth)]
    h = torch.randn(4, channels, 8, 8, dtype=torch.float64)
    for conv in convs:
        h = h + torch.tanh(conv(h)) if skip else torch.tanh(conv(h))
    h.pow(2).mean().backward()
    return convs[-1].weight.grad.norm().item()
''', "last conv"),
    },
    "correct": {
        "autograd_grad": GRAD + '''    torch.manual_seed(seed)
    layers = nn.ModuleList(nn.Conv2d(channels, channels, 3, padding=1, dtype=torch.float64)
                           for _ in range(depth))
    x = torch.randn(4, channels, 8, 8, dtype=torch.float64)
    for layer in layers:
        x = x + layer(x).tanh() if skip else layer(x).tanh()
    (grad,) = torch.autograd.grad(x.square().mean(), [layers[0].weight])
    return float(torch.linalg.vector_norm(grad))
''',
        "append_loop": GRAD + '''    torch.manual_seed(seed)
    convs = []
    for _ in range(depth):
        convs.append(nn.Conv2d(channels, channels, kernel_size=3, padding=1, dtype=torch.float64))
    h = torch.randn((4, channels, 8, 8), dtype=torch.float64)
    for conv in convs:
        z = torch.tanh(conv(h))
        if skip:
            z = z + h
        h = z
    loss = (h ** 2).sum() / h.numel()
    loss.backward()
    return convs[0].weight.grad.pow(2).sum().sqrt().item()
''',
    },
}

MUTANTS = {
    "lenet5": LENET,
    "vgg_block": VGG,
    "basic_block": BASIC,
    "bottleneck": BOTTLENECK,
    "inception": INCEPTION,
    "squeeze_excitation": SQUEEZE,
    "mbconv": MBCONV,
    "compound_scale": COMPOUND,
    "first_layer_grad_norm": GRAD_NORM,
    "q_bottleneck": {"wrong": {"receptive_field": 'q_bottleneck = "a"\n'}},
    "q_skip_grad": {"wrong": {"overfitting": 'q_skip_grad = "d"\n'}},
    "q_flops": {"wrong": {"exactly_doubles": "q_flops = 8\n"}},
}

# Known-mistake diagnosis: what each wrong mutant does, in a student's words.  Each clause
# completes "this is what happens when ..." in the feedback of a submission that behaves alike.
MISTAKES = {
    "lenet5": {
        "relu_instead_of_tanh": "the activation is ReLU instead of LeNet-5's tanh",
        "max_pooling": "max pooling is used for the subsampling instead of average pooling",
    },
    "vgg_block": {
        "no_padding":
            "the 3x3 convs have no padding, so each one shrinks H and W instead of keeping them",
        "relu_only_at_end":
            "a single ReLU comes after the last conv instead of one ReLU after every conv",
    },
    "basic_block": {
        "relu_before_add":
            "the final ReLU is applied before adding the shortcut instead of after the addition",
        "projection_only_on_channel_change":
            "a stride-2 block with an unchanged channel count gets no projection shortcut",
        "shortcut_without_bn": "the projection shortcut has no BatchNorm after its 1x1 conv",
    },
    "bottleneck": {
        "stride_on_conv1":
            "the stride is put on the first 1x1 conv (as in the paper) instead of on the 3x3 conv2",
        "no_expansion": (
            "the expansion factor is left out: conv3 and the shortcut output planes channels, not"
            " planes * 4"),
    },
    "inception": {
        "wrong_order": (
            "the outputs of the second (3x3) and third (5x5) branches are swapped in the "
            "concatenation"),
        "paper_5x5": "the third branch uses the paper's 5x5 conv instead of torchvision's 3x3 conv",
    },
    "squeeze_excitation": {
        "max_squeeze":
            "each channel is squeezed by its global maximum instead of its global average",
        "no_sigmoid": (
            "the scale_activation (sigmoid) is not applied, so the channel weights are not "
            "squashed into (0, 1)"),
    },
    "mbconv": {
        "residual_when_channels_match": (
            "the residual connection is used whenever the channel counts match, even with a "
            "stride other than 1"),
        "activation_after_project":
            "an activation follows the 1x1 projection, so the projection is no longer linear",
    },
    "compound_scale": {
        "linear_in_phi":
            "the coefficients are multiplied by phi instead of raised to the power phi",
        "width_first": "the depth and width multipliers are swapped in the returned tuple",
    },
    "first_layer_grad_norm": {
        "input_before_layers": (
            "the input is drawn before the layers are built, so the seeded random numbers go to "
            "other tensors"),
        "last_layer_gradient":
            "the gradient norm of the last conv's weights is returned instead of the first conv's",
    },
    "q_bottleneck": {
        "receptive_field": "the 1x1 convs are thought to be there to enlarge the receptive field",
    },
    "q_skip_grad": {
        "overfitting": (
            "the first layer's gradient is thought not to change with depth, and deep plain nets "
            "to do worse only by overfitting"),
    },
    "q_flops": {
        "exactly_doubles": (
            "each step of phi is taken to double the FLOPs exactly, although alpha beta^2 gamma^2"
            " is only about 2"),
    },
}
