"""Tests for ColorHistogram."""

import pickle

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.pipeline import make_pipeline

from skface.features import ColorHistogram
from skface.features._histogram import ellipse_mask


def _sums(H, bins):
    return H.reshape(len(H), 3, bins).sum(axis=2)


@pytest.mark.parametrize("color_space", ["rgb", "hsv", "lab"])
@pytest.mark.parametrize("mask", ["ellipse", "none"])
def test_histograms_sum_to_one_per_channel(color_space, mask):
    rng = np.random.RandomState(0)
    chips = rng.randint(0, 256, size=(4, 24, 20, 3)).astype(np.uint8)
    est = ColorHistogram(bins=5, color_space=color_space, mask=mask).fit(chips)
    H = est.transform(chips)
    assert H.shape == (4, 15)
    assert (H >= 0).all()
    np.testing.assert_allclose(_sums(H, 5), 1.0)


@pytest.mark.parametrize(
    "color_space, bins_hit",
    [
        ("rgb", [3, 0, 1]),  # (1.0, 0.0, 0.39) with 4 bins
        ("hsv", [3, 3, 3]),  # hue 336/360, saturation 1, value 1
        ("lab", [2, 3, 2]),  # L 54.2, a 82.8, b 20.0
    ],
)
def test_flat_colour_fills_one_bin_per_channel(color_space, bins_hit):
    chips = np.zeros((1, 10, 10, 3), dtype=np.uint8)
    chips[..., 0], chips[..., 2] = 255, 100
    H = ColorHistogram(bins=4, color_space=color_space).fit_transform(chips)
    expected = np.zeros(12)
    expected[np.array(bins_hit) + [0, 4, 8]] = 1.0
    np.testing.assert_allclose(H[0], expected)


def test_ellipse_mask_leaves_out_the_background():
    # Red face in the centre, blue corners: the ellipse only sees red.
    chip = np.zeros((1, 64, 64, 3), dtype=np.uint8)
    chip[..., 2] = 255
    m = ellipse_mask(64, 64)
    chip[0][m] = (255, 0, 0)
    assert 0.5 < m.mean() < 0.7 and not m[0, 0] and m[32, 32]
    H = ColorHistogram(bins=2).fit_transform(chip)
    np.testing.assert_allclose(H[0], [0, 1, 1, 0, 1, 0])  # all red
    H = ColorHistogram(bins=2, mask="none").fit_transform(chip)
    assert 0 < H[0, 0] < 1  # red and blue pixels


def test_given_masks_override_the_ellipse():
    chips = np.zeros((2, 8, 8, 3), dtype=np.uint8)
    chips[:, :, 4:] = 255  # right half white
    masks = np.zeros((2, 8, 8), dtype=bool)
    masks[0, :, :2] = True  # only black pixels
    masks[1, :, 3:5] = True  # half black, half white
    H = ColorHistogram(bins=2).fit(chips).transform(chips, masks=masks)
    np.testing.assert_allclose(H[0], [1, 0] * 3)
    np.testing.assert_allclose(H[1], [0.5, 0.5] * 3)
    # 0/1 integer masks and lists of masks of mixed sizes work too.
    chips2 = [chips[0], np.full((5, 3, 3), 255, dtype=np.uint8)]
    masks2 = [masks[0].astype(np.uint8), np.ones((5, 3), dtype=bool)]
    H2 = ColorHistogram(bins=2).fit(chips2).transform(chips2, masks=masks2)
    np.testing.assert_allclose(H2, [[1, 0] * 3, [0, 1] * 3])


def test_empty_mask_gives_a_nan_row():
    chips = np.zeros((3, 8, 8, 3), dtype=np.uint8)
    masks = np.ones((3, 8, 8), dtype=bool)
    masks[1] = False
    H = ColorHistogram(bins=4).fit(chips).transform(chips, masks=masks)
    assert np.isnan(H[1]).all()
    np.testing.assert_allclose(_sums(H[[0, 2]], 4), 1)


def test_bad_masks_raise():
    chips = np.zeros((2, 8, 8, 3), dtype=np.uint8)
    est = ColorHistogram().fit(chips)
    with pytest.raises(ValueError, match="got 1 masks for 2 images"):
        est.transform(chips, masks=np.ones((1, 8, 8), dtype=bool))
    with pytest.raises(ValueError, match=r"masks\[1\] has shape \(8, 7\)"):
        est.transform(chips, masks=[np.ones((8, 8)), np.ones((8, 7))])
    with pytest.raises(ValueError, match=r"masks\[0\] must be boolean"):
        est.transform(chips, masks=np.full((2, 8, 8), 0.5))
    with pytest.raises(ValueError, match="one \\(H, W\\) mask per image"):
        est.transform(chips, masks=np.ones((8, 8), dtype=bool))


def test_masks_routed_through_a_pipeline():
    class _Recorder(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.classes_ = np.unique(y)
            return self

        def predict(self, X):
            return X[:, 0]

    chips = np.zeros((2, 8, 8, 3), dtype=np.uint8)
    chips[:, :, 4:] = 255
    masks = np.zeros((2, 8, 8), dtype=bool)
    masks[:, :, 4:] = True  # white only
    with sklearn.config_context(enable_metadata_routing=True):
        hist = ColorHistogram(bins=2).set_transform_request(masks=True)
        pipe = make_pipeline(hist, _Recorder()).fit(chips, [0, 1])
        assert pipe.predict(chips, masks=masks).tolist() == [0, 0]
        assert pipe.predict(chips, masks=~masks).tolist() == [1, 1]


def test_names_grey_large_and_pickle():
    est = ColorHistogram(bins=3, color_space="lab").fit(np.zeros((1, 4, 4), np.uint8))
    assert est.get_feature_names_out().tolist() == [
        "L_bin0", "L_bin1", "L_bin2", "a_bin0", "a_bin1", "a_bin2",
        "b_bin0", "b_bin1", "b_bin2",
    ]  # fmt: skip
    grey = np.full((2, 16, 16), 255, dtype=np.uint8)
    H = ColorHistogram(bins=2).fit_transform(grey)
    np.testing.assert_allclose(H, [[0, 1] * 3] * 2)
    photo = np.zeros((3000, 4000, 3), dtype=np.uint16)
    photo[:1500] = 65535
    H = ColorHistogram(bins=2, mask="none").fit_transform(photo[None])
    np.testing.assert_allclose(H[0], [0.5, 0.5] * 3)
    again = pickle.loads(pickle.dumps(est))
    chips = np.random.RandomState(0).randint(0, 256, (2, 9, 9, 3)).astype(np.uint8)
    np.testing.assert_array_equal(again.transform(chips), est.transform(chips))
    par = ColorHistogram(bins=3, color_space="lab", n_jobs=2).fit(chips)
    np.testing.assert_array_equal(par.transform(chips), est.transform(chips))
