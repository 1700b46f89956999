"""The header and the model overview: every registered model, read from its checkpoint."""

import gradio as gr
import pandas as pd

HEADER = """# AIGC Studio
Small generative models for **text**, **images** and **audio**, trained from scratch by this
project on open data, shown side by side with honest measurements (FID-family scores, BLEU,
perplexity, classifier accuracy), each beside the same measurement of real data.
"""

COLUMNS = ["model", "modality", "family", "parameters", "training data", "training time", "hardware",
           "headline metric", "status"]


def overview_frame(studio) -> pd.DataFrame:
    return pd.DataFrame(studio.overview(), columns=COLUMNS)


def build(studio) -> gr.Dataframe | None:
    """The header and the overview table (returned, so that picking a row can open its tab)."""
    gr.Markdown(HEADER)
    with gr.Accordion("Models", open=True):
        if studio.entries:
            return gr.Dataframe(overview_frame(studio), interactive=False, wrap=True,
                                label="Registered models (pick one to open it)")
        gr.Markdown("No model is trained yet: `checkpoints/` holds no model folder.")
        return None
