"""Base mixin shared by every skface image estimator.

:class:`ImageEstimatorMixin` is for estimators whose ``X`` is a batch of
images (validation through :func:`skface.utils.check_images`, per-image work
through joblib). Family contracts live with their family: the detector
contract is :class:`skface.detection.DetectorMixin`, box selection is
:func:`skface.utils.select_boxes`.
"""

from __future__ import annotations

import warnings

from .utils import _boxes
from .utils._parallel import parallel_map
from .utils.validation import check_images

__all__ = ["ImageEstimatorMixin"]

# Deprecated aliases of names that skface 0.1.dev documented here; they warn
# and will be removed in 0.3. The detector contract sits above this module in
# the layer order, so ``DetectorMixin`` is imported on access only
# (tests/test_layers.py lists this shim as an allowed exception).
_MOVED = {
    "DetectorMixin": "skface.detection.DetectorMixin",
    "select_boxes": "skface.utils.select_boxes",
    "ON_MISSING": "skface.utils._boxes.ON_MISSING",
    "SELECT": "skface.utils._boxes.SELECT",
}


class ImageEstimatorMixin:
    """Mixin for estimators that take images as ``X``.

    Image estimators accept ``(n_samples, H, W[, C])`` arrays, lists of
    arrays and lists of paths (see :func:`skface.utils.check_images`). They
    reject 2-D arrays with a ``ValueError``, and their tags say so
    (``input_tags.two_d_array=False``, as scikit-learn's ``PatchExtractor``):
    :mod:`skface.utils.estimator_checks` checks them on images instead.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags

    def _check_images(self, X, **kwargs):
        return check_images(X, **kwargs)

    def _map_images(self, func, items, *, prefer=None):
        """Apply ``func`` to each item with ``self.n_jobs`` workers (joblib)."""
        return parallel_map(
            func, items, n_jobs=getattr(self, "n_jobs", None), prefer=prefer
        )


def __getattr__(name):
    if name not in _MOVED:
        raise AttributeError(f"module 'skface.base' has no attribute {name!r}")
    warnings.warn(
        f"skface.base.{name} is deprecated and will be removed in skface 0.3; "
        f"use {_MOVED[name]}",
        FutureWarning,
        stacklevel=2,
    )
    if name == "DetectorMixin":
        from .detection._base import DetectorMixin

        return DetectorMixin
    return getattr(_boxes, name)
