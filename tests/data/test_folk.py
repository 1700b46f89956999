import pytest

from aigc_demo.data import folk
from tests.conftest import FIXTURES

ABC = FIXTURES / "abc"


def test_a_tune_is_split_into_headers_and_a_body():
    text = "X: 7\nT: A Tune\nM: 6/8\nL: 1/8\nR: jig\nK:D\n|:dfa \"Em\"g2e|!trill!f3 {g}fed:|\n"
    headers, body = folk.parse_tune(text)
    assert headers == {"X": "7", "T": "A Tune", "M": "6/8", "L": "1/8", "R": "jig", "K": "D"}
    assert folk.clean(body) == "|:dfag2e|f3fed:|"  # the chord symbol, trill and grace note gone
    assert folk.tokenize(folk.clean(body)) == ["|:", "d", "f", "a", "g", "2", "e", "|", "f", "3", "f", "e", "d", ":|"]
    assert folk.header_tokens(headers) == ["M:6/8", "K:Dmaj", "R:jig", "L:1/8"]


@pytest.mark.parametrize("body", ["(3ABc d2>e ^f,/2 =g'3/2 z4 [CEG]2 |1 c2 :|2 c2 |] ::",
                                  "G3-A (Bcd=e) | f4 (g2dB) | ({d}c3-B) G2-E2 ||"])
def test_tokens_round_trip_to_the_cleaned_body(body):
    cleaned = folk.clean(body)
    tokens = folk.tokenize(cleaned)
    assert folk.detokenize(tokens) == cleaned
    assert "(3" in tokens or "(" not in cleaned  # a tuplet stays, slurs go


def test_what_the_vocabulary_cannot_read_is_refused():
    with pytest.raises(ValueError, match="no ABC token"):
        folk.tokenize("A2&B")


@pytest.mark.parametrize("value, token", [("G", "K:Gmaj"), ("Am", "K:Amin"), ("A minor", "K:Amin"), ("D Dorian", "K:Ddor"),
                                          ("Bb", "K:Bbmaj"), ("none", None), ("", None)])
def test_keys(value, token):
    assert folk.key_token(value) == token


def test_meters_and_types():
    assert [folk.meter_token(m) for m in ("6/8", "C", "C|", "2/4", "free")] == ["M:6/8", "M:4/4", "M:2/2", "M:2/4", None]
    assert folk.type_token("Strathspey") == "R:strathspey" and folk.type_token("") is None
    # one name a type: a double jig is the common jig, slip jigs spelt either way; rare types none
    assert [folk.type_token(t) for t in ("Double Jig", "slip jig", "Slipjig", "waltz")] == ["R:jig", "R:slipjig", "R:slipjig", None]


@pytest.mark.parametrize("headers, token", [({"L": "1/16"}, "L:1/16"), ({"M": "6/8"}, "L:1/8"), ({"M": "2/4"}, "L:1/16"),
                                            ({}, "L:1/8")])
def test_the_unit_note_length_follows_abc_defaults(headers, token):
    assert folk.unit_token(headers) == token


def test_the_model_reads_headers_then_body():
    splits = folk.splits(ABC)
    assert sum(len(v) for v in splits.values()) == 5
    first = next(t for texts in splits.values() for t in texts)
    tokens = first.split(" ")
    assert tokens[0].startswith("M:") and any(t.startswith("L:") for t in tokens[:4])


def test_the_corpus_reader_dedupes_and_splits_by_tune():
    tunes, dropped = folk.read_tunes(ABC)
    assert len(tunes) == 5 and dropped["duplicate"] == 1  # X: 99 repeats X: 2
    assert {t.collection for t in tunes} == {"oneills1850", "ryansMammoth"}
    assert tunes[0].title == "The Enchanted Valley" and tunes[0].tokens[:3] == ("G", "3", "A")
    assert all(t.split == folk.split_of(t.tokens) for t in tunes)
    stats = folk.statistics(tunes, dropped)
    assert sum(s["tunes"] for c in stats["collections"].values() for s in c.values()) == 5


def test_a_missing_corpus_says_how_to_get_it(tmp_path):
    with pytest.raises(folk.CorpusNotFound, match="No ABC corpus"):
        folk.corpus_dir(tmp_path / "nowhere")


@pytest.mark.parametrize("body, length", [("dfaagf", 6), ("(3ABcd2", 4), ("d>ef2", 4), ("[CEG]2A", 3), ("G3/2A/B", 3),
                                          ("[c2e2]d//d//", 2.5), ("z4", 4)])
def test_how_long_a_bar_lasts_in_units_of_l(body, length):
    assert folk.bar_length(folk.tokenize(body)) == length


def test_a_bar_the_count_cannot_follow_is_unknown():
    assert folk.bar_length(["(5", "A", "B", "c", "d", "e"]) is None
    assert folk.bar_length([">", "A"]) is None  # a broken rhythm with nothing before it


def test_real_bars_add_up_by_this_count():
    tunes, _ = folk.read_tunes(FIXTURES / "folk")
    counts = [folk.plain_bars_fitting(t) for t in tunes]
    fits, total = sum(f for f, _ in counts), sum(n for _, n in counts)
    assert total > 300 and fits / total > 0.95
    assert folk.full_bar("6/8", "1/8") == 6 and folk.full_bar("2/4", "1/16") == 8
    assert folk.bars(["A", "|", "d", "f", "||", "g"]) == [(["A"], "|"), (["d", "f"], "||")]
