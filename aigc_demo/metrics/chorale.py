"""Measures of a chorale model against Bach (the held-out chorales of data/chorales.py).

- held-out NLL, nats per hidden cell of the grid, two ways: orderless (each chorale with a
  share of its cells hidden, drawn once: the training objective) and harmonising (alto,
  tenor and bass hidden, the soprano given); beside count baselines on the same cells: each
  voice's token frequencies, and, for harmonising, each voice's tokens given the soprano's
  token at the same step (add-one smoothing both);
- validity: the share of chorales whose ABC music21 reads back to the notes of the written
  score, whose score is written to MIDI, and whose bars add up (the grid makes every bar
  full, so this checks the writing, not the model);
- voice crossing: the share of sounding steps where a lower voice is above the one over it
  (Bach crosses rarely);
- closeness to Bach, MGEval-style (metrics/music.py's `closeness`) on per-chorale features
  of all four voices, at most the first MAX_BARS bars of each (what the model composes);
- copying: the longest run of soprano notes (pitch and length) a chorale shares with one
  training chorale's soprano, beside the same for held-out chorales (a harmonisation keeps
  Bach's soprano, so this is measured on the composed ones);
- key kept: the share of harmonisations of held-out melodies whose key, by music21's
  analysis of all four voices, is the key of Bach's own score.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from ..data import chorales as data
from . import music as mm
from .features import check_targets as _check_targets

MAX_BARS = 16  # the longest chorale the composing control allows
COPY_MARGIN = 4  # notes: the composed chorales' median run may exceed held-out Bach's by this many
DEFINITIONS = {
    "nll_orderless": "Mean negative log-likelihood, nats per hidden cell, of the held-out chorales with a share of their "
                     "cells hidden (the share drawn uniformly per chorale, fixed by the seed), each predicted from the "
                     "cells shown. Lower is better.",
    "nll_harmony": "Mean negative log-likelihood, nats per cell, of the alto, tenor and bass of the held-out chorales given "
                   "only their soprano, each cell predicted independently. Lower is better.",
    "validity": "Share of chorales whose ABC music21 reads back to the notes of the score, written to MIDI, with every "
                "checked bar one bar of the meter. Higher is better.",
    "voice_crossing": "Share of steps, with both voices sounding, where a voice is below the voice under it (alto under "
                      "tenor ...). Bach's figure is the reference.",
    "overlapping_area": mm.DEFINITIONS["overlapping_area"],
    "longest_shared_run": "Median, over chorales, of the longest run of soprano notes (pitch and length) shared with one "
                          "training chorale's soprano.",
    "key_followed": "Share of harmonisations of held-out melodies whose key (music21's analysis of all four voices) is "
                    "the key of Bach's own score.",
    "scale_consistency": mm.DEFINITIONS["scale_consistency"],
    "pitch_class_entropy": mm.DEFINITIONS["pitch_class_entropy"],
}
TARGETS = {"bach_chorale": [("validity", ">=", 0.95), ("overlapping_area_ratio", ">=", 0.8),
                            ("key_followed", ">=", 0.85), ("longest_shared_run_excess", "<=", COPY_MARGIN)]}


# --- likelihood ---------------------------------------------------------------------------------

def fixed_masks(chorales: list[data.Chorale], seed: int) -> list[tuple]:
    """(grid, positions, orderless mask, harmonising mask), each (1, T, ...), for each chorale:
    the orderless share drawn once per chorale from `seed`."""
    import torch

    from ..models.chorale import bar_positions

    gen = torch.Generator().manual_seed(seed)
    out = []
    for c in chorales:
        grid = torch.tensor(c.grid)[None]
        T = grid.shape[1]
        rate = torch.rand(1, generator=gen)
        orderless = torch.rand(1, T, 4, generator=gen) < rate
        harmony = torch.zeros(1, T, 4, dtype=torch.bool)
        harmony[..., 1:] = True
        out.append((grid, bar_positions(T, c.meter, c.bar_offset)[None], orderless, harmony))
    return out


def model_nll(net, masks: list[tuple], device="cpu") -> dict[str, float]:
    """nats per hidden cell over all the chorales, for each kind of mask."""
    import torch

    from ..models.chorale import masked_loss

    was_training = net.training
    net.eval()
    totals = {"orderless": [0.0, 0], "harmony": [0.0, 0]}
    with torch.no_grad():
        for grid, positions, orderless, harmony in masks:
            grid, positions = grid.to(device), positions.to(device)
            for name, hidden in (("orderless", orderless.to(device)), ("harmony", harmony.to(device))):
                n = int(hidden.sum())
                if n:
                    totals[name][0] += float(masked_loss(net(grid, hidden, positions), grid, hidden)) * n
                    totals[name][1] += n
    net.train(was_training)
    return {k: s / max(1, n) for k, (s, n) in totals.items()}


def baseline_nll(train: list[data.Chorale], masks: list[tuple]) -> dict[str, float]:
    """The count baselines on the same hidden cells: 'unigram' (a voice's token frequencies)
    for both masks, 'given_soprano' (a voice's token given the soprano's at that step) for
    harmonising; add-one smoothing over the vocabulary."""
    V = data.VOCAB_SIZE
    unigram = [Counter() for _ in range(4)]
    joint = [Counter() for _ in range(4)]
    for c in train:
        for v in range(4):
            unigram[v].update(c.grid[:, v].tolist())
            joint[v].update(zip(c.grid[:, 0].tolist(), c.grid[:, v].tolist()))
    soprano = Counter(t for c in train for t in c.grid[:, 0].tolist())
    uni_total = [sum(u.values()) for u in unigram]

    def p_uni(v, t):
        return (unigram[v][t] + 1) / (uni_total[v] + V)

    def p_given(v, s, t):
        return (joint[v][(s, t)] + 1) / (soprano[s] + V)

    sums = {"unigram_orderless": [0.0, 0], "unigram_harmony": [0.0, 0], "given_soprano_harmony": [0.0, 0]}
    for grid, _, orderless, harmony in masks:
        g = grid[0].numpy()
        for t, v in zip(*np.nonzero(orderless[0].numpy())):
            sums["unigram_orderless"][0] -= math.log(p_uni(v, g[t, v]))
            sums["unigram_orderless"][1] += 1
        for t, v in zip(*np.nonzero(harmony[0].numpy())):
            sums["unigram_harmony"][0] -= math.log(p_uni(v, g[t, v]))
            sums["given_soprano_harmony"][0] -= math.log(p_given(v, g[t, 0], g[t, v]))
            sums["unigram_harmony"][1] += 1
            sums["given_soprano_harmony"][1] += 1
    return {k: round(s / max(1, n), 4) for k, (s, n) in sums.items()}


# --- one chorale ----------------------------------------------------------------------------

def read(abc: str, grid: np.ndarray, meter: str, bar_offset: int) -> dict:
    """What the measures need of one chorale: its notes, whether it is valid (see
    DEFINITIONS), its voice crossings."""
    from .. import music

    score = data.to_score(grid, meter=meter, bar_offset=bar_offset)
    notes = music.notes(score)
    try:
        back = music.parse(abc)
        same = sorted((n.onset, n.pitch) for n in music.notes(back)) == sorted((n.onset, n.pitch) for n in notes)
        music.midi_bytes(score)
        fit = music.bars_fit(score, meter)
    except music.InvalidTune as e:
        return {"valid": False, "reason": str(e), "notes": notes, "crossing": voice_crossing(grid)}
    reason = None if same else "the ABC reads back to other notes"
    reason = reason or (None if fit["fits"] else "bars that do not add up")
    return {"valid": reason is None, **({"reason": reason} if reason else {}), "notes": notes,
            "crossing": voice_crossing(grid)}


def sounding(grid: np.ndarray) -> np.ndarray:
    """(T, V) MIDI pitch sounding at each step (held notes carried on), 0 for silence."""
    out = np.zeros(grid.shape, dtype=np.int64)
    for v in range(grid.shape[1]):
        current = 0
        for t, token in enumerate(grid[:, v]):
            if token == data.REST:
                current = 0
            elif token != data.HOLD:
                current = data.token_pitch(token)
            out[t, v] = current
    return out


def voice_crossing(grid: np.ndarray) -> float:
    """Share of (step, neighbouring voice pair) with both sounding where the lower voice is higher."""
    s = sounding(grid)
    upper, lower = s[:, :-1], s[:, 1:]
    both = (upper > 0) & (lower > 0)
    return float(((lower > upper) & both).sum() / max(1, both.sum()))


def soprano_run(grid: np.ndarray) -> tuple[str, ...]:
    """The soprano as note tokens (pitch:length in sixteenths): the units of the copying search."""
    return tuple(f"{'r' if p is None else p}:{n}" for p, _, n in data.events(grid[:, 0]))


def cropped(c: data.Chorale, bars: int = MAX_BARS) -> np.ndarray:
    """The first `bars` bars of a chorale's grid (the pickup counted as one)."""
    steps = bars * c.steps_per_bar - c.bar_offset
    return c.grid[:steps]


def check_targets(family: str, scores: dict) -> list[dict]:
    return _check_targets(family, scores, TARGETS)


def summary(rows: list[dict]) -> dict:
    n = len(rows)
    return {"n": n, "validity": round(sum(r["valid"] for r in rows) / n, 4),
            "voice_crossing": round(float(np.mean([r["crossing"] for r in rows])), 4),
            "scale_consistency": round(float(np.mean([mm.scale_consistency(r["notes"]) for r in rows if r["notes"]])), 4),
            "pitch_class_entropy": round(float(np.mean([mm.pitch_class_entropy(r["notes"]) for r in rows if r["notes"]])), 4),
            "reasons": dict(Counter(r["reason"][:60] for r in rows if "reason" in r).most_common(5))}
