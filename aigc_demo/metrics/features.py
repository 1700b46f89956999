"""Metrics in the features of one of our classifiers, beside real data: the machinery the
image metrics (metrics/image.py) and the audio metrics (metrics/audio.py) share, computed by
torchmetrics (FID, KID, IS with a custom feature module), and the seeded class-balanced draw
of samples they are computed on."""

from __future__ import annotations

import warnings

import torch
import torch.nn as nn
from torchmetrics.image.fid import FrechetInceptionDistance
from torchmetrics.image.inception import InceptionScore
from torchmetrics.image.kid import KernelInceptionDistance

from ..models.cnn_classifier import CNNClassifier

REFERENCE_FILE = "reference_features.safetensors"  # beside each classifier: its real data's features

# KID and IS keep every feature vector; at 10k x 128 floats that is a few MB, not a worry.
warnings.filterwarnings("ignore", message=r"Metric `(Kernel Inception Distance|InceptionScore)` will save all extracted features")


def check_targets(family: str, scores: dict, targets: dict) -> list[dict]:
    """Each bar of the family in `targets` ({family: [(metric, ">=" or "ratio<=", bound)]})
    with the measured value and whether it is met."""
    out = []
    for metric, kind, bound in targets.get(family, []):
        value = scores["generated"][metric]
        if kind == ">=":
            out.append({"metric": metric, "target": f">= {bound}", "value": value, "met": value >= bound})
        elif kind == "<=":
            out.append({"metric": metric, "target": f"<= {bound}", "value": value, "met": value <= bound})
        else:
            ref = scores["real_reference"][metric]
            out.append({"metric": metric, "target": f"<= {bound} x real data ({bound * ref:.4g})", "value": value,
                        "ratio_to_real": value / ref, "met": value <= bound * ref})
    return out


class _Features(nn.Module):
    """The `feature` module torchmetrics calls. Images (B, 1, 28, 28) in [-1, 1] go through
    the classifier; 2-D input (B, d) is taken as already-computed features, which is how
    the shipped real-data reference enters the metric without the dataset."""

    def __init__(self, classifier: CNNClassifier):
        super().__init__()
        self.classifier = classifier
        self.num_features = classifier.config.feature_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x if x.dim() == 2 else self.classifier.features(x)


class _Logits(nn.Module):
    """What InceptionScore needs: class logits, from images or from features."""

    def __init__(self, classifier: CNNClassifier):
        super().__init__()
        self.classifier = classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = x if x.dim() == 2 else self.classifier.features(x)
        return self.classifier.head(feats)


class FeatureEvaluator:
    """Metrics in the features of one of our classifiers, beside real data: the machinery the
    image metrics (FMNISTEvaluator) and the audio metrics (metrics/audio.py) share.

    Subclasses name their metrics (NAMES: "fid", "kid", "is", "accuracy" -> metric name),
    the reference features they compare with (REAL_KEY, the held-out real data; TRAIN_KEY,
    real training data for the real-data row), and how raw samples become classifier input
    (`prepare`)."""

    NAMES = {"fid": "fid_fmnist", "kid": "kid_fmnist", "is": "is_fmnist", "accuracy": "class_accuracy"}
    REAL_KEY, TRAIN_KEY = "test_features", "train_features"

    def __init__(self, classifier: CNNClassifier, reference: dict[str, torch.Tensor] | None = None):
        self.classifier = classifier.eval()  # torchmetrics does not switch custom modules to eval
        self.reference = reference or {}

    def prepare(self, samples: torch.Tensor) -> torch.Tensor:
        """Raw samples -> classifier input (B, 1, side, side)."""
        return samples

    @torch.no_grad()
    def features(self, samples: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
        x = self.prepare(samples)
        return torch.cat([self.classifier.features(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])

    @torch.no_grad()
    def predict(self, samples: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
        """Class probabilities (N, n_classes) of raw samples."""
        x = self.prepare(samples)
        return torch.cat([self.classifier(x[i:i + batch_size]).softmax(-1) for i in range(0, len(x), batch_size)])

    @torch.no_grad()
    def _distances(self, fake: torch.Tensor, real_features: torch.Tensor) -> dict[str, float]:
        """FID, KID and IS of `fake` (classifier input or features) against real features."""
        n = min(len(fake), len(real_features))
        # FID keeps its sums in float64 already; set_dtype would also cast our module.
        # sync_on_compute=False: scoring runs in one process, also inside a multi-GPU run
        fid = FrechetInceptionDistance(feature=_Features(self.classifier), reset_real_features=True, sync_on_compute=False)
        # KID's polynomial kernel (gamma x.y + 1)^3 assumes features of order one; ours are
        # ReLU activations of arbitrary scale, so gamma is 1 / (d * mean square of the real
        # features) instead of 1 / d: the same as rescaling the features to unit RMS.
        d = real_features.shape[1]
        gamma = 1.0 / (d * real_features.float().pow(2).mean().item())
        kid = KernelInceptionDistance(feature=_Features(self.classifier), subset_size=min(1000, n), subsets=50, gamma=gamma,
                                      sync_on_compute=False)
        inception = InceptionScore(feature=_Logits(self.classifier), splits=10, sync_on_compute=False)
        for i in range(0, len(real_features), 1000):
            fid.update(real_features[i:i + 1000], real=True)
            kid.update(real_features[i:i + 1000], real=True)
        for i in range(0, len(fake), 1000):
            batch = fake[i:i + 1000]
            fid.update(batch, real=False)
            kid.update(batch, real=False)
            inception.update(batch)
        kid_mean, kid_std = kid.compute()
        is_mean, is_std = inception.compute()
        names = self.NAMES
        return {
            names["fid"]: float(fid.compute()),
            names["kid"]: float(kid_mean), f"{names['kid']}_std": float(kid_std),
            names["is"]: float(is_mean), f"{names['is']}_std": float(is_std),
        }

    def reference_size(self) -> int:
        """How many real samples score() can compare with: the most n it takes."""
        return len(self._reference_subset_all(self.REAL_KEY))

    def _reference_subset(self, key: str, n: int, generator: torch.Generator) -> torch.Tensor:
        feats = self._reference_subset_all(key)
        if n > len(feats):
            raise ValueError(f"at most {len(feats)} samples can be compared with the shipped reference, not {n}")
        return feats[torch.randperm(len(feats), generator=generator)[:n]]

    def _reference_subset_all(self, key: str) -> torch.Tensor:
        if key not in self.reference:
            raise FileNotFoundError(f"the reference features ({REFERENCE_FILE}) are missing beside the classifier")
        return self.reference[key]

    @torch.no_grad()
    def score(self, samples: torch.Tensor, labels: torch.Tensor | None = None, *, seed: int = 0) -> dict:
        """All metrics of generated `samples`, asked for as classes `labels`, with the
        real-data reference row at the same N."""
        n = len(samples)
        x = self.prepare(samples)
        torch.manual_seed(seed)  # KID draws its subsets from the global RNG
        real = self._reference_subset(self.REAL_KEY, n, torch.Generator().manual_seed(seed))
        result = self._distances(x, real)
        if labels is not None:
            pred = torch.cat([self.classifier(x[i:i + 500]).argmax(-1) for i in range(0, len(x), 500)])
            result[self.NAMES["accuracy"]] = float((pred == labels.to(pred.device)).float().mean())
        return {"n": n, "seed": seed, "generated": result, "real_reference": self.reference_scores(n, seed=seed)}

    @torch.no_grad()
    def reference_scores(self, n: int, *, seed: int = 0) -> dict:
        """The same metrics for n real training samples against n held-out real samples:
        what a perfect generator would score at this sample count."""
        torch.manual_seed(seed)
        g = torch.Generator().manual_seed(seed)
        real = self._reference_subset(self.REAL_KEY, n, g)  # the same draw score() makes
        real_train = self._reference_subset(self.TRAIN_KEY, n, g)
        reference = self._distances(real_train, real)
        accuracy = self.real_accuracy()
        if accuracy is not None:
            reference[self.NAMES["accuracy"]] = accuracy  # the classifier on real data: the ceiling
        return reference

    def real_accuracy(self) -> float | None:
        return None


def balanced_labels(n: int, n_classes: int = 10) -> torch.Tensor:
    """0, 1, ..., 9, 0, 1, ...: n // 10 samples of every class (n a multiple of 10)."""
    return torch.arange(n) % n_classes


@torch.no_grad()
def iter_samples(sample_fn, n: int, seed: int = 0, batch_size: int = 500):
    """Draw n class-balanced samples with sample_fn(labels, generator) -> (B, 1, 28, 28) in
    [-1, 1], yielding (labels, images) batch by batch (so a caller can show progress or
    stop). One torch.Generator seeded once makes the whole draw reproducible."""
    labels = balanced_labels(n)
    g = torch.Generator().manual_seed(seed)
    for i in range(0, n, batch_size):
        yield labels[i:i + batch_size], sample_fn(labels[i:i + batch_size], g).float().cpu()


def draw(sample_fn, n: int, seed: int = 0, batch_size: int = 500) -> tuple[torch.Tensor, torch.Tensor]:
    """All of iter_samples at once: (images, labels)."""
    batches = list(iter_samples(sample_fn, n, seed, batch_size))
    return torch.cat([b[1] for b in batches]), torch.cat([b[0] for b in batches])
