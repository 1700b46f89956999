""""Is it copying?": fresh samples beside what is nearest to them in the training data, and
the same distance for held-out real data as the yardstick."""

from __future__ import annotations

from ..controls import Control
from ..registry import ModelUnavailable

SAMPLES = Control("n", 6, 1, 16, 1, "Samples")
NEIGHBOURS = Control("k", 3, 1, 5, 1, "Nearest training images per sample")
TEXT_SAMPLES = Control("n", 4, 1, 16, 1, "Samples")
TEXT_MAX_NEW_TOKENS = Control("max_new_tokens", 64, 1, 512, 1, "Max new tokens")


def nearest_training_images(output, evaluator, k=None) -> dict:
    """Each image of an ImageOutput with its k nearest training images in the classifier's
    features, and the distance real test images typically have to theirs."""
    import numpy as np
    from PIL import Image

    from ..images import from_uint8

    k = NEIGHBOURS.check(k)
    if evaluator.train_images is None:
        raise ModelUnavailable("The reference training images are missing beside the classifier.")
    x = from_uint8(np.stack([np.asarray(im) for im in output.images]))
    dist, idx = evaluator.nearest_training(x, k)
    rows = []
    for i, im in enumerate(output.images):
        neighbours = [Image.fromarray(evaluator.train_images[j]) for j in idx[i].tolist()]
        rows.append({"sample": im, "neighbours": neighbours, "distances": [round(float(d), 3) for d in dist[i]]})
    return {"output": output, "rows": rows, "typical_distance": evaluator.typical_nearest_distance(),
            "pool": f"{len(evaluator.train_images):,} training images (a fixed random subset of the 60,000)"}


def nearest_training_texts(texts: list[str], overlap: dict, seed: int) -> dict:
    """Each text with the longest run of words (Chinese: characters) it shares with one
    training record, beside the median such run of held-out real records (`overlap`:
    live.Evaluators.text_overlap())."""
    rows = []
    for text in texts:
        o = overlap["index"].longest(text)
        rows.append({"sample": text, "longest_overlap": o["length"], "shared": o["span"], "training_record": o["record"]})
    return {"rows": rows, "seed": seed, "typical_length": overlap["typical_length"],
            "pool": f"{overlap['train_records']:,} training records; yardstick: {overlap['held_out_records']} "
                    "held-out records"}
