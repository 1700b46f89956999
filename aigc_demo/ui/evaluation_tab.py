"""The Evaluation tab: the measured metrics of every model beside the real-data reference."""

import gradio as gr

from .. import plots


def build(studio) -> None:
    table = plots.metrics_table(studio.entries)
    if table.empty:
        gr.Markdown("**No model has been measured yet.** Run `python -m aigc_demo.evaluate --all` "
                    "after training; its figures appear here.")
        return
    gr.Markdown("Figures as shipped in each model's `metrics.json`, measured by the command shown; "
                "**real data** is the same metric between real training and real test data at the same sample count.")
    gr.Dataframe(table, interactive=False, wrap=True, label="Shipped metrics")
