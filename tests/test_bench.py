from aigc_demo import bench
from aigc_demo.studio import Studio


def test_bench_measures_every_image_model(tiny_checkpoints):
    rows = bench.bench_images(Studio(tiny_checkpoints), repeats=1)
    assert [r["what"].split("`")[1] for r in rows] == ["dcgan", "diffusion", "text_to_image", "vae"]
    assert all(float(r["p50 (s)"]) > 0 and r["met"] in ("yes", "**no**") for r in rows)
    assert bench.table(rows).count("\n") == len(rows) + 1


def test_bench_measures_every_text_model(tiny_checkpoints):
    rows = bench.bench_text(Studio(tiny_checkpoints), repeats=1, max_new_tokens=8)
    assert [r["what"].split("`")[1] for r in rows] == ["gpt", "lstm"]
    assert all(r["throughput"].endswith("new tokens/s") for r in rows)
    assert rows[0]["met"] in ("yes", "**no**") and rows[1]["met"] == ""  # the target is the GPT's


def test_bench_measures_endpoints_through_the_served_app(app_url):
    rows = bench.bench_endpoints(app_url, repeats=2, available={"/generate_text": ["gpt"], "/generate_image": ["dcgan"]})
    names = [r["what"] for r in rows]
    assert any("`/generate_text` (model='gpt'" in n for n in names) and not any("lstm" in n for n in names)
    assert any("`/bleu`" in n for n in names)
    assert all(0 < float(r["p50 (s)"]) <= float(r["p95 (s)"]) for r in rows)


def test_peak_memory_of_a_process():
    import os

    assert 10 < bench.peak_memory_mb(os.getpid()) < 100_000


def test_bench_measures_every_audio_model_and_vocoder(tiny_checkpoints):
    rows = bench.bench_audio(Studio(tiny_checkpoints), repeats=1)
    # (mel_diffusion, specgan) x (griffin-lim, istft_wavenet, wavenet) x texts
    assert len(rows) == 2 * 3 * len(bench.AUDIO_TEXTS)
    assert all(r["throughput"].startswith("real-time factor") and r["met"] in ("yes", "**no**") for r in rows)


def test_bench_compares_the_decoders_side_by_side(tiny_checkpoints):
    rows = bench.bench_decoding(Studio(tiny_checkpoints), repeats=1, max_new_tokens=8)
    assert len(rows) == 2 * 2 * 2  # (gpt, lstm) x (greedy, balanced) x (generate, compact)
    fast = [r for r in rows if "compact" in r["what"]]
    assert all(r["target"] == ">= 2x generate()" and r["met"] in ("yes", "**no**") for r in fast)


def test_bench_puts_endpoints_beside_the_same_work_in_process(app_url, tiny_checkpoints):
    rows = bench.bench_endpoints(app_url, repeats=1, requests=[("/generate_image", dict(model="dcgan", n=16))],
                                 studio=Studio(tiny_checkpoints))
    assert [r["what"] for r in rows] == ["endpoint `/generate_image` (model='dcgan', n=16)",
                                         "endpoint `/generate_image` (model='dcgan', n=16, files left on the server)"]
    assert all("overhead x" in r["throughput"] for r in rows) and rows[1]["target"] == "< 0.15 s"


def test_bench_measures_every_music_model(tiny_checkpoints):
    rows = bench.bench_music(Studio(tiny_checkpoints), repeats=2)
    # the folk model: composed; composed and rendered. The chorale model: composed; a melody harmonised
    assert [r["what"].split("`")[1] for r in rows] == ["folk_gpt", "folk_gpt", "bach_chorale", "bach_chorale"]
    assert rows[1]["target"] == "< 1 s" and rows[1]["met"] in ("yes", "**no**")
    assert float(rows[0]["p50 (s)"]) <= float(rows[1]["p50 (s)"])
    assert rows[2]["target"] == rows[3]["target"] == "< 3 s" and rows[2]["throughput"] == "8 bars"
