"""Metrics for face detection, landmarks and image quality.

Every function here works on arrays that are given (boxes, landmarks,
images) and runs no model. The anonymisation evaluations, which run a
detector, an encoder and a landmark extractor on the photos, moved to
:mod:`skface.autoencoders` (:func:`~skface.autoencoders.anonymization_report`
and its parts); their names here are deprecated aliases that warn.
"""

import warnings

from ._detection import average_precision, box_iou
from ._distance import face_distance
from ._image import l1_error, psnr, seam_score, ssim
from ._landmarks import interocular_distance, landmark_error

__all__ = [
    "average_precision",
    "box_iou",
    "face_distance",
    "interocular_distance",
    "l1_error",
    "landmark_error",
    "psnr",
    "seam_score",
    "ssim",
]

# Deprecated aliases, removed in skface 0.3. skface.autoencoders sits above
# this package in the layer order, so it is imported on access only
# (tests/test_layers.py lists this shim as an allowed exception).
_MOVED = (
    "anonymization_report",
    "identity_change_rate",
    "identity_distance",
    "landmark_shift",
)


def __getattr__(name):
    if name not in _MOVED:
        raise AttributeError(f"module 'skface.metrics' has no attribute {name!r}")
    warnings.warn(
        f"skface.metrics.{name} is deprecated and will be removed in skface 0.3; "
        f"use skface.autoencoders.{name}",
        FutureWarning,
        stacklevel=2,
    )
    from ..autoencoders import _anonymization_report

    return getattr(_anonymization_report, name)
