"""What every pipeline shares: input errors, seeds and the metadata contract."""

from __future__ import annotations

import math
import numbers
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .. import __version__

MAX_SEED = 2**31 - 1  # fits a JavaScript number and a torch.Generator seed


class InputError(ValueError):
    """Bad input from a user or API caller; the message says what to do instead."""


def resolve_seed(seed) -> int:
    """The seed a request will use: a given non-negative integer, or a fresh random one for
    None/-1 (so every output can be reproduced from the seed shown beside it)."""
    if seed is None or (isinstance(seed, numbers.Number) and not isinstance(seed, bool) and seed == -1):
        return secrets.randbelow(MAX_SEED + 1)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Number):
        raise InputError(f"seed must be a whole number between 0 and {MAX_SEED} (or -1 for a random one), not {seed!r}.")
    if isinstance(seed, float) and (not math.isfinite(seed) or not seed.is_integer()):
        raise InputError(f"seed must be a whole number between 0 and {MAX_SEED}, not {seed!r}.")
    seed = int(seed)
    if not 0 <= seed <= MAX_SEED:
        raise InputError(f"seed must be between 0 and {MAX_SEED} (or -1 for a random one), not {seed}.")
    return seed


def check_number(name: str, value, lo: float, hi: float, *, integer: bool = False):
    """A finite number in [lo, hi] (an integer if asked), or an InputError naming the range."""
    kind = "a whole number" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, numbers.Number) or not math.isfinite(value):
        raise InputError(f"{name} must be {kind} between {lo} and {hi}, not {value!r}.")
    if integer:
        if isinstance(value, float) and not value.is_integer():
            raise InputError(f"{name} must be {kind} between {lo} and {hi}, not {value!r}.")
        value = int(value)
    if not lo <= value <= hi:
        raise InputError(f"{name} must be between {lo} and {hi}, not {value}.")
    return value


@dataclass
class Meta:
    """Everything needed to reproduce or cite one output."""

    model: str
    family: str
    checkpoint_sha256: str
    seed: int
    params: dict
    device: str
    seconds: float = 0.0
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    studio_version: str = __version__

    def to_dict(self) -> dict:
        return {
            "model": self.model, "family": self.family, "checkpoint_sha256": self.checkpoint_sha256,
            "seed": self.seed, "params": self.params, "device": self.device,
            "seconds": round(self.seconds, 4), "created": self.created, "request_id": self.request_id,
            "studio_version": self.studio_version,
        }


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def read_checkpoint(folder, family: str):
    """(folder, config.json, weights, the weights' SHA-256) of a checkpoint folder, which must
    hold a model of `family`."""
    from pathlib import Path

    from .. import checkpoint as ckpt

    folder = Path(folder)
    config = ckpt.read_json(folder / ckpt.CONFIG_FILE)
    if config.get("family") != family:
        raise ckpt.CheckpointError(f"{folder} holds a {config.get('family')!r} model, not {family!r}")
    return folder, config, ckpt.load_model_weights(folder), ckpt.weights_sha256(folder)


def check_controls(name: str, controls: dict, params: dict) -> dict:
    """A pipeline's sampling controls: each given value checked against its (default, lo,
    hi) in `controls` (integers when both bounds are), the others at their defaults."""
    out = {}
    for key, value in params.items():
        if key not in controls:
            raise InputError(f"{name} has no parameter {key!r}; it takes: {', '.join(controls) or 'none'}.")
        default, lo, hi = controls[key]
        out[key] = default if value is None else check_number(key, value, lo, hi,
                                                             integer=isinstance(lo, int) and isinstance(hi, int))
    for key, (default, _, _) in controls.items():
        out.setdefault(key, default)
    return out
