"""Figures and tables for the Metrics and Evaluation tabs, from the files in checkpoint
folders (train_log.csv, metrics.json). Plain pandas/plotly: no Gradio here, so they are
testable and usable from a notebook."""

from __future__ import annotations

import math
import re

import pandas as pd
from PIL import Image
import plotly.colors
import plotly.graph_objects as go

from . import checkpoint as ckpt
from .registry import ModelEntry

X_AXES = {"step": "step", "epoch": "epoch", "wall clock (s)": "wall_seconds"}
BOOKKEEPING = {"step", "epoch", "wall_seconds"}


def read_log(entry: ModelEntry) -> pd.DataFrame:
    path = entry.path / ckpt.TRAIN_LOG_FILE
    if not path.is_file():
        return pd.DataFrame()
    try:
        return pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError):
        return pd.DataFrame()


def curve_columns(entries: list[ModelEntry]) -> list[str]:
    """Every logged quantity (losses, eval figures) across these models' logs."""
    cols: list[str] = []
    for e in entries:
        for c in read_log(e).columns:
            if c not in BOOKKEEPING and c not in cols:
                cols.append(c)
    return cols


def ema(values: pd.Series, smoothing: float) -> pd.Series:
    """Exponential moving average, debiased like TensorBoard's smoothing slider."""
    if smoothing <= 0:
        return values
    return values.ewm(alpha=1 - smoothing, adjust=True).mean()


def training_curves(entries: list[ModelEntry], column: str, *, x: str = "step", smoothing: float = 0.6,
                    log_y: bool = False) -> go.Figure:
    """One line per model for `column`, smoothed, with the raw curve kept faint behind it."""
    x_col = X_AXES.get(x, x)
    fig = go.Figure()
    palette = plotly.colors.qualitative.Plotly
    for i, e in enumerate(entries):
        color = palette[i % len(palette)]  # the faint raw line and the smoothed one share it
        df = read_log(e)
        if column not in df.columns or x_col not in df.columns:
            continue
        d = df[[x_col, column]].dropna()
        if d.empty:
            continue
        smoothed = ema(d[column], smoothing)
        fig.add_trace(go.Scatter(x=d[x_col], y=d[column], mode="lines", name=f"{e.name} (raw)", opacity=0.25,
                                 showlegend=False, legendgroup=e.name, line=dict(width=1, color=color)))
        fig.add_trace(go.Scatter(x=d[x_col], y=smoothed, mode="lines+markers" if len(d) < 40 else "lines",
                                 name=e.name, legendgroup=e.name, line=dict(color=color)))
    fig.update_layout(title=column, xaxis_title=x, yaxis_title=column, template="plotly_white",
                      margin=dict(l=40, r=20, t=50, b=40), height=420)
    if log_y:
        fig.update_yaxes(type="log")
    if not fig.data:
        fig.add_annotation(text=f"no model logged {column!r}", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    return fig


def metrics_table(entries: list[ModelEntry]) -> pd.DataFrame:
    """Every shipped metric of every model, with its real-data reference and how it was measured."""
    rows = []
    for e in entries:
        m = e.metrics
        gen, ref = m.get("generated", {}), m.get("real_reference", {})
        for k, v in gen.items():
            r = ref.get(k)
            rows.append({"model": e.name, "modality": e.modality, "metric": k, "value": _round(v),
                         "real data": _round(r) if r is not None else None, "samples": m.get("n"),
                         "seed": m.get("seed"), "command": m.get("command", "")})
        # a translator's figures per direction, and a poet's per decoding (the GPT beside it)
        for d in m.get("directions", {}).values():
            rows += [_row(e, f"{k} ({d['from']} → {d['to']})", v, d["real_reference"].get(k), m) for k, v in d["translated"].items()]
        systems = m.get("systems", {})
        for name, figures in systems.items():
            if name.startswith(("seq2seq", "gpt")):
                rows += [_row(e, f"{k} ({name})", v, systems.get("real_next_line", {}).get(k), m) for k, v in figures.items()]
            elif e.family == "captioner" and name.split()[1] in ("greedy", "beam3"):  # language, decoding, pictures
                real = systems.get(f"{name.split()[0]} real_caption all", {})
                rows += [_row(e, f"{k} ({name})", v, real.get(k), m) for k, v in figures.items() if k != "n"]
        names = m.get("class_names") or {}  # a text-to-image model's draw from the class names alone
        for k, v in names.get("generated", {}).items():
            rows.append({**_row(e, f"{k} (class names alone)", v, names["real_reference"].get(k), m),
                         "samples": names["n"]})
        pf = m.get("prompt_following") or {}  # a text-to-image model's, beside real pictures of the same caption
        for setting, parts in pf.get("settings", {}).items():
            for part in ("seen", "held_out", "validation_held_out"):
                if part not in parts:  # a model that held no validation combination out
                    continue
                real = pf["controls"]["real_pictures"][part]
                rows += [_row(e, f"{k} ({setting}, {part})", v, real.get(k), m) for k, v in parts[part].items() if k != "n"]
        speech = m.get("speech") or {}  # an audio model's independent instruments, and their negative controls
        for kind, sets in (("", speech.get("generated", {})), ("real through ", speech.get("vocoded_reference", {})),
                           ("control: ", speech.get("controls", {}))):
            for name, figures in sets.items():
                rows += [{**_row(e, f"{k} ({kind}{name})", v, speech["real_reference"].get(k, ref.get(k)), m),
                          "samples": speech["copy_clips"] if k in ("stoi", "pesq_wb") else speech["n"]}
                         for k, v in figures.items() if k not in ("pesq_error",)]
        inception = m.get("fid_inceptionv3") or {}
        if inception.get("available"):  # standard FID, measured only where its weights were at hand
            rows.append({"model": e.name, "modality": e.modality, "metric": "fid_inceptionv3",
                         "value": _round(inception["value"]), "real data": _round(inception["real_reference"]),
                         "samples": inception["n"], "seed": inception["seed"], "command": m.get("command", "")})
    return pd.DataFrame(rows, columns=["model", "modality", "metric", "value", "real data", "samples", "seed", "command"])


def _row(e: ModelEntry, metric: str, value, real, m: dict) -> dict:
    return {"model": e.name, "modality": e.modality, "metric": metric, "value": _round(value),
            "real data": _round(real) if real is not None else None, "samples": m.get("n"), "seed": m.get("seed"),
            "command": m.get("command", "")}


def _round(v):
    return round(v, 5) if isinstance(v, float) and math.isfinite(v) else v


def training_texts(entry: ModelEntry) -> dict[str, str]:
    """{"step N": path} of the texts a language model wrote at each validation during
    training (the same prompts and seed every time), in step order."""
    folder = entry.path / "samples"
    found = sorted((int(m.group(1)), p) for p in (folder.glob("step_*.txt") if folder.is_dir() else [])
                   if (m := re.fullmatch(r"step_(\d+)", p.stem)))
    return {f"step {step}": str(p) for step, p in found}


def epoch_grids(entry: ModelEntry) -> dict[str, str]:
    """{"epoch N": path} of the sample grids a model drew during training, in epoch order
    (one row per class, the same noise every epoch)."""
    folder = entry.path / "samples"
    found = []
    for p in folder.glob("epoch_*.png") if folder.is_dir() else []:
        m = re.fullmatch(r"epoch_(\d+)(?:_batch_(\d+))?", p.stem)
        if m:
            epoch, batch = int(m.group(1)), m.group(2)
            found.append(((epoch, int(batch or 0)), f"epoch {epoch}" + (f" + {batch} batches" if batch else ""), str(p)))
    return {label: path for _, label, path in sorted(found)}


def comparison_bars(entries: list[ModelEntry], metric: str) -> go.Figure:
    """One bar per model for `metric`, with each model's real-data reference as a marker line
    (references differ with the sample count, so each bar carries its own), and error bars
    where the metric has a measured spread (e.g. kid_fmnist_std)."""
    names, values, refs, errors = [], [], [], []
    for e in entries:
        gen, ref = e.metrics.get("generated", {}), e.metrics.get("real_reference", {})
        if metric not in gen:
            continue
        names.append(e.name)
        values.append(gen[metric])
        refs.append(ref.get(metric))
        errors.append(gen.get(f"{metric}_std"))
    fig = go.Figure()
    if names:
        fig.add_trace(go.Bar(x=names, y=values, name=metric,
                             error_y=dict(type="data", array=[v or 0 for v in errors], visible=any(errors))))
        if any(r is not None for r in refs):
            fig.add_trace(go.Scatter(x=names, y=refs, mode="markers", name="real data (same n)",
                                     marker=dict(symbol="line-ew", size=40, color="black", line=dict(width=3, color="black"))))
    else:
        fig.add_annotation(text=f"no model measured {metric!r}", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_layout(title=f"{metric}: models vs real data", yaxis_title=metric, template="plotly_white", height=380,
                      margin=dict(l=40, r=20, t=50, b=40))
    return fig


def quality_diversity(entries: list[ModelEntry]) -> go.Figure | None:
    """Text models' temperature sweeps as curves of test-BLEU-4 (quality) against Self-BLEU-4
    (lack of diversity), each point labelled with its temperature, the diversity-matched point
    ringed, and real text as a star; None where no model has a sweep."""
    swept = [e for e in entries if e.metrics.get("temperature_sweep")]
    if not swept:
        return None
    fig = go.Figure()
    for e in swept:
        rows = e.metrics["temperature_sweep"]
        fig.add_trace(go.Scatter(x=[r.get("self_bleu_4") for r in rows], y=[r.get("test_bleu_4") for r in rows],
                                 mode="lines+markers+text", name=e.name, text=[f"T={r['temperature']:g}" for r in rows],
                                 textposition="top left"))
        matched = e.metrics.get("diversity_matched") or {}
        if matched.get("generated"):
            g = matched["generated"]
            fig.add_trace(go.Scatter(x=[g.get("self_bleu_4")], y=[g.get("test_bleu_4")], mode="markers",
                                     name=f"{e.name} at matched diversity (T={matched['temperature']:g})",
                                     marker=dict(size=18, symbol="circle-open", line=dict(width=3))))
    real = {(r.get("self_bleu_4"), r.get("test_bleu_4")) for e in swept for r in [e.metrics.get("real_reference", {})]}
    for x, y in sorted(real, key=str):
        fig.add_trace(go.Scatter(x=[x], y=[y], mode="markers", name="real text (validation split)",
                                 marker=dict(symbol="star", size=16, color="black")))
    fig.update_layout(title="Quality vs diversity over the sampling temperature", xaxis_title="Self-BLEU-4 (lower: more diverse)",
                      yaxis_title="test-BLEU-4 (higher: closer to real text)", template="plotly_white", height=420,
                      margin=dict(l=40, r=20, t=50, b=40))
    return fig


def comparable_metrics(entries: list[ModelEntry]) -> list[str]:
    """Metrics measured for at least one model (their *_std companions excluded)."""
    out: list[str] = []
    for e in entries:
        for k in e.metrics.get("generated", {}):
            if not k.endswith("_std") and k not in out:
                out.append(k)
    return out


def audio_figure(audio, sample_rate: int, spectrogram) -> go.Figure:
    """The waveform above its log-mel spectrogram (bands x frames, low bands first), sharing
    the time axis in seconds."""
    import numpy as np
    from plotly.subplots import make_subplots

    audio = np.asarray(audio, dtype=np.float32)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06, row_heights=[0.35, 0.65])
    step = max(1, len(audio) // 4000)  # a few thousand points draw fast and look the same
    t = np.arange(0, len(audio), step) / sample_rate
    fig.add_trace(go.Scattergl(x=t, y=audio[::step], mode="lines", line=dict(width=1), name="waveform"), row=1, col=1)
    frames = spectrogram.shape[1]
    fig.add_trace(go.Heatmap(z=spectrogram, x=np.arange(frames) * (len(audio) / sample_rate) / max(frames, 1),
                             colorscale="Viridis", showscale=False, name="log-mel"), row=2, col=1)
    fig.update_yaxes(title_text="amplitude", range=[-1, 1], row=1, col=1)
    fig.update_yaxes(title_text="mel band", row=2, col=1)
    fig.update_xaxes(title_text="time (s)", row=2, col=1)
    fig.update_layout(height=420, margin=dict(l=50, r=10, t=10, b=40), showlegend=False)
    return fig


def strip(images: list[Image.Image], scale: int = 1, pad: int = 2) -> Image.Image:
    """PIL images side by side on a white background, enlarged with nearest-neighbour (for
    display: one row per model, a sample beside its nearest training images)."""
    return grid(images, columns=len(images), scale=scale, pad=pad)


def grid(images: list[Image.Image], columns: int, scale: int = 1, pad: int = 2) -> Image.Image:
    """PIL images in rows of `columns` cells (each the size of the largest image) on a white
    background, enlarged with nearest-neighbour."""
    columns = min(columns, len(images))
    rows = -(-len(images) // columns)
    cell_w, cell_h = max(im.width for im in images), max(im.height for im in images)
    w, h = columns * (cell_w + pad) + pad, rows * (cell_h + pad) + pad
    canvas = Image.new("L", (w, h), 255)
    for i, im in enumerate(images):
        r, c = divmod(i, columns)
        canvas.paste(im.convert("L"), (pad + c * (cell_w + pad), pad + r * (cell_h + pad)))
    return canvas.resize((w * scale, h * scale), Image.NEAREST) if scale > 1 else canvas


def arena_ranking(rows: list[dict], metric_name: str) -> go.Figure:
    """Humans' Bradley–Terry scores (with 95 % bootstrap intervals) beside the automatic
    metric, one row per model, best human score on top; models without votes at the bottom."""
    from plotly.subplots import make_subplots

    rows = list(reversed(rows))  # plotly draws the first category at the bottom
    names = [r["model"] for r in rows]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=("Human score (Bradley–Terry, Elo scale; 95 % CI)", metric_name))
    voted = [r for r in rows if r.get("score") is not None]
    # no bar where the interval is undefined (a model that never won or never lost)
    fig.add_trace(go.Scatter(
        x=[r["score"] for r in voted], y=[r["model"] for r in voted], mode="markers", marker=dict(size=11),
        error_x=dict(type="data", symmetric=False,
                     array=[r["ci_high"] - r["score"] if r["ci_high"] is not None else 0 for r in voted],
                     arrayminus=[r["score"] - r["ci_low"] if r["ci_low"] is not None else 0 for r in voted]),
        text=[f"{r['votes']} votes" for r in voted], name="humans"), row=1, col=1)
    measured = [r for r in rows if r.get("metric") is not None]
    fig.add_trace(go.Bar(x=[r["metric"] for r in measured], y=[r["model"] for r in measured], orientation="h",
                         name=metric_name, marker_color="#9aa5b1"), row=1, col=2)
    fig.update_yaxes(categoryorder="array", categoryarray=names)
    fig.update_layout(height=120 + 45 * len(names), showlegend=False, margin=dict(l=10, r=10, t=40, b=10))
    return fig


def attention_heatmap(line: str, output: str, weights: list[list[float]]) -> go.Figure:
    """Which input character each output character looked at: one row per output
    character, one column per input character, the attention weight as colour."""
    # positions on the axes, characters as their labels: a character that occurs twice
    # (年年岁岁) keeps two columns
    fig = go.Figure(go.Heatmap(z=weights, x=list(range(len(line))), y=list(range(len(output))), colorscale="Blues",
                               zmin=0, zmax=1, customdata=[[(o, c) for c in line] for o in output],
                               hovertemplate="output %{customdata[0]} looked at %{customdata[1]}: %{z:.2f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", title="output character", tickmode="array",
                     tickvals=list(range(len(output))), ticktext=list(output))
    fig.update_xaxes(title="input character", side="top", tickmode="array", tickvals=list(range(len(line))),
                     ticktext=list(line))
    fig.update_layout(height=120 + 40 * max(1, len(output)), margin=dict(l=40, r=10, t=60, b=10))
    return fig


def attention_overlays(picture: Image.Image, words: list[str], weights: list[list[float]], scale: int = 4
                       ) -> list[tuple[Image.Image, str]]:
    """Where each word of a caption looked ("Show, Attend and Tell"'s figure): the picture,
    enlarged, with that word's attention over the 7x7 regions laid over it in orange
    (each map scaled to its own maximum), one image per word."""
    import numpy as np

    size = picture.width * scale
    base = np.asarray(picture.convert("L").resize((size, size), Image.NEAREST), dtype=np.float32) / 255
    out = []
    for word, w in zip(words, weights):
        side = int(round(len(w) ** 0.5))
        heat = np.asarray(w, dtype=np.float32).reshape(side, side)
        heat = heat / max(float(heat.max()), 1e-8)
        heat = np.asarray(Image.fromarray((heat * 255).astype(np.uint8)).resize((size, size), Image.BILINEAR),
                          dtype=np.float32) / 255
        rgb = np.stack([base * 0.6 + heat * 0.4, base * 0.6 + heat * 0.25, base * 0.6], -1)
        out.append((Image.fromarray((rgb.clip(0, 1) * 255).astype(np.uint8), mode="RGB"), word))
    return out


def piano_roll(notes: list, title: str = "") -> go.Figure:
    """A piano roll of a tune's notes (onset and duration in quarter notes, MIDI pitch): one
    bar per note, note names on the pitch axis."""
    names = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
    fig = go.Figure(go.Bar(
        x=[n.duration for n in notes], base=[n.onset for n in notes], y=[n.pitch for n in notes], orientation="h",
        width=0.8, marker_color="#6366f1",
        customdata=[f"{names[n.pitch % 12]}{n.pitch // 12 - 1}" for n in notes],
        hovertemplate="%{customdata} at beat %{base:.2f}, %{x:.2f} beats<extra></extra>"))
    pitches = [n.pitch for n in notes] or [60]
    ticks = list(range(min(pitches) - min(pitches) % 12, max(pitches) + 2, 12)) + \
        [p for p in range(min(pitches), max(pitches) + 1) if p % 12 == 7]
    fig.update_layout(title=title or None, height=260, margin=dict(l=50, r=10, t=30 if title else 10, b=40),
                      xaxis_title="quarter notes", yaxis=dict(tickvals=ticks, ticktext=[f"{names[p % 12]}{p // 12 - 1}"
                                                                                         for p in ticks]),
                      bargap=0, showlegend=False)
    return fig


def music_closeness(entries: list[ModelEntry]) -> go.Figure | None:
    """MGEval's overlapping area per feature: each music model's output beside its own
    real reference (a second real set against the held-out one: the ceiling), for the folk
    tunes and the chorales alike."""
    measured = [e for e in entries if e.metrics.get("features")]
    if not measured:
        return None
    fig = go.Figure()
    features = [f for f in measured[0].metrics["features"]["real_reference"] if f != "mean"]
    label = lambda f: f.replace("_", " ")  # noqa: E731
    greys = ("#111827", "#6b7280", "#9ca3af")
    for i, e in enumerate(measured):
        reference, gen = e.metrics["features"]["real_reference"], e.metrics["features"]["generated"]
        what = e.metrics["features"].get("sets", {}).get("real_reference", "a second real set")
        fig.add_bar(name=f"real, for {e.name} ({what})", x=[label(f) for f in features],
                    y=[reference[f]["overlapping_area"] for f in features], marker_color=greys[i % len(greys)])
        fig.add_bar(name=e.name, x=[label(f) for f in features], y=[gen[f]["overlapping_area"] for f in features])
    fig.update_layout(barmode="group", height=340, yaxis=dict(title="overlapping area (1 = like real)", range=[0, 1]),
                      margin=dict(l=50, r=10, t=10, b=80), legend=dict(orientation="h", y=1.12))
    return fig
