"""Standard FID (InceptionV3): reported only with the real weights, otherwise 'unavailable'
with the reason. The official weights cannot be downloaded here, so the computing path runs
on a randomly initialised InceptionV3 saved in the official format (what the download would
give, with other numbers), accepted by pointing the checksum at it."""

import math
import urllib.error

import pytest
import torch

from aigc_demo.metrics import inception
from tests.conftest import FMNIST_FIXTURE


@pytest.fixture(scope="module")
def random_weights(tmp_path_factory):
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

    cls = FeatureExtractorInceptionV3
    with pytest.MonkeyPatch.context() as mp:  # build the network without loading (downloading) weights
        mp.setattr("torch_fidelity.feature_extractor_inceptionv3.load_state_dict_from_url", lambda *a, **k: {})
        mp.setattr(cls, "load_state_dict", lambda self, *a, **k: None)
        net = cls("inception-v3-compat", ["2048"])
    path = tmp_path_factory.mktemp("inception") / inception.WEIGHTS_FILE
    torch.save(net.state_dict(), path)
    return path


def _images(n, seed=0):
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_fewer_than_ten_thousand_samples_are_not_standard_fid():
    r = inception.record(_images(20), seed=0)
    assert r == {"available": False, "reason": "standard FID needs at least 10,000 samples; this run drew 20"}


def test_offline_without_a_file_it_is_unavailable_and_says_why(monkeypatch, tmp_path):
    def offline(*args, **kwargs):  # what urlopen says with no network
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))  # an empty cache
    monkeypatch.setattr(inception.urllib.request, "urlopen", offline)
    r = inception.record(_images(20), seed=0, data_dir=FMNIST_FIXTURE, min_samples=10)
    assert not r["available"] and "cannot be downloaded" in r["reason"] and "--inception-weights" in r["reason"]
    assert not (tmp_path / "checkpoints" / inception.WEIGHTS_FILE).exists()


def test_only_the_official_weights_file_is_accepted(tmp_path, random_weights):
    with pytest.raises(inception.Unavailable, match="no InceptionV3 weights file"):
        inception.find_weights(tmp_path / "missing.pth")
    # a stand-in with another checksum is refused: the figure would not be standard FID
    with pytest.raises(inception.Unavailable, match="is not the InceptionV3 weights file"):
        inception.find_weights(random_weights)


def test_pickled_code_is_refused_even_with_the_right_checksum(monkeypatch, tmp_path):
    import hashlib

    bad = tmp_path / "evil.pth"
    torch.save({"w": torch.zeros(1), "code": print}, bad)  # a pickle that would call into Python
    monkeypatch.setattr(inception, "WEIGHTS_SHA256_PREFIX", hashlib.sha256(bad.read_bytes()).hexdigest()[:8])
    with pytest.raises(inception.Unavailable, match="does not load as a plain state dict"):
        inception.find_weights(bad)


def test_with_the_weights_it_measures_fid_and_its_real_reference(monkeypatch, random_weights):
    import hashlib

    monkeypatch.setattr(inception, "WEIGHTS_SHA256_PREFIX", hashlib.sha256(random_weights.read_bytes()).hexdigest()[:8])
    images = _images(10)
    r = inception.record(images, seed=0, weights_path=random_weights, data_dir=FMNIST_FIXTURE, min_samples=10)
    assert r["available"] and r["n"] == 10 and r["weights"] == inception.WEIGHTS_FILE
    assert math.isfinite(r["value"]) and math.isfinite(r["real_reference"])
    # noise is farther from real test images than real training images are
    assert r["value"] > r["real_reference"] >= 0
    again = inception.record(images, seed=0, weights_path=random_weights, data_dir=FMNIST_FIXTURE, min_samples=10)
    assert again["value"] == r["value"]
