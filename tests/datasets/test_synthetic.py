import time

import numpy as np
import pytest

from skface.datasets import make_synthetic_faces


@pytest.fixture(scope="module")
def faces64():
    return make_synthetic_faces(60, size=64, n_identities=3, random_state=0)


@pytest.fixture(scope="module")
def faces128():
    return make_synthetic_faces(20, size=128, random_state=1)


def test_shapes_and_dtypes(faces64):
    d = faces64
    assert d.images.shape == (60, 64, 64, 3) and d.images.dtype == np.uint8
    assert d.landmarks.shape == (60, 68, 2) and d.landmarks.dtype == np.float64
    assert d.boxes.shape == (60, 4) and d.boxes.dtype == np.float64
    assert d.target.shape == (60,) and d.target.dtype.kind == "i"
    assert "Synthetic faces" in d.DESCR
    assert d.images.flags.c_contiguous
    # Not blank: faces and backgrounds use the whole range.
    assert d.images.std() > 30


@pytest.mark.parametrize("size", [16, 33, 200])
def test_odd_sizes(size):
    d = make_synthetic_faces(2, size=size, random_state=0)
    assert d.images.shape == (2, size, size, 3)
    assert np.isfinite(d.landmarks).all()


def test_same_seed_same_data_different_seed_different_data():
    a = make_synthetic_faces(5, size=32, random_state=3)
    b = make_synthetic_faces(5, size=32, random_state=3)
    c = make_synthetic_faces(5, size=32, random_state=4)
    for key in ("images", "landmarks", "boxes", "target"):
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a.images, c.images)
    assert not np.allclose(a.landmarks, c.landmarks)
    rs = np.random.RandomState(3)
    np.testing.assert_array_equal(
        make_synthetic_faces(5, size=32, random_state=rs).images, a.images
    )


def test_landmarks_inside_box_and_image(faces64):
    d = faces64
    L, B = d.landmarks, d.boxes
    assert (L >= 0).all() and (L <= 63).all()
    # Landmarks have pixel centres at integers, boxes are pixel edges.
    x, y = L[..., 0] + 0.5, L[..., 1] + 0.5
    assert (x >= B[:, None, 0]).all() and (x <= B[:, None, 2]).all()
    assert (y >= B[:, None, 1]).all() and (y <= B[:, None, 3]).all()
    assert (B >= -1).all() and (B <= 65).all()
    w, h = B[:, 2] - B[:, 0], B[:, 3] - B[:, 1]
    np.testing.assert_allclose(w, h)  # square, dlib style
    assert (w > 0.3 * 64).all() and (w < 0.8 * 64).all()


def test_landmark_layout(faces64):
    """iBUG order: subject's right (image left) first, chin at the bottom."""
    L = faces64.landmarks
    assert (L[:, 0, 0] < L[:, 16, 0]).all()  # jaw runs image left -> right
    assert (L[:, 36, 0] < L[:, 45, 0]).all()  # right eye on the image left
    assert (L[:, 39, 0] < L[:, 42, 0]).all()
    assert (L[:, 19, 1] < L[:, 37, 1]).all()  # brows above eyes (<15 deg roll)
    assert (L[:, 30, 1] < L[:, 33, 1]).all()  # nose tip above its base
    assert (L[:, 51, 1] < L[:, 57, 1]).all()  # upper lip above lower lip
    assert (L[:, 57, 1] < L[:, 8, 1]).all()  # chin below the mouth
    iod = np.linalg.norm(L[:, 36] - L[:, 45], axis=1)
    assert (iod > 10).all()


def test_lips_are_drawn_on_the_lip_landmarks(faces128):
    """The lower-lip landmark sits on red lip pixels, not on the cheek."""
    d = faces128
    redder = []
    for img, L in zip(d.images.astype(float), d.landmarks, strict=True):
        lip = np.rint((L[57] + L[66]) / 2).astype(int)
        cheek = np.rint((L[4] + L[31]) / 2).astype(int)
        r_lip = img[lip[1], lip[0], 0] / (img[lip[1], lip[0], 1] + 1)
        r_cheek = img[cheek[1], cheek[0], 0] / (img[cheek[1], cheek[0], 1] + 1)
        redder.append(r_lip > r_cheek)
    assert np.mean(redder) >= 0.9


def test_identities_share_shape(faces64):
    d = faces64
    assert np.bincount(d.target).tolist() == [20, 20, 20]
    idx = [*range(0, 5), *range(12, 48)]  # no chin or mouth (expression)

    def normalise(P):
        P = P - P.mean(axis=0)
        return P / np.linalg.norm(P)

    ref = normalise(d.landmarks[0][idx])

    def align(P):  # similarity Procrustes onto ref
        P = normalise(P)
        U, _, Vt = np.linalg.svd(P.T @ ref)
        return P @ (U @ Vt)

    A = np.array([align(L[idx]) for L in d.landmarks])
    hits = 0
    for i in range(len(A)):
        others = np.arange(len(A)) != i
        cents = [A[others & (d.target == k)].mean(axis=0) for k in range(3)]
        hits += np.argmin([np.linalg.norm(A[i] - c) for c in cents]) == d.target[i]
    assert hits / len(A) >= 0.9


def test_default_identity_per_sample():
    d = make_synthetic_faces(7, size=32, random_state=0)
    np.testing.assert_array_equal(d.target, np.arange(7))


@pytest.mark.parametrize("background", ["noise", "flat", "gradient"])
def test_backgrounds(background):
    d = make_synthetic_faces(12, size=48, background=background, random_state=0)
    corner = d.images[:, :3, :3].reshape(12, -1, 3).astype(float)
    spread = np.median(corner.std(axis=1).mean(axis=1))
    if background == "noise":
        assert spread > 5
    else:  # flat or smooth: only the small sensor noise
        assert spread < 5


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_samples": 0}, "n_samples must be an int >= 1, got 0"),
        ({"n_samples": 2.5}, "got 2.5"),
        ({"size": 8}, "size must be an int >= 16, got 8"),
        ({"n_identities": 0}, "n_identities .* got 0"),
        ({"background": "plaid"}, "background must be one of .* got 'plaid'"),
    ],
)
def test_invalid_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_synthetic_faces(**{"n_samples": 2, **kwargs})


def test_fast():
    start = time.perf_counter()
    make_synthetic_faces(200, size=64, random_state=0)
    # About 1 s on one free core; the bound leaves room for busy CI machines.
    assert time.perf_counter() - start < 10


def _dlib_or_skip():
    dlib = pytest.importorskip("dlib")
    from skface.datasets import ModelNotFoundError, get_model_path

    try:
        path = get_model_path("landmarks_68")
    except ModelNotFoundError:
        pytest.skip("dlib's 68-point model is not installed")
    return dlib, path


def test_dlib_hog_finds_the_faces(faces128):
    dlib, _ = _dlib_or_skip()
    detector = dlib.get_frontal_face_detector()
    found = [len(detector(img, 1)) > 0 for img in faces128.images]
    assert np.mean(found) >= 0.8


def test_dlib_predictor_agrees_with_true_landmarks(faces128):
    """dlib's pretrained predictor lands near the true points (realism check)."""
    dlib, path = _dlib_or_skip()
    predictor = dlib.shape_predictor(path)
    errors = []
    d = faces128
    for img, L, b in zip(d.images, d.landmarks, d.boxes, strict=True):
        l, t, r, bt = np.rint(b).astype(int)
        shape = predictor(img, dlib.rectangle(l, t, r - 1, bt - 1))
        P = np.array([(p.x, p.y) for p in shape.parts()])
        iod = np.linalg.norm(L[36] - L[45])
        errors.append(np.linalg.norm(P - L, axis=1).mean() / iod)
    assert np.mean(errors) < 0.15
