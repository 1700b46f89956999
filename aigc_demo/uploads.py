"""Reading what people upload, defensively.

Uploads are read in memory and never extracted to disk: a ZIP member's name is only ever a
label, so path traversal inside an archive has nowhere to go. Limits on count, declared and
actual sizes, compression ratio and pixel count stop ZIP bombs and decompression bombs
before they cost memory. Every refusal raises InputError with a message for the uploader.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image

from .controls import InputError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp"}
MAX_IMAGES = 10_000
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # uncompressed, over all images of one request
MAX_RATIO = 100  # a ZIP member expanding more than this is treated as a bomb
MAX_PIXELS = 4096 * 4096
AUDIO_SUFFIXES = {".wav", ".flac", ".ogg"}
MAX_CLIPS = 2_000
MAX_CLIP_BYTES = 5 * 1024 * 1024
MAX_CLIP_SECONDS = 10


def _open_image(data: bytes, name: str) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.width * im.height > MAX_PIXELS:
                raise InputError(f"{name} is {im.width}x{im.height} pixels; at most {MAX_PIXELS:,} pixels per image.")
            im.load()
            return im.copy()
    except InputError:
        raise
    except Exception as e:  # PIL raises many kinds of errors for broken files
        raise InputError(f"{name} is not a readable image ({type(e).__name__}).") from None


class _Kind:
    """What one upload path accepts: file suffixes, how to open one file's bytes, limits."""

    def __init__(self, noun: str, suffixes: set[str], open_fn, max_items: int, max_bytes: int, hint: str):
        self.noun, self.suffixes, self.open, self.max_items, self.max_bytes, self.hint = \
            noun, suffixes, open_fn, max_items, max_bytes, hint

    def too_much(self) -> InputError:
        return InputError(f"Too much data: at most {self.max_items:,} {self.noun}s and "
                          f"{MAX_TOTAL_BYTES // 2**20} MB in all.")


def _from_zip(path: Path, kind: _Kind, budget: list[int], out: list) -> None:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputError(f"{path.name} is not a valid ZIP file.") from None
    with zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            name = PurePosixPath(info.filename)
            if name.is_absolute() or ".." in name.parts:
                raise InputError(f"{path.name} contains an unsafe path ({info.filename!r}); it was refused.")
            if name.name.startswith(".") or "__MACOSX" in name.parts:
                continue  # hidden files and macOS metadata
            if name.suffix.lower() not in kind.suffixes:
                article = "an" if kind.noun[0] in "aeiou" else "a"
                raise InputError(f"{path.name} contains {info.filename!r}, which is not {article} {kind.noun} "
                                 f"({', '.join(sorted(kind.suffixes))}).")
            if info.file_size > kind.max_bytes:
                raise InputError(f"{info.filename} in {path.name} is over {kind.max_bytes // 2**20} MB.")
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                raise InputError(f"{path.name} looks like a ZIP bomb ({info.filename} expands "
                                 f"{info.file_size // max(info.compress_size, 1)}x); it was refused.")
            budget[0] -= info.file_size
            if budget[0] < 0 or len(out) >= kind.max_items:
                raise kind.too_much()
            with zf.open(info) as f:
                data = f.read(kind.max_bytes + 1)  # the header's sizes can lie; the read cannot
            if len(data) > kind.max_bytes:
                raise InputError(f"{info.filename} in {path.name} is over {kind.max_bytes // 2**20} MB.")
            out.append((f"{path.name}/{info.filename}", kind.open(data, info.filename)))


def _read(paths: list[str | Path], kind: _Kind) -> list[tuple[str, object]]:
    """(name, opened file) for every file of `kind` in the uploads (files or ZIPs of them)."""
    if not paths:
        raise InputError(f"Upload some {kind.noun}s first: {kind.hint}, or a ZIP of them.")
    out: list = []
    budget = [MAX_TOTAL_BYTES]
    for p in paths:
        path = Path(p)
        suffix = path.suffix.lower()
        if suffix == ".zip":
            _from_zip(path, kind, budget, out)
        elif suffix in kind.suffixes:
            size = path.stat().st_size
            if size > kind.max_bytes:
                raise InputError(f"{path.name} is over {kind.max_bytes // 2**20} MB.")
            budget[0] -= size
            if budget[0] < 0 or len(out) >= kind.max_items:
                raise kind.too_much()
            out.append((path.name, kind.open(path.read_bytes(), path.name)))
        else:
            raise InputError(f"{path.name}: upload {kind.hint} or a ZIP of them, not {suffix or 'this file'}.")
    if not out:
        raise InputError(f"No {kind.noun}s found in the upload.")
    return out


IMAGES = _Kind("image", IMAGE_SUFFIXES, _open_image, MAX_IMAGES, MAX_IMAGE_BYTES, "PNG/JPEG images")


def read_images(paths: list[str | Path]) -> list[tuple[str, Image.Image]]:
    """(name, image) for every picture in the uploaded files (images or ZIPs of images)."""
    return _read(paths, IMAGES)


def _open_wav(data: bytes, name: str) -> tuple[np.ndarray, int]:
    """(mono float32 samples, sample rate) of a WAV/FLAC/OGG file's bytes."""
    import soundfile as sf

    try:
        with sf.SoundFile(io.BytesIO(data)) as f:
            if f.frames > MAX_CLIP_SECONDS * f.samplerate:
                raise InputError(f"{name} lasts {f.frames / f.samplerate:.1f} s; at most {MAX_CLIP_SECONDS} s per clip.")
            audio = f.read(dtype="float32", always_2d=True)
            rate = f.samplerate
    except InputError:
        raise
    except Exception as e:  # libsndfile raises for anything it cannot parse
        raise InputError(f"{name} is not a readable audio file ({type(e).__name__}).") from None
    if not np.isfinite(audio).all():
        raise InputError(f"{name} holds samples that are not finite numbers.")
    return audio.mean(axis=1), rate


CLIPS = _Kind("clip", AUDIO_SUFFIXES, _open_wav, MAX_CLIPS, MAX_CLIP_BYTES, "WAV/FLAC/OGG audio files")


def read_clips(paths: list[str | Path]) -> list[tuple[str, tuple[np.ndarray, int]]]:
    """(name, (mono samples, sample rate)) for every audio file in the uploads (or ZIPs)."""
    return _read(paths, CLIPS)


def _open_text(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{name} is not UTF-8 text.") from None


TEXTS = _Kind("text file", {".txt"}, _open_text, 100, 1024 * 1024, "UTF-8 .txt files")


def read_texts(paths: list[str | Path]) -> list[tuple[str, str]]:
    """(name, content) of every .txt file in the uploads (or ZIPs of them)."""
    return _read(paths, TEXTS)


def to_fashion_mnist(images: list[Image.Image]):
    """Tensor (N, 1, 28, 28) in [-1, 1], plus notices of what was converted (colour to
    grayscale, other sizes resized), so nobody is surprised by a silent change."""
    from .images import from_uint8

    notices = []
    not_gray = sum(im.mode not in ("L", "I;16", "I") for im in images)
    resized = sum(im.size != (28, 28) for im in images)
    if not_gray:
        notices.append(f"{not_gray} image(s) converted to grayscale.")
    if resized:
        notices.append(f"{resized} image(s) resized to 28x28 (Fashion-MNIST's size).")
    arr = np.stack([np.asarray(im.convert("L").resize((28, 28), Image.BILINEAR) if im.size != (28, 28)
                               else im.convert("L")) for im in images])
    return from_uint8(arr), notices
