"""Image pipelines: class-conditional Fashion-MNIST generators behind one calling convention.

    pipe = DCGANPipeline.from_checkpoint("checkpoints/image/dcgan")
    out = pipe(label="Sneaker", n=16, seed=42, truncation=0.8)
    out.images  # list of 28x28 PIL images
    out.meta    # model, checkpoint hash, seed, parameters, device, seconds

Every request draws its noise from its own torch.Generator seeded with the request's seed,
never from the global RNG, so the same inputs give the same pixels whatever else runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..controls import Control, InputError, check_inputs, resolve_seed
from ..data.fashion_mnist import CLASSES
from ..families.image import (ALL_CLASSES, CYCLEGAN, DCGAN, DIFFUSION, DIRECTION, INTERPOLATION_STEPS, N, VAE, WGAN_GP,
                              direction_labels)
from ..images import from_uint8, to_pil
from .base import Meta, Timer, read_checkpoint


@dataclass
class ImageOutput:
    images: list[Image.Image]  # 28x28 grayscale, in order
    labels: list[str]  # the class each image was generated for
    meta: dict


def parse_label(label) -> int | None:
    """A class name (case-insensitive), an index 0-9, or "all classes"/"all" -> index or None."""
    if isinstance(label, bool):
        raise InputError(f"label must be a class name or 0-9, not {label!r}.")
    if isinstance(label, int) and 0 <= label < len(CLASSES):
        return label
    if isinstance(label, str):
        text = label.strip().lower()
        if text in ("all", ALL_CLASSES):
            return None
        for i, name in enumerate(CLASSES):
            if text == name.lower():
                return i
        if text.isdigit() and int(text) < len(CLASSES):
            return int(text)
    raise InputError(f"Unknown class {label!r} for label. Use one of: {', '.join(CLASSES)}, or '{ALL_CLASSES}' "
                     "(or an index 0-9).")


def labels_for(label: int | None, n: int) -> torch.Tensor:
    return torch.arange(n) % len(CLASSES) if label is None else torch.full((n,), label, dtype=torch.long)


class ImagePipeline:
    """Shared request handling; each family supplies `sample()` and its own controls (declared
    once, in families/image.py: validated here, shown in the UI and on the API)."""

    family = "?"
    controls: tuple[Control, ...] = ()

    def __init__(self, model: torch.nn.Module, *, name: str, checkpoint_sha256: str, device: str = "cpu"):
        self.model = model.to(device).eval()
        self.name = name
        self.checkpoint_sha256 = checkpoint_sha256
        self.device = device

    @classmethod
    def _read(cls, folder: str | Path) -> tuple[Path, dict, dict, str]:
        return read_checkpoint(folder, cls.family)

    def sample(self, labels: torch.Tensor, generator: torch.Generator, **params) -> torch.Tensor:
        """(B,) class indices -> (B, 1, 28, 28) in [-1, 1]. Tensors in, tensors out: used by
        the metrics; people call the pipeline itself. The controls not given are at their
        defaults (check_params), so the metrics draw as the app does."""
        raise NotImplementedError

    def check_params(self, params: dict) -> dict:
        """The family's own controls of a request: given ones checked, the rest at defaults."""
        return check_inputs(self.name, self.controls, params)

    def check_inputs(self, label, n, seed, params: dict) -> tuple[int | None, int, int, dict]:
        """Everything a request carries, checked: (class index or None, n, seed, controls)."""
        return parse_label(label), N.check(n), resolve_seed(seed), self.check_params(params)

    @torch.no_grad()
    def __call__(self, label=ALL_CLASSES, n: int = N.default, seed: int | None = None, **params) -> ImageOutput:
        class_index, n, seed, params = self.check_inputs(label, n, seed, params)
        labels = labels_for(class_index, n)
        with Timer() as t:
            generator = torch.Generator().manual_seed(seed)
            images = self.sample(labels, generator, **params)
        meta = Meta(model=self.name, family=self.family, checkpoint_sha256=self.checkpoint_sha256, seed=seed,
                    params={"label": CLASSES[class_index] if class_index is not None else ALL_CLASSES, "n": n, **params},
                    device=self.device, seconds=t.seconds)
        return ImageOutput(to_pil(images), [CLASSES[i] for i in labels.tolist()], meta.to_dict())


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation: stays at the norm Gaussian latents have, where a straight
    line would pass through unlikely, low-norm points in the middle."""
    cos = (a * b).sum() / (a.norm() * b.norm())
    omega = torch.arccos(cos.clamp(-1, 1))
    if omega.abs() < 1e-4:
        return (1 - t) * a + t * b
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


@torch.no_grad()
def interpolate(pipe: "ImagePipeline", label, seed_a, seed_b, steps=None, **params) -> ImageOutput:
    """`steps` images walking from seed_a's latent to seed_b's, for one class."""
    if not hasattr(pipe, "latents"):
        raise InputError(f"{pipe.name} has no latent space to walk through; interpolation works with the GAN and the VAE.")
    class_index = parse_label(label)
    if class_index is None:
        raise InputError("Interpolation needs one class: pick a class rather than 'all classes'.")
    seed_a, seed_b, steps = resolve_seed(seed_a), resolve_seed(seed_b), INTERPOLATION_STEPS.check(steps)
    params = pipe.check_params(params)
    with Timer() as t:
        za = pipe.latents(1, torch.Generator().manual_seed(seed_a), **params)
        zb = pipe.latents(1, torch.Generator().manual_seed(seed_b), **params)
        z = torch.cat([slerp(za, zb, float(f)) for f in torch.linspace(0, 1, steps)])
        images = pipe.decode(z, torch.full((steps,), class_index))
    meta = Meta(model=pipe.name, family=pipe.family, checkpoint_sha256=pipe.checkpoint_sha256, seed=seed_a,
                params={"label": CLASSES[class_index], "seed_a": seed_a, "seed_b": seed_b, "steps": steps, **params},
                device=pipe.device, seconds=t.seconds)
    return ImageOutput(to_pil(images), [CLASSES[class_index]] * steps, meta.to_dict())


class DCGANPipeline(ImagePipeline):
    family, controls = DCGAN.name, DCGAN.controls

    @staticmethod
    def build(model_config: dict):
        from ..models.dcgan import DCGAN, DCGANConfig

        return DCGAN(DCGANConfig(**model_config))

    @classmethod
    def from_checkpoint(cls, folder: str | Path, *, device: str = "cpu") -> "DCGANPipeline":
        folder, config, weights, sha = cls._read(folder)
        gan = cls.build(config["model"])
        # only the generator is shipped; the discriminator (or critic) is needed for training alone
        gan.generator.load_state_dict({k.removeprefix("generator."): v for k, v in weights.items()})
        return cls(gan, name=folder.name, checkpoint_sha256=sha, device=device)

    def latents(self, n: int, generator: torch.Generator, truncation: float = 0.0) -> torch.Tensor:
        return self.model.sample_latent(n, generator, truncation or None)

    def decode(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.model.generator(z.to(self.device), labels.to(self.device)).cpu()

    def sample(self, labels, generator, **params):
        truncation = self.check_params(params)["truncation"]
        return self.model.sample(labels.to(self.device), generator, truncation or None).cpu()


class WGANGPPipeline(DCGANPipeline):
    """The WGAN-GP (models/wgan_gp.py): the DCGAN's generator trained against a critic, so
    sampling, latents and interpolation are the DCGAN pipeline's."""

    family, controls = WGAN_GP.name, WGAN_GP.controls

    @staticmethod
    def build(model_config: dict):
        from ..models.wgan_gp import WGANGP, WGANGPConfig

        return WGANGP(WGANGPConfig(**model_config))


class VAEPipeline(ImagePipeline):
    family, controls = VAE.name, VAE.controls

    @classmethod
    def from_checkpoint(cls, folder: str | Path, *, device: str = "cpu") -> "VAEPipeline":
        from ..models.vae import ConditionalVAE, VAEConfig

        folder, config, weights, sha = cls._read(folder)
        vae = ConditionalVAE(VAEConfig(**config["model"]))
        vae.load_state_dict(weights)
        return cls(vae, name=folder.name, checkpoint_sha256=sha, device=device)

    def latents(self, n: int, generator: torch.Generator, temperature: float = 1.0) -> torch.Tensor:
        return self.model.sample_latent(n, generator, temperature)

    def decode(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.model.sample(labels.to(self.device), z=z.to(self.device)).cpu()

    @torch.no_grad()
    def reconstruct(self, image: Image.Image, label) -> ImageOutput:
        """Encode a picture (any size; turned grayscale and resized to 28x28) as the given
        class and decode it back: what the VAE keeps of it."""
        if not isinstance(image, Image.Image):
            raise InputError("Upload a picture (PNG or JPEG) to reconstruct.")
        class_index = parse_label(label)
        if class_index is None:
            raise InputError("Reconstruction needs one class: pick the class of the uploaded picture.")
        with Timer() as t:
            small = image.convert("L").resize((28, 28), Image.BILINEAR)
            x = from_uint8(np.asarray(small)[None])
            y = torch.tensor([class_index])
            recon = self.model.reconstruct(x.to(self.device), y.to(self.device)).cpu()
        meta = Meta(model=self.name, family=self.family, checkpoint_sha256=self.checkpoint_sha256, seed=0,
                    params={"label": CLASSES[class_index], "task": "reconstruction"}, device=self.device, seconds=t.seconds)
        return ImageOutput([small, *to_pil(recon)], ["input (28x28)", "reconstruction"], meta.to_dict())

    def sample(self, labels, generator, **params):
        return self.model.sample(labels.to(self.device), generator, self.check_params(params)["temperature"]).cpu()


class DiffusionPipeline(ImagePipeline):
    family, controls = DIFFUSION.name, DIFFUSION.controls

    @classmethod
    def from_checkpoint(cls, folder: str | Path, *, device: str = "cpu") -> "DiffusionPipeline":
        from ..models.diffusion import ConditionalDiffusion, DiffusionConfig

        folder, config, weights, sha = cls._read(folder)
        model = ConditionalDiffusion(DiffusionConfig.from_dict(config["model"]))
        model.load_state_dict(weights)
        return cls(model, name=folder.name, checkpoint_sha256=sha, device=device)

    def sample(self, labels, generator, **params):
        return self.model.sample(labels.to(self.device), generator, **self.check_params(params)).cpu()


def picture_to_tensor(image) -> tuple[torch.Tensor, bool]:
    """A picture as the models see Fashion-MNIST: grayscale 28x28, a light object on a dark
    ground in [-1, 1]. A dark object on a light ground (a photo on white paper; its border is
    mostly light) is inverted; returns the tensor (1, 1, 28, 28) and whether it was."""
    if isinstance(image, np.ndarray):
        if image.dtype != np.uint8 or image.ndim not in (2, 3):
            raise InputError("An image array must be uint8, (H, W) or (H, W, channels).")
        image = Image.fromarray(image)
    if not isinstance(image, Image.Image):
        raise InputError("image must be a picture (PNG or JPEG).")
    small = np.asarray(image.convert("L").resize((28, 28), Image.BILINEAR))
    border = np.concatenate([small[0], small[-1], small[:, 0], small[:, -1]])
    inverted = bool(border.mean() > 127)
    return from_uint8((255 - small if inverted else small)[None]), inverted


class CycleGANPipeline:
    """Unpaired translation between two classes (models/cyclegan.py): a picture of one in,
    the other out, and the round trip back.

        pipe = CycleGANPipeline.from_checkpoint("checkpoints/image/cyclegan")
        out = pipe.translate(picture, "a_to_b")   # out.images: input, translated, back
    """

    family, controls = CYCLEGAN.name, CYCLEGAN.controls

    def __init__(self, model, *, name: str, checkpoint_sha256: str, device: str = "cpu"):
        self.model = model.to(device).eval()
        self.name, self.checkpoint_sha256, self.device = name, checkpoint_sha256, device
        c = model.config
        self.domains = {"a": CLASSES[c.domain_a], "b": CLASSES[c.domain_b]}
        self.class_index = {"a": c.domain_a, "b": c.domain_b}

    @classmethod
    def from_checkpoint(cls, folder: str | Path, *, device: str = "cpu") -> "CycleGANPipeline":
        from ..models.cyclegan import CycleGAN, CycleGANConfig

        folder, config, weights, sha = read_checkpoint(folder, cls.family)
        gan = CycleGAN(CycleGANConfig(**config["model"]))
        # only the two generators are shipped; the discriminators are needed for training alone
        for part in ("g_ab", "g_ba"):
            getattr(gan, part).load_state_dict({k.removeprefix(part + "."): v for k, v in weights.items()
                                                if k.startswith(part + ".")})
        return cls(gan, name=folder.name, checkpoint_sha256=sha, device=device)

    def directions(self) -> dict[str, str]:
        """{direction: "Sneaker → Ankle boot", ...} for the UI and the API's help."""
        return direction_labels(self.class_index["a"], self.class_index["b"])

    def check_direction(self, direction) -> str:
        """a_to_b, b_to_a or auto (also the label, e.g. "Sneaker → Ankle boot"), checked."""
        given = direction.strip() if isinstance(direction, str) else direction
        by_label = {label.lower(): d for d, label in self.directions().items()}
        if isinstance(given, str) and given.lower() in by_label:
            return by_label[given.lower()]
        return check_inputs(self.name, self.controls, {DIRECTION.name: given})[DIRECTION.name]

    @torch.no_grad()
    def translate_tensor(self, x: torch.Tensor, direction: str) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, 1, 28, 28) in [-1, 1] -> (translated, back). Tensors in, tensors out: the metrics'."""
        fake, back = self.model.translate(x.to(self.device), direction)
        return fake.cpu(), back.cpu()

    def translate(self, x: torch.Tensor, direction: str, *, note: dict | None = None) -> ImageOutput:
        """One picture, already as a tensor (picture_to_tensor), one way and back: the input,
        the translation and the round trip as 28x28 PIL images, with metadata."""
        with Timer() as t:
            fake, back = self.translate_tensor(x, direction)
        src, dst = ("a", "b") if direction == "a_to_b" else ("b", "a")
        meta = Meta(model=self.name, family=self.family, checkpoint_sha256=self.checkpoint_sha256, seed=0,
                    params={"direction": direction, "from": self.domains[src], "to": self.domains[dst], **(note or {})},
                    device=self.device, seconds=t.seconds)
        labels = [f"input ({self.domains[src]})", f"translated ({self.domains[dst]})", f"back ({self.domains[src]})"]
        return ImageOutput(to_pil(torch.cat([x, fake, back])), labels, meta.to_dict())
