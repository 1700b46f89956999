"""Train the captioner (models/captioner.py) on Fashion-MNIST pictures and their synthetic captions.

    python -m aigc_demo.train image --model captioner [options]

Captions come from data/captions.py: the thresholds of the attribute words are fitted on the
training split, then every training picture whose caption holds a held-out class-attribute
combination is set aside (`captions.trainable`), so the test figures on those combinations
measure generalisation. The last VALID_PICTURES of the remaining pictures are the validation
set. Each time a picture is seen it is captioned in a language and a phrasing drawn anew (so
one model learns to write both languages, the first token saying which).

At each epoch end: the validation loss, the share of greedy English captions naming the
right class, and a sample file; the weights of the lowest validation loss are kept. A run
keeps resumable state in runs/image/captioner/ and exports checkpoints/image/captioner/
(config.json with the caption thresholds, model.safetensors, vocab.json, examples.npz,
train_log.csv, samples/, preview.txt, metrics.json, README.md).
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict

import numpy as np
import torch
from tqdm.auto import tqdm

from .. import checkpoint as ckpt
from ..data import captions as cap
from ..data import fashion_mnist
from ..images import from_uint8
from .common import Run, copy_log_and_samples, measure_or_card, training_block

VALID_PICTURES = 2500
SAMPLE_PICTURES = 8  # validation pictures whose greedy captions are written at each epoch
LANGUAGES = ("en", "zh")
DATA_NOTE = ("Fashion-MNIST train split with synthetic captions (the label plus attributes measured from the "
             "pixels, English and Chinese); pictures holding a held-out class-attribute combination left out")
LABELS_NOTE = ("; those pictures are seen with their class label only (the encoder's class loss), never with a "
               "caption")


def vocabulary():
    """Every token any synthetic caption can hold, in both languages (a closed vocabulary)."""
    from ..models.captioner import CaptionVocab

    return CaptionVocab.from_texts((text, language) for written in cap.every_caption()
                                   for language, texts in (("en", written.en), ("zh", written.zh)) for text in texts)


def captioned_split(split: str, data_dir, thresholds: dict | None = None):
    """(pictures uint8 (N, 28, 28), captions, thresholds) of a Fashion-MNIST split; the
    thresholds are fitted on this split when none are given (training)."""
    images, labels = fashion_mnist.load(split, data_dir)
    if thresholds is None:
        thresholds = cap.fit_thresholds(images, labels)
    return images, cap.caption_split(images, labels, thresholds), thresholds


def train_captioner(args) -> None:
    from ..metrics.captions import content
    from ..models.captioner import PAD, Captioner, CaptionerConfig, teacher_inputs, training_loss

    run = Run(args, ["train_loss", "valid_loss", "valid_class_accuracy", "lr"])
    acc = run.accelerator
    images, truth, thresholds = captioned_split("train", args.data_dir)
    captioned = cap.trainable(truth)
    pictures = np.arange(len(truth))[:args.limit]
    usable = pictures[captioned[pictures]]
    n_valid = min(VALID_PICTURES, len(usable) // 10)
    valid_idx = usable[-n_valid:]
    # with a class head, every other picture trains (the held-out ones with their label only)
    train_idx = np.setdiff1d(pictures, valid_idx) if args.label_weight > 0 else usable[:-n_valid]
    x = from_uint8(images)
    y = torch.tensor([t.label for t in truth])
    vocab = vocabulary()
    w = args.width
    # right to left: the class noun is written first (models/captioner.py says why)
    config = CaptionerConfig(vocab_size=len(vocab), channels=w, embed_dim=w, hidden=3 * w, attention_dim=3 * w // 2,
                             right_to_left=True, label_weight=args.label_weight)
    model = Captioner(config)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    per_epoch = len(train_idx) // args.batch_size
    # the schedule spans the epochs asked for; --max-steps only stops early, so a run stopped
    # by it and resumed with a larger one follows the same schedule as one run
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=max(args.epochs * per_epoch, 1),
                                                pct_start=0.1)
    run.restore({"model": model}, {"opt": opt, "sched": sched})
    model, opt = acc.prepare(model, opt)
    best = run.extra.get("best_valid_loss", float("inf"))
    (args.run_dir / "best").mkdir(exist_ok=True)

    def batch(idx, rng: random.Random):
        """Pictures, targets, language tokens and labels: each picture in a language and
        phrasing drawn by rng; a picture with a held-out combination gets no caption (a row
        of padding, which the caption loss ignores)."""
        languages = [rng.choice(LANGUAGES) for _ in idx]
        targets, starts = vocab.batch([cap.pick(truth[i], rng, lang) if captioned[i] else ""
                                       for i, lang in zip(idx, languages)], languages,
                                      right_to_left=config.right_to_left)
        targets[~torch.as_tensor(captioned[idx])] = PAD
        return x[idx].to(run.device), targets.to(run.device), starts.to(run.device), y[idx].to(run.device)

    @torch.no_grad()
    def validate() -> tuple[float, float]:
        m = acc.unwrap_model(model).eval()
        rng = random.Random(0)  # the same languages and phrasings every epoch
        total_loss = 0.0
        for i in range(0, len(valid_idx), 500):
            idx = valid_idx[i:i + 500].tolist()
            total_loss += float(m.loss(*batch(idx, rng)[:3])) * len(idx)  # the caption loss alone
        some = valid_idx[:1000].tolist()
        written = [vocab.decode(t, "en") for t in m.greedy(x[some].to(run.device), "en")]
        accuracy = content(written, [truth[i] for i in some], "en")["class_accuracy"]
        m.train()
        return total_loss / len(valid_idx), accuracy

    def write_samples(path):
        m = acc.unwrap_model(model).eval()
        some = valid_idx[:SAMPLE_PICTURES].tolist()
        lines = []
        for language in LANGUAGES:
            for i, tokens in zip(some, m.greedy(x[some].to(run.device), language)):
                real = truth[i].en[0] if language == "en" else truth[i].zh[0]
                lines.append(f"{language} picture {i}: {vocab.decode(tokens, language)} (real: {real})")
        m.train()
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    while not run.finished():
        bar = tqdm(run.batches(len(train_idx)), total=per_epoch, initial=run.batch_in_epoch,
                   desc=f"epoch {run.epoch + 1}/{args.epochs}", disable=not acc.is_main_process)
        for b, idx in bar:
            # languages and phrasings drawn from (seed, step): a resumed run draws what it would have
            xb, targets, starts, yb = batch(train_idx[idx.numpy()].tolist(),
                                            random.Random(args.seed * 1_000_003 + run.step))
            with acc.autocast():  # forward() through the prepared model, so DDP (several GPUs) sees the call
                loss = training_loss(*model(xb, teacher_inputs(targets, starts)), targets, yb, config.label_weight)
            opt.zero_grad(set_to_none=True)
            acc.backward(loss)
            acc.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            run.step += 1
            run.batch_in_epoch = b + 1
            if run.step % args.log_every == 0:
                run.log.log(step=run.step, epoch=run.epoch, wall_seconds=run.clock(), train_loss=loss.item(),
                            lr=sched.get_last_lr()[0])
                bar.set_postfix(loss=f"{loss.item():.3f}")
            if run.step % args.save_every == 0:
                run.save({"model": model}, {"opt": opt, "sched": sched}, extra={"best_valid_loss": best})
            if run.finished():
                break
        if run.batch_in_epoch >= per_epoch:
            run.epoch, run.batch_in_epoch = run.epoch + 1, 0
        # the epoch's end: validation, the best weights, the samples
        v, class_accuracy = validate()
        run.log.log(step=run.step, epoch=run.epoch, wall_seconds=run.clock(), valid_loss=v,
                    valid_class_accuracy=class_accuracy)
        if acc.is_main_process:
            write_samples(args.run_dir / "samples" / f"epoch_{run.epoch:03d}.txt")
            acc.print(f"epoch {run.epoch}: valid_loss {v:.4f} (best {min(best, v):.4f}), "
                      f"class named (en, greedy) {class_accuracy:.3f}")
        if v < best:
            best = v
            ckpt.save_model_weights(args.run_dir / "best", acc.unwrap_model(model).state_dict())
        run.save({"model": model}, {"opt": opt, "sched": sched}, extra={"best_valid_loss": best})

    if acc.is_main_process:
        export(args, run, config, vocab, thresholds, truth, best=best)


def export(args, run: Run, config, vocab, thresholds: dict, truth: list, *, best: float) -> None:
    from ..models.captioner import SPECIALS

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    kept = args.run_dir / "best"
    if not ckpt.weight_files(kept):
        raise SystemExit("no validation measurement was made: nothing to export")
    ckpt.save_model_weights(out, ckpt.load_model_weights(kept))
    block = training_block(args, run, "python -m aigc_demo.train image --model captioner " + " ".join(_cli(args)))
    block.update(best_valid_loss=best, weights="the epoch of the lowest validation loss")
    ckpt.write_json(out / ckpt.CONFIG_FILE, {
        "modality": "image", "family": "captioner", "model": asdict(config),
        "data": DATA_NOTE + (LABELS_NOTE if config.label_weight > 0 else ""),
        # the attribute thresholds travel with the model: the app measures a picture without the dataset
        "captions": captions_block(truth, thresholds),
        "training": block})
    (out / ckpt.VOCAB_FILE).write_text(json.dumps(vocab.tokens[len(SPECIALS):], ensure_ascii=False), encoding="utf-8")
    write_examples(out, args.data_dir, thresholds)
    copy_log_and_samples(run, out)
    from ..registry import load_pipeline, read_entry

    pipe = load_pipeline(read_entry(out, "image"))
    lines = []
    for picture, real_en, real_zh in cap.load_examples(out / ckpt.EXAMPLE_PICTURES_FILE)[::3]:
        said = pipe(picture, language="both", num_beams=3).captions
        lines.append(f"{said['en']['beam']} / {said['zh']['beam']}   (real: {real_en} / {real_zh})")
    (out / ckpt.PREVIEW_TEXT_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    measure_or_card(out, args.final_eval_n, corpus_dir=args.data_dir)
    print(f"exported {out}")


def captions_block(truth: list, thresholds: dict, validation_held_out: tuple[tuple[int, str], ...] = ()) -> dict:
    """config.json's "captions": the attribute thresholds (the app measures a picture with
    them, without the dataset), the held-out combinations (the test's, and those held out to
    choose settings on, if any) and the dataset card's figures."""
    return {"note": cap.CAPTION_NOTE, "thresholds": {str(c): t for c, t in thresholds.items()},
            "held_out": [[c, w] for c, w in cap.HELD_OUT],
            **({"validation_held_out": [[c, w] for c, w in validation_held_out]} if validation_held_out else {}),
            "card": {k: v for k, v in cap.card(truth, thresholds).items() if k in ("attributes", "frequency")}}


def write_examples(out, data_dir, thresholds: dict) -> None:
    """Test pictures for the app to offer (never trained on): the first two of each class,
    then one of each held-out combination, with their real captions."""
    images, truth, _ = captioned_split("test", data_dir, thresholds)
    picked = []
    for c in range(len(fashion_mnist.CLASSES)):
        picked += [i for i, t in enumerate(truth) if t.label == c and not cap.held_out(t.label, t.words)][:2]
    for c, word in cap.HELD_OUT:
        picked += [i for i, t in enumerate(truth) if t.label == c and word in t.words.values()][:1]
    cap.save_examples(out / ckpt.EXAMPLE_PICTURES_FILE, images[picked], [truth[i] for i in picked])


def _cli(args) -> list[str]:
    keys = ("epochs", "batch_size", "lr", "width", "label_weight", "seed", "limit", "max_steps")
    return [f"--{k.replace('_', '-')} {getattr(args, k)}" for k in keys if getattr(args, k, None) is not None]
