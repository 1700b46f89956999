"""Choose a text-to-image model's default sampling setting on validation draws only: the seen
requests, the validation combinations its training held out (captions.VALIDATION_HELD_OUT;
never the test's held-out ones), other seeds than the record's, attribute percentiles and FID
against the *training* split, so the test figures in metrics.json play no part.

    python scripts/guidance_selection.py checkpoints/image/text_to_image --guidances 1.5 2 3 4
    python scripts/guidance_selection.py checkpoints/image/text_to_image --guidances 2 2+0.5 2+1 1.5+0.5

A setting is a classifier-free guidance weight w, or w+c: w on the prompt and c on the class
named alone (composable guidance, models/text_to_image.py).

The rule, fixed before looking (3 December 2026; widened 7 December 2026 before any model
held validation combinations out): among the settings whose validation figures meet the
prompt-following bars of metrics/prompts.py (seen requests: class accuracy >= 0.90; the
validation combinations, standing in for the test's held-out ones: class accuracy >= 0.80;
attribute error of each <= the real training pictures' + 0.10), the one with the lowest
validation FID-FMNIST (training pictures' own captions as prompts, records.caption_prompts,
as metrics.json's image figures draw from the test pictures'); if none meets them all, the
one meeting most, then the lowest FID. A model that held no validation combination out (its
config says so) is judged on the seen bars only: it trained on every other combination.
Prints one table row per setting and the choice.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from aigc_demo.data import captions as cap  # noqa: E402
from aigc_demo.evaluation.records import caption_prompts, real_request_pictures, scored_rows  # noqa: E402
from aigc_demo.data import fashion_mnist  # noqa: E402
from aigc_demo.images import from_uint8, to_uint8  # noqa: E402
from aigc_demo.metrics import prompts as pm  # noqa: E402
from aigc_demo.metrics.image import FMNISTEvaluator  # noqa: E402
from aigc_demo.paths import evaluator_dir, tree_of  # noqa: E402
from aigc_demo.registry import load_pipeline, read_entry  # noqa: E402

FIRST_SEED = 1000  # the record draws from seed 0
REAL_PER_REQUEST = 40


def setting(text: str) -> tuple[float, float]:
    """"2" -> (2.0, 0.0); "1.5+0.5" -> (1.5, 0.5): prompt and class guidance."""
    try:
        w, _, c = text.partition("+")
        w, c = float(w), float(c or 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a setting is w or w+c (numbers), not {text!r}") from None
    if not (0 <= w <= 10 and 0 <= c <= 10):  # the controls' range (families/image.py)
        raise argparse.ArgumentTypeError(f"guidance weights lie in [0, 10], not {text!r}")
    return w, c


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("folder", help="a text_to_image checkpoint folder")
    p.add_argument("--guidances", type=setting, nargs="+", default=[(1.5, 0.0), (2.0, 0.0), (3.0, 0.0), (4.0, 0.0)],
                   help="settings w (prompt guidance) or w+c (and class guidance c)")
    p.add_argument("--per-request", type=int, default=4, help="pictures per seen request at each setting")
    p.add_argument("--per-validation-request", type=int, default=40,
                   help="pictures per validation-combination request (the record draws 40 per unseen one)")
    p.add_argument("--fid-n", type=int, default=1000, help="pictures of training captions for the FID")
    p.add_argument("--corpus-dir")
    args = p.parse_args()
    folder = Path(args.folder)
    pipe = load_pipeline(read_entry(folder, "image"))
    evaluator = FMNISTEvaluator.load(evaluator_dir("image", tree_of(folder)))
    steps = pipe.check_params({})["steps"]

    images, labels = fashion_mnist.load("train", args.corpus_dir)
    percentiles = pm.Percentiles(images, labels)
    validation = pipe.validation_held_out
    unseen = cap.HELD_OUT + validation
    seen = [r for r in pm.requests() if not pm.is_held_out(r[0], r[2], unseen)]
    held = [r for r in pm.requests() if pm.is_held_out(r[0], r[2], validation)]
    truth = cap.caption_split(images, labels, pipe.thresholds)

    def score(pictures, predicted, requests_of) -> dict:
        return pm.summarise(scored_rows(pictures, predicted, requests_of, percentiles, pipe.thresholds))

    # the ceiling: real training pictures whose caption holds each request
    real, real_requests = real_request_pictures(truth, seen + held, REAL_PER_REQUEST)
    real_scores = score(images[real], evaluator.predict(from_uint8(images[real])).argmax(-1).numpy(), real_requests)
    parts = ("seen", "held_out") if held else ("seen",)
    print(f"{len(seen)} seen requests x {args.per_request} pictures" + (
        f", {len(held)} validation combinations ({', '.join(f'{fashion_mnist.CLASSES[c]} + {w}' for c, w in validation)})"
        f" x {args.per_validation_request}" if held else ", no validation combinations (the model trained on them)")
        + f"; FID on {args.fid_n} training captions against the training split; steps {steps}; real training "
        f"pictures: attribute error {real_scores['attribute_error']:.3f} "
        f"(bar {real_scores['attribute_error'] + pm.ATTRIBUTE_MARGIN:.3f})")

    counts = [(r, args.per_request) for r in seen] + [(r, args.per_validation_request) for r in held]
    requests_of = [r for r, k in counts for _ in range(k)]
    prompts = [pipe.read_prompt(pm.prompt_text(*r, "en"))[0] for r in requests_of]
    is_held = np.array([r in held for r in requests_of])
    # the FID draw: the captions of fid_n training pictures the model may have trained on
    trainable = np.flatnonzero(cap.trainable(truth, unseen))
    fid_idx = np.random.default_rng(FIRST_SEED).choice(trainable, args.fid_n, replace=False)
    fid_prompts = caption_prompts(pipe, [truth[i] for i in fid_idx], FIRST_SEED)
    fid_labels = torch.as_tensor(labels[fid_idx]).long()
    train_features = evaluator._reference_subset_all("train_features")
    rows = []
    columns = ["guidance", "class guidance", "class accuracy (seen)", "attribute error (seen)"]
    if held:
        columns += ["class accuracy (validation combinations)", "attribute error (validation combinations)"]
    columns += ["FID-FMNIST (valid)", "class accuracy (FID draw)", "bars met", "seconds"]
    print("| " + " | ".join(columns) + " |\n" + "|---" * len(columns) + "|")
    for k, (guidance, class_guidance) in enumerate(args.guidances):
        start = time.perf_counter()
        controls = {"steps": steps, "guidance": guidance, "class_guidance": class_guidance}
        g = torch.Generator().manual_seed(FIRST_SEED + k)
        drawn = torch.cat([pipe.draw(prompts[i:i + 256], g, **controls) for i in range(0, len(prompts), 256)])
        pictures, predicted = to_uint8(drawn), evaluator.predict(drawn).argmax(-1).numpy()
        scores = {"seen": score(pictures[~is_held], predicted[~is_held], [r for r, h in zip(requests_of, is_held) if not h])}
        if held:
            scores["held_out"] = score(pictures[is_held], predicted[is_held], [r for r in requests_of if r in held])
        g = torch.Generator().manual_seed(FIRST_SEED + 100 + k)
        fid_drawn = torch.cat([pipe.draw(fid_prompts[i:i + 256], g, **controls) for i in range(0, args.fid_n, 256)])
        fid = evaluator._distances(evaluator.features(fid_drawn), train_features)["fid_fmnist"]
        fid_accuracy = float((evaluator.predict(fid_drawn).argmax(-1) == fid_labels).float().mean())
        bars = [t for t in pm.check_targets({**scores, "held_out": scores.get("held_out", scores["seen"])}, real_scores,
                                            "validation") if t["metric"].split()[0] in parts]
        met = sum(t["met"] for t in bars)
        rows.append(((guidance, class_guidance), met, fid))
        figures = " | ".join(f"{scores[part]['class_accuracy']:.3f} | {scores[part]['attribute_error']:.3f}"
                             for part in parts)
        print(f"| {guidance:g} | {class_guidance:g} | {figures} | {fid:.1f} | {fid_accuracy:.3f} | {met} of {len(bars)} | "
              f"{time.perf_counter() - start:.0f} |", flush=True)
    most = max(r[1] for r in rows)
    best = min((r for r in rows if r[1] == most), key=lambda r: r[2])
    print(f"chosen: guidance {best[0][0]:g}, class guidance {best[0][1]:g} (the lowest validation FID among the "
          f"settings meeting {most} of the {len(bars)} bars" + (", all of them)" if most == len(bars) else ")"))


if __name__ == "__main__":
    main()
