"""Measures of the next-line task (the Seq2Seq poet): given one line of a held-out poem, how
close is the written line to the real next line, does it keep the form, and is it copied?

- BLEU-2 / BLEU-4: corpus BLEU (sacrebleu, `zh` tokenizer: one token per Chinese character)
  of the outputs against the real next lines, one reference each, 0-1; `_std` is its
  bootstrap standard error (the pairs resampled with replacement).
- form_following: the share of outputs with exactly the input's number of characters, all
  Chinese (a five-character line answered by five, a seven by seven).
- distinct_1 / distinct_2: unique character 1- and 2-grams over all of them, across outputs.
- verbatim_copies: the share of outputs that are, character for character, a line of a
  training poem.

Every system is scored on the same pairs: the poet (greedy, beam), the GPT prompted with the
line and a comma, and two controls that must score worse than a real poet: repeating the
input line, and a random training line of the same form.
"""

from __future__ import annotations

import random

import numpy as np
from sacrebleu.metrics import BLEU

from ..data.poems import is_han
from .text import distinct

BOOTSTRAP_DRAWS = 300
DEFINITIONS = {
    "bleu_2": "corpus BLEU-2 (sacrebleu, tokenize zh: one token per character) of the outputs against the real next "
              "lines, one reference each, 0-1; bleu_2_std: its bootstrap standard error over the pairs",
    "bleu_4": "the same with up to 4-grams",
    "form_following": "share of outputs with the input line's number of characters, all Chinese",
    "distinct_1": "unique characters over all characters of the outputs",
    "distinct_2": "unique character bigrams over all bigrams of the outputs",
    "verbatim_copies": "share of outputs that are, character for character, a line of a training poem",
}
# The poet's bars (each decoding): the form kept, little copying.
TARGETS = [("form_following", ">=", 0.9), ("verbatim_copies", "<=", 0.1)]


def corpus_bleu(hypotheses: list[str], references: list[str], n: int) -> float:
    return BLEU(tokenize="zh", max_ngram_order=n).corpus_score(hypotheses, [references]).score / 100


def bootstrap_bleu_std(hypotheses: list[str], references: list[str], n: int, seed: int = 0,
                       draws: int = BOOTSTRAP_DRAWS) -> float:
    rng = np.random.default_rng(seed)
    scores = []
    for _ in range(draws):
        idx = rng.integers(0, len(hypotheses), len(hypotheses))
        scores.append(corpus_bleu([hypotheses[i] for i in idx], [references[i] for i in idx], n))
    return float(np.std(scores, ddof=1))


def figures(outputs: list[str], lines: list[str], references: list[str], training_lines: set[str], *,
            seed: int = 0, with_bleu: bool = True) -> dict:
    out = {}
    if with_bleu:
        for n in (2, 4):
            out[f"bleu_{n}"] = corpus_bleu(outputs, references, n)
            out[f"bleu_{n}_std"] = bootstrap_bleu_std(outputs, references, n, seed)
    out["form_following"] = sum(len(o) == len(x) and is_han(o) for o, x in zip(outputs, lines)) / len(outputs)
    out["distinct_1"] = distinct(outputs, 1, "zh")
    out["distinct_2"] = distinct(outputs, 2, "zh")  # zh: one token per character, so character bigrams
    out["verbatim_copies"] = sum(o in training_lines for o in outputs) / len(outputs)
    return out


def controls(lines: list[str], training_lines: set[str], seed: int = 0) -> dict[str, list[str]]:
    """The negative controls' outputs: the input itself, and a random training line of the
    input's length."""
    rng = random.Random(seed)
    by_length: dict[int, list[str]] = {}
    for t in sorted(training_lines):
        by_length.setdefault(len(t), []).append(t)
    return {"repeat_input": list(lines),
            "random_training_line": [rng.choice(by_length.get(len(x)) or sorted(training_lines)) for x in lines]}


def check_targets(systems: dict[str, dict], which: tuple[str, ...]) -> list[dict]:
    out = []
    for name in which:
        for metric, kind, bound in TARGETS:
            v = systems[name][metric]
            met = v >= bound if kind == ">=" else v <= bound
            out.append({"metric": metric, "target": f"{kind} {bound}", "value": v, "met": met, "decoding": name})
    return out
