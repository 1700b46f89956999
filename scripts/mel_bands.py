"""What the log-mel representation's band count costs through Griffin-Lim: real held-out clips
made into normalised log-mels of N bands (the project's LogMel, only the band count changed),
inverted by the project's Griffin-Lim, scored against the originals (metrics/speech.py).

Issue #17 asks whether the 64 bands themselves cap the quality and, if so, to change the
representation. Griffin-Lim keeps a voiced share of about 0.51 from 64 bands against about
0.66 for the originals (scripts/griffin_lim_iterations.py), and 0.67 from the linear
spectrogram; this finds the band count at which the voicing comes back.

With --fd N it asks instead what Griffin-Lim alone costs a generator's FD-digits: N real
*training* clips (digit-balanced: what an ideal generator would draw; their FD-digits is the
real reference a generator's bar is a multiple of) re-made through Griffin-Lim from each band
count and scored by the digit classifier against the held-out reference, as the evaluate
command scores a generator. A generator voiced by Griffin-Lim cannot expect to score below
that row.

    python scripts/mel_bands.py --n 100 --bands 64 80 96 128
    python scripts/mel_bands.py --bands 64 80 128 --fd 1000
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aigc_demo.audio import GriffinLimVocoder, LogMel  # noqa: E402
from aigc_demo.evaluation.records import held_out_clips, held_out_pick, torch_generator  # noqa: E402
from aigc_demo.metrics import speech  # noqa: E402
from aigc_demo.paths import evaluator_dir  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100, help="digit-balanced held-out clips (default 100)")
    p.add_argument("--bands", type=int, nargs="+", default=[64, 80, 96, 128])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fd", type=int, default=0, metavar="N",
                   help="instead: FD-digits of N training clips (a multiple of 10) re-made through Griffin-Lim")
    args = p.parse_args()
    if args.fd < 0 or args.fd % 10:
        p.error(f"--fd takes a positive multiple of 10 (every digit alike), not {args.fd}")
    if args.fd:
        fd_through_griffin_lim(args.fd, args.bands, args.seed)
        return

    # the evaluate command's pick of held-out clips, so the figures sit beside the records'
    clips, _ = held_out_pick(held_out_clips(), args.n, torch_generator(args.seed))
    real = clips.numpy()
    print(f"{args.n} held-out clips; real voiced share {speech.voiced_share(real):.3f}")
    print("| mel bands | voiced share | STOI | PESQ-WB |\n|---|---|---|---|")
    for n_mels in args.bands:
        made = GriffinLimVocoder(n_mels=n_mels)(LogMel(n_mels)(clips)).numpy()
        q = speech.copy_quality(real, made)
        print(f"| {n_mels} | {speech.voiced_share(made):.3f} | {q['stoi']:.3f} | {q['pesq_wb']:.3f} |", flush=True)


def fd_through_griffin_lim(n: int, bands: list[int], seed: int) -> None:
    import torch

    from aigc_demo.data import spoken_digits
    from aigc_demo.metrics.audio import DigitEvaluator

    audio, digits, _ = spoken_digits.load("train")
    # the evaluate command's digit-balanced pick, here from the training split
    clips, labels = held_out_pick((torch.from_numpy(audio), torch.from_numpy(digits)), n, torch_generator(seed))
    evaluator = DigitEvaluator.load(evaluator_dir("audio"))
    print(f"{n} training clips scored against the held-out reference (the digit classifier's)")
    print("| clips | FD-digits | digit accuracy |\n|---|---|---|")
    rows = [("the clips themselves", clips)]
    rows += [(f"through Griffin-Lim from {b} bands", GriffinLimVocoder(n_mels=b)(LogMel(b)(clips))) for b in bands]
    for i, (name, waves) in enumerate(rows):
        score = evaluator.score(waves, labels, seed=seed)
        if i == 0:
            ref = score["real_reference"]
            print(f"| the classifier's reference (its stored training features) | {ref['fd_digits']:.1f} | "
                  f"{ref['digit_accuracy']:.3f} |")
        made = score["generated"]
        print(f"| {name} | {made['fd_digits']:.1f} | {made['digit_accuracy']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
