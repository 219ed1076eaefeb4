"""One resize (area averaging to shrink, bilinear/cubic to enlarge) and one
channel conversion for every estimator.

Pure numpy, with OpenCV imported where it is used, so importing this module
stays light (no torch, no cv2).
"""

from __future__ import annotations

import numbers

import numpy as np

from ._optional import import_cv2

__all__ = ["LUMA", "convert_channels", "resize"]

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
