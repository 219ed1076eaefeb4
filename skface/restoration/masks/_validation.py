"""Validation of user-given hole masks."""

from __future__ import annotations

import numpy as np

__all__ = ["check_masks"]


def check_masks(masks, shapes, *, name="masks"):
    """Validate hole masks against image sizes; one bool ``(H, W)`` per image.

    Parameters
    ----------
    masks : bool array-like of shape (n_samples, H, W), list of (H_i, W_i) \
or (H, W)
        True marks the hole. A single ``(H, W)`` mask is used for every
        image.
    shapes : list of (H, W)
        Size of each image.
    name : str, default='masks'
        Name used in error messages.

    Returns
    -------
    masks : list of bool ndarray of shape (H_i, W_i)

    Raises
    ------
    ValueError
        Naming the offending index: wrong number of masks, non-boolean
        dtype, a shape that differs from its image's, an empty hole or a
        hole covering the whole image (nothing to inpaint from).

    Examples
    --------
    >>> import numpy as np
    >>> from skface.restoration.masks import check_masks
    >>> hole = np.zeros((8, 8), bool)
    >>> hole[2:4, 2:4] = True
    >>> len(check_masks(hole, [(8, 8), (8, 8)]))
    2
    """
    shapes = [tuple(int(v) for v in s[:2]) for s in shapes]
    n = len(shapes)
    if isinstance(masks, np.ndarray) and masks.ndim == 2:
        masks = [masks] * n
    elif isinstance(masks, np.ndarray):
        if masks.ndim != 3:
            raise ValueError(
                f"{name} has shape {masks.shape}; expected (n_samples, H, W) "
                "or a single (H, W) mask"
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
    out = []
    for i, (m, shape) in enumerate(zip(masks, shapes)):
        m = np.asarray(m)
        if m.dtype != bool:
            raise ValueError(
                f"{name}[{i}] must be boolean (True = hole), got dtype {m.dtype}; "
                "convert with mask > 0"
            )
        if m.shape != shape:
            raise ValueError(
                f"{name}[{i}] has shape {m.shape} but its image is {shape[0]}x"
                f"{shape[1]} pixels"
            )
        if not m.any():
            raise ValueError(f"{name}[{i}] is empty: it marks no hole pixel")
        if m.all():
            raise ValueError(
                f"{name}[{i}] covers the whole image: no known pixel to inpaint from"
            )
        out.append(np.ascontiguousarray(m))
    return out
