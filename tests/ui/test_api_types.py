"""Every parameter of every endpoint, sent a value of the wrong type, gets a message that
names the parameter (never Gradio's generic "the upstream app raised an exception")."""

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image

GENERIC = ("upstream Gradio app has raised an exception", "Something went wrong")
WRONG = {"number": ["5; rm -rf", {"x": 1}, [1, 2]], "text": [{"x": 1}, 12345], "other": [42, "not a file", {"x": 1}]}
# values that make every other parameter of a call valid, where its default is empty
VALID = {"prompt": "Hi", "text": "7", "hypotheses": "a b c", "references": "a b c", "files": [],
         "melody": "X:1\nM:4/4\nL:1/4\nK:G\nG A B c |]"}
SLOW_N = {"/measure_image": 10, "/measure_audio": 10, "/measure_text": 10}


def _kind(param: dict) -> str:
    t = param["python_type"]["type"]
    return "number" if t in ("float", "int") else "text" if t == "str" else "other"


@pytest.fixture(scope="module")
def picture(tmp_path_factory):
    path = tmp_path_factory.mktemp("types") / "picture.png"
    Image.new("L", (28, 28), 128).save(path)
    return handle_file(str(path))


def _calls(client, picture):
    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    for endpoint, info in sorted(api.items()):
        valid = {p["parameter_name"]: p["parameter_default"] for p in info["parameters"]}
        valid.update({k: v for k, v in VALID.items() if k in valid})
        if "image" in valid:
            valid["image"] = picture
        if endpoint in SLOW_N:
            valid["n"] = SLOW_N[endpoint]
        for param in info["parameters"]:
            for value in WRONG[_kind(param)]:
                yield endpoint, param, {**valid, param["parameter_name"]: value}


def test_wrong_types_are_named(client, picture):
    failures = []
    for endpoint, param, kwargs in _calls(client, picture):
        name = param["parameter_name"]
        try:
            client.submit(**kwargs, api_name=endpoint).result(timeout=120)
            outcome = None  # accepted: a text parameter takes any value as its text
        except AppError as e:
            outcome = str(e)
        if outcome is None:
            if _kind(param) != "text":
                failures.append(f"{endpoint} {name}={kwargs[name]!r}: accepted")
        elif any(g in outcome for g in GENERIC) or (_kind(param) != "text" and name not in outcome):
            failures.append(f"{endpoint} {name}={kwargs[name]!r}: {outcome[:120]}")
    assert not failures, "\n".join(failures)
