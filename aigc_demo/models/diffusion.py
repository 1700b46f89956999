"""Class-conditional denoising diffusion (DDPM, Ho et al. 2020) with classifier-free
guidance (Ho & Salimans 2022): the UNet denoiser (unet.py) plus the noise schedule
(schedulers.py), the training loss and the sampling loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..schedulers import DDPMSchedule
from .unet import UNet, UNetConfig


@dataclass
class DiffusionConfig:
    unet: UNetConfig = field(default_factory=UNetConfig)
    num_train_steps: int = 1000
    schedule: str = "cosine"
    p_uncond: float = 0.1  # how often training drops the class, so one net learns both eps(x|y) and eps(x)
    image_size: int = 28  # one channel: 28 for Fashion-MNIST, 64 for the spoken digits' log-mels (64 frames)
    image_height: int = 0  # rows, where not square (0: image_size): a log-mel of more than 64 bands

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the pictures."""
        return self.image_height or self.image_size, self.image_size

    @classmethod
    def from_dict(cls, d: dict) -> "DiffusionConfig":
        unet = dict(d["unet"])
        unet["mults"] = tuple(unet["mults"])
        return cls(**{**d, "unet": UNetConfig(**unet)})


class ConditionalDiffusion(nn.Module):
    def __init__(self, config: DiffusionConfig):
        super().__init__()
        self.config = config
        self.unet = UNet(config.unet)
        self.schedule = DDPMSchedule(config.num_train_steps, config.schedule)
        self.null_class = config.unet.n_classes

    def forward(self, x0: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.loss(x0, y)

    def loss(self, x0: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The simplified DDPM objective, DDPM eq. (14): || eps - eps_theta(x_t, t, y) ||^2."""
        b = len(x0)
        t = torch.randint(0, self.config.num_train_steps, (b,), device=x0.device)
        noise = torch.randn_like(x0)
        x_t = self.schedule.add_noise(x0, noise, t)
        drop = torch.rand(b, device=x0.device) < self.config.p_uncond
        y = torch.where(drop, torch.full_like(y, self.null_class), y)
        return F.mse_loss(self.unet(x_t, t, y), noise)

    @torch.no_grad()
    def sample(self, labels: torch.Tensor, generator: torch.Generator | None = None, *, steps: int = 25,
               guidance: float = 2.0, sampler: str = "ddim", noise: torch.Tensor | None = None) -> torch.Tensor:
        """Images (B, 1, H, W) in [-1, 1] of classes `labels`, (H, W) = config.shape; `noise`:
        the starting x_T (B, 1, H, W) if given, else drawn from `generator`.

        sampler "ddim" is deterministic given the starting noise (eta = 0); "ancestral" adds
        fresh noise at every step (eta = 1). guidance w mixes the conditional and the
        unconditional prediction: eps = eps(x) + w (eps(x|y) - eps(x)); w = 1 is plain
        conditional sampling, larger w trades variety for class fidelity.
        """
        eta = {"ddim": 0.0, "ancestral": 1.0}[sampler]
        device = next(self.unet.parameters()).device
        labels = labels.to(device)
        null = torch.full_like(labels, self.null_class)

        def predict(x, t):
            if guidance == 1.0:
                return self.unet(x, t, labels)
            # one batched pass for both predictions
            eps_cond, eps_uncond = self.unet(torch.cat([x, x]), torch.cat([t, t]), torch.cat([labels, null])).chunk(2)
            return eps_uncond + guidance * (eps_cond - eps_uncond)

        if noise is None:  # x_T, drawn on the CPU for portability
            noise = torch.randn(len(labels), 1, *self.config.shape, generator=generator)
        x = noise.to(device)
        return self.schedule.sample(predict, x, steps, eta=eta, generator=generator)
