"""Train the Seq2Seq poet (models/seq2seq.py) on adjacent line pairs of the Tang and Song poems.

    python -m aigc_demo.train text --model seq2seq [options]

Pairs come from data/poems.py, split by poem as the whole corpus is. Each epoch goes over
the training pairs in an order fixed by (seed, epoch); at each epoch end the validation loss
is measured, the best weights kept, and training stops after --patience epochs without
improvement. --keep last exports the last epoch's weights instead: on these few thousand
pairs the lowest validation loss comes early, from a model that writes the corpus's most
frequent characters (see the README). A run keeps resumable state in runs/text/seq2seq/ and exports
checkpoints/text/seq2seq/ (config.json, model.safetensors, vocab.json, examples.json,
train_log.csv, samples/, preview.txt, metrics.json, README.md).
"""

from __future__ import annotations

import json
from dataclasses import asdict

import torch
from tqdm.auto import tqdm

from .. import checkpoint as ckpt
from ..data import poems
from .common import Run, copy_log_and_samples, measure_or_card, training_block

DATA_NOTE = "adjacent line pairs of the Tang and Song poems in Debian's fortunes-zh (tang300, song100), train split"
SAMPLE_LINES = 6  # validation lines whose greedy next line is written at each epoch


def train_seq2seq(args) -> None:
    from ..models.seq2seq import CharVocab, Seq2Seq, Seq2SeqConfig, sequence_loss, shift_right, target_lengths

    run = Run(args, ["train_loss", "valid_loss", "lr"])
    acc = run.accelerator
    pairs = poems.line_pairs(args.corpus_dir)
    train_pairs, valid_pairs = pairs["train"][:args.limit], pairs["valid"][:args.limit]
    vocab = CharVocab.from_lines([s for p in train_pairs for s in (p.line, p.next_line)])
    config = Seq2SeqConfig(vocab_size=len(vocab), embed_dim=args.n_embd, hidden=args.n_hidden, dropout=args.dropout)
    model = Seq2Seq(config)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    run.restore({"model": model}, {"opt": opt})
    model, opt = acc.prepare(model, opt)
    best = run.extra.get("best_valid_loss", float("inf"))
    bad_epochs = run.extra.get("bad_epochs", 0)
    (args.run_dir / "best").mkdir(exist_ok=True)

    def batch(ps):
        return vocab.batch([p.line for p in ps]).to(run.device), vocab.batch([p.next_line for p in ps], with_eos=True).to(run.device)

    @torch.no_grad()
    def valid_loss() -> float:
        model.eval()
        total = 0.0
        for i in range(0, len(valid_pairs), 256):
            src, tgt = batch(valid_pairs[i:i + 256])
            total += float(acc.unwrap_model(model).loss(src, tgt)) * len(src)
        model.train()
        return total / max(1, len(valid_pairs))

    def write_samples(path):
        m = acc.unwrap_model(model).eval()
        lines = [f"{p.line} -> {vocab.decode(m.beam_search(vocab.batch([p.line]).to(run.device))[0])} "
                 f"(real: {p.next_line})" for p in valid_pairs[:SAMPLE_LINES]]
        m.train()
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    per_epoch = len(train_pairs) // args.batch_size
    while not run.finished():
        bar = tqdm(run.batches(len(train_pairs)), total=per_epoch, initial=run.batch_in_epoch,
                   desc=f"epoch {run.epoch + 1}/{args.epochs}", disable=not acc.is_main_process)
        for b, idx in bar:
            src, tgt = batch([train_pairs[i] for i in idx.tolist()])
            with acc.autocast():
                loss = sequence_loss(model(src, shift_right(tgt), target_lengths(tgt)), tgt)
            opt.zero_grad(set_to_none=True)
            acc.backward(loss)
            acc.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            run.step += 1
            run.batch_in_epoch = b + 1
            if run.step % args.log_every == 0:
                run.log.log(step=run.step, epoch=run.epoch, wall_seconds=run.clock(), train_loss=loss.item(), lr=args.lr)
                bar.set_postfix(loss=f"{loss.item():.3f}")
            if run.finished():
                break
        if run.batch_in_epoch >= per_epoch:
            run.epoch, run.batch_in_epoch = run.epoch + 1, 0
        # the epoch's end: validation, the best weights, the samples, early stopping
        v = valid_loss()
        run.log.log(step=run.step, epoch=run.epoch, wall_seconds=run.clock(), valid_loss=v)
        if acc.is_main_process:
            write_samples(args.run_dir / "samples" / f"epoch_{run.epoch:03d}.txt")
            acc.print(f"epoch {run.epoch}: valid_loss {v:.4f} (best {min(best, v):.4f})")
        if v < best - 1e-4:
            best, bad_epochs = v, 0
            ckpt.save_model_weights(args.run_dir / "best", acc.unwrap_model(model).state_dict())
        else:
            bad_epochs += 1
        run.save({"model": model}, {"opt": opt}, extra={"best_valid_loss": best, "bad_epochs": bad_epochs})
        if bad_epochs >= args.patience:
            acc.print(f"stopping early: no better validation loss for {bad_epochs} epochs")
            break

    if acc.is_main_process:
        if args.keep == "last":  # the weights as the run ends, not those of the best validation loss
            ckpt.save_model_weights(args.run_dir / "last", acc.unwrap_model(model).state_dict())
        export(args, run, config, vocab, pairs, stopped_early=bad_epochs >= args.patience, best=best)


def export(args, run: Run, config, vocab, pairs, *, stopped_early: bool, best: float) -> None:
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    kept = args.run_dir / ("last" if args.keep == "last" else "best")
    if not ckpt.weight_files(kept):
        raise SystemExit("no validation measurement was made: nothing to export")
    weights = ckpt.load_model_weights(kept)
    ckpt.save_model_weights(out, weights)
    block = training_block(args, run, "python -m aigc_demo.train text --model seq2seq " + " ".join(_cli(args)))
    block.update(stopped_early=stopped_early, best_valid_loss=best, weights=f"{args.keep} (--keep)",
                 pairs=poems.statistics(pairs),
                 vocabulary=f"{len(vocab)} characters of the training lines (and 4 special tokens)")
    ckpt.write_json(out / ckpt.CONFIG_FILE, {"modality": "text", "family": "seq2seq", "model": asdict(config),
                                             "data": DATA_NOTE, "training": block})
    (out / ckpt.VOCAB_FILE).write_text(json.dumps(vocab.chars[4:], ensure_ascii=False), encoding="utf-8")
    # the first line of each held-out poem: examples the app offers (never trained on)
    firsts = list(dict.fromkeys(p.line for p in _first_of_each_poem(pairs["test"])))
    (out / ckpt.EXAMPLE_LINES_FILE).write_text(json.dumps(firsts, ensure_ascii=False, indent=0), encoding="utf-8")
    copy_log_and_samples(run, out)
    from ..registry import load_pipeline, read_entry

    pipe = load_pipeline(read_entry(out, "text"))
    preview = "".join(f"{line} -> {pipe(line, num_beams=4).text}\n" for line in firsts[:8])
    (out / ckpt.PREVIEW_TEXT_FILE).write_text(preview, encoding="utf-8")
    measure_or_card(out, args.final_eval_n, corpus_dir=args.corpus_dir, limit=args.limit)
    print(f"exported {out}")


def _first_of_each_poem(pairs):
    seen, out = set(), []
    for p in pairs:
        if (p.source, p.poem) not in seen:
            seen.add((p.source, p.poem))
            out.append(p)
    return out


def _cli(args) -> list[str]:
    keys = ("epochs", "batch_size", "lr", "n_embd", "n_hidden", "dropout", "patience", "keep", "seed", "limit", "max_steps")
    return [f"--{k.replace('_', '-')} {getattr(args, k)}" for k in keys if getattr(args, k, None) is not None]
