"""The Audio tab: spoken digits from a spectrogram generator, through the vocoder of your choice.

The generator's controls are its family's declared ones (aigc_demo/families/audio.py), only
the picked model's shown; the
waveform and spectrogram plot is drawn from what the pipeline returned, not recomputed.
"""

from __future__ import annotations

import gradio as gr

from .. import exports, plots
from ..controls import MAX_SEED
from ..families.audio import EXAMPLE_TTS_ID, GRIFFIN_LIM, MAX_DIGITS
from .common import bind, disabled_note, not_trained, own_controls, seed_row, show_controls, widget


def _info(out) -> str:
    m = out.meta
    return (f"**{m['duration_s']:.2f} s** of audio from `{m['model']}` + `{m['params']['vocoder']}` in "
            f"**{m['seconds']:.2f} s** on {m['device']} (real-time factor **{m['real_time_factor']:.2f}**: "
            f"below 1 is faster than real time) · effective seed **{m['seed']}**")


# --- handlers: module level, the studio passed in (bound by `common.bind`) ------------------

def generate_audio(studio, model: str = "", text: str = "", seed: int = -1, vocoder: str = GRIFFIN_LIM, **controls):
    """Speak digits ("7", "2026"; at most 16) in one voice with short pauses. vocoder:
    griffin-lim or a neural vocoder; each model takes its own family's controls (the others
    are ignored); seed -1 draws a random seed. Returns the WAV (parameters in its comment
    field), a summary, metadata."""
    out = studio.generate_audio(model, text, seed=seed, vocoder=vocoder, **own_controls(studio, "audio", model, controls))
    figure = plots.audio_figure(out.audio, out.sample_rate, out.spectrogram)
    return str(exports.save_wav(out)), _info(out), out.meta, figure


def vocode(studio, clip: str | None = None, vocoder: str = GRIFFIN_LIM, seed: int = 0):
    """Your clip (WAV/FLAC/OGG, at most 10 s) re-synthesised by a vocoder (griffin-lim or a
    neural one) from its own log-mel: what the vocoder alone does to a voice. Returns the WAV,
    a summary with STOI and PESQ-WB against your clip, and metadata with the scores."""
    r = studio.vocode(clip, vocoder, seed=seed)
    return str(exports.save_vocoded(r)), _vocoded_info(r), {**r["meta"], "scores": r["scores"]}


def _vocoded_info(r: dict) -> str:
    s, m = r["scores"], r["meta"]
    pesq = f"{s['pesq_wb']:.2f}" if s.get("pesq_wb") is not None else f"none ({s.get('pesq_error', 'no speech found')})"
    return (f"`{m['vocoder']}`: STOI **{s['stoi']:.3f}** (1 = identical) · PESQ-WB **{pesq}** (1-4.64) · "
            f"{m['duration_s']:.2f} s in {m['seconds']:.2f} s (real-time factor {m['real_time_factor']:.2f})")


def vocode_each(studio, clip: str | None = None):
    """The clip through every vocoder, side by side: (WAV, summary) for each."""
    return [x for v in studio.vocoders() for x in vocode(studio, clip, v)[:2]]


def speak_text_hub(studio, model_id: str = EXAMPLE_TTS_ID, text: str = "", seed: int = -1):
    """Free text through a Hugging Face Hub text-to-speech model (not ours; needs a network).
    Returns the WAV, a summary and metadata."""
    out = studio.speak_text_hub(model_id, text, seed=seed)
    m = out.meta
    info = (f"**{m['duration_s']:.2f} s** of audio from the hub model `{m['model']}` (**not trained by us**) in "
            f"**{m['seconds']:.2f} s** · real-time factor {m['real_time_factor']:.2f} · seed {m['seed']}")
    return str(exports.save_wav(out)), info, m


def vocoder_choices(studio, model, current):
    """The vocoder picker for a newly picked generator: the vocoders that read its log-mels'
    band count, keeping the current pick where it is one of them (else the generator's best)."""
    if model not in studio.audio_models():
        return gr.update()  # an unknown name: the request itself will say so
    choices = studio.vocoders(model)
    return gr.update(choices=choices, value=current if current in choices else studio.best_vocoder(model))


# --- the tab --------------------------------------------------------------------------------

def build(studio) -> gr.Dropdown | None:
    models = studio.audio_models()
    vocoders = studio.vocoders()
    controls = studio.controls("audio")  # every declared audio generator family's controls
    first_model = studio.best_audio_generator()  # the best measured one
    generate = bind(generate_audio, studio, controls=controls,
                    defaults={"model": first_model} if models else None)
    hub = bind(speak_text_hub, studio)

    notice = not_trained("audio", studio)
    if notice or not models:
        gr.Markdown(notice or "**No audio generator is trained yet** (only vocoders).")
        gr.api(generate, api_name="generate_audio", concurrency_limit=2)
        gr.api(hub, api_name="speak_text_hub", concurrency_limit=1)
        return None
    if note := disabled_note("audio", studio):
        gr.Markdown(note)

    with gr.Row():
        with gr.Column(scale=1, min_width=280):
            model = gr.Dropdown(models, value=first_model, label="Model", allow_custom_value=True)
            # every vocoder at first, not only the first generator's band count: Gradio checks an API
            # call's vocoder against these choices, and /generate_audio serves every generator (a
            # vocoder of other bands gets the studio's message naming both); vocoder_choices
            # narrows the list in the page once a generator is picked
            vocoder = gr.Radio(vocoders, value=studio.best_vocoder(first_model), label="Vocoder",
                               info="; ".join(
                [f"{GRIFFIN_LIM}: phase by iteration, instant"]
                + [f"{v}: {studio.entry('audio', v).spec.summary}" for v in vocoders if v != GRIFFIN_LIM]))
            text = gr.Textbox(value="2026", label=f"Digits to speak (at most {MAX_DIGITS})", max_length=64,
                              elem_id="audio-text")
            seed = seed_row()
            first = {c.name for c in studio.controls("audio", first_model)}
            widgets = {c.name: widget(c, visible=c.name in first) for c in controls}
            go = gr.Button("Speak", variant="primary")
            gr.Examples([["7"], ["2026"], ["3141592653589793"]], inputs=[text])
        with gr.Column(scale=3):
            audio = gr.Audio(label="Spoken digits (download: WAV with the parameters in its comment)", type="filepath",
                             interactive=False, elem_id="audio-output")
            info = gr.Markdown()
            figure = gr.Plot(label="Waveform and log-mel spectrogram")
            drawn = gr.State()  # the figure, handed to the plot once the audio is shown (not part of the API)
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

    with gr.Accordion("Hear what the vocoder does: your clip, re-synthesised by each vocoder", open=False):
        gr.Markdown("Upload or record a clip (WAV, FLAC or OGG, at most 10 s). Each vocoder re-makes it from its "
                    "log-mel (64 bands, or as many as the vocoder was trained on; one second at a time): what the vocoder alone does to a voice, scored against "
                    "your clip by STOI and wide-band PESQ. The clip is made mono, 16 kHz and peak-normalised first.")
        with gr.Row():
            clip = gr.Audio(sources=["upload", "microphone"], type="filepath", label="Your clip", elem_id="vocode-clip")
            vocode_go = gr.Button("Re-synthesise with every vocoder", elem_id="vocode-go")
        resynthesised = []
        with gr.Row():
            for v in vocoders:
                with gr.Column():
                    resynthesised += [gr.Audio(label=f"Through {v}", type="filepath", interactive=False),
                                      gr.Markdown()]
    vocode_go.click(bind(vocode_each, studio), [clip], resynthesised, api_visibility="private", concurrency_limit=1)
    gr.Button(visible=False).click(bind(vocode, studio), [clip, vocoder, seed], [gr.Audio(visible=False),
                                   gr.Markdown(visible=False), gr.JSON(visible=False)], api_name="vocode",
                                   concurrency_limit=1)

    model.change(lambda m: show_controls(studio, "audio", m, list(widgets)), model, list(widgets.values()),
                 api_visibility="private")
    model.change(bind(vocoder_choices, studio), [model, vocoder], vocoder, api_visibility="private")
    go.click(generate, [model, text, seed, vocoder, *widgets.values()], [audio, info, meta, drawn], api_name="generate_audio",
             concurrency_limit=2).success(lambda f: f, drawn, figure, api_visibility="private")
    hub_go.click(hub, [hub_id, hub_text, hub_seed], [hub_audio, hub_info, hub_meta], api_name="speak_text_hub",
                 concurrency_limit=1)
    return model  # the model picker, which the Metrics tab's table can set
