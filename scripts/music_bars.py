"""Do the folk model's bars add up? The two figures behind the README's music section:

1. how often folk.bar_length, the count the pipeline's bar check uses, finds a real inner bar
   (between two plain bar lines) exactly one bar of its tune's meter, over the whole corpus;
2. the share of checked bars that add up, and validity (at least 90 % of them), of tunes the
   shipped model composes freely (bar_tries 0) and with the bar check (the pipeline's
   default), at three temperatures.

    python scripts/music_bars.py [--n 16]
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from aigc_demo.data import folk  # noqa: E402
from aigc_demo.metrics import music as mm  # noqa: E402
from aigc_demo.pipelines.music import FolkPipeline  # noqa: E402
from aigc_demo.paths import CHECKPOINTS_DIR  # noqa: E402

REQUESTS = [("6/8", "D major", "jig"), ("2/2", "G major", "reel"), ("2/4", "A major", "any"), ("6/8", "E minor", "any")]


def real_bars() -> tuple[int, int]:
    counts = [folk.plain_bars_fitting(t) for t in folk.read_tunes()[0]]
    return sum(f for f, _ in counts), sum(n for _, n in counts)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=16, help="tunes per setting (the four requests in turn)")
    args = p.parse_args()
    fits, total = real_bars()
    print(f"real inner bars one bar long by folk.bar_length: {fits:,} of {total:,} ({fits / total:.3f})")
    pipe = FolkPipeline.from_checkpoint(CHECKPOINTS_DIR / "music" / "folk_gpt")
    print("| bar check | temperature | mean share of bars that add up | validity |\n|---|---|---|---|")
    for tries in (0, FolkPipeline.bar_tries):
        pipe.bar_tries = tries
        for temperature in (1.0, 0.8, 0.6):
            shares = []
            for i in range(args.n):
                meter, key, kind = REQUESTS[i % len(REQUESTS)]
                out = pipe(seed=i, meter=meter, key=key, tune_type=kind, length=64, temperature=temperature)
                shares.append(mm.read(out.abc, meter).get("bars_share", 0.0))
            shares = np.array(shares)
            print(f"| {'off' if tries == 0 else f'{tries} draws'} | {temperature} | {shares.mean():.3f} | "
                  f"{(shares >= mm.BARS_FIT_SHARE).mean():.3f} |")


if __name__ == "__main__":
    main()
