"""The arena and the showcase over real (tiny) models: blind pairs, votes, rankings."""

from __future__ import annotations

import pytest

from aigc_demo.arena import Arena, VoteStore
from aigc_demo.controls import InputError
from aigc_demo.studio import Studio


@pytest.fixture(scope="module")
def studio(tiny_checkpoints):
    return Studio(tiny_checkpoints)


@pytest.fixture()
def arena(studio, tmp_path):
    return Arena(studio, VoteStore(f"sqlite:///{tmp_path / 'votes.sqlite3'}"))


def test_contestants_per_modality(arena):
    assert arena.contestants("text") == ["gpt", "lstm"]
    assert arena.contestants("image") == ["dcgan", "diffusion", "text_to_image", "vae"]
    assert arena.contestants("audio") == [f"{g} + {v}" for g in ("mel_diffusion", "specgan")
                                          for v in ("griffin-lim", "istft_wavenet", "wavenet")]
    assert arena.modalities() == ["text", "image", "audio"]


@pytest.mark.parametrize("modality", ["text", "image", "audio"])
def test_a_pair_is_the_same_input_and_seed_through_two_models_named_only_after_the_vote(arena, modality):
    pair = arena.pair(modality, seed=7, session="t")
    assert pair["inputs"] == arena.inputs_for(modality, 7) and pair["seed"] == 7
    a, b = pair["outputs"]
    # one sampling seed for both, drawn by the server and not shown: with it, anyone could
    # regenerate each model's output and tell A from B
    assert a.meta["seed"] == b.meta["seed"]
    assert str(a.meta["seed"]) not in pair["description"]
    assert a.meta["model"] != b.meta["model"] or a.meta["params"]["vocoder"] != b.meta["params"]["vocoder"]
    names = set(arena.contestants(modality))
    assert not any(n in pair["description"] or n in pair["token"] for n in names)
    revealed = arena.vote(pair["token"], "a", session="t")
    assert {revealed["a"], revealed["b"]} <= names and revealed["a"] != revealed["b"]
    assert revealed["sampling_seed"] == a.meta["seed"] and revealed["input_seed"] == 7
    assert revealed["inputs"] == pair["inputs"]
    # the revealed names are the models that made A and B
    made = [o.meta["model"] + (f" + {o.meta['params']['vocoder']}" if modality == "audio" else "") for o in (a, b)]
    assert made == [revealed["a"], revealed["b"]]


def test_the_input_follows_the_seed_and_the_draw_does_not(arena):
    assert arena.inputs_for("image", 3) == arena.inputs_for("image", 3)
    assert len({arena.inputs_for("audio", s)["digits"] for s in range(10)}) > 5
    served = [arena.store.pair_of(arena.pair("image", seed=1)["token"]) for _ in range(12)]
    orders = {(p.model_a, p.model_b) for p in served}
    assert len(orders) > 1  # same seed, different pairs and orders: names are not guessable from the seed


def test_bad_modalities_are_refused(arena):
    for bad in ("video", "", None, 3):
        with pytest.raises(InputError, match="modality must be one of text, image, audio"):
            arena.pair(bad)
    with pytest.raises(InputError, match="modality must be one of"):
        arena.ranking("video")


def test_a_one_model_modality_has_no_arena(tiny_text_checkpoints, tmp_path):
    import shutil

    root = tmp_path / "checkpoints"
    shutil.copytree(tiny_text_checkpoints, root)
    shutil.rmtree(root / "text" / "lstm")
    lonely = Arena(Studio(root), VoteStore(f"sqlite:///{tmp_path / 'v.sqlite3'}"))
    assert lonely.modalities() == []
    with pytest.raises(InputError, match="needs two usable text models; it has 1"):
        lonely.pair("text")


def test_the_ranking_lists_every_contestant_beside_its_shipped_metric(arena, studio):
    for _ in range(3):
        pair = arena.pair("image", seed=2)
        arena.vote(pair["token"], "tie")
    result = arena.ranking("image")
    rows = {r["model"]: r for r in result["rows"]}
    assert set(rows) == {"dcgan", "diffusion", "text_to_image", "vae"}
    assert sum(r["votes"] for r in rows.values()) == 6
    for name, r in rows.items():
        assert r["metric"] == pytest.approx(studio.entry("image", name).metrics["generated"]["fid_fmnist"])
    assert result["agreement"]["metric"] == "FID-FMNIST" and "Too few votes" in result["agreement"]["sentence"]


def test_the_showcase_draws_from_the_best_measured_model_of_each_modality(arena, studio):
    fid = {n: studio.entry("image", n).metrics["generated"]["fid_fmnist"] for n in arena.contestants("image")}
    bleu = {n: studio.entry("text", n).metrics["generated"]["test_bleu_4"] for n in arena.contestants("text")}
    assert arena.best("image") == min(fid, key=fid.get)
    assert arena.best("text") == max(bleu, key=bleu.get)
    shown = arena.showcase(seed=4)
    assert set(shown) == {"text", "image", "audio"}
    assert shown["image"]["model"] == arena.best("image") and len(shown["image"]["output"].images) == 8
    assert shown["text"]["output"].text.startswith(shown["text"]["inputs"]["prompt"])
    assert arena.showcase(seed=4)["image"]["output"].images[0].tobytes() == shown["image"]["output"].images[0].tobytes()


def test_a_model_failing_in_a_pair_is_not_named(arena, monkeypatch):
    from aigc_demo.arena import ArenaUnavailable
    from aigc_demo.registry import ModelUnavailable

    def broken(*args, **kwargs):
        raise ModelUnavailable("Model 'vae' is disabled: loading failed")

    monkeypatch.setattr(arena, "sample", broken)
    with pytest.raises(ArenaUnavailable) as e:
        arena.pair("image", seed=1)
    assert "vae" not in str(e.value) and "could not be drawn" in str(e.value)
