"""Plumbing every training script shares: the accelerator, the CSV log, resumable state and
export into the checkpoint format. Deliberately no Trainer class: each family writes its
own loop out (see image.py), these are only the helpers those loops call.
"""

from __future__ import annotations

import csv
import io
import platform
import time
from pathlib import Path

import torch

from .. import checkpoint as ckpt


def make_accelerator(amp: bool = True, cpu: bool = False):
    """CUDA with bf16 autocast when a GPU is present (bf16 needs no GradScaler), else CPU fp32.
    Under `accelerate launch` the same object sets up multi-GPU data parallelism."""
    from accelerate import Accelerator

    use_cuda = torch.cuda.is_available() and not cpu
    mixed = "bf16" if (use_cuda and amp and torch.cuda.is_bf16_supported()) else "no"
    return Accelerator(cpu=not use_cuda, mixed_precision=mixed)


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def hardware_string(accelerator) -> str:
    if accelerator.device.type == "cuda":
        name = torch.cuda.get_device_name(accelerator.device)
        n = accelerator.num_processes
        return f"{n}x {name}" + (f" ({accelerator.mixed_precision})" if accelerator.mixed_precision != "no" else "")
    return f"CPU: {cpu_name()} ({torch.get_num_threads()} threads)"


class CsvLog:
    """train_log.csv kept in memory and rewritten atomically on every flush, so a kill never
    leaves a torn file; on resume, rows after the resumed step are dropped."""

    def __init__(self, path: str | Path, fields: list[str], resume_step: int | None = None):
        self.path = Path(path)
        self.fields = ["step", "epoch", "wall_seconds", *fields]
        self.rows: list[dict] = []
        if resume_step is not None and self.path.is_file():
            with open(self.path, newline="") as f:
                self.rows = [r for r in csv.DictReader(f) if int(r["step"]) <= resume_step]

    def log(self, **row) -> None:
        unknown = set(row) - set(self.fields)
        if unknown:
            raise KeyError(f"unknown log columns {sorted(unknown)}")
        self.rows.append(row)

    def flush(self) -> None:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=self.fields, lineterminator="\n")
        writer.writeheader()
        for r in self.rows:
            writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})
        ckpt.atomic_write_text(self.path, buf.getvalue())


class Clock:
    """Wall seconds of training, carried across resumes."""

    def __init__(self, already: float = 0.0):
        self.already = already
        self.start = time.perf_counter()

    def __call__(self) -> float:
        return self.already + time.perf_counter() - self.start


def save_state(path: str | Path, **state) -> None:
    """Resumable training state (model and optimizer state dicts, counters, RNG state).
    torch.save writes a pickle, but only of tensors and plain containers, and it is read
    back with weights_only=True; it lives in runs/, never in checkpoints/."""
    path = Path(path)
    buf = io.BytesIO()
    torch.save(state, buf)
    ckpt.atomic_write_bytes(path, buf.getvalue())


def load_state(path: str | Path) -> dict | None:
    path = Path(path)
    if not path.is_file():
        return None
    return torch.load(path, map_location="cpu", weights_only=True)


def cli_args(args) -> list[str]:
    """The options that define a run of the image and audio scripts, for its recorded command."""
    # batch size and learning rate too: the command alone reproduces the run, defaults or not
    out = [f"--model {args.model}", f"--epochs {args.epochs}", f"--batch-size {args.batch_size}", f"--lr {args.lr:g}",
           f"--width {args.width}", f"--seed {args.seed}"]
    if getattr(args, "limit", None):
        out.append(f"--limit {args.limit}")
    if args.max_steps:
        out.append(f"--max-steps {args.max_steps}")
    if getattr(args, "init", None):
        out.append(f"--init {args.init}")
    for name in MODEL_OPTIONS.get(args.model, ()):  # the model's own options, defaults or not
        out.append(f"--{name.replace('_', '-')} {getattr(args, name):g}")
    return out


# Options of one model that change what it learns: each run's recorded command carries them.
MODEL_OPTIONS = {"vae": ("beta", "latent_dim", "prior_components"),
                 "cyclegan": ("n_residual", "cycle_weight", "identity_weight", "skip", "cycle_noise"),
                 "specgan": ("mel_bands",), "mel_diffusion": ("mel_bands",),
                 "wavenet": ("window_frames", "mel_bands"), "istft_wavenet": ("adversarial_weight", "mel_bands")}


def training_block(args, run, command: str) -> dict:
    """The "training" block of config.json: what the model card and overview show."""
    return {
        "hardware": hardware_string(run.accelerator),
        "seconds": round(run.clock(), 1),
        "steps": run.step,
        "epochs": run.epoch,
        "seed": args.seed,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "command": command,
        **({"note": args.note} if getattr(args, "note", None) else {}),
    }


class Run:
    """The bookkeeping of one training run: accelerator, log, clock, resumable state."""

    def __init__(self, args, log_fields: list[str]):
        self.args = args
        self.accelerator = make_accelerator(amp=not args.no_amp, cpu=args.cpu)
        self.device = self.accelerator.device
        if args.fresh and self.accelerator.is_main_process and args.run_dir.is_dir():
            # everything a run keeps is derived from its own earlier steps (state, log,
            # samples, best weights, cached features): starting over drops it all
            import shutil

            shutil.rmtree(args.run_dir)
        self.accelerator.wait_for_everyone()
        args.run_dir.mkdir(parents=True, exist_ok=True)
        (args.run_dir / "samples").mkdir(exist_ok=True)
        self.state_path = args.run_dir / "state.pt"
        self.state = None if args.fresh else load_state(self.state_path)
        self.step = self.state["step"] if self.state else 0
        self.epoch = self.state["epoch"] if self.state else 0
        self.batch_in_epoch = self.state["batch_in_epoch"] if self.state else 0
        self.log = CsvLog(args.run_dir / ckpt.TRAIN_LOG_FILE, log_fields, resume_step=self.step if self.state else None)
        self.clock = Clock(self.state["wall_seconds"] if self.state else 0.0)
        self.extra = dict(self.state.get("extra", {})) if self.state else {}
        self.pinned = dict(self.state.get("pinned", {})) if self.state else {}
        torch.manual_seed(args.seed)
        if self.state:
            torch.set_rng_state(self.state["rng"])
            self.accelerator.print(f"resuming from step {self.step} (epoch {self.epoch}, batch {self.batch_in_epoch})")

    def pin(self, **settings) -> None:
        """Settings a run cannot change once started (the shape of its model, its losses, where
        it started): kept in its state, and a resume that asks for others is refused, naming
        them, before any work, rather than failing later on a weight's shape or quietly
        training something else. A state saved before a setting was pinned takes this run's."""
        changed = {k: (self.pinned[k], v) for k, v in settings.items() if k in self.pinned and self.pinned[k] != v}
        if changed:
            told = "; ".join(f"{k} {old!r} (this command: {new!r})" for k, (old, new) in changed.items())
            raise SystemExit(f"{self.args.run_dir} holds a run started with {told}: resume it with its own "
                             "settings, or give a new --run-dir (or --fresh to start it over)")
        self.pinned.update(settings)

    def restore(self, modules: dict, optimizers: dict) -> None:
        if not self.state:
            return
        for k, m in modules.items():
            self.accelerator.unwrap_model(m).load_state_dict(self.state["modules"][k])
        for k, o in optimizers.items():
            o.load_state_dict(self.state["optimizers"][k])
        # again: building the modules drew from the generator (their initial weights), and the
        # resumed steps must draw (dropout, noise) what they would have drawn in one run
        torch.set_rng_state(self.state["rng"])

    def save(self, modules: dict, optimizers: dict, extra: dict | None = None) -> None:
        """extra: plain numbers a loop keeps across resumes (read back as run.extra)."""
        if extra is not None:
            self.extra = extra
        if not self.accelerator.is_main_process:
            return
        self.log.flush()
        save_state(
            self.state_path,
            modules={k: self.accelerator.unwrap_model(m).state_dict() for k, m in modules.items()},
            optimizers={k: o.state_dict() for k, o in optimizers.items()},
            step=self.step, epoch=self.epoch, batch_in_epoch=self.batch_in_epoch,
            wall_seconds=self.clock(), rng=torch.get_rng_state(), extra=self.extra, pinned=self.pinned,
        )

    def batches(self, n_items: int):
        """Index batches for the current epoch: a permutation fixed by (seed, epoch), so a
        resumed run skips exactly the batches it had done. Each process takes its shard."""
        bs = self.args.batch_size
        order = torch.randperm(n_items, generator=torch.Generator().manual_seed(self.args.seed * 1000 + self.epoch))
        n_batches = n_items // bs  # drop the ragged last batch (BatchNorm dislikes tiny ones)
        acc = self.accelerator
        for b in range(self.batch_in_epoch, n_batches):
            idx = order[b * bs:(b + 1) * bs]
            yield b, idx[acc.process_index::acc.num_processes]

    def finished(self) -> bool:
        a = self.args
        return self.epoch >= a.epochs or (a.max_steps is not None and self.step >= a.max_steps)


def copy_log_and_samples(run: "Run", out: Path) -> None:
    """Into the exported folder: train_log.csv as it stands, and the samples drawn during
    training (replacing those of an earlier export)."""
    import shutil

    run.log.flush()
    shutil.copy(run.log.path, Path(out) / ckpt.TRAIN_LOG_FILE)
    samples = Path(out) / "samples"
    if samples.exists():
        shutil.rmtree(samples)
    shutil.copytree(run.args.run_dir / "samples", samples)


def add_common_arguments(p, modality: str, models, *, save_every: int) -> None:
    """The options every training script has (each adds its own beside them)."""
    p.add_argument("--model", required=True, choices=models)
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-steps", type=int, help="stop after this many optimisation steps")
    p.add_argument("--log-every", type=int, help="steps between log rows")
    p.add_argument("--save-every", type=int, default=save_every, help="steps between resumable-state saves")
    p.add_argument("--run-dir", help=f"resumable state and logs (default runs/{modality}/<model>)")
    p.add_argument("--out", help=f"checkpoint folder to export (default checkpoints/{modality}/<model>)")
    p.add_argument("--note", help="a line for the model card (e.g. how a run was extended)")
    p.add_argument("--fresh", action="store_true", help="ignore saved state and start over")
    p.add_argument("--dry-run", action="store_true", help="a tiny model for a few steps: checks the script end to end")
    p.add_argument("--cpu", action="store_true", help="train on the CPU even when a GPU is present")
    p.add_argument("--no-amp", action="store_true", help="no mixed precision on the GPU")


def fill_defaults(args, defaults: dict) -> None:
    """Set every option the command line left out (None) to its default."""
    for k, v in defaults.items():
        if getattr(args, k, None) is None:
            setattr(args, k, v)


def train_classifier_epochs(run: Run, model, opt, sched, n_items: int, make_batch, epoch_figures) -> None:
    """The loop of the two metric classifiers (Fashion-MNIST, spoken digits): cross-entropy
    on make_batch(indices) -> (inputs, labels), a OneCycle schedule stepped per batch, and
    after every epoch the figures of epoch_figures() -> {column: value} logged and printed."""
    import torch.nn.functional as F
    from tqdm.auto import tqdm

    args, acc = run.args, run.accelerator
    per_epoch = n_items // args.batch_size
    while not run.finished():
        model.train()
        bar = tqdm(run.batches(n_items), total=per_epoch, initial=run.batch_in_epoch,
                   desc=f"epoch {run.epoch + 1}/{args.epochs}", disable=not acc.is_main_process)
        for b, idx in bar:
            xb, yb = make_batch(idx)
            xb, yb = xb.to(run.device), yb.to(run.device)
            with acc.autocast():
                logits = model(xb)
                loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            acc.backward(loss)
            opt.step()
            sched.step()
            run.step += 1
            run.batch_in_epoch = b + 1
            if run.step % args.log_every == 0:
                run.log.log(step=run.step, epoch=run.epoch, wall_seconds=run.clock(), loss=loss.item(),
                            train_accuracy=(logits.argmax(-1) == yb).float().mean().item(), lr=sched.get_last_lr()[0])
                bar.set_postfix(loss=f"{loss.item():.3f}")
            if run.step % args.save_every == 0:
                run.save({"model": model}, {"opt": opt, "sched": sched})
            if run.finished():
                break
        if run.batch_in_epoch >= per_epoch:
            run.epoch, run.batch_in_epoch = run.epoch + 1, 0
        figures = epoch_figures()
        run.log.log(step=run.step, epoch=run.epoch, wall_seconds=run.clock(), **figures)
        acc.print(f"epoch {run.epoch}: " + ", ".join(f"{k} {v:.4f}" for k, v in figures.items()))
        run.save({"model": model}, {"opt": opt, "sched": sched})


def train_gan_epochs(run: Run, gan, G, D, opt_g, opt_d, n_items: int, get_batch, end_epoch, ema=None) -> None:
    """The seeds' GAN loop, shared by the image DCGAN and the audio SpecGAN: per batch, one
    discriminator step (real pairs up, generated pairs down), then one generator step with
    the non-saturating loss -log D(G(z), y). get_batch(indices) -> (real, labels);
    end_epoch() closes each epoch (sample grid, figures). G and D may be wrapped by
    `accelerator.prepare`; `gan` is the plain module whose state is saved. ema: an
    `AveragedModel` of the generator, updated after every generator step (saved with the
    run) -- the running average samples better than the weights of any single step."""
    from tqdm.auto import tqdm

    from ..models.dcgan import d_loss as gan_d_loss
    from ..models.dcgan import g_loss as gan_g_loss

    args, acc = run.args, run.accelerator
    latent_dim = gan.config.latent_dim
    modules = {"gan": gan} if ema is None else {"gan": gan, "ema": ema}
    while not run.finished():
        bar = tqdm(run.batches(n_items), total=n_items // args.batch_size, initial=run.batch_in_epoch,
                   desc=f"epoch {run.epoch + 1}/{args.epochs}", disable=not acc.is_main_process)
        for b, idx in bar:
            real, labels = get_batch(idx)
            real, labels = real.to(run.device), labels.to(run.device)
            z = torch.randn(len(idx), latent_dim, device=run.device)
            # (1) Update D: real pairs up, generated pairs down.
            with acc.autocast():
                fake = G(z, labels)
                real_logits = D(real, labels)
                fake_logits = D(fake.detach(), labels)
                d_loss = gan_d_loss(real_logits, fake_logits)
            opt_d.zero_grad(set_to_none=True)
            acc.backward(d_loss)
            opt_d.step()
            # (2) Update G: the non-saturating loss, -log D(G(z)).
            with acc.autocast():
                g_loss = gan_g_loss(D(fake, labels))
            opt_g.zero_grad(set_to_none=True)
            acc.backward(g_loss)
            opt_g.step()
            if ema is not None:
                ema.update_parameters(gan.generator)
            run.step += 1
            run.batch_in_epoch = b + 1
            if run.step % args.log_every == 0:
                run.log.log(step=run.step, epoch=run.epoch, wall_seconds=run.clock(), d_loss=d_loss.item(), g_loss=g_loss.item(),
                            d_real=real_logits.sigmoid().mean().item(), d_fake=fake_logits.sigmoid().mean().item())
                bar.set_postfix(d=f"{d_loss.item():.3f}", g=f"{g_loss.item():.3f}")
            if run.step % args.save_every == 0:
                run.save(modules, {"g": opt_g, "d": opt_d})
            if run.finished():
                break
        end_epoch()
        run.save(modules, {"g": opt_g, "d": opt_d})


def end_epoch(run: Run, per_epoch: int, draw_grid, score=None) -> None:
    """Close an epoch of a generative model: count it, draw its sample grid with
    draw_grid(path), and log the figures of score() -> {column: value} (if given)."""
    args = run.args
    epoch_done = run.batch_in_epoch >= per_epoch
    if epoch_done:
        run.epoch, run.batch_in_epoch = run.epoch + 1, 0
    if run.accelerator.is_main_process:
        # a run cut short by --max-steps names its last, partial epoch by the batches it saw
        name = f"epoch_{run.epoch:03d}.png" if epoch_done else f"epoch_{run.epoch:03d}_batch_{run.batch_in_epoch}.png"
        draw_grid(args.run_dir / "samples" / name)
        if score is not None:
            figures = score()
            run.log.log(step=run.step, epoch=run.epoch, wall_seconds=run.clock(), **figures)
            run.accelerator.print(f"epoch {run.epoch}: " + ", ".join(f"{k} {v:.3f}" for k, v in figures.items()))
    run.accelerator.wait_for_everyone()  # the other processes wait while the main one measures


def measure_or_card(out: Path, n: int, **evaluate_kwargs) -> None:
    """The end of every export: measure the fresh folder on n samples and write its record
    (replacing the old weights' one, whatever it was measured on), or with n = 0 only its card."""
    if n:
        from ..evaluate import evaluate_folder

        evaluate_folder(out, n=n, seed=0, write=True, force=True, **evaluate_kwargs)
    else:
        from ..cards import write_card

        write_card(out)
