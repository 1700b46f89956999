"""The text corpus: English and Chinese fortunes from Debian's `fortunes` and `fortunes-zh`.

A fortune file is a list of records separated by lines holding a single `%`. Preparation:
  1. read every fortune file of the folder, skipping the binary `.dat` indexes, the `.u8`
     symlinks (they point at files already read) and the `ascii-art` file (drawings, not text);
  2. strip the ANSI colour codes the Chinese files carry (`\\x1b[33m ... \\x1b[m`), trailing
     blanks and the blank lines around a record; normalise line ends;
  3. drop records that are empty, and keep the first copy of records repeated word for word;
  4. split by record into train / valid / test (90 / 5 / 5) by a hash of the record text with
     a fixed salt: the split of a record never depends on what else is in the corpus, so the
     test records stay test records when the packages change.

The folder is $FORTUNES_DIR, else /usr/share/games/fortunes (Debian). A missing corpus
raises CorpusNotFound naming the packages to install.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .splits import SPLITS, hash_split

ENV_VAR = "FORTUNES_DIR"
DEBIAN_DIR = Path("/usr/share/games/fortunes")
CHINESE_FILES = ("chinese", "tang300", "song100")  # from fortunes-zh; everything else is English
SKIPPED_FILES = ("ascii-art",)
SPLIT_SALT = "aigc-studio-fortunes-v1"
VALID_PERCENT, TEST_PERCENT = 5, 5
MAX_RECORD_CHARS = 4000  # a handful of records are whole essays; they would be mostly cut anyway

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


class CorpusNotFound(FileNotFoundError):
    pass


@dataclass(frozen=True)
class Record:
    text: str
    source: str  # the fortune file it came from, e.g. "tang300"
    language: str  # "en" or "zh"
    split: str


def corpus_dir(folder: str | Path | None = None) -> Path:
    folder = Path(folder or os.environ.get(ENV_VAR) or DEBIAN_DIR)
    if not folder.is_dir() or not list(_fortune_files(folder)):
        raise CorpusNotFound(
            f"No fortune files in {folder}. Install the corpus with "
            "`sudo apt-get install fortunes fortunes-zh` (Debian/Ubuntu), "
            f"or point ${ENV_VAR} at a folder of fortune files.")
    return folder


def _fortune_files(folder: Path):
    for path in sorted(folder.iterdir()):
        if (path.is_file() and not path.is_symlink() and path.suffix not in (".dat", ".u8")
                and path.name not in SKIPPED_FILES and not path.name.startswith(".")):
            yield path


def clean(text: str) -> str:
    # Some codes in fortunes-zh are nested ("\x1b[;\x1b[34;1mm"): removing the inner one
    # exposes the outer one, so repeat until none is left, then drop any stray escape.
    while True:
        stripped = _ANSI.sub("", text)
        if stripped == text:
            break
        text = stripped
    text = text.replace("\x1b", "").replace("\r\n", "\n").replace("\t", "    ")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def split_of(text: str) -> str:
    return hash_split(text, SPLIT_SALT, VALID_PERCENT, TEST_PERCENT)


def language_of(text: str) -> str:
    return "zh" if CJK.search(text) else "en"


def read_records(folder: str | Path | None = None) -> list[Record]:
    """Every record of the corpus, cleaned, de-duplicated, with its split, in file order."""
    folder = corpus_dir(folder)
    seen: set[str] = set()
    records = []
    for path in _fortune_files(folder):
        raw = path.read_bytes().decode("utf-8", errors="replace")
        for chunk in re.split(r"^%[ \t]*$", raw.replace("\r\n", "\n"), flags=re.M):
            text = clean(chunk)
            if not text.strip() or len(text) > MAX_RECORD_CHARS or text in seen:
                continue
            seen.add(text)
            language = "zh" if path.name in CHINESE_FILES else language_of(text)
            records.append(Record(text, path.name, language, split_of(text)))
    return records


def splits(folder: str | Path | None = None, limit: int | None = None) -> dict[str, list[Record]]:
    """The records of each split, in file order (only the first `limit` of each, if given)."""
    records = read_records(folder)
    return {s: [r for r in records if r.split == s][:limit] for s in SPLITS}


def statistics(records: list[Record]) -> dict:
    """Counts for the dataset card: records and characters per split and language."""
    stats: dict = {}
    for r in records:
        s = stats.setdefault(r.split, {}).setdefault(r.language, {"records": 0, "characters": 0})
        s["records"] += 1
        s["characters"] += len(r.text)
    return stats


def dataset_card(records: list[Record], folder: Path) -> str:
    stats = statistics(records)
    sources = sorted({r.source for r in records})
    rows = [f"| {split} | {lang} | {stats[split][lang]['records']:,} | {stats[split][lang]['characters']:,} |"
            for split in SPLITS if split in stats for lang in sorted(stats[split])]
    return "\n".join([
        "# Fortunes corpus (English and Chinese)",
        "",
        f"Built by `aigc_demo/data/fortunes.py` from the fortune files in `{folder}`: Debian packages "
        "`fortunes` (English quotations, jokes and aphorisms; BSD `fortune` data, rights of the quoted "
        "texts with their authors) and `fortunes-zh` (Chinese sayings, 300 Tang poems `tang300` and 100 "
        "Song lyrics `song100`; GPL-3.0+). See `/usr/share/doc/fortunes*/copyright`.",
        "",
        "How: records split on `%` lines; `.dat` indexes, `.u8` links and `ascii-art` skipped; ANSI colour "
        f"codes stripped; records over {MAX_RECORD_CHARS} characters and exact duplicates dropped; split "
        f"{100 - VALID_PERCENT - TEST_PERCENT}/{VALID_PERCENT}/{TEST_PERCENT} by a salted SHA-256 of each record.",
        "",
        f"Source files: {', '.join(sources)}.",
        "",
        "| split | language | records | characters |",
        "|---|---|---|---|",
        *rows,
        "",
    ])


def main(argv=None) -> None:
    """python -m aigc_demo.data.fortunes [--corpus-dir DIR] [--card docs/datasets/fortunes.md]"""
    import argparse

    from ..checkpoint import atomic_write_text

    p = argparse.ArgumentParser(prog="python -m aigc_demo.data.fortunes", description="Prepare the corpus and "
                                "write its dataset card (sizes per split and language).")
    p.add_argument("--corpus-dir")
    p.add_argument("--card", default=str(Path(__file__).resolve().parents[2] / "docs" / "datasets" / "fortunes.md"))
    args = p.parse_args(argv)
    records = read_records(args.corpus_dir)
    card = dataset_card(records, corpus_dir(args.corpus_dir))
    atomic_write_text(args.card, card)
    print(card)


if __name__ == "__main__":
    main()
