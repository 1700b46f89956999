"""Measure models and write their metrics.json (and refresh their model cards).

    python -m aigc_demo.evaluate --model NAME [--n N] [--seed 0]
    python -m aigc_demo.evaluate --all

Samples are generated fresh from one seeded generator (images: class-balanced) and scored
against the real-data reference at the same sample count (see aigc_demo/metrics/).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

from tqdm.auto import tqdm

from . import checkpoint as ckpt
from .paths import CHECKPOINTS_DIR


def _versions() -> dict:
    import torch
    import torchmetrics

    return {"torch": torch.__version__, "torchmetrics": torchmetrics.__version__}


def image_record(pipe, family: str, scores: dict, *, command: str) -> dict:
    """What metrics.json holds for an image model: the scores and everything needed to read
    and reproduce them."""
    from .metrics.image import DEFINITIONS, check_targets

    return {
        "headline": {"name": "FID-FMNIST", "value": round(scores["generated"]["fid_fmnist"], 4),
                     "reference": round(scores["real_reference"]["fid_fmnist"], 4)},
        **scores,
        "sampling_controls": pipe.check_params({}),  # the pipeline's defaults, as the app uses them
        "targets": check_targets(family, scores),
        "definitions": DEFINITIONS,
        "checkpoint_sha256": pipe.checkpoint_sha256,
        "versions": _versions(),
        "command": command,
    }


def _finite(obj):
    """NaN (a figure that needs more samples than there were) becomes null in JSON."""
    if isinstance(obj, float):
        return None if obj != obj else obj
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


def text_record(pipe, entry, *, n: int, seed: int, corpus_dir=None, limit: int | None = None) -> dict:
    """What metrics.json holds for a text model: test perplexity, and test-BLEU, Self-BLEU
    and distinct-n of n freshly sampled texts beside the same figures for held-out real text
    (the validation split) against the same test split."""
    from .data import fortunes
    from .metrics import text as tm
    from .pipelines.text import PURE_SAMPLING
    from .train.text import token_stream

    split = fortunes.splits(corpus_dir, limit)
    by_language = lambda recs: {lang: [r.text for r in recs if r.language == lang] for lang in tm.LANGUAGE_TOKENIZER}
    test, valid = by_language(split["test"]), by_language(split["valid"])
    block = int(entry.training.get("block_size") or pipe.context)
    test_windows = tm.windows(token_stream(pipe.tokenizer, [r.text for r in split["test"]]), block)
    perplexity = math.exp(tm.mean_nll(pipe.model, test_windows, device=pipe.device))
    max_new_tokens = 200
    samples = pipe.sample(n, seed=seed, max_new_tokens=max_new_tokens)
    generated_by_language = {lang: [] for lang in tm.LANGUAGE_TOKENIZER}
    for t in samples:
        generated_by_language[fortunes.language_of(t)].append(t)
    generated_by_language = {k: v for k, v in generated_by_language.items() if v}
    gen = tm.corpus_figures(generated_by_language, test, seed=seed)
    real = tm.corpus_figures(valid, test, seed=seed)
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
        "command": f"python -m aigc_demo.evaluate --model {entry.name} --n {n} --seed {seed}",
    }
    record["targets"] = tm.check_targets(entry.family, record, _baseline_metrics(entry))
    return _finite(record)


def audio_record(pipe, entry, *, n: int, seed: int, evaluator, vocoders: dict, corpus_dir=None) -> dict:
    """What metrics.json holds for an audio model.

    A generator (SpecGAN): n class-balanced clips through each vocoder (Griffin-Lim, and every
    WaveNet beside it), scored against held-out real clips; Griffin-Lim's figures are the
    headline. A vocoder (WaveNet): copy synthesis, i.e. n held-out real clips re-synthesised
    from their own log-mels, which shows what the vocoder alone costs."""
    import torch

    from .metrics import audio as am
    from .metrics.image import balanced_labels

    command = f"python -m aigc_demo.evaluate --model {entry.name} --n {n} --seed {seed}"
    common = {"definitions": am.DEFINITIONS, "checkpoint_sha256": pipe.checkpoint_sha256, "versions": _versions(),
              "command": command}
    if entry.family in ("wavenet",):
        from .audio import LogMel
        from .data import spoken_digits

        clips, digits = [], []
        for split in ("valid", "test"):
            a, d, _ = spoken_digits.load(split, corpus_dir)
            clips.append(a)
            digits.append(d)
        clips, digits = torch.from_numpy(np.concatenate(clips)), torch.from_numpy(np.concatenate(digits))
        g = torch.Generator().manual_seed(seed)
        labels = balanced_labels(n)
        pick = torch.cat([torch.nonzero(digits == d).flatten()[torch.randperm(int((digits == d).sum()), generator=g)]
                          [: int((labels == d).sum())] for d in range(10)])
        mels, labels = LogMel()(clips[pick]), digits[pick]
        waves = torch.cat([pipe.vocode(mels[i:i + 500], g) for i in range(0, len(mels), 500)])
        scores = evaluator.score(waves, labels, seed=seed)
        return _finite({
            "headline": {"name": "digit accuracy (copy synthesis)", "value": round(scores["generated"]["digit_accuracy"], 4),
                         "reference": round(scores["real_reference"]["digit_accuracy"], 4)},
            **scores, "task": "copy synthesis of held-out real clips (valid + test voices) from their log-mels",
            **common})
    by_vocoder = {}
    for name, vocoder in vocoders.items():
        by_vocoder[name] = evaluator.score(*_sampled(pipe, vocoder, n, seed), seed=seed)
    gl = by_vocoder["griffin-lim"]
    targets = [t for name, s in by_vocoder.items() for t in am.check_targets(_vocoder_family(name, vocoders), s)]
    return _finite({
        "headline": {"name": "FD-digits (Griffin-Lim)", "value": round(gl["generated"]["fd_digits"], 4),
                     "reference": round(gl["real_reference"]["fd_digits"], 4)},
        **gl,
        "vocoders": {name: s["generated"] for name, s in by_vocoder.items()},
        "sampling_controls": pipe.check_params({}),
        "targets": targets,
        **common,
    })


def _sampled(pipe, vocoder, n: int, seed: int):
    import torch

    from .metrics.audio import BATCH, iter_clips

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


def evaluate_folder(folder: str | Path, *, n: int = 10000, seed: int = 0, evaluator_dir: str | Path | None = None,
                    corpus_dir: str | Path | None = None, limit: int | None = None) -> dict:
    """Score the model in `folder` and write metrics.json and README.md beside it."""
    from .cards import write_card
    from .registry import load_pipeline, read_entry

    folder = Path(folder)
    modality = ckpt.read_json(folder / ckpt.CONFIG_FILE).get("modality")
    entry = read_entry(folder, modality)
    if entry.error:
        raise ckpt.CheckpointError(f"{folder}: {entry.error}")
    pipe = load_pipeline(entry)
    if modality == "text":
        metrics = text_record(pipe, entry, n=n, seed=seed, corpus_dir=corpus_dir, limit=limit)
        ckpt.write_json(folder / ckpt.METRICS_FILE, metrics)
        write_card(folder)
        return metrics
    if modality == "audio":
        from .metrics.audio import DIGIT_EVALUATOR_DIR, DigitEvaluator
        from .pipelines.audio import GRIFFIN_LIM
        from .registry import VOCODER_FAMILIES, discover

        if n % 10:
            raise ValueError(f"--n must be a multiple of 10 (the digits are balanced), not {n}")
        evaluator = DigitEvaluator.load(evaluator_dir or DIGIT_EVALUATOR_DIR)
        vocoders = {GRIFFIN_LIM: None}
        if entry.family not in VOCODER_FAMILIES:  # the GAN is measured through every vocoder beside it
            for e in discover(folder.parent.parent):
                if e.modality == "audio" and e.family in VOCODER_FAMILIES and e.available:
                    vocoders[e.name] = load_pipeline(e)
        metrics = audio_record(pipe, entry, n=n, seed=seed, evaluator=evaluator, vocoders=vocoders, corpus_dir=corpus_dir)
        ckpt.write_json(folder / ckpt.METRICS_FILE, metrics)
        write_card(folder)
        return metrics
    from .metrics.image import EVALUATOR_DIR, FMNISTEvaluator, generate_and_score

    if n % 10:
        raise ValueError(f"--n must be a multiple of 10 (the classes are balanced), not {n}")
    evaluator = FMNISTEvaluator.load(evaluator_dir or EVALUATOR_DIR)
    scores = generate_and_score(pipe.sample, evaluator, n, seed=seed)
    metrics = image_record(pipe, entry.family, scores, command=f"python -m aigc_demo.evaluate --model {entry.name} --n {n} --seed {seed}")
    ckpt.write_json(folder / ckpt.METRICS_FILE, metrics)
    write_card(folder)
    return metrics


def evaluate_reference(evaluator_dir: str | Path | None = None, *, n: int = 10000, seed: int = 0) -> dict:
    """Real train vs real test in the classifier's features, written into the classifier's
    metrics.json: the floor every image model's figures are read against."""
    from .cards import write_card
    from .metrics.image import EVALUATOR_DIR, FMNISTEvaluator

    folder = Path(evaluator_dir or EVALUATOR_DIR)
    row = FMNISTEvaluator.load(folder).reference_scores(n, seed=seed)
    metrics = ckpt.read_json(folder / ckpt.METRICS_FILE) if (folder / ckpt.METRICS_FILE).is_file() else {}
    metrics["real_reference_at_n"] = {"n": n, "seed": seed, **row}
    metrics["reference_command"] = f"python -m aigc_demo.evaluate --reference --n {n} --seed {seed}"
    metrics["versions"] = _versions()
    ckpt.write_json(folder / ckpt.METRICS_FILE, metrics)
    write_card(folder)
    return row


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m aigc_demo.evaluate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", help="model name (its checkpoint folder's name)")
    which.add_argument("--all", action="store_true")
    which.add_argument("--reference", action="store_true",
                       help="recompute the real-data reference (real train vs real test) of the image metrics")
    p.add_argument("--n", type=int, help="samples to generate (default: 10000 images, a multiple of 10; 1000 texts)")
    p.add_argument("--corpus-dir", help="text: folder of fortune files (default: the Debian packages); "
                   "audio: the spoken-digit corpus, for the vocoder's copy synthesis (default: $SPOKEN_DIGITS_DIR)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoints", default=str(CHECKPOINTS_DIR))
    args = p.parse_args(argv)
    from .registry import discover

    if args.reference:
        row = evaluate_reference(Path(args.checkpoints) / "evaluators" / "fmnist-classifier", n=args.n or 10000,
                                 seed=args.seed)
        print("real train vs real test: " + ", ".join(f"{k} {v:.4g}" for k, v in row.items()))
        return
    entries = [e for e in discover(args.checkpoints) if e.modality in DEFAULT_N]
    if args.model:
        entries = [e for e in entries if e.name == args.model]
        if not entries:
            sys.exit(f"no model named {args.model!r} under {args.checkpoints}")
    # the GPT's bars are relative to the LSTM baseline, and the GAN is measured through the
    # vocoders, so baselines and vocoders are measured first
    entries.sort(key=lambda e: e.family not in ("lstm", "wavenet"))
    for e in tqdm(entries, desc="models", disable=len(entries) < 2):
        m = evaluate_folder(e.path, n=args.n or DEFAULT_N[e.modality], seed=args.seed, corpus_dir=args.corpus_dir,
                            evaluator_dir=Path(args.checkpoints) / "evaluators" / EVALUATORS.get(e.modality, ""))
        g, r = m["generated"], m["real_reference"]
        print(f"{e.name}: " + ", ".join(f"{k} {_num(v)} (real {_num(r.get(k))})" for k, v in g.items()))
    write_results_table(args.checkpoints)


DEFAULT_N = {"image": 10000, "text": 1000, "audio": 1000}
EVALUATORS = {"image": "fmnist-classifier", "audio": "digit-classifier"}  # text needs none


def _num(v) -> str:
    return f"{v:.4g}" if isinstance(v, (int, float)) else "n/a"


def write_results_table(checkpoints: str | Path) -> Path:
    """checkpoints/results.csv: every metric of every model, with its real-data reference."""
    from .plots import metrics_table
    from .registry import discover

    path = Path(checkpoints) / "results.csv"
    ckpt.atomic_write_text(path, metrics_table(discover(checkpoints)).to_csv(index=False))
    print(f"wrote {path}")
    return path


if __name__ == "__main__":
    main()
