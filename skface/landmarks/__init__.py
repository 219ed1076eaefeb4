"""Facial landmarks: dlib shape predictors, pretrained (68 or 5 points) or
trained on your own annotations, and their named groups."""

from ._extractor import LandmarkExtractor
from ._groups import LANDMARK_GROUPS, landmark_groups
from ._head_pose import estimate_head_pose

__all__ = [
    "LANDMARK_GROUPS",
    "LandmarkExtractor",
    "estimate_head_pose",
    "landmark_groups",
]
