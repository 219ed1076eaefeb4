"""The skface console script."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from skface import __version__
from skface.cli import main
from skface.cli._demo import run_demo


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"skface {__version__}"


def test_console_script_is_installed():
    out = subprocess.run(
        [sys.executable, "-m", "skface.cli._main", "--version"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0 and __version__ in out.stdout


@pytest.mark.parametrize(
    "argv", [["demo", "--seed", "abc"], ["frobnicate"], ["demo", "--nope"]]
)
def test_bad_arguments_one_line_error_no_traceback(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("skface: error:") and err.count("\n") == 1
    assert "Traceback" not in err


def test_unreadable_inputs_one_line_error(tmp_path, capsys):
    bad = tmp_path / "broken.jpg"
    bad.write_text("not a jpeg")
    code = main(["demo", "--quiet", "--out", str(tmp_path / "o"), "--images", str(bad)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "broken.jpg" in err and "Traceback" not in err
    code = main(["demo", "--quiet", "--images", str(tmp_path / "missing.png")])
    assert code == 1 and "does not exist" in capsys.readouterr().err


def test_help_without_command(capsys):
    assert main([]) == 0
    assert "demo" in capsys.readouterr().out


def test_demo_steps_write_png_and_json(tmp_path):
    summary = run_demo(out=tmp_path, steps=["samples", "eigenfaces"], progress=False)
    png = Image.open(summary["png"])
    assert png.width > 500 and png.height > 200
    assert np.asarray(png).std() > 10  # not a blank canvas
    data = json.loads((tmp_path / "demo.json").read_text())
    assert set(data["steps"]) == {"samples", "eigenfaces"}
    assert data["steps"]["eigenfaces"]["lfw_face_vs_nonface_cv_accuracy"] > 0.8
