"""DetectorMixin: one box per image, on_missing, select, score."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator

from skface.detection import DetectorMixin
from skface.utils import check_images


class ToyDetector(DetectorMixin, BaseEstimator):
    """Finds fixed boxes in images whose first pixel is bright."""

    def __init__(self, select="largest", on_missing="raise"):
        self.select = select
        self.on_missing = on_missing

    def fit(self, X, y=None):
        self.fitted_ = True
        return self

    def detect(self, X):
        out = []
        for img in check_images(X, stack=False):
            if img[0, 0, 0] > 127:
                out.append(np.array([[0, 0, 4, 4, 0.9], [1, 1, 9, 9, 0.2]]))
            else:
                out.append(np.zeros((0, 5)))
        return out


def _images():
    X = np.zeros((3, 10, 12, 3), np.uint8)
    X[[0, 2], 0, 0] = 255
    return X


def test_transform_selects_one_box_per_image():
    X = _images()
    boxes = ToyDetector(on_missing="nan").fit(X).transform(X)
    assert boxes.shape == (3, 4)
    np.testing.assert_array_equal(boxes[0], [1, 1, 9, 9])  # largest
    assert np.isnan(boxes[1]).all()
    best = ToyDetector(select="best", on_missing="whole").fit(X).transform(X)
    np.testing.assert_array_equal(best[0], [0, 0, 4, 4])
    np.testing.assert_array_equal(best[1], [0, 0, 12, 10])  # whole image (W, H)


def test_on_missing_raise_names_the_image():
    X = _images()
    with pytest.raises(ValueError, match=r"no face found in X\[1\]"):
        ToyDetector().fit(X).transform(X)


def test_bad_policy_values():
    X = _images()
    with pytest.raises(ValueError, match="on_missing"):
        ToyDetector(on_missing="drop").fit(X).transform(X)
    with pytest.raises(ValueError, match="select"):
        ToyDetector(select="first").fit(X).transform(X)


def test_score_is_average_precision():
    X = _images()
    truth = [np.array([[1, 1, 9, 9]]), np.zeros((0, 4)), np.array([[0, 0, 4, 4]])]
    det = ToyDetector().fit(X)
    # image 0: best-scored box is a false positive for its truth, image 2 the opposite
    assert 0 < det.score(X, truth) < 1
    assert det.fit_detect(X)[1].shape == (0, 5)
