"""The image toolbox: resize, channels, masks, Poisson blend, augmentation."""

import numpy as np
import pytest
from scipy.ndimage import binary_erosion
from skimage.data import astronaut

import skface.utils._poisson as poisson_mod
from skface.utils import (
    check_images,
    check_mask,
    check_masks,
    convert_channels,
    flip_shift_augment,
    poisson_blend,
    resize,
)

FACE = astronaut()[30:222, 150:342]  # 192 x 192 RGB uint8


# ----------------------------------------------------------------------
# resize


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
@pytest.mark.parametrize("channels", [None, 1, 3, 4, 7])
def test_resize_keeps_dtype_layout_and_averages_blocks(dtype, channels):
    rng = np.random.default_rng(0)
    shape = (12, 18) if channels is None else (12, 18, channels)
    top = 1.0 if np.dtype(dtype).kind == "f" else np.iinfo(dtype).max
    x = (rng.random(shape) * top).astype(dtype)
    out = resize(x, (4, 6))
    assert out.dtype == x.dtype and out.shape == (4, 6) + shape[2:]
    # A 3x3 block mean (area averaging), rounded for integers.
    blocks = x.astype(np.float64).reshape(4, 3, 6, 3, *shape[2:]).mean(axis=(1, 3))
    atol = 0.5 + 1e-6 if np.dtype(dtype).kind == "u" else 1e-5
    np.testing.assert_allclose(out.astype(np.float64), blocks, atol=atol)


def test_resize_area_is_exact_for_fractional_ratios_and_keeps_the_mean():
    x = np.random.default_rng(1).random((37, 23, 3))
    out = resize(x, 8)
    np.testing.assert_allclose(out.mean(axis=(0, 1)), x.mean(axis=(0, 1)), rtol=1e-6)
    # One-pixel stripes average to grey: no aliasing.
    stripes = np.zeros((64, 64), np.float32)
    stripes[:, ::2] = 1
    np.testing.assert_allclose(resize(stripes, 8), 0.5, atol=1e-6)


def test_resize_enlarges_bilinearly_and_cubic_does_not_overshoot():
    x = np.array([[0.0, 1.0], [1.0, 0.0]], np.float32)
    up = resize(x, 4)
    # Half-pixel centres: the outer pixels repeat the edge, inner ones blend.
    np.testing.assert_allclose(up[0], [0, 0.25, 0.75, 1])
    step = np.zeros((8, 8), np.float32)
    step[:, 4:] = 1
    cubic = resize(step, 32, interpolation="cubic")
    assert cubic.min() >= 0 and cubic.max() <= 1
    assert (cubic != resize(step, 32)).any()  # it is another interpolation


def test_resize_mixed_shrink_and_enlarge():
    x = np.random.default_rng(2).random((40, 5)).astype(np.float32)
    out = resize(x, (10, 20))
    # Rows are area-averaged (4 -> 1) before the columns are interpolated.
    rows = x.reshape(10, 4, 5).mean(axis=1)
    np.testing.assert_allclose(out, resize(rows, (10, 20)), atol=1e-6)


def test_resize_same_size_is_a_copy():
    out = resize(FACE, FACE.shape[:2])
    np.testing.assert_array_equal(out, FACE)
    assert out is not FACE


@pytest.mark.parametrize(
    "args, match",
    [
        ((np.zeros((4, 4), bool), 2), "dtype"),
        ((np.zeros((4, 4), np.int64), 2), "dtype"),
        ((np.zeros(4, np.uint8), 2), r"\(H, W\)"),
        ((np.zeros((4, 4), np.uint8), 0), "size"),
        ((np.zeros((4, 4), np.uint8), (2, 2, 2)), "size"),
    ],
)
def test_resize_refuses_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        resize(*args)
    with pytest.raises(ValueError, match="interpolation"):
        resize(FACE, 4, interpolation="lanczos")


def _spy_cv2_resize(monkeypatch):
    """Record ``(input shape, dsize, interpolation)`` of every cv2.resize."""
    import cv2

    calls = []
    real = cv2.resize

    def spy(src, dsize, *args, interpolation=cv2.INTER_LINEAR, **kwargs):
        calls.append((src.shape, dsize, interpolation))
        return real(src, dsize, *args, interpolation=interpolation, **kwargs)

    monkeypatch.setattr(cv2, "resize", spy)
    return calls


def test_large_photos_are_shrunk_in_one_area_pass(monkeypatch):
    # The audit: ImageResizer(8) took 56 s on a 3000x2000 photo (a Gaussian
    # pre-filter of the whole photo in float64). The full-size photo must
    # be read by exactly one area-averaging pass, straight to the output.
    import cv2

    from skface.features import ThumbnailFeatures
    from skface.preprocessing import ImageResizer

    photo = np.zeros((2000, 3000, 3), np.uint8)
    photo[:, 1500:] = 255
    calls = _spy_cv2_resize(monkeypatch)
    out = ImageResizer(8).fit_transform(photo[None])
    thumb = ThumbnailFeatures(output_size=8).fit_transform(photo[None])
    full = [c for c in calls if c[0][:2] == (2000, 3000)]
    assert [c[1:] for c in full] == [((8, 8), cv2.INTER_AREA)] * 2
    np.testing.assert_allclose(out[0, :, :4], 0, atol=1e-6)
    np.testing.assert_allclose(out[0, :, 4:], 1, atol=1e-6)
    np.testing.assert_allclose(thumb.reshape(8, 8, 3), out[0], atol=1e-6)


def test_every_estimator_that_shrinks_a_face_agrees():
    # The audit measured six resize code paths up to 24 grey levels apart
    # on the same face; all of them now go through utils.resize.
    pytest.importorskip("torch")
    from skface.autoencoders._autoencoder_net import _prepare
    from skface.autoencoders._latent_decoder import resize_chips
    from skface.features import ThumbnailFeatures
    from skface.features._dlib_encoder import _resize_chip
    from skface.preprocessing import ImageResizer
    from skface.restoration import FaceInpainter

    size = 48
    face = FACE.astype(np.float32) / 255
    inpainter = FaceInpainter(image_size=size)
    inpainter.n_channels_ = 3
    outs = {
        "ImageResizer": ImageResizer(size).fit_transform(FACE[None])[0],
        "ThumbnailFeatures": ThumbnailFeatures(output_size=size)
        .fit_transform(FACE[None])
        .reshape(size, size, 3),
        "FaceAutoencoder": _prepare([face], 3, [size])[0][0].transpose(1, 2, 0),
        "LatentDecoder": resize_chips([face], size)[0],
        "FaceInpainter": inpainter._net_input(face).transpose(1, 2, 0),
    }
    ref = resize(face, size) * 255
    for name, out in outs.items():
        assert np.abs(out * 255 - ref).max() <= 1.0, name
    # dlib's encoder shrinks uint8 chips to 150 x 150 the same way.
    chip = _resize_chip(FACE)
    ref = resize(face, 150) * 255
    assert chip.dtype == np.uint8 and np.abs(chip - ref).max() <= 1.0


# ----------------------------------------------------------------------
# channels


def test_convert_channels_matches_check_images_and_drops_alpha():
    rgba = np.dstack([FACE, np.full(FACE.shape[:2], 7, np.uint8)])
    grey = convert_channels(rgba, "grey")
    np.testing.assert_array_equal(grey, check_images(FACE[None], channels="grey")[0])
    assert convert_channels(rgba).shape == FACE.shape
    rgb = convert_channels(grey, "rgb")
    assert rgb.shape == FACE.shape and (rgb[..., 0] == rgb[..., 2]).all()
    assert convert_channels(grey[..., None]).shape == grey.shape
    floats = convert_channels(FACE[None] / 255.0, "grey")  # a batch
    assert floats.shape == (1,) + FACE.shape[:2]
    np.testing.assert_allclose(floats[0] * 255, grey, atol=0.5 + 1e-9)
    red = np.zeros((1, 1, 3))
    red[..., 0] = 1
    assert convert_channels(red, "grey")[0, 0] == pytest.approx(0.299)


def test_convert_channels_errors():
    with pytest.raises(ValueError, match="channels must be"):
        convert_channels(FACE, "bgr")
    with pytest.raises(ValueError, match=r"got shape \(4, 4, 2\)"):
        convert_channels(np.zeros((4, 4, 2)), "grey")


# ----------------------------------------------------------------------
# masks


def test_check_mask_rules_and_messages():
    m = np.zeros((4, 5), bool)
    m[1, 1] = True
    assert check_mask(m, (4, 5, 3)).flags.c_contiguous
    with pytest.raises(ValueError, match=r"hole must be boolean"):
        check_mask(m.astype(np.uint8), (4, 5), name="hole")
    binary = check_mask(m.astype(np.uint8), (4, 5), allow_binary=True)
    np.testing.assert_array_equal(binary, m)
    with pytest.raises(ValueError, match="must be boolean"):
        check_mask(m * 255, (4, 5), allow_binary=True)
    with pytest.raises(ValueError, match=r"mask has shape \(4, 5\) but its image"):
        check_mask(m, (5, 4))
    with pytest.raises(ValueError, match="mask is empty"):
        check_mask(~m & m, (4, 5))
    assert not check_mask(~m & m, (4, 5), allow_empty=True).any()
    with pytest.raises(ValueError, match="covers the whole image"):
        check_mask(np.ones((4, 5), bool), (4, 5), allow_full=False)


def test_check_masks_batch():
    m = np.zeros((2, 4, 4), bool)
    m[:, 1, 1] = True
    assert len(check_masks(m[0], [(4, 4)] * 3)) == 3
    with pytest.raises(ValueError, match=r"one \(H, W\) mask per image"):
        check_masks(m[0], [(4, 4)] * 3, broadcast=False)
    with pytest.raises(ValueError, match="got 2 masks for 3 images"):
        check_masks(m, [(4, 4)] * 3)
    with pytest.raises(ValueError, match=r"masks\[1\] has shape"):
        check_masks(m, [(4, 4), (4, 5)])
    with pytest.raises(ValueError, match="not a batch of masks"):
        check_masks(3, [(4, 4)])


# ----------------------------------------------------------------------
# Poisson blending


def _disc(h, w, r):
    yy, xx = np.mgrid[:h, :w]
    return (yy - h / 2) ** 2 + (xx - w / 2) ** 2 < r**2


def test_poisson_blend_keeps_known_pixels_and_source_gradients():
    image = FACE.astype(np.float32) / 255
    hole = _disc(192, 192, 50)
    out = poisson_blend(image, image + 0.2, hole, edge="source")
    np.testing.assert_array_equal(out[~hole], image[~hole])
    # The same gradients as the image: the blend gives the image back.
    np.testing.assert_allclose(out[hole], image[hole], atol=1e-4)
    # 'mirror' extrapolates the source across the edge: exact on a ramp.
    ramp = np.tile(np.linspace(0, 1, 192, dtype=np.float32), (192, 1))
    out = poisson_blend(ramp, ramp + 0.2, hole)
    np.testing.assert_allclose(out, ramp, atol=1e-4)
    grey = poisson_blend(image[..., 0], image[..., 0] + 0.2, hole)
    assert grey.shape == hole.shape and grey.dtype == np.float32
    with pytest.raises(ValueError, match="covers the whole image"):
        poisson_blend(image, image, np.ones(hole.shape, bool))
    with pytest.raises(ValueError, match="source has shape"):
        poisson_blend(image, image[:10], hole)
    with pytest.raises(ValueError, match="edge must be"):
        poisson_blend(image, image, hole, edge="copy")


def test_poisson_blend_coarse_to_fine_matches_the_direct_solve(monkeypatch):
    # Large holes are solved coarse to fine (the direct solve of a
    # million-pixel hole took 80 s); force that path on a small hole and
    # compare with the exact solution.
    image = FACE.astype(np.float64) / 255
    source = 1 - image  # inverted: a large correction to find
    hole = _disc(192, 192, 60)
    exact = poisson_blend(image, source, hole)
    monkeypatch.setattr(poisson_mod, "_DIRECT_MAX", 1500)
    calls = []
    real = poisson_mod._solve
    monkeypatch.setattr(
        poisson_mod, "_solve", lambda *a: calls.append(a[3].sum()) or real(*a)
    )
    fast = poisson_blend(image, source, hole)
    assert max(calls) < hole.sum()  # no direct solve of the whole hole
    fast_src = poisson_blend(image, source, hole, edge="source")
    monkeypatch.undo()
    exact_src = poisson_blend(image, source, hole, edge="source")
    assert np.abs(fast_src - exact_src)[hole].mean() * 255 < 1.5
    # Worst case (an inverted face: the most texture along the edge),
    # measured: 1.1 grey levels on average, 6.6 at most.
    diff = np.abs(fast - exact)[hole] * 255
    assert diff.mean() < 1.5 and diff.max() < 8.0
    # The band along the edge is solved exactly at full resolution.
    edge = hole & ~binary_erosion(hole)
    assert diff.mean() < 1.5 and np.abs(fast - exact)[edge].mean() * 255 < 1.0
    np.testing.assert_array_equal(fast[~hole], exact[~hole])


def test_blend_wrappers_use_the_one_poisson_blend():
    from skface.alignment._blend import poisson_blend as clone_chip
    from skface.restoration import blend_fill

    image = FACE.astype(np.float32) / 255
    source = np.clip(image[::-1] * 0.8, 0, 1)
    hole = _disc(192, 192, 40)
    ref = poisson_blend(image, source, hole)
    np.testing.assert_allclose(blend_fill(image, source, hole, "poisson"), ref)
    window = clone_chip(image, source, hole.astype(np.uint8) * 255)
    np.testing.assert_allclose(
        window, poisson_blend(image, source, hole, edge="source")
    )


# ----------------------------------------------------------------------
# augmentation


def test_flip_shift_augment_flips_half_and_shifts_with_edge_pixels():
    batch = np.broadcast_to(np.arange(10.0), (400, 3, 10)).copy()
    flipped = flip_shift_augment(batch, 0)
    mirrored = (flipped[:, 0] == np.arange(10.0)[::-1]).all(1)
    assert 150 < mirrored.sum() < 250
    assert ((flipped[:, 0] == np.arange(10.0)).all(1) | mirrored).all()
    shifted = flip_shift_augment(batch, 0, horizontal_flip=False, max_shift=2)
    first = shifted[:, 0, 0]
    # Content moved right by d repeats the edge; moved left drops pixels.
    assert set(first) == {0.0, 1.0, 2.0}
    row = shifted[first == 2.0][0, 0]
    np.testing.assert_array_equal(row, [2, 3, 4, 5, 6, 7, 8, 9, 9, 9])
    np.testing.assert_array_equal(
        flip_shift_augment(batch, 3), flip_shift_augment(batch, 3)
    )


def test_flip_shift_augment_moves_targets_together():
    rng = np.random.default_rng(0)
    batch = rng.random((50, 8, 8, 3))
    targets = np.repeat(np.repeat(batch, 2, axis=1), 2, axis=2)  # twice the size
    out, tout = flip_shift_augment(batch, 1, max_shift=1, targets=targets)
    np.testing.assert_allclose(tout[:, ::2, ::2], out)
    with pytest.raises(ValueError, match="max_shift"):
        flip_shift_augment(batch, 0, max_shift=-1)
    with pytest.raises(ValueError, match="targets has 2 rows"):
        flip_shift_augment(batch, 0, targets=targets[:2])


def test_torch_twin_matches_the_numpy_augmentation():
    torch = pytest.importorskip("torch")
    from skface.nn import flip_shift_batch

    x = torch.arange(2 * 3 * 10.0).reshape(2, 1, 3, 10).repeat(200, 1, 1, 1)
    y = x.repeat_interleave(2, -1).repeat_interleave(2, -2)
    g = torch.Generator().manual_seed(0)
    xo, yo = flip_shift_batch(x, y, max_shift=2, generator=g)
    torch.testing.assert_close(yo[..., ::2, ::2], xo)
    # Each output is one of the numpy toolbox's flips and shifts of its input.
    variants = set()
    for flip in (False, True):
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                img = x[0, 0].numpy()
                img = img[:, ::-1] if flip else img
                rows = np.clip(np.arange(3) - dy, 0, 2)
                cols = np.clip(np.arange(10) - dx, 0, 9)
                variants.add(img[rows][:, cols].tobytes())
    assert all(xo[i, 0].numpy().tobytes() in variants for i in range(0, 400, 2))
    assert flip_shift_batch(x, horizontal_flip=False) is x
