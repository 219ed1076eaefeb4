"""piecewise_affine_warp: landmarks land where they are sent."""

import numpy as np
import pytest

from skface.alignment import piecewise_affine_warp

RNG = np.random.RandomState(0)
SRC = np.array([[20.0, 20.0], [44.0, 20.0], [32.0, 34.0], [22.0, 46.0], [42.0, 46.0]])


def _dot_image(points, size=64, channels=None):
    """Black image with a small bright square on each point."""
    img = np.zeros((size, size) + ((channels,) if channels else ()), np.float32)
    for x, y in np.round(points).astype(int):
        img[y - 1 : y + 2, x - 1 : x + 2] = 1.0
    return img


def test_same_points_give_back_the_image():
    img = RNG.rand(64, 64, 3).astype(np.float32)
    out = piecewise_affine_warp(img, SRC, SRC)
    assert out.shape == img.shape and out.dtype == img.dtype
    np.testing.assert_allclose(out, img, atol=1e-4)


@pytest.mark.parametrize("channels", [None, 3])
def test_each_point_moves_to_its_destination(channels):
    dst = SRC + np.array([[3.0, -2.0], [-4.0, 2.0], [2.0, 3.0], [-2.0, -3.0], [3, 2]])
    img = _dot_image(SRC, channels=channels)
    out = piecewise_affine_warp(img, SRC, dst)
    assert out.shape == img.shape
    grey = out if channels is None else out[..., 0]
    for dx, dy in dst:
        dx, dy = int(round(dx)), int(round(dy))
        assert grey[dy, dx] > 0.9  # the dot is at its destination
    # and no longer where it was (each moved by >= 3 px)
    assert all(grey[int(y), int(x)] < 0.1 for x, y in SRC)


def test_far_from_the_points_the_map_is_the_identity():
    img = RNG.rand(64, 64).astype(np.float32)
    dst = SRC + 2.0
    out = piecewise_affine_warp(img, SRC, dst)
    # the corners and edge midpoints are fixed points of the map
    for y, x in [(0, 0), (0, 63), (63, 0), (63, 63)]:
        assert out[y, x] == pytest.approx(img[y, x], abs=1e-4)


def test_output_shape_and_integer_dtypes():
    img = (RNG.rand(40, 50, 3) * 255).astype(np.uint8)
    src = np.array([[10.0, 10.0], [40.0, 10.0], [25.0, 30.0]])
    dst = src * 2
    out = piecewise_affine_warp(img, src, dst, output_shape=(80, 100))
    assert out.shape == (80, 100, 3) and out.dtype == np.uint8
    as_int64 = piecewise_affine_warp(img.astype(np.int64), src, src)
    assert as_int64.dtype == np.int64
    cubic = piecewise_affine_warp(img, src, src, interpolation="cubic")
    assert np.abs(cubic.astype(int) - img).max() <= 1


@pytest.mark.parametrize(
    "src, dst, kwargs, match",
    [
        (SRC[:2], SRC[:2], {}, "n_points >= 3"),
        (SRC, SRC[:4], {}, "differ in shape"),
        (np.full((5, 2), np.nan), SRC, {}, "src_points contains NaN"),
        (SRC, SRC, {"interpolation": "nearest"}, "interpolation must be"),
        (SRC, SRC, {"output_shape": (64,)}, "output_shape must be"),
    ],
)
def test_bad_input_is_named(src, dst, kwargs, match):
    img = np.zeros((64, 64), np.float32)
    with pytest.raises(ValueError, match=match):
        piecewise_affine_warp(img, src, dst, **kwargs)


def test_bad_image_shape():
    with pytest.raises(ValueError, match="image must be"):
        piecewise_affine_warp(np.zeros(64), SRC, SRC)


def test_repeated_destination_points_stay_finite():
    img = RNG.rand(64, 64).astype(np.float32)
    dst = np.repeat(SRC[:1], 5, axis=0)  # every landmark on one spot
    out = piecewise_affine_warp(img, SRC, dst)
    assert np.isfinite(out).all() and out.shape == img.shape
