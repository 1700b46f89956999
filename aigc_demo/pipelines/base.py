"""What every pipeline shares: the checkpoint reader and the metadata contract. Inputs
(controls, seeds, input errors) are declared in aigc_demo/controls.py."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .. import __version__

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
