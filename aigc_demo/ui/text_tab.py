"""The Text tab: streamed text generation with the project's language models (or a hub model)."""

from __future__ import annotations

import secrets

import gradio as gr

from ..pipelines.base import MAX_SEED
from ..pipelines.text import DEFAULTS, PRESETS
from .common import disabled_note, not_trained, user_errors

EXAMPLES = [
    "A friend is someone who",
    "The trouble with computers is",
    "Love is",
    "Q: Why did the programmer quit his job?\nA:",
    "春眠不觉晓，",
    "人生",
    "《静夜思》\n作者：李白\n",
]
PRESET_KEYS = ("temperature", "top_k", "top_p", "num_beams", "repetition_penalty")


def _stats(out) -> str:
    m = out.meta
    rate = f"{m['tokens_per_s']:.0f} tokens/s" if m.get("tokens_per_s") else "-"
    first = f" · first token after {m['first_token_s']:.2f} s" if m.get("first_token_s") is not None else ""
    state = "" if out.finished else " · *streaming…*"
    notes = "".join(f"\n\n> {n}" for n in out.notices)
    return (f"`{m['model']}` · **{m['new_tokens']} new tokens** in {m['seconds']:.2f} s ({rate}){first} · "
            f"effective seed **{m['seed']}** · stopped by: {m['stop_reason']}{state}{notes}")


def build(studio) -> gr.Dropdown | None:
    names = studio.models("text")

    @user_errors
    def generate_text(prompt: str = "", model: str = names[0] if names else "", max_new_tokens: int = 64,
                      temperature: float = 0.8, top_k: int = 50, top_p: float = 0.95, num_beams: int = 1,
                      repetition_penalty: float = 1.1, seed: int = -1) -> str:
        """Continue a prompt with a text model (a built-in name, or a Hugging Face model id
        owner/name when a network exists); returns the full text, prompt included. seed -1
        draws a random seed."""
        out = studio.generate_text(prompt, model, max_new_tokens=max_new_tokens, temperature=temperature, top_k=top_k,
                                   top_p=top_p, num_beams=num_beams, repetition_penalty=repetition_penalty, seed=seed)
        return out.text

    notice = not_trained("text", studio)
    if notice:
        gr.Markdown(notice)
        # The endpoint exists all the same, so scripts get a clear error rather than a 404.
        gr.api(generate_text, api_name="generate_text", concurrency_limit=2)
        return
    if note := disabled_note("text", studio):
        gr.Markdown(note)

    @user_errors
    def stream(prompt, model, hub_id, max_new_tokens, temperature, top_k, top_p, num_beams, repetition_penalty, seed):
        chosen = hub_id.strip() if isinstance(hub_id, str) and hub_id.strip() else model
        for out in studio.stream_text(prompt, chosen, max_new_tokens=max_new_tokens, temperature=temperature,
                                      top_k=top_k, top_p=top_p, num_beams=num_beams,
                                      repetition_penalty=repetition_penalty, seed=seed):
            yield out.text, _stats(out), out.meta if out.finished else gr.skip()

    @user_errors
    def compare(prompt, model_a, model_b, max_new_tokens, temperature, top_k, top_p, num_beams, repetition_penalty,
                seed):
        outs = studio.compare_text(prompt, model_a, model_b, seed=seed, max_new_tokens=max_new_tokens,
                                   temperature=temperature, top_k=top_k, top_p=top_p, num_beams=num_beams,
                                   repetition_penalty=repetition_penalty)
        return outs[0].text, _stats(outs[0]), outs[1].text, _stats(outs[1])

    with gr.Row():
        with gr.Column(scale=2, min_width=300):
            prompt = gr.Textbox(label="Prompt", lines=4, max_length=studio.MAX_PROMPT_CHARS, elem_id="text-prompt",
                                placeholder="A few words in English or Chinese for the model to continue")
            gr.Examples([[e] for e in EXAMPLES], inputs=prompt, label="Examples (English and Chinese)")
            with gr.Row():
                model = gr.Dropdown(names, value=names[0], label="Model", allow_custom_value=True)
                hub_id = gr.Textbox(label="…or a Hugging Face model id", placeholder="owner/name, e.g. distilbert/distilgpt2 (needs a network)")
            with gr.Accordion("Decoding", open=False):
                preset = gr.Radio(list(PRESETS), value="balanced", label="Preset")
                max_new_tokens = gr.Slider(1, 512, value=DEFAULTS["max_new_tokens"], step=1, label="Max new tokens")
                temperature = gr.Slider(0, 2, value=DEFAULTS["temperature"], step=0.05, label="Temperature (0 = greedy)")
                top_k = gr.Slider(0, 200, value=DEFAULTS["top_k"], step=1, label="Top-k (0 = off)")
                top_p = gr.Slider(0.05, 1, value=DEFAULTS["top_p"], step=0.01, label="Top-p")
                num_beams = gr.Slider(1, 8, value=DEFAULTS["num_beams"], step=1, label="Beams (>1: beam search)")
                repetition_penalty = gr.Slider(1, 2, value=DEFAULTS["repetition_penalty"], step=0.05,
                                               label="Repetition penalty")
            with gr.Row():
                seed = gr.Number(value=-1, precision=0, minimum=-1, maximum=MAX_SEED, label="Seed (-1: random)", scale=3)
                dice = gr.Button("Random seed", scale=1, min_width=60)
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

    decoding = [max_new_tokens, temperature, top_k, top_p, num_beams, repetition_penalty]
    preset.change(lambda p: [PRESETS[p][k] for k in PRESET_KEYS] if p in PRESETS else [gr.skip()] * len(PRESET_KEYS),
                  preset, [temperature, top_k, top_p, num_beams, repetition_penalty], api_visibility="private")
    dice.click(lambda: secrets.randbelow(MAX_SEED + 1), None, seed, api_visibility="private")
    event = go.click(stream, [prompt, model, hub_id, *decoding, seed], [output, stats, meta],
                     api_name="stream_text", concurrency_limit=2)
    submitted = prompt.submit(stream, [prompt, model, hub_id, *decoding, seed], [output, stats, meta],
                              api_visibility="private", concurrency_limit=2)
    stop.click(None, None, None, cancels=[event, submitted], api_visibility="private")
    cmp_go.click(compare, [prompt, model_a, model_b, *decoding, seed], [out_a, stats_a, out_b, stats_b],
                 api_name="compare_text_models", concurrency_limit=1)
    gr.api(generate_text, api_name="generate_text", concurrency_limit=2)
    return model  # the model picker, which the Metrics tab's table can set
