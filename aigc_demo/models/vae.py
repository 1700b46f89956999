"""Conditional variational autoencoder (Kingma & Welling 2014; CVAE: Sohn et al. 2015).

Encoder q(z | x, y) and decoder p(x | z, y) both see the class, so z only has to hold the
style (shape, texture, tone) and the class can be chosen at sampling time. The pixels are
modelled as Bernoulli probabilities (binary cross-entropy, summed over pixels) and the loss
is the negative ELBO: reconstruction + KL(q(z|x,y) || N(0, I)).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class VAEConfig:
    latent_dim: int = 16
    n_classes: int = 10
    width: int = 32  # channels at 14x14; twice that at 7x7
    hidden: int = 512  # the fully connected layer between conv features and z


class ConditionalVAE(nn.Module):
    def __init__(self, config: VAEConfig):
        super().__init__()
        self.config = config
        w, h, k = config.width, config.hidden, config.n_classes
        self.encoder = nn.Sequential(
            nn.Conv2d(1 + k, w, 4, 2, 1), nn.LeakyReLU(0.2),  # (B, w, 14, 14); the class enters as k constant planes
            nn.Conv2d(w, 2 * w, 4, 2, 1), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2),  # (B, 2w, 7, 7)
            nn.Flatten(), nn.Linear(2 * w * 49, h), nn.LeakyReLU(0.2),
        )
        self.to_mu = nn.Linear(h, config.latent_dim)
        self.to_logvar = nn.Linear(h, config.latent_dim)
        self.decoder = nn.Sequential(
            nn.Linear(config.latent_dim + k, h), nn.ReLU(),
            nn.Linear(h, 2 * w * 49), nn.ReLU(), nn.Unflatten(1, (2 * w, 7, 7)),
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1), nn.BatchNorm2d(w), nn.ReLU(),  # (B, w, 14, 14)
            nn.ConvTranspose2d(w, w, 4, 2, 1), nn.BatchNorm2d(w), nn.ReLU(),  # (B, w, 28, 28)
            nn.Conv2d(w, 1, 3, padding=1),  # logits of pixel intensity
        )

    def encode(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, 1, 28, 28) in [-1, 1] -> mu, logvar (B, latent_dim)."""
        planes = F.one_hot(y, self.config.n_classes).float()[:, :, None, None].expand(-1, -1, 28, 28)
        h = self.encoder(torch.cat([x, planes], dim=1))
        return self.to_mu(h), self.to_logvar(h)

    def decode_logits(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.decoder(torch.cat([z, F.one_hot(y, self.config.n_classes).float()], dim=1))

    def decode(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The decoder's mean image, in [-1, 1]."""
        return self.decode_logits(z, y).sigmoid() * 2 - 1

    def forward(self, x: torch.Tensor, y: torch.Tensor, kl_weight: float = 1.0):
        return self.loss(x, y, kl_weight)

    def loss(self, x: torch.Tensor, y: torch.Tensor, kl_weight: float = 1.0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Negative ELBO per image: (total, reconstruction, kl). kl_weight < 1 early in
        training (KL warm-up) keeps the decoder from ignoring z."""
        mu, logvar = self.encode(x, y)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()  # reparameterisation trick
        logits = self.decode_logits(z, y)
        target = (x + 1) / 2  # pixel intensities in [0, 1] as Bernoulli targets
        recon = F.binary_cross_entropy_with_logits(logits, target, reduction="sum") / len(x)
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / len(x)
        return recon + kl_weight * kl, recon, kl

    def sample_latent(self, n: int, generator: torch.Generator | None = None, temperature: float = 1.0) -> torch.Tensor:
        # drawn on the CPU then moved, so a seed gives the same z on every device
        z = torch.randn(n, self.config.latent_dim, generator=generator) * temperature
        return z.to(self.to_mu.weight.device)

    @torch.no_grad()
    def sample(self, labels: torch.Tensor, generator: torch.Generator | None = None, temperature: float = 1.0,
               z: torch.Tensor | None = None) -> torch.Tensor:
        """Images (B, 1, 28, 28) in [-1, 1] of classes `labels`; temperature scales z's spread."""
        if z is None:
            z = self.sample_latent(len(labels), generator, temperature)
        return self.decode(z, labels)

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        mu, _ = self.encode(x, y)
        return self.decode(mu, y)

    def config_dict(self) -> dict:
        return asdict(self.config)
