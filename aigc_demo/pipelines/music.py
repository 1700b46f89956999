"""The folk-tune pipeline: a meter, a key and a tune type in; a tune out, as ABC, MIDI and
audio, with the notes for a piano roll.

    pipe = FolkPipeline.from_checkpoint("checkpoints/music/folk_gpt")
    out = pipe(seed=1, meter="6/8", key="D major", tune_type="jig", length=16)
    out.abc         # the whole tune in ABC, the generation parameters in %%aigc lines
    out.midi        # a Standard MIDI file (bytes), the parameters in a text event
    out.audio       # float32 mono at out.sample_rate, through a General-MIDI SoundFont
    out.notes       # [Note(onset, duration, pitch)], quarter notes and MIDI numbers
    out.meta        # model, checkpoint hash, seed, settings, bars, whether they fit, seconds

The model writes tokens one at a time from `M:6/8 K:Dmaj R:jig` (the request), choosing the
unit note length itself, then the body. Two rules keep what it writes a tune: after the
headers no header token may come (a body cannot change key halfway in this vocabulary), and
the tune ends at the model's end-of-tune token or after `length` bar lines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .. import music
from ..data import folk
from ..data.folk import detokenize, is_bar_line
from ..controls import InputError, check_inputs, resolve_seed
from ..families.music import FOLK_GPT, KEYS, METERS, TUNE_TYPES, key_field
from .base import Meta, Timer

HEADER_PREFIXES = ("M:", "K:", "R:", "L:")


@dataclass
class MusicOutput:
    abc: str
    tokens: list[str]  # the body, as the model wrote it
    midi: bytes | None  # None when music21 could not read what the model wrote (see meta["notices"])
    audio: np.ndarray | None
    sample_rate: int
    notes: list
    meta: dict


class FolkPipeline:
    family, controls = FOLK_GPT.name, FOLK_GPT.controls
    # draws of one bar before it is kept as it is (10 left 9/8 tunes with a third of their bars
    # wrong); 0 samples freely, as the model alone writes (scripts/music_bars.py compares them)
    bar_tries = 30

    def __init__(self, model, tokenizer, *, name: str, checkpoint_sha256: str, device: str = "cpu"):
        self.model = model.to(device).eval()
        self.tokenizer, self.name, self.checkpoint_sha256, self.device = tokenizer, name, checkpoint_sha256, device
        vocab = tokenizer.get_vocab()
        self.vocab = vocab
        self.id_to_token = {i: t for t, i in vocab.items()}
        self.eos_id = tokenizer.eos_token_id
        ids = lambda prefixes: torch.tensor([i for t, i in vocab.items() if t.startswith(prefixes)], dtype=torch.long)  # noqa: E731
        self.header_ids, self.unit_ids, self.type_ids = ids(HEADER_PREFIXES), ids(("L:",)), ids(("R:",))
        self.bar_ids = {i for t, i in vocab.items() if is_bar_line(t)}

    @classmethod
    def from_checkpoint(cls, folder: str | Path, *, device: str = "cpu") -> "FolkPipeline":
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from .. import checkpoint as ckpt

        folder = Path(folder)
        config = ckpt.read_json(folder / ckpt.CONFIG_FILE)
        if config.get("family") != cls.family:
            raise ckpt.CheckpointError(f"{folder} holds a {config.get('family')!r} model, not {cls.family!r}")
        model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32, local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        return cls(model, tokenizer, name=folder.name, checkpoint_sha256=ckpt.weights_sha256(folder), device=device)

    # --- inputs ----------------------------------------------------------------------------

    def known(self, prefix: str) -> list[str]:
        """The values of one kind of conditioning token the model learnt (prefix "M:", "K:", "R:")."""
        return sorted(t[len(prefix):] for t in self.vocab if t.startswith(prefix))

    def check_inputs(self, params: dict) -> dict:
        """The request checked against the declared controls, then against what this model
        learnt: a meter, key or type that no training tune had is refused, naming those it has."""
        params = check_inputs(self.name, self.controls, params)
        asked = [("meter", "M:", params["meter"], params["meter"], METERS, str),
                 ("key", "K:", key_field(params["key"]), params["key"], KEYS, key_field)]
        if params["tune_type"] != "any":
            asked.append(("tune_type", "R:", params["tune_type"], params["tune_type"], TUNE_TYPES[1:], str))
        for name, prefix, value, shown, choices, as_token in asked:
            if prefix + value not in self.vocab:
                known = [c for c in choices if prefix + as_token(c) in self.vocab]
                raise InputError(f"This model never saw a tune with {name} {shown!r}; it knows: {', '.join(known)}.")
        return params

    def prompt(self, params: dict) -> list[str]:
        tokens = [f"M:{params['meter']}", f"K:{key_field(params['key'])}"]
        return tokens + ([f"R:{params['tune_type']}"] if params["tune_type"] != "any" else [])

    # --- composing -------------------------------------------------------------------------

    @torch.no_grad()
    def compose(self, params: dict, seed: int) -> tuple[list[str], list[str]]:
        """(header tokens, body tokens) for checked params, sampled with a generator seeded by
        `seed` and the model's key-value cache.

        Bars are drawn again until they add up: when a bar line closes a bar whose notes do
        not last one bar of the meter (folk.bar_length; a pickup, or a bar beside a section
        line, may be shorter), the bar is dropped, the cache cut back to where it began, and
        it is sampled afresh from there, up to `bar_tries` times (then kept as it is). The
        model alone writes about half its bars a note short or long."""
        header = self.prompt(params)
        ids = [self.eos_id] + [self.vocab[t] for t in header]
        gen = torch.Generator().manual_seed(seed)
        limit = self.model.config.n_positions - len(ids)
        body, bars, tries, full_units = [], 0, 0, None
        out = self.model(input_ids=torch.tensor([ids], device=self.device), use_cache=True)
        past, logits = out.past_key_values, out.logits[0, -1].float().cpu()
        bar_start = None  # (body length, cache length, logits) where the current bar began
        for _ in range(4 * limit):  # retries included; the cache never exceeds the context
            if past.get_seq_length() >= self.model.config.n_positions:
                break
            scaled = logits / params["temperature"]
            if not header[-1].startswith("L:"):  # still in the headers: the unit length (or a type) comes next
                allowed = self.unit_ids if header[-1].startswith("R:") or params["tune_type"] != "any" \
                    else torch.cat([self.unit_ids, self.type_ids])
                masked = torch.full_like(scaled, -float("inf"))
                masked[allowed] = scaled[allowed]
                scaled = masked
            else:
                scaled[self.header_ids] = -float("inf")
                if not body:
                    scaled[self.eos_id] = -float("inf")
            token_id = int(torch.multinomial(torch.softmax(scaled, -1), 1, generator=gen))
            if token_id == self.eos_id:
                break
            token = self.id_to_token[token_id]
            if token.startswith(HEADER_PREFIXES):
                header.append(token)
                if token.startswith("L:"):
                    full_units = folk.full_bar(params["meter"], token[2:])
            else:
                if token_id in self.bar_ids and bar_start is not None and tries < self.bar_tries \
                        and not self._bar_fits(body, bar_start[0], token, full_units):
                    tries += 1
                    del body[bar_start[0]:]
                    past.crop(bar_start[1] - past.get_seq_length())  # a negative count: tokens removed
                    logits = bar_start[2]
                    continue
                body.append(token)
                if token_id in self.bar_ids:
                    bars, tries = bars + 1, 0
                    if bars >= params["length"]:
                        break
            out = self.model(input_ids=torch.tensor([[token_id]], device=self.device), past_key_values=past,
                             use_cache=True)
            past, logits = out.past_key_values, out.logits[0, -1].float().cpu()
            if header[-1].startswith("L:") and (not body or token_id in self.bar_ids):
                bar_start = (len(body), past.get_seq_length(), logits)
        if body and body[-1] == "|":
            body[-1] = "|]"  # cut at a bar line: close the tune there
        return header, body

    @staticmethod
    def _bar_fits(body: list[str], start: int, closer: str, full_units) -> bool:
        """Does the bar body[start:], closed by `closer`, last one bar (in units of L:)? A bar
        may be shorter where validity's check (music.bars_fit) lets it be: the first bar, and
        a bar beside a section line (||, |], :|, |: ...). An ending's number does not make a
        line a section line there ("|1" is a plain bar line with a bracket after it), so it
        does not here. A bar this count cannot follow (a tuplet of 5, a broken rhythm across
        the bar line) is drawn again too: music21 reads such bars as too long or too short."""
        if full_units is None:
            return True
        length = folk.bar_length(body[start:])
        if length is None:
            return False
        if length == full_units:
            return True
        opener = body[start - 1] if start > 0 else None
        section = lambda line: line.rstrip("0123456789") not in ("|", "[")  # noqa: E731
        return (opener is None or section(closer) or section(opener)) and length < full_units

    def __call__(self, seed: int | None = None, **params) -> MusicOutput:
        params = self.check_inputs(params)
        seed = resolve_seed(seed)
        with Timer() as t_compose:
            header, body = self.compose(params, seed)
        unit = next((h[2:] for h in header if h.startswith("L:")), "1/8")
        tune_type = next((h[2:] for h in header if h.startswith("R:")), "")
        title = f"{tune_type.capitalize() or 'Tune'} in {params['key']}, seed {seed}"
        settings = {**params, "unit": unit, "tune_type_written": tune_type or "none"}
        meta = Meta(model=self.name, family=self.family, checkpoint_sha256=self.checkpoint_sha256, seed=seed,
                    params=settings, device=self.device)
        abc = music.abc_document(detokenize(body), meter=params["meter"], key=key_field(params["key"]), unit=unit,
                                 title=title, tempo=params["tempo"],
                                 comments={"model": self.name, "seed": seed, "params": json.dumps(settings)})
        out = render(abc, body, meta.to_dict(), meter=params["meter"], program=params["program"], tempo=params["tempo"])
        out.meta["seconds"] = round(t_compose.seconds + out.meta["render_seconds"], 4)
        out.meta["compose_seconds"] = round(t_compose.seconds, 4)
        return out


def render(abc: str, tokens: list[str], meta: dict, *, meter: str, program: str, tempo: int) -> MusicOutput:
    """A tune's ABC read, checked against its meter, written to MIDI (`meta` in a text event)
    and played; what cannot be read comes back as ABC only, with a notice."""
    notices, midi, audio, notes, fit = [], None, None, [], None
    with Timer() as t:
        try:
            score = music.parse(abc)
            fit = music.bars_fit(score, meter)
            midi = music.midi_bytes(score, program=music.PROGRAMS[program], tempo=tempo, text=json.dumps(meta))
            audio, notes = music.synthesize(midi), music.notes(score)
        except music.InvalidTune as e:
            notices.append(f"What the model wrote is not a playable tune ({e}); its ABC is shown as written.")
    return MusicOutput(abc, tokens, midi, audio, music.SAMPLE_RATE, notes,
                       {**meta, "bars": fit, "render_seconds": round(t.seconds, 4), "notices": notices})


def real_tune(tunes: list, *, meter: str, key: str, tune_type: str = "any", seed: int | None = None,
              program: str = "Fiddle", tempo: int = 120) -> MusicOutput:
    """A held-out real tune (data/folk.py's test split) of the asked meter, and of the asked
    type and key where one exists, rendered as the generated ones are: the yardstick beside a
    generated tune. `tunes`: folk.read_tunes()'s tunes."""
    asked = check_inputs("the real tune", [c for c in FOLK_GPT.controls if c.name in ("meter", "key", "tune_type", "program",
                                                                                  "tempo")],
                         dict(meter=meter, key=key, tune_type=tune_type, program=program, tempo=tempo))
    meter, key, tune_type, program, tempo = (asked[k] for k in ("meter", "key", "tune_type", "program", "tempo"))
    seed = resolve_seed(seed)
    pool = [t for t in tunes if t.split == "test" and folk.meter_token(t.headers.get("M")) == f"M:{meter}"]
    if not pool:
        raise InputError(f"No held-out real tune is in {meter}.")
    for narrower in (lambda t: folk.type_token(t.headers.get("R")) == f"R:{tune_type}",
                     lambda t: folk.key_token(t.headers.get("K")) == f"K:{key_field(key)}"):
        if [t for t in pool if narrower(t)]:
            pool = [t for t in pool if narrower(t)]
    tune = pool[seed % len(pool)]
    abc = music.abc_document(tune.body, meter=meter, key=tune.headers["K"], unit=folk.unit_token(tune.headers)[2:],
                             title=tune.title or "Untitled", tempo=tempo)
    meta = {"model": "real tune", "title": tune.title, "collection": folk.COLLECTIONS.get(tune.collection, tune.collection),
            "seed": seed, "params": {"meter": meter, "key": tune.headers["K"], "program": program, "tempo": tempo,
                                     "tune_type": folk.type_token(tune.headers.get("R")) or "not named"}}
    out = render(abc, list(tune.tokens), meta, meter=meter, program=program, tempo=tempo)
    out.meta["seconds"] = out.meta["render_seconds"]
    return out
