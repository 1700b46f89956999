"""An image captioner after "Show, Attend and Tell" (Xu et al. 2015): a small CNN turns a
28x28 picture into 7x7 region vectors, and a GRU decoder writes the caption a token at a
time, attending over the regions at every step (the seq2seq poet's additive attention,
models/seq2seq.py). One model writes both languages: the first input token says which
(English words, Chinese characters; the vocabulary is every token the synthetic captions of
data/captions.py can hold, so it is closed and known before training).

- Encoder: four 3x3 convolutions (two of stride 2: 28 -> 14 -> 7) with GELU, plus a learned
  embedding of each region's position, so attention can tell a shoe's toe from its shaft.
  The decoder starts from a projection of the regions' mean.
- Decoder: s_i = GRU([embed(y_{i-1}); c_i], s_{i-1}), c_i the attention-weighted regions,
  then a readout of [s_i; c_i; embed(y_{i-1})] over the tokens. Teacher forcing and
  cross-entropy in training; greedy or beam search in use.
- Writing order: the captions name the class last ("a dark, wide coat"), so a decoder that
  writes left to right picks the class after the attribute words, and after a word it never
  saw with that class (a held-out combination: "a wide pair of trousers") its language prior
  vetoes the right noun (the first trained model named the class in 85 % of seen captions but
  32 % of held-out ones). With `right_to_left` the decoder writes the tokens in reverse
  ("coat wide , dark a"): the noun comes first, read from the picture alone, and the words
  are put back in reading order before anyone sees them. Same vocabulary, same captions.
- Class labels (`label_weight` > 0): a linear head on the regions' mean predicts the class,
  its cross-entropy added to the caption loss. Right to left alone lifted the held-out class
  naming from 32 % to 41 % only: the held-out pictures (wide trousers, high sneakers...) are
  left out of caption training, so the encoder has never seen anything that looks like them.
  With the head, those pictures are trained on with their class label and no caption (as a
  captioner whose CNN was pre-trained on the labels would be): no caption holding a held-out
  combination is ever seen.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .seq2seq import Attention

PAD, EOS, UNK = 0, 1, 2
STARTS = {"en": 3, "zh": 4}  # the first input token names the language
SPECIALS = ("<pad>", "</s>", "<unk>", "<en>", "<zh>")


@dataclass
class CaptionerConfig:
    vocab_size: int = 64
    channels: int = 64
    embed_dim: int = 64
    hidden: int = 192
    attention_dim: int = 96
    dropout: float = 0.1
    max_output: int = 24  # tokens: longer than any caption (the longest has 13)
    # the decoder writes the caption's tokens last to first (see the docstring); False for
    # checkpoints from before the option existed
    right_to_left: bool = False
    # weight of the encoder's class loss (0: no class head, as in checkpoints from before it)
    label_weight: float = 0.0
    n_classes: int = 10


class Encoder(nn.Module):
    def __init__(self, c: CaptionerConfig):
        super().__init__()
        ch = c.channels
        self.net = nn.Sequential(
            nn.Conv2d(1, ch // 2, 3, padding=1), nn.GELU(),
            nn.Conv2d(ch // 2, ch, 3, stride=2, padding=1), nn.GELU(),  # 14 x 14
            nn.Conv2d(ch, ch, 3, padding=1), nn.GELU(),
            nn.Conv2d(ch, ch, 3, stride=2, padding=1), nn.GELU(),  # 7 x 7
        )
        self.position = nn.Parameter(torch.zeros(49, ch))
        self.start = nn.Linear(ch, c.hidden)
        self.label_head = nn.Linear(ch, c.n_classes) if c.label_weight > 0 else None

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, 1, 28, 28) in [-1, 1] -> regions (B, 49, C), initial decoder state (B, H)."""
        regions = self.net(images).flatten(2).transpose(1, 2) + self.position
        return regions, torch.tanh(self.start(regions.mean(1)))

    def class_logits(self, regions: torch.Tensor) -> torch.Tensor | None:
        return self.label_head(regions.mean(1)) if self.label_head is not None else None


class Captioner(nn.Module):
    def __init__(self, config: CaptionerConfig):
        super().__init__()
        c = self.config = config
        self.encoder = Encoder(c)
        self.attention = Attention(c.hidden, c.channels, c.attention_dim)
        self.embed = nn.Embedding(c.vocab_size, c.embed_dim, padding_idx=PAD)
        self.rnn = nn.GRUCell(c.embed_dim + c.channels, c.hidden)
        self.readout = nn.Linear(c.hidden + c.channels + c.embed_dim, c.vocab_size)
        self.drop = nn.Dropout(c.dropout)

    def encode(self, images):
        regions, state = self.encoder(images)
        mask = torch.ones(regions.shape[:2], dtype=torch.bool, device=regions.device)
        return regions, self.attention.U(regions), mask, state

    def step(self, prev, state, regions, keys, mask):
        """One token: prev (B,) -> logits (B, V), new state, attention weights (B, 49)."""
        e = self.drop(self.embed(prev))
        context, weights = self.attention(state, regions, keys, mask)
        state = self.rnn(torch.cat([e, context], -1), state)
        return self.readout(self.drop(torch.cat([state, context, e], -1))), state, weights

    def forward(self, images: torch.Tensor, tokens_in: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Teacher forcing: (B, 1, 28, 28), (B, S) inputs (the language token first) ->
        token logits (B, S, V) and the encoder's class logits (B, n_classes), None without a
        class head."""
        regions, keys, mask, state = self.encode(images)
        logits = []
        for i in range(tokens_in.shape[1]):
            out, state, _ = self.step(tokens_in[:, i], state, regions, keys, mask)
            logits.append(out)
        return torch.stack(logits, 1), self.encoder.class_logits(regions)

    def loss(self, images: torch.Tensor, targets: torch.Tensor, language_tokens: torch.Tensor,
             labels: torch.Tensor | None = None) -> torch.Tensor:
        """targets (B, S): the caption's tokens, EOS, then PAD (a row of PAD: a picture with
        no caption); language_tokens (B,); labels (B,): the classes, for the class head."""
        return training_loss(*self(images, teacher_inputs(targets, language_tokens)), targets, labels,
                             self.config.label_weight)

    @torch.no_grad()
    def beam_search(self, image: torch.Tensor, language: str, num_beams: int = 1) -> tuple[list[int], torch.Tensor]:
        """One picture (1, 1, 28, 28) -> (tokens without the end token, attention weights
        (len, 49)). num_beams 1 is greedy. Beams are ranked by log-probability per token."""
        regions, keys, mask, state = self.encode(image)
        beams = [(0.0, [STARTS[language]], state, [])]  # (log-prob, tokens, state, weights per step)
        done = []
        for step in range(self.config.max_output + 1):
            n = len(beams)
            prev = torch.tensor([b[1][-1] for b in beams], device=image.device)
            logits, states, weights = self.step(prev, torch.cat([b[2] for b in beams]), regions.expand(n, -1, -1),
                                                keys.expand(n, -1, -1), mask.expand(n, -1))
            logp = logits.float().log_softmax(-1)
            logp[:, PAD] = logp[:, UNK] = float("-inf")
            logp[:, STARTS["en"]] = logp[:, STARTS["zh"]] = float("-inf")
            if step == self.config.max_output:  # the longest caption allowed: it ends here
                logp[:, :EOS] = logp[:, EOS + 1:] = float("-inf")
            candidates = []
            for k, (score, tokens, _, ws) in enumerate(beams):
                top = logp[k].topk(num_beams)
                candidates += [(score + v, tokens + [t], states[k:k + 1], ws + [weights[k]])
                               for v, t in zip(top.values.tolist(), top.indices.tolist()) if v > float("-inf")]
            candidates.sort(key=lambda c: -c[0])
            beams = [c for c in candidates if c[1][-1] != EOS][:num_beams]
            done += [c for c in candidates[:num_beams] if c[1][-1] == EOS]
            if not beams:
                break
        best = max(done, key=lambda c: c[0] / max(1, len(c[1]) - 1))
        tokens = [t for t in best[1][1:] if t != EOS]
        weights = torch.stack(best[3][:len(tokens)]) if tokens else torch.zeros(0, 49)
        if self.config.right_to_left:  # back into reading order, each token with its own weights
            return tokens[::-1], weights.flip(0)
        return tokens, weights

    @torch.no_grad()
    def greedy(self, images: torch.Tensor, language: str) -> list[list[int]]:
        """Many pictures at once (the metrics): (B, 1, 28, 28) -> B token lists, each the most
        likely token at every step under the same rules as beam_search with one beam."""
        regions, keys, mask, state = self.encode(images)
        prev = torch.full((len(images),), STARTS[language], device=images.device)
        out, finished = [], torch.zeros(len(images), dtype=torch.bool, device=images.device)
        for step in range(self.config.max_output + 1):
            logits, state, _ = self.step(prev, state, regions, keys, mask)
            logits = logits.float()
            logits[:, [PAD, UNK, STARTS["en"], STARTS["zh"]]] = float("-inf")
            if step == self.config.max_output:
                logits[:, :EOS] = logits[:, EOS + 1:] = float("-inf")
            prev = logits.argmax(-1)
            out.append(torch.where(finished, torch.full_like(prev, EOS), prev))
            finished |= prev == EOS
            if finished.all():
                break
        rows = [r[:r.index(EOS)] if EOS in r else r for r in torch.stack(out, 1).tolist()]
        return [r[::-1] for r in rows] if self.config.right_to_left else rows

    def config_dict(self) -> dict:
        return asdict(self.config)


def teacher_inputs(targets: torch.Tensor, language_tokens: torch.Tensor) -> torch.Tensor:
    """The decoder's inputs under teacher forcing: the language token, then the caption shifted right."""
    return torch.cat([language_tokens[:, None], targets[:, :-1]], 1)


def caption_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Cross-entropy per token over the caption and its end token (padding ignored)."""
    if not (targets != PAD).any():  # no picture of the batch has a caption
        return logits.sum() * 0.0
    return F.cross_entropy(logits.flatten(0, 1).float(), targets.flatten(), ignore_index=PAD)


def training_loss(logits: torch.Tensor, class_logits: torch.Tensor | None, targets: torch.Tensor,
                  labels: torch.Tensor | None, label_weight: float) -> torch.Tensor:
    """The caption loss, plus label_weight times the class head's cross-entropy where there
    are a head and labels."""
    loss = caption_loss(logits, targets)
    if class_logits is not None and labels is not None:
        loss = loss + label_weight * F.cross_entropy(class_logits.float(), labels)
    return loss


class CaptionVocab:
    """Tokens <-> ids: English words and commas, Chinese characters; ids 0-4 are the special
    tokens (saved as the checkpoint's vocab.json)."""

    def __init__(self, tokens: list[str]):
        self.tokens = list(SPECIALS) + [t for t in tokens if t not in SPECIALS]
        self.index = {t: i for i, t in enumerate(self.tokens)}

    @classmethod
    def from_texts(cls, texts) -> "CaptionVocab":
        """From (text, language) pairs: every token they hold, in order of first use."""
        return cls(list(dict.fromkeys(t for text, language in texts for t in cls.split(text, language))))

    def __len__(self) -> int:
        return len(self.tokens)

    @staticmethod
    def split(text: str, language: str) -> list[str]:
        return list(text) if language == "zh" else re.findall(r"[\w-]+|,", text)

    def encode(self, text: str, language: str, right_to_left: bool = False) -> list[int]:
        """The caption's ids and the end token; right_to_left: in the order a decoder that
        writes last to first is taught (the end token still last)."""
        ids = [self.index.get(t, UNK) for t in self.split(text, language)]
        return (ids[::-1] if right_to_left else ids) + [EOS]

    def decode(self, ids: list[int], language: str) -> str:
        words = [self.tokens[i] for i in ids if i >= len(SPECIALS)]
        return "".join(words) if language == "zh" else " ".join(words).replace(" ,", ",")

    def batch(self, texts: list[str], languages: list[str],
              right_to_left: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """(targets (B, S) padded, language tokens (B,))."""
        rows = [self.encode(t, lang, right_to_left) for t, lang in zip(texts, languages)]
        out = torch.full((len(rows), max(map(len, rows))), PAD, dtype=torch.long)
        for i, r in enumerate(rows):
            out[i, :len(r)] = torch.tensor(r)
        return out, torch.tensor([STARTS[lang] for lang in languages])
