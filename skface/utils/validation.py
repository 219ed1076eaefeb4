"""Input validation for images, landmarks and boxes.

This module is the single door through which user data reaches dlib, OpenCV
and torch. Everything it returns is C-contiguous, of a known dtype and of a
known layout, so native code never sees an array it can crash on.

Conventions (see the *Conventions* page of the documentation):

* images are RGB (or grey) with shape ``(H, W[, C])``; a batch is
  ``(n_samples, H, W[, C])``, a list of such arrays (sizes may differ), of
  file paths or of PIL images;
* pixel values are ``uint8``, ``uint16`` or float in ``[0, 1]``;
* landmarks are ``(x, y)`` pairs, x to the right, y down, in pixels;
* boxes are ``(left, top, right, bottom)`` in pixels.
"""

from __future__ import annotations

import numbers
import os

import numpy as np
from sklearn.utils.validation import check_is_fitted  # noqa: F401  (re-export)

from ._io import is_pil_image, pil_to_array, read_image
from ._resize import LUMA

__all__ = [
    "check_images",
    "check_landmarks",
    "check_boxes",
    "read_image",
    "images_shape",
]

_DTYPES = ("uint8", "float32", "float64", None)
_CHANNELS = ("rgb", "grey", "keep")
# ITU-R BT.601 luma weights: the one definition is skface.utils._resize.LUMA.
_LUMA = LUMA


def _is_path(obj) -> bool:
    return isinstance(obj, (str, os.PathLike))


def _as_sequence(X, name):
    """Return (items, stacked_array_or_None) without copying pixel data."""
    if X is None:
        raise ValueError(f"{name} is None; expected images")
    if _is_path(X):
        raise ValueError(
            f"{name} is a single path {str(X)!r}; pass a list of paths, e.g. [path]"
        )
    if is_pil_image(X):
        raise ValueError(
            f"{name} is a single PIL image; pass a list of images, e.g. [image]"
        )
    if hasattr(X, "iloc") or hasattr(X, "to_numpy"):  # pandas Series / DataFrame
        X = X.to_numpy()
    if hasattr(X, "tocsr") or hasattr(X, "todense"):
        raise TypeError(
            f"{name} is a sparse matrix; sparse input is not supported: images "
            "must be dense arrays"
        )
    if isinstance(X, np.ndarray) and X.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: {name} has dtype {X.dtype}; expected "
            "uint8, uint16 or float in [0, 1]"
        )
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim == 0:
            raise ValueError(f"{name} is a scalar; expected images")
        if X.shape[0] == 0:
            raise ValueError(f"{name} is empty (shape {X.shape}); expected images")
        if X.ndim == 2:
            raise ValueError(
                f"{name} is a 2-D array of shape {X.shape}; images must be "
                "(n_samples, H, W[, C]). Pass one grey image as X[np.newaxis] or "
                "reshape flattened images with X.reshape(n_samples, H, W)"
            )
        if X.ndim == 3 and X.shape[-1] in (3, 4) and X.shape[1] > 4:
            raise ValueError(
                f"{name} has shape {X.shape}, which reads as {X.shape[0]} grey "
                f"images of {X.shape[1]}x{X.shape[2]} pixels; pass a single "
                "colour image as X[np.newaxis]"
            )
        if X.ndim not in (3, 4):
            raise ValueError(
                f"{name} has {X.ndim} dimensions (shape {X.shape}); expected "
                "(n_samples, H, W) or (n_samples, H, W, C)"
            )
        return X, True
    if isinstance(X, np.ndarray):  # object array: a container of images
        if X.ndim != 1:
            raise ValueError(
                f"{name} has dtype object and shape {X.shape}; pixel data must be "
                "uint8, uint16 or float"
            )
        X = list(X)
    if hasattr(X, "__array__") and not isinstance(X, (list, tuple)):
        return _as_sequence(np.asarray(X), name)  # torch tensors, xarray, ...
    try:
        items = list(X)
    except TypeError:
        raise ValueError(
            f"{name} of type {type(X).__name__} is not a batch of images"
        ) from None
    if len(items) == 0:
        raise ValueError(f"{name} is empty; expected at least one image")
    return items, False


def _check_meta(dtype, shape, where, ensure_min_size):
    """Check dtype and shape of one image (no pixel data needed)."""
    dt = np.dtype(dtype)
    if dt.kind == "c":
        raise ValueError(
            f"Complex data not supported: {where} has dtype {dt}; expected "
            "uint8, uint16 or float in [0, 1]"
        )
    if dt.kind in "bOSUVM":
        raise ValueError(
            f"{where} has dtype {dt}; expected uint8, uint16 or float in [0, 1]"
        )
    if dt.kind in "iu" and dt not in (np.uint8, np.uint16):
        raise ValueError(
            f"{where} has dtype {dt}; expected uint8, uint16 or float in [0, 1] "
            "(cast 8-bit data with .astype(np.uint8))"
        )
    if len(shape) == 3 and shape[-1] == 1:
        shape = shape[:2]
    if len(shape) not in (2, 3):
        raise ValueError(f"{where} has shape {shape}; an image is (H, W) or (H, W, C)")
    if len(shape) == 3 and shape[-1] not in (3, 4):
        raise ValueError(
            f"{where} has {shape[-1]} channels (shape {shape}); expected "
            "1 (grey), 3 (RGB) or 4 (RGBA)"
        )
    h, w = shape[:2]
    if h == 0 or w == 0:
        raise ValueError(f"{where} has zero size (shape {shape})")
    if h < ensure_min_size or w < ensure_min_size:
        raise ValueError(
            f"{where} is {h}x{w} pixels (shape {shape}); images must be at "
            f"least {ensure_min_size}x{ensure_min_size}"
        )


def _check_values(img, where):
    """Check that float pixels are finite and in [0, 1]."""
    if img.dtype.kind != "f":
        return
    if not np.isfinite(img).all():
        bad = "NaN" if np.isnan(img).any() else "inf"
        raise ValueError(f"{where} contains {bad}; images must be finite")
    lo, hi = float(img.min()), float(img.max())
    if lo < 0 or hi > 1:
        raise ValueError(
            f"{where} has float values in [{lo:.4g}, {hi:.4g}]; float images "
            "must lie in [0, 1] (divide uint8 data by 255)"
        )


def _check_pixels(img, index, name, *, ensure_min_size):
    where = f"{name}[{index}]"
    if _is_path(img):
        img = read_image(img, index=index)
    elif is_pil_image(img):
        img = pil_to_array(img, where=where)
    elif not isinstance(img, np.ndarray):
        if hasattr(img, "__array__") or isinstance(img, (list, tuple)):
            try:
                img = np.asarray(img)
            except ValueError:
                raise ValueError(
                    f"{where} is a ragged nested list, not an image"
                ) from None
        else:
            raise ValueError(
                f"{where} of type {type(img).__name__} is neither an image array, "
                "a PIL image nor a file path"
            )
    _check_meta(img.dtype, img.shape, where, ensure_min_size)
    _check_values(img, where)
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    return img


def _convert(img, dtype, channels):
    # Channels first (on the original dtype, cheap for uint8).
    if img.ndim == 3 and img.shape[-1] == 4:
        img = img[..., :3]  # drop alpha
    if channels == "rgb" and img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    elif channels == "grey" and img.ndim == 3:
        grey = img.astype(np.float64) @ _LUMA
        if img.dtype.kind == "u":
            grey = np.clip(np.rint(grey), 0, np.iinfo(img.dtype).max)
        img = grey.astype(img.dtype)
    if dtype is None:
        return np.ascontiguousarray(img)
    if dtype == "uint8":
        if img.dtype == np.uint8:
            out = img
        elif img.dtype == np.uint16:
            out = ((img.astype(np.uint32) + 128) // 257).astype(np.uint8)
        else:
            out = np.rint(img.astype(np.float64) * 255.0).astype(np.uint8)
    else:
        ftype = np.dtype(dtype)
        if img.dtype == np.uint8:
            out = img.astype(ftype) / ftype.type(255.0)
        elif img.dtype == np.uint16:
            out = img.astype(ftype) / ftype.type(65535.0)
        else:
            out = img.astype(ftype, copy=False)
    return np.ascontiguousarray(out)


def check_images(
    X,
    *,
    dtype="uint8",
    channels="rgb",
    stack="auto",
    ensure_min_size=2,
    name="X",
):
    """Validate a batch of images and bring it to one dtype and layout.

    Parameters
    ----------
    X : (n_samples, H, W[, C]) ndarray, list of ndarray, path or PIL image
        Images. Arrays are ``uint8``, ``uint16`` or float in ``[0, 1]``;
        grey, RGB or RGBA (alpha is dropped), in **RGB** order (OpenCV's
        BGR is not detected: convert it first). Lists may mix sizes, arrays,
        file paths (read with :func:`read_image`) and
        :class:`PIL.Image.Image` objects (EXIF orientation applied, any mode
        converted to RGB or grey, alpha dropped).
    dtype : {'uint8', 'float32', 'float64'} or None, default='uint8'
        Output dtype. Floats are scaled to ``[0, 1]``. ``None`` keeps the
        input dtype.
    channels : {'rgb', 'grey', 'keep'}, default='rgb'
        ``'rgb'`` gives ``(H, W, 3)`` images (grey is replicated), ``'grey'``
        gives ``(H, W)`` (BT.601 luma), ``'keep'`` leaves grey images grey.
    stack : {'auto', True, False}, default='auto'
        ``'auto'`` returns one ``(n_samples, H, W[, C])`` array when every
        image has the same shape and a list otherwise; ``True`` requires equal
        shapes; ``False`` always returns a list.
    ensure_min_size : int, default=2
        Smallest allowed height and width.
    name : str, default='X'
        Name used in error messages.

    Returns
    -------
    images : ndarray or list of ndarray
        C-contiguous arrays of the requested dtype and channels.

    Raises
    ------
    ValueError
        Naming the offending sample index and value for: empty input, wrong
        number of dimensions, zero-size or too-small images, NaN/inf, floats
        outside ``[0, 1]``, bool/complex/object/other integer dtypes, missing
        files, folders, files that are not images, truncated files and
        decompression bombs.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.utils import check_images
    >>> X = check_images(np.zeros((2, 8, 8)), dtype="float32")
    >>> X.shape, X.dtype
    ((2, 8, 8, 3), dtype('float32'))
    """
    if dtype not in _DTYPES:
        raise ValueError(f"dtype must be one of {_DTYPES}, got {dtype!r}")
    if channels not in _CHANNELS:
        raise ValueError(f"channels must be one of {_CHANNELS}, got {channels!r}")
    if stack not in ("auto", True, False):
        raise ValueError(f"stack must be 'auto', True or False, got {stack!r}")
    if not isinstance(ensure_min_size, numbers.Integral) or ensure_min_size < 1:
        raise ValueError(
            f"ensure_min_size must be a positive int, got {ensure_min_size!r}"
        )

    items, is_array = _as_sequence(X, name)
    if is_array:
        # Stacked batch: check once for all samples, then name the first bad one.
        arr = items
        _check_meta(arr.dtype, arr.shape[1:], f"{name}[0]", ensure_min_size)
        if arr.dtype.kind == "f":
            flat = arr.reshape(len(arr), -1)
            ok = np.isfinite(flat).all(axis=1)
            with np.errstate(invalid="ignore"):
                ok &= (flat.min(axis=1) >= 0) & (flat.max(axis=1) <= 1)
            if not ok.all():
                i = int(np.flatnonzero(~ok)[0])
                _check_values(arr[i], f"{name}[{i}]")
        if arr.ndim == 4 and arr.shape[-1] == 1:
            arr = arr[..., 0]
        out = _convert_batch(arr, dtype, channels)
        return list(out) if stack is False else out

    images = [
        _convert(
            _check_pixels(img, i, name, ensure_min_size=ensure_min_size),
            dtype,
            channels,
        )
        for i, img in enumerate(items)
    ]
    same = all(im.shape == images[0].shape for im in images)
    if stack is True and not same:
        shapes = sorted({im.shape for im in images})
        raise ValueError(
            f"{name} holds images of different shapes {shapes[:4]}; this step "
            "needs equal-size images (resize them first, e.g. with ImageResizer)"
        )
    if stack is False or not same:
        return images
    return np.stack(images)


def stack_if_same_shape(images):
    """One ``(n, ...)`` array when every image has the same shape, else the list.

    What estimators that return one image per input image give back (e.g.
    photos of several sizes stay a list).
    """
    same = all(im.shape == images[0].shape for im in images)
    return np.stack(images) if same and len(images) else images


def _convert_batch(arr, dtype, channels):
    """Vectorised :func:`_convert` over a stacked batch (n, H, W[, C])."""
    if arr.ndim == 4:
        out = _convert(arr.reshape(-1, *arr.shape[2:]), dtype, channels)
        return out.reshape(arr.shape[0], arr.shape[1], *out.shape[1:])
    # (n, H, W): grey batch, treat n*H as rows of one tall image.
    out = _convert(arr.reshape(-1, arr.shape[2]), dtype, channels)
    return out.reshape(arr.shape[0], arr.shape[1], *out.shape[1:])


def images_shape(images):
    """Return the ``(H, W)`` of every image as an ``(n, 2)`` int array."""
    return np.array([im.shape[:2] for im in images], dtype=int).reshape(-1, 2)


def check_landmarks(
    landmarks, *, n_samples=None, n_points=None, allow_nan=False, name="landmarks"
):
    """Validate landmarks and return them as ``(n_samples, n_points, 2)`` floats.

    Parameters
    ----------
    landmarks : array-like of shape (n_samples, n_points, 2) or \
(n_samples, 2 * n_points)
        ``(x, y)`` coordinates in pixels; the flat form is ``x0, y0, x1, ...``.
    n_samples : int, default=None
        Required number of samples.
    n_points : int, default=None
        Required number of points per sample (e.g. 68 or 5).
    allow_nan : bool, default=False
        Whether whole samples may be NaN (faces that were not found).
    name : str, default='landmarks'
        Name used in error messages.

    Returns
    -------
    landmarks : ndarray of shape (n_samples, n_points, 2), dtype float64
    """
    try:
        L = np.asarray(landmarks, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array: {exc}") from None
    if L.ndim == 2:
        if L.shape[1] % 2:
            raise ValueError(
                f"{name} has shape {L.shape}; the flat form needs an even number "
                "of columns (x0, y0, x1, y1, ...)"
            )
        L = L.reshape(len(L), -1, 2)
    if L.ndim != 3 or L.shape[-1] != 2:
        raise ValueError(
            f"{name} has shape {L.shape}; expected (n_samples, n_points, 2) or "
            "(n_samples, 2 * n_points)"
        )
    if L.shape[0] == 0 or L.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {L.shape})")
    if n_samples is not None and L.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {L.shape[0]} samples but there are {n_samples} images"
        )
    if n_points is not None and L.shape[1] != n_points:
        raise ValueError(
            f"{name} has {L.shape[1]} points per face; expected {n_points}"
        )
    finite = np.isfinite(L).reshape(len(L), -1)
    if allow_nan:
        partial = finite.any(axis=1) & ~finite.all(axis=1)
        inf = np.isinf(L).reshape(len(L), -1).any(axis=1)
        bad = partial | inf
    else:
        bad = ~finite.all(axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name}[{i}] contains non-finite coordinates"
            + ("" if not allow_nan else " (only whole-NaN samples are allowed)")
        )
    return np.ascontiguousarray(L)


def check_boxes(boxes, *, n_samples=None, allow_nan=False, name="boxes"):
    """Validate one box per image and return an ``(n_samples, 4)`` float array.

    Parameters
    ----------
    boxes : array-like of shape (n_samples, 4) or (n_samples, 5)
        ``(left, top, right, bottom[, score])`` in pixels. A fifth score
        column is dropped.
    n_samples : int, default=None
        Required number of boxes.
    allow_nan : bool, default=False
        Whether a box may be all NaN (no face found).
    name : str, default='boxes'
        Name used in error messages.

    Returns
    -------
    boxes : ndarray of shape (n_samples, 4), dtype float64
    """
    try:
        B = np.asarray(boxes, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array: {exc}") from None
    if B.ndim != 2 or B.shape[1] not in (4, 5):
        raise ValueError(
            f"{name} has shape {B.shape}; expected (n_samples, 4) boxes as "
            "(left, top, right, bottom)"
        )
    B = B[:, :4]
    if B.shape[0] == 0:
        raise ValueError(f"{name} is empty")
    if n_samples is not None and B.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {B.shape[0]} boxes but there are {n_samples} images"
        )
    nan_rows = np.isnan(B).all(axis=1)
    for i, b in enumerate(B):
        if allow_nan and nan_rows[i]:
            continue
        if not np.isfinite(b).all():
            raise ValueError(f"{name}[{i}] = {b.tolist()} is not finite")
        if b[2] <= b[0] or b[3] <= b[1]:
            raise ValueError(
                f"{name}[{i}] = {b.tolist()} is empty or inverted; boxes are "
                "(left, top, right, bottom) with right > left and bottom > top"
            )
    return np.ascontiguousarray(B)
