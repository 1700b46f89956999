"""pipelines/text_to_image.py: the prompt examples the tab offers are ones the shipped model
reads."""

import pytest

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
