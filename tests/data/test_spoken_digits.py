"""The spoken-digit corpus: synthesis of a few real clips with espeak-ng, the shared log-mel,
and the SC09 loader on a tiny local Speech Commands tree."""

import numpy as np
import pytest
import torch

from aigc_demo import audio
from aigc_demo.data import spoken_digits as sd

from tests.conftest import DIGIT_VARIANTS as VARIANTS
from tests.conftest import require_espeak


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    require_espeak()
    folder = tmp_path_factory.mktemp("digits")
    counts = sd.synthesize(folder, accents=("en",), variant_names=VARIANTS, digits=range(3), progress=False)
    return folder, counts


def test_synthesis_is_split_by_voice_and_deterministic(corpus, tmp_path):
    folder, counts = corpus
    assert {s: c["clips"] for s, c in counts.items()} == {"train": 6, "valid": 3, "test": 3}
    x, y, voices = sd.load("train", folder)
    assert x.shape == (6, sd.CLIP_SAMPLES) and x.dtype == np.float32 and sorted(set(y.tolist())) == [0, 1, 2]
    assert set(voices) == {"en+Alex", "en+m3"} and set(sd.load("test", folder)[2]) == {"en+f5"}
    assert 0.7 < np.abs(x).max() <= 0.81  # peak-normalised
    again = sd.synthesize(tmp_path, accents=("en",), variant_names=VARIANTS, digits=range(3), progress=False)
    assert again == counts and np.array_equal(sd.load("train", tmp_path)[0], x)
    card = (folder / "README.md").read_text()
    assert "Synthetic speech" in card and "test variants f5" in card


def test_voices_really_differ(corpus):
    x, y, voices = sd.load("train", corpus[0])
    a = x[(voices == "en+Alex") & (y == 1)][0]
    b = x[(voices == "en+m3") & (y == 1)][0]
    assert not np.allclose(a, b)


def test_missing_corpus_says_how_to_make_it(tmp_path, monkeypatch):
    monkeypatch.delenv(sd.ENV_VAR, raising=False)
    with pytest.raises(sd.CorpusNotFound, match="python -m aigc_demo.data.spoken_digits"):
        sd.load("train", tmp_path)


@pytest.mark.parametrize("n_mels", [audio.N_MELS, 80])  # 80: another band count, as scripts/mel_bands.py measures
def test_log_mel_and_griffin_lim_round_trip(corpus, n_mels):
    x, _, _ = sd.load("train", corpus[0])
    mel = audio.LogMel(n_mels)(torch.from_numpy(x[:2]))
    assert mel.shape == (2, n_mels, audio.N_FRAMES) and mel.min() >= -1 and mel.max() <= 1
    wave = audio.GriffinLimVocoder(n_mels=n_mels)(mel)
    assert wave.shape == (2, sd.CLIP_SAMPLES)
    assert (audio.LogMel(n_mels)(wave) - mel).abs().mean() < 0.1  # the round trip keeps the spectrogram


def test_mu_law_round_trip():
    x = torch.linspace(-1, 1, 1001)
    q = audio.mu_law_encode(x)
    assert q.min() == 0 and q.max() == 255
    err = (audio.mu_law_decode(q) - x).abs()
    assert err.max() < 0.025 and err[x.abs() < 0.05].max() < 0.002  # fine steps where speech is quiet


def test_sc09_loader_reads_a_local_speech_commands_tree(tmp_path, corpus):
    """Same clip format as the synthetic corpus; torchaudio's class applies the split lists."""
    import soundfile as sf

    root = tmp_path / "SpeechCommands" / "speech_commands_v0.02"
    x, y, _ = sd.load("train", corpus[0])
    files = []
    for i, (clip, digit) in enumerate(zip(x[:3], y[:3])):
        rel = f"{sd.DIGITS[digit]}/spk{i}_nohash_0.wav"
        (root / sd.DIGITS[digit]).mkdir(parents=True, exist_ok=True)
        sf.write(root / rel, clip[: 12000], sd.SAMPLE_RATE)  # shorter than a second: padded on load
        files.append(rel)
    (root / "cat").mkdir()
    sf.write(root / "cat" / "spk9_nohash_0.wav", x[0], sd.SAMPLE_RATE)  # not a digit: skipped
    (root / "validation_list.txt").write_text(files[1] + "\n")
    (root / "testing_list.txt").write_text(files[2] + "\n")
    audio_train, digits_train, speakers = sd.load_sc09(tmp_path, "train")
    assert audio_train.shape == (1, sd.CLIP_SAMPLES) and digits_train.tolist() == [y[0]] and speakers.tolist() == ["spk0"]
    assert np.allclose(audio_train[0, :12000], x[0, :12000], atol=1e-4) and not audio_train[0, 12000:].any()
    assert sd.load_sc09(tmp_path, "test")[1].tolist() == [y[2]]


def test_digit_classifier_trains_resumes_and_exports_reference_features(corpus, tmp_path):
    from aigc_demo import checkpoint as ckpt
    from tests.conftest import train

    out, run_dir = tmp_path / "digit-classifier", tmp_path / "run"
    common = ["audio", "--model", "classifier", "--dry-run", "--epochs", "3", "--data-dir", str(corpus[0]), "--run-dir", str(run_dir),
              "--out", str(out)]
    train(*common, "--max-steps", "1")
    train(*common, "--max-steps", "2")  # resumes
    assert (run_dir / "train_griffin_lim.safetensors").is_file()  # computed once per run
    metrics = ckpt.read_json(out / "metrics.json")["metrics"]
    assert 0 <= metrics["test_accuracy"] <= 1 and metrics["test_clips"] == 3
    ref = ckpt.load_weights(out / "reference_features.safetensors")
    assert ref["held_out_features"].shape == (6, 128) and ref["held_out_labels"].shape == (6,)
    assert ckpt.read_json(out / "config.json")["training"]["steps"] == 2


def test_digit_metrics_score_real_clips_like_the_real_reference(corpus, tmp_path):
    """The audio metrics through the shared torchmetrics code: real held-out clips scored as
    if generated get the digit right, and FD-digits / IS-digits sit beside the reference."""
    from aigc_demo.metrics.audio import DigitEvaluator
    from tests.conftest import train

    out = tmp_path / "digit-classifier"
    train("audio", "--model", "classifier", "--dry-run", "--data-dir", str(corpus[0]), "--run-dir", str(tmp_path / "run"),
          "--out", str(out))
    evaluator = DigitEvaluator.load(out)
    x, y, _ = sd.load("test", corpus[0])
    scores = evaluator.score(torch.from_numpy(x), torch.from_numpy(y), seed=0)
    gen, real = scores["generated"], scores["real_reference"]
    assert set(gen) == {"fd_digits", "kid_digits", "kid_digits_std", "is_digits", "is_digits_std", "digit_accuracy"}
    assert set(real) == set(gen) and 0 <= gen["digit_accuracy"] <= 1 and gen["fd_digits"] >= 0
    assert evaluator.score(torch.from_numpy(x), torch.from_numpy(y), seed=0) == scores  # seeded: reproducible
