"""skface.metrics.face_distance: face_recognition's semantics."""

import numpy as np
import pytest

from skface.metrics import face_distance


def test_distances_are_euclidean_and_zero_to_itself():
    rng = np.random.default_rng(0)
    E = rng.normal(size=(5, 128))
    d = face_distance(E, E[2])
    assert isinstance(d, np.ndarray) and d.shape == (5,)
    assert d[2] == 0.0
    np.testing.assert_allclose(d, np.sqrt(((E - E[2]) ** 2).sum(axis=1)))
    # a list of lists works as well
    np.testing.assert_array_equal(face_distance(E.tolist(), E[2]), d)


@pytest.mark.parametrize("empty", [[], np.array([]), np.empty((0, 128))])
def test_empty_known_faces_give_an_empty_array(empty):
    d = face_distance(empty, np.zeros(128))
    assert isinstance(d, np.ndarray) and d.shape == (0,)
    assert (d <= 0.6).tolist() == []  # compare_faces on nothing: []


def test_tolerance_gives_compare_faces():
    known = np.array([[0.0, 0.0], [0.6, 0.0], [0.61, 0.0]])
    assert (face_distance(known, np.zeros(2)) <= 0.6).tolist() == [True, True, False]


def test_bad_shapes_and_values():
    with pytest.raises(ValueError, match="face_to_compare"):
        face_distance(np.zeros((2, 3)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"expected \(n_faces, 3\)"):
        face_distance(np.zeros((2, 4)), np.zeros(3))
    with pytest.raises(ValueError, match="NaN"):
        face_distance(np.array([[np.nan, 0, 0]]), np.zeros(3))
