"""aigc_demo/music.py: ABC read by music21, written to MIDI, played through the SoundFont."""

import io

import mido
import numpy as np
import pytest

from aigc_demo import music

JIG = music.abc_document("A|dfa agf|edc d2A|dfa agf|e3 d2:|", meter="6/8", key="D", unit="1/8", title="A jig", tempo=100,
                         comments={"seed": 7})


def test_a_tune_is_read_written_and_played():
    score = music.parse(JIG)
    notes = music.notes(score)
    assert [n.pitch for n in notes[:4]] == [69, 74, 78, 81]  # A4 d5 f#5 (the key of D) a5
    midi = music.midi_bytes(score, program=40, tempo=100, text='{"seed": 7}')
    mid = mido.MidiFile(file=io.BytesIO(midi))
    events = [m for track in mid.tracks for m in track]
    assert any(m.type == "text" and m.text == '{"seed": 7}' for m in events)  # the parameters travel inside
    assert any(m.type == "program_change" and m.program == 40 for m in events)
    audio = music.synthesize(midi)
    assert audio.dtype == np.float32 and np.isclose(np.abs(audio).max(), music.PEAK)  # loudness normalised
    # four bars of 6/8, played twice (the repeat sign), at 100 quarter notes a minute (1.8 s a
    # bar), and a second of release
    assert 14 < len(audio) / music.SAMPLE_RATE < 17


def test_the_document_carries_its_fields_and_parameters():
    assert JIG.startswith("X:1\nT:A jig\n%%aigc seed: 7\nM:6/8\nL:1/8\nQ:1/4=100\nK:D\n")


def test_what_music21_cannot_read_is_refused_with_its_reason():
    with pytest.raises(music.InvalidTune):
        music.parse("X:1\nM:6/8\nK:D\n[^C4z/4(9|2\n")
    with pytest.raises(music.InvalidTune, match="no notes"):
        music.parse("X:1\nM:6/8\nK:D\n|]\n")


def test_one_time_signature_in_two_measures_still_writes_midi():
    # an inline meter change: music21's reader can share one TimeSignature object between two
    # measures, which its MIDI writer then refuses; parse() gives each measure its own
    abc = "X:1\nM:6/8\nL:1/8\nK:G\nGAB c2d|[M:9/8]efg a2g fed|[M:6/8]GAB c2d|g3 g3|]\n"
    score = music.parse(abc)
    assert music.midi_bytes(score)[:4] == b"MThd"


@pytest.mark.parametrize("body, fits", [("A|dfa agf|edc d2A|dfa agf|e3 d2|]", True),  # pickup, then full bars
                                        ("A|dfa agf|edc d2|dfa agf|e3 d2|]", False),  # an inner bar short
                                        # a pickup after a repeat's end (music21 marks only the bar before)
                                        ("A|dfa agf|edc d2A:|A|dfa agf|e3 d2|]", True),
                                        ("A|dfa agf|edc d2A|A|dfa agf|e3 d2|]", False)])  # the same, no repeat
def test_bars_must_add_up_to_the_meter(body, fits):
    score = music.parse(music.abc_document(body, meter="6/8", key="D", unit="1/8"))
    assert music.bars_fit(score)["fits"] is fits
    assert music.bars_fit(score, "2/4")["fits"] is False  # against another meter they do not


def test_the_soundfont_ships_with_a_pip_package():
    assert music.soundfont_path().stat().st_size > 1_000_000
