"""Where a sampled token's time goes besides the network, and what the compact decoders save:

- the balanced preset's repetition penalty and sampler on the shipped GPT's vocabulary: the
  draw over the whole vocabulary (transformers' temperature, top-k and top-p warpers, a
  softmax and a multinomial over 8,192 tokens, as the pipeline drew before) beside the
  pipeline's SeededSampling, which draws over the top-k survivors;
- with --lstm, one step of the shipped LSTM through its own nn.LSTM beside the compact
  decoder's cells (models/decoding.py).

    python scripts/profile_sampling.py [--steps 2000] [--lstm]
"""

import argparse
import sys
import time
from pathlib import Path

import torch
from transformers import RepetitionPenaltyLogitsProcessor, TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from aigc_demo.families.text import PRESETS  # noqa: E402
from aigc_demo.pipelines.text import SeededSampling  # noqa: E402


def per_call_us(fn, steps: int) -> float:
    for _ in range(50):
        fn()
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - start) / steps * 1e6


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--vocab", type=int, default=8192, help="the shipped GPT's vocabulary size")
    p.add_argument("--lstm", action="store_true", help="also time one step of the shipped LSTM")
    args = p.parse_args()
    preset = PRESETS["balanced"]
    g = torch.Generator().manual_seed(0)
    ids, scores = torch.randint(0, args.vocab, (1, 60), generator=g), torch.randn(1, args.vocab, generator=g) * 3
    penalty = RepetitionPenaltyLogitsProcessor(preset["repetition_penalty"])
    warpers = [TemperatureLogitsWarper(preset["temperature"]), TopKLogitsWarper(preset["top_k"]),
               TopPLogitsWarper(preset["top_p"])]

    def over_the_vocabulary():
        s = scores
        for warp in warpers:
            s = warp(ids, s)
        return torch.multinomial(torch.softmax(s, dim=-1), 1, generator=g)

    sampler = SeededSampling(1, preset["temperature"], preset["top_k"], preset["top_p"])
    rows = [("repetition penalty", per_call_us(lambda: penalty(ids, scores), args.steps)),
            ("draw over the vocabulary (warpers, softmax, multinomial)", per_call_us(over_the_vocabulary, args.steps)),
            ("SeededSampling.choose (top-k survivors)", per_call_us(lambda: sampler.choose(ids, scores), args.steps))]
    if args.lstm:
        from aigc_demo.models.decoding import LSTMDecoder
        from aigc_demo.paths import CHECKPOINTS_DIR
        from aigc_demo.pipelines.text import TextPipeline

        model = TextPipeline.from_checkpoint(CHECKPOINTS_DIR / "text" / "lstm").model
        decoder, token = LSTMDecoder(model), torch.tensor([[5]])
        with torch.inference_mode():
            state, _ = decoder.start(torch.tensor([[0, 5, 6]]))
            x = model.embed(token)
            # five blocks each: nn.LSTM's one-step time is uneven from block to block on this CPU
            for what, fn in (("LSTM step: nn.LSTM", lambda: model.lstm(x, state["hc"])),
                             ("LSTM step: the decoder's cells, with the head", lambda: decoder.step(dict(state), token))):
                blocks = sorted(per_call_us(fn, args.steps // 10) for _ in range(5))
                rows.append((f"{what} (5 blocks: fastest - slowest)", blocks[0], blocks[-1]))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; microseconds a call\n")
    print("| what | us |\n|---|---|")
    for what, *us in rows:
        print(f"| {what} | {' - '.join(f'{u:.0f}' for u in us)} |")


if __name__ == "__main__":
    main()
