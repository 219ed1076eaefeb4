"""Anonymisation report (runs detector, encoder, landmarks) on known edits."""

import numpy as np
import pytest
from skimage.data import astronaut

from skface.autoencoders import (
    anonymization_report,
    identity_change_rate,
    identity_distance,
    landmark_shift,
)

BOX = np.array([[166.0, 47.0, 255.0, 136.0]])  # roughly dlib's box on her face


@pytest.fixture(scope="module")
def photo():
    return astronaut()


@pytest.fixture(scope="module")
def edits(photo):
    rng = np.random.RandomState(0)
    noisy = np.clip(photo + rng.normal(0, 2, photo.shape), 0, 255).astype(np.uint8)
    erased = photo.copy()  # the face painted over with its mean colour
    l, t, r, b = BOX[0].astype(int)
    erased[t:b, l:r] = photo[t:b, l:r].reshape(-1, 3).mean(0).astype(np.uint8)
    shifted = photo.copy()  # everything moved 6 pixels to the right
    shifted[:, 6:] = photo[:, :-6]
    return noisy, erased, shifted


def test_identity(photo, edits):
    noisy, erased, _ = edits
    X = np.stack([photo, photo, photo])
    Y = np.stack([photo, noisy, erased])
    d = identity_distance(X, Y, boxes=np.repeat(BOX, 3, 0))
    assert d[0] == 0 and d[1] < 0.3 and d[2] > 0.6
    assert identity_change_rate(X, Y, boxes=np.repeat(BOX, 3, 0)) == pytest.approx(
        1 / 3
    )
    # a row without a face box is left out
    boxes = np.vstack([BOX, BOX, [[np.nan] * 4]])
    assert identity_change_rate(X, Y, boxes=boxes) == 0.0
    assert np.isnan(identity_distance(X, Y, boxes=boxes)[2])


def test_landmark_shift(photo, edits):
    _, _, shifted = edits
    X = np.stack([photo, photo])
    err = landmark_shift(
        X, np.stack([photo, shifted]), boxes=np.repeat(BOX, 2, 0), average=False
    )
    assert err[0] == 0
    # 6 pixels over an inter-ocular distance of a few tens of pixels
    assert 0.05 < err[1] < 0.5


def test_report(photo, edits):
    noisy, erased, _ = edits
    hole = np.zeros(photo.shape[:2], bool)
    hole[60:130, 170:250] = True
    pasted = photo.copy()
    pasted[hole] = np.clip(pasted[hole].astype(int) + 60, 0, 255).astype(np.uint8)
    report = anonymization_report(
        np.stack([photo, photo]),
        np.stack([noisy, erased]),
        masks=np.stack([hole, hole]),
    )
    assert report["n_faces"] == 2  # boxes found by the detector on the originals
    assert report["identity_change_rate"] == 0.5
    assert report["detection_rate"] == 0.5  # the erased face is not a face
    assert report["landmark_shift"] > 0
    assert report["seam_score"] < 0.02  # no edge at the (untouched) mask boundary
    seam = anonymization_report([photo], [pasted], masks=[hole])["seam_score"]
    assert seam > 0.1  # a brighter pasted patch is a visible seam


def test_bad_input(photo):
    with pytest.raises(ValueError, match="one anonymised image per original"):
        identity_distance(np.stack([photo, photo]), photo[None], boxes=BOX)
    with pytest.raises(ValueError, match="pixels"):
        landmark_shift(photo[None], photo[None, :100], boxes=BOX)
