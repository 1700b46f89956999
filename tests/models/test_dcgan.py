"""models/dcgan.py: shapes at both layouts, seeded sampling, truncation, the losses."""

import pytest
import torch

from aigc_demo.models.dcgan import DCGAN, DCGANConfig, d_loss, g_loss


def tiny(size=28, **kw):
    torch.manual_seed(0)
    return DCGAN(DCGANConfig(latent_dim=8, embed_dim=4, g_width=8, d_width=8, image_size=size, **kw)).eval()


def test_shapes_at_28_and_64():
    for size in (28, 64):
        gan = tiny(size, minibatch_std=size == 64)
        x = gan.sample(torch.arange(3), torch.Generator().manual_seed(0))
        assert x.shape == (3, 1, size, size) and x.min() >= -1 and x.max() <= 1
        assert gan.discriminator(x, torch.arange(3)).shape[0] == 3


def test_spectrograms_of_more_bands_than_frames():
    """image_height: log-mels of 80 bands by 64 frames; rows the stride-2 steps cannot halve are refused."""
    gan = tiny(64, image_height=80, minibatch_std=True)
    x = gan.sample(torch.arange(3), torch.Generator().manual_seed(0))
    assert x.shape == (3, 1, 80, 64) and gan.config.shape == (80, 64)
    assert gan.discriminator(x, torch.arange(3)).shape == (3,)
    with pytest.raises(ValueError, match="multiple of 16"):
        tiny(64, image_height=72)


def test_the_same_seed_draws_the_same_images_and_another_does_not():
    gan = tiny()
    a, b, c = (gan.sample(torch.zeros(2, dtype=torch.long), torch.Generator().manual_seed(s)) for s in (1, 1, 2))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_truncation_bounds_the_latent():
    z = tiny().sample_latent(500, torch.Generator().manual_seed(0), truncation=0.5)
    assert z.abs().max() <= 0.5


def test_losses_are_finite_and_favour_the_right_side():
    real, fake = torch.full((4, 1), 5.0), torch.full((4, 1), -5.0)
    assert d_loss(real, fake) < d_loss(fake, real) and g_loss(real) < g_loss(fake)
