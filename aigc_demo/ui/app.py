"""Assemble the dashboard: header, showcase and (collapsed) model overview, then the tabs."""

from __future__ import annotations

import gradio as gr

from ..arena import Arena
from ..studio import Studio
from . import arena_tab, audio_tab, evaluation_tab, image_tab, metrics_tab, music_tab, overview, showcase, text_tab
from .common import guard_api_inputs, open_rows_in_their_tabs

THEME = gr.themes.Soft()
CSS = """
.gradio-container { max-width: 1400px !important; margin: auto; }
img { image-rendering: pixelated; }  /* 28x28 samples stay crisp when the browser scales them */
.showcase-text textarea { font-size: 1.25rem !important; line-height: 1.5 !important; }  /* presenter mode */
"""
# Queue: each heavy event sets its own concurrency_limit (2 CPU cores: two generations at a
# time); beyond MAX_QUEUE waiting requests, new ones get Gradio's "queue is full" message.
MAX_QUEUE = 64
MAX_UPLOAD = "10mb"


def build_demo(studio: Studio | None = None, arena: Arena | None = None) -> gr.Blocks:
    """The app over a studio; arena: the blind arena with its vote store (default: over the
    studio, votes in the database $AIGC_DB_URL names, else SQLite in the data folder)."""
    studio = studio or Studio()
    arena = arena or Arena(studio)
    # delete_cache: Gradio's copies of served files older than an hour go, hourly, so a
    # long-running Space does not fill its disk
    with gr.Blocks(title="AIGC Studio", delete_cache=(3600, 3600)) as demo:
        overview.header()
        links = showcase.build(arena)  # the first screen: samples, not a table
        table = overview.build(studio)
        pickers = {}  # modality -> its tab's model dropdown (the tab ids are the modalities)
        with gr.Tabs() as tabs:
            with gr.Tab("Text", id="text"):
                pickers["text"] = text_tab.build(studio)
            with gr.Tab("Image", id="image"):
                pickers["image"] = image_tab.build(studio)
            with gr.Tab("Audio", id="audio"):
                pickers["audio"] = audio_tab.build(studio)
            with gr.Tab("Music", id="music"):
                pickers["music"] = music_tab.build(studio)
            with gr.Tab("Arena", id="arena"):
                arena_tab.build(arena)
            with gr.Tab("Evaluation", id="evaluation"):
                evaluation_tab.build(studio)
            with gr.Tab("Metrics", id="metrics"):
                pickers = {m: p for m, p in pickers.items() if p is not None}
                metrics_tab.build(studio, demo, tabs, pickers, arena)
        if table is not None:
            open_rows_in_their_tabs(studio, table, tabs, pickers)
        for modality, button in links.items():  # the tab ids are the modalities
            button.click(lambda m=modality: gr.Tabs(selected=m), None, tabs, api_visibility="private")
    guard_api_inputs(demo)
    demo.queue(max_size=MAX_QUEUE, default_concurrency_limit=1)
    demo.studio, demo.arena = studio, arena  # for tests and scripts that want the same objects the app uses
    return demo


def launch(demo: gr.Blocks, **kwargs):
    """Launch with the studio's look and limits. Host and port come from GRADIO_SERVER_NAME /
    GRADIO_SERVER_PORT when set (Gradio reads them), so Spaces and `make run` need no flags."""
    return demo.launch(theme=THEME, css=CSS, max_file_size=MAX_UPLOAD, **kwargs)
