"""FaceReconstructor: round trips, blending, colour matching, odd inputs."""

import numpy as np
import pytest
from skimage.data import astronaut

from skface.alignment import FaceExtractor, FaceReconstructor
from skface.datasets import make_synthetic_faces

SIZE = 128


@pytest.fixture(scope="module")
def photo():
    """The astronaut photo and its 68 landmarks from the default extractor."""
    X = astronaut()[np.newaxis]
    ext = FaceExtractor(output_size=SIZE).fit(X)
    return X, ext.landmark_extractor_.landmarks(X)


def _extractor(**params):
    return FaceExtractor(output_size=SIZE, **params).fit(np.zeros((1, 8, 8, 3)))


def _photo_mask(records, i, shape):
    """The records' chip mask warped into the photo (nearest neighbour)."""
    import cv2

    return cv2.warpAffine(
        records.masks[i].astype(np.uint8),
        records.transforms[i],
        (shape[1], shape[0]),
        flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
    ).astype(bool)


def _psnr(a, b, where):
    d = a.astype(float)[where] - b.astype(float)[where]
    return 10 * np.log10(255.0**2 / np.mean(d**2))


@pytest.mark.parametrize("alignment", ["similarity", "eyes", "center"])
@pytest.mark.parametrize("blend", ["alpha", "poisson"])
def test_round_trip_reproduces_the_face(photo, alignment, blend):
    X, L = photo
    rec = _extractor(alignment=alignment).extract(X, L)
    out = FaceReconstructor(blend=blend).reconstruct(X, rec.chips, rec)
    assert out.shape == X.shape and out.dtype == np.uint8
    inside = _photo_mask(rec, 0, X.shape[1:])
    assert inside.sum() > 5000
    assert _psnr(out[0], X[0], inside) > 33
    # Far from the face nothing changes.
    grown = _photo_mask(rec, 0, X.shape[1:])
    ys, xs = np.nonzero(grown)
    far = np.ones(X.shape[1:3], bool)
    far[ys.min() - 10 : ys.max() + 10, xs.min() - 10 : xs.max() + 10] = False
    np.testing.assert_array_equal(out[0][far], X[0][far])


def test_edited_chip_changes_only_the_face(photo):
    X, L = photo
    rec = _extractor().extract(X, L)
    out = FaceReconstructor().reconstruct(X, 255 - rec.chips, rec)
    changed = np.abs(out[0].astype(int) - X[0]).max(-1) > 0
    inside = _photo_mask(rec, 0, X.shape[1:])
    assert changed[inside].mean() > 0.8
    assert changed.sum() <= 1.02 * inside.sum()


def _seam_and_interior(X, out, region, width=2):
    """Mean |out - X| on the inner ``width``-pixel band of ``region``, and deep
    inside."""
    import cv2

    region = region.astype(np.uint8)
    k = 2 * width + 1
    band = region & ~cv2.erode(region, np.ones((k, k), np.uint8))
    deep = cv2.erode(region, np.ones((31, 31), np.uint8)).astype(bool)
    diff = np.abs(out[0].astype(float) - X[0]).mean(-1)
    return diff[band.astype(bool)].mean(), diff[deep].mean()


def test_poisson_hides_the_seam_alpha_feathers_it(photo):
    X, L = photo
    rec = _extractor().extract(X, L)
    blends = {
        "hard": FaceReconstructor(blend="alpha", feather=0.0, erosion=0.1),
        "soft": FaceReconstructor(blend="alpha", feather=0.05, erosion=0.1),
        "poisson": FaceReconstructor(blend="poisson", erosion=0.1),
    }
    outs = {k: est.reconstruct(X, 255 - rec.chips, rec) for k, est in blends.items()}
    # The region the blends replace: where the hard-edged blend changed.
    region = np.abs(outs["hard"][0].astype(int) - X[0]).max(-1) > 0
    seam = {k: _seam_and_interior(X, out, region) for k, out in outs.items()}
    edge = {k: _seam_and_interior(X, out, region, 1) for k, out in outs.items()}
    assert seam["hard"][1] > 50  # the edit is there (inverted colours)
    assert seam["soft"][0] < 0.8 * seam["hard"][0]  # feathered edge
    # Poisson meets the photo on the boundary (exact solve, measured: 11 on
    # the edge vs 45 inside and 45 for the hard edge).
    assert edge["poisson"][0] < 0.35 * edge["poisson"][1]
    assert edge["poisson"][0] < 0.35 * edge["hard"][0]


def test_poisson_keeps_the_photo_brightness(photo):
    """A uniform brightening has no gradient: cloning removes it."""
    X, L = photo
    rec = _extractor().extract(X, L)
    brighter = np.clip(rec.chips.astype(int) + 60, 0, 255).astype(np.uint8)
    inside = _photo_mask(rec, 0, X.shape[1:])
    for blend, low, high in [("alpha", 25, 70), ("poisson", -5, 5)]:
        out = FaceReconstructor(blend=blend).reconstruct(X, brighter, rec)
        change = (out[0].astype(float) - X[0])[inside].mean()
        assert low <= change <= high, (blend, change)


def test_color_match_removes_a_colour_cast(photo):
    X, L = photo
    rec = _extractor().extract(X, L)
    cast = rec.chips / 255.0 * [1.2, 0.85, 0.75] + [0.05, 0.0, 0.0]
    cast = np.clip(cast, 0, 1)
    inside = _photo_mask(rec, 0, X.shape[1:])
    errs = {}
    for match in (False, "mean_std"):
        out = FaceReconstructor(color_match=match).reconstruct(X, cast, rec)
        errs[match] = np.abs(out[0][inside].mean(0) - X[0][inside].mean(0)).max()
    assert errs[False] > 10
    assert errs["mean_std"] < 0.3 * errs[False]


def test_missing_faces_come_back_unchanged():
    faces = make_synthetic_faces(3, size=96, random_state=1)
    L = faces.landmarks.copy()
    L[1] = np.nan
    for policy, dtype in [("whole", "uint8"), ("nan", "float32")]:
        rec = _extractor(on_missing=policy, dtype=dtype).extract(faces.images, L)
        # NaN chips of missing faces (on_missing='nan') are not read at all.
        edited = (255 if dtype == "uint8" else 1) - rec.chips
        out = FaceReconstructor().reconstruct(faces.images, edited, rec)
        np.testing.assert_array_equal(out[1], faces.images[1])
        assert not np.array_equal(out[0], faces.images[0])


def test_nan_chips_of_found_faces_are_refused():
    faces = make_synthetic_faces(2, size=96, random_state=1)
    rec = _extractor(dtype="float32").extract(faces.images, faces.landmarks)
    chips = rec.chips.copy()
    chips[1, 3, 3] = np.nan
    with pytest.raises(ValueError, match=r"chips\[1\] contains NaN"):
        FaceReconstructor().reconstruct(faces.images, chips, rec)


def test_chips_of_another_size_are_resized(photo):
    X, L = photo
    rec = _extractor().extract(X, L)
    import cv2

    small = cv2.resize(rec.chips[0], (64, 64), interpolation=cv2.INTER_AREA)
    out = FaceReconstructor().reconstruct(X, small[None], rec)
    inside = _photo_mask(rec, 0, X.shape[1:])
    assert _psnr(out[0], X[0], inside) > 24


def test_dtypes_and_channels_of_the_photos(photo):
    X, L = photo
    rec = _extractor().extract(X, L)
    ref = FaceReconstructor().reconstruct(X, rec.chips, rec)
    u16 = FaceReconstructor().reconstruct(X.astype(np.uint16) * 257, rec.chips, rec)
    assert u16.dtype == np.uint16
    assert np.abs(u16 / 257.0 - ref).max() <= 1.0
    f = FaceReconstructor().reconstruct(X / 255.0, rec.chips / 255.0, rec)
    assert f.dtype == np.float64 and np.abs(f * 255 - ref).max() <= 1.0
    rgba = np.concatenate([X, np.full(X.shape[:3] + (1,), 255, np.uint8)], -1)
    np.testing.assert_array_equal(
        FaceReconstructor().reconstruct(rgba, rec.chips, rec), ref
    )
    grey = X.mean(-1).astype(np.uint8)
    g = FaceReconstructor().reconstruct(grey, rec.chips, rec)
    assert g.shape == X.shape


def test_mixed_sizes_give_a_list():
    faces = make_synthetic_faces(2, size=96, random_state=2)
    big = np.kron(faces.images[1], np.ones((2, 2, 1), np.uint8))
    X = [faces.images[0], big]
    L = np.stack([faces.landmarks[0], faces.landmarks[1] * 2 + 0.5])
    rec = _extractor().extract(X, L)
    out = FaceReconstructor(blend="poisson").reconstruct(X, rec.chips, rec)
    assert isinstance(out, list) and [o.shape for o in out] == [x.shape for x in X]


def test_large_photo_is_fast_and_local(photo):
    import time

    X, L = photo
    big = np.zeros((3000, 4000, 3), np.uint8)
    big[:512, :512] = X[0]
    big[1000:1512, 3000:3512] = X[0]
    rec = _extractor().extract(big[None], (L + [3000, 1000]))
    start = time.perf_counter()
    out = FaceReconstructor().reconstruct(big[None], 255 - rec.chips, rec)
    assert time.perf_counter() - start < 2.0
    np.testing.assert_array_equal(out[0, :512, :512], X[0])
    assert not np.array_equal(out[0, 1000:1512, 3000:3512], X[0])


def test_validation_errors(photo):
    X, L = photo
    rec = _extractor().extract(X, L)
    est = FaceReconstructor()
    with pytest.raises(TypeError, match="FaceRecords"):
        est.reconstruct(X, rec.chips, {"chips": rec.chips})
    with pytest.raises(ValueError, match="1 faces but X has 2 images"):
        est.reconstruct(np.concatenate([X, X]), rec.chips, rec)
    with pytest.raises(ValueError, match="got 2 chips for 1 images"):
        est.reconstruct(X, np.concatenate([rec.chips, rec.chips]), rec)
    with pytest.raises(ValueError, match=r"X\[0\] is 256x256 pixels but was 512x512"):
        est.reconstruct(X[:, ::2, ::2], rec.chips, rec)
    with pytest.raises(ValueError, match=r"chips\[0\] has float values"):
        est.reconstruct(X, rec.chips * 2.0, rec)
    with pytest.raises(ValueError, match="blend"):
        FaceReconstructor(blend="median").reconstruct(X, rec.chips, rec)
    assert FaceReconstructor().fit(X) is not None


@pytest.mark.parametrize("blend", ["alpha", "poisson"])
def test_face_cut_by_the_photo_edge(photo, blend):
    X, L = photo
    crop = np.ascontiguousarray(X[:, 90:, 200:])  # the face's left third is cut
    pts = L - [200, 90]
    assert (pts[..., 0] < 0).any()
    rec = _extractor().extract(crop, pts)
    est = FaceReconstructor(blend=blend, color_match="mean_std")
    out = est.reconstruct(crop, 255 - rec.chips, rec)
    assert out.shape == crop.shape
    assert not np.array_equal(out, crop)
    same = FaceReconstructor(blend=blend).reconstruct(crop, rec.chips, rec)
    inside = _photo_mask(rec, 0, crop.shape[1:])
    assert _psnr(same[0], crop[0], inside) > 30


def test_mask_eroded_away_leaves_the_photo(photo):
    X, L = photo
    rec = _extractor().extract(X, L)
    out = FaceReconstructor(erosion=0.49).reconstruct(X, 255 - rec.chips, rec)
    np.testing.assert_array_equal(out, X)
