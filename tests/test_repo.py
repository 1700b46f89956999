"""Rules the repository keeps so that it deploys to Hugging Face Spaces as it is."""

import re
import subprocess

from tests.conftest import ROOT

MB = 1024 * 1024


def tracked_files():
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / p for p in out.split("\0") if p and (ROOT / p).is_file()]


def test_no_file_over_10_mb_and_checkpoints_under_160_mb():
    files = tracked_files()
    big = [str(f.relative_to(ROOT)) for f in files if f.stat().st_size >= 10 * MB]
    assert not big, f"files of 10 MB or more need LFS on Spaces: {big}"
    ckpt_bytes = sum(f.stat().st_size for f in files if f.relative_to(ROOT).parts[0] == "checkpoints")
    assert ckpt_bytes < 160 * MB  # the budget for all checkpoints together (Spaces without LFS)


def test_no_pickled_weights():
    pickles = [f for f in tracked_files() if f.suffix in {".pt", ".pth", ".pkl", ".ckpt", ".bin"}]
    assert not pickles


def test_spaces_front_matter_matches_the_pinned_gradio():
    readme = (ROOT / "README.md").read_text()
    front = readme.split("---")[1]
    pinned = re.search(r"^gradio==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    assert f"sdk_version: {pinned}" in front
    assert 'python_version: "3.12"' in front and "app_file: app.py" in front and "sdk: gradio" in front
