import random

import torch
import torch.nn as nn

from aigc_demo.models.cyclegan import CycleGAN, CycleGANConfig, ImagePool, lsgan_loss, noisy

TINY = CycleGANConfig(width=4, d_width=4, n_residual=2)


def test_shapes_and_the_reference_design():
    gan = CycleGAN(TINY)
    x = torch.rand(3, 1, 28, 28) * 2 - 1
    y = gan.g_ab(x)
    assert y.shape == x.shape and y.abs().max() <= 1  # tanh output, the data's range
    assert gan.d_a(x).shape == (3, 1, 7, 7)  # a PatchGAN: one score per patch
    kinds = {type(m) for m in gan.g_ab.modules()}
    assert nn.ConvTranspose2d not in kinds and nn.Upsample in kinds  # no checkerboards
    assert nn.InstanceNorm2d in kinds and nn.ReflectionPad2d in kinds and nn.BatchNorm2d not in kinds


def test_the_skip_joins_the_encoders_14x14_features_under_the_same_weight_names():
    plain, joined = CycleGAN(TINY).g_ab, CycleGAN(CycleGANConfig(**{**TINY.__dict__, "skip": True})).g_ab
    assert plain.state_dict().keys() == joined.state_dict().keys()  # a checkpoint's names do not depend on it
    changed = {k: (v.shape, joined.state_dict()[k].shape) for k, v in plain.state_dict().items()
               if v.shape != joined.state_dict()[k].shape}
    assert len(changed) == 1 and [(a[1], b[1]) for a, b in changed.values()] == [(2 * TINY.width, 4 * TINY.width)]
    x = torch.rand(2, 1, 28, 28) * 2 - 1
    assert joined(x).shape == x.shape
    # the joined features carry the input past the bottleneck: with the way up cut off
    # (the 7x7 features' contribution zeroed), the output still depends on the input
    conv = joined.net[joined.up_14 + 2]
    with torch.no_grad():
        conv.weight[:, :2 * TINY.width] = 0
    assert not torch.allclose(joined(x), joined(torch.rand(2, 1, 28, 28) * 2 - 1))


def test_translation_is_deterministic_and_comes_back_through_the_other_generator():
    torch.manual_seed(0)
    gan = CycleGAN(TINY).eval()
    x = torch.rand(2, 1, 28, 28) * 2 - 1
    fake, back = gan.translate(x, "a_to_b")
    assert torch.equal(fake, gan.g_ab(x)) and torch.equal(back, gan.g_ba(gan.g_ab(x)))
    assert torch.equal(gan.translate(x, "a_to_b")[0], fake)
    assert torch.equal(gan.translate(x, "b_to_a")[0], gan.g_ba(x))


def test_the_least_squares_loss_favours_the_right_side():
    high, low = torch.ones(2, 1, 7, 7), torch.zeros(2, 1, 7, 7)
    assert lsgan_loss(high, True) == 0 and lsgan_loss(low, False) == 0
    assert lsgan_loss(low, True) == 1 and lsgan_loss(high, False) == 1


def test_the_image_pool_fills_then_mixes_old_and_new_and_round_trips():
    pool = ImagePool(4, random.Random(0))
    first = torch.arange(4.0).view(4, 1, 1, 1)
    assert torch.equal(pool.query(first), first) and len(pool.images) == 4  # filling: the new ones
    new = torch.full((8, 1, 1, 1), 9.0)
    out = pool.query(new)
    assert out.shape == new.shape and len(pool.images) == 4
    assert (out == 9).any() and (out < 9).any()  # some new, some from the pool
    twin = ImagePool(4, random.Random(123))
    twin.load_state_dict(pool.state_dict())
    probe = torch.full((6, 1, 1, 1), 5.0)
    assert torch.equal(pool.query(probe), twin.query(probe))
    assert torch.equal(ImagePool(0).query(new), new)


def test_the_noise_on_the_way_back_has_the_configured_size_and_is_off_by_default():
    assert CycleGANConfig().cycle_noise == 0
    x = torch.zeros(64, 1, 28, 28)
    assert noisy(x, 0.0) is x
    torch.manual_seed(0)
    a = noisy(x, 0.1)
    assert abs(float(a.std()) - 0.1) < 0.005 and abs(float(a.mean())) < 0.005
    torch.manual_seed(0)
    assert torch.equal(noisy(x, 0.1), a)  # from the global RNG, which a resumed run restores
