"""The tabs are built from declarations: no family is named anywhere under aigc_demo/ui/, and
each generation endpoint's docstring describes its controls from the same declaration."""

import re
from pathlib import Path

from aigc_demo import families
from tests.conftest import ROOT


def test_no_family_is_named_in_the_ui():
    sources = {p: p.read_text(encoding="utf-8") for p in (ROOT / "aigc_demo" / "ui").glob("*.py")}
    for name in families.all_families():
        for path, text in sources.items():
            assert not re.search(rf"\b{re.escape(name)}\b", text, re.IGNORECASE), f"{name!r} in {Path(path).name}"


def test_the_api_describes_the_declared_controls(tiny_checkpoints):
    from aigc_demo.studio import Studio
    from aigc_demo.ui.app import build_demo

    demo = build_demo(Studio(tiny_checkpoints))
    docs = {fn.api_name: fn.fn.__doc__ or "" for fn in demo.fns.values() if fn.api_name}
    for control in Studio(tiny_checkpoints).controls("image"):
        assert control.describe() in docs["generate_image"]
    assert "temperature (0.0–5.0, default 0.8)" in docs["generate_text"]
