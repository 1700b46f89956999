"""models/istft_wavenet.py: shapes, the least-squares start (silence stays silent), the
anti-wrapped phase loss, and a few training steps that lower the loss on a real waveform."""

import math

import pytest
import torch

from aigc_demo.audio import LogMel
from aigc_demo.models.istft_wavenet import (ISTFTWaveNet, ISTFTWaveNetConfig, anti_wrapped, loss_parts, phase_loss,
                                            stft_loss)


def tiny(**kw):
    torch.manual_seed(0)
    return ISTFTWaveNet(ISTFTWaveNetConfig(channels=16, dilations=(1, 2), **kw))


def voiced(seconds: float = 1.0) -> torch.Tensor:
    """A vowel-like test signal: 140 Hz with its harmonics, under an envelope, silence around."""
    t = torch.arange(int(16000 * seconds)) / 16000
    tone = sum(torch.sin(2 * math.pi * 140 * k * t) / k for k in range(1, 20))
    envelope = torch.exp(-((t - seconds / 2) / 0.12) ** 2)
    return (0.8 * tone * envelope / (tone * envelope).abs().max())[None]


def test_shapes_and_determinism():
    net = tiny().eval()
    mel = LogMel()(voiced())
    wave, spectrum = net(mel, with_spectrum=True)
    assert mel.shape == (1, 64, 64) and wave.shape == (1, 16000) and spectrum.shape == (1, 513, 65)
    assert torch.equal(wave, net(mel))  # no noise: the same mel gives the same waveform


def test_training_starts_from_the_least_squares_magnitudes():
    """The correction layer starts at zero: the magnitudes are the mel's least-squares
    inversion, so a silent mel gives silence (not a hiss) and a voiced one its envelope."""
    net = tiny().eval()
    silent = net(torch.full((2, 64, 64), -1.0))
    assert silent.abs().max() < 1e-3
    clip = voiced()
    spectrum = net.spectrum(LogMel()(clip))
    real = net.stft(clip)
    loud = real.abs().mean(1).squeeze(0) > real.abs().mean() * 0.5  # the voiced frames
    ratio = spectrum.abs().sum(1)[0, loud] / real.abs().sum(1)[0, loud]
    assert 0.3 < ratio.median() < 3.0  # the right level where there is sound


def test_phase_loss_goes_round_the_circle():
    assert anti_wrapped(torch.tensor(2 * math.pi - 0.1)).item() == pytest.approx(0.1, abs=1e-5)
    x = torch.polar(torch.rand(2, 9, 5) + 0.1, torch.rand(2, 9, 5) * 6)
    assert phase_loss(x, x * torch.polar(torch.tensor(1.0), torch.tensor(2 * math.pi))).item() < 1e-5
    assert phase_loss(x, -x).item() == pytest.approx(math.pi, abs=1e-4)  # a half-turn: pi, no difference terms


def test_a_few_steps_lower_the_loss():
    net = tiny().train()
    clip = voiced()
    mel, criterion = LogMel()(clip), stft_loss()
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    first = None
    for _ in range(25):
        parts = loss_parts(net, mel, clip, criterion)
        assert set(parts) == {"loss", "stft_loss", "magnitude_loss", "phase_loss"}
        first = first or {k: v.item() for k, v in parts.items()}
        opt.zero_grad()
        parts["loss"].backward()
        opt.step()
    assert parts["loss"].item() < 0.85 * first["loss"] and parts["stft_loss"].item() < 0.85 * first["stft_loss"]


def test_the_judges_see_the_same_half_second_and_learn_to_tell_real_from_noise():
    from aigc_demo.models.istft_wavenet import (DiscriminatorConfig, Discriminators, adversarial_parts,
                                                discriminator_loss)

    torch.manual_seed(0)
    judges = Discriminators(DiscriminatorConfig(channels=4, segment=4000))
    real = voiced().repeat(4, 1)
    noise = torch.randn_like(real) * real.std()
    a, b = judges.crop(real, 2 * real, generator=torch.Generator().manual_seed(1))
    assert a.shape == (4, 4000) and torch.equal(b, 2 * a)  # the same place in both
    assert not torch.equal(a[0], a[1])  # a place of its own for each clip
    assert len(judges(a)) == 5 + 3 and all(f[-1].shape[1] == 1 for f in judges(a))  # 5 periods, 3 resolutions
    opt = torch.optim.Adam(judges.parameters(), lr=1e-3)
    first = discriminator_loss(judges, real, noise).item()
    for _ in range(30):
        opt.zero_grad()
        discriminator_loss(judges, real, noise).backward()
        opt.step()
    assert discriminator_loss(judges, real, noise).item() < 0.5 * first
    # the vocoder's side: fooling them costs more for noise than for the real clip itself,
    # and its gradient reaches the made waveform (not the real one, which is detached)
    made = noise.clone().requires_grad_(True)
    parts = adversarial_parts(judges, real, made)
    assert parts["adversarial_loss"] > adversarial_parts(judges, real, real)["adversarial_loss"]
    assert adversarial_parts(judges, real, real)["feature_loss"].item() == 0.0
    sum(parts.values()).backward()
    assert made.grad.abs().sum() > 0
