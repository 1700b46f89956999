"""Class-conditional DCGAN (Radford et al. 2015) with a projection discriminator.

Conditioning: the generator sees a learned class embedding concatenated to z; the
discriminator uses projection (Miyato & Koyama 2018): D(x, y) = psi(h) + <embed(y), h>.
Why projection rather than AC-GAN: AC-GAN's auxiliary classifier rewards the generator for
images that are *easy to classify*, which is known to collapse diversity within a class
and would flatter our classifier-based metrics; projection only asks the pair (x, y) to
look real. Spectral norm on D keeps this stable without batch norm in D.

Training follows the seeds of the project: BCE (non-saturating) loss, Adam lr 2e-4,
beta1 0.5, a 100-dim latent.
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
    g_width: int = 64  # G channels at 14x14 (twice that at 7x7)
    d_width: int = 64  # D channels at 14x14 (twice, four times that below)


class Generator(nn.Module):
    def __init__(self, c: DCGANConfig):
        super().__init__()
        w = c.g_width
        self.embed = nn.Embedding(c.n_classes, c.embed_dim)
        self.fc = nn.Sequential(nn.Linear(c.latent_dim + c.embed_dim, 2 * w * 7 * 7, bias=False), nn.BatchNorm1d(2 * w * 7 * 7), nn.ReLU())
        self.net = nn.Sequential(
            nn.Unflatten(1, (2 * w, 7, 7)),
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),  # (B, w, 14, 14)
            nn.ConvTranspose2d(w, w // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(w // 2), nn.ReLU(),  # (B, w/2, 28, 28)
            nn.Conv2d(w // 2, 1, 3, padding=1), nn.Tanh(),  # (B, 1, 28, 28) in [-1, 1]
        )

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.net(self.fc(torch.cat([z, self.embed(y)], dim=1)))


class Discriminator(nn.Module):
    def __init__(self, c: DCGANConfig):
        super().__init__()
        w = c.d_width
        self.body = nn.Sequential(
            spectral_norm(nn.Conv2d(1, w, 4, 2, 1)), nn.LeakyReLU(0.2),  # (B, w, 14, 14)
            spectral_norm(nn.Conv2d(w, 2 * w, 4, 2, 1)), nn.LeakyReLU(0.2),  # (B, 2w, 7, 7)
            spectral_norm(nn.Conv2d(2 * w, 4 * w, 3, 2, 1)), nn.LeakyReLU(0.2),  # (B, 4w, 4, 4)
        )
        self.psi = spectral_norm(nn.Linear(4 * w, 1))
        self.embed = spectral_norm(nn.Embedding(c.n_classes, 4 * w))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.body(x).sum(dim=(2, 3))  # (B, 4w): sum pooling, as in the projection paper
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
        """Images (B, 1, 28, 28) in [-1, 1] of classes `labels` (B,)."""
        if z is None:
            z = self.sample_latent(len(labels), generator, truncation)
        return self.generator(z, labels)

    def config_dict(self) -> dict:
        return asdict(self.config)
