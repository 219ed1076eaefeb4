"""One Poisson blend: paste a source into an image across a hole's seam."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import distance_transform_edt
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import splu

from ._masks import check_mask
from ._resize import resize

__all__ = ["poisson_blend"]

_OFFSETS = ((-1, 0), (1, 0), (0, -1), (0, 1))
#: Holes up to this many pixels are solved directly; larger ones coarse to fine.
_DIRECT_MAX = 40_000
#: Width of the exactly solved band along the edge, in coarse cells.
_BAND = 6


def _as_hwc(x, name):
    x = np.asarray(x)
    if x.ndim == 2:
        return x[:, :, None]
    if x.ndim == 3:
        return x
    raise ValueError(f"{name} must be (H, W) or (H, W, C), got shape {x.shape}")


def _solve(img, g, hole, unknown, fixed, edge="mirror"):
    """Sparse direct solve of the Poisson equation on the ``unknown`` pixels.

    ``hole`` pixels that are not ``unknown`` are Dirichlet values ``fixed``
    (reached with the fill's guidance); known pixels are Dirichlet values
    ``img``, reached with the ``edge`` guidance (see :func:`poisson_blend`).
    """
    h, w = hole.shape
    idx = np.full((h, w), -1, dtype=np.int64)
    pix = np.argwhere(unknown)
    n = len(pix)
    idx[unknown] = np.arange(n)
    rows, cols, vals = [], [], []
    diag = np.zeros(n)
    rhs = np.zeros((n, img.shape[2]))
    gp = g[pix[:, 0], pix[:, 1]]
    for dy, dx in _OFFSETS:
        qy, qx = pix[:, 0] + dy, pix[:, 1] + dx
        inside = (qy >= 0) & (qy < h) & (qx >= 0) & (qx < w)
        diag += inside
        qy_c, qx_c = np.clip(qy, 0, h - 1), np.clip(qx, 0, w - 1)
        q_hole = inside & hole[qy_c, qx_c]
        q_unknown = q_hole & unknown[qy_c, qx_c]
        # Hole neighbour: the fill's guidance g(p) - g(q).
        k = np.flatnonzero(q_hole)
        rhs[k] += gp[k] - g[qy[k], qx[k]]
        k = np.flatnonzero(q_unknown)
        rows.append(k)
        cols.append(idx[qy[k], qx[k]])
        vals.append(np.full(len(k), -1.0))
        if fixed is not None:
            k = np.flatnonzero(q_hole & ~q_unknown)
            rhs[k] += fixed[qy[k], qx[k]]
        # Known neighbour: Dirichlet value plus the edge guidance.
        k = np.flatnonzero(inside & ~hole[qy_c, qx_c])
        rhs[k] += img[qy[k], qx[k]]
        if edge == "source":
            rhs[k] += gp[k] - g[qy[k], qx[k]]
            continue
        ry, rx = pix[k, 0] - dy, pix[k, 1] - dx
        ok = (ry >= 0) & (ry < h) & (rx >= 0) & (rx < w)
        ok[ok] &= hole[ry[ok], rx[ok]]
        kk = k[ok]
        rhs[kk] += g[ry[ok], rx[ok]] - gp[kk]
    A = coo_matrix(
        (
            np.concatenate([diag, *vals]),
            (
                np.concatenate([np.arange(n), *rows]),
                np.concatenate([np.arange(n), *cols]),
            ),
        ),
        shape=(n, n),
    ).tocsc()
    return splu(A).solve(rhs)


def _edge_data(img, g, hole, edge):
    """Dirichlet data of the correction ``f - g`` on the known pixels.

    Inside the hole ``f - g`` is discrete-harmonic; across each edge from a
    hole pixel ``p`` to a known pixel ``q`` it meets ``img(q) - (2 g(p) -
    g(r))`` (the source extrapolated to ``q``, see :func:`poisson_blend`).
    Returns ``(H, W, C)`` values (the mean over ``q``'s edges) and the bool
    ``(H, W)`` mask of the known pixels that have such an edge.
    """
    h, w = hole.shape
    total = np.zeros(img.shape)
    count = np.zeros((h, w))
    pix = np.argwhere(hole)
    gp = g[pix[:, 0], pix[:, 1]]
    for dy, dx in _OFFSETS:
        qy, qx = pix[:, 0] + dy, pix[:, 1] + dx
        ok = (qy >= 0) & (qy < h) & (qx >= 0) & (qx < w)
        ok[ok] &= ~hole[qy[ok], qx[ok]]
        p, qy, qx = pix[ok], qy[ok], qx[ok]
        if edge == "source":
            extrap = g[qy, qx]
        else:
            ry, rx = p[:, 0] - dy, p[:, 1] - dx
            extrap = gp[ok].copy()
            inner = (ry >= 0) & (ry < h) & (rx >= 0) & (rx < w)
            inner[inner] &= hole[ry[inner], rx[inner]]
            extrap[inner] += gp[ok][inner] - g[ry[inner], rx[inner]]
        np.add.at(total, (qy, qx), img[qy, qx] - extrap)
        np.add.at(count, (qy, qx), 1)
    edge = count > 0
    total[edge] /= count[edge][:, None]
    return total, edge


def _poisson(img, g, hole, edge="mirror"):
    """Solution on ``hole`` (``(n_hole, C)`` float64, row-major order)."""
    n = int(hole.sum())
    if n <= _DIRECT_MAX:
        return _solve(img, g, hole, hole, None, edge)
    # Coarse to fine. Inside the hole the solution is the source plus a
    # harmonic correction, fixed by its values across the hole's edge.
    # Spread those values over the known pixels, shrink k times, solve the
    # (harmonic) correction on the coarse grid, bring it back up, and solve
    # exactly only a band of hole pixels along the edge, with the upsampled
    # solution fixed beyond the band: the seam stays exact.
    k = int(np.ceil(np.sqrt(n / _DIRECT_MAX))) + 1
    h, w = hole.shape
    small = (max(1, -(-h // k)), max(1, -(-w // k)))
    data, ring = _edge_data(img, g, hole, edge)
    _, (iy, ix) = distance_transform_edt(~ring, return_indices=True)
    data_s = resize(data[iy, ix], small, interpolation="area")
    cover = resize(hole.astype(np.float32), small, interpolation="area")
    hole_s = cover > 0  # every coarse cell that touches the hole
    if hole_s.all():
        hole_s[0, 0] = False
    corr = data_s.copy()
    corr[hole_s] = _poisson(data_s, np.zeros_like(data_s), hole_s)
    fixed = g + resize(corr, (h, w), interpolation="linear")
    depth = distance_transform_edt(hole)
    band = hole & (depth <= _BAND * k + 2)
    out = fixed.copy()
    out[band] = _solve(img, g, hole, band, fixed, edge)
    return out[hole]


def poisson_blend(image, source, mask, *, edge="mirror"):
    """Seamless cloning (Perez et al., 2003) of ``source`` into ``image``.

    The one Poisson blend of skface. Inside ``mask`` the result has the
    source's gradients and it meets ``image`` at the mask's edge; pixels
    outside ``mask`` are ``image``'s, bit for bit. For every masked pixel
    ``p`` with 4-neighbours ``N(p)`` inside the image::

        |N(p)| f(p) - sum_{q in N(p), q in mask} f(q)
            = sum_{q in N(p), q outside} image(q) + sum_{q in N(p)} v(p, q)

    with guidance ``v(p, q) = source(p) - source(q)`` when ``q`` is masked.
    Across the mask's edge (``q`` outside) it depends on ``edge``:
    ``'source'`` is Perez et al.'s ``source(p) - source(q)`` (the source is
    valid around the mask, e.g. a warped face chip); ``'mirror'`` does not
    trust the source outside the mask (an inpainter only fills the hole)
    and takes its gradient one step further in, ``source(r) - source(p)``
    with ``r = p - (q - p)``, when ``r`` is masked, else 0. The image border
    is a Neumann boundary.

    Holes up to 40,000 pixels are solved exactly with a sparse direct
    solver. Larger ones are solved coarse to fine: inside the mask the
    solution is the source plus a harmonic correction, which is solved on
    a grid shrunk ``k`` times; a band of ``6 k`` pixels along the mask's
    edge is then solved exactly at full resolution. The seam stays exact,
    the interior is within a grey level or two of the direct solution, and
    a hole of a million pixels takes about two seconds instead of 80.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C)
        Float image; its masked pixels are ignored.
    source : ndarray of the same shape
        The content to clone; only its masked pixels are used.
    mask : bool ndarray of shape (H, W)
        The region to replace; at least one pixel must be outside it.
    edge : {'mirror', 'source'}, default='mirror'
        The guidance across the mask's edge (see above).

    Returns
    -------
    blended : float32 ndarray like ``image``
        Masked values are clipped to ``[0, 1]`` when ``image`` is in
        ``[0, 1]``.

    References
    ----------
    P. Perez, M. Gangnet and A. Blake, "Poisson image editing",
    ACM SIGGRAPH 2003.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.utils import poisson_blend
    >>> image = np.tile(np.linspace(0, 1, 16, dtype=np.float32), (16, 1))
    >>> hole = np.zeros((16, 16), bool)
    >>> hole[4:12, 4:12] = True
    >>> out = poisson_blend(image, image + 0.2, hole)  # same gradients
    >>> bool(np.abs(out - image).max() < 1e-5)
    True
    """
    if edge not in ("mirror", "source"):
        raise ValueError(f"edge must be 'mirror' or 'source', got {edge!r}")
    img = _as_hwc(image, "image")
    g = _as_hwc(source, "source")
    if g.shape != img.shape:
        raise ValueError(f"source has shape {g.shape} but image has {img.shape}")
    hole = check_mask(mask, img.shape, allow_empty=True, allow_full=False)
    out = np.array(img, dtype=np.float32, copy=True)
    if hole.any():
        values = _poisson(img.astype(np.float64), g.astype(np.float64), hole, edge)
        if img.size and img.min() >= 0 and img.max() <= 1:
            values = np.clip(values, 0.0, 1.0)
        out[hole] = values
    return out[:, :, 0] if np.ndim(image) == 2 else out
