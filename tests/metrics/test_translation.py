"""The translation metrics on controls whose answer is known."""

import pytest
import torch

from aigc_demo.data import fashion_mnist
from aigc_demo.metrics.image import FMNISTEvaluator
from aigc_demo.metrics.translation import (best_real_match, check_targets, lowpass_correlation, score_direction,
                                          silhouette_iou)
from tests.conftest import FMNIST_FIXTURE


def test_shape_measures_on_known_pairs():
    x, y = fashion_mnist.as_tensors("test", FMNIST_FIXTURE)
    assert torch.allclose(silhouette_iou(x, x), torch.ones(len(x)))
    assert torch.allclose(lowpass_correlation(x, x), torch.ones(len(x)), atol=1e-5)
    shifted = torch.roll(x, 6, dims=3)
    assert silhouette_iou(x, shifted).mean() < 0.9 and lowpass_correlation(x, shifted).mean() < 0.9
    assert abs(float(lowpass_correlation(x, torch.rand_like(x) * 2 - 1).mean())) < 0.2  # noise keeps no shape


@pytest.fixture(scope="module")
def evaluator(tiny_image_checkpoints):
    return FMNISTEvaluator.load(tiny_image_checkpoints / "evaluators" / "fmnist-classifier")


def test_a_translator_that_does_nothing_keeps_the_shape_and_misses_the_target(evaluator):
    """The identity: shape kept perfectly (well above random pairs), no cycle error, and the
    target accuracy of the inputs themselves; a noise 'translator' keeps no shape."""
    x, y = fashion_mnist.as_tensors("test", FMNIST_FIXTURE)
    xt, yt = fashion_mnist.as_tensors("train", FMNIST_FIXTURE)
    sneakers, boots, boots_train = x[y == 7], x[y == 9], xt[yt == 9][:10]
    same = score_direction(lambda b: (b, b), evaluator, sneakers, 9, boots, boots_train)
    t = same["translated"]
    assert t["silhouette_iou"] == pytest.approx(1.0) and t["cycle_l1"] == 0
    assert t["silhouette_iou_margin"] > 0.1 and t["lowpass_correlation_margin"] > 0.1
    assert t["target_accuracy"] == same["untranslated"]["target_accuracy"]
    assert t["lowpass_retrieval_top1"] == 1.0 and t["lowpass_retrieval_top1_chance"] == 1 / len(sneakers)
    assert t["fid_fmnist"] == pytest.approx(same["untranslated"]["fid_fmnist"])
    g = torch.Generator().manual_seed(0)
    noise = score_direction(lambda b: (torch.rand(b.shape, generator=g) * 2 - 1,) * 2, evaluator, sneakers, 9, boots,
                            boots_train)["translated"]
    assert abs(noise["lowpass_correlation_margin"]) < 0.1 and noise["lowpass_correlation"] < 0.3
    assert noise["lowpass_retrieval_top1"] <= 0.3  # 10 inputs: chance is 0.1
    bars = check_targets("cyclegan", {"a_to_b": same})
    assert {(b["metric"], b["direction"]) for b in bars} == {
        ("target_accuracy", "a_to_b"), ("silhouette_iou_margin", "a_to_b"), ("lowpass_correlation_margin", "a_to_b"),
        ("lowpass_retrieval_top1", "a_to_b")}
    shape = [b for b in bars if b["metric"] != "target_accuracy"]
    assert all(b["met"] for b in shape)  # the input itself keeps its shape better than any real boot
    noise_bars = check_targets("cyclegan", {"a_to_b": {**same, "translated": noise}})
    assert not any(b["met"] for b in noise_bars if b["metric"] != "target_accuracy")


def test_best_real_match_finds_the_input_itself_when_the_pool_holds_it():
    """The positive reference: from a pool that holds the inputs among other images, every
    input's best match is itself (IoU and correlation 1, retrieval 1); from a pool of
    another class, it scores lower on every figure."""
    x, y = fashion_mnist.as_tensors("test", FMNIST_FIXTURE)
    sneakers, others = x[y == 7], x[y != 7]
    perm = torch.roll(torch.arange(len(sneakers)), 1)
    best = best_real_match(sneakers, torch.cat([others, sneakers]), perm)
    assert best["silhouette_iou"] == pytest.approx(1.0) and best["lowpass_correlation"] == pytest.approx(1.0, abs=1e-5)
    assert best["lowpass_retrieval_top1"] == 1.0 and best["pool"] == len(others) + len(sneakers)
    elsewhere = best_real_match(sneakers, others, perm)
    for k in ("silhouette_iou", "silhouette_iou_margin", "lowpass_correlation", "lowpass_retrieval_top1"):
        assert elsewhere[k] < best[k], k
