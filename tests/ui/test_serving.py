"""The app serves what it generated, and nothing else: not the checkpoints, not the source."""

import urllib.error
import urllib.request

import pytest

from tests.conftest import ROOT


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.mark.parametrize("target", [
    "app.py", "aigc_demo/studio.py", "README.md", "checkpoints",
])
def test_source_files_are_not_served(app_url, target):
    path = ROOT / target
    for prefix in ("gradio_api/file=", "file="):
        assert status_of(f"{app_url}{prefix}{path}") in (403, 404), f"{prefix}{path} was served"


def test_checkpoint_weights_are_not_served(app_url, tiny_checkpoints):
    weights = tiny_checkpoints / "image" / "dcgan" / "model.safetensors"
    assert status_of(f"{app_url}gradio_api/file={weights}") in (403, 404)
    assert status_of(f"{app_url}gradio_api/file=/etc/passwd") in (403, 404)


def test_generated_files_are_served(client):
    gallery, _, _, zip_path = client.predict(n=1, seed=3, api_name="/generate_image")
    assert zip_path.endswith(".zip")  # gradio_client downloaded it through the app
