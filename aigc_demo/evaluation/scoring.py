"""Your own data scored as the models are: images against Fashion-MNIST, clips against the
spoken digits, texts against the fortunes test split; and the BLEU calculator."""

from __future__ import annotations

from ..controls import InputError, resolve_seed
from ..registry import ModelUnavailable

MIN_SCORED_IMAGES = 10
MIN_SCORED_CLIPS = 10


def score_images(paths: list, evaluator, seed: int = 0) -> dict:
    """The classifier's verdict on each image, and (from 10 images on) FID-FMNIST, KID and
    IS beside real data at the same count."""
    from ..data.fashion_mnist import CLASSES
    from ..uploads import read_images, to_fashion_mnist

    named = read_images(paths or [])
    x, notices = to_fashion_mnist([im for _, im in named])
    return _verdicts(named, x, evaluator, seed, notices, kind="class", names=CLASSES, minimum=MIN_SCORED_IMAGES,
                     metrics_named="FID-FMNIST, KID and IS", noun="images")


def score_clips(paths: list, evaluator, seed: int = 0) -> dict:
    """The digit classifier's verdict on each clip, and (from 10 clips on) IS-digits,
    FD-digits and KID-digits beside real held-out clips at the same count. Each clip is
    prepared as the corpus was: mono, 16 kHz, silence trimmed, peak-normalised, centred in a
    second."""
    import numpy as np
    import torch

    from ..data.spoken_digits import DIGITS, to_clip
    from ..uploads import read_clips

    named = read_clips(paths or [])
    notices = []
    resampled = sum(rate != 16000 for _, (_, rate) in named)
    if resampled:
        notices.append(f"{resampled} clip(s) resampled to 16 kHz.")
    long = sum(len(x) > rate for _, (x, rate) in named)
    if long:
        notices.append(f"{long} clip(s) longer than a second after trimming silence: the middle second was scored.")
    silent = [name for name, (x, _) in named if not np.abs(x).max(initial=0.0) > 0]
    if silent:
        notices.append(f"{len(silent)} clip(s) are silent: {', '.join(silent[:5])}{' ...' if len(silent) > 5 else ''}")
    clips = torch.from_numpy(np.stack([to_clip(x, rate) for _, (x, rate) in named]))
    return _verdicts(named, clips, evaluator, seed, notices, kind="digit", names=DIGITS, minimum=MIN_SCORED_CLIPS,
                     metrics_named="IS-, FD- and KID-digits", noun="clips")


MIN_VOCODE_S = 0.25


def vocode_clip(path, vocoder, *, seed: int = 0) -> dict:
    """"Hear what the vocoder does": one uploaded clip (WAV/FLAC/OGG, at most 10 s) made
    mono, 16 kHz and peak 0.8 as the corpus is, re-synthesised by `vocoder` from its own
    log-mel (pipelines/audio.resynthesise), and scored against itself by STOI and wide-band
    PESQ (metrics/speech.py). Returns the original and the re-synthesis (16 kHz float32), the
    scores, and metadata."""
    import numpy as np
    import torch
    import torchaudio.functional as AF

    from ..data.spoken_digits import PEAK, SAMPLE_RATE
    from ..metrics import speech
    from ..pipelines.audio import resynthesise
    from ..pipelines.base import Timer
    from ..uploads import read_clips

    if not path:
        raise InputError("Upload or record a clip (WAV, FLAC or OGG, at most 10 s) to hear it re-synthesised.")
    named = read_clips([path])
    if len(named) != 1:
        raise InputError(f"One clip at a time, please; this upload holds {len(named)}.")
    name, (x, rate) = named[0]
    if rate != SAMPLE_RATE:
        x = AF.resample(torch.from_numpy(x), rate, SAMPLE_RATE).numpy()
    if len(x) < MIN_VOCODE_S * SAMPLE_RATE:
        raise InputError(f"{name} lasts {len(x) / SAMPLE_RATE:.2f} s; give at least {MIN_VOCODE_S} s of speech.")
    peak = float(np.abs(x).max())
    if not peak > 0:
        raise InputError(f"{name} is silent: there is nothing to re-synthesise.")
    seed = resolve_seed(seed)
    original = (x / peak * PEAK).astype(np.float32)
    with Timer() as t:
        out = resynthesise(vocoder, original, seed)
    duration = len(original) / SAMPLE_RATE
    return {"original": original, "audio": out, "sample_rate": SAMPLE_RATE,
            "scores": speech.copy_quality(original[None], out[None]),
            "meta": {"file": name, "vocoder": vocoder.name, "vocoder_sha256": vocoder.checkpoint_sha256, "seed": seed,
                     "resampled_from": rate if rate != SAMPLE_RATE else None, "duration_s": round(duration, 3),
                     "seconds": round(t.seconds, 3), "real_time_factor": round(t.seconds / duration, 3)}}


def _verdicts(named: list, x, evaluator, seed, notices: list[str], *, kind: str, names, minimum: int,
              metrics_named: str, noun: str) -> dict:
    """The classifier's verdict on each of the `named` items (prepared as `x`), the count of
    each verdict, and from `minimum` items on the distances to real data at the same count."""
    conf, pred = evaluator.predict(x).max(-1)
    result = {
        "n": len(named), "notices": notices,
        "predictions": [{"file": name, kind: names[int(c)], "confidence": round(float(p), 4)}
                        for (name, _), c, p in zip(named, pred, conf)],
        f"{kind}_counts": {label: int((pred == i).sum()) for i, label in enumerate(names)},
        "metrics": None,
    }
    if len(named) >= minimum:
        result["metrics"] = evaluator.score(x, None, seed=resolve_seed(seed))
    else:
        result["notices"].append(f"{metrics_named} need at least {minimum} {noun}; "
                                 f"only the {kind} {'predictions' if kind == 'class' else 'verdicts'} are shown.")
    return result


def score_texts(text: str = "", paths: list | None = None, seed: int = 0, *, real_reference: dict | None = None) -> dict:
    """Texts, one per line (pasted, or in UTF-8 .txt files), scored as the text models are:
    Texygen test-BLEU-2/3/4 against the test split (with the bootstrap error of BLEU-4),
    Self-BLEU-4 and distinct-1/2, per language, beside `real_reference` (the shipped text
    records' held-out real text, {language: figures})."""
    from ..data import fortunes
    from ..metrics import text as tm
    from ..uploads import read_texts

    if text is not None and not isinstance(text, str):
        raise InputError("The texts must be a string, one text per line.")
    chunks = [text or ""] + [content for _, content in (read_texts(paths) if paths else [])]
    lines = [line.strip() for chunk in chunks for line in chunk.splitlines() if line.strip()]
    if not lines:
        raise InputError("Paste some texts (one per line) or upload .txt files first.")
    if len(lines) > tm.MAX_LINES or sum(map(len, lines)) > tm.MAX_CHARS:
        raise InputError(f"At most {tm.MAX_LINES} lines and {tm.MAX_CHARS:,} characters, please.")
    seed = resolve_seed(seed)
    try:
        split = fortunes.splits()
    except fortunes.CorpusNotFound as e:
        raise ModelUnavailable(f"Scoring against the test split needs the corpus: {e}") from None
    by_language = {}
    for line in lines:
        by_language.setdefault(fortunes.language_of(line), []).append(line)
    test = {lang: [r.text for r in split["test"] if r.language == lang] for lang in by_language}
    figures = tm.corpus_figures(by_language, test, seed=seed)["per_language"]
    real = real_reference or {}
    notices = [f"{lang}: {len(t)} text(s) (fewer than {tm.SELF_BLEU_N}: no Self-BLEU-4)"
               for lang, t in by_language.items() if len(t) < tm.SELF_BLEU_N]
    return {"n": len(lines), "seed": seed, "notices": notices, "per_language": figures,
            "real_reference": {lang: real.get(lang, {}) for lang in figures},
            "signatures": {lang: tm.signature(test[lang], 4, tm.LANGUAGE_TOKENIZER[lang]) for lang in figures}}


def bleu(hypotheses: str, references: str, tokenize: str = "auto") -> dict:
    """BLEU of newline-separated hypotheses against newline-separated references, one
    reference per hypothesis line (sacrebleu; see metrics/text.py)."""
    from ..metrics import text as text_metrics

    if not isinstance(hypotheses, str) or not isinstance(references, str):
        raise InputError("hypotheses and references must be text, one sentence per line.")
    if len(hypotheses) + len(references) > text_metrics.MAX_CHARS:
        raise InputError(f"At most {text_metrics.MAX_CHARS:,} characters in all, please.")
    hyps = hypotheses.strip("\n").split("\n") if hypotheses.strip() else []
    refs = references.strip("\n").split("\n") if references.strip() else []
    if not hyps or not refs:
        raise InputError("Paste at least one hypothesis and one reference, one sentence per line.")
    if len(hyps) != len(refs):
        raise InputError(f"{len(hyps)} hypothesis lines but {len(refs)} reference lines: "
                         "give exactly one reference line per hypothesis line.")
    if len(hyps) > text_metrics.MAX_LINES:
        raise InputError(f"At most {text_metrics.MAX_LINES} lines, please.")
    if tokenize not in text_metrics.TOKENIZERS:
        raise InputError(f"tokenize must be one of {', '.join(text_metrics.TOKENIZERS)}, not {tokenize!r}.")
    return text_metrics.bleu(hyps, refs, tokenize)
