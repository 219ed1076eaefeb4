"""The contract every face detector follows (:class:`DetectorMixin`)."""

from __future__ import annotations

import numpy as np
from sklearn.utils import TransformerTags

# sklearn's set_output machinery (what TransformerMixin uses), without
# TransformerMixin's fit_transform: a detector's fit is not a transform.
from sklearn.utils._set_output import _SetOutputMixin
from sklearn.utils.validation import check_is_fitted

from ..base import ImageEstimatorMixin
from ..metrics import average_precision
from ..utils._boxes import select_boxes
from ..utils._registry import PARAMETER_OBJECTS, register_class
from ..utils.validation import check_images

__all__ = ["DetectorMixin"]


class DetectorMixin(_SetOutputMixin, ImageEstimatorMixin):
    """Mixin for face detectors.

    Subclasses implement ``detect(X)`` returning, per image, a ``(k, 5)``
    float array of ``(left, top, right, bottom, score)`` rows, sorted by
    decreasing score, and declare the parameters ``select`` (``'largest'`` or
    ``'best'``) and ``on_missing`` (``'raise'``, ``'nan'`` or ``'whole'``).

    * ``detect`` gives every face of every image;
    * ``transform`` gives exactly one box per image (so ``y`` stays aligned
      inside a ``Pipeline``), chosen by :func:`skface.utils.select_boxes`;
    * ``score`` is average precision at IoU 0.5;
    * ``get_feature_names_out`` names the ``transform`` columns ``left, top,
      right, bottom``, so ``set_output(transform='pandas')`` works.
    """

    _estimator_type = "detector"
    #: joblib backend hint for per-image work: "threads" when the native
    #: detector releases the GIL, "processes" when it holds it.
    _parallel_prefer = "threads"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # a model file may name a detector as a parameter (inside a neural
        # estimator's front end); public detectors register themselves
        register_class(PARAMETER_OBJECTS, cls)

    def __sklearn_tags__(self):
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

    def get_feature_names_out(self, input_features=None):
        """Names of the :meth:`transform` columns: ``left, top, right, bottom``.

        Parameters
        ----------
        input_features : None
            Ignored (the input is images).

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        return np.asarray(["left", "top", "right", "bottom"], dtype=object)

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
        return average_precision(y, self.detect(X), iou_threshold=0.5)
