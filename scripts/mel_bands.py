"""What the log-mel representation's band count costs through Griffin-Lim: real held-out clips
made into normalised log-mels of N bands (the project's LogMel, only the band count changed),
inverted by the project's Griffin-Lim, scored against the originals (metrics/speech.py).

Issue #17 asks whether the 64 bands themselves cap the quality and, if so, to change the
representation. Griffin-Lim keeps a voiced share of about 0.51 from 64 bands against about
0.66 for the originals (scripts/griffin_lim_iterations.py), and 0.67 from the linear
spectrogram; this finds the band count at which the voicing comes back.

    python scripts/mel_bands.py --n 100 --bands 64 80 96 128
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aigc_demo.audio import GriffinLimVocoder, LogMel  # noqa: E402
from aigc_demo.evaluation.records import held_out_clips, held_out_pick, torch_generator  # noqa: E402
from aigc_demo.metrics import speech  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100, help="digit-balanced held-out clips (default 100)")
    p.add_argument("--bands", type=int, nargs="+", default=[64, 80, 96, 128])
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    # the evaluate command's pick of held-out clips, so the figures sit beside the records'
    clips, _ = held_out_pick(held_out_clips(), args.n, torch_generator(args.seed))
    real = clips.numpy()
    print(f"{args.n} held-out clips; real voiced share {speech.voiced_share(real):.3f}")
    print("| mel bands | voiced share | STOI | PESQ-WB |\n|---|---|---|---|")
    for n_mels in args.bands:
        made = GriffinLimVocoder(n_mels=n_mels)(LogMel(n_mels)(clips)).numpy()
        q = speech.copy_quality(real, made)
        print(f"| {n_mels} | {speech.voiced_share(made):.3f} | {q['stoi']:.3f} | {q['pesq_wb']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
