"""Boxes clipped to the image (``clip``), pandas output, batched CNN."""

import numpy as np
import pandas as pd
import pytest
from skimage.data import astronaut
from sklearn.utils._param_validation import InvalidParameterError

from skface.detection import CNNFaceDetector, HaarFaceDetector, HOGFaceDetector

# Crops of the astronaut photo in which her face is cut by the left border
# (the face spans x = 175..266 in the whole photo).
PARTIAL = {
    "hog": (HOGFaceDetector, np.s_[:, 210:]),
    "cnn": (CNNFaceDetector, np.s_[:300, 200:460]),
}


@pytest.fixture(scope="module")
def photo():
    return astronaut()


@pytest.mark.parametrize("name", sorted(PARTIAL))
def test_partial_face_box_is_clipped_by_default(name, photo):
    cls, crop = PARTIAL[name]
    img = np.ascontiguousarray(photo[crop])
    h, w = img.shape[:2]
    raw = cls(clip=False).fit([img]).detect([img])[0]
    assert len(raw) == 1 and raw[0, 0] < 0  # the detector's box leaves the image
    clipped = cls().fit([img]).detect([img])[0]
    assert clipped.shape == raw.shape
    left, top, right, bottom, score = clipped[0]
    assert 0 <= left < right <= w and 0 <= top < bottom <= h
    np.testing.assert_array_equal(clipped[0], [0, *raw[0, 1:]])  # only left moved
    assert img[int(top) : int(bottom), int(left) : int(right)].size > 0
    # transform follows clip too
    assert cls().fit([img]).transform([img])[0, 0] == 0
    assert cls(clip=False).fit([img]).transform([img])[0, 0] == raw[0, 0]


def test_clip_keeps_whole_faces_and_scores(photo):
    X = [photo, photo[::-1, ::-1].copy()]
    a = HOGFaceDetector().fit(X).detect(X)
    b = HOGFaceDetector(clip=False).fit(X).detect(X)
    for d_a, d_b in zip(a, b):
        np.testing.assert_array_equal(d_a, d_b)


def test_haar_boxes_lie_inside_the_image_either_way(photo):
    # OpenCV's cascade windows never leave the image: clip changes nothing.
    X = [photo[:300, 225:460].copy(), photo]
    a = HaarFaceDetector().fit(X).detect(X)
    b = HaarFaceDetector(clip=False).fit(X).detect(X)
    for img, d_a, d_b in zip(X, a, b):
        np.testing.assert_array_equal(d_a, d_b)
        assert np.all(d_a[:, :2] >= 0) and np.all(d_a[:, 2] <= img.shape[1])


@pytest.mark.parametrize("cls", [HOGFaceDetector, HaarFaceDetector, CNNFaceDetector])
def test_clip_is_validated(cls, photo):
    with pytest.raises(InvalidParameterError, match="clip"):
        cls(clip="yes").fit([photo[:64, :64]])


@pytest.mark.parametrize("cls", [HOGFaceDetector, HaarFaceDetector])
def test_set_output_pandas(cls, photo):
    X = [photo, np.zeros((64, 64, 3), np.uint8)]
    det = cls(on_missing="nan").fit(X)
    names = det.get_feature_names_out()
    assert names.tolist() == ["left", "top", "right", "bottom"]
    arr = det.transform(X)
    df = det.set_output(transform="pandas").transform(X)
    assert isinstance(df, pd.DataFrame) and df.columns.tolist() == names.tolist()
    np.testing.assert_array_equal(df.to_numpy(), arr)
    assert isinstance(det.set_output(transform="default").transform(X), np.ndarray)


def test_cnn_batches_match_single_images_and_dlib(photo):
    """face_recognition's batch_face_locations: same boxes as one by one."""
    import dlib

    from skface.datasets import get_model_path

    img = np.ascontiguousarray(photo[40:240, 120:320])
    X = [img, img[:, ::-1].copy(), img]
    det = CNNFaceDetector(batch_size=3).fit(X)
    batched = det.detect(X)
    single = [det.detect([x])[0] for x in X]
    for a, b in zip(batched, single):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    net = dlib.cnn_face_detection_model_v1(get_model_path("mmod_human_face_detector"))
    ref = net(X, 0, batch_size=128)
    for dets, found in zip(batched, ref, strict=True):
        assert len(dets) == len(found) == 1
        r = found[0].rect
        np.testing.assert_array_equal(
            dets[0, :4], [r.left(), r.top(), r.right() + 1, r.bottom() + 1]
        )
