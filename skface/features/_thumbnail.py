"""Tiny colour thumbnails of face chips (the FaceSwap latent model's input)."""

from __future__ import annotations

from functools import partial
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import ImageEstimatorMixin

__all__ = ["ThumbnailFeatures"]

# Pixels are converted to float in blocks of at most this many values (64 MB
# of float64), so neither a large uint8 batch nor one 4000x3000 photo is ever
# duplicated as float64 all at once.
_BLOCK = 2**23


def _area_weights(n_in, n_out):
    """``(n_out, n_in)`` matrix averaging input pixels over output cells.

    Output cell ``i`` covers ``[i * n_in / n_out, (i + 1) * n_in / n_out)`` in
    input pixel units; each input pixel ``[h, h + 1)`` contributes its overlap
    with the cell. Rows sum to 1. This is exact area averaging (OpenCV's
    ``INTER_AREA`` when shrinking) and a box-sampled enlargement otherwise.
    """
    edges = np.arange(n_out + 1) * (n_in / n_out)
    lo = np.maximum(edges[:-1, None], np.arange(n_in)[None, :])
    hi = np.minimum(edges[1:, None], np.arange(1, n_in + 1)[None, :])
    W = np.clip(hi - lo, 0, None)
    return W / W.sum(axis=1, keepdims=True)


def _scale(images):
    """uint8/uint16/float images -> float64 in [0, 1]."""
    if images.dtype == np.uint8:
        return images / 255.0
    if images.dtype == np.uint16:
        return images / 65535.0
    return images.astype(np.float64, copy=False)


def _thumbnails(images, size):
    """Area-average a stacked ``(n, H, W, C)`` batch to ``(n, size, size, C)``."""
    n, H, W, C = images.shape
    Ah, Aw = _area_weights(H, size), _area_weights(W, size)
    per_image = H * W * C
    n_chunk = max(1, _BLOCK // per_image)
    h_block = H if per_image <= _BLOCK else max(1, _BLOCK // (W * C))
    out = np.empty((n, size, size, C))
    for s in range(0, n, n_chunk):
        chunk = images[s : s + n_chunk]
        m = len(chunk)
        rows = np.zeros((m, size, W * C))
        for r in range(0, H, h_block):
            block = _scale(chunk[:, r : r + h_block]).reshape(m, -1, W * C)
            rows += Ah[:, r : r + h_block] @ block
        out[s : s + m] = np.einsum("jw,niwc->nijc", Aw, rows.reshape(m, size, W, C))
    return out


def _one_thumbnail(image, size):
    return _thumbnails(image[None], size)[0]


class ThumbnailFeatures(TransformerMixin, ImageEstimatorMixin, BaseEstimator):
    """Shrink face chips to tiny colour thumbnails, flattened as features.

    Each chip is reduced to ``size x size`` pixels by exact area averaging
    (every output pixel is the mean of the input pixels it covers, so the
    result is anti-aliased) and flattened to ``size * size * 3`` values in
    ``[0, 1]``. An 8x8x3 thumbnail was the best appearance input of the
    FaceSwap project's latent model: with the landmarks it carries the
    face's colours and lighting at a glance.

    Parameters
    ----------
    size : int, default=8
        Side of the square thumbnail, in pixels. Chips that are not square
        are squeezed to a square.
    channels : {'rgb', 'grey'}, default='rgb'
        ``'rgb'`` gives ``size * size * 3`` features; ``'grey'`` the BT.601
        luma thumbnail, ``size * size`` features.
    n_jobs : int, default=None
        Workers for lists of differently sized chips (equal-size batches are
        reduced with two matrix products). ``None`` follows
        :func:`joblib.parallel_config`.

    Attributes
    ----------
    n_features_out_ : int
        ``size * size * 3`` (``size * size`` with ``channels='grey'``).

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
    >>> F = ThumbnailFeatures(size=4).fit_transform(chips)
    >>> F.shape, F[0, :3].tolist()
    ((2, 48), [1.0, 0.0, 0.0])
    """

    _parameter_constraints: dict = {
        "size": [Interval(Integral, 1, None, closed="left")],
        "channels": [StrOptions({"rgb", "grey"})],
        "n_jobs": [Integral, None],
    }

    def __init__(self, size=8, *, channels="rgb", n_jobs=None):
        self.size = size
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
        self.n_features_out_ = self.size * self.size * n_channels
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
        images = self._check_images(X, dtype=None, channels=self.channels)
        size = self.size
        if isinstance(images, np.ndarray):
            if images.ndim == 3:  # grey batch
                images = images[..., None]
            thumbs = _thumbnails(images, size)
        else:
            images = [im if im.ndim == 3 else im[..., None] for im in images]
            thumbs = np.stack(
                self._map_images(
                    partial(_one_thumbnail, size=size), images, prefer="threads"
                )
            )
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
        s = self.size
        names = [f"{c}{i}_{j}" for i in range(s) for j in range(s) for c in chans]
        return np.asarray(names, dtype=object)
