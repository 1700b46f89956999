"""The DDPM noise schedule and its samplers, kept apart from the denoising network.

Notation of Ho et al. 2020 (DDPM) and Song et al. 2021 (DDIM):
    alpha_bar_t = prod_{s<=t} (1 - beta_s)
    q(x_t | x_0) = N(sqrt(alpha_bar_t) x_0, (1 - alpha_bar_t) I)           DDPM eq. (4)
All schedule maths is done in float64 and stored in float32, whatever the network runs in.
"""

from __future__ import annotations

import math

import torch


class DDPMSchedule:
    def __init__(self, num_train_steps: int = 1000, kind: str = "cosine"):
        self.num_train_steps = num_train_steps
        self.kind = kind
        if kind == "cosine":  # Nichol & Dhariwal 2021, eq. (17): gentler at both ends than linear
            s = 0.008
            t = torch.arange(num_train_steps + 1, dtype=torch.float64) / num_train_steps
            f = torch.cos((t + s) / (1 + s) * math.pi / 2) ** 2
            alpha_bar = f / f[0]
            betas = (1 - alpha_bar[1:] / alpha_bar[:-1]).clamp(max=0.999)
        elif kind == "linear":  # Ho et al. 2020
            betas = torch.linspace(1e-4, 0.02, num_train_steps, dtype=torch.float64)
        else:
            raise ValueError(f"unknown schedule {kind!r}")
        self.alpha_bar = torch.cumprod(1 - betas, dim=0).float()  # (T,)

    def add_noise(self, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Sample x_t ~ q(x_t | x_0) for integer steps t (B,): DDPM eq. (4)."""
        ab = self.alpha_bar.to(x0.device)[t].view(-1, 1, 1, 1)
        return ab.sqrt() * x0 + (1 - ab).sqrt() * noise

    def timesteps(self, num_steps: int) -> list[int]:
        """num_steps training steps, evenly spaced, from the noisiest down to 0."""
        if not 1 <= num_steps <= self.num_train_steps:
            raise ValueError(f"steps must be between 1 and {self.num_train_steps}")
        return torch.linspace(self.num_train_steps - 1, 0, num_steps).round().long().tolist()

    def step(self, eps: torch.Tensor, t: int, t_prev: int, x_t: torch.Tensor, *, eta: float = 0.0,
             generator: torch.Generator | None = None) -> torch.Tensor:
        """One step x_t -> x_{t_prev} given the predicted noise (DDIM eq. (12) with its
        sigma from eq. (16)). eta = 0 is deterministic DDIM; eta = 1 is the DDPM ancestral
        sampler on the strided schedule. t_prev = -1 means the last step, to x_0."""
        ab_t = self.alpha_bar[t].item()
        ab_prev = self.alpha_bar[t_prev].item() if t_prev >= 0 else 1.0
        x0_pred = (x_t - math.sqrt(1 - ab_t) * eps) / math.sqrt(ab_t)  # "predicted x_0"
        x0_pred = x0_pred.clamp(-1, 1)  # the data lives in [-1, 1]
        eps = (x_t - math.sqrt(ab_t) * x0_pred) / math.sqrt(1 - ab_t)  # the noise consistent with it
        sigma = eta * math.sqrt((1 - ab_prev) / (1 - ab_t) * (1 - ab_t / ab_prev))
        direction = math.sqrt(max(1 - ab_prev - sigma**2, 0.0)) * eps  # "direction pointing to x_t"
        x_prev = math.sqrt(ab_prev) * x0_pred + direction
        if sigma > 0:
            noise = torch.randn(x_t.shape, generator=generator).to(x_t.device)
            x_prev = x_prev + sigma * noise
        return x_prev

    def sample(self, predict, x: torch.Tensor, num_steps: int, *, eta: float = 0.0,
               generator: torch.Generator | None = None) -> torch.Tensor:
        """The sampling loop from x_T: at each of num_steps strided steps, eps = predict(x_t,
        t (B,)) and one `step`. Every conditional model (a class, a prompt) passes its own
        predict, guidance included; returns x_0 in [-1, 1]."""
        b, device = len(x), x.device
        ts = self.timesteps(num_steps)
        for i, t in enumerate(ts):
            t_prev = ts[i + 1] if i + 1 < len(ts) else -1
            eps = predict(x, torch.full((b,), t, device=device, dtype=torch.long))
            x = self.step(eps.float(), t, t_prev, x.float(), eta=eta, generator=generator)
        return x.clamp(-1, 1)
