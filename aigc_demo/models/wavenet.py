"""WaveNet (van den Oord et al. 2016) as a neural vocoder: log-mel spectrogram -> waveform.

The network predicts each 16 kHz sample from the samples before it, as one of 256 mu-law
levels (aigc_demo/audio.py), through a stack of dilated causal convolutions with gated
activations, residual and skip connections. It is conditioned on the shared 64-band log-mel
(the "local conditioning" of the paper, as in Tacotron 2's vocoder): a small convolution over
the mel frames, projected per layer and held for the 250 samples of each frame.

Training is teacher-forced (all samples of a window at once, one cross-entropy); sampling is
autoregressive, one sample at a time, with the "fast WaveNet" cache (Paine et al. 2016):
each layer keeps a queue of its last `dilation` inputs, so a step costs a few small matrix
products per layer instead of a convolution over the whole receptive field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class WaveNetConfig:
    classes: int = 256  # mu-law levels
    residual_channels: int = 48
    skip_channels: int = 96
    cond_channels: int = 64
    n_mels: int = 64
    hop: int = 250  # samples per mel frame
    # two stacks; the receptive field is 1 + sum(dilations) = 271 samples (17 ms), over a
    # pitch period of every espeak voice; the mel conditioning carries the rest
    dilations: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8)

    def __post_init__(self):
        self.dilations = tuple(int(d) for d in self.dilations)  # JSON gives a list


class WaveNet(nn.Module):
    CONTEXT = 2  # mel frames of context on each side the conditioning convolution reads

    def __init__(self, config: WaveNetConfig):
        super().__init__()
        self.config = c = config
        r, s, n = c.residual_channels, c.skip_channels, len(c.dilations)
        self.embed = nn.Embedding(c.classes, r)  # the previous sample's mu-law level
        self.cond = nn.Sequential(nn.Conv1d(c.n_mels, c.cond_channels, 2 * self.CONTEXT + 1), nn.LeakyReLU(0.2),
                                  nn.Conv1d(c.cond_channels, 2 * r * n, 1))  # every layer's share at once
        self.dilated = nn.ModuleList(nn.Conv1d(r, 2 * r, 2, dilation=d, bias=False) for d in c.dilations)
        # no biases here: the conditioning carries the gates' bias, the head the skips'
        self.residual = nn.ModuleList(nn.Conv1d(r, r, 1, bias=False) for _ in range(n - 1))
        self.skip = nn.ModuleList(nn.Conv1d(r, s, 1, bias=False) for _ in range(n))
        self.head = nn.Sequential(nn.ReLU(), nn.Conv1d(s, s, 1), nn.ReLU(), nn.Conv1d(s, c.classes, 1))

    def conditioning(self, mel: torch.Tensor) -> torch.Tensor:
        """mel (B, n_mels, frames + 2*CONTEXT) -> (B, layers * 2R, frames), per frame."""
        return self.cond(mel)

    def logits(self, inputs: torch.Tensor, mel: torch.Tensor) -> torch.Tensor:
        """inputs (B, T) mu-law levels of the samples *before* each position (T = frames*hop)
        -> logits (B, classes, T) of the sample at each position."""
        c = self.config
        cond = self.conditioning(mel).repeat_interleave(c.hop, dim=-1)  # hold each frame for hop samples
        cond = cond.chunk(len(c.dilations), dim=1)
        x = self.embed(inputs).transpose(1, 2)  # (B, R, T)
        skip = 0
        for i, d in enumerate(c.dilations):
            h = self.dilated[i](F.pad(x, (d, 0))) + cond[i]  # causal: pad the past only
            a, g = h.chunk(2, dim=1)
            z = torch.tanh(a) * torch.sigmoid(g)  # the gated activation unit
            skip = skip + self.skip[i](z)
            if i < len(self.residual):
                x = x + self.residual[i](z)
        return self.head(skip)

    def loss(self, targets: torch.Tensor, mel: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of each sample given the ones before it (teacher forcing)."""
        silence = self.config.classes // 2
        inputs = F.pad(targets[:, :-1], (1, 0), value=silence)
        return F.cross_entropy(self.logits(inputs, mel), targets)

    forward = loss  # forward() is the loss, so DDP sees the call

    @torch.inference_mode()
    def generate(self, mel: torch.Tensor, generator: torch.Generator | None = None, temperature: float = 1.0,
                 ) -> torch.Tensor:
        """mu-law levels (B, frames*hop) for mel (B, n_mels, frames + 2*CONTEXT), one sample
        at a time with cached layer inputs. Noise comes from `generator` only."""
        c = self.config
        r, n = c.residual_channels, len(c.dilations)
        b, frames = mel.shape[0], mel.shape[-1] - 2 * self.CONTEXT
        device = mel.device
        cond = self.conditioning(mel).transpose(1, 2)  # (B, frames, layers*2R)
        # Weights as (in, out) matrices. sigmoid(g) = (1 + tanh(g/2)) / 2: with the gate half
        # of each layer's weights and conditioning halved, one tanh serves both halves, and
        # z = tanh(a) * (1 + tanh(g/2)) is one addcmul (its factor 1/2 goes into the weights
        # that read z).
        gate_scale = torch.cat([torch.ones(r), torch.full((r,), 0.5)]).to(device)
        w_past = [conv.weight[:, :, 0].t() * gate_scale for conv in self.dilated]
        w_now = [conv.weight[:, :, 1].t() * gate_scale for conv in self.dilated]
        cond = cond * gate_scale.repeat(n)
        w_res = [conv.weight[:, :, 0].t() * 0.5 for conv in self.residual]
        w_skip = torch.cat([conv.weight[:, :, 0].t() * 0.5 for conv in self.skip])  # (layers*R, S)
        head1, head2 = self.head[1], self.head[3]
        w_h1, b_h1 = head1.weight[:, :, 0].t(), head1.bias
        w_h2, b_h2 = head2.weight[:, :, 0].t(), head2.bias
        queues = [torch.zeros(d, b, r, device=device) for d in c.dilations]  # the training's zero padding
        level = torch.full((b,), c.classes // 2, dtype=torch.long, device=device)  # silence first
        out = torch.empty(b, frames * c.hop, dtype=torch.long)
        chunk = max(1, min(1000, 2**22 // (b * c.classes)))  # noise for up to 16 MB at a time
        for t in range(frames * c.hop):
            if t % c.hop == 0:
                cond_t = cond[:, t // c.hop].chunk(n, dim=1)
            if t % chunk == 0:  # Gumbel noise for the next `chunk` steps: argmax(logits + g) samples
                u = torch.rand(chunk, b, c.classes, generator=generator).clamp_(1e-10, 1.0)
                gumbel = (-torch.log(-torch.log(u))).to(device)
            x = self.embed.weight[level]
            zs = []
            for i, d in enumerate(c.dilations):
                q = queues[i][t % d]
                h = torch.addmm(torch.addmm(cond_t[i], q, w_past[i]), x, w_now[i])
                q.copy_(x)  # this input is what the layer reads as "past" d steps later
                th = torch.tanh(h)
                z = torch.addcmul(th[:, :r], th[:, :r], th[:, r:])
                zs.append(z)
                if i < n - 1:
                    x = torch.addmm(x, z, w_res[i])
            hidden = torch.relu(torch.addmm(b_h1, torch.relu(torch.cat(zs, dim=1) @ w_skip), w_h1))
            logits = torch.addmm(b_h2, hidden, w_h2)
            if temperature > 0:
                logits = logits / temperature + gumbel[t % chunk]
            level = logits.argmax(dim=1)
            out[:, t] = level.cpu() if device.type != "cpu" else level
        return out

    def config_dict(self) -> dict:
        return asdict(self.config)
