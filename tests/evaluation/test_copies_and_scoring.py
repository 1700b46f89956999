"""evaluation/copies.py and scoring.py through the studio: the text copy check and your own texts."""

import pytest

from aigc_demo.studio import InputError, ModelUnavailable, Studio


def test_text_copy_check_finds_runs_shared_with_the_training_text(tiny_checkpoints, monkeypatch):
    from tests.conftest import FORTUNES_FIXTURE

    monkeypatch.setenv("FORTUNES_DIR", str(FORTUNES_FIXTURE))
    studio = Studio(tiny_checkpoints)
    r = studio.nearest_training_texts("gpt", n=3, seed=5)
    assert len(r["rows"]) == 3 and r["seed"] == 5 and r["typical_length"] > 0
    for row in r["rows"]:
        assert (row["longest_overlap"] == 0) == (row["training_record"] is None)
        if row["training_record"]:
            assert studio.evaluators.text_overlap()["index"].longest(row["sample"]) == {
                "length": row["longest_overlap"], "span": row["shared"], "record": row["training_record"]}
    assert r["rows"] == studio.nearest_training_texts("gpt", n=3, seed=5)["rows"]  # seeded
    for kwargs, message in [(dict(n=0), "between 1"), (dict(n=17), "between 1 and 16"), (dict(model="nope"), "Unknown text model")]:
        with pytest.raises(InputError, match=message):
            studio.nearest_training_texts(**{"model": "gpt", **kwargs})


def test_text_copy_check_without_the_corpus_says_what_to_install(tiny_checkpoints, monkeypatch, tmp_path):
    monkeypatch.setenv("FORTUNES_DIR", str(tmp_path))
    with pytest.raises(ModelUnavailable, match="apt-get install fortunes"):
        Studio(tiny_checkpoints).nearest_training_texts("gpt", n=1, seed=0)


def test_your_own_texts_are_scored_against_the_test_split(tiny_checkpoints, monkeypatch, tmp_path):
    from aigc_demo.data import fortunes
    from aigc_demo.metrics import text as tm
    from tests.conftest import FORTUNES_FIXTURE

    monkeypatch.setenv("FORTUNES_DIR", str(FORTUNES_FIXTURE))
    test = fortunes.splits(FORTUNES_FIXTURE)["test"]
    english = [r.text.replace("\n", " ") for r in test if r.language == "en"][:5]
    upload = tmp_path / "mine.txt"
    upload.write_text("春眠不觉晓，处处闻啼鸟。\n", encoding="utf-8")
    studio = Studio(tiny_checkpoints)
    r = studio.score_texts("\n".join(english) + "\n\n", [str(upload)], seed=0)
    assert r["n"] == 6 and set(r["per_language"]) == {"en", "zh"} and len(r["notices"]) == 2
    en = r["per_language"]["en"]
    refs = [t.text for t in test if t.language == "en"]
    assert en["test_bleu_4"] == pytest.approx(tm.test_bleu(english, refs, 4, "13a"))
    assert set(r["real_reference"]["en"]) >= {"test_bleu_4"}  # from the shipped text models' metrics
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9".encode("latin-1"))
    for args, message in [(("", []), "Paste some texts"), (("x\n" * 2001, []), "At most 2000 lines"),
                          (("", [str(bad)]), "not UTF-8"), ((42, []), "must be a string")]:
        with pytest.raises(InputError, match=message):
            studio.score_texts(*args)
