"""warp_to_source_landmarks: the swap's expression repair (no torch)."""

import numpy as np
import pytest
from skimage.data import astronaut

from skface.alignment import FaceExtractor, piecewise_affine_warp
from skface.generation._landmark_warp import (
    _chip_box,
    _predict,
    warp_to_source_landmarks,
)
from skface.landmarks import LandmarkExtractor

SIZE = 64


@pytest.fixture(scope="module")
def setup():
    photo = astronaut()
    extractor = FaceExtractor(output_size=SIZE, padding=0.1).fit(photo[None])
    source = extractor.transform(photo[None]).astype(np.float32) / 255
    landmarks = LandmarkExtractor().fit(photo[None])
    # a "drawn" face: the source with its lips 3 px closer together
    box = _chip_box(SIZE, 0.1)
    truth = landmarks.landmarks(source, boxes=box[None])[0]
    moved = truth.copy()
    moved[48:68, 1] += np.where(moved[48:68, 1] > truth[48:68, 1].mean(), -1.5, 1.5)
    drawn = piecewise_affine_warp(source[0], truth, moved, interpolation="cubic")
    return source, np.clip(drawn[None], 0, 1).astype(np.float32), landmarks


def _error(landmarks, a, b):
    """Mean distance of the mouth's predicted landmarks, chip pixels."""
    box = _chip_box(SIZE, 0.1)
    pa, pb = (_predict(landmarks, c, box, 4.0)[:, 48:] for c in (a, b))
    return float(np.linalg.norm(pa - pb, axis=2).mean())


def test_warp_moves_the_drawn_landmarks_onto_the_source(setup):
    source, drawn, landmarks = setup
    before = _error(landmarks, drawn, source)
    assert before > 0.8  # the mouth moved measurably
    warped, shift = warp_to_source_landmarks(drawn, source, landmarks, strength=1.0)
    assert warped.shape == drawn.shape and warped.dtype == np.float32
    assert 0 < shift[0] < 0.1
    assert _error(landmarks, warped, source) < 0.6 * before  # measured: 0.97 -> 0.31 px
    half, half_shift = warp_to_source_landmarks(drawn, source, landmarks, strength=0.5)
    assert half_shift[0] == pytest.approx(0.5 * shift[0], rel=1e-6)
    assert 0 < np.abs(half - drawn).mean() < np.abs(warped - drawn).mean()


def test_no_warp_and_failed_predictions_leave_the_chip(setup):
    source, drawn, landmarks = setup
    same, shift = warp_to_source_landmarks(drawn, source, landmarks, strength=0.0)
    np.testing.assert_array_equal(same, drawn)
    assert not shift.any()
    # a displacement above max_shift is taken for a failed prediction
    kept, shift = warp_to_source_landmarks(drawn, source, landmarks, max_shift=0.0)
    np.testing.assert_array_equal(kept, drawn)
    assert not shift.any()
    with pytest.raises(ValueError, match="one shape"):
        warp_to_source_landmarks(drawn, source[:, :32], landmarks)


def test_the_jaw_line_stays_unless_asked(setup):
    source, drawn, landmarks = setup
    inner, _ = warp_to_source_landmarks(drawn, source, landmarks)
    whole, _ = warp_to_source_landmarks(drawn, source, landmarks, keep_jaw=False)
    assert not np.array_equal(inner, whole)


def test_five_point_landmarks_move_all_their_points(setup):
    source, drawn, _ = setup
    five = LandmarkExtractor(5).fit(astronaut()[None])
    # the eyes moved 1.5 px up: what the 5-point model sees
    box = _chip_box(SIZE, 0.1)
    truth = _predict(five, source, box, 4.0)[0]
    moved = truth + np.array([0.0, -1.5])
    shifted = piecewise_affine_warp(source[0], truth, moved, interpolation="cubic")
    shifted = np.clip(shifted[None], 0, 1).astype(np.float32)
    warped, shift = warp_to_source_landmarks(shifted, source, five)
    assert warped.shape == shifted.shape and 0 < shift[0] < 0.1
    error = [
        np.linalg.norm(_predict(five, c, box, 4.0) - truth, axis=2).mean()
        for c in (shifted, warped)
    ]
    assert error[1] < error[0]
