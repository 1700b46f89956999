"""The chorale network: its masks, a few real training steps, and Gibbs sampling that keeps
what is given and writes only what the voices can sing."""

import numpy as np
import torch

from aigc_demo.data import chorales as data
from aigc_demo.models.chorale import (ChoraleConfig, ChoraleNet, bar_positions, gibbs, masked_loss, training_mask)
from tests.conftest import CHORALE_FIXTURE


def tiny_net() -> ChoraleNet:
    torch.manual_seed(0)
    return ChoraleNet(ChoraleConfig(width=32, dilations=(1, 2, 4), dropout=0.0))


def test_masks_take_the_three_schemes():
    hidden = training_mask(400, 32, 4, torch.Generator().manual_seed(0))
    soprano_given = (~hidden[:, :, 0]).all(1) & hidden[:, :, 1:].flatten(1).all(1)
    everything = hidden.flatten(1).all(1)
    assert 60 < soprano_given.sum() < 140 and 60 < everything.sum() < 140  # a quarter each, of 400
    assert (hidden.float().mean((1, 2)) < 0.9).sum() > 150  # the orderless half: shares spread over (0, 1)


def test_the_network_runs_at_any_length_and_positions_differ_by_meter():
    net = tiny_net()
    for T in (16, 48, 200):
        grid = torch.zeros(2, T, 4, dtype=torch.long)
        logits = net(grid, torch.ones_like(grid, dtype=torch.bool), bar_positions(T, "4/4", 0).expand(2, T))
        assert logits.shape == (2, T, 4, data.VOCAB_SIZE)
    assert bar_positions(4, "4/4", 0).tolist() == [0, 1, 2, 3] and bar_positions(2, "3/4", 11).tolist() == [27, 16]


def test_a_few_steps_on_real_chorales_lower_the_loss():
    chorales, _ = data.read_chorales(CHORALE_FIXTURE, limit=4)
    grid = torch.tensor(np.stack([c.grid[:64] for c in chorales]))
    positions = torch.stack([bar_positions(64, c.meter, c.bar_offset) for c in chorales])
    net = tiny_net()
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(0)
    losses = []
    for _ in range(30):
        hidden = training_mask(len(grid), 64, 4, gen)
        loss = masked_loss(net(grid, hidden, positions), grid, hidden)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert sum(losses[-5:]) / 5 < losses[0] - 1.0


def test_gibbs_keeps_the_given_cells_and_the_voice_ranges():
    net = tiny_net()
    T = 32
    grid = torch.zeros(T, 4, dtype=torch.long)
    grid[:, 0] = data.HOLD
    grid[::8, 0] = data.pitch_token(67)
    fixed = torch.zeros(T, 4, dtype=torch.bool)
    fixed[:, 0] = True
    out = gibbs(net, grid, fixed, bar_positions(T, "4/4", 0), sweeps=5, temperature=1.0,
                generator=torch.Generator().manual_seed(1))
    assert (out[:, 0] == grid[:, 0]).all()
    assert (out[0] != data.HOLD).all()
    for v, (lo, hi) in enumerate(net.config.voice_ranges):
        pitches = [data.token_pitch(t) for t in out[:, v].tolist() if t >= data.FIRST_PITCH_TOKEN]
        assert all(lo <= p <= hi for p in pitches)
    again = gibbs(net, grid, fixed, bar_positions(T, "4/4", 0), sweeps=5, temperature=1.0,
                  generator=torch.Generator().manual_seed(1))
    assert (again == out).all()  # seeded
