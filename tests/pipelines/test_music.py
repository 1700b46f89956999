"""pipelines/music.py on a tiny folk GPT trained on the 50-tune fixture: seeded, constrained,
validated, rendered."""

import pytest

from aigc_demo.controls import InputError
from aigc_demo.pipelines.music import HEADER_PREFIXES, FolkPipeline, is_bar_line, real_tune
from aigc_demo.data import folk
from tests.conftest import FOLK_FIXTURE


@pytest.fixture(scope="module")
def pipe(tiny_music_checkpoints):
    """The tiny model, asked for no tune type by default: O'Neill's collection names none."""
    pipe = FolkPipeline.from_checkpoint(tiny_music_checkpoints / "music" / "folk_gpt")
    return lambda seed=None, **params: pipe(seed=seed, **{"tune_type": "any", **params})


def test_a_tune_type_the_corpus_never_names_is_refused(tiny_music_checkpoints):
    pipe = FolkPipeline.from_checkpoint(tiny_music_checkpoints / "music" / "folk_gpt")
    with pytest.raises(InputError, match="never saw a tune with tune_type 'jig'"):
        pipe(seed=0, tune_type="jig")


def test_the_same_seed_writes_the_same_tune(pipe):
    a, b = pipe(seed=5, length=8), pipe(seed=5, length=8)
    c = pipe(seed=6, length=8)
    assert a.abc == b.abc and a.tokens == b.tokens
    assert a.tokens != c.tokens
    assert a.meta["seed"] == 5 and a.meta["params"]["length"] == 8


def test_headers_are_the_request_and_the_body_has_none(pipe):
    for seed in range(4):
        out = pipe(seed=seed, meter="6/8", key="D major", tune_type="any", length=6)
        assert "M:6/8" in out.abc and "K:Dmaj" in out.abc
        assert not any(t.startswith(HEADER_PREFIXES) for t in out.tokens)
        assert sum(is_bar_line(t) for t in out.tokens) <= 6  # stops after `length` bar lines


def test_the_parameters_travel_inside_the_abc(pipe):
    out = pipe(seed=3, length=4, temperature=0.7)
    assert "%%aigc seed: 3" in out.abc and '"temperature": 0.7' in out.abc


def test_a_playable_tune_comes_with_midi_audio_and_notes(pipe):
    outs = [pipe(seed=s, length=8) for s in range(6)]
    playable = [o for o in outs if o.midi is not None]
    for o in playable:
        assert o.midi[:4] == b"MThd" and o.audio is not None and o.notes
    for o in outs:
        if o.midi is None:  # a tiny model may write what music21 cannot read: said, not hidden
            assert o.meta["notices"] and o.audio is None


@pytest.mark.parametrize("params, message", [
    (dict(meter="7/8"), "meter must be one of"),
    (dict(length=0), "length must be between 4 and 64"),
    (dict(length=65), "length must be between"),
    (dict(temperature=0), "temperature must be between"),
    (dict(program="Kazoo"), "program must be one of"),
    (dict(key="Eb minor"), "never saw a tune with key 'Eb minor'; it knows: "),
    (dict(sharps=2), "has no parameter 'sharps'"),
])
def test_bad_requests_are_refused_with_a_reason(pipe, params, message):
    with pytest.raises(InputError, match=message):
        pipe(seed=0, **params)


def test_a_real_tune_of_the_same_kind_is_rendered_the_same_way():
    tunes, _ = folk.read_tunes(FOLK_FIXTURE)
    meter = next(folk.meter_token(t.headers.get("M"))[2:] for t in tunes if t.split == "test")
    out = real_tune(tunes, meter=meter, key="G major", seed=1)
    assert out.meta["model"] == "real tune" and out.midi is not None and out.notes
    assert f"M:{meter}" in out.abc
    with pytest.raises(InputError, match="No held-out real tune is in 12/8"):
        real_tune(tunes, meter="12/8", key="G major", seed=1)


def test_a_bar_is_drawn_again_unless_it_adds_up():
    fits = FolkPipeline._bar_fits
    full = 6  # 6/8 in eighths
    assert fits(["|", "d", "f", "a", "a", "g", "f"], 1, "|", full)  # a whole bar
    assert not fits(["|", "d", "f", "a", "a", "g"], 1, "|", full)  # a note short, between plain bar lines
    assert not fits(["|", "d", "f", "a", "a", "g", "f", "e"], 1, "|", full)  # a note long
    assert fits(["A"], 0, "|", full)  # the first bar: a pickup
    assert fits(["|", "d", "f", "a", "a", "g"], 1, ":|", full)  # closing a section: completes the pickup
    assert not fits(["|", "(7", "A"], 1, "|", full)  # what the count cannot follow is drawn again
    assert not fits(["|", "d", "f", "a", "a", "g", "f>"], 1, "|", full)  # a broken rhythm across the line
    assert not fits(["|", "d", "f", "a"], 1, "|1", full)  # an ending's number is not a section line
    assert fits(["|:", "d", "f"], 1, "|", full) and fits(["||", "d", "f"], 1, "|", full)  # a section opens
