"""The image toolbox: one resize, channel conversion, mask check, Poisson blend
and flip/shift augmentation for every estimator.

Pure numpy, with OpenCV and SciPy imported where they are used, so importing
this module stays light (no torch, no cv2).
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.ndimage import distance_transform_edt
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import splu

from ._optional import import_cv2

__all__ = [
    "LUMA",
    "check_mask",
    "check_masks",
    "convert_channels",
    "flip_shift_augment",
    "poisson_blend",
    "resize",
]

#: ITU-R BT.601 luma weights of R, G and B, the ones OpenCV and Pillow use.
LUMA = np.array([0.299, 0.587, 0.114])

_INTERPOLATIONS = ("auto", "area", "linear", "cubic", "nearest")
_RESIZE_DTYPES = (np.uint8, np.uint16, np.float32, np.float64)
#: OpenCV's resize handles at most 4 channels per call.
_CV_CHANNELS = 4


# ----------------------------------------------------------------------
# resize


def _check_size(size, name="size"):
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        size = (size, size)
    try:
        h, w = size
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be an int or a pair (H, W) of ints, got {size!r}"
        ) from None
    for v in (h, w):
        if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name} must hold positive ints, got {size!r}")
    return int(h), int(w)


def _cv_resize(image, hw, flag):
    """``cv2.resize`` to ``(H, W)``, any number of channels, channel axis kept."""
    cv2 = import_cv2()
    h, w = hw
    if image.ndim == 2:
        return cv2.resize(image, (w, h), interpolation=flag)
    c = image.shape[2]
    if c == 1:
        return cv2.resize(image[:, :, 0], (w, h), interpolation=flag)[:, :, None]
    if c <= _CV_CHANNELS:
        return cv2.resize(image, (w, h), interpolation=flag)
    out = np.empty((h, w, c), image.dtype)
    for s in range(0, c, 3):
        part = np.ascontiguousarray(image[:, :, s : s + 3])
        out[:, :, s : s + 3] = _cv_resize(part, hw, flag)
    return out


def resize(image, size, *, interpolation="auto"):
    """Resize one image, keeping its dtype and value range.

    The one resampling routine of skface. With ``interpolation='auto'``,
    shrinking averages the input pixels each output pixel covers (exact
    area averaging, OpenCV's ``INTER_AREA``: anti-aliased, no ringing, and
    fast on any photo size) and enlarging is bilinear. When one axis
    shrinks and the other grows, the image is first area-averaged along the
    shrinking axis, then interpolated along the other.

    Parameters
    ----------
    image : ndarray of shape (H, W) or (H, W, C)
        ``uint8``, ``uint16``, ``float32`` or ``float64``; any number of
        channels.
    size : int or tuple of (int, int)
        Output ``(H, W)``; an int gives a square image.
    interpolation : {'auto', 'area', 'linear', 'cubic', 'nearest'}, \
default='auto'
        ``'auto'``: area averaging to shrink, bilinear to enlarge.
        ``'cubic'`` shrinks by area averaging too and enlarges bicubically
        (values are clipped to the input's range, so there is no overshoot).
        ``'area'`` forces area averaging, ``'linear'`` and ``'nearest'``
        the plain interpolations in both directions (they alias when
        shrinking).

    Returns
    -------
    resized : ndarray of shape (size_H, size_W) or (size_H, size_W, C)
        Same dtype and number of dimensions as ``image``; integer outputs
        are rounded.

    Raises
    ------
    ValueError
        For an unsupported dtype, a non-image shape, a bad ``size`` or an
        unknown ``interpolation``.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.utils import resize
    >>> image = np.arange(16, dtype=np.float32).reshape(4, 4)
    >>> resize(image, 2)
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(
            f"interpolation must be one of {_INTERPOLATIONS}, got {interpolation!r}"
        )
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(
            f"image must be (H, W) or (H, W, C), got an array of shape {image.shape}"
        )
    if image.dtype.type not in _RESIZE_DTYPES:
        raise ValueError(
            f"image dtype must be uint8, uint16, float32 or float64, got {image.dtype}"
        )
    hw = _check_size(size)
    if image.shape[:2] == hw:
        return image.copy()
    cv2 = import_cv2()
    image = np.ascontiguousarray(image)
    if interpolation == "nearest":
        return _cv_resize(image, hw, cv2.INTER_NEAREST)
    if interpolation == "linear":
        return _cv_resize(image, hw, cv2.INTER_LINEAR)
    h, w = image.shape[:2]
    small = (min(h, hw[0]), min(w, hw[1]))
    if interpolation == "area" or small != (h, w):
        target = hw if interpolation == "area" else small
        image = _cv_resize(image, target, cv2.INTER_AREA)
        if image.shape[:2] == hw:
            return image
    if interpolation == "cubic":
        lo, hi = image.min(), image.max()
        out = _cv_resize(image, hw, cv2.INTER_CUBIC)
        return np.clip(out, lo, hi, out=out)
    return _cv_resize(image, hw, cv2.INTER_LINEAR)


# ----------------------------------------------------------------------
# channels


def convert_channels(image, channels="keep"):
    """Bring an image (or a channels-last batch) to grey or RGB.

    The one colour conversion of skface: grey is the BT.601 luma
    (:data:`LUMA`), RGB from grey repeats the grey value, and an alpha
    channel is dropped.

    Parameters
    ----------
    image : ndarray of shape (H, W), (H, W, C) or (n, H, W, C)
        ``C`` is 1 (grey), 3 (RGB) or 4 (RGBA). A 3-D array is one image,
        never a grey batch.
    channels : {'keep', 'rgb', 'grey'}, default='keep'
        ``'rgb'`` gives ``(..., 3)``, ``'grey'`` gives ``(H, W)`` (or
        ``(n, H, W)``), ``'keep'`` only drops alpha and a singleton channel.

    Returns
    -------
    converted : ndarray
        Same dtype as ``image``; integer luma is rounded.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.utils import convert_channels
    >>> red = np.zeros((2, 2, 3), np.uint8)
    >>> red[..., 0] = 255
    >>> convert_channels(red, "grey")
    array([[76, 76],
           [76, 76]], dtype=uint8)
    """
    if channels not in ("keep", "rgb", "grey"):
        raise ValueError(f"channels must be 'keep', 'rgb' or 'grey', got {channels!r}")
    image = np.asarray(image)
    if image.ndim not in (2, 3, 4) or (
        image.ndim >= 3 and image.shape[-1] not in (1, 3, 4)
    ):
        raise ValueError(
            "image must be (H, W), (H, W, C) or (n, H, W, C) with C in 1, 3, 4; "
            f"got shape {image.shape}"
        )
    grey = image.ndim == 2 or image.shape[-1] == 1
    if image.ndim >= 3 and image.shape[-1] == 4:
        image = image[..., :3]
    if grey:
        image = image if image.ndim == 2 else image[..., 0]
        if channels == "rgb":
            return np.repeat(image[..., None], 3, axis=-1)
        return image
    if channels != "grey":
        return image
    out = image.astype(np.float64) @ LUMA
    if image.dtype.kind in "ui":
        info = np.iinfo(image.dtype)
        out = np.clip(np.rint(out), info.min, info.max)
    return out.astype(image.dtype)


# ----------------------------------------------------------------------
# masks


def check_mask(
    mask,
    shape,
    *,
    name="mask",
    allow_empty=False,
    allow_full=True,
    allow_binary=False,
):
    """Validate one mask against an image size.

    The one mask validator of skface.

    Parameters
    ----------
    mask : bool array-like of shape (H, W)
        ``True`` marks the selected pixels (a hole, a face region).
    shape : tuple of int
        The image's shape; its first two values are ``(H, W)``.
    name : str, default='mask'
        Name used in error messages, e.g. ``'masks[3]'``.
    allow_empty : bool, default=False
        Accept a mask that selects no pixel.
    allow_full : bool, default=True
        Accept a mask that selects every pixel.
    allow_binary : bool, default=False
        Accept integer or float masks that hold only 0 and 1 (otherwise
        only bool masks pass, so that a 0-255 mask is never misread).

    Returns
    -------
    mask : C-contiguous bool ndarray of shape (H, W)

    Raises
    ------
    ValueError
        Naming ``name``: not boolean (or 0/1 with ``allow_binary``), a size
        other than the image's, empty or full when not allowed.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.utils import check_mask
    >>> check_mask(np.eye(2, dtype=int), (2, 2, 3), allow_binary=True)
    array([[ True, False],
           [False,  True]])
    """
    hw = tuple(int(v) for v in tuple(shape)[:2])
    m = np.asarray(mask)
    if m.dtype != bool:
        ok = allow_binary and m.dtype.kind in "iuf"
        if ok:
            ok = bool(np.isin(m, (0, 1)).all())
        if not ok:
            allowed = "boolean (or hold only 0 and 1)" if allow_binary else "boolean"
            raise ValueError(
                f"{name} must be {allowed}, True = selected; got dtype {m.dtype}; "
                "convert with mask > 0"
            )
        m = m.astype(bool)
    if m.shape != hw:
        raise ValueError(
            f"{name} has shape {m.shape} but its image is {hw[0]}x{hw[1]} pixels"
        )
    if not allow_empty and not m.any():
        raise ValueError(f"{name} is empty: it selects no pixel")
    if not allow_full and m.all():
        raise ValueError(f"{name} covers the whole image: no pixel is left outside it")
    return np.ascontiguousarray(m)


def check_masks(
    masks,
    shapes,
    *,
    name="masks",
    broadcast=True,
    allow_empty=False,
    allow_full=True,
    allow_binary=False,
):
    """Validate one mask per image with :func:`check_mask`.

    Parameters
    ----------
    masks : bool array-like of shape (n_samples, H, W), list of (H_i, W_i) \
or (H, W)
        One mask per image; a single ``(H, W)`` mask is used for every image
        when ``broadcast`` is true.
    shapes : list of tuple of int
        Shape of each image (its first two values are used).
    name : str, default='masks'
        Name used in error messages.
    broadcast : bool, default=True
        Accept a single ``(H, W)`` mask for the whole batch.
    allow_empty, allow_full, allow_binary : bool
        See :func:`check_mask`.

    Returns
    -------
    masks : list of bool ndarray of shape (H_i, W_i)
    """
    n = len(shapes)
    if isinstance(masks, np.ndarray) and masks.ndim == 2:
        if not broadcast:
            raise ValueError(
                f"{name} has shape {masks.shape}; expected one (H, W) mask per "
                "image, e.g. masks[np.newaxis] for a single image"
            )
        masks = [masks] * n
    elif isinstance(masks, np.ndarray) and masks.ndim != 3:
        raise ValueError(
            f"{name} has shape {masks.shape}; expected (n_samples, H, W)"
            + (" or a single (H, W) mask" if broadcast else "")
        )
    else:
        try:
            masks = list(masks)
        except TypeError:
            raise ValueError(
                f"{name} of type {type(masks).__name__} is not a batch of masks"
            ) from None
    if len(masks) != n:
        raise ValueError(f"got {len(masks)} {name} for {n} images")
    return [
        check_mask(
            m,
            s,
            name=f"{name}[{i}]",
            allow_empty=allow_empty,
            allow_full=allow_full,
            allow_binary=allow_binary,
        )
        for i, (m, s) in enumerate(zip(masks, shapes))
    ]


# ----------------------------------------------------------------------
# Poisson blending

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


# ----------------------------------------------------------------------
# augmentation


def flip_shift_augment(batch, rng, *, horizontal_flip=True, max_shift=0, targets=None):
    """Randomly mirror and translate the images of a batch.

    The one training augmentation of skface's image estimators (the pure
    torch twin for ``(n, C, H, W)`` tensors is
    :func:`skface.nn.flip_shift_batch`). Each image is mirrored left-right
    with probability 1/2 and shifted by whole pixels, up to ``max_shift``
    in each direction; the uncovered border repeats the edge pixels.

    Parameters
    ----------
    batch : ndarray of shape (n_samples, H, W[, C])
        Images (any dtype).
    rng : int, None or numpy.random.Generator
        Source of the random flips and shifts.
    horizontal_flip : bool, default=True
        Mirror a random half of the images.
    max_shift : int, default=0
        Largest shift in pixels (``0``: no shifts).
    targets : ndarray of shape (n_samples, H', W'[, C']), default=None
        Images (e.g. masks or targets) that get the same flips and shifts;
        shifts are scaled by ``W' / W``.

    Returns
    -------
    augmented : ndarray like ``batch``
        A new array.
    targets : ndarray like ``targets``
        Only when ``targets`` is given.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.utils import flip_shift_augment
    >>> batch = np.arange(8.0).reshape(2, 2, 2)
    >>> out = flip_shift_augment(batch, 0, max_shift=1)
    >>> out.shape
    (2, 2, 2)
    """
    if not isinstance(max_shift, numbers.Integral) or max_shift < 0:
        raise ValueError(f"max_shift must be an int >= 0, got {max_shift!r}")
    batch = np.asarray(batch)
    if batch.ndim not in (3, 4):
        raise ValueError(
            f"batch must be (n_samples, H, W[, C]), got shape {batch.shape}"
        )
    rng = np.random.default_rng(rng)
    n, h, w = batch.shape[:3]
    flip = rng.random(n) < 0.5 if horizontal_flip else np.zeros(n, dtype=bool)
    s = int(max_shift)
    dy, dx = rng.integers(-s, s + 1, size=(2, n)) if s else np.zeros((2, n), int)

    def apply(x, scale):
        x = np.asarray(x)
        if len(x) != n:
            raise ValueError(f"targets has {len(x)} rows but batch has {n}")
        hh, ww = x.shape[1:3]
        sy = np.rint(dy * scale).astype(int)[:, None]
        sx = np.rint(dx * scale).astype(int)[:, None]
        rows = np.clip(np.arange(hh) - sy, 0, hh - 1)  # (n, hh)
        cols = np.clip(np.arange(ww) - sx, 0, ww - 1)  # (n, ww)
        cols = np.where(flip[:, None], ww - 1 - cols, cols)  # mirror, then shift
        return x[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]

    out = apply(batch, 1.0)
    if targets is None:
        return out
    return out, apply(targets, np.asarray(targets).shape[2] / w)
