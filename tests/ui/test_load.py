"""A bounded load test on loopback: 16 concurrent client sessions mixing text, image and audio
requests."""

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import soundfile as sf
from PIL import Image

SESSIONS = 16


def pixels(gallery):
    return [np.asarray(Image.open(item["image"])) for item in gallery]


def test_sixteen_concurrent_sessions(app_url, client, tmp_path):
    from gradio_client import Client

    alone = pixels(client.predict(model="dcgan", n=4, seed=2024, api_name="/generate_image")[0])
    text_request = dict(prompt="A friend is", model="gpt", max_new_tokens=8, temperature=1.0, top_k=0, seed=5,
                        api_name="/generate_text")
    text_alone = client.predict(**text_request)
    audio_request = dict(model="specgan", text="2026", seed=11, vocoder="wavenet", api_name="/generate_audio")
    audio_alone = sf.read(client.predict(**audio_request)[0], dtype="float32")[0]
    requests = [
        dict(model="dcgan", n=8, seed=2024, api_name="/generate_image"),
        dict(model="vae", n=16, seed=7, api_name="/generate_image"),
        dict(model="diffusion", n=2, steps=5, seed=3, api_name="/generate_image"),
        dict(hypotheses="a b c d e", references="a b c d e", api_name="/bleu"),
        text_request,
        dict(prompt="人生", model="lstm", max_new_tokens=8, seed=1, api_name="/generate_text"),
        audio_request,
        dict(model="specgan", text="7", seed=3, api_name="/generate_audio"),
    ]

    def session(i: int):
        # each session downloads into its own folder, as separate users' machines would
        c = Client(app_url, verbose=False, download_files=str(tmp_path / f"session{i}"))
        times, outputs = [], []
        for j in range(3):
            req = requests[(i + j) % len(requests)]
            t0 = time.perf_counter()
            outputs.append((req, c.predict(**req)))
            times.append(time.perf_counter() - t0)
        seeded = pixels(c.predict(model="dcgan", n=4, seed=2024, api_name="/generate_image")[0])
        return times, outputs, seeded

    deadline = time.perf_counter() + 300
    with ThreadPoolExecutor(SESSIONS) as pool:
        results = list(pool.map(session, range(SESSIONS), timeout=300))
    assert time.perf_counter() < deadline
    latencies = sorted(t for times, _, _ in results for t in times)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"{len(latencies)} requests, p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s")
    for _, outputs, seeded in results:
        for req, out in outputs:
            if req["api_name"] == "/bleu":
                assert abs(out[2]["bleu"] - 100.0) < 1e-9
            elif req["api_name"] == "/generate_text":
                assert out.startswith(req["prompt"])
                if req is text_request:  # seeded sampling is serialised: the same text under load
                    assert out == text_alone
            elif req["api_name"] == "/generate_audio":
                audio, sr = sf.read(out[0], dtype="float32")
                assert sr == 16000 and len(audio) > 0
                if req is audio_request:  # the request's own generator: the same samples under load
                    assert np.array_equal(audio, audio_alone)
            else:
                assert len(out[0]) == req["n"]
        # the same seed gives the same pixels under load as alone
        assert all(np.array_equal(a, b) for a, b in zip(alone, seeded))
