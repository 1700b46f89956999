"""What metrics.json holds for each modality: one record builder per modality, used by the
evaluate command (which writes the record) and by live measurement in the app (which shows
it), so both give the same figures in the same shape for the same n and seed."""

from __future__ import annotations

import math

import numpy as np
from tqdm.auto import tqdm

from .. import checkpoint as ckpt


def _versions() -> dict:
    import torch
    import torchmetrics

    return {"torch": torch.__version__, "torchmetrics": torchmetrics.__version__}


def image_record(pipe, family: str, scores: dict, *, command: str) -> dict:
    """What metrics.json holds for an image model: the scores and everything needed to read
    and reproduce them."""
    from ..metrics.image import DEFINITIONS, check_targets

    return {
        "headline": {"name": "FID-FMNIST", "value": round(scores["generated"]["fid_fmnist"], 4),
                     "reference": round(scores["real_reference"]["fid_fmnist"], 4)},
        **scores,
        "sampling_controls": pipe.check_params({}),  # the pipeline's defaults, as the app uses them
        "targets": check_targets(family, scores),
        "definitions": _definitions(DEFINITIONS, scores.get("draws", {}).get("count", 1)),
        "checkpoint_sha256": pipe.checkpoint_sha256,
        "versions": _versions(),
        "command": command,
    }


def translation_record(pipe, entry, *, evaluator, n: int, seed: int, corpus_dir=None) -> dict:
    """What metrics.json holds for an image translator (CycleGAN): each direction scored on
    up to n held-out test images of its source class (metrics/translation.py), beside the
    untranslated inputs and real images of the target class. Needs Fashion-MNIST."""
    from ..data import fashion_mnist
    from ..metrics.translation import (BEST_REAL_DEFINITION, DEFINITIONS, SHAPE_MARGIN_DEFINITION, check_targets,
                                       score_direction)

    x_test, y_test = fashion_mnist.as_tensors("test", corpus_dir)
    x_train, y_train = fashion_mnist.as_tensors("train", corpus_dir)
    directions = {}
    for direction, (src, dst) in (("a_to_b", ("a", "b")), ("b_to_a", ("b", "a"))):
        source = x_test[y_test == pipe.class_index[src]][:n]
        target = x_test[y_test == pipe.class_index[dst]]
        target_train = x_train[y_train == pipe.class_index[dst]]
        figures = score_direction(lambda x, d=direction: pipe.translate_tensor(x, d), evaluator, source,
                                  pipe.class_index[dst], target, target_train[:len(source)],  # the FID floor at the same n
                                  match_pool=target_train, seed=seed)
        directions[direction] = {"from": pipe.domains[src], "to": pipe.domains[dst], **figures}
    def mean_accuracy(row: str) -> float:
        return round(sum(d[row]["target_accuracy"] for d in directions.values()) / len(directions), 4)

    return _finite({
        "headline": {"name": "target-class accuracy (both ways)", "value": mean_accuracy("translated"),
                     "reference": mean_accuracy("real_reference")},
        "n": min(d["n"] for d in directions.values()), "seed": seed,  # test images per direction
        "directions": directions,
        "targets": check_targets(entry.family, directions),
        "definitions": {**DEFINITIONS, "margin": SHAPE_MARGIN_DEFINITION, "best_real_match": BEST_REAL_DEFINITION,
                        "rows": "translated: the translator's outputs; untranslated: the inputs themselves (where "
                                "translation starts); real_reference: real images of the target class (accuracy: the "
                                "test images; FID: training images against the test images, the floor at this n)."},
        "checkpoint_sha256": pipe.checkpoint_sha256,
        "versions": _versions(),
        "command": _command(entry.name, n, seed),
    })


POET_BEAMS = 4  # the beam width the poet's record (and the app's default) uses


def gpt_next_line(gpt, line: str) -> str:
    """What a language model writes after a line and a comma, greedily, up to the next mark
    of punctuation or line end: its answer to the same next-line task."""
    import re

    out = gpt(line + "，", seed=0, max_new_tokens=24, temperature=0.0, top_k=0, top_p=1.0, num_beams=1,
              repetition_penalty=1.0)
    continuation = out.text[len(line) + 1:]
    return re.split(r"[，。？！；：,.?!;:、\s]", continuation.strip(), maxsplit=1)[0]


def poet_record(pipe, entry, *, n: int, seed: int, corpus_dir=None, limit: int | None = None, gpt=None) -> dict:
    """What metrics.json holds for the Seq2Seq poet: up to n held-out line pairs (the test
    poems) answered by the poet (greedy and beam search) and, beside it, by the GPT prompted
    with the line (`gpt`, the shipped language model of the same tree) and two controls
    (metrics/poetry.py). Needs the fortunes corpus."""
    from ..data.poems import line_pairs
    from ..metrics.poetry import DEFINITIONS, check_targets, controls, figures

    pairs = line_pairs(corpus_dir)
    test = pairs["test"][:limit][:n]
    training_lines = {s for p in pairs["train"] for s in (p.line, p.next_line)}
    lines, references = [p.line for p in test], [p.next_line for p in test]
    outputs = {"seq2seq_greedy": pipe.next_lines(lines, num_beams=1),
               f"seq2seq_beam{POET_BEAMS}": pipe.next_lines(lines, num_beams=POET_BEAMS),
               f"seq2seq_beam{POET_BEAMS}_repeats_allowed": pipe.next_lines(lines, num_beams=POET_BEAMS, no_repeat_ngram_size=0)}
    if gpt is not None:
        outputs[f"gpt ({gpt.name})"] = [gpt_next_line(gpt, line) for line in tqdm(lines, desc="gpt", leave=False)]
    outputs.update(controls(lines, training_lines, seed))
    systems = {name: figures(o, lines, references, training_lines, seed=seed) for name, o in outputs.items()}
    systems["real_next_line"] = figures(references, lines, references, training_lines, seed=seed, with_bleu=False)
    beam = systems[f"seq2seq_beam{POET_BEAMS}"]
    return _finite({
        # the GPT's figure goes in the name: "reference" means real data elsewhere
        "headline": {"name": f"next-line BLEU-4 (beam {POET_BEAMS}"
                             + (f"; the GPT {systems[f'gpt ({gpt.name})']['bleu_4']:.4f})" if gpt is not None else ")"),
                     "value": round(beam["bleu_4"], 4)},
        "n": len(test), "seed": seed,
        "decoding": {"controls": {c.name: c.default for c in pipe.controls if c.name != "temperature"},
                     "note": "seq2seq_greedy: num_beams 1; *_repeats_allowed: no_repeat_ngram_size 0"},
        "systems": systems,
        "examples": [{"line": x, "real": r, **{k: o[i] for k, o in outputs.items()}}
                     for i, (x, r) in enumerate(zip(lines[:12], references[:12]))],
        "targets": check_targets(systems, ("seq2seq_greedy", f"seq2seq_beam{POET_BEAMS}")),
        "definitions": {**DEFINITIONS, "systems": "seq2seq_*: this model; gpt: the shipped GPT prompted with the line and "
                        "a comma (greedy, cut at the next punctuation); repeat_input and random_training_line: negative "
                        "controls; real_next_line: the real next lines themselves (no BLEU: they are the references)"},
        "checkpoint_sha256": pipe.checkpoint_sha256,
        "versions": _versions(),
        "command": _command(entry.name, n, seed),
    })


DRAWS_DEFINITION = {
    "draws": "With --draws K: the figures are those of the first draw (seed S); the Fréchet distance and the "
             "accuracy also carry `<metric>_std`, their standard deviation over K independent sample draws "
             "(seeds S..S+K-1; the real reference likewise over K draws of its real subsets, so 0 where n is the "
             "whole shipped reference set).",
}


def _definitions(definitions: dict, draws: int) -> dict:
    return {**definitions, **(DRAWS_DEFINITION if draws > 1 else {})}


def score_draws(score_once, draws: int, seed: int, names: dict) -> dict:
    """Score `draws` independent sample draws (seeds seed, seed+1, ...): score_once(seed) ->
    {"n", "seed", "generated", "real_reference"}. The record keeps the first draw's figures
    (what --seed reproduces) and adds, for the Fréchet distance and the accuracy, their
    standard deviation over the draws as `<metric>_std` (generated and real reference), with
    every draw's value under "draws": the error bars of the comparisons."""
    first = score_once(seed)
    if draws < 2:
        return first
    keys = [k for k in (names["fid"], names["accuracy"]) if k in first["generated"]]
    values = {side: {k: [first[side][k]] for k in keys if k in first[side]} for side in ("generated", "real_reference")}
    for s in tqdm(range(seed + 1, seed + draws), desc="draws", leave=False):
        more = score_once(s)
        for side, figures in values.items():
            for k in figures:
                figures[k].append(more[side][k])
    for side, figures in values.items():
        for k, v in figures.items():
            first[side][f"{k}_std"] = float(np.std(v, ddof=1))
    first["draws"] = {"count": draws, "seeds": list(range(seed, seed + draws)), **values}
    return first


def _finite(obj):
    """NaN (a figure that needs more samples than there were) becomes null in JSON."""
    if isinstance(obj, float):
        return None if obj != obj else obj
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


def text_record(pipe, entry, *, n: int, seed: int, corpus_dir=None, limit: int | None = None,
                sweep: bool = True) -> dict:
    """What metrics.json holds for a text model: test perplexity, and test-BLEU, Self-BLEU
    and distinct-n of n freshly sampled texts beside the same figures for held-out real text
    (the validation split) against the same test split; the sampled figures again along a
    temperature sweep, and at the temperature where the samples match real text's diversity
    (sweep=False: pure sampling only, a sixth of the time)."""
    from ..data import fortunes
    from ..metrics import text as tm
    from ..pipelines.text import PURE_SAMPLING

    split = fortunes.splits(corpus_dir, limit)
    by_language = lambda recs: {lang: [r.text for r in recs if r.language == lang] for lang in tm.LANGUAGE_TOKENIZER}
    test, valid = by_language(split["test"]), by_language(split["valid"])
    block = int(entry.training.get("block_size") or pipe.context)
    test_windows = tm.windows(tm.token_stream(pipe.tokenizer, [r.text for r in split["test"]]), block)
    perplexity = math.exp(tm.mean_nll(pipe.model, test_windows, device=pipe.device))
    max_new_tokens = 200

    def by_language_of(texts: list[str]) -> dict[str, list[str]]:
        out = {lang: [] for lang in tm.LANGUAGE_TOKENIZER}
        for t in texts:
            out[fortunes.language_of(t)].append(t)
        return out

    def figures_at(temperature: float) -> tuple[list[str], dict]:
        texts = pipe.sample(n, seed=seed, max_new_tokens=max_new_tokens, temperature=temperature)
        # Self-BLEU needs SELF_BLEU_N texts of each language, and cooler sampling writes fewer
        # Chinese records: with the sweep, draw on (the same seed's stream) until each has them
        while (sweep and len(texts) < tm.TOP_UP * n
               and any(len(v) < tm.SELF_BLEU_N for lang, v in by_language_of(texts).items() if test[lang])):
            texts += pipe.sample(min(tm.TOP_UP_CHUNK, tm.TOP_UP * n - len(texts)), seed=seed, start=len(texts),
                                 max_new_tokens=max_new_tokens, temperature=temperature)
        texts_by_language = by_language_of(texts)
        figures = tm.corpus_figures({k: v for k, v in texts_by_language.items() if v}, test, seed=seed)
        figures["counts"] = {lang: len(v) for lang, v in texts_by_language.items()}
        return texts, figures

    samples, gen = figures_at(PURE_SAMPLING["temperature"])
    real = tm.corpus_figures(valid, test, seed=seed)
    curve = []  # the quality-diversity curve; pure sampling's point is the one above
    for t in tqdm(tm.TEMPERATURES if sweep else (), desc="temperatures", leave=False):
        figures = gen if t == PURE_SAMPLING["temperature"] else figures_at(t)[1]
        curve.append({"temperature": t, **figures["macro"], "texts_per_language": figures["counts"]})
    matched = tm.diversity_matched(curve, real["macro"]["self_bleu_4"])
    generated = {"test_perplexity": perplexity, **gen["macro"]}
    record = {
        "headline": {"name": "test-BLEU-4", "value": round(gen["macro"]["test_bleu_4"], 4),
                     "reference": round(real["macro"]["test_bleu_4"], 4)},
        "n": n, "seed": seed,
        "generated": generated,
        "real_reference": real["macro"],
        "per_language": {"generated": gen["per_language"], "real_reference": real["per_language"]},
        "sampling_controls": {**PURE_SAMPLING, "max_new_tokens": max_new_tokens},
        "perplexity_windows": {"tokens": block, "count": len(test_windows)},
        "bleu_signatures": {lang: tm.signature(test[lang], 4, tok) for lang, tok in tm.LANGUAGE_TOKENIZER.items() if test[lang]},
        "examples": samples[:5],
        "definitions": tm.DEFINITIONS,
        "checkpoint_sha256": pipe.checkpoint_sha256,
        "versions": {**_versions(), "sacrebleu": _version("sacrebleu"), "transformers": _version("transformers")},
        "command": _command(entry.name, n, seed),
    }
    if sweep:
        record["temperature_sweep"] = curve
        record["diversity_matched"] = (
            {"temperature": matched["temperature"],
             "generated": {k: v for k, v in matched.items() if k not in ("temperature", "texts_per_language")}}
            if matched else {"temperature": None, "reason": "no temperature of the sweep gave samples as diverse "
                                                            "as real text (or too few texts per language)"})
    record["targets"] = tm.check_targets(entry.family, record, _baseline_metrics(entry))
    return _finite(record)


def audio_record(pipe, entry, *, n: int, seed: int, evaluator, vocoders: dict, corpus_dir=None, draws: int = 1) -> dict:
    """What metrics.json holds for an audio model.

    A generator (SpecGAN): n class-balanced clips through each vocoder (Griffin-Lim, and every
    WaveNet beside it), scored against held-out real clips; Griffin-Lim's figures are the
    headline. A vocoder (WaveNet): copy synthesis, i.e. n held-out real clips re-synthesised
    from their own log-mels, which shows what the vocoder alone costs. Both get the "speech"
    block (speech_figures): the instruments that owe nothing to our classifier, on the first
    draw's clips, beside n real held-out clips and the negative controls."""
    held_out = held_out_clips(corpus_dir)
    real = held_out_pick(held_out, n, torch_generator(seed))
    if entry.is_vocoder:
        from ..audio import GriffinLimVocoder, linear_spectrogram
        from ..families.audio import GRIFFIN_LIM
        from ..pipelines.audio import GriffinLim

        first = _copy_synthesis(pipe, held_out, n, seed)
        scores = score_draws(lambda s: evaluator.score(*(first if s == seed else _copy_synthesis(pipe, held_out, n, s)),
                                                       seed=s), draws, seed, evaluator.NAMES)
        # Griffin-Lim from the same representation as the vocoder (its band count), and from none
        made = {entry.name: first, GRIFFIN_LIM: _copy_synthesis(GriffinLim(), held_out, n, seed, n_mels=pipe.n_mels),
                LINEAR_CEILING: (GriffinLimVocoder().from_linear(linear_spectrogram(real[0])), real[1])}
        from ..metrics.speech import copy_synthesis_targets

        speech = speech_figures(real, made, evaluator=evaluator, seed=seed, copy_synthesis=True)
        return _finite({
            "headline": {"name": "digit accuracy (copy synthesis)", "value": round(scores["generated"]["digit_accuracy"], 4),
                         "reference": round(scores["real_reference"]["digit_accuracy"], 4)},
            **scores, "task": "copy synthesis of held-out real clips (valid + test voices) from their log-mels",
            "speech": speech, "targets": copy_synthesis_targets(speech["generated"], entry.name, GRIFFIN_LIM),
            **_audio_common(pipe, _command(entry.name, n, seed, draws), draws)})
    from ..metrics.speech import generator_targets
    from ..pipelines.audio import GriffinLim

    by_vocoder, made, vocoded = {}, {}, {}
    # only the vocoders that read the generator's band count (Griffin-Lim reads any)
    vocoders = {name: v for name, v in vocoders.items() if v is None or v.n_mels == pipe.n_mels}
    for name, vocoder in vocoders.items():
        made[name] = _sampled(pipe, vocoder, n, seed)
        by_vocoder[name] = score_draws(
            lambda s, first=made[name], vocoder=vocoder: evaluator.score(*(first if s == seed else
                                                                           _sampled(pipe, vocoder, n, s)), seed=s),
            draws, seed, evaluator.NAMES)
        # the same clips as `real`, from their own mels of the generator's band count
        vocoded[name] = _copy_synthesis(vocoder or GriffinLim(), held_out, n, seed, n_mels=pipe.n_mels)
    record = audio_generator_record(pipe, by_vocoder, {name: _vocoder_family(name, vocoders) for name in vocoders},
                                    command=_command(entry.name, n, seed, draws), draws=draws)
    speech = _finite(speech_figures(real, made, evaluator=evaluator, seed=seed, vocoded=vocoded))
    headline = next(iter(vocoders))
    return {**record, "speech": speech, "targets": record["targets"] + generator_targets(speech, headline)}


LINEAR_CEILING = "griffin-lim from the linear spectrogram"  # the mel representation's ceiling, in copy synthesis
SPEECH_COPY_CLIPS = 200  # STOI and PESQ on 200 clips of a set, every digit alike: PESQ takes about 0.1 s a clip


def torch_generator(seed: int):
    import torch

    return torch.Generator().manual_seed(seed)


def speech_figures(real: tuple, made: dict[str, tuple], *, evaluator, seed: int, copy_synthesis: bool = False,
                   vocoded: dict[str, tuple] | None = None) -> dict:
    """metrics.json's "speech" block (metrics/speech.py). `real` is (clips, digits) of held-out
    real clips; `made` names sets of (clips, digits). Each set gets intelligibility and voiced
    share; with copy_synthesis (the sets re-make `real`, clip for clip) also STOI and PESQ-WB
    against the originals. Beside them the real clips, `vocoded` (the real clips re-made from
    their log-mels by each vocoder a generator's sets went through: what the vocoder alone
    costs) and the negative controls: the real clips degraded each way in speech.CONTROLS,
    scored by every instrument, the digit classifier's too, to show which failure each can see."""
    import torch

    from ..metrics import speech

    listener = speech.DigitListener()
    real_clips, real_digits = (np.asarray(x) for x in real)
    # the clips are in blocks of one digit: an even stride takes every digit alike
    some = slice(None, None, max(1, len(real_clips) // SPEECH_COPY_CLIPS))

    def figures(clips, digits, compare: bool) -> dict:
        clips = np.asarray(clips, dtype=np.float32)
        out = speech.listen(clips, np.asarray(digits), listener)
        return {**out, **(speech.copy_quality(real_clips[some], clips[some]) if compare else {})}

    controls = {}
    for name, degrade in tqdm(speech.CONTROLS.items(), desc="speech controls", leave=False):
        bad = degrade(real_clips, seed=seed)
        by_classifier = evaluator.score(torch.from_numpy(bad), torch.from_numpy(real_digits), seed=seed)["generated"]
        controls[name] = {**figures(bad, real_digits, True),
                          **{m: by_classifier[m] for m in ("digit_accuracy", "fd_digits") if m in by_classifier}}
    return {"n": len(real_clips), "copy_clips": len(real_clips[some]),
            "generated": {name: figures(clips, digits, copy_synthesis) for name, (clips, digits) in made.items()},
            "real_reference": figures(real_clips, real_digits, True),  # STOI and PESQ: the originals against themselves
            **({"vocoded_reference": {name: figures(clips, digits, True) for name, (clips, digits) in vocoded.items()}}
               if vocoded else {}),
            "controls": controls, "definitions": speech.DEFINITIONS}


def audio_generator_record(pipe, by_vocoder: dict[str, dict], vocoder_families: dict[str, str], *, command: str,
                           draws: int = 1) -> dict:
    """An audio generator's record from its scores through each vocoder ({name: scores},
    the headline vocoder first: Griffin-Lim for the evaluate command, the one picked for a
    live measurement); vocoder_families names each vocoder's family, for its bars."""
    from ..families.audio import GRIFFIN_LIM
    from ..metrics import audio as am

    first = next(iter(by_vocoder))
    head = by_vocoder[first]
    targets = [t for name, s in by_vocoder.items() for t in am.check_targets(vocoder_families[name], s)]
    return _finite({
        "headline": {"name": f"FD-digits ({'Griffin-Lim' if first == GRIFFIN_LIM else first})",
                     "value": round(head["generated"]["fd_digits"], 4),
                     "reference": round(head["real_reference"]["fd_digits"], 4)},
        **head,
        "vocoders": {name: s["generated"] for name, s in by_vocoder.items()},
        "sampling_controls": pipe.check_params({}),
        "targets": targets,
        **_audio_common(pipe, command, draws),
    })


def _audio_common(pipe, command: str, draws: int) -> dict:
    from ..metrics import audio as am

    return {"definitions": _definitions(am.DEFINITIONS, draws), "checkpoint_sha256": pipe.checkpoint_sha256,
            "versions": _versions(), "command": command}


def held_out_clips(corpus_dir=None):
    """All held-out real clips (valid + test voices) and their digits, as tensors."""
    import torch

    from ..data import spoken_digits

    clips, digits = [], []
    for split in ("valid", "test"):
        a, d, _ = spoken_digits.load(split, corpus_dir)
        clips.append(a)
        digits.append(d)
    return torch.from_numpy(np.concatenate(clips)), torch.from_numpy(np.concatenate(digits))


def held_out_pick(held_out, n: int, g):
    """n digit-balanced held-out clips, picked by the torch.Generator g: (clips, digits)."""
    import torch

    from ..metrics.features import balanced_labels

    clips, digits = held_out
    labels = balanced_labels(n)
    pick = torch.cat([torch.nonzero(digits == d).flatten()[torch.randperm(int((digits == d).sum()), generator=g)]
                      [: int((labels == d).sum())] for d in range(10)])
    return clips[pick], digits[pick]


def _copy_synthesis(pipe, held_out, n: int, seed: int, n_mels: int | None = None):
    """n digit-balanced held-out clips (a seeded pick) re-synthesised by the vocoder `pipe`
    from their own log-mels of n_mels bands (default: the vocoder's own, else N_MELS):
    (clips, digits)."""
    import torch

    from ..audio import N_MELS, LogMel

    g = torch_generator(seed)
    clips, labels = held_out_pick(held_out, n, g)
    mels = LogMel(n_mels or pipe.n_mels or N_MELS)(clips)
    return torch.cat([pipe.vocode(mels[i:i + 500], g) for i in range(0, len(mels), 500)]), labels


CAPTION_BEAMS, CAPTION_BEAM_N = 3, 1000  # beam search runs picture by picture: on the first 1,000 test pictures


def caption_record(pipe, entry, *, n: int, seed: int, corpus_dir=None) -> dict:
    """What metrics.json holds for a captioner: its captions of the first n test pictures
    (greedy, and beam search on the first CAPTION_BEAM_N), scored in each language against
    every phrasing of each picture's synthetic caption (metrics/captions.py), on all pictures
    and apart on those whose caption holds a held-out class-attribute combination (never in
    training) and the rest; beside the real-caption reference and two negative controls.
    Needs Fashion-MNIST (the thresholds are the model's own, from its config)."""
    from ..data import captions as cap
    from ..data import fashion_mnist
    from ..metrics.captions import DEFINITIONS, check_targets, controls, figures, phrasings, real_caption_reference

    images, labels = fashion_mnist.load("test", corpus_dir)
    images, labels = images[:n], labels[:n]
    truth = cap.caption_split(images, labels, pipe.thresholds)
    held = np.array([cap.held_out(t.label, t.words) for t in truth])
    parts = {"all": np.ones(len(truth), dtype=bool), "seen": ~held, "held_out": held}
    systems, examples = {}, {}
    for language in ("en", "zh"):
        refs = [list(phrasings(t, language)) for t in truth]
        written = {"greedy": pipe.captions_for(images, language)}
        k = min(CAPTION_BEAM_N, len(truth))
        written[f"beam{CAPTION_BEAMS}"] = pipe.captions_for(images[:k], language, num_beams=CAPTION_BEAMS)
        for decoding, hyps in written.items():
            for part, mask in parts.items():
                idx = np.flatnonzero(mask[:len(hyps)])
                if len(idx):
                    systems[f"{language} {decoding} {part}"] = {
                        "n": len(idx), **figures([hyps[i] for i in idx], [refs[i] for i in idx], [truth[i] for i in idx],
                                                 language)}
        systems[f"{language} real_caption all"] = {"n": len(truth), **real_caption_reference(truth, language, seed)}
        for name, f in controls(truth, language, seed).items():
            systems[f"{language} control_{name} all"] = {"n": len(truth), **f}
        examples[language] = [{"real": phrasings(truth[i], language)[0], "greedy": written["greedy"][i],
                               f"beam{CAPTION_BEAMS}": written[f"beam{CAPTION_BEAMS}"][i]} for i in range(min(12, k))]
    headline = systems["en greedy all"]
    return _finite({
        "headline": {"name": "CIDEr-D (English, greedy)", "value": headline["cider_d"],
                     "reference": systems["en real_caption all"]["cider_d"]},
        "n": len(truth), "seed": seed,
        "held_out_pictures": int(held.sum()), "held_out_combinations": [f"{fashion_mnist.CLASSES[c]} + {w}"
                                                                         for c, w in cap.HELD_OUT],
        "systems": systems,
        "examples": examples,
        "targets": check_targets(systems, ("en greedy all", "zh greedy all")),
        "definitions": {**DEFINITIONS, "systems": "'<language> <decoding> <pictures>': greedy or beam search (width "
                        f"{CAPTION_BEAMS}, on the first {CAPTION_BEAM_N} pictures) over all test pictures, those whose "
                        "caption holds a held-out class-attribute combination (held_out: never in training) and the "
                        "rest (seen); CIDEr-D takes its IDF from each set's own references. real_caption: one phrasing "
                        "of the true caption against its others (the ceiling); control_label_only: the class alone; "
                        "control_shuffled: another picture's caption (negative controls).",
                        "note": cap.CAPTION_NOTE},
        "checkpoint_sha256": pipe.checkpoint_sha256,
        "versions": _versions(),
        "command": _command(entry.name, n, seed),
    })


def _command(name: str, n: int, seed: int, draws: int = 1) -> str:
    return f"python -m aigc_demo.evaluate --model {name} --n {n} --seed {seed}" + (f" --draws {draws}" if draws > 1 else "")


def _sampled(pipe, vocoder, n: int, seed: int):
    import torch

    from ..metrics.audio import BATCH, iter_clips

    batches = list(tqdm(iter_clips(pipe, vocoder, n, seed), desc="clips", total=-(-n // BATCH), leave=False))
    return torch.cat([b[1] for b in batches]), torch.cat([b[0] for b in batches])


def _vocoder_family(name: str, vocoders: dict) -> str:
    v = vocoders[name]
    return getattr(v, "family", None) or name


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def _baseline_metrics(entry) -> dict | None:
    """metrics.json of the LSTM beside a GPT (the GPT's bars are relative to it)."""
    if entry.family != "gpt":
        return None
    for folder in sorted(entry.path.parent.iterdir()):
        try:
            if ckpt.read_json(folder / ckpt.CONFIG_FILE).get("family") == "lstm":
                return ckpt.read_json(folder / ckpt.METRICS_FILE) | {"model": folder.name}
        except (OSError, ValueError):
            continue
    return None


def folk_requests(pipe, tunes) -> list[dict]:
    """The requests a folk model is measured on: each tune's own meter, key and type, where
    the controls can name them (the same mix as the real set)."""
    from ..data import folk
    from ..families.music import KEYS, key_field

    key_names = {key_field(k): k for k in KEYS}
    requests = []
    for t in tunes:
        meter, key = folk.meter_token(t.headers.get("M")), folk.key_token(t.headers.get("K"))
        kind = folk.type_token(t.headers.get("R"))
        if meter and key and key[2:] in key_names and f"M:{meter[2:]}" in pipe.vocab and key in pipe.vocab:
            requests.append(dict(meter=meter[2:], key=key_names[key[2:]], tune_type=kind[2:] if kind else "any"))
    return requests


def music_record(pipe, entry, *, n: int, seed: int, corpus_dir=None) -> dict:
    """What metrics.json holds for a folk-tune model: held-out NLL beside n-gram baselines;
    n tunes composed for the test tunes' own requests (meter, key, type: the same mix as the
    real set) measured for validity, closeness to real tunes (MGEval), copying and whether
    they kept what was asked; each beside the same figure for real held-out tunes."""
    import statistics
    import time

    from ..data import folk
    from ..families.music import key_field
    from ..metrics import music as mm

    tunes, _ = folk.read_tunes(corpus_dir)
    by_split = {s: [t for t in tunes if t.split == s] for s in ("train", "valid", "test")}
    train_tokens = [folk.as_text(t).split(" ") for t in by_split["train"]]
    test_texts = [folk.as_text(t) for t in by_split["test"]]
    nll = mm.model_nll(pipe.model, pipe.tokenizer, test_texts, device=pipe.device)
    baselines = {f"{order}-gram": round(mm.ngram_nll(train_tokens, [t.split(" ") for t in test_texts], order), 4)
                 for order in (1, 3)}

    requests = folk_requests(pipe, by_split["test"])
    generated, asked, started = [], [], time.perf_counter()
    for i in tqdm(range(n), desc="tunes", leave=False):
        req = requests[i % len(requests)]
        out = pipe(seed=seed + i, length=64, **req)
        generated.append((out, mm.read(out.abc, req["meter"])))
        asked.append(req)
    seconds_per_tune = (time.perf_counter() - started) / n

    test_read, valid_read = ([(t, mm.read_real(t)) for t in by_split[s]] for s in ("test", "valid"))
    feats = lambda rows: mm.feature_rows([r for _, r in rows])  # noqa: E731
    real_feats, gen_feats = feats(test_read), feats(generated)
    oa_gen, oa_real = mm.closeness(real_feats, gen_feats), mm.closeness(real_feats, feats(valid_read))
    overlap = mm.TuneOverlap([t.tokens for t in by_split["train"]])
    run_gen = statistics.median(overlap.longest_run(out.tokens) for out, _ in generated)
    run_real = statistics.median(overlap.longest_run(t.tokens) for t in by_split["test"])
    key_gen = [("score" in r) and mm.key_followed(r["score"], key_field(q["key"])) for (_, r), q in zip(generated, asked)]
    key_real = [("score" in r) and mm.key_followed(r["score"], t.headers["K"]) for t, r in test_read]
    extras = lambda rows: {  # noqa: E731
        "scale_consistency": round(float(np.mean([mm.scale_consistency(r["notes"]) for _, r in rows if r.get("notes")])), 4),
        "pitch_class_entropy": round(float(np.mean([mm.pitch_class_entropy(r["notes"]) for _, r in rows if r.get("notes")])), 4)}
    gen_summary, real_summary = mm.summary([r for _, r in generated]), mm.summary([r for _, r in test_read])
    record = {
        "sampling_controls": {"temperature": next(c.default for c in pipe.controls if c.name == "temperature"),
                              "length": 64, "bar_tries": pipe.bar_tries},
        "headline": {"name": "validity", "value": gen_summary["validity"], "reference": real_summary["validity"]},
        "n": n, "seed": seed,
        "generated": {
            "nll_nats_per_token": round(nll, 4), **{k: v for k, v in gen_summary.items() if k != "reasons"},
            "overlapping_area_mean": oa_gen["mean"]["overlapping_area"], "kl_divergence_mean": oa_gen["mean"]["kl_divergence"],
            "overlapping_area_ratio": round(oa_gen["mean"]["overlapping_area"] / oa_real["mean"]["overlapping_area"], 4),
            "longest_shared_run": run_gen, "longest_shared_run_excess": run_gen - run_real,
            "key_followed": round(float(np.mean(key_gen)), 4), "meter_followed": gen_summary["validity"],
            **extras(generated), "seconds_per_tune": round(seconds_per_tune, 4)},
        "real_reference": {
            **{k: v for k, v in real_summary.items() if k != "reasons"},
            "overlapping_area_mean": oa_real["mean"]["overlapping_area"], "kl_divergence_mean": oa_real["mean"]["kl_divergence"],
            "longest_shared_run": run_real, "key_followed": round(float(np.mean(key_real)), 4),
            "meter_followed": real_summary["validity"], **extras(test_read)},
        "baselines": {"nll_nats_per_token": baselines,
                      "note": "nltk n-gram models fitted on the training split: 1-gram add-one, 3-gram Witten-Bell"},
        "features": {"generated": oa_gen, "real_reference": oa_real,
                     "sets": {"real": f"{len(real_feats)} test tunes", "generated": f"{len(gen_feats)} tunes",
                              "real_reference": "the validation tunes against the test tunes"}},
        "unreadable_reasons": gen_summary["reasons"],
        "requests": f"the meter, key and type of each of the {len(requests)} test tunes the controls can name, in turn",
        "examples": [out.abc for out, _ in generated[:3]],
        "definitions": mm.DEFINITIONS,
        "checkpoint_sha256": pipe.checkpoint_sha256,
        "versions": {**_versions(), "music21": _version("music21"), "nltk": _version("nltk"),
                     "transformers": _version("transformers")},
        "command": _command(entry.name, n, seed),
    }
    record["targets"] = mm.check_targets(entry.family, record)
    return _finite(record)


def chorale_record(pipe, entry, *, n: int, seed: int, corpus_dir=None) -> dict:
    """What metrics.json holds for a chorale model: held-out NLL beside count baselines; n
    chorales composed in the held-out chorales' meters and lengths (at most MAX_BARS bars),
    measured for validity, voice crossing, closeness to Bach (MGEval) and copying; every
    held-out soprano harmonised, measured for the key kept. Each beside Bach's own figure."""
    import statistics
    import time

    from ..data import chorales as data
    from ..metrics import chorale as mc
    from ..metrics import music as mm

    chorales, _ = data.read_chorales(corpus_dir)
    by_split = {s: [c for c in chorales if c.split == s] for s in ("train", "valid", "test")}
    held_out = by_split["test"] + by_split["valid"]
    masks = mc.fixed_masks(by_split["test"], seed)
    nll = mc.model_nll(pipe.net, masks, pipe.device)
    baselines = mc.baseline_nll(by_split["train"], masks)

    composed, started = [], time.perf_counter()
    for i in tqdm(range(n), desc="chorales", leave=False):
        c = held_out[i % len(held_out)]
        bars = min(mc.MAX_BARS, math.ceil((len(c.grid) + c.bar_offset) / c.steps_per_bar))
        out = pipe(seed=seed + i, meter=c.meter, length=bars)
        grid = np.array(out.meta["grid"]).T
        composed.append((grid, mc.read(out.abc, grid, c.meter, 0)))
    seconds_per_chorale = (time.perf_counter() - started) / n
    harmonised, key_gen = [], []
    for i, c in enumerate(tqdm(held_out, desc="harmonisations", leave=False)):
        out = pipe(seed=seed + i, melody=pipe.melody_of(c))
        grid = np.array(out.meta["grid"]).T
        harmonised.append(mc.read(out.abc, grid, c.meter, c.bar_offset))
        key_gen.append(data.key_name(data.key_of(grid)) == c.key)

    def bach(cs):  # Bach's own, first MAX_BARS bars: what the composed ones are compared with
        rows = []
        for c in cs:
            grid = mc.cropped(c)
            rows.append(mc.read(data.to_abc(grid, meter=c.meter, bar_offset=c.bar_offset), grid, c.meter, c.bar_offset))
        return rows

    real_rows = bach(held_out)
    train_rows = bach(by_split["train"][:len(held_out)])
    feats = lambda rows: [mm.features(r["notes"]) for r in rows if len(r["notes"]) > 1]  # noqa: E731
    oa_gen = mm.closeness(feats(real_rows), feats([r for _, r in composed]))
    oa_real = mm.closeness(feats(real_rows), feats(train_rows))
    overlap = mm.TuneOverlap([mc.soprano_run(c.grid) for c in by_split["train"]])
    run_gen = statistics.median(overlap.longest_run(mc.soprano_run(g)) for g, _ in composed)
    run_real = statistics.median(overlap.longest_run(mc.soprano_run(c.grid)) for c in held_out)
    key_real = [data.key_name(data.key_of(c.grid)) == c.key for c in held_out]
    gen_summary, harm_summary, real_summary = (mc.summary(rows) for rows in
                                               ([r for _, r in composed], harmonised, real_rows))
    record = {
        "sampling_controls": {c.name: c.default for c in pipe.controls if c.name in ("temperature", "sweeps")},
        "headline": {"name": "key_followed", "value": round(float(np.mean(key_gen)), 4),
                     "reference": round(float(np.mean(key_real)), 4)},
        "n": n, "seed": seed,
        "generated": {
            "nll_orderless": round(nll["orderless"], 4), "nll_harmony": round(nll["harmony"], 4),
            **{k: v for k, v in gen_summary.items() if k != "reasons"},
            "harmonisation_validity": harm_summary["validity"], "harmonisation_voice_crossing": harm_summary["voice_crossing"],
            "overlapping_area_mean": oa_gen["mean"]["overlapping_area"], "kl_divergence_mean": oa_gen["mean"]["kl_divergence"],
            "overlapping_area_ratio": round(oa_gen["mean"]["overlapping_area"] / oa_real["mean"]["overlapping_area"], 4),
            "longest_shared_run": run_gen, "longest_shared_run_excess": run_gen - run_real,
            "key_followed": round(float(np.mean(key_gen)), 4), "seconds_per_chorale": round(seconds_per_chorale, 4)},
        "real_reference": {
            **{k: v for k, v in real_summary.items() if k != "reasons"},
            "overlapping_area_mean": oa_real["mean"]["overlapping_area"], "kl_divergence_mean": oa_real["mean"]["kl_divergence"],
            "longest_shared_run": run_real, "key_followed": round(float(np.mean(key_real)), 4)},
        "baselines": {"nll": baselines, "note": "count tables of the training split, add-one smoothing: each voice's "
                      "tokens ('unigram'), and each voice's token given the soprano's at the same step"},
        "features": {"generated": oa_gen, "real_reference": oa_real,
                     "sets": {"real": f"{len(real_rows)} held-out chorales (test and validation), first {mc.MAX_BARS} bars",
                              "generated": f"{len(composed)} composed chorales, the held-out ones' meters and lengths",
                              "real_reference": f"{len(train_rows)} training chorales against the held-out ones"}},
        "unreadable_reasons": gen_summary["reasons"],
        "harmonisations": f"the soprano of each of the {len(held_out)} held-out chorales, harmonised once (seed {seed}+i)",
        "definitions": mc.DEFINITIONS,
        "checkpoint_sha256": pipe.checkpoint_sha256,
        "versions": {**_versions(), "music21": _version("music21")},
        "command": _command(entry.name, n, seed),
    }
    record["targets"] = mc.check_targets(entry.family, record)
    return _finite(record)


# --- text to image ------------------------------------------------------------------------

PROMPT_PICTURES, HELD_OUT_PICTURES = 8, 40  # pictures per seen / held-out request at each setting
LABEL_ONLY_PICTURES = 40  # pictures per class of the label-only control
DRAW_BATCH = 256


def scored_rows(pictures, predicted, requests_of, percentiles, thresholds, against=None) -> list[dict]:
    """One row per picture: class right, attribute word hit and error, for its own request
    (requests_of[i] = (class, attribute, word)) or for `against[i]` (the shuffled control)."""
    from ..metrics.prompts import attribute_scores

    rows = []
    for i, (label, attribute, word) in enumerate(against or requests_of):
        row = {"correct": bool(predicted[i] == label), "hit": None, "error": None}
        if attribute:
            hits, errors = attribute_scores(pictures[i:i + 1], label, attribute, word, thresholds, percentiles)
            row.update(hit=hits[0], error=errors[0])
        rows.append(row)
    return rows


def real_request_pictures(truth: list, requests: list, per_request: int) -> tuple[list[int], list]:
    """(indices, request of each) of up to per_request real pictures whose caption holds each
    request (the prompt-following ceiling)."""
    pictures, requests_of = [], []
    for request in requests:
        label, attribute, word = request
        idx = [i for i, t in enumerate(truth) if t.label == label and (attribute is None or t.words.get(attribute) == word)]
        pictures += idx[:per_request]
        requests_of += [request] * len(idx[:per_request])
    return pictures, requests_of


def caption_prompts(pipe, truth: list, seed: int) -> list[list[int]]:
    """One prompt per picture: its own caption (cap.Caption), in English for even positions
    and Chinese for odd ones, a phrasing drawn by seed. Prompted like this a text-to-image
    model is asked for the pictures' own distribution (the protocol of COCO's FID-30k); the
    class name alone asks for a narrower one, since a caption names every attribute outside
    its class's middle third ("a coat" is a coat in the middle of every range)."""
    import random

    from ..data import captions as cap

    rng = random.Random(seed)
    return [pipe.read_prompt(cap.pick(t, rng, ("en", "zh")[i % 2]))[0] for i, t in enumerate(truth)]


def iter_caption_draw(pipe, n: int, seed: int, corpus_dir=None):
    """One picture for each of the first n test pictures, prompted with its caption
    (caption_prompts), at the pipeline's default controls: (labels, pictures) batch by batch,
    as metrics.features.iter_samples yields a class-conditional draw."""
    import torch

    from ..data import captions as cap
    from ..data import fashion_mnist

    images, labels = fashion_mnist.load("test", corpus_dir)
    if not 0 < n <= len(images):
        raise ValueError(f"--n must be between 1 and {len(images)} (one picture per test caption), not {n}")
    prompts = caption_prompts(pipe, cap.caption_split(images[:n], labels[:n], pipe.thresholds), seed)
    labels, default = torch.as_tensor(labels[:n]).long(), pipe.check_params({})
    g = torch.Generator().manual_seed(seed)
    for i in range(0, n, DRAW_BATCH):
        yield labels[i:i + DRAW_BATCH], pipe.draw(prompts[i:i + DRAW_BATCH], g, **default)


def caption_draw(pipe, n: int, seed: int, corpus_dir=None):
    """All of iter_caption_draw at once: (pictures, labels)."""
    import torch

    batches = list(tqdm(iter_caption_draw(pipe, n, seed, corpus_dir), desc="test captions",
                        total=-(-n // DRAW_BATCH)))
    return torch.cat([b[1] for b in batches]), torch.cat([b[0] for b in batches])


def _parts(rows, requests_of, validation: tuple[tuple[int, str], ...] = ()) -> dict:
    """Figures of all requests, the seen ones, the test's held-out combinations and, for a
    model that held some out to choose its settings on (`validation`), those apart: they are
    neither seen nor the test's."""
    from ..data.captions import HELD_OUT
    from ..metrics.prompts import is_held_out, summarise

    held = [is_held_out(label, word) for label, _, word in requests_of]
    chose = [is_held_out(label, word, validation) for label, _, word in requests_of]
    out = {"all": summarise(rows), "seen": summarise([r for r, h, v in zip(rows, held, chose) if not (h or v)]),
           "held_out": summarise([r for r, h in zip(rows, held) if h])}
    if validation:
        assert not set(validation) & set(HELD_OUT)
        out["validation_held_out"] = summarise([r for r, v in zip(rows, chose) if v])
    return out


def prompt_following_record(pipe, *, evaluator, seed: int, corpus_dir=None, label_only=None,
                            pictures: tuple[int, int] = (PROMPT_PICTURES, HELD_OUT_PICTURES)) -> dict:
    """How well a text-to-image model draws what its prompt asks (metrics/prompts.py): every
    class alone and with each attribute word, `pictures` = (per seen request, per held-out
    request) pictures, in English at each of GUIDANCES and in
    Chinese at the default guidance; beside real test pictures of the same caption, a
    label-only model's pictures (`label_only`: a class-conditional pipeline) and shuffled
    requests. Needs Fashion-MNIST's test split (the percentiles, the real control)."""
    import torch

    from ..data import captions as cap
    from ..data import fashion_mnist
    from ..images import to_uint8
    from ..metrics import prompts as pm

    per_seen, per_held = pictures
    images, labels = fashion_mnist.load("test", corpus_dir)
    percentiles = pm.Percentiles(images, labels)
    default = pipe.check_params({})
    requests = pm.requests()
    # combinations the model held out to choose its settings on: reported apart, not as seen
    validation = getattr(pipe, "validation_held_out", ())

    # the sampler's other controls at their defaults (composable class guidance: named in the setting if on)
    others = {k: v for k, v in default.items() if k != "guidance"}
    class_term = f" + class {others['class_guidance']:g}" if others.get("class_guidance") else ""

    def draw(prompt_of, counts, guidance):
        prompts, requests_of = [], []
        for request, k in zip(requests, counts):
            prompts += [prompt_of(request)] * k
            requests_of += [request] * k
        g = torch.Generator().manual_seed(seed)
        pictures = torch.cat([pipe.draw(prompts[i:i + DRAW_BATCH], g, guidance=guidance, **others)
                              for i in tqdm(range(0, len(prompts), DRAW_BATCH), desc=f"prompts, guidance {guidance}")])
        return to_uint8(pictures), evaluator.predict(pictures).argmax(-1).numpy(), requests_of

    # every unseen combination (the test's, and any validation ones) drawn as often
    counts = [per_held if pm.is_held_out(c, w, cap.HELD_OUT + validation) else per_seen for c, _, w in requests]
    settings, kept = {}, None
    guidances = sorted({*pm.GUIDANCES, default["guidance"]})  # the default is always among them
    for language, guidance in [("en", g) for g in guidances] + [("zh", default["guidance"])]:
        pictures, predicted, requests_of = draw(
            lambda r: pipe.read_prompt(pm.prompt_text(*r, language))[0], counts, guidance)
        rows = scored_rows(pictures, predicted, requests_of, percentiles, pipe.thresholds)
        settings[f"{language} guidance {guidance:g}{class_term}"] = _parts(rows, requests_of, validation)
        if language == "en" and guidance == default["guidance"]:
            kept = pictures, predicted, requests_of
    default_setting = f"en guidance {default['guidance']:g}{class_term}"

    # controls: real pictures of each request's caption; another request's pictures; a label-only model
    real_pictures, real_requests = real_request_pictures(cap.caption_split(images, labels, pipe.thresholds), requests,
                                                         per_held)
    from ..images import from_uint8

    real_predicted = evaluator.predict(from_uint8(images[real_pictures])).argmax(-1).numpy()
    controls = {"real_pictures": _parts(scored_rows(images[real_pictures], real_predicted, real_requests, percentiles,
                                                     pipe.thresholds), real_requests, validation)}
    pictures, predicted, requests_of = kept
    rng = np.random.default_rng(seed)
    shift = {r: requests[(k + rng.integers(1, len(requests))) % len(requests)] for k, r in enumerate(requests)}
    controls["shuffled_requests"] = _parts(scored_rows(pictures, predicted, requests_of, percentiles, pipe.thresholds,
                                                        against=[shift[r] for r in requests_of]), requests_of,
                                           validation)
    if label_only is not None:
        per_class = min(LABEL_ONLY_PICTURES, per_held)
        ys = torch.arange(len(cap.CLASSES)).repeat_interleave(per_class)
        g = torch.Generator().manual_seed(seed)
        drawn = torch.cat([label_only.sample(ys[i:i + DRAW_BATCH], g) for i in range(0, len(ys), DRAW_BATCH)])
        lo_pictures, lo_predicted = to_uint8(drawn), evaluator.predict(drawn).argmax(-1).numpy()
        # each request's class pictures, scored against the request's word
        idx = [int(c) * per_class + j % per_class for j, (c, _, _) in enumerate(requests_of)]
        controls["label_only_model"] = {
            "model": label_only.name,
            **_parts(scored_rows(lo_pictures[idx], lo_predicted[idx], requests_of, percentiles, pipe.thresholds),
                     requests_of, validation)}
    return _finite({
        "requests": len(requests), "pictures_per_request": {"seen": per_seen, "held_out": per_held},
        "held_out_combinations": [f"{fashion_mnist.CLASSES[c]} + {w}" for c, w in cap.HELD_OUT],
        **({"validation_held_out_combinations": [f"{fashion_mnist.CLASSES[c]} + {w}" for c, w in validation]}
           if validation else {}),
        "steps": default["steps"], "default_setting": default_setting,
        "settings": settings, "controls": controls,
        "targets": pm.check_targets(settings[default_setting], controls["real_pictures"]["all"], default_setting),
        "definitions": {**pm.DEFINITIONS, "settings": "'<prompt language> guidance <w>': the requests' prompts "
                        "(a caption's first phrasing) drawn at that classifier-free guidance weight",
                        "validation_held_out": "combinations the model's training also held out so that its sampling "
                        "settings can be chosen on them (scripts/guidance_selection.py): neither seen nor the test's",
                        "controls": "real_pictures: real test pictures whose caption holds the request (the ceiling); "
                        "shuffled_requests: the default setting's pictures scored against another request; "
                        "label_only_model: a class-conditional model's pictures of the class, scored against the "
                        "word (what the class alone gives)", "note": cap.CAPTION_NOTE},
    })


def per_class_and_copying(images, labels, evaluator, *, seed: int, corpus_dir=None) -> dict:
    """FID-FMNIST of each class's generated pictures against real test pictures of the
    class, beside real training pictures of the class against the same (the reference);
    and the nearest-training-picture distance of the first 1,000 pictures beside real test
    pictures' (copying would show as much smaller distances)."""
    import torch

    from ..data import fashion_mnist
    from ..images import from_uint8

    test_x, test_y = fashion_mnist.load("test", corpus_dir)
    train_x, train_y = fashion_mnist.load("train", corpus_dir)
    per_class = {}
    for c, name in enumerate(fashion_mnist.CLASSES):
        real = evaluator.features(from_uint8(test_x[test_y == c]))
        mine = labels == c
        n = int(mine.sum())
        if n < 2:  # a small draw from the test captions may hold a class once or not at all: no FID
            per_class[name] = {"n": n, "fid_fmnist": None, "real_reference": None}
            continue
        train_c = from_uint8(train_x[train_y == c][:n])
        per_class[name] = {"n": n, "fid_fmnist": evaluator._distances(evaluator.features(images[mine]), real)["fid_fmnist"],
                           "real_reference": evaluator._distances(evaluator.features(train_c), real)["fid_fmnist"]}
    dist, _ = evaluator.nearest_training(images[:1000], 1)
    test_feats = evaluator.reference["test_features"][:1000]
    real_dist = torch.cdist(test_feats, evaluator._reference_subset_all("train_features")).min(dim=1).values
    q = lambda d, p: float(torch.quantile(d.flatten().float(), p))
    return {"per_class_fid": per_class,
            "nearest_training": {"n": len(dist), "pool": f"{len(evaluator._reference_subset_all('train_features')):,} "
                                 "reference training pictures, classifier features",
                                 "generated_median": q(dist, 0.5), "generated_p05": q(dist, 0.05),
                                 "real_test_median": q(real_dist, 0.5), "real_test_p05": q(real_dist, 0.05)}}


CLASS_NAME_PICTURES = 2000  # the class-names-alone draw (at most; 200 per class)


def text_to_image_figures(pipe, entry, evaluator, images, labels, *, seed: int, corpus_dir=None) -> dict:
    """The text-to-image model's part of metrics.json beside its image figures (drawn from
    the test pictures' own captions, caption_draw): the class names alone as prompts (the
    class-conditional use, at most CLASS_NAME_PICTURES), prompt-following, with the tree's
    class-conditional diffusion model as the label-only control where there is one, FID per
    class and copying. The pictures per request scale with the n of the image figures (full
    at 10,000)."""
    from ..metrics.image import check_targets
    from ..metrics.features import draw
    from ..paths import tree_of
    from ..registry import discover, load_pipeline

    names_n = min(CLASS_NAME_PICTURES, len(images) // 10 * 10)
    names_images, names_labels = draw(pipe.sample, names_n, seed)
    class_names = evaluator.score(names_images, names_labels, seed=seed)
    class_names = {**class_names, "targets": check_targets("text_to_image_class_names", class_names),
                   "definition": "each class's name alone as the prompt (\"a coat\"), class-balanced, at the default "
                   "controls; FID at this n is not comparable with the headline's at 10,000 (FID falls as n grows)"}

    label_only = next((load_pipeline(e) for e in discover(tree_of(entry.path)) if e.modality == "image"
                       and e.family == "diffusion" and e.available), None)
    scale = min(1.0, len(images) / 10000)
    pictures = (max(1, round(PROMPT_PICTURES * scale)), max(1, round(HELD_OUT_PICTURES * scale)))
    return {"class_names": class_names,
            "prompt_following": prompt_following_record(pipe, evaluator=evaluator, seed=seed, corpus_dir=corpus_dir,
                                                        label_only=label_only, pictures=pictures),
            **per_class_and_copying(images, labels, evaluator, seed=seed, corpus_dir=corpus_dir)}
