"""The synthetic captions' own figures, before any model: the real-caption reference (one
phrasing of each test picture's caption scored against its other phrasings) beside two
negative controls (the label alone; another picture's caption), in both languages, and how
often each attribute word occurs. The thresholds are fitted on the training split.

    python scripts/caption_reference.py
"""

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aigc_demo.data import captions as cap  # noqa: E402
from aigc_demo.data import fashion_mnist  # noqa: E402
from aigc_demo.metrics import captions as mc  # noqa: E402


def main() -> None:
    images, labels = fashion_mnist.load("train")
    thresholds = cap.fit_thresholds(images, labels)
    train = cap.caption_split(images, labels, thresholds)
    test_images, test_labels = fashion_mnist.load("test")
    test = cap.caption_split(test_images, test_labels, thresholds)
    held = [cap.held_out(c.label, c.words) for c in test]
    print(f"training pictures a model may use: {cap.trainable(train).sum():,} of {len(train):,}; "
          f"test pictures holding a held-out combination: {sum(held):,} of {len(test):,}")
    print(f"attribute words per caption (training split): {dict(sorted(Counter(len(c.words) for c in train).items()))}")
    print("\n| language | captions | CIDEr-D | BLEU-4 | class named | attributes exact |\n|---|---|---|---|---|---|")
    for language in ("en", "zh"):
        rows = {"real (one phrasing vs the others)": mc.real_caption_reference(test, language),
                **{f"control: {k.replace('_', ' ')}": v for k, v in mc.controls(test, language).items()}}
        for name, f in rows.items():
            print(f"| {language} | {name} | {f['cider_d']:.3f} | {f['bleu_4']:.1f} | {f['class_accuracy']:.3f} | "
                  f"{f['attributes_exact']:.3f} |")


if __name__ == "__main__":
    main()
