"""exports.py: the files handed to the browser carry their parameters and are pruned."""

import json
import zipfile

import pytest

from PIL import Image

from aigc_demo import exports
from aigc_demo.studio import Studio


@pytest.fixture(scope="module")
def studio(tiny_image_checkpoints):
    return Studio(tiny_image_checkpoints)


def test_zip_holds_pngs_with_their_parameters(studio):
    out = studio.generate_image("dcgan", label="Coat", n=3, seed=11)
    path = exports.save_zip(out)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert names == ["000_Coat.png", "001_Coat.png", "002_Coat.png", "metadata.json"]
        with zf.open("001_Coat.png") as f:
            im = Image.open(f)
            params = json.loads(im.info["parameters"])
        assert params["seed"] == 11 and params["index"] == 1 and params["model"] == "dcgan"
    path.unlink()


def test_old_output_files_are_pruned(studio, monkeypatch, tmp_path):
    import os
    import time

    monkeypatch.setattr(exports, "OUTPUT_DIR", tmp_path)
    stale = tmp_path / "old.zip"
    stale.write_bytes(b"x")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    fresh = exports.save_zip(studio.generate_image("dcgan", n=1, seed=0))
    assert fresh.parent == tmp_path and fresh.is_file() and not stale.exists()
