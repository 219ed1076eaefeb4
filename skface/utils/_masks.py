"""One mask validator for every estimator that takes holes or regions."""

from __future__ import annotations

import numpy as np

__all__ = ["check_mask", "check_masks"]


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
