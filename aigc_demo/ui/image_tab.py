"""The Image tab: class-conditional Fashion-MNIST generation, interpolation, comparison."""

from __future__ import annotations

import json
import secrets

import gradio as gr

from ..data.fashion_mnist import CLASSES
from ..pipelines.base import MAX_SEED
from ..pipelines.image import ALL_CLASSES, MAX_IMAGES, DCGANPipeline, DiffusionPipeline, VAEPipeline
from ..images import strip
from .common import disabled_note, not_trained, user_errors

DISPLAY_SCALE = 8  # 28 px -> 224 px, nearest neighbour: crisp pixels, no blur
PIPELINES = {cls.family: cls for cls in (DCGANPipeline, VAEPipeline, DiffusionPipeline)}
# The UI controls of each family, in the order of generate_image's parameters.
FAMILY_PARAMS = {family: [*cls.controls, *(["sampler"] if family == "diffusion" else [])] for family, cls in PIPELINES.items()}


def _gallery(output):
    """Enlarged copies for display, each carrying its generation parameters as PNG text.
    That also makes every response's files unique: Gradio caches outputs under a hash of
    their bytes, and two identical seeded requests at once would otherwise rewrite the same
    file while it is being served."""
    items = []
    for i, (im, cap) in enumerate(zip(output.images, output.labels)):
        big = im.resize((im.width * DISPLAY_SCALE, im.height * DISPLAY_SCALE), 0)
        big.info["parameters"] = json.dumps({**output.meta, "index": i, "class": cap})
        items.append((big, cap))
    return items


def _info(output) -> str:
    m = output.meta
    return (f"**{len(output.images)} images** from `{m['model']}` in **{m['seconds']:.3f} s** on {m['device']} · "
            f"effective seed **{m['seed']}** · checkpoint `{m['checkpoint_sha256'][:12]}`")


def build(studio) -> gr.Dropdown | None:
    names = studio.models("image")

    def family_of(model: str) -> str | None:
        try:
            return studio.family("image", model)
        except Exception:
            return None

    @user_errors
    def generate_image(model: str = names[0] if names else "", label: str = ALL_CLASSES, n: int = 16, seed: int = -1,
                       truncation: float = 0.0, temperature: float = 1.0, steps: int = 25, guidance: float = 2.0,
                       sampler: str = "ddim"):
        """Generate Fashion-MNIST images. truncation: DCGAN only (0 = off); temperature: VAE only;
        steps, guidance, sampler: diffusion only. seed -1 draws a random seed (shown in the result)."""
        given = dict(truncation=truncation, temperature=temperature, steps=steps, guidance=guidance, sampler=sampler)
        family = family_of(model) if isinstance(model, str) else None
        params = {k: given[k] for k in FAMILY_PARAMS.get(family, [])}
        out = studio.generate_image(model, label=label, n=n, seed=seed, **params)
        return _gallery(out), _info(out), out.meta, str(studio.save_zip(out))

    @user_errors
    def interpolate(model: str, label: str, seed_a: int, seed_b: int, steps: int, truncation: float, temperature: float):
        family = family_of(model)
        params = {"dcgan": {"truncation": truncation}, "vae": {"temperature": temperature}}.get(family, {})
        out = studio.interpolate_image(model, label=label, seed_a=seed_a, seed_b=seed_b, steps=steps, **params)
        return _gallery(out), _info(out)

    @user_errors
    def reconstruct(model: str, image, label: str):
        out = studio.reconstruct_image(model, image, label)
        return _gallery(out), _info(out)

    @user_errors
    def compare(label: str, seed: int):
        outs = studio.compare_images(label=label, n=10, seed=seed)
        strips = [(strip(out.images, scale=4), f"{out.meta['model']} ({out.meta['seconds']:.2f} s)") for out in outs]
        return strips, f"same class and seed **{outs[0].meta['seed'] if outs else seed}** through every model, default controls"

    notice = not_trained("image", studio)
    if notice:
        gr.Markdown(notice)
        # The endpoint exists all the same, so scripts get a clear error rather than a 404.
        gr.api(generate_image, api_name="generate_image", concurrency_limit=2)
        return
    if note := disabled_note("image", studio):
        gr.Markdown(note)

    with gr.Row():
        with gr.Column(scale=1, min_width=280):
            model = gr.Dropdown(names, value=names[0], label="Model", allow_custom_value=True)
            label = gr.Dropdown([ALL_CLASSES, *CLASSES], value=ALL_CLASSES, label="Class", allow_custom_value=True)
            n = gr.Slider(1, MAX_IMAGES, value=16, step=1, label="Number of images")
            with gr.Row():
                seed = gr.Number(value=-1, precision=0, minimum=-1, maximum=MAX_SEED, label="Seed (-1: random)", scale=3)
                dice = gr.Button("Random seed", scale=1, min_width=60)
            first = family_of(names[0])
            truncation = gr.Slider(0, 4, value=0, step=0.05, label="Truncation ψ (0 = off)", visible=first == "dcgan")
            temperature = gr.Slider(0, 3, value=1.0, step=0.05, label="Temperature", visible=first == "vae")
            steps = gr.Slider(1, 250, value=25, step=1, label="Sampling steps", visible=first == "diffusion")
            guidance = gr.Slider(0, 10, value=2.0, step=0.1, label="Guidance scale (1 = none)", visible=first == "diffusion")
            sampler = gr.Radio(list(DiffusionPipeline.samplers), value="ddim", label="Sampler", visible=first == "diffusion")
            go = gr.Button("Generate", variant="primary")
        with gr.Column(scale=3):
            gallery = gr.Gallery(label="Samples", columns=8, height="auto", format="png", object_fit="contain",
                                 allow_preview=True)
            info = gr.Markdown()
            zip_file = gr.File(label="Download: PNGs with their parameters in the metadata (ZIP)")
            with gr.Accordion("Metadata", open=False):
                meta = gr.JSON()

    with gr.Accordion("Latent interpolation (GAN and VAE)", open=False):
        with gr.Row():
            seed_a = gr.Number(value=0, precision=0, minimum=0, maximum=MAX_SEED, label="From seed")
            seed_b = gr.Number(value=1, precision=0, minimum=0, maximum=MAX_SEED, label="To seed")
            interp_steps = gr.Slider(2, 16, value=10, step=1, label="Steps")
            interp_label = gr.Dropdown(list(CLASSES), value=CLASSES[0], label="Class")
            interp_go = gr.Button("Interpolate")
        path = gr.Gallery(label="Interpolation", columns=10, height="auto", format="png", object_fit="contain")
        interp_info = gr.Markdown()

    vae_names = [m for m in names if family_of(m) == "vae"]
    with gr.Accordion("VAE reconstruction of your picture", open=False):
        with gr.Row():
            rec_model = gr.Dropdown(vae_names, value=vae_names[0] if vae_names else None, label="VAE", allow_custom_value=True)
            rec_image = gr.Image(type="pil", label="Picture (turned into 28x28 grayscale)", image_mode="L",
                                 sources=["upload", "clipboard"], height=200)
            rec_label = gr.Dropdown(list(CLASSES), value=CLASSES[0], label="Its class", allow_custom_value=True)
            rec_go = gr.Button("Reconstruct")
        rec_gallery = gr.Gallery(label="Input and reconstruction", columns=2, height="auto", format="png", object_fit="contain")
        rec_info = gr.Markdown()

    with gr.Accordion("All models side by side", open=False):
        with gr.Row():
            cmp_label = gr.Dropdown([ALL_CLASSES, *CLASSES], value=ALL_CLASSES, label="Class")
            cmp_seed = gr.Number(value=0, precision=0, minimum=-1, maximum=MAX_SEED, label="Seed")
            cmp_go = gr.Button("Compare")
        cmp_gallery = gr.Gallery(label="One row per model", columns=1, height="auto", format="png", object_fit="contain")
        cmp_info = gr.Markdown()

    def show_controls(m):
        f = family_of(m)
        return (gr.update(visible=f == "dcgan"), gr.update(visible=f == "vae"),
                *[gr.update(visible=f == "diffusion")] * 3)

    model.change(show_controls, model, [truncation, temperature, steps, guidance, sampler], api_visibility="private")
    dice.click(lambda: secrets.randbelow(MAX_SEED + 1), None, seed, api_visibility="private")
    go.click(generate_image, [model, label, n, seed, truncation, temperature, steps, guidance, sampler],
             [gallery, info, meta, zip_file], api_name="generate_image", concurrency_limit=2)
    interp_go.click(interpolate, [model, interp_label, seed_a, seed_b, interp_steps, truncation, temperature],
                    [path, interp_info], api_name="interpolate_image", concurrency_limit=2)
    rec_go.click(reconstruct, [rec_model, rec_image, rec_label], [rec_gallery, rec_info], api_name="reconstruct_image",
                 concurrency_limit=2)
    cmp_go.click(compare, [cmp_label, cmp_seed], [cmp_gallery, cmp_info], api_name="compare_image_models", concurrency_limit=1)
    return model  # the model picker, which the Metrics tab's table can set
