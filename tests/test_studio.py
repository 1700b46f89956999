"""The studio's entry points: validation, hub ids, measuring."""

import pytest

from aigc_demo.studio import InputError, ModelUnavailable, Studio


@pytest.fixture(scope="module")
def studio(tiny_checkpoints):
    return Studio(tiny_checkpoints)


@pytest.mark.parametrize("kwargs, message", [
    (dict(prompt="", model="gpt"), "prompt is empty"),
    (dict(prompt="   ", model="gpt"), "prompt is empty"),
    (dict(prompt="Hi", model="gpt", max_new_tokens=0), "max_new_tokens must be between 1 and 512"),
    (dict(prompt="Hi", model="gpt", max_new_tokens=513), "max_new_tokens"),
    (dict(prompt="Hi", model="gpt", temperature=float("inf")), "temperature"),
    (dict(prompt="Hi", model="gpt", top_p=0), "top_p must be above 0"),
    (dict(prompt="Hi", model="gpt", num_beams=9), "num_beams"),
    (dict(prompt="Hi", model="gpt", seed=-2), "seed"),
    (dict(prompt=None, model="gpt"), "prompt is empty"),
    (dict(prompt="x" * 4001, model="gpt"), "at most 4,000"),
    (dict(prompt="Hi", model=""), "model must be a text model"),
    (dict(prompt="Hi", model="../../etc/passwd"), "Unknown text model"),
    (dict(prompt="Hi", model="tests"), "Unknown text model"),  # a local folder is never read as a hub id
])
def test_text_input_is_validated(studio, kwargs, message):
    with pytest.raises(InputError, match=message):
        studio.generate_text(**kwargs)


def test_text_without_models_says_so(tmp_path):
    with pytest.raises(InputError, match="Unknown text model 'gpt'. Built-in: none"):
        Studio(tmp_path).generate_text("Hello", "gpt")
    with pytest.raises(ModelUnavailable, match="Hugging Face Hub cannot be reached"):
        Studio(tmp_path).generate_text("Hello", "openai-community/gpt2")  # a hub id: tried, but offline


def test_compare_text_uses_one_seed_for_both_models(studio):
    a, b = studio.compare_text("Love", "gpt", "lstm", seed=None, max_new_tokens=4)
    assert a.meta["seed"] == b.meta["seed"] and (a.meta["model"], b.meta["model"]) == ("gpt", "lstm")


class _Info:
    def __init__(self, total):
        self.safetensors = None if total is None else type("S", (), {"total": total})()


@pytest.mark.parametrize("total, message", [
    (None, "no safetensors weights"),
    (7_000_000_000, "7,000 M parameters"),
])
def test_hub_models_are_checked_before_download(monkeypatch, tmp_path, total, message):
    # the network's answer is the only thing faked: what model_info would say of a repository
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "model_info", lambda model_id: _Info(total))
    with pytest.raises(ModelUnavailable, match=message):
        Studio(tmp_path).generate_text("Hello", "someone/big-model")


@pytest.mark.parametrize("text, message", [
    ("", "empty"), ("12a", "Only the digits"), ("١٢", "Only the digits"), ("1" * 17, "At most 16 digits"),
])
def test_audio_input_is_validated(studio, text, message):
    with pytest.raises(InputError, match=message):
        studio.generate_audio("specgan", text)


@pytest.mark.parametrize("kwargs, message", [
    (dict(model="wavenet"), "is a vocoder; pick a generator"),
    (dict(model="specgan", vocoder="specgan"), "is a generator, not a vocoder"),
    (dict(model="specgan", vocoder="../wavenet"), "Unknown vocoder"),
    (dict(model="specgan", variety=2.5), "variety must be between 0.0 and 2.0"),
    (dict(model="specgan", variety="loud"), "variety must be a number"),
    (dict(model="nope"), "Unknown audio model 'nope'. Available: specgan, wavenet"),
])
def test_audio_models_and_vocoders_are_validated(studio, kwargs, message):
    with pytest.raises((InputError, ModelUnavailable), match=message):
        studio.generate_audio(text="12", **kwargs)


def test_audio_without_models_says_so(tmp_path):
    with pytest.raises(ModelUnavailable, match="no audio model is trained yet"):
        Studio(tmp_path).generate_audio("specgan", "2026")


def test_overview_rows(studio):
    rows = studio.overview()
    assert [(r["modality"], r["model"]) for r in rows] == [("text", "gpt"), ("text", "lstm"), ("image", "dcgan"),
                                                         ("image", "diffusion"), ("image", "vae"),
                                                         ("audio", "specgan"), ("audio", "wavenet")]
    assert all(r["status"] == "ready" for r in rows)


def test_measuring_now_reproduces_the_evaluate_command(tiny_checkpoints):
    studio = Studio(tiny_checkpoints)
    steps = list(studio.measure_image("vae", n=20, seed=0))
    assert [s["done"] for s in steps[:-1]] == [20] and "result" in steps[-1]
    record = steps[-1]["result"]
    shipped = studio.cache.entry("image", "vae").metrics  # written by the same code at export, n=20, seed 0
    assert record["generated"] == shipped["generated"]
    assert record["real_reference"] == shipped["real_reference"]


@pytest.mark.parametrize("kwargs, message", [(dict(n=15), "multiple of 10"), (dict(n=0), "between 10"),
                                             (dict(n=20000), "between 10 and 10000"), (dict(seed=-3), "seed")])
def test_measuring_input_is_validated(studio, kwargs, message):
    with pytest.raises(InputError, match=message):
        list(studio.measure_image("vae", **kwargs))


def test_evaluate_command_rewrites_metrics_and_the_results_table(checkpoints_copy):
    import csv

    from aigc_demo import checkpoint as ckpt
    from aigc_demo.evaluate import main

    before = ckpt.read_json(checkpoints_copy / "image" / "vae" / "metrics.json")
    (checkpoints_copy / "image" / "vae" / "metrics.json").unlink()
    main(["--model", "vae", "--n", "20", "--seed", "0", "--checkpoints", str(checkpoints_copy)])
    after = ckpt.read_json(checkpoints_copy / "image" / "vae" / "metrics.json")
    assert after["generated"] == before["generated"]  # same n and seed, same figures
    # standard FID is never stood in for: at 20 samples it says why it is missing
    assert after["fid_inceptionv3"] == {"available": False,
                                        "reason": "standard FID needs at least 10,000 samples; this run drew 20"}
    assert "Standard FID (InceptionV3): unavailable" in (checkpoints_copy / "image" / "vae" / "README.md").read_text()
    with open(checkpoints_copy / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert {r["model"] for r in rows} == {"gpt", "lstm", "dcgan", "diffusion", "vae", "specgan", "wavenet"}
    # every figure sits beside its real-data reference, except perplexity, which has none
    assert all(r["real data"] for r in rows if r["metric"] != "test_perplexity" and r["value"])


def test_evaluate_command_reproduces_an_audio_models_figures_through_each_vocoder(checkpoints_copy):
    from aigc_demo import checkpoint as ckpt
    from aigc_demo.evaluate import main

    folder = checkpoints_copy / "audio" / "specgan"
    before = ckpt.read_json(folder / "metrics.json")
    main(["--model", "specgan", "--n", "20", "--seed", "0", "--checkpoints", str(checkpoints_copy)])
    after = ckpt.read_json(folder / "metrics.json")
    assert after["vocoders"] == before["vocoders"] and set(after["vocoders"]) == {"griffin-lim", "wavenet"}
    assert {(t["vocoder"], t["metric"]) for t in after["targets"]} == {
        (v, m) for v in ("griffin-lim", "wavenet") for m in ("digit_accuracy", "fd_digits")}
    assert "Through each vocoder" in (folder / "README.md").read_text()


def test_evaluate_command_reproduces_a_text_models_figures(checkpoints_copy):
    from aigc_demo import checkpoint as ckpt
    from aigc_demo.evaluate import main
    from tests.conftest import FORTUNES_FIXTURE

    folder = checkpoints_copy / "text" / "gpt"
    before = ckpt.read_json(folder / "metrics.json")
    (folder / "metrics.json").unlink()
    main(["--model", "gpt", "--n", "20", "--seed", "0", "--corpus-dir", str(FORTUNES_FIXTURE),
          "--checkpoints", str(checkpoints_copy)])
    after = ckpt.read_json(folder / "metrics.json")
    assert after["generated"] == before["generated"] and after["real_reference"] == before["real_reference"]
    assert after["bleu_signatures"]["en"].startswith("nrefs:") and "tok:zh" in after["bleu_signatures"]["zh"]
    assert {t["metric"] for t in after["targets"]} >= {"self_bleu_4", "test_bleu_4", "test_perplexity"}
    assert "Per language" in (folder / "README.md").read_text()


def test_text_models_are_also_measured_along_a_temperature_sweep(checkpoints_copy, monkeypatch):
    from aigc_demo import checkpoint as ckpt
    from aigc_demo.evaluate import main
    from aigc_demo.metrics import text as tm
    from aigc_demo.plots import quality_diversity
    from aigc_demo.registry import read_entry
    from tests.conftest import FORTUNES_FIXTURE

    # Self-BLEU on 3 texts per language, so that 20 samples of a tiny model can be matched
    monkeypatch.setattr(tm, "SELF_BLEU_N", 3)
    folder = checkpoints_copy / "text" / "gpt"
    main(["--model", "gpt", "--n", "20", "--seed", "0", "--corpus-dir", str(FORTUNES_FIXTURE),
          "--checkpoints", str(checkpoints_copy)])
    record = ckpt.read_json(folder / "metrics.json")
    sweep = record["temperature_sweep"]
    assert [row["temperature"] for row in sweep] == list(tm.TEMPERATURES)
    pure = sweep[-1]
    assert pure["temperature"] == 1.0 and all(pure[k] == v for k, v in record["generated"].items() if k in pure)
    assert sum(pure["texts_per_language"].values()) == 20
    assert len({row["test_bleu_4"] for row in sweep}) > 1  # each temperature drew its own samples
    # the choice uses Self-BLEU only: the coolest temperature at least as diverse as the validation text
    real = record["real_reference"]["self_bleu_4"]
    eligible = [row["temperature"] for row in sweep if row["self_bleu_4"] is not None and row["self_bleu_4"] <= real]
    matched = record["diversity_matched"]
    assert eligible, "the fixture should give the tiny model a matched temperature"
    assert matched["temperature"] == min(eligible)
    row = next(r for r in sweep if r["temperature"] == matched["temperature"])
    assert matched["generated"] == {k: v for k, v in row.items() if k not in ("temperature", "texts_per_language")}
    decodings = {t["decoding"] for t in record["targets"]}
    assert decodings == {"pure sampling", f"diversity-matched (T={matched['temperature']:g})"}
    card = (folder / "README.md").read_text()
    assert "Temperature sweep" in card and f"temperature: **{matched['temperature']:g}**" in card
    figure = quality_diversity([read_entry(folder, "text")])
    assert [list(t.x) for t in figure.data[:1]] == [[r["self_bleu_4"] for r in sweep]]
    assert figure.data[-1].name == "real text (validation split)" and figure.data[-1].x[0] == real


def test_several_draws_give_the_frechet_distance_an_error_bar(checkpoints_copy):
    from aigc_demo import checkpoint as ckpt
    from aigc_demo.evaluate import main
    from aigc_demo.plots import comparison_bars
    from aigc_demo.registry import read_entry

    folder = checkpoints_copy / "image" / "vae"
    one = ckpt.read_json(folder / "metrics.json")  # written at export: n=20, seed 0, one draw
    main(["--model", "vae", "--n", "20", "--seed", "0", "--draws", "3", "--checkpoints", str(checkpoints_copy)])
    three = ckpt.read_json(folder / "metrics.json")
    assert three["generated"]["fid_fmnist"] == one["generated"]["fid_fmnist"]  # the first draw is --seed's
    assert three["draws"]["seeds"] == [0, 1, 2] and len(set(three["draws"]["generated"]["fid_fmnist"])) == 3
    assert three["generated"]["fid_fmnist_std"] > 0 and "class_accuracy_std" in three["generated"]
    assert three["real_reference"]["fid_fmnist_std"] > 0 and "draws" in three["definitions"]
    assert three["command"].endswith("--draws 3")
    bars = comparison_bars([read_entry(folder, "image")], "fid_fmnist").data[0]
    assert bars.error_y.visible and list(bars.error_y.array) == [three["generated"]["fid_fmnist_std"]]


def test_check_reproduces_the_shipped_figures_and_catches_a_wrong_one(checkpoints_copy, capsys):
    import json

    from aigc_demo.evaluate import main
    from tests.conftest import FORTUNES_FIXTURE

    vae = checkpoints_copy / "image" / "vae" / "metrics.json"
    args = ["--check", "--corpus-dir", str(FORTUNES_FIXTURE), "--checkpoints", str(checkpoints_copy)]
    for model in ("vae", "gpt", "specgan"):
        with pytest.raises(SystemExit) as exit_:
            main(["--model", model, *args])
        assert exit_.value.code == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "figures reproduced within their stated uncertainty" in out and "vocoder wavenet" in out
    shipped = json.loads(vae.read_text())
    shipped["generated"]["class_accuracy"] += 0.2  # a figure nobody measured
    vae.write_text(json.dumps(shipped))
    with pytest.raises(SystemExit) as exit_:
        main(["--model", "vae", *args])
    assert exit_.value.code == 1
    assert "outside: vae generated class_accuracy" in capsys.readouterr().out
    assert json.loads(vae.read_text()) == shipped  # --check writes nothing


def test_hub_speech_is_checked_and_explains_offline(monkeypatch, tmp_path):
    import huggingface_hub

    studio = Studio(tmp_path)
    with pytest.raises(InputError, match="owner/name, e.g. facebook/mms-tts-eng"):
        studio.speak_text_hub("tests", "hello")  # a local folder is never read as a hub id
    with pytest.raises(InputError, match="text is empty"):
        studio.speak_text_hub("facebook/mms-tts-eng", "  ")
    with pytest.raises(ModelUnavailable, match="Hugging Face Hub cannot be reached"):
        studio.speak_text_hub("facebook/mms-tts-eng", "hello")  # no network here
    monkeypatch.setattr(huggingface_hub, "model_info", lambda model_id: _Info(None))
    with pytest.raises(ModelUnavailable, match="no safetensors weights"):
        studio.speak_text_hub("someone/pickled-tts", "hello")


def test_text_copy_check_finds_runs_shared_with_the_training_text(tiny_checkpoints, monkeypatch):
    from tests.conftest import FORTUNES_FIXTURE

    monkeypatch.setenv("FORTUNES_DIR", str(FORTUNES_FIXTURE))
    studio = Studio(tiny_checkpoints)
    r = studio.nearest_training_texts("gpt", n=3, seed=5)
    assert len(r["rows"]) == 3 and r["seed"] == 5 and r["typical_length"] > 0
    for row in r["rows"]:
        assert (row["longest_overlap"] == 0) == (row["training_record"] is None)
        if row["training_record"]:
            assert studio.text_overlap_index()["index"].longest(row["sample"]) == {
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
