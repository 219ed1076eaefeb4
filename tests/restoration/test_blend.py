import numpy as np
import pytest
from skimage import data
from skimage.transform import resize

from skface.metrics import seam_score
from skface.restoration import blend_fill


@pytest.fixture(scope="module")
def face():
    img = resize(data.astronaut()[30:230, 140:340], (64, 64), anti_aliasing=True)
    return img.astype(np.float32)


def _hole():
    hole = np.zeros((64, 64), bool)
    hole[20:44, 18:46] = True
    return hole


@pytest.mark.parametrize("method", ["none", "feather", "poisson"])
@pytest.mark.parametrize("grey", [False, True])
def test_known_pixels_bit_identical(face, method, grey):
    img = face.mean(2) if grey else face
    rng = np.random.default_rng(0)
    fill = rng.random(img.shape).astype(np.float32)
    hole = _hole()
    out = blend_fill(img, fill, hole, method)
    assert out.dtype == np.float32 and out.shape == img.shape
    np.testing.assert_array_equal(out[~hole], img[~hole])
    assert out.min() >= 0 and out.max() <= 1
    # Only the fill's hole pixels matter.
    other = np.where(hole[..., None] if not grey else hole, fill, 0.0)
    np.testing.assert_array_equal(blend_fill(img, other, hole, method), out)


def test_blending_lowers_seam_for_offset_fill(face):
    hole = _hole()
    fill = face * 0.75  # darker: a visible step at the hole's edge
    scores = {
        m: seam_score(blend_fill(face, fill, hole, m)[None], hole[None])
        for m in ("none", "feather", "poisson")
    }
    assert scores["none"] > 0.08
    assert scores["feather"] < 0.5 * scores["none"]
    assert scores["poisson"] < 0.2 * scores["none"]
    assert abs(scores["poisson"]) < 0.03


def test_poisson_recovers_smooth_image_from_constant_offset():
    yy, xx = np.mgrid[0:48, 0:48] / 47.0
    smooth = (0.2 + 0.3 * xx + 0.2 * yy + 0.1 * np.sin(3 * xx) * yy).astype(np.float32)
    hole = np.zeros((48, 48), bool)
    hole[10:35, 12:40] = True
    out = blend_fill(smooth, smooth + 0.3, hole, "poisson")
    assert np.abs(out - smooth).max() < 5e-3
    out = blend_fill(smooth, smooth + 0.3, hole, "none")
    assert np.abs(out - smooth).max() > 0.29


def test_hole_touching_image_border():
    yy, xx = np.mgrid[0:64, 0:64] / 63.0
    smooth = (0.3 + 0.4 * xx * yy).astype(np.float32)
    hole = np.zeros((64, 64), bool)
    hole[40:, :30] = True  # lower-left corner, two sides on the border
    out = blend_fill(smooth, smooth + 0.1, hole, "poisson")
    assert np.abs(out - smooth)[hole].max() < 5e-3


def test_errors(face):
    hole = _hole()
    with pytest.raises(ValueError, match="method"):
        blend_fill(face, face, hole, "blur")
    with pytest.raises(ValueError, match="fill has shape"):
        blend_fill(face, face[:10], hole, "none")
    with pytest.raises(ValueError, match="hole has shape"):
        blend_fill(face, face, hole[:10], "none")
    with pytest.raises(ValueError, match="known pixels"):
        blend_fill(face, face, np.ones((64, 64), bool), "poisson")


@pytest.mark.parametrize("method", ["feather", "poisson"])
@pytest.mark.parametrize(
    "where", [(slice(20, 30), slice(25, 40)), (slice(0, 9), slice(50, 64))]
)
def test_blend_on_the_hole_box_equals_the_whole_image(face, method, where):
    # blend_fill works on the hole's box plus a 1-pixel frame (a small hole
    # in a 24-megapixel photo used to cost a distance transform of the
    # whole photo); the result must be the whole-image computation's.
    from scipy.ndimage import distance_transform_edt

    from skface.utils import poisson_blend

    rng = np.random.default_rng(1)
    fill = rng.random(face.shape).astype(np.float32)
    hole = np.zeros((64, 64), bool)
    hole[where] = True
    hole[where[0].start, where[1].start] = False  # not a plain rectangle
    width = 4.0
    out = blend_fill(face, fill, hole, method, width=width)
    if method == "poisson":
        ref = poisson_blend(face, fill, hole)
    else:
        dist, (iy, ix) = distance_transform_edt(hole, return_indices=True)
        alpha = np.clip((dist - 0.5) / width, 0, 1)[..., None]
        ref = np.where(hole[..., None], alpha * fill + (1 - alpha) * face[iy, ix], face)
    np.testing.assert_allclose(out, ref, atol=1e-6)
