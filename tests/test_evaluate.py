"""The evaluate command: prints by default; --write stores a record (never a weaker one over a
stronger without --force, the old one kept); reproduced (--check), draws, the temperature sweep."""

import pytest


def test_evaluate_command_rewrites_metrics_and_the_results_table(checkpoints_copy):
    import csv

    from aigc_demo import checkpoint as ckpt
    from aigc_demo.evaluate import main

    before = ckpt.read_json(checkpoints_copy / "image" / "vae" / "metrics.json")
    (checkpoints_copy / "image" / "vae" / "metrics.json").unlink()
    main(["--model", "vae", "--n", "20", "--seed", "0", "--write", "--checkpoints", str(checkpoints_copy)])
    after = ckpt.read_json(checkpoints_copy / "image" / "vae" / "metrics.json")
    assert after["generated"] == before["generated"]  # same n and seed, same figures
    # standard FID is never stood in for: at 20 samples it says why it is missing
    assert after["fid_inceptionv3"] == {"available": False,
                                        "reason": "standard FID needs at least 10,000 samples; this run drew 20"}
    assert "Standard FID (InceptionV3): unavailable" in (checkpoints_copy / "image" / "vae" / "README.md").read_text()
    with open(checkpoints_copy / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert {r["model"] for r in rows} == {"gpt", "lstm", "dcgan", "diffusion", "vae", "specgan", "mel_diffusion", "wavenet", "istft_wavenet", "cyclegan",
                                          "seq2seq", "folk_gpt", "bach_chorale", "captioner", "text_to_image"}
    # the translators' comparisons are not real data; the music model's NLL, ratios and timing
    # have no real analogue (its validity, closeness and copying do)
    assert next(r for r in rows if r["model"] == "folk_gpt" and r["metric"] == "validity")["real data"]
    assert next(r for r in rows if r["model"] == "bach_chorale" and r["metric"] == "voice_crossing")["real data"]
    rows = [r for r in rows if r["model"] not in ("cyclegan", "seq2seq", "folk_gpt", "bach_chorale")]
    # every figure sits beside its real-data reference, except perplexity, which has none (and
    # prompt-following of requests the fixture's test split holds no real picture for)
    assert all(r["real data"] for r in rows if r["metric"] != "test_perplexity" and r["value"]
               and "guidance" not in r["metric"])


def test_evaluate_command_reproduces_an_audio_models_figures_through_each_vocoder(checkpoints_copy, digits_corpus):
    from aigc_demo import checkpoint as ckpt
    from aigc_demo.evaluate import main
    from aigc_demo.metrics.speech import CONTROLS

    folder = checkpoints_copy / "audio" / "specgan"
    before = ckpt.read_json(folder / "metrics.json")
    main(["--model", "specgan", "--n", "20", "--seed", "0", "--write", "--checkpoints", str(checkpoints_copy),
          "--corpus-dir", str(digits_corpus)])
    after = ckpt.read_json(folder / "metrics.json")
    vocoders = {"griffin-lim", "istft_wavenet", "wavenet"}
    assert after["vocoders"] == before["vocoders"] and set(after["vocoders"]) == vocoders
    # issue #5's bars through each vocoder; issue #17's voice bars through the headline one
    assert {(t["vocoder"], t["metric"]) for t in after["targets"]} == {
        (v, m) for v in vocoders for m in ("digit_accuracy", "fd_digits")} | {
        ("griffin-lim", "intelligibility"), ("griffin-lim", "voiced_share")}
    # the independent instruments: the same clips, the real ones (as they are and re-made by
    # each vocoder), and every negative control
    assert after["speech"] == before["speech"] and set(after["speech"]["generated"]) == vocoders
    assert set(after["speech"]["vocoded_reference"]) == vocoders
    assert set(after["speech"]["controls"]) == set(CONTROLS)
    card = (folder / "README.md").read_text()
    assert "Through each vocoder" in card and "control: time reversed" in card
    assert "real clips through griffin-lim" in card


def test_evaluate_command_reproduces_a_text_models_figures(checkpoints_copy):
    from aigc_demo import checkpoint as ckpt
    from aigc_demo.evaluate import main
    from tests.conftest import FORTUNES_FIXTURE

    folder = checkpoints_copy / "text" / "gpt"
    before = ckpt.read_json(folder / "metrics.json")
    (folder / "metrics.json").unlink()
    main(["--model", "gpt", "--n", "20", "--seed", "0", "--corpus-dir", str(FORTUNES_FIXTURE), "--write",
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
    main(["--model", "gpt", "--n", "20", "--seed", "0", "--corpus-dir", str(FORTUNES_FIXTURE), "--write",
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
    main(["--model", "vae", "--n", "20", "--seed", "0", "--draws", "3", "--write", "--checkpoints", str(checkpoints_copy)])
    three = ckpt.read_json(folder / "metrics.json")
    assert three["generated"]["fid_fmnist"] == one["generated"]["fid_fmnist"]  # the first draw is --seed's
    assert three["draws"]["seeds"] == [0, 1, 2] and len(set(three["draws"]["generated"]["fid_fmnist"])) == 3
    assert three["generated"]["fid_fmnist_std"] > 0 and "class_accuracy_std" in three["generated"]
    assert three["real_reference"]["fid_fmnist_std"] > 0 and "draws" in three["definitions"]
    assert three["command"].endswith("--draws 3")
    bars = comparison_bars([read_entry(folder, "image")], "fid_fmnist").data[0]
    assert bars.error_y.visible and list(bars.error_y.array) == [three["generated"]["fid_fmnist_std"]]


def test_check_reproduces_the_shipped_figures_and_catches_a_wrong_one(checkpoints_copy, digits_corpus, capsys):
    import json

    from aigc_demo.evaluate import main
    from tests.conftest import FORTUNES_FIXTURE

    vae = checkpoints_copy / "image" / "vae" / "metrics.json"
    args = ["--check", "--corpus-dir", str(FORTUNES_FIXTURE), "--checkpoints", str(checkpoints_copy)]
    # the audio records' speech figures score held-out real clips: the digits corpus
    corpus = {"specgan": ["--corpus-dir", str(digits_corpus)]}
    for model in ("vae", "gpt", "specgan"):
        with pytest.raises(SystemExit) as exit_:
            main(["--model", model, *args, *corpus.get(model, [])])
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


def _files(folder) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_default_run_prints_and_changes_nothing(checkpoints_copy, tmp_path, capsys):
    import json

    from aigc_demo.evaluate import main
    from tests.conftest import FMNIST_FIXTURE

    before = _files(checkpoints_copy)
    out = tmp_path / "mine.json"
    main(["--model", "vae", "--n", "10", "--seed", "3", "--out", str(out), "--checkpoints", str(checkpoints_copy)])
    assert _files(checkpoints_copy) == before  # byte for byte: no metrics.json, card or results.csv touched
    printed = capsys.readouterr().out
    assert "vae: fid_fmnist" in printed and "no checkpoint was changed" in printed
    record = json.loads(out.read_text())["vae"]
    assert record["n"] == 10 and record["seed"] == 3 and "fid_fmnist" in record["generated"]
    # a record without generated-vs-real figures (the translator's) prints its headline and bars
    main(["--model", "cyclegan", "--n", "10", "--seed", "0", "--checkpoints", str(checkpoints_copy),
          "--corpus-dir", str(FMNIST_FIXTURE)])
    printed = capsys.readouterr().out
    assert "cyclegan: target-class accuracy (both ways)" in printed and "bar silhouette_iou_margin (a_to_b)" in printed
    assert _files(checkpoints_copy) == before


@pytest.mark.parametrize("weaker, why", [
    (["--n", "10", "--seed", "0"], "measured on 20 samples, this on 10"),
    (["--n", "20", "--seed", "4"], "with seed 0, this with seed 4"),
])
def test_write_keeps_a_stronger_record_unless_forced(checkpoints_copy, capsys, weaker, why):
    from aigc_demo import checkpoint as ckpt
    from aigc_demo.evaluate import PREVIOUS_METRICS_FILE, main

    folder = checkpoints_copy / "image" / "vae"
    before = _files(checkpoints_copy)
    args = ["--model", "vae", *weaker, "--write", "--checkpoints", str(checkpoints_copy)]
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 1
    message = capsys.readouterr().err
    assert "kept its record" in message and why in message and "--force" in message
    changed = {k for k in _files(checkpoints_copy) if _files(checkpoints_copy)[k] != before.get(k)}
    assert changed <= {"results.csv"}  # the table is rewritten from the records, which stand
    shipped = (folder / "metrics.json").read_bytes()
    main([*args, "--force"])
    assert (folder / PREVIOUS_METRICS_FILE).read_bytes() == shipped  # a mistaken --force can be undone
    assert ckpt.read_json(folder / "metrics.json")["seed"] == int(weaker[3])


def test_fewer_draws_do_not_replace_more(checkpoints_copy, capsys):
    from aigc_demo.evaluate import main

    args = ["--model", "vae", "--n", "20", "--seed", "0", "--write", "--checkpoints", str(checkpoints_copy)]
    main([*args, "--draws", "2"])
    with pytest.raises(SystemExit):
        main(args)
    assert "over 2 draws, this over 1" in capsys.readouterr().err


def test_force_needs_write_and_check_writes_nothing(checkpoints_copy):
    from aigc_demo.evaluate import main

    for bad in (["--force"], ["--check", "--write"], ["--check", "--out", "x.json"]):
        with pytest.raises(SystemExit) as exit_:
            main(["--model", "vae", *bad, "--checkpoints", str(checkpoints_copy)])
        assert exit_.value.code == 2  # argparse's usage error, with its message
