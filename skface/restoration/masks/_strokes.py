"""Free-form brush-stroke holes."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import BaseMaskGenerator, ensure_valid

__all__ = ["IrregularStrokes"]


def _draw_segment(mask, p0, p1, radius):
    """Set the pixels within ``radius`` of the segment ``p0``-``p1`` (x, y)."""
    h, w = mask.shape
    x0, y0 = p0
    x1, y1 = p1
    r = radius + 1
    top = max(int(np.floor(min(y0, y1) - r)), 0)
    bottom = min(int(np.ceil(max(y0, y1) + r)) + 1, h)
    left = max(int(np.floor(min(x0, x1) - r)), 0)
    right = min(int(np.ceil(max(x0, x1) + r)) + 1, w)
    if top >= bottom or left >= right:
        return
    yy, xx = np.mgrid[top:bottom, left:right]
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else ((xx - x0) * dx + (yy - y0) * dy) / length2
    t = np.clip(t, 0.0, 1.0)
    dist2 = (xx - x0 - t * dx) ** 2 + (yy - y0 - t * dy) ** 2
    mask[top:bottom, left:right] |= dist2 <= radius * radius


class IrregularStrokes(BaseMaskGenerator):
    """Free-form holes drawn as thick random brush strokes.

    Each stroke starts at a random point and makes ``max_vertices`` random
    turns (Yu et al.'s free-form masks, 2019); its width is drawn per stroke.

    Parameters
    ----------
    n_strokes : int, default=4
        Largest number of strokes per image (at least one is drawn).
    max_vertices : int, default=6
        Largest number of segments per stroke.
    max_width : float in (0, 1], default=0.1
        Largest stroke width, as a fraction of the shorter image side.
    max_length : float in (0, 1], default=0.25
        Largest segment length, as a fraction of the shorter image side.
    random_state : int, RandomState, Generator or None, default=None
        Default random state of :meth:`generate`.

    See Also
    --------
    CenterSquare, RandomRectangles, FaceMaskShape, MixedMasks

    References
    ----------
    J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu and T. Huang, "Free-form image
    inpainting with gated convolution", ICCV 2019.

    Examples
    --------
    >>> from skface.restoration.masks import IrregularStrokes
    >>> m = IrregularStrokes(random_state=0).generate((2, 64, 64))
    >>> m.dtype, bool(m.any(axis=(1, 2)).all())
    (dtype('bool'), True)
    """

    _parameter_constraints = {
        "n_strokes": [Interval(Integral, 1, None, closed="left")],
        "max_vertices": [Interval(Integral, 1, None, closed="left")],
        "max_width": [Interval(Real, 0, 1, closed="right")],
        "max_length": [Interval(Real, 0, 1, closed="right")],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(
        self,
        n_strokes=4,
        *,
        max_vertices=6,
        max_width=0.1,
        max_length=0.25,
        random_state=None,
    ):
        self.n_strokes = n_strokes
        self.max_vertices = max_vertices
        self.max_width = max_width
        self.max_length = max_length
        self.random_state = random_state

    def _generate_one(self, shape, rng, landmarks):
        h, w = shape
        short = min(h, w)
        mask = np.zeros(shape, dtype=bool)
        for _ in range(int(rng.integers(1, self.n_strokes + 1))):
            x, y = rng.uniform(0, w - 1), rng.uniform(0, h - 1)
            width = rng.uniform(0.3, 1.0) * self.max_width * short
            radius = max(width / 2, 0.5)
            angle = rng.uniform(0, 2 * np.pi)
            for _ in range(int(rng.integers(1, self.max_vertices + 1))):
                angle += rng.uniform(-np.pi / 2, np.pi / 2)
                length = rng.uniform(0.2, 1.0) * self.max_length * short
                nx = float(np.clip(x + length * np.cos(angle), 0, w - 1))
                ny = float(np.clip(y + length * np.sin(angle), 0, h - 1))
                _draw_segment(mask, (x, y), (nx, ny), radius)
                x, y = nx, ny
        return ensure_valid(mask)
