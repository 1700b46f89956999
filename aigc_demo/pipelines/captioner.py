"""The captioner's pipeline: a picture in, its caption out (English, Chinese or both; greedy
decoding and beam search), with what the attribute functions measure on the picture.

    pipe = CaptionerPipeline.from_checkpoint("checkpoints/image/captioner")
    out = pipe(picture, language="both", num_beams=3)
    out.captions    # {"en": {"greedy": "a dark sneaker", "beam": "a dark sneaker"}, "zh": {...}}
    out.attention   # {"en": [[49 weights] per word of the beam caption]}: where each word looked (7x7 regions)
    out.measured    # the attribute words data/captions.py measures on the picture, for the class the caption names
    out.meta        # model, checkpoint hash, settings, device, seconds, the synthetic-captions note

The captions it learnt are synthetic (the label plus measured attributes), and so are the
ones it writes; the metadata says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .. import checkpoint as ckpt
from ..controls import check_inputs
from ..data import captions as cap
from ..data.fashion_mnist import CLASSES
from ..families.image import CAPTIONER
from ..images import from_uint8, to_pil, to_uint8
from .base import Meta, Timer, read_checkpoint
from .image import picture_to_tensor


@dataclass
class CaptionOutput:
    image: object  # the 28x28 picture the model saw (PIL)
    captions: dict[str, dict[str, str]]  # {language: {"greedy": ..., "beam": ...}}
    words: dict[str, list[str]]  # {language: the beam caption's tokens}, for the attention map
    attention: dict[str, list[list[float]]]  # {language: [token][region]}: 49 regions (7x7), rows sum to 1
    measured: dict  # {"class": the class the caption names, "words": {attribute: word} measured on the picture}
    meta: dict


class CaptionerPipeline:
    family, controls = CAPTIONER.name, CAPTIONER.controls

    def __init__(self, model, vocab, thresholds: dict, *, name: str, checkpoint_sha256: str, device: str = "cpu",
                 folder: Path | None = None):
        self.model = model.to(device).eval()
        self.vocab, self.thresholds, self.name, self.checkpoint_sha256 = vocab, thresholds, name, checkpoint_sha256
        self.device, self.folder = device, folder

    @classmethod
    def from_checkpoint(cls, folder: str | Path, *, device: str = "cpu") -> "CaptionerPipeline":
        from ..models.captioner import Captioner, CaptionerConfig, CaptionVocab

        folder, config, weights, sha = read_checkpoint(folder, cls.family)
        model = Captioner(CaptionerConfig(**config["model"]))
        model.load_state_dict({k: v.float() for k, v in weights.items()})
        vocab = CaptionVocab(json.loads((folder / ckpt.VOCAB_FILE).read_text(encoding="utf-8")))
        thresholds = {int(c): {a: tuple(v) for a, v in t.items()} for c, t in config["captions"]["thresholds"].items()}
        return cls(model, vocab, thresholds, name=folder.name, checkpoint_sha256=sha, device=device, folder=folder)

    def languages(self, language: str) -> tuple[str, ...]:
        return ("en", "zh") if language == "both" else (language,)

    def check_inputs(self, image, params: dict) -> tuple[torch.Tensor, bool, dict]:
        """(the picture as (1, 1, 28, 28), whether it was inverted, the checked controls)."""
        params = check_inputs(self.name, self.controls, params)
        x, inverted = picture_to_tensor(image)
        return x, inverted, params

    @torch.no_grad()
    def __call__(self, image, **params) -> CaptionOutput:
        x, inverted, params = self.check_inputs(image, params)
        captions, words, attention = {}, {}, {}
        with Timer() as t:
            for language in self.languages(params["language"]):
                beam, weights = self.model.beam_search(x.to(self.device), language, num_beams=params["num_beams"])
                greedy = beam if params["num_beams"] == 1 else self.model.beam_search(x.to(self.device), language)[0]
                captions[language] = {"greedy": self.vocab.decode(greedy, language),
                                      "beam": self.vocab.decode(beam, language)}
                words[language] = [self.vocab.tokens[i] for i in beam]
                attention[language] = weights.cpu().tolist()
        first = next(iter(captions))
        named, said, _ = cap.read(captions[first]["beam"], first)
        measured = {"class": CLASSES[named] if named is not None else None, "said": said,
                    "words": cap.attributes(to_uint8(x)[0], named, self.thresholds) if named is not None else {}}
        meta = Meta(model=self.name, family=self.family, checkpoint_sha256=self.checkpoint_sha256, seed=0,
                    params={**params, "inverted": inverted}, device=self.device, seconds=t.seconds)
        return CaptionOutput(to_pil(x)[0], captions, words, attention, measured,
                             {**meta.to_dict(), "note": cap.CAPTION_NOTE})

    @torch.no_grad()
    def captions_for(self, images: np.ndarray, language: str, num_beams: int = 1, batch_size: int = 500) -> list[str]:
        """Many pictures (N, 28, 28) uint8 at once (the metrics): greedy captions in batches,
        or with num_beams > 1 a beam search picture by picture."""
        x = from_uint8(images)
        if num_beams == 1:
            return [self.vocab.decode(tokens, language) for i in range(0, len(x), batch_size)
                    for tokens in self.model.greedy(x[i:i + batch_size].to(self.device), language)]
        return [self.vocab.decode(self.model.beam_search(x[i:i + 1].to(self.device), language, num_beams)[0], language)
                for i in range(len(x))]
