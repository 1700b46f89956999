"""The Metrics tab: training curves of every model, from its train_log.csv."""

from pathlib import Path

import gradio as gr
from PIL import Image

from .. import plots
from .common import user_errors


def build(studio, demo: gr.Blocks) -> None:
    _comparison(studio, demo)
    entries = [e for e in studio.entries if (e.path / "train_log.csv").is_file()]
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
        first = next(iter(with_grids))
        with gr.Row():
            grid_model = gr.Dropdown(list(with_grids), value=first, label="Model")
            grid_epoch = gr.Dropdown(list(with_grids[first]), value=list(with_grids[first])[-1], label="Epoch")
        # handed over as pictures, not paths: Gradio copies them to its cache, and nothing
        # under checkpoints/ becomes downloadable by URL
        grid_image = gr.Image(label="Sample grid", format="png", height=420, interactive=False)

        def epochs_of(model):
            grids = with_grids.get(model, {})
            last = list(grids)[-1] if grids else None
            return gr.update(choices=list(grids), value=last), grid_at(model, last)

        def grid_at(model, epoch):
            path = with_grids.get(model, {}).get(epoch)
            return Image.open(path) if path else None

        grid_model.change(epochs_of, grid_model, [grid_epoch, grid_image], api_visibility="private")
        grid_epoch.change(grid_at, [grid_model, grid_epoch], grid_image, api_visibility="private")
        demo.load(grid_at, [grid_model, grid_epoch], grid_image, api_visibility="private")

    with_texts = {e.name: plots.training_texts(e) for e in entries if plots.training_texts(e)}
    if with_texts:
        gr.Markdown("### What the language models wrote during training\nThe same prompts and seed at every "
                    "validation step.")
        first = next(iter(with_texts))
        with gr.Row():
            text_model = gr.Dropdown(list(with_texts), value=first, label="Model")
            text_step = gr.Dropdown(list(with_texts[first]), value=list(with_texts[first])[-1], label="Step")
        text_box = gr.Textbox(label="Samples", lines=16, interactive=False)

        def steps_of(model):
            texts = with_texts.get(model, {})
            last = list(texts)[-1] if texts else None
            return gr.update(choices=list(texts), value=last), text_at(model, last)

        def text_at(model, step):
            path = with_texts.get(model, {}).get(step)
            return Path(path).read_text(encoding="utf-8") if path else ""

        text_model.change(steps_of, text_model, [text_step, text_box], api_visibility="private")
        text_step.change(text_at, [text_model, text_step], text_box, api_visibility="private")
        demo.load(text_at, [text_model, text_step], text_box, api_visibility="private")


def _comparison(studio, demo: gr.Blocks) -> None:
    measured = [e for e in studio.entries if e.metrics.get("generated")]
    if not measured:
        gr.Markdown("**No model is measured yet**; comparisons appear once models have a `metrics.json`.")
        return
    metrics = plots.comparable_metrics(measured)
    gr.Markdown("### Models compared\nEach bar beside the same metric of real data at the same sample count "
                "(black line); error bars where a spread was measured.")
    metric = gr.Dropdown(metrics, value=metrics[0], label="Metric")
    bars = gr.Plot()
    table = plots.metrics_table(measured)
    with gr.Accordion("Every metric of every model (sortable; CSV below)", open=False):
        gr.Dataframe(table, interactive=False, wrap=True)
        export = gr.Button("Export as CSV", variant="secondary")
        csv_file = gr.File(label="metrics.csv")
        export.click(lambda: _csv(table), None, csv_file, api_visibility="private")

    def draw(m):
        return plots.comparison_bars(measured, m)

    metric.change(draw, metric, bars, api_visibility="private")
    demo.load(draw, metric, bars, api_visibility="private")


def _csv(table) -> str:
    """The metrics table as a CSV file in the app's output folder (served from there only)."""
    from ..studio import new_output_file

    path = new_output_file("aigc_metrics_", ".csv")
    table.to_csv(path, index=False)
    return str(path)
