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


def type_token(value: str) -> str | None:
    """"R:jig", "R:reel" ... from an R: field (Ryan's names its tunes' types; O'Neill's does not)."""
    value = re.sub(r"[^a-z ]", "", (value or "").lower()).strip()
    return f"R:{value.split()[0]}" if value else None


def header_tokens(headers: dict) -> list[str]:
    """The tune's conditioning tokens, in the order the model reads them: meter, key, type."""
    return [t for t in (meter_token(headers.get("M")), key_token(headers.get("K")), type_token(headers.get("R"))) if t]
