"""models/wgan_gp.py: the critic has no batch norm, the penalty is per sample over the whole
flattened image, the losses point the right way, and sampling is seeded."""

import torch
import torch.nn as nn

from aigc_demo.models.wgan_gp import WGANGP, WGANGPConfig, critic_loss, generator_loss, gradient_penalty


def tiny():
    torch.manual_seed(0)
    return WGANGP(WGANGPConfig(latent_dim=8, embed_dim=4, g_width=8, d_width=8))


def test_shapes_and_no_batch_norm_in_the_critic():
    gan = tiny().eval()
    x = gan.sample(torch.arange(4), torch.Generator().manual_seed(0))
    assert x.shape == (4, 1, 28, 28) and gan.critic(x, torch.arange(4)).shape == (4,)
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in gan.critic.modules())


def test_seeded_sampling():
    gan = tiny().eval()
    a, b, c = (gan.sample(torch.zeros(2, dtype=torch.long), torch.Generator().manual_seed(s)) for s in (3, 3, 4))
    assert torch.equal(a, b) and not torch.equal(a, c)


class _Linear(nn.Module):
    """f(x, y) = <w, x>: its gradient is w everywhere, of norm ||w|| over the whole image."""

    def __init__(self, w):
        super().__init__()
        self.w = w

    def forward(self, x, y):
        return (x * self.w).flatten(1).sum(1)


def test_the_penalty_takes_each_samples_whole_gradient():
    w = torch.full((1, 1, 28, 28), 0.5 / 28)  # ||w|| over the image = 0.5; per pixel it would be 0.5/28
    real, fake = torch.rand(3, 1, 28, 28), torch.rand(3, 1, 28, 28)
    penalty = gradient_penalty(_Linear(w), real, fake, torch.zeros(3, dtype=torch.long))
    assert torch.isclose(penalty, torch.tensor(0.25))  # (0.5 - 1)^2
    unit = _Linear(w * 2)  # a 1-Lipschitz critic costs nothing
    assert gradient_penalty(unit, real, fake, torch.zeros(3, dtype=torch.long)) < 1e-10


def test_losses_point_the_right_way():
    high, low = torch.full((4,), 2.0), torch.full((4,), -1.0)
    assert critic_loss(high, low) < critic_loss(low, high)  # real scored above fake is what the critic wants
    assert generator_loss(high) < generator_loss(low)
