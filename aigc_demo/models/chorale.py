"""A four-voice chorale model in the manner of Coconet (Huang et al. 2017): one network that
fills in any missing part of a chorale from the rest, sampled by annealed blocked Gibbs
sampling.

Why this design: the studio asks two things of one model, a chorale from nothing and a
harmonisation of a given soprano line. An orderless masked model does both with no second
network: training hides a random share of the grid's cells (data/chorales.py's encoding,
four voices on sixteenth notes) and teaches the network to predict them from what is left;
composing starts with every free cell hidden, harmonising with the soprano given and kept.
A left-to-right model (a GPT over the interleaved voices) could not look ahead to the
melody notes it must harmonise. DeepBach (Hadjeres et al. 2017) also samples by Gibbs, but
needs a network per voice; Coconet's one network over all voices is simpler.

The network is a non-causal stack of dilated 1-D convolutions over time (WaveNet's
dilations, both sides): each step sees the four voices' tokens (or a "hidden" embedding in
their place) and its position in the bar; a bar of 4/4 is 16 steps, and two rounds of
dilations 1..32 reach 126 steps (8 bars) either side. A convolution, unlike attention without
position codes, knows how far away each neighbour is, and it works at any length, so a model
trained on 8-bar windows writes chorales of any length. Coconet itself convolves over a
piano roll; tokens with a HOLD symbol (DeepBach's) keep repeated notes apart from held ones.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..data.chorales import FIRST_PITCH_TOKEN, HOLD, METERS, VOCAB_SIZE, pitch_token

# where each meter's bar positions start among the position ids: 4/4's 16, then 3/4's 12
_POSITION_BASE = {m: sum(list(METERS.values())[:i]) for i, m in enumerate(METERS)}


@dataclass
class ChoraleConfig:
    vocab_size: int = VOCAB_SIZE  # REST, HOLD, then one token per MIDI pitch of the grid
    n_voices: int = 4
    width: int = 128
    dilations: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 1, 2, 4, 8, 16, 32)
    kernel: int = 3
    dropout: float = 0.1
    # each voice's lowest and highest MIDI pitch in the training chorales: sampling keeps to them
    voice_ranges: tuple[tuple[int, int], ...] = ((57, 81), (53, 74), (48, 69), (36, 64))

    def __post_init__(self):  # JSON gives lists
        self.dilations = tuple(int(d) for d in self.dilations)
        self.voice_ranges = tuple(tuple(int(p) for p in r) for r in self.voice_ranges)

    def to_dict(self) -> dict:
        return asdict(self)


def bar_positions(steps: int, meter: str, bar_offset: int) -> torch.Tensor:
    """(steps,) ids of each step's place in its bar, distinct per meter: 4/4's downbeat is
    not 3/4's."""
    return _POSITION_BASE[meter] + (torch.arange(steps) + bar_offset) % METERS[meter]


class Block(nn.Module):
    """Pre-norm residual block: norm, dilated convolution, GELU, 1x1 convolution."""

    def __init__(self, width: int, kernel: int, dilation: int, dropout: float):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.conv = nn.Conv1d(width, 2 * width, kernel, dilation=dilation, padding=dilation * (kernel - 1) // 2)
        self.proj = nn.Conv1d(2 * width, width, 1)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, T, C)
        h = self.norm(x).transpose(1, 2)
        h = self.proj(F.gelu(self.conv(h))).transpose(1, 2)
        return x + self.drop(h)


class ChoraleNet(nn.Module):
    def __init__(self, config: ChoraleConfig):
        super().__init__()
        self.config = c = config
        # one table a voice (a soprano's G4 is not a bass's), with one more row: "hidden"
        self.voice_embed = nn.ModuleList(nn.Embedding(c.vocab_size + 1, c.width) for _ in range(c.n_voices))
        self.position_embed = nn.Embedding(sum(METERS.values()), c.width)
        self.blocks = nn.ModuleList(Block(c.width, c.kernel, d, c.dropout) for d in c.dilations)
        self.norm = nn.LayerNorm(c.width)
        self.head = nn.Linear(c.width, c.n_voices * c.vocab_size)

    @property
    def hidden_token(self) -> int:
        return self.config.vocab_size

    def forward(self, grid: torch.Tensor, hidden: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """grid (B, T, V) tokens; hidden (B, T, V) bool, True where the cell is to be predicted
        (its token is not shown); positions (B, T) bar-position ids. -> logits (B, T, V, vocab)."""
        shown = grid.masked_fill(hidden, self.hidden_token)
        x = self.position_embed(positions)
        for v, embed in enumerate(self.voice_embed):
            x = x + embed(shown[..., v])
        for block in self.blocks:
            x = block(x)
        B, T, _ = x.shape
        return self.head(self.norm(x)).view(B, T, self.config.n_voices, self.config.vocab_size)

    def allowed(self, steps: int) -> torch.Tensor:
        """(T, V, vocab) bool: what sampling may write in each cell: REST, HOLD (not at the
        first step: nothing is sounding yet) and the pitches of the voice's range."""
        c = self.config
        ok = torch.zeros(steps, c.n_voices, c.vocab_size, dtype=torch.bool)
        ok[:, :, :FIRST_PITCH_TOKEN] = True
        ok[0, :, HOLD] = False
        for v, (lo, hi) in enumerate(c.voice_ranges):
            ok[:, v, pitch_token(lo):pitch_token(hi) + 1] = True
        return ok


def masked_loss(logits: torch.Tensor, grid: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy (nats) over the hidden cells."""
    return F.cross_entropy(logits[hidden].float(), grid[hidden])


def training_mask(batch: int, steps: int, n_voices: int, generator: torch.Generator) -> torch.Tensor:
    """(B, T, V) cells to hide, one scheme per example: half hide each cell with a chance drawn
    uniformly from (0, 1) (Coconet's orderless masks); a quarter hide alto, tenor and bass
    wholly (harmonising a melody); a quarter hide everything (the first step of composing)."""
    scheme = torch.rand(batch, generator=generator)
    rate = torch.rand(batch, 1, 1, generator=generator)
    hidden = torch.rand(batch, steps, n_voices, generator=generator) < rate
    melody = (scheme >= 0.5) & (scheme < 0.75)
    hidden[melody] = False
    hidden[melody, :, 1:] = True
    hidden[scheme >= 0.75] = True
    return hidden


@torch.no_grad()
def gibbs(net: ChoraleNet, grid: torch.Tensor, fixed: torch.Tensor, positions: torch.Tensor, *, sweeps: int,
          temperature: float, generator: torch.Generator, p_min: float = 0.05, p_max: float = 0.95,
          anneal: float = 0.75) -> torch.Tensor:
    """Annealed blocked Gibbs sampling (Coconet): every free cell starts hidden and is sampled
    from the network's prediction; then, for `sweeps` rounds, a random share of the free
    cells, falling linearly from p_max to p_min over the first `anneal` of the rounds, is
    hidden again and drawn afresh given the rest. grid (T, V) tokens (free cells' values are
    ignored), fixed (T, V) bool: cells kept as given. Returns the (T, V) grid."""
    net.eval()
    T, V = grid.shape
    allowed = net.allowed(T)
    grid = grid.clone()
    free = ~fixed

    def redraw(hidden: torch.Tensor) -> None:
        logits = net(grid[None], hidden[None], positions[None])[0] / temperature
        logits = logits.masked_fill(~allowed, -float("inf"))
        drawn = torch.multinomial(torch.softmax(logits.view(T * V, -1).float(), -1), 1, generator=generator).view(T, V)
        grid[hidden] = drawn[hidden]

    redraw(free)
    for n in range(sweeps):
        p = max(p_min, p_max - (p_max - p_min) * n / max(1.0, anneal * sweeps))
        hidden = free & (torch.rand(T, V, generator=generator) < p)
        if hidden.any():
            redraw(hidden)
    return grid


def config_from_dict(d: dict) -> ChoraleConfig:
    return ChoraleConfig(**{k: d[k] for k in ChoraleConfig.__dataclass_fields__ if k in d})
