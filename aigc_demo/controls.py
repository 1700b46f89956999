"""Inputs, declared once: what a request may carry, its default and range, its label and help.

A pipeline's controls are `Control`s. The same declaration checks a request
(`check_inputs`), names and defaults the API's parameters, and builds the UI's sliders and
radios, so a range cannot disagree between them. Nothing here imports torch: the first page
is built from these declarations before any model is loaded.
"""

from __future__ import annotations

import math
import numbers
import secrets
from dataclasses import dataclass, field
from typing import Any, Sequence

MAX_SEED = 2**31 - 1  # fits a JavaScript number and a torch.Generator seed


class InputError(ValueError):
    """Bad input from a user or API caller; the message says what to do instead."""


@dataclass(frozen=True)
class Control:
    """One input of a pipeline: a number in [lo, hi] (a whole number when both bounds are
    ints), or one of `choices`. `None` given for it means its default."""

    name: str
    default: Any
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    label: str = ""
    help: str = ""
    choices: tuple = field(default=())

    @property
    def integer(self) -> bool:
        return isinstance(self.lo, int) and isinstance(self.hi, int)

    def check(self, value):
        """The value a request uses: the default for None, else the value checked."""
        if value is None or (self.choices and value == ""):
            return self.default
        if self.choices:
            if value not in self.choices:
                raise InputError(f"{self.name} must be one of {', '.join(map(str, self.choices))}, not {value!r}.")
            return value
        return check_number(self.name, value, self.lo, self.hi, integer=self.integer)

    def describe(self) -> str:
        """One line for an API docstring: name, range or choices, default, help."""
        what = f"one of {', '.join(map(str, self.choices))}" if self.choices else f"{self.lo}–{self.hi}"
        default = "the model's own" if self.default is None else self.default
        return f"{self.name} ({what}, default {default}){': ' + self.help if self.help else ''}"


def check_inputs(owner: str, controls: Sequence[Control], params: dict) -> dict:
    """Every control of `owner` (a pipeline's name): given values checked, the others at
    their defaults. An unknown name is an error that lists the known ones."""
    known = {c.name: c for c in controls}
    for key in params:
        if key not in known:
            raise InputError(f"{owner} has no parameter {key!r}; it takes: {', '.join(known) or 'none'}.")
    return {name: c.check(params.get(name)) for name, c in known.items()}


def defaults(controls: Sequence[Control]) -> dict:
    return {c.name: c.default for c in controls}


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
