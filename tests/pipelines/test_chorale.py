"""The chorale pipeline: seeded composing, harmonising that keeps the melody, every bad
melody refused with its reason, Bach's own harmonisation rendered the same way."""

import json

import numpy as np
import pytest

from aigc_demo.controls import InputError
from aigc_demo.data import chorales as data
from aigc_demo.pipelines.chorale import ChoralePipeline

MELODY = "X:1\nT:test\nM:4/4\nL:1/4\nK:G\nB A G A | B B B2 | A A A2 | B d d2 |]"


@pytest.fixture(scope="module")
def pipe(tiny_music_checkpoints):
    return ChoralePipeline.from_checkpoint(tiny_music_checkpoints / "music" / "bach_chorale")


def test_the_same_seed_writes_the_same_chorale(pipe):
    a, b = pipe(seed=3, length=2, sweeps=10), pipe(seed=3, length=2, sweeps=10)
    assert a.abc.split("%%aigc")[0] == b.abc.split("%%aigc")[0] and a.meta["grid"] == b.meta["grid"]
    assert pipe(seed=4, length=2, sweeps=10).meta["grid"] != a.meta["grid"]
    assert np.array(a.meta["grid"]).shape == (4, 2 * 16)


def test_a_harmonisation_keeps_the_melody_as_its_soprano(pipe):
    out = pipe(seed=0, melody=MELODY, sweeps=10)
    column, _, _, _ = pipe.read_melody(MELODY)
    assert out.meta["grid"][0] == column.tolist()
    assert out.meta["params"]["task"] == "harmonise" and out.meta["params"]["length"] == 4
    assert out.meta["bars"]["fits"] and out.midi[:4] == b"MThd" and out.audio.size > 0 and out.notes


def test_the_parameters_travel_inside_the_abc_and_the_midi(pipe):
    import io

    import mido

    out = pipe(seed=5, length=2, sweeps=10, tempo=90, program="Harpsichord")
    assert "%%aigc seed: 5" in out.abc and "Q:1/4=90" in out.abc
    text = next(m.text for m in mido.MidiFile(file=io.BytesIO(out.midi)).tracks[0] if m.type == "text")
    assert json.loads(text)["params"]["program"] == "Harpsichord"


@pytest.mark.parametrize("melody, message", [
    ("   ", "Type a melody"),
    ("X:1\nM:6/8\nL:1/8\nK:G\nGAB cde|", "meters 4/4 and 3/4"),
    ("X:1\nM:4/4\nL:1/8\nK:G\n(3GAB c2 d2 e2|", "sixteenth-note grid"),
    ("X:1\nM:4/4\nL:1/4\nK:G\n[GB] A B c|", "without chords"),
    ("X:1\nM:4/4\nL:1/4\nK:G\nC, D, c' d'|", "a soprano here sings"),
    ("X:1\nM:4/4\nL:1/4\nK:G\nG c'' d'' e''|", "outside MIDI 28-93"),
    ("X:1\nM:4/4\nL:1/4\nK:G\nz4|z4|", "no notes"),
    ("X:1\nM:4/4\nL:1/4\nK:G\n" + "G4|" * 50, "at most 48"),
    ("X:1\nM:4/4\nK:G\nG A B c |]", None),  # no L: field: ABC's default unit, read
])
def test_bad_melodies_are_refused_with_a_reason(pipe, melody, message):
    if message is None:
        assert pipe(seed=0, melody=melody, sweeps=10).meta["params"]["task"] == "harmonise"
        return
    with pytest.raises(InputError, match=message):
        pipe(seed=0, melody=melody)


def test_a_melody_an_octave_low_is_moved_up_and_said_so(pipe):
    out = pipe(seed=0, melody="X:1\nM:4/4\nL:1/4\nK:G\nB, A, G, A, | B,4 |]", sweeps=10)
    assert any("octave up" in n for n in out.meta["notices"])


def test_bad_controls_are_refused(pipe):
    with pytest.raises(InputError, match="length"):
        pipe(seed=0, length=99)
    with pytest.raises(InputError, match="meter"):
        pipe(seed=0, meter="6/8")


def test_bach_is_rendered_as_the_model_is(pipe):
    name = pipe.melodies()[0]
    out = pipe.bach(name)
    held = pipe.held_out[name.split(" ")[0]]
    assert out.meta["model"] == "Bach" and out.meta["bars"]["fits"] and out.midi[:4] == b"MThd"
    assert len(out.notes) >= sum(1 for t in held.grid.ravel() if t >= data.FIRST_PITCH_TOKEN)
    # the picked melody, harmonised, keeps Bach's soprano
    assert pipe(seed=0, melody=pipe.melody(name), sweeps=10).meta["grid"][0] == held.grid[:, 0].tolist()
    with pytest.raises(InputError, match="No held-out chorale"):
        pipe.bach("bwv0")
    from aigc_demo import exports

    names = [p.name for p in exports.save_music(out).values()]  # named by the chorale, no "seedNone"
    assert len(names) == 3 and all(n.startswith(f"Bach_{held.name}_") and " " not in n for n in names)
