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


# Run in a fresh interpreter where torch, skorch and optuna cannot be
# imported (as in an install without the `neural` and `tune` extras).
_BLOCK_NEURAL = """
import importlib.abc, sys

class _Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"torch", "skorch", "optuna", "optuna_integration"}:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _Block())
"""

_CLASSICAL = """
import sys
import numpy as np
from skface.alignment import FaceExtractor
from skface.autoencoders import FaceAnonymizer
from skface.cli import main
from skface.datasets import load_sample_images
from skface.detection import HOGFaceDetector
from skface.features import DlibFaceEncoder
from skface.landmarks import LandmarkExtractor
from skface.restoration import TeleaInpainter

photo = load_sample_images().images[:1]
boxes = HOGFaceDetector().fit(photo).detect(photo)[0]
assert len(boxes) >= 1, boxes
landmarks = LandmarkExtractor().fit(photo).landmarks(photo)
assert np.isfinite(landmarks).all()
chips = FaceExtractor(output_size=64).fit(photo).transform(photo)
assert chips.shape == (1, 64, 64, 3)
assert DlibFaceEncoder().fit(photo).transform(photo).shape == (1, 128)
hole = np.zeros((1, 512, 512), bool)
hole[0, 100:120, 100:120] = True
TeleaInpainter().fit(photo).transform(photo, masks=hole)
out = FaceAnonymizer(method="blur").fit(photo).transform(photo)
assert (out != photo).any()
photo_path, tmp = sys.argv[1], sys.argv[2]
for argv in (
    ["detect", photo_path],
    ["encode", photo_path, "--out", tmp + "/faces.csv"],
    ["recognize", photo_path, photo_path],
    ["anonymize", photo_path, "--out", tmp + "/anon", "--method", "blur"],
):
    code = main([*argv, "--quiet"])
    assert code == 0, (argv, code)
try:
    from skface.neural import Face2VecClassifier
except ImportError as exc:
    neural = str(exc)
else:
    raise AssertionError("skface.neural imported without torch")
try:
    from skface.autoencoders import FaceAutoencoder
except ImportError as exc:
    autoencoder = str(exc)
else:
    raise AssertionError("FaceAutoencoder imported without torch")
try:
    FaceAnonymizer(method="generate").fit(photo)
except ImportError as exc:
    generate = str(exc)
else:
    raise AssertionError("method='generate' fitted without torch")
loaded = sorted({"torch", "skorch", "optuna"} & set(sys.modules))
print(repr((neural, autoencoder, generate, loaded)))
"""


def test_classical_parts_work_without_torch(tmp_path):
    """Detection, landmarks, alignment, features, classical inpainting and
    anonymisation and the CLI (detect, encode, recognize, anonymize --method
    blur) run where torch/skorch/optuna cannot be imported; a neural
    estimator then names the `neural` extra."""
    from PIL import Image

    from skface.datasets import load_sample_images

    known = tmp_path / "known"
    known.mkdir()
    path = known / "astronaut.png"
    Image.fromarray(load_sample_images().images[0]).save(path)
    out = subprocess.run(
        [sys.executable, "-c", _BLOCK_NEURAL + _CLASSICAL, str(known), str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    last = out.stdout.strip().splitlines()[-1]
    neural, autoencoder, generate, loaded = eval(last)  # noqa: S307 (our repr)
    for message in (neural, autoencoder, generate):
        assert 'pip install "skface[neural]"' in message
        assert "download.pytorch.org/whl/cpu" in message
    assert loaded == []
    assert (tmp_path / "anon" / "astronaut.png").is_file()
    assert (tmp_path / "faces.csv").read_text().startswith("source,face,left")


def test_top_level_shortcuts_load_lazily():
    code = (
        "import sys, skface; "
        "assert 'skface.recognition' not in sys.modules; "
        "from skface.recognition import FaceAnalyzer, FaceRecognizer; "
        "assert skface.FaceAnalyzer is FaceAnalyzer; "
        "assert skface.FaceRecognizer is FaceRecognizer; "
        "assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
