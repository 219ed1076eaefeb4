"""Features computed from faces: landmark geometry and appearance.

* :class:`Face2VecFeatures`: landmarks -> per-point offsets and distances to
  the nose tip (Face2Vec), with per-image or Procrustes normalisation.
* :class:`ThumbnailFeatures`: face chips -> tiny colour thumbnails.
* :class:`ColorHistogram`: face chips -> masked per-channel histograms.
* :class:`DlibFaceEncoder`: photos or chips -> 128-d dlib ResNet embeddings.

None of these import dlib or OpenCV until they are used.
"""

from ._dlib_encoder import DlibFaceEncoder
from ._face2vec import Face2VecFeatures
from ._histogram import ColorHistogram
from ._thumbnail import ThumbnailFeatures

__all__ = ["ColorHistogram", "DlibFaceEncoder", "Face2VecFeatures", "ThumbnailFeatures"]
