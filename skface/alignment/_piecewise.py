"""Piecewise-affine warp of an image from one set of landmarks onto another.

The classical face swap (and face morphing): the destination landmarks are
triangulated (Delaunay), and each destination triangle takes its pixels
from the matching source triangle through the affine map between the two.
Points on the image border are added to both sets, fixed, so that the
whole output is covered and the warp fades to the identity away from the
face.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from scipy.spatial import Delaunay

from ..utils._optional import import_cv2

__all__ = ["piecewise_affine_warp"]

_INTERPOLATION = {"linear": 1, "cubic": 2}  # cv2.INTER_LINEAR, cv2.INTER_CUBIC
_REMAP_DTYPES = {
    np.dtype(t) for t in ("uint8", "uint16", "int16", "float32", "float64")
}


def _check_points(points, name):
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 3:
        raise ValueError(
            f"{name} must be an (n_points, 2) array of (x, y) with n_points >= 3; "
            f"got shape {pts.shape}"
        )
    if not np.isfinite(pts).all():
        raise ValueError(f"{name} contains NaN or infinite coordinates")
    return pts


def _border_points(height, width):
    """Eight fixed points: the corners and the edge midpoints."""
    r, b = width - 1.0, height - 1.0
    return np.array(
        [
            [0, 0],
            [r / 2, 0],
            [r, 0],
            [r, b / 2],
            [r, b],
            [r / 2, b],
            [0, b],
            [0, b / 2],
        ]
    )


def piecewise_affine_warp(
    image, src_points, dst_points, *, output_shape=None, interpolation="linear"
):
    """Warp ``image`` so that ``src_points`` land on ``dst_points``.

    Parameters
    ----------
    image : (H, W[, C]) ndarray
        The image to warp, any numeric dtype (those OpenCV's ``remap``
        lacks are warped in float64 and cast back).
    src_points : array-like of shape (n_points, 2)
        Landmarks ``(x, y)`` in ``image``.
    dst_points : array-like of shape (n_points, 2)
        Where each landmark goes in the output, same order.
    output_shape : (int, int), default=None
        ``(H_out, W_out)`` of the output; None: the shape of ``image``.
    interpolation : {'linear', 'cubic'}, default='linear'
        Pixel interpolation of the source.

    Returns
    -------
    warped : ndarray of shape (H_out, W_out[, C])
        Same dtype as ``image``. Inside the hull of ``dst_points`` every
        Delaunay triangle of the destination points is filled from the
        matching source triangle; the eight border points (corners and
        edge midpoints of the output, mapped to the same places in
        ``image``) make the map cover the whole output. Pixels whose
        source falls outside ``image`` are reflected.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.alignment import piecewise_affine_warp
    >>> img = np.zeros((32, 32), np.float32)
    >>> img[8:24, 8:24] = 1.0
    >>> src = np.array([[8.0, 8.0], [23.0, 8.0], [16.0, 23.0]])
    >>> piecewise_affine_warp(img, src, src).shape
    (32, 32)
    """
    cv2 = import_cv2()
    image = np.asarray(image)
    if image.ndim not in (2, 3) or min(image.shape[:2]) < 2:
        raise ValueError(f"image must be (H, W) or (H, W, C); got shape {image.shape}")
    src = _check_points(src_points, "src_points")
    dst = _check_points(dst_points, "dst_points")
    if src.shape != dst.shape:
        raise ValueError(
            f"src_points and dst_points differ in shape: {src.shape} vs {dst.shape}"
        )
    if interpolation not in _INTERPOLATION:
        raise ValueError(
            f"interpolation must be one of {sorted(_INTERPOLATION)}; "
            f"got {interpolation!r}"
        )
    if output_shape is None:
        height, width = image.shape[:2]
    else:
        if len(output_shape) != 2 or not all(
            isinstance(v, Integral) and v >= 2 for v in output_shape
        ):
            raise ValueError(
                f"output_shape must be two ints >= 2 (H, W); got {output_shape!r}"
            )
        height, width = int(output_shape[0]), int(output_shape[1])
    in_h, in_w = image.shape[:2]
    src = np.vstack([src, _border_points(in_h, in_w)])
    dst = np.vstack([dst, _border_points(height, width)])
    # the border points are never collinear, so this always triangulates;
    # repeated destination points are left out of it by qhull
    simplices = Delaunay(dst).simplices

    # triangle index of every output pixel (-1: none; subpixel rasterising)
    index = np.full((height, width), -1, np.int32)
    for t, simplex in enumerate(simplices):
        corners = np.round(dst[simplex] * 16).astype(np.int32)
        cv2.fillConvexPoly(index, corners, int(t), cv2.LINE_8, 4)
    maps = np.stack(
        [
            cv2.getAffineTransform(dst[s].astype(np.float32), src[s].astype(np.float32))
            for s in simplices
        ]
    )  # (n_triangles, 2, 3): output xy -> source xy
    missing = index < 0
    index[missing] = 0
    M = maps[index]  # (H, W, 2, 3)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    map_x = M[..., 0, 0] * xx + M[..., 0, 1] * yy + M[..., 0, 2]
    map_y = M[..., 1, 0] * xx + M[..., 1, 1] * yy + M[..., 1, 2]
    if missing.any():  # degenerate slivers: scale the grid to the source
        map_x[missing] = xx[missing] * (in_w - 1) / max(width - 1, 1)
        map_y[missing] = yy[missing] * (in_h - 1) / max(height - 1, 1)
    work = image
    if image.dtype not in _REMAP_DTYPES:  # e.g. bool, float16, int64
        work = image.astype(np.float64)
    out = cv2.remap(
        work,
        map_x.astype(np.float32),
        map_y.astype(np.float32),
        _INTERPOLATION[interpolation],
        borderMode=cv2.BORDER_REFLECT,
    )
    if out.ndim == 2 and image.ndim == 3:  # cv2 drops a single channel
        out = out[..., None]
    return out.astype(image.dtype, copy=False)
