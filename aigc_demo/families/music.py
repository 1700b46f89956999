"""The music families: what a request for a tune may carry, declared once (no torch)."""

from __future__ import annotations

from ..controls import Control
from ..data import chorales
from . import TRANSLATOR, Family

# What a user asks for, in words; the model reads them as its conditioning tokens (data/folk.py).
METERS = ("6/8", "2/2", "2/4", "3/4", "9/8", "4/4", "3/8", "12/8")
MODES = {"major": "maj", "minor": "min", "dorian": "dor", "mixolydian": "mix"}
TONICS = ("C", "D", "E", "F", "G", "A", "B", "Bb", "Eb")
KEYS = tuple(f"{t} {m}" for m in MODES for t in TONICS)
TUNE_TYPES = ("any", "reel", "jig", "hornpipe", "slipjig", "strathspey", "clog", "air", "fling")
# the General-MIDI programs offered (music.PROGRAMS maps the names to numbers)
INSTRUMENTS = ("Fiddle", "Violin", "Flute", "Tin Whistle", "Accordion", "Acoustic Grand Piano", "Harpsichord",
               "Acoustic Guitar (nylon)", "Bagpipe", "Pan Flute", "Church Organ")

FOLK_CONTROLS = (
    Control("meter", "6/8", choices=METERS, label="Meter", help="time signature, e.g. 6/8 for a jig, 2/2 for a reel"),
    Control("key", "D major", choices=KEYS, label="Key"),
    Control("tune_type", "jig", choices=TUNE_TYPES, label="Tune type",
            help="only Ryan's collection names its tunes' types; 'any' leaves it to the model"),
    Control("length", 16, 4, 64, 1, "Length (bars)", "the tune stops at its own end or after this many bars"),
    # 0.8, chosen on the validation tunes' requests (scripts/folk_keys.py --split valid): it keeps the
    # asked key in 0.90 of tunes against 0.85 at 1.0, with the same closeness to real tunes
    Control("temperature", 0.8, 0.1, 2.0, 0.05, "Temperature", "below 1: safer, more repetitive tunes; above: wilder"),
    Control("program", "Fiddle", choices=INSTRUMENTS, label="Instrument (General MIDI)"),
    Control("tempo", 120, 40, 240, 1, "Tempo (quarter notes a minute)"),
)
FOLK_GPT = Family("folk_gpt", "music", "aigc_demo.pipelines.music:FolkPipeline", controls=FOLK_CONTROLS,
                  summary="a GPT-2-architecture transformer over ABC tokens (folk-rnn's tokens)")
CHORALE_METERS = tuple(chorales.METERS)  # the meters Bach's chorales here are in
CHORALE_CONTROLS = (
    Control("meter", "4/4", choices=CHORALE_METERS, label="Meter", help="composing only: a melody brings its own"),
    Control("length", 8, 2, 16, 1, "Length (bars)", "composing only: a melody brings its own"),
    Control("temperature", 0.8, 0.1, 2.0, 0.05, "Temperature", "below 1: plainer harmony; above: stranger"),
    Control("sweeps", 100, 10, 400, 1, "Gibbs rounds",
            "rounds of redrawing part of the chorale given the rest: more rounds, more coherent, slower"),
    Control("program", "Church Organ", choices=INSTRUMENTS, label="Instrument (General MIDI)"),
    Control("tempo", 80, 40, 200, 1, "Tempo (quarter notes a minute)"),
)
BACH_CHORALE = Family("bach_chorale", "music", "aigc_demo.pipelines.chorale:ChoralePipeline", controls=CHORALE_CONTROLS,
                      role=TRANSLATOR,  # a melody in, a chorale out (it composes from nothing too)
                      summary="a Coconet-style masked model of four voices on a sixteenth-note grid, sampled by "
                              "Gibbs sampling: composes, or harmonises a melody")
FAMILIES = (FOLK_GPT, BACH_CHORALE)


def key_field(key: str) -> str:
    """"D major" -> "Dmaj", the value the conditioning token and the K: field carry."""
    tonic, mode = key.split(" ")
    return tonic + MODES[mode]
