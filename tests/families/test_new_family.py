"""A family declared outside the package (tests/families/toy_family.py) appears in the Image
tab with its own control and on the API as a parameter, with no edit to the UI or registry."""

import numpy as np
import pytest
from PIL import Image

from aigc_demo import families
from aigc_demo.controls import InputError
from aigc_demo.studio import Studio
from tests.conftest import free_port
from tests.families.toy_family import BRIGHT_TOY, TOY, write_checkpoint


@pytest.fixture()
def toy_studio(tmp_path):
    write_checkpoint(tmp_path / "image" / "toy")
    families.register(TOY)
    yield Studio(tmp_path)
    families.unregister(TOY.name)


def test_the_toy_family_is_declared_found_and_loaded(toy_studio):
    assert toy_studio.models("image") == ["toy"]
    assert [c.name for c in toy_studio.controls("image", "toy")] == ["brightness"]
    out = toy_studio.generate_image("toy", n=2, seed=0, brightness=1.0)
    assert {im.getpixel((3, 3)) for im in out.images} == {255} and out.meta["params"]["brightness"] == 1.0
    with pytest.raises(InputError, match="brightness"):
        toy_studio.generate_image("toy", brightness=2.0)


def test_its_control_is_in_the_tab_and_on_the_api(toy_studio):
    import gradio as gr
    from gradio_client import Client

    from aigc_demo.ui.app import build_demo, launch

    demo = build_demo(toy_studio)
    sliders = [b for b in demo.blocks.values() if isinstance(b, gr.Slider) and b.label == "Brightness"]
    assert len(sliders) == 1 and sliders[0].visible and sliders[0].maximum == 1.0
    launch(demo, server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True)
    try:
        client = Client(demo.local_url, verbose=False)
        api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]["/generate_image"]
        params = {p["parameter_name"]: p for p in api["parameters"]}
        assert params["brightness"]["parameter_default"] == 0.5
        gallery, info, meta, zip_path = client.predict(model="toy", n=1, seed=1, brightness=0.0,
                                                       api_name="/generate_image")
        assert np.asarray(Image.open(gallery[0]["image"])).max() == 0 and meta["params"]["brightness"] == 0.0
    finally:
        demo.close()


def test_a_control_two_families_default_differently_takes_the_picked_models_own(tmp_path):
    """The tab's and the API's one `brightness` has no default of its own: each model draws
    at its family's (as text-to-image's guidance differs from the diffusion model's)."""
    import gradio as gr
    from gradio_client import Client

    from aigc_demo.ui.app import build_demo, launch

    write_checkpoint(tmp_path / "image" / "toy")
    write_checkpoint(tmp_path / "image" / "bright_toy", family="bright_toy")
    families.register(TOY)
    families.register(BRIGHT_TOY)
    try:
        studio = Studio(tmp_path)
        shared = {c.name: c for c in studio.controls("image")}["brightness"]
        assert shared.default is None and "default the model's own" in shared.describe()
        demo = build_demo(studio)
        boxes = [b for b in demo.blocks.values() if getattr(b, "label", None) == "Brightness"]
        assert len(boxes) == 1 and isinstance(boxes[0], gr.Number) and boxes[0].value is None  # empty: the model's own
        launch(demo, server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True)
        try:
            client = Client(demo.local_url, verbose=False)
            api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]["/generate_image"]
            assert {p["parameter_name"]: p for p in api["parameters"]}["brightness"]["parameter_default"] is None
            for model, brightness, gray in (("toy", 0.5, 128), ("bright_toy", 0.8, 204)):
                gallery, _, meta, _ = client.predict(model=model, n=1, seed=1, api_name="/generate_image")
                assert meta["params"]["brightness"] == brightness
                assert abs(int(np.asarray(Image.open(gallery[0]["image"])).max()) - gray) <= 1
            gallery, _, meta, _ = client.predict(model="bright_toy", n=1, seed=1, brightness=0.0, api_name="/generate_image")
            assert np.asarray(Image.open(gallery[0]["image"])).max() == 0 and meta["params"]["brightness"] == 0.0
        finally:
            demo.close()
    finally:
        families.unregister(TOY.name)
        families.unregister(BRIGHT_TOY.name)
