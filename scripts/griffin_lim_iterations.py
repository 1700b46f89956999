"""What Griffin-Lim makes of real clips' own log-mels at several iteration counts: voiced share,
STOI and PESQ-WB against the originals (metrics/speech.py), and the time per clip.

Issue #17 asks a generator's clips for a voiced share within 20 % of real clips'. Through
Griffin-Lim that bar also holds the vocoder to account: this shows how much voicing the vocoder
alone loses from perfect mels, and whether more iterations win it back.

    python scripts/griffin_lim_iterations.py --n 100 --iterations 32 64 128 256
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from aigc_demo.audio import GriffinLimVocoder, LogMel  # noqa: E402
from aigc_demo.evaluation.records import held_out_clips, held_out_pick, torch_generator  # noqa: E402
from aigc_demo.metrics import speech  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100, help="digit-balanced held-out clips (default 100)")
    p.add_argument("--iterations", type=int, nargs="+", default=[32, 64, 128, 256])
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    # the evaluate command's pick of held-out clips, so the figures sit beside the records'
    clips, _ = held_out_pick(held_out_clips(), args.n, torch_generator(args.seed))
    mels = LogMel()(clips)
    real = clips.numpy()
    print(f"{args.n} held-out clips; real voiced share {speech.voiced_share(real):.3f}")
    print("| Griffin-Lim iterations | voiced share | STOI | PESQ-WB | ms per clip |\n|---|---|---|---|---|")
    for n_iter in args.iterations:
        start = time.perf_counter()
        made = GriffinLimVocoder(n_iter=n_iter)(mels).numpy()
        ms = (time.perf_counter() - start) / args.n * 1000
        q = speech.copy_quality(real, made)
        print(f"| {n_iter} | {speech.voiced_share(made):.3f} | {q['stoi']:.3f} | {q['pesq_wb']:.3f} | {ms:.0f} |",
              flush=True)


if __name__ == "__main__":
    main()
