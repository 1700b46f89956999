"""How much harmonic ripple a spectrogram generator's log-mels have, beside real clips'.

A voice's harmonics show in the low mel bands (narrow enough there to resolve them) as a
ripple across frequency; a whisper's spectrum is smooth. The figure: the mean absolute second
difference across frequency of the normalised log-mel, in sounding frames only, per group of
bands (lowest first). Real held-out clips against one generator's clips of the same digits.

    python scripts/mel_ripple.py checkpoints/audio/specgan --n 200
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from aigc_demo.data import spoken_digits  # noqa: E402
from aigc_demo.pipelines.audio import active_frames  # noqa: E402
from aigc_demo.registry import load_pipeline, read_entry  # noqa: E402
from aigc_demo.train.audio import log_mels  # noqa: E402

BAND_GROUPS = ((0, 10), (10, 20), (20, 30), (30, 45), (45, 62))  # second differences: 62 of the 64 bands


def band_groups(n_mels: int) -> list[tuple[int, int]]:
    """BAND_GROUPS for n_mels bands: the same stretches of the mel scale (bands are spaced
    evenly on it, so the indices scale), the last ending at the last second difference."""
    return [(round(lo * n_mels / 64), round(hi * n_mels / 64) if hi < 62 else n_mels - 2) for lo, hi in BAND_GROUPS]


def ripple(mels: torch.Tensor) -> list[float]:
    """(B, n_mels, frames) normalised log-mels -> the mean |second difference across
    frequency| over sounding frames, one figure per band group."""
    sounding = active_frames(mels).float()  # (B, frames)
    d2 = (mels[:, 2:] - 2 * mels[:, 1:-1] + mels[:, :-2]).abs()  # (B, n_mels - 2, frames)
    return [float((d2[:, lo:hi].mean(1) * sounding).sum() / sounding.sum()) for lo, hi in band_groups(mels.shape[1])]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", help="a spectrogram generator's checkpoint folder")
    p.add_argument("--n", type=int, default=200, help="held-out validation clips, and as many generated (default 200)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    audio, digits, _ = spoken_digits.load("valid")
    audio, digits = audio[:args.n], torch.from_numpy(digits[:args.n]).long()
    pipe = load_pipeline(read_entry(Path(args.folder), "audio"))
    made = pipe.mels(digits, torch.Generator().manual_seed(args.seed))
    groups = band_groups(pipe.n_mels)
    print("bands    " + "  ".join(f"{lo:>2}-{hi + 1:<3}" for lo, hi in groups))  # d2 at i spans bands i..i+2
    # the real clips in the generator's own band count, the groups scaled to it
    for name, mels in (("real", log_mels(audio, pipe.n_mels)), (pipe.name, made)):
        print(f"{name:8} " + "  ".join(f"{r:6.3f}" for r in ripple(mels)))


if __name__ == "__main__":
    main()
