"""metrics/music.py: each instrument on real tunes (the 50-tune fixture) and on a degraded
copy of them, which must score worse (a metric that cannot fail measures nothing)."""

import random

import pytest

from aigc_demo import music
from aigc_demo.data import folk
from aigc_demo.metrics import music as mm
from tests.conftest import FOLK_FIXTURE


@pytest.fixture(scope="module")
def tunes():
    return folk.read_tunes(FOLK_FIXTURE)[0]


@pytest.fixture(scope="module")
def read(tunes):
    return [(t, mm.read_real(t)) for t in tunes]


def scrambled(notes, seed=0):
    """The same rhythm with every pitch drawn at random over two octaves: no longer a tune."""
    rng = random.Random(seed)
    return [music.Note(n.onset, n.duration, rng.randint(55, 79)) for n in notes]


def test_real_tunes_are_valid_and_keep_their_keys(read):
    assert mm.summary([r for _, r in read])["validity"] >= 0.85
    followed = [mm.key_followed(r["score"], t.headers["K"]) for t, r in read]
    assert sum(followed) / len(followed) >= 0.8
    t, r = read[0]
    wrong = "Bb" if folk.key_token(t.headers["K"]) not in ("K:Bbmaj", "K:Gmin") else "E"
    assert not mm.key_followed(r["score"], wrong)


def test_closeness_prefers_real_tunes_to_scrambled_ones(read):
    feats = [mm.features(r["notes"]) for _, r in read]
    half = len(feats) // 2
    real_vs_real = mm.closeness(feats[:half], feats[half:])["mean"]["overlapping_area"]
    degraded = [mm.features(scrambled(r["notes"], i)) for i, (_, r) in enumerate(read[half:])]
    real_vs_scrambled = mm.closeness(feats[:half], degraded)["mean"]["overlapping_area"]
    assert real_vs_real > 0.7 and real_vs_scrambled < real_vs_real - 0.1


def test_overlap_of_one_sample_with_itself_is_one_and_of_a_shifted_one_less():
    rng = random.Random(0)
    import numpy as np

    a = np.array([rng.gauss(0, 1) for _ in range(300)])
    oa, kl = mm.overlap(a, a)
    assert oa == pytest.approx(1.0, abs=1e-3) and kl == pytest.approx(0.0, abs=1e-3)
    oa_far, kl_far = mm.overlap(a, a + 3)
    assert oa_far < 0.25 and kl_far > 1


def test_scale_consistency_and_entropy_tell_a_tune_from_noise(read):
    notes = read[0][1]["notes"]
    assert mm.scale_consistency(notes) > mm.scale_consistency(scrambled(notes)) + 0.1
    assert mm.pitch_class_entropy(notes) < mm.pitch_class_entropy(scrambled(notes))


def test_copying_finds_a_training_tune_and_not_a_shuffled_one(tunes):
    train = [t for t in tunes if t.split == "train"]
    index = mm.TuneOverlap([t.tokens for t in train])
    assert index.longest_run(train[3].tokens) == len(train[3].tokens)
    shuffled = list(train[3].tokens)
    random.Random(0).shuffle(shuffled)
    assert index.longest_run(shuffled) < 8


def test_a_trigram_predicts_held_out_tunes_better_than_a_unigram(tunes):
    train = [folk.as_text(t).split(" ") for t in tunes if t.split == "train"]
    test = [folk.as_text(t).split(" ") for t in tunes if t.split != "train"]
    assert mm.ngram_nll(train, test, 3) < mm.ngram_nll(train, test, 1)
