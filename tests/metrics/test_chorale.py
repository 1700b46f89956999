"""The chorale measures, each on a negative control: degraded Bach must score worse than Bach."""

import numpy as np
import pytest

from aigc_demo.data import chorales as data
from aigc_demo.metrics import chorale as mc
from aigc_demo.metrics import music as mm
from tests.conftest import CHORALE_FIXTURE


@pytest.fixture(scope="module")
def chorales():
    return data.read_chorales(CHORALE_FIXTURE)[0]


def scrambled(grid: np.ndarray, seed: int) -> np.ndarray:
    """Each struck pitch replaced by a random one of its voice's range: Bach's rhythm, no harmony."""
    rng = np.random.default_rng(seed)
    out = grid.copy()
    ranges = ((60, 79), (57, 74), (50, 69), (36, 62))
    for v, (lo, hi) in enumerate(ranges):
        struck = out[:, v] >= data.FIRST_PITCH_TOKEN
        out[struck, v] = [data.pitch_token(int(p)) for p in rng.integers(lo, hi + 1, struck.sum())]
    return out


def test_bach_reads_back_valid_and_a_garbled_abc_does_not(chorales):
    c = chorales[0]
    abc = data.to_abc(c.grid, meter=c.meter, bar_offset=c.bar_offset)
    assert mc.read(abc, c.grid, c.meter, c.bar_offset)["valid"]
    lines = abc.split("\n")
    i = next(k for k, line in enumerate(lines) if line.startswith("V:1")) + 1
    lines[i] = lines[i].replace("4", "2", 1)  # one note made shorter: the bar no longer matches the score
    row = mc.read("\n".join(lines), c.grid, c.meter, c.bar_offset)
    assert not row["valid"] and "other notes" in row["reason"]


def test_voice_crossing_is_rare_in_bach_and_common_with_voices_swapped(chorales):
    bach = np.mean([mc.voice_crossing(c.grid) for c in chorales])
    swapped = np.mean([mc.voice_crossing(c.grid[:, [3, 1, 2, 0]]) for c in chorales])
    assert bach < 0.05 and swapped > 0.3


def test_closeness_falls_for_scrambled_pitches(chorales):
    def feats(grids):
        return [mm.features(mc.read(data.to_abc(g, meter=c.meter, bar_offset=c.bar_offset), g, c.meter,
                                    c.bar_offset)["notes"]) for g, c in zip(grids, chorales)]

    half = len(chorales) // 2
    real = feats([c.grid for c in chorales[:half]])
    other_real = feats([c.grid for c in chorales[half:]])
    bad = feats([scrambled(c.grid, i) for i, c in enumerate(chorales[half:])])
    assert mm.closeness(real, bad)["mean"]["overlapping_area"] < mm.closeness(real, other_real)["mean"]["overlapping_area"]


def test_the_soprano_baseline_beats_the_unigram_and_the_masks_are_fixed(chorales):
    train = [c for c in chorales if c.split == "train"]
    test = [c for c in chorales if c.split != "train"]
    masks = mc.fixed_masks(test, seed=0)
    again = mc.fixed_masks(test, seed=0)
    assert all((a[2] == b[2]).all() for a, b in zip(masks, again))
    nll = mc.baseline_nll(train, masks)
    assert nll["given_soprano_harmony"] < nll["unigram_harmony"]


def test_copying_counts_a_copied_soprano_in_full(chorales):
    train = [c for c in chorales if c.split == "train"]
    overlap = mm.TuneOverlap([mc.soprano_run(c.grid) for c in train])
    copied = mc.soprano_run(train[0].grid)
    assert overlap.longest_run(copied) == len(copied)
    assert overlap.longest_run(mc.soprano_run(scrambled(train[0].grid, 0))) < len(copied) // 2


def test_the_key_found_moves_with_a_transposition(chorales):
    c = chorales[0]
    assert data.key_name(data.key_of(c.grid)) == c.key
    assert data.key_name(data.key_of(data.transpose(c.grid, 2))) != c.key
