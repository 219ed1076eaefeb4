"""`import skface` stays light: no torch, cv2 or dlib, and fast."""

import subprocess
import sys

import pytest

HEAVY = ("torch", "cv2", "dlib", "skorch", "optuna", "skimage", "matplotlib")


def _run(code):
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_import_skface_loads_no_heavy_backend():
    out = _run(f"import sys, skface; print(sorted(set({HEAVY!r}) & set(sys.modules)))")
    assert out == "[]", f"import skface loaded {out}"


@pytest.mark.parametrize("sub", ["utils", "datasets", "metrics", "base", "restoration"])
def test_light_subpackages(sub):
    out = _run(
        f"import sys, skface.{sub}; "
        "print(sorted({'torch', 'cv2', 'dlib'} & set(sys.modules)))"
    )
    assert out == "[]", f"import skface.{sub} loaded {out}"


def test_import_is_fast():
    out = _run(
        "import time; t = time.perf_counter(); import skface; "
        "print(time.perf_counter() - t)"
    )
    assert float(out) < 0.5


def test_lazy_subpackage_access():
    import skface

    assert skface.utils.check_images is not None
    assert "utils" in dir(skface)
    with pytest.raises(AttributeError):
        skface.does_not_exist  # noqa: B018


def test_face_inpainter_loads_lazily():
    out = _run(
        "import sys, skface.restoration as r; before = 'torch' in sys.modules; "
        "cls = r.FaceInpainter; print(before, 'torch' in sys.modules, cls.__name__)"
    )
    assert out == "False True FaceInpainter"
