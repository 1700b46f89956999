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

from PIL import Image

from .pipelines.base import InputError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp"}
MAX_IMAGES = 10_000
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # uncompressed, over all images of one request
MAX_RATIO = 100  # a ZIP member expanding more than this is treated as a bomb
MAX_PIXELS = 4096 * 4096


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


def _from_zip(path: Path, budget: list[int], out: list) -> None:
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
            if name.suffix.lower() not in IMAGE_SUFFIXES:
                raise InputError(f"{path.name} contains {info.filename!r}, which is not an image "
                                 f"({', '.join(sorted(IMAGE_SUFFIXES))}).")
            if info.file_size > MAX_IMAGE_BYTES:
                raise InputError(f"{info.filename} in {path.name} is over {MAX_IMAGE_BYTES // 2**20} MB.")
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                raise InputError(f"{path.name} looks like a ZIP bomb ({info.filename} expands "
                                 f"{info.file_size // max(info.compress_size, 1)}x); it was refused.")
            budget[0] -= info.file_size
            if budget[0] < 0 or len(out) >= MAX_IMAGES:
                raise InputError(f"Too much data: at most {MAX_IMAGES:,} images and {MAX_TOTAL_BYTES // 2**20} MB in all.")
            with zf.open(info) as f:
                data = f.read(MAX_IMAGE_BYTES + 1)  # the header's sizes can lie; the read cannot
            if len(data) > MAX_IMAGE_BYTES:
                raise InputError(f"{info.filename} in {path.name} is over {MAX_IMAGE_BYTES // 2**20} MB.")
            out.append((f"{path.name}/{info.filename}", _open_image(data, info.filename)))


def read_images(paths: list[str | Path]) -> list[tuple[str, Image.Image]]:
    """(name, image) for every picture in the uploaded files (images or ZIPs of images)."""
    if not paths:
        raise InputError("Upload some images first: PNG/JPEG files or a ZIP of them.")
    out: list[tuple[str, Image.Image]] = []
    budget = [MAX_TOTAL_BYTES]
    for p in paths:
        path = Path(p)
        suffix = path.suffix.lower()
        if suffix == ".zip":
            _from_zip(path, budget, out)
        elif suffix in IMAGE_SUFFIXES:
            size = path.stat().st_size
            if size > MAX_IMAGE_BYTES:
                raise InputError(f"{path.name} is over {MAX_IMAGE_BYTES // 2**20} MB.")
            budget[0] -= size
            if budget[0] < 0 or len(out) >= MAX_IMAGES:
                raise InputError(f"Too much data: at most {MAX_IMAGES:,} images and {MAX_TOTAL_BYTES // 2**20} MB in all.")
            out.append((path.name, _open_image(path.read_bytes(), path.name)))
        else:
            raise InputError(f"{path.name}: upload PNG/JPEG images or a ZIP of them, not {suffix or 'this file'}.")
    if not out:
        raise InputError("No images found in the upload.")
    return out


def to_fashion_mnist(images: list[Image.Image]):
    """Tensor (N, 1, 28, 28) in [-1, 1], plus notices of what was converted (colour to
    grayscale, other sizes resized), so nobody is surprised by a silent change."""
    import numpy as np

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
