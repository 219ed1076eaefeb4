"""Reading photos: files and PIL images to RGB/grey arrays.

:func:`read_image` is the documented way to load a photo for skface. It
returns RGB (never OpenCV's BGR), applies the EXIF orientation and decodes
the whole file, so a broken file fails here, with its name, and not inside
dlib or OpenCV.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = ["read_image", "is_pil_image", "pil_to_array"]

_UINT16_MODES = ("I;16", "I;16B", "I;16L", "I;16N")
_GREY_MODES = ("1", "L", "LA", "La")


def is_pil_image(obj) -> bool:
    """Whether ``obj`` is a :class:`PIL.Image.Image` (or a subclass)."""
    return isinstance(obj, Image.Image)


def pil_to_array(img, *, where="image"):
    """Pixels of a PIL image as an RGB/grey array, EXIF orientation applied.

    Parameters
    ----------
    img : PIL.Image.Image
        Any mode: 16-bit grey stays ``uint16``; ``'1'``, ``'L'`` and ``'LA'``
        become ``(H, W)`` ``uint8`` grey; every other mode (``'RGBA'``,
        ``'P'``, ``'CMYK'``, ``'YCbCr'``, ...) becomes ``(H, W, 3)`` ``uint8``
        RGB. Alpha is dropped, as it is for arrays.
    where : str, default='image'
        Name used in error messages.

    Returns
    -------
    image : ndarray of shape (H, W) or (H, W, 3)
        C-contiguous ``uint8`` (``uint16`` for 16-bit grey).

    Raises
    ------
    ValueError
        For 32-bit integer or float modes (``'I'``, ``'F'``), whose range
        skface cannot know.
    """
    img = ImageOps.exif_transpose(img)
    mode = img.mode
    if mode in _UINT16_MODES:
        arr = np.asarray(img, dtype=np.uint16)
    elif mode in _GREY_MODES:
        arr = np.asarray(img.convert("L"))
    elif mode in ("I", "F"):
        raise ValueError(
            f"{where} has 32-bit pixel mode {mode!r}; convert it to 8- or 16-bit first"
        )
    else:
        arr = np.asarray(img.convert("RGB"))
    return np.ascontiguousarray(arr)


def read_image(path, *, index=None):
    """Read a photo into an RGB (or grey) ``uint8`` array, fully validated.

    This is the way to load photos for skface. skface works in **RGB**:
    ``cv2.imread`` gives BGR, and a BGR photo passed as RGB is not refused,
    it gives wrong results (dlib's face embeddings of the same photo move by
    about half the same-person threshold). Use this function, or convert
    with ``image[..., ::-1]`` / ``cv2.cvtColor(image, cv2.COLOR_BGR2RGB)``.

    Parameters
    ----------
    path : str, path-like or PIL.Image.Image
        Image file (any format Pillow reads: PNG, JPEG, BMP, TIFF, WebP...)
        or an image already opened with Pillow.
    index : int, default=None
        Position of the file in a batch, used in error messages
        (``X[3]: ...``).

    Returns
    -------
    image : ndarray of shape (H, W) or (H, W, 3)
        C-contiguous ``uint8`` RGB, or ``(H, W)`` grey for grey files
        (``uint16`` for 16-bit grey files). The EXIF orientation is applied
        (a portrait shot comes out upright) and alpha is dropped.

    Raises
    ------
    ValueError
        Naming the file, if it does not exist, is a folder, is not an image,
        is truncated or corrupt, or is a decompression bomb (more than twice
        ``PIL.Image.MAX_IMAGE_PIXELS`` pixels; raise that limit for trusted
        giant images).

    Warns
    -----
    PIL.Image.DecompressionBombWarning
        Naming the file, when it has more than ``PIL.Image.MAX_IMAGE_PIXELS``
        pixels (about 89 million): it is read all the same.

    See Also
    --------
    skface.utils.check_images : Validates batches of arrays, paths and PIL
        images.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from PIL import Image
    >>> from skface.utils import read_image
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "red.png"
    >>> Image.fromarray(np.full((4, 6, 3), (255, 0, 0), np.uint8)).save(path)
    >>> image = read_image(path)
    >>> image.shape, image.dtype, image[0, 0].tolist()
    ((4, 6, 3), dtype('uint8'), [255, 0, 0])
    """
    where = f"X[{index}]" if index is not None else "image"
    if is_pil_image(path):
        return pil_to_array(path, where=where)
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(
            f"{where} of type {type(path).__name__} is neither a file path nor a "
            "PIL image"
        )
    path = Path(path)
    name = repr(str(path))
    if path.is_dir():
        raise ValueError(f"{where}: {name} is a folder, not an image file")
    if not path.is_file():
        raise ValueError(f"{where}: file {name} does not exist")
    try:
        with Image.open(path) as img:
            limit = Image.MAX_IMAGE_PIXELS
            n_pixels = img.size[0] * img.size[1]
            if limit and n_pixels > limit:
                # Pillow's own warning does not say which file it is about.
                warnings.warn(
                    f"{where}: file {name} has {n_pixels} pixels, more than "
                    f"PIL.Image.MAX_IMAGE_PIXELS={limit}; it could be a "
                    "decompression bomb",
                    Image.DecompressionBombWarning,
                    stacklevel=2,
                )
            img.load()  # decodes everything: truncated files raise here
            return pil_to_array(img, where=f"{where}: file {name}")
    except Image.DecompressionBombError as exc:
        raise ValueError(
            f"{where}: file {name} is refused as a possible decompression bomb "
            f"({exc}); raise PIL.Image.MAX_IMAGE_PIXELS to read a trusted "
            "giant image"
        ) from None
    except UnidentifiedImageError:
        raise ValueError(f"{where}: file {name} is not an image") from None
    except (OSError, SyntaxError) as exc:  # Pillow's errors for broken data
        raise ValueError(
            f"{where}: file {name} could not be decoded ({exc}); it is "
            "truncated or corrupt"
        ) from None
