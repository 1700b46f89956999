"""The text-to-image model's image figures are drawn from the test pictures' own captions
(records.caption_draw): one picture per caption, each prompt that picture's caption."""

import pytest


def test_each_picture_is_prompted_with_its_own_caption_in_both_languages(tiny_image_checkpoints):
    from aigc_demo.data import captions as cap
    from aigc_demo.data import fashion_mnist
    from aigc_demo.evaluation.records import caption_draw, caption_prompts
    from aigc_demo.registry import load_pipeline, read_entry
    from tests.conftest import FMNIST_FIXTURE

    pipe = load_pipeline(read_entry(tiny_image_checkpoints / "image" / "text_to_image", "image"))
    images, labels = fashion_mnist.load("test", FMNIST_FIXTURE)
    truth = cap.caption_split(images[:12], labels[:12], pipe.thresholds)
    prompts = caption_prompts(pipe, truth, seed=3)
    assert prompts == caption_prompts(pipe, truth, seed=3)  # seeded
    # each prompt is one phrasing of its own picture's caption: English, then Chinese
    for i, (ids, t) in enumerate(zip(prompts, truth)):
        language = ("en", "zh")[i % 2]
        assert tuple(ids) in {tuple(pipe.read_prompt(p)[0]) for p in getattr(t, language)}
    assert any(t.words for t in truth)  # the fixture's pictures carry attribute words, not class names only

    pictures, drawn_labels = caption_draw(pipe, 6, seed=0, corpus_dir=FMNIST_FIXTURE)
    again, _ = caption_draw(pipe, 6, seed=0, corpus_dir=FMNIST_FIXTURE)
    assert pictures.shape == (6, 1, 28, 28) and drawn_labels.tolist() == labels[:6].tolist()
    assert (pictures == again).all()
    with pytest.raises(ValueError, match="one picture per test caption"):
        caption_draw(pipe, len(images) + 1, seed=0, corpus_dir=FMNIST_FIXTURE)
