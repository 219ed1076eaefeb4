import numpy as np
import pytest

from skface.datasets import load_lfw_subset, load_sample_images


def test_load_sample_images():
    s = load_sample_images()
    assert s.names == ["astronaut", "camera"]
    assert len(s.images) == 2
    for img in s.images:
        assert img.shape == (512, 512, 3) and img.dtype == np.uint8
        assert img.flags.c_contiguous
    astronaut, camera = s.images
    assert not np.array_equal(astronaut[..., 0], astronaut[..., 1])  # colour
    np.testing.assert_array_equal(camera[..., 0], camera[..., 2])  # grey as RGB
    assert "astronaut" in s.DESCR and "camera" in s.DESCR


def test_sample_faces_as_documented():
    """dlib's frontal HOG finds the astronaut's face but not the cameraman's."""
    dlib = pytest.importorskip("dlib")
    astronaut, camera = load_sample_images().images
    detector = dlib.get_frontal_face_detector()
    best = max(detector(astronaut, 1), key=lambda r: r.area())
    assert 150 < best.center().x < 290 and 50 < best.center().y < 190
    assert len(detector(camera, 1)) == 0


def test_load_lfw_subset():
    lfw = load_lfw_subset()
    assert lfw.images.shape == (200, 25, 25)
    assert lfw.images.dtype.kind == "f"
    assert lfw.images.min() >= 0 and lfw.images.max() <= 1
    np.testing.assert_array_equal(lfw.target, np.r_[np.ones(100), np.zeros(100)])
    assert lfw.target_names.tolist() == ["non-face", "face"]
    assert "LFW" in lfw.DESCR
