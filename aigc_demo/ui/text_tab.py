"""The Text tab: streamed text generation with the project's language models (or a hub model).

The decoding sliders, their ranges and defaults are the text families' declared controls
(aigc_demo/families/text.py), the same that validate every request.
"""

from __future__ import annotations

import inspect

import gradio as gr

from ..families.text import DECODING, EXAMPLE_HUB_ID, EXAMPLE_PROMPTS, MAX_PROMPT_CHARS, PRESETS
from .common import bind, control_parameters, disabled_note, not_trained, seed_row, widget

PRESET_KEYS = ("temperature", "top_k", "top_p", "num_beams", "repetition_penalty")


def _stats(out) -> str:
    m = out.meta
    rate = f"{m['tokens_per_s']:.0f} tokens/s" if m.get("tokens_per_s") else "-"
    first = f" · first token after {m['first_token_s']:.2f} s" if m.get("first_token_s") is not None else ""
    state = "" if out.finished else " · *streaming…*"
    notes = "".join(f"\n\n> {n}" for n in out.notices)
    return (f"`{m['model']}` · **{m['new_tokens']} new tokens** in {m['seconds']:.2f} s ({rate}){first} · "
            f"effective seed **{m['seed']}** · stopped by: {m['stop_reason']}{state}{notes}")


# --- handlers: module level, the studio passed in (bound by `common.bind`) ------------------

def generate_text(studio, prompt: str = "", model: str = "", **settings) -> str:
    """Continue a prompt with a text model (a built-in name, or a Hugging Face model id
    owner/name when a network exists); returns the full text, prompt included. seed -1
    draws a random seed."""
    seed = settings.pop("seed", -1)
    return studio.generate_text(prompt, model, seed=seed, **settings).text


def stream_text(studio, prompt, model, hub_id, **settings):
    seed = settings.pop("seed")
    chosen = hub_id.strip() if isinstance(hub_id, str) and hub_id.strip() else model
    for out in studio.stream_text(prompt, chosen, seed=seed, **settings):
        yield out.text, _stats(out), out.meta if out.finished else gr.skip()


def compare_text_models(studio, prompt, model_a, model_b, **settings):
    seed = settings.pop("seed")
    outs = studio.compare_text(prompt, model_a, model_b, seed=seed, **settings)
    return outs[0].text, _stats(outs[0]), outs[1].text, _stats(outs[1])


def _with_decoding(handler, studio):
    """`handler(studio, ..., **decoding, seed)` bound; its API parameters are the decoding
    controls, then the seed, all required (the sliders always send them)."""
    required = [p.replace(default=inspect.Parameter.empty) for p in control_parameters(list(DECODING))]
    return bind(handler, studio, parameters=required + [inspect.Parameter("seed", inspect.Parameter.POSITIONAL_OR_KEYWORD)])


# --- the tab --------------------------------------------------------------------------------

def build(studio) -> gr.Dropdown | None:
    names = studio.models("text")
    api_generate = bind(generate_text, studio, controls=list(DECODING), parameters=[
        inspect.Parameter("seed", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=-1, annotation=int)],
        defaults={"model": names[0]} if names else None)
    notice = not_trained("text", studio)
    if notice:
        gr.Markdown(notice)
        # The endpoint exists all the same, so scripts get a clear error rather than a 404.
        gr.api(api_generate, api_name="generate_text", concurrency_limit=2)
        return None
    if note := disabled_note("text", studio):
        gr.Markdown(note)

    with gr.Row():
        with gr.Column(scale=2, min_width=300):
            prompt = gr.Textbox(label="Prompt", lines=4, max_length=MAX_PROMPT_CHARS, elem_id="text-prompt",
                                placeholder="A few words in English or Chinese for the model to continue")
            gr.Examples([[e] for e in EXAMPLE_PROMPTS], inputs=prompt, label="Examples (English and Chinese)")
            with gr.Row():
                model = gr.Dropdown(names, value=names[0], label="Model", allow_custom_value=True)
                hub_id = gr.Textbox(label="…or a Hugging Face model id",
                                    placeholder=f"owner/name, e.g. {EXAMPLE_HUB_ID} (needs a network)")
            with gr.Accordion("Decoding", open=False):
                preset = gr.Radio(list(PRESETS), value="balanced", label="Preset")
                decoding = {c.name: widget(c) for c in DECODING}
            seed = seed_row()
            with gr.Row():
                go = gr.Button("Generate", variant="primary")
                stop = gr.Button("Stop", variant="stop")
        with gr.Column(scale=3):
            output = gr.Textbox(label="Output (prompt + continuation)", lines=14, interactive=False, buttons=["copy"],
                                elem_id="text-output")
            stats = gr.Markdown()
            with gr.Accordion("Metadata", open=False):
                meta = gr.JSON()

    with gr.Accordion("Two models side by side (same prompt, seed and settings)", open=False):
        with gr.Row():
            model_a = gr.Dropdown(names, value=names[0], label="Model A", allow_custom_value=True)
            model_b = gr.Dropdown(names, value=names[-1], label="Model B", allow_custom_value=True)
            cmp_go = gr.Button("Compare")
        with gr.Row():
            with gr.Column():
                out_a = gr.Textbox(label="Model A", lines=8, interactive=False)
                stats_a = gr.Markdown()
            with gr.Column():
                out_b = gr.Textbox(label="Model B", lines=8, interactive=False)
                stats_b = gr.Markdown()

    sliders = list(decoding.values())
    preset.change(lambda p: [PRESETS[p][k] for k in PRESET_KEYS] if p in PRESETS else [gr.skip()] * len(PRESET_KEYS),
                  preset, [decoding[k] for k in PRESET_KEYS], api_visibility="private")
    stream = _with_decoding(stream_text, studio)
    event = go.click(stream, [prompt, model, hub_id, *sliders, seed], [output, stats, meta],
                     api_name="stream_text", concurrency_limit=2)
    submitted = prompt.submit(stream, [prompt, model, hub_id, *sliders, seed], [output, stats, meta],
                              api_visibility="private", concurrency_limit=2)
    stop.click(None, None, None, cancels=[event, submitted], api_visibility="private")
    cmp_go.click(_with_decoding(compare_text_models, studio),
                 [prompt, model_a, model_b, *sliders, seed], [out_a, stats_a, out_b, stats_b],
                 api_name="compare_text_models", concurrency_limit=1)
    gr.api(api_generate, api_name="generate_text", concurrency_limit=2)
    return model  # the model picker, which the Metrics tab's table can set
