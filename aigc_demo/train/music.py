"""Train the music models.

    python -m aigc_demo.train music --model folk_gpt [options]
    python -m aigc_demo.train music --model bach_chorale [options]   (train/chorale.py)

The folk-tune model is a GPT-2-architecture language model (transformers) over ABC tokens,
trained by the same loop as the text models (train/text.py's `train_lm`): each tune is one
record, its conditioning tokens first (meter, key, tune type where the collection names it,
then the unit note length), then its body, folk-rnn style (data/folk.py). Asking for "a jig
in D major" is starting a record with `M:6/8 K:Dmaj R:jig`. The vocabulary is one token per
ABC token (a word-level tokenizer from the `tokenizers` library, saved with the checkpoint),
so nothing the model writes falls between two tokens.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from .. import checkpoint as ckpt
from ..data import folk
from ..paths import CHECKPOINTS_DIR, RUNS_DIR
from . import chorale, text
from .common import Run, add_common_arguments, copy_log_and_samples, fill_defaults, measure_or_card, training_block

MODELS = ("folk_gpt", "bach_chorale")
EOS, UNK = text.EOS, "<unk>"
DEFAULTS = {
    # 4 layers x 192 wide (1.9 M parameters): folk-rnn's LSTM had 5.5 M for 23.6k tunes; ours
    # are 2.7k. The window holds a whole tune for 95 % of them (231 tokens) with its headers.
    # Batches of 8 windows of 384 tokens: the 2.7k training tunes make 141 steps an epoch. A
    # first run with batches of 16 at lr 1e-3 stood at 2.30 nats of validation loss after 4 of
    # its 12 epochs, falling slowly: too few steps for this little data.
    "folk_gpt": dict(epochs=24, lr=2e-3, batch_size=8, n_layer=4, n_embd=192, n_head=4, dropout=0.1,
                     weight_decay=0.1, block_size=384, eval_every=500, patience=4, log_every=10, warmup=200,
                     final_eval_n=150),
}
DRY_RUN = dict(epochs=1, max_steps=4, block_size=64, batch_size=4, n_layer=1, n_embd=32, n_head=2, eval_every=2,
               log_every=1, warmup=2, final_eval_n=4)
DATA_NOTE = ("Folk tunes in ABC from music21's corpus: O'Neill's Music of Ireland (1850) and Ryan's Mammoth "
             "Collection (1883), public domain; train split")
# the tunes written at each validation measurement, and the preview: a jig and a reel
SAMPLE_PROMPTS = ["M:6/8 K:Dmaj R:jig", "M:2/2 K:Gmaj R:reel"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_common_arguments(p, "music", MODELS, save_every=100)
    text.add_lm_arguments(p, "tunes")
    p.add_argument("--corpus-dir", help=f"folder of ABC collections (default ${folk.ENV_VAR} or music21's corpus)")
    chorale.add_arguments(p)


def resolve(args: argparse.Namespace) -> argparse.Namespace:
    if args.model in DEFAULTS:
        fill_defaults(args, {**DEFAULTS[args.model], **(DRY_RUN if args.dry_run else {})})
        args.arch = "gpt"  # train/text.py's build_model
    args.run_dir = Path(args.run_dir or RUNS_DIR / "music" / args.model)
    args.out = Path(args.out or CHECKPOINTS_DIR / "music" / args.model)
    return args


def build_tokenizer(train_texts: list[str]):
    """One id per ABC token of the training split (and per conditioning token), plus the
    end-of-tune and unknown tokens."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = [EOS, UNK] + sorted({t for record in train_texts for t in record.split(" ")})
    tok = Tokenizer(models.WordLevel({t: i for i, t in enumerate(vocab)}, unk_token=UNK))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=EOS, eos_token=EOS, pad_token=EOS, unk_token=UNK,
                                   clean_up_tokenization_spaces=False, model_max_length=10**6)


@torch.no_grad()
def write_samples(model, tokenizer, path: Path, max_new_tokens: int = 200) -> None:
    """A tune for each SAMPLE_PROMPTS, sampled at temperature 1 (seed 0): what the model writes
    for a jig and a reel at this point of training."""
    lines = []
    device = next(model.parameters()).device
    for prompt in SAMPLE_PROMPTS:
        torch.manual_seed(0)
        ids = tokenizer([EOS + " " + prompt], add_special_tokens=False, return_tensors="pt")["input_ids"].to(device)
        out = model.generate(ids, max_new_tokens=min(max_new_tokens, model.config.n_positions - ids.shape[1]), do_sample=True, temperature=1.0, top_k=0,
                             eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.eos_token_id)
        body = tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True).replace(" ", "")
        lines += [f"### {prompt} (seed 0, temperature 1)", body, ""]
    ckpt.atomic_write_text(path, "\n".join(lines))


def export(args, run: Run, tokenizer, stopped_early: bool) -> None:
    """The checkpoint folder: the best weights (float32: 7.6 MB, under the 10 MB a file),
    the tokenizer, the log, the samples, a preview and the dataset card's counts."""
    from transformers import AutoModelForCausalLM

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    for old in [*ckpt.weight_files(out), *out.glob("model*.safetensors.index.json")]:
        old.unlink()
    model = AutoModelForCausalLM.from_pretrained(str(args.run_dir / "best"), dtype=torch.float32)
    block = training_block(args, run, "python -m aigc_demo.train music " + " ".join(_cli_args(args)))
    tunes, dropped = folk.read_tunes(args.corpus_dir)
    block.update(block_size=args.block_size, stopped_early=stopped_early, best_valid_loss=run.extra.get("best_valid_loss"),
                 tokenizer=f"one token per ABC token, {len(tokenizer)} tokens, from the training split")
    model.config.update({"modality": "music", "family": args.model, "data": DATA_NOTE, "training": block,
                         "corpus": folk.statistics(tunes, dropped)})
    model.save_pretrained(str(out), max_shard_size=f"{ckpt.MAX_SHARD_BYTES // 2**20}MB")
    tokenizer.save_pretrained(str(out))
    copy_log_and_samples(run, out)
    write_samples(model, tokenizer, out / ckpt.PREVIEW_TEXT_FILE)
    measure_or_card(out, args.final_eval_n, corpus_dir=args.corpus_dir)
    print(f"exported {out}")


def _cli_args(args) -> list[str]:
    out = [f"--model {args.model}", f"--epochs {args.epochs}", f"--seed {args.seed}"]
    for flag in ("limit", "max_steps"):
        if getattr(args, flag):
            out.append(f"--{flag.replace('_', '-')} {getattr(args, flag)}")
    return out


def main(args: argparse.Namespace) -> None:
    args = resolve(args)
    if args.model == "bach_chorale":
        return chorale.main(args)
    print("config:", json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}, indent=1))
    texts = folk.splits(args.corpus_dir, args.limit)
    folder = args.run_dir / "tokenizer"
    if (folder / ckpt.TOKENIZER_FILE).is_file():  # a resumed run reads the tokens it started with
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(folder))
    else:
        tokenizer = build_tokenizer(texts["train"])
        tokenizer.save_pretrained(str(folder))
    run, stopped_early = text.train_lm(args, texts, tokenizer,
                                       lambda net, path: write_samples(net, tokenizer, path, 64 if args.dry_run else 200))
    if run.accelerator.is_main_process:
        export(args, run, tokenizer, stopped_early)
