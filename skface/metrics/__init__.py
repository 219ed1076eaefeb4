"""Metrics for face detection, landmarks and image quality."""

from ._detection import average_precision, box_iou

__all__ = ["average_precision", "box_iou"]
