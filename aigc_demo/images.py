"""Tensor <-> picture conversions shared by pipelines, training previews and metrics."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """(B, 1, H, W) floats in [-1, 1] -> (B, H, W) uint8."""
    x = images.detach().float().cpu().clamp(-1, 1).add(1).mul(127.5).round()
    return x.squeeze(1).to(torch.uint8).numpy()


def from_uint8(arrays: np.ndarray) -> torch.Tensor:
    """(B, H, W) uint8 -> (B, 1, H, W) float32 in [-1, 1], the models' convention."""
    return torch.from_numpy(np.array(arrays, dtype=np.uint8)).float().div(127.5).sub(1).unsqueeze(1)


def to_pil(images: torch.Tensor, scale: int = 1) -> list[Image.Image]:
    """Grayscale PIL images, optionally enlarged with nearest-neighbour (keeps pixels crisp)."""
    out = []
    for a in to_uint8(images):
        im = Image.fromarray(a, mode="L")
        if scale > 1:
            im = im.resize((a.shape[1] * scale, a.shape[0] * scale), Image.NEAREST)
        out.append(im)
    return out


def grid(images: torch.Tensor, nrow: int, pad: int = 2, scale: int = 1) -> Image.Image:
    """Tile (B, 1, H, W) images into one picture, `nrow` images per row."""
    a = to_uint8(images)
    b, h, w = a.shape
    rows = (b + nrow - 1) // nrow
    canvas = np.full((rows * (h + pad) + pad, nrow * (w + pad) + pad), 255, dtype=np.uint8)
    for i, im in enumerate(a):
        r, c = divmod(i, nrow)
        canvas[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = im
    out = Image.fromarray(canvas, mode="L")
    if scale > 1:
        out = out.resize((out.width * scale, out.height * scale), Image.NEAREST)
    return out
