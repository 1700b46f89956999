"""Class-conditional DCGAN (Radford et al. 2015) with a projection discriminator.

Conditioning: the generator sees a learned class embedding concatenated to z; the
discriminator uses projection (Miyato & Koyama 2018): D(x, y) = psi(h) + <embed(y), h>.
Why projection rather than AC-GAN: AC-GAN's auxiliary classifier rewards the generator for
images that are *easy to classify*, which is known to collapse diversity within a class
and would flatter our classifier-based metrics; projection only asks the pair (x, y) to
look real. Spectral norm on D keeps this stable without batch norm in D.

Training follows the seeds of the project: BCE (non-saturating) loss, Adam lr 2e-4,
beta1 0.5, a 100-dim latent.

The same networks at image_size 64 are the audio SpecGAN (Donahue et al. 2019): a DCGAN
that draws 64x64 log-mel spectrograms (aigc_demo/audio.py), turned into sound by a vocoder.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.parametrizations import spectral_norm


@dataclass
class DCGANConfig:
    latent_dim: int = 100
    n_classes: int = 10
    embed_dim: int = 32  # class embedding fed to G beside z
    g_width: int = 64  # G channels one step below full size (twice that per step further down)
    d_width: int = 64  # D channels after its first stride-2 conv (doubling per conv)
    image_size: int = 28  # 28 (Fashion-MNIST: from 7x7, two upsamplings) or 64 (spectrograms: from 4x4, four)
    # rows, where the picture is not square (0: image_size): a log-mel of more bands than its 64
    # frames; a multiple of the stride-2 steps' 2**n (16 at width 64)
    image_height: int = 0
    # D also sees how much its batch varies (ProGAN's minibatch standard deviation): a
    # generator that draws every sample alike is then easy to tell apart. The SpecGAN needs
    # it; without it, on 6k clips, each digit collapsed to nearly one voice.
    minibatch_std: bool = False


    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the pictures."""
        return self.image_height or self.image_size, self.image_size

    @property
    def row_multiple(self) -> int:
        """What image_height must be a multiple of: G doubles its rows at each stride-2 step."""
        return 2 ** _steps(self.image_size)[1]


def _steps(image_size: int) -> tuple[int, int]:
    """(side of G's first feature map, number of stride-2 steps to full size)."""
    if image_size == 28:
        return 7, 2
    if image_size == 64:
        return 4, 4
    raise ValueError(f"image_size must be 28 or 64, not {image_size}")


class Generator(nn.Module):
    def __init__(self, c: DCGANConfig):
        super().__init__()
        w = c.g_width
        side, n_up = _steps(c.image_size)
        rows = c.shape[0] // 2**n_up
        if rows * 2**n_up != c.shape[0]:
            raise ValueError(f"image_height must be a multiple of {2**n_up}, not {c.shape[0]}")
        chans = [w * 2 ** (n_up - 1 - i) for i in range(n_up)] + [w // 2]  # 28: 2w, w, w/2
        self.embed = nn.Embedding(c.n_classes, c.embed_dim)
        first = chans[0] * rows * side
        self.fc = nn.Sequential(nn.Linear(c.latent_dim + c.embed_dim, first, bias=False), nn.BatchNorm1d(first), nn.ReLU())
        layers: list[nn.Module] = [nn.Unflatten(1, (chans[0], rows, side))]
        for cin, cout in zip(chans, chans[1:]):  # each doubles the side: 7 -> 14 -> 28
            layers += [nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
        layers += [nn.Conv2d(chans[-1], 1, 3, padding=1), nn.Tanh()]  # (B, 1, rows, size) in [-1, 1]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.net(self.fc(torch.cat([z, self.embed(y)], dim=1)))


class Discriminator(nn.Module):
    def __init__(self, c: DCGANConfig):
        super().__init__()
        w = c.d_width
        _, n_down = _steps(c.image_size)
        n_down += 1  # down to 4x4: 28 -> 14 -> 7 -> 4, 64 -> 32 -> 16 -> 8 -> 4
        chans = [1] + [w * 2**i for i in range(n_down)]
        layers: list[nn.Module] = []
        for i, (cin, cout) in enumerate(zip(chans, chans[1:])):
            kernel = 3 if (c.image_size == 28 and i == n_down - 1) else 4  # 7 -> 4 needs a 3x3 kernel
            layers += [spectral_norm(nn.Conv2d(cin, cout, kernel, 2, 1)), nn.LeakyReLU(0.2)]
        self.body = nn.Sequential(*layers)
        self.minibatch_std = c.minibatch_std
        if c.minibatch_std:
            self.after_std = nn.Sequential(spectral_norm(nn.Conv2d(chans[-1] + 1, chans[-1], 3, 1, 1)), nn.LeakyReLU(0.2))
        self.psi = spectral_norm(nn.Linear(chans[-1], 1))
        self.embed = spectral_norm(nn.Embedding(c.n_classes, chans[-1]))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.body(x)
        if self.minibatch_std:
            spread = h.std(dim=0, unbiased=False).mean()  # one number: the batch's variety
            h = self.after_std(torch.cat([h, spread.expand(len(h), 1, *h.shape[2:])], dim=1))
        h = h.sum(dim=(2, 3))  # (B, channels): sum pooling, as in the projection paper
        return self.psi(h).squeeze(1) + (self.embed(y) * h).sum(dim=1)  # logits (B,)


# --- losses: BCE on the discriminator's logits (the seeds' loss); they take logits, so the
# training loop can compute those through its (possibly DDP-wrapped) discriminator ---


def d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Real pairs towards 1, generated pairs towards 0."""
    return (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
            + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))


def g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating generator loss, -log D(G(z), y)."""
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


class DCGAN(nn.Module):
    def __init__(self, config: DCGANConfig):
        super().__init__()
        self.config = config
        self.generator = Generator(config)
        self.discriminator = Discriminator(config)

    # --- sampling ---
    def sample_latent(self, n: int, generator: torch.Generator | None = None, truncation: float | None = None) -> torch.Tensor:
        """z ~ N(0, I); with `truncation` psi, values beyond +-psi are redrawn (the truncation
        trick of BigGAN: less variety, more typical samples)."""
        # Drawn on the CPU, then moved: the same seed gives the same z on any device.
        device = self.generator.fc[0].weight.device
        z = torch.empty(n, self.config.latent_dim)
        if truncation is None:
            z.normal_(generator=generator)
        else:
            nn.init.trunc_normal_(z, mean=0.0, std=1.0, a=-truncation, b=truncation, generator=generator)
        return z.to(device)

    @torch.no_grad()
    def sample(self, labels: torch.Tensor, generator: torch.Generator | None = None, truncation: float | None = None,
               z: torch.Tensor | None = None) -> torch.Tensor:
        """Images (B, 1, rows, columns) in [-1, 1] of classes `labels` (B,): config.shape."""
        if z is None:
            z = self.sample_latent(len(labels), generator, truncation)
        return self.generator(z, labels)

    def config_dict(self) -> dict:
        return asdict(self.config)
