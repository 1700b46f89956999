"""models/lstm_lm.py: a transformers causal LM whose (h, c) state is its cache."""

import torch

from aigc_demo.models.lstm_lm import LSTMLM, LSTMLMConfig


def test_logits_loss_and_cached_greedy_generation():
    torch.manual_seed(0)
    model = LSTMLM(LSTMLMConfig(vocab_size=30, n_embd=8, n_hidden=16, n_layer=1, dropout=0.0, n_positions=32)).eval()
    ids = torch.randint(1, 30, (2, 5))
    out = model(ids, labels=ids)
    assert out.logits.shape == (2, 5, 30) and torch.isfinite(out.loss)
    # reading the prompt in one go, or token by token through the cache, gives the same logits
    step = None
    for t in range(5):
        step = model(ids[:, t:t + 1], past_key_values=step.past_key_values if step is not None else None)
    assert torch.allclose(step.logits[:, -1], out.logits[:, -1], atol=1e-5)
    a = model.generate(ids, max_new_tokens=4, do_sample=False, pad_token_id=0)
    assert a.shape == (2, 9) and torch.equal(a, model.generate(ids, max_new_tokens=4, do_sample=False, pad_token_id=0))
