"""The one rule every corpus here is split by: a hash of an item's text with a salt of the
corpus's own, so an item's split never depends on what else is in the corpus."""

import hashlib

SPLITS = ("train", "valid", "test")


def hash_split(text: str, salt: str, valid_percent: int = 5, test_percent: int = 5) -> str:
    h = int.from_bytes(hashlib.sha256((salt + text).encode("utf-8")).digest()[:4], "big") % 100
    if h < test_percent:
        return "test"
    if h < test_percent + valid_percent:
        return "valid"
    return "train"
