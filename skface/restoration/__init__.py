"""Face inpainting: fill holes in faces, keep every known pixel.

* :class:`BaseInpainter`: the shared ``fit`` / ``transform(X, masks)`` /
  ``score`` (PSNR on the hole) contract;
* :class:`BiharmonicInpainter`, :class:`TeleaInpainter` (OpenCV Telea and
  Navier-Stokes) and :class:`RegressionInpainter` (any multi-output
  regressor, for one fixed hole): classical baselines;
* :class:`MaskedFaceSynthesizer`: draws realistic masks on face photos, for
  masked/unmasked training pairs;
* :func:`blend_fill`: paste, feather or Poisson-blend a fill into a hole;
* :mod:`skface.restoration.masks`: hole generators (centre square, random
  rectangles, surgical-mask shape, strokes, mixtures).
"""

from ..utils._optional import require_neural
from . import masks as masks  # the public submodule
from ._base import BaseInpainter
from ._biharmonic import BiharmonicInpainter
from ._blend import blend_fill
from ._masked_faces import MaskedFaceSynthesizer
from ._regression import RegressionInpainter
from ._telea import TeleaInpainter

__all__ = [
    "BaseInpainter",
    "BiharmonicInpainter",
    "FaceInpainter",
    "MaskedFaceSynthesizer",
    "RegressionInpainter",
    "TeleaInpainter",
    "blend_fill",
]


def __getattr__(name):
    # FaceInpainter needs torch; the classical inpainters must not load it.
    if name == "FaceInpainter":
        require_neural("skface.restoration.FaceInpainter")
        from ._face_inpainter import FaceInpainter

        return FaceInpainter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | {"FaceInpainter"})
