
import numpy as np
import pytest
from PIL import Image

from aigc_demo.controls import InputError
from aigc_demo.studio import Studio

MODELS = ["dcgan", "vae", "diffusion"]
FAST = {"diffusion": {"steps": 3}}


@pytest.fixture(scope="module")
def studio(tiny_image_checkpoints):
    return Studio(tiny_image_checkpoints)


def pixels(out):
    return np.stack([np.asarray(im) for im in out.images])


@pytest.mark.parametrize("model", MODELS)
def test_same_inputs_give_identical_pixels(studio, model):
    a = studio.generate_image(model, label="Sneaker", n=5, seed=123, **FAST.get(model, {}))
    b = studio.generate_image(model, label="Sneaker", n=5, seed=123, **FAST.get(model, {}))
    c = studio.generate_image(model, label="Sneaker", n=5, seed=124, **FAST.get(model, {}))
    assert np.array_equal(pixels(a), pixels(b))
    assert not np.array_equal(pixels(a), pixels(c))
    assert all(im.size == (28, 28) and im.mode == "L" for im in a.images)
    assert a.labels == ["Sneaker"] * 5


@pytest.mark.parametrize("model", MODELS)
def test_metadata_contract(studio, model):
    out = studio.generate_image(model, n=3, seed=None, **FAST.get(model, {}))
    m = out.meta
    assert m["model"] == model and len(m["checkpoint_sha256"]) == 64
    assert isinstance(m["seed"], int) and 0 <= m["seed"]
    assert m["device"] == "cpu" and m["seconds"] >= 0
    assert m["params"]["n"] == 3 and m["params"]["label"] == "all classes"
    # the effective random seed reproduces the output
    again = studio.generate_image(model, n=3, seed=m["seed"], **FAST.get(model, {}))
    assert np.array_equal(pixels(out), pixels(again))


def test_mixed_grid_cycles_through_classes(studio):
    out = studio.generate_image("dcgan", label="all classes", n=12, seed=0)
    assert out.labels[:10] == ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                               "Bag", "Ankle boot"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(model="dcgan", n=0), "n must be between 1 and 64"),
    (dict(model="dcgan", n=65), "n must be between 1 and 64"),
    (dict(model="dcgan", n=2.5), "whole number"),
    (dict(model="dcgan", seed=-5), "seed must be between"),
    (dict(model="dcgan", seed=1.5), "seed must be a whole number"),
    (dict(model="dcgan", seed="abc"), "seed must be a whole number"),
    (dict(model="dcgan", label="Hat"), "Unknown class 'Hat'"),
    (dict(model="dcgan", truncation=float("nan")), "truncation must be a number"),
    (dict(model="vae", temperature=-1), "temperature must be between"),
    (dict(model="diffusion", steps=0), "steps must be between"),
    (dict(model="diffusion", sampler="euler"), "sampler must be one of"),
    (dict(model="dcgan", temperature=1.0), "has no parameter 'temperature'"),
])
def test_bad_input_is_explained(studio, kwargs, message):
    with pytest.raises(InputError, match=message):
        studio.generate_image(**kwargs)


def test_truncation_and_temperature_change_the_output(studio):
    plain = pixels(studio.generate_image("dcgan", n=4, seed=7))
    truncated = pixels(studio.generate_image("dcgan", n=4, seed=7, truncation=0.5))
    assert not np.array_equal(plain, truncated)
    cold = pixels(studio.generate_image("vae", n=4, seed=7, temperature=0.0))
    assert np.array_equal(cold[0], studio.generate_image("vae", n=4, seed=8, temperature=0.0).images[0])


def test_diffusion_samplers_differ_and_reproduce(studio):
    ddim = pixels(studio.generate_image("diffusion", n=2, seed=3, steps=4, sampler="ddim"))
    anc = pixels(studio.generate_image("diffusion", n=2, seed=3, steps=4, sampler="ancestral"))
    anc2 = pixels(studio.generate_image("diffusion", n=2, seed=3, steps=4, sampler="ancestral"))
    assert not np.array_equal(ddim, anc) and np.array_equal(anc, anc2)


@pytest.mark.parametrize("model", ["dcgan", "vae"])
def test_interpolation_ends_at_the_two_seeds(studio, model):
    out = studio.interpolate_image(model, label="Bag", seed_a=1, seed_b=2, steps=5)
    assert len(out.images) == 5
    ends = studio.generate_image(model, label="Bag", n=1, seed=1)
    assert np.abs(pixels(out)[0].astype(int) - pixels(ends)[0].astype(int)).max() <= 1


def test_interpolation_needs_a_latent_space_and_one_class(studio):
    with pytest.raises(InputError, match="interpolation works with the GAN and the VAE"):
        studio.interpolate_image("diffusion", label="Bag")
    with pytest.raises(InputError, match="one class"):
        studio.interpolate_image("vae", label="all classes")


def test_vae_reconstructs_a_picture(studio):
    pipe = studio.cache.get("image", "vae")
    out = pipe.reconstruct(Image.new("RGB", (64, 40), "white"), "Bag")
    assert [im.size for im in out.images] == [(28, 28), (28, 28)]


def test_compare_runs_every_model_on_one_seed(studio):
    outs = studio.compare_images(label="Dress", n=3, seed=5)
    assert [o.meta["model"] for o in outs] == ["dcgan", "diffusion", "text_to_image", "vae"]
    assert {o.meta["seed"] for o in outs} == {5}


@pytest.mark.parametrize("model", [*MODELS, "text_to_image"])
def test_the_metrics_draw_what_the_app_shows_at_its_defaults(studio, model):
    """pipe.sample (what the metrics score, no controls given) draws at the family's declared
    defaults, as a request of the app does: the records' "sampling_controls" are then true."""
    import torch

    from aigc_demo.images import to_pil
    from aigc_demo.pipelines.image import labels_for

    pipe = studio._pipeline("image", model)
    shown = pixels(pipe(label="Sneaker", n=2, seed=7))
    scored = pipe.sample(labels_for(7, 2), torch.Generator().manual_seed(7))
    assert np.array_equal(shown, np.stack([np.asarray(im) for im in to_pil(scored)]))
