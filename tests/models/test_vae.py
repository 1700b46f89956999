"""models/vae.py: shapes, the loss, seeded sampling and reconstruction."""

import torch

from aigc_demo.models.vae import ConditionalVAE, VAEConfig


def tiny(**kw):
    torch.manual_seed(0)
    return ConditionalVAE(VAEConfig(latent_dim=4, width=8, hidden=32, **kw)).eval()


def test_shapes_and_loss():
    vae = tiny(label_planes=True)
    x, y = torch.rand(3, 1, 28, 28) * 2 - 1, torch.arange(3)
    mu, logvar = vae.encode(x, y)
    assert mu.shape == logvar.shape == (3, 4)
    assert vae.reconstruct(x, y).shape == (3, 1, 28, 28)
    total, *_ = vae.loss(x, y)
    assert torch.isfinite(total)


def test_seeded_sampling_and_temperature_zero_is_the_mean():
    vae = tiny()
    labels = torch.tensor([2, 2])
    a, b = (vae.sample(labels, torch.Generator().manual_seed(5)) for _ in range(2))
    assert torch.equal(a, b) and a.shape == (2, 1, 28, 28)
    cold = vae.sample(labels, torch.Generator().manual_seed(5), temperature=0.0)
    assert torch.allclose(cold[0], cold[1])  # no noise: both draws are the class's mean image
