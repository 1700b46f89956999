"""A small UNet denoiser for 28x28 images (Ronneberger et al. 2015, as used by DDPM).

Resolutions 28 -> 14 -> 7 and back, one residual block per level on the way down and two
on the way up (one per skip), self-attention only at 7x7 where it is cheap. The time step
and the class are embedded into one vector that every residual block adds to its features.
Class index `n_classes` is the "no class" token that classifier-free guidance trains with.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class UNetConfig:
    width: int = 32  # channels at 28x28
    mults: tuple[int, ...] = (1, 2, 2)  # channel multipliers at 28, 14, 7
    n_classes: int = 10
    dropout: float = 0.1


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of integer steps t (B,) -> (B, dim), as in the Transformer."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([args.sin(), args.cos()], dim=1)


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, emb_dim: int, dropout: float):
        super().__init__()
        self.norm1 = nn.GroupNorm(8, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb_dim, cout)
        self.norm2 = nn.GroupNorm(8, cout)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(emb)[:, :, None, None]  # condition on time step and class
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        return self.skip(x) + h


class Attention(nn.Module):
    def __init__(self, channels: int, heads: int = 4):
        super().__init__()
        self.norm = nn.GroupNorm(8, channels)
        self.attn = nn.MultiheadAttention(channels, heads, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        seq = self.norm(x).flatten(2).transpose(1, 2)  # (B, H*W, C)
        out, _ = self.attn(seq, seq, seq, need_weights=False)
        return x + out.transpose(1, 2).reshape(b, c, h, w)


class UNet(nn.Module):
    def __init__(self, config: UNetConfig):
        super().__init__()
        self.config = config
        chans = [config.width * m for m in config.mults]  # e.g. [32, 64, 64]
        emb_dim = 4 * config.width
        self.time_mlp = nn.Sequential(nn.Linear(config.width, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.class_emb = nn.Embedding(config.n_classes + 1, emb_dim)  # +1: the "no class" token
        self.stem = nn.Conv2d(1, chans[0], 3, padding=1)
        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        cin = chans[0]
        for i, c in enumerate(chans):
            self.down.append(ResBlock(cin, c, emb_dim, config.dropout))
            cin = c
            # 28 -> 14 -> 7; 7 is odd, so the last level is not downsampled
            self.downsample.append(nn.Conv2d(c, c, 3, stride=2, padding=1) if i < len(chans) - 1 else nn.Identity())
        self.mid1 = ResBlock(cin, cin, emb_dim, config.dropout)
        self.mid_attn = Attention(cin)
        self.mid2 = ResBlock(cin, cin, emb_dim, config.dropout)
        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for i, c in reversed(list(enumerate(chans))):
            self.up.append(ResBlock(cin + c, c, emb_dim, config.dropout))
            cin = c
            self.upsample.append(nn.Upsample(scale_factor=2, mode="nearest") if i > 0 else nn.Identity())
        self.out = nn.Sequential(nn.GroupNorm(8, cin), nn.SiLU(), nn.Conv2d(cin, 1, 3, padding=1))

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """x_t (B, 1, 28, 28), steps t (B,), classes y (B,) (n_classes = none) -> predicted noise."""
        emb = self.time_mlp(timestep_embedding(t, self.config.width)) + self.class_emb(y)
        h = self.stem(x)
        skips = []
        for block, down in zip(self.down, self.downsample):
            h = block(h, emb)
            skips.append(h)  # (B, c, 28|14|7, ...)
            h = down(h)
        h = self.mid2(self.mid_attn(self.mid1(h, emb)), emb)
        for block, up in zip(self.up, self.upsample):
            h = block(torch.cat([h, skips.pop()], dim=1), emb)
            h = up(h)
        return self.out(h)

    def config_dict(self) -> dict:
        return asdict(self.config)
