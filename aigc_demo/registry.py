"""The model registry: the one source of truth for which models exist.

Models are discovered from checkpoints/<modality>/<name>/ (see checkpoint.py for the
format). Discovery only reads small files (config, metrics, safetensors headers), so the
app starts fast; a model's weights are loaded on first use, once per process, by
`ModelCache`. A folder that is broken disables that one model, with the reason kept in
`ModelEntry.error` for its tab to show.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import checkpoint as ckpt
from .families import DESCRIBER, TRANSLATOR, VOCODER, Family, all_families
from .paths import CHECKPOINTS_DIR

# The families themselves are declared in aigc_demo/families/ (torch-free): which pipeline
# class loads each, imported on first use only, so start-up does not pay for torch or
# transformers. Each class offers `from_checkpoint(folder, *, device) -> pipeline`.


@dataclass(frozen=True)
class ModelEntry:
    """What the registry knows about one checkpoint folder, before loading it."""

    name: str
    modality: str
    path: Path
    family: str = "?"
    config: dict = field(default_factory=dict, hash=False, compare=False)
    metrics: dict = field(default_factory=dict, hash=False, compare=False)
    n_params: int = 0
    error: str | None = None  # set when the folder cannot be used; the model is disabled

    @property
    def available(self) -> bool:
        return self.error is None

    @property
    def spec(self) -> Family | None:
        """The family's declaration (controls, role, abilities), None for an unknown family."""
        return all_families().get(self.family)

    @property
    def is_vocoder(self) -> bool:
        return self.spec is not None and self.spec.role == VOCODER

    @property
    def is_translator(self) -> bool:
        return self.spec is not None and self.spec.role == TRANSLATOR

    @property
    def is_describer(self) -> bool:
        return self.spec is not None and self.spec.role == DESCRIBER

    @property
    def training(self) -> dict:
        return self.config.get("training", {})

    def headline(self) -> str:
        """One line for the overview: the headline metric with its real-data reference."""
        h = self.metrics.get("headline")
        if not h:
            return "not measured yet"
        text = f"{h['name']} {_fmt(h['value'])}"
        if h.get("reference") is not None:
            text += f" (real data {_fmt(h['reference'])})"
        return text

    def overview_row(self) -> dict[str, Any]:
        t = self.training
        secs = t.get("seconds")
        return {
            "model": self.name,
            "modality": self.modality,
            "family": self.family,
            "parameters": f"{self.n_params / 1e6:.2f} M" if self.n_params else "",
            "training data": self.config.get("data", ""),
            "training time": _fmt_duration(secs) if secs is not None else "",
            "hardware": t.get("hardware", ""),
            "headline metric": self.headline(),
            "status": "ready" if self.available else f"disabled: {self.error}",
        }


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _fmt_duration(seconds: float) -> str:
    seconds = float(seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def read_entry(folder: Path, modality: str) -> ModelEntry:
    """Read one checkpoint folder; never raises: problems become `entry.error`."""
    name = folder.name
    cfg_path = folder / ckpt.CONFIG_FILE
    if not cfg_path.is_file():
        return ModelEntry(name, modality, folder, error="config.json is missing")
    try:
        config = ckpt.read_json(cfg_path)
        if not isinstance(config, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as e:
        return ModelEntry(name, modality, folder, error=f"config.json is unreadable ({e})")
    family = str(config.get("family", "?"))
    metrics: dict = {}
    metrics_path = folder / ckpt.METRICS_FILE
    if metrics_path.is_file():
        try:
            metrics = ckpt.read_json(metrics_path)
        except (OSError, ValueError):
            metrics = {}  # metrics are informative; a bad file does not disable the model
    entry = dict(name=name, modality=modality, path=folder, family=family, config=config, metrics=metrics)
    if config.get("modality") != modality:
        return ModelEntry(**entry, error=f"config.json says modality {config.get('modality')!r}, folder says {modality!r}")
    if family not in all_families():
        return ModelEntry(**entry, error=f"unknown model family {family!r}")
    if not ckpt.weight_files(folder):
        return ModelEntry(**entry, error="no model*.safetensors weights in the folder")
    try:
        n_params = ckpt.count_parameters(folder)
    except ckpt.CheckpointError as e:
        return ModelEntry(**entry, error=str(e))
    return ModelEntry(**entry, n_params=n_params)


def discover(root: str | Path | None = None) -> list[ModelEntry]:
    """Every model folder under root, sorted by modality then name."""
    root = Path(root) if root is not None else CHECKPOINTS_DIR
    entries = []
    for modality in ckpt.MODALITIES:
        mdir = root / modality
        if not mdir.is_dir():
            continue
        for folder in sorted(p for p in mdir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            entries.append(read_entry(folder, modality))
    return entries


class ModelUnavailable(Exception):
    """The asked-for model does not exist or cannot be loaded; the message says why."""


class ModelCache:
    """Loads each model once per process, on first use, safely under concurrent requests.

    Gradio runs handlers in a thread pool, so two first requests can race. A lock per model
    with a double check means exactly one thread loads while the others wait, and models
    that are already loaded are returned without taking any lock.
    """

    def __init__(self, entries: list[ModelEntry], *, device: str = "cpu"):
        self.entries = {(e.modality, e.name): e for e in entries}
        self.device = device
        self._loaded: dict[tuple[str, str], Any] = {}
        self._failed: dict[tuple[str, str], str] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self.load_count = 0  # how many loads actually ran (tests check this)

    def names(self, modality: str, *, usable_only: bool = False) -> list[str]:
        names = [name for (m, name) in self.entries if m == modality]
        if usable_only:
            names = [n for n in names if self.status(modality, n) is None]
        return names

    def entry(self, modality: str, name: str) -> ModelEntry:
        try:
            return self.entries[(modality, name)]
        except KeyError:
            known = ", ".join(self.names(modality)) or f"none: no {modality} model is trained yet"
            raise ModelUnavailable(f"Unknown {modality} model {name!r}. Available: {known}.") from None

    def status(self, modality: str, name: str) -> str | None:
        """None when the model can be used, else why not."""
        e = self.entry(modality, name)
        return e.error or self._failed.get((modality, name))

    def get(self, modality: str, name: str) -> Any:
        key = (modality, name)
        model = self._loaded.get(key)
        if model is not None:
            return model
        entry = self.entry(modality, name)
        if entry.error:
            raise ModelUnavailable(f"Model {name!r} is disabled: {entry.error}")
        with self._locks_guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            model = self._loaded.get(key)  # another thread may have loaded it meanwhile
            if model is not None:
                return model
            if key in self._failed:
                raise ModelUnavailable(f"Model {name!r} is disabled: {self._failed[key]}")
            try:
                model = load_pipeline(entry, device=self.device)
            except Exception as e:  # a corrupt checkpoint disables this model only
                self._failed[key] = f"loading failed ({type(e).__name__}: {e})"
                raise ModelUnavailable(f"Model {name!r} is disabled: {self._failed[key]}") from e
            self.load_count += 1
            self._loaded[key] = model
            return model


def load_pipeline(entry: ModelEntry, *, device: str = "cpu") -> Any:
    module_name, cls_name = all_families()[entry.family].pipeline.split(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    return cls.from_checkpoint(entry.path, device=device)
