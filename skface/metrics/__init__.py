"""Metrics for face detection, landmarks and image quality."""

from ._anonymization import (
    anonymization_report,
    identity_change_rate,
    identity_distance,
    landmark_shift,
)
from ._detection import average_precision, box_iou
from ._image import l1_error, psnr, seam_score, ssim
from ._landmarks import interocular_distance, landmark_error

__all__ = [
    "anonymization_report",
    "identity_change_rate",
    "identity_distance",
    "landmark_shift",
    "average_precision",
    "box_iou",
    "interocular_distance",
    "l1_error",
    "landmark_error",
    "psnr",
    "seam_score",
    "ssim",
]
