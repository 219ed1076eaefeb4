import numpy as np
import pytest

from skface.datasets import mean_face_3d
from skface.datasets._synthetic_shape import _MIRROR


def test_shape_units_and_centre():
    P = mean_face_3d()
    assert P.shape == (68, 3) and P.dtype == np.float64
    np.testing.assert_allclose(P.mean(axis=0), 0, atol=1e-12)
    # Units: the distance between the eye centres is 1.
    iod = np.linalg.norm(P[42:48, :2].mean(0) - P[36:42, :2].mean(0))
    assert iod == pytest.approx(1.0)
    # x right, y down: the subject's right eye is on the image's left, the
    # chin below the nose.
    assert P[36:42, 0].mean() < 0 < P[42:48, 0].mean()
    assert P[8, 1] > P[30, 1] > P[27, 1]


def test_depth_anatomy():
    P = mean_face_3d()
    z = P[:, 2]
    # The nose tip is the most forward point, the jaw ends the furthest back,
    # the eyes set back from the nose bridge.
    assert np.argmax(z) == 30
    assert z[0] < z[4] < z[8] and z[16] < z[12] < z[8]
    assert z[36:48].mean() < z[27] < z[30]


def test_mirror_symmetric():
    P = mean_face_3d()
    np.testing.assert_allclose(P[_MIRROR] * [-1, 1, 1], P, atol=1e-9)


def test_nose_depth():
    flat, deep = mean_face_3d(nose_depth=0.0), mean_face_3d(nose_depth=0.6)
    assert deep[30, 2] - deep[0, 2] > flat[30, 2] - flat[0, 2] + 0.4
    np.testing.assert_allclose(flat[:, :2], deep[:, :2])
    with pytest.raises(ValueError, match="nose_depth must be a float >= 0, got -1"):
        mean_face_3d(nose_depth=-1)
