"""Uploads: good files are read, bad ones refused with a message, nothing is extracted."""

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from aigc_demo import uploads
from aigc_demo.data import fashion_mnist as fm
from aigc_demo.studio import InputError, Studio
from tests.conftest import FMNIST_FIXTURE


def png_bytes(arr) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture()
def real_pngs(tmp_path):
    x, _ = fm.load("test", FMNIST_FIXTURE)
    paths = []
    for i in range(12):
        p = tmp_path / f"img{i}.png"
        p.write_bytes(png_bytes(x[i]))
        paths.append(str(p))
    return paths


def test_pngs_and_zip_are_read_and_scored(tiny_checkpoints, real_pngs, tmp_path):
    studio = Studio(tiny_checkpoints)
    r = studio.score_images(real_pngs)
    assert r["n"] == 12 and r["notices"] == [] and len(r["predictions"]) == 12
    assert sum(r["class_counts"].values()) == 12
    assert {"fid_fmnist", "kid_fmnist", "is_fmnist"} <= set(r["metrics"]["generated"])
    zpath = tmp_path / "imgs.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for p in real_pngs[:3]:
            zf.write(p, arcname=f"folder/{p.rsplit('/', 1)[-1]}")
        zf.writestr("__MACOSX/._junk", b"x")
    r = studio.score_images([str(zpath)])
    assert r["n"] == 3 and r["metrics"] is None and "at least 10" in r["notices"][-1]


def test_colour_and_size_are_converted_with_a_notice(tmp_path):
    p = tmp_path / "big.png"
    Image.new("RGB", (64, 64), (200, 10, 10)).save(p)
    named = uploads.read_images([p])
    x, notices = uploads.to_fashion_mnist([im for _, im in named])
    assert x.shape == (1, 1, 28, 28)
    assert any("grayscale" in n for n in notices) and any("resized" in n for n in notices)


def zip_with(tmp_path, name, data, compress=zipfile.ZIP_DEFLATED):
    zpath = tmp_path / "up.zip"
    with zipfile.ZipFile(zpath, "w", compression=compress) as zf:
        zf.writestr(name, data)
    return [zpath]


def test_path_traversal_in_a_zip_is_refused_and_nothing_is_written(tmp_path):
    paths = zip_with(tmp_path, "../../evil.png", png_bytes(np.zeros((28, 28), np.uint8)))
    before = set(tmp_path.parent.iterdir())
    with pytest.raises(InputError, match="unsafe path"):
        uploads.read_images(paths)
    assert set(tmp_path.parent.iterdir()) == before


def test_zip_bomb_is_refused(tmp_path):
    paths = zip_with(tmp_path, "bomb.png", b"\0" * (4 * 1024 * 1024))
    with pytest.raises(InputError, match="ZIP bomb"):
        uploads.read_images(paths)


@pytest.mark.parametrize("name, data, message", [
    ("notes.txt", b"hello", "not an image"),
    ("fake.png", b"not a png at all", "not a readable image"),
])
def test_bad_members_are_refused(tmp_path, name, data, message):
    with pytest.raises(InputError, match=message):
        uploads.read_images(zip_with(tmp_path, name, data, compress=zipfile.ZIP_STORED))


def test_bad_files_are_refused(tmp_path):
    exe = tmp_path / "run.exe"
    exe.write_bytes(b"MZ")
    with pytest.raises(InputError, match="upload PNG/JPEG"):
        uploads.read_images([exe])
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(InputError, match="not a valid ZIP"):
        uploads.read_images([broken])
    with pytest.raises(InputError, match="Upload some images"):
        uploads.read_images([])


def test_decompression_bomb_image_is_refused(tmp_path):
    p = tmp_path / "huge.png"
    Image.new("L", (5000, 5000)).save(p)
    with pytest.raises(InputError, match="pixels"):
        uploads.read_images([p])
