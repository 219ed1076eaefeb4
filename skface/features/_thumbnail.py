"""Tiny colour thumbnails of face chips (the FaceSwap latent model's input)."""

from __future__ import annotations

from functools import partial
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import ImageEstimatorMixin
from ..utils._image import convert_channels, resize

__all__ = ["ThumbnailFeatures"]

#: Largest uint image (in values) converted to float64 before the shrink.
_FLOAT64_MAX = 2**24


def _one_thumbnail(image, size, channels):
    """``(size, size, C)`` float64 area-averaged thumbnail of one chip."""
    if image.dtype.kind == "u":
        # float64 for exact averages; float32 (half the memory) for photos.
        ftype = np.float64 if image.size <= _FLOAT64_MAX else np.float32
        image = image.astype(ftype) / ftype(np.iinfo(image.dtype).max)
    small = resize(image, size, interpolation="area")
    small = np.clip(convert_channels(small, channels), 0.0, 1.0, dtype=np.float64)
    return small if small.ndim == 3 else small[:, :, None]


class ThumbnailFeatures(TransformerMixin, ImageEstimatorMixin, BaseEstimator):
    """Shrink face chips to tiny colour thumbnails, flattened as features.

    Each chip is reduced to ``output_size x output_size`` pixels by exact area averaging
    (every output pixel is the mean of the input pixels it covers, so the
    result is anti-aliased) and flattened to ``output_size**2 * 3`` values in
    ``[0, 1]``. An 8x8x3 thumbnail was the best appearance input of the
    FaceSwap project's latent model: with the landmarks it carries the
    face's colours and lighting at a glance.

    Parameters
    ----------
    output_size : int, default=8
        Side of the square thumbnail, in pixels. Chips that are not square
        are squeezed to a square.
    channels : {'rgb', 'grey'}, default='rgb'
        ``'rgb'`` gives ``output_size**2 * 3`` features; ``'grey'`` the BT.601
        luma thumbnail, ``output_size**2`` features.
    n_jobs : int, default=None
        Workers (threads) for the per-chip resize; ``None`` follows
        :func:`joblib.parallel_config`.

    Attributes
    ----------
    n_features_out_ : int
        ``output_size**2 * 3`` (``output_size**2`` with ``channels='grey'``).

    See Also
    --------
    skface.alignment.FaceExtractor : photos -> aligned face chips.
    ColorHistogram : colour distribution of the face region.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.features import ThumbnailFeatures
    >>> chips = np.zeros((2, 64, 64, 3), dtype=np.uint8)
    >>> chips[..., 0] = 255  # pure red
    >>> F = ThumbnailFeatures(output_size=4).fit_transform(chips)
    >>> F.shape, F[0, :3].tolist()
    ((2, 48), [1.0, 0.0, 0.0])
    """

    _parameter_constraints: dict = {
        "output_size": [Interval(Integral, 1, None, closed="left")],
        "channels": [StrOptions({"rgb", "grey"})],
        "n_jobs": [Integral, None],
    }

    def __init__(self, output_size=8, *, channels="rgb", n_jobs=None):
        self.output_size = output_size
        self.channels = channels
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and the chips; nothing is learned.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Face chips (see :func:`skface.utils.check_images`).
        y : None
            Ignored.

        Returns
        -------
        self : ThumbnailFeatures
        """
        self._check_images(X, dtype=None, channels=self.channels)
        n_channels = 3 if self.channels == "rgb" else 1
        self.n_features_out_ = self.output_size**2 * n_channels
        return self

    def transform(self, X):
        """Return the flattened thumbnails.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Face chips; uint8, uint16 or float in ``[0, 1]``; grey, RGB or
            RGBA (alpha is dropped). Sizes may differ.

        Returns
        -------
        features : ndarray of shape (n_samples, `n_features_out_`)
            Float64 values in ``[0, 1]``, in row, column, channel order.
        """
        check_is_fitted(self)
        images = self._check_images(X, dtype=None, channels="keep", stack=False)
        func = partial(_one_thumbnail, size=self.output_size, channels=self.channels)
        # OpenCV releases the GIL: threads, no worker start-up.
        thumbs = np.stack(self._map_images(func, images, prefer="threads"))
        return thumbs.reshape(len(thumbs), -1)

    def get_feature_names_out(self, input_features=None):
        """Names ``r0_0, g0_0, b0_0, r0_1, ...`` (``y{row}_{col}`` for grey).

        Parameters
        ----------
        input_features : None
            Ignored (images have no input feature names).

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        chans = ("r", "g", "b") if self.channels == "rgb" else ("y",)
        s = self.output_size
        names = [f"{c}{i}_{j}" for i in range(s) for j in range(s) for c in chans]
        return np.asarray(names, dtype=object)
