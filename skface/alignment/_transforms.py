"""Affine transforms between photos and face chips, and the warps that use them.

Coordinates follow OpenCV and dlib: ``(x, y)`` with pixel centres at integers,
so an image of width ``W`` spans ``[-0.5, W - 0.5]``. A transform is a
``(2, 3)`` matrix ``M`` with ``chip_xy = M[:, :2] @ image_xy + M[:, 2]``.
"""

from __future__ import annotations

import numpy as np

from ..utils._image import resize
from ..utils._optional import import_cv2
from ._template import _check_n_points, eye_centres, face_template

__all__ = [
    "alignment_transform",
    "apply_transform",
    "estimate_similarity",
    "invert_transform",
]

_INTERPOLATION = {"linear": 1, "cubic": 2}  # cv2.INTER_LINEAR, cv2.INTER_CUBIC
_BORDER = {"reflect": 2, "replicate": 1, "constant": 0}  # cv2.BORDER_*
# Below this scale (chip pixels per image pixel) the photo is area-averaged
# before the warp, so large photos do not alias into small chips.
_ANTIALIAS_BELOW = 0.75


def estimate_similarity(src, dst):
    """Least-squares similarity transform mapping ``src`` points onto ``dst``.

    Rotation, uniform scale and translation (no reflection) minimising
    ``sum ||M @ [src, 1] - dst||^2``, in closed form (Umeyama, 1991).

    Parameters
    ----------
    src, dst : array-like of shape (n_points, 2)
        Corresponding ``(x, y)`` points, ``n_points >= 2``.

    Returns
    -------
    M : ndarray of shape (2, 3)
        Affine matrix; NaN when ``src`` has no spread (all points equal).

    References
    ----------
    S. Umeyama, "Least-squares estimation of transformation parameters
    between two point patterns", IEEE TPAMI 13(4), 1991.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.alignment import estimate_similarity
    >>> src = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> M = estimate_similarity(src, 2 * src + 5)
    >>> np.allclose(M, [[2, 0, 5], [0, 2, 5]])
    True
    """
    src = np.asarray(src, dtype=float)
    dst = np.asarray(dst, dtype=float)
    mu_s, mu_d = src.mean(0), dst.mean(0)
    a, b = src - mu_s, dst - mu_d
    var = (a**2).sum()
    if not var > 1e-12 * max(1.0, np.abs(src).max() ** 2):
        return np.full((2, 3), np.nan)
    u, s, vt = np.linalg.svd(b.T @ a)
    d = np.array([1.0, np.sign(np.linalg.det(u @ vt)) or 1.0])
    A = (u * d) @ vt * ((s * d).sum() / var)
    return np.hstack([A, (mu_d - A @ mu_s)[:, None]])


def _eyes_transform(points, template):
    """Similarity that puts the two eye centres exactly on the template's."""
    (l_src, r_src), (l_dst, r_dst) = eye_centres(points), eye_centres(template)
    v_src, v_dst = r_src - l_src, r_dst - l_dst
    n_src = np.hypot(*v_src)
    if not n_src > 1e-9:
        return np.full((2, 3), np.nan)
    scale = np.hypot(*v_dst) / n_src
    angle = np.arctan2(v_dst[1], v_dst[0]) - np.arctan2(v_src[1], v_src[0])
    c, s = scale * np.cos(angle), scale * np.sin(angle)
    A = np.array([[c, -s], [s, c]])
    mid_src, mid_dst = (l_src + r_src) / 2, (l_dst + r_dst) / 2
    return np.hstack([A, (mid_dst - A @ mid_src)[:, None]])


def _center_transform(points, template):
    """Axis-aligned scale + shift: centroid onto centroid, RMS spread matched."""
    mu_s, mu_d = points.mean(0), template.mean(0)
    spread = np.sqrt(((points - mu_s) ** 2).sum(1).mean())
    if not spread > 1e-9:
        return np.full((2, 3), np.nan)
    scale = np.sqrt(((template - mu_d) ** 2).sum(1).mean()) / spread
    A = np.eye(2) * scale
    return np.hstack([A, (mu_d - A @ mu_s)[:, None]])


def alignment_transform(points, *, alignment="similarity", size=128, padding=0.25):
    """Transform from a photo to an aligned ``size x size`` face chip.

    Parameters
    ----------
    points : array-like of shape (68, 2) or (5, 2)
        The face's landmarks in the photo.
    alignment : {'similarity', 'eyes', 'center'}, default='similarity'
        ``'similarity'``: least-squares similarity of all points onto the
        mean-face template; ``'eyes'``: rotation that levels the eye line and
        scale from the inter-ocular distance, so both eye centres land
        exactly on the template's; ``'center'``: no rotation, the centroid of
        the points onto the template's and the scale from their RMS spread.
    size : int, default=128
        Side of the chip in pixels.
    padding : float, default=0.25
        Margin around the template as a fraction of the face's extent.

    Returns
    -------
    M : ndarray of shape (2, 3)
        Photo to chip; all NaN when the points are degenerate.
    """
    points = np.asarray(points, dtype=float)
    _check_n_points(points.shape[0])
    template = face_template(points.shape[0], size=size, padding=padding)
    if alignment == "similarity":
        return estimate_similarity(points, template)
    if alignment == "eyes":
        return _eyes_transform(points, template)
    if alignment == "center":
        return _center_transform(points, template)
    raise ValueError(
        f"alignment must be 'similarity', 'eyes' or 'center', got {alignment!r}"
    )


def whole_image_transform(shape, size):
    """Transform that resizes a whole ``(H, W)`` image onto the chip."""
    h, w = shape[:2]
    sx, sy = size / w, size / h
    return np.array([[sx, 0.0, 0.5 * sx - 0.5], [0.0, sy, 0.5 * sy - 0.5]])


def invert_transform(M):
    """Inverse of a ``(2, 3)`` affine transform (or a stack ``(n, 2, 3)``)."""
    M = np.asarray(M, dtype=float)
    A, t = M[..., :2], M[..., 2:]
    Ainv = np.linalg.inv(A)
    return np.concatenate([Ainv, -Ainv @ t], axis=-1)


def apply_transform(M, points):
    """Apply ``(2, 3)`` transform(s) to ``(..., n_points, 2)`` points."""
    M = np.asarray(M, dtype=float)
    points = np.asarray(points, dtype=float)
    return points @ np.swapaxes(M[..., :2], -1, -2) + M[..., None, :, 2]


def _compose(M, D):
    """``M @ D`` for (2, 3) affines: apply ``D`` first, then ``M``."""
    A = M[:, :2] @ D[:, :2]
    return np.hstack([A, (M[:, :2] @ D[:, 2] + M[:, 2])[:, None]])


def _bbox(points, shape, pad):
    """Integer pixel window ``(x0, y0, x1, y1)`` covering points, clipped."""
    h, w = shape[:2]
    lo = np.floor(points.min(0) - pad).astype(int)
    hi = np.ceil(points.max(0) + pad).astype(int) + 1
    x0, y0 = max(lo[0], 0), max(lo[1], 0)
    x1, y1 = min(hi[0], w), min(hi[1], h)
    return x0, y0, x1, y1


def _chip_corners(size):
    e = size - 0.5
    return np.array([[-0.5, -0.5], [e, -0.5], [e, e], [-0.5, e]])


def warp_to_chip(image, M, size, *, interpolation="linear", border="reflect"):
    """Sample the ``size x size`` chip of ``image`` under transform ``M``.

    When the chip is much smaller than the face (scale below 0.75), the
    photo window is first shrunk with area averaging (``cv2.INTER_AREA``) so
    the chip does not alias; ``M`` stays the exact photo-to-chip map.
    """
    cv2 = import_cv2()
    flags = _INTERPOLATION[interpolation]
    border_mode = _BORDER[border]
    scale = np.sqrt(abs(np.linalg.det(M[:, :2])))
    if scale < _ANTIALIAS_BELOW:
        corners = apply_transform(invert_transform(M), _chip_corners(size))
        x0, y0, x1, y1 = _bbox(corners, image.shape, 2.0 / scale + 2)
        if x1 - x0 >= 2 and y1 - y0 >= 2:
            crop = image[y0:y1, x0:x1]
            nw = max(1, int(round((x1 - x0) * scale)))
            nh = max(1, int(round((y1 - y0) * scale)))
            small = resize(crop, (nh, nw), interpolation="area")
            rx, ry = nw / (x1 - x0), nh / (y1 - y0)
            # small pixel v sits at photo x = (v + 0.5) / r - 0.5 + x0
            D = np.array(
                [[1 / rx, 0.0, 0.5 / rx - 0.5 + x0], [0.0, 1 / ry, 0.5 / ry - 0.5 + y0]]
            )
            image, M = small, _compose(M, D)
    return cv2.warpAffine(image, M, (size, size), flags=flags, borderMode=border_mode)


def chip_window(M, chip_size, shape, pad=2):
    """Photo window ``(x0, y0, x1, y1)`` that the chip under ``M`` covers."""
    corners = apply_transform(invert_transform(M), _chip_corners(chip_size))
    return _bbox(corners, shape, pad)


def warp_from_chip(chip, M, window, *, interpolation="linear"):
    """Warp a chip (or a chip-sized mask) back onto a photo window.

    Returns the ``(y1 - y0, x1 - x0[, C])`` patch whose pixel ``(x, y)``
    (photo coordinates) is the chip sampled at ``M @ (x, y)``; outside the
    chip the patch is 0.
    """
    cv2 = import_cv2()
    x0, y0, x1, y1 = window
    shift = np.array([[1.0, 0.0, x0], [0.0, 1.0, y0]])
    Mw = _compose(M, shift)
    flags = _INTERPOLATION[interpolation] | cv2.WARP_INVERSE_MAP
    return cv2.warpAffine(
        chip, Mw, (x1 - x0, y1 - y0), flags=flags, borderMode=cv2.BORDER_CONSTANT
    )
