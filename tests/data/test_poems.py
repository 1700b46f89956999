from aigc_demo.data import fortunes, poems
from tests.conftest import FORTUNES_FIXTURE

POEM = "\x1b[32m《静夜思》\x1b[m\n\x1b[33m作者：李白\x1b[m\n床前明月光，疑是地上霜。\n举头望明月，低头思故乡。"


def test_a_poem_is_cut_into_lines_and_adjacent_pairs():
    title, lines = poems.poem_lines(fortunes.clean(POEM))
    assert title == "《静夜思》" and lines == ["床前明月光", "疑是地上霜", "举头望明月", "低头思故乡"]
    pairs = poems.pairs_of(fortunes.clean(POEM), "tang300")
    assert [(p.line, p.next_line) for p in pairs] == [("床前明月光", "疑是地上霜"), ("疑是地上霜", "举头望明月"),
                                                      ("举头望明月", "低头思故乡")]


def test_lines_of_other_lengths_break_the_chain():
    pairs = poems.pairs_of("《题》\n春风又绿江南岸，明月何时照我还。\n一二三四，五六七八九十。")
    assert [(p.line, p.next_line) for p in pairs] == [("春风又绿江南岸", "明月何时照我还")]
    assert not poems.is_han("abc") and not poems.is_han("明月，") and poems.is_han("明月")


def test_the_split_is_the_corpus_split_by_poem():
    pairs = poems.line_pairs(FORTUNES_FIXTURE)
    split_of_poem = {}
    for split, ps in pairs.items():
        for p in ps:
            assert split_of_poem.setdefault((p.source, p.poem), split) == split  # a poem never spans two splits
            assert len(p.line) in poems.FORMS and len(p.next_line) in poems.FORMS
    assert all(pairs[s] for s in fortunes.SPLITS)
    stats = poems.statistics(pairs)
    assert stats["train"]["pairs"] == len(pairs["train"]) and set(stats["test"]["forms"]) <= {5, 7}
