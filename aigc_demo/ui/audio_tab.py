"""The Audio tab: spoken digits from the spectrogram GAN, through the vocoder of your choice."""

from __future__ import annotations

import secrets

import gradio as gr

from ..hub import EXAMPLE_TTS_ID
from ..pipelines.audio import GRIFFIN_LIM, SpecGANPipeline
from ..pipelines.base import MAX_SEED
from .common import disabled_note, not_trained, user_errors

VARIETY = SpecGANPipeline.controls["variety"]


def _info(out) -> str:
    m = out.meta
    return (f"**{m['duration_s']:.2f} s** of audio from `{m['model']}` + `{m['params']['vocoder']}` in "
            f"**{m['seconds']:.2f} s** on {m['device']} (real-time factor **{m['real_time_factor']:.2f}**: "
            f"below 1 is faster than real time) · effective seed **{m['seed']}**")


def build(studio) -> gr.Dropdown | None:
    models = studio.audio_models()
    vocoders = studio.vocoders()

    @user_errors
    def generate_audio(model: str = models[0] if models else "", text: str = "", seed: int = -1,
                       vocoder: str = GRIFFIN_LIM, variety: float = VARIETY[0]):
        """Speak digits ("7", "2026"; at most 16) in one voice with short pauses. vocoder:
        griffin-lim or a neural vocoder; variety 0-2 (0: the average voice); seed -1 draws a
        random seed. Returns the WAV (parameters in its comment field), a summary, metadata."""
        out = studio.generate_audio(model, text, seed=seed, vocoder=vocoder, variety=variety)
        return str(studio.save_wav(out)), _info(out), out.meta

    @user_errors
    def plot(path):
        import soundfile as sf
        import torch

        from ..audio import LogMel
        from ..plots import audio_figure

        if not path:
            return None
        audio, sr = sf.read(path, dtype="float32")
        return audio_figure(audio, sr, LogMel().full(torch.from_numpy(audio)).numpy())

    @user_errors
    def speak_text_hub(model_id: str = EXAMPLE_TTS_ID, text: str = "", seed: int = -1):
        """Free text through a Hugging Face Hub text-to-speech model (not ours; needs a network).
        Returns the WAV, a summary and metadata."""
        out = studio.speak_text_hub(model_id, text, seed=seed)
        m = out.meta
        info = (f"**{m['duration_s']:.2f} s** of audio from the hub model `{m['model']}` (**not trained by us**) in "
                f"**{m['seconds']:.2f} s** · real-time factor {m['real_time_factor']:.2f} · seed {m['seed']}")
        return str(studio.save_wav(out)), info, m

    notice = not_trained("audio", studio)
    if notice or not models:
        gr.Markdown(notice or "**No audio generator is trained yet** (only vocoders).")
        gr.api(generate_audio, api_name="generate_audio", concurrency_limit=2)
        gr.api(speak_text_hub, api_name="speak_text_hub", concurrency_limit=1)
        return
    if note := disabled_note("audio", studio):
        gr.Markdown(note)

    with gr.Row():
        with gr.Column(scale=1, min_width=280):
            model = gr.Dropdown(models, value=models[0], label="Model", allow_custom_value=True)
            vocoder = gr.Radio(vocoders, value=GRIFFIN_LIM, label="Vocoder",
                               info="Griffin-Lim: phase by iteration, instant. WaveNet: a neural vocoder, sample by sample.")
            text = gr.Textbox(value="2026", label="Digits to speak (at most 16)", max_length=64, elem_id="audio-text")
            with gr.Row():
                seed = gr.Number(value=-1, precision=0, minimum=-1, maximum=MAX_SEED, label="Seed (-1: random)", scale=3)
                dice = gr.Button("Random seed", scale=1, min_width=60)
            variety = gr.Slider(VARIETY[1], VARIETY[2], value=VARIETY[0], step=0.05, label="Voice variety",
                                info="Scales the GAN's latent: 0 is the average voice, 1 as trained, above 1 unusual voices.")
            go = gr.Button("Speak", variant="primary")
            gr.Examples([["7"], ["2026"], ["3141592653589793"]], inputs=[text])
        with gr.Column(scale=3):
            audio = gr.Audio(label="Spoken digits (download: WAV with the parameters in its comment)", type="filepath",
                             interactive=False, elem_id="audio-output")
            info = gr.Markdown()
            figure = gr.Plot(label="Waveform and log-mel spectrogram")
            with gr.Accordion("Metadata", open=False):
                meta = gr.JSON()
    gr.Markdown("Our models speak digits only, in synthetic voices learned from espeak-ng clips "
                "(see the model cards). The digits are generated one by one in one voice (one latent) and joined "
                "with short pauses.")

    with gr.Accordion("Free text with a Hugging Face text-to-speech model (not ours; needs a network)", open=False):
        gr.Markdown("Our models speak digits only. For any sentence, this loads a text-to-speech model from the "
                    "Hugging Face Hub by id (safetensors only, no remote code, at most 500 M parameters). It is "
                    "**not trained or measured by this project**; offline (as on the build machines) it says so.")
        with gr.Row():
            hub_id = gr.Textbox(value=EXAMPLE_TTS_ID, label="Hub model id (owner/name)", scale=2)
            hub_text = gr.Textbox(value="Hello from AIGC Studio.", label="Text (at most 300 characters)", scale=3,
                                  max_length=400)
            hub_seed = gr.Number(value=0, precision=0, minimum=-1, maximum=MAX_SEED, label="Seed", scale=1)
            hub_go = gr.Button("Speak with the hub model", scale=1)
        hub_audio = gr.Audio(label="Hub model's speech (not ours)", type="filepath", interactive=False)
        hub_info = gr.Markdown()
        hub_meta = gr.JSON(visible=False)

    dice.click(lambda: secrets.randbelow(MAX_SEED + 1), None, seed, api_visibility="private")
    go.click(generate_audio, [model, text, seed, vocoder, variety], [audio, info, meta], api_name="generate_audio",
             concurrency_limit=2).success(plot, audio, figure, api_visibility="private")
    hub_go.click(speak_text_hub, [hub_id, hub_text, hub_seed], [hub_audio, hub_info, hub_meta], api_name="speak_text_hub",
                 concurrency_limit=1)
    return model  # the model picker, which the Metrics tab's table can set
