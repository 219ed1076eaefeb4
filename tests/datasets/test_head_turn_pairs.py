import numpy as np
import pytest
from skimage.data import astronaut

from skface.datasets import make_head_turn_pairs, make_synthetic_faces
from skface.datasets._synthetic_shape import _MIRROR


@pytest.fixture(scope="module")
def faces():
    return make_synthetic_faces(3, size=64, random_state=0)


def test_shapes_and_order(faces):
    yaws = (-20, 0, 15)
    d = make_head_turn_pairs(faces.images, yaws, landmarks=faces.landmarks)
    assert d.images.shape == (9, 64, 64, 3) and d.images.dtype == np.uint8
    assert d.yaws.tolist() == [-20.0, 0.0, 15.0] * 3
    assert d.groups.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert d.landmarks.shape == (9, 68, 2)
    assert d.source_yaws.shape == (3,) and np.isfinite(d.source_yaws).all()
    assert "head" in d.DESCR and "pairs" not in d


def test_zero_turn_is_identity(faces):
    d = make_head_turn_pairs(
        faces.images, [0], landmarks=faces.landmarks, source_yaws=[0, 0, 0]
    )
    np.testing.assert_array_equal(d.images, faces.images)
    np.testing.assert_allclose(d.landmarks, faces.landmarks)


@pytest.mark.parametrize("channels", ["grey", "float"])
def test_dtype_and_channels_kept(faces, channels):
    X = faces.images[..., 0] if channels == "grey" else faces.images / 255.0
    d = make_head_turn_pairs(
        X.astype(np.float32) if channels == "float" else X,
        [-10, 10],
        landmarks=faces.landmarks,
    )
    assert d.images.shape == (6, *X.shape[1:])
    assert d.images.dtype == (np.float32 if channels == "float" else np.uint8)
    if channels == "float":
        assert 0 <= d.images.min() and d.images.max() <= 1


def test_nose_moves_with_the_sign_and_the_far_side_shrinks(faces):
    yaws = np.arange(-20, 21, 10)
    d = make_head_turn_pairs(
        faces.images, yaws, landmarks=faces.landmarks, source_yaws=[0, 0, 0]
    )
    for g in range(3):
        L = d.landmarks[d.groups == g]
        nose = L[:, 30, 0] - (L[:, 0, 0] + L[:, 16, 0]) / 2
        assert np.all(np.diff(nose) > 0)
        # Turning right, the right half of the face (image right) narrows.
        right = L[:, 45, 0] - L[:, 27, 0]
        left = L[:, 27, 0] - L[:, 36, 0]
        assert np.all(np.diff(right) < 0) and np.all(np.diff(left) > 0)
    # y is untouched: the rotation is about the vertical axis.
    np.testing.assert_allclose(
        d.landmarks[..., 1], np.repeat(faces.landmarks[..., 1], 5, axis=0)
    )


def test_pixels_follow_the_landmarks(faces):
    # The pixel at a source landmark lands at the warped landmark.
    img = np.zeros((1, 96, 96), np.float64)
    L = make_synthetic_faces(1, size=96, random_state=1).landmarks
    x, y = np.rint(L[0, 30]).astype(int)
    img[0, y, x - 1 : x + 2] = 1.0
    d = make_head_turn_pairs(img, [15], landmarks=L, source_yaws=[0])
    row = d.images[0, y]
    centre = (row * np.arange(96)).sum() / row.sum()
    assert centre == pytest.approx(d.landmarks[0, 30, 0], abs=0.6)
    assert d.landmarks[0, 30, 0] > L[0, 30, 0] + 2


def test_mirror_symmetric(faces):
    X, L = faces.images, faces.landmarks
    Lm = L[:, _MIRROR].copy()
    Lm[..., 0] = 63 - Lm[..., 0]
    zero = np.zeros(3)
    a = make_head_turn_pairs(X, [12], landmarks=L, source_yaws=zero)
    b = make_head_turn_pairs(X[:, :, ::-1], [-12], landmarks=Lm, source_yaws=zero)
    diff = np.abs(a.images.astype(int) - b.images[:, :, ::-1].astype(int))
    assert diff.max() <= 1


def test_no_fold_or_tear(faces):
    # A horizontal ramp stays monotone along every row: the backward map is
    # monotone (no fold-over; the two border columns may mirror the image).
    size = 96
    L = make_synthetic_faces(3, size=size, random_state=0).landmarks
    ramp = np.tile(np.arange(size) / (size - 1), (3, size, 1))
    d = make_head_turn_pairs(ramp, [-20, 20], landmarks=L, source_yaws=np.zeros(3))
    assert np.diff(d.images, axis=2)[:, :, 2:-2].min() >= 0
    # Where nothing hides anything (the forehead, above the eyes) the map is
    # continuous between rows: no tear.
    for i, g in enumerate(d.groups):
        top, bottom = int(L[g, 17:27, 1].min()) - 6, int(L[g, 17:27, 1].min())
        rows = d.images[i, top:bottom] * (size - 1)
        assert np.abs(np.diff(rows, axis=0)).max() < 1.0


def test_missing_faces(faces):
    L = faces.landmarks.copy()
    L[1] = np.nan
    with pytest.raises(ValueError, match=r"no landmarks for faces\[1\]"):
        make_head_turn_pairs(faces.images, [0], landmarks=L)
    with pytest.warns(UserWarning, match=r"skipping 1 face\(s\) without landmarks"):
        d = make_head_turn_pairs(
            faces.images, [0, 5], landmarks=L, on_missing="skip", source_yaws=[0, 1, 2]
        )
    assert d.groups.tolist() == [0, 0, 2, 2]
    assert d.source_yaws.tolist() == [0.0, 2.0]


class _FixedLandmarks:
    def __init__(self, L):
        self.L = L

    def landmarks(self, X):
        return self.L[: len(X)]


def test_extractor_and_source_yaw(faces):
    d = make_head_turn_pairs(
        faces.images, [0], extractor=_FixedLandmarks(faces.landmarks)
    )
    np.testing.assert_allclose(d.landmarks, faces.landmarks, atol=3)
    # Source yaw estimated from the landmarks; a turned copy reads as turned.
    turned = make_head_turn_pairs(
        faces.images, [15], landmarks=faces.landmarks, source_yaws=np.zeros(3)
    )
    back = make_head_turn_pairs(turned.images, [15], landmarks=turned.landmarks)
    assert np.all(back.source_yaws > d.source_yaws + 8)


def test_default_extractor_on_a_photo():
    photo = astronaut()[30:230, 120:320]
    d = make_head_turn_pairs(photo[None], [-10, 10])
    assert d.images.shape == (2, 200, 200, 3)
    assert abs(d.source_yaws[0]) < 10
    assert d.landmarks[1, 30, 0] > d.landmarks[0, 30, 0] + 5


def test_pairs(faces):
    d = make_head_turn_pairs(
        faces.images, [-10, 0, 10], landmarks=faces.landmarks, return_pairs=True
    )
    assert d.pairs.shape == (18, 2)
    assert np.all(d.groups[d.pairs[:, 0]] == d.groups[d.pairs[:, 1]])
    assert np.all(d.pairs[:, 0] != d.pairs[:, 1])
    a, b = (
        make_head_turn_pairs(
            faces.images,
            [-10, 0, 10],
            landmarks=faces.landmarks,
            return_pairs=2,
            random_state=0,
        ).pairs
        for _ in range(2)
    )
    assert a.shape == (6, 2)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"yaws": []}, "yaws must be finite numbers"),
        ({"yaws": [np.nan]}, "yaws must be finite numbers"),
        ({"nose_depth": -0.1}, "nose_depth must be a float >= 0, got -0.1"),
        ({"on_missing": "nan"}, "on_missing must be 'raise' or 'skip', got 'nan'"),
        ({"return_pairs": 0}, "return_pairs must be a bool or an int >= 1, got 0"),
        ({"source_yaws": [0, 1]}, r"source_yaws must be 3 finite numbers"),
        ({"landmarks": np.zeros((3, 5, 2))}, "5 points per face; expected 68"),
    ],
)
def test_errors(faces, kwargs, match):
    kwargs = {"landmarks": faces.landmarks, **kwargs}
    with pytest.raises(ValueError, match=match):
        make_head_turn_pairs(faces.images, **kwargs)
