"""Training a HOG detector on user boxes: fit(X, y=boxes)."""

import pickle

import numpy as np
import pytest
from skimage.data import astronaut
from skimage.transform import rescale

from skface.detection import HOGFaceDetector
from skface.metrics import average_precision, box_iou

pytest.importorskip("dlib")

# dlib HOG's box of astronaut's face inside the crop rows 40:210, cols 140:300.
PATCH_BOX = np.array([35.0, 36.0, 126.0, 127.0])


def scenes(scales, shape=(220, 260), seed=0):
    """Block-noise images with astronaut's face pasted at ``scales``."""
    rng = np.random.RandomState(seed)
    base = astronaut()[40:210, 140:300]
    images, boxes = [], []
    for s in scales:
        patch = (rescale(base, s, channel_axis=2) * 255).astype(np.uint8)
        cells = rng.uniform(0.2, 0.8, (shape[0] // 8 + 1, shape[1] // 8 + 1, 3))
        img = np.kron((cells * 255).astype(np.uint8), np.ones((8, 8, 1), np.uint8))
        img = np.ascontiguousarray(img[: shape[0], : shape[1]])
        y = rng.randint(0, shape[0] - patch.shape[0] + 1)
        x = rng.randint(0, shape[1] - patch.shape[1] + 1)
        img[y : y + patch.shape[0], x : x + patch.shape[1]] = patch
        images.append(img)
        boxes.append((PATCH_BOX * s + [x, y, x, y])[None])
    return images, boxes


@pytest.fixture(scope="module")
def trained():
    X, boxes = scenes([1.0, 0.9, 0.8, 1.0, 0.85])
    det = HOGFaceDetector(upsample=0, window_size=48, C=5.0).fit(X, boxes)
    return det, X, boxes


def test_trained_detector_finds_training_and_new_faces(trained):
    det, X, boxes = trained
    assert det.pretrained_ is False and det.n_filters_ == 1
    assert isinstance(det.detector_bytes_, bytes) and len(det.detector_bytes_) > 1000
    assert det.window_shape_ == (48, 48)
    assert det.score(X, boxes) == pytest.approx(1.0)
    X_new, boxes_new = scenes([0.95, 0.75], seed=1)
    assert det.score(X_new, boxes_new) == pytest.approx(1.0)
    noise = np.random.RandomState(2).randint(0, 256, (220, 260, 3)).astype(np.uint8)
    assert len(det.detect([noise])[0]) == 0
    pretrained = HOGFaceDetector(upsample=0).fit(X)
    assert pretrained.pretrained_ and pretrained.detector_bytes_ is None
    assert pretrained.n_filters_ == 5


def test_trained_detector_pickles_to_identical_detections(trained):
    det, X, _ = trained
    X_all = X + scenes([0.9], seed=3)[0]
    before = det.detect(X_all)
    restored = pickle.loads(pickle.dumps(det))
    assert restored.detector_bytes_ == det.detector_bytes_
    after = restored.detect(X_all)
    for a, b in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b)
    assert type(restored.detector_).__name__ == "fhog_object_detector"


def test_training_is_deterministic_and_uses_the_options(trained):
    det, X, boxes = trained
    again = HOGFaceDetector(upsample=0, window_size=48, C=5.0).fit(X, boxes)
    assert again.detector_bytes_ == det.detector_bytes_
    other = HOGFaceDetector(upsample=0, window_size=48, C=0.01).fit(X, boxes)
    assert other.detector_bytes_ != det.detector_bytes_


def test_one_box_per_image_array_as_y(trained):
    det, X, boxes = trained
    y = np.vstack(boxes[:3] + [np.full((1, 4), np.nan)])  # last: no face
    X4 = X[:3] + [np.zeros((220, 260, 3), np.uint8)]
    det2 = HOGFaceDetector(upsample=0, window_size=48).fit(X4, y)
    assert det2.score(X[3:], boxes[3:]) == pytest.approx(1.0)


def test_small_boxes_make_dlib_upsample_in_training():
    X, boxes = scenes([0.3, 0.32, 0.3], shape=(120, 140))  # faces of ~28 px
    det = HOGFaceDetector(upsample=0, window_size=64).fit(X, boxes)
    assert det.training_upsample_ == 1
    dets = det.detect(X)
    assert average_precision(boxes, dets) == pytest.approx(1.0)
    assert box_iou(dets[0][:1, :4], boxes[0])[0, 0] > 0.5
    with pytest.raises(ValueError, match="dlib could not train"):
        HOGFaceDetector(window_size=64, upsample_limit=0).fit(X, boxes)


@pytest.mark.parametrize(
    "y, match",
    [
        ([np.empty((0, 4))] * 2, "no box"),
        ([np.array([[10, 10, 90, 90]])], "1 entries but there are 2"),
        (np.array([0, 1]), r"one \(k_i, 4\) array per image"),
        ([np.array([[10, 10, 5, 90]]), np.empty((0, 4))], "inverted"),
        ([np.array([[10, 10, 90]]), np.empty((0, 4))], "shape"),
        ([np.array([[10, np.nan, 90, 90]]), np.empty((0, 4))], "non-finite"),
    ],
)
def test_bad_boxes_raise_value_error(y, match):
    X = [np.zeros((100, 100, 3), np.uint8)] * 2
    # train=True: a 1-D y of class labels is refused instead of keeping the
    # pretrained detector (which train='auto' does, see
    # tests/detection/test_pretrained_in_pipeline.py).
    with pytest.raises(ValueError, match=match):
        HOGFaceDetector(train=True).fit(X, y)


def test_train_false_keeps_pretrained_for_grid_search():
    from sklearn.model_selection import GridSearchCV

    # Faces of ~45 px: the pretrained detector needs one upsampling step.
    X, boxes = scenes([0.5, 0.5, 0.55, 0.5], shape=(120, 140))
    grid = GridSearchCV(HOGFaceDetector(train=False), {"upsample": [0, 1]}, cv=2)
    grid.fit(X, boxes)
    assert grid.best_estimator_.pretrained_
    assert grid.best_params_ == {"upsample": 1}
    np.testing.assert_allclose(grid.cv_results_["mean_test_score"], [0.0, 1.0])
    with pytest.raises(ValueError, match="needs the true boxes"):
        HOGFaceDetector(train=True).fit(X)
