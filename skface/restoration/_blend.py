"""Blending an inpainter's fill into the known pixels of an image.

Only the fill's hole pixels are used and the known pixels never change:
``out[~hole] == image[~hole]`` bit for bit.

* ``'none'``: paste the fill into the hole;
* ``'feather'``: near the hole's edge, cross-fade from the nearest known
  pixel to the fill over ``width`` pixels;
* ``'poisson'``: seamless cloning (Perez et al., 2003): inside the hole the
  result has the fill's gradients and it meets the known pixels at the
  hole's edge (:func:`skface.utils.poisson_blend`).
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import distance_transform_edt

from ..utils._image import _poisson

__all__ = ["BLEND_METHODS", "blend_fill", "poisson_fill"]

BLEND_METHODS = ("none", "feather", "poisson")


def _as_hwc(x, name):
    x = np.asarray(x)
    if x.ndim == 2:
        return x[:, :, None], True
    if x.ndim == 3:
        return x, False
    raise ValueError(f"{name} must be (H, W) or (H, W, C), got shape {x.shape}")


def poisson_fill(image, fill, hole):
    """The Poisson solution on the hole pixels.

    The equation and its boundary conditions are those of
    :func:`skface.utils.poisson_blend` (this is its solver, without the
    final clipping).

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C)
        Float image; its hole pixels are ignored.
    fill : ndarray of the same shape
        The inpainter's output; only its hole pixels are used.
    hole : bool ndarray of shape (H, W)
        At least one pixel must be known.

    Returns
    -------
    values : ndarray of shape (n_hole, C) (float64)
        The solution at ``np.argwhere(hole)`` (row-major order).
    """
    img, _ = _as_hwc(image, "image")
    g, _ = _as_hwc(fill, "fill")
    return _poisson(img.astype(np.float64), g.astype(np.float64), np.asarray(hole))


def blend_fill(image, fill, hole, method="poisson", *, width=None):
    """Put an inpainter's fill into the hole of an image.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C)
        Float image in [0, 1]; pixels outside ``hole`` are kept exactly.
    fill : ndarray of the same shape
        Completion; only its hole pixels are used.
    hole : bool ndarray of shape (H, W)
        True on the hole. It must leave at least one known pixel for
        ``'feather'`` and ``'poisson'``.
    method : {'none', 'feather', 'poisson'}, default='poisson'
        ``'none'`` pastes, ``'feather'`` cross-fades from the nearest known
        pixel over ``width`` pixels inside the hole, ``'poisson'`` solves
        :func:`poisson_fill` (seamless: no step at the hole's edge).
    width : float, default=None
        Feather width in pixels; ``None``: 6% of the shorter side (at
        least 2).

    Returns
    -------
    out : float32 ndarray like ``image``
        Values clipped to [0, 1] inside the hole.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.restoration import blend_fill
    >>> image = np.tile(np.linspace(0, 1, 16, dtype=np.float32), (16, 1))
    >>> hole = np.zeros((16, 16), bool)
    >>> hole[4:12, 4:12] = True
    >>> out = blend_fill(image, image + 0.2 * hole, hole, "poisson")
    >>> bool(np.abs(out - image).max() < 1e-5)
    True
    """
    if method not in BLEND_METHODS:
        raise ValueError(f"method must be one of {BLEND_METHODS}, got {method!r}")
    img, grey = _as_hwc(image, "image")
    g, _ = _as_hwc(fill, "fill")
    hole = np.asarray(hole, dtype=bool)
    if g.shape != img.shape:
        raise ValueError(f"fill has shape {g.shape} but image has {img.shape}")
    if hole.shape != img.shape[:2]:
        raise ValueError(f"hole has shape {hole.shape} but image is {img.shape[:2]}")
    out = np.array(img, dtype=np.float32, copy=True)
    if not hole.any():
        return out[:, :, 0] if grey else out
    if method != "none" and hole.all():
        raise ValueError(
            f"method={method!r} needs known pixels; the hole is everything"
        )
    if width is None:
        width = max(2.0, 0.06 * min(hole.shape))
    # Work on the hole's bounding box plus a 1-pixel frame: the frame's known
    # pixels are nearer to every hole pixel than any pixel beyond it, and
    # they are all the Poisson equation reads, so the result is the same as
    # on the whole image, and a small hole in a large photo costs little.
    rows, cols = np.flatnonzero(hole.any(1)), np.flatnonzero(hole.any(0))
    box = (
        slice(max(rows[0] - 1, 0), rows[-1] + 2),
        slice(max(cols[0] - 1, 0), cols[-1] + 2),
    )
    img, g, hole = img[box], g[box], hole[box]
    if method == "none":
        values = g[hole]
    elif method == "feather":
        dist, (iy, ix) = distance_transform_edt(hole, return_indices=True)
        alpha = np.clip((dist[hole] - 0.5) / width, 0.0, 1.0)[:, None]
        edge = img[iy[hole], ix[hole]].astype(np.float64)
        values = alpha * g[hole] + (1 - alpha) * edge
    else:
        values = poisson_fill(img, g, hole)
    out[box][hole] = np.clip(values, 0.0, 1.0)
    return out[:, :, 0] if grey else out
