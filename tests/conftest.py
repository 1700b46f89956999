"""Shared fixtures: the tiny Fashion-MNIST subset, tiny models really trained on it for a
few steps (once per session), and the real app served from them."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
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
FOLK_FIXTURE = FIXTURES / "folk"  # 50 real tunes: every split gets some
CHORALE_FIXTURE = FIXTURES / "chorales"  # 18 of music21's Bach chorales: 12 train, 3 valid, 3 test
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

# --- a brand-new user -----------------------------------------------------------------------
# The suite runs as a user who has never run the project: HOME, every cache the project or
# its libraries read (the project cache with the spoken-digit corpus, the Hugging Face and
# torch hub caches) and every dataset default point at fresh, empty folders made here. A
# test that needs data must make it or take it from tests/fixtures and pass its folder; one
# that falls back to a default finds nothing, on every machine alike. At the end, the real
# user folders must be exactly as they were (see _user_folders_untouched).
# Dataset variables set to empty folders also switch off the Debian locations they take
# precedence over (/usr/share/games/fortunes, /usr/share/datasets/fashion-mnist).
SESSION_ROOT = Path(tempfile.mkdtemp(prefix="aigc-test-session-"))
SESSION_HOME = SESSION_ROOT / "home"
EMPTY_DATA = SESSION_ROOT / "no-data"
BARE_ENV = {
    "HOME": SESSION_HOME,
    "XDG_CACHE_HOME": SESSION_HOME / ".cache",
    "XDG_DATA_HOME": SESSION_HOME / ".local" / "share",  # the arena's votes database
    "AIGC_CACHE_DIR": SESSION_HOME / ".cache" / "aigc_demo",
    "HF_HOME": SESSION_HOME / ".cache" / "huggingface",
    "TORCH_HOME": SESSION_HOME / ".cache" / "torch",
    "FORTUNES_DIR": EMPTY_DATA / "fortunes",
    "SPOKEN_DIGITS_DIR": EMPTY_DATA / "spoken-digits",
    "FASHION_MNIST_DIR": EMPTY_DATA / "fashion-mnist",
    "FOLK_DIR": EMPTY_DATA / "folk",  # else music21's own corpus, inside the installed package
    "CHORALE_DIR": EMPTY_DATA / "chorales",  # likewise
}


def _real_user_folders() -> list[Path]:
    """The folders of the real user that a leak would read or write, as the environment the
    suite was started in names them."""
    home = Path(os.environ.get("HOME") or Path.home())
    cache = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
    data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    folders = [cache / "aigc_demo", cache / "huggingface", cache / "torch", home / ".aigc_demo", data / "aigc_demo"]
    folders += [Path(os.environ[v]) for v in ("AIGC_CACHE_DIR", "AIGC_DATA_DIR", "HF_HOME", "TORCH_HOME",
                                              "SPOKEN_DIGITS_DIR") if os.environ.get(v)]
    return folders


def _snapshot(folders: list[Path]) -> dict:
    """Every file under each folder with its size and modification time (None: no folder)."""
    out = {}
    for folder in folders:
        if not folder.exists():
            out[str(folder)] = None
            continue
        out[str(folder)] = sorted((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns)
                                  for p in folder.rglob("*") if p.is_file())
    return out


USER_FOLDERS = _real_user_folders()
USER_SNAPSHOT = _snapshot(USER_FOLDERS)


def pytest_configure(config):
    for folder in (SESSION_HOME, EMPTY_DATA / "fortunes", EMPTY_DATA / "spoken-digits", EMPTY_DATA / "fashion-mnist"):
        folder.mkdir(parents=True, exist_ok=True)
    os.environ.update({k: str(v) for k, v in BARE_ENV.items()})


def pytest_unconfigure(config):
    shutil.rmtree(SESSION_ROOT, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _user_folders_untouched():
    """Fails the session if anything in it created or changed a file in the real user's
    cache folders: the suite must only ever see the bare machine set up above."""
    yield
    changed = [f for f, files in _snapshot(USER_FOLDERS).items() if files != USER_SNAPSHOT[f]]
    assert not changed, f"the test session wrote into the real user folders: {changed}"


def train(*argv: str) -> None:
    from aigc_demo.train.__main__ import main

    main(list(argv))


def train_tiny_image_models(root: Path, models=("dcgan", "vae", "diffusion", "cyclegan", "captioner",
                                                "text_to_image")) -> Path:
    """A checkpoints tree like the shipped one, with dry-run-sized models: the classifier
    under evaluators/, the generators under image/."""
    evaluator = root / "evaluators" / "fmnist-classifier"
    common = ["--dry-run", "--data-dir", str(FMNIST_FIXTURE)]
    train("image", "--model", "classifier", *common, "--run-dir", str(root.parent / "runs" / "classifier"), "--out", str(evaluator))
    for m in models:
        train("image", "--model", m, *common, "--run-dir", str(root.parent / "runs" / m),
              "--out", str(root / "image" / m), "--evaluator", str(evaluator))
    return root


def train_tiny_text_models(root: Path, models=("gpt", "lstm", "seq2seq")) -> Path:
    """Dry-run-sized GPT, LSTM and Seq2Seq poet trained on the fortunes fixture, under text/
    (the poet last: its record compares it with the GPT of the same tree)."""
    for m in models:
        train("text", "--model", m, "--dry-run", "--corpus-dir", str(FORTUNES_FIXTURE),
              "--run-dir", str(root.parent / "runs" / "text" / m), "--out", str(root / "text" / m))
    return root


def train_tiny_music_models(root: Path, models=("folk_gpt", "bach_chorale")) -> Path:
    """Dry-run-sized music models under music/: the folk-tune GPT on the 50-tune fixture,
    the chorale model on the 18-chorale one."""
    corpus = {"folk_gpt": ("--corpus-dir", str(FOLK_FIXTURE)), "bach_chorale": ("--chorale-dir", str(CHORALE_FIXTURE))}
    for m in models:
        train("music", "--model", m, "--dry-run", *corpus[m],
              "--run-dir", str(root.parent / "runs" / "music" / m), "--out", str(root / "music" / m))
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


def train_tiny_audio_models(root: Path, corpus: Path, models=("istft_wavenet", "wavenet", "specgan", "mel_diffusion")) -> Path:
    """Dry-run-sized digit classifier (under evaluators/), the two WaveNet vocoders and the two
    spectrogram generators (SpecGAN, the mel diffusion model; under audio/), trained on the
    miniature corpus; vocoders first, so the generators are measured through them."""
    evaluator = root / "evaluators" / "digit-classifier"
    common = ["--dry-run", "--data-dir", str(corpus)]
    train("audio", "--model", "classifier", *common, "--run-dir", str(root.parent / "runs" / "audio" / "classifier"),
          "--out", str(evaluator))
    for m in models:
        train("audio", "--model", m, *common, "--run-dir", str(root.parent / "runs" / "audio" / m),
              "--out", str(root / "audio" / m), "--evaluator", str(evaluator))
    return root


# One tiny-checkpoint tree per modality, so a test of one modality needs only that one's data
# and tools (the audio tree needs espeak-ng), and one tree with all three for the app.
@pytest.fixture(scope="session")
def tiny_image_checkpoints(tmp_path_factory) -> Path:
    return train_tiny_image_models(tmp_path_factory.mktemp("tiny-image") / "checkpoints")


@pytest.fixture(scope="session")
def tiny_text_checkpoints(tmp_path_factory) -> Path:
    return train_tiny_text_models(tmp_path_factory.mktemp("tiny-text") / "checkpoints")


@pytest.fixture(scope="session")
def tiny_audio_checkpoints(tmp_path_factory, digits_corpus) -> Path:
    return train_tiny_audio_models(tmp_path_factory.mktemp("tiny-audio") / "checkpoints", digits_corpus)


@pytest.fixture(scope="session")
def tiny_music_checkpoints(tmp_path_factory) -> Path:
    return train_tiny_music_models(tmp_path_factory.mktemp("tiny-music") / "checkpoints")


@pytest.fixture(scope="session")
def tiny_checkpoints(tmp_path_factory, tiny_image_checkpoints, tiny_text_checkpoints, tiny_audio_checkpoints,
                     tiny_music_checkpoints) -> Path:
    """Every modality's tiny models in one checkpoints tree, as the shipped one is laid out."""
    root = tmp_path_factory.mktemp("tiny") / "checkpoints"
    for tree in (tiny_image_checkpoints, tiny_text_checkpoints, tiny_audio_checkpoints, tiny_music_checkpoints):
        shutil.copytree(tree, root, dirs_exist_ok=True)
    return root


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


def serve_app(log: Path, **env):
    """The real entry point (`python app.py`) on a free loopback port, with the session's
    bare environment plus `env` (a value None removes a variable). Yields its URL."""
    port = free_port()
    full = {**os.environ, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
            "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1", **env}
    full = {k: str(v) for k, v in full.items() if v is not None}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=full, stdout=out, stderr=subprocess.STDOUT)
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
def app_url(tiny_checkpoints, tmp_path_factory):
    """The real app serving the tiny checkpoints on loopback. The tiny text models learnt
    from the fortunes fixture, which the text copy check searches."""
    yield from serve_app(tmp_path_factory.mktemp("app") / "app.log", AIGC_CHECKPOINTS=tiny_checkpoints,
                         FORTUNES_DIR=FORTUNES_FIXTURE, FOLK_DIR=FOLK_FIXTURE)


@pytest.fixture(scope="session")
def shipped_app_url(tmp_path_factory):
    """The app as `make run` serves it on a bare machine: the shipped checkpoints, an empty
    HOME, and none of the datasets (conftest.BARE_ENV)."""
    yield from serve_app(tmp_path_factory.mktemp("shipped-app") / "app.log", AIGC_CHECKPOINTS=None)


@pytest.fixture(scope="session")
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)
