"""Helpers shared by the face detectors (private).

* a pool of native detector handles (dlib detectors, OpenCV cascades), built
  lazily per process and lent to one thread at a time, because none of these
  objects may be used by two threads at once;
* conversions between dlib rectangles and skface boxes;
* validation of the ``y`` of detectors (boxes per image).
"""

from __future__ import annotations

import os
import tempfile
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..utils._boxes import ON_MISSING, SELECT
from ..utils._image import resize
from ..utils._native import borrow, to_dlib_rectangle

__all__ = [
    "COMMON_CONSTRAINTS",
    "MAX_SIZE",
    "detect_shrunk",
    "borrow",
    "check_box_targets",
    "detector_tags",
    "dlib_to_boxes",
    "from_file_bytes",
    "pack_detections",
    "to_dlib_rectangles",
    "to_file_bytes",
]

#: Constraints on the parameters every detector has.
COMMON_CONSTRAINTS = {
    "select": [StrOptions(set(SELECT))],
    "on_missing": [StrOptions(set(ON_MISSING))],
    "clip": ["boolean"],
    "max_size": [Interval(Integral, 16, None, closed="left"), None],
    "n_jobs": [Integral, None],
}

#: Default longest side (pixels) of the copy of a photo that detectors read.
MAX_SIZE = 1600


_EMPTY = np.empty((0, 5))


def detect_shrunk(images, max_size, detect):
    """``detect(images)`` on copies no larger than ``max_size``, boxes scaled back.

    ``detect`` maps a list of images to a list of ``(k, 5)`` detections.
    Images within ``max_size`` are passed as they are.
    """
    if max_size is None:
        return detect(images)
    small, factors = [], []
    for im in images:
        h, w = im.shape[:2]
        f = min(1.0, int(max_size) / max(h, w))
        if f < 1.0:
            shape = (max(1, round(h * f)), max(1, round(w * f)))
            im = resize(im, shape, interpolation="area")
            factors.append((shape[1] / w, shape[0] / h))
        else:
            factors.append(None)
        small.append(im)
    dets = detect(small)
    out = []
    for d, f in zip(dets, factors):
        if f is not None and len(d):
            d = np.array(d, dtype=float)
            d[:, [0, 2]] /= f[0]
            d[:, [1, 3]] /= f[1]
        out.append(d)
    return out


def detector_tags(tags):
    """Tags of a detector: boxes need no ``y``; ``transform`` gives boxes."""
    tags.target_tags.required = False
    return tags


def to_file_bytes(save):
    """Call ``save(path)`` on a temporary file and return the file's bytes."""
    fd, path = tempfile.mkstemp(suffix=".dat", prefix="skface_")
    os.close(fd)
    try:
        save(path)
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.remove(path)


def from_file_bytes(load, data):
    """Write ``data`` to a temporary file and return ``load(path)``."""
    fd, path = tempfile.mkstemp(suffix=".dat", prefix="skface_")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return load(path)
    finally:
        os.remove(path)


# --------------------------------------------------------------------------
# Boxes


def pack_detections(boxes, scores):
    """Return a ``(k, 5)`` float array sorted by decreasing score.

    Parameters
    ----------
    boxes : array-like of shape (k, 4)
        ``(left, top, right, bottom)``.
    scores : array-like of shape (k,)
    """
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    if len(boxes) == 0:
        return _EMPTY.copy()
    scores = np.asarray(scores, dtype=float).reshape(-1)
    order = np.argsort(-scores, kind="stable")
    return np.column_stack([boxes[order], scores[order]])


def dlib_to_boxes(rects):
    """dlib rectangles (inclusive corners) to ``(k, 4)`` skface boxes.

    A dlib ``rectangle(l, t, r, b)`` covers pixels ``l..r`` and ``t..b``
    inclusive, so its pixel-edge box is ``(l, t, r + 1, b + 1)``.
    """
    out = np.empty((len(rects), 4))
    for i, r in enumerate(rects):
        out[i] = (r.left(), r.top(), r.right() + 1, r.bottom() + 1)
    return out


def to_dlib_rectangles(boxes):
    """``(k, 4)`` skface boxes to a list of ``dlib.rectangle`` (rounded)."""
    return [to_dlib_rectangle(b) for b in np.asarray(boxes, dtype=float).reshape(-1, 4)]


def check_box_targets(y, n_samples, *, name="y"):
    """Validate the boxes of a detection data set.

    Parameters
    ----------
    y : sequence of array-like of shape (k_i, 4) or (k_i, 5), or ndarray \
of shape (n_samples, 4)
        True ``(left, top, right, bottom)`` boxes of each image; ``k_i`` may
        be 0 (an image without faces). A fifth score column is dropped. A
        2-D array gives one box per image (all-NaN rows: no face), as
        :meth:`~skface.detection.DetectorMixin.transform` returns them.
    n_samples : int
        Number of images.

    Returns
    -------
    boxes : list of ndarray of shape (k_i, 4)
    """
    hint = (
        f"{name} must hold one array of (left, top, right, bottom) boxes per "
        "image, e.g. [np.array([[10, 20, 90, 100]]), np.empty((0, 4))]"
    )
    if isinstance(y, np.ndarray) and y.dtype != object:
        if y.ndim == 2 and y.shape[1] == 4 and len(y) == n_samples:
            y = [np.empty((0, 4)) if np.isnan(r).all() else r[None] for r in y]
        elif y.ndim != 3:
            raise ValueError(f"{name} is an array of shape {y.shape}; {hint}")
    try:
        items = list(y)
    except TypeError:
        raise ValueError(f"{name} of type {type(y).__name__}: {hint}") from None
    if len(items) != n_samples:
        raise ValueError(
            f"{name} has {len(items)} entries but there are {n_samples} images"
        )
    out = []
    for i, b in enumerate(items):
        try:
            arr = np.asarray(b, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"{name}[{i}] is not numeric; {hint}") from None
        if arr.size == 0:
            out.append(np.empty((0, 4)))
            continue
        if arr.ndim == 1:
            arr = arr[None]
        if arr.ndim != 2 or arr.shape[1] not in (4, 5):
            raise ValueError(f"{name}[{i}] has shape {arr.shape}; {hint}")
        arr = arr[:, :4]
        if not np.isfinite(arr).all():
            raise ValueError(f"{name}[{i}] contains non-finite coordinates")
        bad = (arr[:, 2] <= arr[:, 0]) | (arr[:, 3] <= arr[:, 1])
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{name}[{i}][{j}] = {arr[j].tolist()} is empty or inverted; boxes "
                "are (left, top, right, bottom) with right > left and bottom > top"
            )
        out.append(np.ascontiguousarray(arr))
    return out
