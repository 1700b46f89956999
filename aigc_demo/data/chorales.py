"""Bach's four-part chorales, for the chorale model: the harmonisations music21 ships (its
`corpus/bach/` folder, listed by `music21.corpus.chorales.Iterator`), each read into four
voices on a sixteenth-note grid, the encoding of DeepBach (Hadjeres et al. 2017):

    grid[t, v]   t: sixteenth notes from the start   v: 0 soprano, 1 alto, 2 tenor, 3 bass
                 REST (0), HOLD (1: the note sounding at t-1 goes on), or a pitch struck at t
                 (MIDI number - LOWEST_PITCH + FIRST_PITCH_TOKEN)

HOLD keeps what a piano roll loses: a repeated note (two crotchets on one pitch) differs from
a held minim. A chorale's bar structure is its meter and `bar_offset`: the grid's step t is
step (t + bar_offset) % steps_per_bar of its bar (a one-beat pickup in 4/4 has offset 12).

What is kept (counts in `statistics`): exactly four parts, a meter of 4/4 or 3/4, every note
on the grid, not a duplicate of another's notes. Grace notes are dropped (they take no time). Split train / valid / test
(80 / 10 / 10) by a hash of the chorale's BWV number, so harmonisations of one melody under
two numbers may fall in two splits (the splits are by work, as Boulanger-Lewandowski's
JSB Chorales benchmark is).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .splits import SPLITS, hash_split

ENV_VAR = "CHORALE_DIR"  # a folder of MusicXML chorales (.mxl, .musicxml, .xml) to read instead
SPLIT_SALT = "aigc-studio-chorales-v1"
VALID_PERCENT, TEST_PERCENT = 10, 10
VOICES = ("soprano", "alto", "tenor", "bass")
METERS = {"4/4": 16, "3/4": 12}  # sixteenths a bar
REST, HOLD, FIRST_PITCH_TOKEN = 0, 1, 2
LOWEST_PITCH, HIGHEST_PITCH = 28, 93  # MIDI E1..A6: every voice of the corpus, transposed a fifth either way
VOCAB_SIZE = FIRST_PITCH_TOKEN + HIGHEST_PITCH - LOWEST_PITCH + 1
HELD_OUT_FILE = "held_out.json"  # in a chorale checkpoint: the test chorales, to harmonise and to hear
SOURCE = ("music21.corpus.chorales.Iterator lists 371 chorales, which name 350 distinct works in 349 files (the "
          "list names some twice); kept: four parts, meter 4/4 or 3/4, every note on the sixteenth grid, notes not "
          "a duplicate of another chorale's. Split 80/10/10 by a hash of the BWV number.")
LICENCE = ("Bach's chorale harmonisations are in the public domain. The MusicXML encodings are those music21 10.5.1 "
           "ships in music21/corpus/bach; music21's corpus/license.txt says its encodings are distributed with the "
           "encoders' permission and that some may restrict commercial use (see each file); these files embed no "
           "licence of their own (checked on bwv269.mxl: its only credits are music21 and MuseScore as software).")


class CorpusNotFound(FileNotFoundError):
    pass


@dataclass(frozen=True)
class Chorale:
    name: str  # "bwv269"
    meter: str  # "4/4"
    bar_offset: int  # sixteenths of the first bar before the grid starts (a pickup's complement)
    grid: np.ndarray  # (steps, 4) int tokens
    key: str  # music21's key of Bach's score, e.g. "G major"
    split: str

    @property
    def steps_per_bar(self) -> int:
        return METERS[self.meter]


def pitch_token(midi: int) -> int:
    return midi - LOWEST_PITCH + FIRST_PITCH_TOKEN


def token_pitch(token: int) -> int | None:
    """The MIDI pitch a token strikes; None for REST and HOLD."""
    return int(token) - FIRST_PITCH_TOKEN + LOWEST_PITCH if token >= FIRST_PITCH_TOKEN else None


def split_of(name: str) -> str:
    return hash_split(name, SPLIT_SALT, VALID_PERCENT, TEST_PERCENT)


def chorale_files(folder: str | Path | None = None) -> list[Path]:
    """$CHORALE_DIR's MusicXML files, else the 371 chorales of music21's corpus."""
    if folder or os.environ.get(ENV_VAR):
        root = Path(folder or os.environ[ENV_VAR])
        files = sorted(p for p in root.glob("*") if p.suffix in (".mxl", ".musicxml", ".xml")) if root.is_dir() else []
        if not files:
            raise CorpusNotFound(f"No MusicXML chorales in {root}.")
        return files
    try:
        from music21 import corpus
    except ImportError:
        raise CorpusNotFound("The chorales come with the Python package music21: pip install music21==10.5.1, "
                             f"or point ${ENV_VAR} at a folder of MusicXML chorales.") from None
    files = []
    for name in corpus.chorales.Iterator(returnType="filename"):
        found = corpus.getWork(name)  # a list where several files match ("bwv281": .krn and .mxl)
        found = [Path(f) for f in (found if isinstance(found, list) else [found])]
        stem = name.split("/")[-1]
        path = next((f for f in found if f.stem == stem and f.suffix == ".mxl"), found[0])
        if path not in files:  # the list names some works twice
            files.append(path)
    return files


def encode_part(part, steps: int) -> np.ndarray | str:
    """One part's tokens on the grid, or why it cannot be put on it."""
    out = np.full(steps, REST, dtype=np.int64)
    for e in part.flatten().notesAndRests:
        if e.duration.isGrace or e.quarterLength == 0:
            continue
        start, length = e.offset * 4, e.quarterLength * 4
        if start % 1 or length % 1:
            return "a note off the sixteenth-note grid"
        start, length = int(start), int(length)
        if e.isChord:
            return "a chord inside one voice"
        if e.isRest:
            out[start:start + length] = REST
            continue
        midi = e.pitch.midi
        if not LOWEST_PITCH <= midi <= HIGHEST_PITCH:
            return "a pitch outside the grid's range"
        tied_on = e.tie is not None and e.tie.type in ("stop", "continue") and start > 0 and out[start - 1] != REST
        out[start] = HOLD if tied_on else pitch_token(midi)
        out[start + 1:start + length] = HOLD
    return out


def bar_offset_of(part, steps_per_bar: int) -> int:
    """Sixteenths of the first bar that come before the score starts: a pickup bar is either
    padded on its left (music21's paddingLeft) or simply shorter than a bar."""
    from music21 import stream

    first = part.getElementsByClass(stream.Measure).first()
    if first is None:
        return 0
    if first.paddingLeft:
        return int(round(first.paddingLeft * 4)) % steps_per_bar
    return (steps_per_bar - int(round(first.duration.quarterLength * 4))) % steps_per_bar


def encode(score, name: str) -> Chorale | str:
    """A score as a Chorale, or the reason it is left out."""
    from music21 import meter

    parts = list(score.parts)
    if len(parts) != 4:
        return "not four parts"
    ts = score.recurse().getElementsByClass(meter.TimeSignature).first()
    meter_str = ts.ratioString if ts is not None else "4/4"
    if meter_str not in METERS:
        return f"meter {meter_str}"
    steps = int(round(float(score.highestTime) * 4))
    voices = [encode_part(p, steps) for p in parts]
    for v in voices:
        if isinstance(v, str):
            return v
    return Chorale(name, meter_str, bar_offset_of(parts[0], METERS[meter_str]), np.stack(voices, axis=1),
                   key_name(score.analyze("key")), split_of(name))


def read_chorales(folder: str | Path | None = None, limit: int | None = None) -> tuple[list[Chorale], Counter]:
    """Every usable chorale, with its split, and the count of those left out by reason.
    Reading all 371 with music21 takes about half a minute."""
    from music21 import converter

    chorales, dropped, seen = [], Counter(), set()
    for path in chorale_files(folder)[:limit]:
        name = path.name.removesuffix(path.suffix)
        try:
            score = converter.parse(str(path))
        except Exception as e:  # music21's readers raise many kinds; the file is left out, with its reason
            dropped[f"unreadable ({type(e).__name__})"] += 1
            continue
        out = encode(score, name)
        if isinstance(out, str):
            dropped[out] += 1
        elif out.grid.tobytes() in seen:
            dropped["duplicate"] += 1
        else:
            seen.add(out.grid.tobytes())
            chorales.append(out)
    if not chorales:
        raise CorpusNotFound("None of the chorales read could be put on the grid.")
    return chorales, dropped


def voice_ranges(chorales: list[Chorale]) -> list[tuple[int, int]]:
    """Each voice's lowest and highest MIDI pitch over these chorales."""
    out = []
    for v in range(len(VOICES)):
        pitches = [token_pitch(t) for c in chorales for t in c.grid[:, v] if t >= FIRST_PITCH_TOKEN]
        out.append((min(pitches), max(pitches)))
    return out


def transpose(grid: np.ndarray, semitones: int) -> np.ndarray:
    """The grid moved by a number of semitones (REST and HOLD stay)."""
    out = grid.copy()
    out[grid >= FIRST_PITCH_TOKEN] += semitones
    return out


def statistics(chorales: list[Chorale], dropped: Counter) -> dict:
    """Counts for the dataset card: chorales and steps per split, meters, what was left out."""
    out = {"dropped": dict(dropped), "splits": {s: {"chorales": 0, "steps": 0} for s in SPLITS}}
    for c in chorales:
        out["splits"][c.split]["chorales"] += 1
        out["splits"][c.split]["steps"] += len(c.grid)
    out["meters"] = dict(Counter(c.meter for c in chorales))
    out["voice_ranges"] = {v: list(r) for v, r in zip(VOICES, voice_ranges(chorales))}
    out["source"] = SOURCE
    out["licence"] = LICENCE
    return out


def strike_held(grid: np.ndarray, start: int) -> np.ndarray:
    """grid[start:], with each note that began before `start` struck again at its first step
    (a window must not begin with HOLD)."""
    window = grid[start:].copy()
    for v in range(grid.shape[1]):
        if len(window) and window[0, v] == HOLD:
            before = grid[:start + 1, v]
            struck = before[before != HOLD]
            window[0, v] = struck[-1] if len(struck) else REST
    return window


def as_json(c: Chorale) -> dict:
    return {"name": c.name, "meter": c.meter, "bar_offset": c.bar_offset, "key": c.key, "split": c.split,
            "grid": c.grid.T.tolist()}


def from_json(d: dict) -> Chorale:
    return Chorale(d["name"], d["meter"], int(d["bar_offset"]), np.array(d["grid"], dtype=np.int64).T, d["key"], d["split"])


# --- the grid as ABC: four voices, one staff each ---------------------------------------------
NOTE_LENGTHS = (16, 12, 8, 6, 4, 3, 2, 1)  # sixteenths one written note can last (dotted or plain)
CLEFS = ("treble", "treble", "treble-8", "bass")


def events(column: np.ndarray) -> list[tuple[int | None, int, int]]:
    """One voice's (MIDI pitch or None for a rest, start, length) in sixteenths."""
    out = []
    for t, token in enumerate(column):
        if token == HOLD and out:
            pitch, start, length = out[-1]
            out[-1] = (pitch, start, length + 1)
        else:
            out.append((token_pitch(token) if token != HOLD else None, t, 1))
    return out


def key_name(key) -> str:
    """A music21 Key as "G major", "Bb minor"."""
    return f"{key.tonic.name.replace('-', 'b')} {key.mode}"


def key_of(grid: np.ndarray):
    """music21's key (Krumhansl-Schmuckler) of every note of the grid."""
    from music21 import note, stream

    s = stream.Stream()
    for v in range(grid.shape[1]):
        for pitch, start, length in events(grid[:, v]):
            if pitch is not None:
                s.insert(start / 4, note.Note(midi=pitch, quarterLength=length / 4))
    return s.analyze("key")


# How the five notes outside a key's scale are spelled, by semitones above the tonic: the
# scale note below raised (+1) or the one above lowered (-1), as tonal music writes them
# (major: #1, b3, #4, #5, b7; minor: b2, #3, #4, #6, #7, its raised sixth and seventh)
_CHROMATIC = {"major": {1: +1, 3: -1, 6: +1, 8: +1, 10: -1}, "minor": {1: -1, 4: +1, 6: +1, 9: +1, 11: +1}}


def _spelling(key) -> dict[int, tuple[str, int]]:
    """Pitch class -> (letter, alteration) in `key`: its scale as the key spells it, the other
    five by _CHROMATIC (F natural in G major is F, not E sharp; B flat in C major, not A sharp)."""
    scale = {p.pitchClass: (p.step, int(p.alter)) for p in key.pitches[:7]}
    tonic = key.tonic.pitchClass
    out = dict(scale)
    for degree, way in _CHROMATIC["minor" if key.mode == "minor" else "major"].items():
        pc = (tonic + degree) % 12
        letter, alter = scale[(pc - way) % 12]
        out[pc] = (letter, alter + way)
    return out


def _abc_pitch(midi: int, letter: str, alter: int) -> str:
    natural = midi - alter
    octave = natural // 12 - 1
    if octave >= 5:
        return letter.lower() + "'" * (octave - 5)
    return letter + "," * (4 - octave)


def bars(grid: np.ndarray, meter: str, bar_offset: int) -> list[list[list[tuple[int | None, int, bool]]]]:
    """The grid cut into bars: [voice][bar] -> [(MIDI pitch or None, sixteenths, tied to the
    next)], each note one writable length (NOTE_LENGTHS), a note across a bar line or of an
    unwritable length cut into tied pieces. The one layout both the ABC and the music21
    score are written from."""
    per_bar, steps = METERS[meter], len(grid)
    cuts = sorted({0, steps} | {t for t in range(1, steps) if (t + bar_offset) % per_bar == 0})
    out = []
    for v in range(grid.shape[1]):
        voice = []
        for a, b in zip(cuts, cuts[1:]):
            bar = []
            for pitch, start, length in events(grid[:, v]):
                lo, hi = max(start, a), min(start + length, b)
                left = hi - lo
                while left > 0:
                    n = next(n for n in NOTE_LENGTHS if n <= left)
                    left -= n
                    bar.append((pitch, n, pitch is not None and (left > 0 or start + length > hi)))
            voice.append(bar)
        out.append(voice)
    return out


def to_abc(grid: np.ndarray, *, meter: str, bar_offset: int, title: str = "", tempo: int | None = None,
           comments: dict | None = None, key=None) -> str:
    """The grid as a four-voice ABC tune (L:1/16, a staff a voice, four bars a line), its key
    signature music21's analysis of the notes, notes across bar lines tied. Accidentals are
    written wherever the note differs from the key signature, and again on every later note
    of that letter in the bar (ABC readers differ on whether one carries across octaves).
    `key`: key_of(grid), where the caller has it already."""
    key = key or key_of(grid)
    spell = _spelling(key)
    signature = {p.step: int(p.alter) for p in key.alteredPitches}
    voices = []
    for voice in bars(grid, meter, bar_offset):
        written_bars = []
        for bar in voice:
            written, marked = [], set()
            for pitch, n, tied in bar:
                if pitch is None:
                    written.append(f"z{n}")
                    continue
                letter, alter = spell[pitch % 12]
                mark = ""
                if alter != signature.get(letter, 0) or letter in marked:
                    mark = {-2: "__", -1: "_", 0: "=", 1: "^", 2: "^^"}[alter]
                    marked.add(letter)
                written.append(f"{mark}{_abc_pitch(pitch, letter, alter)}{n}{'-' if tied else ''}")
            written_bars.append(" ".join(written))
        voices.append(written_bars)
    fields = ["X:1", f"T:{title or 'Chorale'}"] + [f"%%aigc {k}: {v}" for k, v in (comments or {}).items()]
    fields += [f"M:{meter}", "L:1/16"] + ([f"Q:1/4={tempo}"] if tempo else [])
    fields.append(f"K:{key.tonic.name.replace('-', 'b')}{'m' if key.mode == 'minor' else ''}")
    body = []
    for v, written_bars in enumerate(voices):  # a voice whole, then the next: music21 reads a V: section as a part
        body.append(f'V:{v + 1} clef={CLEFS[v]} name="{VOICES[v].capitalize()}"')
        body += [" | ".join(written_bars[i:i + 4]) + (" |]" if i + 4 >= len(written_bars) else " |")
                 for i in range(0, len(written_bars), 4)]
    return "\n".join(fields + body) + "\n"


def melody_abc(column: np.ndarray, *, meter: str, bar_offset: int, title: str = "") -> str:
    """One voice (a soprano line) as ABC, in the layout to_abc writes."""
    return to_abc(column[:, None], meter=meter, bar_offset=bar_offset, title=title)


def to_score(grid: np.ndarray, *, meter: str, bar_offset: int, key=None):
    """The grid as a music21 Score: a Part a voice, a Measure a bar (the first a pickup where
    bar_offset says so), notes tied across bar lines; for MIDI, the piano roll and checks.
    `key` as to_abc's."""
    import copy

    from music21 import clef, meter as m21meter, note, stream, tie

    score = stream.Score()
    clefs = (clef.TrebleClef, clef.TrebleClef, clef.Treble8vbClef, clef.BassClef)
    key = key or key_of(grid)
    for v, voice in enumerate(bars(grid, meter, bar_offset)):
        part = stream.Part(id=VOICES[v])
        part.partName = VOICES[v].capitalize()
        held = False
        for i, bar in enumerate(voice):
            m = stream.Measure(number=i + (0 if bar_offset else 1))
            if i == 0:
                # each part its own Key object: music21 objects shared between streams break its MIDI writer
                m.append([clefs[v](), copy.deepcopy(key), m21meter.TimeSignature(meter)])
                if bar_offset:
                    m.paddingLeft = bar_offset / 4
            for pitch, n, tied in bar:
                e = note.Rest(quarterLength=n / 4) if pitch is None else note.Note(midi=pitch, quarterLength=n / 4)
                if pitch is not None and (tied or held):
                    e.tie = tie.Tie("continue" if tied and held else "start" if tied else "stop")
                held = tied
                m.append(e)
            part.append(m)
        score.insert(0, part)
    return score


def melody_from_score(score) -> tuple[np.ndarray, str, int] | str:
    """A one-line melody's (tokens (steps,), meter, bar_offset), read from a music21 score
    (its first part, or the score itself), or why it cannot be harmonised."""
    from music21 import meter as m21meter

    part = score.parts[0] if getattr(score, "parts", None) else score
    ts = part.recurse().getElementsByClass(m21meter.TimeSignature).first()
    meter_str = ts.ratioString if ts is not None else "4/4"
    if meter_str not in METERS:
        return f"the chorale model knows the meters {' and '.join(METERS)}, not {meter_str}"
    steps = int(round(float(part.highestTime) * 4))
    if steps == 0:
        return "the melody has no notes"
    column = encode_part(part, steps)
    if isinstance(column, str):
        return {"a chord inside one voice": "a melody is one line of single notes, without chords",
                "a pitch outside the grid's range": f"the melody has a note outside MIDI {LOWEST_PITCH}-{HIGHEST_PITCH}",
                }.get(column, f"the melody has {column} (triplets and notes shorter than a sixteenth cannot be harmonised)")
    return column, meter_str, bar_offset_of(part, METERS[meter_str])
