"""The chorale pipeline: a four-part chorale composed from nothing, or a given melody
harmonised, as ABC, MIDI and audio, with the notes for a piano roll.

    pipe = ChoralePipeline.from_checkpoint("checkpoints/music/bach_chorale")
    out = pipe(seed=1, meter="4/4", length=8)                  # composed
    out = pipe(seed=1, melody="X:1\\nM:4/4\\nL:1/4\\nK:G\\nG A B c | d2 B2 |]")   # harmonised
    out.abc, out.midi, out.audio, out.notes, out.meta          # as pipelines/music.py's

The model (models/chorale.py) fills in hidden cells of the four-voice grid; composing hides
them all, harmonising keeps the soprano as given. `melodies()` lists the soprano lines of
the held-out test chorales shipped with the checkpoint, `bach(name)` renders Bach's own
harmonisation of one: the yardstick beside the model's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import torch

from .. import music
from ..controls import InputError, check_inputs, resolve_seed
from ..data import chorales as data
from ..families.music import BACH_CHORALE
from ..models.chorale import ChoraleNet, bar_positions, config_from_dict, gibbs
from .base import Meta, Timer, read_checkpoint
from .music import MusicOutput

MAX_MELODY_BARS = 48  # the longest of Bach's chorales here
RANGE_SLACK = 2  # semitones a melody may go beyond the soprano range of the corpus
# a melody typed without headers is read as ABC's defaults would have it, in 4/4
BARE_HEADERS = "X:1\nM:4/4\nL:1/8\nK:C\n"


class ChoralePipeline:
    family, controls = BACH_CHORALE.name, BACH_CHORALE.controls

    def __init__(self, net: ChoraleNet, *, name: str, checkpoint_sha256: str, held_out: list[data.Chorale],
                 device: str = "cpu"):
        self.net = net.to(device).eval()
        self.name, self.checkpoint_sha256, self.device = name, checkpoint_sha256, device
        self.held_out = {c.name: c for c in held_out}

    @classmethod
    def from_checkpoint(cls, folder: str | Path, *, device: str = "cpu") -> "ChoralePipeline":
        from .. import checkpoint as ckpt

        folder, config, state, sha = read_checkpoint(folder, cls.family)
        net = ChoraleNet(config_from_dict(config["model"]))
        net.load_state_dict(state)
        held_out = [data.from_json(d) for d in ckpt.read_json(folder / data.HELD_OUT_FILE)] \
            if (folder / data.HELD_OUT_FILE).is_file() else []
        return cls(net, name=folder.name, checkpoint_sha256=sha, held_out=held_out, device=device)

    # --- inputs ----------------------------------------------------------------------------

    def check_inputs(self, params: dict) -> dict:
        return check_inputs(self.name, self.controls, params)

    def read_melody(self, abc: str) -> tuple[np.ndarray, str, int, list[str]]:
        """(soprano tokens, meter, bar_offset, notices) of a melody in ABC, or InputError
        saying what is wrong with it: unreadable, chords, off the sixteenth grid, a meter the
        model never saw, too long, outside the soprano's range."""
        if not isinstance(abc, str) or not abc.strip():
            raise InputError("Type a melody in ABC (e.g. 'X:1 / M:4/4 / L:1/4 / K:G / G A B c | d2 B2 |]') or pick one.")
        if len(abc) > 20_000:
            raise InputError("The melody is too long: at most 20,000 characters of ABC.")
        notices = []
        if "K:" not in abc:
            abc = BARE_HEADERS + abc
            notices.append("No K: field: read as ABC's defaults, in 4/4 (M:4/4, L:1/8, K:C).")
        elif "L:" not in abc:  # ABC's default unit; music21 insists on the field
            abc = re.sub(r"^K:", "L:1/8\nK:", abc, count=1, flags=re.M)
        try:
            score = music.parse(abc)
        except music.InvalidTune as e:
            raise InputError(f"The melody cannot be read: {e}") from None
        read = data.melody_from_score(score)
        if isinstance(read, str):
            raise InputError(f"This melody cannot be harmonised: {read}.")
        column, meter, bar_offset = read
        bars = (len(column) + bar_offset) / data.METERS[meter]
        if bars > MAX_MELODY_BARS:
            raise InputError(f"The melody is {bars:.0f} bars long; at most {MAX_MELODY_BARS} can be harmonised.")
        pitches = column[column >= data.FIRST_PITCH_TOKEN]
        if len(pitches) == 0:
            raise InputError("The melody has no notes, only rests.")
        lo, hi = self.net.config.voice_ranges[0]
        low, high = data.token_pitch(pitches.min()), data.token_pitch(pitches.max())
        if low < lo - RANGE_SLACK or high > hi + RANGE_SLACK:
            shift = next((s for s in (12, -12, 24, -24) if lo <= low + s and high + s <= hi), None)
            if shift is None:
                raise InputError(f"The melody spans MIDI {low}-{high}; a soprano here sings {lo}-{hi} "
                                 f"({_name(lo)}-{_name(hi)}). Move it into that range.")
            column = data.transpose(column, shift)
            notices.append(f"The melody was moved {abs(shift) // 12} octave{'s' if abs(shift) > 12 else ''} "
                           f"{'up' if shift > 0 else 'down'} into the soprano's range ({_name(lo)}-{_name(hi)}).")
        return column, meter, bar_offset, notices

    def melodies(self) -> list[str]:
        """The held-out chorales whose soprano lines can be picked, e.g. "bwv269 (G major)"."""
        return [f"{c.name} ({c.key})" for c in self.held_out.values()]

    def _held(self, name: str) -> data.Chorale:
        chorale = self.held_out.get(str(name).split(" ")[0])
        if chorale is None:
            raise InputError(f"No held-out chorale {name!r}; there are: {', '.join(self.held_out) or 'none'}.")
        return chorale

    def melody(self, name: str) -> str:
        """The soprano line of a held-out chorale, as ABC (the text a user would type)."""
        return self.melody_of(self._held(name))

    @staticmethod
    def melody_of(c: data.Chorale) -> str:
        return data.melody_abc(c.grid[:, 0], meter=c.meter, bar_offset=c.bar_offset, title=f"{c.name}, soprano")

    # --- composing -------------------------------------------------------------------------

    def compose(self, grid: np.ndarray, fixed: np.ndarray, meter: str, bar_offset: int, params: dict,
                seed: int) -> np.ndarray:
        gen = torch.Generator().manual_seed(seed)
        out = gibbs(self.net, torch.tensor(grid), torch.tensor(fixed), bar_positions(len(grid), meter, bar_offset),
                    sweeps=params["sweeps"], temperature=params["temperature"], generator=gen)
        return out.numpy()

    def __call__(self, seed: int | None = None, melody: str | None = None, **params) -> MusicOutput:
        """melody None (or ""): a chorale of `length` bars in `meter`, composed; else the ABC
        melody harmonised (its own meter and length)."""
        params = self.check_inputs(params)
        seed = resolve_seed(seed)
        notices = []
        if melody:
            column, meter, bar_offset, notices = self.read_melody(melody)
            grid = np.zeros((len(column), 4), dtype=np.int64)
            grid[:, 0] = column
            fixed = np.zeros_like(grid, dtype=bool)
            fixed[:, 0] = True
            task = "harmonise"
        else:
            meter, bar_offset = params["meter"], 0
            grid = np.zeros((params["length"] * data.METERS[meter], 4), dtype=np.int64)
            fixed = np.zeros_like(grid, dtype=bool)
            task = "compose"
        with Timer() as t_compose:
            grid = self.compose(grid, fixed, meter, bar_offset, params, seed)
        settings = {**params, "task": task, "meter": meter,
                    "length": int(np.ceil((len(grid) + bar_offset) / data.METERS[meter]))}
        if melody:
            settings["melody"] = melody[:2000]
        meta = Meta(model=self.name, family=self.family, checkpoint_sha256=self.checkpoint_sha256, seed=seed,
                    params=settings, device=self.device).to_dict()
        title = f"{'Harmonisation' if melody else 'Chorale'}, seed {seed}"
        out = render_grid(grid, meter=meter, bar_offset=bar_offset, meta=meta, title=title, program=params["program"],
                          tempo=params["tempo"], comments={"model": self.name, "seed": seed,
                                                           "params": json.dumps({k: v for k, v in settings.items()
                                                                                 if k != "melody"})})
        out.meta["notices"] = notices + out.meta["notices"]
        out.meta["grid"] = grid.T.tolist()  # the four voices' tokens (data/chorales.py's encoding)
        out.meta["compose_seconds"] = round(t_compose.seconds, 4)
        out.meta["seconds"] = round(t_compose.seconds + out.meta["render_seconds"], 4)
        return out

    def bach(self, name: str, *, program: str = "Church Organ", tempo: int = 80) -> MusicOutput:
        """Bach's own harmonisation of a held-out chorale, rendered as the model's are."""
        asked = check_inputs("Bach's chorale", [c for c in self.controls if c.name in ("program", "tempo")],
                             dict(program=program, tempo=tempo))
        c = self._held(name)
        meta = {"model": "Bach", "title": c.name, "seed": None,
                "params": {"meter": c.meter, "key": c.key, **asked, "task": "real"}}
        out = render_grid(c.grid, meter=c.meter, bar_offset=c.bar_offset, meta=meta, title=f"{c.name} (J. S. Bach)",
                          **asked)
        out.meta["seconds"] = out.meta["render_seconds"]
        return out


def _name(midi: int) -> str:
    from music21 import pitch

    return pitch.Pitch(midi=midi).nameWithOctave


def render_grid(grid: np.ndarray, *, meter: str, bar_offset: int, meta: dict, title: str, program: str, tempo: int,
                comments: dict | None = None) -> MusicOutput:
    """A grid written as ABC (for notation and download) and as a music21 score, which is
    checked bar by bar, written to MIDI (`meta` in a text event) and played."""
    with Timer() as t:
        key = data.key_of(grid)  # once for both writings
        abc = data.to_abc(grid, meter=meter, bar_offset=bar_offset, title=title, tempo=tempo, comments=comments, key=key)
        score = data.to_score(grid, meter=meter, bar_offset=bar_offset, key=key)
        fit = music.bars_fit(score, meter)
        midi = music.midi_bytes(score, program=music.PROGRAMS[program], tempo=tempo, text=json.dumps(meta))
        audio, notes = music.synthesize(midi), music.notes(score)
    return MusicOutput(abc, [], midi, audio, music.SAMPLE_RATE, notes,
                       {**meta, "bars": fit, "render_seconds": round(t.seconds, 4), "notices": []})
