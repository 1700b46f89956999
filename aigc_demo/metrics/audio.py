"""Audio metrics in the features of our spoken-digit classifier (models/digit_classifier.py),
computed by the same torchmetrics code as the image metrics (metrics/image.py):

- FD-digits: Fréchet distance of the classifier's penultimate features (128-d) between
  generated clips and held-out real clips (voices never heard in training); the audio
  analogue of FID, named for what it is.
- KID-digits and IS-digits: kernel distance and inception score in the same classifier.
- digit accuracy: how often the classifier hears the digit the clip was generated for.

Each comes with its real-data reference at the same sample count: real training clips
against the same held-out clips, and the classifier's accuracy on the held-out clips.
Clips are one second of 16 kHz audio in [-1, 1]; they are turned into the shared log-mel
(aigc_demo/audio.py) before the classifier reads them.
"""

from __future__ import annotations

from pathlib import Path

import torch

from .. import checkpoint as ckpt
from ..models.cnn_classifier import ClassifierConfig, CNNClassifier
from .features import REFERENCE_FILE, FeatureEvaluator

DEFINITIONS = {
    "fd_digits": "Fréchet distance of spoken-digit-classifier penultimate features (128-d) of log-mel spectrograms, "
                 "generated clips vs held-out real clips (torchmetrics FrechetInceptionDistance, custom feature "
                 "module). Lower is better. Not an InceptionV3 or VGGish figure.",
    "kid_digits": "Kernel inception distance in the same features (gamma scaled to the real features' RMS).",
    "is_digits": "Inception score from the digit classifier's softmax (10 splits). Higher is better; at most 10.",
    "digit_accuracy": "Fraction of clips the digit classifier hears as the digit they were generated for.",
}


# The bars of issue #5, per vocoder a generator's spectrograms go through (1,000 clips); through
# Griffin-Lim also issue #17's FD-digits bar for a voice (1.5 x real; its other two bars need the
# speech instruments: speech.generator_targets).
TARGETS = {
    "griffin-lim": [("digit_accuracy", ">=", 0.90), ("fd_digits", "ratio<=", 3.0), ("fd_digits", "ratio<=", 1.5)],
    "wavenet": [("digit_accuracy", ">=", 0.85), ("fd_digits", "ratio<=", 3.0)],
    # issue #17: a vocoder that beats Griffin-Lim in copy synthesis is held to Griffin-Lim's bars
    "istft_wavenet": [("digit_accuracy", ">=", 0.90), ("fd_digits", "ratio<=", 3.0)],
}


def check_targets(vocoder: str, scores: dict) -> list[dict]:
    """The bars for clips made through this vocoder family, measured value and verdict."""
    from .features import check_targets as check

    return [{**t, "vocoder": vocoder} for t in check(vocoder, scores, TARGETS)]


# Clips per batch while measuring a generator: the seeded draw follows it (the same n, seed
# and batch give the same clips), and a progress bar ticks once per batch (a WaveNet vocoder
# takes about 20 s for 100 clips on 2 CPU cores).
BATCH = 100


def iter_clips(pipe, vocoder, n: int, seed: int):
    """(digits, clips) batch by batch: n digit-balanced clips from an audio generator
    through `vocoder` (None: Griffin-Lim), from one seeded torch.Generator."""
    from .features import iter_samples

    return iter_samples(lambda labels, g: pipe.sample(labels, g, vocoder=vocoder), n, seed, batch_size=BATCH)


class DigitEvaluator(FeatureEvaluator):
    NAMES = {"fid": "fd_digits", "kid": "kid_digits", "is": "is_digits", "accuracy": "digit_accuracy"}
    REAL_KEY, TRAIN_KEY = "held_out_features", "train_features"

    def __init__(self, classifier: CNNClassifier, reference: dict[str, torch.Tensor] | None = None):
        from ..audio import LogMel

        super().__init__(classifier, reference)
        self.to_mel = LogMel()

    @classmethod
    def load(cls, folder: str | Path) -> "DigitEvaluator":
        folder = Path(folder)
        if not ckpt.weight_files(folder):
            raise FileNotFoundError(f"The digit classifier is missing at {folder}; train it with "
                                    "`python -m aigc_demo.train audio --model classifier`.")
        model = CNNClassifier(ClassifierConfig(**ckpt.read_json(folder / ckpt.CONFIG_FILE)["model"]))
        model.load_state_dict(ckpt.load_model_weights(folder))
        ref_path = folder / REFERENCE_FILE
        reference = ({k: (v.float() if v.is_floating_point() else v) for k, v in ckpt.load_weights(ref_path).items()}
                     if ref_path.is_file() else {})
        return cls(model, reference)

    @torch.no_grad()
    def prepare(self, samples: torch.Tensor) -> torch.Tensor:
        """Waveforms (B, 16000) -> log-mel (B, 1, 64, 64); log-mels (B, bands, 64) pass through,
        those of another band count than the classifier's 64 converted (audio.rebanded)."""
        from ..audio import N_MELS, rebanded

        if samples.dim() == 2:
            samples = torch.cat([self.to_mel(samples[i:i + 256]) for i in range(0, len(samples), 256)])
        if samples.dim() == 4:
            samples = samples[:, 0]
        return rebanded(samples, N_MELS)[:, None]

    @torch.no_grad()
    def real_accuracy(self) -> float | None:
        """The classifier's accuracy on the held-out real clips (computed from their features)."""
        if "held_out_labels" not in self.reference:
            return None
        pred = self.classifier.head(self.reference[self.REAL_KEY]).argmax(-1)
        return float((pred == self.reference["held_out_labels"]).float().mean())
