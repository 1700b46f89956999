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
