import pytest
import torch

from aigc_demo.data import fashion_mnist as fm
from aigc_demo.metrics.image import FMNISTEvaluator, generate_and_score
from tests.conftest import FMNIST_FIXTURE


@pytest.fixture(scope="module")
def evaluator(tiny_checkpoints):
    return FMNISTEvaluator.load(tiny_checkpoints / "evaluators" / "fmnist-classifier")


def test_real_images_score_near_the_reference_and_noise_scores_far(evaluator):
    x, y = fm.as_tensors("test", FMNIST_FIXTURE)
    real = evaluator.score(x[:100], y[:100], seed=0)
    noise = evaluator.score(torch.rand(100, 1, 28, 28) * 2 - 1, y[:100], seed=0)
    assert real["n"] == 100 and set(real["real_reference"]) >= {"fid_fmnist", "kid_fmnist", "is_fmnist"}
    assert real["generated"]["fid_fmnist"] < noise["generated"]["fid_fmnist"]
    assert 1.0 <= real["generated"]["is_fmnist"] <= 10.0


def test_scores_are_reproducible(evaluator):
    def sample_fn(labels, g):
        return torch.rand(len(labels), 1, 28, 28, generator=g) * 2 - 1

    a = generate_and_score(sample_fn, evaluator, 50, seed=3)
    b = generate_and_score(sample_fn, evaluator, 50, seed=3)
    assert a == b


def test_more_samples_than_the_reference_is_refused(evaluator):
    with pytest.raises(ValueError, match="at most"):
        evaluator.score(torch.zeros(1000, 1, 28, 28), None)
