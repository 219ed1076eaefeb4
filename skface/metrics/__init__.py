"""Metrics for face detection, landmarks and image quality."""

from ._detection import average_precision, box_iou
from ._landmarks import interocular_distance, landmark_error

__all__ = ["average_precision", "box_iou", "interocular_distance", "landmark_error"]
