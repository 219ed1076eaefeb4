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


def test_demo_default_steps_are_quick_and_training_opt_in():
    from skface.cli._demo import STEPS, step_names

    default = step_names()
    assert "reconstruction" not in default and "inpainting" not in default
    assert step_names("all") == [name for name, _, _ in STEPS]
    # a step gets the steps it needs
    assert step_names("round_trip") == ["samples", "detection", "round_trip"]
    assert step_names(["default", "inpainting"]) == [*default, "inpainting"]
    with pytest.raises(ValueError, match="unknown demo step"):
        step_names("nope")


def test_demo_list_steps_and_bad_step(capsys):
    assert main(["demo", "--list-steps"]) == 0
    out = capsys.readouterr().out
    assert "reconstruction" in out and "opt-in" in out
    assert main(["demo", "--steps", "nope", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown demo step" in err


def test_demo_out_expands_user(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path))
    code = main(["demo", "--quiet", "--steps", "samples", "--out", "~/demo_out"])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "demo_out" / "demo.json").is_file()
    assert not (tmp_path / "~").exists()


def test_demo_refuses_symlinked_out_folder(tmp_path, capsys):
    target = tmp_path / "target"
    target.mkdir()
    (tmp_path / "out").symlink_to(target)
    code = main(
        ["demo", "--quiet", "--steps", "samples", "--out", str(tmp_path / "out")]
    )
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "symbolic link" in err
    assert list(target.iterdir()) == []


@pytest.mark.parametrize("name", ["demo.png", "demo.json"])
def test_demo_refuses_symlinked_output_files(tmp_path, capsys, name):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (out / name).symlink_to(victim)
    code = main(["demo", "--quiet", "--steps", "samples", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "symbolic link" in err
    assert victim.read_text() == "keep me"


def test_open_new_does_not_follow_a_symlink_planted_after_the_check(tmp_path):
    """The write itself uses O_NOFOLLOW, not only the check before it."""
    from skface.cli import _io

    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    path = tmp_path / "demo.json"
    path.symlink_to(victim)
    original = _io.check_not_symlink
    try:
        _io.check_not_symlink = lambda *a, **k: None  # the race: check passed
        with pytest.raises(_io.CommandError, match="symbolic link"):
            _io.open_new(path, "w")
    finally:
        _io.check_not_symlink = original
    assert victim.read_text() == "keep me"


def test_demo_generation_step_shows_dcgan_samples(tmp_path):
    pytest.importorskip("torch")
    summary = run_demo(out=tmp_path, steps=["generation"], progress=False)
    data = json.loads((tmp_path / "demo.json").read_text())
    step = data["steps"]["generation"]
    assert step["dcgan_images_seen"] == 25 * 512
    assert step["dcgan_training_seconds"] > 0
    assert (tmp_path / "demo.png").stat().st_size > 0
    assert summary is not None
