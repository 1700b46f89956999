"""Fingerprints of every API endpoint's outputs for fixed inputs and seeds: run it before and
after a refactor and compare, to show that the outputs stayed the same, bit for bit.

    python scripts/endpoint_fingerprints.py > before.json
    ... change the code ...
    python scripts/endpoint_fingerprints.py > after.json && diff before.json after.json

It serves `app.py` on the shipped checkpoints (the fortunes fixture stands in for the
corpus), calls each endpoint through gradio_client and reduces each output to a SHA-256 of
what it means: the pixels of images, the samples of audio, the members of ZIPs, the text of
tables and JSON. What changes from call to call by nature (timings, creation times, request
ids, temporary file names) is left out.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VOLATILE_KEYS = {"seconds", "created", "request_id", "tokens_per_s", "first_token_s", "real_time_factor"}
TIMINGS = re.compile(r"\d+(\.\d+)?( s\b| tokens/s|\*\* \(below)|real-time factor \*\*\d+\.\d+\*\*|"
                     r"first token after \d+\.\d+ s|real-time factor \d+\.\d+")

CALLS = [
    ("/generate_image", dict(model="dcgan", label="Sneaker", n=4, seed=7)),
    ("/generate_image", dict(model="dcgan", label="all classes", n=10, seed=8, truncation=0.7)),
    ("/generate_image", dict(model="vae", label="Coat", n=4, seed=7)),
    ("/generate_image", dict(model="vae", label="all classes", n=10, seed=8, temperature=0.5)),
    ("/generate_image", dict(model="diffusion", label="Bag", n=2, seed=7)),
    ("/generate_image", dict(model="diffusion", label="Dress", n=2, seed=8, steps=8, guidance=3.0, sampler="ancestral")),
    ("/interpolate_image", dict(model="dcgan", label="Trouser", seed_a=1, seed_b=2, steps=5, truncation=0.0, temperature=1.0)),
    ("/interpolate_image", dict(model="vae", label="Trouser", seed_a=1, seed_b=2, steps=5, truncation=0.0, temperature=0.8)),
    ("/compare_image_models", dict(label="Pullover", seed=3)),
    ("/generate_text", dict(prompt="A friend is", model="gpt", max_new_tokens=24, seed=5)),
    ("/generate_text", dict(prompt="人生", model="lstm", max_new_tokens=24, temperature=1.2, top_k=0, top_p=0.9, seed=5)),
    ("/generate_text", dict(prompt="Love is", model="gpt", max_new_tokens=16, temperature=0.0)),
    ("/generate_text", dict(prompt="Love is", model="lstm", max_new_tokens=16, num_beams=3, repetition_penalty=1.3)),
    ("/stream_text", dict(prompt="The trouble with computers is", model="gpt", hub_id="", max_new_tokens=20,
                          temperature=0.9, top_k=40, top_p=0.95, num_beams=1, repetition_penalty=1.1, seed=6)),
    ("/compare_text_models", dict(prompt="春眠不觉晓，", model_a="gpt", model_b="lstm", max_new_tokens=16, temperature=0.8,
                                  top_k=50, top_p=0.95, num_beams=1, repetition_penalty=1.1, seed=4)),
    ("/generate_audio", dict(model="specgan", text="2026", seed=3)),
    ("/generate_audio", dict(model="specgan", text="7", seed=3, vocoder="wavenet", variety=0.5)),
    ("/measure_image", dict(model="dcgan", n=100, seed=0)),
    ("/measure_audio", dict(model="specgan", n=10, seed=0, vocoder="griffin-lim")),
    ("/measure_text", dict(model="lstm", n=10, seed=0)),
    ("/nearest_training_images", dict(model="vae", label="Bag", n=2, seed=1)),
    ("/nearest_training_texts", dict(model="gpt", n=2, seed=1)),
    ("/score_texts", dict(text="A friend in need is a friend indeed.\n春眠不觉晓，处处闻啼鸟。", files=[], seed=0)),
    ("/bleu", dict(hypotheses="the cat sat on the mat\n猫坐在垫子上", references="the cat is on the mat\n猫在垫子上",
                   tokenize="auto")),
]


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


def _clean(obj):
    """The meaning of an output, without what varies by nature."""
    if isinstance(obj, dict):
        if "image" in obj and isinstance(obj.get("image"), str):  # a gallery item
            return {"image": _file(obj["image"]), "caption": _clean(obj.get("caption"))}
        if {"headers", "data"} <= set(obj):  # a table
            return {"headers": obj["headers"], "data": obj["data"]}
        return {k: _clean(v) for k, v in obj.items() if k not in VOLATILE_KEYS}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, str) and os.path.isfile(obj):
        return _file(obj)
    if isinstance(obj, str):
        return TIMINGS.sub("<timing>", obj)
    return obj


def _image(data: bytes) -> str:
    from PIL import Image

    im = Image.open(io.BytesIO(data))
    return _digest([im.size, im.mode, hashlib.sha256(im.tobytes()).hexdigest()])


def _file(path: str) -> str:
    import soundfile as sf

    data = Path(path).read_bytes()
    suffix = Path(path).suffix.lower()
    if suffix in (".png", ".webp", ".jpg", ".jpeg"):
        return _image(data)
    if suffix == ".wav":
        audio, rate = sf.read(io.BytesIO(data), dtype="int16")
        return _digest([rate, hashlib.sha256(audio.tobytes()).hexdigest()])
    if suffix == ".zip":
        members = {}
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for name in zf.namelist():
                raw = zf.read(name)
                members[name] = _image(raw) if name.endswith(".png") else _digest(_clean(json.loads(raw)))
        return _digest(members)
    return hashlib.sha256(data).hexdigest()[:16]


def _serve() -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
           "GRADIO_ANALYTICS_ENABLED": "False", "FORTUNES_DIR": str(ROOT / "tests" / "fixtures" / "fortunes")}
    env.pop("AIGC_CHECKPOINTS", None)
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(240):
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the app did not start")


def main() -> None:
    from gradio_client import Client

    proc, url = _serve()
    try:
        client = Client(url, verbose=False)
        api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
        out = {"endpoints": {name: [p["parameter_name"] for p in e["parameters"]] for name, e in sorted(api.items())},
               "calls": []}
        for name, kwargs in CALLS:
            try:
                result = client.submit(**kwargs, api_name=name).result(timeout=600)
                fingerprint = _digest(_clean(result))
            except Exception as e:  # noqa: BLE001 - an error is an outcome to compare too
                fingerprint = f"error: {type(e).__name__}: {e}"
            out["calls"].append({"endpoint": name, "inputs": kwargs, "fingerprint": fingerprint})
            print(f"{name} {fingerprint}", file=sys.stderr)
        print(json.dumps(out, indent=1, ensure_ascii=False))
    finally:
        proc.terminate()


if __name__ == "__main__":
    main()
