"""metrics/prompts.py on real pictures: the attribute instruments can fail. Real pictures
scored against the word their own caption holds must beat the same pictures scored against
the opposite word (a negative control), and a picture that ignores the word lands between."""

import numpy as np
import pytest

from aigc_demo.data import captions as cap
from aigc_demo.data import fashion_mnist
from aigc_demo.metrics import prompts as pm
from tests.conftest import FMNIST_FIXTURE


@pytest.fixture(scope="module")
def real():
    images, labels = fashion_mnist.load("test", FMNIST_FIXTURE)
    thresholds = cap.fit_thresholds(*fashion_mnist.load("train", FMNIST_FIXTURE))
    return images, labels, thresholds, pm.Percentiles(images, labels)


def test_requests_cover_every_class_and_applicable_word():
    requests = pm.requests()
    assert len(requests) == 10 + 7 * 3 * 2 + 3 * 4 * 2  # footwear has a shaft too
    assert (2, "texture", "patterned") in requests and (1, None, None) in requests
    assert not any(a == "shaft" and c not in cap.FOOTWEAR for c, a, _ in requests)
    held = [r for r in requests if pm.is_held_out(r[0], r[2])]
    assert sorted((c, w) for c, _, w in held) == sorted(cap.HELD_OUT)
    assert pm.prompt_text(4, "tone", "light", "en") == "a light coat"
    assert pm.prompt_text(4, "tone", "light", "zh") == "一件浅色的外套"


def test_the_asked_word_scores_better_than_its_opposite_on_real_pictures(real):
    images, labels, thresholds, percentiles = real
    own, opposite = [], []
    for c in range(10):
        for attribute in cap.ATTRIBUTES:
            if not cap.applies(attribute, c):
                continue
            for k, word in enumerate(cap.WORDS[attribute]):
                mine = [im for im, y in zip(images, labels) if y == c
                        and cap.attributes(im, c, thresholds).get(attribute) == word]
                if not mine:
                    continue
                hits, errors = pm.attribute_scores(np.array(mine), c, attribute, word, thresholds, percentiles)
                assert all(hits)  # by construction: the caption's word is what the function measures
                own += errors
                other = cap.WORDS[attribute][1 - k]
                hits, errors = pm.attribute_scores(np.array(mine), c, attribute, other, thresholds, percentiles)
                assert not any(hits)
                opposite += errors
    assert len(own) > 50
    assert np.mean(own) < 0.2 < 0.5 < np.mean(opposite)


def test_summaries_and_bars():
    rows = [{"correct": True, "hit": None, "error": None}, {"correct": False, "hit": True, "error": 0.1},
            {"correct": True, "hit": False, "error": 0.5}]
    s = pm.summarise(rows)
    assert s == {"n": 3, "class_accuracy": pytest.approx(2 / 3), "attribute_hit": 0.5, "attribute_error": 0.3}
    parts = {"seen": {"class_accuracy": 0.95, "attribute_error": 0.15},
             "held_out": {"class_accuracy": 0.7, "attribute_error": 0.30}}
    bars = {b["metric"]: b["met"] for b in pm.check_targets(parts, {"attribute_error": 0.08}, "en guidance 2")}
    assert bars == {"seen class_accuracy": True, "held_out class_accuracy": False, "seen attribute_error": True,
                    "held_out attribute_error": False}
