"""Fashion-MNIST (Xiao et al. 2017, MIT licence): 70k 28x28 grayscale images, 10 classes.

Looked for, in order:
  1. the folder named by $FASHION_MNIST_DIR,
  2. Debian's package `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist/),
  3. the official download, into the project cache (paths.cache_dir()/fashion-mnist; only
     with a network).
Every file is checked against the SHA-256 of its decompressed contents (Debian recompresses
the .gz files, so checksums of the .gz would differ). A folder may carry its own
SHA256SUMS file instead (the tiny test fixture does).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import urllib.request
from pathlib import Path

import numpy as np

from ..paths import cache_dir

CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
ENV_VAR = "FASHION_MNIST_DIR"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
CACHE_FOLDER = "fashion-mnist"  # under paths.cache_dir()
URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

FILES = {
    ("train", "images"): "train-images-idx3-ubyte.gz",
    ("train", "labels"): "train-labels-idx1-ubyte.gz",
    ("test", "images"): "t10k-images-idx3-ubyte.gz",
    ("test", "labels"): "t10k-labels-idx1-ubyte.gz",
}
# SHA-256 of the decompressed idx files of the official release.
SHA256 = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}


class DatasetNotFound(FileNotFoundError):
    pass


def _has_all(folder: Path) -> bool:
    return all((folder / f).is_file() for f in FILES.values())


def _expected_sums(folder: Path) -> dict[str, str]:
    sums_file = folder / "SHA256SUMS"
    if not sums_file.is_file():
        return SHA256
    sums = {}
    for line in sums_file.read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            sums[name.lstrip("*")] = digest
    return sums


def _download(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in FILES.values():
        target = folder / name
        if target.is_file():
            continue
        tmp = target.with_suffix(".part")
        urllib.request.urlretrieve(URL + name, tmp)  # noqa: S310 (fixed https-less official host)
        tmp.replace(target)


def find_dir(download: bool = True) -> Path:
    """The folder holding the four .gz files; a clear error naming all three options if none."""
    env = os.environ.get(ENV_VAR)
    if env:
        if _has_all(Path(env)):
            return Path(env)
        raise DatasetNotFound(f"${ENV_VAR}={env} does not hold the four Fashion-MNIST .gz files {sorted(FILES.values())}.")
    cached = cache_dir() / CACHE_FOLDER
    for folder in (DEBIAN_DIR, cached):
        if _has_all(folder):
            return folder
    if download:
        try:
            _download(cached)
            return cached
        except OSError as e:
            reason = f"the download failed ({e})"
    else:
        reason = "downloading was not allowed"
    raise DatasetNotFound(
        "Fashion-MNIST not found. Either install the Debian package "
        "(`sudo apt-get install dataset-fashion-mnist`), or set "
        f"${ENV_VAR} to a folder holding the four .gz files, or connect to the network "
        f"so it can be downloaded into {cached} ({reason})."
    )


def _read_idx(path: Path, expected_sha256: str | None) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if expected_sha256 is not None and hashlib.sha256(raw).hexdigest() != expected_sha256:
        raise ValueError(f"{path} is corrupt: its SHA-256 does not match the expected checksum.")
    # idx format: two zero bytes, a dtype code (0x08 = uint8), the number of dims, then
    # one big-endian uint32 per dim, then the data.
    if raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError(f"{path} is not an idx file of uint8.")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load(split: str = "train", folder: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) uint8 and labels (N,) int64 of one split ("train" or "test")."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    folder = Path(folder) if folder is not None else find_dir()
    sums = _expected_sums(folder)
    images = _read_idx(folder / FILES[(split, "images")], sums.get(FILES[(split, "images")]))
    labels = _read_idx(folder / FILES[(split, "labels")], sums.get(FILES[(split, "labels")]))
    if len(images) != len(labels):
        raise ValueError(f"{folder}: {len(images)} images but {len(labels)} labels in the {split} split.")
    return images, labels.astype(np.int64)


def as_tensors(split: str = "train", folder: str | Path | None = None):
    """(x, y): x float32 (N, 1, 28, 28) in [-1, 1] (what every image model here trains on)."""
    import torch

    images, labels = load(split, folder)
    x = torch.from_numpy(images.copy()).float().div_(127.5).sub_(1.0).unsqueeze(1)
    return x, torch.from_numpy(labels)
