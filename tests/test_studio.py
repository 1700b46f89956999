"""The studio's entry points: validation, hub ids, measuring."""

import pytest

from aigc_demo.studio import InputError, ModelUnavailable, Studio


@pytest.fixture(scope="module")
def studio(tiny_checkpoints):
    return Studio(tiny_checkpoints)


@pytest.mark.parametrize("kwargs, message", [
    (dict(prompt="", model="gpt"), "prompt is empty"),
    (dict(prompt="   ", model="gpt"), "prompt is empty"),
    (dict(prompt="Hi", model="gpt", max_new_tokens=0), "max_new_tokens must be between 1 and 512"),
    (dict(prompt="Hi", model="gpt", max_new_tokens=513), "max_new_tokens"),
    (dict(prompt="Hi", model="gpt", temperature=float("inf")), "temperature"),
    (dict(prompt="Hi", model="gpt", top_p=0), "top_p must be above 0"),
    (dict(prompt="Hi", model="gpt", num_beams=9), "num_beams"),
    (dict(prompt="Hi", model="gpt", seed=-2), "seed"),
    (dict(prompt=None, model="gpt"), "prompt is empty"),
    (dict(prompt="x" * 4001, model="gpt"), "at most 4,000"),
    (dict(prompt="Hi", model=""), "model must be a text model"),
    (dict(prompt="Hi", model="../../etc/passwd"), "Unknown text model"),
    (dict(prompt="Hi", model="tests"), "Unknown text model"),  # a local folder is never read as a hub id
])
def test_text_input_is_validated(studio, kwargs, message):
    with pytest.raises(InputError, match=message):
        studio.generate_text(**kwargs)


def test_text_without_models_says_so(tmp_path):
    with pytest.raises(InputError, match="Unknown text model 'gpt'. Built-in: none"):
        Studio(tmp_path).generate_text("Hello", "gpt")
    with pytest.raises(ModelUnavailable, match="Hugging Face Hub cannot be reached"):
        Studio(tmp_path).generate_text("Hello", "openai-community/gpt2")  # a hub id: tried, but offline


def test_compare_text_uses_one_seed_for_both_models(studio):
    a, b = studio.compare_text("Love", "gpt", "lstm", seed=None, max_new_tokens=4)
    assert a.meta["seed"] == b.meta["seed"] and (a.meta["model"], b.meta["model"]) == ("gpt", "lstm")


class _Info:
    def __init__(self, total):
        self.safetensors = None if total is None else type("S", (), {"total": total})()


@pytest.mark.parametrize("total, message", [
    (None, "no safetensors weights"),
    (7_000_000_000, "7,000 M parameters"),
])
def test_hub_models_are_checked_before_download(monkeypatch, tmp_path, total, message):
    # the network's answer is the only thing faked: what model_info would say of a repository
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "model_info", lambda model_id: _Info(total))
    with pytest.raises(ModelUnavailable, match=message):
        Studio(tmp_path).generate_text("Hello", "someone/big-model")


@pytest.mark.parametrize("text, message", [
    ("", "empty"), ("12a", "Only the digits"), ("١٢", "Only the digits"), ("1" * 17, "At most 16 digits"),
])
def test_audio_input_is_validated(studio, text, message):
    with pytest.raises(InputError, match=message):
        studio.generate_audio("specgan", text)


@pytest.mark.parametrize("kwargs, message", [
    (dict(model="wavenet"), "is a vocoder; pick a generator"),
    (dict(model="specgan", vocoder="specgan"), "is a generator, not a vocoder"),
    (dict(model="specgan", vocoder="../wavenet"), "Unknown vocoder"),
    (dict(model="specgan", variety=2.5), "variety must be between 0.0 and 2.0"),
    (dict(model="specgan", variety="loud"), "variety must be a number"),
    (dict(model="nope"), "Unknown audio model 'nope'. Available: istft_wavenet, mel_diffusion, specgan, wavenet"),
])
def test_audio_models_and_vocoders_are_validated(studio, kwargs, message):
    with pytest.raises((InputError, ModelUnavailable), match=message):
        studio.generate_audio(text="12", **kwargs)


def test_audio_without_models_says_so(tmp_path):
    with pytest.raises(ModelUnavailable, match="no audio model is trained yet"):
        Studio(tmp_path).generate_audio("specgan", "2026")


def test_overview_rows(studio):
    rows = studio.overview()
    assert [(r["modality"], r["model"]) for r in rows] == [("text", "gpt"), ("text", "lstm"), ("text", "seq2seq"),
                                                         ("image", "captioner"), ("image", "cyclegan"), ("image", "dcgan"),
                                                         ("image", "diffusion"), ("image", "text_to_image"), ("image", "vae"),
                                                         ("audio", "istft_wavenet"), ("audio", "mel_diffusion"), ("audio", "specgan"),
                                                         ("audio", "wavenet"), ("music", "bach_chorale"),
                                                         ("music", "folk_gpt")]
    assert all(r["status"] == "ready" for r in rows)


def test_hub_speech_is_checked_and_explains_offline(monkeypatch, tmp_path):
    import huggingface_hub

    studio = Studio(tmp_path)
    with pytest.raises(InputError, match="owner/name, e.g. facebook/mms-tts-eng"):
        studio.speak_text_hub("tests", "hello")  # a local folder is never read as a hub id
    with pytest.raises(InputError, match="text is empty"):
        studio.speak_text_hub("facebook/mms-tts-eng", "  ")
    with pytest.raises(ModelUnavailable, match="Hugging Face Hub cannot be reached"):
        studio.speak_text_hub("facebook/mms-tts-eng", "hello")  # no network here
    monkeypatch.setattr(huggingface_hub, "model_info", lambda model_id: _Info(None))
    with pytest.raises(ModelUnavailable, match="no safetensors weights"):
        studio.speak_text_hub("someone/pickled-tts", "hello")


def test_the_audio_tab_starts_on_the_best_measured_vocoder(checkpoints_copy):
    """Griffin-Lim unless a neural vocoder's copy synthesis beat it on PESQ-WB in its own
    record; then the one with the highest PESQ-WB."""
    import json

    from aigc_demo.families.audio import GRIFFIN_LIM

    def set_pesq(name: str, mine: float, classic: float) -> None:
        path = checkpoints_copy / "audio" / name / "metrics.json"
        record = json.loads(path.read_text())
        record["speech"]["generated"][name]["pesq_wb"] = mine
        record["speech"]["generated"][GRIFFIN_LIM]["pesq_wb"] = classic
        path.write_text(json.dumps(record))

    for name in ("istft_wavenet", "wavenet"):
        set_pesq(name, 1.5, 2.3)
    assert Studio(checkpoints_copy).best_vocoder() == GRIFFIN_LIM
    set_pesq("wavenet", 2.6, 2.3)
    assert Studio(checkpoints_copy).best_vocoder() == "wavenet"
    set_pesq("istft_wavenet", 2.9, 2.3)
    assert Studio(checkpoints_copy).best_vocoder() == "istft_wavenet"


def test_the_audio_tab_starts_on_the_generator_measured_closest_to_real_clips(checkpoints_copy):
    import json

    def set_fd(name: str, value: float, reference: float) -> None:
        path = checkpoints_copy / "audio" / name / "metrics.json"
        record = json.loads(path.read_text())
        record["headline"].update(value=value, reference=reference)
        path.write_text(json.dumps(record))

    set_fd("specgan", 300.0, 100.0)
    set_fd("mel_diffusion", 200.0, 50.0)  # lower FD, but further from its own real reference
    assert Studio(checkpoints_copy).best_audio_generator() == "specgan"
    set_fd("mel_diffusion", 120.0, 100.0)
    assert Studio(checkpoints_copy).best_audio_generator() == "mel_diffusion"
    (checkpoints_copy / "audio" / "mel_diffusion" / "metrics.json").unlink()  # no record: after those with one
    assert Studio(checkpoints_copy).best_audio_generator() == "specgan"
