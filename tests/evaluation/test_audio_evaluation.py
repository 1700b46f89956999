"""Audio in the Evaluation tab's terms: an audio generator measured now reproduces its shipped
figures, through either vocoder; uploaded clips (WAV/FLAC, ZIPs) get the digit classifier's
verdicts and metrics, and bad files are refused with a message."""

import io
import zipfile

import numpy as np
import pytest
import soundfile as sf

from aigc_demo import uploads
from aigc_demo.data import spoken_digits
from aigc_demo.studio import InputError, Studio


@pytest.mark.parametrize("vocoder", ["griffin-lim", "istft_wavenet", "wavenet"])
def test_measuring_audio_now_reproduces_the_shipped_figures(tiny_audio_checkpoints, vocoder):
    studio = Studio(tiny_audio_checkpoints)
    steps = list(studio.measure_audio("specgan", n=20, seed=0, vocoder=vocoder))
    assert [s["done"] for s in steps[:-1]] == [20] and "result" in steps[-1]
    record = steps[-1]["result"]
    shipped = studio.cache.entry("audio", "specgan").metrics  # measured at export: n=20, seed 0, every vocoder
    assert record["generated"] == shipped["vocoders"][vocoder]
    assert {t["vocoder"] for t in record["targets"]} == {vocoder}
    if vocoder == "griffin-lim":
        assert record["real_reference"] == shipped["real_reference"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(n=15), "multiple of 10"), (dict(n=5000), "between 10 and 1000"), (dict(seed=-3), "seed"),
    (dict(vocoder="hifigan"), "Unknown vocoder"), (dict(model="wavenet"), "is not an audio generator"),
    (dict(model="dcgan"), "is not an audio generator")])
def test_measuring_audio_input_is_validated(tiny_audio_checkpoints, kwargs, message):
    args = {"model": "specgan", "n": 20, "seed": 0, **kwargs}
    with pytest.raises(InputError, match=message):
        list(Studio(tiny_audio_checkpoints).measure_audio(**args))


def wav_bytes(x: np.ndarray, rate: int = 16000, fmt: str = "WAV") -> bytes:
    buf = io.BytesIO()
    sf.write(buf, x, rate, format=fmt)
    return buf.getvalue()


@pytest.fixture()
def real_clips(digits_corpus, tmp_path):
    """Twelve held-out-format clips as files: most 16 kHz WAVs, one 22.05 kHz stereo, one FLAC."""
    import torch
    import torchaudio.functional as AF

    audio, digits, _ = spoken_digits.load("test", digits_corpus)
    paths = []
    for i in range(12):
        x = audio[i % len(audio)]
        if i == 0:  # the same clip as a 22.05 kHz stereo recording
            y = AF.resample(torch.from_numpy(x), 16000, 22050).numpy()
            p = tmp_path / "stereo.wav"
            p.write_bytes(wav_bytes(np.stack([y, y], axis=1), 22050))
        elif i == 1:
            p = tmp_path / "clip1.flac"
            p.write_bytes(wav_bytes(x, fmt="FLAC"))
        else:
            p = tmp_path / f"clip{i}.wav"
            p.write_bytes(wav_bytes(x))
        paths.append(str(p))
    return paths, digits[:12] if len(digits) >= 12 else None


def test_clips_and_zip_are_read_and_scored(tiny_audio_checkpoints, real_clips, tmp_path):
    paths, _ = real_clips
    studio = Studio(tiny_audio_checkpoints)
    r = studio.score_clips(paths)
    assert r["n"] == 12 and len(r["predictions"]) == 12 and sum(r["digit_counts"].values()) == 12
    assert r["notices"] == ["1 clip(s) resampled to 16 kHz."]
    assert {p["file"] for p in r["predictions"]} >= {"stereo.wav", "clip1.flac"}
    assert {p["digit"] for p in r["predictions"]} <= set(spoken_digits.DIGITS)
    assert {"fd_digits", "kid_digits", "is_digits"} <= set(r["metrics"]["generated"])
    assert "fd_digits" in r["metrics"]["real_reference"]
    zpath = tmp_path / "clips.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for p in paths[2:5]:
            zf.write(p, arcname=f"take/{p.rsplit('/', 1)[-1]}")
        zf.writestr("__MACOSX/._junk", b"x")
    r = studio.score_clips([str(zpath)])
    assert r["n"] == 3 and r["metrics"] is None and "at least 10" in r["notices"][-1]


def test_a_real_clip_is_heard_as_its_digit(tiny_audio_checkpoints, digits_corpus, tmp_path):
    """The upload path prepares a clip exactly as the corpus was prepared: a corpus clip
    uploaded as a WAV gets the same verdict as the clip scored directly."""
    import torch

    audio, _, _ = spoken_digits.load("test", digits_corpus)
    p = tmp_path / "one.wav"
    p.write_bytes(wav_bytes(audio[3]))
    studio = Studio(tiny_audio_checkpoints)
    direct = studio.digit_evaluator().predict(torch.from_numpy(audio[3:4])).argmax(-1).item()
    assert studio.score_clips([str(p)])["predictions"][0]["digit"] == spoken_digits.DIGITS[direct]


def test_bad_clips_are_refused_with_a_message(tmp_path):
    not_audio = tmp_path / "fake.wav"
    not_audio.write_bytes(b"RIFF not really a wave file")
    with pytest.raises(InputError, match="not a readable audio file"):
        uploads.read_clips([not_audio])
    long = tmp_path / "long.wav"
    long.write_bytes(wav_bytes(np.zeros(16000 * 11, dtype=np.float32)))
    with pytest.raises(InputError, match="at most 10 s"):
        uploads.read_clips([long])
    exe = tmp_path / "run.exe"
    exe.write_bytes(b"MZ")
    with pytest.raises(InputError, match="WAV/FLAC/OGG"):
        uploads.read_clips([exe])
    with pytest.raises(InputError, match="Upload some clips"):
        uploads.read_clips([])
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../../etc/x.wav", wav_bytes(np.zeros(100, dtype=np.float32)))
    with pytest.raises(InputError, match="unsafe path"):
        uploads.read_clips([evil])
    mixed = tmp_path / "mixed.zip"
    with zipfile.ZipFile(mixed, "w") as zf:
        zf.writestr("a.png", b"x")
    with pytest.raises(InputError, match="not a clip"):
        uploads.read_clips([mixed])


def test_a_silent_clip_is_scored_with_a_notice(tiny_audio_checkpoints, tmp_path):
    p = tmp_path / "quiet.wav"
    p.write_bytes(wav_bytes(np.zeros(8000, dtype=np.float32)))
    r = Studio(tiny_audio_checkpoints).score_clips([str(p)])
    assert r["n"] == 1 and any("silent" in n for n in r["notices"])
