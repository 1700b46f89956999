from aigc_demo import plots, registry


def test_training_curves_overlay_models_with_raw_and_smoothed_lines(tiny_checkpoints):
    entries = registry.discover(tiny_checkpoints)
    cols = plots.curve_columns(entries)
    assert {"d_loss", "g_loss", "recon", "kl", "loss", "fid_fmnist", "class_accuracy"} <= set(cols)
    fig = plots.training_curves(entries, "fid_fmnist", x="epoch", smoothing=0.5, log_y=True)
    names = [t.name for t in fig.data]
    assert names.count("dcgan") == 1 and "dcgan (raw)" in names and "vae" in names
    assert fig.layout.yaxis.type == "log"
    empty = plots.training_curves(entries, "not-a-column")
    assert not empty.data and "no model logged" in empty.layout.annotations[0].text


def test_ema_smoothing():
    import pandas as pd

    s = pd.Series([0.0, 10.0, 10.0, 10.0])
    assert plots.ema(s, 0).tolist() == s.tolist()
    smoothed = plots.ema(s, 0.9)
    assert smoothed.iloc[0] == 0 and 0 < smoothed.iloc[-1] < 10


def test_metrics_table_has_reference_beside_each_value(tiny_checkpoints):
    table = plots.metrics_table(registry.discover(tiny_checkpoints))
    assert set(table["model"]) == {"gpt", "lstm", "dcgan", "vae", "diffusion", "specgan", "mel_diffusion", "wavenet", "istft_wavenet",
                                    "cyclegan", "seq2seq",
                                    "captioner",
                                    "folk_gpt", "bach_chorale", "text_to_image"}
    # translators compare with other things than real data; the music model has its own test
    generators = table[~table["model"].isin(["cyclegan", "seq2seq", "folk_gpt", "bach_chorale"])]
    assert (generators["samples"] == 20).all()
    # every measured figure has its real-data reference; perplexity has no real-data analogue
    # (prompt-following of a request the fixture's test split has no real picture for has none)
    measured = generators[generators["value"].notna() & (generators["metric"] != "test_perplexity")
                          & ~generators["metric"].str.contains("guidance")]
    assert measured["real data"].notna().all() and len(measured) > 15
    # a translator's figures per direction, the poet's per decoding and the GPT's beside them
    assert "target_accuracy (Sneaker → Ankle boot)" in set(table[table["model"] == "cyclegan"]["metric"])
    assert {"bleu_4 (seq2seq_beam4)", "bleu_4 (gpt (gpt))"} <= set(table[table["model"] == "seq2seq"]["metric"])
    # the captioner's per language, decoding and pictures, beside the real-caption ceiling
    captions = table[table["model"] == "captioner"].set_index("metric")
    assert captions.loc["class_accuracy (en greedy all)", "real data"] == 1.0
    # the text-to-image model's prompt-following per setting, beside real pictures of the same caption
    prompts = table[table["model"] == "text_to_image"].set_index("metric")
    assert prompts.loc["attribute_hit (en guidance 2, seen)", "real data"] == 1.0


def test_epoch_grids_are_listed_in_order(tiny_checkpoints):
    entry = {e.name: e for e in registry.discover(tiny_checkpoints)}["dcgan"]
    grids = plots.epoch_grids(entry)
    assert list(grids) == ["epoch 0 + 3 batches"]
    assert grids["epoch 0 + 3 batches"].endswith("epoch_000_batch_3.png")


def test_comparison_bars_carry_the_real_data_reference(tiny_checkpoints):
    entries = registry.discover(tiny_checkpoints)
    assert {"fid_fmnist", "kid_fmnist", "test_bleu_4", "self_bleu_4", "fd_digits", "digit_accuracy"} <= set(
        plots.comparable_metrics(entries))
    fig = plots.comparison_bars(entries, "kid_fmnist")
    bar, ref = fig.data
    assert list(bar.x) == ["dcgan", "diffusion", "text_to_image", "vae"] and bar.error_y.visible
    assert len(ref.y) == 4 and ref.name == "real data (same n)"
    bar, ref = plots.comparison_bars(entries, "test_bleu_4").data  # the BLEU family, same chart
    assert list(bar.x) == ["gpt", "lstm"] and all(r is not None for r in ref.y)
    assert bar.error_y.visible  # bootstrap errors of test-BLEU-4
    bar, ref = plots.comparison_bars(entries, "fd_digits").data  # and the audio family
    assert list(bar.x) == ["istft_wavenet", "mel_diffusion", "specgan", "wavenet"] and all(r is not None for r in ref.y)


def test_training_texts_are_listed_in_step_order(tiny_checkpoints):
    entry = {e.name: e for e in registry.discover(tiny_checkpoints)}["gpt"]
    texts = plots.training_texts(entry)
    steps = [int(k.split()[1]) for k in texts]
    assert steps == sorted(steps) and len(steps) >= 2
    assert "'A friend is'" in open(texts[f"step {steps[-1]}"], encoding="utf-8").read()


def test_grid_lays_images_out_in_rows_and_strip_in_one():
    from PIL import Image

    from aigc_demo import plots

    ims = [Image.new("L", (28, 28), 10 * i) for i in range(8)]
    g = plots.grid(ims, columns=4, pad=2)
    assert g.size == (4 * 30 + 2, 2 * 30 + 2)
    assert g.getpixel((2, 2)) == 0 and g.getpixel((2 + 30, 2)) == 10 and g.getpixel((2, 2 + 30)) == 40
    assert g.getpixel((0, 0)) == 255  # the white padding
    assert plots.grid(ims, columns=4, scale=4).size == (4 * 122, 4 * 62)
    assert plots.strip(ims[:3]).size == (3 * 30 + 2, 32)


def test_the_attention_heat_map_keeps_a_column_for_each_repeated_character():
    import json

    from aigc_demo import plots

    fig = plots.attention_heatmap("年年岁岁花相似", "岁岁年年", [[1 / 7] * 7] * 4)
    data = json.loads(fig.to_json())
    assert data["layout"]["xaxis"]["ticktext"] == list("年年岁岁花相似") and len(data["data"][0]["x"]) == 7
    assert len(data["data"][0]["y"]) == 4
