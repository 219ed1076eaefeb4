"""Classical inpainters and the mask synthesizer work on the hole's (the
face's) neighbourhood, not the whole photo."""

import numpy as np
import pytest
from skimage.data import astronaut
from skimage.draw import polygon as draw_polygon
from skimage.restoration import inpaint_biharmonic

import skface.restoration._biharmonic as bih
import skface.restoration._masked_faces as mf
from skface.alignment import face_template
from skface.restoration import (
    BiharmonicInpainter,
    MaskedFaceSynthesizer,
    TeleaInpainter,
)
from skface.restoration.masks import face_mask_polygon

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


# ----------------------------------------------------------------------
# MaskedFaceSynthesizer: a face in a large photo costs what the face costs.


def _old_alpha(polygon, shape):
    # The supersampled coverage computed over the whole image (before the
    # polygon's box was used).
    ss = mf._SS
    h, w = shape
    poly = (polygon + 0.5) * ss - 0.5
    big = np.zeros((h * ss, w * ss), dtype=np.float32)
    rr, cc = draw_polygon(poly[:, 1], poly[:, 0], shape=big.shape)
    big[rr, cc] = 1.0
    return big.reshape(h, ss, w, ss).mean(axis=(1, 3))


@pytest.mark.parametrize("shift", [(0.0, 0.0), (37.3, -12.6), (-60.0, 140.2)])
def test_mask_alpha_on_the_polygon_box_equals_the_whole_image(shift):
    pts = face_template(68, size=160, padding=0.2) + shift  # may leave the image
    poly = face_mask_polygon(pts)
    np.testing.assert_array_equal(
        mf._alpha(poly, (150, 170)), _old_alpha(poly, (150, 170))
    )


def _as_float(photo):
    return photo.astype(np.float32) / np.float32(255)


@pytest.fixture(scope="module")
def large_photo():
    # The astronaut in a 1400x2100 photo (noise around her).
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (1400, 2100, 3), dtype=np.uint8)
    photo[300:812, 900:1412] = astronaut()
    return photo


def test_masked_faces_large_photo_is_not_copied_for_landmarks(large_photo, monkeypatch):
    synth = MaskedFaceSynthesizer(random_state=0).fit(IMG[None])
    ext = synth.landmark_extractor_
    seen, crops = [], []
    real_landmarks, real_render = ext.landmarks, mf._render

    def spy_landmarks(images):
        seen.extend(images)
        return real_landmarks(images)

    def spy_render(image, *args):
        crops.append(image.shape)
        return real_render(image, *args)

    monkeypatch.setattr(ext, "landmarks", spy_landmarks)
    monkeypatch.setattr(mf, "_render", spy_render)
    out, masks = synth.transform_with_masks([large_photo])
    # The landmarks come from the caller's uint8 pixels (no float32 round
    # trip of the whole photo), the mask is drawn on the face's window.
    assert len(seen) == 1 and np.shares_memory(seen[0], large_photo)
    assert len(crops) == 1 and crops[0][0] * crops[0][1] < large_photo[..., 0].size / 4
    assert masks[0].sum() > 1000
    keep = ~masks[0]
    np.testing.assert_array_equal(out[0][keep], _as_float(large_photo)[keep])


def test_masked_faces_float32_input_is_not_changed(large_photo):
    photo = _as_float(large_photo)
    before = photo.copy()
    synth = MaskedFaceSynthesizer(random_state=0).fit(IMG[None])
    for X in ([photo], photo[None]):
        out, masks = synth.transform_with_masks(X)
        assert masks.sum() > 1000
        assert not np.shares_memory(out, photo)
        np.testing.assert_array_equal(photo, before)
