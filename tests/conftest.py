"""Shared fixtures: the tiny Fashion-MNIST subset, tiny models really trained on it for a
few steps (once per session), and the real app served from them."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FMNIST_FIXTURE = FIXTURES / "fashion-mnist"
# A few hundred real records cut from Debian's fortune files (computers, cookie, chinese,
# tang300, ANSI colour codes kept), plus a duplicate, a binary .dat index and a .u8 link.
FORTUNES_FIXTURE = FIXTURES / "fortunes"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def train(*argv: str) -> None:
    from aigc_demo.train.__main__ import main

    main(list(argv))


def train_tiny_image_models(root: Path, models=("dcgan", "vae", "diffusion")) -> Path:
    """A checkpoints tree like the shipped one, with dry-run-sized models: the classifier
    under evaluators/, the generators under image/."""
    evaluator = root / "evaluators" / "fmnist-classifier"
    common = ["--dry-run", "--data-dir", str(FMNIST_FIXTURE)]
    train("image", "--model", "classifier", *common, "--run-dir", str(root.parent / "runs" / "classifier"), "--out", str(evaluator))
    for m in models:
        train("image", "--model", m, *common, "--run-dir", str(root.parent / "runs" / m),
              "--out", str(root / "image" / m), "--evaluator", str(evaluator))
    return root


def train_tiny_text_models(root: Path, models=("gpt", "lstm")) -> Path:
    """Dry-run-sized GPT and LSTM trained on the fortunes fixture, under text/."""
    for m in models:
        train("text", "--model", m, "--dry-run", "--corpus-dir", str(FORTUNES_FIXTURE),
              "--run-dir", str(root.parent / "runs" / "text" / m), "--out", str(root / "text" / m))
    return root


# Four espeak-ng voices: two train, one validation, one test (the split is by variant name).
DIGIT_VARIANTS = ["Alex", "m3", "f3", "f5"]


def require_espeak() -> None:
    if not shutil.which("espeak-ng"):
        pytest.fail("Debian's espeak-ng is missing: `make test` installs it as root; else `sudo apt-get install espeak-ng`.")


@pytest.fixture(scope="session")
def digits_corpus(tmp_path_factory) -> Path:
    """A real spoken-digit corpus in miniature: every digit in four voices (40 clips)."""
    from aigc_demo.data import spoken_digits

    require_espeak()
    folder = tmp_path_factory.mktemp("digits")
    spoken_digits.synthesize(folder, accents=("en",), variant_names=DIGIT_VARIANTS, progress=False)
    return folder


def train_tiny_audio_models(root: Path, corpus: Path, models=("wavenet", "specgan")) -> Path:
    """Dry-run-sized digit classifier (under evaluators/), WaveNet and SpecGAN (under audio/),
    trained on the miniature corpus; the vocoder first, so the GAN is measured through it."""
    evaluator = root / "evaluators" / "digit-classifier"
    common = ["--dry-run", "--data-dir", str(corpus)]
    train("audio", "--model", "classifier", *common, "--run-dir", str(root.parent / "runs" / "audio" / "classifier"),
          "--out", str(evaluator))
    for m in models:
        train("audio", "--model", m, *common, "--run-dir", str(root.parent / "runs" / "audio" / m),
              "--out", str(root / "audio" / m), "--evaluator", str(evaluator))
    return root


@pytest.fixture(scope="session")
def tiny_checkpoints(tmp_path_factory, digits_corpus) -> Path:
    root = train_tiny_image_models(tmp_path_factory.mktemp("tiny") / "checkpoints")
    return train_tiny_audio_models(train_tiny_text_models(root), digits_corpus)


@pytest.fixture()
def checkpoints_copy(tiny_checkpoints, tmp_path) -> Path:
    """A private copy a test may damage."""
    dst = tmp_path / "checkpoints"
    shutil.copytree(tiny_checkpoints, dst)
    return dst


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url(tiny_checkpoints, tmp_path_factory):
    """The real entry point (`python app.py`) serving the tiny checkpoints on loopback."""
    port = free_port()
    log = tmp_path_factory.mktemp("app") / "app.log"
    # the tiny text models learnt from the fortunes fixture: the text copy check searches it
    env = {**os.environ, "AIGC_CHECKPOINTS": str(tiny_checkpoints), "FORTUNES_DIR": str(FORTUNES_FIXTURE),
           "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited early:\n{log.read_text()}")
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError(f"app did not serve within 90 s:\n{log.read_text()}")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)
