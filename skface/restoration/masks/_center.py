"""Centred square hole (the context encoder's test mask)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import BaseMaskGenerator, ensure_valid

__all__ = ["CenterSquare"]


class CenterSquare(BaseMaskGenerator):
    """A square hole in the middle of every image.

    The context encoder (Pathak et al., 2016) is evaluated on this mask: a
    centred square a third of the image side (side 21 on a 64x64 image).
    Deterministic: it has no ``random_state``.

    Parameters
    ----------
    size : float in (0, 1) or int >= 1, default=None
        Side of the square: a fraction of the shorter image side (float) or
        pixels (int). ``None`` means a third of the shorter side, rounded.

    See Also
    --------
    RandomRectangles, FaceMaskShape, IrregularStrokes, MixedMasks

    Examples
    --------
    >>> from skface.restoration.masks import CenterSquare
    >>> m = CenterSquare().generate((2, 64, 64))
    >>> m.shape, int(m[0].sum()) == 21 * 21
    ((2, 64, 64), True)
    """

    _parameter_constraints = {
        "size": [
            Interval(Real, 0, 1, closed="neither"),
            Interval(Integral, 1, None, closed="left"),
            None,
        ],
    }

    def __init__(self, size=None):
        self.size = size

    def _side(self, h, w):
        short = min(h, w)
        if self.size is None:
            side = round(short / 3)
        elif isinstance(self.size, Integral):
            side = int(self.size)
        else:
            side = round(self.size * short)
        return int(np.clip(side, 1, short))

    def _generate_one(self, shape, rng, landmarks):
        h, w = shape
        s = self._side(h, w)
        top, left = (h - s) // 2, (w - s) // 2
        mask = np.zeros(shape, dtype=bool)
        mask[top : top + s, left : left + s] = True
        return ensure_valid(mask)
