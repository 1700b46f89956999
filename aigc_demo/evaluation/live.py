"""Measure a model now, in the app: fresh samples scored through the same record builders as
the evaluate command (records.py), so the same n and seed give the shipped figures.

Each `measure_*` is a generator: it yields {"done", "total"} while drawing (so a UI can show
progress and stop), then {"done", "total", "result"} with the record.
"""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

from ..controls import Control, InputError, resolve_seed
from ..families.audio import GRIFFIN_LIM
from ..paths import evaluator_dir
from ..registry import ModelUnavailable

# How many samples a live measurement may draw (the shipped figures use the upper ends).
MEASURE_N = {
    "image": Control("n", 1000, 10, 10000, 10, "Samples", "a multiple of 10: every class gets the same number"),
    "audio": Control("n", 100, 10, 1000, 10, "Clips", "a multiple of 10: every digit gets the same number"),
    "text": Control("n", 100, 10, 1000, 10, "Texts"),
}
TYPICAL_OVERLAP_RECORDS = 50  # held-out records whose overlap with training sets the text copy yardstick


def check_n(modality: str, n) -> int:
    control = MEASURE_N[modality]
    n = control.check(n)
    if modality in ("image", "audio") and n % 10:
        what = "class" if modality == "image" else "digit"
        raise InputError(f"n must be a multiple of 10 (every {what} gets the same number of samples), not {n}.")
    return n


def check_reference(evaluator, n: int, what: str) -> None:
    """Refuse, before anything is drawn, an n the shipped real reference cannot match."""
    if n > (size := evaluator.reference_size()):
        raise InputError(f"n can be at most {size} here: the shipped real reference holds {size} {what} to compare with.")


class Evaluators:
    """The metric instruments of one checkpoints tree, each loaded once per process on first
    use: the image and audio classifiers (with their reference features) and the text copy
    check's n-gram index of the training split."""

    def __init__(self, checkpoints: str | Path):
        self.checkpoints = Path(checkpoints)
        self._loaded: dict = {}
        self._lock = threading.Lock()

    def _get(self, key: str, load):
        if key not in self._loaded:
            with self._lock:
                if key not in self._loaded:
                    self._loaded[key] = load()
        return self._loaded[key]

    def _classifier(self, modality: str, cls):
        def load():
            try:
                return cls.load(evaluator_dir(modality, self.checkpoints))
            except (OSError, ValueError, KeyError) as e:
                raise ModelUnavailable(f"The {modality} metrics are unavailable: {e}") from e

        return self._get(modality, load)

    def image(self):
        """The Fashion-MNIST classifier behind the image metrics."""
        from ..metrics.image import FMNISTEvaluator

        return self._classifier("image", FMNISTEvaluator)

    def audio(self):
        """The spoken-digit classifier behind the audio metrics."""
        from ..metrics.audio import DigitEvaluator

        return self._classifier("audio", DigitEvaluator)

    def text_overlap(self) -> dict:
        """The training split as an n-gram overlap index, and the median longest overlap of
        held-out real records with it (what copying would have to exceed)."""
        return self._get("text-overlap", _text_overlap_index)


def _text_overlap_index() -> dict:
    import random
    import statistics

    from ..data import fortunes
    from ..metrics.text import LANGUAGE_TOKENIZER, OverlapIndex

    try:
        split = fortunes.splits()
    except fortunes.CorpusNotFound as e:
        raise ModelUnavailable(f"The text copy check needs the training corpus: {e}") from None
    index = OverlapIndex({lang: [r.text for r in split["train"] if r.language == lang] for lang in LANGUAGE_TOKENIZER})
    held_out = random.Random(0).sample(split["valid"], min(TYPICAL_OVERLAP_RECORDS, len(split["valid"])))
    typical = statistics.median(index.longest(r.text)["length"] for r in held_out)
    return {"index": index, "typical_length": typical, "train_records": len(split["train"]),
            "held_out_records": len(held_out)}


def _command(model: str, n: int, seed: int) -> str:
    return f"python -m aigc_demo.evaluate --model {model} --n {n} --seed {seed}"


def measure_image(pipe, entry, evaluator, n=None, seed=0):
    """n fresh class-balanced samples scored in the classifier's features beside real data
    (a text-to-image model's drawn from the first n test pictures' captions, as metrics.json's)."""
    import torch

    from ..data import fashion_mnist
    from ..metrics.features import iter_samples
    from .records import image_record, iter_caption_draw

    n, seed = check_n("image", n), resolve_seed(seed)
    check_reference(evaluator, n, "pictures")
    if hasattr(pipe, "from_text"):
        try:
            draws = iter_caption_draw(pipe, n, seed)
            first = next(draws)
        except fashion_mnist.DatasetNotFound as e:
            raise ModelUnavailable(f"Measuring a text-to-image model needs the test pictures' captions: {e}") from None
        draws = itertools.chain([first], draws)
    else:
        draws = iter_samples(pipe.sample, n, seed)
    labels, images = [], []
    for batch_labels, batch_images in draws:
        labels.append(batch_labels)
        images.append(batch_images)
        yield {"done": sum(len(b) for b in labels), "total": n}
    scores = evaluator.score(torch.cat(images), torch.cat(labels), seed=seed)
    yield {"done": n, "total": n, "result": image_record(pipe, entry.family, scores, command=_command(entry.name, n, seed))}


def measure_audio(pipe, entry, evaluator, vocoder_name: str, vocoder, n=None, seed=0):
    """n fresh digit-balanced clips through one vocoder (None: Griffin-Lim), scored beside
    held-out real clips; the record has the evaluate command's shape, this vocoder first."""
    import torch

    from ..metrics import audio as am
    from .records import audio_generator_record

    n, seed = check_n("audio", n), resolve_seed(seed)
    check_reference(evaluator, n, "clips")
    labels, clips = [], []
    for batch_labels, batch_clips in am.iter_clips(pipe, vocoder, n, seed):
        labels.append(batch_labels)
        clips.append(batch_clips)
        yield {"done": sum(len(b) for b in labels), "total": n}
    scores = evaluator.score(torch.cat(clips), torch.cat(labels), seed=seed)
    family = getattr(vocoder, "family", None) or GRIFFIN_LIM
    record = audio_generator_record(pipe, {vocoder_name: scores}, {vocoder_name: family},
                                    command=_command(entry.name, n, seed))
    yield {"done": n, "total": n, "result": record}


def measure_text(pipe, entry, n=None, seed=0):
    """Test perplexity, and test-BLEU, Self-BLEU and distinct-n of n fresh texts beside
    held-out real text (the fortunes corpus must be installed); the texts come in one go."""
    from ..data import fortunes
    from .records import text_record

    n, seed = check_n("text", n), resolve_seed(seed)
    yield {"done": 0, "total": n}
    try:
        record = text_record(pipe, entry, n=n, seed=seed, sweep=False)  # the sweep: evaluate's CLI
    except fortunes.CorpusNotFound as e:
        raise ModelUnavailable(f"Measuring a text model needs the corpus: {e}") from None
    yield {"done": n, "total": n, "result": record}


def shipped_record(entry, vocoder: str | None = None) -> dict:
    """A model's shipped metrics.json seen as a live measurement of it would be: for an audio
    generator through another vocoder than Griffin-Lim, that vocoder's figures."""
    metrics = entry.metrics
    if vocoder in (None, GRIFFIN_LIM):
        return metrics
    return {"n": metrics.get("n"), "generated": metrics.get("vocoders", {}).get(vocoder, {})}
