"""Colour matching and blending of a face chip into a photo window.

All pixel arrays here are float32 RGB in ``[0, 1]``; masks are float32 in
``[0, 1]`` or uint8 ``{0, 255}``.
"""

from __future__ import annotations

import numpy as np

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


def _to_uint8(x):
    return np.clip(np.rint(x * 255.0), 0, 255).astype(np.uint8)


def poisson_blend(window, chip_patch, mask):
    """Seamless cloning (Perez et al.) of ``chip_patch`` into ``window``.

    ``cv2.seamlessClone`` with ``NORMAL_CLONE``: inside ``mask`` the result
    has the chip's gradients and it meets the photo on the mask's boundary.
    ``mask`` is a binary uint8 window-sized array. Returns a float32 window;
    pixels outside the mask are the photo's, at full precision.

    References
    ----------
    P. Perez, M. Gangnet and A. Blake, "Poisson image editing",
    ACM SIGGRAPH 2003.
    """
    cv2 = import_cv2()
    h, w = mask.shape
    # OpenCV clears the mask's outer 1-pixel frame, then centres the mask's
    # bounding box on ``center``: centre it on its own box so nothing moves.
    inner = np.zeros_like(mask)
    inner[1:-1, 1:-1] = mask[1:-1, 1:-1]
    if h < 3 or w < 3 or not inner.any():
        return window
    x, y, bw, bh = cv2.boundingRect(inner)
    center = (x + bw // 2, y + bh // 2)
    dst = _to_uint8(window)
    src = _to_uint8(chip_patch)
    sel = inner.astype(bool)
    # seamlessClone writes into its mask argument: give it a copy.
    cloned = cv2.seamlessClone(src, dst, inner.copy(), center, cv2.NORMAL_CLONE)
    out = window.copy()
    out[sel] = cloned[sel].astype(np.float32) / 255.0
    return out
