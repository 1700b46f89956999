"""paths.py names every folder; the suite runs as a brand-new user (see conftest.BARE_ENV)."""

from pathlib import Path

import pytest

from aigc_demo import paths
from aigc_demo.data import fashion_mnist, fortunes, spoken_digits
from tests.conftest import SESSION_HOME, SESSION_ROOT, USER_FOLDERS, USER_SNAPSHOT, _snapshot


def test_the_session_is_a_bare_machine():
    """Every default a leak could fall back to lies in this session's empty folders, so a
    test that forgets to pass its own data fails here exactly as on a fresh machine."""
    assert Path.home() == SESSION_HOME
    assert paths.cache_dir().is_relative_to(SESSION_HOME)
    assert spoken_digits.default_dir().is_relative_to(SESSION_ROOT)
    with pytest.raises(spoken_digits.CorpusNotFound):
        spoken_digits.corpus_dir()
    with pytest.raises(fortunes.CorpusNotFound):
        fortunes.corpus_dir()
    with pytest.raises(fashion_mnist.DatasetNotFound):
        fashion_mnist.find_dir(download=False)


def test_the_user_folders_are_watched():
    """The guard that fails the session on a write to the real user folders sees a change."""
    assert USER_FOLDERS and all(not f.is_relative_to(SESSION_ROOT) for f in USER_FOLDERS)
    assert _snapshot(USER_FOLDERS) == USER_SNAPSHOT  # nothing so far


def test_snapshot_sees_a_new_file(tmp_path):
    before = _snapshot([tmp_path / "cache"])
    (tmp_path / "cache").mkdir()
    assert _snapshot([tmp_path / "cache"]) != before
    after_mkdir = _snapshot([tmp_path / "cache"])
    (tmp_path / "cache" / "x").write_text("1")
    assert _snapshot([tmp_path / "cache"]) != after_mkdir


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.CACHE_ENV_VAR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert paths.cache_dir() == tmp_path / "xdg" / "aigc_demo"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert paths.cache_dir() == tmp_path / "home" / ".cache" / "aigc_demo"
    monkeypatch.delenv(spoken_digits.ENV_VAR)
    assert spoken_digits.default_dir() == tmp_path / "home" / ".cache" / "aigc_demo" / spoken_digits.CACHE_FOLDER


def test_evaluators_live_in_their_tree(tmp_path):
    assert paths.evaluator_dir("image", tmp_path) == tmp_path / "evaluators" / "fmnist-classifier"
    assert paths.evaluator_dir("audio") == paths.CHECKPOINTS_DIR / "evaluators" / "digit-classifier"
    assert paths.tree_of(tmp_path / "audio" / "wavenet") == tmp_path.resolve()
