"""The studio: everything the app can do, as plain Python, with inputs validated.

The Gradio tabs are thin layers over these methods, and so is the HTTP API; a script can do
the same:

    from aigc_demo.studio import Studio
    studio = Studio()
    out = studio.generate_image(model="dcgan", label="Sneaker", n=8, seed=1)

Bad input raises `InputError`; a missing or broken model raises `ModelUnavailable`. Both
carry a message meant for the person who sent the request.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import time
import threading
import zipfile
from pathlib import Path

from . import registry
from .paths import CHECKPOINTS_DIR, evaluator_dir
from .pipelines.base import InputError, check_number, resolve_seed
from .hub import HubModels
from .registry import ModelCache, ModelUnavailable

__all__ = ["Studio", "InputError", "ModelUnavailable"]

# Files the app hands to the browser (ZIPs, WAVs) go here and nowhere else.
OUTPUT_DIR = Path(tempfile.gettempdir()) / "aigc_studio_outputs"

OUTPUT_MAX_AGE_S = 3600  # files older than this are deleted when new ones are written

MAX_INTERPOLATION_STEPS = 16


def new_output_file(prefix: str, suffix: str) -> Path:
    """A fresh, unique file in OUTPUT_DIR (which a long-running Space keeps pruned)."""
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in OUTPUT_DIR.iterdir():
        try:
            if now - old.stat().st_mtime > OUTPUT_MAX_AGE_S:
                old.unlink()
        except OSError:
            pass  # another request removed it first
    fd, path = tempfile.mkstemp(dir=OUTPUT_DIR, prefix=prefix, suffix=suffix)
    os.close(fd)
    return Path(path)


class Studio:
    def __init__(self, checkpoints_dir: str | Path | None = None, *, device: str = "cpu"):
        self.root = Path(checkpoints_dir) if checkpoints_dir is not None else CHECKPOINTS_DIR
        self.entries = registry.discover(self.root)
        self.cache = ModelCache(self.entries, device=device)
        self._evaluators: dict = {}
        self._evaluator_lock = threading.Lock()
        self.hub = HubModels(device=device)  # hub models by id (network only), loaded on first use

    # --- what exists ---------------------------------------------------------------------

    def models(self, modality: str, *, usable_only: bool = True) -> list[str]:
        return self.cache.names(modality, usable_only=usable_only)

    def overview(self) -> list[dict]:
        """One row per registered model, read from the checkpoint folders."""
        return [e.overview_row() for e in self.entries]

    def _pipeline(self, modality: str, model) -> object:
        if not isinstance(model, str) or not model.strip():
            raise InputError(f"model must be the name of a {modality} model: {', '.join(self.models(modality)) or 'none is trained yet'}.")
        return self.cache.get(modality, model.strip())

    def family(self, modality: str, model: str) -> str:
        return self.cache.entry(modality, model).family

    # --- images --------------------------------------------------------------------------

    def generate_image(self, model: str, label="all classes", n: int = 16, seed: int | None = None, **params):
        """Images from an image model; params are the model's own controls (see its
        pipeline's `controls`). Returns an ImageOutput (PIL images + metadata)."""
        return self._pipeline("image", model)(label=label, n=n, seed=seed, **params)

    def interpolate_image(self, model: str, label="all classes", seed_a: int = 0, seed_b: int = 1, steps: int = 8, **params):
        """Images along the path between the latents of two seeds (GAN and VAE)."""
        from .pipelines.image import interpolate

        pipe = self._pipeline("image", model)
        steps = check_number("steps", steps, 2, MAX_INTERPOLATION_STEPS, integer=True)
        return interpolate(pipe, label, resolve_seed(seed_a), resolve_seed(seed_b), steps, **params)

    def reconstruct_image(self, model: str, image, label):
        """What a VAE keeps of a picture: the picture (as 28x28 grayscale) and its reconstruction."""
        from PIL import Image

        pipe = self._pipeline("image", model)
        if not hasattr(pipe, "reconstruct"):
            raise InputError(f"{model} cannot reconstruct pictures; the VAE can (it has an encoder).")
        if not isinstance(image, Image.Image):
            raise InputError("Upload a picture (PNG or JPEG) to reconstruct.")
        return pipe.reconstruct(image, label)

    def compare_images(self, label="all classes", n: int = 10, seed: int | None = None) -> list:
        """The same class and seed through every usable image model, default controls."""
        seed = resolve_seed(seed)
        return [self.generate_image(name, label=label, n=n, seed=seed) for name in self.models("image")]

    @staticmethod
    def save_zip(output, scale: int = 1) -> Path:
        """A ZIP of the output's PNGs, each carrying the generation parameters in its
        metadata, plus metadata.json. Written under OUTPUT_DIR only."""
        from PIL import PngImagePlugin

        meta = output.meta
        path = new_output_file(f"{meta['model']}_seed{meta['seed']}_", ".zip")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for i, (image, label) in enumerate(zip(output.images, output.labels)):
                info = PngImagePlugin.PngInfo()
                info.add_text("parameters", json.dumps({**meta, "index": i, "class": label}))
                if scale > 1:
                    image = image.resize((image.width * scale, image.height * scale), 0)
                buf = io.BytesIO()
                image.save(buf, format="PNG", pnginfo=info)
                safe_label = "".join(c if c.isalnum() else "-" for c in label)
                zf.writestr(f"{i:03d}_{safe_label}.png", buf.getvalue())
            zf.writestr("metadata.json", json.dumps(meta, indent=2))
        return path

    # --- text ----------------------------------------------------------------------------

    MAX_PROMPT_CHARS = 4000

    def _text_request(self, prompt, max_new_tokens, temperature, top_k, top_p, num_beams, repetition_penalty,
                      seed) -> tuple[str, dict, int]:
        """Validate a text request: (prompt, decoding settings, effective seed)."""
        if not isinstance(prompt, str) or not prompt.strip():
            raise InputError("The prompt is empty: type a few words for the model to continue.")
        if len(prompt) > self.MAX_PROMPT_CHARS:
            raise InputError(f"The prompt is {len(prompt):,} characters; at most {self.MAX_PROMPT_CHARS:,}, please.")
        settings = dict(
            max_new_tokens=check_number("max_new_tokens", max_new_tokens, 1, 512, integer=True),
            temperature=check_number("temperature", temperature, 0.0, 5.0),
            top_k=check_number("top_k", top_k, 0, 1000, integer=True),
            top_p=check_number("top_p", top_p, 0.0, 1.0),
            num_beams=check_number("num_beams", num_beams, 1, 8, integer=True),
            repetition_penalty=check_number("repetition_penalty", repetition_penalty, 1.0, 3.0),
        )
        if settings["top_p"] == 0:
            raise InputError("top_p must be above 0 (1 keeps every token).")
        return prompt, settings, resolve_seed(seed)

    def text_pipeline(self, model: str):
        """A shipped text model by name, or else a Hugging Face Hub model by id (network only)."""
        if not isinstance(model, str) or not model.strip():
            raise InputError(f"model must be a text model: {', '.join(self.models('text')) or 'none is trained yet'}, "
                             "or a Hugging Face model id.")
        name = model.strip()
        if (("text", name) in self.cache.entries):
            return self.cache.get("text", name)
        from .hub import EXAMPLE_ID, check_hub_id

        try:
            check_hub_id(name)
        except InputError:
            raise InputError(f"Unknown text model {name!r}. Built-in: {', '.join(self.models('text')) or 'none'}; "
                             f"or give a Hugging Face model id as owner/name, e.g. {EXAMPLE_ID}.") from None
        return self.hub.text(name)

    def generate_text(self, prompt: str, model: str, *, max_new_tokens: int = 64, temperature: float = 0.8,
                      top_k: int = 50, top_p: float = 0.95, num_beams: int = 1, repetition_penalty: float = 1.1,
                      seed: int | None = None):
        """Continue `prompt` with a text model (a shipped one by name, or a hub id). Ranges:
        max_new_tokens 1-512, temperature 0-5 (0 = greedy), top_k 0-1000 (0 = off),
        top_p (0, 1], num_beams 1-8, repetition_penalty 1-3. Returns a TextOutput."""
        prompt, settings, seed = self._text_request(prompt, max_new_tokens, temperature, top_k, top_p, num_beams,
                                                    repetition_penalty, seed)
        return self.text_pipeline(model)(prompt, seed=seed, **settings)

    def stream_text(self, prompt: str, model: str, *, max_new_tokens: int = 64, temperature: float = 0.8,
                    top_k: int = 50, top_p: float = 0.95, num_beams: int = 1, repetition_penalty: float = 1.1,
                    seed: int | None = None):
        """generate_text, token by token: yields partial TextOutputs, then the final one (the
        same text as generate_text with the same arguments). Closing it stops generation."""
        prompt, settings, seed = self._text_request(prompt, max_new_tokens, temperature, top_k, top_p, num_beams,
                                                    repetition_penalty, seed)
        pipe = self.text_pipeline(model)  # fails here, before the first yield, on a bad model
        yield from pipe.stream(prompt, seed=seed, **settings)

    def compare_text(self, prompt: str, model_a: str, model_b: str, *, seed: int | None = None, **settings) -> list:
        """The same prompt, seed and settings through two models."""
        seed = resolve_seed(seed)
        return [self.generate_text(prompt, m, seed=seed, **settings) for m in (model_a, model_b)]

    # --- audio ---------------------------------------------------------------------------

    MAX_DIGITS = 16

    def audio_models(self) -> list[str]:
        """The audio generators (vocoders are picked separately, see `vocoders`)."""
        return [n for n in self.models("audio") if self.family("audio", n) not in registry.VOCODER_FAMILIES]

    def vocoders(self) -> list[str]:
        """"griffin-lim" (no network) and every usable neural vocoder."""
        from .pipelines.audio import GRIFFIN_LIM

        return [GRIFFIN_LIM] + [n for n in self.models("audio") if self.family("audio", n) in registry.VOCODER_FAMILIES]

    def _vocoder(self, name):
        from .pipelines.audio import GRIFFIN_LIM

        if name is None or name == GRIFFIN_LIM:
            return None  # the pipeline's own Griffin-Lim
        known = ", ".join(self.vocoders())
        if not isinstance(name, str) or ("audio", name.strip()) not in self.cache.entries:
            raise InputError(f"Unknown vocoder {name!r}. Available: {known}.")
        if self.family("audio", name.strip()) not in registry.VOCODER_FAMILIES:
            raise InputError(f"{name!r} is a generator, not a vocoder. Vocoders: {known}.")
        return self.cache.get("audio", name.strip())

    def generate_audio(self, model: str, text: str, seed: int | None = None, vocoder: str = "griffin-lim",
                       variety: float = 1.0):
        """Speak a string of digits ("7", "2026"; spaces allowed, at most 16 digits) in one
        voice, with short pauses. vocoder: "griffin-lim" or a neural vocoder's name;
        variety 0-2 scales the GAN's latent (0: the average voice). Returns an AudioOutput."""
        if not isinstance(text, str) or not text.strip():
            raise InputError("The text is empty: type the digits to speak, e.g. 2026.")
        digits = "".join(text.split())
        if not digits.isascii() or not digits.isdigit():
            raise InputError(f"Only the digits 0-9 can be spoken, not {text!r}.")
        if len(digits) > self.MAX_DIGITS:
            raise InputError(f"At most {self.MAX_DIGITS} digits can be spoken at once; this text has {len(digits)}.")
        seed = resolve_seed(seed)
        if isinstance(model, str) and ("audio", model.strip()) in self.cache.entries \
                and self.family("audio", model.strip()) in registry.VOCODER_FAMILIES:
            raise InputError(f"{model!r} is a vocoder; pick a generator ({', '.join(self.audio_models())}) "
                             f"and choose {model!r} as its vocoder.")
        pipe = self._pipeline("audio", model)
        return pipe(digits, seed=seed, vocoder=self._vocoder(vocoder), variety=variety)

    def speak_text_hub(self, model_id: str, text: str, seed: int | None = None):
        """Free text through a Hugging Face Hub text-to-speech model (not ours; network only),
        e.g. facebook/mms-tts-eng. Returns an AudioOutput."""
        from .hub import EXAMPLE_TTS_ID, check_hub_id

        try:
            check_hub_id(model_id)
        except InputError:
            raise InputError(f"Give a Hugging Face text-to-speech model id as owner/name, e.g. {EXAMPLE_TTS_ID}.") from None
        if not isinstance(text, str) or not text.strip():
            raise InputError("The text is empty: type something for the model to say.")
        seed = resolve_seed(seed)
        return self.hub.speech(model_id)(text, seed=seed)

    @staticmethod
    def save_wav(output) -> Path:
        """A 16-bit WAV of an AudioOutput under OUTPUT_DIR, its parameters (the metadata) in
        the file's comment field, readable with any tag reader or soundfile."""
        import soundfile as sf

        meta = output.meta
        what = output.digits if output.digits.isdigit() else "speech"  # hub TTS: free text never names a file
        path = new_output_file(f"{meta['model'].replace('/', '--')}_{what}_seed{meta['seed']}_", ".wav")
        with sf.SoundFile(path, "w", samplerate=output.sample_rate, channels=1, subtype="PCM_16", format="WAV") as f:
            f.comment = json.dumps(meta, sort_keys=True)
            f.software = f"AIGC Studio {meta.get('studio_version', '')}"
            f.write(output.audio)
        return path

    # --- measuring -----------------------------------------------------------------------

    MAX_MEASURE_N = 10000

    def _evaluator(self, modality: str, cls):
        """A metric classifier and its reference features, loaded once per process."""
        if modality not in self._evaluators:
            with self._evaluator_lock:
                if modality not in self._evaluators:
                    try:
                        self._evaluators[modality] = cls.load(evaluator_dir(modality, self.root))
                    except (OSError, ValueError, KeyError) as e:
                        raise ModelUnavailable(f"The {modality} metrics are unavailable: {e}") from e
        return self._evaluators[modality]

    def image_evaluator(self):
        """The Fashion-MNIST classifier behind the image metrics."""
        from .metrics.image import FMNISTEvaluator

        return self._evaluator("image", FMNISTEvaluator)

    def digit_evaluator(self):
        """The spoken-digit classifier behind the audio metrics."""
        from .metrics.audio import DigitEvaluator

        return self._evaluator("audio", DigitEvaluator)

    def measure_image(self, model: str, n: int = 1000, seed: int = 0):
        """Measure an image model now, on fresh samples. A generator: it yields
        {"done", "total"} while drawing samples (so a UI can show progress and stop), then
        {"done", "total", "result"} with the same record `python -m aigc_demo.evaluate`
        writes to metrics.json (the same n and seed give the same figures)."""
        import torch

        from .evaluate import image_record
        from .metrics.image import iter_samples

        n = check_number("n", n, 10, self.MAX_MEASURE_N, integer=True)
        if n % 10:
            raise InputError(f"n must be a multiple of 10 (every class gets the same number of samples), not {n}.")
        seed = resolve_seed(seed)
        pipe = self._pipeline("image", model)
        evaluator = self.image_evaluator()
        labels, images = [], []
        for batch_labels, batch_images in iter_samples(pipe.sample, n, seed):
            labels.append(batch_labels)
            images.append(batch_images)
            yield {"done": sum(len(b) for b in labels), "total": n}
        scores = evaluator.score(torch.cat(images), torch.cat(labels), seed=seed)
        record = image_record(pipe, self.family("image", model), scores,
                              command=f"python -m aigc_demo.evaluate --model {model} --n {n} --seed {seed}")
        yield {"done": n, "total": n, "result": record}

    MAX_MEASURE_CLIPS = 1000

    def measure_audio(self, model: str, n: int = 100, seed: int = 0, vocoder: str = "griffin-lim"):
        """Measure an audio generator now, through one vocoder: n digit-balanced fresh clips
        scored beside held-out real clips. A generator like `measure_image`; the final
        record's figures equal the shipped ones for the same n, seed and vocoder."""
        import torch

        from .metrics import audio as am

        n = check_number("n", n, 10, self.MAX_MEASURE_CLIPS, integer=True)
        if n % 10:
            raise InputError(f"n must be a multiple of 10 (every digit gets the same number of clips), not {n}.")
        seed = resolve_seed(seed)
        if model not in self.audio_models():
            raise InputError(f"Unknown audio generator {model!r}. Available: {', '.join(self.audio_models()) or 'none'}.")
        pipe = self._pipeline("audio", model)
        voc = self._vocoder(vocoder)
        evaluator = self.digit_evaluator()
        labels, clips = [], []
        for batch_labels, batch_clips in am.iter_clips(pipe, voc, n, seed):
            labels.append(batch_labels)
            clips.append(batch_clips)
            yield {"done": sum(len(b) for b in labels), "total": n}
        scores = evaluator.score(torch.cat(clips), torch.cat(labels), seed=seed)
        family = getattr(voc, "family", None) or "griffin-lim"
        record = {**scores, "vocoder": vocoder or "griffin-lim", "targets": am.check_targets(family, scores),
                  "command": f"python -m aigc_demo.evaluate --model {model} --n {n} --seed {seed}"}
        yield {"done": n, "total": n, "result": record}

    MAX_MEASURE_TEXTS = 1000

    def measure_text(self, model: str, n: int = 100, seed: int = 0):
        """Measure a shipped text model now: test perplexity, and test-BLEU, Self-BLEU and
        distinct-n of n fresh texts beside held-out real text (the fortunes corpus must be
        installed). A generator like `measure_image`, though the texts come in one go."""
        from .data import fortunes
        from .evaluate import text_record

        n = check_number("n", n, 10, self.MAX_MEASURE_TEXTS, integer=True)
        seed = resolve_seed(seed)
        if not isinstance(model, str) or model.strip() not in self.models("text"):
            raise InputError(f"Unknown text model {model!r}. Available: {', '.join(self.models('text')) or 'none'}.")
        entry = self.cache.entry("text", model.strip())
        pipe = self._pipeline("text", model.strip())
        yield {"done": 0, "total": n}
        try:
            record = text_record(pipe, entry, n=n, seed=seed, sweep=False)  # the sweep: evaluate's CLI
        except fortunes.CorpusNotFound as e:
            raise ModelUnavailable(f"Measuring a text model needs the corpus: {e}") from None
        yield {"done": n, "total": n, "result": record}

    MIN_SCORED_CLIPS = 10

    def score_clips(self, paths: list, seed: int = 0) -> dict:
        """Your own recordings (WAV/FLAC/OGG, or a ZIP of them) against the spoken digits: the
        digit classifier's verdict on each clip, and (from 10 clips on) IS-digits, FD-digits
        and KID-digits beside real held-out clips at the same count. Each clip is prepared as
        the corpus was: mono, 16 kHz, silence trimmed, peak-normalised, centred in a second."""
        import numpy as np
        import torch

        from .data.spoken_digits import DIGITS, to_clip
        from .uploads import read_clips

        named = read_clips(paths or [])
        notices = []
        resampled = sum(rate != 16000 for _, (_, rate) in named)
        if resampled:
            notices.append(f"{resampled} clip(s) resampled to 16 kHz.")
        long = sum(len(x) > rate for _, (x, rate) in named)
        if long:
            notices.append(f"{long} clip(s) longer than a second after trimming silence: the middle second was scored.")
        silent = [name for name, (x, _) in named if not np.abs(x).max(initial=0.0) > 0]
        if silent:
            notices.append(f"{len(silent)} clip(s) are silent: {', '.join(silent[:5])}{' ...' if len(silent) > 5 else ''}")
        clips = torch.from_numpy(np.stack([to_clip(x, rate) for _, (x, rate) in named]))
        evaluator = self.digit_evaluator()
        conf, pred = evaluator.predict(clips).max(-1)
        result = {
            "n": len(named), "notices": notices,
            "predictions": [{"file": name, "digit": DIGITS[int(c)], "confidence": round(float(p), 4)}
                            for (name, _), c, p in zip(named, pred, conf)],
            "digit_counts": {d: int((pred == i).sum()) for i, d in enumerate(DIGITS)},
            "metrics": None,
        }
        if len(named) >= self.MIN_SCORED_CLIPS:
            result["metrics"] = evaluator.score(clips, None, seed=resolve_seed(seed))
        else:
            result["notices"].append(f"IS-, FD- and KID-digits need at least {self.MIN_SCORED_CLIPS} clips; "
                                     "only the digit verdicts are shown.")
        return result

    TYPICAL_OVERLAP_RECORDS = 50  # held-out records whose overlap with training sets the yardstick

    def text_overlap_index(self) -> dict:
        """The training split as an n-gram overlap index, and the median longest overlap of
        held-out real records with it (what copying would have to exceed); built once."""
        import random
        import statistics

        from .data import fortunes
        from .metrics.text import LANGUAGE_TOKENIZER, OverlapIndex

        if "text-overlap" not in self._evaluators:
            with self._evaluator_lock:
                if "text-overlap" not in self._evaluators:
                    try:
                        split = fortunes.splits()
                    except fortunes.CorpusNotFound as e:
                        raise ModelUnavailable(f"The text copy check needs the training corpus: {e}") from None
                    index = OverlapIndex({lang: [r.text for r in split["train"] if r.language == lang]
                                          for lang in LANGUAGE_TOKENIZER})
                    held_out = random.Random(0).sample(split["valid"], min(self.TYPICAL_OVERLAP_RECORDS, len(split["valid"])))
                    typical = statistics.median(index.longest(r.text)["length"] for r in held_out)
                    self._evaluators["text-overlap"] = {"index": index, "typical_length": typical,
                                                        "train_records": len(split["train"]),
                                                        "held_out_records": len(held_out)}
        return self._evaluators["text-overlap"]

    MAX_TEXT_COPY_CHECK = 16

    def nearest_training_texts(self, model: str, n: int = 4, seed: int | None = None, max_new_tokens: int = 64) -> dict:
        """"Is it copying?" for text: n fresh samples (the metrics' plain sampling), each with
        the longest run of words (Chinese: characters) it shares with one training record,
        beside the median such run of held-out real records."""
        n = check_number("n", n, 1, self.MAX_TEXT_COPY_CHECK, integer=True)
        max_new_tokens = check_number("max_new_tokens", max_new_tokens, 1, 512, integer=True)
        seed = resolve_seed(seed)
        pipe = self.text_pipeline(model)
        found = self.text_overlap_index()
        rows = []
        for text in pipe.sample(n, seed=seed, max_new_tokens=max_new_tokens):
            o = found["index"].longest(text)
            rows.append({"sample": text, "longest_overlap": o["length"], "shared": o["span"], "training_record": o["record"]})
        return {"rows": rows, "seed": seed, "typical_length": found["typical_length"],
                "pool": f"{found['train_records']:,} training records; yardstick: {found['held_out_records']} "
                        "held-out records"}

    MAX_COPY_CHECK = 16

    def nearest_training_images(self, model: str, label="all classes", n: int = 8, seed: int | None = None, k: int = 3):
        """"Is it copying?": fresh samples, each with its k nearest training images in the
        classifier's features, and the distance real test images typically have to theirs."""
        import numpy as np
        from PIL import Image

        from .images import from_uint8

        n = check_number("n", n, 1, self.MAX_COPY_CHECK, integer=True)
        k = check_number("k", k, 1, 5, integer=True)
        out = self.generate_image(model, label=label, n=n, seed=seed)
        evaluator = self.image_evaluator()
        if evaluator.train_images is None:
            raise ModelUnavailable("The reference training images are missing beside the classifier.")
        x = from_uint8(np.stack([np.asarray(im) for im in out.images]))
        dist, idx = evaluator.nearest_training(x, k)
        rows = []
        for i, im in enumerate(out.images):
            neighbours = [Image.fromarray(evaluator.train_images[j]) for j in idx[i].tolist()]
            rows.append({"sample": im, "neighbours": neighbours, "distances": [round(float(d), 3) for d in dist[i]]})
        return {"output": out, "rows": rows, "typical_distance": evaluator.typical_nearest_distance(),
                "pool": f"{len(evaluator.train_images):,} training images (a fixed random subset of the 60,000)"}

    MIN_SCORED_IMAGES = 10

    def score_images(self, paths: list, seed: int = 0) -> dict:
        """Your own images against Fashion-MNIST: the classifier's verdict on each, and (from
        10 images on) FID-FMNIST, KID and IS beside real data at the same count."""
        from .data.fashion_mnist import CLASSES
        from .uploads import read_images, to_fashion_mnist

        named = read_images(paths or [])
        x, notices = to_fashion_mnist([im for _, im in named])
        evaluator = self.image_evaluator()
        probs = evaluator.predict(x)
        conf, pred = probs.max(-1)
        result = {
            "n": len(named), "notices": notices,
            "predictions": [{"file": name, "class": CLASSES[int(c)], "confidence": round(float(p), 4)}
                            for (name, _), c, p in zip(named, pred, conf)],
            "class_counts": {CLASSES[i]: int((pred == i).sum()) for i in range(len(CLASSES))},
            "metrics": None,
        }
        if len(named) >= self.MIN_SCORED_IMAGES:
            result["metrics"] = evaluator.score(x, None, seed=resolve_seed(seed))
        else:
            result["notices"].append(f"FID-FMNIST, KID and IS need at least {self.MIN_SCORED_IMAGES} images; "
                                     "only the class predictions are shown.")
        return result

    def score_texts(self, text: str = "", paths: list | None = None, seed: int = 0) -> dict:
        """Your own texts, one per line (pasted, or in UTF-8 .txt files), scored as the text
        models are: Texygen test-BLEU-2/3/4 against the test split (with the bootstrap error
        of BLEU-4), Self-BLEU-4 and distinct-1/2, per language, beside the same figures of
        held-out real text as shipped with the text models."""
        from .data import fortunes
        from .metrics import text as tm
        from .uploads import read_texts

        if text is not None and not isinstance(text, str):
            raise InputError("The texts must be a string, one text per line.")
        chunks = [text or ""] + [content for _, content in (read_texts(paths) if paths else [])]
        lines = [line.strip() for chunk in chunks for line in chunk.splitlines() if line.strip()]
        if not lines:
            raise InputError("Paste some texts (one per line) or upload .txt files first.")
        if len(lines) > tm.MAX_LINES or sum(map(len, lines)) > tm.MAX_CHARS:
            raise InputError(f"At most {tm.MAX_LINES} lines and {tm.MAX_CHARS:,} characters, please.")
        seed = resolve_seed(seed)
        try:
            split = fortunes.splits()
        except fortunes.CorpusNotFound as e:
            raise ModelUnavailable(f"Scoring against the test split needs the corpus: {e}") from None
        by_language = {}
        for line in lines:
            by_language.setdefault(fortunes.language_of(line), []).append(line)
        test = {lang: [r.text for r in split["test"] if r.language == lang] for lang in by_language}
        figures = tm.corpus_figures(by_language, test, seed=seed)["per_language"]
        shipped = next((e.metrics for e in self.entries if e.modality == "text" and e.metrics.get("per_language")), {})
        real = shipped.get("per_language", {}).get("real_reference", {})
        notices = [f"{lang}: {len(t)} text(s) (fewer than {tm.SELF_BLEU_N}: no Self-BLEU-4)"
                   for lang, t in by_language.items() if len(t) < tm.SELF_BLEU_N]
        return {"n": len(lines), "seed": seed, "notices": notices, "per_language": figures,
                "real_reference": {lang: real.get(lang, {}) for lang in figures},
                "signatures": {lang: tm.signature(test[lang], 4, tm.LANGUAGE_TOKENIZER[lang]) for lang in figures}}

    @staticmethod
    def bleu(hypotheses: str, references: str, tokenize: str = "auto") -> dict:
        """BLEU of newline-separated hypotheses against newline-separated references, one
        reference per hypothesis line (sacrebleu; see metrics/text.py)."""
        from .metrics import text as text_metrics

        if not isinstance(hypotheses, str) or not isinstance(references, str):
            raise InputError("hypotheses and references must be text, one sentence per line.")
        if len(hypotheses) + len(references) > text_metrics.MAX_CHARS:
            raise InputError(f"At most {text_metrics.MAX_CHARS:,} characters in all, please.")
        hyps = hypotheses.strip("\n").split("\n") if hypotheses.strip() else []
        refs = references.strip("\n").split("\n") if references.strip() else []
        if not hyps or not refs:
            raise InputError("Paste at least one hypothesis and one reference, one sentence per line.")
        if len(hyps) != len(refs):
            raise InputError(f"{len(hyps)} hypothesis lines but {len(refs)} reference lines: "
                             "give exactly one reference line per hypothesis line.")
        if len(hyps) > text_metrics.MAX_LINES:
            raise InputError(f"At most {text_metrics.MAX_LINES} lines, please.")
        if tokenize not in text_metrics.TOKENIZERS:
            raise InputError(f"tokenize must be one of {', '.join(text_metrics.TOKENIZERS)}, not {tokenize!r}.")
        return text_metrics.bleu(hyps, refs, tokenize)
