"""The offline stand-in backbone: a ResNet in miniature, pretrained here on digits 0-4.

It has torchvision's ResNet layout (``conv1``, ``bn1``, ``layer1..3`` of ``BasicBlock``s,
``avgpool``, ``fc``), so code written for ``resnet18`` (freeze, replace ``fc``) works on it
unchanged. Pretraining takes about a second on one CPU core, is seeded (the same weights on
every run of one machine) and is done once per process.
"""

from __future__ import annotations

import copy
import functools

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.resnet import BasicBlock

SOURCE_CLASSES = (0, 1, 2, 3, 4)  # the pretraining task: digits 0-4
PRETRAIN_EPOCHS, PRETRAIN_LR, PRETRAIN_BATCH = 12, 3e-3, 64


def _down(c_in: int, c_out: int) -> nn.Sequential:
    """The projection shortcut of a stride-2 block, as torchvision builds it."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=2, bias=False), nn.BatchNorm2d(c_out))


class TinyResNet(nn.Module):
    """stem (3x3 conv) -> 3 BasicBlocks (widths w, 2w, 4w; 8x8 -> 4x4 -> 2x2) -> pool -> fc."""

    def __init__(self, num_classes: int = 5, in_channels: int = 1, width: int = 16) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, width, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = BasicBlock(width, width)
        self.layer2 = BasicBlock(width, 2 * width, stride=2, downsample=_down(width, 2 * width))
        self.layer3 = BasicBlock(2 * width, 4 * width, stride=2,
                                 downsample=_down(2 * width, 4 * width))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4 * width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))                        # (B, w, H, W)
        x = self.layer3(self.layer2(self.layer1(x)))                  # (B, 4w, H/4, W/4)
        return self.fc(torch.flatten(self.avgpool(x), 1))             # (B, num_classes)


@functools.cache
def _pretrained_state() -> dict[str, torch.Tensor]:
    """Train a TinyResNet on the training rows of digits 0-4 (seeded, global RNG untouched)."""
    from dlcore.data import offline_images

    ds = offline_images()
    keep = torch.isin(ds.y_train, torch.tensor(SOURCE_CLASSES))       # (N,)
    X = ds.X_train[keep].view(-1, *ds.image_shape)                     # (n, 1, 8, 8)
    y = ds.y_train[keep]                                               # (n,)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = TinyResNet(len(SOURCE_CLASSES))
        optimizer = torch.optim.Adam(model.parameters(), lr=PRETRAIN_LR)
        model.train()
        for _ in range(PRETRAIN_EPOCHS):
            for idx in torch.randperm(len(X)).split(PRETRAIN_BATCH):
                loss = F.cross_entropy(model(X[idx]), y[idx])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def tiny_resnet(pretrained: bool = True) -> TinyResNet:
    """A new TinyResNet with a 5-class head: pretrained on digits 0-4, or randomly initialised
    (seeded by the caller's global RNG, like torchvision's ``weights=None``)."""
    if not pretrained:
        return TinyResNet(len(SOURCE_CLASSES))
    model = TinyResNet(len(SOURCE_CLASSES))
    model.load_state_dict(copy.deepcopy(_pretrained_state()))
    return model
