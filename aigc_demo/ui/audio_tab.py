"""The Audio tab: spoken digits from the project's audio models."""

import gradio as gr

from .common import not_trained, user_errors


def build(studio) -> None:
    @user_errors
    def generate_audio(model: str = "", text: str = "", seed: int = -1):
        """Speak digits ("7", "2026"; at most 16) with an audio model. seed -1 draws a random seed."""
        out = studio.generate_audio(model, text, seed=seed)
        return (out.sample_rate, out.audio)

    notice = not_trained("audio", studio)
    if notice:
        gr.Markdown(notice)
        gr.api(generate_audio, api_name="generate_audio", concurrency_limit=2)
        return
    raise NotImplementedError("the Audio tab's controls arrive with the audio models")
