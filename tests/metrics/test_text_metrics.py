import pytest

from aigc_demo.metrics import text as text_metrics
from aigc_demo.studio import InputError, Studio


def test_identical_texts_score_100():
    r = Studio.bleu("the cat sat on the mat\na dog barked", "the cat sat on the mat\na dog barked")
    assert r["bleu"] == pytest.approx(100.0)
    assert r["sentence_bleu"] == [pytest.approx(100.0)] * 2
    assert r["signature"].startswith("nrefs:1|case:mixed|eff:yes|tok:13a")
    short = Studio.bleu("hi there\nok", "hi there\nok")  # no 4-grams at all
    assert short["bleu"] == pytest.approx(100.0)


def test_partial_overlap_scores_between():
    r = Studio.bleu("the cat sat on a mat today", "the cat sat on the mat")
    assert 0 < r["bleu"] < 100


def test_chinese_uses_the_zh_tokenizer():
    zh = "床前明月光，疑是地上霜。"
    r = Studio.bleu("床前明月光，疑是天上霜。", zh)
    assert r["tokenize"] == "zh" and "tok:zh" in r["signature"] and 0 < r["bleu"] < 100
    plain = text_metrics.bleu(["床前明月光，疑是天上霜。"], [zh], tokenize="13a")
    assert plain["bleu"] < r["bleu"]  # unsegmented, 13a sees one long "word"


@pytest.mark.parametrize("hyps, refs, message", [
    ("", "a", "at least one"),
    ("a\nb", "a", "2 hypothesis lines but 1 reference"),
    (None, "a", "must be text"),
    ("a" * 150_000, "b" * 60_000, "characters"),
])
def test_bad_input_is_explained(hyps, refs, message):
    with pytest.raises(InputError, match=message):
        Studio.bleu(hyps, refs)


def test_unknown_tokenizer():
    with pytest.raises(InputError, match="tokenize must be one of"):
        Studio.bleu("a", "a", tokenize="spacy")


def test_bootstrap_error_of_a_mean():
    assert text_metrics.bootstrap_std([0.3] * 50) == pytest.approx(0.0, abs=1e-12)
    coin = [0.0, 1.0] * 200  # standard error of the mean: sqrt(0.25 / 400) = 0.025
    assert text_metrics.bootstrap_std(coin) == pytest.approx(0.025, rel=0.1)
    assert text_metrics.bootstrap_std(coin, seed=1) != text_metrics.bootstrap_std(coin, seed=2)
    assert text_metrics.bootstrap_std([0.5]) != text_metrics.bootstrap_std([0.5])  # NaN: one value has no spread


def test_test_bleu_carries_its_bootstrap_error():
    texts = {"en": ["the cat sat on the mat", "a dog ran in the park", "the cat ran"] * 5}
    refs = {"en": ["the cat sat on the mat today", "a dog ran in the old park"]}
    figures = text_metrics.corpus_figures(texts, refs)
    lang, macro = figures["per_language"]["en"], figures["macro"]
    scores = text_metrics.test_bleu_scores(texts["en"], refs["en"], 4, "13a")
    assert lang["test_bleu_4"] == pytest.approx(sum(scores) / len(scores))
    assert 0 < lang["test_bleu_4_std"] < 0.2 and macro["test_bleu_4_std"] == pytest.approx(lang["test_bleu_4_std"])


def test_overlap_index_finds_the_longest_run_shared_with_one_record():
    index = text_metrics.OverlapIndex({"en": ["the cat sat on the mat", "a dog ran in the park"],
                                       "zh": ["春眠不觉晓，处处闻啼鸟。"]})
    hit = index.longest("Yesterday the cat sat on a mat.")
    assert hit == {"length": 4, "span": "the cat sat on", "record": "the cat sat on the mat"}
    # "mat a dog" exists only across two records: runs never span records
    assert index.longest("mat a dog")["length"] == 2
    assert index.longest("zebras")["length"] == 0 and index.longest("")["record"] is None
    assert index.longest("我说春眠不觉晓")["length"] == 5  # Chinese counts characters


def test_diversity_matched_is_the_coolest_temperature_as_diverse_as_real_text():
    nan = float("nan")
    sweep = [{"temperature": 0.75, "self_bleu_4": 0.40}, {"temperature": 0.8, "self_bleu_4": nan},
             {"temperature": 0.85, "self_bleu_4": 0.19}, {"temperature": 0.9, "self_bleu_4": 0.15},
             {"temperature": 1.0, "self_bleu_4": 0.10}]
    assert text_metrics.diversity_matched(sweep, 0.2)["temperature"] == 0.85  # 0.8 unmeasured, 0.75 too repetitive
    assert text_metrics.diversity_matched(sweep, 0.05) is None
    assert text_metrics.diversity_matched([], 0.2) is None


def test_bars_are_checked_under_each_decoding_against_the_baseline_under_the_same():
    real = {"test_bleu_4": 0.2, "self_bleu_4": 0.2}
    record = {"generated": {"test_perplexity": 90.0, "test_bleu_4": 0.14, "self_bleu_4": 0.1},
              "real_reference": real,
              "diversity_matched": {"temperature": 0.85, "generated": {"test_bleu_4": 0.17, "self_bleu_4": 0.19}}}
    baseline = {"model": "lstm", "generated": {"test_perplexity": 120.0, "test_bleu_4": 0.13},
                "diversity_matched": {"temperature": 0.9, "generated": {"test_bleu_4": 0.18, "self_bleu_4": 0.2}}}
    rows = {(r["decoding"], r["metric"], r["target"].split(" ")[0]): r["met"]
            for r in text_metrics.check_targets("gpt", record, baseline)}
    assert rows == {
        ("pure sampling", "self_bleu_4", "<="): True, ("pure sampling", "test_bleu_4", ">="): False,
        ("pure sampling", "test_perplexity", "<"): True, ("pure sampling", "test_bleu_4", ">"): True,
        ("diversity-matched (T=0.85)", "self_bleu_4", "<="): True,
        ("diversity-matched (T=0.85)", "test_bleu_4", ">="): True,  # 0.17 >= 0.75 x 0.2
        ("diversity-matched (T=0.85)", "test_bleu_4", ">"): False,  # the LSTM matched is better: 0.18
    }
    # an LSTM has only the diversity bar, under each decoding
    assert [r["decoding"] for r in text_metrics.check_targets("lstm", record, None)] == [
        "pure sampling", "diversity-matched (T=0.85)"]
