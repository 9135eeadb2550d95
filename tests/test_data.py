"""dlcore.data: real loaders on tiny files in the real formats, the announced offline
stand-in, DLCORE_OFFLINE without network, and the one-sentence failure."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pytest
import torch

from dlcore import data

RAW = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
       "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def write_idx(path: Path, array: np.ndarray) -> None:
    """IDX (ubyte): magic 0x0000 08 <ndim>, big-endian int32 dims, then the bytes."""
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, ">i4").tobytes()
    path.write_bytes(header + np.ascontiguousarray(array, np.uint8).tobytes())


def make_fashion(root: Path, n_train: int = 12, n_test: int = 5) -> dict[str, np.ndarray]:
    """Uncompressed raw files where torchvision looks: root/FashionMNIST/raw/."""
    g = np.random.default_rng(0)
    arrays = {"train-images-idx3-ubyte": g.integers(0, 256, (n_train, 28, 28)),
              "train-labels-idx1-ubyte": g.integers(0, 10, n_train),
              "t10k-images-idx3-ubyte": g.integers(0, 256, (n_test, 28, 28)),
              "t10k-labels-idx1-ubyte": g.integers(0, 10, n_test)}
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for name, array in arrays.items():
        write_idx(raw / name, array)
    return arrays


def make_california(root: Path, n: int = 30) -> np.ndarray:
    """scikit-learn's cache: a joblib dump of the raw (n, 9) table, target column first."""
    g = np.random.default_rng(1)
    table = np.column_stack([g.uniform(1e4, 5e5, n), g.uniform(0.5, 15, n),
                             g.integers(1, 52, n), g.uniform(500, 5000, n),
                             g.uniform(100, 900, n), g.uniform(300, 3000, n),
                             g.uniform(100, 800, n), g.uniform(32, 42, n),
                             g.uniform(-124, -114, n)])
    root.mkdir(parents=True, exist_ok=True)
    joblib.dump(table, root / "cal_housing_py3.pkz", compress=6)
    return table


def test_fashion_real_path_from_local_files(tmp_path, network, capsys) -> None:
    """Are local IDX files read by torchvision's reader, with no network and no announcement?"""
    arrays = make_fashion(tmp_path)
    ds = data.load_fashion_mnist(tmp_path)
    assert not network and not ds.offline and ds.name == "fashion_mnist"
    assert ds.X_train.shape == (12, 784) and ds.X_test.shape == (5, 784)
    assert ds.X_train.dtype == torch.float32 and ds.y_train.dtype == torch.int64
    assert ds.image_shape == (1, 28, 28) and ds.n_classes == 10
    expected = torch.tensor(arrays["train-images-idx3-ubyte"].reshape(12, -1) / 255,
                            dtype=torch.float32)  # (12, 784)
    assert torch.allclose(ds.X_train, expected)
    assert ds.y_test.tolist() == arrays["t10k-labels-idx1-ubyte"].tolist()
    assert capsys.readouterr() == ("", "")


def test_california_real_path_from_cache(tmp_path, network, capsys) -> None:
    """Is scikit-learn's cached archive used, with its feature engineering and target in $100k?"""
    table = make_california(tmp_path)
    ds = data.load_california_housing(tmp_path)
    assert not network and not ds.offline and ds.task == "regression"
    assert ds.X_train.shape == (24, 8) and ds.X_test.shape == (6, 8)
    assert ds.X_train.dtype == torch.float32 and ds.y_train.dtype == torch.float32
    targets = torch.cat([ds.y_train, ds.y_test]).sort().values  # (30,)
    assert torch.allclose(targets, torch.tensor(np.sort(table[:, 0]) / 1e5, dtype=torch.float32))
    assert ds.feature_names[0] == "MedInc"
    assert capsys.readouterr() == ("", "")


def test_default_root_is_dlcore_data(tmp_path, network, monkeypatch) -> None:
    """Without a root argument, is $DLCORE_DATA searched?"""
    make_fashion(tmp_path / "d")
    monkeypatch.setenv("DLCORE_DATA", str(tmp_path / "d"))
    assert data.data_root() == tmp_path / "d"
    assert not data.load_fashion_mnist().offline and not network


@pytest.mark.parametrize("loader, standin", [(data.load_fashion_mnist, "digits"),
                                             (data.load_california_housing, "diabetes")])
def test_failed_download_is_announced_once(tmp_path, network, capsys, loader, standin) -> None:
    """Without local files and network: one download attempt, then a one-line announcement on
    stdout (nothing on stderr) and the stand-in?"""
    ds = loader(tmp_path)
    out, err = capsys.readouterr()
    assert ds.offline and ds.name == standin
    assert len(network) == 1, f"{len(network)} connection attempts"
    assert err == "" and out.count("\n") == 1 and "offline stand-in" in out
    assert "download failed" in out


@pytest.mark.parametrize("loader", [data.load_fashion_mnist, data.load_california_housing])
def test_offline_env_makes_no_network_attempt(tmp_path, network, monkeypatch, capsys,
                                              loader) -> None:
    """Does DLCORE_OFFLINE=1 give the stand-in at once, even with real files present?"""
    make_fashion(tmp_path)
    make_california(tmp_path)
    monkeypatch.setenv("DLCORE_OFFLINE", "1")
    ds = loader(tmp_path)
    assert ds.offline and not network
    assert "DLCORE_OFFLINE=1" in capsys.readouterr().out


def test_download_false_makes_no_network_attempt(tmp_path, network, capsys) -> None:
    """Does download=False fall back without trying the network?"""
    assert data.load_california_housing(tmp_path, download=False).offline
    assert not network and "download=False" in capsys.readouterr().out


@pytest.mark.parametrize("download", [True, False])
def test_no_fallback_fails_in_one_sentence(tmp_path, network, capsys, download) -> None:
    """With fallback=False, is the failure one clear sentence with no chained errors?"""
    with pytest.raises(data.DataUnavailable) as info:
        data.load_fashion_mnist(tmp_path, download=download, fallback=False)
    message = str(info.value)
    assert "\n" not in message and message.endswith(".") and message.count(". ") == 0
    assert message.startswith("Fashion-MNIST is unavailable") and "fallback=True" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert len(network) == (1 if download else 0)
    assert capsys.readouterr().out == ""


def test_standins_shapes_and_determinism() -> None:
    """Are the stand-ins shaped, typed and split as documented, the same on every call?"""
    images, again = data.offline_images(), data.offline_images()
    assert images.X_train.shape == (1438, 64) and images.X_test.shape == (359, 64)
    assert images.X_train.dtype == torch.float32 and images.y_train.dtype == torch.int64
    assert 0 <= images.X_train.min() and images.X_train.max() <= 1
    assert images.image_shape == (1, 8, 8) and images.n_classes == 10
    assert torch.equal(images.X_train, again.X_train)
    reg = data.offline_regression()
    assert reg.X_train.shape == (354, 10) and reg.y_test.shape == (88,)
    assert reg.y_train.dtype == torch.float32 and reg.task == "regression"
    assert reg.X_train[:, 1].unique().tolist() == [1.0, 2.0]  # unscaled: sex is 1 or 2
