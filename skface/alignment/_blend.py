"""Colour matching and blending of a face chip into a photo window.

All pixel arrays here are float32 RGB in ``[0, 1]``; masks are float32 in
``[0, 1]`` or uint8 ``{0, 255}``.
"""

from __future__ import annotations

import numpy as np

from ..utils._image import poisson_blend as _poisson_blend
from ..utils._optional import import_cv2

__all__ = ["alpha_blend", "match_mean_std", "poisson_blend"]


def match_mean_std(chip, reference, mask):
    """Give ``chip`` the per-channel mean and std of ``reference`` in ``mask``.

    Reinhard et al.'s colour transfer, in CIE L*a*b*: statistics of both
    images are taken over the pixels where ``mask`` is set, and the whole
    chip is shifted and scaled channel by channel.

    References
    ----------
    E. Reinhard, M. Ashikhmin, B. Gooch and P. Shirley, "Color transfer
    between images", IEEE Computer Graphics and Applications 21(5), 2001.
    """
    cv2 = import_cv2()
    sel = mask.astype(bool)
    if sel.sum() < 2:
        return chip
    lab = cv2.cvtColor(chip, cv2.COLOR_RGB2Lab)
    ref = cv2.cvtColor(reference, cv2.COLOR_RGB2Lab)
    a, b = lab[sel], ref[sel]
    mu_a, sd_a = a.mean(0), a.std(0)
    mu_b, sd_b = b.mean(0), b.std(0)
    gain = np.where(sd_a > 1e-3, sd_b / np.maximum(sd_a, 1e-3), 1.0)
    lab = (lab - mu_a) * gain.astype(np.float32) + mu_b.astype(np.float32)
    out = cv2.cvtColor(lab.astype(np.float32), cv2.COLOR_Lab2RGB)
    return np.clip(out, 0.0, 1.0)


def alpha_blend(window, chip_patch, alpha):
    """``alpha * chip + (1 - alpha) * photo`` on a photo window."""
    a = alpha[..., None]
    return window + a * (chip_patch - window)


def poisson_blend(window, chip_patch, mask):
    """Seamless cloning (Perez et al.) of ``chip_patch`` into ``window``.

    :func:`skface.utils.poisson_blend` with Perez et al.'s guidance across
    the edge (the warped chip is valid around the mask; ``mask`` is a
    window-sized uint8 or bool array): inside the mask the result has the
    chip's gradients and it meets the photo on the mask's edge, in full
    float precision. Pixels outside the mask are the photo's. A mask that
    covers the whole window keeps the window's outer frame as the photo's
    boundary.

    References
    ----------
    P. Perez, M. Gangnet and A. Blake, "Poisson image editing",
    ACM SIGGRAPH 2003.
    """
    hole = np.asarray(mask) > 0
    if hole.all():
        hole = hole.copy()
        hole[[0, -1]] = False
        hole[:, [0, -1]] = False
    if not hole.any():
        return window
    return _poisson_blend(window, chip_patch, hole, edge="source")
