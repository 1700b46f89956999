"""What every tab shares: turning studio errors into messages, and the not-trained notice."""

from __future__ import annotations

import functools
import inspect
import logging

import gradio as gr

from ..studio import InputError, ModelUnavailable

log = logging.getLogger("aigc_studio")


def _as_user_error(fn_name: str, e: Exception) -> gr.Error:
    if isinstance(e, (InputError, ModelUnavailable)):
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


def not_trained(modality: str, studio) -> str | None:
    """The notice a tab shows instead of its controls while it has no model, else None."""
    names = studio.models(modality, usable_only=False)
    if not names:
        return (f"**No {modality} model is trained yet.** This tab fills in once a checkpoint exists "
                f"under `checkpoints/{modality}/`; nothing here is a placeholder.")
    broken = [n for n in names if studio.cache.status(modality, n)]
    if len(broken) == len(names):
        reasons = "; ".join(f"`{n}`: {studio.cache.status(modality, n)}" for n in broken)
        return f"**Every {modality} model is disabled.** {reasons}"
    return None


def disabled_note(modality: str, studio) -> str:
    """A line listing the models of this tab that are disabled, and why ('' if none)."""
    lines = [f"- `{n}` is disabled: {studio.cache.status(modality, n)}"
             for n in studio.models(modality, usable_only=False) if studio.cache.status(modality, n)]
    return "\n".join(lines)


def open_rows_in_their_tabs(studio, grid: gr.Dataframe, tabs: gr.Tabs, pickers: dict) -> None:
    """Picking a row of a model table (columns model, modality, ...) selects that modality's
    tab (tab ids are the modalities) and, where the tab's picker (pickers: {modality: model
    dropdown}) offers the model, the model; a vocoder is chosen beside its generator."""
    names = {m: set(studio.audio_models() if m == "audio" else studio.models(m)) for m in pickers}

    def open_row(evt: gr.SelectData):
        model, modality = (list(evt.row_value or []) + [None, None])[:2]
        if modality not in pickers:
            return [gr.update()] * (1 + len(pickers))
        return [gr.Tabs(selected=modality)] + [gr.update(value=model) if m == modality and model in names[m]
                                               else gr.update() for m in pickers]

    grid.select(open_row, None, [tabs, *pickers.values()], api_visibility="private")
