import pytest
import torch

from aigc_demo import checkpoint as ckpt


def test_weights_round_trip_and_parameter_count(tmp_path):
    state = {"a.weight": torch.randn(3, 4), "b": torch.arange(5.0)}
    ckpt.save_weights(tmp_path / "model.safetensors", state)
    back = ckpt.load_weights(tmp_path / "model.safetensors")
    assert set(back) == set(state)
    assert all(torch.equal(back[k], state[k]) for k in state)
    assert ckpt.count_parameters(tmp_path) == 17
    assert not list(tmp_path.glob(".*.tmp")), "temporary files must be renamed away"


def test_hash_names_the_exact_weights(tmp_path):
    ckpt.save_weights(tmp_path / "model.safetensors", {"w": torch.zeros(4)})
    h1 = ckpt.weights_sha256(tmp_path)
    ckpt.save_weights(tmp_path / "model.safetensors", {"w": torch.ones(4)})
    assert ckpt.weights_sha256(tmp_path) != h1


def test_truncated_weights_are_reported_not_crashed_on(tmp_path):
    ckpt.save_weights(tmp_path / "model.safetensors", {"w": torch.randn(1000)})
    data = (tmp_path / "model.safetensors").read_bytes()
    (tmp_path / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(ckpt.CheckpointError):
        ckpt.count_parameters(tmp_path)
    with pytest.raises(ckpt.CheckpointError):
        ckpt.load_weights(tmp_path / "model.safetensors")


def test_atomic_write_leaves_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "metrics.json"
    ckpt.write_json(target, {"v": 1})

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(ckpt.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        ckpt.write_json(target, {"v": 2})
    assert ckpt.read_json(target) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_large_weights_are_sharded_under_the_file_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(ckpt, "MAX_SHARD_BYTES", 1000)
    state = {f"layer{i}.weight": torch.randn(100) for i in range(7)}  # 400 bytes each
    files = ckpt.save_model_weights(tmp_path, state)
    assert [f.name for f in files] == [f"model-0000{i}-of-00004.safetensors" for i in range(1, 5)]
    assert all(f.stat().st_size < 1000 + 500 for f in files)
    back = ckpt.load_model_weights(tmp_path)
    assert set(back) == set(state) and all(torch.equal(back[k], state[k]) for k in state)
    assert ckpt.count_parameters(tmp_path) == 700
    # re-saving small weights replaces the shards with a single file
    ckpt.save_model_weights(tmp_path, {"w": torch.zeros(3)})
    assert [f.name for f in ckpt.weight_files(tmp_path)] == ["model.safetensors"]
