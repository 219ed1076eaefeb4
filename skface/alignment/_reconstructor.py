"""Put (edited) face chips back into the photos they were extracted from."""

from __future__ import annotations

import functools
import os
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import ImageEstimatorMixin
from ..utils._image import resize
from ..utils._optional import import_cv2
from ..utils._registry import PARAMETER_OBJECTS, register_class
from ..utils.validation import check_images
from ._blend import alpha_blend, match_mean_std, poisson_blend
from ._extractor import FaceRecords
from ._transforms import (
    _bbox,
    _chip_corners,
    _compose,
    apply_transform,
    invert_transform,
    warp_from_chip,
    warp_to_chip,
)

__all__ = ["FaceReconstructor"]


def _to_float(img):
    if img.dtype == np.uint8:
        return img.astype(np.float32) / np.float32(255)
    if img.dtype == np.uint16:
        return img.astype(np.float32) / np.float32(65535)
    return img.astype(np.float32)


def _from_float(x, dtype):
    if dtype == np.uint8:
        return np.clip(np.rint(x * 255), 0, 255).astype(np.uint8)
    if dtype == np.uint16:
        return np.clip(np.rint(x * 65535), 0, 65535).astype(np.uint16)
    return np.clip(x, 0, 1).astype(dtype)


def _ellipse(radius):
    cv2 = import_cv2()
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1,) * 2)


def _photo_chip(image, M, size):
    """The photo under the chip as float (no rounding of a uint8 warp).

    Only the chip's window of the photo is converted to float, so a uint8
    photo and the same photo as floats give the same colour statistics.
    """
    corners = apply_transform(invert_transform(M), _chip_corners(size))
    x0, y0, x1, y1 = _bbox(corners, image.shape, 2.0)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return _to_float(warp_to_chip(image, M, size, interpolation="linear"))
    crop = _to_float(image[y0:y1, x0:x1])
    shift = np.array([[1.0, 0.0, x0], [0.0, 1.0, y0]])  # crop pixel -> photo pixel
    return warp_to_chip(crop, _compose(M, shift), size, interpolation="linear")


def _reconstruct_one(task, *, blend, erosion, feather, color_match, interpolation):
    """Blend one chip into one photo; returns the photo (a new array)."""
    cv2 = import_cv2()
    image, chip, M, mask = task
    size = mask.shape[0]
    m = mask.astype(np.uint8)
    radius = int(round(erosion * size))
    if radius > 0:
        m = cv2.erode(m, _ellipse(radius))
    if not m.any():
        return image
    if color_match == "mean_std":
        photo_chip = _photo_chip(image, M, size)
        chip = match_mean_std(chip, photo_chip, m)
    if blend == "alpha":
        alpha = m.astype(np.float32)
        sigma = feather * size
        if sigma > 0:
            # Soft edge centred on the eroded boundary, cut at the recorded
            # mask so that nothing outside the mask changes.
            alpha = cv2.GaussianBlur(alpha, (0, 0), sigma) * mask
        support = alpha > 1e-3
    else:
        alpha = m * np.uint8(255)
        support = m.astype(bool)
    # Photo window covering the mask's support (plus a margin), clipped.
    ys, xs = np.nonzero(support)
    corners = np.array(
        [
            [xs.min(), ys.min()],
            [xs.max(), ys.min()],
            [xs.max(), ys.max()],
            [xs.min(), ys.max()],
        ],
        dtype=float,
    )
    scale = np.sqrt(abs(np.linalg.det(M[:, :2])))
    pts = apply_transform(invert_transform(M), corners)
    x0, y0, x1, y1 = _bbox(pts, image.shape, 2.0 / max(scale, 1e-6) + 2)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return image
    window = (x0, y0, x1, y1)
    roi = _to_float(image[y0:y1, x0:x1])
    patch = warp_from_chip(chip, M, window, interpolation=interpolation)
    out = image.copy()
    if blend == "alpha":
        a = warp_from_chip(alpha, M, window, interpolation="linear")
        res = alpha_blend(roi, patch, np.clip(a, 0.0, 1.0))
    else:
        a = warp_from_chip(alpha, M, window, interpolation="linear")
        res = poisson_blend(roi, np.clip(patch, 0.0, 1.0), (a > 127) * np.uint8(255))
    out[y0:y1, x0:x1] = _from_float(res, image.dtype)
    return out


class FaceReconstructor(ImageEstimatorMixin, BaseEstimator):
    """Warp face chips back into their photos and blend them in.

    The second half of the FaceSwap seed's pipeline: chips made by
    :class:`FaceExtractor` and edited by any model (an autoencoder, a GAN,
    an inpainter, a filter) go back where they came from, through the exact
    inverse of each photo's recorded transform, and are blended over the
    face region given by the recorded mask. Stateless: :meth:`fit` only
    validates the parameters.

    Parameters
    ----------
    blend : {'alpha', 'poisson'}, default='alpha'
        ``'alpha'``: the seed's method, the face mask eroded by ``erosion``
        and feathered by ``feather`` is the alpha of a linear blend.
        ``'poisson'``: seamless cloning (:func:`skface.utils.poisson_blend`)
        inside the eroded mask: the chip's gradients, the
        photo's colours on the mask boundary, so no seam.
    erosion : float, default=0.06
        Erosion of the recorded (dilated hull) mask, as a fraction of the
        chip size.
    feather : float, default=0.02
        Standard deviation of the Gaussian that softens the alpha mask's
        edge, as a fraction of the chip size (``'alpha'`` only); 0 gives a
        hard edge. The soft edge is centred on the eroded mask's boundary and
        cut at the recorded mask: keep ``erosion`` at two to three times
        ``feather`` for a smooth fade to zero.
    color_match : {False, 'mean_std'}, default=False
        ``'mean_std'`` first gives the chip the per-channel mean and standard
        deviation (in CIE L*a*b*) of the photo's face region under the mask,
        so a chip with a colour cast or other lighting fits in.
    interpolation : {'linear', 'cubic'}, default='cubic'
        Interpolation of the backward warp.
    n_jobs : int, default=None
        Workers for the per-image work (joblib); ``None`` follows
        :func:`joblib.parallel_config`.

    See Also
    --------
    FaceExtractor : Makes the chips and the records.

    Examples
    --------
    >>> from skimage.data import astronaut
    >>> from skface.alignment import FaceExtractor, FaceReconstructor
    >>> X = astronaut()[None]
    >>> records = FaceExtractor(output_size=128).fit(X).extract(X)
    >>> edited = 255 - records.chips  # any model of the chips
    >>> out = FaceReconstructor(blend="poisson").reconstruct(X, edited, records)
    >>> out.shape, out.dtype
    ((1, 512, 512, 3), dtype('uint8'))
    """

    _parameter_constraints: dict = {
        "blend": [StrOptions({"alpha", "poisson"})],
        "erosion": [Interval(Real, 0, 0.5, closed="left")],
        "feather": [Interval(Real, 0, 0.5, closed="left")],
        "color_match": [StrOptions({"mean_std"}), "boolean"],
        "interpolation": [StrOptions({"linear", "cubic"})],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        blend="alpha",
        *,
        erosion=0.06,
        feather=0.02,
        color_match=False,
        interpolation="cubic",
        n_jobs=None,
    ):
        self.blend = blend
        self.erosion = erosion
        self.feather = feather
        self.color_match = color_match
        self.interpolation = interpolation
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        """Validate the parameters (and ``X`` if given); nothing is learned.

        Parameters
        ----------
        X : images, default=None
            Validated when given (see :func:`skface.utils.check_images`).
        y : None
            Ignored.

        Returns
        -------
        self : FaceReconstructor
        """
        if X is not None:
            check_images(X, dtype=None, channels="keep", stack=False)
        return self

    def reconstruct(self, X, chips, records):
        """Put ``chips`` back into the photos ``X``.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            The photos the records were extracted from (same order and
            sizes).
        chips : (n_samples, S', S'[, C]) ndarray or list of ndarray
            New chips, one per photo, uint8/uint16 or float in ``[0, 1]``.
            Chips of another size than the records' are resized to it. The
            chips of photos without a face (``records.found`` False) are
            not read and may be NaN.
        records : FaceRecords
            From :meth:`FaceExtractor.extract` on ``X``.

        Returns
        -------
        images : ndarray of shape (n_samples, H, W, 3) or list of ndarray
            RGB photos with the chips blended in, in the dtype of ``X`` (RGBA
            loses its alpha, grey becomes RGB); a list when sizes differ.
            Photos whose face was not found (``records.found`` False) come
            back unchanged.
        """
        self._validate_params()
        images = check_images(X, dtype=None, channels="rgb", stack=False)
        if not isinstance(records, FaceRecords):
            raise TypeError(
                "records must be the FaceRecords returned by FaceExtractor.extract, "
                f"got {type(records).__name__}"
            )
        n = len(images)
        if len(records) != n:
            raise ValueError(f"records hold {len(records)} faces but X has {n} images")
        if isinstance(chips, (str, os.PathLike)) or not hasattr(chips, "__len__"):
            check_images(chips, name="chips")  # raises the usual message
        if len(chips) != n:
            raise ValueError(f"got {len(chips)} chips for {n} images")
        # Chips of missing faces are never read: they may be NaN (what
        # FaceExtractor(on_missing='nan') gives), so only the others are checked.
        placeholder = np.zeros((2, 2, 3), np.float32)
        chips = check_images(
            [chips[i] if records.found[i] else placeholder for i in range(n)],
            dtype="float32",
            channels="rgb",
            stack=False,
            name="chips",
        )
        for i, im in enumerate(images):
            if tuple(im.shape[:2]) != tuple(records.image_shapes[i]):
                raise ValueError(
                    f"X[{i}] is {im.shape[0]}x{im.shape[1]} pixels but was "
                    f"{records.image_shapes[i][0]}x{records.image_shapes[i][1]} "
                    "when extracted; pass the same photos, in the same order"
                )
        size = records.chip_size
        tasks, where = [], []
        for i in range(n):
            if not records.found[i]:
                continue
            chip = chips[i]
            if chip.shape[:2] != (size, size):
                chip = resize(chip, size)
            tasks.append((images[i], chip, records.transforms[i], records.masks[i]))
            where.append(i)
        func = functools.partial(
            _reconstruct_one,
            blend=self.blend,
            erosion=self.erosion,
            feather=self.feather,
            color_match=self.color_match or False,
            interpolation=self.interpolation,
        )
        out = list(images)
        for i, res in zip(where, self._map_images(func, tasks), strict=True):
            out[i] = res
        if all(im.shape == out[0].shape for im in out):
            return np.stack(out)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags


# a model file may name it as a parameter (a neural estimator's front end)
register_class(PARAMETER_OBJECTS, FaceReconstructor)
