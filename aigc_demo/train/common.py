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
