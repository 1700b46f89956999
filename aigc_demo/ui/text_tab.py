"""The Text tab: text generation with the project's language models."""

import gradio as gr

from .common import not_trained, user_errors


def build(studio) -> None:
    @user_errors
    def generate_text(prompt: str = "", model: str = "", max_new_tokens: int = 64, temperature: float = 0.8,
                      top_k: int = 50, top_p: float = 0.95, num_beams: int = 1, repetition_penalty: float = 1.1,
                      seed: int = -1) -> str:
        """Continue a prompt with a text model; returns the full text. seed -1 draws a random seed."""
        out = studio.generate_text(prompt, model, max_new_tokens=max_new_tokens, temperature=temperature, top_k=top_k,
                                   top_p=top_p, num_beams=num_beams, repetition_penalty=repetition_penalty, seed=seed)
        return out.text

    notice = not_trained("text", studio)
    if notice:
        gr.Markdown(notice)
        # The endpoint exists all the same, so scripts get a clear error rather than a 404.
        gr.api(generate_text, api_name="generate_text", concurrency_limit=2)
        return
    raise NotImplementedError("the Text tab's controls arrive with the text models")
