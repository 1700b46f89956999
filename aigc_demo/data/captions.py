"""Synthetic captions for Fashion-MNIST: the label plus attributes measured from the pixels.

Fashion-MNIST has labels, not captions. A caption here is built from the label and from
three or four attributes that deterministic functions measure on the 28x28 picture itself,
so a caption is never a guess and the same function can check a generated picture against
the caption it was asked for:

- tone: the mean brightness of the garment's pixels (Fashion-MNIST draws the garment light on
  black: a dim garment is a dark one) -> "dark" / "light";
- width: the spread of the garment's brightness across the picture (its horizontal second
  moment: the standard deviation of the column, weighted by brightness, in picture widths)
  -> "slim" / "wide";
- texture: the mean absolute Laplacian over the garment, i.e. how much the brightness changes
  from pixel to pixel inside it -> "plain" / "patterned";
- shaft (footwear only: sandals, sneakers, ankle boots): the same spread up and down (the
  vertical second moment): a tall shoe is a high one -> "low" / "high".

Each attribute has two words, for the lower and the upper third of its values *within the
class* (a "wide" trouser is wide for a trouser), and none for the middle third, which the
caption leaves unsaid. The thresholds are fitted once on the training split (`fit_thresholds`)
and travel with a model in its config, so a picture can be measured where the dataset is
not installed.

Captions are written in several phrasings, in English and in Chinese. Some class-attribute
combinations (HELD_OUT) never occur in the training captions: a model's figures on them
measure how it generalises to combinations it has not seen. A text-to-image model also holds
out VALIDATION_HELD_OUT, other combinations of the same kinds, on which its sampling settings
are chosen, so that the test's held-out combinations choose nothing.

These captions are synthetic: the label and measured attributes, not a person's
description. Everything that shows them says so (CAPTION_NOTE).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from .fashion_mnist import CLASSES

CAPTION_NOTE = ("Synthetic captions: the Fashion-MNIST label plus attributes measured from the pixels "
                "(tone, width, texture, shoe height), not a person's description.")

INK = 0.1  # a pixel above this brightness (of 1) belongs to the garment
FOOTWEAR = (5, 7, 9)  # Sandal, Sneaker, Ankle boot
ATTRIBUTES = ("tone", "width", "texture", "shaft")
WORDS = {"tone": ("dark", "light"), "width": ("slim", "wide"), "texture": ("plain", "patterned"),
         "shaft": ("low", "high")}
WORDS_ZH = {"dark": "深色", "light": "浅色", "slim": "窄", "wide": "宽", "plain": "素色", "patterned": "带花纹",
            "low": "低帮", "high": "高帮"}
# Chinese names with their measure words (一件衬衫, 一条裤子, 一双鞋, 一个包)
CLASSES_ZH = (("件", "T恤"), ("条", "裤子"), ("件", "套头衫"), ("条", "连衣裙"), ("件", "外套"),
              ("双", "凉鞋"), ("件", "衬衫"), ("双", "运动鞋"), ("个", "包"), ("双", "短靴"))
NOUNS_EN = ("T-shirt", "pair of trousers", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
            "ankle boot")
# Combinations no training caption contains (class index, word): measured apart as "held out"
HELD_OUT = ((1, "wide"), (2, "patterned"), (4, "light"), (7, "high"), (8, "dark"))
# Combinations held out the same way to choose a model's settings on (scripts/guidance_selection.py):
# one per class not in HELD_OUT, the attributes in the same mix (two tones, a width, a texture,
# a shoe height)
VALIDATION_HELD_OUT = ((0, "patterned"), (3, "wide"), (5, "light"), (6, "dark"), (9, "low"))


# --- measuring ------------------------------------------------------------------------------

def measure(image: np.ndarray) -> dict[str, float]:
    """The raw attribute values of one picture: (28, 28) uint8 or float in [0, 1], light
    garment on black."""
    x = np.asarray(image, dtype=np.float64)
    if x.max() > 1.0:
        x = x / 255.0
    ink = x > INK
    if not ink.any():
        return {"tone": 0.0, "width": 0.0, "texture": 0.0, "shaft": 0.0}
    # a 4-neighbour Laplacian, zero padded; only inside the garment (its outline is not texture)
    padded = np.pad(x, 1)
    lap = 4 * x - padded[:-2, 1:-1] - padded[2:, 1:-1] - padded[1:-1, :-2] - padded[1:-1, 2:]
    around = np.pad(ink, 1)
    inner = ink & around[:-2, 1:-1] & around[2:, 1:-1] & around[1:-1, :-2] & around[1:-1, 2:]
    mass = np.where(ink, x, 0.0)
    rows, cols = np.indices(x.shape)

    def spread(position):  # the brightness-weighted standard deviation of a coordinate, over 28
        mean = (mass * position).sum() / mass.sum()
        return float(np.sqrt((mass * (position - mean) ** 2).sum() / mass.sum()) / x.shape[0])

    return {"tone": float(x[ink].mean()),
            "width": spread(cols),
            "texture": float(np.abs(lap[inner]).mean()) if inner.any() else 0.0,
            "shaft": spread(rows)}


def applies(attribute: str, label: int) -> bool:
    return attribute != "shaft" or label in FOOTWEAR


def fit_thresholds(images: np.ndarray, labels: np.ndarray) -> dict:
    """{class index: {attribute: (lower third's top, upper third's bottom)}} from pictures of
    the training split."""
    values = [measure(im) for im in images]
    out = {}
    for c in range(len(CLASSES)):
        rows = [v for v, y in zip(values, labels) if y == c]
        out[c] = {a: tuple(float(q) for q in np.quantile([r[a] for r in rows], (1 / 3, 2 / 3)))
                  for a in ATTRIBUTES if applies(a, c) and rows}
    return out


def attributes(image: np.ndarray, label: int, thresholds: dict) -> dict[str, str]:
    """{attribute: word} for the attributes of this picture outside its class's middle third."""
    raw, out = measure(image), {}
    for a, (lo, hi) in thresholds[label].items():
        if raw[a] <= lo:
            out[a] = WORDS[a][0]
        elif raw[a] >= hi:
            out[a] = WORDS[a][1]
    return out


# --- writing --------------------------------------------------------------------------------

ORDER = ("tone", "width", "shaft", "texture")  # adjectives in a fixed order: "a dark, wide, patterned coat"


@dataclass(frozen=True)
class Caption:
    label: int
    words: dict  # {attribute: word}
    en: tuple[str, ...]  # every English phrasing
    zh: tuple[str, ...]  # every Chinese phrasing


def write(label: int, words: dict[str, str]) -> Caption:
    """Every phrasing of the caption for a class and its attribute words, in both languages:
    "a dark, wide coat", "a dark, wide coat, on black", "a picture of a dark, wide coat";
    "一件深色、宽的外套", "深色、宽的外套", "这是一件深色、宽的外套"."""
    adjectives = [words[a] for a in ORDER if a in words]
    phrase = ", ".join(adjectives) + " " + NOUNS_EN[label] if adjectives else NOUNS_EN[label]
    article = "an" if phrase[0] in "aeiou" else "a"
    en = (f"{article} {phrase}", f"{article} {phrase}, on black", f"a picture of {article} {phrase}")
    measure_word, noun = CLASSES_ZH[label]
    desc = "、".join(WORDS_ZH[w] for w in adjectives) + "的" + noun if adjectives else noun
    zh = (f"一{measure_word}{desc}", desc, f"这是一{measure_word}{desc}")
    return Caption(label, dict(words), en, zh)


def every_caption():
    """Every caption there can be: each class with each choice of its attribute words (the
    closed vocabulary a captioner writes from, and a reader's test set)."""
    import itertools

    for label in range(len(CLASSES)):
        names = [a for a in ATTRIBUTES if applies(a, label)]
        for combo in itertools.product(*[(None, *WORDS[a]) for a in names]):
            yield write(label, {a: w for a, w in zip(names, combo) if w})


# --- reading ------------------------------------------------------------------------------

# what a reader of English captions takes for each class (the captions' own nouns and plurals)
NOUN_FORMS_EN = {0: ("t-shirt", "t-shirts", "top", "tee"), 1: ("trousers", "trouser", "pants"),
                 2: ("pullover", "pullovers", "sweater", "jumper"), 3: ("dress", "dresses"), 4: ("coat", "coats"),
                 5: ("sandal", "sandals"), 6: ("shirt", "shirts"), 7: ("sneaker", "sneakers"), 8: ("bag", "bags"),
                 9: ("ankle boot", "ankle boots", "boot", "boots")}
FILLER_EN = {"a", "an", "the", "of", "pair", "picture", "on", "black", "photo", "and"}
FILLER_ZH = ("这是", "一", "的", "、", "，", "件", "条", "双", "个")


def words_of(language: str) -> set[str]:
    """Every word a reader of this language's captions knows: nouns, attribute words, filler."""
    if language == "en":
        return {w for forms in NOUN_FORMS_EN.values() for f in forms for w in f.split()} \
            | {w for pair in WORDS.values() for w in pair} | FILLER_EN
    return {noun for _, noun in CLASSES_ZH} | set(WORDS_ZH.values()) | set(FILLER_ZH)


def read(text: str, language: str) -> tuple[int | None, dict[str, str], list[str]]:
    """(class, {attribute: word}, unknown words) of a caption or prompt: the class its noun
    names (None if none or several do), the attribute words it uses, and what it holds that
    no caption does (for a notice; a model never saw those)."""
    words, unknown, classes = {}, [], set()
    if language == "en":
        tokens = [t.strip(".,;:!?\"'()") for t in text.lower().split()]
        tokens = [t for t in tokens if t]
        i = 0
        while i < len(tokens):
            two = " ".join(tokens[i:i + 2])
            hit = next((c for c, forms in NOUN_FORMS_EN.items() if two in forms), None)
            if hit is not None:
                classes.add(hit)
                i += 2
                continue
            t = tokens[i]
            hit = next((c for c, forms in NOUN_FORMS_EN.items() if t in forms), None)
            attribute = next((a for a, pair in WORDS.items() if t in pair), None)
            if hit is not None:
                classes.add(hit)
            elif attribute is not None:
                words[attribute] = t
            elif t not in FILLER_EN:
                unknown.append(t)
            i += 1
    else:  # longest match over the known Chinese words, character by character
        known = sorted({noun for _, noun in CLASSES_ZH} | set(WORDS_ZH.values()) | set(FILLER_ZH), key=len,
                       reverse=True)
        zh_words = {v: k for k, v in WORDS_ZH.items()}
        nouns = {noun: c for c, (_, noun) in enumerate(CLASSES_ZH)}
        i, unknown_end, text = 0, -1, "".join(text.split())
        while i < len(text):
            hit = next((k for k in known if text.startswith(k, i)), None)
            if hit is None:  # a run of unknown characters is one unknown word
                if unknown and unknown_end == i:
                    unknown[-1] += text[i]
                else:
                    unknown.append(text[i])
                i += 1
                unknown_end = i
                continue
            if hit in nouns:
                classes.add(nouns[hit])
            elif hit in zh_words:
                word = zh_words[hit]
                words[next(a for a, pair in WORDS.items() if word in pair)] = word
            i += len(hit)
    return (classes.pop() if len(classes) == 1 else None), words, unknown


def held_out(label: int, words: dict[str, str], combos: tuple[tuple[int, str], ...] = HELD_OUT) -> bool:
    return any(label == c and w in words.values() for c, w in combos)


def trainable(captions: list[Caption], combos: tuple[tuple[int, str], ...] = HELD_OUT) -> np.ndarray:
    """True for the pictures a model may train on: those whose caption holds none of the
    held-out combinations `combos` (HELD_OUT leaves out about a sixth of the training split;
    the held-out test figures come from the test split's pictures that do hold one)."""
    return np.array([not held_out(cap.label, cap.words, combos) for cap in captions], dtype=bool)


def caption_split(images: np.ndarray, labels: np.ndarray, thresholds: dict) -> list[Caption]:
    return [write(int(y), attributes(im, int(y), thresholds)) for im, y in zip(images, labels)]


def pick(caption: Caption, rng: random.Random, language: str) -> str:
    """One phrasing, chosen by rng (training draws a new one each time it sees the image)."""
    return rng.choice(caption.en if language == "en" else caption.zh)


def card(captions: list[Caption], thresholds: dict) -> dict:
    """The dataset card: attributes with their thresholds per class and how often each word
    occurs per class, and the held-out combinations."""
    freq = {}
    for c in range(len(CLASSES)):
        mine = [cap for cap in captions if cap.label == c]
        freq[CLASSES[c]] = {w: round(sum(w in cap.words.values() for cap in mine) / max(len(mine), 1), 3)
                            for a in ATTRIBUTES if applies(a, c) for w in WORDS[a]}
    return {"note": CAPTION_NOTE,
            "attributes": {"tone": "mean brightness of the garment's pixels (> 0.1)",
                           "width": "brightness-weighted standard deviation of the column, / 28",
                           "texture": "mean |4-neighbour Laplacian| inside the garment",
                           "shaft": "brightness-weighted standard deviation of the row, / 28 (footwear only)"},
            "words": WORDS, "words_zh": WORDS_ZH,
            "thresholds": {CLASSES[c]: {a: [round(v, 4) for v in t] for a, t in th.items()}
                           for c, th in thresholds.items()},
            "frequency": freq,
            "held_out": [f"{CLASSES[c]} + {w}" for c, w in HELD_OUT]}


# --- examples shipped with a model ------------------------------------------------------------

def save_examples(path, images: np.ndarray, truth: list[Caption]) -> None:
    """Pictures (N, 28, 28) uint8 with their captions' first phrasings, as a compressed .npz."""
    np.savez_compressed(path, images=images, captions=np.array([t.en[0] for t in truth]),
                        captions_zh=np.array([t.zh[0] for t in truth]))


def load_examples(path) -> list[tuple[np.ndarray, str, str]]:
    """(picture, English caption, Chinese caption) of a save_examples file; [] if absent."""
    from pathlib import Path

    if not Path(path).is_file():
        return []
    with np.load(path, allow_pickle=False) as z:
        return [(a, str(en), str(zh)) for a, en, zh in zip(z["images"], z["captions"], z["captions_zh"])]
