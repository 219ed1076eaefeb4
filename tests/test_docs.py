"""The API page lists every public name, and every example is in the gallery."""

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import skface

ROOT = Path(__file__).resolve().parents[1]
API = ROOT / "docs" / "api.rst"


def _documented():
    names, module = {}, None
    for line in API.read_text().splitlines():
        m = re.match(r"\.\. currentmodule:: (\S+)", line)
        if m:
            module = m.group(1)
            names.setdefault(module, set())
        elif module and re.match(r"^   [A-Za-z_]\w*$", line):
            names[module].add(line.strip())
    return names


def _public_modules():
    for info in pkgutil.iter_modules(skface.__path__):
        if info.name.startswith("_") or info.name in ("cli", "nn"):
            continue
        yield f"skface.{info.name}"


@pytest.mark.parametrize("module", list(_public_modules()))
def test_api_page_lists_every_public_name(module):
    mod = importlib.import_module(module)
    public = set(getattr(mod, "__all__", ()))
    documented = _documented().get(module, set())
    missing = sorted(public - documented)
    assert not missing, f"docs/api.rst lacks {module}: {missing}"
    stale = sorted(documented - public)
    assert not stale, f"docs/api.rst lists names {module} does not export: {stale}"


def test_examples_are_gallery_scripts():
    scripts = sorted((ROOT / "examples").glob("*/plot_*.py"))
    assert scripts
    for script in scripts:
        text = script.read_text()
        assert text.startswith('"""'), f"{script.name} needs a title docstring"
        assert "# %%" in text, f"{script.name} needs sphinx-gallery cells"
        assert (script.parent / "README.txt").exists()
