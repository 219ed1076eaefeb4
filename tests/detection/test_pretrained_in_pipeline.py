"""Pretrained detectors as Pipeline steps: class labels ``y`` are not boxes.

Inside a :class:`~sklearn.pipeline.Pipeline`, every step's ``fit`` receives
the ``y`` meant for the final classifier. A 1-D ``y`` (one class label per
image) must keep the pretrained detector, as ``LandmarkExtractor`` does,
instead of being read as training boxes.
"""

import numpy as np
import pytest
from skimage.data import astronaut
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skface.detection import CNNFaceDetector, HaarFaceDetector, HOGFaceDetector


@pytest.fixture(scope="module")
def photos():
    face = np.ascontiguousarray(astronaut()[:256, 64:320])
    mirrored = np.ascontiguousarray(face[:, ::-1])
    blank = np.full_like(face, 127)
    return np.stack([face, mirrored, blank, face])


@pytest.mark.parametrize(
    "make",
    [
        lambda: HOGFaceDetector(on_missing="whole"),
        lambda: HaarFaceDetector(on_missing="whole"),
        lambda: CNNFaceDetector(on_missing="whole"),
    ],
    ids=["hog", "haar", "cnn"],
)
def test_detector_then_classifier_pipeline_with_default_train(make, photos):
    y = np.array([0, 1, 0, 1])
    pipe = make_pipeline(make(), LogisticRegression()).fit(photos, y)
    det = pipe[0]
    assert getattr(det, "pretrained_", True)
    # The detector in the pipeline gives the same boxes as a plain one.
    plain = make().fit(photos)
    np.testing.assert_array_equal(det.transform(photos), plain.transform(photos))
    assert pipe.predict(photos).shape == (4,)


def test_hog_one_dimensional_y_keeps_the_pretrained_detector(photos):
    det = HOGFaceDetector().fit(photos, np.array([1, 0, 1, 0]))
    assert det.pretrained_ and det.detector_bytes_ is None
    assert det.n_filters_ == 5
    # A list of string labels, and a pandas Series, too.
    det = HOGFaceDetector().fit(photos, ["a", "b", "a", "b"])
    assert det.pretrained_
    pd = pytest.importorskip("pandas")
    det = HOGFaceDetector().fit(photos, pd.Series([1, 0, 1, 0]))
    assert det.pretrained_


def test_hog_train_true_with_labels_says_y_must_be_boxes(photos):
    with pytest.raises(ValueError, match="boxes"):
        HOGFaceDetector(train=True).fit(photos, np.array([1, 0, 1, 0]))


def test_hog_still_trains_on_boxes_with_train_auto(photos):
    # A list of one (k_i, 4) array per image keeps meaning "train".
    y = [np.array([[60.0, 40.0, 200.0, 180.0]])] * 2
    det = HOGFaceDetector(window_size=40, upsample_limit=0, max_train_time=20)
    det.fit(photos[:2], y)
    assert not det.pretrained_ and det.detector_bytes_ is not None
