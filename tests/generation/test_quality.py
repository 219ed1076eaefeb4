"""The face-quality panel: dlib embeddings of aligned faces, KID, FD, report.

Real faces are scikit-image's LFW subset (25x25 grey, cropped tightly on
the face, hence ``box=(0, 0, 1, 1)``) and its astronaut photo; dlib embeds a
face in ~20-50 ms, so the sets stay small and are embedded once per module.
"""

import numpy as np
import pytest
from skimage.data import astronaut, lfw_subset

import skface.metrics
from skface.detection import HOGFaceDetector
from skface.features import DlibFaceEncoder
from skface.generation import _quality
from skface.generation._quality import (
    face_embeddings,
    face_fd,
    face_generation_report,
    face_kid,
)
from skface.landmarks import LandmarkExtractor
from skface.utils import resize

TIGHT = (0, 0, 1, 1)  # LFW subset faces fill their 25x25 crop
N = 12


@pytest.fixture(scope="module")
def sets():
    faces = lfw_subset()[:100]  # the first 100 images are faces
    real, floor = faces[:N], faces[50 : 50 + N]
    noise = np.random.default_rng(0).random(floor.shape)
    emb = {
        name: face_embeddings(X, box=TIGHT, input_size=100)
        for name, X in {
            "real": real,
            "floor": floor,
            "noise": noise,
        }.items()
    }
    return {"real": real, "floor": floor, "noise": noise, "emb": emb}


def test_embeddings_shape_and_determinism(sets):
    E = sets["emb"]["real"]
    assert E.shape == (N, 128) and np.isfinite(E).all()
    again = face_embeddings(list(sets["real"][:3]), box=TIGHT, input_size=100)
    np.testing.assert_array_equal(again, E[:3])
    # uint8 RGB input: the same faces, within the rounding of the pixels.
    rgb = np.repeat((sets["real"][:3, ..., None] * 255).round(), 3, axis=-1)
    E8 = face_embeddings(rgb.astype(np.uint8), box=TIGHT, input_size=100)
    assert np.linalg.norm(E8 - E[:3], axis=1).max() < 0.05


def test_fixed_box_matches_the_detected_face():
    # A face cropped like UTKFace, shrunk to a 64-pixel "sample": its fixed-box
    # embedding is close to the embedding of the photo in the detected box.
    photo = astronaut()
    l, t, r, b = HOGFaceDetector().transform(photo[None])[0].astype(int)
    m = round(0.08 * (r - l))
    chip = resize(photo[t - m : b + m, l - m : r + m], 64)
    ref = DlibFaceEncoder().transform(photo[None])
    E = face_embeddings(chip[None])
    assert np.linalg.norm(E - ref) < 0.2
    # A box far off the face is much worse.
    off = face_embeddings(chip[None], box=(0.5, 0.5, 1.0, 1.0))
    assert np.linalg.norm(off - ref) > 2 * np.linalg.norm(E - ref)


def test_kid_ranks_real_faces_above_noise(sets):
    # (Blur needs larger sets to show in the KID: with 12 faces its effect is
    # within the noise of the estimate; the sharpness ratio is the panel's
    # blur measure, and benchmarks/bench_face_metrics.py measures both.)
    emb = sets["emb"]
    floor = face_kid(emb["real"], emb["floor"])
    noise = face_kid(emb["real"], emb["noise"])
    assert floor[1] == 0.0  # 12 faces: one subset holds every sample
    assert floor[0] < 0.2 * noise[0]
    # (FD needs more samples than the 128 features to rank sets: with 12, its
    # covariance terms dominate; the pure-array tests check its formula.)
    assert face_fd(emb["real"], emb["real"]) < 1e-6 < face_fd(emb["real"], emb["floor"])
    # Images and precomputed embeddings give the same figure.
    assert face_kid(sets["real"], emb["floor"], box=TIGHT, input_size=100)[
        0
    ] == pytest.approx(floor[0])


def test_report_keys_floors_and_precomputed_embeddings(sets):
    emb = sets["emb"]
    report = face_generation_report(
        sets["real"],
        sets["noise"],
        X_floor=sets["floor"],
        emb_real=emb["real"],
        emb_fake=emb["noise"],
        emb_floor=emb["floor"],
        k=3,
        box=TIGHT,
        input_size=100,
    )
    entries = ["kid", "kid_std", "fd", "recall_k3", "pair_rate"]
    entries += ["hog_detection_rate", "sharpness_ratio"]
    assert set(report) == {"n_samples", "pair_rate_real"} | {
        e + s for e in entries for s in ("", "_floor")
    }
    assert report["n_samples"] == N
    assert report["kid"] == pytest.approx(face_kid(emb["real"], emb["noise"])[0])
    assert report["fd"] == pytest.approx(face_fd(emb["real"], emb["noise"]))
    assert report["kid_floor"] < report["kid"]
    assert report["recall_k3_floor"] > report["recall_k3"]
    assert report["sharpness_ratio_floor"] < report["sharpness_ratio"]  # noise
    assert report["hog_detection_rate"] == 0.0  # no face in noise
    alone = face_generation_report(
        sets["real"],
        sets["noise"],
        emb_real=emb["real"],
        emb_fake=emb["noise"],
        k=3,
        box=TIGHT,
        input_size=100,
    )
    assert alone["kid"] == report["kid"]
    assert "kid_floor" not in alone and "landmark_error" not in alone


def test_landmark_error_against_conditions():
    # Conditions: the landmarks the panel's own pipeline re-detects on the
    # faces (68-point predictor in the HOG box of the enlarged face), so the
    # error is 0; conditions moved by 10% of the inter-ocular distance give
    # an error of 0.1.
    face = astronaut()[60:183, 159:282]
    faces = np.stack([resize(face, 64), resize(face[:, ::-1], 64)])
    big = [resize(f, 200, interpolation="cubic") for f in faces]
    dets = HOGFaceDetector(upsample=0, clip=False).detect(big)
    assert all(len(d) for d in dets)
    boxes = np.array([d[0, :4] for d in dets])
    L = LandmarkExtractor().landmarks(big, boxes=boxes) / (200 / 64)
    iod = np.linalg.norm(L[:, 36] - L[:, 45], axis=1)
    moved = L.copy()
    moved[:, :, 0] += 0.1 * iod[:, None]
    E = face_embeddings(faces)
    given = {"emb_real": E, "emb_fake": E, "k": 1}
    report = face_generation_report(faces, faces, conditions=moved, **given)
    assert report["landmark_error"] == pytest.approx(0.1, abs=1e-9)
    assert face_generation_report(faces, faces, conditions=L, **given)[
        "landmark_error"
    ] == pytest.approx(0.0, abs=1e-9)
    # A subset of the 68 points, named by landmark_points.
    idx = (45, 42, 36, 39, 33)
    sub = face_generation_report(
        faces, faces, conditions=moved[:, idx], landmark_points=idx, **given
    )
    assert sub["landmark_error"] == pytest.approx(0.1, abs=1e-9)
    with pytest.raises(ValueError, match="conditions have 5 points"):
        face_generation_report(faces, faces, conditions=moved[:, idx], k=1)
    with pytest.raises(ValueError, match="outer eye corners"):
        face_generation_report(
            faces, faces, conditions=moved[:, :3], landmark_points=(0, 1, 2), k=1
        )


def test_equal_counts_and_validation(sets):
    emb = sets["emb"]
    with pytest.raises(ValueError, match="equal sample counts.*X_fake has 11"):
        face_kid(emb["real"], emb["floor"][:11])
    with pytest.raises(ValueError, match="equal sample counts"):
        face_fd(emb["real"], emb["floor"][:11])
    with pytest.raises(ValueError, match="X_floor has 5"):
        face_generation_report(
            sets["real"], sets["floor"], X_floor=sets["floor"][:5], box=TIGHT
        )
    with pytest.raises(ValueError, match=r"shape \(12, 3\).*embeddings"):
        face_kid(emb["real"][:, :3], emb["floor"])
    with pytest.raises(ValueError, match=r"emb_real has shape \(11, 128\)"):
        face_generation_report(
            sets["real"], sets["floor"], emb_real=emb["real"][:11], k=3, box=TIGHT
        )
    with pytest.raises(ValueError, match="k must be an int with 1 <= k < n_samples"):
        face_generation_report(sets["real"], sets["floor"], k=12, box=TIGHT)
    with pytest.raises(ValueError, match="box must be"):
        face_embeddings(sets["real"], box=(1, 1, 0, 0))
    with pytest.raises(ValueError, match="input_size must be an int >= 32"):
        face_embeddings(sets["real"], input_size=8)
    with pytest.raises(ValueError, match=r"X\[1\]"):
        face_embeddings([np.zeros((8, 8)), np.full((8, 8), 2.0)])


def test_metrics_exposes_the_panel_lazily():
    assert skface.metrics.face_kid is _quality.face_kid
    assert skface.metrics.face_fd is face_fd
    assert skface.metrics.face_generation_report is face_generation_report
    with pytest.raises(AttributeError, match="no attribute 'face_psnr'"):
        skface.metrics.face_psnr  # noqa: B018
