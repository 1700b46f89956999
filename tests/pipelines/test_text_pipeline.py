"""The text pipeline on tiny GPT and LSTM checkpoints really trained for a few steps."""

import threading

import pytest

from aigc_demo.families.text import PRESETS
from aigc_demo.pipelines.text import TextPipeline

SAMPLING = dict(max_new_tokens=12, temperature=1.0, top_k=0, top_p=1.0, num_beams=1, repetition_penalty=1.0)


@pytest.fixture(scope="module", params=["gpt", "lstm"])
def pipe(request, tiny_text_checkpoints):
    return TextPipeline.from_checkpoint(tiny_text_checkpoints / "text" / request.param)


def test_loads_through_the_auto_classes_as_float32(pipe):
    import torch

    assert pipe.model.dtype == torch.float32 and pipe.family in ("gpt", "lstm")
    assert len(pipe.checkpoint_sha256) == 64


def test_same_seed_same_text_other_seed_other_text(pipe):
    a = pipe("The computer", seed=3, **SAMPLING)
    b = pipe("The computer", seed=3, **SAMPLING)
    c = pipe("The computer", seed=4, **SAMPLING)
    assert a.text == b.text and a.text.startswith("The computer")
    assert a.completion != c.completion  # an untrained model samples from ~uniform: seeds differ
    assert a.meta["seed"] == 3 and a.meta["new_tokens"] == 12 and a.meta["stop_reason"] == "max_new_tokens"


def test_concurrent_seeded_requests_do_not_disturb_each_other(pipe):
    import torch

    expected = {seed: pipe("人生", seed=seed, **SAMPLING).text for seed in range(4)}
    got = {}

    def work(seed):
        got[seed] = pipe("人生", seed=seed, **SAMPLING).text

    def disturb():  # what a model load or the KID metric does to the global RNG meanwhile
        for i in range(200):
            torch.manual_seed(i)
            torch.randn(1000)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4) for _ in range(2)]
    threads.append(threading.Thread(target=disturb))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == expected


def test_greedy_and_beam_search_are_deterministic(pipe):
    greedy = dict(SAMPLING, temperature=0.0)
    assert pipe("Love", seed=1, **greedy).text == pipe("Love", seed=2, **greedy).text
    beams = dict(SAMPLING, **PRESETS["precise"])
    out = pipe("Love", seed=1, **beams)
    assert out.text == pipe("Love", seed=9, **beams).text and out.meta["params"]["num_beams"] == 4


def test_streaming_ends_with_the_same_text_as_a_plain_call(pipe):
    parts = list(pipe.stream("A friend", seed=5, **SAMPLING))
    assert len(parts) >= 2 and not parts[0].finished and parts[-1].finished
    assert parts[-1].text == pipe("A friend", seed=5, **SAMPLING).text
    assert all(b.text.startswith(a.text) for a, b in zip(parts[:-2], parts[1:-1]))  # it only grows
    assert parts[-1].meta["first_token_s"] is not None


def test_closing_a_stream_stops_generation(pipe):
    stream = pipe.stream("A friend", seed=5, **dict(SAMPLING, max_new_tokens=200))
    next(stream)
    stream.close()  # what Gradio's Stop does to the handler's generator
    threads = [t for t in threading.enumerate() if t.name == "text-stream"]
    for t in threads:
        t.join(timeout=10)
    assert not any(t.is_alive() for t in threads)


def test_long_prompts_are_cut_with_a_notice_and_output_fits_the_context(pipe):
    long_prompt = "word " * 400
    out = pipe(long_prompt, seed=0, **dict(SAMPLING, max_new_tokens=512))
    assert any("only its last" in n for n in out.notices)
    assert any("new tokens fit" in n for n in out.notices)
    assert out.meta["new_tokens"] <= pipe.context // 2 + 1


def test_batched_sampling_for_the_metrics_is_seeded(pipe):
    a = pipe.sample(4, seed=0, max_new_tokens=8, batch_size=2)
    assert a == pipe.sample(4, seed=0, max_new_tokens=8, batch_size=2) and len(a) == 4


def test_sampling_can_continue_a_seeds_stream(pipe):
    # the metrics' top-up draws more texts of the same stream: no text twice, none changed
    whole = pipe.sample(6, seed=3, max_new_tokens=8, batch_size=2, temperature=0.9)
    assert pipe.sample(2, seed=3, max_new_tokens=8, batch_size=2, temperature=0.9, start=4) == whole[4:]


@pytest.mark.parametrize("temperature,top_k,top_p", [(0.8, 50, 0.95), (1.0, 3, 1.0), (1.3, 200, 0.5), (0.7, 50, 0.999)])
def test_the_top_k_draw_has_transformers_distribution(temperature, top_k, top_p):
    """The seeded sampler draws over the top-k survivors only: the probabilities it draws from
    are those transformers' warpers (temperature, top-k, top-p) and a softmax over the whole
    vocabulary give, and its draws follow them."""
    import torch
    from transformers import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper

    from aigc_demo.pipelines.text import SeededSampling

    g = torch.Generator().manual_seed(0)
    ids, scores = torch.zeros(3, 1, dtype=torch.long), torch.randn(3, 8192, generator=g) * 3
    reference = scores
    for warp in (TemperatureLogitsWarper(temperature), TopKLogitsWarper(top_k), TopPLogitsWarper(top_p)):
        reference = warp(ids, reference)
    reference = torch.softmax(reference, dim=-1)
    sampler = SeededSampling(1, temperature, top_k, top_p)
    probs, survivors = sampler.distribution(ids, scores)
    ours = torch.zeros_like(reference).scatter_(1, survivors, probs)
    assert torch.allclose(ours, reference, atol=1e-6)
    assert ((reference > 0).sum(1) == (ours > 0).sum(1)).all()
    # 4,000 seeded draws of the first row: each token's frequency within 4.5 standard errors
    draws = torch.cat([sampler.choose(ids[:1], scores[:1]) for _ in range(4000)])[:, 0]
    freq = torch.bincount(draws, minlength=scores.shape[1]).double() / len(draws)
    p = reference[0].double()
    assert (freq[p == 0] == 0).all()
    assert ((freq - p).abs() <= 4.5 * (p * (1 - p) / len(draws)).sqrt() + 1e-3).all()
