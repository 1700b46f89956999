"""Measure models: print their figures, and write them into their checkpoint only when asked.

    python -m aigc_demo.evaluate --model NAME [--n N] [--seed 0]   # prints; changes nothing
    python -m aigc_demo.evaluate --model NAME --out results.json    # and writes the records there
    python -m aigc_demo.evaluate --all --write                      # into each metrics.json + card

--write never replaces a record measured on more samples or more draws, or with another
seed, unless --force is given too; it says what it would replace and by what. The record it
replaces is kept beside it as metrics.previous.json.

Samples are generated fresh from one seeded generator (images: class-balanced) and scored
against the real-data reference at the same sample count (see aigc_demo/metrics/).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm.auto import tqdm

from . import checkpoint as ckpt
from .evaluation.records import (_command, _versions, audio_record, caption_draw, caption_record, chorale_record,
                                 image_record, music_record, poet_record, score_draws, text_record,
                                 text_to_image_figures, translation_record)
from . import paths
from .paths import CHECKPOINTS_DIR, tree_of


class RecordKept(Exception):
    """A shipped record was not replaced by a weaker measurement; the message says why."""


PREVIOUS_METRICS_FILE = "metrics.previous.json"


def weaker_than(old: dict, new: dict) -> list[str]:
    """Why the record `new` must not silently replace `old`: fewer samples, fewer draws, or
    another seed (so not the same measurement repeated). Empty when it may."""
    reasons = []
    draws = lambda r: (r.get("draws") or {}).get("count", 1)
    if isinstance(old.get("n"), int) and isinstance(new.get("n"), int) and new["n"] < old["n"]:
        reasons.append(f"it was measured on {old['n']:,} samples, this on {new['n']:,}")
    if draws(new) < draws(old):
        reasons.append(f"it was measured over {draws(old)} draws, this over {draws(new)}")
    if "seed" in old and new.get("seed") != old.get("seed"):
        reasons.append(f"it was measured with seed {old['seed']}, this with seed {new.get('seed')}")
    return reasons


def write_record(folder: str | Path, record: dict, *, force: bool = False) -> None:
    """Write `record` as the folder's metrics.json (atomically) and refresh its card. The
    record it replaces is kept as metrics.previous.json; one measured on more samples or more
    draws, or with another seed, is replaced only with force=True (else RecordKept)."""
    from .cards import write_card

    folder = Path(folder)
    path = folder / ckpt.METRICS_FILE
    if path.is_file():
        old = ckpt.read_json(path)
        reasons = weaker_than(old, record)
        if reasons and not force:
            headline = lambda r: (f"{r['headline']['name']} {_num(r['headline']['value'])}" if r.get("headline")
                                  else "its figures")
            raise RecordKept(f"{folder.name}: kept its record ({headline(old)}, n={old.get('n')}); this measurement "
                             f"({headline(record)}, n={record.get('n')}) would replace it, but "
                             + "; ".join(reasons) + ". Add --force to replace it anyway (the old record is then "
                             f"kept as {PREVIOUS_METRICS_FILE}).")
        ckpt.atomic_write_bytes(folder / PREVIOUS_METRICS_FILE, path.read_bytes())
    ckpt.write_json(path, record)
    write_card(folder)


def evaluate_folder(folder: str | Path, *, n: int = 10000, seed: int = 0, evaluator_dir: str | Path | None = None,
                    corpus_dir: str | Path | None = None, limit: int | None = None, draws: int = 1,
                    inception_weights: str | Path | None = None, write: bool = False, force: bool = False) -> dict:
    """Score the model in `folder` and return its record; with write=True also write it as the
    folder's metrics.json and card (see write_record: a stronger record is kept unless
    force=True; training's own export writes its fresh record with force). draws > 1: image and audio models are scored on that many independent sample
    draws, which gives their Fréchet distance and accuracy a spread (see score_draws); text
    figures carry a bootstrap error instead. Image models also get standard FID
    (metrics/inception.py) where the InceptionV3 weights can be had (`inception_weights`: the
    file), or the reason it is unavailable.

    Folders a caller leaves out come from the model's own checkpoints tree, never from
    elsewhere: evaluator_dir defaults to <tree>/evaluators/<classifier> beside `folder`;
    corpus_dir (the modality's data: fortunes, the spoken digits, Fashion-MNIST for standard
    FID's real images) to that dataset's own default."""
    from .registry import load_pipeline, read_entry

    folder = Path(folder)
    modality = ckpt.read_json(folder / ckpt.CONFIG_FILE).get("modality")
    if evaluator_dir is None:
        evaluator_dir = _evaluator_dir(modality, tree_of(folder))
    entry = read_entry(folder, modality)
    if entry.error:
        raise ckpt.CheckpointError(f"{folder}: {entry.error}")
    pipe = load_pipeline(entry)
    if modality == "text" and entry.is_translator:  # the poet, beside the GPT of the same tree
        from .registry import discover

        gpt = next((load_pipeline(e) for e in discover(tree_of(folder)) if e.modality == "text" and e.family == "gpt"
                    and e.available), None)
        metrics = poet_record(pipe, entry, n=n, seed=seed, corpus_dir=corpus_dir, limit=limit, gpt=gpt)
    elif modality == "text":
        metrics = text_record(pipe, entry, n=n, seed=seed, corpus_dir=corpus_dir, limit=limit)
    elif modality == "music" and entry.family == "bach_chorale":
        metrics = chorale_record(pipe, entry, n=n, seed=seed, corpus_dir=corpus_dir)
    elif modality == "music":
        metrics = music_record(pipe, entry, n=n, seed=seed, corpus_dir=corpus_dir)
    elif modality == "audio":
        from .metrics.audio import DigitEvaluator
        from .families.audio import GRIFFIN_LIM
        from .registry import discover

        if n % 10:
            raise ValueError(f"--n must be a multiple of 10 (the digits are balanced), not {n}")
        evaluator = DigitEvaluator.load(evaluator_dir)
        vocoders = {GRIFFIN_LIM: None}
        if not entry.is_vocoder:  # the GAN is measured through every vocoder beside it
            for e in discover(folder.parent.parent):
                if e.modality == "audio" and e.is_vocoder and e.available:
                    vocoders[e.name] = load_pipeline(e)
        metrics = audio_record(pipe, entry, n=n, seed=seed, evaluator=evaluator, vocoders=vocoders,
                               corpus_dir=corpus_dir, draws=draws)
    elif entry.is_describer:  # the captioner: its captions of the test pictures
        metrics = caption_record(pipe, entry, n=n, seed=seed, corpus_dir=corpus_dir)
    elif entry.is_translator:
        from .metrics.image import FMNISTEvaluator

        metrics = translation_record(pipe, entry, evaluator=FMNISTEvaluator.load(evaluator_dir), n=min(n, 1000), seed=seed,
                                     corpus_dir=corpus_dir)
    else:
        from .metrics import inception
        from .metrics.image import FMNISTEvaluator, draw

        if n % 10:
            raise ValueError(f"--n must be a multiple of 10 (the classes are balanced), not {n}")
        evaluator = FMNISTEvaluator.load(evaluator_dir)
        first_draw = {}

        from_text = hasattr(pipe, "from_text")  # a text-to-image model draws from the test pictures' captions

        def score_once(s: int) -> dict:
            images, labels = caption_draw(pipe, n, s, corpus_dir) if from_text else draw(pipe.sample, n, s)
            if s == seed:
                first_draw["images"], first_draw["labels"] = images, labels
            return evaluator.score(images, labels, seed=s)

        scores = score_draws(score_once, draws, seed, evaluator.NAMES)
        metrics = image_record(pipe, entry.family, scores, command=_command(entry.name, n, seed, draws))
        # standard FID only where its weights can be had; otherwise it says why, never a stand-in
        metrics["fid_inceptionv3"] = inception.record(first_draw["images"], seed=seed, weights_path=inception_weights,
                                                      data_dir=corpus_dir)
        if from_text:  # a text-to-image model: the class names alone, how it follows prompts, per class, copying
            metrics.update(text_to_image_figures(pipe, entry, evaluator, first_draw["images"], first_draw["labels"],
                                                 seed=seed, corpus_dir=corpus_dir))
    if write:
        write_record(folder, metrics, force=force)
    return metrics


# A figure without a measured spread reproduces within 1%: the same seed draws the same
# samples, so only floating-point summation order (another CPU, BLAS or GPU) moves it.
REL_TOL = 0.01


def compare_with_shipped(shipped: dict, fresh: dict) -> list[dict]:
    """Every figure of a shipped metrics.json beside the same figure measured again, and
    whether it reproduced within its stated uncertainty: two standard deviations where the
    record states one (`<metric>_std`: sample draws, bootstrap, KID subsets, IS splits), else
    REL_TOL relative."""
    sides = [("generated", shipped.get("generated", {}), fresh.get("generated", {})),
             ("real_reference", shipped.get("real_reference", {}), fresh.get("real_reference", {}))]
    matched_old, matched_new = shipped.get("diversity_matched") or {}, fresh.get("diversity_matched") or {}
    if matched_old.get("generated"):  # the temperature chosen is itself a figure that must reproduce
        sides.append(("diversity-matched", {"temperature": matched_old["temperature"], **matched_old["generated"]},
                      {"temperature": matched_new.get("temperature"), **(matched_new.get("generated") or {})}))
    for name, figures in shipped.get("vocoders", {}).items():
        sides.append((f"vocoder {name}", figures, fresh.get("vocoders", {}).get(name, {})))
    for direction, figures in shipped.get("directions", {}).items():  # a translator, each way
        for part in ("translated", "untranslated", "real_reference", "best_real_match"):
            sides.append((f"{direction} {part}", figures.get(part, {}),
                          fresh.get("directions", {}).get(direction, {}).get(part, {})))
    for name, figures in shipped.get("systems", {}).items():  # the poet (and the GPT beside it), the captioner
        sides.append((f"system {name}", figures, fresh.get("systems", {}).get(name, {})))
    rows = []
    for side, old, new in sides:
        for k, v in old.items():
            if k.endswith("_std") or not isinstance(v, (int, float)) or isinstance(v, bool):
                continue
            now, std = new.get(k), old.get(f"{k}_std")
            tolerance = max(2 * std if isinstance(std, (int, float)) else 0.0, REL_TOL * abs(v), 1e-9)
            rows.append({"side": side, "metric": k, "shipped": v, "now": now, "tolerance": tolerance,
                         "ok": isinstance(now, (int, float)) and abs(now - v) <= tolerance})
    return rows


def check_folder(folder: str | Path, **kwargs) -> list[dict]:
    """Measure the model in `folder` again with the sample count, seed and draws its shipped
    metrics.json states (nothing is written) and compare figure by figure."""
    shipped = ckpt.read_json(Path(folder) / ckpt.METRICS_FILE)
    fresh = evaluate_folder(folder, n=shipped["n"], seed=shipped["seed"],
                            draws=shipped.get("draws", {}).get("count", 1), write=False, **kwargs)
    return compare_with_shipped(shipped, fresh)


def evaluate_reference(evaluator_dir: str | Path, *, n: int = 10000, seed: int = 0, write: bool = False) -> dict:
    """Real train vs real test in the classifier's features (with write=True also written into
    the classifier's metrics.json, the previous one kept): the floor every image model's
    figures are read against."""
    from .cards import write_card
    from .metrics.image import FMNISTEvaluator

    folder = Path(evaluator_dir)
    row = FMNISTEvaluator.load(folder).reference_scores(n, seed=seed)
    metrics = ckpt.read_json(folder / ckpt.METRICS_FILE) if (folder / ckpt.METRICS_FILE).is_file() else {}
    metrics["real_reference_at_n"] = {"n": n, "seed": seed, **row}
    metrics["reference_command"] = f"python -m aigc_demo.evaluate --reference --n {n} --seed {seed}"
    metrics["versions"] = _versions()
    if write:
        if (folder / ckpt.METRICS_FILE).is_file():
            ckpt.atomic_write_bytes(folder / PREVIOUS_METRICS_FILE, (folder / ckpt.METRICS_FILE).read_bytes())
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
    p.add_argument("--draws", type=int, default=1,
                   help="image and audio: score this many independent sample draws (seeds seed, seed+1, ...) and "
                        "record the spread of the Fréchet distance and accuracy (default 1)")
    p.add_argument("--inception-weights", metavar="FILE",
                   help="images: the InceptionV3 weights file for standard FID (torch-fidelity's "
                        "weights-inception-2015-12-05-6726825d.pth); without it, torch hub's cache or a download is "
                        "tried, and offline the figure is reported as unavailable")
    p.add_argument("--check", action="store_true",
                   help="measure again with each shipped metrics.json's own n, seed and draws, write nothing, and "
                        "compare figure by figure (exit status 1 if any is outside its stated uncertainty)")
    p.add_argument("--out", metavar="FILE", help="also write the records measured into this JSON file")
    p.add_argument("--write", action="store_true",
                   help="write each record into its checkpoint (metrics.json, model card, checkpoints/results.csv); "
                        "a record measured on more samples or draws, or with another seed, is kept unless --force")
    p.add_argument("--force", action="store_true", help="with --write: replace even a stronger record (it is kept "
                                                        "as metrics.previous.json)")
    p.add_argument("--checkpoints", default=str(CHECKPOINTS_DIR))
    args = p.parse_args(argv)
    if args.draws < 1:
        p.error("--draws must be at least 1")
    if args.force and not args.write:
        p.error("--force only makes sense with --write")
    if args.check and (args.write or args.out):
        p.error("--check writes nothing: leave out --write and --out")
    from .registry import discover

    if args.reference:
        row = evaluate_reference(_evaluator_dir("image", args.checkpoints), n=args.n or 10000,
                                 seed=args.seed, write=args.write)
        print("real train vs real test: " + ", ".join(f"{k} {v:.4g}" for k, v in row.items()))
        if args.out:
            ckpt.write_json(Path(args.out), {"real_reference_at_n": {"n": args.n or 10000, "seed": args.seed, **row}})
        if not args.write:
            print("(nothing written into the checkpoint: add --write for that)")
        return
    entries = [e for e in discover(args.checkpoints) if e.modality in DEFAULT_N]
    if args.model:
        entries = [e for e in entries if e.name == args.model]
        if not entries:
            sys.exit(f"no model named {args.model!r} under {args.checkpoints}")
    # the GPT's bars are relative to the LSTM baseline, and the GAN is measured through the
    # vocoders, so baselines and vocoders are measured first
    entries.sort(key=lambda e: not (e.family == "lstm" or e.is_vocoder))
    if args.check:
        sys.exit(0 if check_all(entries, args) else 1)
    records, kept = {}, []
    for e in tqdm(entries, desc="models", disable=len(entries) < 2):
        m = evaluate_folder(e.path, n=args.n or DEFAULT_N[e.modality], seed=args.seed, corpus_dir=args.corpus_dir,
                            draws=args.draws, inception_weights=args.inception_weights,
                            evaluator_dir=_evaluator_dir(e.modality, args.checkpoints))
        records[e.name] = m
        if args.write:
            try:
                write_record(e.path, m, force=args.force)
            except RecordKept as refused:
                kept.append(str(refused))
        print_record(e.name, m)
        if "fid_inceptionv3" in m:
            i = m["fid_inceptionv3"]
            print(f"  fid_inceptionv3 {_num(i['value'])} (real {_num(i['real_reference'])})" if i["available"]
                  else f"  fid_inceptionv3 unavailable: {i['reason']}")
    if args.out:
        ckpt.write_json(Path(args.out), records)
        print(f"wrote {args.out}")
    if not args.write:
        print("(no checkpoint was changed: add --write to store these records in their checkpoints)")
        return
    write_results_table(args.checkpoints)
    for message in kept:
        print(message, file=sys.stderr)
    if kept:
        sys.exit(1)


def print_record(name: str, m: dict) -> None:
    """A record's figures on one line beside the real reference's; a record without them (a
    translator's, the poet's) by its headline and its bars."""
    if "generated" in m:
        g, r = m["generated"], m.get("real_reference", {})
        print(f"{name}: " + ", ".join(f"{k} {_num(v)} (real {_num(r.get(k))})" for k, v in g.items()))
    else:
        head = m.get("headline", {})
        print(f"{name}: {head.get('name')} {_num(head.get('value'))} (reference {_num(head.get('reference'))})")
    for t in m.get("targets", []):
        where = t.get("direction") or t.get("vocoder") or ""
        print(f"  bar {t['metric']}{f' ({where})' if where else ''}: {_num(t['value'])}, {t['target']}: "
              f"{'met' if t['met'] else 'NOT met'}")


def check_all(entries, args) -> bool:
    """--check: print one row per figure (shipped, now, tolerance) and say whether all held."""
    import pandas as pd

    rows = []
    for e in tqdm(entries, desc="models", disable=len(entries) < 2):
        if not (e.path / ckpt.METRICS_FILE).is_file():
            print(f"{e.name}: no shipped metrics.json to compare with")
            continue
        rows += [{"model": e.name, **r} for r in check_folder(
            e.path, corpus_dir=args.corpus_dir,
            evaluator_dir=_evaluator_dir(e.modality, args.checkpoints))]
    if not rows:
        return False
    table = pd.DataFrame(rows)
    with pd.option_context("display.max_rows", None, "display.width", 200):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.5g}"))
    failed = table[~table["ok"]]
    print(f"{len(table) - len(failed)} of {len(table)} figures reproduced within their stated uncertainty"
          + ("" if failed.empty else "; outside: " + ", ".join(f"{r.model} {r.side} {r.metric}" for r in failed.itertuples())))
    return failed.empty


DEFAULT_N = {"image": 10000, "text": 1000, "audio": 1000, "music": 150}


def _evaluator_dir(modality: str, checkpoints) -> Path | None:
    """The metric classifier of a modality in a checkpoints tree (text needs none)."""
    return paths.evaluator_dir(modality, checkpoints) if modality in paths.EVALUATORS else None


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
