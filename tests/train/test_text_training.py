"""The text training script: tokenizer, a real training step of each model, save/reload."""

import argparse

import pytest
import torch

from aigc_demo.data import fortunes
from aigc_demo.train import text as text_train
from tests.conftest import FORTUNES_FIXTURE, train


@pytest.fixture(scope="module")
def tokenizer():
    texts = [r.text for r in fortunes.read_records(FORTUNES_FIXTURE) if r.split == "train"]
    return text_train.train_tokenizer(texts, vocab_size=1200)


@pytest.mark.parametrize("text", [
    "A friend in need is a friend indeed.",
    "春眠不觉晓，处处闻啼鸟。",
    "Mixed 中文 and English,  double  spaces,\ttabs\nand lines — even emoji 🙂",
])
def test_tokenizer_round_trips_exactly(tokenizer, text):
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(ids) == text


def test_frequent_chinese_characters_are_single_tokens(tokenizer):
    # byte-level BPE starts from UTF-8 bytes (3 per character); merges learnt on the corpus
    # must give the common characters a token each
    for char in "不人之":
        assert len(tokenizer(char, add_special_tokens=False)["input_ids"]) == 1, char
    assert tokenizer.eos_token == text_train.EOS and tokenizer.pad_token_id == tokenizer.eos_token_id


def _args(model: str, **over) -> argparse.Namespace:
    ns = argparse.Namespace(model=model, dry_run=True, **{k: None for k in (
        "epochs", "batch_size", "lr", "weight_decay", "warmup", "n_layer", "n_embd", "n_head", "n_hidden", "dropout",
        "vocab_size", "block_size", "limit", "max_steps", "eval_every", "patience", "log_every", "final_eval_n",
        "run_dir", "out")})
    for k, v in over.items():
        setattr(ns, k, v)
    return text_train.resolve(ns)


@pytest.mark.parametrize("model", text_train.MODELS)
def test_a_few_training_steps_lower_the_loss(tokenizer, model):
    args = _args(model)
    texts = [r.text for r in fortunes.read_records(FORTUNES_FIXTURE) if r.split == "train"]
    windows = text_train.windows(text_train.token_stream(tokenizer, texts), 32)[:8]
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


@pytest.mark.parametrize("model", text_train.MODELS)
def test_save_and_reload_through_from_pretrained(tokenizer, model, tmp_path):
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    net = text_train.build_model(_args(model), tokenizer).eval()
    net.save_pretrained(tmp_path)
    again = AutoModelForCausalLM.from_pretrained(tmp_path, dtype=torch.float32).eval()
    assert type(again) is type(net)
    x = torch.randint(0, len(tokenizer), (2, 16))
    with torch.no_grad():
        assert torch.equal(net(input_ids=x).logits, again(input_ids=x).logits)
    assert not list(tmp_path.glob("*.bin")) and list(tmp_path.glob("*.safetensors"))


def test_training_resumes_and_exports_the_checkpoint_folder(tmp_path):
    out, run_dir = tmp_path / "text" / "gpt", tmp_path / "runs" / "gpt"
    common = ["text", "--model", "gpt", "--dry-run", "--corpus-dir", str(FORTUNES_FIXTURE), "--run-dir", str(run_dir),
              "--out", str(out), "--final-eval-n", "0"]
    train(*common, "--max-steps", "2")
    state = torch.load(run_dir / "state.pt", weights_only=True)
    assert state["step"] == 2
    train(*common, "--max-steps", "4")  # resumes from step 2
    log = (out / "train_log.csv").read_text().splitlines()
    assert log[0].startswith("step,epoch,wall_seconds,loss,valid_loss,valid_perplexity,tokens_per_s")
    steps = [int(line.split(",")[0]) for line in log[1:] if line.split(",")[3]]
    assert steps == [1, 2, 3, 4]  # each step logged once, across the resume
    for name in ("config.json", "tokenizer.json", "README.md", "preview.txt", "model.safetensors"):
        assert (out / name).is_file(), name
    from aigc_demo import checkpoint as ckpt

    config = ckpt.read_json(out / "config.json")
    assert config["modality"] == "text" and config["family"] == "gpt" and config["training"]["steps"] == 4
    assert config["dtype"] == "float16"  # half the bytes on disk; read back as float32


def test_fresh_drops_everything_the_earlier_run_kept(tmp_path):
    """--fresh starts over: the best weights, log and tokenizer of the earlier run are not
    reused (a run too short to measure would otherwise export the old best weights)."""
    from aigc_demo import checkpoint as ckpt

    out, run_dir = tmp_path / "text" / "lstm", tmp_path / "runs" / "lstm"
    common = ["text", "--model", "lstm", "--dry-run", "--corpus-dir", str(FORTUNES_FIXTURE), "--run-dir", str(run_dir),
              "--out", str(out), "--final-eval-n", "0"]
    train(*common, "--max-steps", "4")
    (run_dir / "best" / "stale-marker").write_text("from the earlier run")
    train(*common, "--fresh", "--max-steps", "1")
    assert not (run_dir / "best" / "stale-marker").exists()
    assert ckpt.read_json(out / "config.json")["training"]["steps"] == 1
    steps = {int(line.split(",")[0]) for line in (out / "train_log.csv").read_text().splitlines()[1:]}
    assert steps == {1}


def test_a_warm_start_continues_the_checkpoint_into_its_own_folder(tmp_path):
    """--init-from continues an exported model (weights and tokenizer) and exports into the
    same folder: the earlier log comes first, this run's follows in one step count, and
    the training block adds both runs up and names both commands."""
    import pandas as pd

    from aigc_demo import checkpoint as ckpt

    out = tmp_path / "text" / "gpt"
    common = ["text", "--model", "gpt", "--dry-run", "--corpus-dir", str(FORTUNES_FIXTURE), "--out", str(out),
              "--final-eval-n", "0"]
    train(*common, "--run-dir", str(tmp_path / "first"), "--max-steps", "4")
    first_log = pd.read_csv(out / "train_log.csv")
    first = ckpt.read_json(out / "config.json")["training"]
    first_samples = {p.name: p.read_text() for p in (out / "samples").glob("step_*.txt")}
    tokenizer_before = (out / "tokenizer.json").read_text()
    train(*common, "--run-dir", str(tmp_path / "second"), "--max-steps", "2", "--init-from", str(out), "--lr", "5e-4")
    log = pd.read_csv(out / "train_log.csv")
    assert log.iloc[:len(first_log)].equals(first_log)
    later = log.iloc[len(first_log):]
    # the starting point is measured first: the same weights, so the same validation loss
    assert later.iloc[0]["step"] == first_log["step"].iloc[-1]
    assert later.iloc[0]["valid_loss"] == pytest.approx(first["best_valid_loss"], abs=1e-3)
    assert list(later.dropna(subset=["loss"])["step"]) == [5, 6]
    block = ckpt.read_json(out / "config.json")["training"]
    assert block["steps"] == first["steps"] + 2
    assert "--init-from" in block["command"] and block["command"].startswith(first["command"])
    assert "warm start" in block["note"]
    assert (out / "tokenizer.json").read_text() == tokenizer_before
    # the texts written during training: the first run's kept, the second's in the same step count
    samples = {p.name: p.read_text() for p in (out / "samples").glob("step_*.txt")}
    assert all(samples[name] == text for name, text in first_samples.items() if name != "step_000004.txt")
    steps = sorted(int(name[5:11]) for name in samples)
    assert steps == sorted({int(n[5:11]) for n in first_samples} | {4, 6})


def test_the_poet_dry_run_exports_a_checkpoint_measured_beside_the_gpt(tiny_text_checkpoints):
    from aigc_demo import checkpoint as ckpt
    from aigc_demo.studio import InputError, Studio

    folder = tiny_text_checkpoints / "text" / "seq2seq"
    for name in ("config.json", "model.safetensors", "vocab.json", "examples.json", "train_log.csv", "metrics.json",
                 "README.md", "preview.txt"):
        assert (folder / name).is_file(), name
    config = ckpt.read_json(folder / "config.json")
    assert config["family"] == "seq2seq" and config["training"]["steps"] == 4
    assert config["training"]["pairs"]["test"]["pairs"] > 0
    metrics = ckpt.read_json(folder / "metrics.json")
    systems = metrics["systems"]
    assert {"seq2seq_greedy", "seq2seq_beam4", "seq2seq_beam4_repeats_allowed", "gpt (gpt)", "repeat_input",
            "random_training_line", "real_next_line"} == set(systems)
    assert systems["repeat_input"]["form_following"] == 1.0 and systems["random_training_line"]["verbatim_copies"] == 1.0
    assert {"bleu_2", "bleu_4_std", "distinct_2"} <= set(systems["seq2seq_beam4"])
    assert {(t["metric"], t["decoding"]) for t in metrics["targets"]} == {
        (m, d) for m in ("form_following", "verbatim_copies") for d in ("seq2seq_greedy", "seq2seq_beam4")}

    studio = Studio(tiny_text_checkpoints)
    assert "seq2seq" not in studio.models("text") and studio.translators("text") == ["seq2seq"]
    line = studio.poem_examples("seq2seq")[0]
    a = studio.next_line(line, "seq2seq", seed=3, num_beams=2)
    b = studio.next_line(line + "，", "seq2seq", seed=3, num_beams=2)  # the punctuation around a line is dropped
    assert a.text == b.text and a.line == line and len(a.attention) == len(a.text)
    sampled = [studio.next_line(line, "seq2seq", seed=s, temperature=1.5, num_beams=1).text for s in (1, 1, 2)]
    assert sampled[0] == sampled[1]
    for bad, message in (("", "empty"), ("Hello there", "Only Chinese characters"), ("明" * 17, "at most 16"),
                         (None, "empty")):
        with pytest.raises(InputError, match=message):
            studio.next_line(bad, "seq2seq")
    with pytest.raises(InputError, match="must be a poet"):
        studio.next_line(line, "gpt")
    with pytest.raises(InputError, match="num_beams"):
        studio.next_line(line, "seq2seq", num_beams=9)


def test_the_poet_trains_the_same_twice_with_one_seed(tmp_path):
    from aigc_demo import checkpoint as ckpt

    weights = []
    for i in range(2):
        train("text", "--model", "seq2seq", "--dry-run", "--corpus-dir", str(FORTUNES_FIXTURE), "--run-dir",
              str(tmp_path / f"run{i}"), "--out", str(tmp_path / f"out{i}"), "--final-eval-n", "0")
        weights.append(ckpt.load_weights(tmp_path / f"out{i}" / "model.safetensors"))
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
