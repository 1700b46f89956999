"""Speed benchmark: prints one table and writes it to docs/benchmarks.md.

    python -m aigc_demo.bench [--repeats 5] [--out docs/benchmarks.md]

Measures, on this machine: cold start of `python app.py` to the first served page, the
first-use load time of each model, the streaming speed of each text model (first token,
new tokens per second) and the generation latency of each image model at the sizes the
issues set targets for. Each target is printed as met or not met. Run it on an
otherwise idle machine: the figures are wall-clock times.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

from .paths import REPO_ROOT

# (model family, request, target seconds or None): the targets of the image issue.
IMAGE_CASES = {
    "dcgan": (dict(n=64), 0.1),
    "vae": (dict(n=64), 0.1),
    "diffusion": (dict(n=16, steps=25), 3.0),
}
START_TARGET_S = 10.0
# The text issue: the shipped GPT streams >= 150 new tokens/s, first token within 0.3 s.
TEXT_TARGETS = {"gpt": (150.0, 0.3)}
TEXT_PROMPTS = ["A friend is", "The trouble with computers is", "人生", "Love is"]


def machine() -> str:
    import torch

    from .train.common import cpu_name

    return f"{cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__} with {torch.get_num_threads()} threads"


def cold_start(timeout: float = 120.0) -> float:
    """Seconds from launching `python app.py` to the first HTTP 200 of its page."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < timeout:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
                return time.perf_counter() - start
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("the app did not serve its page in time")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def bench_images(studio, repeats: int) -> list[dict]:
    rows = []
    for name in studio.models("image"):
        family = studio.family("image", name)
        request, target = IMAGE_CASES.get(family, (dict(n=16), None))
        t0 = time.perf_counter()
        studio.cache.get("image", name)
        load_s = time.perf_counter() - t0
        studio.generate_image(name, seed=0, **request)  # warm-up
        times = []
        for i in range(repeats):
            t0 = time.perf_counter()
            studio.generate_image(name, seed=i, **request)
            times.append(time.perf_counter() - t0)
        p50 = statistics.median(times)
        what = ", ".join(f"{k}={v}" for k, v in request.items())
        rows.append({
            "what": f"image `{name}` ({what})", "first-use load (s)": f"{load_s:.2f}",
            "p50 (s)": f"{p50:.3f}", "max (s)": f"{max(times):.3f}", "throughput": f"{request['n'] / p50:.0f} images/s",
            "target": f"< {target} s" if target else "", "met": ("yes" if p50 < target else "**no**") if target else "",
        })
    return rows


def bench_text(studio, repeats: int, max_new_tokens: int = 128) -> list[dict]:
    """Streaming through the studio, as the Text tab does: time to the first streamed token,
    and new tokens per second over whole requests (generation stops at the end of a record,
    so requests differ in length: the rate is total tokens over total seconds)."""
    rows = []
    for name in studio.models("text"):
        family = studio.family("text", name)
        t0 = time.perf_counter()
        studio.cache.get("text", name)
        load_s = time.perf_counter() - t0
        list(studio.stream_text("Hello", name, seed=0, max_new_tokens=8))  # warm-up
        firsts, tokens, seconds = [], 0, 0.0
        for i in range(repeats):
            for prompt in TEXT_PROMPTS:
                final = list(studio.stream_text(prompt, name, seed=i, max_new_tokens=max_new_tokens))[-1]
                firsts.append(final.meta["first_token_s"])
                tokens += final.meta["new_tokens"]
                seconds += final.meta["seconds"]
        rate, first = tokens / seconds, statistics.median(firsts)
        target = TEXT_TARGETS.get(family)
        rows.append({
            "what": f"text `{name}` streamed (up to {max_new_tokens} new tokens, balanced preset, {len(firsts)} requests)",
            "first-use load (s)": f"{load_s:.2f}", "p50 (s)": f"first token {first:.3f}",
            "max (s)": f"first token {max(firsts):.3f}", "throughput": f"{rate:.0f} new tokens/s",
            "target": f">= {target[0]:.0f} tokens/s, first token < {target[1]} s" if target else "",
            "met": ("yes" if rate >= target[0] and first < target[1] else "**no**") if target else "",
        })
    return rows


def table(rows: list[dict]) -> str:
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m aigc_demo.bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--out", default=str(REPO_ROOT / "docs" / "benchmarks.md"))
    args = p.parse_args(argv)
    from .studio import Studio

    start = cold_start()
    rows = [{"what": "cold start: `python app.py` to first served page", "first-use load (s)": "", "p50 (s)": f"{start:.2f}",
             "max (s)": "", "throughput": "", "target": f"< {START_TARGET_S:.0f} s",
             "met": "yes" if start < START_TARGET_S else "**no**"}]
    studio = Studio()
    rows += bench_text(studio, args.repeats)
    rows += bench_images(studio, args.repeats)
    text = (f"# Benchmarks\n\nMeasured on {date.today().isoformat()} on: {machine()}.\n\n"
            f"Command: `python -m aigc_demo.bench --repeats {args.repeats}` (p50 and max over the repeats, after one "
            "warm-up call; batch as given; CPU float32).\n\n" + table(rows) + "\n")
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
