"""Model families: what the app knows of each before anything heavy is imported.

A family is the `family` a checkpoint's config.json names (dcgan, gpt, specgan, ...). Its
declaration, a `Family`, says which modality it belongs to, which pipeline class loads it
(imported on first use only), what it is for, and its own controls (see controls.py). The
UI, the API and validation all read these declarations; nothing here imports torch.

Each module of this package declares `FAMILIES = (Family(...), ...)`; `all_families()`
finds them all, so a new family is a new module here beside its pipeline class, and no
edit to the registry or the UI. `register()` adds one from elsewhere (tests do).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from dataclasses import dataclass, field, replace

from ..controls import Control

# A generator makes outputs from a request; a vocoder turns a generator's spectrograms into
# sound; a translator turns one input into another (CycleGAN, the poet, the chorale model's
# harmonising), so it is not listed among the modality's generators; a describer puts a
# modality's input into words (the image captioner), listed apart too.
GENERATOR, VOCODER, TRANSLATOR, DESCRIBER = "generator", "vocoder", "translator", "describer"


@dataclass(frozen=True)
class RankingMetric:
    """The automatic metric a modality's models are ranked by, beside the human ranking of
    the arena: its key in a record's `generated` figures, its name, and which way is better."""

    key: str
    name: str
    higher_is_better: bool


@dataclass(frozen=True)
class Family:
    name: str  # as config.json's "family" says
    modality: str  # "image", "text" or "audio": the tab it appears in
    pipeline: str  # "module:Class", with `from_checkpoint(folder, *, device)`; imported on first use
    controls: tuple[Control, ...] = ()  # the family's own sampling controls, beside its modality's inputs
    role: str = GENERATOR  # VOCODER: turns spectrograms into sound for the generators; not listed as one
    abilities: frozenset[str] = field(default_factory=frozenset)  # e.g. "interpolate", "reconstruct"
    summary: str = ""  # one line for the tab, saying what the family is


_registered: dict[str, Family] = {}


def register(family: Family) -> None:
    """Add a family declared outside this package (a plug-in, a test's toy family)."""
    _registered[family.name] = family


def unregister(name: str) -> None:
    _registered.pop(name, None)


@functools.cache
def _declared() -> dict[str, Family]:
    found: dict[str, Family] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for family in getattr(module, "FAMILIES", ()):
            found[family.name] = family
    return found


def all_families() -> dict[str, Family]:
    """Every declared family by name, in the order of their modules (then registered ones)."""
    return {**_declared(), **_registered}


def of_modality(modality: str, role: str | None = None) -> list[Family]:
    return [f for f in all_families().values() if f.modality == modality and (role is None or f.role == role)]


def union_of_controls(families: list[Family]) -> list[Control]:
    """The controls of several families, each name once, in the families' order. A name the
    families give different defaults (guidance: 2 for the diffusion model, the text-to-image
    model's own) has none in the union: a request that leaves it out gets the picked model's
    default (Control.check), never another family's."""
    seen: dict[str, Control] = {}
    for family in families:
        for c in family.controls:
            first = seen.setdefault(c.name, c)
            if first.default is not None and c.default != first.default:
                seen[c.name] = replace(first, default=None)
    return list(seen.values())
