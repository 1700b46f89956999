"""Measure models and write their metrics.json (and refresh their model cards).

    python -m aigc_demo.evaluate --model NAME [--n 10000] [--seed 0]
    python -m aigc_demo.evaluate --all

Samples are generated fresh, class-balanced, from one seeded generator, and scored against
the real-data reference at the same sample count (see aigc_demo/metrics/).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import checkpoint as ckpt
from .paths import CHECKPOINTS_DIR


def _versions() -> dict:
    import torch
    import torchmetrics

    return {"torch": torch.__version__, "torchmetrics": torchmetrics.__version__}


def evaluate_folder(folder: str | Path, *, n: int = 10000, seed: int = 0, evaluator_dir: str | Path | None = None) -> dict:
    """Score the model in `folder` and write metrics.json and README.md beside it."""
    from .cards import write_card
    from .registry import load_pipeline, read_entry

    folder = Path(folder)
    modality = folder.parent.name
    entry = read_entry(folder, modality)
    if entry.error:
        raise ckpt.CheckpointError(f"{folder}: {entry.error}")
    pipe = load_pipeline(entry)
    if modality != "image":
        raise NotImplementedError(f"no evaluation for {modality} models yet")
    from .metrics.image import DEFINITIONS, EVALUATOR_DIR, FMNISTEvaluator, generate_and_score

    if n % 10:
        raise ValueError(f"--n must be a multiple of 10 (the classes are balanced), not {n}")
    evaluator = FMNISTEvaluator.load(evaluator_dir or EVALUATOR_DIR)
    scores = generate_and_score(pipe.sample, evaluator, n, seed=seed)
    metrics = {
        "headline": {"name": "FID-FMNIST", "value": round(scores["generated"]["fid_fmnist"], 4),
                     "reference": round(scores["real_reference"]["fid_fmnist"], 4)},
        **scores,
        "definitions": DEFINITIONS,
        "checkpoint_sha256": pipe.checkpoint_sha256,
        "versions": _versions(),
        "command": f"python -m aigc_demo.evaluate --model {entry.name} --n {n} --seed {seed}",
    }
    ckpt.write_json(folder / ckpt.METRICS_FILE, metrics)
    write_card(folder)
    return metrics


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m aigc_demo.evaluate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", help="model name (its checkpoint folder's name)")
    which.add_argument("--all", action="store_true")
    p.add_argument("--n", type=int, default=10000, help="samples to generate (a multiple of 10)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoints", default=str(CHECKPOINTS_DIR))
    args = p.parse_args(argv)
    from .registry import discover

    entries = [e for e in discover(args.checkpoints) if e.modality == "image"]
    if args.model:
        entries = [e for e in entries if e.name == args.model]
        if not entries:
            sys.exit(f"no image model named {args.model!r} under {args.checkpoints}")
    for e in entries:
        m = evaluate_folder(e.path, n=args.n, seed=args.seed)
        g, r = m["generated"], m["real_reference"]
        print(f"{e.name}: " + ", ".join(f"{k} {v:.4g} (real {r.get(k, float('nan')):.4g})" for k, v in g.items()))


if __name__ == "__main__":
    main()
