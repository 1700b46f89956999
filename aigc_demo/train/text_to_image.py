"""Train the text-to-image diffusion model (models/text_to_image.py) on Fashion-MNIST pictures
and their synthetic captions.

    python -m aigc_demo.train image --model text_to_image [--init checkpoints/image/diffusion] [options]

The captions are the captioner's (data/captions.py, thresholds fitted on the training split),
and so is the rule for held-out combinations: every training picture whose caption holds
one is left out, so prompts naming them measure generalisation. Pictures of the validation
combinations (captions.VALIDATION_HELD_OUT) are left out as well, so that the sampling
settings can be chosen on unseen combinations (scripts/guidance_selection.py) without the
test's choosing anything: about 40,000 of the 60,000 training pictures remain (50,000 with
the test's combinations alone). Each time a picture is seen
it is captioned in a language and a phrasing drawn from (seed, step), so a resumed run draws
what one run would have.

--init starts the UNet from a class-conditional diffusion checkpoint (its image prior;
models/text_to_image.warm_start; the text encoder and the cross-attention start fresh), or
the whole model from a text-to-image checkpoint, to train it further on a fresh schedule
(its exported weights are the EMA ones, so the new EMA starts from them too). At each epoch
end the per-epoch figures are drawn for balanced classes, each picture prompted with the
caption of a training picture of its class, so they compare with the class-conditional
model's (the class name alone would ask for the middle of every attribute's range:
evaluation/records.caption_prompts).
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from .. import checkpoint as ckpt
from ..data import captions as cap
from ..images import from_uint8
from .captioner import DATA_NOTE, LANGUAGES, captioned_split, captions_block, vocabulary
from .common import Run


def class_caption_prompts(vocab, truth: list, by_class: dict, labels: torch.Tensor, generator) -> torch.Tensor:
    """For each label the English caption of a training picture of that class (by_class:
    {class: indices into truth}), the pictures and phrasings drawn from `generator`."""
    from ..models.text_to_image import encode_prompt, prompt_ids

    rng = random.Random(int(torch.randint(2**31, (1,), generator=generator)))

    def caption(label):  # the class name alone where no training picture of the class is captioned
        return cap.pick(truth[rng.choice(by_class[label])], rng, "en") if by_class[label] else cap.write(label, {}).en[0]

    return prompt_ids([encode_prompt(vocab, caption(int(y)), "en") for y in labels], 32)


def start_from(args, model, acc, *, fresh_run: bool) -> str:
    """Load --init into a new model (not into a resumed run, whose state holds its weights)
    and return what the checkpoint's training record says about it."""
    from ..models.diffusion import DiffusionConfig
    from ..models.text_to_image import warm_start

    folder = Path(args.init)
    init_config = ckpt.read_json(folder / ckpt.CONFIG_FILE)
    family = init_config.get("family")
    if family == "text_to_image":
        if init_config["model"] != json.loads(json.dumps(asdict(model.config))):  # as config.json holds it
            raise SystemExit(f"--init {args.init}: a text-to-image model of another shape than --width {args.width}")
        held = [tuple(p) for p in init_config.get("captions", {}).get("validation_held_out", [])]
        if held != list(cap.VALIDATION_HELD_OUT):  # its weights saw what this model must not have seen
            raise SystemExit(f"--init {args.init}: that model trained on pictures of the validation combinations "
                             f"(its config holds out {held or 'none of them'}), which this model holds out; start "
                             "from the class-conditional diffusion checkpoint instead")
        if fresh_run:
            model.load_state_dict({k: v.float() for k, v in ckpt.load_model_weights(folder).items()})
            acc.print(f"the whole model started from {args.init}")
        before = init_config.get("training", {})
        return (f"continued from the text-to-image checkpoint {args.init} ({before.get('epochs')} epochs, "
                f"{before.get('steps')} steps: {before.get('command')}); its exported EMA weights start both the "
                "model and the new EMA, on a fresh learning-rate schedule")
    if family != "diffusion" or DiffusionConfig.from_dict(init_config["model"]).unet.width != args.width:
        raise SystemExit(f"--init {args.init}: neither a text-to-image checkpoint nor a class-conditional "
                         f"diffusion checkpoint of width {args.width}")
    if fresh_run:
        fresh = warm_start(model, ckpt.load_model_weights(folder))
        acc.print(f"UNet started from {args.init}; fresh: {len(fresh)} tensors (text projection, cross-attention)")
    return (f"the UNet started from the class-conditional diffusion checkpoint {args.init} (its class "
            "embedding dropped; text encoder and cross-attention trained from scratch)")


def train_text_to_image(args) -> None:
    from ..models.captioner import SPECIALS
    from ..models.text_to_image import TextToImage, TextToImageConfig, encode_prompt, prompt_ids
    from ..models.unet import UNetConfig
    from . import image_common

    run = Run(args, ["loss", "lr", "fid_fmnist", "class_accuracy"])
    # what the run may never train on: a resume must not change it
    run.pin(held_out=[list(p) for p in cap.HELD_OUT], validation_held_out=[list(p) for p in cap.VALIDATION_HELD_OUT])
    acc = run.accelerator
    images, truth, thresholds = captioned_split("train", args.data_dir)
    trainable = np.flatnonzero(cap.trainable(truth, cap.HELD_OUT + cap.VALIDATION_HELD_OUT))
    usable = trainable[:args.limit]
    x = from_uint8(images)
    vocab = vocabulary()
    evaluator = image_common.load_evaluator(args)
    config = TextToImageConfig(vocab_size=len(vocab), unet=UNetConfig(width=args.width, n_classes=0,
                                                                     context_dim=2 * args.width))
    model = TextToImage(config)
    init_note = start_from(args, model, acc, fresh_run=not run.state) if args.init else None
    # the EMA of the weights is what gets evaluated and shipped (as for the diffusion model)
    ema = torch.optim.swa_utils.AveragedModel(model, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(0.999))
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    per_epoch = len(usable) // args.batch_size
    # the schedule spans the epochs asked for; --max-steps only stops early
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=max(args.epochs * per_epoch, 1),
                                                pct_start=0.05)
    run.restore({"model": model, "ema": ema}, {"opt": opt, "sched": sched})
    net, opt = acc.prepare(model, opt)
    ema.to(run.device)

    # the per-epoch prompts come from every trainable caption: --limit need not hold every class
    by_class = {c: [int(i) for i in trainable if truth[i].label == c] for c in range(len(cap.CLASSES))}

    def sample_fn(labels, generator):  # a short, fixed sampler for the per-epoch figures; metrics.json uses the defaults
        prompts = class_caption_prompts(vocab, truth, by_class, labels, generator)
        return ema.module.sample(prompts.to(run.device), generator, steps=args.eval_steps, guidance=2.0)

    def batch(idx):
        """Pictures and prompts: each in a language and phrasing drawn from (seed, step)."""
        rng = random.Random(args.seed * 1_000_003 + run.step)
        idx = usable[idx.numpy()].tolist()
        languages = [rng.choice(LANGUAGES) for _ in idx]
        ids = prompt_ids([encode_prompt(vocab, cap.pick(truth[i], rng, lang), lang) for i, lang in zip(idx, languages)],
                         config.max_tokens)
        return x[idx].to(run.device), ids.to(run.device)

    image_common.diffusion_epochs(run, net, model, ema, opt, sched, n_items=len(usable), per_epoch=per_epoch,
                                  make_batch=batch, sample_fn=sample_fn, evaluator=evaluator)

    if acc.is_main_process:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / ckpt.VOCAB_FILE).write_text(json.dumps(vocab.tokens[len(SPECIALS):], ensure_ascii=False), encoding="utf-8")
        image_common.export_generative(
            args, run, config_dict=asdict(config), family="text_to_image", weights=ema.module.state_dict(),
            extra_config={"data": DATA_NOTE + " (and those of a validation combination)",
                          "captions": captions_block(truth, thresholds, cap.VALIDATION_HELD_OUT)},
            extra_training={"init": init_note} if init_note else None)
