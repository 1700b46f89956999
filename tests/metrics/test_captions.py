"""metrics/captions.py: CIDEr-D, BLEU-4 and content accuracy of captions, on known examples
and on the fixture's real captions with negative controls."""

import pytest

from aigc_demo.data import captions as cap
from aigc_demo.data import fashion_mnist
from aigc_demo.metrics import captions as mc
from tests.conftest import FMNIST_FIXTURE


def test_cider_d_on_known_examples():
    refs = [["dark wide patterned coat"], ["slim plain light bag"]]
    # every caption word for word its reference, no n-gram shared between pictures: the
    # TF-IDF vectors of each n (1-4) agree, 10 x 1
    assert mc.cider_d(["dark wide patterned coat", "slim plain light bag"], refs, "en") == pytest.approx(10.0)
    # three words: no 4-gram to match, 10 x 3/4; and a wrong word costs its n-grams
    assert mc.cider_d(["dark wide coat", "slim plain bag"], [["dark wide coat"], ["slim plain bag"]],
                      "en") == pytest.approx(7.5)
    assert mc.cider_d(["dark wide patterned coat", "slim plain dark bag"], refs, "en") < 10.0
    # IDF comes from the references: one picture alone has every n-gram in all its documents
    assert mc.cider_d(["a dark coat"], [["a dark coat"]], "en") == 0.0
    assert mc.tokens("一件深色、宽的外套", "zh") == "一 件 深 色 宽 的 外 套"
    assert mc.tokens("A dark, wide coat.", "en") == "a dark wide coat"


@pytest.fixture(scope="module")
def truth():
    images, labels = fashion_mnist.load("train", FMNIST_FIXTURE)
    return cap.caption_split(images, labels, cap.fit_thresholds(images, labels))


@pytest.mark.parametrize("language", ["en", "zh"])
def test_real_captions_beat_the_label_alone_and_shuffled_captions(truth, language):
    real = mc.real_caption_reference(truth, language)
    controls = mc.controls(truth, language)
    assert real["class_accuracy"] == real["attributes_exact"] == 1.0
    assert real["cider_d"] > controls["label_only"]["cider_d"] > controls["shuffled"]["cider_d"]
    assert controls["label_only"]["class_accuracy"] == 1.0 > controls["label_only"]["attributes_exact"]
    assert controls["shuffled"]["class_accuracy"] < 0.3
    assert 0 < real["bleu_4"] <= 100
