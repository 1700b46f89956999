"""A CycleGAN's record while it trains: the evaluate command's figures and bars (target
accuracy, FID-FMNIST, the shape margins beside the best real match) of a run's saved state.

The export measures the finished model; this measures the state.pt a run saves at each epoch
end, so a run can be followed (and stopped early) without exporting it. Checkpoint folders
are scored the same way, to put the shipped model beside it.

    python scripts/cyclegan_check.py ~/aigc-runs/cyc-w32-run checkpoints/image/cyclegan --n 1000

A run folder's network is built from the settings the run pinned (width, losses, skip).
"""

import argparse
import sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aigc_demo.evaluation.records import translation_record  # noqa: E402
from aigc_demo.metrics.image import FMNISTEvaluator  # noqa: E402
from aigc_demo.paths import evaluator_dir  # noqa: E402
from aigc_demo.pipelines.image import CycleGANPipeline  # noqa: E402

FIGURES = ("target_accuracy", "fid_fmnist", "silhouette_iou_margin", "lowpass_correlation_margin",
           "lowpass_retrieval_top1")


def translator(path: Path) -> CycleGANPipeline:
    if (path / "state.pt").is_file():
        from aigc_demo.models.cyclegan import CycleGAN, CycleGANConfig
        from aigc_demo.train.common import load_state

        state = load_state(path / "state.pt")
        gan = CycleGAN(CycleGANConfig(**state["pinned"]))
        gan.load_state_dict(state["modules"]["gan"])
        return CycleGANPipeline(gan, name=f"{path.name} (epoch {state['epoch']})", checkpoint_sha256="")
    return CycleGANPipeline.from_checkpoint(path)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("translators", nargs="+", type=Path, help="run folders (state.pt) or checkpoint folders")
    p.add_argument("--n", type=int, default=1000, help="held-out test images per direction (default 1000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", help="Fashion-MNIST folder (default: the project's)")
    args = p.parse_args()

    evaluator = FMNISTEvaluator.load(evaluator_dir("image"))
    print("| translator | direction | " + " | ".join(FIGURES) + " | bars met |")
    print("|---|---|" + "---|" * (len(FIGURES) + 1))
    for path in args.translators:
        pipe = translator(path)
        record = translation_record(pipe, SimpleNamespace(name=pipe.name, family=pipe.family), evaluator=evaluator,
                                    n=args.n, seed=args.seed, corpus_dir=args.data_dir)
        for direction, figures in record["directions"].items():
            bars = [t for t in record["targets"] if t["direction"] == direction]
            cells = " | ".join(f"{figures['translated'][k]:.3f}" for k in FIGURES)
            print(f"| {pipe.name} | {direction} | {cells} | {sum(t['met'] for t in bars)}/{len(bars)} |")
    print("bars:", "; ".join(f"{t['direction']} {t['metric']} {t['target']}" for t in record["targets"]))


if __name__ == "__main__":
    main()
