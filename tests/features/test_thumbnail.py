"""Tests for ThumbnailFeatures."""

import pickle

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from skface.features import ThumbnailFeatures


@pytest.mark.parametrize(
    "chip, colour",
    [
        (np.full((40, 30, 3), (255, 128, 0), dtype=np.uint8), (1.0, 128 / 255, 0.0)),
        (np.full((9, 9, 3), (65535, 0, 13107), dtype=np.uint16), (1.0, 0.0, 0.2)),
        (np.full((64, 64, 3), (0.25, 0.5, 0.75)), (0.25, 0.5, 0.75)),
        (np.full((33, 17), 51, dtype=np.uint8), (0.2, 0.2, 0.2)),  # grey
        (
            np.full((20, 20, 4), (10, 20, 30, 0), dtype=np.uint8),
            (10 / 255, 20 / 255, 30 / 255),
        ),
        (np.full((3, 5, 3), (0, 255, 0), dtype=np.uint8), (0.0, 1.0, 0.0)),  # < size
    ],
)
def test_thumbnail_of_a_flat_colour_is_that_colour(chip, colour):
    F = ThumbnailFeatures().fit_transform(chip[None])
    assert F.shape == (1, 8 * 8 * 3)
    np.testing.assert_allclose(F.reshape(8, 8, 3), np.broadcast_to(colour, (8, 8, 3)))


def test_exact_block_averages():
    rng = np.random.RandomState(0)
    chips = rng.randint(0, 256, size=(3, 32, 24, 3)).astype(np.uint8)
    F = ThumbnailFeatures(output_size=8).fit_transform(chips).reshape(3, 8, 8, 3)
    # 32x24 -> 8x8: each output pixel is the mean of a 4x3 block.
    expected = chips.reshape(3, 8, 4, 8, 3, 3).mean(axis=(2, 4)) / 255
    np.testing.assert_allclose(F, expected)


def test_area_averaging_keeps_the_mean_for_any_size():
    rng = np.random.RandomState(1)
    for h, w in [(37, 23), (150, 150), (5, 7), (8, 8)]:
        chip = rng.uniform(size=(1, h, w, 3))
        F = ThumbnailFeatures(output_size=8).fit_transform(chip)
        np.testing.assert_allclose(
            F.reshape(-1, 3).mean(axis=0), chip[0].mean(axis=(0, 1))
        )
        assert 0 <= F.min() and F.max() <= 1


def test_antialiased_no_aliasing_on_stripes():
    # One-pixel stripes average to grey; point sampling would give black or white.
    chip = np.zeros((1, 64, 64, 3))
    chip[:, :, ::2] = 1.0
    F = ThumbnailFeatures().fit_transform(chip)
    np.testing.assert_allclose(F, 0.5)


def test_lists_of_mixed_sizes_and_parallel_match_stacked():
    rng = np.random.RandomState(2)
    chips = [
        rng.randint(0, 256, size=(h, h, 3)).astype(np.uint8) for h in (16, 40, 16, 9)
    ]
    est = ThumbnailFeatures(output_size=4).fit(chips)
    F = est.transform(chips)
    assert F.shape == (4, 48)
    for i, chip in enumerate(chips):
        np.testing.assert_allclose(F[i], est.transform(chip[None])[0])
    F2 = ThumbnailFeatures(output_size=4, n_jobs=2).fit(chips).transform(chips)
    np.testing.assert_allclose(F2, F)


def test_non_contiguous_and_paths(tmp_path):
    from PIL import Image

    rng = np.random.RandomState(3)
    big = rng.randint(0, 256, size=(50, 60, 3)).astype(np.uint8)
    view = big[::2, ::-2]
    assert not view.flags.c_contiguous
    est = ThumbnailFeatures().fit([view])
    np.testing.assert_allclose(est.transform([view]), est.transform([view.copy()]))
    path = tmp_path / "chip.png"
    Image.fromarray(big).save(path)
    np.testing.assert_allclose(est.transform([str(path)]), est.transform(big[None]))


def test_large_photo():
    photo = np.zeros((3000, 4000, 3), dtype=np.uint8)
    photo[:, 2000:] = 255
    F = ThumbnailFeatures(output_size=8).fit_transform(photo[None]).reshape(8, 8, 3)
    np.testing.assert_allclose(F[:, :4], 0)
    np.testing.assert_allclose(F[:, 4:], 1)


def test_grey_channels_and_names():
    chips = np.zeros((2, 16, 16, 3), dtype=np.uint8)
    chips[..., 1] = 255
    est = ThumbnailFeatures(output_size=2, channels="grey").fit(chips)
    F = est.transform(chips)
    assert F.shape == (2, 4)
    np.testing.assert_allclose(F, 0.587)  # BT.601 luma of pure green
    assert est.get_feature_names_out().tolist() == ["y0_0", "y0_1", "y1_0", "y1_1"]
    names = ThumbnailFeatures(output_size=2).fit(chips).get_feature_names_out()
    assert names[:4].tolist() == ["r0_0", "g0_0", "b0_0", "r0_1"]
    assert len(names) == 12


def test_pandas_output():
    pytest.importorskip("pandas")
    chips = np.zeros((3, 8, 8, 3), dtype=np.uint8)
    out = (
        ThumbnailFeatures(output_size=2)
        .set_output(transform="pandas")
        .fit_transform(chips)
    )
    assert out.shape == (3, 12) and out.columns[0] == "r0_0"


def test_validation_and_pickle():
    chips = np.zeros((2, 8, 8, 3), dtype=np.uint8)
    with pytest.raises(NotFittedError):
        ThumbnailFeatures().transform(chips)
    with pytest.raises(ValueError, match="size"):
        ThumbnailFeatures(output_size=0).fit(chips)
    with pytest.raises(ValueError, match="2-D array"):
        ThumbnailFeatures().fit(np.zeros((4, 12)))
    est = ThumbnailFeatures().fit(chips)
    assert est.n_features_out_ == 192
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.transform(chips), est.transform(chips))
