"""The Image tab: class-conditional generation, pictures from a description, interpolation,
reconstruction, translation, captions of a picture (and the round trip), comparison.

Built from declarations: the models the registry found, and for each its family's controls
(aigc_demo/families/). A control shows while a model whose family declares it is picked;
the generation endpoint takes every image family's controls as parameters.
"""

from __future__ import annotations

import json

import gradio as gr

from .. import exports, plots
from ..controls import MAX_SEED
from ..families.image import (ALL_CLASSES, CAPTION_BEAMS, CAPTION_LANGUAGE, CAPTION_LANGUAGES, DIRECTION,
                              INTERPOLATION_STEPS, LABEL, MAX_PROMPT_CHARS, N, PROMPT_CLASS_GUIDANCE,
                              PROMPT_EXAMPLES, PROMPT_GUIDANCE, PROMPT_STEPS)
from ..studio import InputError
from .common import bind, disabled_note, example_picker, not_trained, own_controls, seed_row, show_controls, widget

CLASSES = [c for c in LABEL.choices if c != ALL_CLASSES]


def _gallery(output):
    """The 28x28 pictures themselves, each carrying its generation parameters as PNG text;
    the browser enlarges them with `image-rendering: pixelated` (ui/app.py's CSS), so they
    stay crisp at a fraction of the bytes an enlarged copy would cost. The parameters also
    make every response's files unique: Gradio caches outputs under a hash of their bytes,
    and two identical seeded requests at once would otherwise rewrite the same file while
    it is being served."""
    items = []
    for i, (im, cap) in enumerate(zip(output.images, output.labels)):
        im = im.copy()
        im.info["parameters"] = json.dumps({**output.meta, "index": i, "class": cap})
        items.append((im, cap))
    return items


def _info(output) -> str:
    m = output.meta
    return (f"**{len(output.images)} images** from `{m['model']}` in **{m['seconds']:.3f} s** on {m['device']} · "
            f"effective seed **{m['seed']}** · checkpoint `{m['checkpoint_sha256'][:12]}`")


# --- handlers: module level, the studio passed in (bound by `common.bind`) ------------------

def generate_image(studio, model: str = "", label: str = ALL_CLASSES, n: int = N.default, seed: int = -1, **controls):
    """Generate Fashion-MNIST images. Each model takes its own family's controls (the others
    are ignored); seed -1 draws a random seed (shown in the result). Returns the gallery, a
    summary, the metadata and a ZIP of PNGs with their parameters."""
    out = studio.generate_image(model, label=label, n=n, seed=seed, **own_controls(studio, "image", model, controls))
    return _gallery(out), _info(out), out.meta, str(exports.save_zip(out))


def generate_image_zip(studio, model: str = "", label: str = ALL_CLASSES, n: int = N.default, seed: int = -1,
                       **controls):
    """The images /generate_image makes for the same arguments, as one ZIP (each 28x28 PNG
    with its parameters in its metadata, and metadata.json), with the summary and the
    metadata: one file for a client to fetch whatever n, where the gallery is one a picture
    (gradio_client fetches those one after another)."""
    out = studio.generate_image(model, label=label, n=n, seed=seed, **own_controls(studio, "image", model, controls))
    return str(exports.save_zip(out)), _info(out), out.meta


def interpolate_image(studio, model: str, label: str, seed_a: int, seed_b: int, steps: int, **controls):
    out = studio.interpolate_image(model, label=label, seed_a=seed_a, seed_b=seed_b, steps=steps,
                                   **own_controls(studio, "image", model, controls))
    return _gallery(out), _info(out)


def reconstruct_image(studio, model: str, image, label: str):
    out = studio.reconstruct_image(model, image, label)
    return _gallery(out), _info(out)


def compare_image_models(studio, label: str, seed: int):
    outs = studio.compare_images(label=label, n=10, seed=seed)
    strips = [(plots.strip(out.images, scale=4), f"{out.meta['model']} ({out.meta['seconds']:.2f} s)") for out in outs]
    return strips, f"same class and seed **{outs[0].meta['seed'] if outs else seed}** through every model, default controls"


def translate_image(studio, model: str = "", image: str | None = None, direction: str = DIRECTION.default):
    """Translate a picture between a translator's two classes (the shipped one: Sneaker <->
    Ankle boot) and back. direction: auto (the class the project's classifier sees decides),
    a_to_b or b_to_a; a picture of neither class is refused. Any picture is turned into 28x28
    grayscale, a dark object on a light ground inverted. Returns the input, the translation
    and the round trip, and a summary."""
    if image is None:
        raise InputError("Upload a picture (PNG or JPEG), or pick one of the examples.")
    out = studio.translate_image(model, image, direction)
    p = out.meta["params"]
    inverted = " (inverted: it was a dark object on a light ground)" if p.get("inverted") else ""
    info = (f"**{p['from']} → {p['to']}** by `{out.meta['model']}` in {out.meta['seconds']:.3f} s · the project's "
            f"classifier sees the input as **{p['classifier_sees']}**{inverted} and the translation as "
            f"**{p['classifier_sees_translation']}**")
    return _gallery(out), info


def caption_image(studio, model: str = "", image: str | None = None, language: str = CAPTION_LANGUAGE.default,
                  num_beams: int = CAPTION_BEAMS.default):
    """Describe a picture in words with a model that writes captions: the greedy caption and the beam
    search's (num_beams wide; 1: greedy only), in English (en), Chinese (zh) or both. The
    captions are synthetic-style: the class plus measured attributes (tone, width, texture,
    shoe height), as the model was trained on. Returns the captions and checks as Markdown,
    where each word of the beam caption looked (a gallery: the picture with that word's
    attention over its 7x7 regions), and the metadata (with the captions)."""
    if image is None:
        raise InputError("Upload a picture (PNG or JPEG), or pick one of the examples.")
    out = studio.caption_image(model, image, language, num_beams)
    p = out.meta["params"]
    rows = ["| | greedy | beam search (" + str(p["num_beams"]) + ") |", "|---|---|---|"]
    rows += [f"| {CAPTION_LANGUAGES[lang]} | {c['greedy'] or '(empty)'} | {c['beam'] or '(empty)'} |"
             for lang, c in out.captions.items()]
    m = out.measured
    said = ", ".join(m["said"].values()) or "no attribute words"
    measured = ", ".join(m["words"].values()) or "none outside the class's middle thirds"
    check = (f"The caption names **{m['class'] or 'no single class'}** with {said}; measured on the picture for that "
             f"class: {measured}." if m["class"] else "The caption names no single class.")
    inverted = " It was a dark object on a light ground, so it was inverted first." if p.get("inverted") else ""
    info = "\n".join(rows) + (f"\n\n{check} The project's classifier sees **{p['classifier_sees']}**.{inverted}\n\n"
                               f"*{out.meta['note']}* (`{out.meta['model']}`, {out.meta['seconds']:.3f} s)")
    first = next(iter(out.words))
    return info, plots.attention_overlays(out.image, out.words[first], out.attention[first]), \
        {**out.meta, "captions": out.captions, "measured": out.measured}


# the sampler's controls, declared once (families)
STEPS, GUIDANCE, CLASS_GUIDANCE = PROMPT_STEPS, PROMPT_GUIDANCE, PROMPT_CLASS_GUIDANCE


def _asked(asked: dict) -> str:
    words = ", ".join(asked["words"].values())
    return f"{asked['class'] or 'no single class'}" + (f" ({words})" if words else "")


def _class_term(meta: dict) -> str:
    c = meta["params"].get("class_guidance", 0)
    if not c:
        return ""
    return f" + class {c}" + (" (no single class named: no class term)" if meta.get("class_guidance_note") else "")


def _prompt_report(out) -> str:
    """The request and, per picture, what the project's classifier sees and what the
    attribute functions measure, beside what the prompt asked."""
    m = out.meta
    rows = ["| # | classifier sees | measured | asked |", "|---|---|---|---|"]
    for i, v in enumerate(out.verdicts):
        words = ", ".join(v["words"].values()) or "—"
        ok = "✓" if out.asked["class"] == v["class"] else ("✗" if out.asked["class"] else "")
        rows.append(f"| {i + 1} | {v['class']} (p = {v['p']:.2f}) {ok} | {words} | {_asked(out.asked)} |")
    neg = f" · negative prompt *{m['params']['negative_prompt']}*" if m["params"]["negative_prompt"] else ""
    return (f"**{len(out.images)} pictures** of *{m['params']['prompt']}*{neg} from `{m['model']}` in "
            f"**{m['seconds']:.3f} s** · guidance {m['params']['guidance']}{_class_term(m)} · "
            f"{m['params']['steps']} DDIM steps · "
            f"effective seed **{m['seed']}**\n\n" + "\n".join(rows)
            + "\n\nMeasured: the attribute words of the captions' functions on each picture (middle thirds "
              f"unsaid), for the class asked. *{m['note']}*")


def _prompt_gallery(out):
    """The pictures, each carrying its prompt and parameters as PNG text, captioned with
    the classifier's verdict."""
    items = _gallery(out)
    return [(im, f"{v['class']} (p = {v['p']:.2f})") for (im, _), v in zip(items, out.verdicts)]


def generate_image_from_text(studio, prompt: str = "", negative_prompt: str = "", model: str = "",
                             n: int = N.default, seed: int = -1, guidance: float = GUIDANCE.default,
                             steps: int = STEPS.default, class_guidance: float = CLASS_GUIDANCE.default):
    """Draw Fashion-MNIST pictures of a typed description, in English or Chinese (at most
    {max_chars} characters), e.g. "a dark, wide coat" or "一件深色、宽的外套". The model
    knows only the words of its synthetic captions (the class plus tone, width, texture and
    shoe-height words); a prompt with other words is refused with the list of those it
    knows. negative_prompt (may be empty): what guidance steers away from. guidance: the
    classifier-free guidance weight (1 = none); steps: DDIM steps; class_guidance: an extra
    term towards the class named alone (composable guidance; 0 = off). Returns the gallery
    (each PNG carries the prompt and parameters), a report (per picture the project's
    classifier's verdict and the measured attributes beside what was asked), the metadata
    and a ZIP of the PNGs."""
    out = studio.generate_image_from_text(model, prompt, negative_prompt, n=n, seed=seed, guidance=guidance,
                                          steps=steps, class_guidance=class_guidance)
    meta = {**out.meta, "asked": out.asked, "verdicts": out.verdicts}
    return _prompt_gallery(out), _prompt_report(out), meta, str(exports.save_zip(out))


def describe_then_draw(studio, image=None, model: str = "", text_model: str = "", seed: int = 0):
    """The round trip: caption a picture in English (beam search), then draw that caption
    with a text-to-image model. Returns the caption, the gallery and the report."""
    if image is None:
        raise InputError("Upload a picture (PNG or JPEG), or pick one of the examples.")
    caption, out = studio.describe_then_draw(model, image, text_model, n=8, seed=seed)
    return caption, _prompt_gallery(out), _prompt_report(out)


generate_image_from_text.__doc__ = generate_image_from_text.__doc__.format(max_chars=MAX_PROMPT_CHARS)


# --- the tab --------------------------------------------------------------------------------

def build(studio) -> gr.Dropdown | None:
    names = studio.models("image")
    controls = studio.controls("image")  # every declared image family's controls, each once
    generate = bind(generate_image, studio, controls=controls,
                    defaults={"model": names[0]} if names else None)
    generate_zip = bind(generate_image_zip, studio, controls=controls,
                        defaults={"model": names[0]} if names else None)
    notice = not_trained("image", studio)
    if notice:
        gr.Markdown(notice)
        # The endpoints exist all the same, so scripts get a clear error rather than a 404.
        gr.api(generate, api_name="generate_image", concurrency_limit=2)
        gr.api(generate_zip, api_name="generate_image_zip", concurrency_limit=2)
        return None
    if note := disabled_note("image", studio):
        gr.Markdown(note)

    first = set(c.name for c in studio.controls("image", names[0]))
    with gr.Row():
        with gr.Column(scale=1, min_width=280):
            model = gr.Dropdown(names, value=names[0], label="Model", allow_custom_value=True)
            label = gr.Dropdown(list(LABEL.choices), value=LABEL.default, label=LABEL.label, allow_custom_value=True)
            n = widget(N)
            seed = seed_row()
            widgets = {c.name: widget(c, visible=c.name in first) for c in controls}
            go = gr.Button("Generate", variant="primary")
        with gr.Column(scale=3):
            gallery = gr.Gallery(label="Samples", columns=8, height="auto", format="png", object_fit="contain",
                                 allow_preview=True)
            info = gr.Markdown()
            zip_file = gr.File(label="Download: PNGs with their parameters in the metadata (ZIP)")
            with gr.Accordion("Metadata", open=False):
                meta = gr.JSON()

    prompt_models = studio.prompt_models()
    from_text = bind(generate_image_from_text, studio, defaults={"model": prompt_models[0]} if prompt_models else None)
    if prompt_models:
        with gr.Accordion(f"From a description ({', '.join(prompt_models)})", open=True):
            gr.Markdown(f"Pictures drawn from a typed description by {studio.entry('image', prompt_models[0]).spec.summary}. "
                        "It learnt from *synthetic* captions (the Fashion-MNIST class plus tone, width, texture and shoe "
                        "height measured from the pixels), so it knows only their words; any other word is refused "
                        "with the list of those it knows. Each picture is checked by the project's classifier (not "
                        "used for guidance) and by the attribute functions.")
            with gr.Row():
                with gr.Column(scale=1, min_width=280):
                    t2i_model = gr.Dropdown(prompt_models, value=prompt_models[0], label="Model", allow_custom_value=True)
                    t2i_prompt = gr.Textbox(value=PROMPT_EXAMPLES[0], label="Prompt (English or Chinese)", lines=1,
                                            max_length=MAX_PROMPT_CHARS, elem_id="t2i-prompt")
                    gr.Examples([[e] for e in PROMPT_EXAMPLES], [t2i_prompt], label="Examples")
                    t2i_negative = gr.Textbox(value="", label="Negative prompt (optional)", lines=1,
                                              max_length=MAX_PROMPT_CHARS)
                    t2i_guidance, t2i_steps = widget(GUIDANCE), widget(STEPS)
                    t2i_class_guidance = widget(CLASS_GUIDANCE)
                    t2i_n = widget(N)
                    t2i_seed = seed_row()
                    t2i_go = gr.Button("Draw", variant="primary", elem_id="t2i-go")
                with gr.Column(scale=3):
                    t2i_gallery = gr.Gallery(label="Pictures (each PNG carries its prompt)", columns=8, height="auto",
                                             format="png", object_fit="contain", elem_id="t2i-gallery")
                    t2i_info = gr.Markdown(elem_id="t2i-info")
                    t2i_zip = gr.File(label="Download: PNGs with their prompt and parameters (ZIP)")
                    with gr.Accordion("Metadata", open=False):
                        t2i_meta = gr.JSON()
        t2i_go.click(from_text, [t2i_prompt, t2i_negative, t2i_model, t2i_n, t2i_seed, t2i_guidance, t2i_steps,
                                 t2i_class_guidance],
                     [t2i_gallery, t2i_info, t2i_meta, t2i_zip], api_name="generate_image_from_text", concurrency_limit=2)
    else:
        gr.api(from_text, api_name="generate_image_from_text")

    walkers = studio.models_that_can("image", "interpolate")
    walk_controls = [c for c in controls if any(c.name in {x.name for x in studio.controls("image", m)} for m in walkers)]
    with gr.Accordion(f"Latent interpolation ({', '.join(walkers) or 'no model with a latent space'})", open=False):
        with gr.Row():
            seed_a = gr.Number(value=0, precision=0, minimum=0, maximum=MAX_SEED, label="From seed")
            seed_b = gr.Number(value=1, precision=0, minimum=0, maximum=MAX_SEED, label="To seed")
            interp_steps = widget(INTERPOLATION_STEPS)
            interp_label = gr.Dropdown(CLASSES, value=CLASSES[0], label=LABEL.label)
            interp_go = gr.Button("Interpolate")
        path = gr.Gallery(label="Interpolation", columns=10, height="auto", format="png", object_fit="contain")
        interp_info = gr.Markdown()

    encoders = studio.models_that_can("image", "reconstruct")
    with gr.Accordion(f"Reconstruction of your picture ({', '.join(encoders) or 'no model with an encoder'})",
                      open=False):
        with gr.Row():
            rec_model = gr.Dropdown(encoders, value=encoders[0] if encoders else None, label="Model",
                                    allow_custom_value=True)
            rec_image = gr.Image(type="pil", label="Picture (turned into 28x28 grayscale)", image_mode="L",
                                 sources=["upload", "clipboard"], height=200)
            rec_label = gr.Dropdown(CLASSES, value=CLASSES[0], label="Its class", allow_custom_value=True)
            rec_go = gr.Button("Reconstruct")
        rec_gallery = gr.Gallery(label="Input and reconstruction", columns=2, height="auto", format="png", object_fit="contain")
        rec_info = gr.Markdown()

    translate = bind(translate_image, studio, defaults={"model": studio.translators()[0]} if studio.translators() else None)
    translators = studio.translators()
    if translators:
        directions = studio.translation_directions(translators[0])
        examples = studio.translation_examples(translators[0])
        with gr.Accordion(f"Translate ({', '.join(translators)}: {' · '.join(directions.values())})", open=False):
            gr.Markdown(f"Unpaired image-to-image translation by {studio.entry('image', translators[0]).spec.summary}: "
                        "the model never saw a pair of matching pictures, only "
                        "pictures of each class. Upload a picture of either class or pick a held-out test picture; it "
                        "is translated, then translated back (the round trip shows what the translation kept).")
            with gr.Row():
                with gr.Column(scale=1, min_width=260):
                    tr_model = gr.Dropdown(translators, value=translators[0], label="Model", allow_custom_value=True)
                    tr_direction = gr.Radio([("auto: the classifier decides", "auto")]
                                            + [(label, d) for d, label in directions.items()],
                                            value=DIRECTION.default, label=DIRECTION.label)
                    tr_image = gr.Image(type="pil", label="Picture (turned into 28x28 grayscale)", image_mode="L",
                                        sources=["upload", "clipboard"], height=200, elem_id="translate-input")
                    tr_go = gr.Button("Translate", variant="primary")
                with gr.Column(scale=2):
                    tr_examples = gr.Gallery(examples, label="Held-out test pictures (pick one)", columns=8, height="auto",
                                             format="png", object_fit="contain", allow_preview=False)
                    tr_gallery = gr.Gallery(label="Input, translated, back", columns=3, height=240, format="png",
                                            object_fit="contain", elem_id="translate-output")
                    tr_info = gr.Markdown()
        tr_examples.select(example_picker(examples), None, tr_image, api_visibility="private")
        tr_go.click(translate, [tr_model, tr_image, tr_direction], [tr_gallery, tr_info], api_name="translate_image",
                    concurrency_limit=2)
    else:
        gr.api(translate, api_name="translate_image")

    describers = studio.describers()
    describe = bind(caption_image, studio, defaults={"model": describers[0]} if describers else None)
    if describers:
        cap_examples = studio.caption_examples(describers[0])
        with gr.Accordion(f"Describe an image ({', '.join(describers)})", open=False):
            gr.Markdown(f"Captions by {studio.entry('image', describers[0]).spec.summary}. It learnt from *synthetic* "
                        "captions: the Fashion-MNIST class plus attributes measured from the pixels (tone, width, "
                        "texture, shoe height), so that is what it writes. Upload a picture, pick a held-out test "
                        "picture, or click one of the generated samples above.")
            with gr.Row():
                with gr.Column(scale=1, min_width=260):
                    cap_model = gr.Dropdown(describers, value=describers[0], label="Model", allow_custom_value=True)
                    cap_image = gr.Image(type="pil", label="Picture (turned into 28x28 grayscale)", image_mode="L",
                                         sources=["upload", "clipboard"], height=200, elem_id="caption-input")
                    cap_language = gr.Radio([(label, code) for code, label in CAPTION_LANGUAGES.items()],
                                            value=CAPTION_LANGUAGE.default, label=CAPTION_LANGUAGE.label)
                    cap_beams = widget(CAPTION_BEAMS)
                    cap_go = gr.Button("Describe", variant="primary")
                with gr.Column(scale=2):
                    cap_gallery = gr.Gallery(cap_examples, label="Held-out test pictures, with their real captions "
                                             "(pick one)", columns=10, height="auto", format="png", object_fit="contain",
                                             allow_preview=False)
                    cap_info = gr.Markdown(elem_id="caption-output")
                    cap_attention = gr.Gallery(label="Where each word of the beam caption looked", columns=8,
                                               height="auto", format="png", object_fit="contain")
                    if prompt_models:
                        with gr.Row():
                            trip_go = gr.Button(f"Round trip: describe, then draw the description ({prompt_models[0]})")
                            trip_caption = gr.Textbox(label="The English caption drawn", interactive=False)
                        trip_gallery = gr.Gallery(label="The caption drawn", columns=8, height="auto", format="png",
                                                  object_fit="contain")
                        trip_info = gr.Markdown()
                    with gr.Accordion("Metadata", open=False):
                        cap_meta = gr.JSON()

        def pick_sample(samples, evt: gr.SelectData):  # a generated picture: the gallery's value is (file, caption) pairs
            return example_picker(samples or [])(evt)

        cap_gallery.select(example_picker(cap_examples), None, cap_image, api_visibility="private")
        gallery.select(pick_sample, gallery, cap_image, api_visibility="private")
        cap_go.click(describe, [cap_model, cap_image, cap_language, cap_beams], [cap_info, cap_attention, cap_meta],
                     api_name="caption_image", concurrency_limit=2)
        if prompt_models:
            trip = bind(describe_then_draw, studio, defaults={"model": describers[0], "text_model": prompt_models[0]})
            trip_go.click(trip, [cap_image, cap_model, t2i_model, t2i_seed], [trip_caption, trip_gallery, trip_info],
                          api_name="describe_then_draw", concurrency_limit=2)
    else:
        gr.api(describe, api_name="caption_image")

    with gr.Accordion("All models side by side", open=False):
        with gr.Row():
            cmp_label = gr.Dropdown(list(LABEL.choices), value=LABEL.default, label=LABEL.label)
            cmp_seed = gr.Number(value=0, precision=0, minimum=-1, maximum=MAX_SEED, label="Seed")
            cmp_go = gr.Button("Compare")
        cmp_gallery = gr.Gallery(label="One row per model", columns=1, height="auto", format="png", object_fit="contain")
        cmp_info = gr.Markdown()

    model.change(lambda m: show_controls(studio, "image", m, list(widgets)), model, list(widgets.values()), api_visibility="private")
    go.click(generate, [model, label, n, seed, *widgets.values()], [gallery, info, meta, zip_file],
             api_name="generate_image", concurrency_limit=2)
    # the same pictures in one file, for API clients (a button the page does not show)
    gr.Button(visible=False).click(generate_zip, [model, label, n, seed, *widgets.values()], [zip_file, info, meta],
                                   api_name="generate_image_zip", concurrency_limit=2)
    interp_go.click(bind(interpolate_image, studio, controls=walk_controls),
                    [model, interp_label, seed_a, seed_b, interp_steps, *(widgets[c.name] for c in walk_controls)],
                    [path, interp_info], api_name="interpolate_image", concurrency_limit=2)
    rec_go.click(bind(reconstruct_image, studio), [rec_model, rec_image, rec_label], [rec_gallery, rec_info],
                 api_name="reconstruct_image", concurrency_limit=2)
    cmp_go.click(bind(compare_image_models, studio), [cmp_label, cmp_seed], [cmp_gallery, cmp_info],
                 api_name="compare_image_models", concurrency_limit=1)
    return model  # the model picker, which the Metrics tab's table can set
