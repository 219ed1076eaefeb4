"""Masked per-channel colour histograms of the face region."""

from __future__ import annotations

from functools import partial
from numbers import Integral

import numpy as np
from skimage import color
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import ImageEstimatorMixin
from ..utils._image import check_masks

__all__ = ["ColorHistogram"]

# Value range of each channel of each colour space (images as float in [0, 1]).
_RANGES = {
    "rgb": ((0.0, 1.0), (0.0, 1.0), (0.0, 1.0)),
    "hsv": ((0.0, 1.0), (0.0, 1.0), (0.0, 1.0)),
    "lab": ((0.0, 100.0), (-128.0, 128.0), (-128.0, 128.0)),
}
_BLOCK_PIXELS = 2**20
_NAMES = {"rgb": ("r", "g", "b"), "hsv": ("h", "s", "v"), "lab": ("L", "a", "b")}


def ellipse_mask(height, width, *, scale=(0.75, 0.9)):
    """Boolean ``(height, width)`` mask of an ellipse centred in the image.

    The ellipse's axes are ``scale[0] * width`` and ``scale[1] * height``:
    on an aligned face chip it covers the face and leaves out the background
    in the corners and at the sides.
    """
    y, x = np.ogrid[:height, :width]
    ry, rx = scale[1] * height / 2.0, scale[0] * width / 2.0
    return ((x + 0.5 - width / 2.0) / rx) ** 2 + (
        (y + 0.5 - height / 2.0) / ry
    ) ** 2 <= 1


def _convert(image, color_space):
    """uint8/uint16/float RGB -> float values of ``color_space``."""
    if image.dtype == np.uint8:
        image = image / 255.0
    elif image.dtype == np.uint16:
        image = image / 65535.0
    if color_space == "rgb":
        return image
    return color.rgb2hsv(image) if color_space == "hsv" else color.rgb2lab(image)


def _histogram(item, *, bins, color_space, ellipse):
    image, mask = item
    if mask is None and ellipse:
        mask = ellipse_mask(*image.shape[:2])
    lo, hi = np.array(_RANGES[color_space]).T
    offsets = np.arange(3) * bins
    counts = np.zeros(3 * bins, dtype=np.int64)
    # Row blocks of ~1M pixels bound the float copies of a large photo.
    step = max(1, _BLOCK_PIXELS // image.shape[1])
    lut = None
    if color_space == "rgb" and image.dtype.kind == "u":  # bin by table look-up
        top = np.iinfo(image.dtype).max
        lut = np.minimum(np.arange(top + 1) * bins // top, bins - 1).astype(np.intp)
    for r in range(0, image.shape[0], step):
        block = image[r : r + step]
        block = block.reshape(-1, 3) if mask is None else block[mask[r : r + step]]
        if lut is not None:
            idx = lut[block]
        else:
            idx = np.floor((_convert(block, color_space) - lo) / (hi - lo) * bins)
            idx = np.clip(idx, 0, bins - 1).astype(np.intp)
        counts += np.bincount((idx + offsets).ravel(), minlength=3 * bins)
    n_pixels = counts[:bins].sum()
    if n_pixels == 0:
        return np.full(3 * bins, np.nan)
    return counts / n_pixels


class ColorHistogram(TransformerMixin, ImageEstimatorMixin, BaseEstimator):
    """Per-channel colour histograms of the face region of face chips.

    Each of the three channels gets ``bins`` equal-width bins over its full
    range; only the pixels inside the face mask count, and each channel's
    histogram is normalised to sum to 1. Skin tone and lighting become a
    short feature vector that does not depend on the chip's size.

    Parameters
    ----------
    bins : int, default=16
        Bins per channel.
    color_space : {'rgb', 'hsv', 'lab'}, default='rgb'
        Colour space the histograms are taken in. Ranges: RGB and HSV
        channels ``[0, 1]``; CIELAB ``L`` in ``[0, 100]``, ``a`` and ``b`` in
        ``[-128, 128]``.
    mask : {'ellipse', 'none'}, default='ellipse'
        Face region used when :meth:`transform` gets no ``masks``:
        ``'ellipse'`` is the centred ellipse spanning 75% of the chip's width
        and 90% of its height (the face of an aligned chip), ``'none'`` the
        whole chip.
    n_jobs : int, default=None
        Workers for the per-chip work; ``None`` follows
        :func:`joblib.parallel_config`.

    Attributes
    ----------
    n_features_out_ : int
        ``3 * bins``.

    See Also
    --------
    skface.alignment.FaceExtractor : photos -> aligned chips and face masks.
    ThumbnailFeatures : tiny colour thumbnails.

    Notes
    -----
    Grey chips are treated as RGB with three equal channels. A chip whose
    mask is empty gets a NaN row (one row out per row in).

    Examples
    --------
    >>> import numpy as np
    >>> from skface.features import ColorHistogram
    >>> chips = np.full((2, 32, 32, 3), 200, dtype=np.uint8)
    >>> H = ColorHistogram(bins=4).fit_transform(chips)
    >>> H.shape, H[0, :4].tolist()
    ((2, 12), [0.0, 0.0, 0.0, 1.0])
    """

    _parameter_constraints: dict = {
        "bins": [Interval(Integral, 1, None, closed="left")],
        "color_space": [StrOptions(set(_RANGES))],
        "mask": [StrOptions({"ellipse", "none"})],
        "n_jobs": [Integral, None],
    }

    def __init__(self, bins=16, *, color_space="rgb", mask="ellipse", n_jobs=None):
        self.bins = bins
        self.color_space = color_space
        self.mask = mask
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and the chips; nothing is learned.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Face chips.
        y : None
            Ignored.

        Returns
        -------
        self : ColorHistogram
        """
        self._check_images(X, dtype=None, stack=False)
        self.n_features_out_ = 3 * self.bins
        return self

    def transform(self, X, masks=None):
        """Return the normalised histograms, ``(n_samples, 3 * bins)``.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Face chips; sizes may differ.
        masks : (n_samples, H, W) bool ndarray or list of such, default=None
            Face region of each chip (e.g. the masks recorded by
            :class:`~skface.alignment.FaceExtractor`); overrides ``mask``.
            Inside a :class:`~sklearn.pipeline.Pipeline`, route them with
            ``set_transform_request(masks=True)`` (metadata routing).

        Returns
        -------
        histograms : ndarray of shape (n_samples, 3 * bins)
            Per channel, ``bins`` fractions summing to 1; ``r`` (or ``h``,
            ``L``) bins first. NaN rows for empty masks.
        """
        check_is_fitted(self)
        images = self._check_images(X, dtype=None, stack=False)
        masks = self._check_masks(masks, images)
        func = partial(
            _histogram,
            bins=self.bins,
            color_space=self.color_space,
            ellipse=self.mask == "ellipse",
        )
        items = list(zip(images, masks, strict=True))
        # numpy releases the GIL in the heavy steps: threads, no worker start-up.
        return np.stack(self._map_images(func, items, prefer="threads"))

    @staticmethod
    def _check_masks(masks, images):
        if masks is None:
            return [None] * len(images)
        return check_masks(
            masks,
            [im.shape for im in images],
            broadcast=False,
            allow_empty=True,
            allow_binary=True,
        )

    def get_feature_names_out(self, input_features=None):
        """Names ``r_bin0, ..., g_bin0, ..., b_bin{bins-1}``.

        Channel letters follow ``color_space``: ``r g b``, ``h s v`` or
        ``L a b``.

        Parameters
        ----------
        input_features : None
            Ignored (images have no input feature names).

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        names = [
            f"{c}_bin{k}" for c in _NAMES[self.color_space] for k in range(self.bins)
        ]
        return np.asarray(names, dtype=object)
