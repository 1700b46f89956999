"""The Arena tab: the same input through two models drawn at random, shown as A and B with
their names hidden; the reviewer votes, then the names are revealed. Votes go to the
arena's database (aigc_demo/arena/store.py); the Metrics tab ranks the models from them.

API: /arena_pair (modality, seed) -> the two outputs and a single-use token;
/arena_vote (token, choice, note) -> the names revealed."""

from __future__ import annotations

import json
import secrets

import gradio as gr

from .. import exports
from ..arena import MODALITIES
from ..arena.store import CHOICES, MAX_NOTE_CHARS
from .common import bind, seed_row

LABELS = {"text": "Text", "image": "Images", "audio": "Speech"}
VOTE_BUTTONS = {"a": "A is better", "b": "B is better", "tie": "Tie", "both_bad": "Both are bad"}


def session_of(request: gr.Request | None) -> str:
    """The key the per-session rate limits count by: Gradio's session (one per page load or
    API client); a caller without one shares the anonymous key."""
    return str(getattr(request, "session_hash", None) or "anonymous")[:64]


def client_of(request: gr.Request | None) -> str:
    """The caller's address, for the per-client limit: behind a proxy (a Space) the first
    address of X-Forwarded-For, else the connection's."""
    headers = getattr(request, "headers", None) or {}
    forwarded = headers.get("x-forwarded-for", "") if hasattr(headers, "get") else ""
    if forwarded:
        return forwarded.split(",")[0].strip()[:64]
    return str(getattr(getattr(request, "client", None), "host", "") or "")[:64]


def _blind(modality: str, output, side: str, nonce: str):
    """An output as its widget takes it, with nothing that names the model: no metadata in the
    PNGs or the WAV, no model in a file name (the pipelines' own exports carry both). The
    nonce keeps the files of two identical requests apart in Gradio's cache."""
    if modality == "text":
        return output.text
    if modality == "image":
        items = []
        for i, im in enumerate(output.images):
            im = im.copy()
            im.info = {"arena": json.dumps({"side": side, "index": i, "pair": nonce})}
            items.append((im, None))
        return items
    return str(exports.save_wav(output, blind=True))


# --- handlers: module level, the arena passed in (bound by `common.bind`) -------------------

def arena_pair(arena, modality: str = MODALITIES[0], seed: int = -1, request: gr.Request = None):
    """Two models of one modality (text, image or audio) drawn at random, the same input and
    seed, shown as A and B in random order with the names hidden. Returns the input in words,
    the two outputs (text_a/text_b, gallery_a/gallery_b or audio_a/audio_b, the others
    empty) and the pair's single-use token for /arena_vote."""
    pair = arena.pair(modality, seed=seed, session=session_of(request), client=client_of(request))
    m, nonce = pair["modality"], secrets.token_hex(4)
    shown = {k: None for k in ("text", "image", "audio")}
    out = {side: _blind(m, o, side, nonce) for side, o in zip("ab", pair["outputs"])}
    result = []
    for kind in ("text", "image", "audio"):
        result += [out["a"], out["b"]] if kind == m else [shown[kind], shown[kind]]
    return [f"**{pair['description']}** Which is better?", *result, pair["token"]]


def arena_vote(arena, token: str = "", choice: str = "a", note: str = "", request: gr.Request = None) -> dict:
    """Vote on a pair from /arena_pair with its token: choice a (A is better), b, tie or
    both_bad, and an optional note (at most 500 characters). Each token takes one vote; a
    forged, expired or used token is refused. Returns the pair with the names revealed."""
    return arena.vote(token, choice, note, session=session_of(request), client=client_of(request))


def _revealed(result: dict) -> str:
    said = {"a": "you preferred **A**", "b": "you preferred **B**", "tie": "a **tie**", "both_bad": "**both bad**"}
    return (f"Vote stored ({said[result['choice']]}). **A** was `{result['a']}`, **B** was `{result['b']}` "
            f"(sampling seed {result['sampling_seed']}). Ask for a new pair to go on; the Metrics tab ranks the models "
            "from every vote.")


# --- the tab --------------------------------------------------------------------------------

def build(arena) -> None:
    ready = arena.modalities()
    pair = bind(arena_pair, arena)
    vote = bind(arena_vote, arena)
    gr.Markdown("### Blind arena\nThe same input goes to two models drawn at random; their outputs are shown as "
                "**A** and **B** in random order, names hidden. Pick the better one (or tie, or both bad); the names "
                "are revealed after your vote. Votes are stored and ranked (Bradley–Terry) in the Metrics tab, "
                "beside each model's automatic metric.")
    if not ready:
        gr.Markdown("**The arena needs two usable models of one modality**; none has two yet.")
        gr.api(pair, api_name="arena_pair")
        gr.api(vote, api_name="arena_vote")
        return
    with gr.Row():
        modality = gr.Radio(ready, value=ready[0], label="What to judge", scale=2, elem_id="arena-modality")
        with gr.Column(scale=2):
            seed = seed_row()
        go = gr.Button("New pair", variant="primary", scale=1)
    description = gr.Markdown(elem_id="arena-description")
    first = ready[0]
    views = {}
    with gr.Row(equal_height=True):
        for side in "ab":
            with gr.Column():
                gr.Markdown(f"### {side.upper()}")
                views[("text", side)] = gr.Textbox(label=side.upper(), lines=8, interactive=False,
                                                   visible=first == "text", elem_id=f"arena-text-{side}")
                views[("image", side)] = gr.Gallery(label=side.upper(), columns=4, height=360, format="png",
                                                    object_fit="contain", visible=first == "image", allow_preview=False,
                                                    elem_id=f"arena-image-{side}")
                views[("audio", side)] = gr.Audio(label=side.upper(), type="filepath", interactive=False,
                                                  visible=first == "audio", elem_id=f"arena-audio-{side}")
    with gr.Row():
        buttons = {c: gr.Button(VOTE_BUTTONS[c], interactive=False, elem_id=f"arena-vote-{c}") for c in CHOICES}
    note = gr.Textbox(label=f"Note (optional, at most {MAX_NOTE_CHARS} characters)", max_length=MAX_NOTE_CHARS,
                      lines=1)
    reveal = gr.Markdown(elem_id="arena-reveal")
    token = gr.Textbox(visible=False)  # the pair's token, as the API returns it

    outputs = [views[(k, s)] for k in ("text", "image", "audio") for s in "ab"]

    def show(m):
        return [gr.update(visible=k == m) for k in ("text", "image", "audio") for _ in "ab"]

    def switch(m):
        """Another modality: the pair on screen goes, and with it its token (no vote on a pair
        the reviewer no longer sees)."""
        return ([gr.update(visible=k == m, value=None) for k in ("text", "image", "audio") for _ in "ab"]
                + ["", "", ""] + [gr.update(interactive=False)] * len(buttons))

    modality.change(switch, modality, [*outputs, token, description, reveal, *buttons.values()], api_visibility="private")
    go.click(pair, [modality, seed], [description, *outputs, token], api_name="arena_pair", concurrency_limit=2) \
        .success(lambda m: [*show(m), ""] + [gr.update(interactive=True)] * len(buttons), modality,
                 [*outputs, reveal, *buttons.values()], api_visibility="private")

    for choice, button in buttons.items():
        def cast(t, n, request: gr.Request, choice=choice):
            return _revealed(vote(t, choice, n, request)), *[gr.update(interactive=False)] * len(buttons), ""

        button.click(cast, [token, note], [reveal, *buttons.values(), note], api_visibility="private")
    gr.api(vote, api_name="arena_vote")
