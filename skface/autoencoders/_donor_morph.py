"""Donor morphing: each face takes a different person's face, warped onto it.

The classical (pre-neural) face swap used as anonymisation. A pool of donor
faces is aligned once (chips, 68 landmarks, dlib identity embeddings). For
each face to anonymise, the donors whose dlib embedding is at least
``min_distance`` away from the face's (other people, by a margin) are
candidates, and the one(s) whose landmark shape in the aligned chip is
nearest to the face's (similar pose, expression and face shape, so the
warp is mild) are warped onto the face's landmarks, triangle by triangle
(:func:`skface.alignment.piecewise_affine_warp`). The result has the
face's geometry, so pose, expression and landmarks are kept, and the
donor's skin, eyes, brows, nose and mouth, so a recogniser no longer
matches the original; it is then blended into the photo (colour matched,
Poisson cloned) by :class:`skface.alignment.FaceReconstructor`.

No torch: dlib and OpenCV only.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter
from sklearn.metrics.pairwise import euclidean_distances

from ..alignment import piecewise_affine_warp
from ..alignment._transforms import apply_transform, invert_transform

__all__ = [
    "choose_donors",
    "face_boxes_from_landmarks",
    "landmark_boxes",
    "morph_chips",
    "record_embeddings",
]


def face_boxes_from_landmarks(records):
    """Photo boxes ``(n, 4)`` around each record's landmarks (NaN if none)."""
    boxes = np.full((len(records), 4), np.nan)
    ok = records.found & np.isfinite(records.transforms).all(axis=(1, 2))
    if ok.any():
        inverse = invert_transform(records.transforms[ok])
        pts = apply_transform(inverse, records.landmarks[ok])  # photo (x, y)
        boxes[ok] = landmark_boxes(pts)
    return boxes


def landmark_boxes(points):
    """``(n, 4)`` boxes ``(left, top, right, bottom)`` around ``(n, P, 2)`` points."""
    return np.concatenate([points.min(axis=1), points.max(axis=1)], axis=1)


def record_embeddings(encoder, images, owner, records):
    """dlib embeddings ``(n, 128)`` of each record's face (NaN if not found)."""
    if len(owner) == 0:
        return np.empty((0, 128))
    boxes = face_boxes_from_landmarks(records)
    return encoder.transform([images[i] for i in owner], boxes=boxes)


def choose_donors(
    embeddings, shapes, pool_embeddings, pool_shapes, *, min_distance, n_donors
):
    """Indices ``(n, n_donors)`` of the donors of each face, and their distances.

    Candidates are the donors at least ``min_distance`` from the face in
    dlib's embedding space; among them, the ``n_donors`` nearest in
    landmark shape (chip coordinates). When fewer qualify (or the face has
    no embedding), the most distant donors fill the places, nearest in
    shape first among equals. Returns ``(indices, identity_distances)``.
    """
    n, m = len(embeddings), len(pool_embeddings)
    shape_d = euclidean_distances(shapes.reshape(n, -1), pool_shapes.reshape(m, -1))
    ident = np.full((n, m), np.inf)  # a face or donor without embedding: any
    rows = np.isfinite(embeddings).all(axis=1)
    cols = np.isfinite(pool_embeddings).all(axis=1)
    if rows.any() and cols.any():
        ident[np.ix_(rows, cols)] = euclidean_distances(
            embeddings[rows], pool_embeddings[cols]
        )
    order = np.empty((n, n_donors), dtype=int)
    for i in range(n):
        eligible = ident[i] >= min_distance
        if eligible.sum() >= n_donors:
            cost = np.where(eligible, shape_d[i], np.inf)
            order[i] = np.argsort(cost, kind="stable")[:n_donors]
        else:  # too few other people that far: the farthest ones
            order[i] = np.lexsort((shape_d[i], -ident[i]))[:n_donors]
    chosen = np.take_along_axis(ident, order, axis=1)
    return order, np.where(np.isfinite(chosen), chosen, np.nan)


def _combine(warped):
    """``(k, S, S, C)`` warped donors -> one ``(S, S, C)`` chip.

    Two are averaged. From three on, each region is taken from the donor
    whose brightness there is the median one: an outlier (a hand or a
    microphone before one donor's face) is left out, and the colour
    channels are never mixed across donors (a per-channel median would
    make colour blotches). The brightness is smoothed first (Gaussian,
    sigma S/32) and the choice map softened (sigma S/64) so that the
    chosen donor changes by regions with soft edges, not from pixel to
    pixel (speckle).
    """
    if len(warped) < 3:
        return warped.mean(axis=0)
    k, size = len(warped), warped.shape[1]
    brightness = warped.mean(axis=-1) if warped.ndim == 4 else warped  # (k, S, S)
    sigma = size / 32.0
    smooth = gaussian_filter(brightness.astype(np.float64), (0, sigma, sigma))
    order = np.argsort(smooth, axis=0, kind="stable")
    middle = order[k // 2]  # (S, S): which donor
    weights = (middle[None] == np.arange(k)[:, None, None]).astype(np.float64)
    weights = gaussian_filter(weights, (0, sigma / 2, sigma / 2))
    weights /= weights.sum(axis=0, keepdims=True)
    if warped.ndim == 4:
        weights = weights[..., None]
    return (weights * warped).sum(axis=0).astype(warped.dtype)


def morph_chips(chips, landmarks, pool_chips, pool_landmarks, donors):
    """Each chip replaced by its donors warped onto its landmarks, combined.

    ``chips`` ``(n, S, S, 3)`` and ``landmarks`` ``(n, P, 2)`` of the faces;
    ``pool_*`` of the donors (same chip size); ``donors`` ``(n, k)``
    indices. Two donors are averaged; from three on, each region comes from
    the donor of median brightness there (:func:`_combine`), so that what
    covers one donor's face (a hand, a microphone) is left out. Returns
    chips in the dtype of ``chips``.
    """
    out = np.empty_like(chips)
    size = chips.shape[1:3]
    for i in range(len(chips)):
        warped = [
            piecewise_affine_warp(
                pool_chips[j].astype(np.float32),
                pool_landmarks[j],
                landmarks[i],
                output_shape=size,
            )
            for j in donors[i]
        ]
        mean = _combine(np.stack(warped))
        if np.issubdtype(chips.dtype, np.integer):
            mean = np.clip(np.round(mean), 0, np.iinfo(chips.dtype).max)
        out[i] = mean.astype(chips.dtype)
    return out
