"""Assemble the dashboard: header and model overview, then the five tabs."""

from __future__ import annotations

import gradio as gr

from ..studio import Studio
from . import audio_tab, evaluation_tab, image_tab, metrics_tab, overview, text_tab
from .common import guard_api_inputs, open_rows_in_their_tabs

THEME = gr.themes.Soft()
CSS = """
.gradio-container { max-width: 1400px !important; margin: auto; }
img { image-rendering: pixelated; }  /* 28x28 samples stay crisp when the browser scales them */
"""
# Queue: each heavy event sets its own concurrency_limit (2 CPU cores: two generations at a
# time); beyond MAX_QUEUE waiting requests, new ones get Gradio's "queue is full" message.
MAX_QUEUE = 64
MAX_UPLOAD = "10mb"


def build_demo(studio: Studio | None = None) -> gr.Blocks:
    studio = studio or Studio()
    # delete_cache: Gradio's copies of served files older than an hour go, hourly, so a
    # long-running Space does not fill its disk
    with gr.Blocks(title="AIGC Studio", delete_cache=(3600, 3600)) as demo:
        table = overview.build(studio)
        pickers = {}  # modality -> its tab's model dropdown (the tab ids are the modalities)
        with gr.Tabs() as tabs:
            with gr.Tab("Text", id="text"):
                pickers["text"] = text_tab.build(studio)
            with gr.Tab("Image", id="image"):
                pickers["image"] = image_tab.build(studio)
            with gr.Tab("Audio", id="audio"):
                pickers["audio"] = audio_tab.build(studio)
            with gr.Tab("Evaluation", id="evaluation"):
                evaluation_tab.build(studio)
            with gr.Tab("Metrics", id="metrics"):
                pickers = {m: p for m, p in pickers.items() if p is not None}
                metrics_tab.build(studio, demo, tabs, pickers)
        if table is not None:
            open_rows_in_their_tabs(studio, table, tabs, pickers)
    guard_api_inputs(demo)
    demo.queue(max_size=MAX_QUEUE, default_concurrency_limit=1)
    demo.studio = studio  # for tests and scripts that want the same cache the app uses
    return demo


def launch(demo: gr.Blocks, **kwargs):
    """Launch with the studio's look and limits. Host and port come from GRADIO_SERVER_NAME /
    GRADIO_SERVER_PORT when set (Gradio reads them), so Spaces and `make run` need no flags."""
    return demo.launch(theme=THEME, css=CSS, max_file_size=MAX_UPLOAD, **kwargs)
