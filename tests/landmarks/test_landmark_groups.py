"""Named landmark groups (face_recognition's face_landmarks keys)."""

import numpy as np
import pytest
from skimage.data import astronaut

from skface.landmarks import LANDMARK_GROUPS, LandmarkExtractor, landmark_groups

FR_KEYS = {
    "chin",
    "left_eyebrow",
    "right_eyebrow",
    "nose_bridge",
    "nose_tip",
    "left_eye",
    "right_eye",
    "top_lip",
    "bottom_lip",
}


def test_68_point_groups_cover_every_point_once_outside_the_lips():
    groups = LANDMARK_GROUPS[68]
    assert set(groups) == FR_KEYS
    flat = [i for name, idx in groups.items() if "lip" not in name for i in idx]
    assert sorted(flat) == list(range(48))
    lips = set(groups["top_lip"]) | set(groups["bottom_lip"])
    assert lips == set(range(48, 68))
    assert len(groups["top_lip"]) == len(groups["bottom_lip"]) == 12


def test_subject_convention_on_a_real_face():
    """The subject's left eye is on the right of the image."""
    img = astronaut()
    L = LandmarkExtractor().fit([img]).landmarks([img])[0]
    g = landmark_groups(L)
    assert g["left_eye"][:, 0].mean() > g["right_eye"][:, 0].mean()
    assert g["left_eyebrow"][:, 0].mean() > g["right_eyebrow"][:, 0].mean()
    np.testing.assert_array_equal(g["right_eye"], L[36:42])
    img_conv = landmark_groups(L, convention="image")
    np.testing.assert_array_equal(img_conv["left_eye"], L[36:42])  # face_recognition
    np.testing.assert_array_equal(img_conv["right_eyebrow"], L[22:27])
    np.testing.assert_array_equal(img_conv["chin"], g["chin"])
    # 5 points: the same sides as the 68-point eyes
    L5 = LandmarkExtractor(5).fit([img]).landmarks([img])[0]
    g5 = landmark_groups(L5)
    assert set(g5) == {"left_eye", "right_eye", "nose_tip"}
    assert g5["left_eye"][:, 0].mean() > g5["right_eye"][:, 0].mean()
    assert np.abs(g5["left_eye"].mean(0) - g["left_eye"].mean(0)).max() < 15
    assert landmark_groups(L5, convention="image")["left_eye"][:, 0].mean() < 250


def test_batches_and_flat_rows():
    L = np.random.default_rng(0).random((3, 68, 2))
    g = landmark_groups(L)
    assert g["chin"].shape == (3, 17, 2) and g["top_lip"].shape == (3, 12, 2)
    flat = landmark_groups(L.reshape(3, 136))
    for name in g:
        np.testing.assert_array_equal(flat[name], g[name])
    one = landmark_groups(L[0].ravel())
    np.testing.assert_array_equal(one["nose_tip"], L[0, 31:36])


@pytest.mark.parametrize(
    "bad", [np.zeros((10, 2)), np.zeros((2, 3, 68, 2)), np.zeros(7)]
)
def test_bad_shapes(bad):
    with pytest.raises(ValueError, match="n_points"):
        landmark_groups(bad)


def test_bad_convention():
    with pytest.raises(ValueError, match="convention"):
        landmark_groups(np.zeros((68, 2)), convention="viewer")


def test_landmark_extractor_set_output_pandas():
    import pandas as pd

    img = astronaut()
    est = LandmarkExtractor().fit([img])
    arr = est.transform([img])
    df = est.set_output(transform="pandas").transform([img])
    assert isinstance(df, pd.DataFrame)
    assert df.columns.tolist()[:4] == ["x0", "y0", "x1", "y1"] and df.shape == (1, 136)
    np.testing.assert_array_equal(df.to_numpy(), arr)
