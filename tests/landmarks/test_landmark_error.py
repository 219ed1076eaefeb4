"""Tests for skface.metrics landmark_error and interocular_distance."""

import numpy as np
import pytest

from skface.metrics._landmarks import interocular_distance, landmark_error


def _shape68(rng, n=3):
    L = rng.uniform(0, 100, size=(n, 68, 2))
    L[:, 36] = (20.0, 40.0)
    L[:, 45] = (80.0, 40.0)  # outer eye corners 60 px apart
    return L


def test_interocular_68_and_5():
    rng = np.random.RandomState(0)
    np.testing.assert_allclose(interocular_distance(_shape68(rng)), 60.0)
    L5 = np.array([[[90, 50], [70, 50], [10, 50], [30, 50], [50, 80]]], float)
    np.testing.assert_allclose(interocular_distance(L5), [60.0])  # centres 80, 20
    np.testing.assert_allclose(interocular_distance(L5.reshape(1, -1)), [60.0])
    with pytest.raises(ValueError, match="68- or 5-point"):
        interocular_distance(np.zeros((1, 7, 2)))


def test_landmark_error_values():
    rng = np.random.RandomState(0)
    true = _shape68(rng)
    pred = true.copy()
    pred[0] += [3.0, 4.0]  # every point 5 px off: 5 / 60
    pred[1, :34] += [6.0, 0.0]  # half the points 6 px off: 3 / 60
    err = landmark_error(true, pred, average=False)
    np.testing.assert_allclose(err, [5 / 60, 3 / 60, 0.0])
    assert landmark_error(true, pred) == pytest.approx(8 / 180)
    np.testing.assert_allclose(
        landmark_error(true, pred, normalize=None, average=False), [5.0, 3.0, 0.0]
    )
    diag = np.linalg.norm(true.max(axis=1) - true.min(axis=1), axis=1)
    np.testing.assert_allclose(
        landmark_error(true, pred, normalize="diagonal", average=False),
        [5 / diag[0], 3 / diag[1], 0.0],
    )
    flat = landmark_error(true.reshape(3, -1), pred.reshape(3, -1))
    assert flat == landmark_error(true, pred)


def test_landmark_error_nan_and_bad_input():
    rng = np.random.RandomState(1)
    true = _shape68(rng, 2)
    pred = true.copy()
    pred[1] = np.nan  # a face that was not found
    err = landmark_error(true, pred, average=False)
    assert err[0] == 0 and np.isnan(err[1])
    assert np.isnan(landmark_error(true, pred))
    with pytest.raises(ValueError, match="normalize"):
        landmark_error(true, true, normalize="box")
    with pytest.raises(
        ValueError, match=r"shape \(3, 68, 2\) but pred has shape \(2, 68, 2\)"
    ):
        landmark_error(_shape68(rng), true)
    with pytest.raises(ValueError, match=r"pred has shape \(2, 5, 2\)"):
        landmark_error(true, true[:, :5])
    with pytest.raises(ValueError, match="7 points"):
        landmark_error(true[:, :7], true[:, :7])
    with pytest.raises(ValueError, match=r"true\[0\] contains non-finite"):
        landmark_error(pred[::-1], true)
    same = true.copy()
    same[0, 45] = same[0, 36]
    with pytest.raises(ValueError, match="zero interocular"):
        landmark_error(same, same)
