"""The audio models for real: the WaveNet's cached sampling against its own teacher-forced
network, training steps and resume of both spectrogram generators (SpecGAN, the mel diffusion
model) and both WaveNet vocoders on a miniature espeak-ng corpus, exported folders reloaded
through the registry, seeded reproducibility, measurement."""

import numpy as np
import pytest
import torch

from aigc_demo import checkpoint as ckpt
from aigc_demo.models.wavenet import WaveNet, WaveNetConfig
from aigc_demo.pipelines.audio import (ISTFTWaveNetVocoder, MelDiffusionPipeline, SpecGANPipeline, WaveNetVocoder,
                                       join_digits)
from aigc_demo.studio import InputError, Studio
from tests.conftest import train


def test_cached_wavenet_sampling_matches_the_network():
    """Fast generation (per-layer queues, folded gates) must compute what the convolutional
    network computes: greedy samples fed back through `logits` give the same argmax."""
    torch.manual_seed(0)
    model = WaveNet(WaveNetConfig(residual_channels=8, skip_channels=16, cond_channels=8, hop=10,
                                  dilations=(1, 2, 4, 1, 2))).eval()
    for p in model.parameters():
        p.data.normal_(0, 0.5)  # far from init, so a wrong fold or queue would show
    mel = torch.randn(3, 64, 6 + 2 * model.CONTEXT)
    levels = model.generate(mel, temperature=0)
    with torch.no_grad():
        inputs = torch.nn.functional.pad(levels[:, :-1], (1, 0), value=128)
        assert torch.equal(model.logits(inputs, mel).argmax(1), levels)
    a = model.generate(mel, torch.Generator().manual_seed(1))
    assert torch.equal(a, model.generate(mel, torch.Generator().manual_seed(1)))  # sampling is seeded
    assert not torch.equal(a, model.generate(mel, torch.Generator().manual_seed(2)))


@pytest.mark.parametrize("model", ["specgan", "mel_diffusion", "wavenet", "istft_wavenet"])
def test_a_training_run_resumes_and_exports_a_loadable_checkpoint(model, digits_corpus, tiny_audio_checkpoints, tmp_path):
    evaluator = tiny_audio_checkpoints / "evaluators" / "digit-classifier"
    run_dir, out = tmp_path / "run", tmp_path / "checkpoints" / "audio" / model
    common = ["audio", "--model", model, "--dry-run", "--epochs", "3", "--data-dir", str(digits_corpus), "--run-dir",
              str(run_dir), "--out", str(out), "--evaluator", str(evaluator), "--save-every", "1"]
    from aigc_demo.train.common import load_state

    train(*common, "--max-steps", "1", "--final-eval-n", "0")
    before = load_state(run_dir / "state.pt")["modules"]
    train(*common, "--max-steps", "3")  # resumes from step 1, exports and measures again
    config = ckpt.read_json(out / "config.json")
    assert config["training"]["steps"] == 3 and config["modality"] == "audio" and config["family"] == model
    # it kept learning (the run's own weights: the SpecGAN exports its best epoch-end snapshot,
    # which may still be the first one)
    after = load_state(run_dir / "state.pt")["modules"]
    assert any(not torch.equal(before[m][k], after[m][k]) for m in after for k in after[m] if after[m][k].is_floating_point())
    log = (out / "train_log.csv").read_text().splitlines()
    assert [int(r.split(",")[0]) for r in log[1:] if r.split(",")[3]] == [1, 2, 3]  # one row per step, none twice
    assert (out / "preview.wav").is_file() and (out / "README.md").is_file()
    metrics = ckpt.read_json(out / "metrics.json")
    assert metrics["n"] == 20 and "fd_digits" in metrics["generated"] and "fd_digits" in metrics["real_reference"]
    if model in ("specgan", "mel_diffusion"):
        assert (out / "preview.png").is_file() and len(list((out / "samples").glob("*.png"))) == 2
        assert list(metrics["vocoders"]) == ["griffin-lim"] and metrics["command"].startswith("python -m aigc_demo.evaluate")


@pytest.mark.parametrize("pipeline, params", [(SpecGANPipeline, dict(variety=0.7)),
                                              (MelDiffusionPipeline, dict(steps=5, guidance=3.0))])
def test_exported_models_reload_and_are_reproducible(tiny_audio_checkpoints, pipeline, params):
    folder = tiny_audio_checkpoints / "audio" / pipeline.family
    gen = pipeline.from_checkpoint(folder)
    vocoders = (WaveNetVocoder.from_checkpoint(tiny_audio_checkpoints / "audio" / "wavenet"),
                ISTFTWaveNetVocoder.from_checkpoint(tiny_audio_checkpoints / "audio" / "istft_wavenet"))
    for voc in (None, *vocoders):
        a = gen("2026", seed=3, vocoder=voc, **params)
        b = pipeline.from_checkpoint(folder)("2026", seed=3, vocoder=voc, **params)
        assert np.array_equal(a.audio, b.audio) and a.meta["params"]["vocoder"] == (voc.name if voc else "griffin-lim")
        assert a.meta["params"] == {"digits": "2026", "vocoder": a.meta["params"]["vocoder"],
                                    **gen.check_params(params)}
        assert a.audio.dtype == np.float32 and np.abs(a.audio).max() <= 1.0
        assert a.spectrogram.shape[0] == 64 and a.meta["duration_s"] == pytest.approx(len(a.audio) / 16000, abs=1e-3)


def test_one_voice_for_all_digits_and_variety_zero_is_the_average_voice(tiny_audio_checkpoints):
    """One random input for a whole number (the same digit sounds the same), in both
    generators; the GAN's variety 0 is its average voice."""
    diffusion = MelDiffusionPipeline.from_checkpoint(tiny_audio_checkpoints / "audio" / "mel_diffusion")
    twice = diffusion.mels(torch.tensor([4, 4]), torch.Generator().manual_seed(0), one_voice=True, steps=3)
    assert twice.shape == (2, 64, 64) and torch.equal(twice[0], twice[1])
    apart = diffusion.mels(torch.tensor([4, 4]), torch.Generator().manual_seed(0), steps=3)
    assert not torch.equal(apart[0], apart[1])
    gan = SpecGANPipeline.from_checkpoint(tiny_audio_checkpoints / "audio" / "specgan")
    labels = torch.tensor([4, 4])
    same = gan.mels(labels, torch.Generator().manual_seed(0), one_voice=True)
    assert torch.equal(same[0], same[1])  # one latent: the same digit sounds the same
    own = gan.mels(labels, torch.Generator().manual_seed(0))
    assert not torch.equal(own[0], own[1])
    flat = [gan.mels(labels[:1], torch.Generator().manual_seed(s), variety=0.0) for s in (1, 2)]
    assert torch.equal(*flat)


def test_digits_are_joined_with_short_pauses():
    clip = np.zeros(16000, np.float32)
    clip[6000:10000] = 0.5 * np.sin(np.arange(4000) / 5)
    one, three = join_digits([clip]), join_digits([clip] * 3)
    assert 0.25 < len(one) / 16000 < 0.45  # the speech, a window either side, short edges
    assert len(three) == pytest.approx(3 * len(one) - 2 * int(0.1 * 16000) + 2 * int(0.15 * 16000), abs=10)
    assert join_digits([np.zeros(16000, np.float32)]).any() == False  # noqa: E712 - silence stays silence


def test_studio_lists_generators_and_vocoders_apart(tiny_audio_checkpoints):
    studio = Studio(tiny_audio_checkpoints)
    assert studio.audio_models() == ["mel_diffusion", "specgan"]
    assert studio.vocoders() == ["griffin-lim", "istft_wavenet", "wavenet"]
    out = studio.generate_audio("specgan", " 1 2 ", seed=5, vocoder="wavenet")
    assert out.digits == "12" and out.meta["vocoder_sha256"]
    out = studio.generate_audio("mel_diffusion", "3", seed=5, steps=4, sampler="ancestral")
    assert out.digits == "3" and out.meta["params"]["steps"] == 4 and out.meta["family"] == "mel_diffusion"
    with pytest.raises(InputError, match="mel_diffusion has no parameter 'variety'"):
        studio.generate_audio("mel_diffusion", "3", seed=5, variety=0.5)
    with pytest.raises(InputError, match="steps must be between 1 and 100"):  # 16 digits x 1000 steps: minutes
        studio.generate_audio("mel_diffusion", "3", seed=5, steps=1000)


def test_specgan_ships_its_best_snapshot(digits_corpus, tiny_audio_checkpoints, tmp_path):
    """The EMA generator with the lowest FD at an epoch end is what gets exported, and the
    card's training note says which epoch that was."""
    import pandas as pd

    run_dir, out = tmp_path / "run", tmp_path / "checkpoints" / "audio" / "specgan"
    train("audio", "--model", "specgan", "--dry-run", "--epochs", "3", "--max-steps", "30", "--data-dir",
          str(digits_corpus), "--run-dir", str(run_dir), "--out", str(out), "--final-eval-n", "0",
          "--evaluator", str(tiny_audio_checkpoints / "evaluators" / "digit-classifier"))
    log = pd.read_csv(out / "train_log.csv").dropna(subset=["fd_digits_mel"])
    assert len(log) == 3
    best = log.loc[log["fd_digits_mel"].idxmin()]
    note = ckpt.read_json(out / "config.json")["training"]["note"]
    assert f"after epoch {int(best['epoch'])} of 3" in note
    shipped, kept = ckpt.load_model_weights(out), ckpt.load_model_weights(run_dir / "best")
    assert shipped.keys() == kept.keys() and all(torch.equal(shipped[k], kept[k]) for k in kept)


def test_adversarial_fine_tuning_starts_from_a_vocoder_resumes_and_exports(digits_corpus, tiny_audio_checkpoints,
                                                                            tmp_path):
    """--init a trained vocoder, --adversarial-weight: the judges train beside it (their loss
    logged, their state resumable), and the export records where it started."""
    from aigc_demo.train.common import load_state

    start = tiny_audio_checkpoints / "audio" / "istft_wavenet"
    evaluator = tiny_audio_checkpoints / "evaluators" / "digit-classifier"
    run_dir, out = tmp_path / "run", tmp_path / "checkpoints" / "audio" / "istft_wavenet"
    common = ["audio", "--model", "istft_wavenet", "--dry-run", "--epochs", "3", "--data-dir", str(digits_corpus),
              "--run-dir", str(run_dir), "--out", str(out), "--evaluator", str(evaluator), "--save-every", "1",
              "--final-eval-n", "0", "--init", str(start), "--adversarial-weight", "0.2"]
    train(*common, "--max-steps", "1")
    state = load_state(run_dir / "state.pt")
    assert set(state["modules"]) == {"model", "judges"} and "opt_d" in state["optimizers"]
    train(*common, "--max-steps", "2")  # resumes, judges and all
    config = ckpt.read_json(out / "config.json")
    assert config["training"]["steps"] == 2 and "--adversarial-weight 0.2" in config["training"]["command"]
    assert config["training"]["init"].startswith(f"started from the checkpoint {start}")
    assert "adversarial loss" in config["design"]
    rows = [r.split(",") for r in (out / "train_log.csv").read_text().splitlines()]
    d_loss = rows[0].index("d_loss")
    assert [float(r[d_loss]) > 0 for r in rows[1:] if r[d_loss]] == [True, True]
    # a run made without the judges is not silently resumed with them
    plain = tmp_path / "plain"
    train("audio", "--model", "istft_wavenet", "--dry-run", "--data-dir", str(digits_corpus), "--run-dir", str(plain),
          "--out", str(tmp_path / "plain-out"), "--evaluator", str(evaluator), "--max-steps", "1", "--final-eval-n", "0")
    with pytest.raises(SystemExit, match="started with adversarial_weight 0.0 \\(this command: 0.2\\)"):
        train("audio", "--model", "istft_wavenet", "--dry-run", "--data-dir", str(digits_corpus), "--run-dir", str(plain),
              "--out", str(tmp_path / "plain-out"), "--evaluator", str(evaluator), "--adversarial-weight", "0.2")
    # nor a run made with them resumed without them, from another start, or at another band count
    without = [a for a in common if a not in ("--adversarial-weight", "0.2")]
    with pytest.raises(SystemExit, match="adversarial_weight 0.2 \\(this command: 0.0\\)"):
        train(*without)
    with pytest.raises(SystemExit, match="started with init"):
        train(*common[:-4], "--adversarial-weight", "0.2")
    with pytest.raises(SystemExit, match="mel_bands 64 \\(this command: 80\\)"):
        train(*common, "--mel-bands", "80")
    assert load_state(run_dir / "state.pt")["step"] == 2  # refused before any step


@pytest.mark.parametrize("options, message", [
    (["--model", "istft_wavenet", "--adversarial-weight", "-1"], "must be a number >= 0"),
    (["--model", "istft_wavenet", "--adversarial-weight", "nan"], "must be a number >= 0"),
    (["--model", "istft_wavenet", "--init", "/nowhere/at/all"], "no checkpoint folder there"),
    (["--model", "mel_diffusion", "--adversarial-weight", "0.2"], "options of istft_wavenet, not of mel_diffusion"),
    (["--model", "wavenet", "--init", "."], "options of istft_wavenet, not of wavenet"),
])
def test_the_vocoder_options_are_checked_before_any_work(tmp_path, options, message):
    with pytest.raises(SystemExit, match=message):
        train("audio", *options, "--run-dir", str(tmp_path / "run"), "--out", str(tmp_path / "out"))
    assert not (tmp_path / "run").exists()


def test_a_finer_generator_is_scored_per_epoch_against_real_clips_converted_the_same_way(digits_corpus,
                                                                                       tiny_audio_checkpoints):
    """An 80-band generator's epochs are scored on its mels re-banded to the classifier's 64;
    the real reference goes through the same conversion, so real 80-band clips score an FD of
    about 0, where against the classifier's stored (64-band) reference the conversion alone
    costs them a distance."""
    from argparse import Namespace

    from aigc_demo.data import spoken_digits
    from aigc_demo.train.audio import _digit_evaluator, log_mels

    args = Namespace(eval_n=20, final_eval_n=20, mel_bands=80, data_dir=digits_corpus,
                     evaluator=tiny_audio_checkpoints / "evaluators" / "digit-classifier")
    per_epoch = _digit_evaluator(args)
    stored = _digit_evaluator(Namespace(**{**vars(args), "mel_bands": 64}))
    audio, digits = zip(*(spoken_digits.load(split, digits_corpus)[:2] for split in ("valid", "test")))
    real = log_mels(np.concatenate(audio), 80)
    labels = torch.from_numpy(np.concatenate(digits))
    fd = {name: ev.score(real, labels)["generated"]["fd_digits"] for name, ev in [("per_epoch", per_epoch), ("stored", stored)]}
    assert abs(fd["per_epoch"]) < 1e-3 * fd["stored"] and fd["stored"] > 0, fd


def test_a_finer_representation_trains_and_pairs_only_with_vocoders_of_its_bands(digits_corpus, tiny_audio_checkpoints,
                                                                                  tmp_path):
    """--mel-bands 80 (issue #17: the 64 bands cap the voicing Griffin-Lim keeps): a diffusion
    model and a vocoder of 80-band log-mels train and export beside the 64-band ones; the
    generator is voiced by Griffin-Lim and the 80-band vocoder, a 64-band vocoder is refused
    with a clear message, its record leaves the 64-band vocoders out, and the digit classifier
    (64 bands) still scores it."""
    import shutil

    import soundfile as sf

    from aigc_demo.data import spoken_digits

    tree = tmp_path / "checkpoints"
    shutil.copytree(tiny_audio_checkpoints / "evaluators", tree / "evaluators")
    shutil.copytree(tiny_audio_checkpoints / "audio" / "istft_wavenet", tree / "audio" / "istft_wavenet")
    common = ["--dry-run", "--data-dir", str(digits_corpus), "--mel-bands", "80", "--evaluator",
              str(tree / "evaluators" / "digit-classifier")]
    train("audio", "--model", "istft_wavenet", *common, "--run-dir", str(tmp_path / "v"), "--out", str(tree / "audio" / "istft80"))
    train("audio", "--model", "mel_diffusion", *common, "--run-dir", str(tmp_path / "g"), "--out", str(tree / "audio" / "mel80"))
    config = ckpt.read_json(tree / "audio" / "mel80" / "config.json")
    assert config["model"]["image_height"] == 80 and "--mel-bands 80" in config["training"]["command"]
    assert "log-mels have 80 bands" in config["design"]
    record = ckpt.read_json(tree / "audio" / "mel80" / "metrics.json")
    assert list(record["vocoders"]) == ["griffin-lim", "istft80"] and record["generated"]["fd_digits"] > 0

    studio = Studio(tree)
    assert studio.vocoders("mel80") == ["griffin-lim", "istft80"] and studio.vocoders() == ["griffin-lim", "istft80",
                                                                                            "istft_wavenet"]
    assert studio.best_vocoder("mel80") in ("griffin-lim", "istft80")
    from aigc_demo.arena import Arena, VoteStore
    from aigc_demo.ui.audio_tab import vocoder_choices

    arena = Arena(studio, VoteStore(f"sqlite:///{tmp_path / 'votes.sqlite3'}"))
    assert arena.contestants("audio") == ["mel80 + griffin-lim", "mel80 + istft80"]
    picker = vocoder_choices(studio, "mel80", "istft_wavenet")  # the Audio tab, on picking the generator
    assert picker["choices"] == ["griffin-lim", "istft80"] and picker["value"] == studio.best_vocoder("mel80")
    out = studio.generate_audio("mel80", "12", seed=0, vocoder="istft80", steps=2)
    assert out.meta["params"]["vocoder"] == "istft80" and len(out.audio) > 0
    assert len(studio.generate_audio("mel80", "12", seed=0, steps=2).audio) > 0  # Griffin-Lim reads any bands
    with pytest.raises(InputError, match="istft_wavenet reads 64-band log-mels; mel80 draws 80-band ones"):
        studio.generate_audio("mel80", "12", seed=0, vocoder="istft_wavenet", steps=2)
    # an uploaded clip is re-made from a log-mel of the bands each vocoder reads
    clip, _, _ = spoken_digits.load("test", digits_corpus)
    path = tmp_path / "clip.wav"
    sf.write(path, clip[0], spoken_digits.SAMPLE_RATE)
    assert 0 < studio.vocode(str(path), "istft80")["scores"]["stoi"] <= 1

    for model, bands, why in (("specgan", "72", "multiple of 16"), ("mel_diffusion", "84", "multiple of 8"),
                              ("classifier", "80", "digit classifier reads")):
        with pytest.raises(SystemExit, match=why):
            train("audio", "--model", model, "--dry-run", "--data-dir", str(digits_corpus), "--mel-bands", bands)
