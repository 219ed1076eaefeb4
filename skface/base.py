"""Base mixins shared by skface estimators.

* :class:`ImageEstimatorMixin` for estimators whose ``X`` is a batch of
  images (validation through :func:`skface.utils.check_images`, per-image
  work through joblib).
* :class:`DetectorMixin` for face detectors: ``detect`` gives every face of
  every image; ``transform`` gives exactly one box per image (so ``y`` stays
  aligned inside a ``Pipeline``); ``score`` is average precision.
"""

from __future__ import annotations

import numpy as np

from .utils._parallel import parallel_map
from .utils.validation import check_images

__all__ = [
    "DetectorMixin",
    "ImageEstimatorMixin",
    "ON_MISSING",
    "SELECT",
    "select_boxes",
]

ON_MISSING = ("raise", "nan", "whole")
SELECT = ("largest", "best")


class ImageEstimatorMixin:
    """Mixin for estimators that take images as ``X``.

    Image estimators accept ``(n_samples, H, W[, C])`` arrays, lists of
    arrays and lists of paths (see :func:`skface.utils.check_images`). They
    reject 2-D arrays with a ``ValueError``, so scikit-learn's common checks
    that feed 2-D tabular data are waived for them, each with its reason, in
    ``tests/test_common.py``.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    def _check_images(self, X, **kwargs):
        return check_images(X, **kwargs)

    def _map_images(self, func, items, *, prefer=None):
        """Apply ``func`` to each item with ``self.n_jobs`` workers (joblib)."""
        return parallel_map(
            func, items, n_jobs=getattr(self, "n_jobs", None), prefer=prefer
        )


def _box_area(boxes):
    return np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(
        boxes[:, 3] - boxes[:, 1], 0, None
    )


def select_boxes(detections, shapes, *, select="largest", on_missing="raise"):
    """Pick one box per image from per-image detections.

    Parameters
    ----------
    detections : list of array-like of shape (k_i, 5)
        ``(left, top, right, bottom, score)`` rows per image.
    shapes : list of (H, W)
        Image sizes, for ``on_missing='whole'`` and error messages.
    select : {'largest', 'best'}, default='largest'
        The largest box, or the best-scored one.
    on_missing : {'raise', 'nan', 'whole'}, default='raise'
        An image without detections raises a ``ValueError`` naming it, gets
        a NaN row, or gets the whole image ``(0, 0, W, H)``.

    Returns
    -------
    boxes : ndarray of shape (n_samples, 4)
    """
    if select not in SELECT:
        raise ValueError(f"select must be one of {SELECT}, got {select!r}")
    if on_missing not in ON_MISSING:
        raise ValueError(f"on_missing must be one of {ON_MISSING}, got {on_missing!r}")
    out = np.empty((len(detections), 4))
    for i, (det, (h, w)) in enumerate(zip(detections, shapes)):
        det = np.asarray(det, dtype=float).reshape(-1, 5)
        if len(det) == 0:
            if on_missing == "raise":
                raise ValueError(
                    f"no face found in X[{i}] ({h}x{w} pixels); set "
                    "on_missing='nan' or 'whole' to keep such images"
                )
            out[i] = np.nan if on_missing == "nan" else (0, 0, w, h)
            continue
        k = np.argmax(_box_area(det)) if select == "largest" else np.argmax(det[:, 4])
        out[i] = det[k, :4]
    return out


class DetectorMixin(ImageEstimatorMixin):
    """Mixin for face detectors.

    Subclasses implement ``detect(X)`` returning, per image, a ``(k, 5)``
    float array of ``(left, top, right, bottom, score)`` rows, sorted by
    decreasing score, and declare the parameters ``select`` (``'largest'`` or
    ``'best'``) and ``on_missing`` (``'raise'``, ``'nan'`` or ``'whole'``).
    """

    _estimator_type = "detector"
    #: joblib backend hint for per-image work: "threads" when the native
    #: detector releases the GIL, "processes" when it holds it.
    _parallel_prefer = "threads"

    def __sklearn_tags__(self):
        from sklearn.utils import TransformerTags

        tags = super().__sklearn_tags__()
        # transform() gives one box per image: sklearn sees a transformer.
        if tags.transformer_tags is None:
            tags.transformer_tags = TransformerTags()
        return tags

    def fit_detect(self, X, y=None):
        """Fit, then return :meth:`detect` on ``X``."""
        return self.fit(X, y).detect(X)

    def transform(self, X):
        """Return one box per image, ``(n_samples, 4)``.

        The box is chosen by ``select`` among the image's detections; an
        image without a face is handled by ``on_missing``: ``'raise'`` raises
        a ``ValueError`` naming it, ``'nan'`` gives a NaN row and ``'whole'``
        the whole image ``(0, 0, W, H)``.
        """
        images = check_images(X, stack=False, dtype=None, channels="keep")
        detections = self.detect(images)
        return self._select_boxes(detections, [im.shape[:2] for im in images])

    def _select_boxes(self, detections, shapes):
        return select_boxes(
            detections,
            shapes,
            select=getattr(self, "select", "largest"),
            on_missing=getattr(self, "on_missing", "raise"),
        )

    def score(self, X, y):
        """Average precision of :meth:`detect` at IoU 0.5.

        Parameters
        ----------
        X : images
            See :func:`skface.utils.check_images`.
        y : list of array-like of shape (k_i, 4)
            True ``(left, top, right, bottom)`` boxes of each image.

        Returns
        -------
        ap : float
            Higher is better, so ``GridSearchCV`` can tune a detector directly.
        """
        from .metrics import average_precision

        return average_precision(y, self.detect(X), iou_threshold=0.5)
