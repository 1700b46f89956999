"""Measures of a folk-tune model against real tunes (the held-out test split of data/folk.py).

- held-out NLL: nats per token over each test tune (its header tokens, its body and its end),
  beside n-gram baselines fitted on the training split by nltk (a unigram with add-one
  smoothing, a Witten-Bell interpolated trigram), the same targets for all;
- validity: the share of tunes that music21 reads *and* writes to MIDI, and whose bars add
  up to the meter (music.bars_fit: at least BARS_FIT_SHARE of the bars it checks);
- closeness to real music, after MGEval (Yang & Lerch 2018): for each per-tune feature, the
  distances between tunes *within* the real set and *across* real and generated are each
  smoothed into a density (Gaussian KDE), and the overlapping area (OA) of the two densities
  is reported with their KL divergence, both on one common grid (MGEval's code evaluates the
  two densities on different grids). The same figure for a second real set against the first
  is the ceiling;
- copying: the longest run of body tokens a tune shares with any one training tune, beside
  the same for held-out real tunes;
- conditioning: whether the tunes asked for a key and a meter keep them: the key music21's
  analysis finds (Krumhansl-Schmuckler) has the asked key's signature, and the bars fit the
  asked meter.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from .. import music
from ..data import folk
from .features import check_targets as _check_targets
from .text import OverlapIndex

BARS_FIT_SHARE = 0.9  # real tunes: 95 % have at least this share of their checked bars full
NOTE_LENGTHS = (0.25, 1 / 3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)  # quarter notes; the last bin takes the rest
FEATURES = ("pitch_count", "pitch_range", "pitch_class_histogram", "average_interval", "note_length_histogram",
            "average_inter_onset_interval")
DEFINITIONS = {
    "nll_nats_per_token": "Mean negative log-likelihood, nats per token, of each held-out test tune (headers, body, end) "
                          "given the tokens before it. Lower is better.",
    "validity": f"Share of tunes music21 reads and writes to MIDI whose bars add up to the meter (at least "
                f"{BARS_FIT_SHARE:.0%} of the bars checked: all but the first, the last, those beside a section line "
                "and the endings). Higher is better.",
    "bars_exact": "Share of tunes with every checked bar exactly one bar of the meter.",
    "overlapping_area": "MGEval's overlapping area of the within-real and real-to-generated distance densities of a "
                        "per-tune feature (1 = indistinguishable). Higher is better; the real reference is a second "
                        "real set.",
    "kl_divergence": "KL divergence of the within-real distance density from the real-to-generated one, on one grid. "
                     "Lower is better.",
    "longest_shared_run": "Median, over tunes, of the longest run of body tokens a tune shares with one training tune.",
    "key_followed": "Share of tunes whose key by music21's analysis has the asked key's signature.",
    "meter_followed": "Share of tunes whose bars fit the asked meter (as validity's bar check).",
    "scale_consistency": "Mean over tunes of the largest share of notes inside one major or minor scale (muspy's "
                         "definition, on the notes music21 reads).",
    "pitch_class_entropy": "Mean over tunes of the entropy (bits) of the pitch-class histogram (muspy's definition).",
}
# Bars of the shipped model ("generated" row; the copying bar: its median run at most the
# held-out real tunes' median plus COPY_MARGIN tokens)
COPY_MARGIN = 8
TARGETS = {"folk_gpt": [("validity", ">=", 0.95), ("overlapping_area_ratio", ">=", 0.8),
                        ("key_followed", ">=", 0.85), ("meter_followed", ">=", 0.85),
                        ("longest_shared_run_excess", "<=", COPY_MARGIN)]}


# --- reading tunes ---------------------------------------------------------------------------

def read(abc: str, meter: str) -> dict:
    """What the measures need of one tune: its score and notes, whether it is valid, its bars."""
    try:
        score = music.parse(abc)
        music.midi_bytes(score)
    except music.InvalidTune as e:
        return {"valid": False, "reason": str(e)}
    fit = music.bars_fit(score, meter)
    share = 1 - fit["wrong"] / fit["checked"] if fit["checked"] else 0.0  # no inner bar: nothing adds up
    return {"score": score, "notes": music.notes(score), "bars_share": share, "bars_exact": fit["wrong"] == 0,
            "valid": share >= BARS_FIT_SHARE}


def real_abc(tune: folk.Tune) -> str:
    """A real tune as the pipeline writes a generated one (the same fields and body layout)."""
    return music.abc_document(tune.body, meter=folk.meter_of(tune.headers), key=tune.headers["K"],
                              unit=folk.unit_token(tune.headers)[2:])


def read_real(tune: folk.Tune) -> dict:
    """read() of a real tune, written as the pipeline writes a generated one, against its own meter."""
    return read(real_abc(tune), folk.meter_of(tune.headers))


def feature_rows(rows: list[dict]) -> list[dict]:
    """features() of each read() result with notes to measure (at least two)."""
    return [features(r["notes"]) for r in rows if "notes" in r and len(r["notes"]) > 1]


# --- per-tune features (MGEval's, on music21's notes) ---------------------------------------------

def features(notes: list) -> dict[str, np.ndarray]:
    pitches = np.array([n.pitch for n in notes], dtype=float)
    onsets = np.array(sorted({n.onset for n in notes}), dtype=float)
    lengths = np.array([n.duration for n in notes], dtype=float)
    pc = np.bincount(pitches.astype(int) % 12, minlength=12) / len(pitches)
    bins = np.array([np.argmin(np.abs(np.array(NOTE_LENGTHS) - d)) if d <= NOTE_LENGTHS[-1] + 0.5
                     else len(NOTE_LENGTHS) for d in lengths])
    nl = np.bincount(bins, minlength=len(NOTE_LENGTHS) + 1) / len(lengths)
    return {
        "pitch_count": np.array([len(set(pitches))], dtype=float),
        "pitch_range": np.array([pitches.max() - pitches.min()]),
        "pitch_class_histogram": pc,
        "average_interval": np.array([np.abs(np.diff(pitches)).mean() if len(pitches) > 1 else 0.0]),
        "note_length_histogram": nl,
        "average_inter_onset_interval": np.array([np.diff(onsets).mean() if len(onsets) > 1 else 0.0]),
    }


def _distances(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Euclidean distances: all pairs within a (each pair once) or across a and b."""
    if b is None:
        i, j = np.triu_indices(len(a), k=1)
        return np.linalg.norm(a[i] - a[j], axis=1)
    return np.linalg.norm(a[:, None, :] - b[None, :, :], axis=-1).ravel()


def overlap(intra: np.ndarray, inter: np.ndarray, grid_points: int = 1000) -> tuple[float, float]:
    """(overlapping area, KL(intra || inter)) of the Gaussian-KDE densities of two distance
    samples, both evaluated on one grid spanning both."""
    from scipy.stats import gaussian_kde

    lo, hi = min(intra.min(), inter.min()), max(intra.max(), inter.max())
    if hi - lo < 1e-12:
        return 1.0, 0.0
    pad = 0.1 * (hi - lo)
    grid = np.linspace(lo - pad, hi + pad, grid_points)

    def density(x):
        if len(x) < 2:  # one distance (two items): a narrow bump there
            x = np.repeat(x, 2)
        if np.ptp(x) < 1e-12:  # a single value: a narrow bump there
            x = x + np.random.default_rng(0).normal(0, 1e-3 * (hi - lo), len(x))
        return gaussian_kde(x)(grid)

    p, q = density(intra), density(inter)
    dx = grid[1] - grid[0]
    oa = float(np.minimum(p, q).sum() * dx)
    eps = 1e-10
    kl = float(np.sum(p * np.log((p + eps) / (q + eps))) * dx)
    return oa, kl


def closeness(reference: list[dict], other: list[dict]) -> dict:
    """MGEval's OA and KL of each feature: within `reference` against across reference and `other`."""
    out = {}
    for name in FEATURES:
        a = np.stack([f[name] for f in reference])
        b = np.stack([f[name] for f in other])
        oa, kl = overlap(_distances(a), _distances(a, b))
        out[name] = {"overlapping_area": round(oa, 4), "kl_divergence": round(kl, 4)}
    out["mean"] = {k: round(float(np.mean([out[f][k] for f in FEATURES])), 4) for k in ("overlapping_area", "kl_divergence")}
    return out


# --- muspy's two extras, on music21's notes ---------------------------------------------------

def scale_consistency(notes: list) -> float:
    """The largest share of notes inside one major or natural-minor scale (any of 24)."""
    pcs = np.array([n.pitch % 12 for n in notes])
    major = np.array([0, 2, 4, 5, 7, 9, 11])
    best = 0.0
    for tonic in range(12):
        for steps in (major, (major + 9) % 12):  # the relative minor has the same notes as its major
            best = max(best, float(np.isin(pcs, (steps + tonic) % 12).mean()))
    return best


def pitch_class_entropy(notes: list) -> float:
    counts = np.bincount([n.pitch % 12 for n in notes], minlength=12)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


# --- conditioning ---------------------------------------------------------------------------

def key_followed(score, key: str) -> bool:
    """Does music21's key analysis (Krumhansl-Schmuckler) find a key with the signature of `key`
    (an ABC K: value such as "Dmaj", "Ador")?"""
    from music21 import key as m21key

    m = folk.key_token(key)
    tonic, mode = m[2:-3], m[-3:]
    modes = {"maj": "major", "min": "minor", "dor": "dorian", "mix": "mixolydian", "phr": "phrygian",
             "lyd": "lydian", "loc": "locrian"}
    asked = m21key.Key(tonic.replace("b", "-"), modes[mode])
    return score.analyze("key").sharps == asked.sharps


# --- copying --------------------------------------------------------------------------------

class TuneOverlap(OverlapIndex):
    """The text measure's substring search over body tokens: the longest run of tokens a tune
    shares with one training tune."""

    def __init__(self, bodies: list[tuple[str, ...]]):
        super().__init__({"abc": [" ".join(b) for b in bodies]})

    @staticmethod
    def units(text: str, lang: str) -> list[str]:
        return text.split(" ")

    def longest_run(self, tokens) -> int:
        return self.longest(" ".join(tokens), lang="abc")["length"]


# --- n-gram baselines -------------------------------------------------------------------------

def ngram_nll(train: list[list[str]], test: list[list[str]], order: int) -> float:
    """nats per token of the test tunes (each token and the end of the tune) under an nltk
    n-gram model fitted on the training tunes: order 1 with add-one smoothing, above that
    Witten-Bell interpolation."""
    from nltk.lm import Laplace, WittenBellInterpolated
    from nltk.lm.preprocessing import padded_everygram_pipeline

    lm = Laplace(1) if order == 1 else WittenBellInterpolated(order)
    data, vocab = padded_everygram_pipeline(order, train)
    lm.fit(data, vocab)
    total = count = 0
    for tune in test:
        padded = ["<s>"] * (order - 1) + list(tune) + ["</s>"]
        for i in range(order - 1, len(padded)):
            total -= math.log(max(lm.score(padded[i], padded[i - order + 1:i] if order > 1 else None), 1e-12))
            count += 1
    return total / count


def model_nll(model, tokenizer, texts: list[str], device: str = "cpu") -> float:
    """nats per token of each text as one record, <eos> first (the context) and last (a target):
    the same targets as ngram_nll."""
    import torch
    import torch.nn.functional as F

    total = count = 0
    eos = tokenizer.eos_token_id
    with torch.no_grad():
        for text in texts:
            ids = [eos] + tokenizer(text, add_special_tokens=False)["input_ids"] + [eos]
            ids = ids[:model.config.n_positions]
            x = torch.tensor([ids], device=device)
            logits = model(input_ids=x).logits[0, :-1].float()
            total += float(F.cross_entropy(logits, x[0, 1:], reduction="sum"))
            count += len(ids) - 1
    return total / count


def check_targets(family: str, scores: dict) -> list[dict]:
    return _check_targets(family, scores, TARGETS)


def summary(tunes: list[dict]) -> dict:
    """Validity and its parts over read() results."""
    n = len(tunes)
    readable = [t for t in tunes if "score" in t]
    return {"n": n, "validity": round(sum(t["valid"] for t in tunes) / n, 4),
            "readable": round(len(readable) / n, 4),
            "bars_exact": round(sum(t.get("bars_exact", False) for t in tunes) / n, 4),
            "reasons": dict(Counter(t["reason"][:60] for t in tunes if "reason" in t).most_common(5))}
