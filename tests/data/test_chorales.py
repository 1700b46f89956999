"""The chorale corpus: reading MusicXML onto the sixteenth-note grid, and writing the grid
back as ABC and as a music21 score that agree note for note."""

import numpy as np
import pytest

from aigc_demo import music
from aigc_demo.data import chorales as data
from tests.conftest import CHORALE_FIXTURE


@pytest.fixture(scope="module")
def corpus():
    return data.read_chorales(CHORALE_FIXTURE)


def test_the_fixture_is_read_with_its_splits(corpus):
    chorales, dropped = corpus
    assert len(chorales) == 18 and not dropped
    counts = data.statistics(chorales, dropped)["splits"]
    assert {s: counts[s]["chorales"] for s in counts} == {"train": 12, "valid": 3, "test": 3}
    for c in chorales:
        assert c.grid.shape[1] == 4 and c.grid.min() >= 0 and c.grid.max() < data.VOCAB_SIZE
        assert c.grid[0].min() != data.HOLD  # nothing is held before the first step
        assert c.split == data.split_of(c.name)  # the split is the name's, whatever else is read


def test_an_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(data.CorpusNotFound, match="No MusicXML"):
        data.read_chorales(tmp_path)


def test_the_soprano_of_a_real_chorale_is_on_the_grid(corpus):
    from music21 import converter

    chorale = corpus[0][0]
    score = converter.parse(str(CHORALE_FIXTURE / f"{chorale.name}.mxl"))
    soprano = [n for n in score.parts[0].flatten().notes if not n.duration.isGrace]
    struck = [t for t in chorale.grid[:, 0] if t >= data.FIRST_PITCH_TOKEN]
    tied_on = sum(1 for n in soprano if n.tie is not None and n.tie.type in ("stop", "continue"))
    assert len(struck) == len(soprano) - tied_on
    assert data.token_pitch(struck[0]) == soprano[0].pitch.midi


def test_abc_and_score_agree_note_for_note_and_bars_add_up(corpus):
    for c in corpus[0]:
        abc = data.to_abc(c.grid, meter=c.meter, bar_offset=c.bar_offset)
        score = data.to_score(c.grid, meter=c.meter, bar_offset=c.bar_offset)
        back = music.parse(abc)
        assert len(back.parts) == 4
        assert sorted((n.onset, n.pitch) for n in music.notes(back)) == sorted((n.onset, n.pitch) for n in music.notes(score))
        assert music.bars_fit(score, c.meter)["fits"]
        assert music.midi_bytes(score)[:4] == b"MThd"


def test_a_pickup_makes_a_short_first_bar():
    grid = np.full((4 + 16, 1), data.HOLD)
    grid[0, 0], grid[4, 0] = data.pitch_token(67), data.pitch_token(72)
    abc = data.to_abc(grid, meter="4/4", bar_offset=12)
    body = abc.split("\n")[abc.split("\n").index(next(line for line in abc.split("\n") if line.startswith("V:1"))) + 1]
    assert body.startswith("G4 | c16")


def test_spelling_follows_the_key():
    # G major with an F natural: written =F (not ^E); a G sharp in A minor is ^G; B flat and F sharp in C
    g = np.full((16, 1), data.HOLD)
    for t, p in zip(range(0, 16, 4), (67, 71, 74, 65)):
        g[t, 0] = data.pitch_token(p)
    assert data._spelling(data.key_of(g))[5] == ("F", 0)
    from music21 import key

    assert data._spelling(key.Key("a"))[8] == ("G", 1)
    assert data._spelling(key.Key("C"))[10] == ("B", -1) and data._spelling(key.Key("C"))[6] == ("F", 1)


def test_a_repeated_note_is_not_a_held_one():
    held = np.array([[data.pitch_token(60)], [data.HOLD]])
    repeated = np.array([[data.pitch_token(60)], [data.pitch_token(60)]])
    assert data.events(held[:, 0]) == [(60, 0, 2)] and data.events(repeated[:, 0]) == [(60, 0, 1), (60, 1, 1)]


def test_a_window_never_starts_on_hold_and_json_round_trips(corpus):
    c = corpus[0][0]
    start = next(t for t in range(1, len(c.grid)) if (c.grid[t] == data.HOLD).any())
    window = data.strike_held(c.grid, start)
    assert (window[0] != data.HOLD).all() and (window[1:] == c.grid[start + 1:]).all()
    again = data.from_json(data.as_json(c))
    assert (again.grid == c.grid).all() and again.key == c.key and again.bar_offset == c.bar_offset


@pytest.mark.parametrize("abc, reason", [
    ("X:1\nM:6/8\nL:1/8\nK:G\nGAB cde|", "meters 4/4 and 3/4"),
    ("X:1\nM:4/4\nL:1/8\nK:G\n(3GAB c2 d2 e2|", "off the sixteenth-note grid"),
    ("X:1\nM:4/4\nL:1/4\nK:G\n[GB] A B c|", "without chords"),
])
def test_melodies_that_cannot_be_put_on_the_grid_say_why(abc, reason):
    out = data.melody_from_score(music.parse(abc))
    assert isinstance(out, str) and reason in out


def test_a_melody_is_read_with_its_pickup():
    column, meter, offset = data.melody_from_score(music.parse("X:1\nM:3/4\nL:1/4\nK:D\nA | d2 e | f3 |]"))
    assert meter == "3/4" and offset == 8 and len(column) == 4 + 24
    assert data.token_pitch(column[0]) == 69 and column[1] == data.HOLD
