"""pipelines/text_to_image.py: the prompt examples the tab offers are ones the shipped model
reads, and composable guidance finds each prompt's class alone in its own language."""

import pytest
import torch

from aigc_demo.families.image import PROMPT_EXAMPLES
from aigc_demo.paths import CHECKPOINTS_DIR


@pytest.fixture(scope="module")
def shipped():
    from aigc_demo.pipelines.text_to_image import TextToImagePipeline

    return TextToImagePipeline.from_checkpoint(CHECKPOINTS_DIR / "image" / "text_to_image")


@pytest.mark.parametrize("example", PROMPT_EXAMPLES)
def test_every_prompt_example_is_read_by_the_shipped_model(shipped, example):
    ids, asked = shipped.read_prompt(example)
    assert asked["class"] is not None and ids[-1] == 1  # a class named, the end token last


def test_the_class_alone_of_a_prompt_keeps_its_language(shipped):
    def alone(text):
        ids, asked = shipped.read_prompt(text)
        found = shipped.class_prompt_of(ids)
        return None if found is None else shipped.vocab.decode(found[1:], asked["language"])

    assert alone("a picture of a dark, wide coat, on black") == "a coat"
    assert alone("一双高帮的运动鞋") == "一双运动鞋"
    assert alone("a dark, wide coat") == alone("a coat")
    assert shipped.class_prompt_of([1]) is None  # the empty prompt names no class


def test_class_guidance_composes_with_the_prompts(tiny_image_checkpoints):
    from aigc_demo.registry import load_pipeline, read_entry

    pipe = load_pipeline(read_entry(tiny_image_checkpoints / "image" / "text_to_image", "image"))

    def draw(text, **controls):
        return pipe.draw([pipe.read_prompt(text)[0]] * 2, torch.Generator().manual_seed(5), steps=3, **controls)

    plain = draw("a dark coat", guidance=2.0)
    assert torch.equal(plain, draw("a dark coat", guidance=2.0, class_guidance=0.0))
    assert not torch.allclose(plain, draw("a dark coat", guidance=2.0, class_guidance=1.0), atol=1e-4)
    # the class alone as the prompt: its term adds to the prompt's, as one larger weight (up to float
    # rounding: the batched passes group their sums differently)
    assert torch.allclose(draw("a coat", guidance=2.0, class_guidance=1.5), draw("a coat", guidance=3.5), atol=1e-3)


def test_class_guidance_with_a_negative_prompt_or_no_class_named(tiny_image_checkpoints):
    from aigc_demo.registry import load_pipeline, read_entry

    pipe = load_pipeline(read_entry(tiny_image_checkpoints / "image" / "text_to_image", "image"))
    plain = pipe.from_text("a dark coat", "a light coat", n=2, seed=3, steps=3, guidance=2.0)
    composed = pipe.from_text("a dark coat", "a light coat", n=2, seed=3, steps=3, guidance=2.0, class_guidance=1.0)
    assert [a.tobytes() for a in plain.images] != [b.tobytes() for b in composed.images]
    assert composed.meta["params"]["class_guidance"] == 1.0 and "class_guidance_note" not in composed.meta
    # a prompt naming no single class: the term adds nothing, and the output says so
    vague = pipe.from_text("a dark coat, a dark bag", n=2, seed=3, steps=3, guidance=2.0, class_guidance=1.0)
    again = pipe.from_text("a dark coat, a dark bag", n=2, seed=3, steps=3, guidance=2.0)
    assert [a.tobytes() for a in vague.images] == [b.tobytes() for b in again.images]
    assert vague.asked["class"] is None and "no single class" in vague.meta["class_guidance_note"]
