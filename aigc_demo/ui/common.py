"""What every tab shares: handlers bound to the studio, errors turned into messages, widgets
built from declared controls, and the not-trained notice."""

from __future__ import annotations

import functools
import inspect
import logging
import secrets

import gradio as gr

from ..arena import ArenaUnavailable
from ..controls import MAX_SEED, Control
from ..studio import InputError, ModelUnavailable

log = logging.getLogger("aigc_studio")


def _as_user_error(fn_name: str, e: Exception) -> gr.Error:
    if isinstance(e, (InputError, ModelUnavailable, ArenaUnavailable)):
        return gr.Error(str(e), print_exception=False)
    log.exception("unexpected error in %s", fn_name)
    return gr.Error(f"Something went wrong ({type(e).__name__}). The app is still running; "
                    "try other settings, and see the server log for details.", print_exception=False)


def user_errors(fn):
    """Bad input and unusable models become a gr.Error with their message; anything else is
    logged with its traceback on the server and shown as a short apology, never a trace.
    Works for plain handlers and for generators (streaming, progress, Stop buttons)."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except gr.Error:
                raise
            except Exception as e:  # noqa: BLE001 - the last line of defence of a public demo
                raise _as_user_error(fn.__name__, e) from None

        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as e:  # noqa: BLE001 - the last line of defence of a public demo
            raise _as_user_error(fn.__name__, e) from None

    return wrapper


def bind(handler, studio, *, parameters: list[inspect.Parameter] | None = None, defaults: dict | None = None,
         controls: list[Control] | None = None):
    """An event function for Gradio from a module-level handler `handler(studio, ...)`: the
    studio bound, the other parameters named as the API names them (or `parameters` in place
    of its **keywords, for a handler whose parameters come from declared controls; `defaults`
    replaces some defaults, e.g. the first model found), errors made user messages. With
    `controls`, their parameters come first among `parameters` and the API's docstring
    describes each (range, default, help) from the same declaration."""
    doc = handler.__doc__
    if controls is not None:
        parameters = control_parameters(controls) + list(parameters or [])
        doc = (doc or "").rstrip() + "\n\nControls: " + "; ".join(c.describe() for c in controls) + "."
    sig = inspect.signature(handler)
    own = list(sig.parameters.values())[1:]
    if parameters is not None:
        own = [p for p in own if p.kind is not p.VAR_KEYWORD] + parameters
    own = [p.replace(default=defaults[p.name]) if defaults and p.name in defaults else p for p in own]
    public = sig.replace(parameters=own)

    def arguments(args, kwargs) -> dict:
        """Gradio passes the inputs in order: name them as the public signature does."""
        bound = public.bind(*args, **kwargs)
        bound.apply_defaults()
        return bound.arguments

    if inspect.isgeneratorfunction(handler):
        def fn(*args, **kwargs):
            yield from handler(studio, **arguments(args, kwargs))
    else:
        def fn(*args, **kwargs):
            return handler(studio, **arguments(args, kwargs))
    fn.__signature__ = public
    fn.__name__, fn.__qualname__, fn.__doc__ = handler.__name__, handler.__qualname__, doc
    fn.__annotations__ = {k: v for k, v in inspect.get_annotations(handler, eval_str=True).items() if k != "studio"}
    for p in parameters or ():
        fn.__annotations__[p.name] = p.annotation
    return user_errors(fn)


def own_controls(studio, modality: str, model, given: dict) -> dict:
    """Of all the controls of a modality's endpoint that a request carries, those of the
    picked model's family (the others are ignored)."""
    try:
        names = [c.name for c in studio.controls(modality, model)] if isinstance(model, str) else []
    except ModelUnavailable:  # an unknown model: the studio says so when asked to generate
        names = []
    return {k: given[k] for k in names if k in given}


def show_controls(studio, modality: str, model: str, names: list[str]):
    """Visibility of each control widget (named `names`) for the picked model."""
    try:
        own = {c.name for c in studio.controls(modality, model)}
    except ModelUnavailable:
        own = set()
    return [gr.update(visible=name in own) for name in names]


def control_parameters(controls: list[Control]) -> list[inspect.Parameter]:
    """Keyword parameters, with their declared defaults, for the given controls."""
    def annotation(c):
        kind = str if c.choices else (int if c.integer else float)
        return kind if c.default is not None else kind | None  # None: the picked model's default

    return [inspect.Parameter(c.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=c.default,
                              annotation=annotation(c)) for c in controls]


MAX_RADIO_CHOICES = 12  # beyond this a radio fills the column (the music keys: 36)


def widget(c: Control, **kwargs):
    """The widget of a declared control: a radio for a few choices, a dropdown for many, else
    a slider over its range. A number control without a default (one the families of a tab
    default differently: union_of_controls) is a box left empty, so that the picked model's
    own default applies; a slider cannot be empty, and the API would take its value as the
    default for every model."""
    label = c.label or c.name
    if c.default is None and not c.choices:
        return gr.Number(None, minimum=c.lo, maximum=c.hi, step=c.step, label=label,
                         info=f"{c.help + '; ' if c.help else ''}empty: the model's own default", **kwargs)
    if len(c.choices) > MAX_RADIO_CHOICES:
        return gr.Dropdown(list(c.choices), value=c.default, label=label, info=c.help or None, **kwargs)
    if c.choices:
        return gr.Radio(list(c.choices), value=c.default, label=label, info=c.help or None, **kwargs)
    return gr.Slider(c.lo, c.hi, value=c.default, step=c.step, label=label, info=c.help or None, **kwargs)


def seed_row(label: str = "Seed (-1: random)", value: int = -1) -> gr.Number:
    """A seed box with a button that rolls a random seed into it."""
    with gr.Row():
        seed = gr.Number(value=value, precision=0, minimum=-1, maximum=MAX_SEED, label=label, scale=3)
        dice = gr.Button("Random seed", scale=1, min_width=60)
    dice.click(lambda: secrets.randbelow(MAX_SEED + 1), None, seed, api_visibility="private")
    return seed


def not_trained(modality: str, studio) -> str | None:
    """The notice a tab shows instead of its controls while it has no model, else None."""
    names = studio.models(modality, usable_only=False)
    if not names:
        return (f"**No {modality} model is trained yet.** This tab fills in once a checkpoint exists "
                f"under `checkpoints/{modality}/`; nothing here is a placeholder.")
    broken = [n for n in names if studio.status(modality, n)]
    if len(broken) == len(names):
        reasons = "; ".join(f"`{n}`: {studio.status(modality, n)}" for n in broken)
        return f"**Every {modality} model is disabled.** {reasons}"
    return None


def disabled_note(modality: str, studio) -> str:
    """A line listing the models of this tab that are disabled, and why ('' if none)."""
    lines = [f"- `{n}` is disabled: {studio.status(modality, n)}"
             for n in studio.models(modality, usable_only=False) if studio.status(modality, n)]
    return "\n".join(lines)


def open_rows_in_their_tabs(studio, grid: gr.Dataframe, tabs: gr.Tabs, pickers: dict) -> None:
    """Picking a row of a model table (columns model, modality, ...) selects that modality's
    tab (tab ids are the modalities) and, where the tab's picker (pickers: {modality: model
    dropdown}) offers the model, the model; a vocoder is chosen beside its generator."""
    names = {m: set(studio.audio_models() if m == "audio" else studio.models(m)) for m in pickers}  # vocoders aside

    def open_row(evt: gr.SelectData):
        model, modality = (list(evt.row_value or []) + [None, None])[:2]
        if modality not in pickers:
            return [gr.update()] * (1 + len(pickers))
        return [gr.Tabs(selected=modality)] + [gr.update(value=model) if m == modality and model in names[m]
                                               else gr.update() for m in pickers]

    grid.select(open_row, None, [tabs, *pickers.values()], api_visibility="private")


# --- wrong types from API callers ----------------------------------------------------------

def _num(v) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:g}"


def _accepts(block) -> str:
    """What a widget takes, in words, for the message a wrong value gets."""
    if isinstance(block, gr.Slider):
        return f"a number between {_num(block.minimum)} and {_num(block.maximum)}"
    if isinstance(block, gr.Number):
        lo, hi = block.minimum, block.maximum
        return "a number" + (f" between {_num(lo)} and {_num(hi)}" if lo is not None and hi is not None
                             else f" from {_num(lo)}" if lo is not None else "")
    if isinstance(block, (gr.Radio, gr.Dropdown)) and not getattr(block, "allow_custom_value", False):
        return "one of " + ", ".join(str(c[1] if isinstance(c, tuple) else c) for c in block.choices)
    if isinstance(block, gr.Image):
        return "a picture (an uploaded PNG or JPEG file)"
    if isinstance(block, gr.File):
        return "uploaded files (a list of files handed to the API with gradio_client.handle_file)"
    if isinstance(block, gr.Checkbox):
        return "true or false"
    return "text"


class _CheckedModel:
    """A component's data model that answers a malformed payload with a message naming the
    parameter (Gradio would answer with its generic "upstream app raised an exception")."""

    def __init__(self, model, message: str):
        self._model, self._message = model, message

    def model_validate(self, obj, *args, **kwargs):
        try:
            return self._model.model_validate(obj, *args, **kwargs)
        except Exception:  # pydantic's ValidationError, or a type it cannot read at all
            raise gr.Error(self._message, print_exception=False) from None

    def __getattr__(self, name):
        return getattr(self._model, name)


def _guard(block, name: str) -> None:
    if getattr(block, "_aigc_guarded", False):
        return
    message = f"{name} must be {_accepts(block)}."
    preprocess = block.preprocess

    def checked(payload):
        try:
            return preprocess(payload)
        except gr.Error as e:  # Gradio's own check (a choice not offered): say which parameter
            raise gr.Error(f"{name}: {e.message}", print_exception=False) from None
        except Exception:  # a value of the wrong type: not a number, not a file, ...
            raise gr.Error(f"{message} Got {payload!r:.80}.", print_exception=False) from None

    block.preprocess = checked
    if getattr(block, "data_model", None) is not None:
        block.data_model = _CheckedModel(block.data_model, message)
    block._aigc_guarded = True


def guard_api_inputs(demo: gr.Blocks) -> None:
    """Every input of every public endpoint answers a value of the wrong type with a message
    that names the API parameter and says what it accepts."""
    for fn in demo.fns.values():
        # private events (a slider's visibility, a preset) name their inputs after their own
        # lambdas' parameters; only the public endpoints' names are the API's
        if getattr(fn, "api_visibility", "public") != "public" or fn.fn is None:
            continue
        names = [p.name for p in inspect.signature(fn.fn).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        for block, name in zip(fn.inputs, names):
            _guard(block, name)


def example_picker(examples: list):
    """A gallery's select handler that puts the picture of the clicked example (examples:
    (picture, caption) pairs) into an input."""
    def pick(evt: gr.SelectData):
        return examples[evt.index][0] if isinstance(evt.index, int) and evt.index < len(examples) else gr.skip()

    return pick
