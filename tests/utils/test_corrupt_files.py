"""Broken files at the door: every one is a ValueError naming the file.

Decompression bombs (Pillow's ``DecompressionBombError``), corrupt OpenCV
cascades (``SystemError`` from ``cv2.CascadeClassifier``), corrupt dlib
model files (``RuntimeError`` from dlib) and folders passed where a file is
expected must not leak library-specific exceptions or a misleading "does
not exist" (issue 10, section 5.6 and 5.8).
"""

import os
import warnings

import numpy as np
import pytest
from PIL import Image

from skface.datasets import ModelNotFoundError, get_model_path
from skface.utils import check_images, read_image

# --------------------------------------------------------------- images


@pytest.fixture
def png(tmp_path):
    path = tmp_path / "photo.png"
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(path)
    return path


def test_decompression_bomb_is_a_value_error_naming_the_file(png, monkeypatch):
    # 64 * 64 = 4096 pixels, over twice the limit: Pillow raises its own
    # DecompressionBombError (not an OSError) on open.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ValueError, match=r"photo\.png.*decompression bomb"):
        read_image(png)
    with pytest.raises(ValueError, match=r"X\[1\].*photo\.png"):
        check_images([np.zeros((8, 8, 3), np.uint8), png])


def test_decompression_bomb_warning_names_the_file(png, monkeypatch):
    # Between the limit and twice the limit Pillow only warns: the image is
    # read, and the warning says which file it is about.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 3000)
    with pytest.warns(Image.DecompressionBombWarning, match=r"photo\.png"):
        img = read_image(png)
    assert img.shape == (64, 64, 3)


def test_folder_instead_of_an_image_file(tmp_path):
    with pytest.raises(ValueError, match="is a folder, not an image file"):
        read_image(tmp_path)
    with pytest.raises(ValueError, match=r"X\[0\].*is a folder"):
        check_images([tmp_path])
    with pytest.raises(ValueError, match="does not exist"):
        read_image(tmp_path / "nope.png")


# ------------------------------------------------------------- cascades


def _cascade_bytes(kind):
    cv2 = pytest.importorskip("cv2")
    path = os.path.join(cv2.data.haarcascades, "haarcascade_frontalface_default.xml")
    with open(path, "rb") as fh:
        data = fh.read()
    return {
        "truncated": data[: len(data) // 2],
        "garbage": bytes(range(256)) * 8,
        "empty": b"",
        "other_xml": b"<?xml version='1.0'?><opencv_storage><a>1</a></opencv_storage>",
    }[kind]


@pytest.mark.parametrize("kind", ["truncated", "garbage", "empty", "other_xml"])
def test_corrupt_haar_cascade_is_a_value_error(tmp_path, kind):
    from skface.detection import HaarFaceDetector

    path = tmp_path / f"cascade_{kind}.xml"
    path.write_bytes(_cascade_bytes(kind))
    X = np.zeros((1, 32, 32, 3), np.uint8)
    with pytest.raises(ValueError, match=f"cascade_{kind}.xml"):
        HaarFaceDetector(cascade=str(path)).fit(X)


def test_haar_cascade_folder_says_folder(tmp_path):
    from skface.detection import HaarFaceDetector

    X = np.zeros((1, 32, 32, 3), np.uint8)
    with pytest.raises(ValueError, match="is a folder"):
        HaarFaceDetector(cascade=str(tmp_path)).fit(X)


# ---------------------------------------------------------- dlib models


def _corrupt_model(tmp_path, name, how):
    data = open(get_model_path(name), "rb").read()
    path = tmp_path / f"{how}_{name}.dat"
    path.write_bytes({"truncated": data[: len(data) // 2], "garbage": data[:100]}[how])
    return str(path)


def _landmarks(path):
    from skface.landmarks import LandmarkExtractor

    return LandmarkExtractor(model_path=path)


def _cnn(path):
    from skface.detection import CNNFaceDetector

    return CNNFaceDetector(model_path=path)


def _encoder(path):
    from skface.features import DlibFaceEncoder

    return DlibFaceEncoder(input="chips", model_path=path)


def _encoder_shape(path):
    from skface.features import DlibFaceEncoder

    return DlibFaceEncoder(shape_model_path=path)


@pytest.mark.parametrize("how", ["truncated", "garbage"])
@pytest.mark.parametrize(
    "make, model",
    [
        (_landmarks, "landmarks_5"),
        (_cnn, "mmod"),
        (_encoder, "face_encoder"),
        (_encoder_shape, "landmarks_5"),
    ],
    ids=["landmarks", "cnn", "encoder", "encoder_shape_model"],
)
def test_corrupt_dlib_model_is_a_value_error(tmp_path, make, model, how):
    path = _corrupt_model(tmp_path, model, how)
    X = np.zeros((1, 150, 150, 3), np.uint8)
    with pytest.raises(ValueError, match=os.path.basename(path)):
        make(path).fit(X)


def test_model_folder_says_folder(tmp_path):
    with pytest.raises(ValueError, match="is a folder, not a model file"):
        get_model_path(tmp_path)
    # Still a FileNotFoundError for code that catches that.
    with pytest.raises(FileNotFoundError):
        get_model_path(tmp_path / "missing.dat")
    assert issubclass(ModelNotFoundError, ValueError)


def test_no_warning_for_ordinary_images(png):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_image(png)
