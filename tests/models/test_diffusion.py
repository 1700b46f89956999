"""models/diffusion.py and unet.py: the denoiser's shape, the loss, seeded DDIM/ancestral sampling."""

import torch

from aigc_demo.models.diffusion import ConditionalDiffusion, DiffusionConfig
from aigc_demo.models.unet import UNet, UNetConfig


def tiny():
    torch.manual_seed(0)
    return ConditionalDiffusion(DiffusionConfig(unet=UNetConfig(width=8, mults=(1, 2)), num_train_steps=50)).eval()


def test_the_unet_predicts_noise_of_the_input_shape():
    net = UNet(UNetConfig(width=8, mults=(1, 2)))
    x = torch.randn(2, 1, 28, 28)
    assert net(x, torch.tensor([3, 7]), torch.tensor([1, 2])).shape == x.shape


def test_loss_and_seeded_samplers():
    model = tiny()
    assert torch.isfinite(model.loss(torch.rand(2, 1, 28, 28) * 2 - 1, torch.arange(2)))
    labels = torch.arange(2)
    ddim = [model.sample(labels, torch.Generator().manual_seed(1), steps=3) for _ in range(2)]
    assert torch.equal(*ddim) and ddim[0].shape == (2, 1, 28, 28)
    ancestral = model.sample(labels, torch.Generator().manual_seed(1), steps=3, sampler="ancestral")
    assert not torch.equal(ancestral, ddim[0])


def test_pictures_of_more_rows_than_columns():
    """image_height: the UNet is convolutional, so 80 x 64 log-mels train and sample as 28 x 28 pictures do."""
    torch.manual_seed(0)
    model = ConditionalDiffusion(DiffusionConfig(unet=UNetConfig(width=8, mults=(1, 2, 2, 2)), num_train_steps=50,
                                                 image_size=64, image_height=80)).eval()
    assert model.config.shape == (80, 64) and torch.isfinite(model.loss(torch.rand(2, 1, 80, 64), torch.arange(2)))
    assert model.sample(torch.arange(2), torch.Generator().manual_seed(1), steps=2).shape == (2, 1, 80, 64)
