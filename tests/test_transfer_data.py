"""dlcore.data.load_transfer_task: the real path (Fashion-MNIST files and ResNet-18 weights in
torch.hub's cache), the announced offline stand-in (digits 5-9 with a small ResNet pretrained
on digits 0-4), DLCORE_OFFLINE without network, and the one-sentence failure."""

from __future__ import annotations

import pytest
import torch
from test_data import make_fashion

from dlcore import data, tinyresnet


@pytest.fixture
def hub(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """An empty torch.hub cache of its own ($TORCH_HOME)."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    return tmp_path / "torch"


def save_weights() -> dict[str, torch.Tensor]:
    """A (random) ResNet-18 state_dict where torchvision looks for the ImageNet weights."""
    from torchvision.models import resnet18

    torch.manual_seed(3)
    state = resnet18(weights=None).state_dict()
    path = data.resnet18_weights_file()
    path.parent.mkdir(parents=True)
    torch.save(state, path)
    return state


def test_real_path_from_local_files(tmp_path, hub, network, capsys) -> None:
    """With Fashion-MNIST files and cached weights: real data, no network, nothing printed?"""
    arrays = make_fashion(tmp_path / "d", n_train=400, n_test=7)
    state = save_weights()
    task = data.load_transfer_task(tmp_path / "d")
    assert not task.offline and not task.data.offline and not network
    assert capsys.readouterr().out == ""
    labels = torch.as_tensor(arrays["train-labels-idx1-ubyte"])
    expected = sum(min(int((labels == c).sum()), data.TRANSFER_PER_CLASS) for c in range(10))
    assert task.data.X_train.shape == (expected, 784) and task.data.X_test.shape == (7, 784)
    assert task.data.image_shape == (1, 28, 28) and task.data.n_classes == 10
    model = task.backbone(pretrained=True)
    assert torch.equal(model.conv1.weight, state["conv1.weight"])
    assert task.backbone(pretrained=False).fc.in_features == 512


def test_failed_download_is_announced_once(tmp_path, hub, network, capsys) -> None:
    """Without local files and network: one attempt, one line on stdout, the stand-in?"""
    task = data.load_transfer_task(tmp_path)
    out, err = capsys.readouterr()
    assert task.offline and task.name == "digits_5_to_9"
    assert len(network) == 1 and err == "" and out.count("\n") == 1
    assert "offline stand-in" in out and "download failed" in out


def test_weights_missing_means_standin(tmp_path, hub, network, capsys) -> None:
    """Fashion-MNIST alone (no cached weights), download=False: stand-in, no network?"""
    make_fashion(tmp_path)
    assert data.load_transfer_task(tmp_path, download=False).offline and not network
    assert "download=False" in capsys.readouterr().out


def test_offline_env_makes_no_network_attempt(tmp_path, hub, network, monkeypatch,
                                              capsys) -> None:
    """Does DLCORE_OFFLINE=1 give the stand-in at once, even with real files present?"""
    make_fashion(tmp_path)
    save_weights()
    monkeypatch.setenv("DLCORE_OFFLINE", "1")
    assert data.load_transfer_task(tmp_path).offline and not network
    assert "DLCORE_OFFLINE=1" in capsys.readouterr().out


def test_no_fallback_fails_in_one_sentence(tmp_path, hub, network) -> None:
    with pytest.raises(data.DataUnavailable) as info:
        data.load_transfer_task(tmp_path, download=False, fallback=False)
    message = str(info.value)
    assert "\n" not in message and "fallback=True" in message and not network


def test_standin_task_shapes() -> None:
    """Digits 5-9 relabelled 0-4, 30 training images per class, every test row of 5-9?"""
    task = data.offline_transfer()
    ds = task.data
    assert ds.X_train.shape == (150, 64) and ds.image_shape == (1, 8, 8)
    assert torch.bincount(ds.y_train).tolist() == [30] * 5
    digits = data.offline_images()
    assert len(ds.y_test) == int((digits.y_test >= 5).sum()) and ds.y_test.max() == 4
    assert ds.classes == ("5", "6", "7", "8", "9")


def test_standin_backbone_is_pretrained_on_the_other_digits() -> None:
    """Does the pretrained TinyResNet classify held-out digits 0-4 well, the same weights on
    every call, without touching the caller's random state?"""
    tinyresnet._pretrained_state.cache_clear()
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    model = data.offline_transfer().backbone(pretrained=True)
    again = data.offline_transfer().backbone()
    torch.manual_seed(123)
    assert torch.equal(torch.rand(3), expected_next), "pretraining moved the global RNG"
    assert torch.equal(model.layer2.conv1.weight, again.layer2.conv1.weight)
    digits = data.offline_images()
    rows = digits.y_test < 5
    model.eval()
    with torch.no_grad():
        pred = model(digits.X_test[rows].view(-1, 1, 8, 8)).argmax(1)    # (n,)
    assert float((pred == digits.y_test[rows]).float().mean()) > 0.9
    scratch = data.offline_transfer().backbone(pretrained=False)
    assert not torch.equal(scratch.layer2.conv1.weight, model.layer2.conv1.weight)
    assert scratch.fc.out_features == 5
