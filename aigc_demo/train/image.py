"""Train the image models on Fashion-MNIST.

    python -m aigc_demo.train image --model {classifier,dcgan,vae,diffusion,wgan_gp,cyclegan,captioner,text_to_image} [options]

Train the classifier first: every other model is measured in its features at each epoch.
A run keeps resumable state in runs/image/<model>/ (rerun the same command after an
interruption to continue; --fresh starts over) and ends by exporting the checkpoint folder
(config.json, model*.safetensors, train_log.csv, samples/, preview.png, metrics.json,
README.md) into checkpoints/image/<model>/.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
from dataclasses import asdict, replace
from pathlib import Path

import torch
from tqdm.auto import tqdm

from .. import checkpoint as ckpt
from ..data import fashion_mnist
from ..images import grid
from ..metrics.image import REFERENCE_FILE, REFERENCE_IMAGES_FILE, FMNISTEvaluator
from ..paths import CHECKPOINTS_DIR, RUNS_DIR, evaluator_dir, tree_of
from .captioner import train_captioner
from .common import (Run, add_common_arguments, copy_log_and_samples, fill_defaults, measure_or_card,
                     train_classifier_epochs, train_gan_epochs)
from .common import end_epoch as close_epoch
from .image_common import (DATA_NOTE, batches_per_epoch, diffusion_epochs, end_epoch, export_generative,
                           load_evaluator, prepare_diffusion, training_block)
from .text_to_image import train_text_to_image

MODELS = ("classifier", "dcgan", "vae", "diffusion", "wgan_gp", "cyclegan", "captioner", "text_to_image")
# Per-model defaults; any of them can be overridden on the command line.
DEFAULTS = {
    "classifier": dict(epochs=12, lr=1e-3, width=32, batch_size=128),
    "dcgan": dict(epochs=30, lr=2e-4, width=32, batch_size=128),
    "vae": dict(epochs=15, lr=1e-3, width=32, batch_size=128),
    "diffusion": dict(epochs=10, lr=1e-3, width=32, batch_size=128),
    # the paper's settings: Adam lr 1e-4, betas (0, 0.9), 5 critic steps per generator step
    "wgan_gp": dict(epochs=20, lr=1e-4, width=32, batch_size=64),
    # the reference repository's Adam (lr 2e-4, betas (0.5, 0.999)), constant for the first
    # half of the epochs, then decaying linearly to zero; batch 1 there, 16 here, and 16 base
    # channels (50 s an epoch of 6,000 pairs on 2 CPU cores; 32 channels take 120 s)
    "cyclegan": dict(epochs=20, lr=2e-4, width=16, batch_size=16),
    # image -> caption (train/captioner.py); width: the encoder's channels (the GRU has 3x)
    "captioner": dict(epochs=10, lr=3e-3, width=64, batch_size=128),
    # prompt -> picture (train/text_to_image.py): the diffusion model's UNet with text
    # cross-attention; width 32 so that --init can start it from the diffusion checkpoint
    "text_to_image": dict(epochs=8, lr=5e-4, width=32, batch_size=128),
}
DRY_RUN = dict(epochs=1, max_steps=3, width=8, limit=256, eval_n=20, final_eval_n=20, batch_size=32, log_every=1)
# the CycleGAN trains on two classes only: a few dozen images each in the test fixture
DRY_RUN_OF = {"cyclegan": dict(batch_size=8)}


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_common_arguments(p, "image", MODELS, save_every=200)
    p.add_argument("--width", type=int, help="base channel count of the network")
    p.add_argument("--limit", type=int, help="train on the first N training images only")
    p.add_argument("--eval-n", type=int, help="samples scored at each epoch end (default 2000; 0: none)")
    p.add_argument("--final-eval-n", type=int, help="samples scored for metrics.json at the end (default 10000)")
    p.add_argument("--beta", type=float, default=1.0, help="vae: weight of the KL term after its warm-up")
    p.add_argument("--latent-dim", type=int, default=16, help="vae: size of the latent code z")
    p.add_argument("--prior-components", type=int, default=1,
                   help="vae: Gaussians in each class's sampling prior, fitted after training (default 1)")
    p.add_argument("--eval-steps", type=int, default=10, help="diffusion: DDIM steps for the per-epoch samples")
    p.add_argument("--init", help="text_to_image: a class-conditional diffusion checkpoint folder to start the UNet "
                   "from, or a text-to-image checkpoint folder to train further")
    p.add_argument("--label-weight", type=float, default=0.5,
                   help="captioner: weight of the encoder's class loss (0: no class head, and the pictures of "
                   "held-out combinations stay out of training)")
    p.add_argument("--n-residual", type=int, default=6, help="cyclegan: residual blocks in each generator")
    p.add_argument("--cycle-weight", type=float, default=10.0, help="cyclegan: weight of the cycle loss (lambda)")
    p.add_argument("--identity-weight", type=float, default=0.5, help="cyclegan: weight of the identity loss, times lambda")
    p.add_argument("--skip", type=int, choices=(0, 1), default=0,
                   help="cyclegan: 1 joins the generators' 14x14 encoder features to their decoder's (a U-Net skip)")
    p.add_argument("--cycle-noise", type=float, default=0.0,
                   help="cyclegan: std of the Gaussian noise added to a translation before it goes back round "
                   "(a defence against hiding the input in a faint pattern; 0: none)")
    p.add_argument("--data-dir", help=f"Fashion-MNIST folder (default: ${fashion_mnist.ENV_VAR} or the Debian package)")
    p.add_argument("--evaluator", help="folder of the FMNIST classifier used for metrics "
                   "(default: evaluators/fmnist-classifier in the checkpoints tree of --out)")


COMMON_DEFAULTS = dict(eval_n=2000, final_eval_n=10000, log_every=50)


def resolve(args: argparse.Namespace) -> argparse.Namespace:
    """Fill in the per-model defaults (or the tiny dry-run config) where no flag was given."""
    fill_defaults(args, {**COMMON_DEFAULTS, **DEFAULTS[args.model],
                         **({**DRY_RUN, **DRY_RUN_OF.get(args.model, {})} if args.dry_run else {})})
    if not (math.isfinite(args.cycle_noise) and args.cycle_noise >= 0):
        raise SystemExit(f"--cycle-noise is a standard deviation, a number >= 0, not {args.cycle_noise}")
    args.run_dir = Path(args.run_dir or RUNS_DIR / "image" / args.model)
    args.out = Path(args.out or (evaluator_dir("image") if args.model == "classifier" else CHECKPOINTS_DIR / "image" / args.model))
    # the classifier of the tree the model lands in, never silently the shipped one
    args.evaluator = Path(args.evaluator) if args.evaluator else evaluator_dir("image", tree_of(args.out))
    return args


def load_data(args):
    x, y = fashion_mnist.as_tensors("train", args.data_dir)
    if args.limit:
        x, y = x[: args.limit], y[: args.limit]
    return x, y


def train_classifier(args) -> None:
    from ..models.cnn_classifier import ClassifierConfig, CNNClassifier, augment

    run = Run(args, ["loss", "train_accuracy", "test_accuracy", "lr"])
    acc = run.accelerator
    x, y = load_data(args)
    x_test, y_test = fashion_mnist.as_tensors("test", args.data_dir)
    config = ClassifierConfig(width=args.width)
    model = CNNClassifier(config)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    total_steps = args.epochs * (len(x) // args.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=max(total_steps, 1))
    run.restore({"model": model}, {"opt": opt, "sched": sched})
    model, opt = acc.prepare(model, opt)

    @torch.no_grad()
    def test_accuracy() -> float:
        model.eval()
        correct = sum((model(x_test[i:i + 1000].to(run.device)).argmax(-1).cpu() == y_test[i:i + 1000]).sum().item()
                      for i in range(0, len(x_test), 1000))
        model.train()
        return correct / len(x_test)

    train_classifier_epochs(run, model, opt, sched, len(x), lambda idx: (augment(x[idx]), y[idx]),
                            lambda: {"test_accuracy": test_accuracy()})

    if not acc.is_main_process:
        return
    model = acc.unwrap_model(model).eval()
    export_classifier(args, run, model, x, x_test, y_test, test_accuracy())


@torch.no_grad()
def export_classifier(args, run, model, x_train, x_test, y_test, test_acc: float) -> None:
    """The classifier folder: weights, and the real-data reference features the metrics use."""
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    model = model.cpu()
    evaluator = FMNISTEvaluator(model)
    g = torch.Generator().manual_seed(args.seed)
    n_ref = min(10000, len(x_train), len(x_test))
    train_sub = x_train[torch.randperm(len(x_train), generator=g)[:n_ref]]
    reference = {
        # float16 halves the file (5 MB for 2 x 10k x 128); ample precision for FID in float64
        "test_features": evaluator.features(x_test[:n_ref]).half(),
        "train_features": evaluator.features(train_sub).half(),
        "test_accuracy": torch.tensor([test_acc]),
    }
    ckpt.save_weights(out / REFERENCE_FILE, reference)
    save_reference_images(out, train_sub)
    ckpt.save_model_weights(out, model.state_dict())
    run.log.flush()
    shutil.copy(run.log.path, out / ckpt.TRAIN_LOG_FILE)
    ckpt.write_json(out / ckpt.CONFIG_FILE, {
        "modality": "evaluator", "family": "fmnist-classifier", "model": model.config_dict(),
        "data": DATA_NOTE, "training": training_block(args, run),
    })
    ckpt.write_json(out / ckpt.METRICS_FILE, {
        "headline": {"name": "test accuracy", "value": round(test_acc, 4)},
        "metrics": {"test_accuracy": test_acc},
        "command": f"python -m aigc_demo.train image --model classifier --seed {args.seed}",
    })
    from ..evaluate import evaluate_reference

    real = evaluate_reference(out, n=n_ref, seed=args.seed, write=True)  # also writes the model card
    print(f"exported {out}: test accuracy {test_acc:.4f}, real FID-FMNIST train-vs-test {real['fid_fmnist']:.3f}")


def save_reference_images(out: Path, train_sub: torch.Tensor) -> None:
    """The training images whose features are in the reference file, same order, so the app
    can show the nearest training images of a sample ("is it copying?") without the dataset.
    uint8 in a compressed .npz (about half the size of raw safetensors; read with
    allow_pickle=False)."""
    import io

    import numpy as np

    from ..images import to_uint8

    buf = io.BytesIO()
    np.savez_compressed(buf, train_images=to_uint8(train_sub))
    ckpt.atomic_write_bytes(out / REFERENCE_IMAGES_FILE, buf.getvalue())


def gan_sampler(run: Run, gan, G):
    """sample_fn(labels, generator) of a GAN in training: its generator in eval mode for the
    draw (batch norm's running statistics), then back to training."""
    acc = run.accelerator

    def sample_fn(labels, generator):
        g = acc.unwrap_model(G)  # the unwrapped generator: a DDP forward would wait for the other processes
        g.eval()
        z = gan.sample_latent(len(labels), generator).to(run.device)
        with torch.no_grad(), acc.autocast():
            out = g(z, labels.to(run.device))
        g.train()
        return out

    return sample_fn


def train_dcgan(args) -> None:
    from ..models.dcgan import DCGAN, DCGANConfig

    run = Run(args, ["d_loss", "g_loss", "d_real", "d_fake", "fid_fmnist", "class_accuracy"])
    acc = run.accelerator
    x, y = load_data(args)
    evaluator = load_evaluator(args)
    config = DCGANConfig(g_width=args.width, d_width=args.width)
    gan = DCGAN(config)
    # Adam with lr 2e-4 and beta1 0.5: the DCGAN paper's settings, also the project's seeds.
    opt_g = torch.optim.Adam(gan.generator.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(gan.discriminator.parameters(), lr=args.lr, betas=(0.5, 0.999))
    run.restore({"gan": gan}, {"g": opt_g, "d": opt_d})
    G, D, opt_g, opt_d = acc.prepare(gan.generator, gan.discriminator, opt_g, opt_d)

    sample_fn = gan_sampler(run, gan, G)
    train_gan_epochs(run, gan, G, D, opt_g, opt_d, len(x), lambda idx: (x[idx], y[idx]),
                     lambda: end_epoch(run, sample_fn, evaluator))

    if acc.is_main_process:
        generator = acc.unwrap_model(G)
        export_generative(args, run, config_dict=asdict(config), family="dcgan",
                          weights={f"generator.{k}": v for k, v in generator.state_dict().items()})


def train_wgan_gp(args) -> None:
    """WGAN-GP (models/wgan_gp.py, Algorithm 1 of the paper): every batch trains the critic
    on real pairs against generated ones plus the gradient penalty; every n_critic-th batch
    also trains the generator. The log keeps the critic's Wasserstein estimate
    E[f(real)] - E[f(fake)], the quantity a WGAN's loss is meant to track quality by."""
    from tqdm.auto import tqdm

    from ..models.wgan_gp import (
        WGANGP,
        WGANGPConfig,
        critic_loss,
        generator_loss,
        gradient_penalty,
    )

    run = Run(args, ["critic_loss", "g_loss", "w_distance", "gradient_penalty", "fid_fmnist", "class_accuracy"])
    acc = run.accelerator
    x, y = load_data(args)
    evaluator = load_evaluator(args)
    config = WGANGPConfig(g_width=args.width, d_width=args.width)
    gan = WGANGP(config)
    opt_g = torch.optim.Adam(gan.generator.parameters(), lr=args.lr, betas=(0.0, 0.9))
    opt_d = torch.optim.Adam(gan.critic.parameters(), lr=args.lr, betas=(0.0, 0.9))
    run.restore({"gan": gan}, {"g": opt_g, "d": opt_d})
    G, D, opt_g, opt_d = acc.prepare(gan.generator, gan.critic, opt_g, opt_d)

    sample_fn = gan_sampler(run, gan, G)
    g_loss = torch.zeros(())
    while not run.finished():
        bar = tqdm(run.batches(len(x)), total=len(x) // args.batch_size, initial=run.batch_in_epoch,
                   desc=f"epoch {run.epoch + 1}/{args.epochs}", disable=not acc.is_main_process)
        for b, idx in bar:
            real, labels = x[idx].to(run.device), y[idx].to(run.device)
            z = torch.randn(len(idx), config.latent_dim, device=run.device)
            # (1) Update the critic: the Wasserstein estimate up, the penalty keeping it 1-Lipschitz.
            # The penalty's double backward runs in float32: autocast is for the forwards.
            with acc.autocast():
                fake = G(z, labels).detach()
                real_scores, fake_scores = D(real, labels), D(fake, labels)
            penalty = gradient_penalty(D, real.float(), fake.float(), labels)
            d_loss = critic_loss(real_scores.float(), fake_scores.float()) + config.gp_weight * penalty
            opt_d.zero_grad(set_to_none=True)
            acc.backward(d_loss)
            opt_d.step()
            # (2) Every n_critic-th batch, update the generator: its samples' scores up.
            if (b + 1) % config.n_critic == 0:
                with acc.autocast():
                    g_loss = generator_loss(D(G(z, labels), labels).float())
                opt_g.zero_grad(set_to_none=True)
                acc.backward(g_loss)
                opt_g.step()
            run.step += 1
            run.batch_in_epoch = b + 1
            if run.step % args.log_every == 0:
                w = (real_scores.mean() - fake_scores.mean()).item()
                run.log.log(step=run.step, epoch=run.epoch, wall_seconds=run.clock(), critic_loss=d_loss.item(),
                            g_loss=g_loss.item(), w_distance=w, gradient_penalty=penalty.item())
                bar.set_postfix(w=f"{w:.3f}", gp=f"{penalty.item():.3f}")
            if run.step % args.save_every == 0:
                run.save({"gan": gan}, {"g": opt_g, "d": opt_d})
            if run.finished():
                break
        end_epoch(run, sample_fn, evaluator)
        run.save({"gan": gan}, {"g": opt_g, "d": opt_d})

    if acc.is_main_process:
        generator = acc.unwrap_model(G)
        export_generative(args, run, config_dict=asdict(config), family="wgan_gp",
                          weights={f"generator.{k}": v for k, v in generator.state_dict().items()},
                          extra_training={"w_distance_vs_fid": w_distance_vs_fid(run.log.rows)})


def w_distance_vs_fid(rows: list[dict]) -> dict:
    """Does the critic's Wasserstein estimate track quality? Its mean over each epoch's
    logged steps against that epoch's FID-FMNIST, as Pearson and Spearman correlations (a
    positive one: the estimate falls as the samples improve)."""
    import numpy as np
    from scipy import stats

    w_by_epoch: dict[int, list[float]] = {}
    fid_by_epoch: dict[int, float] = {}
    for r in rows:
        epoch = int(r["epoch"])
        if r.get("w_distance") not in (None, ""):
            w_by_epoch.setdefault(epoch, []).append(float(r["w_distance"]))
        if r.get("fid_fmnist") not in (None, ""):
            fid_by_epoch[epoch] = float(r["fid_fmnist"])
    # the FID logged at the end of epoch e follows the steps logged during epoch e - 1
    pairs = [(np.mean(w_by_epoch[e - 1]), fid) for e, fid in sorted(fid_by_epoch.items()) if w_by_epoch.get(e - 1)]
    if len(pairs) < 3:
        return {"epochs": len(pairs), "pearson": None, "spearman": None,
                "note": "fewer than 3 epochs with both figures: no correlation"}
    w, fid = np.array(pairs).T
    return {"epochs": len(pairs), "pearson": float(stats.pearsonr(w, fid).statistic),
            "spearman": float(stats.spearmanr(w, fid).statistic)}


def train_vae(args) -> None:
    from ..models.vae import ConditionalVAE, VAEConfig

    run = Run(args, ["loss", "recon", "kl", "kl_weight", "fid_fmnist", "class_accuracy"])
    acc = run.accelerator
    x, y = load_data(args)
    evaluator = load_evaluator(args)
    config = VAEConfig(latent_dim=args.latent_dim, width=args.width, label_planes=True, beta=args.beta,
                       class_prior=True, prior_components=args.prior_components)
    # During training the epoch samples draw from one Gaussian per class, refitted at each
    # epoch's end; a mixture's EM fit takes minutes, so it is fitted once, for the export.
    vae = ConditionalVAE(replace(config, prior_components=1))
    opt = torch.optim.Adam(vae.parameters(), lr=args.lr)
    run.restore({"vae": vae}, {"opt": opt})
    model, opt = acc.prepare(vae, opt)
    warmup_steps = batches_per_epoch(args) * 2  # KL weight ramps 0 -> 1 over two epochs

    def sample_fn(labels, generator):
        vae.eval()
        out = vae.sample(labels.to(run.device), generator)
        vae.train()
        return out

    while not run.finished():
        bar = tqdm(run.batches(len(x)), total=batches_per_epoch(args), initial=run.batch_in_epoch,
                   desc=f"epoch {run.epoch + 1}/{args.epochs}", disable=not acc.is_main_process)
        for b, idx in bar:
            xb, yb = x[idx].to(run.device), y[idx].to(run.device)
            kl_weight = min(1.0, (run.step + 1) / warmup_steps)
            with acc.autocast():
                loss, recon, kl = model(xb, yb, kl_weight)  # forward() is the loss: DDP sees the call
            opt.zero_grad(set_to_none=True)
            acc.backward(loss)
            opt.step()
            run.step += 1
            run.batch_in_epoch = b + 1
            if run.step % args.log_every == 0:
                run.log.log(step=run.step, epoch=run.epoch, wall_seconds=run.clock(), loss=loss.item(), recon=recon.item(),
                            kl=kl.item(), kl_weight=kl_weight)
                bar.set_postfix(recon=f"{recon.item():.1f}", kl=f"{kl.item():.1f}")
            if run.step % args.save_every == 0:
                run.save({"vae": vae}, {"opt": opt})
            if run.finished():
                break
        vae.fit_class_prior(x, y)  # what this epoch's samples (and the export) draw from
        end_epoch(run, sample_fn, evaluator)
        run.save({"vae": vae}, {"opt": opt})

    if acc.is_main_process:
        final = ConditionalVAE(config)
        final.load_state_dict({k: v for k, v in vae.state_dict().items() if not k.startswith("prior_")}, strict=False)
        final.fit_class_prior(x, y)
        export_generative(args, run, config_dict=asdict(config), family="vae", weights=final.state_dict())


def train_diffusion(args) -> None:
    from ..models.diffusion import DiffusionConfig
    from ..models.unet import UNetConfig

    run = Run(args, ["loss", "lr", "fid_fmnist", "class_accuracy"])
    acc = run.accelerator
    x, y = load_data(args)
    evaluator = load_evaluator(args)
    config = DiffusionConfig(unet=UNetConfig(width=args.width))
    model, ema, net, opt, sched, sample_fn = prepare_diffusion(
        run, config, args.max_steps or args.epochs * batches_per_epoch(args))
    diffusion_epochs(run, net, model, ema, opt, sched, n_items=len(x), per_epoch=batches_per_epoch(args),
                     make_batch=lambda idx: (x[idx].to(run.device), y[idx].to(run.device)), sample_fn=sample_fn,
                     evaluator=evaluator)

    if acc.is_main_process:
        cfg = asdict(config)
        export_generative(args, run, config_dict=cfg, family="diffusion", weights=ema.module.state_dict())


def train_cyclegan(args) -> None:
    """CycleGAN (models/cyclegan.py) between two classes, on *unpaired* images: each epoch
    draws the two domains' training images in two independent orders, so no pair recurs.
    Every batch: (1) the generators, against both discriminators plus the cycle and identity
    terms; (2) the discriminators, on real images against generated ones from the pool. The
    log keeps the losses and, each epoch, the target-class accuracy and the cycle error on
    held-out test images."""
    import itertools
    import random

    from ..models.cyclegan import (
        CycleGAN,
        CycleGANConfig,
        ImagePool,
        cycle_loss,
        lsgan_loss,
        noisy,
    )

    run = Run(args, ["g_loss", "gan_loss", "cycle_loss", "identity_loss", "d_loss",
                     "target_accuracy_a_to_b", "target_accuracy_b_to_a", "cycle_l1"])
    acc = run.accelerator
    config = CycleGANConfig(width=args.width, d_width=args.width, n_residual=args.n_residual,
                            cycle_weight=args.cycle_weight, identity_weight=args.identity_weight, skip=bool(args.skip),
                            cycle_noise=args.cycle_noise)
    run.pin(**{k: v for k, v in asdict(config).items() if k != "pool_size"})  # the model and its losses
    x, y = fashion_mnist.as_tensors("train", args.data_dir)
    a_all, b_all = x[y == config.domain_a], x[y == config.domain_b]
    n = min(len(a_all), len(b_all), args.limit or len(x))
    a_all, b_all = a_all[:n], b_all[:n]
    x_test, y_test = fashion_mnist.as_tensors("test", args.data_dir)
    a_test, b_test = x_test[y_test == config.domain_a], x_test[y_test == config.domain_b]
    evaluator = load_evaluator(args)

    gan = CycleGAN(config)
    opt_g = torch.optim.Adam(itertools.chain(gan.g_ab.parameters(), gan.g_ba.parameters()), lr=args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(itertools.chain(gan.d_a.parameters(), gan.d_b.parameters()), lr=args.lr, betas=(0.5, 0.999))
    run.restore({"gan": gan}, {"g": opt_g, "d": opt_d})
    g_ab, g_ba, d_a, d_b, opt_g, opt_d = acc.prepare(gan.g_ab, gan.g_ba, gan.d_a, gan.d_b, opt_g, opt_d)
    # the pools restart empty on a resume: 50 images, refilled within a few batches
    pool_a, pool_b = ImagePool(config.pool_size, random.Random(args.seed)), ImagePool(config.pool_size, random.Random(args.seed + 1))
    lam, per_epoch = config.cycle_weight, n // args.batch_size
    if per_epoch == 0:
        raise SystemExit(f"--batch-size {args.batch_size} is larger than the {n} training images of each class")

    def translate_fn(direction):
        forward, back = (g_ab, g_ba) if direction == "a_to_b" else (g_ba, g_ab)

        def translate(batch):
            f, b = acc.unwrap_model(forward), acc.unwrap_model(back)
            with torch.no_grad(), acc.autocast():
                out = f(batch.to(run.device))
                return out.float().cpu(), b(out).float().cpu()

        return translate

    def draw_grid(path):
        """Rows: 8 test sneakers, translated, back; 8 test boots, translated, back."""
        rows = []
        for direction, src in (("a_to_b", a_test[:8]), ("b_to_a", b_test[:8])):
            fake, back = translate_fn(direction)(src)
            rows += [src, fake, back]
        grid(torch.cat(rows), nrow=8).save(path)

    def score():
        k = args.eval_n // 2
        out = {}
        for direction, src, target in (("a_to_b", a_test[:k], config.domain_b), ("b_to_a", b_test[:k], config.domain_a)):
            fake, back = translate_fn(direction)(src)
            out[f"target_accuracy_{direction}"] = float((evaluator.predict(fake).argmax(-1) == target).float().mean())
            out.setdefault("cycle_l1", 0.0)
            out["cycle_l1"] += float((back - src).abs().mean()) / 2
        return out

    def set_lr():
        """Constant for the first half of the epochs, then linearly to zero at the last."""
        half = args.epochs // 2
        scale = 1.0 if run.epoch < half else 1.0 - (run.epoch - half) / max(1, args.epochs - half)
        for opt in (opt_g, opt_d):
            for group in opt.param_groups:
                group["lr"] = args.lr * scale

    def set_requires_grad(flag: bool):
        for p in itertools.chain(d_a.parameters(), d_b.parameters()):
            p.requires_grad_(flag)

    while not run.finished():
        set_lr()
        order_b = torch.randperm(n, generator=torch.Generator().manual_seed(args.seed * 1000 + run.epoch + 500))
        bar = tqdm(run.batches(n), total=per_epoch, initial=run.batch_in_epoch, desc=f"epoch {run.epoch + 1}/{args.epochs}",
                   disable=not acc.is_main_process)
        for b, idx in bar:
            real_a, real_b = a_all[idx].to(run.device), b_all[order_b[idx]].to(run.device)
            # (1) The generators: fool both discriminators, come back round, leave targets alone.
            set_requires_grad(False)
            with acc.autocast():
                fake_b, fake_a = g_ab(real_a), g_ba(real_b)
                gan_loss = lsgan_loss(d_b(fake_b), True) + lsgan_loss(d_a(fake_a), True)
                sigma = config.cycle_noise
                cyc = cycle_loss(g_ba(noisy(fake_b, sigma)), real_a) + cycle_loss(g_ab(noisy(fake_a, sigma)), real_b)
                idt = cycle_loss(g_ba(real_a), real_a) + cycle_loss(g_ab(real_b), real_b)
                g_loss = gan_loss + lam * cyc + config.identity_weight * lam * idt
            opt_g.zero_grad(set_to_none=True)
            acc.backward(g_loss)
            opt_g.step()
            # (2) The discriminators: real against generated, the generated drawn from the pools.
            set_requires_grad(True)
            with acc.autocast():
                d_loss = 0.5 * (lsgan_loss(d_b(real_b), True) + lsgan_loss(d_b(pool_b.query(fake_b)), False)) \
                    + 0.5 * (lsgan_loss(d_a(real_a), True) + lsgan_loss(d_a(pool_a.query(fake_a)), False))
            opt_d.zero_grad(set_to_none=True)
            acc.backward(d_loss)
            opt_d.step()
            run.step += 1
            run.batch_in_epoch = b + 1
            if run.step % args.log_every == 0:
                run.log.log(step=run.step, epoch=run.epoch, wall_seconds=run.clock(), g_loss=g_loss.item(),
                            gan_loss=gan_loss.item(), cycle_loss=cyc.item(), identity_loss=idt.item(), d_loss=d_loss.item())
                bar.set_postfix(g=f"{g_loss.item():.3f}", cyc=f"{cyc.item():.3f}", d=f"{d_loss.item():.3f}")
            if run.step % args.save_every == 0:
                run.save({"gan": gan}, {"g": opt_g, "d": opt_d})
            if run.finished():
                break
        close_epoch(run, per_epoch, draw_grid, score if evaluator is not None and args.eval_n else None)
        run.save({"gan": gan}, {"g": opt_g, "d": opt_d})

    if acc.is_main_process:
        export_translator(args, run, config, acc.unwrap_model(g_ab), acc.unwrap_model(g_ba), a_test, b_test, draw_grid)




def export_translator(args, run: Run, config, g_ab, g_ba, a_test, b_test, draw_grid) -> None:
    """The CycleGAN's folder: both generators (the discriminators only train), examples,
    the last epoch's grid as preview, and its record through the evaluate command's code."""
    import numpy as np

    from ..images import to_uint8

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    weights = {**{f"g_ab.{k}": v for k, v in g_ab.state_dict().items()},
               **{f"g_ba.{k}": v for k, v in g_ba.state_dict().items()}}
    ckpt.save_model_weights(out, weights)
    ckpt.write_json(out / ckpt.CONFIG_FILE, {
        "modality": "image", "family": "cyclegan", "model": asdict(config),
        "data": f"Fashion-MNIST train split, classes {fashion_mnist.CLASSES[config.domain_a]} and "
                f"{fashion_mnist.CLASSES[config.domain_b]} only, unpaired (MIT licence)",
        "training": training_block(args, run),
    })
    np.savez_compressed(out / ckpt.EXAMPLE_PICTURES_FILE, a=to_uint8(a_test[-16:]), b=to_uint8(b_test[-16:]))
    copy_log_and_samples(run, out)
    draw_grid(out / ckpt.PREVIEW_PICTURE_FILE)
    measure_or_card(out, args.final_eval_n, evaluator_dir=args.evaluator, corpus_dir=args.data_dir)
    print(f"exported {out}")


TRAINERS = {"classifier": train_classifier, "dcgan": train_dcgan, "vae": train_vae, "diffusion": train_diffusion,
            "wgan_gp": train_wgan_gp, "cyclegan": train_cyclegan, "captioner": train_captioner,
            "text_to_image": train_text_to_image}


def main(args: argparse.Namespace) -> None:
    args = resolve(args)
    print("config:", json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}, indent=1))
    if args.model not in TRAINERS:
        raise SystemExit(f"--model {args.model} is not implemented yet")
    TRAINERS[args.model](args)
