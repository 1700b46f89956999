import pytest
import torch

from aigc_demo.data import fashion_mnist as fm
from aigc_demo.metrics.image import FMNISTEvaluator, generate_and_score
from tests.conftest import FMNIST_FIXTURE


@pytest.fixture(scope="module")
def evaluator(tiny_image_checkpoints):
    return FMNISTEvaluator.load(tiny_image_checkpoints / "evaluators" / "fmnist-classifier")


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


def test_a_copied_training_image_is_found_at_distance_zero(evaluator):
    from aigc_demo.images import from_uint8

    copies = from_uint8(evaluator.train_images[[5, 17]])
    dist, idx = evaluator.nearest_training(copies, k=3)
    assert idx[:, 0].tolist() == [5, 17]
    assert dist[:, 0].max() < 0.05 < evaluator.typical_nearest_distance()
    assert (dist[:, :-1] <= dist[:, 1:]).all()


def test_is_it_copying_for_a_model(tiny_image_checkpoints):
    from aigc_demo.studio import Studio

    r = Studio(tiny_image_checkpoints).nearest_training_images("dcgan", label="Bag", n=4, seed=2)
    assert len(r["rows"]) == 4 and all(len(row["neighbours"]) == 3 for row in r["rows"])
    assert r["typical_distance"] > 0 and r["output"].meta["seed"] == 2
