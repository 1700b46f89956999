"""The Text tab: streamed text generation with the project's language models (or a hub model).

The decoding sliders, their ranges and defaults are the text families' declared controls
(aigc_demo/families/text.py), the same that validate every request.
"""

from __future__ import annotations

import inspect

import gradio as gr

from .. import plots
from ..families.text import DECODING, EXAMPLE_HUB_ID, EXAMPLE_PROMPTS, MAX_POEM_LINE_CHARS, MAX_PROMPT_CHARS, POET_DECODING, PRESETS
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


def next_line(studio, line: str = "", model: str = "", num_beams: int = POET_DECODING[0].default, seed: int = -1,
              temperature: float = POET_DECODING[1].default, no_repeat_ngram_size: int = POET_DECODING[2].default):
    """The next line of a classical Chinese poem (1-16 Chinese characters in) by the poet: by beam search with num_beams beams (1: greedy), and greedily beside it; the
    attention weights of the first as a heat map (which input character each output
    character looked at). temperature > 0 samples the first one instead (seeded);
    no_repeat_ngram_size n: no n characters in a row twice (0: off). Returns the line, the
    greedy line, the heat map and the metadata."""
    out = studio.next_line(line, model, seed=seed, num_beams=num_beams, temperature=temperature,
                           no_repeat_ngram_size=no_repeat_ngram_size)
    greedy = studio.next_line(line, model, seed=seed, num_beams=1, temperature=0.0,
                              no_repeat_ngram_size=no_repeat_ngram_size)
    return out.text, greedy.text, plots.attention_heatmap(out.line, out.text, out.attention), out.meta


def _poem_section(studio, poets: list[str]) -> None:
    """The poet's section, or with no poet trained just its endpoint (a clear error, not a 404)."""
    if not poets:
        gr.api(bind(next_line, studio), api_name="next_line")
        return
    handler = bind(next_line, studio, defaults={"model": poets[0]})
    examples = studio.poem_examples(poets[0])
    with gr.Accordion(f"Next line of a poem ({', '.join(poets)})", open=False):
        summary = studio.entry("text", poets[0]).spec.summary
        gr.Markdown(f"{summary[:1].upper()}{summary[1:]}, trained on adjacent lines of the Tang "
                    "and Song poems in the corpus: type one line of a classical poem (five or seven characters), get the "
                    "next one. "
                    "The examples are first lines of held-out poems. The heat map shows which input character each "
                    "output character attended to.")
        with gr.Row():
            with gr.Column(scale=1, min_width=260):
                line = gr.Textbox(label=f"A line (Chinese, at most {MAX_POEM_LINE_CHARS} characters)", max_length=40,
                                  elem_id="poem-line", value=examples[0] if examples else "")
                if examples:
                    gr.Examples([[e] for e in examples[:12]], inputs=line, label="First lines of held-out poems")
                model = gr.Dropdown(poets, value=poets[0], label="Model", allow_custom_value=True)
                beams, temperature, no_repeat = (widget(c) for c in POET_DECODING)
                seed = seed_row()
                go = gr.Button("Write the next line", variant="primary")
            with gr.Column(scale=2):
                with gr.Row():
                    beam_out = gr.Textbox(label="Next line (beam search)", interactive=False, elem_id="poem-beam")
                    greedy_out = gr.Textbox(label="Next line (greedy)", interactive=False, elem_id="poem-greedy")
                heat = gr.Plot(label="Attention: output characters (rows) over input characters (columns)")
                with gr.Accordion("Metadata", open=False):
                    meta = gr.JSON()
    go.click(handler, [line, model, beams, seed, temperature, no_repeat], [beam_out, greedy_out, heat, meta], api_name="next_line",
             concurrency_limit=2)


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
        _poem_section(studio, studio.translators("text"))
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
    _poem_section(studio, studio.translators("text"))
    return model  # the model picker, which the Metrics tab's table can set
