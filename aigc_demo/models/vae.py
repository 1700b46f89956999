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
    # Give the decoder's convolutions the class as constant planes too, not only its first
    # layer: with the class in one input among 26, the decoder leaned on z for the fine
    # distinctions between similar classes and class accuracy stalled.
    label_planes: bool = False
    # Weight of the KL term (beta-VAE, Higgins et al. 2017). Below 1 the latent keeps more of
    # each image, so reconstructions are sharper; at beta 1 the blur of the samples capped how
    # often the metric classifier recognised their class.
    beta: float = 1.0
    # Sample z from a Gaussian per class fitted to the training set's latent means after
    # training (ex-post density estimation, Ghosh et al. 2020) instead of N(0, I): with beta
    # below 1 the aggregate posterior no longer matches N(0, I), and this prior follows it.
    class_prior: bool = False
    # Components of each class's prior: a mixture of Gaussians (as Ghosh et al. fit) can follow
    # the several modes a class's latents form, where one Gaussian also covers the space
    # between them. Fitted after training only (EM takes minutes).
    prior_components: int = 1


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
        if config.label_planes:  # widen the decoder's convolutions by the k class planes
            for i in self.PLANE_INPUTS:
                conv = self.decoder[i]
                self.decoder[i] = type(conv)(conv.in_channels + k, conv.out_channels, conv.kernel_size,
                                             conv.stride, conv.padding)

        if config.class_prior:  # N(0, I) until fit_class_prior; saved with the weights
            m, d = config.prior_components, config.latent_dim
            self.register_buffer("prior_mean", torch.zeros(k, m, d))
            self.register_buffer("prior_scale_tril", torch.eye(d).repeat(k, m, 1, 1))
            self.register_buffer("prior_weights", torch.full((k, m), 1.0 / m))

    PLANE_INPUTS = (5, 8, 11)  # the decoder's three convolutions (indices in self.decoder)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # weights and run states saved before the mixture prior held one Gaussian per class
        mean = state_dict.get(prefix + "prior_mean")
        if mean is not None and mean.dim() == 2 and self.config.prior_components == 1:
            state_dict[prefix + "prior_mean"] = mean[:, None]
            state_dict[prefix + "prior_scale_tril"] = state_dict[prefix + "prior_scale_tril"][:, None]
            state_dict.setdefault(prefix + "prior_weights", torch.ones(len(mean), 1))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def encode(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, 1, 28, 28) in [-1, 1] -> mu, logvar (B, latent_dim)."""
        planes = F.one_hot(y, self.config.n_classes).float()[:, :, None, None].expand(-1, -1, 28, 28)
        h = self.encoder(torch.cat([x, planes], dim=1))
        return self.to_mu(h), self.to_logvar(h)

    def decode_logits(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        onehot = F.one_hot(y, self.config.n_classes).float()
        h = torch.cat([z, onehot], dim=1)
        for i, layer in enumerate(self.decoder):
            if self.config.label_planes and i in self.PLANE_INPUTS:
                h = torch.cat([h, onehot[:, :, None, None].expand(-1, -1, *h.shape[2:])], dim=1)
            h = layer(h)
        return h

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
        return recon + kl_weight * self.config.beta * kl, recon, kl

    @property
    def noise_dim(self) -> int:
        """Standard normal numbers per sample: z's, plus one that picks a mixture component."""
        return self.config.latent_dim + (self.config.prior_components > 1)

    def sample_latent(self, n: int, generator: torch.Generator | None = None, temperature: float = 1.0) -> torch.Tensor:
        """Noise for n samples (see latent_for); temperature scales the spread within a
        component, never which component is picked."""
        # drawn on the CPU then moved, so a seed gives the same noise on every device
        noise = torch.randn(n, self.noise_dim, generator=generator)
        noise[:, :self.config.latent_dim] *= temperature
        return noise.to(self.to_mu.weight.device)

    def latent_for(self, noise: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Standard normal noise -> latents of classes `labels` under the sampling prior
        (noise itself without a class prior). Seeds and interpolation live in noise space:
        with a mixture, the last coordinate's normal CDF picks the component by its weight."""
        d = self.config.latent_dim
        if not self.config.class_prior:
            return noise[..., :d]
        component = torch.zeros(len(labels), dtype=torch.long, device=noise.device)
        if self.config.prior_components > 1:
            u = 0.5 * (1 + torch.erf(noise[:, d] / 2**0.5))  # uniform in (0, 1)
            cumulative = self.prior_weights[labels].cumsum(-1)
            component = (u[:, None] > cumulative).sum(-1).clamp(max=self.config.prior_components - 1)
        mean, scale_tril = self.prior_mean[labels, component], self.prior_scale_tril[labels, component]
        return mean + (scale_tril @ noise[:, :d, None])[..., 0]

    @torch.no_grad()
    def fit_class_prior(self, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1000) -> None:
        """Fit each class's prior (a Gaussian, or a mixture of prior_components by EM with
        scikit-learn) to the encoder means of its training images."""
        from sklearn.mixture import GaussianMixture

        was_training = self.training
        self.eval()
        device = self.prior_mean.device
        mus = torch.cat([self.encode(x[i:i + batch_size].to(device), y[i:i + batch_size].to(device))[0]
                         for i in range(0, len(x), batch_size)]).double().cpu().numpy()
        y = y.cpu().numpy()
        m = self.config.prior_components
        for c in range(self.config.n_classes):
            latents = mus[y == c]
            if len(latents) < 2 * m:  # too few images of this class to fit: keep what it has
                continue
            # reg_covar: a floor on the variances, so a component fitted to few images stays
            # positive definite
            gm = GaussianMixture(m, covariance_type="full", reg_covar=1e-6, random_state=0).fit(latents)
            self.prior_mean[c] = torch.from_numpy(gm.means_).float()
            self.prior_scale_tril[c] = torch.linalg.cholesky(torch.from_numpy(gm.covariances_)).float()
            self.prior_weights[c] = torch.from_numpy(gm.weights_).float()
        self.train(was_training)

    @torch.no_grad()
    def sample(self, labels: torch.Tensor, generator: torch.Generator | None = None, temperature: float = 1.0,
               z: torch.Tensor | None = None) -> torch.Tensor:
        """Images (B, 1, 28, 28) in [-1, 1] of classes `labels`; temperature scales the
        noise's spread; `z` gives the noise instead (from sample_latent)."""
        if z is None:
            z = self.sample_latent(len(labels), generator, temperature)
        return self.decode(self.latent_for(z, labels), labels)

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        mu, _ = self.encode(x, y)
        return self.decode(mu, y)

    def config_dict(self) -> dict:
        return asdict(self.config)
