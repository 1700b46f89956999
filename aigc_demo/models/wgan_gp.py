"""Class-conditional WGAN-GP (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs").

A Wasserstein GAN trains a *critic* f, not a classifier: f scores pairs (x, y), and
E[f(real)] - E[f(fake)] estimates the Wasserstein-1 distance between the two distributions
when f is 1-Lipschitz. The gradient penalty enforces that softly: on random points between
real and generated images, (||grad_x f(x, y)||_2 - 1)^2, weighted by lambda = 10 (eq. 3).
Reference settings (the paper's Algorithm 1): 5 critic steps per generator step, Adam with
lr 1e-4 and betas (0, 0.9).

Two details the paper insists on and popular ports get wrong:
- no batch norm in the critic: the penalty is per sample, and batch norm mixes samples in a
  batch; layer norm (here GroupNorm with one group: over channels, height and width) is
  what the paper recommends instead;
- the gradient's norm is taken over each sample's whole image, flattened, not per pixel.

The generator is the DCGAN's (models/dcgan.py): the same class embedding beside z, the same
up-convolutions; what makes this a WGAN is the critic, its loss and the penalty. The critic
is conditioned by projection (Miyato & Koyama 2018): f(x, y) = psi(h) + <embed(y), h>.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn

from .dcgan import DCGAN, DCGANConfig, Generator


@dataclass
class WGANGPConfig:
    latent_dim: int = 128
    n_classes: int = 10
    embed_dim: int = 32
    g_width: int = 64
    d_width: int = 64
    gp_weight: float = 10.0  # lambda of eq. 3
    n_critic: int = 5  # critic steps per generator step

    def generator_config(self) -> DCGANConfig:
        return DCGANConfig(latent_dim=self.latent_dim, n_classes=self.n_classes, embed_dim=self.embed_dim,
                           g_width=self.g_width, d_width=self.d_width, image_size=28)


class Critic(nn.Module):
    """28 -> 14 -> 7 -> 4, layer norm and LeakyReLU after each convolution, projection head."""

    def __init__(self, c: WGANGPConfig):
        super().__init__()
        w = c.d_width
        chans = [1, w, 2 * w, 4 * w]
        layers: list[nn.Module] = []
        for i, (cin, cout) in enumerate(zip(chans, chans[1:])):
            kernel = 3 if i == 2 else 4  # 7 -> 4 needs a 3x3 kernel
            layers += [nn.Conv2d(cin, cout, kernel, 2, 1)]
            if i > 0:  # not on the input layer (the paper's critic starts with a bare conv)
                layers += [nn.GroupNorm(1, cout)]
            layers += [nn.LeakyReLU(0.2)]
        self.body = nn.Sequential(*layers)
        self.psi = nn.Linear(chans[-1], 1)
        self.embed = nn.Embedding(c.n_classes, chans[-1])

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.body(x).sum(dim=(2, 3))  # (B, C)
        return self.psi(h).squeeze(1) + (self.embed(y) * h).sum(dim=1)  # scores (B,), unbounded


# --- losses (they take the critic, so the training loop can pass its wrapped module) ---


def gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor, labels: torch.Tensor,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """Eq. 3's penalty: (||grad f(x_hat, y)||_2 - 1)^2 at x_hat = eps real + (1 - eps) fake,
    eps ~ U[0, 1] per sample; the norm over each sample's flattened image."""
    eps = torch.rand(len(real), 1, 1, 1, generator=generator).to(real.device)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    scores = critic(x_hat, labels)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """E[f(fake)] - E[f(real)]: minimising it maximises the Wasserstein estimate."""
    return fake_scores.mean() - real_scores.mean()


def generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    return -fake_scores.mean()


class WGANGP(nn.Module):
    def __init__(self, config: WGANGPConfig):
        super().__init__()
        self.config = config
        self.generator = Generator(config.generator_config())
        self.critic = Critic(config)

    # The DCGAN's latent and sampling, unchanged: the same generator takes the same z
    # (N(0, I), drawn on the CPU; `truncation` redraws values beyond +-psi).
    sample_latent = DCGAN.sample_latent
    sample = DCGAN.sample

    def config_dict(self) -> dict:
        return asdict(self.config)
