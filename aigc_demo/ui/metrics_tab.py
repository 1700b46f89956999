"""The Metrics tab: training curves of every model, from its train_log.csv."""

from pathlib import Path

import gradio as gr
import pandas as pd
from PIL import Image

from .. import checkpoint as ckpt, exports, plots
from ..arena import MODALITIES, ArenaUnavailable
from .common import bind, open_rows_in_their_tabs, user_errors

RANKING_COLUMNS = ["human_rank", "model", "score", "ci_low", "ci_high", "votes", "wins", "losses", "ties", "metric",
                   "metric_rank"]


def build(studio, demo: gr.Blocks, tabs: gr.Tabs | None = None, pickers: dict | None = None, arena=None) -> None:
    """tabs and pickers ({modality: model dropdown of its tab}): picking a row of the metrics
    table opens that model in its generation tab. arena: its votes ranked beside the metrics."""
    _comparison(studio, demo, tabs, pickers or {})
    if arena is not None:
        _human_ranking(arena, demo)
    entries = [e for e in studio.entries if (e.path / ckpt.TRAIN_LOG_FILE).is_file()]
    if not entries:
        gr.Markdown("**No training log yet.** Curves appear here once a model folder holds its `train_log.csv`.")
        return
    gr.Markdown("### Training curves")
    by_name = {e.name: e for e in entries}
    columns = plots.curve_columns(entries)

    @user_errors
    def curves(models: list[str], column: str, x: str, smoothing: float, log_y: bool):
        chosen = [by_name[m] for m in (models or []) if m in by_name]
        if not chosen:
            raise gr.Error("Pick at least one model.")
        return plots.training_curves(chosen, column, x=x, smoothing=smoothing, log_y=log_y)

    with gr.Row():
        models = gr.Dropdown(list(by_name), value=list(by_name)[:1], multiselect=True, label="Models (overlaid)")
        column = gr.Dropdown(columns, value=columns[0], label="Quantity")
        x = gr.Radio(list(plots.X_AXES), value="step", label="x axis")
    with gr.Row():
        smoothing = gr.Slider(0, 0.99, value=0.6, step=0.01, label="EMA smoothing (raw curve stays faint behind)")
        log_y = gr.Checkbox(False, label="log scale")
    plot = gr.Plot(label="Training curve")
    inputs = [models, column, x, smoothing, log_y]
    for control in inputs:
        control.change(curves, inputs, plot, api_visibility="private")
    # draw the first figure on page load, not at start-up (keeps start-up fast)
    demo.load(curves, inputs, plot, api_visibility="private")

    with_grids = {e.name: plots.epoch_grids(e) for e in entries if plots.epoch_grids(e)}
    if with_grids:
        gr.Markdown("### What the model drew during training\nOne row per class, the same noise at every epoch.")
        # handed over as pictures, not paths: Gradio copies them to its cache, and nothing
        # under checkpoints/ becomes downloadable by URL
        _training_samples(demo, with_grids, "Epoch", gr.Image(label="Sample grid", format="png", height=420,
                                                             interactive=False, render=False), Image.open)

    with_texts = {e.name: plots.training_texts(e) for e in entries if plots.training_texts(e)}
    if with_texts:
        gr.Markdown("### What the language models wrote during training\nThe same prompts and seed at every "
                    "validation step.")
        _training_samples(demo, with_texts, "Step", gr.Textbox(label="Samples", lines=16, interactive=False, render=False),
                          lambda path: Path(path).read_text(encoding="utf-8"))


def _training_samples(demo: gr.Blocks, files: dict[str, dict[str, str]], moment: str, view, read) -> None:
    """Pick a model and a moment of its training ({model: {moment: path}}); `view` shows
    read(path) of that file."""
    first = next(iter(files))
    with gr.Row():
        model = gr.Dropdown(list(files), value=first, label="Model")
        when = gr.Dropdown(list(files[first]), value=list(files[first])[-1], label=moment)
    view.render()

    def show(m, w):
        path = files.get(m, {}).get(w)
        return read(path) if path else None

    def moments_of(m):
        options = list(files.get(m, {}))
        last = options[-1] if options else None
        return gr.update(choices=options, value=last), show(m, last)

    model.change(moments_of, model, [when, view], api_visibility="private")
    when.change(show, [model, when], view, api_visibility="private")
    demo.load(show, [model, when], view, api_visibility="private")


def _comparison(studio, demo: gr.Blocks, tabs, pickers: dict) -> None:
    measured = [e for e in studio.entries if e.metrics.get("generated")]
    if not measured:
        gr.Markdown("**No model is measured yet**; comparisons appear once models have a `metrics.json`.")
        return
    metrics = plots.comparable_metrics(measured)
    gr.Markdown("### Models compared\nEach bar beside the same metric of real data at the same sample count "
                "(black line); error bars where a spread was measured.")
    # open on a metric that has a real-data reference (perplexity, listed first, has none)
    default = next((m for m in metrics if any(m in e.metrics.get("real_reference", {}) for e in measured)), metrics[0])
    metric = gr.Dropdown(metrics, value=default, label="Metric")
    bars = gr.Plot()
    table = plots.metrics_table(measured)
    with gr.Accordion("Every metric of every model (sortable; pick a row to open its model; CSV below)", open=False):
        grid = gr.Dataframe(table, interactive=False, wrap=True, elem_id="metrics-table")
        export = gr.Button("Export as CSV", variant="secondary")
        csv_file = gr.File(label="metrics.csv")
        export.click(lambda: _csv(table), None, csv_file, api_visibility="private")

    def draw(m):
        return plots.comparison_bars(measured, m)

    metric.change(draw, metric, bars, api_visibility="private")
    demo.load(draw, metric, bars, api_visibility="private")
    if tabs is not None:
        open_rows_in_their_tabs(studio, grid, tabs, pickers)
    if any(e.metrics.get("temperature_sweep") for e in measured):
        gr.Markdown("### Text: quality against diversity\nCooling the sampling raises test-BLEU and Self-BLEU "
                    "together, so each language model is measured along a temperature sweep and compared where its "
                    "samples are as diverse as real text (ringed).")
        curve = gr.Plot()
        # drawn on page load, as the other figures: plotly's first figure costs a quarter second
        demo.load(lambda: plots.quality_diversity(measured), None, curve, api_visibility="private")
    if any(e.metrics.get("features") for e in measured):
        gr.Markdown("### Music: closeness to real music\nMGEval's overlapping area of each per-piece feature: how "
                    "far a model's tunes or chorales are from held-out real ones, against how far real ones are from "
                    "each other (grey: a second real set, each model's ceiling).")
        closeness = gr.Plot()
        demo.load(lambda: plots.music_closeness(measured), None, closeness, api_visibility="private")


def _csv(table) -> str:
    """The metrics table as a CSV file in the app's output folder (served from there only)."""
    return str(exports.save_csv(table))


# --- humans beside the metrics (the arena's votes) -----------------------------------------

def arena_ranking(arena, modality: str = MODALITIES[0]) -> dict:
    """Humans' ranking of one modality's models from every arena vote: one row per model
    (Bradley–Terry score on the Elo scale, its 95 % bootstrap interval, votes, wins, losses,
    ties, human rank) beside its automatic metric and metric rank, and the agreement of the
    two orders (Kendall's τ, with a sentence saying whether they agree)."""
    return arena.ranking(modality)


def arena_votes(arena) -> str:
    """Every arena vote with its pair (time, modality, models A and B, choice, note, input,
    seed, session) as a CSV file."""
    columns = ["vote_id", "time_utc", "modality", "model_a", "model_b", "choice", "note", "inputs", "seed", "session"]
    return str(exports.save_csv(pd.DataFrame(arena.votes(), columns=columns), prefix="aigc_arena_votes_"))


def ranking_view(arena, modality: str):
    """The page's view of the ranking: table, sentence, figure. A database that is down shows
    as a message in place of the table (the API endpoint raises it as an error instead)."""
    try:
        result = arena.ranking(modality)
    except ArenaUnavailable as e:
        return None, f"**{e}**", None
    metric = result["agreement"]["metric"]
    table = pd.DataFrame(result["rows"], columns=RANKING_COLUMNS).rename(
        columns={"metric": metric, "metric_rank": "metric rank", "human_rank": "human rank"})
    return table, result["agreement"]["sentence"], plots.arena_ranking(result["rows"], metric)


def _human_ranking(arena, demo: gr.Blocks) -> None:
    modalities = [m for m in MODALITIES if arena.contestants(m)]
    if not modalities:
        return
    view = bind(ranking_view, arena)
    gr.Markdown("### Humans beside the metrics\nRankings from the blind votes of the Arena tab: Bradley–Terry "
                "scores (Elo scale, 95 % bootstrap intervals; a tie or “both bad” counts half a win each way), beside "
                "each model's automatic metric, and whether the two orders agree (Kendall's τ).")
    with gr.Row():
        modality = gr.Radio(modalities, value=modalities[0], label="Modality", scale=3, elem_id="ranking-modality")
        refresh = gr.Button("Refresh", scale=1)
        download = gr.Button("Export every vote as CSV", variant="secondary", scale=1)
    sentence = gr.Markdown(elem_id="arena-agreement")
    table = gr.Dataframe(interactive=False, wrap=True, label="Human ranking")
    figure = gr.Plot(label="Human scores and the automatic metric")
    votes_file = gr.File(label="arena_votes.csv")
    for event in (modality.change, refresh.click):
        event(view, modality, [table, sentence, figure], api_visibility="private")
    demo.load(view, modality, [table, sentence, figure], api_visibility="private")
    gr.api(bind(arena_ranking, arena), api_name="arena_ranking")
    download.click(bind(arena_votes, arena), None, votes_file, api_name="arena_votes")
