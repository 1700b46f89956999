"""The Music tab: folk tunes composed by the project's model, shown as notation (abcjs, in the
page), played (a General-MIDI SoundFont), drawn as a piano roll, downloadable as ABC, MIDI
and WAV; beside it, another seed or a real tune of the same kind.

The controls are the music family's declared ones (aigc_demo/families/music.py). abcjs is
vendored in ui/static (MIT, 6.7.2) and only draws the notation: its own synthesiser would
fetch SoundFonts from the internet, so the sound is rendered on the server.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from .. import exports, plots
from ..controls import MAX_SEED
from .common import bind, disabled_note, not_trained, seed_row, widget

STATIC = Path(__file__).parent / "static"
ABCJS = STATIC / "abcjs-basic-min.js"
# the notation: the ABC text is the component's value; abcjs draws it on load and on each change
NOTATION_TEMPLATE = '<div class="abc-notation" style="min-height: 80px"></div>'
NOTATION_JS = """
const draw = () => {
  const target = element.querySelector('.abc-notation');
  if (!target) return;
  if (!window.ABCJS || !props.value) { target.textContent = props.value ? 'Loading the notation...' : ''; return; }
  window.ABCJS.renderAbc(target, props.value, { responsive: 'resize', add_classes: true });
};
draw();
if (!window.ABCJS) { const wait = setInterval(() => { if (window.ABCJS) { clearInterval(wait); draw(); } }, 200); }
watch('value', draw);
"""
COMPARE_WITH = ("another seed", "a real tune of the same kind")


def notation(elem_id: str) -> gr.HTML:
    gr.set_static_paths([str(STATIC)])
    return gr.HTML("", html_template=NOTATION_TEMPLATE, js_on_load=NOTATION_JS, elem_id=elem_id,
                   head=f'<script src="/gradio_api/file={ABCJS}"></script>', label="Notation")


def _info(out) -> str:
    m = out.meta
    bars = m.get("bars") or {}
    fit = (f"{bars['bars']} bars, {'every' if bars['fits'] else 'not every'} bar adds up to the meter"
           if bars else "not readable")
    who = f"`{m['model']}`" + (f" (*{m.get('title')}*, {m.get('collection')})" if m["model"] == "real tune" else "")
    timing = (f"composed in **{m['compose_seconds']:.2f} s**, rendered in {m['render_seconds']:.2f} s"
              if "compose_seconds" in m else f"rendered in {m['render_seconds']:.2f} s")
    notes = "".join(f"\n\n> {n}" for n in m.get("notices", []))
    return f"{who} · {fit} · {timing} · seed **{m['seed']}**{notes}"


def _shown(out) -> dict:
    """What the page draws of an output, kept out of the API's return values."""
    files = exports.save_music(out)
    return {"abc": out.abc, "figure": plots.piano_roll(out.notes) if out.notes else None,
            "files": [str(p) for p in files.values()], "info": _info(out), "wav": str(files["wav"]) if "wav" in files else None}


# --- handlers: module level, the studio passed in (bound by `common.bind`) ------------------

def generate_music(studio, model: str = "", seed: int = -1, **controls):
    """Compose a folk tune: meter, key ("D major", "A dorian" ...), tune_type (or "any"),
    length in bars, temperature, program (a General-MIDI instrument name) and tempo; seed -1
    draws a random seed. Returns the audio (WAV, parameters in its comment), the ABC text
    (parameters in %%aigc lines), the MIDI file (parameters in a text event) and metadata."""
    out = studio.generate_music(model, seed=seed, **controls)
    shown = _shown(out)
    midi = next((f for f in shown["files"] if f.endswith(".mid")), None)
    return shown["wav"], out.abc, midi, out.meta, shown


def compare_music(studio, model: str = "", seed: int = -1, against: str = COMPARE_WITH[0], **controls):
    """Beside a tune of `seed`: the same request with seed + 1, or a held-out real tune of
    the same meter (and type and key where one exists). Returns the second tune's audio, ABC,
    MIDI file and metadata."""
    if against not in COMPARE_WITH:
        raise gr.Error(f"against must be one of: {', '.join(COMPARE_WITH)}.", print_exception=False)
    if against == COMPARE_WITH[0]:  # a given seed's neighbour; with -1 (random), another random one
        out = studio.generate_music(model, seed=-1 if seed == -1 else (int(seed) + 1) % (MAX_SEED + 1), **controls)
    else:
        keep = {k: controls[k] for k in ("meter", "key", "tune_type", "program", "tempo") if k in controls}
        out = studio.real_tune(seed=seed, **keep)
    shown = _shown(out)
    midi = next((f for f in shown["files"] if f.endswith(".mid")), None)
    return shown["wav"], out.abc, midi, out.meta, shown


def _draw(shown):
    if not shown:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip()
    return shown["abc"], shown["figure"], shown["files"], shown["info"]


# --- the tab --------------------------------------------------------------------------------

def _column(label: str, prefix: str):
    html = notation(f"{prefix}-notation")
    audio = gr.Audio(label=label, type="filepath", interactive=False, elem_id=f"{prefix}-audio")
    info = gr.Markdown(elem_id=f"{prefix}-info")
    roll = gr.Plot(label="Piano roll")
    files = gr.File(label="Downloads: ABC, MIDI, WAV (each with the generation parameters)", file_count="multiple",
                    interactive=False)
    with gr.Accordion("ABC and metadata", open=False):
        abc = gr.Code(label="ABC", language=None, interactive=False)
        midi = gr.File(label="MIDI", visible=False)
        meta = gr.JSON()
    return html, audio, info, roll, files, abc, midi, meta


def build(studio) -> gr.Dropdown | None:
    models = studio.models("music")
    controls = studio.controls("music")
    defaults = {"model": models[0]} if models else None
    generate = bind(generate_music, studio, controls=controls, defaults=defaults)
    compare = bind(compare_music, studio, controls=controls, defaults=defaults)
    notice = not_trained("music", studio)
    if notice:
        gr.Markdown(notice)
        gr.api(generate, api_name="generate_music", concurrency_limit=2)
        gr.api(compare, api_name="compare_music", concurrency_limit=2)
        return None
    if note := disabled_note("music", studio):
        gr.Markdown(note)
    with gr.Row():
        with gr.Column(scale=1, min_width=280):
            model = gr.Dropdown(models, value=models[0], label="Model", allow_custom_value=True)
            widgets = [widget(c) for c in controls]
            seed = seed_row()
            go = gr.Button("Compose", variant="primary")
            against = gr.Radio(list(COMPARE_WITH), value=COMPARE_WITH[0], label="Beside it")
            go_compare = gr.Button("Compose and compare")
        with gr.Column(scale=3):
            with gr.Row():
                with gr.Column():
                    first = _column("The tune", "music")
                with gr.Column():
                    second = _column("Beside it", "music-beside")
    gr.Markdown("The model learnt from 2,700 Irish fiddle tunes (O'Neill's 1850 and Ryan's 1883 collections, public "
                "domain; see the model card). It writes ABC tokens; music21 reads them, a General-MIDI SoundFont "
                "(TimGM6mb, from the pretty_midi package) plays them.")
    state, state_b = gr.State(), gr.State()
    inputs = [model, seed, *widgets]
    html, audio, info, roll, files, abc, midi, meta = first
    go.click(generate, inputs, [audio, abc, midi, meta, state], api_name="generate_music",
             concurrency_limit=2).success(_draw, state, [html, roll, files, info], api_visibility="private")
    html_b, audio_b, info_b, roll_b, files_b, abc_b, midi_b, meta_b = second
    go_compare.click(generate, inputs, [audio, abc, midi, meta, state], api_visibility="private",
                     concurrency_limit=2).success(_draw, state, [html, roll, files, info], api_visibility="private")
    go_compare.click(compare, [model, seed, against, *widgets], [audio_b, abc_b, midi_b, meta_b, state_b],
                     api_name="compare_music", concurrency_limit=2).success(
        _draw, state_b, [html_b, roll_b, files_b, info_b], api_visibility="private")
    return model
