"""Classical face obscuring (blur, pixelate, fill): no training, no torch.

The region of a face is the convex hull of its landmarks with a forehead
added (the jaw points mirrored above the eyes, at 0.8 of their distance
below them: the hairline is about that far above the eyes) and grown by 10%
about its centre, so it covers the whole face from the jaw line to the
hairline. The effect is computed on a crop around
the face and blended in with a soft edge that lies outside the region: every
pixel of the region is fully replaced.
"""

from __future__ import annotations

import numpy as np

from ..utils._image import resize
from ..utils._optional import import_cv2

__all__ = ["CLASSICAL_METHODS", "face_region", "obscure_faces"]

CLASSICAL_METHODS = ("blur", "pixelate", "fill")

_JAW = slice(0, 17)
_LEFT_EYE = slice(36, 42)
_RIGHT_EYE = slice(42, 48)


def _forehead(points):
    """The 68-point jaw mirrored above the eye line, scaled by 0.8."""
    eyes = np.stack([points[_LEFT_EYE].mean(0), points[_RIGHT_EYE].mean(0)])
    centre = eyes.mean(0)
    across = eyes[1] - eyes[0]
    across /= max(np.linalg.norm(across), 1e-9)
    down = np.array([-across[1], across[0]])  # image y grows downwards
    if np.dot(down, points[8] - centre) < 0:
        down = -down
    jaw = points[_JAW] - centre
    below = jaw @ down
    return points[_JAW] - np.outer(1.8 * np.maximum(below, 0.0), down)


def face_region(points, shape, *, grow=1.1):
    """Boolean mask of the face region around ``points``.

    Parameters
    ----------
    points : ndarray of shape (n_points, 2)
        Landmarks ``(x, y)`` of one face (68-point iBUG or any other set).
    shape : tuple of int
        ``(H, W)`` of the photo.
    grow : float, default=1.1
        Scale of the hull about its centre. Landmark sets other than the
        68-point one (which has no jaw line) are grown 1.6 times more.

    Returns
    -------
    mask : ndarray of shape (H, W), dtype bool
    """
    cv2 = import_cv2()

    points = np.asarray(points, dtype=np.float64)
    if len(points) == 68:
        points = np.vstack([points, _forehead(points)])
    else:
        grow *= 1.6
    hull = cv2.convexHull(points.astype(np.float32))[:, 0].astype(np.float64)
    centre = hull.mean(0)
    hull = centre + grow * (hull - centre)
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, np.round(hull).astype(np.int32), 1, lineType=cv2.LINE_8)
    return mask.astype(bool)


def _effect(crop, inside, method, size):
    """The obscured version of ``crop`` (float32), for a face of ``size`` px."""
    cv2 = import_cv2()

    if method == "blur":
        sigma = max(size / 5.0, 1.0)
        return cv2.GaussianBlur(crop, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    if method == "pixelate":
        block = max(size / 6.0, 2.0)
        h, w = crop.shape[:2]
        cells = (max(1, round(h / block)), max(1, round(w / block)))
        small = resize(crop, cells, interpolation="area")
        return resize(small, (h, w), interpolation="nearest")
    # fill: the region's mean colour
    mean = crop[inside].mean(axis=0)
    return np.broadcast_to(mean, crop.shape).astype(np.float32)


def obscure_faces(image, regions, method):
    """Return ``image`` with every region obscured by ``method``.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3)
        One photo (any dtype; the result has the same dtype).
    regions : list of ndarray of shape (H, W), dtype bool
        One mask per face (see :func:`face_region`).
    method : {'blur', 'pixelate', 'fill'}

    Returns
    -------
    image : ndarray of shape (H, W, 3)
    """
    cv2 = import_cv2()

    if method not in CLASSICAL_METHODS:
        raise ValueError(f"method={method!r} is not one of {CLASSICAL_METHODS}")
    out = image.astype(np.float32)
    H, W = out.shape[:2]
    for region in regions:
        ys, xs = np.nonzero(region)
        if len(ys) == 0:
            continue
        size = float(np.sqrt(len(ys)))
        feather = max(size / 30.0, 1.0)
        pad = int(np.ceil(size / 2 + 3 * feather))
        t, b = max(ys.min() - pad, 0), min(ys.max() + pad + 1, H)
        left, r = max(xs.min() - pad, 0), min(xs.max() + pad + 1, W)
        crop = out[t:b, left:r]
        inside = region[t:b, left:r]
        effect = _effect(crop, inside, method, size)
        # Soft edge outside the region: alpha is 1 on and inside its border.
        alpha = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), feather)
        alpha = np.clip(2.0 * alpha, 0.0, 1.0)
        alpha[inside] = 1.0
        out[t:b, left:r] = crop + alpha[..., None] * (effect - crop)
    if np.issubdtype(image.dtype, np.integer):
        info = np.iinfo(image.dtype)
        out = np.clip(np.round(out), info.min, info.max)
    return out.astype(image.dtype)
