"""evaluation/live.py through the studio: measuring now gives the evaluate command's figures."""

import pytest

from aigc_demo.studio import InputError, Studio


@pytest.fixture(scope="module")
def studio(tiny_checkpoints):
    return Studio(tiny_checkpoints)


def test_measuring_now_reproduces_the_evaluate_command(tiny_checkpoints):
    studio = Studio(tiny_checkpoints)
    steps = list(studio.measure_image("vae", n=20, seed=0))
    assert [s["done"] for s in steps[:-1]] == [20] and "result" in steps[-1]
    record = steps[-1]["result"]
    shipped = studio.cache.entry("image", "vae").metrics  # written by the same code at export, n=20, seed 0
    assert record["generated"] == shipped["generated"]
    assert record["real_reference"] == shipped["real_reference"]


@pytest.mark.parametrize("kwargs, message", [(dict(n=15), "multiple of 10"), (dict(n=0), "between 10"),
                                             (dict(n=20000), "between 10 and 10000"), (dict(seed=-3), "seed"),
                                             (dict(n=200.0), "at most 100 here: the shipped real reference")])
def test_measuring_input_is_validated(studio, kwargs, message):
    with pytest.raises(InputError, match=message):
        list(studio.measure_image("vae", **kwargs))


def test_a_text_to_image_model_is_measured_on_the_test_captions_as_its_record_is(tiny_image_checkpoints, monkeypatch):
    from aigc_demo.data import fashion_mnist
    from aigc_demo.registry import ModelUnavailable
    from tests.conftest import FMNIST_FIXTURE

    studio = Studio(tiny_image_checkpoints)
    with pytest.raises(ModelUnavailable, match="needs the test pictures' captions"):  # no dataset where it looks
        list(studio.measure_image("text_to_image", n=20, seed=0))
    monkeypatch.setenv(fashion_mnist.ENV_VAR, str(FMNIST_FIXTURE))
    record = list(studio.measure_image("text_to_image", n=20, seed=0))[-1]["result"]
    shipped = studio.cache.entry("image", "text_to_image").metrics  # the export's, n=20, seed 0
    assert record["generated"] == shipped["generated"]
