"""The Seq2Seq poet's pipeline: one line of a classical Chinese poem in, the next line out.

    pipe = PoetPipeline.from_checkpoint("checkpoints/text/seq2seq")
    out = pipe("床前明月光", num_beams=4)
    out.text        # the next line
    out.attention   # (output characters, input characters): which input each output looked at
    out.meta        # model, checkpoint hash, settings, device, seconds, unknown characters
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch

from .. import checkpoint as ckpt
from ..controls import check_inputs, resolve_seed
from ..families.text import SEQ2SEQ, check_poem_line
from .base import Meta, Timer, read_checkpoint


@dataclass
class PoemLineOutput:
    line: str  # the input, as read
    text: str  # the next line
    attention: list[list[float]]  # [output character][input character], rows sum to 1
    meta: dict


class PoetPipeline:
    family, controls = SEQ2SEQ.name, SEQ2SEQ.controls

    def __init__(self, model, vocab, *, name: str, checkpoint_sha256: str, device: str = "cpu"):
        self.model = model.to(device).eval()
        self.vocab, self.name, self.checkpoint_sha256, self.device = vocab, name, checkpoint_sha256, device

    @classmethod
    def from_checkpoint(cls, folder: str | Path, *, device: str = "cpu") -> "PoetPipeline":
        from ..models.seq2seq import CharVocab, Seq2Seq, Seq2SeqConfig

        folder, config, weights, sha = read_checkpoint(folder, cls.family)
        model = Seq2Seq(Seq2SeqConfig(**config["model"]))
        model.load_state_dict({k: v.float() for k, v in weights.items()})
        vocab = CharVocab(json.loads((folder / ckpt.VOCAB_FILE).read_text(encoding="utf-8")))
        return cls(model, vocab, name=folder.name, checkpoint_sha256=sha, device=device)

    def check_inputs(self, line, params: dict) -> tuple[str, dict]:
        return check_poem_line(line), check_inputs(self.name, self.controls, params)

    @torch.no_grad()
    def __call__(self, line, seed: int | None = None, **params) -> PoemLineOutput:
        line, params = self.check_inputs(line, params)
        seed = resolve_seed(seed)
        notices = []
        if params["temperature"] > 0 and params["num_beams"] > 1:  # one sampled line: there is nothing to search
            notices.append(f"Sampling (temperature {params['temperature']:g}) writes one line: num_beams "
                           f"{params['num_beams']} was not used.")
            params["num_beams"] = 1
        with Timer() as t:
            tokens, weights = self.model.beam_search(
                self.vocab.batch([line]).to(self.device), num_beams=params["num_beams"],
                temperature=params["temperature"], generator=torch.Generator().manual_seed(seed),
                no_repeat_ngram_size=params["no_repeat_ngram_size"])
        unknown = self.vocab.unknown(line)
        meta = Meta(model=self.name, family=self.family, checkpoint_sha256=self.checkpoint_sha256, seed=seed,
                    params={**params, "unknown_characters": "".join(unknown)}, device=self.device, seconds=t.seconds)
        return PoemLineOutput(line, self.vocab.decode(tokens), weights.cpu().tolist(), {**meta.to_dict(), "notices": notices})

    @torch.no_grad()
    def next_lines(self, lines: list[str], **params) -> list[str]:
        """Many lines at once (the metrics): the next line of each, by the given decoding
        controls (the rest at their defaults; temperature 0)."""
        params = check_inputs(self.name, self.controls, {**params, "temperature": 0.0})
        del params["temperature"]
        return [self.vocab.decode(self.model.beam_search(self.vocab.batch([line]).to(self.device), **params)[0])
                for line in lines]
