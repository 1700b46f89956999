"""Property-based: whatever a caller sends, the studio answers with a result or a clear
InputError/ModelUnavailable, never another exception."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aigc_demo.studio import InputError, ModelUnavailable, Studio

anything = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=50), st.binary(max_size=10),
    st.lists(st.integers(), max_size=3),
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def studio(tiny_checkpoints):
    return Studio(tiny_checkpoints)


def answered(fn, *args, **kwargs):
    try:
        out = fn(*args, **kwargs)
        return list(out) if hasattr(out, "__next__") else out
    except (InputError, ModelUnavailable) as e:
        assert str(e) and "Traceback" not in str(e)
        return None


@SETTINGS
@given(model=st.one_of(st.sampled_from(["dcgan", "vae", "diffusion"]), anything), label=anything,
       n=st.one_of(st.integers(-5, 70), anything), seed=anything)
def test_generate_image_never_crashes(studio, model, label, n, seed):
    params = {"steps": 2} if model == "diffusion" else {}
    out = answered(studio.generate_image, model, label=label, n=n, seed=seed, **params)
    if out is not None:
        assert 1 <= len(out.images) <= 64


@SETTINGS
@given(control=st.sampled_from(["truncation", "temperature", "steps", "guidance", "sampler", "bogus"]), value=anything,
       model=st.sampled_from(["dcgan", "vae", "diffusion"]))
def test_model_controls_never_crash(studio, control, value, model):
    if control == "steps" and isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 4:
        value = 4  # valid but slow values are not the point here
    answered(studio.generate_image, model, n=1, seed=0, **({"steps": 2} if model == "diffusion" and control != "steps" else {}),
             **{control: value})


@SETTINGS
@given(prompt=anything, model=anything, max_new_tokens=anything, temperature=anything, top_p=anything, seed=anything)
def test_generate_text_never_crashes(studio, prompt, model, max_new_tokens, temperature, top_p, seed):
    answered(studio.generate_text, prompt, model, max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p, seed=seed)


@SETTINGS
@given(prompt=st.one_of(st.text(max_size=300), anything), model=st.sampled_from(["gpt", "lstm"]),
       max_new_tokens=st.one_of(st.integers(-3, 600), anything), top_k=st.one_of(st.integers(-2, 2000), anything),
       num_beams=st.one_of(st.integers(-1, 10), anything), repetition_penalty=anything)
def test_generate_text_with_real_models_never_crashes(studio, prompt, model, max_new_tokens, top_k, num_beams,
                                                      repetition_penalty):
    out = answered(studio.generate_text, prompt, model, max_new_tokens=max_new_tokens, top_k=top_k, num_beams=num_beams,
                   repetition_penalty=repetition_penalty, seed=0)
    if out is not None:
        # the limit the request ran with (None and absent ask for the default)
        assert out.text.startswith(prompt) and out.meta["new_tokens"] <= out.meta["params"]["max_new_tokens"]


@SETTINGS
@given(model=anything, text=anything, seed=anything)
def test_generate_audio_never_crashes(studio, model, text, seed):
    answered(studio.generate_audio, model, text, seed=seed)


@SETTINGS
@given(h=anything, r=anything, tok=anything)
def test_bleu_never_crashes(h, r, tok):
    answered(Studio.bleu, h, r, tok)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=anything, seed=anything)
def test_measure_never_crashes(studio, n, seed):
    if n is None or (isinstance(n, int) and not isinstance(n, bool) and n > 100):
        n = 100  # the tiny reference holds 100 images (None asks for the default, 1,000)
    answered(studio.measure_image, "vae", n=n, seed=seed)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(model=st.one_of(st.just("specgan"), anything), n=anything, seed=anything, vocoder=anything)
def test_measure_audio_never_crashes(studio, model, n, seed, vocoder):
    if n is None or (isinstance(n, int) and not isinstance(n, bool) and n > 20):
        n = 20  # the tiny reference's clips (None asks for the default, 100)
    answered(studio.measure_audio, model, n=n, seed=seed, vocoder=vocoder)


@SETTINGS
@given(line=st.one_of(st.text(max_size=20), st.text(alphabet="床前明月光疑是地上霜，。", max_size=20), anything),
       model=st.one_of(st.just("seq2seq"), anything), num_beams=st.one_of(st.integers(-1, 10), anything),
       temperature=anything, no_repeat=anything, seed=anything)
def test_next_line_never_crashes(studio, line, model, num_beams, temperature, no_repeat, seed):
    out = answered(studio.next_line, line, model, seed=seed, num_beams=num_beams, temperature=temperature,
                   no_repeat_ngram_size=no_repeat)
    if out is not None:
        assert len(out.attention) == len(out.text) and 1 <= len(out.line) <= 16


@SETTINGS
@given(model=st.one_of(st.just("cyclegan"), anything), direction=anything,
       image=st.one_of(st.none(), anything, st.sampled_from(["array", "rgb", "tiny"])))
def test_translate_image_never_crashes(studio, model, direction, image):
    import numpy as np
    from PIL import Image

    picture = {"array": np.zeros((28, 28), dtype=np.uint8), "rgb": Image.new("RGB", (300, 200), "white"),
               "tiny": Image.new("L", (1, 1))}.get(image, image) if isinstance(image, str) else image
    answered(studio.translate_image, model, picture, direction)


@SETTINGS
@given(model=st.one_of(st.just("captioner"), anything), language=st.one_of(st.sampled_from(["en", "zh", "both"]), anything),
       num_beams=st.one_of(st.integers(-1, 10), anything),
       image=st.one_of(st.none(), anything, st.sampled_from(["array", "rgb", "tiny"])))
def test_caption_image_never_crashes(studio, model, language, num_beams, image):
    import numpy as np
    from PIL import Image

    picture = {"array": np.zeros((28, 28), dtype=np.uint8), "rgb": Image.new("RGB", (300, 200), "white"),
               "tiny": Image.new("L", (1, 1))}.get(image, image) if isinstance(image, str) else image
    out = answered(studio.caption_image, model, picture, language, num_beams)
    if out is not None:
        assert set(out.captions) <= {"en", "zh"} and all(len(w) == len(out.words[k]) for k, w in out.attention.items())


@SETTINGS
@given(model=st.one_of(st.just("text_to_image"), anything),
       prompt=st.one_of(st.sampled_from(["a dark coat", "一件浅色的外套", "a red coat", "", "T恤"]), anything),
       negative=st.one_of(st.just(""), anything), n=st.one_of(st.integers(-1, 3), anything),
       guidance=st.one_of(st.floats(-1, 12), anything), steps=st.one_of(st.integers(-1, 3), anything),
       class_guidance=st.one_of(st.floats(-1, 12), anything))
def test_generate_image_from_text_never_crashes(studio, model, prompt, negative, n, guidance, steps, class_guidance):
    out = answered(studio.generate_image_from_text, model, prompt, negative, n=n, seed=0, guidance=guidance, steps=steps,
                   class_guidance=class_guidance)
    if out is not None:
        assert len(out.images) == len(out.verdicts) == out.meta["params"]["n"]


@pytest.fixture(scope="module")
def arena(studio, tmp_path_factory):
    from aigc_demo.arena import Arena, VoteStore

    return Arena(studio, VoteStore(f"sqlite:///{tmp_path_factory.mktemp('votes') / 'votes.sqlite3'}",
                                   pairs_per_minute=10**6, votes_per_minute=10**6))


@SETTINGS
@given(token=st.one_of(st.just("served"), anything), choice=anything, note=anything, modality=anything)
def test_the_arena_never_crashes(arena, token, choice, note, modality):
    answered(arena.ranking, modality)
    if token == "served":
        token = arena.store.serve_pair("image", "dcgan", "vae", {"label": "Bag"}, 1, "prop")
    answered(arena.vote, token, choice, note)
