"""The speech instruments on real espeak-ng clips (the miniature corpus: ten digits in four
voices), and their negative controls: each instrument must score every control it is meant to
catch worse than the real clips, or it cannot fail."""

import numpy as np
import pytest

from aigc_demo.data import spoken_digits
from aigc_demo.metrics import speech


@pytest.fixture(scope="module")
def real(digits_corpus):
    clips, digits = [], []
    for split in spoken_digits.SPLITS:
        a, d, _ = spoken_digits.load(split, digits_corpus)
        clips.append(a)
        digits.append(d)
    return np.concatenate(clips), np.concatenate(digits)


@pytest.fixture(scope="module")
def listener():
    return speech.DigitListener()


@pytest.fixture(scope="module")
def controls(real):
    return {name: degrade(real[0], seed=0) for name, degrade in speech.CONTROLS.items()}


def test_the_listener_hears_most_real_digits_and_no_silence(real, listener):
    clips, digits = real
    assert speech.DigitListener().intelligibility(clips, digits) >= 0.6  # espeak's "six" is misheard
    assert listener.hear(np.zeros(16000, np.float32)) is None


def test_the_listener_hears_the_word_not_the_level(real, listener):
    clips, _ = real
    assert [listener.hear(c) for c in clips[:8]] == [listener.hear(c * 0.1) for c in clips[:8]]


def test_intelligibility_falls_for_reversed_and_smeared_speech(real, listener, controls):
    clips, digits = real
    heard = listener.intelligibility(clips, digits)
    assert listener.intelligibility(controls["time_reversed"], digits) < heard - 0.3
    assert listener.intelligibility(controls["smeared"], digits) < heard - 0.1
    # noise-vocoded speech keeps each band's envelope, which is what the recogniser's cepstra
    # read (and what people understand it by, Shannon et al. 1995): voicing is its instrument


def test_voicing_falls_for_noise_vocoded_speech_only(real, controls):
    voiced = speech.voiced_share(real[0])
    assert voiced > 0.5
    assert speech.voiced_share(controls["noise_vocoded"]) < voiced * 0.2
    # reversal keeps every frame's pitch, and the smear keeps the phase, whose periodicity the
    # pitch tracker follows: voicing cannot catch those two, and does not claim to
    assert speech.voiced_share(controls["time_reversed"]) == pytest.approx(voiced, abs=0.05)
    assert speech.voiced_share(controls["smeared"]) > voiced * 0.7


def test_voiced_share_of_silence_is_none_and_of_noise_near_zero():
    assert speech.voiced_share(np.zeros((2, 16000), np.float32)) is None
    noise = np.random.default_rng(0).normal(0, 0.1, (4, 16000)).astype(np.float32)
    assert speech.voiced_share(noise) < 0.1


def test_copy_quality_is_perfect_for_the_originals_and_worse_for_every_control(real, controls):
    clips, _ = real
    same = speech.copy_quality(clips, clips)
    assert same["stoi"] == pytest.approx(1.0, abs=1e-6) and same["pesq_wb"] > 4.5
    for name, degraded in controls.items():
        q = speech.copy_quality(clips, degraded)
        assert q["stoi"] < 0.9 and (q["pesq_wb"] or 0) < 2.5, (name, q)


def test_controls_keep_shape_level_and_are_seeded(real):
    clips = real[0][:3]
    for name, degrade in speech.CONTROLS.items():
        out = degrade(clips, seed=1)
        assert out.shape == clips.shape and out.dtype == np.float32, name
        assert np.abs(out).max() == pytest.approx(spoken_digits.PEAK, abs=1e-4), name
        assert np.array_equal(out, degrade(clips, seed=1)), name
    assert not np.array_equal(speech.noise_vocoded(clips, seed=1), speech.noise_vocoded(clips, seed=2))


def test_the_voice_bars_pass_real_clips_and_fail_the_controls_they_can_see(real, listener, controls):
    clips, digits = real
    sets = {"real": speech.listen(clips, digits, listener),
            **{name: speech.listen(bad, digits, listener) for name, bad in controls.items()}}
    block = {"generated": sets, "real_reference": sets["real"]}
    verdict = {name: {t["metric"]: t["met"] for t in speech.generator_targets(block, name)} for name in sets}
    assert verdict["real"] == {"intelligibility": True, "voiced_share": True}
    assert not verdict["noise_vocoded"]["voiced_share"]  # voiceless: a whisper fails
    assert not verdict["time_reversed"]["intelligibility"]  # voiced, but not the word
