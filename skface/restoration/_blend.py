"""Blending an inpainter's fill into the known pixels of an image.

Only the fill's hole pixels are used and the known pixels never change:
``out[~hole] == image[~hole]`` bit for bit.

* ``'none'``: paste the fill into the hole;
* ``'feather'``: near the hole's edge, cross-fade from the nearest known
  pixel to the fill over ``width`` pixels;
* ``'poisson'``: seamless cloning (Perez et al., 2003): inside the hole the
  result has the fill's gradients and it meets the known pixels at the
  hole's edge. Solved exactly on the hole pixels with a sparse direct solver.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BLEND_METHODS", "blend_fill", "poisson_fill"]

BLEND_METHODS = ("none", "feather", "poisson")

_OFFSETS = ((-1, 0), (1, 0), (0, -1), (0, 1))


def _as_hwc(x, name):
    x = np.asarray(x)
    if x.ndim == 2:
        return x[:, :, None], True
    if x.ndim == 3:
        return x, False
    raise ValueError(f"{name} must be (H, W) or (H, W, C), got shape {x.shape}")


def poisson_fill(image, fill, hole):
    """Solve the discrete Poisson equation on the hole pixels.

    For every hole pixel ``p`` with 4-neighbours ``N(p)`` inside the image::

        |N(p)| f(p) - sum_{q in N(p), q in hole} f(q)
            = sum_{q in N(p), q known} image(q) + sum_{q in N(p)} v(p, q)

    with guidance ``v(p, q) = fill(p) - fill(q)`` when ``q`` is in the hole.
    Across the hole's edge (``q`` known) the fill's value there is not
    trusted (inpainters only fill the hole), so the guidance is the fill's
    gradient one step further in, ``fill(r) - fill(p)`` with
    ``r = p - (q - p)``, when ``r`` is in the hole, else 0. Known pixels
    are the Dirichlet boundary; the image border is a Neumann boundary
    (missing neighbours drop out).

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
    from scipy.sparse import coo_matrix
    from scipy.sparse.linalg import splu

    img, _ = _as_hwc(image, "image")
    g, _ = _as_hwc(fill, "fill")
    img = img.astype(np.float64)
    g = g.astype(np.float64)
    h, w = hole.shape
    idx = np.full((h, w), -1, dtype=np.int64)
    pix = np.argwhere(hole)
    n = len(pix)
    idx[hole] = np.arange(n)
    rows, cols, vals = [np.arange(n)], [np.arange(n)], []
    diag = np.zeros(n)
    rhs = np.zeros((n, img.shape[2]))
    gp = g[pix[:, 0], pix[:, 1]]
    for dy, dx in _OFFSETS:
        qy, qx = pix[:, 0] + dy, pix[:, 1] + dx
        inside = (qy >= 0) & (qy < h) & (qx >= 0) & (qx < w)
        diag += inside
        qy_c, qx_c = np.clip(qy, 0, h - 1), np.clip(qx, 0, w - 1)
        q_hole = inside & hole[qy_c, qx_c]
        q_known = inside & ~hole[qy_c, qx_c]
        # Hole neighbour: off-diagonal -1, guidance fill(p) - fill(q).
        k = np.flatnonzero(q_hole)
        rows.append(k)
        cols.append(idx[qy[k], qx[k]])
        vals.append(np.full(len(k), -1.0))
        rhs[k] += gp[k] - g[qy[k], qx[k]]
        # Known neighbour: Dirichlet value plus mirrored guidance.
        k = np.flatnonzero(q_known)
        rhs[k] += img[qy[k], qx[k]]
        ry, rx = pix[k, 0] - dy, pix[k, 1] - dx
        ok = (ry >= 0) & (ry < h) & (rx >= 0) & (rx < w)
        ok[ok] &= hole[ry[ok], rx[ok]]
        kk = k[ok]
        rhs[kk] += g[ry[ok], rx[ok]] - gp[kk]
    vals = [diag] + vals
    A = coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n, n),
    ).tocsc()
    return splu(A).solve(rhs)


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
    if method == "none":
        values = g[hole]
    elif method == "feather":
        from scipy.ndimage import distance_transform_edt

        if width is None:
            width = max(2.0, 0.06 * min(hole.shape))
        dist, (iy, ix) = distance_transform_edt(hole, return_indices=True)
        alpha = np.clip((dist[hole] - 0.5) / width, 0.0, 1.0)[:, None]
        edge = img[iy[hole], ix[hole]].astype(np.float64)
        values = alpha * g[hole] + (1 - alpha) * edge
    else:
        values = poisson_fill(img, g, hole)
    out[hole] = np.clip(values, 0.0, 1.0)
    return out[:, :, 0] if grey else out
