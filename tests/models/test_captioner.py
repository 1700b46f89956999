"""models/captioner.py: a tiny captioner really trained for a few steps on the fixture's
pictures and their synthetic captions; save/reload and seeded training reproduce it."""

import random

import pytest
import torch

from aigc_demo import checkpoint as ckpt
from aigc_demo.data import captions as cap
from aigc_demo.data import fashion_mnist
from aigc_demo.models.captioner import Captioner, CaptionerConfig, CaptionVocab
from tests.conftest import FMNIST_FIXTURE


def vocabulary() -> CaptionVocab:
    return CaptionVocab.from_texts((text, language) for written in cap.every_caption()
                                   for language, texts in (("en", written.en), ("zh", written.zh)) for text in texts)


@pytest.fixture(scope="module")
def data():
    images, labels = fashion_mnist.load("train", FMNIST_FIXTURE)
    truth = cap.caption_split(images, labels, cap.fit_thresholds(images, labels))
    x = torch.tensor(images[:, None], dtype=torch.float32) / 127.5 - 1
    return x, truth, vocabulary()


def train(data, steps: int, seed: int = 0, right_to_left: bool = False) -> tuple[Captioner, list[float]]:
    x, truth, vocab = data
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = Captioner(CaptionerConfig(vocab_size=len(vocab), channels=16, embed_dim=16, hidden=32, attention_dim=16,
                                      right_to_left=right_to_left))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(steps):
        idx = rng.sample(range(len(truth)), 32)
        languages = [rng.choice(("en", "zh")) for _ in idx]
        targets, starts = vocab.batch([cap.pick(truth[i], rng, lang) for i, lang in zip(idx, languages)], languages,
                                      right_to_left=right_to_left)
        loss = model.loss(x[idx], targets, starts)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return model.eval(), losses


def test_the_vocabulary_holds_every_caption_token(data):
    *_, vocab = data
    for written in cap.every_caption():
        assert 2 not in vocab.encode(written.en[2], "en") and 2 not in vocab.encode(written.zh[2], "zh")  # no UNK
        assert vocab.decode(vocab.encode(written.en[0], "en"), "en") == written.en[0]
        assert vocab.decode(vocab.encode(written.zh[0], "zh"), "zh") == written.zh[0]


def test_a_training_step_lowers_the_loss_and_decoding_writes_tokens(data):
    model, losses = train(data, 40)
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5
    x, _, vocab = data
    for language in ("en", "zh"):
        greedy, weights = model.beam_search(x[:1], language)
        beam, _ = model.beam_search(x[:1], language, num_beams=3)
        assert 0 < len(greedy) <= model.config.max_output and weights.shape == (len(greedy), 49)
        assert torch.allclose(weights.sum(-1), torch.ones(len(greedy)))
        assert isinstance(vocab.decode(beam, language), str)


def test_seeded_training_and_a_saved_model_reproduce(data, tmp_path):
    a, _ = train(data, 5, seed=1)
    b, _ = train(data, 5, seed=1)
    x = data[0][:4]
    tokens = torch.full((4, 3), 5)
    assert torch.equal(a(x, tokens)[0], b(x, tokens)[0])
    ckpt.save_model_weights(tmp_path, a.state_dict())
    c = Captioner(a.config).eval()
    c.load_state_dict(ckpt.load_model_weights(tmp_path))
    assert torch.equal(a(x, tokens)[0], c(x, tokens)[0])
    assert a.beam_search(x[:1], "en", num_beams=2)[0] == c.beam_search(x[:1], "en", num_beams=2)[0]


@pytest.mark.parametrize("right_to_left", [False, True])
def test_batched_greedy_decoding_writes_what_one_beam_writes(data, right_to_left):
    model, _ = train(data, 40, right_to_left=right_to_left)
    x = data[0][:6]
    for language in ("en", "zh"):
        assert model.greedy(x, language) == [model.beam_search(x[i:i + 1], language)[0] for i in range(len(x))]


def test_right_to_left_is_taught_reversed_and_read_back_in_reading_order(data):
    x, truth, vocab = data
    text = truth[0].en[2]
    ids = vocab.encode(text, "en")
    assert vocab.encode(text, "en", right_to_left=True) == ids[-2::-1] + [ids[-1]]  # reversed, the end token last
    targets, _ = vocab.batch([text, "a bag"], ["en", "en"], right_to_left=True)
    assert vocab.decode(targets[1].tolist(), "en") == "bag a"
    # the same weights told to write right to left: what they write, reversed back; each
    # token keeps its own attention weights
    forward, _ = train(data, 20)
    backward = Captioner(CaptionerConfig(**{**forward.config_dict(), "right_to_left": True})).eval()
    backward.load_state_dict(forward.state_dict())
    for beams in (1, 3):
        tokens, weights = forward.beam_search(x[:1], "zh", num_beams=beams)
        reversed_tokens, reversed_weights = backward.beam_search(x[:1], "zh", num_beams=beams)
        assert reversed_tokens == tokens[::-1] and torch.equal(reversed_weights, weights.flip(0))
    assert backward.greedy(x[:3], "en") == [t[::-1] for t in forward.greedy(x[:3], "en")]


def test_the_class_head_learns_from_pictures_without_captions(data):
    """A picture with no caption (a row of padding) teaches the class head only; without a
    head there is no class loss, and a batch with no caption at all has a caption loss of 0."""
    from aigc_demo.models.captioner import PAD, training_loss

    x, truth, vocab = data
    labels = torch.tensor([t.label for t in truth])
    torch.manual_seed(0)
    model = Captioner(CaptionerConfig(vocab_size=len(vocab), channels=16, embed_dim=16, hidden=32, attention_dim=16,
                                      label_weight=1.0))
    targets, starts = vocab.batch([t.en[0] for t in truth[:64]], ["en"] * 64)
    logits, class_logits = model(x[:64], torch.cat([starts[:, None], targets[:, :-1]], 1))
    assert class_logits.shape == (64, 10)
    caption_only = training_loss(logits, None, targets, labels[:64], 1.0)
    both = training_loss(logits, class_logits, targets, labels[:64], 1.0)
    assert both > caption_only
    empty = torch.full_like(targets, PAD)
    assert training_loss(logits, None, empty, None, 1.0) == 0
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    first = None
    for _ in range(30):
        loss = model.loss(x[:64], empty, starts, labels[:64])
        opt.zero_grad()
        loss.backward()
        opt.step()
        first = first if first is not None else loss.item()
    assert loss.item() < first
    assert Captioner(CaptionerConfig(vocab_size=len(vocab)))(x[:2], targets[:2])[1] is None
