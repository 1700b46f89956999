"""What the training of the Fashion-MNIST generators shares (train/image.py's models and
train/text_to_image.py): the per-epoch sample grid and scores, the diffusion models' loop,
and the export of a generator's checkpoint folder, measured through the evaluate command's
code."""

from __future__ import annotations

from pathlib import Path

import torch
from tqdm.auto import tqdm

from .. import checkpoint as ckpt
from ..images import grid
from ..metrics.image import FMNISTEvaluator, generate_and_score
from .common import Run, cli_args, copy_log_and_samples, measure_or_card
from .common import end_epoch as close_epoch
from .common import training_block as common_training_block

DATA_NOTE = "Fashion-MNIST train split (60k images, MIT licence)"


def epoch_grid(sample_fn, path: Path) -> None:
    """A 10x10 grid, one row per class, the same noise every epoch (seed 0)."""
    labels = torch.arange(10).repeat_interleave(10)
    images = sample_fn(labels, torch.Generator().manual_seed(0)).float().cpu()
    grid(images, nrow=10).save(path)


def training_block(args, run) -> dict:
    return common_training_block(args, run, "python -m aigc_demo.train image " + " ".join(cli_args(args)))


def load_evaluator(args) -> FMNISTEvaluator | None:
    if args.eval_n == 0 and args.final_eval_n == 0:
        return None
    return FMNISTEvaluator.load(args.evaluator)


def end_epoch(run: Run, sample_fn, evaluator: FMNISTEvaluator | None, *, per_epoch: int | None = None) -> None:
    """Close an epoch: count it, draw its sample grid, score eval_n samples into the log
    (per_epoch: where a model trains on other than --limit or all 60,000 pictures)."""
    args = run.args

    def score() -> dict:
        s = generate_and_score(sample_fn, evaluator, args.eval_n, seed=0)["generated"]
        return {"fid_fmnist": s["fid_fmnist"], "class_accuracy": s["class_accuracy"]}

    close_epoch(run, per_epoch or batches_per_epoch(args), lambda path: epoch_grid(sample_fn, path),
                score if evaluator is not None and args.eval_n else None)


def batches_per_epoch(args) -> int:
    n = args.limit or 60000
    return n // args.batch_size


def export_generative(args, run: Run, *, config_dict: dict, family: str, weights: dict,
                      extra_training: dict | None = None, extra_config: dict | None = None) -> None:
    """Write the checkpoint folder, then measure it through the same code as the evaluate
    command (which also proves the exported folder loads). extra_training: figures of the
    run itself for config.json's training block (and so the card); extra_config: more keys
    of config.json (another data note, what a pipeline reads beside the weights)."""
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    ckpt.save_model_weights(out, weights)
    ckpt.write_json(out / ckpt.CONFIG_FILE, {
        "modality": "image", "family": family, "model": config_dict, "data": DATA_NOTE, **(extra_config or {}),
        "training": {**training_block(args, run), **(extra_training or {})},
    })
    copy_log_and_samples(run, out)
    # the preview comes from the exported folder through the app's own pipeline, defaults and all
    from ..registry import load_pipeline, read_entry

    epoch_grid(load_pipeline(read_entry(out, "image")).sample, out / ckpt.PREVIEW_PICTURE_FILE)
    measure_or_card(out, args.final_eval_n, evaluator_dir=args.evaluator, corpus_dir=args.data_dir)
    print(f"exported {out}")


def prepare_diffusion(run: Run, config, total_steps: int):
    """A class-conditional diffusion model's training set-up (the Fashion-MNIST one and the
    log-mels'): the model, the EMA of its weights (what gets scored and shipped: it samples
    far better than the raw weights after few steps), AdamW on a one-cycle schedule over
    total_steps, restored from the run's state, and the per-epoch sampler (a short, fixed one:
    10 DDIM steps by default, guidance 2; the records use the pipeline's defaults).
    Returns (model, ema, net, opt, sched, sample_fn)."""
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

    from ..models.diffusion import ConditionalDiffusion

    model = ConditionalDiffusion(config)
    ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999))
    opt = torch.optim.AdamW(model.parameters(), lr=run.args.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=run.args.lr, total_steps=max(total_steps, 1), pct_start=0.05)
    run.restore({"model": model, "ema": ema}, {"opt": opt, "sched": sched})
    net, opt = run.accelerator.prepare(model, opt)
    ema.to(run.device)

    def sample_fn(labels, generator):
        return ema.module.sample(labels.to(run.device), generator, steps=run.args.eval_steps, guidance=2.0)

    return model, ema, net, opt, sched, sample_fn


def diffusion_epochs(run: Run, net, model, ema, opt, sched, *, n_items: int, per_epoch: int, make_batch, sample_fn,
                     evaluator, close=None) -> None:
    """The loop of the diffusion models (class-conditional, text-to-image, and the log-mels'):
    the loss net(*make_batch(indices)) (forward() is the loss, so DDP sees the call), clipped
    AdamW steps on a per-step schedule, the EMA of the weights updated after each, and at each
    epoch's end the figures of the EMA model's samples (drawn by sample_fn in eval mode: no
    dropout, and no draw from the global RNG that a resumed run would not replay).
    close(sample_fn): how an epoch is closed (default: the Fashion-MNIST grid and scores)."""
    args, acc = run.args, run.accelerator

    def eval_sample_fn(labels, generator):
        ema.module.eval()
        out = sample_fn(labels, generator)
        ema.module.train()
        return out

    while not run.finished():
        bar = tqdm(run.batches(n_items), total=per_epoch, initial=run.batch_in_epoch,
                   desc=f"epoch {run.epoch + 1}/{args.epochs}", disable=not acc.is_main_process)
        for b, idx in bar:
            batch = make_batch(idx)
            with acc.autocast():
                loss = net(*batch)
            opt.zero_grad(set_to_none=True)
            acc.backward(loss)
            acc.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            ema.update_parameters(acc.unwrap_model(net))
            run.step += 1
            run.batch_in_epoch = b + 1
            if run.step % args.log_every == 0:
                run.log.log(step=run.step, epoch=run.epoch, wall_seconds=run.clock(), loss=loss.item(), lr=sched.get_last_lr()[0])
                bar.set_postfix(loss=f"{loss.item():.4f}")
            if run.step % args.save_every == 0:
                run.save({"model": model, "ema": ema}, {"opt": opt, "sched": sched})
            if run.finished():
                break
        if close is None:
            end_epoch(run, eval_sample_fn, evaluator, per_epoch=per_epoch)
        else:
            close(eval_sample_fn)
        run.save({"model": model, "ema": ema}, {"opt": opt, "sched": sched})
