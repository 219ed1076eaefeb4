"""FaceExtractor: alignments, masks, records, missing faces, odd inputs."""

import pickle

import joblib
import numpy as np
import pytest
from skimage.data import astronaut

from skface.alignment import FaceExtractor, FaceRecords, face_template
from skface.datasets import make_synthetic_faces

SIZE = 64


@pytest.fixture(scope="module")
def faces():
    """Drawn faces with exact landmarks, rotated up to 15 degrees."""
    return make_synthetic_faces(8, size=96, random_state=0)


@pytest.fixture(scope="module")
def photo():
    """The astronaut photo and its 68 landmarks from the default extractor."""
    X = astronaut()[np.newaxis]
    ext = FaceExtractor(output_size=SIZE).fit(X)
    return X, ext.landmark_extractor_.landmarks(X)


def _fitted(**params):
    # Landmarks are passed explicitly, so fit on any image.
    return FaceExtractor(output_size=SIZE, **params).fit(np.zeros((1, 8, 8, 3)))


def _rotation(deg):
    t = np.deg2rad(deg)
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


@pytest.mark.parametrize("n_points", [68, 5])
def test_similarity_puts_landmarks_on_template(n_points):
    template = face_template(n_points, size=SIZE, padding=0.25)
    # A face that *is* a moved template lands exactly on the template.
    A = 210 * _rotation(-12)
    pts = face_template(n_points) @ A.T + [60, 40]
    X = np.zeros((1, 300, 300, 3), np.uint8)
    rec = _fitted().extract(X, pts[None])
    np.testing.assert_allclose(rec.landmarks[0], template, atol=1e-9)
    np.testing.assert_allclose(
        rec.transforms[0][:, :2], _rotation(12) * SIZE / 1.5 / 210
    )


def test_similarity_on_drawn_faces(faces):
    rec = _fitted().extract(faces.images, faces.landmarks)
    template = face_template(68, size=SIZE, padding=0.25)
    err = np.linalg.norm(rec.landmarks - template, axis=-1).mean(1)
    assert rec.found.all()
    assert (err < 0.06 * SIZE).all(), err
    # The residual is the least-squares one: no other similarity does better.
    M = rec.transforms[0]
    for dA in (np.eye(2) * 1.02, _rotation(2)):
        pts = faces.landmarks[0] @ (dA @ M[:, :2]).T + M[:, 2]
        assert np.linalg.norm(pts - template, axis=-1).mean() > err[0] - 1e-3


def test_eyes_alignment_levels_the_eyes(faces):
    rec = _fitted(alignment="eyes").extract(faces.images, faces.landmarks)
    left = rec.landmarks[:, 36:42].mean(1)
    right = rec.landmarks[:, 42:48].mean(1)
    np.testing.assert_allclose(left[:, 1], right[:, 1], atol=1e-9)
    template = face_template(68, size=SIZE, padding=0.25)
    np.testing.assert_allclose(
        left, np.tile(template[36:42].mean(0), (8, 1)), atol=1e-9
    )
    np.testing.assert_allclose(
        right, np.tile(template[42:48].mean(0), (8, 1)), atol=1e-9
    )
    # The drawn faces are rotated, so the eyes alignment really rotates.
    angles = np.degrees(np.arctan2(rec.transforms[:, 1, 0], rec.transforms[:, 0, 0]))
    assert np.abs(angles).max() > 3


def test_center_alignment_is_axis_aligned(faces):
    rec = _fitted(alignment="center").extract(faces.images, faces.landmarks)
    A = rec.transforms[:, :, :2]
    np.testing.assert_array_equal(A[:, 0, 1], 0)
    np.testing.assert_array_equal(A[:, 1, 0], 0)
    np.testing.assert_allclose(A[:, 0, 0], A[:, 1, 1])
    centroid = face_template(68, size=SIZE, padding=0.25).mean(0)
    np.testing.assert_allclose(rec.landmarks.mean(1), np.tile(centroid, (8, 1)))


def test_chip_samples_the_photo_at_the_transformed_points():
    """Pixel centres at integers: a linear ramp is reproduced exactly."""
    h, w = 120, 150
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = ((0.3 * xx + 0.5 * yy) / (0.3 * w + 0.5 * h)).astype(np.float32)
    X = np.repeat(ramp[None, :, :, None], 3, axis=3)
    pts = face_template(68) @ (100 * _rotation(20)).T + [30, 10]
    ext = _fitted(dtype="float32", interpolation="linear")
    rec = ext.extract(X, pts[None])
    v, u = np.mgrid[0:SIZE, 0:SIZE]
    xy = np.stack([u, v], -1).reshape(-1, 2) @ rec.inverse_transforms[0][:, :2].T
    xy += rec.inverse_transforms[0][:, 2]
    inside = (xy[:, 0] > 1) & (xy[:, 0] < w - 2) & (xy[:, 1] > 1) & (xy[:, 1] < h - 2)
    expected = (0.3 * xy[:, 0] + 0.5 * xy[:, 1]) / (0.3 * w + 0.5 * h)
    got = rec.chips[0, ..., 0].reshape(-1)
    np.testing.assert_allclose(got[inside], expected[inside], atol=1e-3)


def test_masks_cover_landmarks_and_stay_in_chip(faces):
    small = _fitted(mask_dilation=0.0).extract(faces.images, faces.landmarks)
    big = _fitted(mask_dilation=0.1).extract(faces.images, faces.landmarks)
    assert small.masks.shape == (8, SIZE, SIZE) and small.masks.dtype == bool
    assert (small.masks <= big.masks).all() and big.masks.sum() > small.masks.sum()
    for rec in (small, big):
        assert rec.masks.any(axis=(1, 2)).all()
        ij = np.round(rec.landmarks).astype(int)
        ok = ((ij >= 0) & (ij < SIZE)).all(-1)
        hits = rec.masks[
            np.arange(8)[:, None].repeat(68, 1)[ok], ij[ok][:, 1], ij[ok][:, 0]
        ]
        assert hits.mean() > 0.97
    # The hull is smaller than the chip: the padding stays outside it.
    assert not big.masks[:, 0].any() and not big.masks[:, :, 0].any()


def test_default_landmark_extractor_on_photo(photo):
    X, _ = photo
    rec = FaceExtractor(output_size=SIZE).fit(X).extract(X)
    template = face_template(68, size=SIZE, padding=0.25)
    assert rec.found.all()
    assert np.linalg.norm(rec.landmarks[0] - template, axis=-1).mean() < 0.05 * SIZE


def test_transform_and_fit_transform_match_extract(faces):
    ext = _fitted()
    chips = ext.transform(faces.images, landmarks=faces.landmarks)
    np.testing.assert_array_equal(
        chips, ext.extract(faces.images, faces.landmarks).chips
    )
    ft = FaceExtractor(output_size=SIZE).fit_transform(
        faces.images, landmarks=faces.landmarks
    )
    np.testing.assert_array_equal(ft, chips)
    assert chips.shape == (8, SIZE, SIZE, 3) and chips.dtype == np.uint8


def test_float32_chips(faces):
    u8 = _fitted().transform(faces.images, faces.landmarks)
    f32 = _fitted(dtype="float32").transform(faces.images, faces.landmarks)
    assert f32.dtype == np.float32 and f32.min() >= 0 and f32.max() <= 1
    assert np.abs(f32 * 255 - u8).max() <= 1.0


def test_records_pickle_and_index(faces):
    rec = _fitted().extract(faces.images, faces.landmarks)
    back = pickle.loads(pickle.dumps(rec))
    assert isinstance(back, FaceRecords) and len(back) == 8
    for name in ("chips", "transforms", "masks", "landmarks", "image_shapes", "found"):
        np.testing.assert_array_equal(getattr(back, name), getattr(rec, name))
    sub = rec[2:5]
    assert len(sub) == 3 and sub.chip_size == SIZE
    np.testing.assert_array_equal(sub.chips, rec.chips[2:5])
    assert len(rec[3]) == 1
    inv = rec.inverse_transforms
    # Chip landmarks map back to the photo's.
    back_pts = rec.landmarks @ np.swapaxes(inv[:, :, :2], 1, 2) + inv[:, None, :, 2]
    np.testing.assert_allclose(back_pts, faces.landmarks, atol=1e-9)


def test_subset_and_order_invariance(faces):
    ext = _fitted()
    full = ext.transform(faces.images, faces.landmarks)
    idx = [5, 0, 3]
    part = ext.transform(faces.images[idx], faces.landmarks[idx])
    np.testing.assert_array_equal(part, full[idx])


def test_n_jobs_gives_same_chips(faces):
    a = _fitted(n_jobs=1).extract(faces.images, faces.landmarks)
    with joblib.parallel_config(backend="threading"):  # no process start-up
        b = _fitted(n_jobs=2).extract(faces.images, faces.landmarks)
    np.testing.assert_array_equal(a.chips, b.chips)
    np.testing.assert_array_equal(a.masks, b.masks)


def test_five_point_landmarks_give_a_similar_chip(faces):
    five = faces.landmarks[:, [45, 42, 36, 39, 33]]
    r68 = _fitted().extract(faces.images, faces.landmarks)
    r5 = _fitted().extract(faces.images, five)
    assert r5.landmarks.shape == (8, 5, 2)
    # Same photo point lands within a few percent of the chip.
    centre = faces.landmarks[:, 30]
    p68 = (
        np.einsum("nij,nj->ni", r68.transforms[:, :, :2], centre)
        + r68.transforms[:, :, 2]
    )
    p5 = (
        np.einsum("nij,nj->ni", r5.transforms[:, :, :2], centre)
        + r5.transforms[:, :, 2]
    )
    assert np.abs(p68 - p5).max() < 0.08 * SIZE


# ---------------------------------------------------------------- missing faces
def _with_missing(faces):
    L = faces.landmarks[:3].copy()
    L[1] = np.nan
    return faces.images[:3], L


def test_on_missing_raise_names_the_image(faces):
    X, L = _with_missing(faces)
    with pytest.raises(ValueError, match=r"no face found in X\[1\]"):
        _fitted().extract(X, L)


def test_on_missing_nan_gives_nan_chips(faces):
    """The conventions promise a NaN row, not a black chip (issue 10, 5.4)."""
    X, L = _with_missing(faces)
    rec = _fitted(on_missing="nan", dtype="float32").extract(X, L)
    np.testing.assert_array_equal(rec.found, [True, False, True])
    assert rec.chips.dtype == np.float32
    assert np.isnan(rec.chips[1]).all() and not rec.masks[1].any()
    assert np.isfinite(rec.chips[[0, 2]]).all()
    assert np.isnan(rec.transforms[1]).all() and np.isnan(rec.landmarks[1]).all()
    assert np.isnan(rec.inverse_transforms[1]).all()
    ok = _fitted(dtype="float32").extract(X[[0, 2]], L[[0, 2]])
    np.testing.assert_array_equal(rec.chips[[0, 2]], ok.chips)
    chips = _fitted(on_missing="nan", dtype="float32").transform(X, L)
    np.testing.assert_array_equal(np.isnan(chips).all(axis=(1, 2, 3)), [0, 1, 0])


def test_on_missing_nan_refuses_uint8_chips():
    """uint8 cannot hold NaN: refused with a clear message, never black chips."""
    X = np.zeros((1, 8, 8, 3))
    with pytest.raises(ValueError, match=r"on_missing='nan'.*dtype='float32'"):
        FaceExtractor(on_missing="nan").fit(X)
    with pytest.raises(ValueError, match=r"on_missing='nan'.*dtype='float32'"):
        FaceExtractor(on_missing="nan", dtype="uint8").fit_transform(X)


def test_on_missing_whole_resizes_the_photo(faces):
    X, L = _with_missing(faces)
    img = np.zeros((96, 96, 3), np.uint8)
    img[:, 48:] = 200  # left half dark, right half bright
    X = X.copy()
    X[1] = img
    rec = _fitted(on_missing="whole").extract(X, L)
    assert not rec.found[1] and not rec.masks[1].any()
    chip = rec.chips[1]
    assert (chip[:, : SIZE // 2 - 1] == 0).all() and (
        chip[:, SIZE // 2 + 1 :] == 200
    ).all()


def test_no_face_with_default_extractor():
    blank = np.full((1, 80, 80, 3), 128, np.uint8)
    ext = FaceExtractor(output_size=SIZE, on_missing="nan", dtype="float32")
    rec = ext.fit(blank).extract(blank)
    assert not rec.found[0] and np.isnan(rec.chips).all()
    with pytest.raises(ValueError, match=r"X\[0\]"):
        FaceExtractor(output_size=SIZE).fit(blank).transform(blank)


def test_prefit_landmark_extractor_is_not_modified(photo):
    from skface.landmarks import LandmarkExtractor

    X, _ = photo
    blank = np.full((40, 40, 3), 90, np.uint8)
    user = LandmarkExtractor(on_missing="raise").fit(X)
    ext = FaceExtractor(
        output_size=SIZE, landmark_extractor=user, on_missing="nan", dtype="float32"
    )
    rec = ext.fit(X).extract([X[0], blank])
    np.testing.assert_array_equal(rec.found, [True, False])
    assert user.on_missing == "raise"


def test_bad_landmarks_raise(faces):
    ext = _fitted()
    with pytest.raises(ValueError, match="68-point"):
        ext.extract(faces.images, faces.landmarks[:, :10])
    with pytest.raises(ValueError, match="7 samples but there are 8 images"):
        ext.extract(faces.images, faces.landmarks[:7])
    with pytest.raises(ValueError, match="output_size"):
        FaceExtractor(output_size=2).fit(faces.images)


# ------------------------------------------------------------------ odd inputs
def test_grey_rgba_uint16_float_and_strided_inputs(faces):
    ext = _fitted()
    img, pts = faces.images[0], faces.landmarks[:1]
    ref = ext.transform(img[None], pts)
    rgba = np.concatenate([img, np.full(img.shape[:2] + (1,), 7, np.uint8)], -1)
    np.testing.assert_array_equal(ext.transform(rgba[None], pts), ref)
    u16 = img.astype(np.uint16) * 257
    np.testing.assert_array_equal(ext.transform(u16[None], pts), ref)
    np.testing.assert_array_equal(ext.transform((img / 255.0)[None], pts), ref)
    wide = np.zeros((96, 192, 3), np.uint8)
    wide[:, ::2] = img
    strided = wide[:, ::2]
    assert not strided.flags.c_contiguous
    np.testing.assert_array_equal(ext.transform(strided[None], pts), ref)
    grey = img.mean(-1).astype(np.uint8)
    chip = ext.transform(grey[None], pts)[0]
    assert chip.shape == (SIZE, SIZE, 3)
    assert (chip[..., 0] == chip[..., 1]).all() and (chip[..., 1] == chip[..., 2]).all()


def test_mixed_sizes_and_paths(faces, tmp_path):
    from PIL import Image

    big = np.kron(faces.images[1], np.ones((2, 2, 1), np.uint8))
    path = tmp_path / "face.png"
    Image.fromarray(faces.images[2]).save(path)
    X = [faces.images[0], big, str(path)]
    L = np.stack([faces.landmarks[0], faces.landmarks[1] * 2 + 0.5, faces.landmarks[2]])
    rec = _fitted().extract(X, L)
    np.testing.assert_array_equal(rec.image_shapes, [[96, 96], [192, 192], [96, 96]])
    ref = _fitted().extract(faces.images[:3], faces.landmarks[:3])
    np.testing.assert_array_equal(rec.chips[2], ref.chips[2])
    # The 2x photo gives (nearly) the same chip.
    diff = np.abs(rec.chips[1].astype(int) - ref.chips[1]).mean()
    assert diff < 6


def test_tiny_image_without_face():
    tiny = np.full((1, 12, 12, 3), 100, np.uint8)
    ext = FaceExtractor(output_size=SIZE, on_missing="whole").fit(tiny)
    assert not ext.extract(tiny).found[0]


def test_large_photo_is_antialiased():
    """A 4000x3000 photo of 1-pixel stripes shrinks to a flat grey chip."""
    X = np.zeros((1, 3000, 4000, 3), np.uint8)
    X[0, :, ::2] = 255
    pts = face_template(68) * 2000 + [1000, 500]
    chips = _fitted(border="replicate").transform(X, pts[None])
    assert abs(chips.mean() - 127.5) < 3
    assert chips.std() < 3
