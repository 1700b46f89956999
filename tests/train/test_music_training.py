"""The music training script: the ABC vocabulary, a real training step, export and reload,
and a resumed run that continues where it stopped."""

import pytest
import torch

from aigc_demo import checkpoint as ckpt
from aigc_demo.data import folk
from aigc_demo.pipelines.music import FolkPipeline
from aigc_demo.train import music as music_train
from aigc_demo.train import text as text_train
from tests.conftest import CHORALE_FIXTURE, FOLK_FIXTURE, train


@pytest.fixture(scope="module")
def texts():
    return folk.splits(FOLK_FIXTURE)


@pytest.fixture(scope="module")
def tokenizer(texts):
    return music_train.build_tokenizer(texts["train"])


def test_every_abc_token_is_one_id_and_round_trips(tokenizer, texts):
    for text in texts["train"][:10]:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert len(ids) == len(text.split(" ")) and tokenizer.unk_token_id not in ids
        assert tokenizer.decode(ids) == text
    # a token the training tunes never had is unknown, not split into pieces
    assert tokenizer("M:6/8 ^^G,,,", add_special_tokens=False)["input_ids"][-1] == tokenizer.unk_token_id


def test_a_few_training_steps_lower_the_loss(tokenizer, texts):
    import argparse

    args = argparse.Namespace(arch="gpt", model="folk_gpt", n_layer=1, n_embd=32, n_head=2, block_size=64, dropout=0.0)
    windows = text_train.windows(text_train.token_stream(tokenizer, texts["train"]), 64)[:8]
    torch.manual_seed(0)
    net = text_train.build_model(args, tokenizer)
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3)
    losses = []
    for _ in range(15):
        loss = net(input_ids=windows, labels=windows).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.5


def test_the_exported_folder_reloads_and_composes(tiny_music_checkpoints):
    folder = tiny_music_checkpoints / "music" / "folk_gpt"
    config = ckpt.read_json(folder / ckpt.CONFIG_FILE)
    assert config["modality"] == "music" and config["family"] == "folk_gpt"
    assert config["corpus"]["collections"]["oneills1850"]["test"]["tunes"] == 4  # the dataset card's counts
    assert (folder / "train_log.csv").is_file() and (folder / "preview.txt").is_file()
    assert all(p.suffix != ".bin" for p in folder.iterdir())  # safetensors, no pickles
    out = FolkPipeline.from_checkpoint(folder)(seed=0, tune_type="any", length=4)
    assert out.abc.startswith("X:1")


def test_a_stopped_run_resumes(tmp_path):
    run, out = tmp_path / "run", tmp_path / "checkpoints" / "music" / "folk_gpt"
    common = ["music", "--model", "folk_gpt", "--dry-run", "--corpus-dir", str(FOLK_FIXTURE), "--run-dir", str(run),
              "--out", str(out)]
    train(*common, "--max-steps", "2")
    first = ckpt.read_json(out / ckpt.CONFIG_FILE)["training"]["steps"]
    train(*common, "--max-steps", "4")
    assert (first, ckpt.read_json(out / ckpt.CONFIG_FILE)["training"]["steps"]) == (2, 4)


# --- the chorale model (train/chorale.py) ---------------------------------------------------

def test_chorale_windows_stay_in_range_and_never_start_on_hold():
    from aigc_demo.data import chorales as data
    from aigc_demo.train.chorale import Windows

    chorales, _ = data.read_chorales(CHORALE_FIXTURE)
    ranges = data.voice_ranges(chorales)
    windows = Windows(chorales, 64, ranges, seed=0)
    grid, real, positions = windows.batch(step=3, size=16)
    assert grid.shape == (16, 64, 4) and (grid[:, 0] != data.HOLD).all()
    for v, (lo, hi) in enumerate(ranges):
        pitches = grid[:, :, v][grid[:, :, v] >= data.FIRST_PITCH_TOKEN]
        assert pitches.min() >= data.pitch_token(lo) and pitches.max() <= data.pitch_token(hi)
    again = windows.batch(step=3, size=16)[0]
    assert (again == grid).all()  # seeded by the step: a resumed run draws the same windows
    assert not (windows.batch(step=4, size=16)[0] == grid).all()


def test_the_exported_chorale_folder_reloads_composes_and_harmonises(tiny_music_checkpoints):
    from aigc_demo.data import chorales as data
    from aigc_demo.pipelines.chorale import ChoralePipeline

    folder = tiny_music_checkpoints / "music" / "bach_chorale"
    config = ckpt.read_json(folder / ckpt.CONFIG_FILE)
    assert config["modality"] == "music" and config["family"] == "bach_chorale" and "Coconet" in config["design"]
    assert config["corpus"]["splits"]["test"]["chorales"] == 3
    assert {"train_log.csv", "preview.abc", "metrics.json", "README.md", data.HELD_OUT_FILE} <= {p.name for p in folder.iterdir()}
    assert all(p.suffix != ".bin" for p in folder.iterdir())
    pipe = ChoralePipeline.from_checkpoint(folder)
    assert len(pipe.melodies()) == 3
    assert pipe(seed=0, length=2).abc.startswith("X:1")
    assert pipe(seed=0, melody=pipe.melody(pipe.melodies()[0])).meta["params"]["task"] == "harmonise"


def test_a_stopped_chorale_run_resumes(tmp_path):
    run, out = tmp_path / "run", tmp_path / "checkpoints" / "music" / "bach_chorale"
    common = ["music", "--model", "bach_chorale", "--dry-run", "--chorale-dir", str(CHORALE_FIXTURE), "--run-dir",
              str(run), "--out", str(out), "--final-eval-n", "0"]
    train(*common, "--max-steps", "2")
    train(*common, "--max-steps", "4")
    log = (out / "train_log.csv").read_text().splitlines()
    assert ckpt.read_json(out / ckpt.CONFIG_FILE)["training"]["steps"] == 4
    assert [int(r.split(",")[0]) for r in log[1:]] == sorted(int(r.split(",")[0]) for r in log[1:])
