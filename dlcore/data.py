"""Course data sets: Fashion-MNIST, California Housing and a transfer-learning task, each with
an announced offline stand-in.

Each loader tries, in order:

1. the local copy in ``root`` (default ``$DLCORE_DATA``, else ``~/.cache/dlcore``), no network;
2. one download (torchvision / scikit-learn's real source), unless ``download=False``;
3. the offline stand-in from scikit-learn's bundled data (``load_digits`` for images,
   ``load_diabetes`` for regression), announced with one line on stdout;
4. ``DataUnavailable`` with a one-sentence message when ``fallback=False``.

``DLCORE_OFFLINE=1`` (set by the grading sandbox and in CI) skips steps 1 and 2: the stand-in
is used at once, without touching the network, so every machine sees the same data.

``load_transfer_task`` pairs a small labelled image set with a backbone pretrained on another
task: real, a few Fashion-MNIST images per class and torchvision's ImageNet ``resnet18``
weights; offline, digits 5-9 and a small ResNet pretrained here on digits 0-4
(``dlcore.tinyresnet``).

Conventions of the returned ``Dataset``: images are flattened float32 rows in [0, 1]
(``X.view(-1, *ds.image_shape)`` restores ``(N, 1, H, W)``); class labels are int64; tabular
features and regression targets are float32 and *unscaled* (scaling is the user's job).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

TEST_FRACTION = 0.2  # held-out share for data sets without an official test split
SPLIT_SEED = 0


class DataUnavailable(RuntimeError):
    """The real data could not be had and the caller refused the stand-in (one sentence)."""


@dataclass(frozen=True)
class Dataset:
    """A train/test pair of tensors and where they came from."""

    name: str  # "fashion_mnist", "digits", "california_housing" or "diabetes"
    task: str  # "classification" or "regression"
    X_train: torch.Tensor = field(repr=False)  # (N_train, D) float32
    y_train: torch.Tensor = field(repr=False)  # (N_train,) int64 classes / float32 targets
    X_test: torch.Tensor = field(repr=False)  # (N_test, D) float32
    y_test: torch.Tensor = field(repr=False)  # (N_test,)
    offline: bool  # True when this is the offline stand-in
    image_shape: tuple[int, int, int] | None = None  # (C, H, W) of one image row
    classes: tuple[str, ...] = ()  # class names, classification only
    feature_names: tuple[str, ...] = ()  # column names, tabular data only

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def summary(self) -> str:
        """One line: name, task, shapes, source."""
        source = "offline stand-in" if self.offline else "real data"
        return (f"{self.name} ({self.task}, {source}): X_train {tuple(self.X_train.shape)}, "
                f"X_test {tuple(self.X_test.shape)}")


def data_root(root: str | Path | None = None) -> Path:
    """``root``, else ``$DLCORE_DATA``, else ``~/.cache/dlcore``."""
    chosen = root or os.environ.get("DLCORE_DATA") or Path("~") / ".cache" / "dlcore"
    return Path(chosen).expanduser()


def offline_forced() -> bool:
    return os.environ.get("DLCORE_OFFLINE", "").strip().lower() not in ("", "0", "false", "no")


def load_fashion_mnist(root: str | Path | None = None, *, download: bool = True,
                       fallback: bool = True) -> Dataset:
    """Fashion-MNIST (60000 / 10000 images 28x28, 10 classes); stand-in: sklearn digits."""
    where = data_root(root)
    return _load("Fashion-MNIST", where, lambda: _fashion_local(where),
                 lambda: _fashion_download(where), offline_images, download, fallback)


def load_california_housing(root: str | Path | None = None, *, download: bool = True,
                            fallback: bool = True) -> Dataset:
    """California Housing (20640 rows, 8 features, target in $100k), 80/20 split; stand-in:
    sklearn diabetes.  ``root`` is scikit-learn's ``data_home``."""
    where = data_root(root)
    return _load("California Housing", where, lambda: _california_local(where),
                 lambda: _california_download(where), offline_regression, download, fallback)


def _load(label: str, where: Path, local: Callable[[], Dataset | None],
          fetch: Callable[[], None], standin: Callable[[], Dataset], download: bool,
          fallback: bool) -> Dataset:
    if offline_forced():
        reason = "DLCORE_OFFLINE=1 is set"
    else:
        found = local()
        if found is not None:
            return found
        reason = f"no local copy in {where}"
        if not download:
            reason += " and download=False"
        else:
            try:
                with _socket_timeout(float(os.environ.get("DLCORE_DOWNLOAD_TIMEOUT", "30"))):
                    fetch()
            except Exception as exc:  # noqa: BLE001 (any failure means: no real data)
                reason += f" and the download failed ({_short(exc)})"
            else:
                found = local()
                if found is not None:
                    return found
                reason += " and the downloaded files could not be read"
    if not fallback:
        raise DataUnavailable(f"{label} is unavailable: {reason}; pass fallback=True to use "
                              "the offline stand-in.") from None
    data = standin()
    print(f"dlcore.data: {label} unavailable ({reason}); using the offline stand-in "
          f"'{data.name}' {tuple(data.X_train.shape)} from scikit-learn.", flush=True)
    return data


def _short(exc: BaseException) -> str:
    """The last line of an error, e.g. torchvision's multi-line mirror report."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    text = (lines[-1] if lines else type(exc).__name__).strip("<>")
    return text[:160]


@contextlib.contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    """A blackholed network fails after ``seconds`` instead of hanging."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


# ---------------------------------------------------------------- Fashion-MNIST

def _fashion_local(root: Path) -> Dataset | None:
    """torchvision's reader on ``root/FashionMNIST/raw/*-ubyte``; None if absent or unreadable."""
    from torchvision.datasets import FashionMNIST

    try:
        train = FashionMNIST(str(root), train=True, download=False)
        test = FashionMNIST(str(root), train=False, download=False)
    except (RuntimeError, AssertionError, ValueError, TypeError, OSError):
        return None
    h, w = train.data.shape[1:]
    return Dataset("fashion_mnist", "classification",
                   train.data.reshape(len(train.data), -1).float() / 255,  # (N, H*W)
                   train.targets.long(),                                   # (N,)
                   test.data.reshape(len(test.data), -1).float() / 255,    # (M, H*W)
                   test.targets.long(),                                    # (M,)
                   offline=False, image_shape=(1, int(h), int(w)),
                   classes=tuple(FashionMNIST.classes))


def _fashion_download(root: Path) -> None:
    """torchvision's download: its one mirror, each file tried once."""
    from torchvision.datasets import FashionMNIST

    FashionMNIST(str(root), train=True, download=True)


# ---------------------------------------------------------------- California Housing

def _california_local(root: Path) -> Dataset | None:
    """scikit-learn's cache ``root/cal_housing_py3.pkz``, read without network."""
    from sklearn.datasets import fetch_california_housing

    try:
        bunch = fetch_california_housing(data_home=str(root), download_if_missing=False)
    except (OSError, ValueError, EOFError):
        return None
    return _tabular("california_housing", bunch.data, bunch.target, bunch.feature_names,
                    offline=False)


def _california_download(root: Path) -> None:
    """One GET of scikit-learn's archive (sklearn itself retries), checked by its sha256,
    then scikit-learn unpacks it into its cache (version >= 1.6 reuses the verified file)."""
    from sklearn.datasets import _california_housing, fetch_california_housing

    archive = _california_housing.ARCHIVE
    root.mkdir(parents=True, exist_ok=True)
    part = root / (archive.filename + ".part")
    with urllib.request.urlopen(archive.url) as response, open(part, "wb") as fh:
        shutil.copyfileobj(response, fh)
    digest = hashlib.sha256(part.read_bytes()).hexdigest()
    if digest != archive.checksum:
        part.unlink()
        raise OSError(f"{archive.filename} has the wrong checksum")
    part.replace(root / archive.filename)
    fetch_california_housing(data_home=str(root), download_if_missing=True)


# ---------------------------------------------------------------- offline stand-ins

def offline_images() -> Dataset:
    """sklearn's bundled digits: 1797 images 8x8 (values 0..16 scaled to [0, 1]), 10 classes."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = torch.tensor(digits.data, dtype=torch.float32) / 16  # (1797, 64)
    y = torch.tensor(digits.target, dtype=torch.int64)       # (1797,)
    return Dataset("digits", "classification", *_split(X, y), offline=True,
                   image_shape=(1, 8, 8), classes=tuple(str(c) for c in range(10)))


def offline_regression() -> Dataset:
    """sklearn's bundled diabetes data, unscaled: 442 rows, 10 features, a disease score."""
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes(scaled=False)
    return _tabular("diabetes", bunch.data, bunch.target, bunch.feature_names, offline=True)


def _tabular(name: str, data: np.ndarray, target: np.ndarray, names: list[str],
             offline: bool) -> Dataset:
    X = torch.tensor(np.asarray(data), dtype=torch.float32)    # (N, D)
    y = torch.tensor(np.asarray(target), dtype=torch.float32)  # (N,)
    return Dataset(name, "regression", *_split(X, y), offline=offline,
                   feature_names=tuple(names))


def _split(X: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """A fixed 80/20 train/test split (the same on every machine)."""
    n = len(X)
    order = torch.from_numpy(np.random.default_rng(SPLIT_SEED).permutation(n))  # (N,)
    n_test = int(round(TEST_FRACTION * n))
    test, train = order[:n_test], order[n_test:]
    return X[train], y[train], X[test], y[test]


# ---------------------------------------------------------------- transfer learning

TRANSFER_PER_CLASS = 30  # labelled training images per class in a transfer task
TRANSFER_TEST = 2000  # real data: the first test images kept (CPU-sized evaluation)


@dataclass(frozen=True)
class TransferTask:
    """A small target data set and the backbone to transfer to it (real and offline alike:
    ``backbone()`` has torchvision's ResNet layout with its head in ``.fc``)."""

    data: Dataset
    backbone: Callable[..., torch.nn.Module] = field(repr=False)  # backbone(pretrained=True)
    source_task: str  # what the pretrained backbone was trained on
    offline: bool

    @property
    def name(self) -> str:
        return self.data.name

    @property
    def X_train(self) -> torch.Tensor:
        return self.data.X_train


def load_transfer_task(root: str | Path | None = None, *, download: bool = True,
                       fallback: bool = True) -> TransferTask:
    """Fashion-MNIST (30 images per class, 2000 test images) with ImageNet ResNet-18 weights
    (``torch.hub``'s cache); stand-in: digits 5-9 with a small ResNet pretrained on 0-4."""
    where = data_root(root)
    return _load("Fashion-MNIST with ResNet-18 ImageNet weights", where,
                 lambda: _transfer_local(where), lambda: _transfer_download(where),
                 offline_transfer, download, fallback)


def resnet18_weights_file() -> Path:
    """Where torchvision keeps ``ResNet18_Weights.DEFAULT`` (``$TORCH_HOME/hub/checkpoints``)."""
    from torchvision.models import ResNet18_Weights

    url = ResNet18_Weights.DEFAULT.url
    return Path(torch.hub.get_dir()) / "checkpoints" / url.rsplit("/", 1)[-1]


def _resnet18(pretrained: bool = True) -> torch.nn.Module:
    from torchvision.models import ResNet18_Weights, resnet18

    return resnet18(weights=ResNet18_Weights.DEFAULT if pretrained else None)


def _transfer_local(root: Path) -> TransferTask | None:
    fashion = _fashion_local(root)
    if fashion is None or not resnet18_weights_file().is_file():
        return None
    train = _first_per_class(fashion.y_train, TRANSFER_PER_CLASS)  # (k * C,)
    data = Dataset("fashion_mnist_small", "classification", fashion.X_train[train],
                   fashion.y_train[train], fashion.X_test[:TRANSFER_TEST],
                   fashion.y_test[:TRANSFER_TEST], offline=False,
                   image_shape=fashion.image_shape, classes=fashion.classes)
    return TransferTask(data, _resnet18, "ImageNet (1000 classes, ResNet-18)", offline=False)


def _transfer_download(root: Path) -> None:
    """torchvision's downloads: Fashion-MNIST (unless local), then the ResNet-18 weights."""
    from torchvision.models import ResNet18_Weights

    if _fashion_local(root) is None:
        _fashion_download(root)
    ResNet18_Weights.DEFAULT.get_state_dict(progress=False)


def _first_per_class(y: torch.Tensor, k: int) -> torch.Tensor:
    """Indices of the first k rows of each class, in row order."""
    rank = torch.zeros_like(y)                                     # (N,)
    for c in y.unique():
        rows = (y == c).nonzero().flatten()                        # (n_c,)
        rank[rows] = torch.arange(len(rows))
    return (rank < k).nonzero().flatten()                          # (<= k * C,)


def offline_transfer() -> TransferTask:
    """Digits 5-9 (labels 0-4; 30 training images per class, all test rows) and a TinyResNet
    pretrained on the training rows of digits 0-4."""
    from dlcore.tinyresnet import tiny_resnet

    digits = offline_images()
    tr = digits.y_train >= 5                                       # (N_train,)
    te = digits.y_test >= 5                                        # (N_test,)
    X_tr, y_tr = digits.X_train[tr], digits.y_train[tr] - 5        # (n, 64), (n,)
    keep = _first_per_class(y_tr, TRANSFER_PER_CLASS)              # (150,)
    data = Dataset("digits_5_to_9", "classification", X_tr[keep], y_tr[keep],
                   digits.X_test[te], digits.y_test[te] - 5, offline=True,
                   image_shape=digits.image_shape, classes=("5", "6", "7", "8", "9"))
    return TransferTask(data, tiny_resnet, "digits 0-4 (TinyResNet)", offline=True)
