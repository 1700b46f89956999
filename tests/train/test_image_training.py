import csv

import pytest
import torch

from aigc_demo import checkpoint as ckpt
from tests.conftest import FMNIST_FIXTURE, train


@pytest.mark.parametrize("model", ["dcgan", "vae", "diffusion"])
def test_dry_run_exports_a_complete_checkpoint(tiny_image_checkpoints, model):
    folder = tiny_image_checkpoints / "image" / model
    for name in ("config.json", "model.safetensors", "train_log.csv", "metrics.json", "README.md", "preview.png"):
        assert (folder / name).is_file(), name
    assert list((folder / "samples").glob("epoch_*.png"))
    config = ckpt.read_json(folder / "config.json")
    assert config["family"] == model and config["modality"] == "image"
    assert config["training"]["steps"] == 3 and "CPU" in config["training"]["hardware"]
    metrics = ckpt.read_json(folder / "metrics.json")
    assert {"fid_fmnist", "kid_fmnist", "is_fmnist", "class_accuracy"} <= set(metrics["generated"])
    assert "fid_fmnist" in metrics["real_reference"]
    assert {t["metric"] for t in metrics["targets"]} == ({"class_accuracy"} if model == "vae" else {"class_accuracy", "fid_fmnist"})
    assert isinstance(metrics["sampling_controls"], dict)
    assert metrics["command"].startswith("python -m aigc_demo.evaluate --model " + model)
    card = (folder / "README.md").read_text()
    assert "hardware" in card and metrics["command"] in card
    with open(folder / "train_log.csv") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["step"]) for r in rows if r.get("fid_fmnist")] == [3]


def test_interrupted_run_resumes_where_it_stopped(tmp_path, tiny_image_checkpoints):
    evaluator = tiny_image_checkpoints / "evaluators" / "fmnist-classifier"
    args = ["image", "--model", "dcgan", "--dry-run", "--data-dir", str(FMNIST_FIXTURE), "--run-dir", str(tmp_path / "run"),
            "--out", str(tmp_path / "out"), "--evaluator", str(evaluator), "--save-every", "1", "--final-eval-n", "0"]
    train(*args, "--max-steps", "2")
    state = torch.load(tmp_path / "run" / "state.pt", weights_only=True)
    assert state["step"] == 2
    # a second run with a larger budget picks up at step 2, not 0
    train(*args, "--max-steps", "5")
    state = torch.load(tmp_path / "run" / "state.pt", weights_only=True)
    assert state["step"] == 5
    with open(tmp_path / "out" / "train_log.csv") as f:
        steps = [int(r["step"]) for r in csv.DictReader(f) if r["d_loss"]]
    assert steps == [1, 2, 3, 4, 5]
    assert ckpt.read_json(tmp_path / "out" / "config.json")["training"]["steps"] == 5


@pytest.mark.parametrize("model", ["vae", "cyclegan"])
def test_same_seed_same_weights(tmp_path, tiny_image_checkpoints, model):
    evaluator = tiny_image_checkpoints / "evaluators" / "fmnist-classifier"
    outs = []
    for i in range(2):
        out = tmp_path / f"out{i}"
        train("image", "--model", model, "--dry-run", "--data-dir", str(FMNIST_FIXTURE), "--run-dir", str(tmp_path / f"run{i}"),
              "--out", str(out), "--evaluator", str(evaluator), "--final-eval-n", "0", "--eval-n", "0")
        outs.append(ckpt.load_weights(out / "model.safetensors"))
    assert all(torch.equal(outs[0][k], outs[1][k]) for k in outs[0])


def test_two_process_data_parallel_run(tmp_path, tiny_image_checkpoints):
    """The multi-GPU path (DDP through accelerate), exercised with two CPU processes (gloo)."""
    import os
    import subprocess
    import sys

    evaluator = tiny_image_checkpoints / "evaluators" / "fmnist-classifier"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "aigc_demo.train",
           "image", "--model", "dcgan", "--dry-run", "--data-dir", str(FMNIST_FIXTURE), "--run-dir", str(tmp_path / "run"),
           "--out", str(tmp_path / "out"), "--evaluator", str(evaluator)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "out" / "model.safetensors").is_file()
    assert ckpt.read_json(tmp_path / "out" / "metrics.json")["n"] == 20


def test_killed_mid_epoch_resumes_and_leaves_no_torn_files(tmp_path, tiny_image_checkpoints):
    """SIGKILL during training, then the same command again: it resumes from the last saved
    step, finishes, and every file it wrote is whole."""
    import os
    import signal
    import subprocess
    import sys
    import time

    evaluator = tiny_image_checkpoints / "evaluators" / "fmnist-classifier"
    cmd = [sys.executable, "-m", "aigc_demo.train", "image", "--model", "diffusion", "--dry-run", "--max-steps", "16",
           "--epochs", "4", "--save-every", "2", "--data-dir", str(FMNIST_FIXTURE), "--run-dir", str(tmp_path / "run"),
           "--out", str(tmp_path / "out"), "--evaluator", str(evaluator), "--eval-n", "0", "--final-eval-n", "0"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state_path = tmp_path / "run" / "state.pt"
    deadline = time.time() + 120
    while time.time() < deadline:
        if state_path.is_file() and torch.load(state_path, weights_only=True)["step"] >= 4:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "training ended before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = torch.load(state_path, weights_only=True)["step"]
    assert 4 <= killed_at < 16
    with open(tmp_path / "run" / "train_log.csv") as f:  # the log on disk is whole: every row complete
        rows = list(csv.DictReader(f))
    assert rows and all(r["step"] and r["wall_seconds"] for r in rows)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"resuming from step {killed_at}" in done.stdout + done.stderr
    with open(tmp_path / "out" / "train_log.csv") as f:
        steps = [int(r["step"]) for r in csv.DictReader(f) if r["loss"]]
    assert steps == list(range(1, 17))  # no step twice, none missing
    assert ckpt.read_json(tmp_path / "out" / "config.json")["training"]["steps"] == 16
    ckpt.load_model_weights(tmp_path / "out")


def test_vae_class_prior_follows_each_classes_latents():
    from aigc_demo.data import fashion_mnist
    from aigc_demo.models.vae import ConditionalVAE, VAEConfig

    torch.manual_seed(0)
    vae = ConditionalVAE(VAEConfig(width=8, hidden=32, label_planes=True, class_prior=True, beta=0.1)).eval()
    x, y = fashion_mnist.as_tensors("train", FMNIST_FIXTURE)
    seven = torch.full((1,), 7)
    before = vae.sample(seven, temperature=0.0)  # an unfitted prior is N(0, I): z = 0
    assert torch.equal(before, vae.decode(torch.zeros(1, 16), seven))
    vae.fit_class_prior(x, y)
    with torch.no_grad():
        mus = vae.encode(x, y)[0]
    assert torch.allclose(vae.prior_mean[7, 0], mus[y == 7].mean(0), atol=1e-5)
    # temperature 0 draws the class's mean latent; noise maps to the class's covariance
    assert torch.allclose(vae.sample(seven, temperature=0.0), vae.decode(vae.prior_mean[7:8, 0], seven))
    z = vae.latent_for(torch.randn(50000, 16, generator=torch.Generator().manual_seed(0)), torch.full((50000,), 7))
    want = torch.cov(mus[y == 7].T)
    assert (torch.cov(z.T) - want).abs().max() < 0.05 * want.abs().max()
    # the prior is part of the weights: saved and loaded with them
    again = ConditionalVAE(vae.config)
    again.load_state_dict(vae.state_dict())
    assert torch.equal(again.eval().sample(seven, temperature=0.0), vae.sample(seven, temperature=0.0))


def test_vae_mixture_prior_keeps_the_classes_moments_and_picks_components_by_weight():
    from aigc_demo.data import fashion_mnist
    from aigc_demo.models.vae import ConditionalVAE, VAEConfig

    torch.manual_seed(0)
    vae = ConditionalVAE(VAEConfig(width=8, hidden=32, label_planes=True, class_prior=True, beta=0.1,
                                   prior_components=3)).eval()
    x, y = fashion_mnist.as_tensors("train", FMNIST_FIXTURE)
    vae.fit_class_prior(x, y)
    with torch.no_grad():
        mus = vae.encode(x, y)[0][y == 7].double()
    weights = vae.prior_weights[7]
    assert torch.allclose(weights.sum(), torch.tensor(1.0)) and (weights > 0).all()
    # EM's fixed point: the mixture's mean and covariance are those of the class's latents
    assert torch.allclose((weights[:, None] * vae.prior_mean[7]).sum(0).double(), mus.mean(0), atol=1e-3)
    noise = vae.sample_latent(50000, torch.Generator().manual_seed(0))
    assert noise.shape == (50000, 17)  # z's 16 numbers and the component's
    z = vae.latent_for(noise, torch.full((50000,), 7)).double()
    want = torch.cov(mus.T, correction=0)
    assert (torch.cov(z.T) - want).abs().max() < 0.05 * want.abs().max()
    # temperature narrows each component but never changes which one a seed picks
    cold = vae.latent_for(vae.sample_latent(3000, torch.Generator().manual_seed(1), temperature=0.0),
                          torch.full((3000,), 7))
    picked = torch.cdist(cold, vae.prior_mean[7]).argmin(1)
    assert torch.allclose(cold, vae.prior_mean[7][picked], atol=1e-5)
    assert torch.allclose(torch.bincount(picked, minlength=3) / 3000, weights, atol=0.04)


def test_wgan_gp_dry_run_exports_a_checkpoint_the_studio_serves(tmp_path, tiny_image_checkpoints):
    from aigc_demo.studio import Studio

    evaluator = tiny_image_checkpoints / "evaluators" / "fmnist-classifier"
    out = tmp_path / "checkpoints" / "image" / "wgan_gp"
    train("image", "--model", "wgan_gp", "--dry-run", "--max-steps", "6", "--data-dir", str(FMNIST_FIXTURE),
          "--run-dir", str(tmp_path / "run"), "--out", str(out), "--evaluator", str(evaluator))
    config = ckpt.read_json(out / "config.json")
    assert config["family"] == "wgan_gp" and config["training"]["steps"] == 6
    assert config["training"]["w_distance_vs_fid"]["epochs"] < 3  # a dry run has no correlation to speak of
    with open(out / "train_log.csv") as f:
        rows = list(csv.DictReader(f))
    assert {"w_distance", "gradient_penalty", "critic_loss"} <= set(rows[0]) and any(r["w_distance"] for r in rows)
    metrics = ckpt.read_json(out / "metrics.json")
    assert {(t["metric"], t["target"]) for t in metrics["targets"]} == {("class_accuracy", ">= 0.9"), ("fid_fmnist", "<= 80.6")}
    studio = Studio(tmp_path / "checkpoints")
    assert studio.models("image") == ["wgan_gp"] and [c.name for c in studio.controls("image", "wgan_gp")] == ["truncation"]
    a = studio.generate_image("wgan_gp", label="Bag", n=2, seed=5, truncation=0.5)
    b = studio.generate_image("wgan_gp", label="Bag", n=2, seed=5, truncation=0.5)
    assert [im.tobytes() for im in a.images] == [im.tobytes() for im in b.images]
    assert len(studio.interpolate_image("wgan_gp", label="Bag", seed_a=1, seed_b=2, steps=3).images) == 3


def test_cyclegan_dry_run_exports_a_translator_the_studio_serves(tiny_image_checkpoints):
    from aigc_demo.studio import InputError, Studio

    folder = tiny_image_checkpoints / "image" / "cyclegan"
    for name in ("config.json", "model.safetensors", "train_log.csv", "metrics.json", "README.md", "preview.png",
                 "examples.npz"):
        assert (folder / name).is_file(), name
    config = ckpt.read_json(folder / "config.json")
    assert config["family"] == "cyclegan" and config["training"]["steps"] == 3
    assert "Sneaker and Ankle boot only, unpaired" in config["data"]
    weights = ckpt.load_weights(folder / "model.safetensors")
    assert {k.split(".")[0] for k in weights} == {"g_ab", "g_ba"}  # the discriminators stay behind
    with open(folder / "train_log.csv") as f:
        rows = list(csv.DictReader(f))
    assert {"cycle_loss", "identity_loss", "gan_loss", "d_loss", "target_accuracy_a_to_b"} <= set(rows[0])
    metrics = ckpt.read_json(folder / "metrics.json")
    assert set(metrics["directions"]) == {"a_to_b", "b_to_a"}
    assert metrics["directions"]["a_to_b"]["from"] == "Sneaker" and metrics["directions"]["b_to_a"]["from"] == "Ankle boot"
    assert {"silhouette_iou_random", "lowpass_correlation_margin", "cycle_l1"} <= set(metrics["directions"]["a_to_b"]["translated"])
    assert len(metrics["targets"]) == 8 and "Sneaker → Ankle boot" in (folder / "README.md").read_text()

    studio = Studio(tiny_image_checkpoints)
    assert "cyclegan" not in studio.models("image") and studio.translators() == ["cyclegan"]
    assert studio.translation_directions("cyclegan") == {"a_to_b": "Sneaker → Ankle boot", "b_to_a": "Ankle boot → Sneaker"}
    examples = studio.translation_examples("cyclegan")
    assert len(examples) == 2 * 10 and {c for _, c in examples} == {"Sneaker", "Ankle boot"}  # the last 16 (the fixture has 10)
    pipe = studio.cache.get("image", "cyclegan")
    from aigc_demo.pipelines.image import picture_to_tensor

    x, inverted = picture_to_tensor(examples[0][0])
    assert not inverted
    a, b = pipe.translate(x, "a_to_b"), pipe.translate(x, "a_to_b")
    assert [im.size for im in a.images] == [(28, 28)] * 3 and a.labels[1] == "translated (Ankle boot)"
    assert [im.tobytes() for im in a.images] == [im.tobytes() for im in b.images]
    for bad, message in ((dict(model="dcgan"), "must be an image translator"), (dict(direction="sideways"), "direction"),
                         (dict(image="not a picture"), "must be a picture")):
        with pytest.raises(InputError, match=message):
            studio.translate_image(**{"model": "cyclegan", "image": examples[0][0], "direction": "auto", **bad})


def test_captioner_dry_run_exports_a_describer_the_studio_serves(tiny_image_checkpoints):
    from aigc_demo.studio import InputError, Studio

    folder = tiny_image_checkpoints / "image" / "captioner"
    for name in ("config.json", "model.safetensors", "vocab.json", "examples.npz", "train_log.csv", "metrics.json",
                 "README.md", "preview.txt"):
        assert (folder / name).is_file(), name
    assert list((folder / "samples").glob("epoch_*.txt"))
    config = ckpt.read_json(folder / "config.json")
    assert config["family"] == "captioner" and config["training"]["steps"] == 3
    assert set(config["captions"]["thresholds"]) == {str(c) for c in range(10)}  # the thresholds travel with the model
    assert "Synthetic captions" in config["captions"]["note"]
    metrics = ckpt.read_json(folder / "metrics.json")
    systems = metrics["systems"]
    for language in ("en", "zh"):
        assert {f"{language} greedy all", f"{language} greedy seen", f"{language} beam3 all",
                f"{language} real_caption all", f"{language} control_shuffled all"} <= set(systems)
        assert systems[f"{language} real_caption all"]["class_accuracy"] == 1.0
    assert systems["en greedy seen"]["n"] + systems.get("en greedy held_out", {"n": 0})["n"] == metrics["n"] == 20
    assert [t["decoding"] for t in metrics["targets"]] == ["en greedy all", "zh greedy all"]
    card = (folder / "README.md").read_text()
    assert "## Captions" in card and "Trouser + wide" in card and "Synthetic captions" in card
    with open(folder / "train_log.csv") as f:
        rows = list(csv.DictReader(f))
    assert any(r["valid_loss"] for r in rows) and any(r["valid_class_accuracy"] for r in rows)

    studio = Studio(tiny_image_checkpoints)
    assert "captioner" not in studio.models("image") and studio.describers() == ["captioner"]
    assert "captioner" not in studio.translators()
    examples = studio.caption_examples("captioner")
    assert len(examples) >= 10  # two per class and one per held-out combination, as far as the fixture's test split has them
    picture, real = examples[0]
    assert picture.size == (28, 28) and real.startswith(("a ", "an "))
    a = studio.caption_image("captioner", picture, "both", 2)
    b = studio.caption_image("captioner", picture, "both", 2)
    assert set(a.captions) == {"en", "zh"} and a.captions == b.captions  # no randomness: the same captions again
    assert all(len(a.attention[k]) == len(a.words[k]) for k in a.words)
    assert a.meta["params"]["classifier_sees"] and "Synthetic captions" in a.meta["note"]
    assert set(studio.caption_image("captioner", picture, "zh", 1).captions) == {"zh"}
    for bad, message in ((dict(model="dcgan"), "must be an image captioner"), (dict(language="fr"), "language"),
                         (dict(num_beams=0), "num_beams"), (dict(image="not a picture"), "must be a picture")):
        with pytest.raises(InputError, match=message):
            studio.caption_image(**{"model": "captioner", "image": picture, "language": "en", "num_beams": 2, **bad})


def test_captioner_training_resumes_where_it_stopped(tmp_path):
    """Two steps, stop, two more: the same weights as four steps in one go (the phrasings and
    languages are drawn from (seed, step), the batches from (seed, epoch))."""
    common = ["image", "--model", "captioner", "--dry-run", "--data-dir", str(FMNIST_FIXTURE), "--final-eval-n", "0"]
    train(*common, "--max-steps", "4", "--run-dir", str(tmp_path / "once"), "--out", str(tmp_path / "once-out"))
    train(*common, "--max-steps", "2", "--run-dir", str(tmp_path / "twice"), "--out", str(tmp_path / "twice-out"))
    train(*common, "--max-steps", "4", "--run-dir", str(tmp_path / "twice"), "--out", str(tmp_path / "twice-out"))
    from aigc_demo.train.common import load_state

    a, b = (load_state(tmp_path / run / "state.pt") for run in ("once", "twice"))
    assert a["step"] == b["step"] == 4
    a, b = a["modules"]["model"], b["modules"]["model"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_text_to_image_dry_run_exports_a_model_that_draws_prompts(tiny_image_checkpoints):
    from aigc_demo.data import captions as cap
    from aigc_demo.families.image import PROMPT_GUIDANCE
    from aigc_demo.metrics.prompts import GUIDANCES
    from aigc_demo.studio import InputError, Studio

    folder = tiny_image_checkpoints / "image" / "text_to_image"
    for name in ("config.json", "model.safetensors", "vocab.json", "train_log.csv", "metrics.json", "README.md",
                 "preview.png"):
        assert (folder / name).is_file(), name
    config = ckpt.read_json(folder / "config.json")
    assert config["family"] == "text_to_image" and config["training"]["steps"] == 3
    assert set(config["captions"]["thresholds"]) == {str(c) for c in range(10)}
    # the validation combinations were held out of training too, and the config says so
    assert [tuple(p) for p in config["captions"]["validation_held_out"]] == list(cap.VALIDATION_HELD_OUT)
    metrics = ckpt.read_json(folder / "metrics.json")
    assert {"fid_fmnist", "class_accuracy"} <= set(metrics["generated"])  # drawn from the test pictures' captions
    assert [t["metric"] for t in metrics["targets"]] == ["fid_fmnist"]
    names = metrics["class_names"]  # and from the class names alone, with the class-conditional bar
    assert {"fid_fmnist", "class_accuracy"} <= set(names["generated"]) and names["n"] == metrics["n"]
    assert [t["metric"] for t in names["targets"]] == ["class_accuracy"]
    pf = metrics["prompt_following"]
    default = PROMPT_GUIDANCE.default  # every reported weight, the default among them, and Chinese at the default
    assert set(pf["settings"]) == {f"en guidance {g:g}" for g in (*GUIDANCES, default)} | {f"zh guidance {default:g}"}
    assert pf["default_setting"] == f"en guidance {default:g}"
    assert set(pf["settings"][pf["default_setting"]]) == {"all", "seen", "held_out", "validation_held_out"}
    assert len(pf["validation_held_out_combinations"]) == len(cap.VALIDATION_HELD_OUT)
    assert set(pf["controls"]) == {"real_pictures", "shuffled_requests", "label_only_model"}
    assert pf["controls"]["label_only_model"]["model"] == "diffusion"  # the tree's class-conditional model
    assert pf["controls"]["real_pictures"]["all"]["attribute_hit"] == 1.0
    assert [t["metric"] for t in pf["targets"]] == ["seen class_accuracy", "held_out class_accuracy",
                                                     "seen attribute_error", "held_out attribute_error"]
    assert set(metrics["per_class_fid"]) == set(fashion_mnist_classes())
    assert {"generated_median", "real_test_median"} <= set(metrics["nearest_training"])
    card = (folder / "README.md").read_text()
    assert "## Prompt-following" in card and "## Captions" in card and "| validation_held_out |" in card

    studio = Studio(tiny_image_checkpoints)
    assert studio.prompt_models() == ["text_to_image"] and "text_to_image" in studio.models("image")
    a = studio.generate_image_from_text("text_to_image", "a dark, wide coat", "a light coat", n=3, seed=4, steps=3)
    b = studio.generate_image_from_text("text_to_image", "a  dark, wide coat ", "a light coat", n=3, seed=4, steps=3)
    assert [im.tobytes() for im in a.images] == [im.tobytes() for im in b.images]  # seeded; spaces do not matter
    assert a.asked == {"class": "Coat", "words": {"tone": "dark", "width": "wide"}, "language": "en"}
    assert len(a.verdicts) == 3 and all(v["class"] for v in a.verdicts) and a.meta["params"]["prompt"] == "a dark, wide coat"
    zh = studio.generate_image_from_text("text_to_image", "一件深色、宽的外套", n=2, seed=4, steps=3)
    assert zh.asked["language"] == "zh" and zh.asked["class"] == "Coat"
    assert studio.generate_image("text_to_image", label="Coat", n=2, seed=1, steps=2).labels == ["Coat", "Coat"]
    for bad, message in ((dict(prompt=""), "empty"), (dict(prompt="a red coat"), "never saw: red"),
                         (dict(prompt="一件红色的外套"), "never saw: 红色"), (dict(prompt="coat " * 30), "at most 120"),
                         (dict(negative_prompt="a purple coat"), "negative prompt uses words"),
                         (dict(model="diffusion"), "must be a text-to-image model"), (dict(prompt=5), "must be text"),
                         (dict(guidance=11), "guidance"), (dict(n=0), "n must be")):
        with pytest.raises(InputError, match=message):
            studio.generate_image_from_text(**{"model": "text_to_image", "prompt": "a coat", "n": 1, "seed": 0,
                                               "steps": 2, **bad})


def test_text_to_image_trains_further_from_its_own_checkpoint(tmp_path, tiny_image_checkpoints):
    """--init of a text-to-image checkpoint starts the whole model (and its EMA) from it: with
    a learning rate of zero the exported weights are the checkpoint's; another shape is refused."""
    folder = tiny_image_checkpoints / "image" / "text_to_image"
    common = ["image", "--model", "text_to_image", "--dry-run", "--data-dir", str(FMNIST_FIXTURE), "--final-eval-n", "0",
              "--eval-n", "0", "--init", str(folder), "--max-steps", "1", "--lr", "0"]
    out = tmp_path / "out" / "image" / "t"
    train(*common, "--run-dir", str(tmp_path / "run"), "--out", str(out))
    a, b = ckpt.load_model_weights(folder), ckpt.load_model_weights(out)
    assert a.keys() == b.keys() and all(torch.equal(a[k].float(), b[k].float()) for k in a)
    assert "continued from the text-to-image checkpoint" in ckpt.read_json(out / "config.json")["training"]["init"]
    with pytest.raises(SystemExit, match="another shape"):
        train(*common, "--width", "16", "--run-dir", str(tmp_path / "wide"), "--out", str(tmp_path / "wide-out"))


def fashion_mnist_classes():
    from aigc_demo.data.fashion_mnist import CLASSES

    return CLASSES


def test_text_to_image_training_resumes_where_it_stopped(tmp_path):
    """Two steps, stop, two more: the same weights as four in one go (phrasings, languages and
    dropped prompts drawn from (seed, step) and the global RNG carried in the run state)."""
    common = ["image", "--model", "text_to_image", "--dry-run", "--data-dir", str(FMNIST_FIXTURE), "--final-eval-n", "0",
              "--eval-n", "0"]
    train(*common, "--max-steps", "4", "--run-dir", str(tmp_path / "once"), "--out", str(tmp_path / "once-out" / "image" / "t"))
    train(*common, "--max-steps", "2", "--run-dir", str(tmp_path / "twice"), "--out", str(tmp_path / "twice-out" / "image" / "t"))
    train(*common, "--max-steps", "4", "--run-dir", str(tmp_path / "twice"), "--out", str(tmp_path / "twice-out" / "image" / "t"))
    from aigc_demo.train.common import load_state

    a, b = (load_state(tmp_path / run / "state.pt") for run in ("once", "twice"))
    assert a["step"] == b["step"] == 4
    a, b = a["modules"]["ema"], b["modules"]["ema"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
