"""Validation of the text and audio entry points, which exist before their models do."""

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
])
def test_text_input_is_validated(studio, kwargs, message):
    with pytest.raises(InputError, match=message):
        studio.generate_text(**kwargs)


def test_text_without_models_says_so(studio):
    with pytest.raises(ModelUnavailable, match="no text model is trained yet"):
        studio.generate_text("Hello", "gpt")


@pytest.mark.parametrize("text, message", [
    ("", "empty"), ("12a", "Only the digits"), ("١٢", "Only the digits"), ("1" * 17, "At most 16 digits"),
])
def test_audio_input_is_validated(studio, text, message):
    with pytest.raises(InputError, match=message):
        studio.generate_audio("specgan", text)


def test_audio_without_models_says_so(studio):
    with pytest.raises(ModelUnavailable, match="no audio model is trained yet"):
        studio.generate_audio("specgan", "2026")


def test_overview_rows(studio):
    rows = studio.overview()
    assert [r["model"] for r in rows] == ["dcgan", "diffusion", "vae"]
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
    with open(checkpoints_copy / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert {r["model"] for r in rows} == {"dcgan", "diffusion", "vae"} and all(r["real data"] for r in rows)
