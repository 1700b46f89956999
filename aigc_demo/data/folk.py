"""Folk tunes in ABC notation, for the music models: the Celtic collections inside the PyPI
package music21 (its `corpus/` folder), read as text, cleaned and tokenised folk-rnn style.

Collections (music21 10.5.1; the counts are this module's, see `statistics`):
- `oneills1850`: O'Neill's "Music of Ireland" (1850 edition), public domain; transcribed to ABC
  by Norbert Paap (credited in each tune's Z: field);
- `ryansMammoth`: Ryan's Mammoth Collection (1883), public domain; ABC transcriptions
  contributed to the collection's site (credited in Z:);
- `essenFolksong` (optional, off by default): the Essen folk song collection, which music21
  ships for non-commercial use only; only `collections=` that name it read it.

Preparation (folk-rnn's, Sturm et al. 2016, re-stated, not copied):
  1. a file is split into tunes at each `X:` line; a tune's header fields (T:, M:, L:, K:,
     R: ...) are kept apart from its body;
  2. the body loses what does not change the notes: comments, chord symbols and annotations
     in quotes, decorations (`!trill!`, `+fermata+`, `~`, `.`, `H`, `u`, `v` ...), grace
     notes in braces, slurs and ties, line continuations;
  3. the body is cut into tokens: bar lines and repeats, tuplets, notes (accidentals, letter,
     octave marks), durations, broken rhythms, chord brackets;
  4. tunes with the same tokens (a tune printed twice) are kept once; the split into
     train / valid / test (90 / 5 / 5) is by a hash of the tokens, so a tune keeps its split
     whatever else is in the corpus.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from .splits import SPLITS, hash_split

ENV_VAR = "FOLK_DIR"  # a folder laid out as music21's corpus (collection folders of .abc files)
COLLECTIONS = {"oneills1850": "O'Neill's Music of Ireland (1850)", "ryansMammoth": "Ryan's Mammoth Collection (1883)"}
NON_COMMERCIAL = {"essenFolksong": "the Essen folk song collection (non-commercial use only)"}
SPLIT_SALT = "aigc-studio-folk-v1"
VALID_PERCENT, TEST_PERCENT = 5, 5

# --- cleaning: what goes, in order --------------------------------------------------------
_COMMENT = re.compile(r"%.*$", re.M)
_QUOTED = re.compile(r'"[^"]*"')  # chord symbols and text annotations
_DECORATION = re.compile(r"![^!\n]*!|\+[^+\n]*\+")
_GRACE = re.compile(r"\{[^}]*\}")
_INLINE_FIELD = re.compile(r"\[[A-Za-z]:[^\]]*\]")  # [M:3/4] and the like inside a body
# roll, staccato, ties, continuations, and every letter that is not a note or a rest: ABC's
# decorations (H L M O P S T u v) and the user-defined ones these collections use (k, U, V ...)
_SYMBOLS = re.compile(r"[~.\\*-]|[H-Yh-wy]")
_SLUR = re.compile(r"\((?![2-9])|\)")  # a "(" that does not open a tuplet, and every ")"

# --- tokens -----------------------------------------------------------------------------------
_TOKEN = re.compile(r"""
    :*\|+[\]:]*\d?|::|\[\d                  # bar lines and repeats (|, ||, |], |:, :|, :|:, ::), endings (|1, [2)
  | \(\d                                      # tuplets: (3
  | [=^_]*[A-Ga-gz][,']*                      # a note (or rest z) with accidentals and octave marks
  | \d*/\d+|\d+|/+                            # durations: 2, /2, 3/2, //
  | [<>]+                                     # broken rhythm
  | [\[\]]                                    # chord brackets
""", re.X)


LICENCE = ("Both collections are in the public domain (printed 1850 and 1883); the ABC transcriptions are those "
           "music21 10.5.1 ships in music21/corpus (O'Neill's by Norbert Paap, credited in each tune's Z: field). "
           "The Essen collection music21 also ships (non-commercial use only) is not used.")


class CorpusNotFound(FileNotFoundError):
    pass


@dataclass(frozen=True)
class Tune:
    collection: str
    headers: dict = field(hash=False)  # {"T": "The Enchanted Valley", "M": "2/4", "K": "Gm", ...}
    tokens: tuple[str, ...]
    split: str

    @property
    def title(self) -> str:
        return self.headers.get("T", "")

    @property
    def body(self) -> str:
        return detokenize(self.tokens)


def corpus_dir(folder: str | Path | None = None) -> Path:
    """$FOLK_DIR, else the `corpus/` folder of the installed music21 package."""
    if folder or os.environ.get(ENV_VAR):
        path = Path(folder or os.environ[ENV_VAR])
    else:
        spec = importlib.util.find_spec("music21")
        if spec is None or not spec.submodule_search_locations:
            raise CorpusNotFound("The folk tunes come with the Python package music21: pip install music21==10.5.1, "
                                 f"or point ${ENV_VAR} at a folder of ABC collections.")
        path = Path(next(iter(spec.submodule_search_locations))) / "corpus"
    if not path.is_dir():
        raise CorpusNotFound(f"No ABC corpus in {path}.")
    return path


def split_tunes(text: str) -> list[str]:
    """The tunes of an ABC file: each from its X: line to the next."""
    starts = [m.start() for m in re.finditer(r"^X:", text, re.M)]
    return [text[a:b].strip() for a, b in zip(starts, starts[1:] + [len(text)])]


def parse_tune(text: str) -> tuple[dict, str]:
    """(header fields, body) of one tune; the header ends at its K: line."""
    headers, body, in_body = {}, [], False
    for line in text.split("\n"):
        field_match = re.match(r"^([A-Za-z]):\s*(.*)$", line.strip())
        if not in_body and field_match:
            key, value = field_match.groups()
            headers.setdefault(key, value.strip())
            in_body = key == "K"
        elif in_body and field_match and field_match.group(1) in "MLKPQRTW":  # a field inside the body
            body.append(f"[{field_match.group(1)}:{field_match.group(2).strip()}]")
        elif in_body:
            body.append(line)
    return headers, "\n".join(body)


def clean(body: str) -> str:
    """A body with only what changes the notes left, without spaces or line ends."""
    for pattern in (_COMMENT, _QUOTED, _DECORATION, _GRACE, _INLINE_FIELD, _SYMBOLS, _SLUR):
        body = pattern.sub("", body)
    return re.sub(r"\s+", "", body).replace("x", "z")  # x: an invisible rest, a rest all the same


def tokenize(body: str) -> list[str]:
    """Tokens of a cleaned body. Raises ValueError on a character no token covers."""
    tokens, pos = [], 0
    while pos < len(body):
        m = _TOKEN.match(body, pos)
        if not m:
            raise ValueError(f"no ABC token at {body[pos:pos + 12]!r}")
        tokens.append(m.group())
        pos = m.end()
    return tokens


def detokenize(tokens) -> str:
    return "".join(tokens)


def split_of(tokens) -> str:
    return hash_split(" ".join(tokens), SPLIT_SALT, VALID_PERCENT, TEST_PERCENT)


def read_tunes(folder: str | Path | None = None, collections=tuple(COLLECTIONS)) -> tuple[list[Tune], Counter]:
    """Every usable tune of the collections, de-duplicated, with its split; and the count of
    what was dropped, by reason."""
    root = corpus_dir(folder)
    tunes, dropped, seen = [], Counter(), set()
    for name in collections:
        for path in sorted((root / name).glob("*.abc")):
            for text in split_tunes(path.read_text(encoding="utf-8", errors="replace")):
                headers, body = parse_tune(text)
                if "K" not in headers:
                    dropped["no K: field"] += 1
                    continue
                try:
                    tokens = tuple(tokenize(clean(body)))
                except ValueError:
                    dropped["untokenisable body"] += 1
                    continue
                if len(tokens) < 8:
                    dropped["fewer than 8 tokens"] += 1
                    continue
                if tokens in seen:
                    dropped["duplicate"] += 1
                    continue
                seen.add(tokens)
                tunes.append(Tune(name, headers, tokens, split_of(tokens)))
    if not tunes:
        raise CorpusNotFound(f"No ABC tunes of {', '.join(collections)} in {root}.")
    return tunes, dropped


def statistics(tunes: list[Tune], dropped: Counter) -> dict:
    """Counts for the dataset card: tunes and tokens per collection and split, meters, keys."""
    out = {"dropped": dict(dropped), "collections": {}}
    for t in tunes:
        c = out["collections"].setdefault(t.collection, {s: {"tunes": 0, "tokens": 0} for s in SPLITS})
        c[t.split]["tunes"] += 1
        c[t.split]["tokens"] += len(t.tokens)
    out["meters"] = dict(Counter(t.headers.get("M", "?") for t in tunes).most_common(8))
    out["keys"] = dict(Counter(t.headers.get("K", "?") for t in tunes).most_common(8))
    out["licence"] = LICENCE
    return out


# --- the conditioning tokens: what a user asks for ("a jig in D major") ------------------------
_MODES = {"": "maj", "maj": "maj", "major": "maj", "ion": "maj", "m": "min", "min": "min", "minor": "min",
          "aeo": "min", "dor": "dor", "mix": "mix", "phr": "phr", "lyd": "lyd", "loc": "loc"}


def key_token(value: str) -> str | None:
    """"K:Gmaj", "K:Amin", "K:Ddor" ... from a K: field ("G", "Am", "A minor", "D Dorian"), or
    None for a key this vocabulary does not know (e.g. none, or a highland-pipe key)."""
    m = re.match(r"^\s*([A-G][#b]?)\s*([A-Za-z]*)", value or "")
    if not m:
        return None
    mode = _MODES.get(m.group(2).lower()[:3] if m.group(2).lower() not in _MODES else m.group(2).lower())
    return f"K:{m.group(1)}{mode}" if mode else None


def meter_token(value: str) -> str | None:
    """"M:6/8", "M:4/4" (for C), "M:2/2" (for C|) from an M: field, or None."""
    value = (value or "").strip().replace(" ", "")
    value = {"C": "4/4", "C|": "2/2"}.get(value, value)
    return f"M:{value}" if re.fullmatch(r"\d+/\d+", value) else None


# tune types with at least a dozen tunes, under one name each ("double jig" is the common jig,
# "slipjig" and "slip jig" one type); the rest (a waltz, a march, a slide ...) are too few to learn
TUNE_TYPES = {"reel": "reel", "hornpipe": "hornpipe", "jig": "jig", "double jig": "jig", "slip jig": "slipjig",
              "slipjig": "slipjig", "strathspey": "strathspey", "clog": "clog", "air": "air", "highland fling": "fling",
              "fling": "fling"}


def type_token(value: str) -> str | None:
    """"R:jig", "R:reel" ... from an R: field (Ryan's names its tunes' types; O'Neill's does not),
    or None for no type or one of the rare ones."""
    value = re.sub(r"\s+", " ", re.sub(r"[^a-z ]", "", (value or "").lower())).strip()
    return f"R:{TUNE_TYPES[value]}" if value in TUNE_TYPES else None


def meter_of(headers: dict) -> str:
    """"6/8" ...: a tune's meter as the pipeline writes it (4/4 where the tune names none)."""
    return (meter_token(headers.get("M")) or "M:4/4")[2:]


def unit_token(headers: dict) -> str:
    """"L:1/8" ...: the unit note length every duration in the body multiplies; without an L:
    field, ABC's default (1/16 below a meter of 3/4, else 1/8)."""
    value = (headers.get("L") or "").replace(" ", "")
    if re.fullmatch(r"1/\d+", value):
        return f"L:{value}"
    num, den = (int(v) for v in meter_of(headers).split("/"))
    return "L:1/16" if num / den < 0.75 else "L:1/8"


def header_tokens(headers: dict) -> list[str]:
    """The tune's conditioning tokens, in the order the model reads them: meter, key, type
    (where known), then the unit note length the body's durations are counted in."""
    return [t for t in (meter_token(headers.get("M")), key_token(headers.get("K")), type_token(headers.get("R"))) if t] \
        + [unit_token(headers)]


def as_text(tune: Tune) -> str:
    """What the language model reads: the header tokens, then the body's, space-separated."""
    return " ".join([*header_tokens(tune.headers), *tune.tokens])


def splits(folder: str | Path | None = None, limit: int | None = None) -> dict[str, list[str]]:
    """{"train": [...], "valid": [...], "test": [...]}: each usable tune as `as_text`, in corpus order."""
    tunes, _ = read_tunes(folder)
    out = {s: [as_text(t) for t in tunes if t.split == s] for s in SPLITS}
    return {s: texts[:limit] if limit else texts for s, texts in out.items()}


# --- how long a bar lasts: the tokens' durations, in units of the L: field ---------------------
_NOTE = re.compile(r"^[=^_]*[A-Ga-gz][,']*$")
_BROKEN = {">": (Fraction(3, 2), Fraction(1, 2)), "<": (Fraction(1, 2), Fraction(3, 2)),
           ">>": (Fraction(7, 4), Fraction(1, 4)), "<<": (Fraction(1, 4), Fraction(7, 4))}
_TUPLETS = {"(2": (2, Fraction(3, 2)), "(3": (3, Fraction(2, 3)), "(4": (4, Fraction(3, 4))}


def _duration_factor(token: str) -> Fraction | None:
    """2 -> 2, /2 -> 1/2, 3/2 -> 3/2, / -> 1/2, // -> 1/4; None if not a duration."""
    if re.fullmatch(r"/+", token):
        return Fraction(1, 2 ** len(token))
    m = re.fullmatch(r"(\d*)/(\d+)|(\d+)", token)
    if not m:
        return None
    if m.group(3):
        return Fraction(int(m.group(3)))
    return Fraction(int(m.group(1) or 1), int(m.group(2)))


def is_bar_line(token: str) -> bool:
    return "|" in token or token == "::"


def unit_fraction(unit: str) -> Fraction:
    """"1/8" -> Fraction(1, 8)"""
    num, den = unit.split("/")
    return Fraction(int(num), int(den))


def full_bar(meter: str, unit: str) -> Fraction:
    """One bar of `meter` ("6/8") in units of the L: value `unit` ("1/8"): 6."""
    return Fraction(*map(int, meter.split("/"))) / unit_fraction(unit)


def bars(tokens) -> list[tuple[list[str], str]]:
    """A body cut at its bar lines: each bar's tokens with the line that closes it (tokens
    after the last line are left out)."""
    out, current = [], []
    for token in tokens:
        if is_bar_line(token):
            out.append((current, token))
            current = []
        else:
            current.append(token)
    return out


def plain_bars_fitting(tune: Tune) -> tuple[int, int]:
    """(how many, of how many) of a tune's inner bars between two plain bar lines last one
    bar of its meter by bar_length: how far the count the folk pipeline checks bars with
    agrees with real tunes."""
    full = full_bar(meter_of(tune.headers), unit_token(tune.headers)[2:])
    cut = bars(tune.tokens)
    inner = [bar for (bar, closer), (_, before) in zip(cut[1:], cut) if closer == before == "|"]
    return sum(bar_length(bar) == full for bar in inner), len(inner)


def bar_length(tokens) -> Fraction | None:
    """How long the notes of one bar's tokens (no bar lines among them) last, in units of the
    tune's L: field: notes and rests one unit each, times a duration token after them, broken
    rhythms (> < >> <<) shifting time between two notes, the tuplets (2 (3 (4, a chord as long
    as its first note. None where the bar holds what this count does not follow (another
    tuplet, a broken rhythm without a note on each side)."""
    lengths: list[Fraction] = []
    in_chord, chord_counted, tuplet_left, tuplet_factor, broken = False, False, 0, Fraction(1), None
    extra = False  # the last note was a chord's second or later note
    for token in tokens:
        if token == "[":
            in_chord, chord_counted = True, False
        elif token == "]":
            in_chord, extra = False, False
        elif _NOTE.match(token):
            extra = in_chord and chord_counted
            if extra:
                continue  # the chord's other notes sound with its first
            factor = tuplet_factor if tuplet_left else Fraction(1)
            tuplet_left = max(0, tuplet_left - 1)
            lengths.append(factor * (broken[1] if broken else 1))
            broken, chord_counted = None, in_chord
        elif token in _BROKEN:
            if not lengths or broken:
                return None
            first, second = _BROKEN[token]
            lengths[-1] *= first
            broken = (first, second)
        elif token in _TUPLETS:
            tuplet_left, tuplet_factor = _TUPLETS[token]
        elif (factor := _duration_factor(token)) is not None:
            if not lengths:
                return None
            if not extra:  # a chord's later notes' durations do not add time
                lengths[-1] *= factor
        else:
            return None  # a tuplet of 5 or more, or a token of another kind
    return None if broken else sum(lengths, Fraction(0))
