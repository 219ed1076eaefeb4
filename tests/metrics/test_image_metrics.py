import numpy as np
import pytest
from skimage import data
from skimage.transform import resize

from skface.metrics import l1_error, psnr, seam_score, ssim


@pytest.fixture(scope="module")
def face():
    img = resize(data.astronaut()[30:230, 140:340], (64, 64), anti_aliasing=True)
    return img.astype(np.float32)[None]


def _hole(h=64, w=64):
    m = np.zeros((1, h, w), bool)
    m[0, 20:44, 18:46] = True
    return m


def test_psnr_and_l1_known_values():
    a = np.zeros((2, 8, 8))
    b = a.copy()
    b[0] += 0.1
    b[1] += 0.01
    np.testing.assert_allclose(psnr(a, b, reduction=None), [20.0, 40.0])
    assert psnr(a, b) == pytest.approx(30.0)
    np.testing.assert_allclose(l1_error(a, b, reduction=None), [0.1, 0.01], rtol=1e-5)
    assert psnr(a, a) == pytest.approx(100.0)  # floored MSE
    # uint8 input is compared in [0, 1].
    u = np.full((1, 8, 8), 255, np.uint8)
    assert psnr(u, np.zeros((1, 8, 8))) == pytest.approx(0.0)


def test_masks_restrict_the_region():
    a = np.zeros((1, 10, 10, 3))
    b = a.copy()
    hole = _hole(10, 10)[:, :, :]
    hole[0] = False
    hole[0, 2:5, 2:5] = True
    b[0, 2:5, 2:5] = 0.1
    b[0, 8:, 8:] = 1.0  # outside the hole: ignored with the mask
    assert psnr(a, b, masks=hole) == pytest.approx(20.0)
    assert l1_error(a, b, masks=hole) == pytest.approx(0.1)
    assert l1_error(a, b, masks=hole[0]) == pytest.approx(0.1)  # (H, W) mask
    assert l1_error(a, b) == pytest.approx((9 * 0.1 + 4 * 1.0) / 100)
    assert ssim(a, b, masks=hole) < ssim(a, a, masks=hole) == pytest.approx(1.0)


def test_ssim_known_values(face):
    assert ssim(face, face) == pytest.approx(1.0)
    noisy = np.clip(face + np.random.default_rng(0).normal(0, 0.1, face.shape), 0, 1)
    assert 0.1 < ssim(face, noisy) < 0.9
    grey = face.mean(-1)
    assert ssim(grey, grey) == pytest.approx(1.0)
    tiny = np.random.default_rng(0).random((1, 5, 5))
    assert ssim(tiny, tiny) == pytest.approx(1.0)  # window smaller than 7


def test_validation_errors(face):
    with pytest.raises(ValueError, match="1 images but images_pred has 2"):
        psnr(face, np.concatenate([face, face]))
    with pytest.raises(ValueError, match=r"images_pred\[0\] has shape"):
        psnr(face, face[:, :32])
    with pytest.raises(ValueError, match=r"masks\[0\] must be boolean"):
        psnr(face, face, masks=_hole().astype(int))
    with pytest.raises(ValueError, match=r"masks\[0\] has shape"):
        l1_error(face, face, masks=np.ones((1, 8, 8), bool))
    with pytest.raises(ValueError, match=r"masks\[0\] is empty: it selects no pixel"):
        ssim(face, face, masks=np.zeros((1, 64, 64), bool))
    with pytest.raises(ValueError, match="got 2 masks for 1 images"):
        seam_score(face, np.ones((2, 64, 64), bool))
    with pytest.raises(ValueError, match="reduction"):
        psnr(face, face, reduction="sum")


def test_seam_score_natural_image_vs_pasted_patch(face):
    hole = _hole()
    natural = seam_score(face, hole)
    assert abs(natural) < 0.02  # an arbitrary region of a real photo: no seam
    pasted = face.copy()
    # A patch taken from elsewhere (offset by 12 pixels) and brightened.
    shifted = np.roll(face, (12, 12), axis=(1, 2))
    pasted[hole] = np.clip(shifted[hole] + 0.2, 0, 1)
    assert seam_score(pasted, hole) > 0.15
    values = seam_score(
        np.concatenate([face, pasted]), np.concatenate([hole, hole]), reduction=None
    )
    assert values.shape == (2,) and values[0] < values[1]


def test_seam_score_known_value_and_no_boundary():
    img = np.full((1, 20, 20), 0.5)
    hole = np.zeros((1, 20, 20), bool)
    hole[0, 5:15, 5:15] = True
    img[hole] = 0.7
    assert seam_score(img, hole) == pytest.approx(0.2)
    full = np.ones((1, 20, 20), bool)
    assert np.isnan(seam_score(img, full))
