"""The README's quick start runs as written."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _block(marker):
    text = README.read_text()
    m = re.search(rf"<!-- {marker} -->\s*```(\w+)\n(.*?)```", text, re.S)
    assert m, f"README has no block after <!-- {marker} -->"
    return m.group(1), m.group(2)


def test_quick_start_runs(capsys):
    lang, code = _block("readme-example")
    assert lang == "python"
    assert len(code.strip().splitlines()) <= 12
    exec(compile(code, str(README), "exec"), {})
    out = capsys.readouterr().out
    acc = float(out.split(":")[-1])
    assert acc > 0.8


def test_face_pipeline_snippet_runs(capsys):
    lang, code = _block("readme-example-faces")
    exec(compile(code, str(README), "exec"), {})
    assert capsys.readouterr().out.strip() == "(2, 204) [False  True]"


@pytest.mark.parametrize("marker", ["demo-command", "test-command"])
def test_commands_install_cpu_torch_first(marker):
    lang, code = _block(marker)
    assert lang == "bash"
    install_skface = re.search(r"pip install \"?\.", code)
    assert install_skface, code
    assert code.index("pip install torch==2.13.0") < install_skface.start()


def test_ci_runs_the_readme_test_command():
    ci = (README.parent / ".ci" / "run").read_text()
    assert "readme_command test-command" in ci and 'bash -ec "$test_cmd"' in ci
