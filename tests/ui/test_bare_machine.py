"""`make run` on a bare machine: the real app on the shipped checkpoints, with an empty HOME,
no fortunes, no spoken-digit corpus and no Fashion-MNIST (conftest.BARE_ENV). Every endpoint
called with what its controls hold when the page opens either works or says clearly what is
missing; none answers with the apology for an unexpected error."""

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

# Endpoints whose default is a long measurement: called with their smallest sample count.
SMALLEST = {"/measure_image": {"n": 100}, "/measure_audio": {"n": 10}, "/measure_text": {"n": 10}}
# What the machine lacks, and where each endpoint must say so.
NEEDS_FORTUNES = {"/measure_text", "/nearest_training_texts"}
NEEDS_NETWORK = {"/speak_text_hub"}
GENERIC = "Something went wrong"


@pytest.fixture(scope="module")
def shipped_client(shipped_app_url):
    return Client(shipped_app_url, verbose=False)


def _defaults(endpoint: dict) -> dict:
    """What each control holds when the page opens (an empty text where it holds nothing)."""
    return {p["parameter_name"]: p["parameter_default"] if p["parameter_has_default"] else None
            for p in endpoint["parameters"]}


def test_every_endpoint_with_its_defaults_works_or_says_what_is_missing(shipped_client):
    api = shipped_client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert {"/generate_image", "/stream_text", "/generate_audio", "/measure_text"} <= set(api)
    outcomes = {}
    for name, endpoint in sorted(api.items()):
        kwargs = {**_defaults(endpoint), **SMALLEST.get(name, {})}
        try:
            shipped_client.submit(**kwargs, api_name=name).result(timeout=240)
            outcomes[name] = "ok"
        except AppError as e:
            outcomes[name] = str(e)
    for name, outcome in outcomes.items():
        assert GENERIC not in outcome, f"{name}: {outcome}"
    for name in NEEDS_FORTUNES:
        assert "apt-get install fortunes fortunes-zh" in outcomes[name], f"{name}: {outcomes[name]}"
    for name in NEEDS_NETWORK:
        assert "cannot be reached" in outcomes[name] or outcomes[name] == "ok", f"{name}: {outcomes[name]}"
    # nothing else depends on a dataset: the generators, copy checks of images and the
    # uploads' verdicts run on what ships in checkpoints/
    for name in ("/generate_image", "/generate_image_zip", "/generate_audio", "/generate_music", "/compare_music",
                 "/compare_image_models",
                 "/interpolate_image",
                 "/nearest_training_images", "/measure_image", "/measure_audio",
                 "/arena_pair", "/arena_ranking", "/arena_votes", "/showcase"):  # the votes database is made on first use
        assert outcomes[name] == "ok", f"{name}: {outcomes[name]}"


def test_scoring_texts_without_the_corpus_says_how_to_install_it(shipped_client):
    with pytest.raises(AppError, match="apt-get install fortunes fortunes-zh"):
        shipped_client.predict(text="A friend in need is a friend indeed.", files=[], seed=0, api_name="/score_texts")


def test_the_shipped_language_model_writes_offline(shipped_client):
    text = shipped_client.predict(prompt="A friend is", model="gpt", max_new_tokens=8, seed=1, api_name="/generate_text")
    assert text.startswith("A friend is") and len(text) > len("A friend is")


def test_the_shipped_translator_works_offline_and_refuses_other_classes(shipped_client, tmp_path):
    """/translate_image on the shipped CycleGAN: a held-out test sneaker (from the fixture,
    not shipped) becomes an ankle boot; a dark sneaker on white is inverted first; a trouser
    is refused with the classifier's verdict."""
    from gradio_client import handle_file
    from PIL import Image

    from aigc_demo.data import fashion_mnist
    from tests.conftest import FMNIST_FIXTURE

    images, labels = fashion_mnist.load("test", FMNIST_FIXTURE)

    def upload(array, name):
        path = tmp_path / f"{name}.png"
        Image.fromarray(array).resize((112, 112)).save(path)  # any size: the app scales it to 28x28
        return handle_file(str(path))

    sneaker = images[list(labels).index(7)]
    gallery, info = shipped_client.predict(model="cyclegan", image=upload(sneaker, "sneaker"), direction="auto",
                                           api_name="/translate_image")
    assert len(gallery) == 3 and "Sneaker → Ankle boot" in info and "input as **Sneaker**" in info
    assert "translation as **Ankle boot**" in info
    _, info = shipped_client.predict(model="cyclegan", image=upload(255 - sneaker, "on-white"), direction="a_to_b",
                                     api_name="/translate_image")
    assert "inverted" in info and "input as **Sneaker**" in info
    with pytest.raises(AppError, match="looks like a Trouser .*translates only between those two"):
        shipped_client.predict(model="cyclegan", image=upload(images[list(labels).index(1)], "trouser"),
                               direction="auto", api_name="/translate_image")
