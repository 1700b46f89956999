"""The real app (`python app.py`) served on loopback, driven through gradio_client."""

import json

import numpy as np
import pytest
from gradio_client.exceptions import AppError
from PIL import Image


def test_api_lists_the_generation_endpoints(client):
    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert {"/generate_text", "/generate_image", "/generate_audio"} <= set(api)
    params = [p["parameter_name"] for p in api["/generate_image"]["parameters"]]
    assert params[:4] == ["model", "label", "n", "seed"]
    assert all(p["parameter_has_default"] for p in api["/generate_image"]["parameters"])
    assert [p["parameter_name"] for p in api["/generate_text"]["parameters"]][:2] == ["prompt", "model"]
    assert [p["parameter_name"] for p in api["/generate_audio"]["parameters"]][:3] == ["model", "text", "seed"]


def test_generate_image_with_defaults_and_reproducibly(client):
    gallery, info, meta, zip_path = client.predict(n=2, seed=9, api_name="/generate_image")
    assert len(gallery) == 2 and "effective seed **9**" in info
    assert meta["model"] == "dcgan" and meta["params"]["n"] == 2 and zip_path.endswith(".zip")
    again = client.predict(n=2, seed=9, api_name="/generate_image")[0]
    for a, b in zip(gallery, again):
        assert list(Image.open(a["image"]).getdata()) == list(Image.open(b["image"]).getdata())
    assert Image.open(gallery[0]["image"]).size == (28, 28)  # the picture itself; the browser enlarges it
    assert gallery[0]["image"].endswith(".png")
    params = json.loads(Image.open(gallery[0]["image"]).info["parameters"])  # the parameters travel in the PNG
    assert params["seed"] == 9 and params["index"] == 0 and params["model"] == "dcgan"


def test_generate_image_zip_holds_the_gallerys_pictures_in_one_file(client):
    import zipfile

    gallery = client.predict(n=3, seed=5, api_name="/generate_image")[0]
    zip_path, info, meta = client.predict(n=3, seed=5, api_name="/generate_image_zip")
    assert "effective seed **5**" in info and meta["params"]["n"] == 3
    with zipfile.ZipFile(zip_path) as zf:
        pngs = sorted(name for name in zf.namelist() if name.endswith(".png"))
        assert len(pngs) == 3 and "metadata.json" in zf.namelist()
        for name, item in zip(pngs, gallery):
            picture = Image.open(zf.open(name))
            assert list(picture.getdata()) == list(Image.open(item["image"]).getdata())
            assert json.loads(picture.info["parameters"])["seed"] == 5
    with pytest.raises(AppError, match="maximum value 64"):
        client.predict(n=100, api_name="/generate_image_zip")
    with pytest.raises(AppError, match="Unknown image model 'nope'"):
        client.predict(model="nope", api_name="/generate_image_zip")


@pytest.mark.parametrize("kwargs, message", [
    (dict(model="nope"), "Unknown image model 'nope'"),
    (dict(label="Hat"), "Unknown class 'Hat'"),
    (dict(n=100), "maximum value 64"),  # the slider's own range check, before our handler
    (dict(seed=-7), "minimum value -1"),
    (dict(seed=2**40), "maximum value"),
])
def test_bad_image_input_is_a_clear_api_error(client, kwargs, message):
    with pytest.raises(AppError, match=message):
        client.predict(**kwargs, api_name="/generate_image")


def test_generate_text_returns_the_full_text_reproducibly(client):
    params = dict(prompt="A friend is", model="gpt", max_new_tokens=8, temperature=1.0, top_k=0, top_p=1.0, seed=11)
    text = client.predict(**params, api_name="/generate_text")
    assert text.startswith("A friend is") and len(text) > len("A friend is")
    assert client.predict(**params, api_name="/generate_text") == text
    assert client.predict(**{**params, "model": "lstm"}, api_name="/generate_text").startswith("A friend is")
    assert client.predict(prompt="人生", model="gpt", max_new_tokens=4, seed=1, api_name="/generate_text").startswith("人生")


def test_streaming_endpoint_ends_with_what_generate_text_returns(client):
    params = dict(prompt="Love is", model="gpt", max_new_tokens=6, temperature=1.0, top_k=0, top_p=1.0, seed=2)
    job = client.submit("Love is", "gpt", "", 6, 1.0, 0, 1.0, 1, 1.1, 2, api_name="/stream_text")
    final_text, stats, meta = job.result()
    assert final_text == client.predict(**params, repetition_penalty=1.1, api_name="/generate_text")
    assert meta["seed"] == 2 and "effective seed **2**" in stats


@pytest.mark.parametrize("kwargs, message", [
    (dict(prompt=""), "prompt is empty"),
    (dict(prompt="   "), "prompt is empty"),
    (dict(prompt="Hi", max_new_tokens=0), "max_new_tokens must be between 1 and 512"),
    (dict(prompt="Hi", max_new_tokens=513), "max_new_tokens must be between 1 and 512"),
    (dict(prompt="Hi", model="nope!"), "Unknown text model 'nope!'"),
    (dict(prompt="Hi", top_p=0), "top_p must be above 0"),
    (dict(prompt="Hi", num_beams=9), "num_beams must be between 1 and 8"),
    (dict(prompt="Hi", seed=-5), "seed must be between 0"),
    (dict(prompt="Hi", model="distilbert/distilgpt2"), "Hugging Face Hub cannot be reached"),  # no network here
    (dict(prompt="Hi", model="distilgpt2"), "as owner/name"),  # bare names are typos of built-ins, not downloads
])
def test_bad_text_input_is_a_clear_api_error(client, kwargs, message):
    with pytest.raises(AppError, match=message):
        client.predict(**kwargs, api_name="/generate_text")


@pytest.mark.parametrize("kwargs, message", [
    (dict(text="twelve"), "Only the digits"),
    (dict(text=""), "The text is empty"),
    (dict(text="1" * 17), "At most 16 digits"),
    (dict(text="12", model="tacotron"), "Unknown audio model 'tacotron'"),
    (dict(text="12", vocoder="hifigan"), "'hifigan'.*not in the list of choices: \\['griffin-lim', 'istft_wavenet', 'wavenet'\\]"),
])
def test_bad_audio_input_is_a_clear_api_error(client, kwargs, message):
    with pytest.raises(AppError, match=message):
        client.predict(**kwargs, api_name="/generate_audio")


def test_generate_audio_endpoint_returns_a_wav_with_its_parameters(client):
    import soundfile as sf

    first = client.predict(model="specgan", text="2 0 2 6", seed=7, vocoder="wavenet", variety=0.5,
                           api_name="/generate_audio")
    again = client.predict(model="specgan", text="2026", seed=7, vocoder="wavenet", variety=0.5, api_name="/generate_audio")
    path, info, meta = first
    audio, sr = sf.read(path, dtype="float32")
    assert sr == 16000 and audio.ndim == 1 and len(audio) > 0.2 * sr
    assert np.array_equal(audio, sf.read(again[0], dtype="float32")[0])  # same inputs, same samples
    comment = json.loads(sf.SoundFile(path).comment)
    assert comment["seed"] == 7 and comment["params"] == {"digits": "2026", "vocoder": "wavenet", "variety": 0.5}
    assert meta["real_time_factor"] > 0 and "real-time factor" in info
    other = client.predict(model="specgan", text="2026", seed=8, api_name="/generate_audio")
    assert not np.array_equal(audio, sf.read(other[0], dtype="float32")[0])


def test_app_keeps_serving_after_errors(client):
    with pytest.raises(AppError):
        client.predict(n=0, api_name="/generate_image")
    gallery = client.predict(model="vae", n=1, seed=1, api_name="/generate_image")[0]
    assert len(gallery) == 1


def test_an_app_without_models_says_so_and_keeps_its_endpoints(tmp_path):
    """No checkpoints at all: every tab says it has no model; the endpoints still answer."""
    from aigc_demo.studio import Studio
    from aigc_demo.ui.app import build_demo

    demo = build_demo(Studio(tmp_path))
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None)
    try:
        from gradio_client import Client

        c = Client(demo.local_url, verbose=False)
        with pytest.raises(AppError, match="no image model is trained yet"):
            c.predict(model="dcgan", api_name="/generate_image")
    finally:
        demo.close()


def test_bleu_endpoint(client):
    summary, rows, details = client.predict(hypotheses="hello there world\nsame line here",
                                            references="hello there world\nsame line here", api_name="/bleu")
    assert details["bleu"] == pytest.approx(100.0) and "BLEU 100.00" in summary
    with pytest.raises(AppError, match="reference line"):
        client.predict(hypotheses="a\nb", references="a", api_name="/bleu")


def test_measure_image_endpoint(client):
    status, table = client.predict(model="dcgan", n=100, seed=0, api_name="/measure_image")
    assert "100 samples" in status
    metrics = [row[0] for row in table["data"]]
    assert {"fid_fmnist", "kid_fmnist", "is_fmnist", "class_accuracy"} <= set(metrics)


def test_score_images_endpoint_good_and_bad(client, tmp_path):
    from gradio_client import handle_file
    from PIL import Image

    good = tmp_path / "shoe.png"
    Image.new("L", (28, 28), 128).save(good)
    report, metrics, preds = client.predict(files=[handle_file(str(good))], api_name="/score_images")
    assert "1 image(s)" in report and len(preds["data"]) == 1
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(AppError, match="not a valid ZIP"):
        client.predict(files=[handle_file(str(bad))], api_name="/score_images")


def test_measure_audio_endpoint(client):
    status, table = client.predict(model="specgan", n=20, seed=0, vocoder="wavenet", api_name="/measure_audio")
    assert "20 samples" in status
    rows = {row[0]: row for row in table["data"]}
    assert {"fd_digits", "kid_digits", "is_digits", "digit_accuracy"} <= set(rows)
    assert rows["fd_digits"][3] == rows["fd_digits"][1]  # now == shipped: same n, seed and vocoder
    with pytest.raises(AppError, match="not in the list of choices"):  # Gradio checks the radio's choices
        client.predict(model="specgan", n=20, seed=0, vocoder="nope", api_name="/measure_audio")
    with pytest.raises(AppError, match="multiple of 10"):
        client.predict(model="specgan", n=25, seed=0, vocoder="griffin-lim", api_name="/measure_audio")


def test_score_clips_endpoint_good_and_bad(client, tmp_path):
    import numpy as np
    import soundfile as sf
    from gradio_client import handle_file

    good = tmp_path / "tone.wav"
    t = np.arange(16000) / 16000
    sf.write(good, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16000)
    report, metrics, preds = client.predict(files=[handle_file(str(good))], api_name="/score_clips")
    assert "1 clip(s)" in report and len(preds["data"]) == 1
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF....WAVEfmt nonsense")
    with pytest.raises(AppError, match="not a readable audio file"):
        client.predict(files=[handle_file(str(bad))], api_name="/score_clips")


def test_text_copy_check_endpoint(client):
    table, verdict = client.predict(model="lstm", n=2, seed=3, api_name="/nearest_training_texts")
    assert len(table["data"]) == 2 and "held-out real records" in verdict and "seed 3" in verdict
    with pytest.raises(AppError, match="maximum value 16"):  # the slider's own bounds check
        client.predict(model="lstm", n=40, seed=3, api_name="/nearest_training_texts")
    with pytest.raises(AppError, match="Unknown text model"):
        client.predict(model="nope", n=1, seed=3, api_name="/nearest_training_texts")


def test_score_texts_endpoint(client):
    summary, table = client.predict(text="A friend in need is a friend indeed.", files=[], seed=0, api_name="/score_texts")
    assert "1 text(s)" in summary and "BLEU signature" in summary
    assert "test_bleu_4" in {row[1] for row in table["data"]}
    with pytest.raises(AppError, match="Paste some texts"):
        client.predict(text="   ", files=[], seed=0, api_name="/score_texts")


def test_hub_speech_endpoint_says_it_needs_a_network(client):
    with pytest.raises(AppError, match="Hugging Face Hub cannot be reached"):
        client.predict(model_id="facebook/mms-tts-eng", text="Hello", seed=0, api_name="/speak_text_hub")


def test_measure_text_endpoint(client):
    status, table = client.predict(model="lstm", n=10, seed=0, api_name="/measure_text")
    assert "10 samples" in status
    rows = {row[0]: row for row in table["data"]}
    assert {"test_perplexity", "test_bleu_4", "self_bleu_4"} <= set(rows)
    assert rows["test_bleu_4"][2] is not None  # the real-data reference beside it
    with pytest.raises(AppError, match="Unknown text model"):
        client.predict(model="distilgpt2", n=10, seed=0, api_name="/measure_text")


def test_next_line_of_a_poem_with_its_attention(client):
    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert [p["parameter_name"] for p in api["/next_line"]["parameters"]][:4] == ["line", "model", "num_beams", "seed"]
    beam, greedy, heat, meta = client.predict(line="床前明月光", model="seq2seq", num_beams=3, seed=1, api_name="/next_line")
    assert isinstance(beam, str) and isinstance(greedy, str)
    assert meta["params"]["num_beams"] == 3 and meta["model"] == "seq2seq"
    assert json.loads(heat["plot"])["data"][0]["type"] == "heatmap"
    for line, message in (("Hello", "Only Chinese characters"), ("", "empty"), ("明" * 17, "at most 16")):
        with pytest.raises(AppError, match=message):
            client.predict(line=line, model="seq2seq", num_beams=1, seed=1, api_name="/next_line")


def test_caption_image_in_both_languages_with_where_each_word_looked(client, tmp_path):
    from gradio_client import handle_file

    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert [p["parameter_name"] for p in api["/caption_image"]["parameters"]] == ["model", "image", "language", "num_beams"]
    path = tmp_path / "bag.png"
    Image.fromarray(np.pad(np.full((12, 16), 200, dtype=np.uint8), ((8, 8), (6, 6)))).resize((84, 84)).save(path)
    info, attention, meta = client.predict(model="captioner", image=handle_file(str(path)), language="both", num_beams=2,
                                           api_name="/caption_image")
    assert "| English |" in info and "| Chinese |" in info and "synthetic" in info.lower()
    assert set(meta["captions"]) == {"en", "zh"} and meta["params"]["num_beams"] == 2
    assert len(attention) == len(meta["captions"]["en"]["beam"].replace(",", " ,").split())  # a map per word
    again = client.predict(model="captioner", image=handle_file(str(path)), language="both", num_beams=2,
                           api_name="/caption_image")[2]
    assert again["captions"] == meta["captions"]
    text = tmp_path / "not-a-picture.png"
    text.write_text("hello")
    for kwargs, message in ((dict(language="fr"), "language"), (dict(num_beams=9), "maximum value 8"),
                            (dict(model="dcgan"), "must be an image captioner"), (dict(image=None), "Upload a picture")):
        with pytest.raises(AppError, match=message):
            client.predict(**{"model": "captioner", "image": handle_file(str(path)), "language": "en", "num_beams": 1,
                              **kwargs}, api_name="/caption_image")
    with pytest.raises(AppError):  # an unreadable upload: refused, not a crash
        client.predict(model="captioner", image=handle_file(str(text)), language="en", num_beams=1,
                       api_name="/caption_image")
    assert client.predict(n=1, seed=1, api_name="/generate_image")[0]  # and the app still serves


# --- music ------------------------------------------------------------------------------------

def test_generate_music_returns_audio_abc_midi_and_metadata(client):
    import mido
    import soundfile as sf

    wav, abc, midi, meta = client.predict(model="folk_gpt", seed=4, tune_type="any", length=8, api_name="/generate_music")
    assert abc.startswith("X:1") and "%%aigc seed: 4" in abc and meta["seed"] == 4
    again = client.predict(model="folk_gpt", seed=4, tune_type="any", length=8, api_name="/generate_music")
    assert again[1] == abc  # seeded
    if midi is not None:  # the tiny model may write what cannot be played; the ABC says so then
        assert any(m.type == "text" and '"seed": 4' in m.text for m in mido.MidiFile(midi).tracks[0])
        assert json.loads(sf.SoundFile(wav).comment)["seed"] == 4


def test_compare_music_with_a_real_tune(client):
    wav, abc, midi, meta = client.predict(model="folk_gpt", seed=1, against="a real tune of the same kind", meter="6/8",
                                          tune_type="any", api_name="/compare_music")
    assert meta["model"] == "real tune" and midi.endswith(".mid") and "M:6/8" in abc


@pytest.mark.parametrize("kwargs, message", [
    (dict(meter="7/8"), "not in the list of choices"),
    (dict(key="Eb minor", tune_type="any"), "never saw a tune with key 'Eb minor'"),
    (dict(tune_type="jig"), "never saw a tune with tune_type 'jig'"),  # O'Neill's names no types
    (dict(length=100, tune_type="any"), "maximum value 64"),
    (dict(model="nope", tune_type="any"), "Unknown music model 'nope'"),
])
def test_bad_music_requests_are_refused_clearly(client, kwargs, message):
    with pytest.raises(AppError, match=message):
        client.predict(**{"model": "folk_gpt", "seed": 0, **kwargs}, api_name="/generate_music")


def test_generate_chorale_and_harmonize_through_the_api(client):
    wav, abc, midi, meta = client.predict(model="bach_chorale", seed=2, length=2, sweeps=10, api_name="/generate_chorale")
    assert abc.startswith("X:1") and abc.count("V:") == 4 and meta["params"]["task"] == "compose" and midi.endswith(".mid")
    melody = "X:1\nM:4/4\nL:1/4\nK:G\nB A G A | B B B2 |]"
    wav, abc, midi, meta = client.predict(melody=melody, model="bach_chorale", seed=2, sweeps=10, api_name="/harmonize")
    assert meta["params"]["task"] == "harmonise" and meta["params"]["length"] == 2
    again = client.predict(melody=melody, model="bach_chorale", seed=2, sweeps=10, api_name="/harmonize")
    assert again[3]["grid"] == meta["grid"]  # seeded


def test_a_held_out_melody_and_bach_beside_it(client):
    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert {"/generate_chorale", "/harmonize", "/chorale_melody", "/compare_chorale"} <= set(api)
    name = "bwv248.53-5"  # a test-split chorale of the fixture, shipped in the tiny model's held_out.json
    melody = client.predict(name=name, model="bach_chorale", api_name="/chorale_melody")
    assert melody.startswith("X:1") and melody.count("V:") == 1
    wav, abc, midi, meta = client.predict(melody=melody, model="bach_chorale", seed=0, against="Bach's own harmonisation",
                                          picked=name, api_name="/compare_chorale")
    assert meta["model"] == "Bach" and abc.count("V:") == 4


@pytest.mark.parametrize("kwargs, message", [
    (dict(melody=""), "melody must be a tune in ABC"),
    (dict(melody="X:1\nM:6/8\nL:1/8\nK:G\nGAB cde|"), "meters 4/4 and 3/4"),
    (dict(melody="X:1\nM:4/4\nK:G\n((("), "cannot be read|cannot be harmonised|no notes"),
    (dict(melody="X:1\nM:4/4\nL:1/4\nK:G\nG A B c|", model="folk_gpt"), "must be a chorale model"),
    (dict(melody="X:1\nM:4/4\nL:1/4\nK:G\nG A B c|", sweeps=0), "minimum value 10"),
])
def test_bad_harmonize_requests_are_refused_clearly(client, kwargs, message):
    with pytest.raises(AppError, match=message):
        client.predict(**{"model": "bach_chorale", "seed": 0, **kwargs}, api_name="/harmonize")


def test_generate_image_from_text_with_the_prompt_in_each_png(client):
    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert [p["parameter_name"] for p in api["/generate_image_from_text"]["parameters"]] == [
        "prompt", "negative_prompt", "model", "n", "seed", "guidance", "steps", "class_guidance"]
    gallery, report, meta, zip_path = client.predict(prompt="一件深色的外套", negative_prompt="", model="text_to_image", n=2,
                                                     seed=5, guidance=2.0, steps=3, api_name="/generate_image_from_text")
    assert len(gallery) == 2 and "classifier sees" in report and "Coat" in report
    assert meta["asked"] == {"class": "Coat", "words": {"tone": "dark"}, "language": "zh"} and len(meta["verdicts"]) == 2
    png = Image.open(gallery[0]["image"])
    assert json.loads(png.text["parameters"])["params"]["prompt"] == "一件深色的外套"
    assert zip_path.endswith(".zip")
    for kwargs, message in ((dict(prompt=""), "empty"), (dict(prompt="x" * 121), "maximum|at most 120"),
                            (dict(prompt="a velvet coat"), "never saw: velvet"),
                            (dict(negative_prompt="a red coat"), "negative prompt"),
                            (dict(model="dcgan"), "must be a text-to-image model"), (dict(steps=0), "steps"),
                            (dict(class_guidance=-1), "class_guidance|minimum")):
        with pytest.raises(AppError, match=message):
            client.predict(**{"prompt": "a coat", "negative_prompt": "", "model": "text_to_image", "n": 1, "seed": 1,
                              "guidance": 2.0, "steps": 2, **kwargs}, api_name="/generate_image_from_text")


def test_describe_then_draw_the_description(client, tmp_path):
    from gradio_client import handle_file

    path = tmp_path / "bag.png"
    Image.fromarray(np.pad(np.full((12, 16), 200, dtype=np.uint8), ((8, 8), (6, 6)))).save(path)
    try:
        caption, gallery, report = client.predict(image=handle_file(str(path)), model="captioner",
                                                  text_model="text_to_image", seed=2, api_name="/describe_then_draw")
    except AppError as e:  # a dry-run captioner may write what no prompt may hold: said so, with the caption
        assert "The captioner wrote" in str(e) or "empty caption" in str(e)
    else:
        assert isinstance(caption, str) and len(gallery) == 8 and "classifier sees" in report
    with pytest.raises(AppError, match="Upload a picture"):
        client.predict(image=None, model="captioner", text_model="text_to_image", seed=2, api_name="/describe_then_draw")


def test_vocode_endpoint_resynthesises_a_clip_and_scores_it(client, digits_corpus, tmp_path):
    import soundfile as sf
    from gradio_client import handle_file

    from aigc_demo.data import spoken_digits

    audio, _, _ = spoken_digits.load("test", digits_corpus)
    speech = np.concatenate([audio[0], audio[1][:8000]])  # 1.5 s: a second and a half
    path = tmp_path / "two.flac"
    sf.write(path, speech, 16000, format="FLAC")
    wav, info, meta = client.predict(clip=handle_file(str(path)), vocoder="griffin-lim", seed=0, api_name="/vocode")
    out, rate = sf.read(wav, dtype="float32")
    assert rate == 16000 and len(out) == len(speech)
    assert "STOI" in info and 0 < meta["scores"]["stoi"] <= 1 and meta["vocoder"] == "griffin-lim"
    assert json.loads(sf.SoundFile(wav).comment)["scores"] == meta["scores"]
    again = client.predict(clip=handle_file(str(path)), vocoder="wavenet", seed=3, api_name="/vocode")
    assert again[2]["vocoder"] == "wavenet" and len(sf.read(again[0])[0]) == len(speech)
    # the non-autoregressive vocoder draws no noise: the seed changes nothing
    one, two = (client.predict(clip=handle_file(str(path)), vocoder="istft_wavenet", seed=s, api_name="/vocode")
                for s in (1, 2))
    assert one[2]["vocoder"] == "istft_wavenet" and np.array_equal(sf.read(one[0])[0], sf.read(two[0])[0])
    assert one[2]["scores"] == two[2]["scores"]


@pytest.mark.parametrize("make, kwargs, message", [
    (lambda t: np.zeros(16000, np.float32), {}, "silent"),
    (lambda t: np.full(16000 * 11, 0.1, np.float32), {}, "at most 10 s"),
    (lambda t: np.full(1000, 0.1, np.float32), {}, "at least 0.25 s"),
    # the page's vocoder picker lists the vocoders: Gradio itself refuses any other name
    (lambda t: 0.3 * np.sin(2 * np.pi * 220 * t), {"vocoder": "hifigan"}, "not in the list of choices"),
    (lambda t: 0.3 * np.sin(2 * np.pi * 220 * t), {"vocoder": "specgan"}, "not in the list of choices"),
])
def test_bad_vocode_requests_are_refused_clearly(client, tmp_path, make, kwargs, message):
    import soundfile as sf
    from gradio_client import handle_file

    path = tmp_path / "clip.wav"
    sf.write(path, make(np.arange(16000) / 16000).astype(np.float32), 16000)
    with pytest.raises(AppError, match=message):
        client.predict(clip=handle_file(str(path)), **{"vocoder": "griffin-lim", "seed": 0, **kwargs}, api_name="/vocode")
    with pytest.raises(AppError, match="Upload or record a clip"):
        client.predict(clip=None, vocoder="griffin-lim", seed=0, api_name="/vocode")
