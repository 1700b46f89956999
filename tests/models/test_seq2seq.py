import torch

from aigc_demo.models.seq2seq import EOS, CharVocab, Seq2Seq, Seq2SeqConfig

PAIRS = [("床前明月光", "疑是地上霜"), ("举头望明月", "低头思故乡"), ("白日依山尽", "黄河入海流"), ("欲穷千里目", "更上一层楼")]


def tiny(vocab):
    torch.manual_seed(0)
    return Seq2Seq(Seq2SeqConfig(vocab_size=len(vocab), embed_dim=32, hidden=64, attention_dim=32, dropout=0.0))


def test_the_vocabulary_round_trips_and_names_unknown_characters():
    vocab = CharVocab.from_lines([s for p in PAIRS for s in p])
    assert vocab.decode(vocab.encode("床前明月光")) == "床前明月光"
    assert vocab.unknown("床前龙") == ["龙"] and vocab.decode(vocab.encode("床龙")) == "床"
    batch = vocab.batch(["床前", "床前明月光"], with_eos=True)
    assert batch.shape == (2, 6) and batch[0, 2] == EOS and batch[0, 3] == 0


def test_it_learns_four_pairs_by_heart_and_its_attention_is_a_distribution():
    vocab = CharVocab.from_lines([s for p in PAIRS for s in p])
    model = tiny(vocab)
    src, tgt = vocab.batch([a for a, _ in PAIRS]), vocab.batch([b for _, b in PAIRS], with_eos=True)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = float(model.loss(src, tgt).detach())
    for _ in range(150):
        opt.zero_grad()
        loss = model.loss(src, tgt)
        loss.backward()
        opt.step()
    assert float(loss.detach()) < 0.05 * first
    model.eval()
    for a, b in PAIRS:
        for beams in (1, 3):
            tokens, weights = model.beam_search(vocab.batch([a]), num_beams=beams)
            assert vocab.decode(tokens) == b
            assert weights.shape == (len(b), len(a))
            assert torch.allclose(weights.sum(1), torch.ones(len(b)), atol=1e-5)


def test_sampling_is_seeded():
    vocab = CharVocab.from_lines([s for p in PAIRS for s in p])
    model = tiny(vocab).eval()
    src = vocab.batch(["床前明月光"])
    draw = lambda seed: model.beam_search(src, temperature=1.0, generator=torch.Generator().manual_seed(seed))[0]  # noqa: E731
    assert draw(1) == draw(1)
    assert len({tuple(draw(s)) for s in range(6)}) > 1
    assert len(model.beam_search(src)[0]) <= model.config.max_output


def test_one_beam_is_greedy_decoding():
    vocab = CharVocab.from_lines([s for p in PAIRS for s in p])
    model = tiny(vocab).eval()
    src = vocab.batch(["床前明月光"])
    tokens, _ = model.beam_search(src, num_beams=1)
    # greedy by hand: the most likely character at each step, until the end token
    annotations, keys, mask, state = model.encode(src)
    prev, by_hand = torch.tensor([1]), []
    for i in range(model.config.max_output):
        logits, state, _ = model.step(prev, state, annotations, keys, mask, torch.tensor([5 - i]))
        logits[:, :4] = logits[:, :4].masked_fill(torch.tensor([[True, True, False, True]]), float("-inf"))
        prev = logits.argmax(-1)
        if int(prev) == EOS:
            break
        by_hand.append(int(prev))
    assert tokens == by_hand


def test_the_length_asked_for_is_an_input_it_learns_to_obey():
    """Trained on lines of 2 and 4 characters after the same inputs, it writes what each
    length asks for (LenEmb): the form is an input, keeping it is learnt."""
    pairs = [("床前", "明月"), ("床前", "明月光光"), ("举头", "望月"), ("举头", "望月月月")]
    vocab = CharVocab.from_lines([s for p in pairs for s in p])
    model = tiny(vocab)
    src, tgt = vocab.batch([a for a, _ in pairs]), vocab.batch([b for _, b in pairs], with_eos=True)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(200):
        opt.zero_grad()
        model.loss(src, tgt).backward()
        opt.step()
    model.eval()
    assert vocab.decode(model.beam_search(vocab.batch(["床前"]), length=2)[0]) == "明月"
    assert vocab.decode(model.beam_search(vocab.batch(["床前"]), length=4)[0]) == "明月光光"


def test_no_repeated_ngrams_bans_exactly_the_completions_seen():
    from aigc_demo.models.seq2seq import banned_next

    assert banned_next([5, 6, 5], 2) == [6]  # "5 6" was seen: after 5, not 6 again
    assert banned_next([5, 6, 7], 2) == []
    assert sorted(banned_next([5, 6], 1)) == [5, 6]
    assert banned_next([5, 6, 7, 5, 6], 3) == [7]
    vocab = CharVocab.from_lines([s for p in PAIRS for s in p])
    model = tiny(vocab).eval()
    tokens, _ = model.beam_search(vocab.batch(["床前明月光"]), num_beams=2, no_repeat_ngram_size=1, length=8)
    assert len(tokens) == len(set(tokens))
