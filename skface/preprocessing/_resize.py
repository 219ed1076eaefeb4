"""Bring a batch of images to one size, dtype and layout."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import ImageEstimatorMixin
from ..utils._image import convert_channels, resize
from ..utils.validation import check_images

__all__ = ["ImageResizer"]


def _resize_one(args):
    """Resize one validated image and convert it to float32 ``channels``."""
    img, shape, interpolation, channels = args
    # Colour conversion after the shrink (luma commutes with averaging, and
    # a 24-megapixel photo is converted at the output size, not its own).
    if img.dtype.kind == "u":
        scale = np.float32(np.iinfo(img.dtype).max)
        img = img.astype(np.float32) / scale
    img = resize(img.astype(np.float32, copy=False), shape, interpolation=interpolation)
    return convert_channels(img, channels)


class ImageResizer(TransformerMixin, ImageEstimatorMixin, BaseEstimator):
    """Resize images to one shape and return a float batch (or flat rows).

    The bridge between variable-size photos (or file paths) and estimators
    that need a fixed-size array: PCA, SVC, neural nets. Stateless: ``fit``
    only validates the parameters.

    Parameters
    ----------
    output_size : int or tuple of (int, int), default=64
        ``(H, W)`` of the output images; an int gives square images.
    channels : {'rgb', 'grey'}, default='rgb'
        Colour images ``(H, W, 3)`` or grey ``(H, W)``.
    flatten : bool, default=False
        Return ``(n_samples, H * W[* 3])`` rows for tabular estimators.
    interpolation : {'auto', 'area', 'linear', 'cubic', 'nearest'}, \
default='auto'
        Resampling of :func:`skface.utils.resize`: ``'auto'`` averages the
        covered pixels when shrinking (anti-aliased and fast on any photo
        size) and is bilinear when enlarging; ``'cubic'`` enlarges
        bicubically.
    n_jobs : int, default=None
        Workers for the per-image resize; ``None`` follows
        :func:`joblib.parallel_config`.

    Attributes
    ----------
    output_shape_ : tuple of int
        Shape of one output image, e.g. ``(64, 64, 3)``.

    See Also
    --------
    skface.alignment.FaceExtractor : Crops and aligns faces instead of
        resizing whole images.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.preprocessing import ImageResizer
    >>> X = [np.zeros((40, 30, 3), np.uint8), np.ones((20, 20))]
    >>> ImageResizer(output_size=16, flatten=True).fit_transform(X).shape
    (2, 768)
    """

    _parameter_constraints = {
        "output_size": [Interval(numbers.Integral, 2, None, closed="left"), tuple],
        "channels": [StrOptions({"rgb", "grey"})],
        "flatten": ["boolean"],
        "interpolation": [StrOptions({"auto", "area", "linear", "cubic", "nearest"})],
        "n_jobs": [numbers.Integral, None],
    }

    def __init__(
        self,
        output_size=64,
        *,
        channels="rgb",
        flatten=False,
        interpolation="auto",
        n_jobs=None,
    ):
        self.output_size = output_size
        self.channels = channels
        self.flatten = flatten
        self.interpolation = interpolation
        self.n_jobs = n_jobs

    def _shape(self):
        size = self.output_size
        if isinstance(size, tuple):
            if len(size) != 2 or not all(
                isinstance(s, numbers.Integral) and s >= 2 for s in size
            ):
                raise ValueError(
                    "output_size must be an int >= 2 or a pair of ints >= 2, "
                    f"got {size!r}"
                )
            return (int(size[0]), int(size[1]))
        return (int(size), int(size))

    def fit(self, X, y=None):
        """Validate the parameters and ``X``; nothing is learned.

        Parameters
        ----------
        X : images
            See :func:`skface.utils.check_images`.
        y : None
            Ignored.

        Returns
        -------
        self : ImageResizer
        """
        self._validate_params()
        shape = self._shape()
        check_images(X, dtype=None, channels="keep", stack=False)
        self.output_shape_ = shape + ((3,) if self.channels == "rgb" else ())
        return self

    def transform(self, X):
        """Resize every image.

        Parameters
        ----------
        X : images
            See :func:`skface.utils.check_images`.

        Returns
        -------
        X_out : ndarray of shape (n_samples, H, W[, 3]) or (n_samples, n_pixels)
            float32 in ``[0, 1]``, one row per input image.
        """
        self._validate_params()
        shape = self._shape()
        images = check_images(X, dtype=None, channels="keep", stack=False)
        out = self._map_images(
            _resize_one,
            [(im, shape, self.interpolation, self.channels) for im in images],
            prefer="threads",
        )
        out = np.stack(out).astype(np.float32, copy=False)
        return out.reshape(len(out), -1) if self.flatten else out

    def get_feature_names_out(self, input_features=None):
        """Pixel names ``pixel_<row>_<col>[_<channel>]`` of the flat output."""
        check_is_fitted(self)
        h, w = self.output_shape_[:2]
        if len(self.output_shape_) == 3:
            names = [
                f"pixel_{r}_{c}_{ch}"
                for r in range(h)
                for c in range(w)
                for ch in "rgb"
            ]
        else:
            names = [f"pixel_{r}_{c}" for r in range(h) for c in range(w)]
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags
