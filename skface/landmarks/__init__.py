"""Facial landmarks: dlib shape predictors, pretrained (68 or 5 points) or
trained on your own annotations."""

from ._extractor import LandmarkExtractor

__all__ = ["LandmarkExtractor"]
