"""Validation of user-given hole masks."""

from __future__ import annotations

from ...utils._image import check_masks as _check_masks

__all__ = ["check_masks"]


def check_masks(masks, shapes, *, name="masks"):
    """Validate hole masks against image sizes; one bool ``(H, W)`` per image.

    :func:`skface.utils.check_masks` with the inpainting rules: a hole may
    be neither empty nor the whole image.

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
    >>> from ...utils._image import check_masks as _check_masks
    >>> from skface.restoration.masks import check_masks
    >>> hole = np.zeros((8, 8), bool)
    >>> hole[2:4, 2:4] = True
    >>> len(check_masks(hole, [(8, 8), (8, 8)]))
    2
    """
    return _check_masks(masks, shapes, name=name, allow_full=False)
