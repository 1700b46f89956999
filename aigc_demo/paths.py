"""Where things live on disk. The one place that names these folders."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# Shipped checkpoints, one folder per model: checkpoints/<modality>/<name>/.
# AIGC_CHECKPOINTS points the app at another tree (tests use this with tiny models).
CHECKPOINTS_DIR = Path(os.environ.get("AIGC_CHECKPOINTS", REPO_ROOT / "checkpoints"))

# Training runs write here first (resumable state, per-epoch grids); a finished run is
# exported into CHECKPOINTS_DIR.
RUNS_DIR = Path(os.environ.get("AIGC_RUNS", REPO_ROOT / "runs"))
