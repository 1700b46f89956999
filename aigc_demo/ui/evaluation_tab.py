"""The Evaluation tab: shipped metrics beside the real-data reference; image and audio models
measured now; your own images or clips scored; "is it copying?"; a BLEU calculator."""

import gradio as gr
import pandas as pd

from .. import plots
from ..evaluation.copies import SAMPLES, TEXT_SAMPLES
from ..evaluation.live import MEASURE_N
from ..families.audio import GRIFFIN_LIM
from ..families.image import LABEL
from .common import bind, widget


def build(studio) -> None:
    table = plots.metrics_table(studio.entries)
    gr.Markdown("### Shipped metrics")
    if table.empty:
        gr.Markdown("**No model has been measured yet.** Run `python -m aigc_demo.evaluate --all --write` "
                    "after training; its figures appear here.")
    else:
        gr.Markdown("Figures as shipped in each model's `metrics.json`, measured by the command shown; **real data** "
                    "is the same metric between real training and real test data at the same sample count.")
        gr.Dataframe(table, interactive=False, wrap=True, label="Shipped metrics")

    image_models = studio.models("image")
    _measure_sections(studio)

    if image_models or studio.models("image", usable_only=False):
        _upload_section(studio, "### Score your own images\nPNG/JPEG files or a ZIP of them (at most 10,000 images). They are "
                        "compared with Fashion-MNIST in the classifier's features; colour or other sizes are converted, "
                        "with a notice.", score_images, noun="image", file_types=[".png", ".jpg", ".jpeg", ".zip"],
                        against="Against Fashion-MNIST", verdict_headers=["file", "class", "confidence"],
                        api_name="score_images")
    if studio.models("audio", usable_only=False):
        _upload_section(studio, "### Score your own clips\nWAV/FLAC/OGG files or a ZIP of them (at most 2,000 clips, 10 s "
                        "each), one spoken digit per clip. Each is prepared as the corpus was (mono, 16 kHz, silence "
                        "trimmed, centred in one second); the digit classifier gives its verdict, and from 10 clips on "
                        "IS-, FD- and KID-digits against held-out real clips.", score_clips, noun="clip",
                        file_types=[".wav", ".flac", ".ogg", ".zip"], against="Against held-out real clips",
                        verdict_headers=["file", "digit", "confidence"], api_name="score_clips")
    if image_models:
        _copy_section(studio, image_models)
    if studio.models("text"):
        _text_copy_section(studio, studio.models("text"))

    _score_texts_section(studio)

    gr.Markdown("### BLEU calculator\nOne sentence per line; line *i* of the references is the reference of line *i* "
                "of the hypotheses. Computed by sacrebleu; the signature says exactly how.")

    with gr.Row():
        hyps = gr.Textbox(lines=6, label="Hypotheses (one per line)", max_length=100_000)
        refs = gr.Textbox(lines=6, label="References (one per line)", max_length=100_000)
    with gr.Row():
        tok = gr.Dropdown(studio.bleu_tokenizers(), value="auto", label="Tokenizer (auto: zh for Chinese, else 13a)")
        go = gr.Button("Compute BLEU", variant="primary")
    summary = gr.Markdown()
    with gr.Row():
        per_line = gr.Dataframe(label="Sentence BLEU", interactive=False, headers=["line", "sentence BLEU"])
        details = gr.JSON(label="All figures")
    go.click(bind(bleu, studio), [hyps, refs, tok], [summary, per_line, details], api_name="bleu", concurrency_limit=4)


def bleu(studio, hypotheses: str = "", references: str = "", tokenize: str = "auto"):
    """Corpus BLEU, sentence BLEUs and the sacrebleu signature of newline-separated hypotheses
    against newline-separated references (one per hypothesis). Identical texts score 100."""
    r = studio.bleu(hypotheses, references, tokenize)
    summary = (f"**BLEU {r['bleu']:.2f}** · n-gram precisions {' / '.join(f'{p:.1f}' for p in r['precisions'])} · "
               f"brevity penalty {r['brevity_penalty']:.3f} · `{r['signature']}`")
    rows = pd.DataFrame({"line": range(1, len(r["sentence_bleu"]) + 1),
                         "sentence BLEU": [round(s, 2) for s in r["sentence_bleu"]]})
    return summary, rows, r


def _result_table(record: dict, shipped: dict) -> pd.DataFrame:
    gen, ref = record["generated"], record["real_reference"]
    shipped_gen = shipped.get("generated", {})
    bars = {}
    for t in record.get("targets", []):
        bars.setdefault(t["metric"], []).append(f"{t['target']}: {'met' if t['met'] else 'not met'}")
    bars = {k: "; ".join(v) for k, v in bars.items()}
    rows = [{"metric": k, "now": _rounded(v), "real data (same n)": _rounded(ref.get(k)),
             "shipped": _rounded(shipped_gen.get(k)), "bar": bars.get(k, "")} for k, v in gen.items()]
    return pd.DataFrame(rows)


RESULT_HEADERS = ["metric", "now", "real data (same n)", "shipped", "bar"]


def _follow(steps, what: str, shipped):
    """Drive a studio.measure_* generator: a progress line per batch, then the summary and
    the table beside the shipped figures (shipped() -> that model's shipped record)."""
    for step in steps:
        if "result" not in step:
            yield f"{what}: {step['done']:,} / {step['total']:,}", None
    r, ref = step["result"], shipped()
    yield (f"**{r['n']:,} samples, seed {r['seed']}** · same as `{r['command']}` · shipped figures: "
           f"n={ref.get('n', '-')}"), _result_table(r, ref)


def measure_image(studio, model: str, n: int, seed: int):
    yield from _follow(studio.measure_image(model, n=n, seed=seed), "drawing samples",
                       lambda: studio.shipped_record("image", model))


def measure_audio(studio, model: str, n: int, seed: int, vocoder: str = GRIFFIN_LIM):
    yield from _follow(studio.measure_audio(model, n=n, seed=seed, vocoder=vocoder), "drawing clips",
                       lambda: studio.shipped_record("audio", model, vocoder))


def measure_text(studio, model: str, n: int, seed: int):
    yield from _follow(studio.measure_text(model, n=n, seed=seed), "drawing texts",
                       lambda: studio.shipped_record("text", model))


def _measure_section(studio, intro: str, models: list[str], handler, *, modality: str,
                     vocoders: list[str] | None = None) -> None:
    """Measure a model now: handler(studio, model, n, seed[, vocoder]) drives a studio.measure_*
    generator; the sample count's slider is the modality's declared control."""
    gr.Markdown(intro)
    with gr.Row():
        model = gr.Dropdown(models, value=models[0], label=f"{modality.capitalize()} model", allow_custom_value=True)
        extra = [gr.Radio(vocoders, value=vocoders[0], label="Vocoder")] if vocoders else []
        n = widget(MEASURE_N[modality])
        seed = gr.Number(value=0, precision=0, minimum=0, label="Seed")
    with gr.Row():
        go = gr.Button("Measure", variant="primary")
        stop = gr.Button("Stop")
    status = gr.Markdown()
    table = gr.Dataframe(label="Metrics", interactive=False, headers=RESULT_HEADERS)
    run = go.click(bind(handler, studio), [model, n, seed, *extra], [status, table], api_name=f"measure_{modality}",
                   concurrency_limit=1)
    stop.click(None, None, None, cancels=[run], api_visibility="private")


def _measure_sections(studio) -> None:
    """Measure now, per modality: fresh samples through the same code as the evaluate command."""
    if studio.models("image"):
        _measure_section(
            studio, "### Measure an image model now\nFresh class-balanced samples, scored in the Fashion-MNIST "
            "classifier's features beside real data at the same sample count. 10,000 samples reproduce the shipped "
            "figures (same seed) but take minutes on a CPU for the slower models; Stop ends a run.",
            studio.models("image"), measure_image, modality="image")
    if studio.audio_models():
        _measure_section(
            studio, "### Measure an audio model now\nFresh digit-balanced clips through the vocoder you pick, scored "
            "in the spoken-digit classifier's features beside held-out real clips at the same count. 1,000 clips "
            "reproduce the shipped figures (same seed); a neural vocoder takes about 20 s per 100 clips here.",
            studio.audio_models(), measure_audio, modality="audio", vocoders=studio.vocoders())
    if studio.models("text"):
        _measure_section(
            studio, "### Measure a text model now\nTest perplexity, and test-BLEU, Self-BLEU and distinct-n of fresh "
            "texts (plain sampling) against the fortunes test split, beside held-out real text (needs the corpus). "
            "1,000 texts reproduce the shipped figures (same seed) in a few minutes; the texts are drawn in one go.",
            studio.models("text"), measure_text, modality="text")


def _vs_real(metrics: dict | None, yours: str) -> pd.DataFrame | None:
    """Uploaded data's figures beside real data at the same count (None: too few to score)."""
    if not metrics:
        return None
    gen, ref = metrics["generated"], metrics["real_reference"]
    return pd.DataFrame([{"metric": k, yours: _rounded(v), "real data (same n)": _rounded(ref.get(k))}
                         for k, v in gen.items()])


def score_images(studio, files: list[str] | None = None, seed: int = 0):
    return _verdicts(studio.score_images(files or [], seed=seed), "image")


def score_clips(studio, files: list[str] | None = None, seed: int = 0):
    return _verdicts(studio.score_clips(files or [], seed=seed), "clip")


def _verdicts(r: dict, noun: str):
    lines = [f"**{r['n']} {noun}(s)** read."] + [f"- {n}" for n in r["notices"]]
    return "\n".join(lines), _vs_real(r["metrics"], f"your {noun}s"), pd.DataFrame(r["predictions"][:200])


def _upload_section(studio, intro: str, handler, *, noun: str, file_types: list[str], against: str,
                    verdict_headers: list[str], api_name: str) -> None:
    """Upload files, get the classifier's verdict on each and (from 10 on) the distances to
    real data: handler(studio, files, seed) -> (report, figures, verdicts)."""
    gr.Markdown(intro)
    with gr.Row():
        files = gr.File(file_count="multiple", file_types=file_types, label=f"{noun.capitalize()}s or ZIP")
        with gr.Column():
            seed = gr.Number(value=0, precision=0, minimum=0, label="Seed (the real-data subset drawn)")
            go = gr.Button(f"Score {noun}s", variant="primary")
    report = gr.Markdown()
    with gr.Row():
        metrics = gr.Dataframe(label=against, interactive=False, headers=["metric", f"your {noun}s", "real data (same n)"])
        preds = gr.Dataframe(label="Classifier verdicts (first 200)", interactive=False, headers=verdict_headers)
    go.click(bind(handler, studio), [files, seed], [report, metrics, preds], api_name=api_name, concurrency_limit=1)


def nearest_training_images(studio, model: str, label: str, n: int, seed: int):
    r = studio.nearest_training_images(model, label=label, n=n, seed=seed)
    pictures = [(plots.strip([row["sample"], *row["neighbours"]], scale=4),
                 "sample | nearest: " + ", ".join(f"{d:.2f}" for d in row["distances"])) for row in r["rows"]]
    closest = min(row["distances"][0] for row in r["rows"])
    verdict = (f"Closest sample-to-training distance **{closest:.2f}**; a real test image's nearest training "
               f"image is typically at **{r['typical_distance']:.2f}** (median). Searched: {r['pool']}. "
               f"Effective seed {r['output'].meta['seed']}.")
    return pictures, verdict


def _copy_section(studio, image_models: list[str]) -> None:
    gr.Markdown("### Is it copying?\nEach sample beside its nearest training images in the classifier's features. "
                "A sample much closer to a training image than real test images usually are would be a copy.")
    with gr.Row():
        model = gr.Dropdown(image_models, value=image_models[0], label="Image model", allow_custom_value=True)
        label = gr.Dropdown(list(LABEL.choices), value=LABEL.default, label=LABEL.label, allow_custom_value=True)
        n = widget(SAMPLES)
        seed = gr.Number(value=-1, precision=0, minimum=-1, label="Seed (-1: random)")
        go = gr.Button("Find nearest training images")
    verdict = gr.Markdown()
    gallery = gr.Gallery(label="Sample, then its 3 nearest training images", columns=2, height="auto", format="png",
                         object_fit="contain")
    go.click(bind(nearest_training_images, studio), [model, label, n, seed], [gallery, verdict],
             api_name="nearest_training_images", concurrency_limit=2)


def nearest_training_texts(studio, model: str, n: int, seed: int):
    r = studio.nearest_training_texts(model, n=n, seed=seed)
    rows = pd.DataFrame([{"sample": row["sample"], "longest shared run": row["longest_overlap"],
                          "shared words": row["shared"], "training record": row["training_record"] or ""}
                         for row in r["rows"]])
    longest = max(row["longest_overlap"] for row in r["rows"])
    verdict = (f"Longest shared run **{longest}** tokens; held-out real records share a median of "
               f"**{r['typical_length']:g}** with training. Searched: {r['pool']}. Effective seed {r['seed']}.")
    return rows, verdict


def _text_copy_section(studio, text_models: list[str]) -> None:
    gr.Markdown("### Is it copying? (text)\nFresh samples, each with the longest run of words (Chinese: characters) "
                "it shares with any one training record. Held-out real records share runs too (famous lines, "
                "boilerplate): a sample far above their median would be reciting its training data.")
    with gr.Row():
        model = gr.Dropdown(text_models, value=text_models[0], label="Text model", allow_custom_value=True)
        n = widget(TEXT_SAMPLES)
        seed = gr.Number(value=-1, precision=0, minimum=-1, label="Seed (-1: random)")
        go = gr.Button("Find shared runs in the training text")
    verdict = gr.Markdown()
    table = gr.Dataframe(label="Samples and their longest run shared with a training record", interactive=False,
                         wrap=True, headers=["sample", "longest shared run", "shared words", "training record"])
    go.click(bind(nearest_training_texts, studio), [model, n, seed], [table, verdict], api_name="nearest_training_texts",
             concurrency_limit=2)


def _rounded(x):
    """A figure for a table: 5 decimals; None for a missing or undefined one (NaN)."""
    return round(x, 5) if isinstance(x, (int, float)) and x == x else None


def score_texts(studio, text: str = "", files: list[str] | None = None, seed: int = 0):
    r = studio.score_texts(text, files or [], seed=seed)
    rows = []
    for lang, figures in r["per_language"].items():
        real = r["real_reference"].get(lang, {})
        rows += [{"language": lang, "metric": k, "your texts": _rounded(v), "real data": _rounded(real.get(k))}
                 for k, v in figures.items()]
    summary = "\n".join([f"**{r['n']} text(s)** scored, seed {r['seed']}."] + [f"- {n}" for n in r["notices"]]
                        + [f"- BLEU signature ({lang}): `{sig}`" for lang, sig in r["signatures"].items()])
    return summary, pd.DataFrame(rows)


def _score_texts_section(studio) -> None:
    gr.Markdown("### Score your own texts\nOne text per line, pasted or in UTF-8 `.txt` files: the text models' "
                "measurements (Texygen test-BLEU against the fortunes test split, Self-BLEU-4 and distinct-n from "
                "200 texts per language), per language, beside held-out real text.")
    with gr.Row():
        text = gr.Textbox(lines=6, label="Texts (one per line)", max_length=200_000)
        with gr.Column():
            files = gr.File(file_count="multiple", file_types=[".txt", ".zip"], label=".txt files or ZIP")
            seed = gr.Number(value=0, precision=0, minimum=0, label="Seed (the Self-BLEU subset)")
            go = gr.Button("Score texts", variant="primary")
    summary = gr.Markdown()
    table = gr.Dataframe(label="Against the test split", interactive=False,
                         headers=["language", "metric", "your texts", "real data"])
    go.click(bind(score_texts, studio), [text, files, seed], [summary, table], api_name="score_texts", concurrency_limit=1)
