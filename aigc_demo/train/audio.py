"""Train the audio models on the spoken-digit corpus.

    python -m aigc_demo.data.spoken_digits            # once: synthesise the corpus (espeak-ng)
    python -m aigc_demo.train audio --model classifier   # the metrics' digit classifier first

Same conventions as the other modalities: device chosen automatically, seeded, resumable
from runs/audio/<model>/ (rerun to continue, --fresh to start over), train_log.csv, and an
exported checkpoint folder.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
import torch

from .. import checkpoint as ckpt
from ..data import spoken_digits
from ..paths import CHECKPOINTS_DIR, RUNS_DIR
from .common import Run, add_common_arguments, fill_defaults, train_classifier_epochs, training_block

MODELS = ("classifier",)
DIGIT_EVALUATOR_DIR = CHECKPOINTS_DIR / "evaluators" / "digit-classifier"
REFERENCE_FILE = "reference_features.safetensors"
DEFAULTS = {"classifier": dict(epochs=15, lr=2e-3, width=32, batch_size=64)}
COMMON_DEFAULTS = dict(log_every=20)
DRY_RUN = dict(epochs=1, max_steps=3, width=8, batch_size=4, log_every=1)
DATA_NOTE = "spoken digits synthesised with espeak-ng (train voices), 16 kHz, one second"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_common_arguments(p, "audio", MODELS, save_every=100)
    p.add_argument("--width", type=int, help="base channel count of the network")
    p.add_argument("--data-dir", help=f"corpus folder (default ${spoken_digits.ENV_VAR} or ~/.cache/aigc_demo/...)")


def resolve(args):
    fill_defaults(args, {**COMMON_DEFAULTS, **DEFAULTS[args.model], **(DRY_RUN if args.dry_run else {})})
    args.run_dir = Path(args.run_dir or RUNS_DIR / "audio" / args.model)
    default_out = DIGIT_EVALUATOR_DIR if args.model == "classifier" else CHECKPOINTS_DIR / "audio" / args.model
    args.out = Path(args.out or default_out)
    return args


@torch.no_grad()
def log_mels(audio: np.ndarray, batch: int = 256) -> torch.Tensor:
    from ..audio import LogMel

    to_mel = LogMel()
    return torch.cat([to_mel(torch.from_numpy(audio[i:i + batch])) for i in range(0, len(audio), batch)])


@torch.no_grad()
def griffin_lim_round_trip(mels: torch.Tensor, batch: int = 64) -> torch.Tensor:
    """What a real clip looks like after the Griffin-Lim vocoder: mel -> waveform -> mel."""
    from ..audio import GriffinLimVocoder, LogMel

    vocoder, to_mel = GriffinLimVocoder(), LogMel()
    return torch.cat([to_mel(vocoder(mels[i:i + batch])) for i in range(0, len(mels), batch)])


def cached(path: Path, make) -> torch.Tensor:
    """A tensor computed once per run directory (the Griffin-Lim copies take minutes)."""
    if path.is_file():
        return ckpt.load_weights(path)["x"]
    x = make()
    ckpt.save_weights(path, {"x": x})
    return x


def train_classifier(args) -> None:
    from ..models.digit_classifier import augment, build

    run = Run(args, ["loss", "train_accuracy", "valid_accuracy", "valid_accuracy_griffin_lim", "lr"])
    acc = run.accelerator
    audio, y, _ = spoken_digits.load("train", args.data_dir)
    valid_audio, y_valid, _ = spoken_digits.load("valid", args.data_dir)
    y, y_valid = torch.from_numpy(y), torch.from_numpy(y_valid)
    if args.dry_run:
        audio, y = audio[:64], y[:64]
    x = log_mels(audio)
    x_gl = cached(args.run_dir / "train_griffin_lim.safetensors", lambda: griffin_lim_round_trip(x))
    x_valid = log_mels(valid_audio)
    x_valid_gl = cached(args.run_dir / "valid_griffin_lim.safetensors", lambda: griffin_lim_round_trip(x_valid))

    model = build(args.width)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    total = args.epochs * (len(x) // args.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=max(total, 1))
    run.restore({"model": model}, {"opt": opt, "sched": sched})
    model, opt = acc.prepare(model, opt)
    gen = torch.Generator().manual_seed(args.seed)

    def accuracy(xs, ys) -> float:
        model.eval()
        with torch.no_grad():
            pred = torch.cat([model(xs[i:i + 512, None].to(run.device)).argmax(-1).cpu() for i in range(0, len(xs), 512)])
        model.train()
        return (pred == ys).float().mean().item()

    def make_batch(idx):
        # half the clips as the Griffin-Lim vocoder would render them, all augmented
        use_gl = torch.rand(len(idx), generator=gen) < 0.5
        xb = torch.where(use_gl[:, None, None], x_gl[idx], x[idx])
        return augment(xb, gen)[:, None], y[idx]

    train_classifier_epochs(run, model, opt, sched, len(x), make_batch, lambda: {
        "valid_accuracy": accuracy(x_valid, y_valid), "valid_accuracy_griffin_lim": accuracy(x_valid_gl, y_valid)})
    if acc.is_main_process:
        export_classifier(args, run, acc.unwrap_model(model).eval(), x)


@torch.no_grad()
def export_classifier(args, run, model, x_train: torch.Tensor) -> None:
    """Weights, config, log, and the reference features of real clips the audio metrics use:
    held-out voices (valid + test) and a same-size sample of training clips."""
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    model = model.cpu()
    test_audio, y_test, _ = spoken_digits.load("test", args.data_dir)
    valid_audio, y_valid, _ = spoken_digits.load("valid", args.data_dir)
    x_test, x_valid = log_mels(test_audio), log_mels(valid_audio)
    x_test_gl = griffin_lim_round_trip(x_test)
    y_test = torch.from_numpy(y_test)

    def predict(xs):
        return torch.cat([model(xs[i:i + 512, None]).argmax(-1) for i in range(0, len(xs), 512)])

    def features(xs):
        return torch.cat([model.features(xs[i:i + 512, None]) for i in range(0, len(xs), 512)])

    test_acc = (predict(x_test) == y_test).float().mean().item()
    test_acc_gl = (predict(x_test_gl) == y_test).float().mean().item()
    held_out = torch.cat([x_valid, x_test])
    g = torch.Generator().manual_seed(args.seed)
    train_sub = x_train[torch.randperm(len(x_train), generator=g)[: len(held_out)]]
    ckpt.save_weights(out / REFERENCE_FILE, {
        "held_out_features": features(held_out).half(),
        "train_features": features(train_sub).half(),
        "held_out_labels": torch.cat([torch.from_numpy(y_valid), y_test]),
    })
    ckpt.save_model_weights(out, model.state_dict())
    run.log.flush()
    shutil.copy(run.log.path, out / ckpt.TRAIN_LOG_FILE)
    ckpt.write_json(out / ckpt.CONFIG_FILE, {
        "modality": "evaluator", "family": "digit-classifier", "model": model.config_dict(), "data": DATA_NOTE,
        "training": training_block(args, run, f"python -m aigc_demo.train audio --model classifier --seed {args.seed}"),
    })
    ckpt.write_json(out / ckpt.METRICS_FILE, {
        "headline": {"name": "test accuracy (held-out voices)", "value": round(test_acc, 4)},
        "metrics": {"test_accuracy": test_acc, "test_accuracy_griffin_lim": test_acc_gl, "test_clips": len(y_test)},
        "command": f"python -m aigc_demo.train audio --model classifier --seed {args.seed}",
    })
    from ..cards import write_card

    write_card(out)
    print(f"exported {out}: test accuracy {test_acc:.4f} (through Griffin-Lim {test_acc_gl:.4f})")


TRAINERS = {"classifier": train_classifier}


def main(args: argparse.Namespace) -> None:
    args = resolve(args)
    print("config:", json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}, indent=1))
    TRAINERS[args.model](args)
