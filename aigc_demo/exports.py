"""Files the app hands to the browser: ZIPs of images, WAVs, CSV tables. Written under
OUTPUT_DIR only (pruned of files older than an hour), each with the parameters that made it."""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import time
import zipfile
from pathlib import Path

OUTPUT_DIR = Path(tempfile.gettempdir()) / "aigc_studio_outputs"
OUTPUT_MAX_AGE_S = 3600  # files older than this are deleted when new ones are written


def new_output_file(prefix: str, suffix: str) -> Path:
    """A fresh, unique file in OUTPUT_DIR (which a long-running Space keeps pruned)."""
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in OUTPUT_DIR.iterdir():
        try:
            if now - old.stat().st_mtime > OUTPUT_MAX_AGE_S:
                old.unlink()
        except OSError:
            pass  # another request removed it first
    fd, path = tempfile.mkstemp(dir=OUTPUT_DIR, prefix=prefix, suffix=suffix)
    os.close(fd)
    return Path(path)


def save_zip(output) -> Path:
    """A ZIP of an ImageOutput's PNGs, each carrying the generation parameters in its
    metadata, plus metadata.json. The PNGs are stored, not deflated again: they are
    compressed already, and deflating them costs time for nothing."""
    from PIL import PngImagePlugin

    meta = output.meta
    path = new_output_file(f"{meta['model']}_seed{meta['seed']}_", ".zip")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for i, (image, label) in enumerate(zip(output.images, output.labels)):
            info = PngImagePlugin.PngInfo()
            info.add_text("parameters", json.dumps({**meta, "index": i, "class": label}))
            buf = io.BytesIO()
            image.save(buf, format="PNG", pnginfo=info)
            safe_label = "".join(c if c.isalnum() else "-" for c in label)
            zf.writestr(f"{i:03d}_{safe_label}.png", buf.getvalue())
        zf.writestr("metadata.json", json.dumps(meta, indent=2), compress_type=zipfile.ZIP_DEFLATED)
    return path


def save_wav(output, *, blind: bool = False) -> Path:
    """A 16-bit WAV of an AudioOutput, its parameters (the metadata) in the file's comment
    field, readable with any tag reader or soundfile. blind: no metadata and no model in the
    name (the arena, where the listener must not know which model spoke)."""
    meta = output.meta
    what = output.digits if output.digits.isdigit() else "speech"  # hub TTS: free text never names a file
    prefix = "arena_" if blind else f"{meta['model'].replace('/', '--')}_{what}_seed{meta['seed']}_"
    return _write_wav(new_output_file(prefix, ".wav"), output.audio, output.sample_rate, None if blind else meta)


def save_vocoded(result: dict) -> Path:
    """A re-synthesis of an uploaded clip (Studio.vocode) as a 16-bit WAV, its metadata and
    scores in the comment field."""
    meta = result["meta"]
    return _write_wav(new_output_file(f"{meta['vocoder']}_resynthesis_seed{meta['seed']}_", ".wav"), result["audio"],
                      result["sample_rate"], {**meta, "scores": result["scores"]})


def _write_wav(path: Path, audio, sample_rate: int, meta: dict | None) -> Path:
    """16-bit mono WAV; meta (when given) as JSON in its comment field."""
    import soundfile as sf

    with sf.SoundFile(path, "w", samplerate=sample_rate, channels=1, subtype="PCM_16", format="WAV") as f:
        if meta is not None:
            f.comment = json.dumps(meta, sort_keys=True)
            f.software = f"AIGC Studio {meta.get('studio_version', '')}"
        f.write(audio)
    return path


def save_music(output) -> dict[str, Path]:
    """A MusicOutput's three downloads, each carrying the generation parameters: the ABC (in
    %%aigc lines), the MIDI file (in a text event) and the WAV (in its comment field). Only
    the ABC when the tune could not be read (nothing to play)."""
    meta = output.meta
    # "Bach_bwv269_", "folk_gpt_seed7_": what made it, in a file name without spaces
    what = meta["seed"] if meta.get("seed") is not None else meta.get("title", "")
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{meta['model']}_{'seed' if meta.get('seed') is not None else ''}{what}") + "_"
    files = {"abc": new_output_file(name, ".abc")}
    files["abc"].write_text(output.abc, encoding="utf-8")
    if output.midi is not None:
        files["midi"] = new_output_file(name, ".mid")
        files["midi"].write_bytes(output.midi)
        files["wav"] = _write_wav(new_output_file(name, ".wav"), output.audio, output.sample_rate, meta)
    return files


def save_csv(table, prefix: str = "aigc_metrics_") -> Path:
    """A pandas table as a CSV file."""
    path = new_output_file(prefix, ".csv")
    table.to_csv(path, index=False)
    return path
