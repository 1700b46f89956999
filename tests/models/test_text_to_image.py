"""models/text_to_image.py and the text UNet of models/unet.py: a tiny model really trained
for a few steps on the fixture's pictures and their synthetic captions; the warm start keeps
the class-conditional model's predictions; seeded sampling and save/reload reproduce."""

import json
import random
from dataclasses import asdict

import pytest
import torch

from aigc_demo import checkpoint as ckpt
from aigc_demo.data import captions as cap
from aigc_demo.data import fashion_mnist
from aigc_demo.models.captioner import EOS, PAD, STARTS
from aigc_demo.models.diffusion import ConditionalDiffusion, DiffusionConfig
from aigc_demo.models.text_to_image import TextToImage, TextToImageConfig, encode_prompt, prompt_ids, warm_start
from aigc_demo.models.unet import UNetConfig
from tests.conftest import FMNIST_FIXTURE
from tests.models.test_captioner import vocabulary


def tiny(vocab) -> TextToImage:
    return TextToImage(TextToImageConfig(vocab_size=len(vocab), unet=UNetConfig(width=8, n_classes=0, context_dim=16)))


@pytest.fixture(scope="module")
def data():
    images, labels = fashion_mnist.load("train", FMNIST_FIXTURE)
    truth = cap.caption_split(images, labels, cap.fit_thresholds(images, labels))
    x = torch.tensor(images[:, None], dtype=torch.float32) / 127.5 - 1
    return x, truth, vocabulary()


def batch(data, rng: random.Random, size: int = 32):
    x, truth, vocab = data
    idx = rng.sample(range(len(truth)), size)
    languages = [rng.choice(("en", "zh")) for _ in idx]
    ids = prompt_ids([encode_prompt(vocab, cap.pick(truth[i], rng, lang), lang) for i, lang in zip(idx, languages)], 32)
    return x[idx], ids


def test_prompts_are_language_token_words_end_token(data):
    vocab = data[2]
    ids = encode_prompt(vocab, "a dark coat", "en")
    assert ids[0] == STARTS["en"] and ids[-1] == EOS and [vocab.tokens[i] for i in ids[1:-1]] == ["a", "dark", "coat"]
    assert encode_prompt(vocab, "外套", "zh")[0] == STARTS["zh"]
    padded = prompt_ids([ids, [EOS]], 32)
    assert padded.shape == (2, len(ids)) and (padded[1, 1:] == PAD).all()
    with pytest.raises(ValueError, match="longer than"):
        prompt_ids([[STARTS["en"]] * 40], 32)


def test_warm_start_begins_as_the_class_conditional_model_without_a_class(data):
    torch.manual_seed(0)
    diffusion = ConditionalDiffusion(DiffusionConfig(unet=UNetConfig(width=8))).eval()
    model = tiny(data[2])
    fresh = warm_start(model, diffusion.state_dict())
    assert fresh and all(k.startswith(("context_proj", "down_cross", "mid_cross", "up_cross")) for k in fresh)
    model.eval()
    x, t = torch.randn(3, 1, 28, 28), torch.tensor([5, 400, 900])
    ids = prompt_ids([encode_prompt(data[2], "a dark coat", "en")] * 3, 32)
    with torch.no_grad():
        mine = model.unet(x, t, context=model.text(ids))
        theirs = diffusion.unet(x, t, torch.full((3,), 10))  # the "no class" token
    assert torch.allclose(mine, theirs, atol=1e-6)
    with pytest.raises(ValueError, match="do not fit"):  # another architecture is refused, not half loaded
        warm_start(model, {**diffusion.state_dict(), "unet.extra.weight": torch.zeros(1)})


def test_training_steps_lower_the_loss_and_the_prompt_matters(data):
    torch.manual_seed(0)
    model = tiny(data[2])
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    fixed = batch(data, random.Random(123), 64)
    with torch.no_grad():
        torch.manual_seed(1)
        before = float(model.loss(*fixed))
    rng = random.Random(0)
    for _ in range(40):
        loss = model(*batch(data, rng))
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        torch.manual_seed(1)
        after = float(model.loss(*fixed))
    assert after < before
    # the text reaches the picture: two prompts from the same noise draw different pictures
    model.eval()
    vocab = data[2]
    ids = prompt_ids([encode_prompt(vocab, "a coat", "en"), encode_prompt(vocab, "a sandal", "en")], 32)
    a = model.sample(ids, torch.Generator().manual_seed(0), steps=4, guidance=3.0)
    b = model.sample(ids.flip(0), torch.Generator().manual_seed(0), steps=4, guidance=3.0)
    assert not torch.equal(a[0], b[0])


def test_sampling_is_seeded_and_survives_save_and_reload(data, tmp_path):
    torch.manual_seed(0)
    model = tiny(data[2]).eval()
    vocab = data[2]
    ids = prompt_ids([encode_prompt(vocab, "a dark, wide coat", "en"), encode_prompt(vocab, "一件浅色的外套", "zh")], 32)
    negative = prompt_ids([encode_prompt(vocab, "a light coat", "en")] * 2, 32)
    a = model.sample(ids, torch.Generator().manual_seed(3), steps=5, negative=negative)
    assert a.shape == (2, 1, 28, 28) and a.min() >= -1 and a.max() <= 1
    assert torch.equal(a, model.sample(ids, torch.Generator().manual_seed(3), steps=5, negative=negative))
    assert not torch.equal(a, model.sample(ids, torch.Generator().manual_seed(3), steps=5))  # the negative prompt counts
    ckpt.save_model_weights(tmp_path, model.state_dict())
    again = tiny(vocab).eval()
    again.load_state_dict(ckpt.load_model_weights(tmp_path))
    assert torch.equal(a, again.sample(ids, torch.Generator().manual_seed(3), steps=5, negative=negative))
    assert TextToImageConfig.from_dict(json.loads(json.dumps(asdict(model.config)))) == model.config  # via config.json


def test_composable_guidance_adds_a_term_per_prompt(data):
    torch.manual_seed(0)
    model = tiny(data[2]).eval()
    vocab = data[2]
    ids = prompt_ids([encode_prompt(vocab, "a dark coat", "en")] * 2, 32)
    coat = prompt_ids([encode_prompt(vocab, "a coat", "en")] * 2, 32)
    empty = prompt_ids([[EOS]] * 2, 32)

    def sample(**kw):
        return model.sample(ids, torch.Generator().manual_seed(2), steps=4, **kw)

    plain = sample(guidance=2.0)
    assert not torch.equal(plain, sample(guidance=2.0, classes=coat, class_guidance=1.0))
    # a class prompt equal to the baseline (the empty prompt here) moves nothing
    assert torch.allclose(plain, sample(guidance=2.0, classes=empty, class_guidance=1.0), atol=1e-5)
    # the prompt itself as the "class": one larger weight
    assert torch.allclose(sample(guidance=2.0, classes=ids, class_guidance=1.0), sample(guidance=3.0), atol=1e-5)
    with pytest.raises(ValueError, match="class-alone prompts"):
        sample(guidance=2.0, class_guidance=1.0)
