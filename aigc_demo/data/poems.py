"""Adjacent line pairs of classical Chinese poems, for the Seq2Seq poet.

From the fortunes corpus (fortunes.py): the Tang poems (`tang300`, 313 records) and the Song
poems (`song100`, 95) of Debian's fortunes-zh. A poem's body (its title and author lines
dropped) is cut into lines at its punctuation (，。？！；：); a line is five or seven Chinese
characters (the two classical forms), and each line with the next line of the same poem is
one pair. Lines of other lengths (a few old-style poems) break the chain: no pair spans them.

The split is the corpus's own, by poem (a hash of the record's text): the poet and the
language models hold out the same poems, so they can be compared on them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import fortunes

POEM_FILES = ("tang300", "song100")
FORMS = (5, 7)  # characters per line
_PUNCTUATION = re.compile(r"[，。？！；：,.?!;:、]")
_HAN = re.compile(rf"^(?:{fortunes.CJK.pattern})+$")  # the corpus's own idea of a Chinese character


@dataclass(frozen=True)
class LinePair:
    line: str
    next_line: str
    poem: str  # the poem's title line
    source: str  # tang300 or song100


def is_han(text: str) -> bool:
    """Only Chinese characters (no punctuation, Latin, digits or spaces)."""
    return bool(_HAN.match(text))


def poem_lines(text: str) -> tuple[str, list[str]]:
    """(title, body lines) of one poem record; a body line is a run of Chinese characters
    between punctuation marks."""
    title, lines = "", []
    for row in text.split("\n"):
        row = row.strip()
        if not row:
            continue
        if "《" in row or row.startswith(("作者", "题目")):
            title = title or row
            continue
        lines += [part.strip() for part in _PUNCTUATION.split(row) if part.strip()]
    return title, lines


def pairs_of(text: str, source: str = "") -> list[LinePair]:
    title, lines = poem_lines(text)
    ok = [is_han(line) and len(line) in FORMS for line in lines]
    return [LinePair(a, b, title, source) for i, (a, b) in enumerate(zip(lines, lines[1:])) if ok[i] and ok[i + 1]]


def line_pairs(folder: str | Path | None = None) -> dict[str, list[LinePair]]:
    """{split: [LinePair, ...]} over the poems of the corpus (fortunes.SPLITS)."""
    out: dict[str, list[LinePair]] = {s: [] for s in fortunes.SPLITS}
    for record in fortunes.read_records(folder):
        if record.source in POEM_FILES:
            out[record.split] += pairs_of(record.text, record.source)
    return out


def statistics(pairs: dict[str, list[LinePair]]) -> dict:
    """Pairs, poems and lines of each form per split, for the dataset card."""
    return {split: {"pairs": len(ps), "poems": len({(p.source, p.poem) for p in ps}),
                    "forms": dict(sorted(Counter(len(p.line) for p in ps).items()))} for split, ps in pairs.items()}
