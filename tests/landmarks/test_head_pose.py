import numpy as np
import pytest
from scipy.stats import spearmanr

from skface.datasets import make_head_turn_pairs, make_synthetic_faces, mean_face_3d
from skface.datasets._head_model import FIVE_FROM_68, angles_to_rotation
from skface.landmarks import estimate_head_pose


def _project(yaw, pitch=0.0, roll=0.0, f=200.0, size=200, distance=6.0, off=0.3):
    """The mean face turned by the given angles, seen by a pinhole camera."""
    P = mean_face_3d() * [1, 1, -1]  # OpenCV's axes: z away from the camera
    Q = P @ angles_to_rotation(yaw, pitch, roll).T + [off, -off, distance]
    return Q[:, :2] / Q[:, 2:] * f + size / 2


def test_sign_convention():
    # Positive yaw moves the nose tip right, positive pitch down.
    front, right, down = _project(0), _project(20), _project(0, pitch=20)
    assert right[30, 0] - right[27, 0] > front[30, 0] - front[27, 0] + 1
    assert down[30, 1] - down[27, 1] > front[30, 1] - front[27, 1] + 1


@pytest.mark.parametrize(
    "angles",
    [(-40, 0, 0), (-20, 5, 0), (-5, 0, 0), (0, 0, 0), (10, -8, 6), (30, 0, -10)],
)
def test_recovers_known_pose(angles):
    L = _project(*angles)
    pose = estimate_head_pose(L, image_size=(200, 200))
    assert pose.shape == (3,)
    np.testing.assert_allclose(pose, angles, atol=1.0)
    # Without the image size the camera is guessed: for a face in the
    # middle of the photo the yaw is still within 10%.
    yaw = estimate_head_pose(_project(*angles, f=500, distance=15, off=0))[0]
    assert yaw == pytest.approx(angles[0], abs=max(1.0, 0.1 * abs(angles[0])))


def test_batch_five_points_and_nan():
    yaws = [-25, -10, 0, 15]
    L = np.stack([_project(y) for y in yaws])
    pose = estimate_head_pose(L, focal_length=200.0, image_size=(200, 200))
    assert pose.shape == (4, 3)
    np.testing.assert_allclose(pose[:, 0], yaws, atol=1.0)
    five = estimate_head_pose(L[:, FIVE_FROM_68], image_size=(200, 200))
    np.testing.assert_allclose(five[:, 0], yaws, atol=1.0)
    flat = estimate_head_pose(L.reshape(4, -1), image_size=(200, 200))
    np.testing.assert_allclose(flat, pose)
    L[1] = np.nan
    pose = estimate_head_pose(L, image_size=(200, 200))
    assert np.isnan(pose[1]).all() and np.isfinite(pose[[0, 2, 3]]).all()


def test_monotonic_on_warped_views():
    faces = make_synthetic_faces(3, size=128, random_state=0)
    yaws = np.arange(-20, 21, 5)
    views = make_head_turn_pairs(
        faces.images, yaws, landmarks=faces.landmarks, source_yaws=np.zeros(3)
    )
    est = estimate_head_pose(views.landmarks, image_size=(128, 128))[:, 0]
    for g in range(3):
        rho = spearmanr(yaws, est[views.groups == g]).statistic
        assert rho >= 0.95


@pytest.mark.parametrize(
    "landmarks, kwargs, match",
    [
        (np.zeros((2, 10, 2)), {}, "10 points per face; expected 68"),
        (np.zeros((2, 68, 3)), {}, r"shape \(2, 68, 3\)"),
        (np.full((68, 2), np.inf), {}, "non-finite"),
        (np.zeros((68, 2)), {"image_size": (0, 10)}, "image_size must be a positive"),
        (np.zeros((68, 2)), {"image_size": 10}, "image_size must be"),
        (np.zeros((68, 2)), {"focal_length": -3.0}, "focal_length must be a positive"),
    ],
)
def test_errors(landmarks, kwargs, match):
    with pytest.raises(ValueError, match=match):
        estimate_head_pose(landmarks, **kwargs)
