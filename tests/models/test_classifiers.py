"""models/cnn_classifier.py and digit_classifier.py: logits and the metric features."""

import torch

from aigc_demo.models import digit_classifier
from aigc_demo.models.cnn_classifier import ClassifierConfig, CNNClassifier


def test_the_image_classifier_gives_logits_and_features():
    torch.manual_seed(0)
    net = CNNClassifier(ClassifierConfig(width=4, feature_dim=16)).eval()
    x = torch.rand(3, 1, 28, 28)
    assert net(x).shape == (3, 10) and net.features(x).shape == (3, 16)
    assert torch.equal(net(x), net(x))  # eval mode: no dropout


def test_the_digit_classifier_reads_64x64_log_mels():
    torch.manual_seed(0)
    net = digit_classifier.build(width=4).eval()
    mel = torch.rand(2, 1, 64, 64) * 2 - 1
    assert net(mel).shape == (2, 10)
    flat = mel[:, 0]  # augmentation works on (B, bands, frames)
    assert digit_classifier.augment(flat, torch.Generator().manual_seed(0)).shape == flat.shape
