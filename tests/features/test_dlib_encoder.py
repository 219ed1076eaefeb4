"""Tests for DlibFaceEncoder (dlib's 128-d ResNet face embeddings).

Same person: the astronaut photo, mirrored, cropped, grey, 16-bit and RGBA
versions. Other people: faces of scikit-image's LFW subset, enlarged from
25x25 to 200x200 so that dlib's HOG detector finds them. dlib's rule is that
two photos of one person lie closer than 0.6.
"""

import pickle

import numpy as np
import pytest
from skimage import data
from skimage.transform import resize
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC

from skface.features import DlibFaceEncoder

THRESHOLD = 0.6


def _dist(a, b):
    return np.linalg.norm(np.asarray(a) - np.asarray(b), axis=-1)


@pytest.fixture(scope="module")
def astronaut():
    return data.astronaut()


@pytest.fixture(scope="module")
def others():
    """Four LFW faces (different people) as 200x200 uint8 RGB photos."""
    lfw = data.lfw_subset()
    photos = []
    for i in (0, 1, 3, 5):
        face = np.clip(resize(lfw[i], (200, 200)), 0, 1)
        photos.append(np.repeat((face[..., None] * 255).round().astype(np.uint8), 3, 2))
    return photos


@pytest.fixture(scope="module")
def encoded(astronaut):
    ast = astronaut
    rgba = np.dstack([ast, np.full(ast.shape[:2], 255, np.uint8)])
    photos = [
        ast,
        ast[:, ::-1],  # mirrored, non-contiguous view
        ast[10:300, 100:350],  # crop, non-contiguous view
        np.asarray(ast.mean(axis=2), dtype=np.uint8),  # grey (H, W)
        ast.astype(np.uint16) * 257,  # 16-bit
        rgba,
    ]
    enc = DlibFaceEncoder().fit(photos)
    return enc, enc.transform(photos)


@pytest.fixture(scope="module")
def chip(astronaut):
    """The astronaut's face chip aligned by dlib itself."""
    import dlib

    from skface.datasets import get_model_path

    predictor = dlib.shape_predictor(get_model_path("landmarks_5"))
    rect = dlib.get_frontal_face_detector()(astronaut, 1)[0]
    return dlib.get_face_chip(astronaut, predictor(astronaut, rect))


def test_same_person_closer_than_threshold(encoded):
    enc, E = encoded
    assert E.shape == (6, 128) and E.dtype == np.float64
    assert np.isfinite(E).all()
    D = _dist(E[:, None], E[None])
    assert D.max() < THRESHOLD, D.round(3)
    assert D[0, 1] > 0.01  # mirroring does change the embedding a little
    # Exact conversions: 16-bit and RGBA give the uint8 result.
    np.testing.assert_allclose(E[4], E[0], atol=1e-6)
    np.testing.assert_allclose(E[5], E[0], atol=1e-6)


def test_other_people_farther_than_threshold(encoded, others):
    _, E = encoded
    O = DlibFaceEncoder().fit_transform(others)
    assert np.isfinite(O).all()
    assert _dist(O[:, None], E[None]).min() > THRESHOLD
    D = _dist(O[:, None], O[None])
    assert D[~np.eye(4, dtype=bool)].min() > 0.3  # four different people


def test_chips_input_matches_photos(encoded, chip, others):
    _, E = encoded
    enc = DlibFaceEncoder("chips").fit([chip])
    C = enc.transform([chip, resize(chip, (200, 200)), resize(chip, (100, 120))])
    np.testing.assert_allclose(C[0], E[0], atol=1e-6)  # the same computation
    assert _dist(C[1:], E[0]).max() < 0.2  # resized chips are brought to 150
    lfw_chips = [resize(face, (150, 150)) for face in data.lfw_subset()[:2]]
    assert _dist(enc.transform(lfw_chips), E[0]).min() > THRESHOLD


def test_jitter_reproducible_and_pickles(chip):
    chips = [chip, chip[:, ::-1]]
    enc = DlibFaceEncoder("chips", num_jitters=3, random_state=0).fit(chips)
    J = enc.transform(chips)
    again = pickle.loads(pickle.dumps(enc))
    # Same draws after pickling, and a face's embedding does not depend on
    # the rest of the batch.
    np.testing.assert_array_equal(again.transform(chips[1:]), J[1:])
    plain = DlibFaceEncoder("chips").fit(chips).transform(chips[:1])
    assert 0 < _dist(J[0], plain[0]) < 0.3
    other = enc.set_params(random_state=1).transform(chips[:1])
    assert np.abs(other[0] - J[0]).max() > 0


def test_on_missing_policies(astronaut):
    rng = np.random.RandomState(0)
    photos = [
        astronaut,
        rng.randint(0, 256, size=(120, 160, 3)).astype(np.uint8),  # noise
        np.zeros((20, 20, 3), dtype=np.uint8),  # smaller than the window
    ]
    with pytest.raises(ValueError, match=r"no face found in X\[1\] \(120x160"):
        DlibFaceEncoder().fit_transform(photos)
    E = DlibFaceEncoder(on_missing="nan").fit_transform(photos)
    assert E.shape == (3, 128)
    assert np.isfinite(E[0]).all() and np.isnan(E[1:]).all()
    W = DlibFaceEncoder(on_missing="whole").fit_transform(photos)
    assert np.isfinite(W).all()
    np.testing.assert_array_equal(W[0], E[0])


def test_given_detector_and_frozen_detector(astronaut):
    from skface.detection import HOGFaceDetector

    det = HOGFaceDetector(upsample=0)
    enc = DlibFaceEncoder(detector=det).fit([astronaut])
    assert enc.detector_ is not det and enc.detector_.upsample == 0
    E = enc.transform([astronaut])
    frozen = FrozenEstimator(HOGFaceDetector(upsample=0).fit([astronaut]))
    F = DlibFaceEncoder(detector=frozen).fit([astronaut]).transform([astronaut])
    np.testing.assert_array_equal(E, F)
    with pytest.raises(ValueError, match="detector"):
        DlibFaceEncoder(detector="hog").fit([astronaut])


def test_pipeline_on_a_folder_of_photos(tmp_path, astronaut, others):
    from PIL import Image

    bright = np.clip(astronaut * 1.3, 0, 255).astype(np.uint8)
    photos = [astronaut, others[0], astronaut[:, ::-1], others[0][:, ::-1]]
    paths = []
    for i, photo in enumerate([*photos, bright, others[0][20:, 10:]]):
        paths.append(str(tmp_path / f"photo_{i}.png"))
        Image.fromarray(np.ascontiguousarray(photo)).save(paths[-1])
    pipe = make_pipeline(DlibFaceEncoder(), SVC()).fit(paths[:4], [0, 1, 0, 1])
    assert pipe.predict(paths[4:]).tolist() == [0, 1]


def test_parallel_matches_serial(chip):
    chips = [chip, chip[:, ::-1], chip[5:, 5:], chip[:-5]]
    serial = DlibFaceEncoder("chips", batch_size=1).fit(chips).transform(chips)
    par = DlibFaceEncoder("chips", batch_size=1, n_jobs=2).fit(chips).transform(chips)
    np.testing.assert_allclose(par, serial, atol=1e-6)


def test_names_validation_and_unfitted(chip):
    enc = DlibFaceEncoder("chips")
    unfitted = enc.transform([chip])  # pretrained models: no fit needed (issue 10)
    enc.fit([chip])
    np.testing.assert_array_equal(enc.transform([chip]), unfitted)
    names = enc.get_feature_names_out()
    assert len(names) == 128 and names[0] == "dlibfaceencoder0"
    assert enc.detector_ is None and enc.n_features_out_ == 128
    with pytest.raises(ValueError, match="input"):
        DlibFaceEncoder("video").fit([chip])
    with pytest.raises(FileNotFoundError, match="does not exist"):
        DlibFaceEncoder("chips", model_path="/nonexistent/model.dat").fit([chip])
    with pytest.raises(ValueError, match="2-D array"):
        enc.transform(np.zeros((5, 7)))
    assert "_POOL" not in pickle.dumps(enc).decode("latin-1")


def test_given_boxes_skip_the_detector_and_match():
    from skimage.data import astronaut

    from skface.detection import HOGFaceDetector
    from skface.features import DlibFaceEncoder

    X = astronaut()[None]
    enc = DlibFaceEncoder(on_missing="nan").fit(X)
    boxes = HOGFaceDetector(upsample=1).fit(X).transform(X)
    np.testing.assert_allclose(enc.transform(X, boxes=boxes), enc.transform(X))
    nan = enc.transform(
        np.concatenate([X, X]), boxes=np.vstack([boxes, np.full(4, np.nan)])
    )
    assert np.isfinite(nan[0]).all() and np.isnan(nan[1]).all()
    with pytest.raises(ValueError, match="boxes"):
        enc.transform(X, boxes=np.zeros((2, 4)))
