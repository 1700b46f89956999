"""Train the text models on the fortunes corpus (English and Chinese).

    python -m aigc_demo.train text --model {gpt,lstm} [options]

Both models share one byte-level BPE tokenizer, trained on the training split the first
time either model is trained (kept in runs/text/tokenizer-<vocab>/ and copied into each
checkpoint). Records are joined into one token stream, each one preceded by the
end-of-record token `<|endoftext|>` (so a prompt starts after it, as a record does), and cut
into windows of --block-size tokens. Every --eval-every steps (and at each epoch end) the
validation loss is measured; the best weights so far are kept, and training stops early
after --patience measurements without improvement. A run keeps resumable state in
runs/text/<model>/ (rerun the command to continue; --fresh starts over) and ends by
exporting checkpoints/text/<model>/ with save_pretrained, then measuring it.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import torch
from tqdm.auto import tqdm

from .. import checkpoint as ckpt
from ..data import fortunes
from ..metrics.text import mean_nll, token_stream, windows
from ..paths import CHECKPOINTS_DIR, RUNS_DIR
from .common import Run, add_common_arguments, copy_log_and_samples, fill_defaults, measure_or_card, training_block

MODELS = ("gpt", "lstm", "seq2seq")  # seq2seq: the poet, trained by train/poet.py
EOS = "<|endoftext|>"
DEFAULTS = {
    # 4 layers x 256 wide: ~2,000 tokens/s of training on these two cores, ~250 tokens/s of sampling
    "gpt": dict(epochs=8, lr=1e-3, batch_size=16, n_layer=4, n_embd=256, n_head=4, dropout=0.1, weight_decay=0.1),
    # about the GPT's parameter count: a fair baseline
    "lstm": dict(epochs=8, lr=2e-3, batch_size=16, n_layer=2, n_embd=256, n_hidden=512, dropout=0.25, weight_decay=0.0),
    # the poet: 128-d character embeddings, 128-unit GRUs, 30 epochs, the last epoch's weights: the
    # lowest validation loss comes at epoch 5 from a model that writes the corpus's most frequent
    # characters (validation pairs: distinct-2 0.09 by beam search, form kept 0.27 greedily); after 30
    # it writes varied lines that keep the form (0.77, 0.99): scripts/poet_selection.py, the README
    "seq2seq": dict(epochs=30, lr=1e-3, batch_size=64, n_embd=128, n_hidden=128, dropout=0.3, patience=30,
                    keep="last", final_eval_n=1000),
}
COMMON_DEFAULTS = dict(vocab_size=8192, block_size=256, eval_every=150, patience=3, log_every=10, warmup=100,
                       final_eval_n=1000)
DRY_RUN = dict(epochs=1, max_steps=4, vocab_size=400, block_size=32, batch_size=4, n_layer=1, n_embd=32, n_head=2,
               n_hidden=32, eval_every=2, log_every=1, limit=300, final_eval_n=20, warmup=2)
DATA_NOTE = "English and Chinese fortunes (Debian fortunes, fortunes-zh), train split"
SAMPLE_PROMPTS = ["A friend is", "The computer", "Love is", "春眠不觉晓，", "人生"]


def add_lm_arguments(p: argparse.ArgumentParser, records: str = "records") -> None:
    """The flags of `train_lm`'s loop, shared with the folk-tune model (train/music.py)."""
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--warmup", type=int, help="steps of linear learning-rate warm-up")
    p.add_argument("--n-layer", type=int)
    p.add_argument("--n-embd", type=int)
    p.add_argument("--n-head", type=int, help="gpt: attention heads")
    p.add_argument("--dropout", type=float)
    p.add_argument("--block-size", type=int, help="tokens per training window (also the GPT's context)")
    p.add_argument("--limit", type=int, help=f"use the first N {records} of each split only")
    p.add_argument("--eval-every", type=int, help="steps between validation measurements")
    p.add_argument("--patience", type=int, help="validation measurements without improvement before stopping")
    p.add_argument("--final-eval-n", type=int, help=f"{records} generated for metrics.json (0: skip the measurement)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_common_arguments(p, "text", MODELS, save_every=50)
    add_lm_arguments(p, "records")
    p.add_argument("--n-hidden", type=int, help="lstm: hidden units per layer")
    p.add_argument("--vocab-size", type=int)
    p.add_argument("--keep", choices=("best", "last"),
                   help="seq2seq: export the weights of the best validation loss, or of the last epoch (default)")
    p.add_argument("--corpus-dir", help=f"folder of fortune files (default ${fortunes.ENV_VAR} or the Debian packages)")
    p.add_argument("--init-from", help="warm start: continue from the weights and tokenizer of this text checkpoint "
                   "folder, with a fresh warm-up and cosine schedule over --epochs more epochs; the export keeps "
                   "its train_log.csv ahead of this run's, in one step count")


def resolve(args: argparse.Namespace) -> argparse.Namespace:
    fill_defaults(args, {**COMMON_DEFAULTS, **DEFAULTS[args.model], **(DRY_RUN if args.dry_run else {})})
    args.run_dir = Path(args.run_dir or RUNS_DIR / "text" / args.model)
    args.out = Path(args.out or CHECKPOINTS_DIR / "text" / args.model)
    return args


# --- data -------------------------------------------------------------------------------


def load_corpus(args) -> dict[str, list[str]]:
    return {s: [r.text for r in recs] for s, recs in fortunes.splits(args.corpus_dir, args.limit).items()}


def train_tokenizer(texts: list[str], vocab_size: int):
    """Byte-level BPE (GPT-2's scheme) trained on the training split: any text round-trips
    exactly, and frequent Chinese characters become single tokens of their own."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer(add_prefix_space=False)
    bpe.train_from_iterator(texts, vocab_size=vocab_size, min_frequency=2, special_tokens=[EOS], show_progress=False)
    return PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, bos_token=EOS, eos_token=EOS, pad_token=EOS,
                                   clean_up_tokenization_spaces=False,
                                   model_max_length=10**6)  # the model, not the tokenizer, sets the limit


def get_tokenizer(args, train_texts: list[str]):
    """The shared tokenizer of this vocabulary size (trained once, then reused, so the GPT
    and the LSTM read exactly the same tokens)."""
    from transformers import AutoTokenizer

    folder = args.run_dir / "tokenizer" if args.dry_run or args.limit else RUNS_DIR / "text" / f"tokenizer-{args.vocab_size}"
    if (folder / ckpt.TOKENIZER_FILE).is_file():
        return AutoTokenizer.from_pretrained(str(folder))
    tok = train_tokenizer(train_texts, args.vocab_size)
    tok.save_pretrained(str(folder))
    return AutoTokenizer.from_pretrained(str(folder))


# --- models -----------------------------------------------------------------------------


def build_model(args, tokenizer):
    common = dict(vocab_size=len(tokenizer), bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id,
                  pad_token_id=tokenizer.eos_token_id)
    if getattr(args, "arch", args.model) == "gpt":  # the folk-tune model is a GPT too (train/music.py)
        from transformers import GPT2Config, GPT2LMHeadModel

        config = GPT2Config(n_layer=args.n_layer, n_embd=args.n_embd, n_head=args.n_head, n_positions=args.block_size,
                            resid_pdrop=args.dropout, embd_pdrop=args.dropout, attn_pdrop=args.dropout, **common)
        return GPT2LMHeadModel(config)
    from ..models.lstm_lm import LSTMLM, LSTMLMConfig

    config = LSTMLMConfig(n_layer=args.n_layer, n_embd=args.n_embd, n_hidden=args.n_hidden, dropout=args.dropout,
                          n_positions=args.block_size, **common)
    return LSTMLM(config)


def load_init(folder: Path):
    """The model of a text checkpoint folder, in float32, to continue training."""
    from transformers import AutoModelForCausalLM

    from ..models import lstm_lm  # noqa: F401 - registers the LSTM with the Auto classes

    return AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32)


def param_groups(model, weight_decay: float) -> list[dict]:
    """Decay matrices only (nanoGPT's rule): biases, norms and embeddings are left alone."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.dim() >= 2 and "wte" not in name and "embed" not in name else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def lr_at(step: int, args, total_steps: int) -> float:
    """Linear warm-up, then cosine decay to a tenth of the peak."""
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    progress = min(1.0, (step - args.warmup) / max(1, total_steps - args.warmup))
    return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


# --- training ---------------------------------------------------------------------------


def train(args) -> None:
    texts = load_corpus(args)
    init_dir = args.run_dir / "init"  # a copy: the export may overwrite the folder it came from
    if args.init_from:
        from transformers import AutoTokenizer

        if not init_dir.is_dir():
            import shutil

            shutil.copytree(args.init_from, init_dir)
        tokenizer = AutoTokenizer.from_pretrained(str(init_dir))
    else:
        tokenizer = get_tokenizer(args, texts["train"])

    def samples(net, path: Path) -> None:
        from ..pipelines.text import TextPipeline

        write_samples(TextPipeline(net, tokenizer, name=args.model, family=args.model, checkpoint_sha256="training",
                                   device=str(next(net.parameters()).device)), path)

    run, stopped_early = train_lm(args, texts, tokenizer, samples)
    if run.accelerator.is_main_process:
        export(args, run, tokenizer, stopped_early)


def train_lm(args, texts: dict[str, list[str]], tokenizer, samples) -> tuple[Run, bool]:
    """The language-model loop every token corpus shares (the fortunes here, the folk tunes in
    train/music.py): records joined into one stream, windows, AdamW with warm-up and cosine
    decay, validation every --eval-every steps keeping the best weights in run_dir/best,
    early stopping, resumable state. `samples(model, path)` writes a few samples at each
    measurement. Returns the run and whether it stopped early."""
    run = Run(args, ["loss", "valid_loss", "valid_perplexity", "tokens_per_s", "lr"])
    acc = run.accelerator
    init_dir = args.run_dir / "init"
    train_texts = list(texts["train"])
    random.Random(args.seed).shuffle(train_texts)  # mix the source files (they come in file order)
    train_windows = windows(token_stream(tokenizer, train_texts), args.block_size)
    valid_windows = windows(token_stream(tokenizer, texts["valid"]), args.block_size)
    if len(train_windows) < args.batch_size or len(valid_windows) == 0:
        raise SystemExit(f"too little text for --block-size {args.block_size} and --batch-size {args.batch_size}")
    acc.print(f"{len(tokenizer)} tokens in the vocabulary; {train_windows.numel():,} training tokens in "
              f"{len(train_windows)} windows; {valid_windows.numel():,} validation tokens")

    torch.manual_seed(args.seed)
    model = load_init(init_dir) if getattr(args, "init_from", None) else build_model(args, tokenizer)
    opt = torch.optim.AdamW(param_groups(model, args.weight_decay), lr=args.lr, betas=(0.9, 0.95))
    run.restore({"model": model}, {"opt": opt})
    net, opt = acc.prepare(model, opt)
    batches_per_epoch = len(train_windows) // args.batch_size
    total_steps = min(args.max_steps or 10**12, args.epochs * batches_per_epoch)
    best = run.extra.get("best_valid_loss", float("inf"))
    bad_evals = run.extra.get("bad_evals", 0)
    best_dir = args.run_dir / "best"

    def evaluate_and_keep_best() -> bool:
        """Measure the validation loss; keep the weights if best. True: stop early."""
        nonlocal best, bad_evals
        valid_loss = mean_nll(acc.unwrap_model(net), valid_windows, batch_size=args.batch_size, device=run.device)
        run.log.log(step=run.step, epoch=run.epoch, wall_seconds=run.clock(), valid_loss=valid_loss,
                    valid_perplexity=math.exp(valid_loss))
        if valid_loss < best - 1e-4:
            best, bad_evals = valid_loss, 0
            if acc.is_main_process:
                acc.unwrap_model(net).save_pretrained(best_dir)
        else:
            bad_evals += 1
        acc.print(f"step {run.step}: valid loss {valid_loss:.4f} (perplexity {math.exp(valid_loss):.2f}); "
                  f"best {best:.4f}, {bad_evals} without improvement")
        samples(acc.unwrap_model(net), args.run_dir / "samples" / f"step_{run.step:06d}.txt")
        net.train()
        return bad_evals >= args.patience

    stopped_early = run.extra.get("stopped_early", False)
    if getattr(args, "init_from", None) and run.step == 0:
        evaluate_and_keep_best()  # the starting point: kept unless this run does better
    tokens_seen, t0 = 0, time.perf_counter()
    while not run.finished() and not stopped_early:
        net.train()
        bar = tqdm(run.batches(len(train_windows)), total=batches_per_epoch, initial=run.batch_in_epoch,
                   desc=f"epoch {run.epoch + 1}/{args.epochs}", disable=not acc.is_main_process)
        for b, idx in bar:
            xb = train_windows[idx].to(run.device)
            for g in opt.param_groups:
                g["lr"] = lr_at(run.step, args, total_steps)
            with acc.autocast():
                loss = net(input_ids=xb, labels=xb).loss
            opt.zero_grad(set_to_none=True)
            acc.backward(loss)
            acc.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            run.step += 1
            run.batch_in_epoch = b + 1
            tokens_seen += xb.numel() * acc.num_processes
            if run.step % args.log_every == 0:
                rate = tokens_seen / (time.perf_counter() - t0)
                run.log.log(step=run.step, epoch=run.epoch, wall_seconds=run.clock(), loss=loss.item(),
                            tokens_per_s=rate, lr=opt.param_groups[0]["lr"])
                bar.set_postfix(loss=f"{loss.item():.3f}", tok_s=f"{rate:.0f}")
            if run.step % args.eval_every == 0 and evaluate_and_keep_best():
                stopped_early = True
            if run.step % args.save_every == 0 or stopped_early:
                run.save({"model": net}, {"opt": opt}, extra=_extra(best, bad_evals, stopped_early))
            if stopped_early or run.finished():
                break
        if run.batch_in_epoch >= batches_per_epoch:
            run.epoch, run.batch_in_epoch = run.epoch + 1, 0
            if not stopped_early and run.step % args.eval_every != 0 and evaluate_and_keep_best():
                stopped_early = True
        run.save({"model": net}, {"opt": opt}, extra=_extra(best, bad_evals, stopped_early))
    if stopped_early:
        acc.print(f"stopped early: no improvement in {args.patience} validation measurements")
    if not (best_dir / ckpt.CONFIG_FILE).is_file():  # e.g. a dry run shorter than one measurement
        evaluate_and_keep_best()
    return run, stopped_early


def _extra(best: float, bad_evals: int, stopped_early: bool) -> dict:
    return {"best_valid_loss": best, "bad_evals": bad_evals, "stopped_early": stopped_early}


def write_samples(pipe, path: Path) -> None:
    lines = []
    for prompt in SAMPLE_PROMPTS:
        out = pipe(prompt, seed=0, max_new_tokens=48, temperature=0.8, top_k=50, top_p=0.95, num_beams=1,
                   repetition_penalty=1.1)
        lines += [f"### {prompt!r} (seed 0, temperature 0.8, top-p 0.95)", out.text, ""]
    ckpt.atomic_write_text(path, "\n".join(lines))


def export(args, run: Run, tokenizer, stopped_early: bool) -> None:
    """The checkpoint folder: the best weights (float16 on disk: half the size, and the
    pipeline reads them back as float32), the tokenizer, logs, samples, preview, metrics."""
    from transformers import AutoModelForCausalLM

    from ..models import lstm_lm  # noqa: F401 - registers the LSTM with the Auto classes
    from ..pipelines.text import TextPipeline

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    for old in [*ckpt.weight_files(out), *out.glob("model*.safetensors.index.json")]:
        old.unlink()
    model = AutoModelForCausalLM.from_pretrained(str(args.run_dir / "best"), dtype=torch.float32)
    block = training_block(args, run, "python -m aigc_demo.train text " + " ".join(_cli_args(args)))
    block.update(block_size=args.block_size, stopped_early=stopped_early, best_valid_loss=run.extra.get("best_valid_loss"),
                 tokenizer=f"byte-level BPE, {len(tokenizer)} tokens, trained on the training split")
    if args.init_from:
        block = continued_block(args.run_dir / "init", block, args)
    model.config.update({"modality": "text", "family": args.model, "data": DATA_NOTE, "training": block})
    model.half().save_pretrained(str(out), max_shard_size=f"{ckpt.MAX_SHARD_BYTES // 2**20}MB")
    tokenizer.save_pretrained(str(out))
    copy_log_and_samples(run, out)
    if args.init_from:
        offset = prepend_history(args.run_dir / "init" / ckpt.TRAIN_LOG_FILE, out / ckpt.TRAIN_LOG_FILE)
        merge_samples(args.run_dir / "init" / "samples", out / "samples", offset)
    # the preview comes from the exported folder through the app's own pipeline
    write_samples(TextPipeline.from_checkpoint(out), out / ckpt.PREVIEW_TEXT_FILE)
    measure_or_card(out, args.final_eval_n, corpus_dir=args.corpus_dir, limit=args.limit)
    print(f"exported {out}")


def continued_block(init_dir: Path, block: dict, args) -> dict:
    """The training block of a warm-started run: totals over both runs, and both commands."""
    prev = ckpt.read_json(init_dir / ckpt.CONFIG_FILE)["training"]
    note = (f"warm start: {prev['epochs']} epochs ({prev['steps']} steps, {prev['hardware']}) by `{prev['command']}`"
            + (f" ({prev['note']})" if prev.get("note") else "")
            + f", then {block['epochs']} more epochs ({block['steps']} steps) from its exported weights with a new "
            f"warm-up and cosine schedule (peak lr {args.lr}); train_log.csv holds both runs in one step count")
    return {**block, "seconds": round(prev["seconds"] + block["seconds"], 1), "steps": prev["steps"] + block["steps"],
            "epochs": prev["epochs"] + block["epochs"], "command": f"{prev['command']} && {block['command']}",
            "note": note}


def prepend_history(earlier: Path, log: Path) -> int:
    """log := the earlier run's rows, then this run's with step, epoch and wall seconds
    shifted past the earlier run's last row. Returns the step shift."""
    import pandas as pd

    before, after = pd.read_csv(earlier), pd.read_csv(log)
    last = before.iloc[-1]
    for col in ("step", "epoch", "wall_seconds"):
        after[col] = after[col] + last[col]
    merged = pd.concat([before, after], ignore_index=True)[list(dict.fromkeys([*before.columns, *after.columns]))]
    ckpt.atomic_write_text(log, merged.to_csv(index=False, float_format="%.6g"))
    return int(last["step"])


def merge_samples(earlier: Path, samples: Path, offset: int) -> None:
    """samples/ := the earlier run's step_N.txt, then this run's renamed to step_{N+offset}
    (where both have a step, this run's measurement of the same weights wins)."""
    import shutil

    mine = {int(p.stem.removeprefix("step_")): p.read_text(encoding="utf-8") for p in samples.glob("step_*.txt")}
    for p in samples.glob("step_*.txt"):
        p.unlink()
    for p in earlier.glob("step_*.txt"):
        shutil.copy2(p, samples / p.name)
    for step, text in mine.items():
        ckpt.atomic_write_text(samples / f"step_{step + offset:06d}.txt", text)


def _cli_args(args) -> list[str]:
    out = [f"--model {args.model}", f"--epochs {args.epochs}", f"--seed {args.seed}"]
    for flag in ("limit", "max_steps", "init_from"):
        if getattr(args, flag):
            out.append(f"--{flag.replace('_', '-')} {getattr(args, flag)}")
    if args.lr != DEFAULTS[args.model]["lr"]:
        out.append(f"--lr {args.lr}")
    return out


def main(args: argparse.Namespace) -> None:
    args = resolve(args)
    print("config:", json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}, indent=1))
    if args.model == "seq2seq":
        from .poet import train_seq2seq

        return train_seq2seq(args)
    train(args)
