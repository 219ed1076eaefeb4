"""Face recognition and per-face analysis.

* :class:`FaceRecognizer`: a classifier that names known people and labels
  everyone else ``'unknown'`` (nearest known face within a ``tolerance``, as
  face_recognition's ``compare_faces``); ``predict_faces`` labels every face
  of every photo.
* :class:`FaceAnalyzer`: one table row per face (box, score, landmarks,
  embedding, identity) for any photos and any detector.

Only the classical (dlib/OpenCV) parts are used: no torch.
"""

from ._analyzer import FaceAnalyzer
from ._recognizer import FaceRecognizer

__all__ = ["FaceAnalyzer", "FaceRecognizer"]
