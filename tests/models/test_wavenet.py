"""models/wavenet.py: the loss, and cached sample-by-sample generation of the right length."""

import torch

from aigc_demo.models.wavenet import WaveNet, WaveNetConfig


def tiny():
    torch.manual_seed(0)
    return WaveNet(WaveNetConfig(classes=16, residual_channels=4, skip_channels=8, cond_channels=4, n_mels=8, hop=4,
                                 dilations=(1, 2))).eval()


def test_loss_and_generation():
    net = tiny()
    frames = 3
    mel = torch.randn(2, 8, frames + 2 * net.CONTEXT)
    targets = torch.randint(0, 16, (2, frames * 4))
    assert torch.isfinite(net.loss(targets, mel))
    a, b = (net.generate(mel, torch.Generator().manual_seed(3)) for _ in range(2))
    assert a.shape == (2, frames * 4) and torch.equal(a, b) and 0 <= a.min() and a.max() < 16
