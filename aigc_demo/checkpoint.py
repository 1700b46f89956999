"""The checkpoint format: the one definition of what a model folder holds.

    checkpoints/<modality>/<name>/
        config.json         what rebuilds the model and how it was trained:
                            {"modality", "family", "model": {...constructor args...},
                             "data": "...", "training": {"hardware", "seconds", ...}}
                            (a transformers model keeps its own config.json; our keys ride
                            along in it as extra attributes)
        model*.safetensors  the weights; never pickles
        train_log.csv       step, epoch, wall seconds, losses, eval figures
        metrics.json        evaluation figures: {"headline": {...}, "metrics": {...}, ...}
        README.md           model card
        preview.png|.wav|.txt|.abc   what a person looks at first (PREVIEW_*_FILE)

Every write goes to a temporary file first and is renamed into place, so an interrupted
process never leaves a half-written file behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

MODALITIES = ("text", "image", "audio", "music")
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"
TRAIN_LOG_FILE = "train_log.csv"
VOCAB_FILE = "vocab.json"  # the token list of a model with its own vocabulary (poet, captioner, text-to-image)
TOKENIZER_FILE = "tokenizer.json"  # a trained Hugging Face tokenizer (the GPTs)
# what the app offers to try a model on, kept beside it: held-out test pictures (captioner,
# CycleGAN) and held-out first lines (the poet)
EXAMPLE_PICTURES_FILE, EXAMPLE_LINES_FILE = "examples.npz", "examples.json"
CARD_FILE = "README.md"
# the preview the training writes: a grid of pictures or spectrograms, a clip, lines of text
# (samples, captions, next lines, folk tunes), or a chorale in ABC
PREVIEW_PICTURE_FILE, PREVIEW_SOUND_FILE, PREVIEW_TEXT_FILE, PREVIEW_ABC_FILE = (
    "preview.png", "preview.wav", "preview.txt", "preview.abc")


class CheckpointError(Exception):
    """A checkpoint folder that cannot be used; the message says what is wrong with it."""


# --- atomic writes ----------------------------------------------------------------------


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file normal permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def read_json(path: str | Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# --- weights ----------------------------------------------------------------------------


def save_weights(path: str | Path, state_dict: dict, metadata: dict[str, str] | None = None) -> None:
    """Write a state dict as safetensors, atomically (tensors made contiguous, on CPU)."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in state_dict.items()}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata=metadata)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_weights(path: str | Path, device: str = "cpu") -> dict:
    """Read a safetensors file into a state dict; a damaged file raises CheckpointError."""
    from safetensors.torch import load_file

    try:
        return load_file(str(path), device=device)
    except Exception as e:  # safetensors raises its own SafetensorError for bad headers
        raise CheckpointError(f"cannot read weights {Path(path).name}: {e}") from e


# Hugging Face Spaces needs Git LFS for files over 10 MB: weights beyond this are sharded.
MAX_SHARD_BYTES = 9 * 1024 * 1024


def save_model_weights(folder: str | Path, state_dict: dict) -> list[Path]:
    """The model's weights into `folder`: model.safetensors, or, when larger than
    MAX_SHARD_BYTES, shards model-00001-of-0000N.safetensors (transformers' naming), each
    under the limit. Old weight files in the folder are removed first."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shards: list[dict] = [{}]
    size = 0
    for key, tensor in state_dict.items():
        nbytes = tensor.numel() * tensor.element_size()
        if shards[-1] and size + nbytes > MAX_SHARD_BYTES:
            shards.append({})
            size = 0
        shards[-1][key] = tensor
        size += nbytes
    for old in weight_files(folder):
        old.unlink()
    n = len(shards)
    names = ["model.safetensors"] if n == 1 else [f"model-{i + 1:05d}-of-{n:05d}.safetensors" for i in range(n)]
    for name, shard in zip(names, shards):
        save_weights(folder / name, shard)
    return [folder / name for name in names]


def load_model_weights(folder: str | Path, device: str = "cpu") -> dict:
    """The model's state dict from model.safetensors or its shards."""
    files = weight_files(folder)
    if not files:
        raise CheckpointError(f"no model*.safetensors weights in {folder}")
    state: dict = {}
    for f in files:
        state.update(load_weights(f, device=device))
    return state


def weight_files(folder: str | Path) -> list[Path]:
    """The model's weights: model.safetensors, or transformers' model-0000i-of-0000n shards.
    Other safetensors files in a folder (e.g. reference features) are data, not weights."""
    return sorted(Path(folder).glob("model*.safetensors"))


def weights_sha256(folder: str | Path) -> str:
    """Hash of every weight file in the folder: names which exact weights made an output."""
    h = hashlib.sha256()
    for f in weight_files(folder):
        h.update(f.name.encode())
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def count_parameters(folder: str | Path) -> int:
    """Parameter count read from the safetensors headers, without loading the weights.

    Also a cheap integrity check: a truncated or garbled file fails here, at discovery.
    """
    from safetensors import safe_open

    total = 0
    for f in weight_files(folder):
        try:
            with safe_open(str(f), framework="numpy") as st:
                for key in st.keys():
                    n = 1
                    for d in st.get_slice(key).get_shape():
                        n *= d
                    total += n
        except Exception as e:
            raise CheckpointError(f"cannot read weights {f.name}: {e}") from e
    return total
