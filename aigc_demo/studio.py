"""The studio: everything the app can do, as plain Python. A thin router: it finds the model
a request names (a shipped checkpoint, a Hugging Face Hub id, a vocoder beside a
generator) and hands the request to its pipeline, which checks its own inputs, or to the
evaluation package. The Gradio tabs are thin layers over these methods, and so is the HTTP
API; a script can do the same:

    from aigc_demo.studio import Studio
    studio = Studio()
    out = studio.generate_image(model="dcgan", label="Sneaker", n=8, seed=1)

Bad input raises `InputError`; a missing or broken model raises `ModelUnavailable`. Both
carry a message meant for the person who sent the request. Nothing here imports torch at
start-up: pipelines and metrics load on first use.
"""

from __future__ import annotations

from pathlib import Path

from . import checkpoint as ckpt
from . import families, registry
from .controls import Control, InputError, resolve_seed
from .data.fashion_mnist import CLASSES
from .evaluation import copies, live, scoring
from .families.audio import EXAMPLE_TTS_ID, GRIFFIN_LIM, check_tts_text
from .families.image import direction_labels
from .families.text import EXAMPLE_HUB_ID
from .hub import HubModels, check_hub_id
from .paths import CHECKPOINTS_DIR
from .registry import ModelCache, ModelUnavailable

__all__ = ["Studio", "InputError", "ModelUnavailable"]


class Studio:
    def __init__(self, checkpoints_dir: str | Path | None = None, *, device: str = "cpu"):
        self.root = Path(checkpoints_dir) if checkpoints_dir is not None else CHECKPOINTS_DIR
        self.entries = registry.discover(self.root)
        self.cache = ModelCache(self.entries, device=device)
        self.evaluators = live.Evaluators(self.root)  # metric classifiers, loaded on first use
        self.hub = HubModels(device=device)  # hub models by id (network only), loaded on first use
        self._real_tunes = None  # the folk corpus, read on the first request for a real tune

    # --- what exists: models and their declared controls (for the UI and the API) --------

    def models(self, modality: str, *, usable_only: bool = True) -> list[str]:
        """The models of a modality that make outputs (and the audio vocoders), translators
        aside (see `translators`)."""
        return [n for n in self.cache.names(modality, usable_only=usable_only)
                if not (self.cache.entry(modality, n).is_translator or self.cache.entry(modality, n).is_describer)]

    def translators(self, modality: str = "image", *, usable_only: bool = True) -> list[str]:
        """The models that turn one input into another: image translators (CycleGAN: a
        picture of one class in, the other out), and for text the poet (a line in, the next
        line out)."""
        return [n for n in self.cache.names(modality, usable_only=usable_only) if self.cache.entry(modality, n).is_translator]

    def describers(self, modality: str = "image", *, usable_only: bool = True) -> list[str]:
        """The models that put an input into words: the image captioners."""
        return [n for n in self.cache.names(modality, usable_only=usable_only) if self.cache.entry(modality, n).is_describer]

    def overview(self) -> list[dict]:
        """One row per registered model, read from the checkpoint folders."""
        return [e.overview_row() for e in self.entries]

    def entry(self, modality: str, model: str) -> registry.ModelEntry:
        return self.cache.entry(modality, model)

    def family(self, modality: str, model: str) -> str:
        return self.cache.entry(modality, model).family

    def status(self, modality: str, model: str) -> str | None:
        """None when the model can be used, else why not."""
        return self.cache.status(modality, model)

    def controls(self, modality: str, model: str | None = None) -> list[Control]:
        """The sampling controls of one model (its family's), or with no model the controls
        of every declared generator family of the modality, each name once: the parameters
        of the modality's generation endpoint."""
        if model is None:
            return families.union_of_controls(families.of_modality(modality, families.GENERATOR))
        spec = self.cache.entry(modality, model).spec
        return list(spec.controls) if spec else []

    def models_that_can(self, modality: str, ability: str) -> list[str]:
        """The usable models of a modality whose family declares `ability` (e.g. "reconstruct")."""
        return [n for n in self.models(modality) if ability in getattr(self.entry(modality, n).spec, "abilities", ())]

    def _pipeline(self, modality: str, model) -> object:
        if not isinstance(model, str) or not model.strip():
            article = "an" if modality[0] in "aeiou" else "a"
            raise InputError(f"model must be the name of {article} {modality} model: "
                             f"{', '.join(self.models(modality)) or 'none is trained yet'}.")
        return self.cache.get(modality, model.strip())

    # --- images --------------------------------------------------------------------------

    def generate_image(self, model: str, label="all classes", n: int | None = None, seed: int | None = None, **params):
        """Images from an image model; params are the model's own controls (`controls("image",
        model)`). Returns an ImageOutput (PIL images + metadata)."""
        return self._pipeline("image", model)(label=label, n=n, seed=seed, **params)

    def interpolate_image(self, model: str, label="all classes", seed_a: int = 0, seed_b: int = 1, steps: int | None = None,
                          **params):
        """Images along the path between the latents of two seeds (GAN and VAE)."""
        from .pipelines.image import interpolate

        return interpolate(self._pipeline("image", model), label, seed_a, seed_b, steps, **params)

    def reconstruct_image(self, model: str, image, label):
        """What a VAE keeps of a picture: the picture (as 28x28 grayscale) and its reconstruction."""
        pipe = self._pipeline("image", model)
        if not hasattr(pipe, "reconstruct"):
            can = ", ".join(self.models_that_can("image", "reconstruct")) or "none is trained yet"
            raise InputError(f"{model} cannot reconstruct pictures; models with an encoder can: {can}.")
        return pipe.reconstruct(image, label)

    def _translator(self, model, modality: str = "image"):
        return self.cache.get(modality, self._translator_entry(model, modality).name)

    # The page reads a translator's directions and examples from its folder, not from the
    # loaded model: building the page must not pay for torch.

    def _translator_entry(self, model, modality: str = "image") -> registry.ModelEntry:
        if not isinstance(model, str) or model.strip() not in self.translators(modality, usable_only=False):
            kind = {"image": "an image translator", "text": "a poet (a next-line model)",
                    "music": "a chorale model (a harmoniser)"}[modality]
            raise InputError(f"model must be {kind}: {', '.join(self.translators(modality)) or 'none is trained yet'}.")
        return self.entry(modality, model.strip())

    def translation_directions(self, model: str) -> dict[str, str]:
        """{"a_to_b": "Sneaker → Ankle boot", "b_to_a": ...} of a translator."""
        c = self._translator_entry(model).config["model"]
        return direction_labels(c["domain_a"], c["domain_b"])

    def translation_examples(self, model: str) -> list:
        """Held-out test pictures of the translator's two classes, as (PIL image, class)."""
        import numpy as np
        from PIL import Image

        entry = self._translator_entry(model)
        path, c = entry.path / ckpt.EXAMPLE_PICTURES_FILE, entry.config["model"]
        if not path.is_file():
            return []
        with np.load(path) as z:
            return [(Image.fromarray(a, mode="L"), CLASSES[c[f"domain_{k}"]]) for k in ("a", "b") for a in z[k]]

    def translate_image(self, model: str, image, direction: str = "auto"):
        """Translate a picture between a translator's two classes and back (ImageOutput of
        input, translated, back). The project's classifier checks the picture first: one of
        neither class is refused, and direction "auto" follows its verdict."""
        pipe = self._translator(model)
        direction = pipe.check_direction(direction)
        from .pipelines.image import picture_to_tensor

        x, inverted = picture_to_tensor(image)
        probs = self.image_evaluator().predict(x)[0]
        seen = int(probs.argmax())
        by_class = {pipe.class_index["a"]: "a_to_b", pipe.class_index["b"]: "b_to_a"}
        if seen not in by_class:
            raise InputError(f"This picture looks like a {CLASSES[seen]} to the project's classifier (p = {float(probs[seen]):.2f}), "
                             f"not a {pipe.domains['a']} or an {pipe.domains['b']}: {model} translates only between those two.")
        if direction == "auto":
            direction = by_class[seen]
        out = pipe.translate(x, direction, note={"classifier_sees": CLASSES[seen], "inverted": inverted})
        translated = self.image_evaluator().predict(picture_to_tensor(out.images[1])[0])[0]
        out.meta["params"]["classifier_sees_translation"] = CLASSES[int(translated.argmax())]
        return out

    def _describer_entry(self, model) -> registry.ModelEntry:
        if not isinstance(model, str) or model.strip() not in self.describers(usable_only=False):
            raise InputError(f"model must be an image captioner: {', '.join(self.describers()) or 'none is trained yet'}.")
        return self.entry("image", model.strip())

    def caption_examples(self, model: str) -> list:
        """Held-out test pictures shipped with a captioner, as (PIL image, real English caption);
        read from its folder, so the page shows them before any model loads."""
        from PIL import Image

        from .data.captions import load_examples

        return [(Image.fromarray(a, mode="L"), en) for a, en, _ in load_examples(self._describer_entry(model).path
                                                                                 / ckpt.EXAMPLE_PICTURES_FILE)]

    def caption_image(self, model: str, image, language: str = "both", num_beams: int | None = None):
        """Captions of a picture (CaptionOutput: greedy and beam search, in English, Chinese or
        both, with the attention of each word and the attributes measured on the picture);
        the project's classifier's verdict on the picture is added beside them."""
        entry = self._describer_entry(model)
        pipe = self.cache.get("image", entry.name)
        out = pipe(image, language=language, **({} if num_beams is None else {"num_beams": num_beams}))
        import numpy as np

        from .images import from_uint8

        probs = self.image_evaluator().predict(from_uint8(np.asarray(out.image)[None]))[0]  # the picture as the model saw it
        out.meta["params"]["classifier_sees"] = CLASSES[int(probs.argmax())]
        return out

    def prompt_models(self) -> list[str]:
        """The image models that draw from a typed description (text-to-image)."""
        return self.models_that_can("image", "from_text")

    def _prompt_model(self, model, param: str = "model") -> str:
        if not isinstance(model, str) or model.strip() not in self.prompt_models():
            raise InputError(f"{param} must be a text-to-image model: {', '.join(self.prompt_models()) or 'none is trained yet'}.")
        return model.strip()

    def generate_image_from_text(self, model: str, prompt: str, negative_prompt: str = "", n: int | None = None,
                                 seed: int | None = None, **params):
        """Pictures of a prompt in English or Chinese (TextImageOutput), with what the prompt
        asks for and, per picture, the project's classifier's verdict and the attribute
        words measured on it (for the class asked, else for the class the classifier sees):
        out.verdicts[i] = {"class": ..., "p": ..., "words": {...}}."""
        pipe = self._pipeline("image", self._prompt_model(model))
        out = pipe.from_text(prompt, negative_prompt, **({} if n is None else {"n": n}), seed=seed, **params)
        import numpy as np

        from .images import from_uint8

        x = from_uint8(np.stack([np.asarray(im) for im in out.images]))
        probs = self.image_evaluator().predict(x)
        verdicts = []
        for i, p in enumerate(probs):
            seen = int(p.argmax())
            words = out.measured[i] if out.asked["class"] else pipe.measure(x[i:i + 1], seen)[0]
            verdicts.append({"class": CLASSES[seen], "p": round(float(p[seen]), 3), "words": words})
        out.verdicts = verdicts
        return out

    def describe_then_draw(self, model: str, image, text_model: str, n: int = 8, seed: int | None = None):
        """The round trip: caption a picture in English (beam search) with `model`, then draw
        that caption with the text-to-image model `text_model`. Returns (caption,
        TextImageOutput). Both model names are checked before anything runs."""
        text_model = self._prompt_model(text_model, "text_model")
        self._describer_entry(model)
        caption = self.caption_image(model, image, "en").captions["en"]["beam"]
        if not caption:
            raise InputError("The captioner wrote an empty caption for this picture: there is nothing to draw.")
        try:
            out = self.generate_image_from_text(text_model, caption, n=n, seed=seed)
        except InputError as e:
            raise InputError(f"The captioner wrote “{caption}”, which the text-to-image model cannot draw: {e}") from None
        return caption, out

    def compare_images(self, label="all classes", n: int = 10, seed: int | None = None) -> list:
        """The same class and seed through every usable image model, default controls."""
        seed = resolve_seed(seed)
        return [self.generate_image(name, label=label, n=n, seed=seed) for name in self.models("image")]

    # --- text ----------------------------------------------------------------------------

    def text_pipeline(self, model: str):
        """A shipped text model by name, or else a Hugging Face Hub model by id (network only)."""
        if not isinstance(model, str) or not model.strip():
            raise InputError(f"model must be a text model: {', '.join(self.models('text')) or 'none is trained yet'}, "
                             "or a Hugging Face model id.")
        name = model.strip()
        if ("text", name) in self.cache.entries:
            return self.cache.get("text", name)
        try:
            check_hub_id(name)
        except InputError:
            raise InputError(f"Unknown text model {name!r}. Built-in: {', '.join(self.models('text')) or 'none'}; "
                             f"or give a Hugging Face model id as owner/name, e.g. {EXAMPLE_HUB_ID}.") from None
        return self.hub.text(name)

    def generate_text(self, prompt: str, model: str, *, seed: int | None = None, **settings):
        """Continue `prompt` with a text model (a shipped one by name, or a hub id); settings
        are the decoding controls (families/text.py: max_new_tokens, temperature, top_k,
        top_p, num_beams, repetition_penalty). Returns a TextOutput."""
        return self.text_pipeline(model)(prompt, seed=seed, **settings)

    def stream_text(self, prompt: str, model: str, *, seed: int | None = None, **settings):
        """generate_text, token by token: yields partial TextOutputs, then the final one (the
        same text as generate_text with the same arguments). Closing it stops generation."""
        pipe = self.text_pipeline(model)  # fails here, before the first yield, on a bad model
        yield from pipe.stream(prompt, seed=seed, **settings)

    def compare_text(self, prompt: str, model_a: str, model_b: str, *, seed: int | None = None, **settings) -> list:
        """The same prompt, seed and settings through two models."""
        seed = resolve_seed(seed)
        pipes = []
        for which, model in (("model_a", model_a), ("model_b", model_b)):
            try:
                pipes.append(self.text_pipeline(model))
            except (InputError, ModelUnavailable) as e:
                raise type(e)(f"{which}: {e}") from None
        return [pipe(prompt, seed=seed, **settings) for pipe in pipes]

    def next_line(self, line: str, model: str, *, seed: int | None = None, **settings):
        """The next line of a classical Chinese poem (1-16 Chinese characters in) by the poet;
        settings: num_beams (1 = greedy), temperature (0 = the most likely line). Returns a
        PoemLineOutput with the attention weights (output x input characters)."""
        return self._translator(model, "text")(line, seed=seed, **settings)

    def poem_examples(self, model: str) -> list[str]:
        """First lines of the held-out poems (the poet never saw them), from its folder."""
        import json

        path = self._translator_entry(model, "text").path / ckpt.EXAMPLE_LINES_FILE
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []

    # --- audio ---------------------------------------------------------------------------

    def audio_models(self) -> list[str]:
        """The audio generators (vocoders are picked separately, see `vocoders`)."""
        return [n for n in self.models("audio") if not self.entry("audio", n).is_vocoder]

    def vocoders(self, generator: str | None = None) -> list[str]:
        """"griffin-lim" (no network) and every usable neural vocoder; with a generator, only the
        neural vocoders that read the band count of its log-mels (Griffin-Lim reads any)."""
        from .families.audio import mel_bands

        bands = mel_bands(self.entry("audio", generator).config) if generator else None
        return [GRIFFIN_LIM] + [n for n in self.models("audio") if self.entry("audio", n).is_vocoder
                                and (bands is None or mel_bands(self.entry("audio", n).config) == bands)]

    def best_audio_generator(self) -> str | None:
        """The generator the Audio tab starts on: the lowest FD-digits through Griffin-Lim
        (its record's headline, the same vocoder for every generator) relative to the real
        reference of its record; a generator without a record comes after those with one.
        Reads the records only: nothing is loaded."""
        def fd_ratio(name: str) -> float:
            head = (self.entry("audio", name).metrics or {}).get("headline", {})
            value, ref = head.get("value"), head.get("reference")
            return value / ref if isinstance(value, (int, float)) and isinstance(ref, (int, float)) and ref > 0 \
                else float("inf")

        models = self.audio_models()
        return min(models, key=fd_ratio) if models else None

    def best_vocoder(self, generator: str | None = None) -> str:
        """The vocoder the Audio tab starts on: the one whose shipped copy synthesis scored the
        highest PESQ-WB, where that beats Griffin-Lim's on the same clips (its record's speech
        block); else Griffin-Lim. With a generator: among the vocoders that read its log-mels'
        band count. Reads the records only: nothing is loaded."""
        best, best_pesq = GRIFFIN_LIM, None
        for name in self.vocoders(generator)[1:]:
            made = (self.entry("audio", name).metrics or {}).get("speech", {}).get("generated", {})
            mine, classic = made.get(name, {}).get("pesq_wb"), made.get(GRIFFIN_LIM, {}).get("pesq_wb")
            if mine is not None and classic is not None and mine > classic and (best_pesq is None or mine > best_pesq):
                best, best_pesq = name, mine
        return best

    def _vocoder(self, name):
        if name is None or name == GRIFFIN_LIM:
            return None  # the pipeline's own Griffin-Lim
        known = ", ".join(self.vocoders())
        if not isinstance(name, str) or ("audio", name.strip()) not in self.cache.entries:
            raise InputError(f"Unknown vocoder {name!r}. Available: {known}.")
        if not self.entry("audio", name.strip()).is_vocoder:
            raise InputError(f"{name!r} is a generator, not a vocoder. Vocoders: {known}.")
        return self.cache.get("audio", name.strip())

    def _audio_generator(self, model):
        if isinstance(model, str) and ("audio", model.strip()) in self.cache.entries \
                and self.entry("audio", model.strip()).is_vocoder:
            raise InputError(f"{model!r} is a vocoder; pick a generator ({', '.join(self.audio_models())}) "
                             f"and choose {model!r} as its vocoder.")
        return self._pipeline("audio", model)

    def generate_audio(self, model: str, text: str, seed: int | None = None, vocoder: str = GRIFFIN_LIM, **params):
        """Speak a string of digits ("7", "2026"; spaces allowed, at most 16 digits) in one
        voice, with short pauses. vocoder: "griffin-lim" or a neural vocoder's name; params
        are the generator's controls (variety 0-2 scales the GAN's latent; 0: the average
        voice). Returns an AudioOutput."""
        pipe = self._audio_generator(model)
        return pipe(text, seed=seed, vocoder=self._vocoder(vocoder), **params)

    def vocode(self, clip, vocoder: str = GRIFFIN_LIM, seed: int | None = None) -> dict:
        """A clip of yours (a WAV/FLAC/OGG path, at most 10 s) re-synthesised by a vocoder
        ("griffin-lim" or a neural one) from its own log-mel, with STOI and PESQ-WB against it
        (see evaluation/scoring.vocode_clip)."""
        from .pipelines.audio import GriffinLim

        chosen = self._vocoder(vocoder) or GriffinLim()
        return scoring.vocode_clip(clip, chosen, seed=seed)

    def speak_text_hub(self, model_id: str, text: str, seed: int | None = None):
        """Free text through a Hugging Face Hub text-to-speech model (not ours; network only),
        e.g. facebook/mms-tts-eng. Returns an AudioOutput."""
        try:
            check_hub_id(model_id)
        except InputError:
            raise InputError(f"Give a Hugging Face text-to-speech model id as owner/name, e.g. {EXAMPLE_TTS_ID}.") from None
        check_tts_text(text)  # the pipeline's own check, asked before anything is fetched
        return self.hub.speech(model_id)(text, seed=seed)

    # --- music -----------------------------------------------------------------------------

    def generate_music(self, model: str, seed: int | None = None, **params):
        """A tune from a music model; params are its controls (`controls("music", model)`:
        meter, key, tune_type, length in bars, temperature, program, tempo). Returns a
        MusicOutput: ABC, MIDI bytes, audio, notes and metadata."""
        return self._pipeline("music", model)(seed=seed, **params)

    def real_tune(self, meter: str = "6/8", key: str = "D major", tune_type: str = "any", seed: int | None = None,
                  program: str = "Fiddle", tempo: int = 120):
        """A held-out real folk tune of the asked meter (and type and key where one exists),
        played as the generated ones are: the yardstick beside a generated tune. Needs the
        folk corpus (the music21 package)."""
        from .data import folk
        from .pipelines.music import real_tune

        if self._real_tunes is None:
            try:
                self._real_tunes = folk.read_tunes()[0]
            except folk.CorpusNotFound as e:
                raise ModelUnavailable(str(e)) from None
        return real_tune(self._real_tunes, meter=meter, key=key, tune_type=tune_type, seed=seed, program=program,
                         tempo=tempo)

    # --- chorales: the music translators (a melody in, four voices out) ---------------------

    def compose_chorale(self, model: str, seed: int | None = None, **params):
        """A four-part chorale composed from nothing by a chorale model; params are its
        controls (meter, length in bars, temperature, sweeps, program, tempo). A MusicOutput."""
        return self._translator(model, "music")(seed=seed, **params)

    def harmonize(self, model: str, melody: str, seed: int | None = None, **params):
        """Alto, tenor and bass for a melody given in ABC (the soprano, kept as written; its
        meter and length are the chorale's). A MusicOutput."""
        if not isinstance(melody, str) or not melody.strip():
            raise InputError("melody must be a tune in ABC, e.g. 'X:1\\nM:4/4\\nL:1/4\\nK:G\\nG A B c | d2 B2 |]', "
                             "or one of the held-out chorale melodies (chorale_melody).")
        return self._translator(model, "music")(seed=seed, melody=melody, **params)

    def chorale_melodies(self, model: str) -> list[str]:
        """The held-out chorales a chorale model ships, as "bwv269 (G major)": their soprano
        lines can be harmonised, their own harmonisations heard. Read from the folder."""
        from . import checkpoint as ckpt
        from .data.chorales import HELD_OUT_FILE

        path = self._translator_entry(model, "music").path / HELD_OUT_FILE
        return [f"{c['name']} ({c['key']})" for c in ckpt.read_json(path)] if path.is_file() else []

    def chorale_melody(self, model: str, name: str) -> str:
        """The soprano line of a held-out chorale, as ABC."""
        return self._translator(model, "music").melody(name)

    def real_chorale(self, model: str, name: str, program: str = "Church Organ", tempo: int = 80):
        """Bach's own harmonisation of a held-out chorale, rendered as the model's are."""
        return self._translator(model, "music").bach(name, program=program, tempo=tempo)

    # --- measuring (aigc_demo/evaluation) ------------------------------------------------

    def image_evaluator(self):
        return self.evaluators.image()

    def digit_evaluator(self):
        return self.evaluators.audio()

    def measure_image(self, model: str, n: int | None = None, seed: int = 0):
        """Measure an image model now (a generator of progress, then the evaluate command's
        record; the same n and seed give the same figures). See evaluation/live.py."""
        pipe = self._pipeline("image", model)
        yield from live.measure_image(pipe, self.entry("image", model.strip()), self.image_evaluator(), n, seed)

    def measure_audio(self, model: str, n: int | None = None, seed: int = 0, vocoder: str = GRIFFIN_LIM):
        """Measure an audio generator now, through one vocoder (see measure_image)."""
        if model not in self.audio_models():
            raise InputError(f"model {model!r} is not an audio generator. Available: {', '.join(self.audio_models()) or 'none'}.")
        pipe, voc = self._pipeline("audio", model), self._vocoder(vocoder)
        yield from live.measure_audio(pipe, self.entry("audio", model), self.digit_evaluator(), vocoder or GRIFFIN_LIM,
                                      voc, n, seed)

    def measure_text(self, model: str, n: int | None = None, seed: int = 0):
        """Measure a shipped text model now (see measure_image); needs the fortunes corpus."""
        if not isinstance(model, str) or model.strip() not in self.models("text"):
            raise InputError(f"Unknown text model {model!r}. Available: {', '.join(self.models('text')) or 'none'}.")
        pipe = self._pipeline("text", model)
        yield from live.measure_text(pipe, self.entry("text", model.strip()), n, seed)

    def shipped_record(self, modality: str, model: str, vocoder: str | None = None) -> dict:
        """The shipped metrics.json of a model, as a live measurement of it would show it."""
        return live.shipped_record(self.entry(modality, model), vocoder)

    def score_images(self, paths: list, seed: int = 0) -> dict:
        """Your own images against Fashion-MNIST (see evaluation/scoring.py)."""
        return scoring.score_images(paths, self.image_evaluator(), seed)

    def score_clips(self, paths: list, seed: int = 0) -> dict:
        """Your own recordings against the spoken digits (see evaluation/scoring.py)."""
        return scoring.score_clips(paths, self.digit_evaluator(), seed)

    def score_texts(self, text: str = "", paths: list | None = None, seed: int = 0) -> dict:
        """Your own texts scored as the text models are, beside the held-out real text of the
        shipped text records (see evaluation/scoring.py)."""
        shipped = next((e.metrics for e in self.entries if e.modality == "text" and e.metrics.get("per_language")), {})
        real = shipped.get("per_language", {}).get("real_reference", {})
        return scoring.score_texts(text, paths, seed, real_reference=real)

    @staticmethod
    def bleu_tokenizers() -> list[str]:
        from .metrics.text import TOKENIZERS

        return list(TOKENIZERS)

    @staticmethod
    def bleu(hypotheses: str, references: str, tokenize: str = "auto") -> dict:
        """BLEU of newline-separated hypotheses against references (see evaluation/scoring.py)."""
        return scoring.bleu(hypotheses, references, tokenize)

    def nearest_training_images(self, model: str, label="all classes", n: int | None = None, seed: int | None = None,
                                k: int | None = None):
        """"Is it copying?": fresh samples, each with its k nearest training images in the
        classifier's features, and the distance real test images typically have to theirs."""
        out = self.generate_image(model, label=label, n=copies.SAMPLES.check(n), seed=seed)
        return copies.nearest_training_images(out, self.image_evaluator(), k)

    def nearest_training_texts(self, model: str, n: int | None = None, seed: int | None = None,
                               max_new_tokens: int | None = None) -> dict:
        """"Is it copying?" for text: n fresh samples (the metrics' plain sampling), each with
        the longest run of words (Chinese: characters) it shares with one training record,
        beside the median such run of held-out real records."""
        n, seed = copies.TEXT_SAMPLES.check(n), resolve_seed(seed)
        max_new_tokens = copies.TEXT_MAX_NEW_TOKENS.check(max_new_tokens)
        pipe = self.text_pipeline(model)
        overlap = self.evaluators.text_overlap()
        return copies.nearest_training_texts(pipe.sample(n, seed=seed, max_new_tokens=max_new_tokens), overlap, seed)
