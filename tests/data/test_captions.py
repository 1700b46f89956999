"""data/captions.py: attributes measured from pixels, captions written from them, on
synthetic pictures with known answers and on the real fixture images."""

import numpy as np
import pytest

from aigc_demo.data import captions as c
from aigc_demo.data import fashion_mnist
from tests.conftest import FMNIST_FIXTURE


def block(height: int, width: int, value: float = 0.5) -> np.ndarray:
    x = np.zeros((28, 28))
    top, left = (28 - height) // 2, (28 - width) // 2
    x[top:top + height, left:left + width] = value
    return x


def test_measures_of_pictures_with_known_answers():
    m = c.measure(block(10, 20, 0.5))
    uniform_sd = lambda n: np.sqrt((n * n - 1) / 12) / 28  # noqa: E731 - of n equally bright columns
    assert m == pytest.approx({"tone": 0.5, "width": uniform_sd(20), "texture": 0.0, "shaft": uniform_sd(10)})
    checker = block(20, 20, 0.4) + block(20, 20, 0.5) * (np.indices((28, 28)).sum(0) % 2)
    assert c.measure(checker)["texture"] > 1.0  # neighbours differ by 0.5 everywhere inside
    assert c.measure(np.zeros((28, 28)))["tone"] == 0.0  # nothing drawn: no garment, no crash
    # uint8 and [0, 1] floats are the same picture
    assert c.measure((block(10, 20, 0.5) * 255).astype(np.uint8))["width"] == m["width"]


@pytest.fixture(scope="module")
def fixture_split():
    images, labels = fashion_mnist.load("train", FMNIST_FIXTURE)
    thresholds = c.fit_thresholds(images, labels)
    return images, labels, thresholds, c.caption_split(images, labels, thresholds)


def test_thresholds_split_each_class_in_thirds_and_shoes_alone_have_a_shaft(fixture_split):
    images, labels, thresholds, captions = fixture_split
    assert set(thresholds) == set(range(10))
    for cls, th in thresholds.items():
        assert ("shaft" in th) == (cls in c.FOOTWEAR)
        assert all(lo <= hi for lo, hi in th.values())
    card = c.card(captions, thresholds)
    for cls, freq in card["frequency"].items():
        for word, share in freq.items():  # each word names about a third of its class (30 pictures each)
            assert 0.25 <= share <= 0.42, (cls, word, share)
    assert card["note"] == c.CAPTION_NOTE and "Bag + dark" in card["held_out"]


def test_the_words_agree_with_the_measures(fixture_split):
    images, labels, thresholds, captions = fixture_split
    tone = {"dark": [], "light": []}
    for im, cap in zip(images, captions):
        if "tone" in cap.words:
            tone[cap.words["tone"]].append(c.measure(im)["tone"])
    assert max(tone["dark"]) < min(tone["light"]) or np.mean(tone["dark"]) < np.mean(tone["light"])
    # a brightened copy of a dark picture is no longer dark (negative control: the words follow the pixels)
    i = next(k for k, cap in enumerate(captions) if cap.words.get("tone") == "dark")
    brighter = np.clip(images[i].astype(float) * 2.5, 0, 255)
    assert c.attributes(brighter, int(labels[i]), thresholds).get("tone") != "dark"


def test_captions_in_both_languages():
    cap = c.write(4, {"texture": "patterned", "tone": "dark", "width": "wide"})
    assert cap.en == ("a dark, wide, patterned coat", "a dark, wide, patterned coat, on black",
                      "a picture of a dark, wide, patterned coat")
    assert cap.zh == ("一件深色、宽、带花纹的外套", "深色、宽、带花纹的外套", "这是一件深色、宽、带花纹的外套")
    plain = c.write(9, {})
    assert plain.en[0] == "an ankle boot" and plain.zh[0] == "一双短靴" and plain.zh[1] == "短靴"
    assert c.write(1, {"width": "slim"}).zh[0] == "一条窄的裤子"
    assert c.held_out(8, {"tone": "dark"}) and not c.held_out(8, {"tone": "light"})


def test_held_out_combinations_never_reach_training(fixture_split):
    *_, captions = fixture_split
    keep = c.trainable(captions)
    assert 0 < (~keep).sum() < len(captions) / 3
    for cap, ok in zip(captions, keep):
        pairs = {(cap.label, w) for w in cap.words.values()}
        assert ok == (not pairs & set(c.HELD_OUT))
    # the validation combinations (for choosing settings) are other pairs of the same kinds, left out too
    assert not set(c.VALIDATION_HELD_OUT) & set(c.HELD_OUT)
    assert not {label for label, _ in c.VALIDATION_HELD_OUT} & {label for label, _ in c.HELD_OUT}

    def kinds(combos):
        return sorted(next(a for a, pair in c.WORDS.items() if w in pair) for _, w in combos)

    assert kinds(c.VALIDATION_HELD_OUT) == kinds(c.HELD_OUT)
    both = c.trainable(captions, c.HELD_OUT + c.VALIDATION_HELD_OUT)
    assert (both <= keep).all() and both.sum() < keep.sum()
    for cap, ok in zip(captions, both):
        assert ok == (not {(cap.label, w) for w in cap.words.values()} & set(c.HELD_OUT + c.VALIDATION_HELD_OUT))


def test_reading_a_caption_gives_back_its_class_and_words():
    for written in c.every_caption():
        for language, texts in (("en", written.en), ("zh", written.zh)):
            for text in texts:
                assert c.read(text, language) == (written.label, written.words, []), text
    # what no caption says is named, never silently dropped
    assert c.read("a shiny red coat", "en") == (4, {}, ["shiny", "red"])
    assert c.read("一件红色的外套", "zh") == (4, {}, ["红色"])
    assert c.read("a shirt and a coat", "en")[0] is None  # two classes: none
