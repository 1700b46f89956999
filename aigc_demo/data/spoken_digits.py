"""Spoken digits: "zero" ... "nine" as one-second 16 kHz clips.

Two sources with the same clip format (float32 in [-1, 1], 16,000 samples, digit 0-9):

1. **Synthetic (the default, offline).** `espeak-ng` (Debian package) speaks each digit in
   every combination of English accent (ACCENTS) and voice variant (`espeak-ng
   --voices=variant`), at a pitch and speed drawn per clip from a generator seeded by
   (accent, variant, digit), so the corpus is the same on every machine with the same
   espeak-ng. Variants whose output is byte-identical to another's are dropped (a name that
   does not resolve silently falls back to the default voice). Each clip is resampled from
   espeak's 22,050 Hz to 16 kHz, trimmed of silence, peak-normalised and centred in one
   second. The split is by *variant*: validation and test voices are never heard in training.

       python -m aigc_demo.data.spoken_digits   # writes default_dir(): $SPOKEN_DIGITS_DIR or the cache

2. **Real speech (network only).** The SC09 subset of Speech Commands (Warden 2018) through
   `torchaudio.datasets.SPEECHCOMMANDS` (download and its official split lists), with the WAVs
   read by soundfile and padded to one second: `load_sc09(root, split)`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..paths import cache_dir

SAMPLE_RATE = 16000
CLIP_SAMPLES = SAMPLE_RATE  # one second
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ACCENTS = ("en", "en-us", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-gb-x-gbcwmd", "en-029", "en-us-nyc")
PITCH_RANGE = (25, 75)  # espeak-ng -p (0-99, default 50)
SPEED_RANGE = (140, 200)  # espeak-ng -s, words per minute (default 175)
PEAK = 0.8
SPLITS = ("train", "valid", "test")
SPLIT_SALT = "aigc-studio-digits-v1"
HOLDOUT_PERCENT = 12  # of the variants, for each of valid and test
ENV_VAR = "SPOKEN_DIGITS_DIR"
CACHE_FOLDER = "spoken-digits-v1"  # the default home of the corpus, under paths.cache_dir()


class CorpusNotFound(FileNotFoundError):
    pass


@dataclass(frozen=True)
class Voice:
    accent: str
    variant: str

    @property
    def name(self) -> str:
        return f"{self.accent}+{self.variant}"


def espeak() -> str:
    path = shutil.which("espeak-ng")
    if not path:
        raise CorpusNotFound("espeak-ng is not installed: `sudo apt-get install espeak-ng` (Debian/Ubuntu).")
    return path


def espeak_version() -> str:
    out = subprocess.run([espeak(), "--version"], capture_output=True, text=True, check=True).stdout
    return out.split("Data at")[0].strip()  # "eSpeak NG text-to-speech: 1.51"


def variants() -> list[str]:
    """The voice variants this espeak-ng has (the file names, e.g. "adam", "f3", "klatt2")."""
    out = subprocess.run([espeak(), "--voices=variant"], capture_output=True, text=True, check=True).stdout
    import re

    return sorted(set(re.findall(r"!v/(\S+)", out)))


def split_of_variant(variant: str) -> str:
    h = int.from_bytes(hashlib.sha256((SPLIT_SALT + variant).encode()).digest()[:4], "big") % 100
    if h < HOLDOUT_PERCENT:
        return "test"
    if h < 2 * HOLDOUT_PERCENT:
        return "valid"
    return "train"


def _seed(*parts) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def speak(word: str, voice: Voice | str, pitch: int = 50, speed: int = 175) -> np.ndarray:
    """espeak-ng's raw output for `word`: float32 at 22,050 Hz."""
    import io

    import soundfile as sf

    name = voice.name if isinstance(voice, Voice) else voice
    wav = subprocess.run([espeak(), "-v", name, "-p", str(pitch), "-s", str(speed), "--stdout", word],
                         capture_output=True, check=True).stdout
    audio, _ = sf.read(io.BytesIO(wav), dtype="float32")
    return audio


def to_clip(audio: np.ndarray, sample_rate: int, *, length: int = CLIP_SAMPLES, threshold: float = 0.02) -> np.ndarray:
    """Resample to 16 kHz, trim silence at both ends, peak-normalise, centre in `length`."""
    import torch
    import torchaudio.functional as AF

    x = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))
    if sample_rate != SAMPLE_RATE:
        x = AF.resample(x, sample_rate, SAMPLE_RATE)
    x = x.numpy()
    peak = np.abs(x).max() if len(x) else 0.0
    if peak > 0:
        loud = np.flatnonzero(np.abs(x) > threshold * peak)
        x = x[loud[0]:loud[-1] + 1] * (PEAK / peak)
    if len(x) > length:  # a slow voice: keep the middle second
        start = (len(x) - length) // 2
        x = x[start:start + length]
    out = np.zeros(length, dtype=np.float32)
    start = (length - len(x)) // 2
    out[start:start + len(x)] = x
    return out


def distinct_variants(variant_names: list[str]) -> list[str]:
    """Drop variants that sound exactly like an earlier one (or like no variant at all)."""
    seen = {hashlib.sha256(speak("seven", "en").tobytes()).hexdigest()}
    keep = []
    for v in variant_names:
        h = hashlib.sha256(speak("seven", f"en+{v}").tobytes()).hexdigest()
        if h not in seen:
            seen.add(h)
            keep.append(v)
    return keep


def synthesize(out_dir: str | Path, *, accents=ACCENTS, variant_names: list[str] | None = None,
               digits=range(10), progress: bool = True) -> dict:
    """Write the corpus: {split}.npz (audio int16 [N, 16000], digit, voice, pitch, speed) and
    README.md (the dataset card). Returns the counts per split."""
    from tqdm.auto import tqdm

    from ..checkpoint import atomic_write_bytes, atomic_write_text

    out_dir = Path(out_dir)
    variant_names = distinct_variants(variant_names if variant_names is not None else variants())
    rows: dict[str, list] = {s: [] for s in SPLITS}
    jobs = [(Voice(a, v), d) for a in accents for v in variant_names for d in digits]
    for voice, d in tqdm(jobs, desc="espeak-ng", disable=not progress):
        rng = np.random.default_rng(_seed(voice.name, d))
        pitch = int(rng.integers(PITCH_RANGE[0], PITCH_RANGE[1] + 1))
        speed = int(rng.integers(SPEED_RANGE[0], SPEED_RANGE[1] + 1))
        clip = to_clip(speak(DIGITS[d], voice, pitch, speed), 22050)
        rows[split_of_variant(voice.variant)].append((clip, d, voice.name, pitch, speed))
    counts = {}
    import io

    for split, items in rows.items():
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            audio=np.stack([np.round(c * 32767).astype(np.int16) for c, *_ in items]) if items
            else np.zeros((0, CLIP_SAMPLES), np.int16),
            digit=np.array([i[1] for i in items], dtype=np.int64),
            voice=np.array([i[2] for i in items], dtype=str),
            pitch=np.array([i[3] for i in items], dtype=np.int64),
            speed=np.array([i[4] for i in items], dtype=np.int64),
        )
        atomic_write_bytes(out_dir / f"{split}.npz", buf.getvalue())
        counts[split] = {"clips": len(items), "voices": len({i[2] for i in items})}
    atomic_write_text(out_dir / "README.md", dataset_card(counts, accents, variant_names))
    return counts


def dataset_card(counts: dict, accents, variant_names: list[str]) -> str:
    held_out = {s: sorted(v for v in variant_names if split_of_variant(v) == s) for s in ("valid", "test")}
    rows = [f"| {s} | {c['clips']:,} | {c['voices']} |" for s, c in counts.items()]
    return "\n".join([
        "# Spoken digits (synthetic, espeak-ng)",
        "",
        "**Synthetic speech**, not recordings of people: the words zero to nine spoken by the `espeak-ng` "
        f"formant synthesiser ({espeak_version()}), made by `python -m aigc_demo.data.spoken_digits`.",
        "",
        f"- accents: {', '.join(accents)}; voice variants: {len(variant_names)} distinct ones "
        "(variants that sound identical to another were dropped);",
        f"- one clip per (accent, variant, digit), pitch {PITCH_RANGE[0]}-{PITCH_RANGE[1]} and speed "
        f"{SPEED_RANGE[0]}-{SPEED_RANGE[1]} wpm drawn from a generator seeded by those three;",
        f"- resampled 22,050 -> 16,000 Hz, silence trimmed, peak {PEAK}, centred in one second (16,000 samples), "
        "stored as int16;",
        f"- split by variant (salted SHA-256 of its name): valid variants {', '.join(held_out['valid'])}; "
        f"test variants {', '.join(held_out['test'])}; all others train.",
        "",
        "| split | clips | voices (accent+variant) |",
        "|---|---|---|",
        *rows,
        "",
        "Licence: espeak-ng is GPL-3.0+; its output is not covered by it. Real speech: see `load_sc09`.",
        "",
    ])


def default_dir() -> Path:
    """Where the corpus is made and looked for when no folder is given: $SPOKEN_DIGITS_DIR,
    else the project cache."""
    return Path(os.environ.get(ENV_VAR) or cache_dir() / CACHE_FOLDER)


def corpus_dir(folder: str | Path | None = None) -> Path:
    folder = Path(folder) if folder else default_dir()
    if not all((folder / f"{s}.npz").is_file() for s in SPLITS):
        raise CorpusNotFound(
            f"The spoken-digit corpus is not in {folder}. Make it (about 3 minutes) with "
            "`python -m aigc_demo.data.spoken_digits` (needs `sudo apt-get install espeak-ng`), "
            f"or point ${ENV_VAR} at a folder holding train/valid/test.npz.")
    return folder


def load(split: str, folder: str | Path | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(audio float32 [N, 16000] in [-1, 1], digit int64 [N], voice names [N]) of a split."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    with np.load(corpus_dir(folder) / f"{split}.npz", allow_pickle=False) as z:
        return z["audio"].astype(np.float32) / 32767.0, z["digit"], z["voice"]


# --- real speech: SC09 ---------------------------------------------------------------------

SC09_SPLITS = {"train": "training", "valid": "validation", "test": "testing"}


def load_sc09(root: str | Path, split: str, download: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The digits of Speech Commands (SC09) in the same format as `load`. torchaudio's dataset
    class downloads and applies the official split lists; soundfile reads the WAVs (torchaudio
    2.9+ would need torchcodec for that)."""
    import soundfile as sf
    from torchaudio.datasets import SPEECHCOMMANDS

    ds = SPEECHCOMMANDS(str(root), download=download, subset=SC09_SPLITS[split])
    audio, digit, speaker = [], [], []
    for i in range(len(ds)):
        rel, sr, label, speaker_id, _ = ds.get_metadata(i)
        if label not in DIGITS:
            continue
        x, file_sr = sf.read(Path(ds._archive) / rel, dtype="float32")
        audio.append(to_length(x if file_sr == SAMPLE_RATE else to_clip(x, file_sr)))
        digit.append(DIGITS.index(label))
        speaker.append(speaker_id)
    return (np.stack(audio) if audio else np.zeros((0, CLIP_SAMPLES), np.float32), np.array(digit, dtype=np.int64),
            np.array(speaker, dtype=str))


def to_length(x: np.ndarray, length: int = CLIP_SAMPLES) -> np.ndarray:
    """Zero-pad (at the end, as SC09 clips are padded) or cut to exactly `length` samples."""
    out = np.zeros(length, dtype=np.float32)
    out[:min(length, len(x))] = x[:length]
    return out


def main(argv=None) -> None:
    import argparse

    p = argparse.ArgumentParser(prog="python -m aigc_demo.data.spoken_digits", description="Synthesise the corpus.")
    p.add_argument("--out", help="folder to write (default: $SPOKEN_DIGITS_DIR, else ~/.cache/aigc_demo/spoken-digits-v1)")
    args = p.parse_args(argv)
    out = Path(args.out) if args.out else default_dir()
    counts = synthesize(out)
    print((out / "README.md").read_text())
    print(counts)


if __name__ == "__main__":
    main()
