"""The text-to-image pipeline: a prompt in English or Chinese in, Fashion-MNIST pictures out.

    pipe = TextToImagePipeline.from_checkpoint("checkpoints/image/text_to_image")
    out = pipe.from_text("a dark, wide coat", negative_prompt="", n=8, seed=0, steps=25)  # guidance: the default
    out.images    # 28x28 PIL pictures
    out.asked     # what the prompt asks for, as the captions' reader sees it: class, attribute words
    out.measured  # per picture, the attribute words measured on it (for the class asked)
    out.meta      # model, checkpoint hash, seed, prompts, controls, device, seconds, the captions note

The model knows only the words of its synthetic captions (a closed vocabulary, both
languages); a prompt with any other word is refused with a message listing the words it
knows, rather than drawn from a prompt it cannot read. As a class-conditional generator
(`sample`, the Image tab's class picker, the image metrics) it is prompted with the class
name alone ("a coat").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .. import checkpoint as ckpt
from ..controls import InputError, resolve_seed
from ..data import captions as cap
from ..data.fashion_mnist import CLASSES
from ..families.image import MAX_PROMPT_CHARS, N, TEXT_TO_IMAGE
from ..images import to_pil, to_uint8
from .base import Meta, Timer
from .image import ImagePipeline

CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class TextImageOutput:
    images: list  # 28x28 grayscale PIL pictures
    labels: list[str]  # the class the prompt names, for each picture (its PNG's "class")
    asked: dict  # {"class": name or None, "words": {attribute: word}, "language": "en" | "zh"}
    measured: list[dict]  # per picture {attribute: word} measured on it for the asked class ({} without one)
    meta: dict
    verdicts: list[dict] = field(default_factory=list)  # per picture, the project's classifier's (Studio adds them)


def prompt_language(text: str) -> str:
    """"zh" for a prompt holding Chinese characters (Latin letters in it are read as Chinese
    text: "T恤" is a T-shirt), "en" otherwise."""
    return "zh" if CJK.search(text) else "en"


class TextToImagePipeline(ImagePipeline):
    family, controls = TEXT_TO_IMAGE.name, TEXT_TO_IMAGE.controls

    def __init__(self, model, vocab, thresholds: dict, *, name: str, checkpoint_sha256: str, device: str = "cpu",
                 validation_held_out: tuple = ()):
        super().__init__(model, name=name, checkpoint_sha256=checkpoint_sha256, device=device)
        self.vocab, self.thresholds = vocab, thresholds
        # the combinations its training held out to choose settings on (none for older checkpoints)
        self.validation_held_out = validation_held_out
        self.lowercase = {t.lower(): t for t in vocab.tokens}  # "t-shirt" is the vocabulary's "T-shirt"

    @classmethod
    def from_checkpoint(cls, folder: str | Path, *, device: str = "cpu") -> "TextToImagePipeline":
        from ..models.captioner import CaptionVocab
        from ..models.text_to_image import TextToImage, TextToImageConfig

        folder, config, weights, sha = cls._read(folder)
        model = TextToImage(TextToImageConfig.from_dict(config["model"]))
        model.load_state_dict({k: v.float() for k, v in weights.items()})
        vocab = CaptionVocab(json.loads((folder / ckpt.VOCAB_FILE).read_text(encoding="utf-8")))
        captions = config["captions"]
        thresholds = {int(c): {a: tuple(v) for a, v in t.items()} for c, t in captions["thresholds"].items()}
        validation = tuple((int(c), w) for c, w in captions.get("validation_held_out", ()))
        return cls(model, vocab, thresholds, name=folder.name, checkpoint_sha256=sha, device=device,
                   validation_held_out=validation)

    # --- prompts ------------------------------------------------------------------------

    def known_words(self, language: str) -> list[str]:
        """The words a prompt may use, for the refusal's message."""
        if language == "zh":
            return sorted({noun for _, noun in cap.CLASSES_ZH} | set(cap.WORDS_ZH.values()) | set(cap.FILLER_ZH))
        from ..models.captioner import SPECIALS

        return sorted({t for t in self.vocab.tokens[len(SPECIALS):] if not CJK.search(t) and t[0].isalpha()
                       and not (len(t) == 1 and t.isupper())}, key=str.lower)

    def read_prompt(self, text, what: str = "prompt", *, allow_empty: bool = False) -> tuple[list[int], dict]:
        """(token ids, what it asks for) of a prompt; an InputError for anything the model
        cannot read: not text, empty (unless allowed: the negative prompt), too long, two
        languages at once, or words outside the captions' vocabulary."""
        from ..models.text_to_image import EMPTY_PROMPT, encode_prompt

        if text is None:
            text = ""
        if not isinstance(text, str):
            raise InputError(f"{what} must be text, not {type(text).__name__}.")
        text = original = " ".join(text.split())
        if CJK.search(text):  # Chinese is read character by character: spaces mean nothing
            text = "".join(text.split())
        if not text:
            if allow_empty:
                return list(EMPTY_PROMPT), {"class": None, "words": {}, "language": None}
            raise InputError(f"The {what} is empty: describe a garment, e.g. 'a dark, wide coat' or '一件深色的外套'.")
        if len(text) > MAX_PROMPT_CHARS:
            raise InputError(f"The {what} is {len(text)} characters long; at most {MAX_PROMPT_CHARS} are read.")
        language = prompt_language(text)
        tokens = self.vocab.split(text if language == "zh" else text.lower(), language)
        unknown = [t for t in tokens if (t if language == "zh" else self.lowercase.get(t)) not in self.vocab.index]
        if language == "zh":  # English words as words, a run of unknown characters as one word
            latin = [w for w in re.findall(r"T(?=恤)|[A-Za-z][A-Za-z-]*", original) if w != "T"]
            chinese = re.sub(r"T(?=恤)|[A-Za-z][A-Za-z-]*", lambda m: m.group(0) if m.group(0) == "T" else " ", original)
            unknown = (latin + [w for w in cap.read(chinese, "zh")[2] if w.strip()]) or unknown
        if unknown:
            raise InputError(
                f"The {what} uses words this model never saw: {', '.join(dict.fromkeys(unknown))}. It knows only the "
                f"words of its synthetic captions ({'Chinese' if language == 'zh' else 'English'}): "
                f"{', '.join(self.known_words(language))}.")
        ids = encode_prompt(self.vocab, " ".join(self.lowercase[t] for t in tokens) if language == "en" else text, language)
        if len(ids) > self.model.config.max_tokens:
            raise InputError(f"The {what} has {len(ids) - 2} words; this model reads at most "
                             f"{self.model.config.max_tokens - 2}.")
        label, words, _ = cap.read(text, language)
        return ids, {"class": CLASSES[label] if label is not None else None, "words": words, "language": language}

    def check_text_inputs(self, prompt, negative_prompt, n, seed, params: dict):
        """Everything a text request carries, checked: (ids, asked, negative ids, n, seed, controls)."""
        ids, asked = self.read_prompt(prompt)
        negative, _ = self.read_prompt(negative_prompt, "negative prompt", allow_empty=True)
        return ids, asked, negative, N.check(n), resolve_seed(seed), self.check_params(params)

    # --- drawing ------------------------------------------------------------------------

    def draw(self, prompts: list[list[int]], generator: torch.Generator, *, negative: list[int] | None = None,
             **params) -> torch.Tensor:
        """Token-id prompts (one per picture) -> (B, 1, 28, 28) in [-1, 1]: the metrics' entry.
        The controls (steps, guidance, class_guidance) not given are at their declared defaults;
        class_guidance > 0 adds composable guidance towards each prompt's class named alone
        (models/text_to_image.py)."""
        from ..models.text_to_image import EMPTY_PROMPT, prompt_ids

        params = self.check_params(params)
        class_guidance = params["class_guidance"]
        limit = self.model.config.max_tokens
        ids = prompt_ids(prompts, limit)
        neg = None if negative is None else prompt_ids([negative] * len(prompts), limit).to(self.device)
        classes = None
        if class_guidance:
            alone = [self.class_prompt_of(p) for p in prompts]
            if any(alone):  # a prompt naming no single class gets no class term (its class prompt is the baseline)
                classes = prompt_ids([a or negative or EMPTY_PROMPT for a in alone], limit).to(self.device)
            else:  # none names one: no third pass for a term that adds nothing
                class_guidance = 0.0
        return self.model.sample(ids.to(self.device), generator, steps=params["steps"], guidance=params["guidance"],
                                 negative=neg, classes=classes, class_guidance=class_guidance).cpu()

    def class_prompt(self, label: int, language: str = "en") -> list[int]:
        """The class's name alone as a prompt: "a coat", "一件外套"."""
        from ..models.text_to_image import encode_prompt

        caption = cap.write(label, {})
        return encode_prompt(self.vocab, getattr(caption, language)[0], language)

    def class_prompt_of(self, ids: list[int]) -> list[int] | None:
        """The class-alone prompt, in its language, of a prompt's token ids; None when the
        prompt names no single class."""
        from ..models.captioner import STARTS

        language = next((lang for lang, start in STARTS.items() if ids and ids[0] == start), None)
        if language is None:
            return None
        label, _, _ = cap.read(self.vocab.decode(ids[1:], language), language)
        return None if label is None else self.class_prompt(label, language)

    def sample(self, labels, generator, **params):
        """Class-conditional use: each class's name alone as the prompt ("a coat"; there the
        class term adds to the prompt's guidance); the controls not given at their defaults."""
        return self.draw([self.class_prompt(int(y)) for y in labels], generator, **params)

    def measure(self, images: torch.Tensor, label: int | None) -> list[dict]:
        """The attribute words measured on each picture for class `label` ({} without one)."""
        if label is None:
            return [{} for _ in images]
        return [cap.attributes(a, label, self.thresholds) for a in to_uint8(images)]

    @torch.no_grad()
    def from_text(self, prompt, negative_prompt="", n=N.default, seed=None, **params) -> TextImageOutput:
        ids, asked, negative, n, seed, params = self.check_text_inputs(prompt, negative_prompt, n, seed, params)
        with Timer() as t:
            images = self.draw([ids] * n, torch.Generator().manual_seed(seed), negative=negative, **params)
        label = CLASSES.index(asked["class"]) if asked["class"] else None
        text = " ".join(prompt.split())
        meta = Meta(model=self.name, family=self.family, checkpoint_sha256=self.checkpoint_sha256, seed=seed,
                    params={"prompt": text, "negative_prompt": " ".join((negative_prompt or "").split()), "n": n,
                            **params}, device=self.device, seconds=t.seconds)
        notes = {}
        if params.get("class_guidance") and label is None:
            notes["class_guidance_note"] = "the prompt names no single class, so the class term added nothing"
        return TextImageOutput(to_pil(images), [asked["class"] or "no class named"] * n, asked, self.measure(images, label),
                               {**meta.to_dict(), "note": cap.CAPTION_NOTE, **notes})
