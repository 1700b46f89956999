"""The Music tab: folk tunes composed by the project's model, and four-part chorales composed
or harmonised by the chorale model, shown as notation (abcjs, in the page), played (a
General-MIDI SoundFont), drawn as a piano roll, downloadable as ABC, MIDI and WAV; beside
each, another seed, or the real thing: a real tune of the same kind, Bach's own harmonisation.

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
CHORALE_TASKS = ("compose from nothing", "harmonise this melody")
CHORALE_COMPARE_WITH = ("another seed", "Bach's own harmonisation")


def notation(elem_id: str) -> gr.HTML:
    gr.set_static_paths([str(STATIC)])
    return gr.HTML("", html_template=NOTATION_TEMPLATE, js_on_load=NOTATION_JS, elem_id=elem_id,
                   head=f'<script src="/gradio_api/file={ABCJS}"></script>', label="Notation")


def _info(out) -> str:
    m = out.meta
    bars = m.get("bars") or {}
    fit = (f"{bars['bars']} bars, {'every' if bars['fits'] else 'not every'} bar adds up to the meter"
           if bars else "not readable")
    who = f"`{m['model']}`" + (f" (*{m.get('title')}*, {m.get('collection')})" if m["model"] == "real tune" else "") \
        + (f" (*{m.get('title')}*)" if m["model"] == "Bach" else "")
    timing = (f"composed in **{m['compose_seconds']:.2f} s**, rendered in {m['render_seconds']:.2f} s"
              if "compose_seconds" in m else f"rendered in {m['render_seconds']:.2f} s")
    notes = "".join(f"\n\n> {n}" for n in m.get("notices", []))
    seed = f" · seed **{m['seed']}**" if m.get("seed") is not None else ""
    return f"{who} · {fit} · {timing}{seed}{notes}"


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


def _returned(out):
    shown = _shown(out)
    midi = next((f for f in shown["files"] if f.endswith(".mid")), None)
    return shown["wav"], out.abc, midi, out.meta, shown


def generate_chorale(studio, model: str = "", seed: int = -1, **controls):
    """Compose a four-part chorale from nothing: meter, length in bars, temperature, sweeps
    (Gibbs rounds), program and tempo; seed -1 draws a random seed. Returns the audio, the
    ABC text (four voices), the MIDI file and metadata (with the grid of tokens)."""
    return _returned(studio.compose_chorale(model, seed=seed, **controls))


def harmonize(studio, melody: str = "", model: str = "", seed: int = -1, **controls):
    """Alto, tenor and bass for a melody in ABC (one line of notes on a sixteenth-note grid,
    in 4/4 or 3/4, at most 48 bars); the melody is kept as the soprano, its meter and length
    are the chorale's (the meter and length controls are not used). Returns the audio, the
    ABC text, the MIDI file and metadata."""
    return _returned(studio.harmonize(model, melody, seed=seed, **controls))


def chorale_melody(studio, name: str = "", model: str = ""):
    """The soprano line of a held-out Bach chorale ("bwv269 (G major)", as
    chorale_melodies lists them), as ABC: a melody to harmonise."""
    return studio.chorale_melody(model, name)


def compare_chorale(studio, melody: str = "", model: str = "", seed: int = -1, against: str = CHORALE_COMPARE_WITH[0],
                    picked: str = "", **controls):
    """Beside a chorale of `seed` (composed, or `melody` harmonised): the same request with
    seed + 1, or Bach's own harmonisation of the held-out chorale `picked` (its melody must
    be the one harmonised). Returns the second chorale's audio, ABC, MIDI file and metadata."""
    if against not in CHORALE_COMPARE_WITH:
        raise gr.Error(f"against must be one of: {', '.join(CHORALE_COMPARE_WITH)}.", print_exception=False)
    for name, value in (("melody", melody), ("picked", picked)):
        if value is not None and not isinstance(value, str):
            raise gr.Error(f"{name} must be text, not {type(value).__name__}.", print_exception=False)
    if against == CHORALE_COMPARE_WITH[1]:
        if not picked:  # (the model's held-out list read only here: a wrong model is refused as such first)
            raise gr.Error("Bach's harmonisation is there for a held-out chorale melody: pick one of "
                           f"{', '.join(studio.chorale_melodies(model))}.", print_exception=False)
        # the model, then the chorale, checked by the pipeline (an unknown one lists those there are)
        if melody and melody.strip() and melody.strip() != studio.chorale_melody(model, picked).strip():
            raise gr.Error(f"Bach harmonised {picked}'s melody, not the one given: pick it again, or compare with "
                           "another seed.", print_exception=False)
        return _returned(studio.real_chorale(model, picked, program=controls.get("program", "Church Organ"),
                                             tempo=controls.get("tempo", 80)))
    seed = -1 if seed == -1 else (int(seed) + 1) % (MAX_SEED + 1)
    out = studio.harmonize(model, melody, seed=seed, **controls) if melody and melody.strip() \
        else studio.compose_chorale(model, seed=seed, **controls)
    return _returned(out)


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


def _side_by_side(label: str, prefix: str):
    """The output and, beside it, what it is compared with: two columns of `_column`."""
    with gr.Column(scale=3):
        with gr.Row():
            with gr.Column():
                first = _column(label, prefix)
            with gr.Column():
                second = _column("Beside it", f"{prefix}-beside")
    return first, second


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
        _chorale_section(studio)
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
        first, second = _side_by_side("The tune", "music")
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
    with gr.Accordion("Four-part chorales", open=True):
        _chorale_section(studio)
    return model


# --- the chorales ---------------------------------------------------------------------------

def _chorale_section(studio) -> None:
    """The chorale model's section, or with none trained just its endpoints (a clear error)."""
    models = studio.translators("music")
    controls = studio.controls("music", models[0]) if models else []
    defaults = {"model": models[0]} if models else None
    compose = bind(generate_chorale, studio, controls=controls, defaults=defaults)
    harmonise = bind(harmonize, studio, controls=controls, defaults=defaults)
    melody_of = bind(chorale_melody, studio, defaults=defaults)
    compare = bind(compare_chorale, studio, controls=controls, defaults=defaults)
    if not models:
        for fn, name in ((compose, "generate_chorale"), (harmonise, "harmonize"), (melody_of, "chorale_melody"),
                         (compare, "compare_chorale")):
            gr.api(fn, api_name=name, concurrency_limit=2)
        return
    melodies = studio.chorale_melodies(models[0])
    summary = studio.entry("music", models[0]).spec.summary
    gr.Markdown(f"**Chorales.** {summary[:1].upper()}{summary[1:]}, trained on Bach's four-part chorales (music21's "
                "corpus). Compose one from nothing, or give it a melody (ABC, one line, 4/4 or 3/4, sixteenth notes at "
                "the finest) and it writes alto, tenor and bass under it. The melodies offered are the sopranos of "
                "held-out chorales: beside the model's harmonisation, hear Bach's.")
    with gr.Row():
        with gr.Column(scale=1, min_width=280):
            model = gr.Dropdown(models, value=models[0], label="Model", allow_custom_value=True)
            task = gr.Radio(list(CHORALE_TASKS), value=CHORALE_TASKS[1], label="Task")
            picked = gr.Dropdown(melodies, value=melodies[0] if melodies else None, label="A held-out chorale's melody",
                                 allow_custom_value=False, elem_id="chorale-picked")
            melody = gr.Code(label="Melody (ABC): pick one above or type your own", language=None, interactive=True,
                             lines=6, elem_id="chorale-melody")
            widgets = [widget(c) for c in controls]
            seed = seed_row()
            go = gr.Button("Write the chorale", variant="primary", elem_id="chorale-go")
            against = gr.Radio(list(CHORALE_COMPARE_WITH), value=CHORALE_COMPARE_WITH[1], label="Beside it")
            go_compare = gr.Button("Write and compare")
        first, second = _side_by_side("The chorale", "chorale")
    state, state_b = gr.State(), gr.State()

    def melody_in(task_, melody_, picked_, model_):
        """The melody to harmonise: the box's, or (box empty) the picked chorale's; none to compose."""
        if task_ == CHORALE_TASKS[0]:
            return ""
        return melody_ if (melody_ or "").strip() or not picked_ else melody_of(picked_, model_)

    def write(task_, melody_, picked_, model_, seed_, *controls_):
        """The section's button: compose, or harmonise the melody, as the task says."""
        tune = melody_in(task_, melody_, picked_, model_)
        return harmonise(tune, model_, seed_, *controls_) if tune else compose(model_, seed_, *controls_)

    def write_beside(task_, melody_, picked_, against_, model_, seed_, *controls_):
        return compare(melody_in(task_, melody_, picked_, model_), model_, seed_, against_, picked_, *controls_)

    picked.change(melody_of, [picked, model], melody, api_name="picked_chorale_melody", api_visibility="private")
    html, audio, info, roll, files, abc, midi, meta = first
    outputs = [audio, abc, midi, meta, state]
    inputs = [model, seed, *widgets]
    go.click(write, [task, melody, picked, *inputs], outputs, api_visibility="private", concurrency_limit=2).success(
        _draw, state, [html, roll, files, info], api_visibility="private")
    html_b, audio_b, info_b, roll_b, files_b, abc_b, midi_b, meta_b = second
    outputs_b = [audio_b, abc_b, midi_b, meta_b, state_b]
    go_compare.click(write, [task, melody, picked, *inputs], outputs, api_visibility="private", concurrency_limit=2).success(
        _draw, state, [html, roll, files, info], api_visibility="private")
    go_compare.click(write_beside, [task, melody, picked, against, model, seed, *widgets], outputs_b,
                     api_visibility="private", concurrency_limit=2).success(
        _draw, state_b, [html_b, roll_b, files_b, info_b], api_visibility="private")
    # The API's endpoints, each with its own plain parameters, on buttons the page does not
    # show (the page's own buttons choose between them by the task radio)
    # (a chorale is named by a plain text box there: the page's dropdown would refuse "bwv384"
    # without its key)
    named = gr.Textbox(visible=False)
    for fn, name, fn_inputs, fn_outputs in ((compose, "generate_chorale", inputs, outputs),
                                            (harmonise, "harmonize", [melody, *inputs], outputs),
                                            (melody_of, "chorale_melody", [named, model], [melody]),
                                            (compare, "compare_chorale", [melody, model, seed, against, named, *widgets],
                                             outputs_b)):
        gr.Button(visible=False).click(fn, fn_inputs, fn_outputs, api_name=name, concurrency_limit=2)
