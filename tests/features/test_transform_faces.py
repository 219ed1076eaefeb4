"""DlibFaceEncoder.transform_faces: every face of every photo, detected once."""

import joblib
import numpy as np
import pytest
from skimage.data import astronaut

from skface.detection import HOGFaceDetector
from skface.features import DlibFaceEncoder


class CountingDetector(HOGFaceDetector):
    """HOG detector that counts the images it is asked to search."""

    calls = []

    def detect(self, X):
        CountingDetector.calls.append(len(X))
        return super().detect(X)


@pytest.fixture(scope="module")
def photos():
    img = astronaut()
    two = np.concatenate([img[:300], img[:300, ::-1]], axis=1)  # two faces
    return [two, np.zeros((64, 64, 3), np.uint8), img[:300]]


def test_every_face_once_with_index_boxes_and_scores(photos):
    import dlib

    from skface.datasets import get_model_path

    CountingDetector.calls.clear()
    enc = DlibFaceEncoder(detector=CountingDetector()).fit(photos)
    rows = enc.transform_faces(photos)
    assert CountingDetector.calls[-1:] == [3] and len(CountingDetector.calls) == 1
    assert rows.image_index.tolist() == [0, 0, 2] and rows.n_images == 3
    assert rows.boxes.shape == (3, 4) and rows.embeddings.shape == (3, 128)
    assert rows.landmarks is None and rows.labels is None
    # the same embeddings as face_recognition's recipe: dlib's 5-point shape
    # in dlib's own detections, then compute_face_descriptor
    sp = dlib.shape_predictor(get_model_path("landmarks_5"))
    net = dlib.face_recognition_model_v1(get_model_path("face_encoder"))
    det = dlib.get_frontal_face_detector()
    for i in (0, 2):
        found = det(photos[i], 1)
        ref = [
            np.array(net.compute_face_descriptor(photos[i], sp(photos[i], r)))
            for r in found
        ]
        mine = rows.embeddings[rows.image_index == i]
        assert len(ref) == len(mine)
        for e in mine:  # order: skface sorts by score
            assert min(np.abs(e - r).max() for r in ref) < 1e-6
    # and the same as transform with the boxes one by one
    one = enc.transform([photos[i] for i in rows.image_index], boxes=rows.boxes)
    np.testing.assert_allclose(one, rows.embeddings)


def test_partial_face_clipped_box_raw_embedding():
    img = astronaut()[:, 210:]
    clipped = DlibFaceEncoder().fit([img]).transform_faces([img])
    raw = DlibFaceEncoder(detector=HOGFaceDetector(upsample=1, clip=False))
    raw = raw.fit([img]).transform_faces([img])
    assert clipped.boxes[0, 0] == 0 and raw.boxes[0, 0] < 0
    np.testing.assert_array_equal(clipped.embeddings, raw.embeddings)
    np.testing.assert_array_equal(clipped.boxes[:, 1:], raw.boxes[:, 1:])


def test_loky_and_threads_agree(photos):
    enc = DlibFaceEncoder().fit(photos)
    ref = enc.transform_faces(photos)
    with joblib.parallel_config(backend="loky", n_jobs=2):
        loky = enc.transform_faces(photos)
    with joblib.parallel_config(backend="threading", n_jobs=2):
        threads = enc.transform_faces(photos)
    for other in (loky, threads):
        np.testing.assert_array_equal(other.image_index, ref.image_index)
        np.testing.assert_array_equal(other.boxes, ref.boxes)
        np.testing.assert_allclose(other.embeddings, ref.embeddings)


def test_no_face_and_chips():
    blank = [np.zeros((64, 64, 3), np.uint8)]
    rows = DlibFaceEncoder().fit(blank).transform_faces(blank)
    assert len(rows) == 0 and rows.embeddings.shape == (0, 128)
    assert [len(e) for e in rows.split("embeddings")] == [0]
    with pytest.raises(ValueError, match="input='chips'"):
        DlibFaceEncoder(input="chips").fit(blank).transform_faces(blank)
