"""Detectors search large photos on a shrunk copy (``max_size``)."""

import numpy as np
import pytest
from skimage.data import astronaut
from skimage.transform import rescale

from skface.detection import CNNFaceDetector, HaarFaceDetector, HOGFaceDetector
from skface.detection._common import detect_shrunk


def test_detect_shrunk_scales_boxes_back():
    images = [np.zeros((400, 300), np.uint8), np.zeros((50, 60), np.uint8)]
    seen = []

    def detect(ims):
        seen.extend(im.shape for im in ims)
        return [np.array([[10.0, 20.0, 30.0, 40.0, 1.0]]) for _ in ims]

    dets = detect_shrunk(images, 100, detect)
    assert seen == [(100, 75), (50, 60)]  # the small image is left alone
    np.testing.assert_allclose(dets[0], [[40, 80, 120, 160, 1]])
    np.testing.assert_allclose(dets[1], [[10, 20, 30, 40, 1]])
    assert detect_shrunk(images, None, detect)[0].shape == (1, 5)


@pytest.fixture(scope="module")
def big_photo():
    # The astronaut at 3x: 1536 x 1536, her face about 400 pixels wide.
    return (rescale(astronaut(), 3, channel_axis=2, order=1) * 255).astype(np.uint8)


@pytest.mark.parametrize("cls", [HOGFaceDetector, HaarFaceDetector])
def test_large_photo_is_searched_small_and_boxes_agree(cls, big_photo, monkeypatch):
    import skface.detection._haar as haar
    import skface.detection._hog as hog

    module, attr = (hog, "_run_hog") if cls is HOGFaceDetector else (haar, "_run_haar")
    shapes = []
    real = getattr(module, attr)

    def spy(image, *args, **kwargs):
        shapes.append(image.shape[:2])
        return real(image, *args, **kwargs)

    monkeypatch.setattr(module, attr, spy)
    params = {"upsample": 0} if cls is HOGFaceDetector else {}
    small = cls(max_size=512, **params).detect([big_photo])[0]
    full = cls(max_size=None, **params).detect([big_photo])[0]
    assert shapes == [(512, 512), (1536, 1536)]
    assert len(small) and len(full)
    a, b = small[0, :4], full[0, :4]
    inter = np.prod(
        np.clip(np.minimum(a[2:], b[2:]) - np.maximum(a[:2], b[:2]), 0, None)
    )
    union = np.prod(a[2:] - a[:2]) + np.prod(b[2:] - b[:2]) - inter
    assert inter / union > 0.6


def test_max_size_is_validated_and_defaults():
    for cls in (HOGFaceDetector, HaarFaceDetector):
        assert cls().max_size == 1600
    # The CNN costs about 8x HOG per pixel: a smaller default keeps a
    # 6000x4000 photo under 5 s (benchmarks/RESULTS.md).
    assert CNNFaceDetector().max_size == 800
    with pytest.raises(ValueError, match="max_size"):
        HOGFaceDetector(max_size=0).detect([np.zeros((20, 20), np.uint8)])


def test_cnn_docstring_states_the_default_max_size():
    doc = CNNFaceDetector.__doc__
    default = CNNFaceDetector().max_size
    assert f"max_size : int or None, default={default}\n" in doc
    # The trade-off is written with the same number.
    assert f"90 / {default}" in doc


def test_cnn_searches_a_large_photo_on_a_shrunk_copy(monkeypatch):
    import skface.detection._cnn as cnn

    seen = []

    def fake_batch(batch, path, upsample, threshold):
        seen.extend(im.shape for im in batch)
        # One detection in the middle of the copy it was given.
        return [np.array([[100.0, 50.0, 300.0, 250.0, 1.0]]) for _ in batch]

    monkeypatch.setattr(cnn, "_run_cnn_batch", fake_batch)
    photo = np.zeros((1500, 3000, 3), np.uint8)
    det = CNNFaceDetector()
    boxes = det.detect([photo, photo[:600, :700]])
    assert seen == [(400, 800, 3), (600, 700, 3)]  # default 800; small as is
    np.testing.assert_allclose(boxes[0], [[375, 187.5, 1125, 937.5, 1]])
    np.testing.assert_allclose(boxes[1], [[100, 50, 300, 250, 1]])
    seen.clear()
    CNNFaceDetector(max_size=None).detect([photo])
    assert seen == [(1500, 3000, 3)]
