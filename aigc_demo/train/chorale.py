"""Train the chorale model (models/chorale.py) on Bach's chorales (data/chorales.py).

    python -m aigc_demo.train music --model bach_chorale [options]

Each step takes windows of `--crop` sixteenths (8 bars of 4/4 by default) from the training
chorales, a chorale with a chance in proportion to its length, each window moved by a random
number of semitones that keeps every voice inside the range it has in the corpus (Bach
wrote in few keys; the model should not care which). Cells are hidden by
models/chorale.py's `training_mask` and predicted from the rest. The validation loss is the
same objective on the whole validation chorales with masks fixed once, beside the
harmonisation loss (alto, tenor and bass predicted from the soprano alone).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch

from .. import checkpoint as ckpt
from ..data import chorales as data
from ..metrics.chorale import fixed_masks, model_nll
from ..models.chorale import ChoraleConfig, ChoraleNet, bar_positions, masked_loss, training_mask
from .common import Run, copy_log_and_samples, fill_defaults, measure_or_card, training_block
from .text import lr_at

DATA_NOTE = ("Bach's four-part chorales from music21's corpus, on a sixteenth-note grid (data/chorales.py); "
             "train split, every window transposed at random within the voices' ranges")
# why this architecture, for the model card (models/chorale.py says it at length)
DESIGN = ("Coconet-style (Huang et al. 2017): one orderless masked model over the four voices on a sixteenth-note grid "
          "(DeepBach's tokens: a pitch struck, HOLD, or REST), trained to predict hidden cells from the rest and sampled "
          "by annealed blocked Gibbs sampling. The same network composes (every cell hidden at the start) and "
          "harmonises (the soprano given and kept), which a left-to-right model could not: it would have to write "
          "the alto before it had seen the melody's next note. The network is a non-causal stack of dilated 1-D "
          "convolutions (dilations 1-32, twice: 126 steps, 8 bars of 4/4, either side), which knows how far each "
          "neighbour is and runs at any length; it sees each step's position in its bar.")
DEFAULTS = dict(epochs=300, lr=1e-3, batch_size=32, width=128, dropout=0.1, crop=128, weight_decay=0.01, warmup=100,
                eval_every=100, log_every=10, patience=8, final_eval_n=100)
DRY_RUN = dict(epochs=1, max_steps=4, batch_size=4, width=16, crop=32, eval_every=2, log_every=1, warmup=2,
               final_eval_n=4)


def add_arguments(p) -> None:
    p.add_argument("--width", type=int, help="bach_chorale: channels of the convolution stack")
    p.add_argument("--crop", type=int, help="bach_chorale: sixteenths per training window")
    p.add_argument("--chorale-dir", help=f"bach_chorale: folder of MusicXML chorales (default ${data.ENV_VAR} or "
                   "music21's corpus)")


class Windows:
    """Random training windows, seeded by the step (a resumed run draws the same ones)."""

    def __init__(self, chorales: list[data.Chorale], crop: int, ranges: list[tuple[int, int]], seed: int):
        self.chorales, self.crop, self.ranges, self.seed = chorales, crop, ranges, seed
        lengths = np.array([len(c.grid) for c in chorales], dtype=float)
        self.weights = lengths / lengths.sum()

    def shifts(self, grid: np.ndarray) -> list[int]:
        """Transpositions that keep each voice inside its corpus range."""
        out = []
        for s in range(-6, 7):
            ok = True
            for v, (lo, hi) in enumerate(self.ranges):
                pitches = grid[:, v][grid[:, v] >= data.FIRST_PITCH_TOKEN]
                if len(pitches) and not (data.pitch_token(lo) <= pitches.min() + s and pitches.max() + s <= data.pitch_token(hi)):
                    ok = False
                    break
            if ok:
                out.append(s)
        return out

    def batch(self, step: int, size: int):
        """(grid (B, crop, 4), real (B, crop, 4) bool: not padding, positions (B, crop))."""
        rng = np.random.default_rng([self.seed, step])
        grids, real, positions = [], [], []
        for i in rng.choice(len(self.chorales), size=size, p=self.weights):
            c = self.chorales[i]
            start = int(rng.integers(0, max(1, len(c.grid) - self.crop + 1)))
            window = data.strike_held(c.grid, start)[:self.crop]
            window = data.transpose(window, int(rng.choice(self.shifts(window))))
            pad = self.crop - len(window)
            grids.append(np.pad(window, ((0, pad), (0, 0)), constant_values=data.REST))
            real.append(np.arange(self.crop) < len(window))
            positions.append(bar_positions(self.crop, c.meter, (c.bar_offset + start) % c.steps_per_bar))
        real = torch.tensor(np.stack(real))[:, :, None].expand(-1, -1, 4)
        return torch.tensor(np.stack(grids)), real, torch.stack(positions)


def write_sample(net: ChoraleNet, path: Path, seed: int = 0) -> None:
    """A chorale of 4 bars of 4/4 composed at the app's default temperature and rounds (seed 0),
    as ABC: what the model writes at this point of training."""
    from ..families.music import CHORALE_CONTROLS
    from ..models.chorale import gibbs

    asked = {c.name: c.default for c in CHORALE_CONTROLS}
    gen = torch.Generator().manual_seed(seed)
    device = next(net.parameters()).device
    T = 64
    grid = gibbs(net.cpu(), torch.zeros(T, 4, dtype=torch.long), torch.zeros(T, 4, dtype=torch.bool),
                 bar_positions(T, "4/4", 0), sweeps=asked["sweeps"], temperature=asked["temperature"], generator=gen)
    net.to(device)
    ckpt.atomic_write_text(path, data.to_abc(grid.numpy(), meter="4/4", bar_offset=0, title=f"Sample, seed {seed}"))


def main(args) -> None:
    fill_defaults(args, {**DEFAULTS, **(DRY_RUN if args.dry_run else {})})
    print("config:", json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}, indent=1))
    chorales, dropped = data.read_chorales(args.chorale_dir, args.limit)
    train = [c for c in chorales if c.split == "train"]
    valid = [c for c in chorales if c.split == "valid"] or train[:2]
    ranges = data.voice_ranges(chorales)  # the corpus's: a held-out melody may reach a note the training ones do not
    run = Run(args, ["loss", "valid_loss", "valid_harmony_loss", "cells_per_s", "lr"])
    acc = run.accelerator
    torch.manual_seed(args.seed)
    config = ChoraleConfig(width=args.width, dropout=args.dropout, voice_ranges=tuple(ranges))
    if args.dry_run:
        config.dilations = (1, 2, 4)
    net = ChoraleNet(config)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    run.restore({"model": net}, {"opt": opt})
    net, opt = acc.prepare(net, opt)
    windows = Windows(train, args.crop, ranges, args.seed)
    per_epoch = max(1, sum(len(c.grid) for c in train) // (args.crop * args.batch_size))
    total_steps = min(args.max_steps or 10**12, args.epochs * per_epoch)
    masks = fixed_masks(valid, args.seed)
    best = run.extra.get("best_valid_loss", float("inf"))
    bad_evals = run.extra.get("bad_evals", 0)
    best_path = args.run_dir / "best.safetensors"
    gen = torch.Generator().manual_seed(args.seed * 7919 + run.step)
    acc.print(f"{len(train)} training chorales ({sum(len(c.grid) for c in train)} steps), {len(valid)} validation; "
              f"{per_epoch} batches an epoch, {total_steps} steps")
    stopped_early, t0, cells = run.extra.get("stopped_early", False), time.perf_counter(), 0
    while run.step < total_steps and not stopped_early:
        grid, real, positions = (t.to(run.device) for t in windows.batch(run.step, args.batch_size))
        hidden = training_mask(args.batch_size, args.crop, 4, gen).to(run.device) & real
        for g in opt.param_groups:
            g["lr"] = lr_at(run.step, args, total_steps)
        with acc.autocast():
            loss = masked_loss(net(grid, hidden, positions), grid, hidden)
        opt.zero_grad(set_to_none=True)
        acc.backward(loss)
        acc.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        run.step += 1
        run.epoch = run.step // per_epoch
        cells += int(hidden.sum())
        if run.step % args.log_every == 0:
            run.log.log(step=run.step, epoch=run.epoch, wall_seconds=run.clock(), loss=float(loss.detach()),
                        cells_per_s=cells / (time.perf_counter() - t0), lr=opt.param_groups[0]["lr"])
            cells, t0 = 0, time.perf_counter()
        if run.step % args.eval_every == 0 or run.step == total_steps:
            nll = model_nll(acc.unwrap_model(net), masks, run.device)
            valid_loss, harmony_loss = nll["orderless"], nll["harmony"]
            run.log.log(step=run.step, epoch=run.epoch, wall_seconds=run.clock(), valid_loss=valid_loss,
                        valid_harmony_loss=harmony_loss)
            if valid_loss < best - 1e-4:
                best, bad_evals = valid_loss, 0
                ckpt.save_weights(best_path, {k: v.contiguous() for k, v in acc.unwrap_model(net).state_dict().items()})
            else:
                bad_evals += 1
            stopped_early = bad_evals >= args.patience
            acc.print(f"step {run.step}: loss {float(loss.detach()):.4f}, valid {valid_loss:.4f} (harmony {harmony_loss:.4f}); "
                      f"best {best:.4f}, {bad_evals} without improvement")
            write_sample(acc.unwrap_model(net), args.run_dir / "samples" / f"step_{run.step:06d}.abc")
            run.save({"model": net}, {"opt": opt}, extra={"best_valid_loss": best, "bad_evals": bad_evals,
                                                          "stopped_early": stopped_early})
        elif run.step % args.save_every == 0:
            run.save({"model": net}, {"opt": opt}, extra={"best_valid_loss": best, "bad_evals": bad_evals,
                                                          "stopped_early": stopped_early})
    if acc.is_main_process:
        export(args, run, config, chorales, dropped, stopped_early)


def export(args, run: Run, config: ChoraleConfig, chorales: list[data.Chorale], dropped, stopped_early: bool) -> None:
    """The checkpoint folder: the best weights, config, log, samples, a preview, the held-out
    chorales the app harmonises and compares with, then the measurement and the card."""
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    state = ckpt.load_weights(args.run_dir / "best.safetensors")
    ckpt.save_model_weights(out, state)
    block = training_block(args, run, "python -m aigc_demo.train music " + " ".join(_cli_args(args)))
    block.update(crop=args.crop, stopped_early=stopped_early, best_valid_loss=run.extra.get("best_valid_loss"))
    ckpt.write_json(out / ckpt.CONFIG_FILE, {"modality": "music", "family": args.model, "model": config.to_dict(),
                                             "data": DATA_NOTE, "design": DESIGN, "training": block,
                                             "corpus": data.statistics(chorales, dropped)})
    ckpt.write_json(out / data.HELD_OUT_FILE, [data.as_json(c) for c in chorales if c.split == "test"])
    copy_log_and_samples(run, out)
    net = ChoraleNet(config)
    net.load_state_dict(state)
    write_sample(net, out / ckpt.PREVIEW_ABC_FILE)
    measure_or_card(out, args.final_eval_n, corpus_dir=args.chorale_dir)
    print(f"exported {out}")


def _cli_args(args) -> list[str]:
    out = [f"--model {args.model}", f"--epochs {args.epochs}", f"--seed {args.seed}"]
    for flag in ("limit", "max_steps", "width", "crop"):
        if getattr(args, flag, None) and (flag in ("limit", "max_steps") or getattr(args, flag) != DEFAULTS[flag]):
            out.append(f"--{flag.replace('_', '-')} {getattr(args, flag)}")
    return out

