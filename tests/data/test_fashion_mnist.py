import gzip
import shutil

import numpy as np
import pytest

from aigc_demo.data import fashion_mnist as fm
from tests.conftest import FMNIST_FIXTURE


def test_loads_the_fixture_with_its_checksums():
    x, y = fm.load("train", FMNIST_FIXTURE)
    assert x.shape == (300, 28, 28) and x.dtype == np.uint8
    assert y.shape == (300,) and set(y.tolist()) == set(range(10))
    xt, yt = fm.as_tensors("test", FMNIST_FIXTURE)
    assert xt.shape == (100, 1, 28, 28) and -1.0 <= xt.min() and xt.max() <= 1.0


def test_env_var_is_honoured(monkeypatch):
    monkeypatch.setenv(fm.ENV_VAR, str(FMNIST_FIXTURE))
    assert fm.find_dir() == FMNIST_FIXTURE


def test_corrupt_file_fails_its_checksum(tmp_path):
    folder = tmp_path / "fm"
    shutil.copytree(FMNIST_FIXTURE, folder)
    name = fm.FILES[("test", "labels")]
    raw = bytearray(gzip.decompress((folder / name).read_bytes()))
    raw[-1] ^= 1
    (folder / name).write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(ValueError, match="corrupt"):
        fm.load("test", folder)


def test_missing_dataset_names_all_three_options(monkeypatch, tmp_path):
    monkeypatch.delenv(fm.ENV_VAR, raising=False)
    monkeypatch.setattr(fm, "DEBIAN_DIR", tmp_path / "none")
    monkeypatch.setenv("AIGC_CACHE_DIR", str(tmp_path / "cache"))

    def offline(folder):  # what the network gives offline
        raise OSError("network unreachable")

    monkeypatch.setattr(fm, "_download", offline)
    with pytest.raises(fm.DatasetNotFound) as e:
        fm.find_dir()
    msg = str(e.value)
    assert "apt-get install dataset-fashion-mnist" in msg and fm.ENV_VAR in msg and "download" in msg


def test_bad_env_folder_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv(fm.ENV_VAR, str(tmp_path))
    with pytest.raises(fm.DatasetNotFound, match=fm.ENV_VAR):
        fm.find_dir()
