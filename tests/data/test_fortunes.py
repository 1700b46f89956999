"""Preparation of the fortunes corpus, on the fixture cut from the Debian files."""

import shutil

import pytest

from aigc_demo.data import fortunes
from tests.conftest import FORTUNES_FIXTURE


def test_records_are_cleaned_deduplicated_and_labelled():
    records = fortunes.read_records(FORTUNES_FIXTURE)
    texts = [r.text for r in records]
    assert len(texts) == len(set(texts))  # the duplicate appended to `cookie` is dropped
    assert not any("\x1b" in t for t in texts)  # the ANSI colour codes of the Chinese files are gone
    assert not any(t != t.strip("\n") or not t.strip() for t in texts)
    assert {r.source for r in records} == {"chinese", "computers", "cookie", "tang300"}  # no .dat, no .u8 link
    assert {r.language for r in records if r.source in ("chinese", "tang300")} == {"zh"}
    assert {r.language for r in records if r.source == "cookie"} == {"en"}
    poem = next(r.text for r in records if r.source == "tang300")
    assert "作者" in poem and "%" not in poem


def test_splits_are_disjoint_fixed_and_do_not_depend_on_the_rest_of_the_corpus(tmp_path):
    records = fortunes.read_records(FORTUNES_FIXTURE)
    by_split = {s: {r.text for r in records if r.split == s} for s in fortunes.SPLITS}
    assert all(by_split.values())
    assert not (by_split["train"] & by_split["test"]) and not (by_split["valid"] & by_split["test"])
    # a corpus with one file fewer keeps every remaining record in the same split
    shutil.copytree(FORTUNES_FIXTURE, tmp_path / "f", symlinks=True)
    (tmp_path / "f" / "chinese").unlink()
    fewer = fortunes.read_records(tmp_path / "f")
    assert all(r.split == fortunes.split_of(r.text) for r in fewer)
    assert {r.text for r in fewer if r.split == "test"} <= by_split["test"]


def test_missing_corpus_names_the_packages(tmp_path, monkeypatch):
    monkeypatch.delenv(fortunes.ENV_VAR, raising=False)
    with pytest.raises(fortunes.CorpusNotFound, match="apt-get install fortunes fortunes-zh"):
        fortunes.read_records(tmp_path)


def test_environment_variable_names_the_folder(monkeypatch):
    monkeypatch.setenv(fortunes.ENV_VAR, str(FORTUNES_FIXTURE))
    assert fortunes.corpus_dir() == FORTUNES_FIXTURE


def test_dataset_card_states_sizes_languages_and_licences():
    records = fortunes.read_records(FORTUNES_FIXTURE)
    card = fortunes.dataset_card(records, FORTUNES_FIXTURE)
    assert "GPL-3.0+" in card and "| test | zh |" in card and "ANSI" in card
