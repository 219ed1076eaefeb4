"""Training a LandmarkExtractor on synthetic faces, and y / boxes validation."""

import pickle
import warnings

import numpy as np
import pytest

from skface.datasets import make_synthetic_faces
from skface.landmarks import LandmarkExtractor
from skface.landmarks._training import landmark_boxes, match_boxes
from skface.metrics._landmarks import landmark_error

TINY = dict(
    cascade_depth=4,
    num_trees_per_cascade_level=30,
    oversampling_amount=5,
    random_state=0,
)


@pytest.fixture(scope="module")
def faces():
    return make_synthetic_faces(36, size=80, random_state=0)


@pytest.fixture(scope="module")
def split(faces):
    X, y, b = faces.images, faces.landmarks, faces.boxes
    return (X[:28], y[:28], b[:28]), (X[28:], y[28:], b[28:])


def _mean_shape_baseline(y_train, b_train, b_test):
    """Mean shape, relative to the box, placed in each test box."""
    size = b_train[:, None, 2:] - b_train[:, None, :2]
    mean = ((y_train - b_train[:, None, :2]) / size).mean(axis=0)
    return b_test[:, None, :2] + mean * (b_test[:, None, 2:] - b_test[:, None, :2])


@pytest.fixture(scope="module")
def trained(split):
    (X, y, b), _ = split
    return LandmarkExtractor(**TINY).fit(X, y, boxes=b)


def test_training_beats_mean_shape_baseline(split, trained):
    (X, y, b), (Xt, yt, bt) = split
    assert trained.model_path_ is None and isinstance(trained.model_bytes_, bytes)
    train_err = -trained.score(X, y, boxes=b)
    test_err = -trained.score(Xt, yt, boxes=bt)
    base_train = landmark_error(y, _mean_shape_baseline(y, b, b))
    base_test = landmark_error(yt, _mean_shape_baseline(y, b, bt))
    assert base_train > 0.05 and base_test > 0.05  # the task is not trivial
    assert train_err < 0.4 * base_train
    assert test_err < 0.8 * base_test


def test_training_is_deterministic_and_pickles(split, trained):
    (X, y, b), (Xt, _, bt) = split
    again = LandmarkExtractor(**TINY).fit(X, y, boxes=b)
    assert again.model_bytes_ == trained.model_bytes_
    two = LandmarkExtractor(**TINY, n_jobs=2).fit(X, y, boxes=b)
    assert (
        two.model_bytes_
        == LandmarkExtractor(**TINY, n_jobs=2).fit(X, y, boxes=b).model_bytes_
    )
    flat = LandmarkExtractor(**TINY).fit(X, y.reshape(len(y), -1), boxes=b)
    assert flat.model_bytes_ == trained.model_bytes_  # (n, 2p) == (n, p, 2)
    other = LandmarkExtractor(**{**TINY, "random_state": 1}).fit(X, y, boxes=b)
    assert other.model_bytes_ != trained.model_bytes_
    before = trained.transform(Xt, boxes=bt)
    restored = pickle.loads(pickle.dumps(trained))
    np.testing.assert_array_equal(restored.transform(Xt, boxes=bt), before)


def test_training_boxes_from_detector(split):
    (X, y, b), (Xt, yt, bt) = split
    det = LandmarkExtractor(**TINY).fit(X, y)  # boxes from the HOG detector
    lmk = LandmarkExtractor(**TINY, train_boxes="landmarks").fit(X, y)
    # Used through the detector, a predictor trained on detector boxes is
    # much better than one trained on landmark boxes.
    err_det, err_lmk = -det.score(X, y), -lmk.score(X, y)
    assert err_det < 0.5 * err_lmk
    assert -lmk.score(X, y, boxes=landmark_boxes(y)) < 0.5 * err_lmk


def test_match_boxes_fills_missed_faces():
    y = np.array([[[10.0, 10.0], [30.0, 40.0]], [[50.0, 50.0], [70.0, 80.0]]])
    tight = landmark_boxes(y, padding=0.0)
    dets = [np.array([[8.0, 5.0, 34.0, 37.0, 1.0]]), np.empty((0, 5))]
    boxes, matched = match_boxes(dets, y)
    assert matched.tolist() == [True, False]
    np.testing.assert_array_equal(boxes[0], dets[0][0, :4])
    rel = (boxes[0] - tight[0]) / np.tile(tight[0, 2:] - tight[0, :2], 2)
    np.testing.assert_allclose(
        boxes[1], tight[1] + rel * np.tile(tight[1, 2:] - tight[1, :2], 2)
    )


def test_training_warns_or_raises_when_detector_misses_faces(split):
    (X, y, _), _ = split
    X = X[:8].copy()
    X[:2] = 128  # faces wiped out: the detector cannot find them
    with pytest.warns(UserWarning, match=r"missed 2 of 8 training faces"):
        LandmarkExtractor(**TINY).fit(X, y[:8])
    with pytest.raises(ValueError, match="found none of the 2 training faces"):
        LandmarkExtractor(**TINY).fit(X[:2], y[:2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LandmarkExtractor(**TINY, train_boxes="landmarks").fit(X[:2], y[:2])


def test_photo_with_several_faces_is_one_training_image(split):
    (X, y, b), _ = split
    # Two faces side by side in one photo, passed once per face.
    photo = np.ascontiguousarray(np.hstack([X[0], X[1]]))
    y2 = np.stack([y[0], y[1] + [80, 0]])
    b2 = np.stack([b[0], b[1] + [80, 0, 80, 0]])
    est = LandmarkExtractor(**TINY).fit([photo, photo], y2, boxes=b2)
    assert est.transform([photo, photo], boxes=b2).shape == (2, 136)
    assert -est.score([photo, photo], y2, boxes=b2) < 0.05


@pytest.mark.parametrize(
    "y, match",
    [
        (np.zeros((6, 68, 2))[:5], "5 samples but there are 6 images"),
        (np.zeros((6, 5, 2)), "5 points per face; expected 68"),
        (np.zeros((6, 135)), "even number"),
        (np.zeros((6, 68, 3)), "expected"),
        (np.full((6, 68, 2), np.nan), r"y\[0\] contains non-finite"),
        ([["a"] * 136] * 6, "numeric"),
    ],
)
def test_bad_y_raises(faces, y, match):
    with pytest.raises(ValueError, match=match):
        LandmarkExtractor(**TINY).fit(faces.images[:6], y)


def test_class_labels_as_y_keep_the_pretrained_model(faces):
    """A Pipeline passes class labels to every step's fit: they are ignored."""
    est = LandmarkExtractor(**TINY).fit(faces.images[:6], np.arange(6) % 2)
    assert est.model_path_.endswith("shape_predictor_68_face_landmarks.dat")
    assert est.model_bytes_ is None


def test_bad_training_boxes_raise(faces):
    X, y = faces.images[:6], faces.landmarks[:6]
    with pytest.raises(ValueError, match="5 boxes but there are 6 images"):
        LandmarkExtractor(**TINY).fit(X, y, boxes=faces.boxes[:5])
    bad = faces.boxes[:6].copy()
    bad[2, 2] = bad[2, 0] - 1
    with pytest.raises(ValueError, match=r"boxes\[2\]"):
        LandmarkExtractor(**TINY).fit(X, y, boxes=bad)


def test_train_custom_number_of_points(split):
    (X, y, b), (Xt, yt, bt) = split
    pts = [36, 39, 42, 45, 30, 48, 54]  # 7 points: eye corners, nose, mouth
    est = LandmarkExtractor(7, **TINY).fit(X, y[:, pts], boxes=b)
    assert est.transform(Xt, boxes=bt).shape == (len(Xt), 14)
    assert est.get_feature_names_out()[-1] == "y6"
    score = est.score(X, y[:, pts], boxes=b)  # normalised by the diagonal
    assert -0.1 < score <= 0
