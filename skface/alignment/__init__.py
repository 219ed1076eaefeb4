"""Face alignment: aligned face chips out of photos, and back in.

* :class:`FaceExtractor` crops, aligns (similarity to a mean face, level
  eyes, or a centred square) and masks faces, and records how;
* :class:`FaceReconstructor` warps edited chips back with the exact inverse
  transforms and blends them in (feathered alpha or Poisson cloning);
* :func:`face_template` is the measured 68/5-point mean face the chips are
  aligned to; :func:`estimate_similarity` the least-squares similarity fit;
* :func:`piecewise_affine_warp` moves one face's landmarks onto another's
  (Delaunay triangles), the classical face swap's warp.
"""

from ._extractor import FaceExtractor, FaceRecords
from ._piecewise import piecewise_affine_warp
from ._reconstructor import FaceReconstructor
from ._template import face_template
from ._transforms import estimate_similarity

__all__ = [
    "FaceExtractor",
    "FaceReconstructor",
    "FaceRecords",
    "estimate_similarity",
    "face_template",
    "piecewise_affine_warp",
]
