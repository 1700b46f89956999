"""Where things live on disk. The one place that names these folders.

Folders inside the repository are fixed at import. The user cache is resolved at each call,
from the environment, so a test session (or CI, with an empty HOME) can point it elsewhere
before anything reads it; nothing the project reads from outside the clone is decided at
import time.
"""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# Shipped checkpoints, one folder per model: checkpoints/<modality>/<name>/.
# AIGC_CHECKPOINTS points the app at another tree (tests use this with tiny models).
CHECKPOINTS_DIR = Path(os.environ.get("AIGC_CHECKPOINTS", REPO_ROOT / "checkpoints"))

# Training runs write here first (resumable state, per-epoch grids); a finished run is
# exported into CHECKPOINTS_DIR.
RUNS_DIR = Path(os.environ.get("AIGC_RUNS", REPO_ROOT / "runs"))

# The metric classifiers, beside the models of a checkpoints tree: <tree>/evaluators/<name>/.
EVALUATORS_FOLDER = "evaluators"
EVALUATORS = {"image": "fmnist-classifier", "audio": "digit-classifier"}  # text needs none

CACHE_ENV_VAR = "AIGC_CACHE_DIR"


def evaluator_dir(modality: str, checkpoints: str | Path | None = None) -> Path:
    """The metric classifier of a modality in a checkpoints tree (default: the shipped one)."""
    return Path(checkpoints if checkpoints is not None else CHECKPOINTS_DIR) / EVALUATORS_FOLDER / EVALUATORS[modality]


def tree_of(folder: str | Path) -> Path:
    """The checkpoints tree a model folder <tree>/<modality>/<name> belongs to."""
    return Path(folder).resolve().parent.parent


def cache_dir() -> Path:
    """The project's user cache (made data, downloads): $AIGC_CACHE_DIR, else
    $XDG_CACHE_HOME/aigc_demo, else ~/.cache/aigc_demo. Read at each call."""
    if os.environ.get(CACHE_ENV_VAR):
        return Path(os.environ[CACHE_ENV_VAR])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "aigc_demo"


DATA_ENV_VAR = "AIGC_DATA_DIR"
DB_URL_ENV_VAR = "AIGC_DB_URL"
ARENA_DB_FILE = "arena.sqlite3"


def data_dir() -> Path:
    """Where the app keeps what users make and must not lose (the arena's votes):
    $AIGC_DATA_DIR (on a Space with persistent storage, /data), else
    $XDG_DATA_HOME/aigc_demo, else ~/.local/share/aigc_demo. Read at each call."""
    if os.environ.get(DATA_ENV_VAR):
        return Path(os.environ[DATA_ENV_VAR])
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "aigc_demo"


def database_url() -> str:
    """The votes database: $AIGC_DB_URL (any SQLAlchemy URL, e.g. PostgreSQL for several app
    replicas), else a SQLite file in data_dir()."""
    return os.environ.get(DB_URL_ENV_VAR) or f"sqlite:///{data_dir() / ARENA_DB_FILE}"
