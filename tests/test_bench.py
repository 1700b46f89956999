from aigc_demo import bench
from aigc_demo.studio import Studio


def test_bench_measures_every_image_model(tiny_checkpoints):
    rows = bench.bench_images(Studio(tiny_checkpoints), repeats=1)
    assert [r["what"].split("`")[1] for r in rows] == ["dcgan", "diffusion", "vae"]
    assert all(float(r["p50 (s)"]) > 0 and r["met"] in ("yes", "**no**") for r in rows)
    assert bench.table(rows).count("\n") == len(rows) + 1


def test_bench_measures_every_text_model(tiny_checkpoints):
    rows = bench.bench_text(Studio(tiny_checkpoints), repeats=1, max_new_tokens=8)
    assert [r["what"].split("`")[1] for r in rows] == ["gpt", "lstm"]
    assert all(r["throughput"].endswith("new tokens/s") for r in rows)
    assert rows[0]["met"] in ("yes", "**no**") and rows[1]["met"] == ""  # the target is the GPT's
