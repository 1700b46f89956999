"""The first screen's showcase: one click draws one fresh sample of each modality from its
best-measured model, large and without controls (presenter mode), each linking to its tab."""

from __future__ import annotations

import gradio as gr

from .. import exports, plots
from ..arena import MODALITIES
from ..arena.contest import one_line
from .common import bind

TITLES = {"text": "Text", "image": "Images", "audio": "Speech"}


def _caption(modality: str, item: dict) -> str:
    """Which model made it, from what input, and the metric it was picked by."""
    m, i = item["metric"], item["inputs"]
    figure = f"{item['metric_name']} {m:.4g}" if isinstance(m, (int, float)) else "not measured yet"
    said = {"text": f"continuing “{one_line(i.get('prompt', ''))}”", "image": f"“{i.get('label')}”",
            "audio": f"saying {i.get('digits')}"}[modality]
    return f"`{item['model']}` {said} · seed {item['seed']} · {figure}"


# --- handlers: module level, the arena passed in (bound by `common.bind`) -------------------

def showcase(arena, seed: int = -1):
    """One fresh sample per modality from its best-measured model: a text, a grid of 8 images
    (4 x 2, enlarged 4x), a spoken number. Returns, per modality, the output and a caption
    naming the model, its input and its metric (empty where a modality has no model)."""
    drawn = arena.showcase(seed)
    out = []
    for modality in MODALITIES:
        item = drawn.get(modality)
        if item is None:
            out += [None, ""]
            continue
        o = item["output"]
        value = (o.text if modality == "text" else plots.grid(o.images, columns=4, scale=4) if modality == "image"
                 else str(exports.save_wav(o)))
        out += [value, _caption(modality, item)]
    return out


def build(arena) -> dict:
    """The showcase; returns {modality: its "open the tab" button} for the app to wire."""
    best = {m: arena.best(m) for m in MODALITIES}
    shown = [m for m in MODALITIES if best[m]]
    draw = bind(showcase, arena)
    links = {}
    if not shown:
        gr.api(draw, api_name="showcase")
        return links
    with gr.Group(elem_id="showcase"):
        with gr.Row(equal_height=True):
            gr.Markdown("### Showcase\nOne fresh sample of each kind from the best-measured model, "
                        "by its automatic metric.", elem_classes="showcase-head")
            go = gr.Button("Show me something new", variant="primary", size="lg", elem_id="showcase-go", scale=0,
                           min_width=260)
        outputs = []
        with gr.Row(equal_height=True):
            for m in MODALITIES:
                with gr.Column(visible=m in shown, min_width=280):
                    gr.Markdown(f"#### {TITLES[m]} · `{best[m]}`" if best[m] else "")
                    if m == "text":
                        view = gr.Textbox(show_label=False, lines=7, interactive=False, elem_classes="showcase-text",
                                          elem_id="showcase-text")
                    elif m == "image":
                        view = gr.Image(show_label=False, format="png", height=300, interactive=False,
                                        elem_id="showcase-image")
                    else:
                        view = gr.Audio(show_label=False, type="filepath", interactive=False, elem_id="showcase-audio")
                    caption = gr.Markdown(elem_classes="showcase-caption")
                    outputs += [view, caption]
                    links[m] = gr.Button(f"Open the {TITLES[m]} tab →", size="sm", variant="secondary",
                                         visible=m in shown)
        seed = gr.Number(value=-1, visible=False, precision=0)  # the API's seed; the button always draws anew
    go.click(draw, seed, outputs, api_name="showcase", concurrency_limit=2)
    return {m: b for m, b in links.items() if m in shown}
