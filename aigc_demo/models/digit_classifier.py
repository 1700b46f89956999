"""The spoken-digit classifier: the measuring instrument of the audio models (like the
Fashion-MNIST classifier for images). It reads the shared 64x64 log-mel (aigc_demo/audio.py)
with the project's small CNN (three blocks; models/cnn_classifier.py), and is trained to
be robust to vocoder artefacts: half of its training clips are first passed through the
Griffin-Lim round trip (mel -> waveform -> mel), and all get SpecAugment masks, small time
shifts and gain changes. Otherwise a generated digit could be judged on how its vocoder
sounds rather than on which digit it says.
"""

from __future__ import annotations

import torch

from .cnn_classifier import ClassifierConfig, CNNClassifier


def digit_config(width: int = 32) -> ClassifierConfig:
    return ClassifierConfig(width=width, feature_dim=128, n_classes=10, dropout=0.3, image_size=64, blocks=3)


def build(width: int = 32) -> CNNClassifier:
    return CNNClassifier(digit_config(width))


def augment(mel: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """mel: (B, 64, 64) normalised log-mel in [-1, 1] (silence is -1)."""
    b, n_mels, n_frames = mel.shape
    out = mel.clone()
    # gain: a shift in the log domain, +-0.05 of the range (about x0.6 .. x1.7 in amplitude)
    out = out + (torch.rand(b, 1, 1, generator=generator) - 0.5) * 0.1
    # time shift of up to 6 frames, filling with silence
    shift = torch.randint(-6, 7, (b,), generator=generator)
    for i in range(b):
        out[i] = torch.roll(out[i], int(shift[i]), dims=-1)
        if shift[i] > 0:
            out[i, :, : int(shift[i])] = -1
        elif shift[i] < 0:
            out[i, :, int(shift[i]):] = -1
    # SpecAugment: one band of up to 8 mel bins and one span of up to 8 frames set to silence
    for i in range(b):
        f0, f = torch.randint(0, n_mels - 8, (1,), generator=generator).item(), torch.randint(0, 9, (1,), generator=generator).item()
        t0, t = torch.randint(0, n_frames - 8, (1,), generator=generator).item(), torch.randint(0, 9, (1,), generator=generator).item()
        out[i, f0:f0 + f, :] = -1
        out[i, :, t0:t0 + t] = -1
    return out.clamp(-1, 1)
