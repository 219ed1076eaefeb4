"""The latent model's input features, and mirrored training faces."""

from __future__ import annotations

import numpy as np

from ..features import ThumbnailFeatures
from ..landmarks._groups import _MIRROR

__all__ = ["latent_features"]


def latent_features(chips, landmarks, *, thumbnail_size=8):
    """The latent model's input: chip landmarks plus a colour thumbnail.

    Parameters
    ----------
    chips : (n_samples, S, S[, 3]) ndarray
        Aligned face chips.
    landmarks : ndarray of shape (n_samples, n_points, 2)
        Landmarks in chip pixel coordinates.
    thumbnail_size : int, default=8
        Side of the thumbnail (:class:`skface.features.ThumbnailFeatures`).

    Returns
    -------
    features : ndarray of shape (n_samples, 2 * n_points + 3 * thumbnail_size**2)
        ``x / S - 0.5, y / S - 0.5`` for each point, then the thumbnail's
        ``r, g, b`` values in ``[0, 1]``.
    """
    chips = np.asarray(chips)
    n, size = len(chips), chips.shape[1]
    pts = np.asarray(landmarks, dtype=np.float64).reshape(n, -1) / size - 0.5
    thumbs = ThumbnailFeatures(output_size=thumbnail_size).fit_transform(chips)
    return np.hstack([pts, thumbs])


def _mirror(chips, landmarks):
    """Horizontally flipped chips with their landmarks re-indexed."""
    size = chips.shape[2]
    flipped = np.ascontiguousarray(chips[:, :, ::-1])
    L = landmarks[:, _MIRROR[landmarks.shape[1]]].copy()
    L[..., 0] = size - 1 - L[..., 0]
    return flipped, L
