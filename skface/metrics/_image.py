"""Image quality metrics, on whole images or on a region (a hole's mask).

Every function takes two batches of images under skface's image contract
(uint8, uint16 or float in [0, 1]; compared as float in [0, 1]) and an
optional batch of boolean masks: with masks, only the pixels where the mask
is True count (the hole of an inpainting task). ``reduction='mean'`` returns
the mean over images, ``None`` the per-image values.
"""

from __future__ import annotations

import numpy as np
from skimage.metrics import structural_similarity

from ..utils._image import check_masks
from ..utils.validation import check_images

__all__ = ["psnr", "ssim", "l1_error", "seam_score"]

_REDUCTIONS = ("mean", None)


def _pairs(images_true, images_pred, masks):
    a = check_images(images_true, dtype="float32", channels="keep", stack=False)
    b = check_images(images_pred, dtype="float32", channels="keep", stack=False)
    if len(a) != len(b):
        raise ValueError(
            f"images_true has {len(a)} images but images_pred has {len(b)}"
        )
    m = _check_masks(masks, [x.shape[:2] for x in a])
    for i, (x, y) in enumerate(zip(a, b)):
        if x.shape != y.shape:
            raise ValueError(
                f"images_true[{i}] has shape {x.shape} but images_pred[{i}] has "
                f"shape {y.shape}"
            )
    return a, b, m


def _check_masks(masks, shapes):
    """Boolean masks, one per image, or None; validated against ``shapes``."""
    if masks is None:
        return [None] * len(shapes)
    return check_masks(masks, shapes)


def _reduce(values, reduction):
    values = np.asarray(values, dtype=np.float64)
    if reduction == "mean":
        return float(np.mean(values))
    if reduction is None:
        return values
    raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _select(x, m):
    return x.reshape(-1) if m is None else x[m].reshape(-1)


def psnr(images_true, images_pred, *, masks=None, reduction="mean"):
    """Peak signal-to-noise ratio in dB (data range 1), higher is better.

    Parameters
    ----------
    images_true, images_pred : images
        Reference and estimate, same number and shapes.
    masks : bool array of shape (n, H, W), list of such, (H, W) or None
        Region on which the error is measured (e.g. the hole); None: whole
        image.
    reduction : {'mean', None}, default='mean'
        Mean over images (of the per-image PSNR), or the per-image values.

    Returns
    -------
    psnr : float or ndarray of shape (n,)
        The per-image squared error is floored at 1e-10, so identical
        images give 100 dB and means stay finite.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.metrics import psnr
    >>> a = np.zeros((1, 4, 4))
    >>> round(psnr(a, a + 0.1), 6)
    20.0
    """
    a, b, m = _pairs(images_true, images_pred, masks)
    mse = [np.mean((_select(x, k) - _select(y, k)) ** 2) for x, y, k in zip(a, b, m)]
    mse = np.maximum(np.asarray(mse, dtype=np.float64), 1e-10)
    values = -10 * np.log10(mse)
    return _reduce(values, reduction)


def l1_error(images_true, images_pred, *, masks=None, reduction="mean"):
    """Mean absolute error in [0, 1] intensity units, lower is better.

    Parameters and returns as :func:`psnr`.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.metrics import l1_error
    >>> a = np.zeros((1, 4, 4))
    >>> round(l1_error(a, a + 0.25), 6)
    0.25
    """
    a, b, m = _pairs(images_true, images_pred, masks)
    values = [
        np.mean(np.abs(_select(x, k) - _select(y, k))) for x, y, k in zip(a, b, m)
    ]
    return _reduce(values, reduction)


def ssim(images_true, images_pred, *, masks=None, reduction="mean"):
    """Structural similarity (scikit-image, 7x7 window), higher is better.

    With masks, the SSIM map is averaged over the masked pixels only (the
    windows near the hole edge see known pixels too, as in the inpainting
    literature). Images smaller than 7 pixels use the largest odd window
    that fits.

    Parameters and returns as :func:`psnr`.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.metrics import ssim
    >>> a = np.random.default_rng(0).random((1, 16, 16))
    >>> ssim(a, a)
    1.0
    """
    a, b, m = _pairs(images_true, images_pred, masks)
    values = []
    for x, y, k in zip(a, b, m):
        win = min(7, *x.shape[:2])
        win -= 1 - win % 2
        _, smap = structural_similarity(
            x,
            y,
            data_range=1.0,
            channel_axis=2 if x.ndim == 3 else None,
            win_size=max(win, 3),
            full=True,
        )
        if smap.ndim == 3:
            smap = smap.mean(axis=2)
        values.append(float(smap.mean() if k is None else smap[k].mean()))
    return _reduce(values, reduction)


def seam_score(images, masks, *, reduction="mean"):
    """How much the hole's edge stands out: gradient jump across its boundary.

    For every pair of 4-neighbour pixels ``(p, q)`` with ``p`` in the hole
    and ``q`` outside it, the absolute step ``|I(p) - I(q)|`` is compared
    with the steps one pixel further on each side along the same direction,
    ``|I(q) - I(q')|`` outside and ``|I(p') - I(p)|`` inside. The score is
    the mean step across the boundary minus the mean of those neighbouring
    steps, in [0, 1] intensity units averaged over channels: about 0 when
    the fill continues the image smoothly, positive when the boundary is a
    visible edge (a pasted patch with a different brightness gives the
    brightness difference). Lower is better.

    Parameters
    ----------
    images : images
        Completed (or blended) images.
    masks : bool array of shape (n, H, W), list of such, or (H, W)
        The hole (or pasted region) of each image.
    reduction : {'mean', None}, default='mean'

    Returns
    -------
    score : float or ndarray of shape (n,)
        NaN for an image whose hole has no boundary inside the image.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.metrics import seam_score
    >>> img = np.full((1, 20, 20), 0.5)
    >>> hole = np.zeros((1, 20, 20), bool)
    >>> hole[0, 5:15, 5:15] = True
    >>> img[hole] = 0.7
    >>> round(seam_score(img, hole), 6)
    0.2
    """
    imgs = check_images(images, dtype="float32", channels="keep", stack=False)
    m = _check_masks(masks, [x.shape[:2] for x in imgs])
    values = []
    for x, hole in zip(imgs, m):
        x = x.astype(np.float64)
        if x.ndim == 2:
            x = x[:, :, None]
        across, beside = [], []
        for axis in (0, 1):
            for step in (1, -1):
                across_i, beside_i = _boundary_steps(x, hole, axis, step)
                across.append(across_i)
                beside.append(beside_i)
        across = np.concatenate(across)
        beside = np.concatenate(beside)
        if across.size == 0:
            values.append(np.nan)
            continue
        values.append(float(across.mean() - (beside.mean() if beside.size else 0.0)))
    return _reduce(values, reduction)


def _boundary_steps(x, hole, axis, step):
    """Steps across the boundary (p in hole, q = p + step) and beside it."""
    h, w = hole.shape
    idx = np.argwhere(hole)
    q = idx.copy()
    q[:, axis] += step
    size = (h, w)[axis]
    ok = (q[:, axis] >= 0) & (q[:, axis] < size)
    idx, q = idx[ok], q[ok]
    ok = ~hole[q[:, 0], q[:, 1]]
    p, q = idx[ok], q[ok]
    if len(p) == 0:
        return np.empty(0), np.empty(0)
    xp = x[p[:, 0], p[:, 1]]
    xq = x[q[:, 0], q[:, 1]]
    across = np.abs(xp - xq).mean(axis=1)
    beside = []
    q2 = q.copy()
    q2[:, axis] += step
    ok = (q2[:, axis] >= 0) & (q2[:, axis] < size)
    ok[ok] &= ~hole[q2[ok, 0], q2[ok, 1]]
    beside.append(np.abs(xq[ok] - x[q2[ok, 0], q2[ok, 1]]).mean(axis=1))
    p2 = p.copy()
    p2[:, axis] -= step
    ok = (p2[:, axis] >= 0) & (p2[:, axis] < size)
    ok[ok] &= hole[p2[ok, 0], p2[ok, 1]]
    beside.append(np.abs(xp[ok] - x[p2[ok, 0], p2[ok, 1]]).mean(axis=1))
    return across, np.concatenate(beside)
