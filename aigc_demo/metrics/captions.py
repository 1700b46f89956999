"""Measures of image captions (data/captions.py's synthetic ones, English or Chinese):

- CIDEr-D (Vedantam, Zitnick & Parikh 2015) by the coco-caption reference code
  (`pycocoevalcap`'s Cider: n-grams 1-4 weighted by TF-IDF, the document frequencies taken
  from the references of the set scored, counts clipped to the references', a Gaussian
  length penalty, sigma 6, times 10). It is given pre-tokenised strings, English words
  lower-cased and Chinese as space-separated characters, so coco-caption's Java tokenizer is
  not needed. Because IDF comes from the references, one picture alone scores 0: score sets.
- BLEU-4, corpus level, by sacrebleu (tokenizer 13a for English, zh for Chinese), every
  phrasing of the picture's caption a reference.
- content: the share of captions whose class, read back from the words (captions.read), is
  the picture's, and the share that also carry exactly the picture's attribute words.

The "real caption" reference scores one phrasing of each picture's own caption against its
other phrasings: the ceiling a captioner can reach on these metrics.
"""

from __future__ import annotations

import random

from ..data import captions as cap

DEFINITIONS = {
    "cider_d": "CIDEr-D (coco-caption's reference code, pycocoevalcap) of each caption against the picture's "
               "caption phrasings, IDF from the set's references; higher is better, 10 = every caption word for "
               "word one of its references.",
    "bleu_4": "Corpus BLEU-4 by sacrebleu (13a tokens for English, zh for Chinese) against every phrasing.",
    "class_accuracy": "Share of captions whose noun names the picture's class.",
    "attributes_exact": "Share of captions naming the picture's class and exactly its attribute words.",
}


def tokens(text: str, language: str) -> str:
    """What CIDEr-D counts: lower-cased words without punctuation, or Chinese characters."""
    if language == "zh":
        return " ".join(ch for ch in text if not ch.isspace() and ch not in "，。、")
    return " ".join(t.strip(".,;:!?\"'()") for t in text.lower().split())


def cider_d(hypotheses: list[str], references: list[list[str]], language: str) -> float:
    from pycocoevalcap.cider.cider import Cider

    gts = {i: [tokens(r, language) for r in refs] for i, refs in enumerate(references)}
    res = {i: [tokens(h, language)] for i, h in enumerate(hypotheses)}
    score, _ = Cider().compute_score(gts, res)
    return float(score)


def bleu_4(hypotheses: list[str], references: list[list[str]], language: str) -> float:
    import sacrebleu

    streams = [list(s) for s in zip(*references)]  # sacrebleu wants one stream per reference position
    return float(sacrebleu.corpus_bleu(hypotheses, streams, tokenize="zh" if language == "zh" else "13a").score)


def content(hypotheses: list[str], truth: list[cap.Caption], language: str) -> dict[str, float]:
    read = [cap.read(h, language) for h in hypotheses]
    right_class = [label == t.label for (label, _, _), t in zip(read, truth)]
    exact = [ok and words == t.words for ok, (_, words, _), t in zip(right_class, read, truth)]
    return {"class_accuracy": sum(right_class) / len(truth), "attributes_exact": sum(exact) / len(truth)}


def figures(hypotheses: list[str], references: list[list[str]], truth: list[cap.Caption], language: str) -> dict:
    return {"cider_d": round(cider_d(hypotheses, references, language), 4),
            "bleu_4": round(bleu_4(hypotheses, references, language), 2),
            **{k: round(v, 4) for k, v in content(hypotheses, truth, language).items()}}


def phrasings(c: cap.Caption, language: str) -> tuple[str, ...]:
    return c.en if language == "en" else c.zh


def real_caption_reference(truth: list[cap.Caption], language: str, seed: int = 0) -> dict:
    """One phrasing of each picture's caption, drawn by seed, scored against its others."""
    rng = random.Random(seed)
    hyps, refs = [], []
    for c in truth:
        options = phrasings(c, language)
        k = rng.randrange(len(options))
        hyps.append(options[k])
        refs.append([p for j, p in enumerate(options) if j != k])
    return figures(hyps, refs, truth, language)


def controls(truth: list[cap.Caption], language: str, seed: int = 0) -> dict[str, dict]:
    """Negative controls, scored against every phrasing: the label alone (no attributes), and
    another picture's caption (shuffled)."""
    rng = random.Random(seed)
    refs = [list(phrasings(c, language)) for c in truth]
    label_only = [phrasings(cap.write(c.label, {}), language)[0] for c in truth]
    order = list(range(len(truth)))
    rng.shuffle(order)
    shuffled = [phrasings(truth[j], language)[0] for j in order]
    return {"label_only": figures(label_only, refs, truth, language),
            "shuffled": figures(shuffled, refs, truth, language)}


# The bar for a shipped captioner: greedy captions name the picture's class this often,
# in each language, on the whole test split.
TARGETS = (("class_accuracy", ">=", 0.85),)


def check_targets(systems: dict[str, dict], which: tuple[str, ...]) -> list[dict]:
    out = []
    for name in which:
        for metric, kind, bound in TARGETS:
            v = systems[name][metric]
            out.append({"metric": metric, "target": f"{kind} {bound}", "value": v,
                        "met": v >= bound if kind == ">=" else v <= bound, "decoding": name})
    return out
