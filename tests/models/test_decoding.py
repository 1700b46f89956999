"""models/decoding.py: the compact decoders give the models' own logits, step by step, and the
text pipeline's fast path picks exactly the tokens generate() picks."""

import pytest
import torch

from aigc_demo.models.decoding import decoder_for
from aigc_demo.pipelines.text import TextPipeline


@pytest.fixture(scope="module", params=["gpt", "lstm"])
def pipe(request, tiny_text_checkpoints):
    return TextPipeline.from_checkpoint(tiny_text_checkpoints / "text" / request.param)


def test_logits_match_the_models_forward_step_by_step(pipe):
    decoder = decoder_for(pipe.model)
    assert decoder is not None
    ids = torch.randint(1, len(pipe.tokenizer), (2, 9))
    with torch.no_grad():
        full = pipe.model(ids).logits.float()
    state, logits = decoder.start(ids[:, :4])  # a prompt of four, then one token at a time
    steps = [logits] + [decoder.step(state, ids[:, t:t + 1]) for t in range(4, 9)]
    assert torch.allclose(torch.stack(steps, 1), full[:, 3:], atol=1e-4)


def test_two_requests_do_not_share_a_cache(pipe):
    decoder = decoder_for(pipe.model)
    a_state, _ = decoder.start(torch.tensor([[1, 2, 3]]))
    b_state, _ = decoder.start(torch.tensor([[4, 5]]))
    a_next = decoder.step(a_state, torch.tensor([[6]]))
    fresh, _ = decoder.start(torch.tensor([[1, 2, 3]]))
    assert torch.equal(a_next, decoder.step(fresh, torch.tensor([[6]])))


@pytest.mark.parametrize("settings", [dict(temperature=0.0), dict(),
                                      dict(temperature=1.3, top_k=0, top_p=0.9, repetition_penalty=1.4),
                                      dict(temperature=1.0, top_k=3, top_p=1.0, repetition_penalty=1.0)])
def test_the_fast_path_picks_the_tokens_generate_picks(pipe, settings):
    decoder = pipe.decoder
    assert decoder is not None
    try:
        for seed in range(4):
            for prompt in ("A friend is", "春眠不觉晓，"):
                pipe.decoder = decoder
                fast = pipe(prompt, seed=seed, max_new_tokens=24, **settings)
                streamed = list(pipe.stream(prompt, seed=seed, max_new_tokens=24, **settings))[-1]
                pipe.decoder = None
                slow = pipe(prompt, seed=seed, max_new_tokens=24, **settings)
                assert fast.completion == streamed.completion == slow.completion
                assert fast.meta["stop_reason"] == slow.meta["stop_reason"]
                assert fast.meta["decoder"] == "compact KV cache" and slow.meta["decoder"] == "transformers generate()"
    finally:
        pipe.decoder = decoder


def test_hub_models_keep_generate(pipe):
    """A model not loaded from one of our checkpoint folders (a hub id) is decoded by
    generate(), whose processors its own generation config may extend."""
    hub = TextPipeline(pipe.model, pipe.tokenizer, name="someone/model", family="gpt2", checkpoint_sha256="0123abcd")
    assert hub.decoder is None and pipe.decoder is not None
