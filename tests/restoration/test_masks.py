import numpy as np
import pytest
from sklearn.base import clone

from skface.alignment import face_template
from skface.restoration.masks import (
    CenterSquare,
    FaceMaskShape,
    IrregularStrokes,
    MixedMasks,
    RandomRectangles,
    check_masks,
)

GENERATORS = [
    CenterSquare(),
    RandomRectangles(n_rectangles=2),
    FaceMaskShape(jitter=0.1),
    IrregularStrokes(),
    MixedMasks([CenterSquare(), RandomRectangles(), IrregularStrokes()]),
]
RANDOM = GENERATORS[1:]


@pytest.mark.parametrize("gen", GENERATORS, ids=lambda g: type(g).__name__)
def test_shape_dtype_and_valid_holes(gen):
    m = gen.generate((5, 40, 48), random_state=0)
    assert m.shape == (5, 40, 48) and m.dtype == bool
    assert m.any(axis=(1, 2)).all() and not m.all(axis=(1, 2)).any()
    # Images give the same result as their shape.
    X = np.zeros((5, 40, 48, 3), np.uint8)
    np.testing.assert_array_equal(gen.generate(X, random_state=0), m)
    clone(gen).get_params()


@pytest.mark.parametrize("gen", RANDOM, ids=lambda g: type(g).__name__)
def test_determinism(gen):
    a = gen.generate((6, 32, 32), random_state=3)
    np.testing.assert_array_equal(a, gen.generate((6, 32, 32), random_state=3))
    assert not np.array_equal(a, gen.generate((6, 32, 32), random_state=4))
    # Own random_state; RandomState and Generator accepted.
    own = clone(gen).set_params(random_state=3).generate((6, 32, 32))
    np.testing.assert_array_equal(a, own)
    gen.generate((2, 32, 32), random_state=np.random.RandomState(0))
    rng = np.random.default_rng(0)
    b, c = (gen.generate((4, 32, 32), random_state=rng) for _ in range(2))
    assert not np.array_equal(b, c)  # a Generator's stream continues


def test_center_square_side_is_a_third():
    m = CenterSquare().generate((1, 64, 64))[0]
    rows, cols = np.flatnonzero(m.any(1)), np.flatnonzero(m.any(0))
    assert len(rows) == len(cols) == 21 and m.sum() == 21 * 21
    assert rows[0] == cols[0] == (64 - 21) // 2
    assert CenterSquare(size=10).generate((1, 30, 40))[0].sum() == 100
    assert CenterSquare(size=0.5).generate((1, 30, 40))[0].sum() == 15 * 15


def test_variable_sizes_give_a_list():
    X = [np.zeros((20, 30)), np.zeros((25, 25, 3))]
    m = RandomRectangles(random_state=0).generate(X)
    assert [x.shape for x in m] == [(20, 30), (25, 25)]


def _covered(mask, pts, idx):
    xy = np.rint(pts[idx]).astype(int)
    return mask[xy[:, 1], xy[:, 0]]


def test_face_mask_shape_from_landmarks():
    # A face in the middle of a larger image, not where the template goes.
    pts = face_template(68, size=60) + np.array([70.0, 30.0])
    m = FaceMaskShape().generate((1, 120, 200), landmarks=pts[None])[0]
    assert _covered(m, pts, [30, 33, 51, 57, 62, 48, 54]).all()  # nose tip, mouth
    assert _covered(m, pts, [8]).all()  # chin
    assert not _covered(m, pts, list(range(36, 48)) + [19, 24, 27]).any()  # eyes
    cols = np.flatnonzero(m.any(0))
    # Cheek to cheek: jaw points 1 and 15 (widened by the margin).
    assert cols[0] <= pts[2, 0] and cols[-1] >= pts[14, 0]
    assert cols[0] >= pts[1, 0] - 6 and cols[-1] <= pts[15, 0] + 6
    rows = np.flatnonzero(m.any(1))
    assert pts[27, 1] < rows[0] <= pts[29, 1] and rows[-1] >= pts[8, 1]
    # The lower edge is curved: the bottom at the centre is lower than at
    # the side, the upper edge is higher at the nose than at the cheeks.
    col_c, col_s = int(round(pts[8, 0])), int(round(pts[4, 0]))
    assert np.flatnonzero(m[:, col_c])[-1] > np.flatnonzero(m[:, col_s])[-1] + 5
    assert np.flatnonzero(m[:, col_c])[0] < np.flatnonzero(m[:, col_s])[0]
    assert not m[:, : int(pts[0, 0]) - 8].any()  # nothing left of the face


def test_face_mask_shape_template_fallback_for_nan_landmarks():
    pts = face_template(68, size=60) + np.array([70.0, 30.0])
    L = np.stack([pts, np.full((68, 2), np.nan)])
    gen = FaceMaskShape()
    m = gen.generate((2, 120, 200), landmarks=L)
    np.testing.assert_array_equal(m[1], gen.generate((1, 120, 200))[0])
    assert not np.array_equal(m[0], m[1])
    # Template on a 64x64 tightly cropped face: mouth area in, eyes out.
    t = gen.generate((1, 64, 64))[0]
    assert t[46, 32] and t[36, 32] and not t[17, 16] and not t[17, 48]
    with pytest.raises(ValueError, match="68-point"):
        gen.generate((1, 64, 64), landmarks=np.zeros((1, 5, 2)))
    with pytest.raises(ValueError, match="template_box"):
        FaceMaskShape(template_box=(0.5, 0, 0.2, 1)).generate((1, 8, 8))


def test_mixed_masks_mixes_and_weights():
    a, b = CenterSquare(), FaceMaskShape()
    ma = a.generate((1, 64, 64))[0]
    mb = b.generate((1, 64, 64))[0]
    m = MixedMasks([a, b], random_state=0).generate((40, 64, 64))
    is_a = np.array([np.array_equal(x, ma) for x in m])
    is_b = np.array([np.array_equal(x, mb) for x in m])
    assert (is_a | is_b).all() and is_a.any() and is_b.any()
    only_b = MixedMasks([a, b], weights=[0, 1], random_state=0).generate((5, 64, 64))
    assert all(np.array_equal(x, mb) for x in only_b)
    with pytest.raises(ValueError, match="weights"):
        MixedMasks([a, b], weights=[1, 2, 3]).generate((1, 8, 8))
    with pytest.raises(ValueError, match=r"generators\[1\]"):
        MixedMasks([a, "nope"]).generate((1, 8, 8))


def test_parameter_validation():
    with pytest.raises(ValueError, match="n_rectangles"):
        RandomRectangles(n_rectangles=0).generate((1, 8, 8))
    with pytest.raises(ValueError, match="min_size"):
        RandomRectangles(min_size=0.6, max_size=0.5).generate((1, 8, 8))
    with pytest.raises(ValueError, match="shape"):
        CenterSquare().generate((8, 8))


def test_check_masks_names_the_bad_index():
    shapes = [(8, 8)] * 3
    good = np.zeros((3, 8, 8), bool)
    good[:, 2:4, 2:4] = True
    assert len(check_masks(good, shapes)) == 3
    assert len(check_masks(good[0], shapes)) == 3  # broadcast
    bad = good.copy()
    bad[1] = False
    with pytest.raises(ValueError, match=r"masks\[1\] is empty"):
        check_masks(bad, shapes)
    bad[1] = True
    with pytest.raises(ValueError, match=r"masks\[1\] covers the whole image"):
        check_masks(bad, shapes)
    with pytest.raises(ValueError, match=r"masks\[2\] must be boolean"):
        check_masks([good[0], good[1], good[2].astype(np.uint8)], shapes)
    with pytest.raises(ValueError, match=r"masks\[0\] has shape \(8, 9\)"):
        check_masks([np.ones((8, 9), bool)] * 3, shapes)
    with pytest.raises(ValueError, match="got 2 masks for 3 images"):
        check_masks(good[:2], shapes)


def test_lower_band_fixed_and_random_cut():
    from skface.restoration.masks import LowerBand

    half = LowerBand().generate((3, 64, 48))
    assert half.shape == (3, 64, 48) and half.dtype == bool
    assert half[:, 32:].all() and not half[:, :32].any()
    a = LowerBand(0.3, 0.7, random_state=0).generate((20, 50, 50))
    b = LowerBand(0.3, 0.7, random_state=0).generate((20, 50, 50))
    np.testing.assert_array_equal(a, b)
    first = a.argmax(axis=1)[:, 0]  # first hidden row of each mask
    assert first.min() >= 15 and first.max() <= 35 and len(set(first)) > 3
    with pytest.raises(ValueError, match="low=0.6 must not exceed high=0.4"):
        LowerBand(0.6, 0.4).generate((1, 8, 8))
