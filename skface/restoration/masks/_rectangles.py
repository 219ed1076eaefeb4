"""Random rectangular holes (the context encoder's training masks)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import BaseMaskGenerator, ensure_valid

__all__ = ["RandomRectangles"]


class RandomRectangles(BaseMaskGenerator):
    """Holes made of random axis-aligned rectangles.

    Each rectangle's height and width are drawn uniformly in
    ``[min_size, max_size]`` times the image's height and width, and its
    position uniformly inside the image. The context encoder is trained on
    such blocks.

    Parameters
    ----------
    n_rectangles : int, default=1
        Rectangles per image (their union is the hole).
    min_size : float in (0, 1], default=0.2
        Smallest side, as a fraction of the image side.
    max_size : float in (0, 1], default=0.5
        Largest side, as a fraction of the image side (>= ``min_size``).
    random_state : int, RandomState, Generator or None, default=None
        Default random state of :meth:`generate`.

    See Also
    --------
    CenterSquare, FaceMaskShape, IrregularStrokes, MixedMasks

    Examples
    --------
    >>> from skface.restoration.masks import RandomRectangles
    >>> gen = RandomRectangles(n_rectangles=2, random_state=0)
    >>> gen.generate((3, 32, 32)).shape
    (3, 32, 32)
    """

    _parameter_constraints = {
        "n_rectangles": [Interval(Integral, 1, None, closed="left")],
        "min_size": [Interval(Real, 0, 1, closed="right")],
        "max_size": [Interval(Real, 0, 1, closed="right")],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(
        self, n_rectangles=1, *, min_size=0.2, max_size=0.5, random_state=None
    ):
        self.n_rectangles = n_rectangles
        self.min_size = min_size
        self.max_size = max_size
        self.random_state = random_state

    def _generate_one(self, shape, rng, landmarks):
        if self.min_size > self.max_size:
            raise ValueError(
                f"min_size={self.min_size} must not exceed max_size={self.max_size}"
            )
        h, w = shape
        mask = np.zeros(shape, dtype=bool)
        for _ in range(self.n_rectangles):
            rh = int(
                np.clip(round(rng.uniform(self.min_size, self.max_size) * h), 1, h)
            )
            rw = int(
                np.clip(round(rng.uniform(self.min_size, self.max_size) * w), 1, w)
            )
            top = int(rng.integers(0, h - rh + 1))
            left = int(rng.integers(0, w - rw + 1))
            mask[top : top + rh, left : left + rw] = True
        return ensure_valid(mask)
