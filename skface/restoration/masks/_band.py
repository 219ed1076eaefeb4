"""Horizontal band hole: everything below a (random) row."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import BaseMaskGenerator, ensure_valid

__all__ = ["LowerBand"]


class LowerBand(BaseMaskGenerator):
    """Hide everything below a row drawn between ``low`` and ``high``.

    ``LowerBand(0.5, 0.5)`` hides the lower half of every image, the hole of
    scikit-learn's face-completion example; a range such as ``(0.4, 0.6)``
    varies the cut for training.

    Parameters
    ----------
    low, high : float in [0, 1), default=0.5
        The first hidden row is ``round(u * H)`` with ``u`` uniform in
        ``[low, high]``.
    random_state : int, RandomState instance, Generator or None, default=None
        Seed of the row draws (unused when ``low == high``).

    See Also
    --------
    CenterSquare, FaceMaskShape, MixedMasks

    Examples
    --------
    >>> from skface.restoration.masks import LowerBand
    >>> m = LowerBand().generate((2, 64, 64))
    >>> m.shape, bool(m[0, 32:].all()), bool(m[0, :32].any())
    ((2, 64, 64), True, False)
    """

    _parameter_constraints = {
        "low": [Interval(Real, 0, 1, closed="left")],
        "high": [Interval(Real, 0, 1, closed="left")],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(self, low=0.5, high=0.5, *, random_state=None):
        self.low = low
        self.high = high
        self.random_state = random_state

    def _generate_one(self, shape, rng, landmarks):
        if self.low > self.high:
            raise ValueError(f"low={self.low} must not exceed high={self.high}")
        h = shape[0]
        cut = self.low if self.low == self.high else rng.uniform(self.low, self.high)
        mask = np.zeros(shape, dtype=bool)
        mask[min(int(round(cut * h)), h - 1) :] = True
        return ensure_valid(mask)
