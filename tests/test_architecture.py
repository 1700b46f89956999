"""The layers hold: import-linter's contracts (.importlinter) over the whole import graph,
imports inside functions included, and the first page is built without torch."""

import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT


def lint(config, cwd) -> subprocess.CompletedProcess:
    code = (f"import sys; from importlinter.cli import lint_imports; "
            f"sys.exit(lint_imports(config_filename={str(config)!r}, no_cache=True, no_logo=True))")
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True)


def test_the_import_contracts_are_kept():
    result = lint(ROOT / ".importlinter", ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and "0 broken" in result.stdout


@pytest.fixture()
def toy_package(tmp_path):
    """A package whose only faults hide inside functions, where a lazy import would hide them."""
    pkg = tmp_path / "toy"
    (pkg / "ui").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "ui" / "__init__.py").write_text("")
    (pkg / "ui" / "tab.py").write_text("def build():\n    import json  # stands in for torch\n    from .. import low\n")
    (pkg / "low.py").write_text("def helper():\n    from .ui import tab\n")
    return tmp_path


def test_the_contracts_see_imports_inside_functions(toy_package):
    """A negative control: the same kinds of contract on a package that breaks them only
    inside functions fail."""
    config = toy_package / ".importlinter"
    config.write_text(textwrap.dedent("""\
        [importlinter]
        root_package = toy
        include_external_packages = True

        [importlinter:contract:acyclic]
        name = no cycles
        type = acyclic_siblings
        ancestors = toy

        [importlinter:contract:thin]
        name = the ui never imports json
        type = forbidden
        source_modules = toy.ui
        forbidden_modules = json
        allow_indirect_imports = True
        """))
    result = lint(config, toy_package)
    assert result.returncode == 1
    assert result.stdout.count("BROKEN") == 2, result.stdout


def test_the_first_page_is_built_without_torch():
    code = textwrap.dedent("""\
        import sys
        from aigc_demo.ui.app import build_demo
        build_demo()
        heavy = sorted(m for m in ("torch", "torchaudio", "transformers", "torchmetrics", "music21") if m in sys.modules)
        print(",".join(heavy))
        """)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"building the page imported {result.stdout.strip()}"
