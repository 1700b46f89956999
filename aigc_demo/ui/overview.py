"""The header and the model overview: every registered model, read from its checkpoint."""

import gradio as gr
import pandas as pd

HEADER = """# AIGC Studio
Small generative models for **text**, **images**, **audio** and **music**, trained from scratch by this
project on open data, shown side by side with honest measurements (FID-family scores, BLEU,
perplexity, classifier accuracy), each beside the same measurement of real data.
"""

COLUMNS = ["model", "modality", "family", "parameters", "training data", "training time", "hardware",
           "headline metric", "status"]


def overview_frame(studio) -> pd.DataFrame:
    return pd.DataFrame(studio.overview(), columns=COLUMNS)


def header() -> None:
    gr.Markdown(HEADER)


def build(studio) -> gr.Dataframe | None:
    """The overview table, collapsed (the showcase above it is the first screen); returned,
    so that picking a row can open its tab."""
    with gr.Accordion(f"All models ({len(studio.entries)}): family, size, training, headline metric", open=False):
        if studio.entries:
            return gr.Dataframe(overview_frame(studio), interactive=False, wrap=True,
                                label="Registered models (pick one to open it)")
        gr.Markdown("No model is trained yet: `checkpoints/` holds no model folder.")
        return None
