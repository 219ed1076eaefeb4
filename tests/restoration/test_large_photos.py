"""Classical inpainters work on the hole's neighbourhood, not the whole photo."""

import numpy as np
import pytest
from skimage.data import astronaut
from skimage.restoration import inpaint_biharmonic

import skface.restoration._biharmonic as bih
from skface.restoration import BiharmonicInpainter, TeleaInpainter

IMG = astronaut().astype(np.float32) / 255


def _disc(r, cx=220, cy=256):
    yy, xx = np.mgrid[:512, :512]
    return (yy - cy) ** 2 + (xx - cx) ** 2 < r * r


@pytest.mark.parametrize("method", ["telea", "ns"])
def test_telea_on_the_hole_box_equals_the_whole_photo(method):
    import cv2

    hole = _disc(40)
    out = TeleaInpainter(method=method, radius=5).fit(IMG[None])
    out = out.transform(IMG[None], masks=hole[None])[0]
    flag = cv2.INPAINT_TELEA if method == "telea" else cv2.INPAINT_NS
    u16 = np.rint(IMG * 65535).astype(np.uint16)
    ref = np.stack(
        [
            cv2.inpaint(
                np.ascontiguousarray(u16[..., c]), hole.astype(np.uint8), 5, flag
            )
            for c in range(3)
        ],
        axis=2,
    ) / np.float32(65535)
    np.testing.assert_allclose(out, ref, atol=1e-6)


def test_biharmonic_small_hole_is_the_exact_solution():
    hole = _disc(40)
    out = BiharmonicInpainter().fit(IMG[None]).transform(IMG[None], masks=hole[None])
    ref = inpaint_biharmonic(IMG.astype(np.float64), hole, channel_axis=-1)
    np.testing.assert_allclose(out[0], ref, atol=1e-5)


def test_biharmonic_large_hole_is_solved_on_a_shrunk_copy(monkeypatch):
    # A 61,000-pixel hole took 7 s with one direct solve (a face-sized hole
    # in a 24-megapixel photo, minutes); now no solve sees over 10,000.
    sizes = []
    real = bih._biharmonic

    def spy(image, hole, split):
        sizes.append(int(hole.sum()))
        return real(image, hole, split)

    monkeypatch.setattr(bih, "_biharmonic", spy)
    hole = _disc(140)
    out = BiharmonicInpainter().fit(IMG[None]).transform(IMG[None], masks=hole[None])
    assert sizes and max(sizes) <= bih._MAX_HOLE < hole.sum()
    np.testing.assert_array_equal(out[0][~hole], IMG[~hole])
    # It meets the edge: the step across it is that of the photo itself.
    edge = hole & ~np.roll(hole, 1, axis=1)
    step = np.abs(out[0][edge] - out[0][np.roll(edge, -1, axis=1)]).mean()
    assert step < 2 * np.abs(IMG[edge] - IMG[np.roll(edge, -1, axis=1)]).mean() + 0.02
