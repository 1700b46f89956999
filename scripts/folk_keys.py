"""Does the folk model keep the key it is asked for, and at what temperature? The figures
behind the choice of the Music tab's default temperature:

for each temperature, n tunes composed for the evaluation's own requests (the test tunes'
meter, key and type in turn, seeds 0..n-1, as `evaluate --model folk_gpt` does), the share
whose key by music21's analysis has the asked signature (metrics.music.key_followed), split
by the mode asked, beside validity and MGEval's overlapping-area ratio (a colder model can
follow the key by writing duller tunes; the ratio shows whether it does).

    python scripts/folk_keys.py [--n 150] [--temperatures 1.0 0.9 0.8]
"""

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from aigc_demo.data import folk  # noqa: E402
from aigc_demo.evaluation.records import folk_requests  # noqa: E402
from aigc_demo.families.music import key_field  # noqa: E402
from aigc_demo.metrics import music as mm  # noqa: E402
from aigc_demo.paths import CHECKPOINTS_DIR  # noqa: E402
from aigc_demo.pipelines.music import FolkPipeline  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=150)
    p.add_argument("--temperatures", type=float, nargs="+", default=[1.0, 0.9, 0.8])
    p.add_argument("--split", choices=("test", "valid"), default="test",
                   help="whose requests, and the real reference (the other split is the ceiling's second set)")
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--show-misses", action="store_true", help="print each tune whose key was not kept")
    args = p.parse_args()
    tunes, _ = folk.read_tunes()
    test = [t for t in tunes if t.split == args.split]
    valid = [t for t in tunes if t.split == ("valid" if args.split == "test" else "test")]
    pipe = FolkPipeline.from_checkpoint(CHECKPOINTS_DIR / "music" / "folk_gpt")
    requests = folk_requests(pipe, test)

    test_rows = [mm.read_real(t) for t in test]
    real_feats = mm.feature_rows(test_rows)
    ceiling = mm.closeness(real_feats, mm.feature_rows([mm.read_real(t) for t in valid]))["mean"]["overlapping_area"]
    real_keys = [("score" in r) and mm.key_followed(r["score"], t.headers["K"]) for t, r in zip(test, test_rows)]
    print(f"real {args.split} tunes: key kept {np.mean(real_keys):.3f} (n {len(test)}); "
          f"{len(requests)} requests, modes asked: {dict(Counter(q['key'].split()[1] for q in requests))}")
    modes = sorted({q["key"].split()[1] for q in requests})
    print("| temperature | key kept | " + " | ".join(modes) + " | validity | overlap ratio |")
    print("|---" * (4 + len(modes)) + "|")
    for temperature in args.temperatures:
        by_mode, kept, rows = defaultdict(list), [], []
        for i in range(args.n):
            q = requests[i % len(requests)]
            out = pipe(seed=args.first_seed + i, length=64, temperature=temperature, **q)
            row = mm.read(out.abc, q["meter"])
            ok = ("score" in row) and mm.key_followed(row["score"], key_field(q["key"]))
            if args.show_misses and not ok and "score" in row:
                print(f"asked {q['key']}, analysed {row['score'].analyze('key')}: "
                      f"{' '.join(out.tokens)[:160]}", flush=True)
            kept.append(ok)
            by_mode[q["key"].split()[1]].append(ok)
            rows.append(row)
        ratio = mm.closeness(real_feats, mm.feature_rows(rows))["mean"]["overlapping_area"] / ceiling
        cells = " | ".join(f"{np.mean(by_mode[m]):.2f} ({len(by_mode[m])})" if by_mode[m] else "-" for m in modes)
        print(f"| {temperature} | {np.mean(kept):.3f} | {cells} | {mm.summary(rows)['validity']:.3f} | {ratio:.3f} |",
              flush=True)


if __name__ == "__main__":
    main()
