"""Standard FID: InceptionV3 features, the weights every published FID uses (torch-fidelity's
port of the TensorFlow 2015-12-05 graph), through torchmetrics.

It is reported as its own metric, `fid_inceptionv3`, beside FID-FMNIST and never in its
place. It needs the weights file, which this project cannot ship (far above its 10 MB per-file
limit) nor download offline: it is looked for at the path given with `--inception-weights`, then in torch hub's
cache (where a networked run downloads it). Where neither works the record says
"unavailable" and why. Settings follow the standard: no antialiasing in the resize to
299×299 (as TensorFlow did), statistics in float64, and at least 10,000 samples.
"""

from __future__ import annotations

import hashlib
import urllib.request
from pathlib import Path

import torch

WEIGHTS_URL = "https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/weights-inception-2015-12-05-6726825d.pth"
WEIGHTS_FILE = "weights-inception-2015-12-05-6726825d.pth"
# torch hub's convention: the file name carries the first hex digits of its SHA-256
WEIGHTS_SHA256_PREFIX = "6726825d"
MIN_SAMPLES = 10000

DEFINITION = ("Standard FID: Fréchet distance of InceptionV3 pool features (2048-d; torch-fidelity's TF-ported "
              "weights) of generated vs real test images, grayscale repeated to RGB, resized to 299 without "
              "antialiasing, statistics in float64 (torchmetrics FrechetInceptionDistance). Comparable in kind "
              "with published FIDs, but Fashion-MNIST FIDs are not CIFAR or ImageNet FIDs.")


class Unavailable(RuntimeError):
    """The InceptionV3 weights cannot be had (no file, no network, or the wrong file)."""


def find_weights(path: str | Path | None = None) -> Path:
    """The checked weights file: `path`, else torch hub's cache, else downloaded into it."""
    if path is not None:
        weights = Path(path)
        if not weights.is_file():
            raise Unavailable(f"no InceptionV3 weights file at {weights}")
    else:
        weights = Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS_FILE
        if not weights.is_file():
            try:  # a quick probe, so an offline machine answers at once instead of hanging
                urllib.request.urlopen(urllib.request.Request(WEIGHTS_URL, method="HEAD"), timeout=10).close()
                weights.parent.mkdir(parents=True, exist_ok=True)
                torch.hub.download_url_to_file(WEIGHTS_URL, str(weights), hash_prefix=WEIGHTS_SHA256_PREFIX,
                                               progress=False)
            except Exception as e:  # noqa: BLE001 - any failure means: not available here
                raise Unavailable("the InceptionV3 weights are not in torch hub's cache and cannot be downloaded "
                                  f"({type(e).__name__}: {e}); pass the file {WEIGHTS_FILE} with --inception-weights") from e
    check_weights(weights)
    return weights


def check_weights(path: Path) -> None:
    """Only the official file is accepted: its SHA-256 must match, and it must hold nothing but
    tensors (torch-fidelity unpickles it without weights_only, so we check it first)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if not digest.startswith(WEIGHTS_SHA256_PREFIX):
        raise Unavailable(f"{path} is not the InceptionV3 weights file {WEIGHTS_FILE} (its SHA-256 is {digest[:16]}…)")
    try:
        torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001
        raise Unavailable(f"{path} does not load as a plain state dict ({e})") from e


def _rgb_uint8(images: torch.Tensor) -> torch.Tensor:
    """(N, 1, H, W) in [-1, 1] or uint8 (N, H, W) -> (N, 3, H, W) uint8, what the metric reads."""
    if images.dtype != torch.uint8:
        images = ((images.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    if images.dim() == 3:
        images = images[:, None]
    return images.expand(-1, 3, -1, -1)


def _statistics(weights: Path):
    from torchmetrics.image.fid import FrechetInceptionDistance

    return FrechetInceptionDistance(feature=2048, normalize=False, antialias=False, reset_real_features=True,
                                    feature_extractor_weights_path=str(weights), sync_on_compute=False)


@torch.no_grad()
def fid(fake: torch.Tensor, real: torch.Tensor, weights: Path, batch_size: int = 100) -> float:
    metric = _statistics(weights)
    for x, is_real in ((real, True), (fake, False)):
        for i in range(0, len(x), batch_size):
            metric.update(_rgb_uint8(x[i:i + batch_size]), real=is_real)
    return float(metric.compute())


def record(images: torch.Tensor, *, seed: int, weights_path: str | Path | None = None,
           data_dir: str | Path | None = None, min_samples: int | None = None) -> dict:
    """metrics.json's `fid_inceptionv3` entry for n generated `images` (class-balanced, in
    [-1, 1]): the value and its real-data reference (n real train vs n real test images), or
    why it is unavailable."""
    from ..data import fashion_mnist

    n = len(images)
    need = MIN_SAMPLES if min_samples is None else min_samples
    if n < need:
        return {"available": False, "reason": f"standard FID needs at least {need:,} samples; this run drew {n:,}"}
    try:
        weights = find_weights(weights_path)
        test, _ = fashion_mnist.load("test", data_dir)
        train, _ = fashion_mnist.load("train", data_dir)
    except (Unavailable, OSError, ValueError) as e:
        return {"available": False, "reason": str(e)}
    if n > len(test):
        return {"available": False, "reason": f"at most {len(test):,} samples can be compared with the test set, not {n:,}"}
    g = torch.Generator().manual_seed(seed)
    real = torch.from_numpy(test[torch.randperm(len(test), generator=g)[:n].numpy()].copy())
    real_train = torch.from_numpy(train[torch.randperm(len(train), generator=g)[:n].numpy()].copy())
    return {"available": True, "n": n, "seed": seed, "value": fid(images, real, weights),
            "real_reference": fid(real_train, real, weights), "weights": WEIGHTS_FILE, "definition": DEFINITION}
