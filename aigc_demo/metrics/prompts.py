"""Prompt-following of a text-to-image model, measured with the captions' own instruments.

A request is a class and at most one attribute word ("a dark coat": Coat, tone = dark). For
each picture drawn for it:

- class accuracy: the project's Fashion-MNIST classifier names the class asked for (that
  classifier never guides sampling: guidance is classifier-free);
- attribute hit: the attribute function (data/captions.py) measured on the picture, with the
  class's thresholds, gives the word asked for;
- attribute error: how far the picture's attribute sits from where the word asks, in units
  of the class's own distribution: the value's percentile among real test pictures of the
  class, against the centre of the asked third (1/6 for "dark", "slim", "plain", "low"; 5/6
  for "light", "wide", "patterned", "high"). Real pictures captioned with the word lie in
  that third, so theirs is about 1/12 (0.083); a picture that ignores the word has its
  percentile anywhere, about 0.36.

The controls: real test pictures whose caption holds the word (the ceiling), pictures of a
label-only model (the class without the word), and shuffled requests (each picture scored
against another request).
"""

from __future__ import annotations

import numpy as np

from ..data import captions as cap

GUIDANCES = (1.0, 2.0, 4.0)  # the guidance weights prompt-following is reported at
ATTRIBUTE_MARGIN = 0.10  # the bar: attribute error at most the real pictures' + this (class-percentile units)

DEFINITIONS = {
    "class_accuracy": "Share of pictures the project's FMNIST classifier assigns to the class the prompt names "
                      "(the classifier is not used for guidance).",
    "attribute_hit": "Share of pictures (of prompts with an attribute word) whose measured attribute word, with "
                     "the class's thresholds, is the word asked for; middle-third values are misses.",
    "attribute_error": "Mean distance between the picture's attribute percentile among real test pictures of the "
                       "class and the centre of the asked third (1/6 or 5/6); real pictures with the word ≈ 0.083, "
                       "a picture that ignores the word ≈ 0.36.",
}
TARGETS = (("seen", "class_accuracy", ">=", 0.90), ("held_out", "class_accuracy", ">=", 0.80))


def requests() -> list[tuple[int, str | None, str | None]]:
    """Every (class, attribute, word) a prompt-following test asks: each class alone, and
    with each word of each attribute that applies to it."""
    out = []
    for label in range(len(cap.CLASSES)):
        out.append((label, None, None))
        for attribute in cap.ATTRIBUTES:
            if cap.applies(attribute, label):
                out += [(label, attribute, word) for word in cap.WORDS[attribute]]
    return out


def prompt_text(label: int, attribute: str | None, word: str | None, language: str) -> str:
    """The request written as a caption's first phrasing ("a dark coat", "一件深色的外套")."""
    written = cap.write(label, {attribute: word} if attribute else {})
    return written.en[0] if language == "en" else written.zh[0]


def is_held_out(label: int, word: str | None, combos: tuple[tuple[int, str], ...] = cap.HELD_OUT) -> bool:
    return word is not None and cap.held_out(label, {"_": word}, combos)


class Percentiles:
    """Each class's real distribution of each raw attribute value (from real test pictures)."""

    def __init__(self, images: np.ndarray, labels: np.ndarray):
        values = [cap.measure(im) for im in images]
        self.sorted = {(c, a): np.sort([v[a] for v, y in zip(values, labels) if y == c])
                       for c in range(len(cap.CLASSES)) for a in cap.ATTRIBUTES if cap.applies(a, c)}

    def of(self, raw: float, label: int, attribute: str) -> float:
        s = self.sorted[(label, attribute)]
        if not len(s):  # no real picture of the class to compare with (a tiny test set)
            return 0.5
        return float(np.searchsorted(s, raw, side="right") / len(s))


def attribute_scores(images: np.ndarray, label: int, attribute: str, word: str, thresholds: dict,
                     percentiles: Percentiles) -> tuple[list[bool], list[float]]:
    """(hit, error) of each picture (uint8 (N, 28, 28)) against the asked word."""
    centre = 1 / 6 if word == cap.WORDS[attribute][0] else 5 / 6
    hits, errors = [], []
    for im in images:
        hits.append(cap.attributes(im, label, thresholds).get(attribute) == word)
        errors.append(abs(percentiles.of(cap.measure(im)[attribute], label, attribute) - centre))
    return hits, errors


def summarise(rows: list[dict]) -> dict:
    """Figures over scored pictures: rows of {"correct": bool, "hit": bool | None, "error": float | None}."""
    with_word = [r for r in rows if r["hit"] is not None]
    return {"n": len(rows),
            "class_accuracy": float(np.mean([r["correct"] for r in rows])) if rows else None,
            "attribute_hit": float(np.mean([r["hit"] for r in with_word])) if with_word else None,
            "attribute_error": float(np.mean([r["error"] for r in with_word])) if with_word else None}


def check_targets(parts: dict[str, dict], real: dict, setting: str) -> list[dict]:
    """The bars at the default setting: class accuracy on seen and held-out requests, and
    the attribute error of each part within the real pictures' + ATTRIBUTE_MARGIN."""
    out = []
    for part, metric, kind, bound in TARGETS:
        v = parts[part][metric]
        out.append({"metric": f"{part} {metric}", "target": f"{kind} {bound}", "value": v, "met": v >= bound,
                    "setting": setting})
    for part in ("seen", "held_out"):
        v, bound = parts[part]["attribute_error"], real["attribute_error"] + ATTRIBUTE_MARGIN
        out.append({"metric": f"{part} attribute_error", "target": f"<= real pictures' + {ATTRIBUTE_MARGIN} "
                    f"({bound:.3f})", "value": v, "met": v <= bound, "setting": setting})
    return out
