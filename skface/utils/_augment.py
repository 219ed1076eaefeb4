"""One flip/shift augmentation for the training batches of image estimators."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["flip_shift_augment"]


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
