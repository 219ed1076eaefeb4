"""Generic image preprocessing steps for pipelines."""

from ._resize import ImageResizer

__all__ = ["ImageResizer"]
