"""Family checks: detectors, inpainters and mask generators (private; see
:mod:`skface.utils.estimator_checks`)."""

from __future__ import annotations

import pickle

import numpy as np
from sklearn.base import clone

from ...metrics import average_precision
from ..validation import check_images
from ._images import (
    _as_uint8_list,
    _fitted,
    _get_data,
    _n_rows,
    _restack,
    _set_random_state,
)

# --------------------------------------------------------------------------
# Family checks


def _detector_data(estimator, data):
    """Fitted detector, images and true boxes (the detections when no
    boxes are given)."""
    est, X, y = _fitted(estimator, data)
    if y is None or isinstance(y, np.ndarray) and y.ndim == 1:  # no boxes
        y = [d[:, :4] for d in est.detect(X)]
    return est, X, y


def check_detector_detect(name, estimator_orig, *, data=None, **_):
    """``detect`` gives per image a ``(k, 5)`` float array of valid boxes
    sorted by decreasing score."""
    est, X, _ = _detector_data(estimator_orig, data)
    dets = est.detect(X)
    assert len(dets) == len(X), f"{name}.detect: {len(dets)} entries for {len(X)}"
    assert sum(len(d) for d in dets) > 0, f"{name} found no face in the check data"
    for i, d in enumerate(dets):
        d = np.asarray(d)
        assert d.ndim == 2 and d.shape[1] == 5, f"{name}: X[{i}] shape {d.shape}"
        assert d.dtype.kind == "f", f"{name}: X[{i}] dtype {d.dtype}"
        assert np.all(np.diff(d[:, 4]) <= 0), f"{name}: X[{i}] not sorted by score"
        assert np.all(d[:, 2] > d[:, 0]) and np.all(d[:, 3] > d[:, 1]), (
            f"{name}: X[{i}] has empty or inverted boxes"
        )


def check_detector_transform(name, estimator_orig, *, data=None, **_):
    """``transform`` gives one ``(left, top, right, bottom)`` box per image,
    one of ``detect``'s, or what ``on_missing`` says for an image without."""
    est, X, _ = _detector_data(estimator_orig, data)
    boxes = est.transform(X)
    dets = est.detect(X)
    assert isinstance(boxes, np.ndarray) and boxes.shape == (len(X), 4), (
        f"{name}.transform gave {getattr(boxes, 'shape', type(boxes))}"
    )
    for i, (b, d) in enumerate(zip(boxes, dets, strict=True)):
        if len(d):
            assert any(np.allclose(b, row[:4]) for row in d), (
                f"{name}: the box of X[{i}] is none of its detections"
            )
        else:
            assert np.isnan(b).all() or b[0] == b[1] == 0, (
                f"{name}: X[{i}] has no detection but the box {b}"
            )


def check_detector_score(name, estimator_orig, *, data=None, **_):
    """``score`` is :func:`skface.metrics.average_precision` of ``detect``."""
    est, X, y = _detector_data(estimator_orig, data)
    expected = average_precision(y, est.detect(X), iou_threshold=0.5)
    np.testing.assert_allclose(est.score(X, y), expected, err_msg=name)


def _center_holes(images):
    holes = []
    for im in images:
        h, w = im.shape[:2]
        hole = np.zeros((h, w), dtype=bool)
        hole[h // 4 : h // 2 + h // 8, w // 4 : w // 2 + w // 8] = True
        holes.append(hole)
    return _restack(holes)


def check_inpainter_known_pixels(name, estimator_orig, *, data=None, **_):
    """``transform(X, masks)`` returns the known pixels unchanged and changes
    only the hole."""
    est = clone(estimator_orig)
    _set_random_state(est)
    X, y = _get_data(est, data)
    holes = _center_holes(_as_uint8_list(X))
    est.fit(X, y, masks=holes)
    out = est.transform(X, masks=holes)
    ref = check_images(X, dtype="float32", channels="keep", stack=False)
    assert _n_rows(out) == len(ref), f"{name}: {_n_rows(out)} rows"
    for i, (o, r, hole) in enumerate(zip(out, ref, holes, strict=True)):
        o = np.asarray(o)
        assert o.shape == r.shape, f"{name}: X[{i}] shape {o.shape} != {r.shape}"
        np.testing.assert_array_equal(
            o[~hole], r[~hole], err_msg=f"{name} changed known pixels of X[{i}]"
        )


# --------------------------------------------------------------------------
# Mask generators


def _mask_images():
    rng = np.random.RandomState(0)
    return [
        (rng.uniform(size=(3, 40, 48)) * 255).astype(np.uint8),
        [(rng.uniform(size=s) * 255).astype(np.uint8) for s in ((30, 20, 3), (24, 36))],
    ]


def check_mask_generator_shape(name, generator_orig, **_):
    """One bool ``(H, W)`` mask per image, neither empty nor full; a shape
    tuple ``(n, H, W)`` works like images of that shape."""
    gen = clone(generator_orig)
    for X in _mask_images():
        masks = gen.generate(X, random_state=0)
        assert len(masks) == len(X), f"{name}: {len(masks)} masks for {len(X)}"
        for i, (m, im) in enumerate(zip(masks, X, strict=True)):
            m = np.asarray(m)
            assert m.dtype == bool, f"{name}: masks[{i}] has dtype {m.dtype}"
            assert m.shape == im.shape[:2], f"{name}: masks[{i}] shape {m.shape}"
            assert m.any() and not m.all(), f"{name}: masks[{i}] empty or full"
    by_shape = gen.generate((3, 40, 48), random_state=0)
    np.testing.assert_array_equal(
        by_shape, gen.generate(_mask_images()[0], random_state=0)
    )


def check_mask_generator_random_state(name, generator_orig, **_):
    """The same ``random_state`` gives the same masks, also after cloning
    and pickling."""
    gen = clone(generator_orig)
    X = _mask_images()[0]
    first = gen.generate(X, random_state=0)
    np.testing.assert_array_equal(first, gen.generate(X, random_state=0))
    np.testing.assert_array_equal(first, clone(gen).generate(X, random_state=0))
    restored = pickle.loads(pickle.dumps(gen))
    np.testing.assert_array_equal(first, restored.generate(X, random_state=0))
    if "random_state" in gen.get_params(deep=False):
        gen.set_params(random_state=3)
        np.testing.assert_array_equal(gen.generate(X), clone(gen).generate(X))
