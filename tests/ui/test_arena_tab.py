"""The arena, the ranking and the showcase through the real app's API (gradio_client)."""

from __future__ import annotations

import csv
import json
from contextlib import contextmanager

import pytest
import soundfile as sf
from gradio_client import Client
from gradio_client.exceptions import AppError
from PIL import Image

from tests.conftest import FORTUNES_FIXTURE, serve_app

NAMES = ("dcgan", "diffusion", "text_to_image", "vae", "gpt", "lstm", "specgan", "wavenet", "griffin")


def _blind(value) -> None:
    """Nothing a reviewer receives names a model."""
    assert not any(n in json.dumps(value).lower() for n in NAMES), value


@pytest.mark.parametrize("modality, filled", [("text", (1, 2)), ("image", (3, 4)), ("audio", (5, 6))])
def test_a_pair_shows_one_modality_blind_then_the_vote_reveals_it(client, modality, filled):
    out = client.predict(modality=modality, seed=11, api_name="/arena_pair")
    description, *views, token = out
    assert "seed 11" in description and "Which is better?" in description
    for i, v in enumerate(views, 1):
        assert (v is not None and v != []) == (i in filled), (i, v)
    a, b = views[filled[0] - 1], views[filled[1] - 1]
    _blind([description, a, b, token])
    if modality == "image":
        for item in a + b:
            im = Image.open(item["image"])
            assert im.size == (28, 28) and "parameters" not in im.info
            _blind(dict(im.info))
    if modality == "audio":
        for path in (a, b):
            with sf.SoundFile(path) as f:
                assert f.frames > 0 and f.copy_metadata() == {}  # the Audio tab's WAVs carry their parameters
    revealed = client.predict(token=token, choice="tie", note="both fine", api_name="/arena_vote")
    assert revealed["modality"] == modality and revealed["a"] != revealed["b"] and revealed["choice"] == "tie"
    with pytest.raises(AppError, match="voted on already"):
        client.predict(token=token, choice="a", note="", api_name="/arena_vote")


@pytest.mark.parametrize("kwargs, message", [
    (dict(token="forged.token.here", choice="a"), "not issued by the arena"),
    (dict(token="", choice="a"), "token is missing"),
    (dict(choice="sideways"), "choice must be one of a, b, tie, both_bad"),
    (dict(note="x" * 600), "at most 500"),
])
def test_bad_votes_get_clear_errors(client, kwargs, message):
    if "token" not in kwargs:
        kwargs["token"] = client.predict(modality="image", seed=1, api_name="/arena_pair")[-1]
    with pytest.raises(AppError, match=message):
        client.predict(**{"choice": "a", "note": "", **kwargs}, api_name="/arena_vote")


def test_a_bad_modality_gets_a_clear_error(client):
    with pytest.raises(AppError, match="modality"):
        client.predict(modality="video", seed=1, api_name="/arena_pair")
    with pytest.raises(AppError, match="modality must be one of text, image, audio"):
        client.predict(modality="video", api_name="/arena_ranking")


def test_the_ranking_and_the_csv_hold_every_vote(client):
    before = client.predict(modality="image", api_name="/arena_ranking")
    cast = 0
    for seed in range(3):
        token = client.predict(modality="image", seed=seed, api_name="/arena_pair")[-1]
        client.predict(token=token, choice="a", note=f"vote {seed}", api_name="/arena_vote")
        cast += 1
    after = client.predict(modality="image", api_name="/arena_ranking")
    assert after["agreement"]["votes"] == before["agreement"]["votes"] + cast
    assert {r["model"] for r in after["rows"]} == {"dcgan", "diffusion", "text_to_image", "vae"}
    assert all(r["metric"] is not None for r in after["rows"])
    with open(client.predict(api_name="/arena_votes"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {f"vote {s}" for s in range(3)} <= {r["note"] for r in rows}
    assert {"vote_id", "time_utc", "modality", "model_a", "model_b", "choice", "inputs", "seed"} <= set(rows[0])


def test_the_showcase_draws_one_of_each_from_the_best_model(client):
    text, text_caption, grid, image_caption, audio, audio_caption = client.predict(seed=3, api_name="/showcase")
    assert text and audio.endswith(".wav")
    assert Image.open(grid).size == (4 * (4 * 28 + 5 * 2), 4 * (2 * 28 + 3 * 2))  # 4 x 2 samples, enlarged 4x
    assert "seed 3" in image_caption and "FID-FMNIST" in image_caption and "test-BLEU-4" in text_caption
    assert "FD-digits" in audio_caption


@contextmanager
def _app(tmp_path, name, **env):
    yield from serve_app(tmp_path / f"{name}.log", FORTUNES_DIR=FORTUNES_FIXTURE, **env)


def test_votes_survive_an_app_restart(tiny_checkpoints, tmp_path):
    data = tmp_path / "data"
    with _app(tmp_path, "first", AIGC_CHECKPOINTS=tiny_checkpoints, AIGC_DATA_DIR=data) as url:
        c = Client(url, verbose=False)
        kept = c.predict(modality="text", seed=2, api_name="/arena_pair")[-1]
        c.predict(token=kept, choice="b", note="", api_name="/arena_vote")
        left_open = c.predict(modality="text", seed=3, api_name="/arena_pair")[-1]
    assert (data / "arena.sqlite3").is_file()
    with _app(tmp_path, "second", AIGC_CHECKPOINTS=tiny_checkpoints, AIGC_DATA_DIR=data) as url:
        c = Client(url, verbose=False)
        assert c.predict(modality="text", api_name="/arena_ranking")["agreement"]["votes"] == 1
        with pytest.raises(AppError, match="voted on already"):
            c.predict(token=kept, choice="a", note="", api_name="/arena_vote")
        c.predict(token=left_open, choice="a", note="", api_name="/arena_vote")  # issued before the restart
        assert c.predict(modality="text", api_name="/arena_ranking")["agreement"]["votes"] == 2


def test_without_its_database_the_app_serves_and_the_arena_says_why(tiny_checkpoints, tmp_path):
    with _app(tmp_path, "nodb", AIGC_CHECKPOINTS=tiny_checkpoints,
              AIGC_DB_URL="postgresql+psycopg://nobody@127.0.0.1:9/votes") as url:
        c = Client(url, verbose=False)
        for call in (dict(modality="image", seed=1, api_name="/arena_pair"),
                     dict(modality="image", api_name="/arena_ranking")):
            with pytest.raises(AppError, match="vote database is unavailable.*everything else in the studio works"):
                c.predict(**call)
        gallery = c.predict(model="dcgan", n=2, seed=1, api_name="/generate_image")[0]
        assert len(gallery) == 2
        assert c.predict(seed=1, api_name="/showcase")[0]
