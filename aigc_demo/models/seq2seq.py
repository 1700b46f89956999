"""A sequence-to-sequence GRU with Bahdanau attention (Bahdanau, Cho & Bengio 2015, "Neural
Machine Translation by Jointly Learning to Align and Translate"), as a Chinese poet: one line
of a classical poem in, the next line out, character by character.

- Encoder: character embeddings, a bidirectional GRU; each input character gets the two
  directions' states side by side, h_j = [h_j(fwd); h_j(bwd)].
- Attention (eq. 6 of the paper's appendix): at output step i, the score of input position j
  is e_ij = v^T tanh(W s_{i-1} + U h_j); the weights a_ij = softmax_j(e_ij) mix the
  annotations into a context c_i = sum_j a_ij h_j. The weights are what the app draws:
  which input character each output character looked at.
- Decoder: s_i = GRU([embed(y_{i-1}); c_i; len_i], s_{i-1}), then a readout of [s_i; c_i;
  embed(y_{i-1}); len_i] over the characters. Trained with teacher forcing and
  cross-entropy; decoded greedily or by beam search, until the end token.
- The form: len_i embeds the number of characters still to write (Kikuchi et al. 2016's
  LenEmb: a remaining-length embedding at each decoder step). Training gives it the real
  next line's length; the app gives it the input's (a five-character line asks for five).
  The model still has to learn to end the line there: form-following measures whether it did.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD, BOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<s>", "</s>", "<unk>")


@dataclass
class Seq2SeqConfig:
    vocab_size: int = 3000
    embed_dim: int = 128
    hidden: int = 256
    attention_dim: int = 128
    dropout: float = 0.2
    max_output: int = 16  # characters: the longest line the decoder writes before it must stop
    length_dim: int = 16  # the remaining-length embedding (LenEmb)


def shift_right(tgt: torch.Tensor) -> torch.Tensor:
    """The decoder's inputs for targets (B, S): BOS, then the targets but the last."""
    return torch.cat([torch.full_like(tgt[:, :1], BOS), tgt[:, :-1]], 1)


def target_lengths(tgt: torch.Tensor) -> torch.Tensor:
    """Characters per target line (B, S: the line, EOS, PAD), the end token not counted."""
    return (tgt != PAD).sum(1) - 1


def sequence_loss(logits: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
    """Cross-entropy per character of tgt (B, S: the line, then EOS, then PAD)."""
    return F.cross_entropy(logits.flatten(0, 1).float(), tgt.flatten(), ignore_index=PAD)


class Encoder(nn.Module):
    def __init__(self, c: Seq2SeqConfig):
        super().__init__()
        self.embed = nn.Embedding(c.vocab_size, c.embed_dim, padding_idx=PAD)
        self.rnn = nn.GRU(c.embed_dim, c.hidden, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * c.hidden, c.hidden)  # the backward state's summary starts the decoder
        self.drop = nn.Dropout(c.dropout)

    def forward(self, src: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T) -> annotations (B, T, 2H), initial decoder state (B, H)."""
        lengths = (src != PAD).sum(1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(self.drop(self.embed(src)), lengths, batch_first=True,
                                                   enforce_sorted=False)
        out, last = self.rnn(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
        return out, torch.tanh(self.bridge(torch.cat([last[0], last[1]], dim=-1)))


class Attention(nn.Module):
    """Additive attention: e_j = v^T tanh(W s + U h_j), masked at padding (also the
    captioner's, over the regions of a picture: models/captioner.py)."""

    def __init__(self, state_dim: int, annotation_dim: int, attention_dim: int):
        super().__init__()
        self.W = nn.Linear(state_dim, attention_dim, bias=False)
        self.U = nn.Linear(annotation_dim, attention_dim, bias=False)
        self.v = nn.Linear(attention_dim, 1, bias=False)

    def forward(self, state, annotations, keys, mask):
        """state (B, H), annotations (B, T, A), keys = U(annotations) precomputed, mask (B, T)
        -> context (B, A), weights (B, T)."""
        scores = self.v(torch.tanh(self.W(state).unsqueeze(1) + keys)).squeeze(-1)
        weights = scores.masked_fill(~mask, float("-inf")).softmax(-1)
        return torch.bmm(weights.unsqueeze(1), annotations).squeeze(1), weights


class Seq2Seq(nn.Module):
    def __init__(self, config: Seq2SeqConfig):
        super().__init__()
        c = self.config = config
        self.encoder = Encoder(c)
        self.attention = Attention(c.hidden, 2 * c.hidden, c.attention_dim)
        self.embed = nn.Embedding(c.vocab_size, c.embed_dim, padding_idx=PAD)
        self.remaining = nn.Embedding(c.max_output + 2, c.length_dim)  # 0 .. max_output + 1 characters to go
        self.rnn = nn.GRUCell(c.embed_dim + 2 * c.hidden + c.length_dim, c.hidden)
        self.readout = nn.Linear(c.hidden + 2 * c.hidden + c.embed_dim + c.length_dim, c.vocab_size)
        self.drop = nn.Dropout(c.dropout)

    def encode(self, src):
        annotations, state = self.encoder(src)
        return annotations, self.attention.U(annotations), src != PAD, state

    def step(self, prev, state, annotations, keys, mask, remaining):
        """One output character: prev (B,) tokens, remaining (B,) characters still to write ->
        logits (B, V), new state, weights (B, T)."""
        e = self.drop(self.embed(prev))
        r = self.remaining(remaining.clamp(0, self.config.max_output + 1))
        context, weights = self.attention(state, annotations, keys, mask)
        state = self.rnn(torch.cat([e, context, r], -1), state)
        return self.readout(self.drop(torch.cat([state, context, e, r], -1))), state, weights

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: (B, T) inputs, (B, S) targets shifted right (BOS first), (B,)
        target lengths -> (B, S, V)."""
        annotations, keys, mask, state = self.encode(src)
        logits = []
        for i in range(tgt_in.shape[1]):
            out, state, _ = self.step(tgt_in[:, i], state, annotations, keys, mask, lengths - i)
            logits.append(out)
        return torch.stack(logits, 1)

    def loss(self, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
        return sequence_loss(self(src, shift_right(tgt), target_lengths(tgt)), tgt)

    @torch.no_grad()
    def beam_search(self, src: torch.Tensor, num_beams: int = 1, temperature: float = 0.0,
                    generator: torch.Generator | None = None, length: int | None = None,
                    no_repeat_ngram_size: int = 0) -> tuple[list[int], torch.Tensor]:
        """One line (1, T) -> (tokens without BOS/EOS, attention weights (len, T)). num_beams 1
        with temperature 0 is greedy; temperature > 0 samples one line (num_beams must be 1).
        length: the characters asked for (default: the input's, the same form).
        no_repeat_ngram_size n > 0: no n characters in a row twice in one line (as
        transformers' generate() does; a model this small otherwise loops, 不知不知). Beams are
        ranked by log-probability per character, so longer lines are not penalised."""
        annotations, keys, mask, state = self.encode(src)
        length = int((src != PAD).sum()) if length is None else length
        beams = [(0.0, [BOS], state, [])]  # (log-prob, tokens, state, weights per step)
        done = []
        for step in range(self.config.max_output + 1):
            prev = torch.tensor([b[1][-1] for b in beams], device=src.device)
            states = torch.cat([b[2] for b in beams])
            n = len(beams)
            logits, states, weights = self.step(prev, states, annotations.expand(n, -1, -1), keys.expand(n, -1, -1),
                                                mask.expand(n, -1), torch.full((n,), length - step, device=src.device))
            logp = logits.float().log_softmax(-1)
            logp[:, BOS] = logp[:, PAD] = logp[:, UNK] = float("-inf")  # never written
            if step == self.config.max_output:  # the longest line allowed: it ends here
                logp[:, :EOS] = logp[:, EOS + 1:] = float("-inf")
            if no_repeat_ngram_size:
                for k, (_, tokens, _, _) in enumerate(beams):
                    logp[k, banned_next(tokens[1:], no_repeat_ngram_size)] = float("-inf")
            candidates = []
            for k, (score, tokens, _, ws) in enumerate(beams):
                if temperature > 0:
                    choice = torch.multinomial((logp[k] / temperature).softmax(-1), 1, generator=generator)
                    picks = [(float(logp[k, choice]), int(choice))]
                else:
                    top = logp[k].topk(num_beams)
                    picks = [(v, t) for v, t in zip(top.values.tolist(), top.indices.tolist()) if v > float("-inf")]
                for lp, tok in picks:
                    candidates.append((score + lp, tokens + [tok], states[k:k + 1], ws + [weights[k]]))
            candidates.sort(key=lambda c: -c[0])
            # the best num_beams go on; those that ended are kept aside, to be ranked at the end
            beams = [c for c in candidates if c[1][-1] != EOS][:num_beams]
            done += [c for c in candidates[:num_beams] if c[1][-1] == EOS]
            if not beams:
                break
        finished = done  # every line ends by max_output
        best = max(finished, key=lambda c: c[0] / max(1, len(c[1]) - 1))
        tokens = [t for t in best[1][1:] if t != EOS]
        return tokens, torch.stack(best[3][:len(tokens)]) if tokens else torch.zeros(0, src.shape[1])

    def config_dict(self) -> dict:
        return asdict(self.config)


def banned_next(tokens: list[int], n: int) -> list[int]:
    """The tokens that would complete an n-gram already in `tokens`."""
    if len(tokens) < n - 1:
        return []
    prefix = tuple(tokens[len(tokens) - n + 1:]) if n > 1 else ()
    return [tokens[i + n - 1] for i in range(len(tokens) - n + 1) if tuple(tokens[i:i + n - 1]) == prefix]


class CharVocab:
    """Characters <-> ids; ids 0-3 are the special tokens, then the characters of the
    training lines, most frequent first (saved as the checkpoint's vocab.json)."""

    def __init__(self, chars: list[str]):
        self.chars = list(SPECIALS) + [c for c in chars if c not in SPECIALS]
        self.index = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def from_lines(cls, lines: list[str]) -> "CharVocab":
        from collections import Counter

        counts = Counter(c for line in lines for c in line)
        return cls([c for c, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))])

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, line: str) -> list[int]:
        return [self.index.get(c, UNK) for c in line]

    def decode(self, ids: list[int]) -> str:
        return "".join(self.chars[i] for i in ids if i >= len(SPECIALS))

    def unknown(self, line: str) -> list[str]:
        return [c for c in dict.fromkeys(line) if c not in self.index]

    def batch(self, lines: list[str], *, with_eos: bool = False) -> torch.Tensor:
        """(B, T) ids, padded with PAD; with_eos: each line followed by EOS (the targets)."""
        ids = [self.encode(line) + ([EOS] if with_eos else []) for line in lines]
        out = torch.full((len(ids), max(map(len, ids))), PAD, dtype=torch.long)
        for i, row in enumerate(ids):
            out[i, :len(row)] = torch.tensor(row)
        return out
