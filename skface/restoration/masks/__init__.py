"""Hole-mask generators for inpainting.

Each generator is a parameter object (a scikit-learn ``BaseEstimator``
without ``fit``, so ``get_params``, ``clone`` and grid searches over it work)
with one method, ``generate(X, *, landmarks=None, random_state=None)``, that
returns a boolean ``(n_samples, H, W)`` array, True on the hole:

* :class:`CenterSquare`: a centred square, a third of the side (the context
  encoder's test mask);
* :class:`RandomRectangles`: random blocks (its training masks);
* :class:`FaceMaskShape`: a surgical-mask region placed from 68 landmarks,
  with a template placement where they are missing;
* :class:`IrregularStrokes`: free-form brush strokes;
* :class:`LowerBand`: everything below a row (the lower half);
* :class:`MixedMasks`: a random choice among generators, per image.

:func:`check_masks` validates user-given masks.
"""

from ._band import LowerBand
from ._center import CenterSquare
from ._face_mask import FaceMaskShape, face_mask_polygon
from ._mixed import MixedMasks
from ._rectangles import RandomRectangles
from ._strokes import IrregularStrokes
from ._validation import check_masks

__all__ = [
    "CenterSquare",
    "FaceMaskShape",
    "IrregularStrokes",
    "LowerBand",
    "MixedMasks",
    "RandomRectangles",
    "check_masks",
    "face_mask_polygon",
]
