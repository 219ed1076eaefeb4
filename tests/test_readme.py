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


def test_test_command_installs_the_extras_the_tests_need():
    _, code = _block("test-command")
    extras = re.search(r'pip install "\.\[([\w,]+)\]"', code)
    assert extras, code
    assert {"neural", "tune", "test"} <= set(extras.group(1).split(","))


def test_docs_build_command_skips_the_gallery():
    text = README.read_text()
    builds = re.findall(r"sphinx(?:-build)? -b html[^`\n]*", text)
    assert builds and all("-D plot_gallery=0" in b for b in builds), builds


def test_readme_cli_lines_parse():
    """Every `skface ...` line in the README's command-line block is valid."""
    import shlex

    from skface.cli._main import _build_parser

    text = README.read_text()
    section = text[text.index("## Command line") :]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    lines = [ln.split("#")[0].strip() for ln in block.splitlines()]
    commands = [shlex.split(ln)[1:] for ln in lines if ln.startswith("skface ")]
    assert {c[0] for c in commands} >= {
        "detect",
        "encode",
        "recognize",
        "anonymize",
        "inpaint",
        "demo",
    }
    parser = _build_parser()
    for argv in commands:
        parser.parse_args(argv)


def test_heavy_packages_are_extras_not_requirements():
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(README.parent / "setup.cfg")
    required = cfg["options"]["install_requires"].lower()
    for name in ("torch", "skorch", "optuna"):
        assert not re.search(rf"^\s*{name}\b", required, re.M), name
    assert "pandas" in required
    extras = cfg["options.extras_require"]
    assert "torch" in extras["neural"] and "skorch" in extras["neural"]
    assert "optuna" in extras["tune"]
