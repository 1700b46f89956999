"""Symbolic music, shared by the music pipelines and their measurement: an ABC tune read by
music21 into a score, the score written to MIDI, the MIDI played through a General-MIDI
SoundFont by tinysoundfont, and the facts measured on a score (its notes, whether its bars
add up to the meter).

music21 (imported here on first use, never at start-up: it costs a quarter second) does the
reading and writing; two of its pitfalls, met on these collections, are handled in `parse`
and `midi_bytes`:
- after an implicit meter change its ABC reader can put one TimeSignature object into two
  measures, and the MIDI writer then fails ("already found"): each measure gets its own copy;
- badly formed repeats make the MIDI writer's repeat expansion raise: the part is flattened.
"""

from __future__ import annotations

import copy
import importlib.util
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

SAMPLE_RATE = 22050
PEAK = 0.9  # rendered audio is scaled to this peak: the SoundFont's own level varies by program
# General-MIDI programs offered (0-based, as MIDI counts): the instruments a folk tune is played on
PROGRAMS = {"Acoustic Grand Piano": 0, "Harpsichord": 6, "Church Organ": 19, "Accordion": 21, "Acoustic Guitar (nylon)": 24,
            "Violin": 40, "Fiddle": 110, "Flute": 73, "Pan Flute": 75, "Bagpipe": 109, "Tin Whistle": 78}


class InvalidTune(ValueError):
    """An ABC text that music21 cannot read, or whose score cannot be written to MIDI."""


def soundfont_path() -> Path:
    """The General-MIDI SoundFont that the PyPI package pretty_midi ships (TimGM6mb, 6 MB, GPL-2
    with the exception of its samples' use in rendering; found without importing the package)."""
    spec = importlib.util.find_spec("pretty_midi")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("The SoundFont comes with the Python package pretty_midi: pip install pretty_midi")
    return Path(next(iter(spec.submodule_search_locations))) / "TimGM6mb.sf2"


def abc_document(body: str, *, meter: str, key: str, unit: str, title: str = "", tempo: int | None = None,
                 comments: dict | None = None) -> str:
    """A whole ABC tune from a body and its fields (M:6/8, K:D, L:1/8 values), lines of four
    bars, with `comments` written as %% lines (how the generation parameters travel inside it)."""
    lines = ["X:1", f"T:{title or 'Untitled'}"]
    lines += [f"%%aigc {k}: {v}" for k, v in (comments or {}).items()]
    lines += [f"M:{meter}", f"L:{unit}"] + ([f"Q:1/4={tempo}"] if tempo else []) + [f"K:{key}"]
    bars = re.split(r"(?<=[|\]:])(?=[^|\]:0-9])", body)  # cut after each bar line
    lines += ["".join(bars[i:i + 4]) for i in range(0, len(bars), 4)]
    return "\n".join(lines) + "\n"


def parse(abc: str):
    """A music21 Score of an ABC tune. Raises InvalidTune with music21's reason."""
    from music21 import converter, meter, stream

    try:
        score = converter.parse(abc, format="abc")
    except Exception as e:  # music21's reader raises many kinds, all meaning "not readable ABC"
        raise InvalidTune(f"ABC that music21 cannot read: {str(e)[:200] or type(e).__name__}") from None
    if not score.recurse().notes:
        raise InvalidTune("The tune has no notes.")
    for part in score.parts if hasattr(score, "parts") and score.parts else [score]:
        seen = set()
        for measure in part.getElementsByClass(stream.Measure):
            for ts in measure.getElementsByClass(meter.TimeSignature):
                if id(ts) in seen:  # the same object in a second measure: give this one its own
                    measure.replace(ts, copy.deepcopy(ts))
                seen.add(id(ts))
    return score


def midi_bytes(score, *, program: int = 0, tempo: int = 120, text: str | None = None) -> bytes:
    """Standard MIDI file of the score, played by `program` (General MIDI, 0-based) at `tempo`
    quarter notes a minute; `text` (ASCII, e.g. the generation parameters as JSON) goes into a
    text event at the start of the first track."""
    from music21 import instrument, midi, tempo as m21tempo

    score = copy.deepcopy(score)
    for part in score.parts if score.parts else [score]:
        for old in part.recurse().getElementsByClass((instrument.Instrument, m21tempo.MetronomeMark)):
            old.activeSite.remove(old)
        inst = instrument.Instrument()
        inst.midiProgram = program
        part.insert(0, inst)
        part.insert(0, m21tempo.MetronomeMark(number=tempo))
    try:
        mf = midi.translate.music21ObjectToMidiFile(score)
    except Exception:  # badly formed repeats: write the notes as they stand, unexpanded
        try:
            flat = copy.deepcopy(score)
            for part in flat.parts if flat.parts else [flat]:
                for rep in part.recurse().getElementsByClass("RepeatMark"):
                    rep.activeSite.remove(rep)
            mf = midi.translate.music21ObjectToMidiFile(flat.flatten())
        except Exception as e:
            raise InvalidTune(f"The score cannot be written to MIDI: {str(e)[:200]}") from None
    data = mf.writestr()
    if text is None:
        return data
    import io

    import mido  # pretty_midi's dependency: adds the event without re-encoding the notes

    mid = mido.MidiFile(file=io.BytesIO(data))
    mid.tracks[0].insert(0, mido.MetaMessage("text", text=text.encode("ascii", "replace").decode("ascii")))
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


def synthesize(midi: bytes, *, sample_rate: int = SAMPLE_RATE, tail_seconds: float = 1.0) -> np.ndarray:
    """Mono float32 audio of a MIDI file played through the SoundFont, scaled to PEAK."""
    import tinysoundfont
    from tinysoundfont.midi import load_memory

    synth = tinysoundfont.Synth(samplerate=sample_rate)
    sfid = synth.sfload(str(soundfont_path()))
    events = load_memory(midi)
    seq = tinysoundfont.Sequencer(synth)
    seq.add(events)
    for ch in range(16):  # the file's program changes select presets; channels need a SoundFont first
        synth.program_select(ch, sfid, 0, 0, is_drums=ch == 9)
    end = max((e.t for e in events), default=0.0) + tail_seconds
    stereo = np.frombuffer(synth.generate(int(end * sample_rate)), dtype=np.float32).reshape(-1, 2)
    mono = stereo.mean(axis=1)
    peak = float(np.abs(mono).max())
    return (mono * (PEAK / peak)).astype(np.float32) if peak > 0 else mono


@dataclass(frozen=True)
class Note:
    onset: float  # quarter notes from the start
    duration: float  # quarter notes
    pitch: int  # MIDI number


def notes(score) -> list[Note]:
    """Every sounding note of the score (chords as their notes), in time order, repeats unexpanded."""
    out = []
    for n in score.flatten().notes:
        for p in n.pitches:
            out.append(Note(float(n.offset), float(n.duration.quarterLength), int(p.midi)))
    return sorted(out, key=lambda n: (n.onset, n.pitch))


def bars_fit(score, meter: str | None = None) -> dict:
    """Do the bars add up to the meter? Every measure must last exactly one bar of `meter`
    (default: the score's own time signature) but the first and the last, those beside a
    section line on either side (double bar, repeat: a section's pickup and the bar that
    completes it) and those of a first or second ending."""
    from music21 import meter as m21meter, spanner, stream

    part = score.parts[0] if score.parts else score
    measures = list(part.getElementsByClass(stream.Measure))
    if meter is None:
        ts = part.recurse().getElementsByClass(m21meter.TimeSignature).first()
        meter = ts.ratioString if ts else "4/4"
    num, den = (int(v) for v in meter.split("/"))
    full = Fraction(4 * num, den)
    in_ending = set()
    for rb in part.recurse().getElementsByClass(spanner.RepeatBracket):
        in_ending |= {id(m) for m in rb.getSpannedElements()}
    checked = wrong = 0
    special = lambda b: b is not None and b.type != "regular"  # noqa: E731
    for i, m in enumerate(measures):
        # music21 puts a repeat's end (:|) on the bar before the line only: the bar after it
        # (often the next section's pickup) is beside the line all the same
        section = special(m.leftBarline) or special(m.rightBarline) or (i > 0 and special(measures[i - 1].rightBarline))
        if i in (0, len(measures) - 1) or section or id(m) in in_ending:
            continue
        checked += 1
        wrong += Fraction(m.duration.quarterLength).limit_denominator(96) != full
    return {"bars": len(measures), "checked": checked, "wrong": wrong, "fits": wrong == 0 and len(measures) > 0}
