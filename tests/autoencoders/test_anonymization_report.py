"""Anonymisation report (runs detector, encoder, landmarks) on known edits."""

import numpy as np
import pytest
from skimage.data import astronaut, camera

from skface.autoencoders import (
    FaceAnonymizer,
    anonymization_report,
    identity_change_rate,
    identity_distance,
    landmark_shift,
)
from skface.detection import HOGFaceDetector
from skface.landmarks import LandmarkExtractor

BOX = np.array([[166.0, 47.0, 255.0, 136.0]])  # roughly dlib's box on her face
COLUMNS = [
    "image",
    "face",
    "left",
    "top",
    "right",
    "bottom",
    "identity_distance",
    "identity_changed",
    "landmark_shift",
    "redetection_iou",
    "redetected",
]


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


@pytest.fixture(scope="module")
def pair(photo):
    """Two faces side by side (her face crop twice), and the same photo with
    only the left face blurred by FaceAnonymizer."""
    crop = np.ascontiguousarray(photo[10:240, 110:330])
    two = np.ascontiguousarray(np.concatenate([crop, crop], axis=1))
    anon = FaceAnonymizer(method="blur").fit([crop]).anonymize([crop])
    assert anon.n_faces[0] == 1
    half = np.ascontiguousarray(np.concatenate([anon.images[0], crop], axis=1))
    mask = np.concatenate([anon.masks[0], np.zeros_like(anon.masks[0])], axis=1)
    return two, half, mask


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


def test_report_largest_face_per_photo(photo, edits):
    """faces='largest' is the one-face-per-photo report."""
    noisy, erased, _ = edits
    hole = np.zeros(photo.shape[:2], bool)
    hole[60:130, 170:250] = True
    pasted = photo.copy()
    pasted[hole] = np.clip(pasted[hole].astype(int) + 60, 0, 255).astype(np.uint8)
    report = anonymization_report(
        np.stack([photo, photo]),
        np.stack([noisy, erased]),
        masks=np.stack([hole, hole]),
        faces="largest",
    )
    assert report["n_faces"] == 2  # boxes found by the detector on the originals
    assert report["identity_change_rate"] == 0.5
    assert report["detection_rate"] == 0.5  # the erased face is not a face
    assert report["landmark_shift"] > 0
    assert report["seam_score"] < 0.02  # no edge at the (untouched) mask boundary
    table = report["faces"]
    assert list(table.columns) == COLUMNS
    assert table["image"].tolist() == [0, 1] and table["face"].tolist() == [0, 0]
    assert table["identity_changed"].tolist() == [False, True]
    assert table["redetected"].tolist() == [True, False]
    seam = anonymization_report(
        [photo], [pasted], masks=[hole], faces="largest", boxes=BOX
    )["seam_score"]
    assert seam > 0.1  # a brighter pasted patch is a visible seam


def test_rows_are_the_detected_faces(pair, photo):
    two, _, _ = pair
    X = [two, photo, camera()]  # 2 faces, whatever HOG finds, no face
    found = HOGFaceDetector(upsample=1).fit(X).detect(X)
    assert len(found[0]) == 2 and len(found[2]) == 0
    report = anonymization_report(X, X)
    table = report["faces"]
    assert report["n_faces"] == len(table) == sum(len(d) for d in found)
    assert table["image"].tolist() == [i for i, d in enumerate(found) for _ in d]
    boxes = table[["left", "top", "right", "bottom"]].to_numpy()
    np.testing.assert_allclose(boxes, np.concatenate(found)[:, :4])
    assert (table["identity_distance"] == 0).all()
    assert table["redetected"].all() and report["detection_rate"] == 1.0


def test_one_blurred_face_of_two(pair):
    two, half, mask = pair
    report = anonymization_report([two], [half], masks=[mask])
    table = report["faces"]
    assert len(table) == 2
    left, right = table.sort_values("left").to_dict("records")
    assert left["identity_distance"] > 0.6 and left["identity_changed"]
    assert not left["redetected"]
    assert left["landmark_shift"] > 0.05
    assert right["identity_distance"] == 0 and not right["identity_changed"]
    assert right["redetected"] and right["landmark_shift"] == 0
    assert report["identity_change_rate"] == 0.5
    assert report["detection_rate"] == 0.5
    assert report["identity_distance"] == pytest.approx(left["identity_distance"] / 2)
    assert np.isfinite(report["seam_score"])

    # the largest face only: one row per photo
    largest = anonymization_report([two, two], [half, two], faces="largest")
    assert largest["faces"]["image"].tolist() == [0, 1]
    assert largest["n_faces"] == 2


def test_per_face_options_of_the_parts(pair):
    two, half, _ = pair
    report = anonymization_report([two], [half])
    table = report["faces"]
    d = identity_distance([two], [half], faces="all")
    np.testing.assert_allclose(d, table["identity_distance"])
    assert identity_distance([two], [half]).shape == (1,)  # largest: per photo
    assert identity_change_rate([two], [half], faces="all") == 0.5
    shift = landmark_shift([two], [half], faces="all", average=False)
    np.testing.assert_allclose(shift, table["landmark_shift"])


def test_boxes_per_image_and_old_form(pair):
    two, half, _ = pair
    det = HOGFaceDetector(upsample=1).fit([two])
    boxes = det.detect([two])[0][:, :4]
    given = anonymization_report([two, two], [half, two], boxes=[boxes, boxes[:0]])
    assert given["faces"]["image"].tolist() == [0, 0]
    detected = anonymization_report([two], [half])
    np.testing.assert_allclose(
        given["faces"]["identity_distance"], detected["faces"]["identity_distance"]
    )
    # the largest of the given boxes
    one = anonymization_report([two], [half], boxes=[boxes], faces="largest")
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    assert one["faces"]["left"].tolist() == [boxes[np.argmax(areas), 0]]
    # the old form: one box per photo (NaN: none), whatever `faces` says
    old = anonymization_report(
        [two, two], [half, half], boxes=np.vstack([boxes[:1], [np.nan] * 4])
    )
    assert old["n_faces"] == 1 and old["faces"]["image"].tolist() == [0]


def test_given_landmarks_are_matched_by_box(pair):
    two, half, _ = pair
    lm = LandmarkExtractor().fit([two])
    faces = lm.landmarks_all([two])
    right = np.argmax(faces.boxes[:, 0])
    # ground truth for the right face only: the left one has no landmark shift
    report = anonymization_report([two], [half], landmarks=[faces.landmarks[[right]]])
    shift = report["faces"].sort_values("left")["landmark_shift"].to_numpy()
    assert np.isnan(shift[0]) and shift[1] == 0
    with pytest.raises(ValueError, match="n_points, 2"):
        anonymization_report([two], [half], landmarks=[np.zeros((1, 68, 3))])


def test_bad_input(photo):
    with pytest.raises(ValueError, match="one anonymised image per original"):
        identity_distance(np.stack([photo, photo]), photo[None], boxes=BOX)
    with pytest.raises(ValueError, match="pixels"):
        landmark_shift(photo[None], photo[None, :100], boxes=BOX)
    X = photo[None]
    with pytest.raises(ValueError, match="faces must be 'all' or 'largest'"):
        anonymization_report(X, X, faces="every")
    with pytest.raises(ValueError, match=r"min_iou must be a number in \(0, 1\]"):
        anonymization_report(X, X, boxes=BOX, min_iou=0)
    with pytest.raises(ValueError, match="threshold must be a positive"):
        identity_change_rate(X, X, boxes=BOX, threshold=-1)
    with pytest.raises(ValueError, match="boxes has 2 entries but there are 1"):
        anonymization_report(X, X, boxes=[BOX, BOX])
    with pytest.raises(ValueError, match=r"boxes\[0\] has shape \(2, 2, 4\)"):
        anonymization_report(X, X, boxes=[np.zeros((2, 2, 4))])
    with pytest.raises(ValueError, match=r"boxes\[0\]\[0\].*inverted"):
        anonymization_report(X, X, boxes=[BOX[:, [2, 1, 0, 3]]])
    with pytest.raises(ValueError, match=r"masks\[0\] has shape \(10, 10\)"):
        anonymization_report(X, X, boxes=BOX, masks=[np.ones((10, 10), bool)])
    with pytest.raises(ValueError, match="detect method"):
        anonymization_report(X, X, detector=LandmarkExtractor())
