"""FaceAnonymizer(method='fill'|'blur'|'pixelate'): no training, every face,
the whole face region (jaw line to forehead)."""

import numpy as np
import pytest

from skface.autoencoders import FaceAnonymizer
from skface.autoencoders._obscure import face_region, obscure_faces
from skface.datasets import load_sample_images
from skface.landmarks import LandmarkExtractor


@pytest.fixture(scope="module")
def astronaut():
    return load_sample_images().images[0]


@pytest.fixture(scope="module")
def two_faces(astronaut):
    """Two copies of the astronaut's head side by side: two real faces."""
    head = astronaut[20:260, 110:330]
    return np.ascontiguousarray(np.concatenate([head, head[:, ::-1]], axis=1))


@pytest.fixture(scope="module")
def landmarks(astronaut):
    return LandmarkExtractor().fit([astronaut]).landmarks([astronaut])[0]


def test_default_is_fill_and_needs_no_training(astronaut):
    anon = FaceAnonymizer()
    assert anon.method == "fill"
    anon.fit([astronaut])
    assert anon.decoder_ is None and anon.n_faces_fit_ == 0


@pytest.mark.parametrize("method", ["fill", "blur", "pixelate"])
def test_every_face_of_a_photo_is_obscured(two_faces, method):
    result = FaceAnonymizer(method=method).fit([two_faces]).anonymize([two_faces])
    assert result.n_faces.tolist() == [2]
    out = result.images[0]
    changed = np.abs(out.astype(int) - two_faces.astype(int)).max(axis=2) > 0
    half = two_faces.shape[1] // 2
    for side in (slice(0, half), slice(half, None)):
        mask = result.masks[0][:, side]
        assert mask.sum() > 5000  # a face-sized region on each side
        assert changed[:, side][mask].mean() > 0.95


def test_region_covers_jaw_line_and_forehead(astronaut, landmarks):
    region = face_region(landmarks, astronaut.shape)
    x, y = np.round(landmarks).astype(int).T
    assert region[y, x].all()  # every landmark, the jaw line (0-16) included
    eyes_y = landmarks[36:48, 1].mean()
    chin_y = landmarks[8, 1]
    brow_x = int(landmarks[17:27, 0].mean())
    # the forehead above the eyebrows, up to half the eye-to-chin height
    top = int(landmarks[17:27, 1].min() - 0.5 * (chin_y - eyes_y))
    assert region[top, brow_x]
    # but not the whole photo
    assert region.mean() < 0.2


@pytest.mark.parametrize("method", ["fill", "blur", "pixelate"])
def test_pixels_outside_the_feathered_edge_are_untouched(astronaut, landmarks, method):
    region = face_region(landmarks, astronaut.shape)
    out = obscure_faces(astronaut, [region], method)
    assert out.dtype == astronaut.dtype and out.shape == astronaut.shape
    assert (out[400:] == astronaut[400:]).all()  # the suit, far below
    assert (out[region] != astronaut[region]).any(axis=-1).mean() > 0.9
    if method == "fill":  # nothing of the face is left
        assert len(np.unique(out[region].reshape(-1, 3), axis=0)) == 1


def test_photo_without_face_follows_on_missing(astronaut):
    blank = np.full((80, 80, 3), 128, np.uint8)
    with pytest.raises(ValueError, match="no face found in X\\[0\\]"):
        FaceAnonymizer(method="blur").fit([blank]).transform([blank])
    kept = FaceAnonymizer(method="blur", on_missing="keep").fit([blank])
    assert (kept.transform([blank])[0] == blank).all()
    whole = FaceAnonymizer(method="fill", on_missing="whole").fit([blank])
    assert whole.anonymize([blank]).masks[0].all()


def test_generate_needs_fit():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        FaceAnonymizer(method="generate").transform(np.zeros((1, 64, 64, 3)))
