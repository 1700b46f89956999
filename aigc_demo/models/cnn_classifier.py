"""The project's small CNN classifier: the feature extractor of every image and audio metric.

On 28x28 Fashion-MNIST (two blocks) it is the image metrics' classifier:
InceptionV3 (what standard FID uses) needs weights downloaded from the network and sees
28x28 grayscale clothes as 299x299 RGB photos. A classifier trained on Fashion-MNIST itself
is the usual stand-in for small datasets; its metrics are named FID-FMNIST, KID-FMNIST and
IS-FMNIST so nobody mistakes them for InceptionV3 figures.

The same small CNN, with three blocks on 64x64 inputs, is the spoken-digit classifier that
measures the audio models (models/digit_classifier.py): one network definition for both.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class ClassifierConfig:
    width: int = 32  # channels of the first conv block; doubled in the second
    feature_dim: int = 128  # the penultimate layer, used as the metric feature space
    n_classes: int = 10
    dropout: float = 0.3
    image_size: int = 28  # square inputs of this side
    blocks: int = 2  # conv blocks, each halving the side and doubling the channels


class CNNClassifier(nn.Module):
    def __init__(self, config: ClassifierConfig):
        super().__init__()
        self.config = config
        w = config.width

        def block(cin, cout):
            return nn.Sequential(
                nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(),
                nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(),
                nn.MaxPool2d(2),
            )

        widths = [1] + [w * 2**i for i in range(config.blocks)]
        self.body = nn.Sequential(*[block(a, b) for a, b in zip(widths, widths[1:])])  # 28x28 -> (B, 2w, 7, 7)
        side = config.image_size // 2**config.blocks
        self.to_features = nn.Sequential(
            nn.Flatten(), nn.Dropout(config.dropout),
            nn.Linear(widths[-1] * side * side, config.feature_dim), nn.ReLU(),
        )
        self.head = nn.Sequential(nn.Dropout(config.dropout), nn.Linear(config.feature_dim, config.n_classes))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """x: (B, 1, side, side) in [-1, 1] -> (B, feature_dim)."""
        return self.to_features(self.body(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))  # logits (B, n_classes)

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(self(x), y)

    def config_dict(self) -> dict:
        return asdict(self.config)


def augment(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Random shifts of up to 2 pixels and horizontal flips: makes the features robust to the
    small misplacements generated images have, instead of keying on exact pixel positions."""
    b = x.shape[0]
    flip = torch.rand(b, generator=generator, device=x.device) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    padded = F.pad(x, (2, 2, 2, 2), value=-1.0)
    dx, dy = torch.randint(0, 5, (2,), generator=generator).tolist()
    return padded[:, :, dy:dy + 28, dx:dx + 28]
