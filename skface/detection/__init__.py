"""Face detectors: dlib HOG, OpenCV Haar cascades and dlib CNN (MMOD).

Every detector follows one contract (:class:`skface.detection.DetectorMixin`):

* ``detect(X)`` returns, per image, a ``(k, 5)`` float array of
  ``(left, top, right, bottom, score)`` rows sorted by decreasing score;
* ``transform(X)`` returns exactly one ``(left, top, right, bottom)`` box per
  image (``select='largest'|'best'``; images without a face follow
  ``on_missing='raise'|'nan'|'whole'``), so rows stay aligned with ``y``
  inside a :class:`~sklearn.pipeline.Pipeline`;
* ``score(X, boxes)`` is the average precision at IoU 0.5, so
  :class:`~sklearn.model_selection.GridSearchCV` tunes a detector directly.

dlib and OpenCV are imported only when a detector is fitted or used.
"""

from ._base import DetectorMixin
from ._cnn import CNNFaceDetector
from ._haar import HaarFaceDetector
from ._hog import HOGFaceDetector

__all__ = ["CNNFaceDetector", "DetectorMixin", "HaarFaceDetector", "HOGFaceDetector"]
