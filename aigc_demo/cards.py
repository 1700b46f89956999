"""Model cards: README.md of a checkpoint folder, written from its config, metrics and log,
so the card can never disagree with the files beside it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from . import checkpoint as ckpt


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return "–" if v is None else str(v)


def write_card(folder: str | Path) -> str:
    folder = Path(folder)
    config = ckpt.read_json(folder / ckpt.CONFIG_FILE)
    metrics = ckpt.read_json(folder / ckpt.METRICS_FILE) if (folder / ckpt.METRICS_FILE).is_file() else {}
    t = config.get("training", {})
    n_params = ckpt.count_parameters(folder)
    lines = [
        f"# {folder.name}",
        "",
        f"{config.get('modality', '?')} model, family `{config.get('family', '?')}`, trained by AIGC Studio.",
        "",
        "| | |",
        "|---|---|",
        f"| parameters | {n_params:,} |",
        f"| training data | {config.get('data', '?')} |",
        f"| training time | {t.get('seconds', '?')} s ({t.get('steps', '?')} steps, {t.get('epochs', '?')} epochs) |",
        f"| hardware | {t.get('hardware', '?')} |",
        f"| training command | `{t.get('command', '?')}` |",
        *([f"| notes | {t['note']} |"] if t.get("note") else []),
        *([_w_vs_fid_row(t["w_distance_vs_fid"])] if t.get("w_distance_vs_fid") else []),
        "",
        "Model configuration: see `config.json`; training curves: `train_log.csv`.",
        "",
        "## Metrics",
        "",
    ]
    gen, ref = metrics.get("generated"), metrics.get("real_reference", {})
    if gen:
        lines += [
            f"Measured on {metrics.get('n')} samples (seed {metrics.get('seed')}) with "
            f"`{metrics.get('command', '?')}`, "
            + (f"sampling controls {json.dumps(metrics['sampling_controls'])}." if metrics.get("sampling_controls")
               else "at the family's default sampling controls (see its declaration in aigc_demo/families/)."),
            "",
            "| metric | this model | real data (reference) |",
            "|---|---|---|",
        ]
        for k, v in gen.items():
            lines.append(f"| {k} | {_fmt(v)} | {_fmt(ref.get(k, ''))} |")
        inception = metrics.get("fid_inceptionv3")
        if inception:
            lines += ["", f"Standard FID (InceptionV3): {_fmt(inception['value'])} (real data {_fmt(inception['real_reference'])}, "
                          f"{inception['n']} samples)." if inception["available"]
                      else f"Standard FID (InceptionV3): unavailable ({inception['reason']})."]
        if metrics.get("targets"):
            lines += ["", "Quality bars of the project:", "", "| metric | bar | measured | met |", "|---|---|---|---|"]
            for t in metrics["targets"]:
                where = t.get("vocoder") or t.get("decoding")
                label = f"{t['metric']} ({where})" if where else t["metric"]
                lines.append(f"| {label} | {t['target']} | {_fmt(t['value'])} | {'yes' if t['met'] else ('n/a' if t['met'] is None else '**no**')} |")
        per_language = metrics.get("per_language")
        if per_language:
            lines += ["", "Per language (the figures above are the mean of the two):", "",
                      "| language | metric | this model | real data |", "|---|---|---|---|"]
            for lang, figures in per_language["generated"].items():
                real_lang = per_language["real_reference"].get(lang, {})
                for k, v in figures.items():
                    lines.append(f"| {lang} | {k} | {_fmt(v)} | {_fmt(real_lang.get(k, ''))} |")
        sweep = metrics.get("temperature_sweep")
        if sweep:
            matched = metrics.get("diversity_matched") or {}
            lines += ["", "Temperature sweep (same n and seed; the quality-diversity curve). Diversity-matched "
                          + (f"temperature: **{matched['temperature']:g}**" if matched.get("temperature")
                             else f"none ({matched.get('reason', 'not measured')})")
                          + f"; real text's Self-BLEU-4 {_fmt(ref.get('self_bleu_4', ''))}.", "",
                      "| temperature | test_bleu_4 | self_bleu_4 | distinct_2 | texts (en / zh) |", "|---|---|---|---|---|"]
            for row in sweep:
                counts = row.get("texts_per_language") or {}
                lines.append(f"| {row['temperature']:g} | {_fmt(row.get('test_bleu_4'))} | {_fmt(row.get('self_bleu_4'))} "
                             f"| {_fmt(row.get('distinct_2'))} | {counts.get('en', '-')} / {counts.get('zh', '-')} |")
        vocoders = metrics.get("vocoders")
        if vocoders:
            names = list(vocoders)
            lines += ["", "Through each vocoder (the table above is Griffin-Lim's; same clips' spectrograms):", "",
                      "| metric | " + " | ".join(names) + " | real data |", "|---|" + "---|" * (len(names) + 1)]
            for k in vocoders[names[0]]:
                lines.append(f"| {k} | " + " | ".join(_fmt(vocoders[n].get(k, "")) for n in names)
                             + f" | {_fmt(ref.get(k, ''))} |")
        if metrics.get("task"):
            lines += ["", f"Task: {metrics['task']}."]
        lines += _speech_section(metrics.get("speech"))
        lines += _music_sections(metrics)
        lines += ["", "Definitions:", ""]
        for k, d in metrics.get("definitions", {}).items():
            lines.append(f"- **{k}**: {d}")
    elif metrics.get("systems"):
        systems = metrics["systems"]
        keys = list(next(iter(systems.values())))
        what = "test pictures" if config.get("family") == "captioner" else "held-out line pairs (the test poems)"
        lines += [f"Measured on {metrics.get('n')} {what} with `{metrics.get('command', '?')}`.",
                  "", "| system | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
        for name, figs in systems.items():
            lines.append(f"| {name} | " + " | ".join(_fmt(figs.get(k, "")) for k in keys) + " |")
        if metrics.get("targets"):
            lines += ["", "Quality bars of the project:", "", "| metric | bar | measured | met |", "|---|---|---|---|"]
            for t in metrics["targets"]:
                lines.append(f"| {t['metric']} ({t['decoding']}) | {t['target']} | {_fmt(t['value'])} | "
                             f"{'yes' if t['met'] else '**no**'} |")
        if isinstance(metrics.get("examples"), dict):  # the captioner's, per language
            for language, rows in metrics["examples"].items():
                names = [k for k in rows[0] if k != "real"] if rows else []
                lines += ["", f"Examples ({language}, the first test pictures):", "",
                          "| real caption | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
                lines += [f"| {e['real']} | " + " | ".join(e[k] or "(empty)" for k in names) + " |" for e in rows]
        elif metrics.get("examples"):
            names = [k for k in metrics["examples"][0] if k not in ("line", "real")]
            lines += ["", "Examples (held-out poems):", "", "| line | real next line | " + " | ".join(names) + " |",
                      "|---|---|" + "---|" * len(names)]
            for e in metrics["examples"]:
                lines.append(f"| {e['line']} | {e['real']} | " + " | ".join(e[k] or "(empty)" for k in names) + " |")
        lines += ["", "Definitions:", ""]
        for k, d in metrics.get("definitions", {}).items():
            lines.append(f"- **{k}**: {d}")
    elif metrics.get("directions"):
        lines += [f"Measured on {metrics.get('n')} held-out test images per direction (seed {metrics.get('seed')}) "
                  f"with `{metrics.get('command', '?')}`.", ""]
        for d in metrics["directions"].values():
            parts = [p for p in (("untranslated", "untranslated input"), ("real_reference", "real target"),
                                 ("best_real_match", "best real match")) if p[0] in d]
            lines += [f"**{d['from']} → {d['to']}**", "", "| metric | translated | " + " | ".join(p[1] for p in parts) + " |",
                      "|---|---|" + "---|" * len(parts)]
            for k, v in d["translated"].items():
                lines.append(f"| {k} | {_fmt(v)} | " + " | ".join(_fmt(d[p].get(k, "")) for p, _ in parts) + " |")
            lines.append("")
        if metrics.get("targets"):
            lines += ["Quality bars of the project:", "", "| metric | bar | measured | met |", "|---|---|---|---|"]
            for t in metrics["targets"]:
                lines.append(f"| {t['metric']} ({t['direction']}) | {t['target']} | {_fmt(t['value'])} | "
                             f"{'yes' if t['met'] else '**no**'} |")
        lines += ["", "Definitions:", ""]
        for k, d in metrics.get("definitions", {}).items():
            lines.append(f"- **{k}**: {d}")
    elif metrics.get("metrics"):
        lines += [f"Measured with `{metrics.get('command', '?')}`.", ""]
        for k, v in metrics["metrics"].items():
            lines.append(f"- {k}: {_fmt(v)}")
        if metrics.get("real_reference_at_n"):
            lines.append("")
            lines.append("Real-data reference (real train vs real test, in this classifier's features), "
                         f"measured with `{metrics.get('reference_command', '?')}`:")
            lines.append("")
            for k, v in metrics["real_reference_at_n"].items():
                lines.append(f"- {k}: {_fmt(v)}")
    else:
        lines.append("Not measured yet: run `python -m aigc_demo.evaluate --model " + folder.name + " --write`.")
    if config.get("design"):
        lines += ["", "## Design", "", config["design"]]
    lines += _prompt_following_section(metrics)
    lines += _corpus_section(config.get("corpus"))
    lines += _captions_section(config.get("captions"))
    if (folder / ckpt.TRAIN_LOG_FILE).is_file():
        with open(folder / ckpt.TRAIN_LOG_FILE, newline="") as f:
            n_rows = sum(1 for _ in csv.DictReader(f))
        lines += ["", f"`train_log.csv`: {n_rows} rows."]
    text = "\n".join(lines) + "\n"
    ckpt.atomic_write_text(folder / ckpt.CARD_FILE, text)
    return text


def _speech_section(speech: dict | None) -> list[str]:
    """The instruments of metrics/speech.py: each set of clips, the real clips, the controls."""
    if not speech:
        return []
    rows = {**speech["generated"], "real held-out clips": speech["real_reference"],
            **{f"real clips through {k}": v for k, v in speech.get("vocoded_reference", {}).items()},
            **{f"control: {k.replace('_', ' ')}": v for k, v in speech["controls"].items()}}
    keys = ["intelligibility", "voiced_share", "stoi", "pesq_wb", "digit_accuracy", "fd_digits"]
    keys = [k for k in keys if any(k in r for r in rows.values())]
    return ["", f"Speech instruments (independent of the digit classifier; {speech['n']} clips, STOI/PESQ on "
                f"{speech['copy_clips']} of them, every digit alike; the controls are the real clips degraded, which "
                "each instrument should score worse where it can see that failure):", "",
            "| clips | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys),
            *[f"| {name} | " + " | ".join(_fmt(r.get(k, "")) for k in keys) + " |" for name, r in rows.items()],
            "", *[f"- **{k}**: {d}" for k, d in speech["definitions"].items()]]


def _prompt_following_section(metrics: dict) -> list[str]:
    """A text-to-image model's prompt-following at each setting beside its controls, its
    bars, FID per class and the copying check."""
    pf = metrics.get("prompt_following")
    if not pf:
        return []
    per = pf["pictures_per_request"]
    lines = ["", "## Prompt-following", "",
             f"{pf['requests']} requests (every class alone and with each attribute word; {per['seen']} pictures a "
             f"seen request, {per['held_out']} a held-out one: {', '.join(pf['held_out_combinations'])}), "
             f"{pf['steps']} DDIM steps." + (
                 f" The model's training also held out {', '.join(pf['validation_held_out_combinations'])}, so that "
                 "its sampling settings can be chosen on them (validation_held_out: neither seen nor the test's "
                 "held-out ones)."
                 if pf.get("validation_held_out_combinations") else ""), "",
             "| setting | part | n | class accuracy | attribute hit | attribute error |", "|---|---|---|---|---|---|"]
    rows = list(pf["settings"].items()) + [(f"control: {k}" + (f" ({v['model']})" if "model" in v else ""), v)
                                           for k, v in pf["controls"].items()]
    for name, parts in rows:
        for part in ("seen", "held_out", "validation_held_out"):
            if part not in parts:
                continue
            f = parts[part]
            lines.append(f"| {name} | {part} | {f['n']} | {_fmt(f['class_accuracy'])} | {_fmt(f['attribute_hit'])} | "
                         f"{_fmt(f['attribute_error'])} |")
    lines += ["", f"Quality bars (at {pf['default_setting']}):", "", "| metric | bar | measured | met |",
              "|---|---|---|---|"]
    lines += [f"| {t['metric']} | {t['target']} | {_fmt(t['value'])} | {'yes' if t['met'] else '**no**'} |"
              for t in pf["targets"]]
    if metrics.get("class_names"):
        c = metrics["class_names"]
        lines += ["", f"The class names alone as prompts ({c['n']:,} pictures): class accuracy "
                  f"{_fmt(c['generated']['class_accuracy'])} (real {_fmt(c['real_reference']['class_accuracy'])}), "
                  f"FID-FMNIST {_fmt(c['generated']['fid_fmnist'])} (real {_fmt(c['real_reference']['fid_fmnist'])} at "
                  "this n); " + "; ".join(f"{t['metric']} {t['target']}: {'met' if t['met'] else '**not met**'}"
                                          for t in c["targets"]) + ". The headline figures are drawn from the test "
                  "pictures' own captions instead: a caption names every attribute outside its class's middle third, "
                  "so the class name alone asks for the middle of every range, a narrower set than the test pictures."]
    if metrics.get("per_class_fid"):
        lines += ["", "FID-FMNIST per class (each test picture's caption as the prompt), beside real training pictures "
                  "of the class:",
                  "", "| class | n | FID-FMNIST | real reference |", "|---|---|---|---|"]
        lines += [f"| {c} | {f['n']} | {_fmt(f['fid_fmnist'])} | {_fmt(f['real_reference'])} |"
                  for c, f in metrics["per_class_fid"].items()]
    if metrics.get("nearest_training"):
        d = metrics["nearest_training"]
        lines += ["", f"Copying: distance to the nearest of {d['pool']}, median (5th percentile): generated "
                  f"{_fmt(d['generated_median'])} ({_fmt(d['generated_p05'])}), real test pictures "
                  f"{_fmt(d['real_test_median'])} ({_fmt(d['real_test_p05'])}); copies would sit far below the real ones."]
    lines += ["", "Definitions:", ""] + [f"- **{k}**: {v}" for k, v in pf["definitions"].items()]
    return lines


def _music_sections(metrics: dict) -> list[str]:
    """A music model's n-gram baselines and its closeness to real tunes, feature by feature."""
    lines = []
    baselines = (metrics.get("baselines") or {}).get("nll_nats_per_token")
    cells = (metrics.get("baselines") or {}).get("nll")
    if cells:  # a chorale model: nats per hidden cell of the grid, two ways of hiding
        g = metrics["generated"]
        lines += ["", f"Held-out NLL, nats per hidden cell, beside count baselines on the same cells "
                      f"({metrics['baselines']['note']}): orderless {_fmt(g['nll_orderless'])} (unigram "
                      f"{_fmt(cells['unigram_orderless'])}); harmonising, alto, tenor and bass from the soprano, "
                      f"{_fmt(g['nll_harmony'])} (unigram {_fmt(cells['unigram_harmony'])}, given the soprano "
                      f"{_fmt(cells['given_soprano_harmony'])})."]
    if baselines:
        lines += ["", f"Held-out NLL beside n-gram baselines on the same test tunes ({metrics['baselines']['note']}): "
                      + ", ".join(f"{k} {_fmt(v)}" for k, v in baselines.items())
                      + f"; this model {_fmt(metrics['generated']['nll_nats_per_token'])} nats per token."]
    features = metrics.get("features")
    if features:
        lines += ["", f"Closeness to real music (MGEval; {features['sets']['generated']} against "
                      f"{features['sets']['real']}; reference: {features['sets']['real_reference']}):", "",
                  "| feature | overlapping area | KL | real: overlapping area | real: KL |", "|---|---|---|---|---|"]
        for name, g in features["generated"].items():
            r = features["real_reference"][name]
            lines.append(f"| {name} | {_fmt(g['overlapping_area'])} | {_fmt(g['kl_divergence'])} | "
                         f"{_fmt(r['overlapping_area'])} | {_fmt(r['kl_divergence'])} |")
    if metrics.get("examples") and isinstance(metrics["examples"][0], str) and metrics["examples"][0].startswith("X:"):
        lines += ["", "Examples (the first tunes of the measurement):", ""]
        for abc in metrics["examples"]:
            lines += ["```abc", abc.strip(), "```", ""]
    return lines


def _corpus_section(corpus: dict | None) -> list[str]:
    """The dataset card of a model trained on a corpus whose counts its config keeps."""
    if not corpus:
        return []
    if "splits" in corpus:  # the chorales: one collection, counted in chorales and grid steps
        lines = ["", "## Data", "", "| split | chorales | sixteenth-note steps |", "|---|---|---|"]
        lines += [f"| {name} | {s['chorales']} | {s['steps']:,} |" for name, s in corpus["splits"].items()]
        lines += ["", "Left out while reading: " + (", ".join(f"{k} {v}" for k, v in corpus.get("dropped", {}).items())
                                                   or "none")
                  + ". Meters: " + ", ".join(f"{k} ({v})" for k, v in corpus.get("meters", {}).items())
                  + ". Voice ranges (MIDI): " + ", ".join(f"{k} {lo}-{hi}" for k, (lo, hi) in
                                                          corpus.get("voice_ranges", {}).items()) + "."]
        if corpus.get("source"):
            lines += ["", corpus["source"]]
        return lines + ["", corpus["licence"]] if corpus.get("licence") else lines
    lines = ["", "## Data", "", "| collection | train tunes | valid | test | train tokens |", "|---|---|---|---|---|"]
    for name, splits in corpus["collections"].items():
        lines.append(f"| {name} | {splits['train']['tunes']} | {splits['valid']['tunes']} | {splits['test']['tunes']} "
                     f"| {splits['train']['tokens']:,} |")
    lines += ["", "Dropped while reading: " + (", ".join(f"{k} {v}" for k, v in corpus.get("dropped", {}).items()) or "none")
              + ". Most frequent meters: " + ", ".join(f"{k} ({v})" for k, v in corpus.get("meters", {}).items())
              + "; keys: " + ", ".join(f"{k} ({v})" for k, v in corpus.get("keys", {}).items()) + "."]
    if corpus.get("licence"):
        lines += ["", corpus["licence"]]
    return lines


def _captions_section(captions: dict | None) -> list[str]:
    """The dataset card of a model trained on the synthetic captions (data/captions.py):
    what each attribute measures, its thresholds and how often each word occurs, per class."""
    if not captions:
        return []
    from .data.captions import ATTRIBUTES, WORDS, applies
    from .data.fashion_mnist import CLASSES

    card = captions.get("card", {})
    lines = ["", "## Captions", "", captions["note"], "",
             *[f"- **{a}**: {d}" for a, d in card.get("attributes", {}).items()], "",
             "A word is said for the lower or upper third of the attribute's values within the class (thresholds "
             "fitted on the training split), nothing for the middle third. Thresholds (lower, upper) and how often "
             "each word occurs in the training captions:", "",
             "| class | " + " | ".join(ATTRIBUTES) + " |", "|---|" + "---|" * len(ATTRIBUTES)]
    frequency = card.get("frequency", {})
    for c, name in enumerate(CLASSES):
        cells = []
        for a in ATTRIBUTES:
            t = captions["thresholds"].get(str(c), {}).get(a)
            if not applies(a, c) or t is None:
                cells.append("-")
                continue
            lo, hi = WORDS[a]
            f = frequency.get(name, {})
            cells.append(f"{t[0]:.3f} / {t[1]:.3f}: {lo} {f.get(lo, 0):.2f}, {hi} {f.get(hi, 0):.2f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Held out of training (measured apart): " + ", ".join(
        f"{CLASSES[c]} + {w}" for c, w in captions.get("held_out", [])) + "."]
    return lines


def _w_vs_fid_row(c: dict) -> str:
    """Does a WGAN's critic estimate track quality? Its correlation with the per-epoch FID."""
    if c.get("pearson") is None:
        return f"| critic's Wasserstein estimate vs FID-FMNIST | {c.get('note', 'not measured')} |"
    return (f"| critic's Wasserstein estimate vs FID-FMNIST | Pearson {c['pearson']:.2f}, Spearman "
            f"{c['spearman']:.2f} over {c['epochs']} epochs (per-epoch mean of the estimate against that epoch's "
            "FID-FMNIST on 2,000 samples; positive: the estimate falls as the samples improve) |")

