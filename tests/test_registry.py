import threading

import pytest

from aigc_demo import registry
from aigc_demo.registry import ModelCache, ModelUnavailable


def test_discovers_every_model_with_overview_fields(tiny_checkpoints):
    entries = registry.discover(tiny_checkpoints)
    assert [(e.modality, e.name) for e in entries] == [("text", "gpt"), ("text", "lstm"), ("text", "seq2seq"),
                                                       ("image", "captioner"), ("image", "cyclegan"), ("image", "dcgan"),
                                                       ("image", "diffusion"), ("image", "text_to_image"), ("image", "vae"),
                                                       ("audio", "istft_wavenet"), ("audio", "mel_diffusion"), ("audio", "specgan"),
                                                       ("audio", "wavenet"),
                                                       ("music", "bach_chorale"), ("music", "folk_gpt")]
    for e in entries:
        assert e.available, e.error
        row = e.overview_row()
        assert row["parameters"].endswith(" M") and row["hardware"] and row["training time"]
        headline = {"image": "FID-FMNIST", "text": "test-BLEU-4", "music": "validity", "specgan": "FD-digits (Griffin-Lim)",
                    "mel_diffusion": "FD-digits (Griffin-Lim)",
                    "wavenet": "digit accuracy (copy synthesis)", "istft_wavenet": "digit accuracy (copy synthesis)", "cyclegan": "target-class accuracy (both ways)",
                    "seq2seq": "next-line BLEU-4 (beam 4; the GPT", "bach_chorale": "key_followed",
                    "captioner": "CIDEr-D (English, greedy)"}
        assert row["headline metric"].startswith(headline.get(e.family) or headline[e.modality])
        # the poet's comparison is the GPT, not real data: its headline says so and claims no "real data"
        assert ("real data" in row["headline metric"]) == (e.family != "seq2seq")
    # the classifier used for metrics is not a generative model and is not listed
    assert all(e.modality != "evaluators" for e in entries)


def test_loads_once_under_concurrent_first_requests(tiny_checkpoints):
    cache = ModelCache(registry.discover(tiny_checkpoints))
    results, barrier = [], threading.Barrier(8)

    def first_use():
        barrier.wait()
        results.append(cache.get("image", "vae"))

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.load_count == 1
    assert all(r is results[0] for r in results)


def test_truncated_weights_disable_only_that_model(checkpoints_copy):
    weights = checkpoints_copy / "image" / "dcgan" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    entries = {e.name: e for e in registry.discover(checkpoints_copy)}
    assert entries["dcgan"].error and "cannot read weights" in entries["dcgan"].error
    assert entries["vae"].available and entries["diffusion"].available
    cache = ModelCache(list(entries.values()))
    with pytest.raises(ModelUnavailable, match="disabled"):
        cache.get("image", "dcgan")
    assert cache.get("image", "vae") is not None


def test_weights_that_do_not_fit_the_config_disable_the_model_at_load(checkpoints_copy):
    import json

    cfg_path = checkpoints_copy / "image" / "vae" / "config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["model"]["latent_dim"] += 1
    cfg_path.write_text(json.dumps(cfg))
    cache = ModelCache(registry.discover(checkpoints_copy))
    with pytest.raises(ModelUnavailable, match="loading failed"):
        cache.get("image", "vae")
    assert cache.status("image", "vae").startswith("loading failed")
    with pytest.raises(ModelUnavailable):  # stays disabled, no retry storm
        cache.get("image", "vae")
    assert cache.get("image", "dcgan") is not None


@pytest.mark.parametrize("content, expected", [
    ("{not json", "unreadable"),
    ('{"modality": "image", "family": "nope"}', "unknown model family"),
    ('{"modality": "text", "family": "dcgan"}', "modality"),
])
def test_broken_config_is_explained(checkpoints_copy, content, expected):
    (checkpoints_copy / "image" / "diffusion" / "config.json").write_text(content)
    entry = {e.name: e for e in registry.discover(checkpoints_copy)}["diffusion"]
    assert expected in entry.error


def test_unknown_model_lists_the_available_ones(tiny_checkpoints, tmp_path):
    cache = ModelCache(registry.discover(tiny_checkpoints))
    with pytest.raises(ModelUnavailable, match="Available: captioner, cyclegan, dcgan, diffusion, text_to_image, vae"):
        cache.get("image", "gan")
    with pytest.raises(ModelUnavailable, match="Available: gpt, lstm"):
        cache.get("text", "gtp")
    with pytest.raises(ModelUnavailable, match="Available: istft_wavenet, mel_diffusion, specgan, wavenet"):
        cache.get("audio", "specgn")
    with pytest.raises(ModelUnavailable, match="no audio model is trained yet"):
        ModelCache(registry.discover(tmp_path)).get("audio", "specgan")


def test_empty_tree(tmp_path):
    assert registry.discover(tmp_path) == []
