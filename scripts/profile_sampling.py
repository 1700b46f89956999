"""Where a sampled token's time goes besides the network: the repetition penalty and the
seeded sampler (temperature, top-k, top-p, the multinomial draw) of the balanced preset, on
the shipped GPT's vocabulary, through torch.profiler.

    python scripts/profile_sampling.py [--steps 100]
"""

import argparse
import sys
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile
from transformers import RepetitionPenaltyLogitsProcessor

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from aigc_demo.families.text import PRESETS  # noqa: E402
from aigc_demo.pipelines.text import SeededSampling  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--vocab", type=int, default=8192, help="the shipped GPT's vocabulary size")
    args = p.parse_args()
    preset = PRESETS["balanced"]
    penalty = RepetitionPenaltyLogitsProcessor(preset["repetition_penalty"])
    sampler = SeededSampling(1, preset["temperature"], preset["top_k"], preset["top_p"])
    g = torch.Generator().manual_seed(0)
    ids, scores = torch.randint(0, args.vocab, (1, 60), generator=g), torch.randn(1, args.vocab, generator=g) * 3
    for _ in range(20):
        sampler(ids, penalty(ids, scores))
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(args.steps):
            sampler(ids, penalty(ids, scores))
    print(f"{args.steps} tokens; per token = self CPU total / {args.steps}")
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10))


if __name__ == "__main__":
    main()
